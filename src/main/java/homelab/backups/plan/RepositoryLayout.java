package homelab.backups.plan;

import homelab.backups.config.Cron;
import homelab.backups.config.S3Target;
import homelab.backups.config.Settings;
import homelab.backups.config.Volume;

/** Where each backup lives in the object store. One repository per PVC, as VolSync's restic mover requires. */
public final class RepositoryLayout {
    private RepositoryLayout() {
    }

    /** A volume's repository: {@code <namespace>/<app>} in the target's volume bucket. */
    public static Repository volume(S3Target target, Volume v, String secretName) {
        return new Repository(target, target.volsyncBucket(), v.namespace() + "/" + v.app(), secretName);
    }

    /** A CNPG cluster's Barman repository: {@code cnpg/<cluster>} in the target's database bucket. */
    public static Repository cnpg(S3Target target, String cluster, String secretName) {
        return new Repository(target, target.postgresBucket(), "cnpg/" + cluster, secretName);
    }

    /** A PGO cluster's pgBackRest repository: {@code pgbackrest/<cluster>} in the target's database bucket. */
    public static Repository pgbackrest(S3Target target, String cluster, String secretName) {
        return new Repository(target, target.postgresBucket(), "pgbackrest/" + cluster, secretName);
    }

    /**
     * The repository URL the mover reads: restic wants {@code s3:<endpoint>/<bucket>/<path>}; the kopia fork wants
     * {@code s3://<bucket>/<path>/} and takes the endpoint from a separate key.
     */
    public static String repositoryUrl(Settings.Mover mover, Repository repository) {
        return switch (mover) {
            case RESTIC -> "s3:" + repository.target().url() + "/" + repository.bucket() + "/" + repository.path();
            case KOPIA -> repository.url() + "/";
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
