package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What may happen to an app's PVC in each mode, decided without Pulumi. */
class ClaimHandlingTest {
    static final Duration TIMEOUT = Duration.ofHours(24);

    static VolumePlan volume(String app) {
        return TestStacks.prodPlan().volumes().stream().filter(v -> v.app().equals(app)).findFirst().orElseThrow();
    }

    static VolumePlan restoring(String app) {
        var inputs = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore",
                "{\"" + app + "\": \"latest\"}"));
        return Planner.plan(inputs).volumes().stream().filter(v -> v.app().equals(app)).findFirst().orElseThrow();
    }

    @Test
    void anIdleVolumeAdoptsItsLivePvcAsItLives() {
        var h = ClaimHandling.of(volume("nginx"), false, TIMEOUT);
        assertEquals(ClaimHandling.Mode.ADOPT, h.mode());
        assertEquals(Optional.of("nginx-example/nginx-storage"), h.importId());
        assertTrue(h.protect());
        assertEquals(List.of("metadata", "spec"), h.ignoreChanges(), "nothing others wrote may ever diff");
        assertFalse(h.populated());
        assertFalse(h.deleteBeforeReplace());
        assertEquals(List.of(), h.replaceOnChanges());
        assertFalse(h.backupsWaitForClaim(), "an adopted PVC has no dependents, so it can be forgotten from state");
    }

    @Test
    void aRestoreReplacesOnlyFromItsDestinationAndNeedsNoLivePvc() {
        var plan = restoring("nginx");
        var h = ClaimHandling.of(plan, false, TIMEOUT);
        assertEquals(ClaimHandling.Mode.RESTORE, h.mode());
        assertFalse(h.protect());
        assertTrue(h.importId().isEmpty());
        assertEquals(List.of(), h.ignoreChanges());
        assertTrue(h.deleteBeforeReplace());
        assertEquals(List.of("metadata", "spec"), h.replaceOnChanges());
        assertEquals(Optional.of(plan.restore().orElseThrow().id()), h.restoreId());
        assertTrue(h.populated());
        assertTrue(h.backupsWaitForClaim(), "an empty volume must never become the newest backup");
        assertEquals(Optional.of(TIMEOUT), h.createTimeout());
    }

    @Test
    void disasterRecoveryCreatesProtectedPvcsFromBackupAndStaticVolumesAreAlwaysAdopted() {
        var h = ClaimHandling.of(volume("nestmtx"), true, TIMEOUT);
        assertEquals(ClaimHandling.Mode.DISASTER_RECOVERY, h.mode());
        assertTrue(h.protect());
        assertTrue(h.importId().isEmpty());
        assertTrue(h.populated());
        assertEquals(Optional.of(ClaimHandling.DISASTER_RECOVERY_ID), h.restoreId());
        var withShare = TestStacks.writeInventory(TestStacks.prodInventoryText().replace(
                "copyMethod: Direct,\n     exclude: {reason: \"an SMB mount of a TrueNAS share, which TrueNAS backs up (and not deployed at this commit)\"}}",
                "copyMethod: Direct}"));
        var staticVolume = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "inventory", withShare)))
                .volumes().stream().filter(v -> v.app().equals("jellyfin-media")).findFirst().orElseThrow();
        var media = ClaimHandling.of(staticVolume, true, TIMEOUT);
        assertEquals(ClaimHandling.Mode.ADOPT, media.mode(), "a static PV's data lives outside the cluster");
    }
}
