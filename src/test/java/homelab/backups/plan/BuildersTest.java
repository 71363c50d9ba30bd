package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.VolumeHandling.ChildOptions;
import homelab.backups.plan.VolumeHandling.Dependency;
import homelab.backups.support.TestStacks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The builders of the records with many fields: each step changes what it names and nothing else. */
class BuildersTest {
    @ParameterizedTest
    @EnumSource(ClaimHandling.Mode.class)
    void aClaimHandlingStartsAsTheSafeShape(ClaimHandling.Mode mode) {
        var h = ClaimHandling.in(mode).build();
        assertEquals(mode, h.mode());
        assertTrue(h.protect(), "protected unless a step says it is replaced");
        assertEquals(ClaimHandling.ADOPTED_AS_IT_LIVES, h.ignoreChanges(), "every owner's field ignored");
        assertFalse(h.deleteBeforeReplace());
        assertEquals(List.of(), h.replaceOnChanges());
        assertFalse(h.populated());
        assertFalse(h.backupsWaitForClaim());
        assertFalse(h.pauseBackups());
        assertFalse(h.acceptNothing());
    }

    @Test
    void aReplacedClaimIsUnprotectedIgnoresNothingAndGoesBeforeItsReplacement() {
        var h = ClaimHandling.in(ClaimHandling.Mode.RESTORE).replacing().build();
        assertFalse(h.protect());
        assertEquals(List.of(), h.ignoreChanges());
        assertTrue(h.deleteBeforeReplace());
        assertEquals(ClaimHandling.REPLACE_WHEN_RESTORING, h.replaceOnChanges());
    }

    @Test
    void aPopulatedClaimsBackupsWaitForIt() {
        var h = ClaimHandling.in(ClaimHandling.Mode.FILL).populatedBy("r-latest-1").build();
        assertTrue(h.populated());
        assertTrue(h.backupsWaitForClaim(), "an empty volume must never become the newest backup");
        assertEquals(Optional.of("r-latest-1"), h.restoreId());
    }

    @Test
    void everyHandlingThePlannerDecidesThatIsPopulatedWaitsForItsClaim() {
        for (var v : TestStacks.prodPlan().volumes()) {
            for (boolean recovering : List.of(false, true)) {
                var h = ClaimHandling.of(v, recovering, Duration.ofHours(1));
                assertEquals(h.populated(), h.backupsWaitForClaim(), v.app() + " " + h.mode());
                assertEquals(h.mode() == ClaimHandling.Mode.RESTORE, !h.protect(), v.app() + " " + h.mode());
            }
        }
    }

    @Test
    void eachChildOptionsWitherChangesOnlyItsField() {
        var base = new ChildOptions.Builder(List.of(Dependency.SECRET)).protect(Optional.of(true))
                .importId(Optional.of("ns/x")).ignoreChanges(List.of("metadata")).build();
        var retained = base.retainedOnDelete();
        assertTrue(retained.retainOnDelete());
        assertEquals(base, retained.toBuilder().retainOnDelete(false).build());
        var waiting = base.waiting(Duration.ofMinutes(5));
        assertEquals(Optional.of(Duration.ofMinutes(5)), waiting.createTimeout());
        assertEquals(Optional.of(Duration.ofMinutes(5)), waiting.updateTimeout());
        assertEquals(base, waiting.toBuilder().createTimeout(Optional.empty()).updateTimeout(Optional.empty()).build());
        var replaced = base.replacedOnChanges(List.of("spec"));
        assertEquals(List.of("spec"), replaced.replaceOnChanges());
        assertEquals(base, replaced.toBuilder().replaceOnChanges(List.of()).build());
        assertTrue(ChildOptions.named().deleteBeforeReplace(), "every named Kubernetes child is deleted before it is replaced");
    }

    @Test
    void aDrillPlanRoundTripsThroughItsBuilderAndRefusesAMissingField() {
        var drill = TestStacks.prodPlan().drills().get(0);
        assertEquals(drill, drill.toBuilder().build());
        assertEquals(Optional.of("abc"), drill.accepting(Optional.of("abc")).acceptedRepository());
        var missing = assertThrows(IllegalStateException.class, () -> DrillPlan.builder().app("x").build());
        assertTrue(missing.getMessage().contains("namespace"), missing.getMessage());
        assertFalse(missing.getMessage().contains("app,"), missing.getMessage());
    }
}
