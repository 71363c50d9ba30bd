package homelab.backups.plan;

import homelab.backups.config.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/** The database rows of {@link Verification}: the newest backup against the schedule, and the WAL archive. */
final class DatabaseChecks {
    static final String CNPG = CnpgEngine.CLUSTER.apiVersion();
    static final String BARMAN = CnpgEngine.BARMAN_API;
    static final String PGO = PgoEngine.CLUSTER.apiVersion();
    static final String BARMAN_PLUGIN = CnpgEngine.BARMAN_PLUGIN;

    private DatabaseChecks() {
    }

    /** The newest backup against the schedule, read where the engine reports it. */
    static Verification.Check backup(DatabasePlan d, Settings settings, Verification.Lookup live, Instant now) {
        return d.engine().match(cnpg -> cnpgBackup(d, cnpg, settings, live, now), pgo -> pgoBackup(d, settings, live, now));
    }

    /** Whether the cluster archives its WAL, read where the engine reports it. */
    static Verification.Check archive(DatabasePlan d, Verification.Lookup live) {
        return d.engine().match(cnpg -> cnpgArchive(d, cnpg, live), pgo -> pgoArchive(d, live));
    }

    private static Verification.Check check(String check, DatabasePlan d, Verification.State state,
                                            Optional<Instant> last, String detail) {
        return new Verification.Check(check, d.id(), d.database().namespace(), state, last, detail);
    }

    /**
     * With the plugin, the ObjectStore's {@code status.serverRecoveryWindow.<serverName>} holds the last successful
     * and failed backup times (the Cluster's backup fields are "not set for backup plugins": their CRD descriptions);
     * the in-tree method writes them on the Cluster.
     */
    static Verification.Check cnpgBackup(DatabasePlan d, CnpgEngine cnpg, Settings settings, Verification.Lookup live,
                                         Instant now) {
        var db = d.database();
        var late = DatabaseAlerts.interval(d).plus(settings.monitoring().slack());
        var policy = "every " + AlertRules.duration(DatabaseAlerts.interval(d)) + ", late after " + AlertRules.duration(late);
        Optional<Instant> success, failure;
        String where;
        if (cnpg.options().plugin()) {
            var store = live.object(BARMAN, "ObjectStore", db.namespace(), d.objectStoreName());
            if (store.isEmpty()) return check("database backup", d, Verification.State.NEVER, Optional.empty(), "no ObjectStore " + d.objectStoreName());
            var window = "status.serverRecoveryWindow." + cnpg.options().serverName();
            success = Unstructured.time(store.get(), window + ".lastSuccessfulBackupTime");
            failure = Unstructured.time(store.get(), window + ".lastFailedBackupTime");
            where = "ObjectStore " + d.objectStoreName();
        } else {
            var cluster = live.object(CNPG, "Cluster", db.namespace(), db.name());
            if (cluster.isEmpty()) return check("database backup", d, Verification.State.NEVER, Optional.empty(), "no Cluster " + db.name());
            success = Unstructured.time(cluster.get(), "status.lastSuccessfulBackup");
            failure = Unstructured.time(cluster.get(), "status.lastFailedBackup");
            where = "Cluster " + db.name();
        }
        return judge(d, success, failure, late, now, where + "; " + policy);
    }

    /** PGO: the scheduled backup Jobs it reports in {@code status.pgbackrest.scheduledBackups} (full backups). */
    static Verification.Check pgoBackup(DatabasePlan d, Settings settings, Verification.Lookup live, Instant now) {
        var db = d.database();
        var late = DatabaseAlerts.interval(d).plus(settings.monitoring().slack());
        var policy = "full every " + AlertRules.duration(DatabaseAlerts.interval(d)) + ", late after " + AlertRules.duration(late);
        var cluster = live.object(PGO, "PostgresCluster", db.namespace(), db.name());
        if (cluster.isEmpty()) return check("database backup", d, Verification.State.NEVER, Optional.empty(), "no PostgresCluster " + db.name());
        var full = Unstructured.maps(cluster.get(), "status.pgbackrest.scheduledBackups").stream()
                .filter(b -> "full".equals(b.get("type"))).toList();
        var success = full.stream().filter(b -> Unstructured.number(b, "succeeded") > 0)
                .map(b -> Unstructured.time(b, "completionTime")).flatMap(Optional::stream).max(Comparator.naturalOrder());
        var failure = full.stream().filter(b -> Unstructured.number(b, "failed") > 0 && Unstructured.number(b, "succeeded") == 0)
                .map(b -> Unstructured.time(b, "startTime")).flatMap(Optional::stream).max(Comparator.naturalOrder());
        return judge(d, success, failure, late, now, "PostgresCluster " + db.name() + "; " + policy);
    }

    private static Verification.Check judge(DatabasePlan d, Optional<Instant> success, Optional<Instant> failure,
                                            Duration late, Instant now, String detail) {
        if (failure.isPresent() && (success.isEmpty() || failure.get().isAfter(success.get()))) {
            return check("database backup", d, Verification.State.FAILING, success, "the newest backup failed (" + failure.get() + "); " + detail);
        }
        if (success.isEmpty()) return check("database backup", d, Verification.State.NEVER, success, "no backup has completed yet; " + detail);
        var state = Duration.between(success.get(), now).compareTo(late) > 0 ? Verification.State.STALE : Verification.State.PROVEN;
        return check("database backup", d, state, success, detail);
    }

    /**
     * CNPG reports WAL archiving on the Cluster: condition {@code ContinuousArchiving}, True while archive_command
     * succeeds, False with the error otherwise.
     */
    static Verification.Check cnpgArchive(DatabasePlan d, CnpgEngine cnpg, Verification.Lookup live) {
        var db = d.database();
        var cluster = live.object(CNPG, "Cluster", db.namespace(), db.name());
        if (cluster.isEmpty()) return check("wal archive", d, Verification.State.NEVER, Optional.empty(), "no Cluster " + db.name());
        // The condition also reads True when nothing archives anywhere (archiver.go returns early without a
        // destination: cloudnative-pg v1.28.0 pkg/management/postgres/archiver), so the plugin must be the archiver.
        boolean plugin = cnpg.options().plugin();
        boolean archives = plugin
                ? Unstructured.maps(cluster.get(), "spec.plugins").stream().anyMatch(p -> BARMAN_PLUGIN.equals(p.get("name"))
                        && Boolean.TRUE.equals(p.get("isWALArchiver")))
                : Unstructured.at(cluster.get(), "spec.backup.barmanObjectStore").isPresent();
        if (!archives) {
            return check("wal archive", d, Verification.State.NEVER, Optional.empty(), plugin
                    ? "the cluster does not archive WAL to the object store (no " + BARMAN_PLUGIN + " WAL archiver in spec.plugins)"
                    : "the cluster has no spec.backup.barmanObjectStore");
        }
        var condition = Unstructured.condition(cluster.get(), "ContinuousArchiving");
        if (condition.isEmpty()) {
            return check("wal archive", d, Verification.State.NEVER, Optional.empty(), "no ContinuousArchiving condition: nothing archived yet");
        }
        var since = Unstructured.time(condition.get(), "lastTransitionTime");
        if ("True".equals(condition.get().get("status"))) {
            return check("wal archive", d, Verification.State.PROVEN, since, "ContinuousArchiving True");
        }
        return check("wal archive", d, Verification.State.FAILING, Optional.empty(), "ContinuousArchiving "
                + condition.get().get("status") + ": " + Optional.ofNullable(condition.get().get("message")).orElse("no message"));
    }

    /**
     * PGO: pgBackRest's backups check that the WAL they need reached the archive (archive-check, on by default), so
     * the stanza and a successful backup prove archive-push; a repository whose stanza was never created archives
     * nothing.
     */
    static Verification.Check pgoArchive(DatabasePlan d, Verification.Lookup live) {
        var db = d.database();
        var cluster = live.object(PGO, "PostgresCluster", db.namespace(), db.name());
        if (cluster.isEmpty()) return check("wal archive", d, Verification.State.NEVER, Optional.empty(), "no PostgresCluster " + db.name());
        var archive = PgBackRestRepo.restoreSource(d).name();
        var repo = Unstructured.maps(cluster.get(), "status.pgbackrest.repos").stream()
                .filter(r -> archive.equals(r.get("name"))).findFirst();
        if (repo.isEmpty() || !Boolean.TRUE.equals(repo.get().get("stanzaCreated"))) {
            return check("wal archive", d, Verification.State.NEVER, Optional.empty(), archive + "'s stanza is not created: nothing is archived");
        }
        var backedUp = Unstructured.maps(cluster.get(), "status.pgbackrest.scheduledBackups").stream()
                .filter(b -> Unstructured.number(b, "succeeded") > 0)
                .map(b -> Unstructured.time(b, "completionTime")).flatMap(Optional::stream).max(Comparator.naturalOrder());
        if (backedUp.isEmpty()) return check("wal archive", d, Verification.State.NEVER, Optional.empty(), "stanza created; no backup has checked the archive yet");
        return check("wal archive", d, Verification.State.PROVEN, backedUp, "stanza created; the backup of " + backedUp.get() + " checked the archive");
    }

    /**
     * A pending database restore: PROVEN only with the PASS verdict of its awaited check Job ({@link
     * DatabaseRestoreCheck}: ready, promoted, the expected system, the app's data), never on the cluster's Ready alone
     * (a recovered cluster of an empty database is Ready too: field-incidents §C 18). A failed check is FAILING with its
     * verdict line; a ready cluster whose check has not passed is "not proven yet".
     */
    static Verification.Check restore(DatabasePlan d, Verification.Lookup live) {
        var name = d.recoveryName().orElseThrow(() -> new IllegalStateException("no restore of " + d.id() + " is requested"));
        var db = d.database();
        var type = d.engine().cluster();
        var cluster = live.object(type.apiVersion(), type.kind(), db.namespace(), name);
        if (cluster.isEmpty()) {
            return check("restore", d, Verification.State.NEVER, Optional.empty(), "requested; the cluster " + name + " does not exist yet: run pulumi up");
        }
        boolean ready = d.engine().match(
                cnpg -> Unstructured.condition(cluster.get(), "Ready").filter(c -> "True".equals(c.get("status"))).isPresent(),
                pgo -> Unstructured.maps(cluster.get(), "status.instances").stream()
                        .anyMatch(i -> Unstructured.number(i, "readyReplicas") > 0));
        var jobName = DatabaseRestoreCheck.jobName(name);
        var job = live.object("batch/v1", "Job", db.namespace(), jobName);
        var said = job.isEmpty() ? Optional.<String>empty()
                : verdict(live, db.namespace(), jobName, DatabaseRestoreCheck.VERDICT);
        if (job.isPresent() && finished(job.get(), "Complete") && said.filter(s -> s.startsWith(DatabaseRestoreCheck.VERDICT + " PASS")).isPresent()) {
            return check("restore", d, Verification.State.PROVEN, Unstructured.time(job.get(), "status.completionTime"),
                    said.get() + "; switch the app to " + name + ", then remove the request");
        }
        if (job.isPresent() && finished(job.get(), "Failed")) {
            var why = said.or(() -> Unstructured.condition(job.get(), "Failed")
                    .flatMap(c -> Optional.ofNullable(c.get("message"))).map(String::valueOf)).orElse("failed");
            return check("restore", d, Verification.State.FAILING, Optional.empty(), "Job " + jobName + ": " + why
                    + " (README: Restore a database, \"When the check fails\")");
        }
        return check("restore", d, Verification.State.NEVER, Optional.empty(), (ready
                ? "the recovered cluster " + name + " is ready but not proven yet"
                : "the recovered cluster " + name + " is not ready yet")
                + (job.isEmpty() ? ": its check Job " + jobName + " does not exist (run pulumi up)"
                : ": its check Job " + jobName + " has not passed yet"));
    }

    /**
     * Issue 22: a database is PROVEN only by a recent passed restore drill, no longer by a completed backup alone (the
     * backup row says the schedule runs; a "successful" backup of an unreadable or empty archive was the field's
     * failure: docs/field-incidents-2026.md §C). Read like the volume drill (Verification.drill): the CronJob's
     * lastSuccessfulTime, the newest finished Job, and its pod's verdict line.
     */
    static Verification.Check drill(DatabaseDrillPlan d, Verification.Lookup live, Instant now) {
        var plan = d.database();
        var every = "every " + d.everyDays() + "d, stale after " + AlertRules.duration(d.staleAfter());
        var cronJob = live.object("batch/v1", "CronJob", d.namespace(), d.cronJobName());
        if (cronJob.isEmpty()) return check("database drill", plan, Verification.State.NEVER, Optional.empty(), "no CronJob " + d.cronJobName());
        var success = Unstructured.time(cronJob.get(), "status.lastSuccessfulTime");
        var newest = live.objects("batch/v1", "Job", d.namespace()).stream()
                .filter(j -> d.id().equals(Unstructured.label(j, DatabaseDrillPlan.LABEL)))
                .filter(j -> finished(j, "Failed") || finished(j, "Complete"))
                .max(Comparator.comparing((java.util.Map<String, Object> j) -> Unstructured.time(j, "status.startTime").orElse(Instant.EPOCH)))
                .orElse(null);
        var said = newest == null ? Optional.<String>empty() : verdict(live, d.namespace(), Unstructured.name(newest));
        if (newest != null && finished(newest, "Failed")) {
            var started = Unstructured.time(newest, "status.startTime").orElse(Instant.EPOCH);
            if (success.isEmpty() || started.isAfter(success.get())) {
                var why = said.or(() -> Unstructured.condition(newest, "Failed")
                        .flatMap(c -> Optional.ofNullable(c.get("message"))).map(String::valueOf)).orElse("failed");
                return check("database drill", plan, Verification.State.FAILING, success, "Job " + Unstructured.name(newest) + ": " + why);
            }
        }
        if (success.isEmpty()) return check("database drill", plan, Verification.State.NEVER, success, "no restore drill has passed yet; " + every);
        var state = Duration.between(success.get(), now).compareTo(d.staleAfter()) > 0 ? Verification.State.STALE : Verification.State.PROVEN;
        return check("database drill", plan, state, success,
                said.filter(s -> s.startsWith(DatabaseDrillPlan.VERDICT + " PASS")).map(s -> s + "; ").orElse("") + every);
    }

    /** Database drills switched off: nothing proves the database (the loader refuses retiring Longhorn then). */
    static Verification.Check drillOff(DatabasePlan d) {
        return check("database drill", d, Verification.State.NEVER, Optional.empty(),
                "database restore drills are off (databases.drill.enabled): no drill proves this database restorable");
    }

    private static boolean finished(java.util.Map<String, Object> job, String type) {
        return Unstructured.condition(job, type).filter(c -> "True".equals(c.get("status"))).isPresent();
    }

    /** The drill's verdict line in the termination message of the Job's newest pod. */
    static Optional<String> verdict(Verification.Lookup live, String namespace, String job) {
        return verdict(live, namespace, job, DatabaseDrillPlan.VERDICT);
    }

    /** The verdict line starting with {@code word} in the termination message of the Job's newest pod. */
    static Optional<String> verdict(Verification.Lookup live, String namespace, String job, String word) {
        return live.objects("v1", "Pod", namespace).stream()
                .filter(p -> job.equals(Unstructured.label(p, "batch.kubernetes.io/job-name")))
                .flatMap(p -> Unstructured.maps(p, "status.containerStatuses").stream())
                .filter(c -> Unstructured.string(c, "state.terminated.message").isPresent())
                .max(Comparator.comparing((java.util.Map<String, Object> c) ->
                        Unstructured.time(c, "state.terminated.finishedAt").orElse(Instant.EPOCH)))
                .flatMap(c -> Unstructured.string(c, "state.terminated.message"))
                .flatMap(m -> m.lines().map(String::strip).filter(l -> l.startsWith(word + " ")).reduce((a, b) -> b));
    }
}
