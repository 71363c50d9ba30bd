package homelab.backups.plan;

import homelab.backups.config.Cron;
import homelab.backups.config.Database;
import homelab.backups.config.PgoOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * Crunchy PGO through pgBackRest: an {@code s3.conf} Secret and a patch of the PostgresCluster's
 * {@code spec.backups.pgbackrest}.
 *
 * @param fullSchedule the full backups' five-field cron: the inventory's, else the stack's {@code databases.schedule}
 *                     without its seconds
 */
public record PgoEngine(PgoOptions options, Cron fullSchedule) implements DatabaseEngine {
    public static final Cluster CLUSTER = new Cluster("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster",
            "postgresclusters");
    /** PGO labels every PVC of a PostgresCluster with its name (postgres-operator internal/naming/labels.go LabelCluster). */
    public static final String CLUSTER_LABEL = "postgres-operator.crunchydata.com/cluster";

    public PgoEngine {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(fullSchedule, "fullSchedule");
    }

    @Override
    public Database.Engine kind() {
        return Database.Engine.PGO;
    }

    @Override
    public <R> R match(Function<CnpgEngine, ? extends R> cnpg, Function<PgoEngine, ? extends R> pgo) {
        return pgo.apply(this);
    }

    @Override
    public Cluster cluster() {
        return CLUSTER;
    }

    @Override
    public String clusterLabel() {
        return CLUSTER_LABEL;
    }

    @Override
    public String imageField() {
        return "image";
    }

    @Override
    public String primaryService(String cluster) {
        return cluster + "-primary";
    }

    @Override
    public Duration interval() {
        return fullSchedule.longestGap();
    }

    @Override
    public String scheduleText() {
        return fullSchedule.text();
    }
}
