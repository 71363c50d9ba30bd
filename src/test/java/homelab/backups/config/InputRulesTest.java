package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the bad-input corpus cannot show: the inputs the same rules accept. */
class InputRulesTest {
    static final String NGINX = "  - {app: nginx, namespace: nginx-example, pvc: nginx-storage, capacity: 1Gi, "
            + "accessModes: [ReadWriteOnce], storageClass: longhorn}\n";

    @Test
    void anEmptyInventoryThatSaysSoIsAccepted() {
        var errors = new ConfigErrors();
        var inventory = InventoryLoader.parse("empty: true\nvolumes: []\n", "inventory.yaml", errors);
        assertTrue(errors.isEmpty(), () -> errors.size() + " error(s)");
        assertEquals(List.of(), inventory.volumes());
        var refused = new ConfigErrors();
        InventoryLoader.parse("volumes: []\n", "inventory.yaml", refused);
        assertEquals(1, refused.size(), "the same inventory without empty: true");
    }

    @Test
    void anInventoryWithOnlyDatabasesBacksSomethingUp() {
        var errors = new ConfigErrors();
        InventoryLoader.parse("databases:\n  - {name: khoj-database, engine: cnpg, namespace: cloudnative-pg}\n", "inventory.yaml", errors);
        assertTrue(errors.isEmpty());
    }

    @Test
    void volumeInFrontOfTheValueRestoresTheVolumeWhoseIdIsAlsoAClusterName() {
        var inputs = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"immich\": \"volume:latest\"}"));
        var request = inputs.restoreOf("immich").orElseThrow();
        var plain = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"nginx\": \"latest\"}"))
                .restoreOf("nginx").orElseThrow();
        assertEquals(plain.point(), request.point(), "volume: says which, and is no part of the point");
        assertTrue(request.id().startsWith("r-latest-"), request.id());
        // The database by its id: no ambiguity.
        var database = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"immich-postgres\": \"latest\"}"));
        assertTrue(database.restoreOf("immich-postgres").isPresent());
    }

    @Test
    void realCertificatesAreAcceptedOneOrAChain() {
        var ca = TestStacks.resource("certs/rustfs-test-ca.pem");
        assertEquals(Optional.empty(), SettingsLoader.certificateProblem(ca));
        assertEquals(Optional.empty(), SettingsLoader.certificateProblem(ca + ca), "a chain of certificates");
        var truncated = ca.substring(0, ca.length() / 2) + "\n-----END CERTIFICATE-----\n";
        assertTrue(SettingsLoader.certificateProblem(truncated).isPresent(), "half a certificate");
        assertTrue(SettingsLoader.certificateProblem(ca + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .isPresent(), "a good certificate followed by a broken one");
    }

    @Test
    void aMisspeltNamespaceIsTellApartFromOtherProjects() {
        for (var ns : List.of("homelab-backup", "homelab_backups", "Homelab-Backups", "homelabbackups", "hoemlab-backups")) {
            assertTrue(StackFile.resembles(ns), ns);
        }
        for (var ns : List.of("pulumi", "kubernetes", "aws", "onepassword")) {
            assertTrue(!StackFile.resembles(ns), ns + " is another namespace, read by its own provider");
        }
    }

    @Test
    void verifyHelpExitsZero() {
        var out = new ByteArrayOutputStream();
        assertEquals(0, homelab.backups.verify.Verify.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream())));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: verify"));
        assertEquals(64, homelab.backups.verify.Verify.run(new String[] {"--nope"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())));
    }
}
