package homelab.backups.plan;

import homelab.backups.config.CnpgOptions;
import homelab.backups.config.CnpgSchedule;
import homelab.backups.config.Database;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * CloudNativePG through the Barman Cloud plugin (or its deprecated in-tree method): an ObjectStore, a patch of the
 * Cluster's {@code spec.plugins} and a ScheduledBackup.
 *
 * @param schedule the ScheduledBackup's six-field cron: the inventory's, else the stack's {@code databases.schedule}
 */
public record CnpgEngine(CnpgOptions options, CnpgSchedule schedule) implements DatabaseEngine {
    public static final Cluster CLUSTER = new Cluster("postgresql.cnpg.io/v1", "Cluster", "clusters");
    /** CNPG labels every PVC of a Cluster with its name (cloudnative-pg pkg/utils/labels_annotations.go ClusterLabelName). */
    public static final String CLUSTER_LABEL = "cnpg.io/cluster";
    /** The Barman Cloud plugin's API group/version (its ObjectStore) and its name in a Cluster's {@code spec.plugins}. */
    public static final String BARMAN_API = "barmancloud.cnpg.io/v1";
    public static final String BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";

    public CnpgEngine {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(schedule, "schedule");
    }

    @Override
    public Database.Engine kind() {
        return Database.Engine.CNPG;
    }

    @Override
    public <R> R match(Function<CnpgEngine, ? extends R> cnpg, Function<PgoEngine, ? extends R> pgo) {
        return cnpg.apply(this);
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
        return "imageName";
    }

    @Override
    public String primaryService(String cluster) {
        return cluster + "-rw";
    }

    /**
     * The five-field form of the schedule, whose gaps are the backups'. A six-field schedule whose seconds are not 0
     * has none (CnpgSchedule.withoutSeconds): the loaders refuse one (settings and inventory), so the throw below is an
     * invariant, not an input check.
     */
    @Override
    public Duration interval() {
        return schedule.withoutSeconds().orElseThrow(() -> new IllegalStateException("the CNPG schedule '"
                + schedule.text() + "' of a database starts at a second other than 0, which the backup timing "
                + "(alerts, ./verify) cannot read; write it with a seconds field of 0")).longestGap();
    }

    @Override
    public String scheduleText() {
        return schedule.text();
    }
}
