package homelab.backups.plan;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The resource options of every child of one backed-up volume in this deployment (adopt, restore or disaster
 * recovery), decided without Pulumi: what each child waits for, whether it is protected, imported, replaced or kept
 * on delete, and how long it may take. BackedUpVolume maps each {@link ChildOptions} onto {@code
 * CustomResourceOptions} and decides nothing itself, so a change of behaviour in any mode is made here.
 *
 * <p>The PVC's options come from {@link ClaimHandling}, which stays the one place that decides what may happen to the
 * data; this adds its siblings around it.
 *
 * @param claim       what may happen to the PVC, and the mode
 * @param destination present only while a restore needs a ReplicationDestination (VolSync provisions its full-size
 *                    volume and cache as soon as it exists)
 * @param keptVolume  present only when a restore replaces a PVC whose PersistentVolume is known: the patch that sets
 *                    it to {@code Retain} first
 * @param restoreCheck present exactly when {@code destination} is: the Job that lists the repository read-only and
 *                    refuses when nothing would be restored ({@link RestoreCheck}); the destination depends on it, so a
 *                    destination exists only after its check passed
 */
public record VolumeHandling(ClaimHandling claim, ChildOptions secret, ChildOptions source,
                             Optional<ChildOptions> destination, ChildOptions pvc, Optional<ChildOptions> keptVolume,
                             ChildOptions maintenance, ChildOptions drillScript, ChildOptions drill,
                             Optional<ChildOptions> restoreCheck) {

    /** What a child can wait for: the earlier waves (VolSync CRDs, snapshot classes, buckets) or a sibling. */
    public enum Dependency {
        EARLIER_WAVES, SECRET, DESTINATION, KEPT_VOLUME, PVC, DRILL_SCRIPT,
        /**
         * Disaster recovery: the restored PVCs of the batch before this volume's ({@code recovery.parallelRestores}
         * restores at once; empty for the first batch).
         */
        EARLIER_RESTORES,
        /**
         * The restore check Job of this destination: VolSync's restic mover reports success when no snapshot matched
         * (backube/volsync v0.15.0 mover-restic/entry.sh do_restore l.334-353) and a claim naming the destination in
         * its {@code dataSourceRef} is populated the moment {@code latestImage} exists, so the program's check of the
         * destination's report ({@link RestoreOutcome}) comes too late for a claim it did not create.
         */
        RESTORE_CHECK
    }

    /**
     * One child's options, in the order they are applied.
     *
     * @param dependsOn           what it is created after, in this order
     * @param protect             empty leaves it unset (inherited from the component, which is never protected); the
     *                            PVC always says, because a restore must clear the protection an adopted PVC has in
     *                            state
     * @param deleteBeforeReplace every named Kubernetes child is deleted before its replacement is created: created
     *                            first, a same-named "replacement" is the object itself (server-side apply), and
     *                            deleting the original then deletes it
     * @param retainOnDelete      a delete leaves the object in the cluster
     */
    public record ChildOptions(List<Dependency> dependsOn, Optional<Boolean> protect, Optional<String> importId,
                               List<String> ignoreChanges, List<String> replaceOnChanges, boolean deleteBeforeReplace,
                               boolean retainOnDelete, Optional<Duration> createTimeout,
                               Optional<Duration> updateTimeout) {
        public ChildOptions {
            dependsOn = List.copyOf(dependsOn);
            ignoreChanges = List.copyOf(ignoreChanges);
            replaceOnChanges = List.copyOf(replaceOnChanges);
        }

        /** A named Kubernetes child after {@code dependsOn}: deleted before it is replaced, nothing else set. */
        static ChildOptions named(Dependency... dependsOn) {
            return new Builder(List.of(dependsOn)).build();
        }

        ChildOptions retainedOnDelete() {
            return toBuilder().retainOnDelete(true).build();
        }

        /** The Job's spec is immutable: a changed check (a new release's script) is a new Job, run again. */
        ChildOptions replacedOnChanges(List<String> paths) {
            return toBuilder().replaceOnChanges(paths).build();
        }

        /** Create and update may each take {@code timeout} (the child waits for what it starts). */
        ChildOptions waiting(Duration timeout) {
            return toBuilder().createTimeout(Optional.of(timeout)).updateTimeout(Optional.of(timeout)).build();
        }

        Builder toBuilder() {
            return new Builder(dependsOn).protect(protect).importId(importId).ignoreChanges(ignoreChanges)
                    .replaceOnChanges(replaceOnChanges).deleteBeforeReplace(deleteBeforeReplace)
                    .retainOnDelete(retainOnDelete).createTimeout(createTimeout).updateTimeout(updateTimeout);
        }

        /** Options by name; starts as {@link #named}: deleted before replaced, nothing else set. */
        static final class Builder {
            private final List<Dependency> dependsOn;
            private Optional<Boolean> protect = Optional.empty();
            private Optional<String> importId = Optional.empty();
            private List<String> ignoreChanges = List.of();
            private List<String> replaceOnChanges = List.of();
            private boolean deleteBeforeReplace = true;
            private boolean retainOnDelete = false;
            private Optional<Duration> createTimeout = Optional.empty();
            private Optional<Duration> updateTimeout = Optional.empty();

            Builder(List<Dependency> dependsOn) {
                this.dependsOn = dependsOn;
            }

            Builder protect(Optional<Boolean> protect) {
                this.protect = protect;
                return this;
            }

            Builder importId(Optional<String> importId) {
                this.importId = importId;
                return this;
            }

            Builder ignoreChanges(List<String> paths) {
                this.ignoreChanges = paths;
                return this;
            }

            Builder replaceOnChanges(List<String> paths) {
                this.replaceOnChanges = paths;
                return this;
            }

            Builder deleteBeforeReplace(boolean deleteBeforeReplace) {
                this.deleteBeforeReplace = deleteBeforeReplace;
                return this;
            }

            Builder retainOnDelete(boolean retainOnDelete) {
                this.retainOnDelete = retainOnDelete;
                return this;
            }

            Builder createTimeout(Optional<Duration> timeout) {
                this.createTimeout = timeout;
                return this;
            }

            Builder updateTimeout(Optional<Duration> timeout) {
                this.updateTimeout = timeout;
                return this;
            }

            ChildOptions build() {
                return new ChildOptions(dependsOn, protect, importId, ignoreChanges, replaceOnChanges,
                        deleteBeforeReplace, retainOnDelete, createTimeout, updateTimeout);
            }
        }
    }

    /**
     * @param volumeToKeep   the PersistentVolume of the PVC a pending restore replaces, when the live cluster named one
     * @param restoreTimeout how long a restore may take (the destination waits for its mover that long)
     */
    public static VolumeHandling of(ClaimHandling claim, Optional<String> volumeToKeep, Duration restoreTimeout) {
        var restoring = claim.mode() == ClaimHandling.Mode.RESTORE;
        // Every destination, in every mode, waits for its check: a failed check stops `up` before any destination, PVC
        // or kept volume is touched (pulumi-kubernetes await/job.go: a create waits for Complete, fails on Failed).
        var restoreCheck = claim.populated()
                ? Optional.of(ChildOptions.named(Dependency.EARLIER_WAVES, Dependency.SECRET)
                        .replacedOnChanges(List.of("spec"))
                        .waiting(RestoreCheck.AWAIT))
                : Optional.<ChildOptions>empty();
        // pulumi up blocks on the destination until VolSync reports this very trigger finished (docs/design.md correction 3),
        // on create and on update alike: a new request updates the trigger of an existing destination.
        // Disaster recovery restores every volume: in batches, each after the previous batch's PVCs exist, because
        // Longhorn builds each new volume's replicas at once (docs/field-incidents-2026.md #40).
        var destination = claim.populated()
                ? Optional.of((claim.recovering()
                        ? ChildOptions.named(Dependency.EARLIER_WAVES, Dependency.SECRET, Dependency.EARLIER_RESTORES,
                                Dependency.RESTORE_CHECK)
                        : ChildOptions.named(Dependency.EARLIER_WAVES, Dependency.SECRET, Dependency.RESTORE_CHECK))
                        .waiting(restoreTimeout))
                : Optional.<ChildOptions>empty();
        // Only once the destination restored data, and forgotten, never reverted, when the request is gone.
        var keptVolume = restoring && volumeToKeep.isPresent()
                ? Optional.of(ChildOptions.named(Dependency.EARLIER_WAVES).retainedOnDelete())
                : Optional.<ChildOptions>empty();

        var pvcAfter = new java.util.ArrayList<Dependency>(List.of(Dependency.EARLIER_WAVES));
        if (destination.isPresent()) pvcAfter.add(Dependency.DESTINATION);
        if (keptVolume.isPresent()) pvcAfter.add(Dependency.KEPT_VOLUME);
        var pvc = new ChildOptions.Builder(pvcAfter).protect(Optional.of(claim.protect())).importId(claim.importId())
                .ignoreChanges(claim.ignoreChanges()).replaceOnChanges(claim.replaceOnChanges())
                .deleteBeforeReplace(claim.deleteBeforeReplace()).createTimeout(claim.createTimeout()).build();

        // An adopted PVC exists already, and keeping it free of dependents lets `pulumi state delete` forget it when
        // its app leaves the inventory (README: Stop backing up an app); a restored one must exist before the first
        // backup, or an empty volume becomes the newest backup.
        var source = claim.backupsWaitForClaim()
                ? ChildOptions.named(Dependency.EARLIER_WAVES, Dependency.SECRET, Dependency.PVC)
                : ChildOptions.named(Dependency.EARLIER_WAVES, Dependency.SECRET);

        return new VolumeHandling(claim, ChildOptions.named(Dependency.EARLIER_WAVES), source, destination, pvc,
                keptVolume,
                ChildOptions.named(Dependency.SECRET),
                ChildOptions.named(),
                // The restore drill reads the repository only: it waits for the repository Secret, never for the PVC.
                ChildOptions.named(Dependency.SECRET, Dependency.DRILL_SCRIPT),
                restoreCheck);
    }
}
