package homelab.backups.plan;

import homelab.backups.config.Cron;
import homelab.backups.config.Database;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One database's restore drill (issue 22 part 1; README: Database restore drills): a CronJob in the database's
 * namespace that recovers the newest backup into a throwaway cluster, checks it against the running cluster and deletes
 * it. The throwaway cluster is rendered here, from the same builders as a restore request's cluster but without any
 * archive or backup section (CnpgSpecs.drillCluster, PgoSpecs.drillCluster).
 *
 * @param database       the backed-up database's plan (its ObjectStore, repository, credentials)
 * @param cronJobName    also the name of its ServiceAccount, Role, RoleBinding and ConfigMap
 * @param throwaway      the cluster the drill creates and deletes; the same name every run, so a leftover of an earlier
 *                       run is found (and deleted) by name
 * @param staleAfter     a drill that has not passed for this long is stale: the drill interval plus the slack
 * @param readyTimeout   how long the throwaway cluster may take to become ready
 * @param deadline       the Job's activeDeadlineSeconds: the ready bound plus time to check and clean up
 * @param tables         the tables whose rows are counted; empty: the largest table of the app's database
 * @param serving        PGO: what the running cluster serves the app with (its parameters, files, pg_hba and
 *                       authentication rules), read live at {@code pulumi up} like a restore's ({@link DrillServing});
 *                       empty until read, when the running cluster sets none, or when it could not be read
 */
public record DatabaseDrillPlan(
        DatabasePlan database,
        String cronJobName,
        String throwaway,
        Cron schedule,
        Duration staleAfter,
        int everyDays,
        Duration readyTimeout,
        Duration deadline,
        String image,
        String cpuLimit,
        String memoryLimit,
        Optional<String> appDatabase,
        List<String> tables,
        Map<String, Object> serving) {
    /** On the CronJob, its Jobs and pods, and the throwaway cluster: which database the drill proves. */
    public static final String LABEL = "homelab-backups/db-drill";
    /** The first word of the verdict line (its termination message), what ./verify looks for. */
    public static final String VERDICT = "db-drill";
    /** Time after the ready bound for the checks (a count of the largest table) and the cleanup. */
    public static final Duration CHECK_TIME = Duration.ofMinutes(30);
    /** The drill's script, shipped in the jar from {@code drills/}. */
    public static final String SCRIPT = "db-drill.sh";

    public DatabaseDrillPlan {
        tables = List.copyOf(tables);
        serving = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(serving));
    }

    /** The plan as the planner makes it: nothing of the running cluster read yet. */
    public DatabaseDrillPlan(DatabasePlan database, String cronJobName, String throwaway, Cron schedule,
                             Duration staleAfter, int everyDays, Duration readyTimeout, Duration deadline, String image,
                             String cpuLimit, String memoryLimit, Optional<String> appDatabase, List<String> tables) {
        this(database, cronJobName, throwaway, schedule, staleAfter, everyDays, readyTimeout, deadline, image, cpuLimit,
                memoryLimit, appDatabase, tables, Map.of());
    }

    /** This drill, serving like the running cluster ({@link DrillServing#read}). */
    public DatabaseDrillPlan withServing(Map<String, Object> serving) {
        return new DatabaseDrillPlan(database, cronJobName, throwaway, schedule, staleAfter, everyDays, readyTimeout,
                deadline, image, cpuLimit, memoryLimit, appDatabase, tables, serving);
    }

    public String id() {
        return database.id();
    }

    public String namespace() {
        return database.database().namespace();
    }

    public DatabaseEngine engine() {
        return database.engine();
    }

    /** The throwaway cluster's name for a database: {@code <cluster>-drill}. */
    public static String throwawayName(Database d) {
        return DatabaseNames.of(d).drillThrowaway();
    }

    public static String cronJobName(Database d) {
        return DatabaseNames.of(d).drillCronJob();
    }
}
