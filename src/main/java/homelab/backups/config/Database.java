package homelab.backups.config;

import java.util.Optional;

/**
 * One PostgreSQL cluster whose backups the operator's own tooling takes (CNPG Barman Cloud plugin or
 * Crunchy PGO pgBackRest). The cluster itself stays owned by whoever created it; only backup fields are patched.
 * What every engine has is here; what one engine has is in its {@link EngineOptions} record.
 *
 * @param id          the id used in {@code restore.<id>} and resource names (default: the cluster name; must
 *                    differ from every volume app id)
 * @param name        the Cluster / PostgresCluster name
 * @param options     the engine and its own options
 * @param storage     the data volume size of a cluster recovered from this backup
 * @param instances   how many instances a recovered cluster starts with
 * @param image       the Postgres image of a recovered cluster; must match the backed-up major version
 * @param drillTables the tables the restore drill counts rows of ({@code drill.tables}, {@code [schema.]table}); empty:
 *                    the largest table of the app's database
 */
public record Database(
        String id,
        String name,
        String namespace,
        EngineOptions options,
        Quantity storage,
        int instances,
        Optional<String> image,
        java.util.List<String> drillTables) {
    public Database {
        java.util.Objects.requireNonNull(options, "options");
        java.util.Objects.requireNonNull(storage, "storage");
        java.util.Objects.requireNonNull(image, "image");
        drillTables = java.util.List.copyOf(drillTables);
    }

    public Engine engine() {
        return options.kind();
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
}
