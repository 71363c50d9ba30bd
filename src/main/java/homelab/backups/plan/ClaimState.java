package homelab.backups.plan;

import homelab.backups.config.RestoreRequest;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the live PVC of a backed-up volume is still the claim the program holds as the app's data (restore-before-
 * bind; README: When a claim is re-created). Pure: the live claim and the UID the program recorded come in as values.
 *
 * <p>The program records the UID of the claim it holds on the app's ReplicationSource ({@link #CLAIM_UID_ANNOTATION},
 * an object it owns). A claim re-created behind its back - Argo CD's prune, a deleted Application, a namespace made
 * anew, a rebuilt cluster - has another UID. With the Git side of the contract ({@code spec.dataSourceRef} naming the
 * app's ReplicationDestination, {@link VolumeNames#destinationName}) it waits {@code Pending}: VolSync's volume
 * populator leaves a claim whose ReplicationDestination does not exist, or has no {@code status.latestImage}, unbound
 * and only records a Warning event (backube/volsync v0.15.0 internal/controller/volumepopulator_controller.go
 * {@code reconcilePVCPrime}; event reasons {@code VolSyncPopulatorReplicationDestinationMissing} and
 * {@code VolSyncPopulatorReplicationDestinationNoLatestImage}, api/v1alpha1/events.go), and it never repopulates a
 * bound claim ({@code isPVCBoundToVolume}). Without the contract it binds to a new, empty volume at once.
 *
 * @param recordedUid        the UID recorded on the app's ReplicationSource, when the source exists and carries one
 * @param recordedKeptVolume the PersistentVolume the program's last restore kept, as recorded on the source
 */
public record ClaimState(State state, Optional<LiveClaim> live, Optional<String> recordedUid,
                         Optional<String> recordedKeptVolume) {
    /** On the app's ReplicationSource: the UID of the PVC the program holds as the app's data. */
    public static final String CLAIM_UID_ANNOTATION = "homelab-backups/claim-uid";
    public static final String SOURCE_API_VERSION = "volsync.backube/v1alpha1";

    public enum State {
        /** No live PVC. */
        MISSING,
        /** Pending with the contract's {@code dataSourceRef}, whatever its UID: waiting for its data. */
        WAITING,
        /** It carries the restore annotation of the restore pending now: the program made it. */
        OWN_RESTORE,
        /** It is the claim the program recorded. */
        HELD,
        /** Nothing is recorded yet (the first adoption, or a rebuilt cluster without the app's source). */
        UNRECORDED,
        /**
         * Bound, with the contract, without the program's restore annotation, and not the recorded claim: VolSync's
         * populator bound it to a volume made from the
         * destination's {@code latestImage} (only the populator binds such a claim; the external provisioner leaves a
         * claim with a non-core data source alone), but the program has not yet seen that restore's evidence - an
         * {@code up} that stopped after the populator bound it. It is filled again only in name: the destination's
         * status is checked again, and nothing is recorded until it shows data (or the owner asked for a fresh start).
         */
        FILLED,
        /**
         * Another UID, bound to the volume the program's last restore kept: the owner undid that restore (README: Undo
         * a restore), so it holds the app's data from before the restore.
         */
        UNDONE,
        /** Another UID than the recorded one, and not waiting: it holds whatever was written since it was made. */
        RE_CREATED
    }

    public ClaimState(State state, Optional<LiveClaim> live, Optional<String> recordedUid) {
        this(state, live, recordedUid, Optional.empty());
    }

    /**
     * @param pendingRestore the restore annotation value of the restore pending now (a request's id, or the disaster
     *                       recovery trigger), if any
     */
    public static ClaimState classify(VolumePlan plan, Optional<LiveClaim> live, Optional<String> recordedUid,
                                      Optional<String> pendingRestore) {
        return classify(plan, live, recordedUid, Optional.empty(), pendingRestore);
    }

    /** @param recordedKept the volume the program's last restore kept, as recorded on the source */
    public static ClaimState classify(VolumePlan plan, Optional<LiveClaim> live, Optional<String> recordedUid,
                                      Optional<String> recordedKept, Optional<String> pendingRestore) {
        State state;
        if (live.isEmpty()) {
            state = State.MISSING;
        } else if (pendingRestore.isPresent() && live.get().restoreId().equals(pendingRestore)) {
            // The program's own restore, created by an up that did not finish (Pending from the same contract): carry on.
            state = State.OWN_RESTORE;
        } else if (live.get().pending() && live.get().dataSourceRef().equals(Optional.of(contract(plan)))) {
            state = State.WAITING;
        } else if (recordedUid.isPresent() && recordedUid.get().equals(live.get().uid())) {
            state = State.HELD;
        } else if (live.get().dataSourceRef().equals(Optional.of(contract(plan))) && live.get().restoreId().isEmpty()) {
            // Only a claim the program did not make: one it restored carries its restore annotation (an earlier
            // release's restore too, which recorded no UID: the upgrade adopts it as UNRECORDED; scenario s).
            state = State.FILLED;
        } else if (recordedUid.isEmpty()) {
            state = State.UNRECORDED;
        } else if (recordedKept.isPresent() && live.get().volumeName().equals(recordedKept)) {
            state = State.UNDONE;
        } else {
            state = State.RE_CREATED;
        }
        return new ClaimState(state, live, recordedUid, recordedKept);
    }

    /** The contract's data source, as {@link LiveClaim#dataSourceRef} reads it. */
    public static String contract(VolumePlan plan) {
        return LiveClaim.ref("volsync.backube", "ReplicationDestination", plan.destinationName());
    }

    /** Reads the live claim and the UID recorded on the app's ReplicationSource. */
    public static ClaimState read(VolumePlan plan, Optional<String> pendingRestore, LiveReview.Lookup live) {
        var claim = live.claim(plan.namespace(), plan.pvc());
        var source = live.object(SOURCE_API_VERSION, "ReplicationSource", plan.namespace(), plan.sourceName());
        return classify(plan, claim, source.flatMap(ClaimState::recorded),
                source.flatMap(o -> annotation(o, KEPT_VOLUME_ANNOTATION)), pendingRestore);
    }

    /** On the app's ReplicationSource: the PersistentVolume the program's last restore kept (README: Undo a restore). */
    public static final String KEPT_VOLUME_ANNOTATION = "homelab-backups/kept-volume";

    static Optional<String> recorded(Map<String, Object> source) {
        return annotation(source, CLAIM_UID_ANNOTATION);
    }

    @SuppressWarnings("unchecked")
    static Optional<String> annotation(Map<String, Object> object, String key) {
        var meta = object.get("metadata") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.<String, Object>of();
        var annotations = meta.get("annotations") instanceof Map<?, ?> a ? a : Map.of();
        return annotations.get(key) instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }

    /**
     * Why the program must stop for this volume before anything is registered, if it must: a claim re-created without
     * the contract and no request; in disaster recovery a bound claim that is not the recorded one; {@code fresh-start}
     * for a claim that has data.
     *
     * @param recovering disaster recovery covers this volume
     */
    public Optional<String> refusal(VolumePlan plan, boolean recovering) {
        var request = plan.restore();
        boolean fresh = request.map(RestoreRequest::freshStart).orElse(false);
        var pvc = plan.namespace() + "/" + plan.pvc();
        var resolutions = " Resolve it with one config value: `pulumi config set --path 'homelab-backups:restore."
                + plan.app() + "' latest` (or any point the repository " + plan.repositoryPath() + " holds) replaces "
                + "this claim with the backup, keeping its volume (README: Undo a restore); `pulumi config set --path "
                + "'homelab-backups:restore." + plan.app() + "' fresh-start` accepts the live volume as the app's data "
                + "from now on. Nothing was registered and no object was written";
        if (state == State.FILLED && request.isEmpty() && !recovering) {
            var c = live.orElseThrow(() -> noLiveClaim(plan, state));
            return Optional.of("FILLED " + plan.app() + ": the PVC " + pvc + " (UID " + c.uid() + ", created "
                    + c.created().orElse("at an unknown time") + ") was bound by VolSync's populator from the destination "
                    + plan.destinationName() + ", but this program never saw that restore show data"
                    + recordedUid.map(u -> " (the claim it held was UID " + u + ")").orElse("")
                    + ": it may be empty." + resolutions.replace("replaces this claim", "checks the destination again "
                    + "(`latest` restores anew and replaces this claim)"));
        }
        if (state == State.RE_CREATED && request.isEmpty()) {
            var c = live.orElseThrow(() -> noLiveClaim(plan, state));
            return Optional.of("RE-CREATED " + plan.app() + ": the PVC " + pvc + " is not the claim this program adopted "
                    + "(UID " + recordedUid.orElseThrow(() -> new IllegalStateException(plan.app()
                    + ": RE-CREATED is decided against a recorded UID, but none is recorded")) + "): it has UID " + c.uid() + ", created "
                    + c.created().orElse("at an unknown time") + ", " + c.phase().orElse("in no phase")
                    + " without the restore-before-bind dataSourceRef, so it holds whatever was written since, likely "
                    + "nothing. Its backups would overwrite the app's good history (keep-daily ages it out), so the "
                    + "program stops before backing it up." + resolutions);
        }
        if (state == State.UNRECORDED && recovering && !fresh) {
            var c = live.orElseThrow(() -> noLiveClaim(plan, state));
            return Optional.of("DISASTER RECOVERY " + plan.app() + ": the PVC " + pvc + " exists "
                    + c.phase().orElse("in no phase") + " (UID " + c.uid() + ", created " + c.created().orElse("at an "
                    + "unknown time") + ") without the restore-before-bind dataSourceRef, and no UID is recorded for "
                    + "this app: nothing says it holds the app's data. Disaster recovery fills only a claim that waits "
                    + "for its data (Pending, with the contract; README: Disaster recovery)." + resolutions
                    .replace("replaces this claim", "(after taking the app out of recovery.disasterRecovery) replaces this claim"));
        }
        if (fresh) {
            boolean noData = state == State.WAITING || state == State.FILLED || state == State.RE_CREATED
                    || (state == State.MISSING && recovering)
                    || (state == State.UNRECORDED && recovering);
            if (!noData) {
                return Optional.of("restore." + plan.app() + ": fresh-start is for a claim that has no data yet (one "
                        + "waiting for its data, re-created behind the program's back, or missing in disaster recovery); "
                        + "the PVC " + pvc + " is " + switch (state) {
                    case MISSING -> "missing and disaster recovery does not cover it";
                    case HELD -> "the claim the program holds (UID " + live.orElseThrow(() -> noLiveClaim(plan, state)).uid() + ")";
                    case UNDONE -> "bound to the volume the program's last restore kept (an undone restore)";
                    case OWN_RESTORE -> "a restore of this program";
                    default -> "bound and adopted as the app's data";
                } + ". Remove the request: pulumi config rm --path 'homelab-backups:restore." + plan.app() + "'");
            }
        }
        return Optional.empty();
    }

    /** Every state but MISSING is read from a live claim (classify). */
    private static IllegalStateException noLiveClaim(VolumePlan plan, State state) {
        return new IllegalStateException(plan.app() + ": the claim is " + state + ", but no live claim was read");
    }
}
