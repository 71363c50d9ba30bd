package homelab.backups.plan;

import homelab.backups.config.CnpgSchedule;
import homelab.backups.config.Cron;
import homelab.backups.config.Database;
import homelab.backups.config.RestoreRequest;
import java.util.Optional;

/**
 * Everything BackedUpDatabase needs for one cluster, decided without Pulumi.
 *
 * @param cnpgSchedule   CNPG: the six-field ScheduledBackup cron
 * @param fullSchedule   PGO: the five-field schedule of full backups
 * @param repository     where the backups go: CNPG {@code s3://<bucket>/cnpg/<cluster>}, PGO
 *                       {@code s3://<bucket>/pgbackrest/<cluster>}, with the credentials Secret
 * @param recoveryName   the new cluster a restore request creates (also its CNPG serverName, so its archive is empty)
 */
public record DatabasePlan(
        Database database,
        Optional<CnpgSchedule> cnpgSchedule,
        Optional<Cron> fullSchedule,
        Repository repository,
        String objectStoreName,
        String scheduledBackupName,
        Optional<RestoreRequest> restore,
        Optional<String> recoveryName) {

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

    public boolean cnpg() {
        return database.engine() == Database.Engine.CNPG;
    }
}
