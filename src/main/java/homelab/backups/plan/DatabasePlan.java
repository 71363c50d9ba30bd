package homelab.backups.plan;

import homelab.backups.config.Database;
import homelab.backups.config.RestoreRequest;
import java.util.Optional;

/**
 * Everything BackedUpDatabase needs for one cluster, decided without Pulumi.
 *
 * @param engine          the engine, its options and its resolved schedule
 * @param names           the names of the objects it creates
 * @param destinationPath CNPG: {@code s3://<bucket>/cnpg/<cluster>}
 * @param repoPath        PGO: {@code /pgbackrest/<cluster>} inside the bucket
 * @param recoveryName    the new cluster a restore request creates (also its CNPG serverName, so its archive is empty)
 */
public record DatabasePlan(
        Database database,
        DatabaseEngine engine,
        DatabaseNames names,
        String destinationPath,
        String repoPath,
        Optional<RestoreRequest> restore,
        Optional<String> recoveryName) {

    public DatabasePlan {
        if (engine.kind() != database.engine()) {
            throw new IllegalArgumentException("the plan's engine " + engine.kind() + " is not the database's " + database.engine());
        }
        if (restore.isPresent() != recoveryName.isPresent()) {
            throw new IllegalArgumentException("a recovery cluster is named exactly when a restore is requested");
        }
    }

    public String id() {
        return database.id();
    }

    public String credentialsSecret() {
        return names.credentialsSecret();
    }

    public String objectStoreName() {
        return names.objectStore();
    }

    public String scheduledBackupName() {
        return names.scheduledBackup();
    }
}
