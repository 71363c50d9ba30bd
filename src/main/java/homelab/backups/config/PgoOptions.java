package homelab.backups.config;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A Crunchy PGO PostgresCluster's backup options (pgBackRest).
 *
 * @param fullSchedule    the full-backup schedule as written (five fields), if any; without it the stack's
 *                        {@code databases.schedule} applies
 * @param differential    an optional differential-backup schedule
 * @param incremental     an optional incremental-backup schedule
 * @param encryption      encrypt the repository with {@code repo1-cipher-pass}
 * @param postgresVersion the Postgres major version of the cluster (PostgresCluster requires it)
 */
public record PgoOptions(Optional<Cron> fullSchedule, Optional<Cron> differential, Optional<Cron> incremental,
                         boolean encryption, int postgresVersion) implements EngineOptions {
    /** The major versions the loader accepts. */
    public static final int MIN_VERSION = 10, MAX_VERSION = 30;

    public PgoOptions {
        Objects.requireNonNull(fullSchedule, "fullSchedule");
        Objects.requireNonNull(differential, "differential");
        Objects.requireNonNull(incremental, "incremental");
        if (postgresVersion < MIN_VERSION || postgresVersion > MAX_VERSION) {
            throw new IllegalArgumentException(postgresVersion + " is not a Postgres major version");
        }
    }

    @Override
    public Database.Engine kind() {
        return Database.Engine.PGO;
    }

    @Override
    public <R> R match(Function<CnpgOptions, ? extends R> cnpg, Function<PgoOptions, ? extends R> pgo) {
        return pgo.apply(this);
    }
}
