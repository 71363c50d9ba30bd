package homelab.backups.components;

/**
 * The Pulumi logical names of a {@link BackedUpDatabase}'s children, {@code <component>-<suffix>}, in this one place
 * for the component and the tests. A logical name is part of the child's URN: renaming one is a delete and a create
 * of a live object unless the child carries an alias ({@code src/test/resources/prod-urns.txt} pins every URN). The
 * Kubernetes names of the same objects are {@code plan.DatabaseNames}; the volumes' children are {@link VolumeChild}.
 */
public enum DatabaseChild {
    /** The Secret with the store's key pair (and CA) in the form the engine reads. */
    CREDENTIALS("credentials"),
    /** CNPG's Barman Cloud plugin only: the ObjectStore. */
    OBJECT_STORE("object-store"),
    /** The server-side-apply patch of the running cluster's backup fields. */
    BACKUP_WIRING("backup-wiring"),
    /** CNPG only: the ScheduledBackup (PGO's schedules are in the patch). */
    SCHEDULED_BACKUP("scheduled-backup"),
    /** The new cluster a restore request creates next to the running one. */
    RECOVERY("recovery"),
    DRILL_ACCOUNT("drill-account"),
    DRILL_ROLE("drill-role"),
    DRILL_BINDING("drill-binding"),
    DRILL_CONFIG("drill-config"),
    DRILL("drill"),
    /** A database restore's awaited check (plan.DatabaseRestoreCheck): its ServiceAccount, Role, RoleBinding, script and Job. */
    RESTORE_CHECK_ACCOUNT("restore-check-account"),
    RESTORE_CHECK_ROLE("restore-check-role"),
    RESTORE_CHECK_BINDING("restore-check-binding"),
    RESTORE_CHECK_CONFIG("restore-check-config"),
    RESTORE_CHECK("restore-check"),
    /** CNPG only: the pruning of the cluster's Backup objects (BackupPrunePlan), its identity, rights and script. */
    PRUNE_ACCOUNT("backup-prune-account"),
    PRUNE_ROLE("backup-prune-role"),
    PRUNE_BINDING("backup-prune-binding"),
    PRUNE_CONFIG("backup-prune-config"),
    PRUNE("backup-prune");

    /** The children that exist only while a restore is requested (none in prod, whose URNs pin the rest). */
    public static final java.util.Set<DatabaseChild> RESTORE_ONLY = java.util.Collections.unmodifiableSet(java.util.EnumSet.of(
            RECOVERY, RESTORE_CHECK_ACCOUNT, RESTORE_CHECK_ROLE, RESTORE_CHECK_BINDING, RESTORE_CHECK_CONFIG, RESTORE_CHECK));

    private final String suffix;

    DatabaseChild(String suffix) {
        this.suffix = suffix;
    }

    /** The child's logical name under the component {@code component} (the database id in prod). */
    public String of(String component) {
        return component + "-" + suffix;
    }
}
