package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Restore-before-bind, decided without Pulumi: what a live claim is (the one the program holds, one waiting for its
 * data, one re-created behind its back) and what may happen to it with and without a request.
 */
class ClaimStateTest {
    static final Duration TIMEOUT = Duration.ofHours(24);
    static final String HELD_UID = "11111111-aaaa-4aaa-8aaa-111111111111";
    static final String NEW_UID = "22222222-bbbb-4bbb-8bbb-222222222222";

    static VolumePlan plan(String restore) {
        var config = restore == null ? TestStacks.prodConfig()
                : TestStacks.with(TestStacks.prodConfig(), "restore", "{\"nginx\": \"" + restore + "\"}");
        return Planner.plan(TestStacks.load(config)).volumes().stream().filter(v -> v.app().equals("nginx"))
                .findFirst().orElseThrow();
    }

    static LiveClaim claim(String uid, String phase, Optional<String> dataSourceRef, Optional<String> restoreId) {
        var p = plan(null);
        return new LiveClaim(p.namespace(), p.pvc(), uid, Optional.of(p.capacity().text()), List.of("ReadWriteOnce"),
                Optional.of(p.storageClass()), Optional.of(phase), "Bound".equals(phase) ? Optional.of("pvc-x") : Optional.empty(),
                false, restoreId, Optional.empty(), Map.of(), Map.of(), Optional.of("2026-12-07T10:00:00Z"), dataSourceRef);
    }

    static LiveClaim waiting(String uid) {
        return claim(uid, "Pending", Optional.of(ClaimState.contract(plan(null))), Optional.empty());
    }

    static LiveClaim bound(String uid) {
        return claim(uid, "Bound", Optional.empty(), Optional.empty());
    }

    static ClaimState state(VolumePlan p, LiveClaim live, String recorded, boolean recovering) {
        return ClaimState.classify(p, Optional.ofNullable(live), Optional.ofNullable(recorded),
                ClaimHandling.pendingRestore(p, recovering));
    }

    @Test
    void theContractIsTheDestinationTheProgramsOwnRestoreAlreadyNames() {
        var p = plan(null);
        assertEquals("volsync.backube/ReplicationDestination/" + p.destinationName(), ClaimState.contract(p));
        assertEquals(p.app() + "-restore", p.destinationName());
    }

    @Test
    void classifiesEveryLiveClaim() {
        var p = plan(null);
        assertEquals(ClaimState.State.MISSING, state(p, null, HELD_UID, false).state());
        assertEquals(ClaimState.State.UNRECORDED, state(p, bound(HELD_UID), null, false).state());
        assertEquals(ClaimState.State.HELD, state(p, bound(HELD_UID), HELD_UID, false).state());
        assertEquals(ClaimState.State.RE_CREATED, state(p, bound(NEW_UID), HELD_UID, false).state());
        // Pending with the contract waits, whatever its UID and whether one is recorded.
        assertEquals(ClaimState.State.WAITING, state(p, waiting(NEW_UID), HELD_UID, false).state());
        assertEquals(ClaimState.State.WAITING, state(p, waiting(NEW_UID), null, false).state());
        // Pending without the contract binds empty when a pod comes: re-created, not waiting.
        assertEquals(ClaimState.State.RE_CREATED,
                state(p, claim(NEW_UID, "Pending", Optional.empty(), Optional.empty()), HELD_UID, false).state());
        // A dataSourceRef naming another destination is not the contract.
        assertEquals(ClaimState.State.RE_CREATED, state(p, claim(NEW_UID, "Pending",
                Optional.of("volsync.backube/ReplicationDestination/other-restore"), Optional.empty()), HELD_UID, false).state());
        // The program's own restore (same request id), even while it is still Pending from its destination.
        var restoring = plan("latest");
        var own = claim(NEW_UID, "Pending", Optional.of(ClaimState.contract(p)), Optional.of(restoring.restore().orElseThrow().id()));
        assertEquals(ClaimState.State.OWN_RESTORE, state(restoring, own, HELD_UID, false).state());
        assertEquals(ClaimState.State.OWN_RESTORE, state(p, claim(NEW_UID, "Bound", Optional.empty(),
                Optional.of(ClaimHandling.DISASTER_RECOVERY_ID)), null, true).state());
    }

    @Test
    void aWaitingClaimWithoutARequestIsAdoptedAsItLivesWithItsBackupsPausedAndKeepsTheRecordedUid() {
        var p = plan(null);
        var s = state(p, waiting(NEW_UID), HELD_UID, false);
        var h = ClaimHandling.of(p, s, false, TIMEOUT);
        assertEquals(ClaimHandling.Mode.WAIT, h.mode());
        assertTrue(h.pauseBackups());
        assertTrue(h.protect());
        assertEquals(Optional.of(p.namespace() + "/" + p.pvc()), h.importId());
        assertEquals(ClaimHandling.ADOPTED_AS_IT_LIVES, h.ignoreChanges());
        assertFalse(h.populated(), "no destination: nothing fills it until the owner says what it gets");
        assertEquals(Optional.of(HELD_UID), h.claimUid(), "a waiting claim is not the app's data yet");
        assertTrue(s.refusal(p, false).isEmpty(), "it is reported, not refused: the other apps go ahead");
        var handling = VolumeHandling.of(h, Optional.of("pvc-old"), TIMEOUT);
        assertTrue(handling.destination().isEmpty());
        assertTrue(handling.keptVolume().isEmpty());
        assertTrue(handling.pvc().replaceOnChanges().isEmpty());
    }

    @Test
    void aRequestFillsTheWaitingClaimInPlaceNeverReplacingIt() {
        for (var request : List.of("latest", "previous:1", "fresh-start")) {
            var p = plan(request);
            var s = state(p, waiting(NEW_UID), HELD_UID, false);
            var h = ClaimHandling.of(p, s, false, TIMEOUT);
            assertEquals(ClaimHandling.Mode.FILL, h.mode(), request);
            assertTrue(h.protect(), "the waiting claim is Argo CD's: never deleted");
            assertEquals(Optional.of(p.namespace() + "/" + p.pvc()), h.importId());
            assertEquals(ClaimHandling.ADOPTED_AS_IT_LIVES, h.ignoreChanges());
            assertFalse(h.deleteBeforeReplace());
            assertTrue(h.replaceOnChanges().isEmpty());
            assertTrue(h.populated());
            assertFalse(h.pauseBackups());
            assertEquals(Optional.of(NEW_UID), h.claimUid(), "once filled, the live claim is the app's data");
            assertEquals(Optional.of(p.restore().orElseThrow().id()), h.restoreId(), "the destination's trigger");
            assertEquals("fresh-start".equals(request), h.acceptNothing(), "only a fresh start accepts nothing restored");
            assertTrue(s.refusal(p, false).isEmpty(), request);
            var handling = VolumeHandling.of(h, Optional.of("pvc-old"), TIMEOUT);
            assertTrue(handling.destination().isPresent());
            assertTrue(handling.keptVolume().isEmpty(), "nothing is replaced, so no volume is kept");
            assertTrue(handling.source().dependsOn().contains(VolumeHandling.Dependency.PVC));
            assertTrue(handling.pvc().dependsOn().contains(VolumeHandling.Dependency.DESTINATION),
                    "the backups wait for the destination (through the claim)");
        }
    }

    @Test
    void disasterRecoveryFillsAWaitingClaimWithItsOwnTriggerInBatches() {
        var p = plan(null);
        var h = ClaimHandling.of(p, state(p, waiting(NEW_UID), null, true), true, TIMEOUT);
        assertEquals(ClaimHandling.Mode.FILL, h.mode());
        assertEquals(Optional.of(ClaimHandling.DISASTER_RECOVERY_ID), h.restoreId());
        assertFalse(h.acceptNothing(), "disaster recovery needs evidence of data like any restore");
        assertTrue(h.recovering());
        assertTrue(VolumeHandling.of(h, Optional.empty(), TIMEOUT).destination().orElseThrow().dependsOn()
                .contains(VolumeHandling.Dependency.EARLIER_RESTORES));
        // A missing claim is still created from its destination.
        assertEquals(ClaimHandling.Mode.DISASTER_RECOVERY, ClaimHandling.of(p, state(p, null, null, true), true, TIMEOUT).mode());
    }

    @Test
    void aClaimReCreatedWithoutTheContractStopsTheProgramNamingBothUidsUntilTheOwnerDecides() {
        var p = plan(null);
        var s = state(p, bound(NEW_UID), HELD_UID, false);
        var why = s.refusal(p, false).orElseThrow();
        for (var part : List.of("RE-CREATED nginx", p.namespace() + "/" + p.pvc(), HELD_UID, NEW_UID,
                "2026-12-07T10:00:00Z", "restore.nginx' latest", "restore.nginx' fresh-start", "overwrite")) {
            assertTrue(why.contains(part), part + " in: " + why);
        }
        // A point replaces it through the restore path (its volume kept: the undo a restore has).
        var restoring = plan("latest");
        var r = ClaimHandling.of(restoring, state(restoring, bound(NEW_UID), HELD_UID, false), false, TIMEOUT);
        assertEquals(ClaimHandling.Mode.RESTORE, r.mode());
        assertTrue(state(restoring, bound(NEW_UID), HELD_UID, false).refusal(restoring, false).isEmpty());
        // fresh-start accepts the live volume and records its UID.
        var fresh = plan("fresh-start");
        var f = state(fresh, bound(NEW_UID), HELD_UID, false);
        assertTrue(f.refusal(fresh, false).isEmpty());
        var accepted = ClaimHandling.of(fresh, f, false, TIMEOUT);
        assertEquals(ClaimHandling.Mode.ADOPT, accepted.mode());
        assertEquals(Optional.of(NEW_UID), accepted.claimUid());
        assertFalse(accepted.populated());
    }

    @Test
    void theHeldClaimAndTheFirstAdoptionGoOnAsBeforeAndRecordTheLiveUid() {
        var p = plan(null);
        for (var recorded : new String[]{HELD_UID, null}) {
            var s = state(p, bound(HELD_UID), recorded, false);
            assertTrue(s.refusal(p, false).isEmpty());
            var h = ClaimHandling.of(p, s, false, TIMEOUT);
            assertEquals(ClaimHandling.of(p, false, TIMEOUT).mode(), h.mode());
            assertEquals(Optional.of(HELD_UID), h.claimUid());
            assertFalse(h.pauseBackups());
        }
    }

    @Test
    void freshStartIsOnlyForAClaimThatHasNoDataYet() {
        var p = plan("fresh-start");
        for (var s : List.of(state(p, bound(HELD_UID), HELD_UID, false), state(p, bound(HELD_UID), null, false),
                state(p, null, HELD_UID, false))) {
            var why = s.refusal(p, false);
            assertTrue(why.isPresent() && why.get().contains("fresh-start is for a claim that has no data yet"), s.state() + ": " + why);
        }
        assertTrue(state(p, waiting(NEW_UID), null, false).refusal(p, false).isEmpty());
        assertTrue(state(p, null, null, true).refusal(p, true).isEmpty(), "missing in disaster recovery");
        assertTrue(state(p, bound(NEW_UID), null, true).refusal(p, true).isEmpty(), "bound, nothing recorded, in DR");
    }

    @Test
    void disasterRecoveryRefusesABoundClaimItCannotTellIsTheAppsData() {
        var p = plan(null);
        var why = state(p, bound(NEW_UID), null, true).refusal(p, true).orElseThrow();
        assertTrue(why.contains("DISASTER RECOVERY nginx") && why.contains(NEW_UID) && why.contains("fresh-start"), why);
        assertTrue(state(p, bound(NEW_UID), null, false).refusal(p, false).isEmpty(), "outside DR: a first adoption");
        assertTrue(state(p, bound(NEW_UID), HELD_UID, true).refusal(p, true).orElseThrow().contains("RE-CREATED"));
        assertTrue(state(p, bound(HELD_UID), HELD_UID, true).refusal(p, true).isEmpty(), "the claim the program holds");
        assertEquals(ClaimHandling.Mode.ADOPT,
                ClaimHandling.of(p, state(p, bound(HELD_UID), HELD_UID, true), true, TIMEOUT).mode());
    }

    @Test
    void theRecordedUidIsReadFromTheSourcesAnnotation() {
        assertEquals(Optional.of(HELD_UID), ClaimState.recorded(Map.of("metadata",
                Map.of("annotations", Map.of(ClaimState.CLAIM_UID_ANNOTATION, HELD_UID)))));
        assertEquals(Optional.empty(), ClaimState.recorded(Map.of("metadata", Map.of())));
    }

    @Test
    void aClaimTheOwnerBoundToTheVolumeARestoreKeptIsAnUndoneRestoreNotAReCreatedOne() {
        var p = plan(null);
        var undone = ClaimState.classify(p, Optional.of(bound(NEW_UID)), Optional.of(HELD_UID), Optional.of("pvc-x"),
                Optional.empty());
        assertEquals(ClaimState.State.UNDONE, undone.state(), "bound to pvc-x, the volume the restore kept");
        assertTrue(undone.refusal(p, false).isEmpty());
        var h = ClaimHandling.of(p, undone, false, TIMEOUT);
        assertEquals(ClaimHandling.Mode.ADOPT, h.mode());
        assertEquals(Optional.of(NEW_UID), h.claimUid());
        assertEquals(Optional.empty(), h.keptVolume(), "the undo used the kept volume up");
        var elsewhere = ClaimState.classify(p, Optional.of(bound(NEW_UID)), Optional.of(HELD_UID), Optional.of("pvc-other"),
                Optional.empty());
        assertEquals(ClaimState.State.RE_CREATED, elsewhere.state(), "bound to any other volume: re-created");
        // The restored claim names the volume its restore kept; the source keeps naming it.
        var restored = new LiveClaim(p.namespace(), p.pvc(), HELD_UID, Optional.of(p.capacity().text()),
                List.of("ReadWriteOnce"), Optional.of(p.storageClass()), Optional.of("Bound"), Optional.of("pvc-new"), false,
                Optional.of("r-latest-1a2b3c4d"), Optional.of("pvc-x"), Map.of(), Map.of());
        var held = ClaimState.classify(p, Optional.of(restored), Optional.of(HELD_UID), Optional.of("pvc-x"), Optional.empty());
        assertEquals(Optional.of("pvc-x"), ClaimHandling.of(p, held, false, TIMEOUT).keptVolume());
    }

    /** Data safety: whatever the live claim is, nothing but a request for a point may delete or replace it. */
    @Test
    void withoutARequestForAPointNoClaimIsEverDeletedOrReplaced() {
        var claims = new java.util.ArrayList<LiveClaim>();
        claims.add(null);
        claims.addAll(List.of(bound(HELD_UID), bound(NEW_UID), waiting(NEW_UID),
                claim(NEW_UID, "Pending", Optional.empty(), Optional.empty()),
                claim(NEW_UID, "Bound", Optional.of(ClaimState.contract(plan(null))), Optional.empty()),
                claim(NEW_UID, "Bound", Optional.empty(), Optional.of(ClaimHandling.DISASTER_RECOVERY_ID))));
        for (var request : new String[]{null, "fresh-start"}) {
            var p = plan(request);
            for (var live : claims) {
                for (var recorded : new String[]{null, HELD_UID}) {
                    for (boolean dr : new boolean[]{false, true}) {
                        var s = ClaimState.classify(p, Optional.ofNullable(live), Optional.ofNullable(recorded),
                                Optional.of("pvc-x"), ClaimHandling.pendingRestore(p, dr));
                        var h = ClaimHandling.of(p, s, dr, TIMEOUT);
                        var what = request + " " + s.state() + " dr=" + dr;
                        if (s.live().isEmpty() || s.state() == ClaimState.State.OWN_RESTORE) {
                            // Nothing to delete (created from its backup) or the program's own disaster recovery.
                            assertTrue(h.mode() == ClaimHandling.Mode.DISASTER_RECOVERY || h.mode() == ClaimHandling.Mode.ADOPT,
                                    what + ": " + h.mode());
                            continue;
                        }
                        assertTrue(h.protect(), what);
                        assertTrue(h.replaceOnChanges().isEmpty(), what);
                        assertFalse(h.deleteBeforeReplace(), what);
                        assertTrue(h.mode() != ClaimHandling.Mode.RESTORE, what);
                        assertTrue(VolumeHandling.of(h, Optional.of("pvc-x"), TIMEOUT).keptVolume().isEmpty(), what);
                    }
                }
            }
        }
    }

    @Test
    void freshStartInDisasterRecoveryOfAMissingClaimAcceptsAnEmptyRepository() {
        var p = plan("fresh-start");
        var dr = ClaimHandling.of(p, state(p, null, null, true), true, TIMEOUT);
        assertEquals(ClaimHandling.Mode.DISASTER_RECOVERY, dr.mode());
        assertTrue(dr.acceptNothing(), "the owner's fresh start: the check and the evidence accept nothing restored");
        var plain = plan(null);
        assertFalse(ClaimHandling.of(plain, state(plain, null, null, true), true, TIMEOUT).acceptNothing(),
                "without it, disaster recovery requires a backup");
    }

    @Test
    void aClaimTheProgramRestoredInAnEarlierReleaseIsAdoptedAndRecordedNotTakenForAnUnprovenFill() {
        // An earlier release restored it (its restore annotation, the contract's dataSourceRef) and recorded no UID:
        // the upgrade's first up adopts it as it lives and records it (end to end: scenario s after f).
        var p = plan(null);
        var restoredBefore = new LiveClaim(p.namespace(), p.pvc(), NEW_UID, Optional.of(p.capacity().text()),
                List.of("ReadWriteOnce"), Optional.of(p.storageClass()), Optional.of("Bound"), Optional.of("pvc-new"), false,
                Optional.of("r-latest-1a2b3c4d"), Optional.of("pvc-kept"), Map.of(), Map.of(),
                Optional.of("2026-12-07T10:00:00Z"), Optional.of(ClaimState.contract(p)));
        var s = state(p, restoredBefore, null, false);
        assertEquals(ClaimState.State.UNRECORDED, s.state());
        assertEquals(Optional.empty(), s.refusal(p, false));
        var handling = ClaimHandling.of(p, s, false, TIMEOUT);
        assertEquals(ClaimHandling.Mode.ADOPT, handling.mode());
        // What the first up records is what the next one (HELD) records: nothing is left to change.
        var held = ClaimHandling.of(p, state(p, restoredBefore, NEW_UID, false), false, TIMEOUT);
        assertEquals(held, handling);
        assertEquals(Optional.of("pvc-kept"), handling.keptVolume(), "the volume its restore kept is recorded from the first up");
        // Recorded, and then re-created with its annotation copied (another UID): not the held claim, refused.
        assertEquals(ClaimState.State.RE_CREATED, state(p, restoredBefore, HELD_UID, false).state());
    }

    @Test
    void aClaimThePopulatorBoundBeforeTheEvidenceWasSeenIsCheckedAgainNeverTakenOnTrust() {
        var p = plan(null);
        var filled = claim(NEW_UID, "Bound", Optional.of(ClaimState.contract(p)), Optional.empty());
        for (var recorded : new String[]{null, HELD_UID}) {
            var s = state(p, filled, recorded, false);
            assertEquals(ClaimState.State.FILLED, s.state());
            var why = s.refusal(p, false).orElseThrow();
            assertTrue(why.contains("FILLED nginx") && why.contains(NEW_UID) && why.contains("fresh-start"), why);
            // In disaster recovery (or with a request) the destination's evidence is checked again before anything
            // is recorded.
            var dr = ClaimHandling.of(p, state(p, filled, recorded, true), true, TIMEOUT);
            assertEquals(ClaimHandling.Mode.FILL, dr.mode());
            assertEquals(Optional.of(ClaimHandling.DISASTER_RECOVERY_ID), dr.restoreId());
            assertFalse(dr.acceptNothing());
            assertTrue(state(p, filled, recorded, true).refusal(p, true).isEmpty());
        }
        // Once recorded, it is the claim the program holds.
        assertEquals(ClaimState.State.HELD, state(p, filled, NEW_UID, false).state());
        var fresh = plan("fresh-start");
        var h = ClaimHandling.of(fresh, state(fresh, filled, null, true), true, TIMEOUT);
        assertEquals(ClaimHandling.Mode.FILL, h.mode());
        assertTrue(h.acceptNothing());
    }
}
