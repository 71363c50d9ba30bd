package homelab.backups.plan;

import homelab.backups.config.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The alert rules of one database's backups and WAL archive (see {@link AlertRules}). */
final class DatabaseAlerts {
    private DatabaseAlerts() {
    }

    /** How often the database makes a base (CNPG) or full (PGO) backup. */
    static Duration interval(DatabasePlan d) {
        return d.engine().interval();
    }

    /**
     * CNPG (through the Barman Cloud plugin) and PGO (through pgMonitor's exporter). The plugin's three metrics carry no
     * labels of their own and are served by every instance pod, so one cluster is {@code namespace} plus the pods
     * {@code <cluster>-<n>}, as CNPG's own cluster chart selects it; 0 means "no backup recorded yet"
     * (cloudnative-pg/plugin-barman-cloud v0.14.0 internal/cnpgi/instance/metrics.go). pgMonitor's backup metrics carry
     * {@code stanza} ({@code db} in PGO) and {@code repo} ({@code 1}) and vanish when pgBackRest cannot read the
     * repository, hence the absent() rule (CrunchyData/pgmonitor postgres_exporter/linux/queries_backrest.yml).
     */
    static List<Map<String, Object>> rules(DatabasePlan d, Settings.MonitoringSettings monitoring) {
        return d.engine().match(cnpg -> cnpgRules(d, monitoring), pgo -> pgoRules(d, pgo, monitoring));
    }

    private static List<Map<String, Object>> cnpgRules(DatabasePlan d, Settings.MonitoringSettings monitoring) {
        var db = d.database();
        var labels = Map.of("database", d.id(), "namespace", db.namespace());
        var late = interval(d).plus(monitoring.slack());
        var lateText = AlertRules.duration(late);
        var rules = new ArrayList<Map<String, Object>>();
        var pods = "namespace=\"" + db.namespace() + "\", pod=~\"" + db.name() + "-[1-9][0-9]*\"";
        var available = "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{" + pods + "}";
        var failed = "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp{" + pods + "}";
        var where = "the CNPG cluster " + db.namespace() + "/" + db.name();
        rules.add(AlertRules.rule("DatabaseBackupStale", "time() - max(" + available + " > 0) > " + late.toSeconds(),
                Duration.ZERO, "critical", labels, monitoring, "The newest backup of " + d.id() + " is older than " + lateText,
                "The Barman Cloud plugin's newest base backup of " + where + " is older than its schedule allows."));
        rules.add(AlertRules.rule("DatabaseBackupNever", "max(" + available + ") == 0", late, "critical", labels,
                monitoring, d.id() + " has no backup " + lateText + " after backups were set up",
                "The Barman Cloud plugin has recorded no base backup of " + where + " in its object store."));
        rules.add(AlertRules.rule("DatabaseBackupFailed", "max(" + failed + ") > max(" + available + ")",
                Duration.ZERO, "critical", labels, monitoring, "The newest backup of " + d.id() + " failed",
                "A base backup of " + where + " failed after its newest successful one."));
        // CNPG's own sample rule LastFailedArchiveTime (docs/src/samples/monitoring/prometheusrule.yaml, v1.28.0).
        rules.add(AlertRules.rule("DatabaseWalArchivingFailing",
                "max(cnpg_pg_stat_archiver_last_failed_time{" + pods + "} - cnpg_pg_stat_archiver_last_archived_time{" + pods + "}) > 1",
                Duration.ofMinutes(5), "critical", labels, monitoring, "WAL archiving of " + d.id() + " is failing",
                "PostgreSQL in " + where + " failed to archive a WAL segment after its last success: point-in-time "
                        + "recovery ends at the last archived segment."));
        rules.add(AlertRules.rule("DatabaseBackupMetricsAbsent", "absent(" + available + ")", Duration.ofHours(1),
                "warning", labels, monitoring, "No backup metrics for " + d.id(),
                "Prometheus has no Barman Cloud plugin series for " + where + ": its instances are not scraped "
                        + "(spec.monitoring.enablePodMonitor or a PodMonitor) or the plugin is not enabled on it."));
        return rules;
    }

    private static List<Map<String, Object>> pgoRules(DatabasePlan d, PgoEngine pgo, Settings.MonitoringSettings monitoring) {
        var db = d.database();
        var labels = Map.of("database", d.id(), "namespace", db.namespace());
        var late = interval(d).plus(monitoring.slack());
        var lateText = AlertRules.duration(late);
        var rules = new ArrayList<Map<String, Object>>();
        var pods = "namespace=\"" + db.namespace() + "\", pod=~\"" + db.name() + "-.+\"";
        var repo = pods + ", stanza=\"db\", repo=\"" + PgBackRestRepo.restoreSource(d).index() + "\"";
        var where = "the PGO cluster " + db.namespace() + "/" + db.name();
        rules.add(AlertRules.rule("DatabaseBackupStale",
                "min(ccp_backrest_last_full_backup_time_since_completion_seconds{" + repo + "}) > " + late.toSeconds(),
                Duration.ZERO, "critical", labels, monitoring, "The newest full backup of " + d.id() + " is older than " + lateText,
                "pgBackRest's newest full backup of " + where + " is older than its schedule " + pgo.fullSchedule() + " allows."));
        var smaller = java.util.stream.Stream.of(pgo.options().differential(), pgo.options().incremental()).flatMap(java.util.Optional::stream)
                .map(c -> c.longestGap()).min(Duration::compareTo);
        smaller.ifPresent(gap -> rules.add(AlertRules.rule("DatabaseIncrementalBackupStale",
                "min(ccp_backrest_last_incr_backup_time_since_completion_seconds{" + repo + "}) > " + gap.plus(monitoring.slack()).toSeconds(),
                Duration.ZERO, "warning", labels, monitoring,
                "The newest backup of " + d.id() + " of any type is older than " + AlertRules.duration(gap.plus(monitoring.slack())),
                "pgBackRest has made no full, differential or incremental backup of " + where + " within its schedules.")));
        // pgMonitor: last failed minus last archived, 0 unless the newest attempt failed (queries_global.yml).
        rules.add(AlertRules.rule("DatabaseWalArchivingFailing",
                "max(ccp_archive_command_status_seconds_since_last_fail{" + pods + "}) > 0",
                Duration.ofMinutes(5), "critical", labels, monitoring, "WAL archiving of " + d.id() + " is failing",
                "archive_command (pgbackrest archive-push) failed after its last success in " + where + "."));
        rules.add(AlertRules.rule("DatabaseBackupMetricsAbsent",
                "absent(ccp_backrest_last_full_backup_time_since_completion_seconds{" + repo + "})",
                Duration.ofHours(1), "warning", labels, monitoring, "No backup metrics for " + d.id(),
                "pgMonitor's backup series for " + where + " are absent: its exporter (port exporter, 9187) is not "
                        + "scraped, or pgBackRest cannot read its repository (the metrics vanish then)."));
        return rules;
    }

    /**
     * The restore drill of one database, in the style of the volume drills' rules (AlertRules.drillRules), from the
     * same kube-state-metrics series of its CronJob and Jobs: failed (the newest run failed after the newest success),
     * stale (no pass for the drill interval plus the slack), missing (no CronJob).
     */
    static List<Map<String, Object>> drillRules(DatabaseDrillPlan d, Settings.MonitoringSettings monitoring) {
        var ns = "namespace=\"" + d.namespace() + "\"";
        var jobs = ns + ", job_name=~\"" + d.cronJobName() + "-[0-9]+\"";
        var cronJob = ns + ", cronjob=\"" + d.cronJobName() + "\"";
        var labels = Map.of("database", d.id(), "namespace", d.namespace());
        var failed = "max(kube_job_status_start_time{" + jobs + "} * on (namespace, job_name) group_left () "
                + "(max by (namespace, job_name) (kube_job_failed{" + jobs + ", condition=\"true\"}) == 1))\n"
                + "  > (max(kube_cronjob_status_last_successful_time{" + cronJob + "}) or vector(0))";
        var stale = "time() - (max(kube_cronjob_status_last_successful_time{" + cronJob + "})\n"
                + "  or max(kube_cronjob_created{" + cronJob + "})) > " + d.staleAfter().toSeconds();
        var where = d.namespace() + "/" + d.cronJobName();
        return List.of(
                AlertRules.rule("DatabaseRestoreDrillFailed", failed, Duration.ZERO, "critical", labels, monitoring,
                        "The restore drill of database " + d.id() + " failed",
                        "The newest run of the CronJob " + where + " failed: the throwaway cluster " + d.throwaway()
                                + " did not recover within " + AlertRules.duration(d.readyTimeout()) + ", or it did with "
                                + "another system identifier than the running cluster, or without the app's data. Its "
                                + "verdict line (./verify, or the Job's log) says which."),
                AlertRules.rule("DatabaseRestoreDrillStale", stale, Duration.ZERO, "warning", labels, monitoring,
                        "The restore drill of database " + d.id() + " has not passed for " + AlertRules.duration(d.staleAfter()),
                        "The CronJob " + where + " (schedule " + d.schedule() + ") has had no successful run for longer "
                                + "than its " + d.everyDays() + "-day cycle plus " + AlertRules.duration(monitoring.slack())
                                + ": the database's backups are not proven restorable."),
                AlertRules.rule("DatabaseRestoreDrillMissing", "absent(kube_cronjob_info{" + cronJob + "})",
                        Duration.ofHours(1), "warning", labels, monitoring, "No restore drill for database " + d.id(),
                        "kube-state-metrics reports no CronJob " + where + "."));
    }
}
