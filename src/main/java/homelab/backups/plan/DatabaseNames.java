package homelab.backups.plan;

import homelab.backups.config.Database;
import homelab.backups.config.RestoreRequest;

/**
 * The Kubernetes names of the objects one database's backup creates in its namespace, derived in this one place from
 * the cluster name and the id. They are what `kubectl get` shows and what alerts, drills and restores refer to, so
 * changing one renames a live object.
 *
 * @param credentialsSecret the S3 credentials Secret ({@code <cluster>-backup-s3}; PGO's holds an {@code s3.conf}:
 *                          {@code <cluster>-pgbackrest-s3})
 * @param objectStore       CNPG: the Barman Cloud plugin's ObjectStore
 * @param scheduledBackup   CNPG: the ScheduledBackup
 * @param drillCronJob      the restore drill's CronJob, also its ServiceAccount, Role, RoleBinding and ConfigMap
 * @param drillThrowaway    the cluster the restore drill creates and deletes
 * @param backupPrune       CNPG: the CronJob that prunes the cluster's Backup objects, also its ServiceAccount, Role,
 *                          RoleBinding and ConfigMap ({@link BackupPrunePlan})
 */
public record DatabaseNames(String credentialsSecret, String objectStore, String scheduledBackup, String drillCronJob,
                            String drillThrowaway, String backupPrune) {
    public static DatabaseNames of(Database d) {
        var credentials = d.options().match(cnpg -> "-backup-s3", pgo -> "-pgbackrest-s3");
        return new DatabaseNames(d.name() + credentials, d.name() + "-backups", d.name() + "-daily",
                d.id() + "-db-drill", d.name() + "-drill", d.id() + "-backup-prune");
    }

    /** The new cluster a restore request creates: a short, stable suffix from the request id, so a new request gives a
     * new cluster (and, CNPG, an empty archive under its own serverName). */
    public static String recovery(Database d, RestoreRequest r) {
        return d.name() + "-restore-" + r.id().substring(r.id().length() - 6);
    }
}
