package homelab.backups.plan;

import homelab.backups.config.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wave 3: the alert rules that say when a backup stopped, a restore drill failed or a database's backups or WAL
 * archive stalled, one set per backed-up app and database, each threshold derived from that item's schedule.
 * Pure: the groups are plain maps, the PrometheusRule's {@code spec.groups} and the file {@code promtool} checks.
 *
 * <p>Metric semantics, from the exporters' source:
 * <ul>
 * <li>VolSync (backube/volsync v0.15.0) creates its three series per ReplicationSource at 0 on every reconcile
 * ({@code newVolSyncMetrics}, internal/controller/replicationsource_controller.go) and never deletes one
 * (internal/controller/metrics.go has no Delete call): a deleted source keeps its last values until the controller
 * restarts, and a restarted controller starts new series (a new {@code pod} label) at 0.</li>
 * <li>{@code volsync_sync_duration_seconds_count} (a Summary's count: cumulative, unlike its 24h quantiles) grows by
 * one exactly when a sync completes ({@code ObserveSyncDuration} in transitionToCleaningUp,
 * internal/controller/statemachine/machine.go). "It did not grow for the interval plus the slack" is therefore "no
 * backup completed for the interval plus the slack" — the promise — to one scrape.</li>
 * <li>{@code volsync_volume_out_of_sync} is 1 until a source's first sync completes, then rises again only once
 * {@code schedule.Next(schedule.Next(lastSyncTime))} has passed (pastScheduleDeadline), i.e. nearly two intervals
 * after the last success, and falls only when a sync completes. {@code for: interval+slack} on it fired about 74h
 * after the last good daily backup; no {@code for} can bring it under two intervals, so it is not alerted on.</li>
 * <li>{@code volsync_missed_intervals_total} moves only when a sync <em>completes</em> after that deadline
 * (transitionToCleaningUp): it reports slow backups, never a backup that keeps failing.</li>
 * <li>kube-state-metrics exports the drill CronJob's {@code status.lastSuccessfulTime}, which the CronJob controller
 * sets when one of its Jobs completes, and each Job's start time and failed condition.</li>
 * </ul>
 */
public final class AlertRules {
    public static final String RULE_NAME = "homelab-backups";

    private AlertRules() {
    }

    /** Every group, in a fixed order. */
    public static List<Map<String, Object>> groups(StackPlan plan) {
        var settings = plan.inputs().settings();
        var monitoring = settings.monitoring();
        var groups = new ArrayList<Map<String, Object>>();
        var volumes = new ArrayList<Map<String, Object>>();
        for (var v : plan.volumes()) volumes.addAll(volumeRules(v, settings));
        groups.add(group("homelab-backups.volumes", volumes));
        // Restore-before-bind: a re-created PVC waiting for the owner's restore-or-fresh-start decision (ClaimAlerts).
        var claims = new ArrayList<Map<String, Object>>();
        for (var v : plan.volumes()) claims.addAll(ClaimAlerts.rules(v, monitoring));
        if (!claims.isEmpty()) groups.add(group("homelab-backups.claims", claims));
        if (!plan.drills().isEmpty()) {
            var drills = new ArrayList<Map<String, Object>>();
            for (var d : plan.drills()) drills.addAll(drillRules(d, monitoring));
            groups.add(group("homelab-backups.drills", drills));
        }
        if (!plan.databases().isEmpty()) {
            var databases = new ArrayList<Map<String, Object>>();
            for (var d : plan.databases()) databases.addAll(DatabaseAlerts.rules(d, monitoring));
            groups.add(group("homelab-backups.databases", databases));
        }
        if (!plan.databaseDrills().isEmpty()) {
            var drills = new ArrayList<Map<String, Object>>();
            for (var d : plan.databaseDrills()) drills.addAll(DatabaseAlerts.drillRules(d, monitoring));
            groups.add(group("homelab-backups.database-drills", drills));
        }
        return groups;
    }

    static List<Map<String, Object>> volumeRules(VolumePlan v, Settings settings) {
        var monitoring = settings.monitoring();
        var selector = "role=\"source\", obj_namespace=\"" + v.namespace() + "\", obj_name=\"" + v.sourceName() + "\"";
        var late = v.interval().plus(monitoring.slack());
        var labels = Map.of("app", v.app(), "namespace", v.namespace());
        // The series of all the controller's pods together (a restart starts new ones), so a success before the
        // restart still counts. "== 0" alone would fire at once for a source, or a controller, that is younger than
        // the window; the offset guard asks that the source was already reported at some point in the hour before
        // the window began (an hour, so a short controller outage then does not silence the alert).
        var completions = "volsync_sync_duration_seconds_count{" + selector + "}";
        var outOfSync = "sum by (obj_namespace, obj_name) (increase(" + completions + "[" + duration(late) + "])) == 0\n"
                + "  and on (obj_namespace, obj_name)\n"
                + "max by (obj_namespace, obj_name) (max_over_time(" + completions + "[1h] offset " + duration(late) + "))";
        return List.of(
                rule("VolumeBackupOutOfSync", outOfSync, Duration.ZERO, "critical", labels, monitoring,
                        "Backups of " + v.app() + " have not completed for " + duration(late),
                        "The ReplicationSource " + v.namespace() + "/" + v.sourceName() + " has completed no backup "
                                + "(schedule " + v.schedule() + ", every " + duration(v.interval()) + ") in the last "
                                + duration(late) + " (its interval plus " + duration(monitoring.slack()) + "), or none in the "
                                + duration(late) + " since VolSync first reported it."),
                rule("VolumeBackupMissedIntervals",
                        "increase(volsync_missed_intervals_total{" + selector + "}[" + duration(v.interval()) + "]) > 0",
                        Duration.ZERO, "warning", labels, monitoring,
                        "A backup of " + v.app() + " finished after the next one was due",
                        "The ReplicationSource " + v.namespace() + "/" + v.sourceName() + " missed an interval within the last "
                                + duration(v.interval()) + ": a backup took longer than the schedule " + v.schedule() + " allows."),
                // The series VolumeBackupOutOfSync reads. VolSync never deletes it, so this does not see a deleted source
                // (OutOfSync, RestoreDrillMissing and ./verify do); it sees VolSync down or unscraped, or a source that
                // VolSync has not reconciled since its controller started.
                rule("VolumeBackupNotReporting",
                        "absent(" + completions + ")",
                        Duration.ofHours(1), "critical", labels, monitoring,
                        "No backup metrics for " + v.app(),
                        "Prometheus has no series for the ReplicationSource " + v.namespace() + "/" + v.sourceName()
                                + ": VolSync is not running, its metrics are not scraped, or the source did not exist when "
                                + "VolSync last started."));
    }

    static List<Map<String, Object>> drillRules(DrillPlan d, Settings.MonitoringSettings monitoring) {
        var ns = "namespace=\"" + d.namespace() + "\"";
        var jobs = ns + ", job_name=~\"" + d.cronJobName() + "-[0-9]+\"";
        var cronJob = ns + ", cronjob=\"" + d.cronJobName() + "\"";
        var labels = Map.of("app", d.app(), "namespace", d.namespace());
        // The newest failed run's start, against the newest success (0 when there was none): a failure fires at
        // once and clears with the next success; the history keeps one of each (DrillSpecs).
        var failed = "max(kube_job_status_start_time{" + jobs + "} * on (namespace, job_name) group_left () "
                + "(max by (namespace, job_name) (kube_job_failed{" + jobs + ", condition=\"true\"}) == 1))\n"
                + "  > (max(kube_cronjob_status_last_successful_time{" + cronJob + "}) or vector(0))";
        // Since the last success, or since the CronJob was created when none succeeded yet.
        var stale = "time() - (max(kube_cronjob_status_last_successful_time{" + cronJob + "})\n"
                + "  or max(kube_cronjob_created{" + cronJob + "})) > " + d.staleAfter().toSeconds();
        return List.of(
                rule("RestoreDrillFailed", failed, Duration.ZERO, "critical", labels, monitoring,
                        "The restore drill of " + d.app() + " failed",
                        "The newest run of the CronJob " + d.namespace() + "/" + d.cronJobName() + " failed: the repository "
                                + "check, the age of the newest backup or the restore of its content did not pass. Its log says which."),
                rule("RestoreDrillStale", stale, Duration.ZERO, "warning", labels, monitoring,
                        "The restore drill of " + d.app() + " has not passed for " + duration(d.staleAfter()),
                        "The CronJob " + d.namespace() + "/" + d.cronJobName() + " (schedule " + d.schedule() + ") has had no "
                                + "successful run for longer than its " + d.everyDays() + "-day cycle plus " + duration(monitoring.slack()) + "."),
                rule("RestoreDrillMissing", "absent(kube_cronjob_info{" + cronJob + "})", Duration.ofHours(1), "warning",
                        labels, monitoring, "No restore drill for " + d.app(),
                        "kube-state-metrics reports no CronJob " + d.namespace() + "/" + d.cronJobName() + "."));
    }

    static Map<String, Object> group(String name, List<Map<String, Object>> rules) {
        var group = new LinkedHashMap<String, Object>();
        group.put("name", name);
        group.put("rules", rules);
        return group;
    }

    static Map<String, Object> rule(String alert, String expr, Duration pending, String severity,
                                    Map<String, String> itemLabels, Settings.MonitoringSettings monitoring,
                                    String summary, String description) {
        var rule = new LinkedHashMap<String, Object>();
        rule.put("alert", alert);
        rule.put("expr", expr);
        if (!pending.isZero()) rule.put("for", duration(pending));
        var labels = new LinkedHashMap<String, Object>();
        labels.put("severity", severity);
        new java.util.TreeMap<>(itemLabels).forEach(labels::put);
        rule.put("labels", labels);
        var annotations = new LinkedHashMap<String, Object>();
        annotations.put("summary", summary);
        annotations.put("description", description);
        annotations.put("runbook_url", monitoring.runbookBase() + "#" + alert.toLowerCase());
        rule.put("annotations", annotations);
        return rule;
    }

    /** A Prometheus duration: whole days, hours or minutes where exact. */
    public static String duration(Duration d) {
        long s = d.toSeconds();
        if (s % 86400 == 0 && s > 0) return s / 86400 + "d";
        if (s % 3600 == 0 && s > 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}
