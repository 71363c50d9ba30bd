package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code restore.<app>: fresh-start} and disaster recovery per app and namespace, as config. */
class FreshStartTest {
    @Test
    void freshStartIsARequestOfItsOwn() {
        var inputs = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"nginx\": \"fresh-start\"}"));
        var request = inputs.restoreOf("nginx").orElseThrow();
        assertTrue(request.freshStart());
        assertEquals("fresh-start", request.text());
        assertFalse(RestoreRequest.of("nginx", new RestorePoint.Latest(), java.util.Optional.empty()).freshStart());
        assertTrue(request.id().startsWith("r-fresh-start-"), request.id());
    }

    @Test
    void freshStartIsRefusedForADatabase() {
        var db = TestStacks.prodPlan().databases().get(0).id();
        var thrown = assertThrows(ConfigErrors.InvalidConfigException.class, () -> TestStacks.load(
                TestStacks.with(TestStacks.prodConfig(), "restore", "{\"" + db + "\": \"fresh-start\"}")));
        assertTrue(thrown.getMessage().contains("fresh-start is for a volume's claim"), thrown.getMessage());
    }

    @Test
    void disasterRecoveryCoversTheStackOrTheAppsAndNamespacesItNames() {
        var plan = TestStacks.prodPlan();
        var nginx = plan.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        var other = plan.volumes().stream().filter(v -> !v.namespace().equals(nginx.namespace())).findFirst().orElseThrow();
        for (var scope : List.of("[\"nginx\"]", "[\"namespace:" + nginx.namespace() + "\"]")) {
            var r = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "recovery", "{\"disasterRecovery\": " + scope + "}"))
                    .settings().restore();
            assertTrue(r.disasterRecovery());
            assertTrue(r.recovers(nginx.app(), nginx.namespace()), scope);
            assertFalse(r.recovers(other.app(), other.namespace()), scope);
        }
        var whole = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "recovery", "{\"disasterRecovery\": true}"))
                .settings().restore();
        assertTrue(whole.recovers(other.app(), other.namespace()));
        var off = TestStacks.prodPlan().inputs().settings().restore();
        assertFalse(off.recovers(nginx.app(), nginx.namespace()));
        // A point for an app outside the scope is an ordinary restore; fresh-start goes with disaster recovery.
        var mixed = TestStacks.load(TestStacks.with(TestStacks.with(TestStacks.prodConfig(), "recovery",
                "{\"disasterRecovery\": [\"nginx\"]}"), "restore", "{\"nginx\": \"fresh-start\", \"" + other.app() + "\": \"latest\"}"));
        assertTrue(mixed.restoreOf(other.app()).isPresent());
    }

    /** Issue 22 part 3: disaster recovery restores volumes; a database's own restore request stands beside it. */
    @Test
    void aDatabaseRestoreStandsBesideDisasterRecoveryAndAVolumePointStillDoesNot() {
        var plan = TestStacks.prodPlan();
        var database = plan.databases().stream().filter(d -> d.engine().match(c -> true, p -> false)).findFirst().orElseThrow();
        var inputs = TestStacks.load(TestStacks.with(TestStacks.with(TestStacks.prodConfig(), "recovery",
                "{\"disasterRecovery\": true}"), "restore", "{\"" + database.id() + "\": \"latest\"}"));
        assertTrue(inputs.settings().restore().disasterRecovery());
        assertTrue(inputs.restoreOf(database.id()).isPresent(), "the database's request is kept under disaster recovery");
        var nginx = plan.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        var refused = org.junit.jupiter.api.Assertions.assertThrows(ConfigErrors.InvalidConfigException.class, () -> TestStacks.load(
                TestStacks.with(TestStacks.with(TestStacks.prodConfig(), "recovery", "{\"disasterRecovery\": true}"),
                        "restore", "{\"" + nginx.app() + "\": \"latest\"}")));
        assertTrue(refused.getMessage().contains("only fresh-start may"), refused.getMessage());
    }
}
