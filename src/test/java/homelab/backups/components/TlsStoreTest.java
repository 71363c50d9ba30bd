package homelab.backups.components;

import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.core.internal.Internal;
import com.pulumi.kubernetes.core.v1.SecretArgs;
import homelab.backups.plan.Planner;
import homelab.backups.render.MockedRun;
import homelab.backups.support.TestStacks;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: TLS on RustFS for every client. One RustFS port is either HTTP or HTTPS, so with TLS every client talks
 * to the same HTTPS endpoint and trusts the store's CA: restic customCA, Barman endpointCA, pgBackRest's CA file.
 */
class TlsStoreTest {
    static final String CA = TestStacks.resource("certs/rustfs-test-ca.pem");

    static MockedRun run() {
        var config = TestStacks.with(TestStacks.with(TestStacks.prodConfig(), "s3",
                new com.google.gson.Gson().toJson(Map.of("endpoint", "https://192.168.10.133:30292", "caCertificate", CA))),
                "databases", "{\"pgbackrest\": {}}");
        var run = MockedRun.of(Planner.plan(TestStacks.load(config)));
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        return run;
    }

    static Map<?, ?> secretData(MockedRun run, String name) {
        var args = (SecretArgs) run.args().get(name);
        return (Map<?, ?>) Internal.of(args.stringData().orElseThrow()).getValueNullable().join();
    }

    static Map<String, Object> inputs(MockedRun run, String name) {
        return homelab.backups.support.Registrations.named(run, name).inputs();
    }

    @Test
    void everyClientTrustsTheStoresCa() {
        var run = run();
        assertEquals(CA, secretData(run, "nginx-repository").get("ca.crt"), "the repository Secret carries the CA");
        assertEquals(Map.of("secretName", "nginx-backup-repo", "key", "ca.crt"), at(inputs(run, "nginx-source"), "spec.restic.customCA"));
        assertEquals(CA, secretData(run, DatabaseChild.CREDENTIALS.of("khoj-database")).get("ca.crt"));
        assertEquals(Map.of("name", "khoj-database-backup-s3", "key", "ca.crt"),
                at(inputs(run, DatabaseChild.OBJECT_STORE.of("khoj-database")), "spec.configuration.endpointCA"));
        assertEquals(CA, secretData(run, DatabaseChild.CREDENTIALS.of("immich-postgres")).get("ca.crt"));
        assertEquals("/etc/pgbackrest/conf.d/ca.crt",
                at(inputs(run, DatabaseChild.BACKUP_WIRING.of("immich-postgres")), "spec.backups.pgbackrest.global.repo1-storage-ca-file"));
        assertEquals("192.168.10.133:30292", at(inputs(run, DatabaseChild.BACKUP_WIRING.of("immich-postgres")), "spec.backups.pgbackrest.repos")
                instanceof java.util.List<?> l ? ((Map<?, ?>) ((Map<?, ?>) l.get(0)).get("s3")).get("endpoint") : null,
                "pgBackRest uses the store's own HTTPS endpoint");
        assertTrue(Internal.of(((SecretArgs) run.args().get("nginx-repository")).stringData().orElseThrow()).isSecret().join());
    }
}
