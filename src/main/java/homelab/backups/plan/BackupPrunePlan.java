package homelab.backups.plan;

import homelab.backups.config.Cron;
import homelab.backups.config.Settings;
import java.time.Duration;
import java.util.Optional;

/**
 * The pruning of one CNPG cluster's {@code Backup} objects (issue 22 part 7; docs/field-incidents-2026.md #23): the
 * ScheduledBackup makes one a day and nothing removes the failed ones, nor those of a cluster that was re-created (the
 * plugin's own clean-up only deletes completed Backups of the cluster's current UID whose backup left the catalog:
 * plugin-barman-cloud v0.14.0 internal/cnpgi/instance/retention.go deleteBackupsNotInCatalog, useSameBackupLocation);
 * the owner's cluster reached 1.3k+ of them and its API server was overloaded (cloudnative-pg#8599). A daily CronJob in
 * the database's namespace runs {@code drills/cnpg-backup-prune.sh}, which deletes a Backup of this cluster only when
 * all of these hold:
 * <ul>
 *   <li>it is done (phase {@code completed} or {@code failed}: cloudnative-pg v1.28.0 api/v1/backup_funcs.go IsDone):
 *       never a pending or running one, which the ScheduledBackup waits for;</li>
 *   <li>it was taken by this program's method ({@code spec.method} plugin, or barmanObjectStore for the in-tree method):
 *       never a {@code volumeSnapshot} Backup, whose VolumeSnapshots may be owned by it and go with it
 *       (cloudnative-pg v1.28.0 docs/src/appendixes/backup_volumesnapshot.md, snapshotOwnerReference: backup);</li>
 *   <li>it is older than the recovery window ({@code databases.retention}) by the later of its creation and its end;</li>
 *   <li>it is not one of the newest {@link #KEEP_COMPLETED} completed ones, whatever their age.</li>
 * </ul>
 * Deleting a Backup object deletes no backup data (docs/database-drills.md, "Pruning Backup objects"): CNPG puts no
 * finalizer on it and its controller returns on a Backup that is gone; the plugin has no controller for Backups at all;
 * the data is removed only by the ObjectStore's retention policy.
 *
 * <p>One CronJob per database rather than per namespace: each prunes one cluster with its own bounds and fails on its
 * own (the failed Job names the database), and a per-namespace one could not hold fewer rights: RBAC cannot limit a
 * Role to one cluster's Backups (their names are generated), so both would list and delete every Backup of the namespace.
 *
 * @param cronJobName also the name of its ServiceAccount, Role, RoleBinding and ConfigMap
 * @param cluster     the CNPG cluster whose Backups are pruned ({@code spec.cluster.name})
 * @param method      the {@code spec.method} of the Backups this program's ScheduledBackup makes
 * @param keepWithin  the recovery window: every Backup younger than this is kept
 * @param image       kubectl and bash: the database drills' image ({@code databases.drill.image})
 */
public record BackupPrunePlan(DatabasePlan database, String cronJobName, String cluster, String method,
                              Duration keepWithin, int keepCompleted, Cron schedule, String image) {
    /** The newest completed Backups kept whatever their age: a record of the last good backups when backups stop. */
    public static final int KEEP_COMPLETED = 7;
    /**
     * Daily at 12:15 UTC: away from the 03:00 backups and the morning drill windows. The time does not matter for
     * safety (a Backup that is not done is never deleted); it is fixed so the render is stable.
     */
    public static final Cron SCHEDULE = Cron.daily(15, 12);
    /** The Job's activeDeadlineSeconds: listing and deleting a thousand objects takes well under a minute. */
    public static final Duration DEADLINE = Duration.ofMinutes(10);
    public static final String SCRIPT = "cnpg-backup-prune.sh";
    /** On the CronJob, its Jobs and pods: which database's Backups it prunes. */
    public static final String LABEL = "homelab-backups/backup-prune";

    public BackupPrunePlan {
        if (keepCompleted < 1) throw new IllegalArgumentException("keep at least one completed Backup: " + keepCompleted);
        if (keepWithin.isNegative() || keepWithin.isZero()) {
            throw new IllegalArgumentException("the recovery window must be positive: " + keepWithin);
        }
    }

    /** A CNPG database's pruning; none for PGO, whose backups are not Kubernetes objects. */
    public static Optional<BackupPrunePlan> of(DatabasePlan d, Settings settings) {
        return d.engine().match(cnpg -> Optional.of(new BackupPrunePlan(d, d.names().backupPrune(), d.database().name(),
                cnpg.options().plugin() ? "plugin" : "barmanObjectStore", window(settings.databases().retention()),
                KEEP_COMPLETED, SCHEDULE, settings.databases().drill().image())), pgo -> Optional.empty());
    }

    /**
     * A recovery window as Barman reads it ({@code 14d}, {@code 2w}, {@code 1m}; SettingsLoader checks the form): CNPG
     * passes it on as "RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS" (cloudnative-pg/barman-cloud pkg/utils/barman.go), and
     * Barman counts a month as 31 days (EnterpriseDB/barman barman/retention_policies.py RecoveryWindowRetentionPolicy).
     */
    static Duration window(String retention) {
        var n = Long.parseLong(retention.substring(0, retention.length() - 1));
        return switch (retention.charAt(retention.length() - 1)) {
            case 'd' -> Duration.ofDays(n);
            case 'w' -> Duration.ofDays(7 * n);
            case 'm' -> Duration.ofDays(31 * n);
            default -> throw new IllegalArgumentException("not a recovery window: " + retention);
        };
    }

    public String id() {
        return database.id();
    }

    public String namespace() {
        return database.database().namespace();
    }
}
