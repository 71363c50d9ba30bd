#!/usr/bin/env python3
"""Writes the promtool unit tests of the rendered alert rules (alerts/tests/*.test.yaml).

Each case below is written by hand: the synthetic series, when each alert must be firing and when it must have
cleared again after the next success. promtool compares an alert's annotations too, so they are copied from the
rendered rules (out/prod/promtool/homelab-backups.rules.yaml): change a rule's wording, run ./render --stack prod
and this script again, and review the diff. `promtool test rules alerts/tests/*.test.yaml` runs the result.

Usage: python3 alerts/tests/generate.py [rules file]
"""
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "..", "out", "prod", "promtool", "homelab-backups.rules.yaml")
RULES_FROM_TESTS = "../../out/prod/promtool/homelab-backups.rules.yaml"

# The prod stack's backed-up volumes (stacks/prod/inventory.yaml): the healthy rest of the world for absent() rules.
APPS = {
    "open-webui": "open-webui", "khoj": "khoj", "home-assistant": "home-assistant", "paperless-ngx": "paperless-ngx",
    "paperless-ngx-media": "paperless-ngx", "frigate-mqtt": "frigate", "n8n": "n8n", "nginx": "nginx-example",
    "fizzy": "fizzy", "immich": "immich", "karakeep": "karakeep", "karakeep-meilisearch": "karakeep",
    "homepage-dashboard": "homepage-dashboard", "nestmtx": "nestmtx", "searxng-redis": "searxng",
    "container-registry": "kube-system", "redis-instance": "redis-instance",
}
H = 3600
D = 86400


# VolSync's series of a ReplicationSource, as backube/volsync v0.15.0 emits them: created at 0 when the controller
# first reconciles the source (newVolSyncMetrics, internal/controller/replicationsource_controller.go), never deleted
# (internal/controller/metrics.go), and a restarted controller's pod starts new ones at 0. The sync-duration Summary's
# count grows by one exactly when a sync completes (ObserveSyncDuration in transitionToCleaningUp,
# internal/controller/statemachine/machine.go); a failing mover leaves it where it was.
COMPLETIONS = "volsync_sync_duration_seconds_count"


def source(app, values, pod="volsync-5c8d7b9f4-x2kq7"):
    return {"series": '%s{role="source",method="restic",obj_namespace="%s",obj_name="%s-backup",pod="%s"}'
                      % (COMPLETIONS, APPS[app], app, pod), "values": values}


def alert(name, labels, rules):
    """An expected alert: its labels, plus the annotations of the one rule that has this name and these labels."""
    match = [r for r in rules if r["alert"] == name and all(r["labels"].get(k) == v for k, v in labels.items()
                                                             if k in r["labels"])]
    key = "app" if "app" in labels else "database"
    match = [r for r in match if r["labels"].get(key) == labels.get(key)]
    if len(match) != 1:
        sys.exit("no single rule %s for %s (found %d)" % (name, labels, len(match)))
    rule = match[0]
    return {"exp_labels": dict(rule["labels"], **labels), "exp_annotations": dict(rule["annotations"])}


def check(name, eval_time, alerts=()):
    return {"eval_time": eval_time, "alertname": name, "exp_alerts": list(alerts)}


def late(rules):
    """VolumeBackupOutOfSync's timing (issue 19, M1), at minute resolution: nginx backs up daily at 02:31 (prod), so
    it is late 26h (1d + 2h slack) after its last completed backup — not two intervals later, as an alert on
    volsync_volume_out_of_sync would be (that gauge rises only once schedule.Next(schedule.Next(lastSyncTime)) has
    passed, machine.go pastScheduleDeadline)."""
    nginx = {"app": "nginx", "namespace": "nginx-example"}
    series = {"obj_namespace": "nginx-example", "obj_name": "nginx-backup"}
    firing = [alert("VolumeBackupOutOfSync", dict(nginx, **series), rules)]
    return [
        {"name": "a daily backup that stops completing fires 26h after the last completed one, not before, and clears "
                 "with the next",
         "file": "late", "interval": "1m",
         # The controller starts at 0; the 02:31 backup completes in the minute before 02:40 (scraped at 2h40m); the
         # next day's keeps failing from 26h31m until one completes just before 30h.
         "input_series": [source("nginx", "0x159 1x1639 2x60")],
         "alert_rule_test": [
             check("VolumeBackupOutOfSync", "28h30m"),                   # 10 min before interval + slack
             check("VolumeBackupOutOfSync", "28h35m"),                   # one evaluation before
             check("VolumeBackupOutOfSync", "28h40m", firing),           # 26h after the scrape that showed it
             check("VolumeBackupOutOfSync", "29h55m", firing),
             check("VolumeBackupOutOfSync", "30h"),                      # the next completion clears it
         ]},
        {"name": "a VolSync restart between the last backup and its deadline neither fires early nor hides the late one",
         "file": "late", "interval": "1m",
         # The first controller pod goes at 10h (its series go stale); its successor reports from 10h05m, at 0.
         "input_series": [source("nginx", "0x159 1x440 stale"),
                          source("nginx", "_x604 0x1194 1x60", pod="volsync-5c8d7b9f4-r8mvn")],
         "alert_rule_test": [
             check("VolumeBackupOutOfSync", "26h30m"),                   # the new pod's series alone has not grown for 26h
             check("VolumeBackupOutOfSync", "28h35m"),
             check("VolumeBackupOutOfSync", "28h40m", firing),
             check("VolumeBackupOutOfSync", "30h"),                      # completed on the new pod
         ]},
        {"name": "a new source whose first backup never completes fires 26h after VolSync first reported it",
         "file": "late", "interval": "1m",
         "input_series": [source("nginx", "0x1600")],
         "alert_rule_test": [
             check("VolumeBackupOutOfSync", "1h"),                       # younger than its window: not judged yet
             check("VolumeBackupOutOfSync", "25h50m"),
             check("VolumeBackupOutOfSync", "25h55m"),
             check("VolumeBackupOutOfSync", "26h", firing),
         ]},
    ]


def volumes(rules):
    nginx = {"app": "nginx", "namespace": "nginx-example"}
    series = {"obj_namespace": "nginx-example", "obj_name": "nginx-backup"}
    others = [source(a, "0x60") for a in APPS if a != "nginx"]
    return [
        {"name": "a deleted source keeps its series (VolSync deletes none): no NotReporting, but OutOfSync once late",
         "interval": "1h",
         # nginx's backup completed before 3h; the source was deleted at 5h and its count stays as it was. The
         # other sources complete one backup a day.
         "input_series": [source(a, "0x2 1x23 2x24") for a in APPS if a != "nginx"] + [source("nginx", "0x2 1x47")],
         "alert_rule_test": [
             check("VolumeBackupOutOfSync", "28h"),
             check("VolumeBackupOutOfSync", "29h", [alert("VolumeBackupOutOfSync", dict(nginx, **series), rules)]),
             check("VolumeBackupNotReporting", "29h"),
             check("VolumeBackupNotReporting", "45h"),
         ]},
        {"name": "a backup that finished after the next was due fires, and clears an interval later",
         "interval": "1h",
         "input_series": [{"series": 'volsync_missed_intervals_total{role="source",method="restic",'
                                     'obj_namespace="nginx-example",obj_name="nginx-backup"}',
                           "values": "0x10 1x40"}],
         "alert_rule_test": [
             check("VolumeBackupMissedIntervals", "9h"),
             check("VolumeBackupMissedIntervals", "12h", [alert("VolumeBackupMissedIntervals",
                                                                dict(nginx, **series, role="source", method="restic"), rules)]),
             check("VolumeBackupMissedIntervals", "36h"),
         ]},
        {"name": "a source that reports nothing fires after an hour and clears when its series appears",
         "interval": "10m",
         "input_series": others + [source("nginx", "_x12 0x48")],
         "alert_rule_test": [
             check("VolumeBackupNotReporting", "50m"),
             # absent() keeps the selector's equality matchers as labels.
             check("VolumeBackupNotReporting", "70m", [alert("VolumeBackupNotReporting", dict(nginx, **series, role="source"), rules)]),
             check("VolumeBackupNotReporting", "150m"),
         ]},
    ]


def drills(rules):
    nginx = {"app": "nginx", "namespace": "nginx-example"}
    job = lambda name, metric, values, **extra: {
        "series": '%s{namespace="nginx-example",job_name="%s"%s}' % (
            metric, name, "".join(',%s="%s"' % kv for kv in extra.items())), "values": values}
    cron = lambda metric, values: {"series": '%s{namespace="nginx-example",cronjob="nginx-drill"}' % metric, "values": values}
    info = [{"series": 'kube_cronjob_info{namespace="%s",cronjob="%s-drill"}' % (ns, a), "values": "1x20"}
            for a, ns in APPS.items() if a != "nginx"]
    return [
        {"name": "a failed drill fires at once and clears with the next successful drill",
         "interval": "1h",
         "input_series": [
             # Passed at 1h; the run started at 10h failed; the run started at 20h passed (completed at 21h).
             cron("kube_cronjob_status_last_successful_time", "3600x20 75600x10"),
             job("nginx-drill-166", "kube_job_status_start_time", "_x10 36000x20"),
             job("nginx-drill-166", "kube_job_failed", "_x11 1x19", condition="true"),
             job("nginx-drill-166", "kube_job_failed", "_x11 0x19", condition="false"),
             job("nginx-drill-333", "kube_job_status_start_time", "_x20 72000x10"),
         ],
         "alert_rule_test": [
             check("RestoreDrillFailed", "5h"),
             check("RestoreDrillFailed", "12h", [alert("RestoreDrillFailed", nginx, rules)]),
             check("RestoreDrillFailed", "22h"),
         ]},
        {"name": "a drill that never passes fires once the cycle plus slack has gone by since its CronJob was made",
         "interval": "1h",
         "input_series": [cron("kube_cronjob_created", "0x200")],
         "alert_rule_test": [
             check("RestoreDrillStale", "7d1h"),
             check("RestoreDrillStale", "7d3h", [alert("RestoreDrillStale", nginx, rules)]),
         ]},
        {"name": "a drill that stopped passing goes stale, and clears with the next pass",
         "interval": "1h",
         "input_series": [cron("kube_cronjob_created", "0x250"),
                          cron("kube_cronjob_status_last_successful_time", "3600x200 %dx50" % (201 * H))],
         "alert_rule_test": [
             check("RestoreDrillStale", "7d2h"),
             check("RestoreDrillStale", "7d4h", [alert("RestoreDrillStale", nginx, rules)]),
             check("RestoreDrillStale", "8d10h"),
         ]},
        {"name": "a missing drill CronJob fires after an hour",
         "interval": "10m",
         "input_series": info + [{"series": 'kube_cronjob_info{namespace="nginx-example",cronjob="nginx-drill"}',
                                  "values": "_x12 1x8"}],
         "alert_rule_test": [
             check("RestoreDrillMissing", "50m"),
             check("RestoreDrillMissing", "70m", [alert("RestoreDrillMissing", dict(nginx, cronjob="nginx-drill"), rules)]),
             check("RestoreDrillMissing", "150m"),
         ]},
    ]


def database_drills(rules):
    """The database restore drills' rules: the volume drills' shapes, on the CronJob <id>-db-drill (issue 22)."""
    khoj = {"database": "khoj-database", "namespace": "cloudnative-pg"}
    job = lambda name, metric, values, **extra: {
        "series": '%s{namespace="cloudnative-pg",job_name="%s"%s}' % (
            metric, name, "".join(',%s="%s"' % kv for kv in extra.items())), "values": values}
    cron = lambda metric, values, name="khoj-database-db-drill": {
        "series": '%s{namespace="cloudnative-pg",cronjob="%s"}' % (metric, name), "values": values}
    others = [{"series": 'kube_cronjob_info{namespace="%s",cronjob="%s-db-drill"}' % (ns, db), "values": "1x20"}
              for db, ns in (("paperless-database", "cloudnative-pg"), ("immich-postgres", "immich"))]
    return [
        {"name": "a failed database drill fires at once and clears with the next pass", "file": "database-drills",
         "interval": "1h",
         "input_series": [
             cron("kube_cronjob_status_last_successful_time", "3600x20 75600x10"),
             job("khoj-database-db-drill-29000", "kube_job_status_start_time", "_x10 36000x20"),
             job("khoj-database-db-drill-29000", "kube_job_failed", "_x11 1x19", condition="true"),
             # A failed volume drill in the same namespace is not this database's.
             job("khoj-database-drill-29000", "kube_job_status_start_time", "_x10 36000x20"),
             job("khoj-database-drill-29000", "kube_job_failed", "_x11 1x19", condition="true"),
         ],
         "alert_rule_test": [
             check("DatabaseRestoreDrillFailed", "5h"),
             check("DatabaseRestoreDrillFailed", "12h", [alert("DatabaseRestoreDrillFailed", khoj, rules)]),
             check("DatabaseRestoreDrillFailed", "22h"),
         ]},
        {"name": "a database drill that never passes goes stale a cycle plus slack after its CronJob was made",
         "file": "database-drills", "interval": "1h",
         "input_series": [cron("kube_cronjob_created", "0x200")],
         "alert_rule_test": [
             check("DatabaseRestoreDrillStale", "7d1h"),
             check("DatabaseRestoreDrillStale", "7d3h", [alert("DatabaseRestoreDrillStale", khoj, rules)]),
         ]},
        {"name": "a database drill that stopped passing goes stale, and clears with the next pass",
         "file": "database-drills", "interval": "1h",
         "input_series": [cron("kube_cronjob_created", "0x250"),
                          cron("kube_cronjob_status_last_successful_time", "3600x200 %dx50" % (201 * H))],
         "alert_rule_test": [
             check("DatabaseRestoreDrillStale", "7d2h"),
             check("DatabaseRestoreDrillStale", "7d4h", [alert("DatabaseRestoreDrillStale", khoj, rules)]),
             check("DatabaseRestoreDrillStale", "8d10h"),
         ]},
        {"name": "a missing database drill CronJob fires after an hour", "file": "database-drills",
         "interval": "10m",
         "input_series": others + [cron("kube_cronjob_info", "_x12 1x8")],
         "alert_rule_test": [
             check("DatabaseRestoreDrillMissing", "50m"),
             check("DatabaseRestoreDrillMissing", "70m", [alert("DatabaseRestoreDrillMissing",
                                                                dict(khoj, cronjob="khoj-database-db-drill"), rules)]),
             check("DatabaseRestoreDrillMissing", "150m"),
         ]},
    ]


def databases(rules):
    khoj = {"database": "khoj-database", "namespace": "cloudnative-pg"}
    immich = {"database": "immich-postgres", "namespace": "immich"}
    cnpg = lambda metric, values, cluster="khoj-database": {
        "series": '%s{namespace="cloudnative-pg",pod="%s-1"}' % (metric, cluster), "values": values}
    pgo = lambda metric, values: {
        "series": '%s{namespace="immich",pod="immich-instance1-x7k2-0",stanza="db",repo="1"}' % metric, "values": values}
    available = "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp"
    failed = "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp"
    return [
        {"name": "a CNPG base backup older than its daily schedule plus slack fires, and clears with the next one",
         "interval": "1h",
         "input_series": [cnpg(available, "3600x30 %dx10" % (30 * H))],
         "alert_rule_test": [
             check("DatabaseBackupStale", "26h"),
             check("DatabaseBackupStale", "28h", [alert("DatabaseBackupStale", khoj, rules)]),
             check("DatabaseBackupStale", "31h"),
         ]},
        {"name": "a CNPG cluster whose plugin recorded no backup (0) fires after a day plus slack",
         "interval": "1h",
         "input_series": [cnpg(available, "0x30 %dx5" % (30 * H))],
         "alert_rule_test": [
             check("DatabaseBackupNever", "25h"),
             check("DatabaseBackupNever", "27h", [alert("DatabaseBackupNever", khoj, rules)]),
             check("DatabaseBackupStale", "27h"),                                  # 0 is "none yet", not "old"
             check("DatabaseBackupNever", "31h"),
         ]},
        {"name": "a failed CNPG backup after the newest good one fires, and clears with the next good one",
         "interval": "1h",
         "input_series": [cnpg(available, "3600x20 %dx10" % (20 * H)), cnpg(failed, "_x10 %dx20" % (10 * H))],
         "alert_rule_test": [
             check("DatabaseBackupFailed", "5h"),
             check("DatabaseBackupFailed", "12h", [alert("DatabaseBackupFailed", khoj, rules)]),
             check("DatabaseBackupFailed", "21h"),
         ]},
        {"name": "CNPG WAL archiving failing after its last success fires, and clears once a segment is archived",
         "file": "wal", "interval": "1m",
         "input_series": [cnpg("cnpg_pg_stat_archiver_last_archived_time", "60x30 1800x30"),
                          cnpg("cnpg_pg_stat_archiver_last_failed_time", "0x10 600x50")],
         "alert_rule_test": [
             check("DatabaseWalArchivingFailing", "12m"),                          # pending for 5m
             check("DatabaseWalArchivingFailing", "20m", [alert("DatabaseWalArchivingFailing", khoj, rules)]),
             check("DatabaseWalArchivingFailing", "32m"),
         ]},
        {"name": "no plugin metrics for a CNPG cluster fires after an hour",
         "interval": "10m",
         "input_series": [cnpg(available, "3600x20", "paperless-database"), cnpg(available, "_x8 3600x12"),
                          pgo("ccp_backrest_last_full_backup_time_since_completion_seconds", "600x20")],
         "alert_rule_test": [
             check("DatabaseBackupMetricsAbsent", "50m"),
             check("DatabaseBackupMetricsAbsent", "70m", [alert("DatabaseBackupMetricsAbsent", khoj, rules)]),
             check("DatabaseBackupMetricsAbsent", "130m"),
         ]},
        {"name": "a pgBackRest full backup older than its schedule plus slack fires, and clears with the next one",
         "interval": "1h",
         # pgMonitor reports the age in seconds: it grows until the next full backup resets it.
         "input_series": [pgo("ccp_backrest_last_full_backup_time_since_completion_seconds", "0+3600x30 0+3600x5")],
         "alert_rule_test": [
             check("DatabaseBackupStale", "26h"),
             check("DatabaseBackupStale", "27h", [alert("DatabaseBackupStale", immich, rules)]),
             check("DatabaseBackupStale", "32h"),
         ]},
        {"name": "pgBackRest archive-push failing fires, and clears after the next archived segment",
         "file": "wal", "interval": "1m",
         "input_series": [{"series": 'ccp_archive_command_status_seconds_since_last_fail{namespace="immich",'
                                     'pod="immich-instance1-x7k2-0"}', "values": "0x10 30x20 0x10"}],
         "alert_rule_test": [
             check("DatabaseWalArchivingFailing", "13m"),
             check("DatabaseWalArchivingFailing", "20m", [alert("DatabaseWalArchivingFailing", immich, rules)]),
             check("DatabaseWalArchivingFailing", "33m"),
         ]},
        {"name": "pgMonitor's backup metrics vanishing fires after an hour",
         "interval": "10m",
         # Reported until 50m, gone from 60m (pending), firing from 120m, back at 240m.
         "input_series": [pgo("ccp_backrest_last_full_backup_time_since_completion_seconds", "600x5 _x18 600x12"),
                          cnpg(available, "3600x36"), cnpg(available, "3600x36", "paperless-database")],
         "alert_rule_test": [
             check("DatabaseBackupMetricsAbsent", "60m"),
             check("DatabaseBackupMetricsAbsent", "130m", [alert("DatabaseBackupMetricsAbsent", dict(immich, stanza="db", repo="1"), rules)]),
             check("DatabaseBackupMetricsAbsent", "250m"),
         ]},
    ]


def claims(rules):
    """VolumeClaimWaitingForData (restore-before-bind): kube-state-metrics' phase series of a PVC, 1 for its current
    phase and 0 for the others (kubernetes/kube-state-metrics internal/store/persistentvolumeclaim.go). A claim the
    program's own restore creates binds within minutes; one re-created from Git waits for a restore request."""
    nginx = {"app": "nginx", "namespace": "nginx-example"}
    pvc = {"persistentvolumeclaim": "nginx-storage", "phase": "Pending"}

    def phase(name, values):
        return {"series": 'kube_persistentvolumeclaim_status_phase{namespace="nginx-example",'
                          'persistentvolumeclaim="nginx-storage",phase="%s"}' % name, "values": values}
    return [
        {"name": "a re-created PVC that waits for its data fires after 15 minutes and clears once it is bound",
         "file": "claims", "interval": "1m",
         # Bound, then re-created at 10m and Pending until a restore fills it at 60m.
         "input_series": [phase("Bound", "1x9 0x50 1x20"), phase("Pending", "0x9 1x50 0x20")],
         "alert_rule_test": [
             check("VolumeClaimWaitingForData", "20m"),            # 10 minutes Pending: a restore may be binding it
             check("VolumeClaimWaitingForData", "26m", [alert("VolumeClaimWaitingForData", dict(nginx, **pvc), rules)]),
             check("VolumeClaimWaitingForData", "59m", [alert("VolumeClaimWaitingForData", dict(nginx, **pvc), rules)]),
             check("VolumeClaimWaitingForData", "62m"),            # bound: the data is back
         ]},
        {"name": "a restore that binds within minutes does not fire",
         "file": "claims", "interval": "1m",
         "input_series": [phase("Pending", "0x9 1x5 0x30")],
         "alert_rule_test": [check("VolumeClaimWaitingForData", "15m"), check("VolumeClaimWaitingForData", "40m")]},
    ]


# promtool evaluates every rule of the file at each evaluation interval, and an alert is checked against the state of
# the last evaluation at or before its eval_time. Hour-scale cases evaluate hourly (a minute step over 8 days of 115
# rules takes minutes), with series sampled at divisors of an hour so that every evaluation finds a sample within the
# 5m lookback; the WAL rules' 5m pending period needs minute steps, in a file of its own. VolumeBackupOutOfSync's
# timing (late) is checked to five minutes, on series sampled every minute.
EVALUATION = {"late": "5m", "volumes": "1h", "drills": "1h", "databases": "1h", "wal": "1m", "claims": "1m",
              "database-drills": "1h"}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else RULES
    groups = yaml.safe_load(open(path))["groups"]
    rules = [r for g in groups for r in g["rules"]]
    files = {}
    for topic, cases in (("late", late(rules)), ("volumes", volumes(rules)), ("drills", drills(rules)), ("databases", databases(rules)),
                         ("claims", claims(rules)),
                         ("database-drills", database_drills(rules))):
        for case in cases:
            files.setdefault(case.pop("file", topic), []).append(case)
    for name, cases in files.items():
        doc = {"rule_files": [RULES_FROM_TESTS], "evaluation_interval": EVALUATION[name], "tests": cases}
        out = os.path.join(HERE, name + ".test.yaml")
        with open(out, "w") as f:
            f.write("# Generated by alerts/tests/generate.py from its cases and the rendered rules' annotations.\n")
            yaml.safe_dump(doc, f, sort_keys=False, width=120)
        print("wrote", os.path.relpath(out))


if __name__ == "__main__":
    main()
