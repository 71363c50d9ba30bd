package homelab.backups.plan;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What Pulumi may do with one app's PVC in this deployment, decided without Pulumi: the resource options the
 * component maps onto the PVC, and whether the live PVC is read and checked first. The PVC is the only object that
 * holds data, so this is the one place that decides when it may be replaced.
 *
 * @param importId            adopt the existing PVC under this id on the first {@code up}
 * @param protect             refuse every delete and replace
 * @param ignoreChanges       input paths that never cause a diff
 * @param deleteBeforeReplace the old PVC must be gone before its replacement (same name) is created
 * @param replaceOnChanges    input paths whose change replaces the PVC
 * @param createTimeout       how long creating the PVC may take (a populated PVC waits for its restore)
 * @param restoreId           the restore annotation the PVC carries
 * @param populated           the PVC is created from the app's ReplicationDestination ({@code dataSourceRef})
 * @param backupsWaitForClaim the ReplicationSource is created only after the PVC, so that an empty volume never
 *                            becomes the newest backup
 * @param pauseBackups        the ReplicationSource is paused ({@code spec.paused}): the claim waits for its data
 * @param claimUid            the UID the ReplicationSource records as the app's claim ({@link ClaimState}); empty in
 *                            the modes that create the PVC, whose new UID is recorded instead, and while a waiting
 *                            claim has no UID recorded yet
 * @param acceptNothing       {@code fresh-start}: a destination that restored nothing is accepted (the owner said so)
 * @param keptVolume          the volume the program's last restore kept, which the source keeps naming while the
 *                            restored claim names it (so that an undone restore is told from a re-created claim)
 */
public record ClaimHandling(Mode mode, Optional<String> importId, boolean protect, List<String> ignoreChanges,
                            boolean deleteBeforeReplace, List<String> replaceOnChanges,
                            Optional<Duration> createTimeout, Optional<String> restoreId, boolean populated,
                            boolean backupsWaitForClaim, boolean pauseBackups, Optional<String> claimUid,
                            boolean acceptNothing, Optional<String> keptVolume) {
    /**
     * Everything on a PVC that another owner writes lives under these two keys (volume name, volume mode,
     * finalizers, ArgoCD's labels and annotations, a StatefulSet's owner references), and an import copies all of it
     * into the inputs. Ignoring both makes an adopted PVC diff clean as it lives; the three fields the program owns
     * are checked against the live object instead ({@link LiveReview}).
     */
    public static final List<String> ADOPTED_AS_IT_LIVES = List.of("metadata", "spec");
    /**
     * The provider reports only top-level diff keys for a PVC and plans a spec change as an update (which the API
     * server refuses), so a narrower path never matches: while a request is pending, any change replaces.
     */
    public static final List<String> REPLACE_WHEN_RESTORING = List.of("metadata", "spec");
    public static final String DISASTER_RECOVERY_ID = "dr-bootstrap";

    public enum Mode {
        /** Adopt the live PVC and protect it; no destination exists. */
        ADOPT,
        /** Replace the PVC from its destination after the destination restored the requested point. */
        RESTORE,
        /** Create the missing PVC from its backup on a rebuilt cluster. */
        DISASTER_RECOVERY,
        /**
         * The live claim waits ({@code Pending}, with the contract) and nobody said what it gets: adopt it as it lives
         * and pause its backups, so that no backup of it is attempted.
         */
        WAIT,
        /**
         * Fill the waiting claim in place: its destination restores the requested point, VolSync's populator binds
         * the claim to it; the claim is never deleted or replaced (it is Argo CD's, from Git).
         */
        FILL
    }

    public ClaimHandling {
        ignoreChanges = List.copyOf(ignoreChanges);
        replaceOnChanges = List.copyOf(replaceOnChanges);
    }

    public static ClaimHandling of(VolumePlan plan, boolean disasterRecovery, Duration restoreTimeout) {
        if (plan.populatorRestore() && disasterRecovery) {
            // fresh-start (the one request disaster recovery takes for an app it covers) lets an app with no backup
            // yet start empty: its check and its evidence accept an empty repository.
            boolean fresh = plan.restore().map(homelab.backups.config.RestoreRequest::freshStart).orElse(false);
            return new ClaimHandling(Mode.DISASTER_RECOVERY, Optional.empty(), true, ADOPTED_AS_IT_LIVES, false,
                    List.of(), Optional.of(restoreTimeout), Optional.of(DISASTER_RECOVERY_ID), true, true, false,
                    Optional.empty(), fresh, Optional.empty());
        }
        if (plan.populatorRestore() && plan.restore().isPresent()) {
            // Not protected: the old PVC must really go before its replacement is created. Not retainOnDelete
            // either: the engine applies the flag stored in state to the delete half of a replacement, so the old
            // object would stay and the re-create would collide (seen end to end).
            return new ClaimHandling(Mode.RESTORE, Optional.empty(), false, List.of(), true, REPLACE_WHEN_RESTORING,
                    Optional.of(restoreTimeout), Optional.of(plan.restore().get().id()), true, true, false,
                    Optional.empty(), false, Optional.empty());
        }
        return adopt(plan, Optional.empty());
    }

    /** Whether this volume is restored as part of disaster recovery (batched: {@code recovery.parallelRestores}). */
    public boolean recovering() {
        return mode == Mode.DISASTER_RECOVERY || (mode == Mode.FILL && restoreId.equals(Optional.of(DISASTER_RECOVERY_ID)));
    }

    /**
     * The restore annotation of the restore pending for this volume: a request for a point, or disaster recovery.
     * A claim carrying it was made by this very restore ({@link ClaimState.State#OWN_RESTORE}).
     */
    public static Optional<String> pendingRestore(VolumePlan plan, boolean recovering) {
        if (plan.restore().isPresent() && !plan.restore().get().freshStart()) return Optional.of(plan.restore().get().id());
        return recovering ? Optional.of(DISASTER_RECOVERY_ID) : Optional.empty();
    }

    private static ClaimHandling adopt(VolumePlan plan, Optional<String> claimUid) {
        return adopt(plan, claimUid, Optional.empty());
    }

    private static ClaimHandling adopt(VolumePlan plan, Optional<String> claimUid, Optional<String> keptVolume) {
        return new ClaimHandling(Mode.ADOPT, Optional.of(plan.namespace() + "/" + plan.pvc()), true,
                ADOPTED_AS_IT_LIVES, false, List.of(), Optional.empty(), Optional.empty(), false, false, false,
                claimUid, false, keptVolume);
    }

    /**
     * What may happen to the PVC given what the live claim is ({@link ClaimState}). A volume whose state is refused
     * ({@link ClaimState#refusal}) gets the adoption it had, but the program stops before registering anything.
     *
     * @param recovering disaster recovery covers this volume
     */
    public static ClaimHandling of(VolumePlan plan, ClaimState state, boolean recovering, Duration restoreTimeout) {
        if (!plan.populatorRestore()) return of(plan, recovering, restoreTimeout);
        var request = plan.restore();
        boolean fresh = request.map(homelab.backups.config.RestoreRequest::freshStart).orElse(false);
        boolean point = request.isPresent() && !fresh;
        var liveUid = state.live().map(LiveClaim::uid);
        var id = plan.namespace() + "/" + plan.pvc();
        return switch (state.state()) {
            // Argo CD's waiting claim is adopted as it lives (never written, protected) and filled where it waits.
            // A claim the populator bound before the program saw the evidence is filled again in name: the same
            // destination, its status checked again; without a request it is refused (ClaimState.refusal).
            case FILLED -> request.isPresent() || recovering
                    ? new ClaimHandling(Mode.FILL, Optional.of(id), true, ADOPTED_AS_IT_LIVES, false, List.of(),
                    Optional.empty(), Optional.of(request.map(r -> r.id()).orElse(DISASTER_RECOVERY_ID)), true, true,
                    false, liveUid, fresh, Optional.empty())
                    : adopt(plan, state.recordedUid());
            case WAITING -> request.isPresent() || recovering
                    ? new ClaimHandling(Mode.FILL, Optional.of(id), true, ADOPTED_AS_IT_LIVES, false, List.of(),
                    Optional.empty(), Optional.of(request.map(r -> r.id()).orElse(DISASTER_RECOVERY_ID)), true, true,
                    false, liveUid, fresh, Optional.empty())
                    : new ClaimHandling(Mode.WAIT, Optional.of(id), true, ADOPTED_AS_IT_LIVES, false, List.of(),
                    Optional.empty(), Optional.empty(), false, false, true, state.recordedUid(), false, Optional.empty());
            // fresh-start for a missing claim outside disaster recovery is refused (ClaimState.refusal): never a restore.
            case MISSING, OWN_RESTORE -> fresh && !recovering ? adopt(plan, Optional.empty())
                    : of(plan, recovering, restoreTimeout);
            // A point replaces the claim through the restore path (its volume kept); fresh-start and nothing adopt it.
            // The restored claim names the volume its restore kept; the source keeps naming it while it does.
            case HELD -> point ? of(plan, false, restoreTimeout)
                    : adopt(plan, liveUid, state.live().flatMap(LiveClaim::keptVolume));
            // The kept volume a restore named on the claim (an earlier release's restore too) is recorded as HELD
            // records it, so the up after the first records nothing new (scenario s).
            case UNRECORDED, UNDONE, RE_CREATED -> point ? of(plan, false, restoreTimeout)
                    : adopt(plan, liveUid, state.live().flatMap(LiveClaim::keptVolume));
        };
    }
}
