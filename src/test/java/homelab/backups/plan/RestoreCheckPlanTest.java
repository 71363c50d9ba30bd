package homelab.backups.plan;

import static homelab.backups.plan.ClaimHandlingTest.TIMEOUT;
import static homelab.backups.plan.ClaimHandlingTest.restoring;
import static homelab.backups.plan.ClaimHandlingTest.volume;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.Settings;
import homelab.backups.support.TestStacks;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 21 part 2: a destination exists only after its restore check passed; the check's identity and inputs. */
class RestoreCheckPlanTest {
    static final String IMAGE = "quay.io/backube/volsync:0.15.0";

    static VolumePlan restoringAt(String app, String point) {
        var inputs = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"" + app + "\": \"volume:" + point + "\"}"));
        return Planner.plan(inputs).volumes().stream().filter(v -> v.app().equals(app)).findFirst().orElseThrow();
    }

    static List<VolumeHandling> everyMode(VolumePlan idle, VolumePlan requested) {
        return List.of(
                VolumeHandling.of(ClaimHandling.of(idle, false, TIMEOUT), Optional.of("pv-1"), TIMEOUT),
                VolumeHandling.of(ClaimHandling.of(requested, false, TIMEOUT), Optional.of("pv-1"), TIMEOUT),
                VolumeHandling.of(ClaimHandling.of(requested, false, TIMEOUT), Optional.empty(), TIMEOUT),
                VolumeHandling.of(ClaimHandling.of(idle, true, TIMEOUT), Optional.of("pv-1"), TIMEOUT));
    }

    @Test
    void everyDestinationDependsOnItsCheckAndNoCheckExistsWithoutADestination() {
        int destinations = 0;
        for (var plan : TestStacks.prodPlan().volumes()) {
            // A volume VolSync cannot restore by populator (a static PV) takes no restore request at all.
            var requested = plan.populatorRestore() ? restoringAt(plan.app(), "latest") : plan;
            for (var h : everyMode(plan, requested)) {
                assertEquals(h.destination().isPresent(), h.restoreCheck().isPresent(),
                        plan.app() + " " + h.claim().mode() + ": a check exactly when a destination");
                if (h.destination().isEmpty()) continue;
                destinations++;
                assertTrue(h.destination().get().dependsOn().contains(VolumeHandling.Dependency.RESTORE_CHECK),
                        plan.app() + " " + h.claim().mode() + ": the destination waits for its check");
                var check = h.restoreCheck().get();
                assertEquals(List.of(VolumeHandling.Dependency.EARLIER_WAVES, VolumeHandling.Dependency.SECRET), check.dependsOn(),
                        "the check reads the repository only: it needs its Secret, never the PVC, destination or kept volume");
                assertEquals(Optional.of(RestoreCheck.AWAIT), check.createTimeout());
                assertEquals(Optional.of(RestoreCheck.AWAIT), check.updateTimeout());
                assertTrue(RestoreCheck.AWAIT.compareTo(RestoreCheck.DEADLINE) > 0,
                        "up waits longer than the Job's own deadline, so the Job's DeadlineExceeded is what the owner reads");
                assertEquals(List.of("spec"), check.replaceOnChanges(), "a Job's spec is immutable: a changed check runs anew");
                assertTrue(check.deleteBeforeReplace());
                // Nothing that touches data waits less: the kept volume and the PVC come after the destination.
                assertTrue(h.pvc().dependsOn().contains(VolumeHandling.Dependency.DESTINATION));
            }
        }
        assertTrue(destinations > 0, "the prod inventory has volumes a destination can restore");
    }

    @Test
    void aCheckExistsOnlyForAPopulatedClaim() {
        var adopt = ClaimHandling.of(volume("nginx"), false, TIMEOUT);
        assertThrows(IllegalArgumentException.class,
                () -> RestoreCheck.of(volume("nginx"), adopt, Settings.Mover.RESTIC, IMAGE, false));
    }

    @Test
    void namesAreWithinTheLabelLimitDeterministicAndNewForEveryDecision() {
        var plan = restoring("nginx");
        var claim = ClaimHandling.of(plan, false, TIMEOUT);
        var a = RestoreCheck.of(plan, claim, Settings.Mover.RESTIC, IMAGE, false);
        assertTrue(a.jobName().matches("nginx-restore-check-[0-9a-f]{8}"), a.jobName());
        assertEquals(a, RestoreCheck.of(plan, claim, Settings.Mover.RESTIC, IMAGE, false), "deterministic");
        assertNotEquals(a.jobName(), RestoreCheck.of(plan, claim, Settings.Mover.RESTIC, IMAGE, true).jobName(),
                "a fresh start is another decision: its own Job, run again");
        var other = restoringAt("nginx", "previous:1");
        assertNotEquals(a.jobName(), RestoreCheck.of(other, ClaimHandling.of(other, false, TIMEOUT), Settings.Mover.RESTIC,
                IMAGE, false).jobName(), "a new request is a new Job");
        var dr = RestoreCheck.of(volume("nginx"), ClaimHandling.of(volume("nginx"), true, TIMEOUT), Settings.Mover.RESTIC, IMAGE, false);
        assertNotEquals(a.jobName(), dr.jobName());
        assertEquals(ClaimHandling.DISASTER_RECOVERY_ID, dr.trigger());
        assertEquals("latest", dr.point().text(), "disaster recovery restores the latest backup");

        var longApp = "a".repeat(30) + "-" + "b".repeat(40);
        var name = RestoreCheck.jobName(longApp, "x");
        assertTrue(name.length() <= 63, name);
        assertTrue(name.matches("a{30}-b{9}-restore-check-[0-9a-f]{8}"), name);
        assertEquals(name, RestoreCheck.jobName(longApp, "x"));
        var dashAtCut = "c".repeat(39) + "-" + "d".repeat(10);
        assertTrue(RestoreCheck.jobName(dashAtCut, "x").matches("c{39}-restore-check-[0-9a-f]{8}"), "no double dash");
        for (var v : TestStacks.prodPlan().volumes()) {
            if (!v.populatorRestore()) continue;
            var p = restoringAt(v.app(), "latest");
            var c = ClaimHandling.of(p, false, TIMEOUT);
            if (!c.populated()) continue;
            var n = RestoreCheck.of(p, c, Settings.Mover.RESTIC, IMAGE, false).jobName();
            assertTrue(n.length() <= 63 && n.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), n);
        }
        assertThrows(IllegalArgumentException.class, () -> new RestoreCheck("x", "ns", "x".repeat(64), "s",
                Settings.Mover.RESTIC, IMAGE, new homelab.backups.config.RestorePoint.Latest(), "t", false));
    }

    @Test
    void theCheckSelectsWhatVolSyncGivesItsMover() {
        var asOf = restoringAt("nginx", "2026-11-27T03:30:00+01:00");
        var env = RestoreCheck.of(asOf, ClaimHandling.of(asOf, false, TIMEOUT), Settings.Mover.RESTIC, IMAGE, false).env();
        assertEquals("2026-11-27T02:30:00Z", env.get("RESTORE_AS_OF"));
        assertEquals("", env.get("SELECT_PREVIOUS"));
        assertEquals("false", env.get("CHECK_ALLOW_EMPTY"));
        assertEquals("nginx", env.get("CHECK_APP"));
        var previous = restoringAt("nginx", "previous:2");
        env = RestoreCheck.of(previous, ClaimHandling.of(previous, false, TIMEOUT), Settings.Mover.RESTIC, IMAGE, true).env();
        assertEquals("", env.get("RESTORE_AS_OF"));
        assertEquals("2", env.get("SELECT_PREVIOUS"));
        assertEquals("previous:2", env.get("CHECK_POINT"));
        assertEquals("true", env.get("CHECK_ALLOW_EMPTY"));
    }
}
