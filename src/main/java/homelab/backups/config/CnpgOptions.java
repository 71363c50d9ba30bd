package homelab.backups.config;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A CloudNativePG cluster's backup options.
 *
 * @param method      the Barman Cloud plugin (default) or the deprecated in-tree barmanObjectStore
 * @param serverName  the folder barman archives into under {@code cnpg/<name>} (default: the cluster name)
 * @param schedule    the ScheduledBackup schedule as written (six fields; five are converted), if any; without it the
 *                    stack's {@code databases.schedule} applies
 * @param appDatabase the app's database in the cluster (bootstrap.initdb.database), for a recovered one
 * @param appOwner    that database's owner (bootstrap.initdb.owner)
 */
public record CnpgOptions(Method method, String serverName, Optional<CnpgSchedule> schedule,
                          Optional<String> appDatabase, Optional<String> appOwner) implements EngineOptions {
    public CnpgOptions {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(appDatabase, "appDatabase");
        Objects.requireNonNull(appOwner, "appOwner");
        if (serverName == null || serverName.isBlank()) throw new IllegalArgumentException("a CNPG serverName is required");
    }

    @Override
    public Database.Engine kind() {
        return Database.Engine.CNPG;
    }

    @Override
    public <R> R match(Function<CnpgOptions, ? extends R> cnpg, Function<PgoOptions, ? extends R> pgo) {
        return cnpg.apply(this);
    }

    public boolean plugin() {
        return method == Method.PLUGIN;
    }

    /** How CNPG archives and backs up: the Barman Cloud plugin, or the in-tree method it deprecated in 1.26. */
    public enum Method implements Keyword {
        PLUGIN("plugin"), LEGACY("legacy");

        private final String id;

        Method(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        public static Optional<Method> parse(String text) {
            return Keyword.parse(values(), text);
        }
    }
}
