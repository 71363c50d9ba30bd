package homelab.backups.config;

import java.util.Optional;

/**
 * One PostgreSQL cluster whose backups the operator's own tooling takes (CNPG Barman Cloud plugin or
 * Crunchy PGO pgBackRest). The cluster itself stays owned by whoever created it; only backup fields are patched.
 *
 * @param id           the id used in {@code restore.<id>} and resource names (default: the cluster name; must
 *                     differ from every volume app id)
 * @param name         the Cluster / PostgresCluster name
 * @param cnpgMethod   CNPG only: the Barman Cloud plugin (default) or the deprecated in-tree barmanObjectStore
 * @param serverName   CNPG only: the folder barman archives into under {@code cnpg/<name>}
 * @param cnpgSchedule CNPG only: the ScheduledBackup schedule as written (six fields; five are converted), if any
 * @param fullSchedule PGO only: the full-backup schedule as written (five fields), if any; without either the
 *                     stack's {@code databases.schedule} applies
 * @param differential PGO only: optional differential-backup schedule
 * @param incremental  PGO only: optional incremental-backup schedule
 * @param encryption   PGO only: encrypt the repository with {@code repo1-cipher-pass}
 * @param storage      the data volume size of a cluster recovered from this backup
 * @param instances    how many instances a recovered cluster starts with
 * @param image        the Postgres image of a recovered cluster; must match the backed-up major version
 * @param postgresVersion PGO only: the Postgres major version of the cluster (required by PostgresCluster)
 * @param appDatabase  CNPG only: the app's database in the cluster (bootstrap.initdb.database), for a recovered one
 * @param appOwner     CNPG only: that database's owner (bootstrap.initdb.owner)
 * @param drillTables  the tables the restore drill counts rows of ({@code drill.tables}, {@code [schema.]table}); empty:
 *                     the largest table of the app's database
 */
public record Database(
        String id,
        String name,
        Engine engine,
        String namespace,
        CnpgMethod cnpgMethod,
        String serverName,
        Optional<CnpgSchedule> cnpgSchedule,
        Optional<Cron> fullSchedule,
        Optional<Cron> differential,
        Optional<Cron> incremental,
        boolean encryption,
        Quantity storage,
        int instances,
        Optional<String> image,
        Optional<Integer> postgresVersion,
        Optional<String> appDatabase,
        Optional<String> appOwner,
        java.util.List<String> drillTables) {
    public Database {
        drillTables = java.util.List.copyOf(drillTables);
    }

    public enum Engine implements Keyword {
        CNPG("cnpg"), PGO("pgo");

        private final String id;

        Engine(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        public static Optional<Engine> parse(String text) {
            return Keyword.parse(values(), text);
        }
    }

    public enum CnpgMethod implements Keyword {
        PLUGIN("plugin"), LEGACY("legacy");

        private final String id;

        CnpgMethod(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        public static Optional<CnpgMethod> parse(String text) {
            return Keyword.parse(values(), text);
        }
    }
}
