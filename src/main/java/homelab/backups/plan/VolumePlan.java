package homelab.backups.plan;

import homelab.backups.config.AccessMode;
import homelab.backups.config.CopyMethod;
import homelab.backups.config.Cron;
import homelab.backups.config.MoverIdentity;
import homelab.backups.config.Policy;
import homelab.backups.config.Quantity;
import homelab.backups.config.RestoreRequest;
import homelab.backups.config.Volume;
import java.util.List;
import java.util.Optional;

/**
 * Everything BackedUpVolume needs for one app, decided without Pulumi: the inventory entry as written, the object
 * names, and what the planner decided (start time, repository, restore state). The accessors below the components
 * read through to the volume and the names, so callers say {@code plan.pvc()}, not {@code plan.volume().pvc()}.
 *
 * @param volume         the inventory entry; its {@code schedule} and {@code policy} are the inputs of the decided
 *                       {@link #schedule} and {@link #policy}
 * @param policy         the backup policy: schedule cadence, retention, prune interval
 * @param schedule       the backup start: the volume's own cron or its staggered slot
 * @param scheduleSource where {@link #schedule} comes from
 * @param repository     where the backups go: the target, {@code <namespace>/<app>} in its volume bucket, the Secret
 * @param repositoryUrl  the repository URL as the mover reads it (restic {@code s3:http://…}, kopia {@code s3://…})
 * @param snapshotClass  the VolumeSnapshotClass for Snapshot/Clone sources and for populator restores
 * @param cleanupTempPvc whether the destination may delete its volume after a restore; never on Longhorn, whose
 *                       {@code snap} snapshots live inside that volume (docs/design.md correction 5)
 * @param restore        a pending restore request for this app
 */
public record VolumePlan(
        Volume volume,
        VolumeNames names,
        Policy policy,
        Cron schedule,
        ScheduleSource scheduleSource,
        Repository repository,
        String repositoryUrl,
        Optional<String> snapshotClass,
        Optional<Cron> maintenanceSchedule,
        boolean cleanupTempPvc,
        Optional<RestoreRequest> restore) {

    /** Where a volume's backup schedule comes from. */
    public enum ScheduleSource {
        /** A slot of its policy's window or interval (ScheduleStagger). */
        STAGGERED,
        /** The volume's own {@code schedule} in the inventory. */
        INVENTORY
    }

    public String app() {
        return volume.app();
    }

    public String namespace() {
        return volume.namespace();
    }

    public String pvc() {
        return volume.pvc();
    }

    public Quantity capacity() {
        return volume.capacity();
    }

    public List<AccessMode> accessModes() {
        return volume.accessModes();
    }

    public String storageClass() {
        return volume.storageClass();
    }

    /** Bound to a static PV ({@link Volume#staticPv}). */
    public boolean staticPv() {
        return volume.staticPv();
    }

    public CopyMethod copyMethod() {
        return volume.copyMethod();
    }

    public MoverIdentity mover() {
        return volume.mover();
    }

    public String secretName() {
        return repository.secretName();
    }

    /** The repository's prefix inside its bucket, as restores and refusals name it. */
    public String repositoryPath() {
        return repository.path();
    }

    public String sourceName() {
        return names.sourceName();
    }

    public String destinationName() {
        return names.destinationName();
    }

    /**
     * Whether restores can go through the volume populator: a PVC {@code dataSourceRef} needs a destination with
     * {@code copyMethod: Snapshot} (docs/design.md correction 2), which a static PV cannot provide.
     */
    public boolean populatorRestore() {
        return snapshotClass.isPresent() && !volume.staticPv();
    }

    /** The longest time between two scheduled backups: what "late" is measured against (alerts, drills, verify). */
    public java.time.Duration interval() {
        return schedule.longestGap();
    }
}
