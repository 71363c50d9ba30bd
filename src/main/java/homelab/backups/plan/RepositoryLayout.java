package homelab.backups.plan;

import homelab.backups.config.Cron;
import homelab.backups.config.Settings;
import homelab.backups.config.Volume;

/** Where each backup lives in the object store. One repository per PVC, as VolSync's restic mover requires. */
public final class RepositoryLayout {
    private RepositoryLayout() {
    }

    /** {@code <namespace>/<app>} inside the volume bucket. */
    public static String volumePath(Volume v) {
        return v.namespace() + "/" + v.app();
    }

    /**
     * The repository URL the mover reads: restic wants {@code s3:<endpoint>/<bucket>/<path>}; the kopia fork wants
     * {@code s3://<bucket>/<path>/} and takes the endpoint from a separate key.
     */
    public static String repositoryUrl(Settings settings, String path) {
        var s3 = settings.s3();
        return switch (settings.volsync().mover()) {
            case RESTIC -> "s3:" + s3.url() + "/" + s3.volsyncBucket() + "/" + path;
            case KOPIA -> "s3://" + s3.volsyncBucket() + "/" + path + "/";
        };
    }

    /**
     * Kopia has no {@code pruneIntervalDays}: maintenance is a KopiaMaintenance schedule, twelve hours after the
     * backup's first run of the day (away from it), every {@code everyDays} days counted from the 1st of the month
     * ({@link Cron#everyDays}).
     */
    public static Cron maintenanceSchedule(Cron backup, int everyDays) {
        var maintenance = backup.firstTimeOfDay().plusHours(12);
        return Cron.everyDays(everyDays, maintenance.getMinute(), maintenance.getHour());
    }
}
