package homelab.backups.plan;

import homelab.backups.config.Database;
import homelab.backups.config.RestoreRequest;
import java.util.Optional;

/**
 * Everything BackedUpDatabase needs for one cluster, decided without Pulumi.
 *
 * @param engine          the engine, its options and its resolved schedule
 * @param names           the names of the objects it creates
 * @param repository      where the backups go: CNPG {@code s3://<bucket>/cnpg/<cluster>}, PGO
 *                        {@code s3://<bucket>/pgbackrest/<cluster>}, with the credentials Secret ({@code names}')
 * @param recoveryName    the new cluster a restore request creates (also its CNPG serverName, so its archive is empty)
 */
public record DatabasePlan(
        Database database,
        DatabaseEngine engine,
        DatabaseNames names,
        Repository repository,
        Optional<RestoreRequest> restore,
        Optional<String> recoveryName) {

    public DatabasePlan {
        if (engine.kind() != database.engine()) {
            throw new IllegalArgumentException("the plan's engine " + engine.kind() + " is not the database's " + database.engine());
        }
        if (!repository.secretName().equals(names.credentialsSecret())) {
            throw new IllegalArgumentException("the repository's Secret " + repository.secretName()
                    + " is not the database's credentials Secret " + names.credentialsSecret());
        }
        if (restore.isPresent() != recoveryName.isPresent()) {
            throw new IllegalArgumentException("a recovery cluster is named exactly when a restore is requested");
        }
    }

    public String id() {
        return database.id();
    }

    /** The Secret the engine reads the repository credentials (and the target's CA) from. */
    public String credentialsSecret() {
        return repository.secretName();
    }

    /** Every repository of the cluster, in order (pgBackRest numbers them: {@link PgBackRestRepo}); today one. */
    public java.util.List<Repository> repositories() {
        return java.util.List.of(repository);
    }

    public String objectStoreName() {
        return names.objectStore();
    }

    public String scheduledBackupName() {
        return names.scheduledBackup();
    }
}
