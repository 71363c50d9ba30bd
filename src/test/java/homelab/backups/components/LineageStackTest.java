package homelab.backups.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.StackConfig;
import homelab.backups.plan.ArchiveLookup;
import homelab.backups.plan.ArchiveRead;
import homelab.backups.plan.ArchiveView;
import homelab.backups.plan.Planner;
import homelab.backups.plan.Repository;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.support.TestStacks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 22 part 3 through the whole program: the archive is read (with the stack's S3 keys, awaited before
 * registration) and a cluster that is not the archive's is never wired into it.
 */
class LineageStackTest {
    static final String LIVE = "7450000000000000001";
    static final String OLD = "7310000000000000042";

    /** The store: india-db's lineage as given, every other prefix empty; records the keys it was opened with. */
    static final class Store implements ArchiveLookup {
        final Map<String, ArchiveRead> lineages = new HashMap<>();
        final List<String> keys = new ArrayList<>();

        public ArchiveRead barman(Repository repository, String serverName) {
            return lineages.getOrDefault(serverName, new ArchiveRead.Read(new ArchiveView(repository.url() + "/" + serverName,
                    List.of(), Optional.empty())));
        }

        public List<String> barmanServers(Repository repository) {
            return List.of();
        }

        public ArchiveRead pgbackrest(Repository repository, String stanza) {
            return new ArchiveRead.NotChecked("not read by this test");
        }

        ArchiveAccess access() {
            return ArchiveAccess.reading((target, access, secret) -> {
                keys.add(access);
                keys.add(secret);
                return this;
            });
        }
    }

    static Store storeWithHistoryOf(String systemId) {
        var store = new Store();
        var end = Instant.parse("2026-11-30T03:10:00Z");
        store.lineages.put("india-db", new ArchiveRead.Read(new ArchiveView("s3://test-pg/cnpg/india-db/india-db",
                List.of(new ArchiveView.BaseBackup("20261130T030000", systemId, Optional.of(end.minusSeconds(600)),
                        Optional.of(end), true)),
                Optional.of(new ArchiveView.WalTip("000000010000000000000009", end)))));
        return store;
    }

    /** The live india-db Cluster as CNPG reports it once its instance runs. */
    @SuppressWarnings("unchecked")
    static MockCluster cluster(StackPlan plan, String systemId) {
        var base = MockCluster.asInventory(plan);
        var d = plan.databases().stream().filter(x -> x.id().equals("india-db")).findFirst().orElseThrow();
        var object = new LinkedHashMap<String, Object>(base.object(d.engine().cluster().apiVersion(), "Cluster",
                d.database().namespace(), d.database().name()).orElseThrow());
        var meta = new LinkedHashMap<String, Object>((Map<String, Object>) object.get("metadata"));
        meta.put("creationTimestamp", "2026-12-01T11:00:00Z");
        object.put("metadata", meta);
        object.put("status", Map.of("systemID", systemId));
        return base.withObject(object);
    }

    static MockedRun run(StackConfig config, String liveSystem, Store store) {
        var plan = Planner.plan(TestStacks.load(config));
        return MockedRun.of(plan, cluster(plan, liveSystem), RecordingMocks.withPlaceholders(plan.inputs().settings()),
                store.access());
    }

    static List<String> names(MockedRun run) {
        return run.mocks().registrations().stream().map(RecordingMocks.Registration::name).toList();
    }

    static StackConfig configSecrets(StackConfig base) {
        var values = new LinkedHashMap<String, String>();
        values.put("secrets", "{\"source\": \"config\"}");
        for (var key : List.of("s3AccessKey", "s3SecretKey", "resticPassword")) values.put(key, "set-as-a-secret");
        return TestStacks.with(base, values);
    }

    @Test
    void anArchiveOfAnotherSystemStopsTheRunBeforeAnythingIsRegistered() {
        var store = storeWithHistoryOf(OLD);
        var run = run(configSecrets(TestStacks.testConfig()), LIVE, store);
        assertNotEquals(0, run.result().exitCode(), "the run must stop");
        var errors = String.join("\n", run.result().errors());
        assertTrue(errors.contains("LINEAGE: the CNPG Cluster databases/india-db (system identifier " + LIVE), errors);
        assertTrue(errors.contains("s3://test-pg/cnpg/india-db/india-db") && errors.contains(OLD), errors);
        assertTrue(errors.contains("set serverName: india-db-v2"), errors);
        assertEquals(List.of(), names(run), "nothing is registered");
        assertFalse(store.keys.isEmpty(), "the store was opened with the stack's keys, awaited before registration");
        assertTrue(store.keys.stream().allMatch(k -> k.startsWith(RecordingMocks.PLACEHOLDER_PREFIX)), store.keys::toString);
    }

    @Test
    void withOnePasswordOnlyTheSecretsWaveIsRegisteredBeforeTheRefusal() {
        var run = run(TestStacks.testConfig(), LIVE, storeWithHistoryOf(OLD));
        assertNotEquals(0, run.result().exitCode());
        // 1Password is read through its provider, which must exist before the getItem read; nothing else is.
        var types = run.mocks().registrations().stream().map(RecordingMocks.Registration::type).distinct().sorted().toList();
        assertEquals(List.of("homelab-backups:waves:Secrets", "pulumi:providers:onepassword"), types, names(run)::toString);
    }

    @Test
    void theClustersOwnArchiveIsWiredAsBefore() {
        var run = run(configSecrets(TestStacks.testConfig()), OLD, storeWithHistoryOf(OLD));
        assertEquals(0, run.result().exitCode(), run.result().errors()::toString);
        var names = names(run);
        assertTrue(names.contains(DatabaseChild.BACKUP_WIRING.of("india-db")), names::toString);
        assertTrue(names.contains(DatabaseChild.SCHEDULED_BACKUP.of("india-db")), names::toString);
    }

    @Test
    void aPendingRestoreGoesAheadAndTheEmptyClustersWiringIsWithheld() {
        var config = configSecrets(TestStacks.with(TestStacks.testConfig(), "restore", "{\"india-db\": \"latest\"}"));
        var run = run(config, LIVE, storeWithHistoryOf(OLD));
        assertEquals(0, run.result().exitCode(), run.result().errors()::toString);
        var names = names(run);
        assertFalse(names.contains(DatabaseChild.BACKUP_WIRING.of("india-db")), "no patch of the empty cluster: " + names);
        assertFalse(names.contains(DatabaseChild.SCHEDULED_BACKUP.of("india-db")), "no (immediate) backup of it: " + names);
        assertTrue(names.contains(DatabaseChild.RECOVERY.of("india-db")), "the recovered cluster is created: " + names);
        assertTrue(names.contains(DatabaseChild.OBJECT_STORE.of("india-db")), "it reads the lineage through the ObjectStore");
        assertTrue(names.contains(DatabaseChild.BACKUP_WIRING.of("juliet-db")), "another database is wired as before");
        var warning = run.warnings().stream().filter(w -> w.startsWith("LINEAGE india-db: backups of databases/india-db withheld: "))
                .findFirst();
        assertTrue(warning.isPresent(), run.warnings()::toString);
        assertTrue(run.stack().storage().databases().stream().filter(db -> db.pulumiResourceName().equals("india-db"))
                .allMatch(db -> db.clusterPatch().isEmpty() && db.scheduledBackup().isEmpty()));
    }
}
