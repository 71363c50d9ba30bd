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
 * @param destinationPath CNPG: {@code s3://<bucket>/cnpg/<cluster>}
 * @param repoPath       PGO: {@code /pgbackrest/<cluster>} inside the bucket
 * @param recoveryName   the new cluster a restore request creates (also its CNPG serverName, so its archive is empty)
 */
public record DatabasePlan(
        Database database,
        Optional<CnpgSchedule> cnpgSchedule,
        Optional<Cron> fullSchedule,
        String credentialsSecret,
        String objectStoreName,
        String scheduledBackupName,
        String destinationPath,
        String repoPath,
        Optional<RestoreRequest> restore,
        Optional<String> recoveryName) {

    public String id() {
        return database.id();
    }

    public boolean cnpg() {
        return database.engine() == Database.Engine.CNPG;
    }
}
