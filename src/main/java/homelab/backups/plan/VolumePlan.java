package homelab.backups.plan;

import homelab.backups.config.AccessMode;
import homelab.backups.config.CopyMethod;
import homelab.backups.config.Cron;
import homelab.backups.config.MoverIdentity;
import homelab.backups.config.Quantity;
import homelab.backups.config.RestoreRequest;
import java.util.List;
import java.util.Optional;

/**
 * Everything BackedUpVolume needs for one app, decided without Pulumi: object names, the start time, the
 * repository path and the restore state.
 *
 * @param policy         the backup policy: schedule cadence, retention, prune interval
 * @param scheduleSource "staggered" (a slot in the window) or "inventory" (the volume's own schedule)
 * @param repository     the repository URL as the mover reads it (restic {@code s3:http://…}, kopia {@code s3://…})
 * @param snapshotClass  the VolumeSnapshotClass for Snapshot/Clone sources and for populator restores
 * @param cleanupTempPvc whether the destination may delete its volume after a restore; never on Longhorn, whose
 *                       {@code snap} snapshots live inside that volume (SPEC correction 5)
 * @param restore        a pending restore request for this app
 */
public record VolumePlan(
        String app,
        String namespace,
        String pvc,
        Quantity capacity,
        List<AccessMode> accessModes,
        String storageClass,
        CopyMethod copyMethod,
        MoverIdentity mover,
        homelab.backups.config.Policy policy,
        Cron schedule,
        String scheduleSource,
        String secretName,
        String sourceName,
        String destinationName,
        String repository,
        String repositoryPath,
        Optional<String> snapshotClass,
        Optional<Cron> maintenanceSchedule,
        boolean cleanupTempPvc,
        Optional<RestoreRequest> restore) {

    public VolumePlan {
        accessModes = List.copyOf(accessModes);
    }

    /**
     * Whether restores can go through the volume populator: a PVC {@code dataSourceRef} needs a destination with
     * {@code copyMethod: Snapshot} (SPEC correction 2), which a static PV cannot provide.
     */
    public boolean populatorRestore() {
        return snapshotClass.isPresent() && !storageClass.isEmpty();
    }

    /** The longest time between two scheduled backups: what "late" is measured against (alerts, drills, verify). */
    public java.time.Duration interval() {
        return schedule.longestGap();
    }
}
