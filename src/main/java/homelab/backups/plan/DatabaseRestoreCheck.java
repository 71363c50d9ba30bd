package homelab.backups.plan;

import homelab.backups.config.Settings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The awaited check of one database restore (issue 22 part 2; README: Restore a database): a Job created after the
 * recovered cluster that runs the drill's script in its check-only mode ({@code DRILL_MODE=check}: drills/db-drill.sh
 * creates and deletes nothing, the recovered cluster is the app's from now on). It passes only when the recovered
 * cluster is ready within {@code readyTimeout}, promoted, the same PostgreSQL system as expected and holds the app's
 * database with rows in the drill's tables; its verdict line ({@link #VERDICT}) is the pod's termination message.
 * {@code pulumi up} awaits the Job, so it returns only once the restore is proven, and stops with the verdict when not.
 *
 * @param database         the database's plan (its restore request and recovered cluster's name)
 * @param name             the Job's name, also its ServiceAccount's, Role's, RoleBinding's and ConfigMap's:
 *                         {@code <recovered cluster>-check}, so a new request (a new cluster) gets a new Job
 * @param readyTimeout     how long the recovered cluster may take to become ready ({@code recovery.timeout})
 * @param deadline         the Job's activeDeadlineSeconds: the ready bound plus the checks
 * @param appDatabase      the app's database (CNPG: the recovered cluster's bootstrap.recovery.database); empty: the
 *                         largest database other than postgres
 * @param tables           the tables whose rows are counted ({@code drill.tables}); empty: the largest table
 * @param expectedSystemId the system the recovered cluster must be: the pinned backup's or the one the point reads
 *                         from ({@link RestoreValidation}); empty when the archive was not read: the running cluster's,
 *                         read by the script
 */
public record DatabaseRestoreCheck(DatabasePlan database, String name, String recovered, Duration readyTimeout,
                                   Duration deadline, String image, String cpuLimit, String memoryLimit,
                                   Optional<String> appDatabase, List<String> tables, Optional<String> expectedSystemId) {
    /** The first word of the verdict line, what ./verify looks for. */
    public static final String VERDICT = "db-restore-check";
    /** On the Job and its pod: which database restore it proves (the value is the database id). */
    public static final String LABEL = "homelab-backups/db-restore-check";
    /** How long up waits beyond the Job's deadline: the awaiter must see the Job fail, not time out first. */
    public static final Duration AWAIT_SLACK = Duration.ofMinutes(5);

    public DatabaseRestoreCheck {
        tables = List.copyOf(tables);
        if (name.length() > 63) {
            throw new IllegalArgumentException("the restore check Job name " + name + " is longer than 63 characters");
        }
        expectedSystemId.ifPresent(s -> {
            if (!s.matches("[0-9]{1,20}")) throw new IllegalArgumentException("system identifier '" + s + "' is not a number");
        });
    }

    /** The check of the database's pending restore, or empty when none is requested. */
    public static Optional<DatabaseRestoreCheck> of(DatabasePlan d, Optional<RecoveryShape> shape, Settings settings,
                                                    Optional<String> expectedSystemId) {
        if (d.recoveryName().isEmpty()) return Optional.empty();
        var recovered = d.recoveryName().get();
        var drill = settings.databases().drill();
        var ready = settings.restore().timeout();
        var appDatabase = d.engine().match(cnpg -> shape.flatMap(RecoveryShape::database).or(() -> cnpg.options().appDatabase()),
                pgo -> Optional.<String>empty());
        return Optional.of(new DatabaseRestoreCheck(d, jobName(recovered), recovered, ready,
                ready.plus(DatabaseDrillPlan.CHECK_TIME), drill.image(), drill.cpuLimit(), drill.memoryLimit(), appDatabase,
                d.database().drillTables(), expectedSystemId));
    }

    /** The check Job's name for a recovered cluster: {@code <recovered>-check}. */
    public static String jobName(String recovered) {
        return recovered + "-check";
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

    /** Pulumi's create/update timeout of the Job: its deadline and a margin, so the Job's own failure is what up reports. */
    public Duration await() {
        return deadline.plus(AWAIT_SLACK);
    }

    /** What drills/db-drill.sh reads in check mode (its header). */
    public Map<String, String> environment(String container, String home) {
        var env = new LinkedHashMap<String, String>();
        env.put("DRILL_MODE", "check");
        env.put("DRILL_DB", id());
        env.put("DRILL_ENGINE", engine().kind().id());
        env.put("DRILL_NAMESPACE", namespace());
        env.put("DRILL_SOURCE", database.database().name());
        env.put("DRILL_CLUSTER", recovered);
        env.put("DRILL_READY_SECONDS", Long.toString(readyTimeout.toSeconds()));
        env.put("DRILL_CONTAINER", container);
        appDatabase.ifPresent(db -> env.put("DRILL_DATABASE", db));
        if (!tables.isEmpty()) env.put("DRILL_TABLES", String.join(" ", tables));
        expectedSystemId.ifPresent(s -> env.put("DRILL_EXPECT_SYSTEM_ID", s));
        database.restore().flatMap(r -> r.backup()).ifPresent(b -> env.put("DRILL_EXPECT_BACKUP", b));
        env.put("HOME", home);
        return env;
    }
}
