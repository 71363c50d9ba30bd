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

    /**
     * A handling in {@code mode} that starts as the safe shape: protected, every owner's field ignored, never
     * replaced, not populated, backups running. Each step names the one thing a mode changes.
     */
    static Builder in(Mode mode) {
        return new Builder(mode);
    }

    static final class Builder {
        private final Mode mode;
        private Optional<String> importId = Optional.empty();
        private boolean protect = true;
        private List<String> ignoreChanges = ADOPTED_AS_IT_LIVES;
        private boolean deleteBeforeReplace = false;
        private List<String> replaceOnChanges = List.of();
        private Optional<Duration> createTimeout = Optional.empty();
        private Optional<String> restoreId = Optional.empty();
        private boolean populated = false;
        private boolean backupsWaitForClaim = false;
        private boolean pauseBackups = false;
        private Optional<String> claimUid = Optional.empty();
        private boolean acceptNothing = false;
        private Optional<String> keptVolume = Optional.empty();

        private Builder(Mode mode) {
            this.mode = mode;
        }

        /** Adopt the live claim {@code <namespace>/<pvc>} on the first {@code up}. */
        Builder importing(String id) {
            this.importId = Optional.of(id);
            return this;
        }

        /**
         * The claim is replaced by a new one: unprotected, nothing ignored, any change replaces it, the old one
         * deleted first (same name).
         */
        Builder replacing() {
            this.protect = false;
            this.ignoreChanges = List.of();
            this.deleteBeforeReplace = true;
            this.replaceOnChanges = REPLACE_WHEN_RESTORING;
            return this;
        }

        /**
         * The claim is populated from the app's destination by the restore {@code restoreId}; its backups wait for it,
         * so that an empty volume never becomes the newest backup.
         */
        Builder populatedBy(String restoreId) {
            this.restoreId = Optional.of(restoreId);
            this.populated = true;
            this.backupsWaitForClaim = true;
            return this;
        }

        /** Creating the claim may take {@code timeout} (it waits for its restore). */
        Builder createdWithin(Duration timeout) {
            this.createTimeout = Optional.of(timeout);
            return this;
        }

        Builder pausingBackups() {
            this.pauseBackups = true;
            return this;
        }

        Builder recordingUid(Optional<String> uid) {
            this.claimUid = uid;
            return this;
        }

        Builder acceptingNothing(boolean accept) {
            this.acceptNothing = accept;
            return this;
        }

        Builder keepingVolume(Optional<String> volume) {
            this.keptVolume = volume;
            return this;
        }

        ClaimHandling build() {
            return new ClaimHandling(mode, importId, protect, ignoreChanges, deleteBeforeReplace, replaceOnChanges,
                    createTimeout, restoreId, populated, backupsWaitForClaim, pauseBackups, claimUid, acceptNothing,
                    keptVolume);
        }
    }

    public static ClaimHandling of(VolumePlan plan, boolean disasterRecovery, Duration restoreTimeout) {
        if (plan.populatorRestore() && disasterRecovery) {
            // fresh-start (the one request disaster recovery takes for an app it covers) lets an app with no backup
            // yet start empty: its check and its evidence accept an empty repository.
            boolean fresh = plan.restore().map(homelab.backups.config.RestoreRequest::freshStart).orElse(false);
            return in(Mode.DISASTER_RECOVERY).populatedBy(DISASTER_RECOVERY_ID).createdWithin(restoreTimeout)
                    .acceptingNothing(fresh).build();
        }
        if (plan.populatorRestore() && plan.restore().isPresent()) {
            // Not protected: the old PVC must really go before its replacement is created. Not retainOnDelete
            // either: the engine applies the flag stored in state to the delete half of a replacement, so the old
            // object would stay and the re-create would collide (seen end to end).
            return in(Mode.RESTORE).replacing().populatedBy(plan.restore().get().id()).createdWithin(restoreTimeout)
                    .build();
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
        return in(Mode.ADOPT).importing(plan.namespace() + "/" + plan.pvc()).recordingUid(claimUid)
                .keepingVolume(keptVolume).build();
    }

    /** Argo CD's waiting claim, adopted as it lives and filled where it waits by the restore {@code restoreId}. */
    private static ClaimHandling fill(String id, String restoreId, Optional<String> liveUid, boolean fresh) {
        return in(Mode.FILL).importing(id).populatedBy(restoreId).recordingUid(liveUid).acceptingNothing(fresh).build();
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
                    ? fill(id, request.map(r -> r.id()).orElse(DISASTER_RECOVERY_ID), liveUid, fresh)
                    : adopt(plan, state.recordedUid());
            case WAITING -> request.isPresent() || recovering
                    ? fill(id, request.map(r -> r.id()).orElse(DISASTER_RECOVERY_ID), liveUid, fresh)
                    : in(Mode.WAIT).importing(id).pausingBackups().recordingUid(state.recordedUid()).build();
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
