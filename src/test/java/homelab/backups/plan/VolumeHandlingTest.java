package homelab.backups.plan;

import static homelab.backups.plan.ClaimHandlingTest.TIMEOUT;
import static homelab.backups.plan.ClaimHandlingTest.restoring;
import static homelab.backups.plan.ClaimHandlingTest.volume;
import static homelab.backups.plan.VolumeHandling.Dependency.DESTINATION;
import static homelab.backups.plan.VolumeHandling.Dependency.DRILL_SCRIPT;
import static homelab.backups.plan.VolumeHandling.Dependency.EARLIER_WAVES;
import static homelab.backups.plan.VolumeHandling.Dependency.KEPT_VOLUME;
import static homelab.backups.plan.VolumeHandling.Dependency.PVC;
import static homelab.backups.plan.VolumeHandling.Dependency.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every child's resource options in each mode, decided without Pulumi (the component only maps them). */
class VolumeHandlingTest {
    static final Optional<String> OLD_PV = Optional.of("pvc-1234");

    @Test
    void adoptingImportsAndProtectsThePvcAsItLivesWithNoDestinationAndNothingWaitingOnIt() {
        var plan = volume("nginx");
        var h = VolumeHandling.of(ClaimHandling.of(plan, false, TIMEOUT), OLD_PV, TIMEOUT);
        var pvc = h.pvc();
        assertEquals(Optional.of(true), pvc.protect());
        assertEquals(Optional.of("nginx-example/nginx-storage"), pvc.importId());
        assertEquals(List.of("metadata", "spec"), pvc.ignoreChanges());
        assertEquals(List.of(), pvc.replaceOnChanges());
        assertFalse(pvc.deleteBeforeReplace(), "a protected PVC is never replaced");
        assertEquals(Optional.empty(), pvc.createTimeout());
        assertEquals(List.of(EARLIER_WAVES), pvc.dependsOn());
        assertTrue(h.destination().isEmpty(), "VolSync provisions a destination's volume as soon as it exists");
        assertTrue(h.keptVolume().isEmpty(), "no restore, so no volume is set to Retain even when one is known");
        assertEquals(List.of(EARLIER_WAVES, SECRET), h.source().dependsOn(),
                "an adopted PVC has no dependents, so `pulumi state delete` can forget it");
    }

    @Test
    void aRestoreWaitsForItsDestinationThenKeepsTheOldVolumeThenReplacesThePvc() {
        var plan = restoring("nginx");
        var h = VolumeHandling.of(ClaimHandling.of(plan, false, TIMEOUT), OLD_PV, TIMEOUT);
        var destination = h.destination().orElseThrow();
        assertEquals(List.of(EARLIER_WAVES, SECRET, VolumeHandling.Dependency.RESTORE_CHECK), destination.dependsOn());
        assertEquals(Optional.of(TIMEOUT), destination.createTimeout());
        assertEquals(Optional.of(TIMEOUT), destination.updateTimeout(), "a new request updates an existing destination");
        assertTrue(destination.deleteBeforeReplace());
        assertEquals(Optional.empty(), destination.protect());

        var pvc = h.pvc();
        assertEquals(Optional.of(false), pvc.protect(), "said explicitly: the adopted PVC is protected in state");
        assertEquals(Optional.empty(), pvc.importId());
        assertEquals(List.of(), pvc.ignoreChanges());
        assertEquals(List.of("metadata", "spec"), pvc.replaceOnChanges());
        assertTrue(pvc.deleteBeforeReplace(), "the old PVC must be gone before its same-named replacement");
        assertFalse(pvc.retainOnDelete(), "the replacement's delete half would keep the old PVC and collide");
        assertEquals(Optional.of(TIMEOUT), pvc.createTimeout());
        assertEquals(List.of(EARLIER_WAVES, DESTINATION, KEPT_VOLUME), pvc.dependsOn());

        var kept = h.keptVolume().orElseThrow();
        assertTrue(kept.retainOnDelete(), "Retain is never reverted when the request is gone");
        assertEquals(List.of(EARLIER_WAVES), kept.dependsOn());
        assertEquals(List.of(EARLIER_WAVES, SECRET, PVC), h.source().dependsOn(),
                "an empty volume must never become the newest backup");

        var unknownVolume = VolumeHandling.of(ClaimHandling.of(plan, false, TIMEOUT), Optional.empty(), TIMEOUT);
        assertTrue(unknownVolume.keptVolume().isEmpty());
        assertEquals(List.of(EARLIER_WAVES, DESTINATION), unknownVolume.pvc().dependsOn());
    }

    @Test
    void disasterRecoveryCreatesAProtectedPvcFromItsDestinationAndBacksUpOnlyAfterIt() {
        var plan = volume("nestmtx");
        var h = VolumeHandling.of(ClaimHandling.of(plan, true, TIMEOUT), OLD_PV, TIMEOUT);
        var destination = h.destination().orElseThrow();
        assertEquals(List.of(EARLIER_WAVES, SECRET, VolumeHandling.Dependency.EARLIER_RESTORES,
                        VolumeHandling.Dependency.RESTORE_CHECK), destination.dependsOn(),
                "a rebuilt cluster restores in batches (recovery.parallelRestores)");
        assertEquals(Optional.of(TIMEOUT), destination.createTimeout());
        assertEquals(Optional.of(TIMEOUT), destination.updateTimeout());

        var pvc = h.pvc();
        assertEquals(Optional.of(true), pvc.protect());
        assertEquals(Optional.empty(), pvc.importId(), "a rebuilt cluster has nothing to adopt");
        assertEquals(List.of("metadata", "spec"), pvc.ignoreChanges());
        assertFalse(pvc.deleteBeforeReplace());
        assertEquals(Optional.of(TIMEOUT), pvc.createTimeout());
        assertEquals(List.of(EARLIER_WAVES, DESTINATION), pvc.dependsOn());
        assertTrue(h.keptVolume().isEmpty(), "nothing is replaced, so nothing is kept");
        assertEquals(List.of(EARLIER_WAVES, SECRET, PVC), h.source().dependsOn());
    }

    @Test
    void theOtherChildrenAreTheSameInEveryModeAndDeletedBeforeTheyAreReplaced() {
        var modes = List.of(
                VolumeHandling.of(ClaimHandling.of(volume("nginx"), false, TIMEOUT), OLD_PV, TIMEOUT),
                VolumeHandling.of(ClaimHandling.of(restoring("nginx"), false, TIMEOUT), OLD_PV, TIMEOUT),
                VolumeHandling.of(ClaimHandling.of(volume("nginx"), true, TIMEOUT), OLD_PV, TIMEOUT));
        for (var h : modes) {
            assertEquals(List.of(EARLIER_WAVES), h.secret().dependsOn());
            assertEquals(List.of(SECRET), h.maintenance().dependsOn());
            assertEquals(List.of(), h.drillScript().dependsOn());
            assertEquals(List.of(SECRET, DRILL_SCRIPT), h.drill().dependsOn(), "a drill reads the repository, never the PVC");
            for (var o : List.of(h.secret(), h.source(), h.maintenance(), h.drillScript(), h.drill())) {
                assertTrue(o.deleteBeforeReplace());
                assertEquals(Optional.empty(), o.protect());
                assertFalse(o.retainOnDelete());
            }
        }
    }
}
