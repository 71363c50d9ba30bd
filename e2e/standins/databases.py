"""Plays what the database operators write into status once WAL archiving and backups run. No Postgres runs here, so
nothing is archived or backed up for real; the objects say what the real components say after they did it:

- CloudNativePG 1.28.0, a Cluster whose WAL archiver is the Barman Cloud plugin (spec.plugins[] with isWALArchiver:
  the program's patch): the instance manager's wal-archive command sets condition ContinuousArchiving True, reason
  ContinuousArchivingSuccess, after a segment reaches the archive (internal/cmd/manager/walarchive/cmd.go,
  api/v1/cluster_types.go). Failing (control file db-fail "<namespace>/<cluster> wal"): False,
  ContinuousArchivingFailing, with the error as message.
- The plugin (plugin-barman-cloud v0.14.0) after a base backup of a ScheduledBackup with method plugin: the
  ObjectStore's status.serverRecoveryWindow.<serverName> gets firstRecoverabilityPoint and lastSuccessfulBackupTime
  (internal/cnpgi/instance/recovery_window.go updateRecoveryWindow, backup.go), or lastFailedBackupTime on a failed
  backup (setLastFailedBackupTime). With immediate: true the ScheduledBackup backs up at once
  (internal/controller/scheduledbackup_controller.go), so the first backup is recorded as soon as both exist.
- Crunchy PGO v6.0.0, a PostgresCluster with a pgBackRest repo1 on S3: stanza-create sets
  status.pgbackrest.repos[] {name: repo1, stanzaCreated: true}; each scheduled backup Job is listed in
  status.pgbackrest.scheduledBackups[] {cronJobName <cluster>-repo1-<type>, repo, type, startTime, completionTime
  (on success only), succeeded | failed} (internal/controller/postgrescluster/pgbackrest.go). Scheduled backups come
  at their cron time, so one is recorded when the test lets a night pass (control file db-backup: "<namespace>/<name>").
"""
from kube import now_rfc3339

MANAGER = "database-standin"
BARMAN = "barman-cloud.cloudnative-pg.io"


class Databases:
    def __init__(self, kube, log, clock, control, consume):
        self.k, self.log, self.clock, self.control, self.consume = kube, log, clock, control, consume

    def reconcile(self):
        failing = {tuple(l.split()[:2]) for l in self.control("db-fail") if len(l.split()) >= 2}
        nights = set(self.consume("db-backup"))   # each night passes once
        for cluster in self.k.list("Cluster"):
            self.cnpg(cluster, failing, nights)
        for cluster in self.k.list("PostgresCluster"):
            self.pgo(cluster, failing, nights)

    def cnpg(self, cluster, failing, nights):
        m = cluster["metadata"]
        where = f"{m['namespace']}/{m['name']}"
        archiver = next((p for p in (cluster.get("spec") or {}).get("plugins") or []
                         if p.get("name") == BARMAN and p.get("isWALArchiver")), None)
        if not archiver:
            return
        conditions = [c for c in (cluster.get("status") or {}).get("conditions") or [] if c.get("type") != "ContinuousArchiving"]
        current = next((c for c in (cluster.get("status") or {}).get("conditions") or [] if c.get("type") == "ContinuousArchiving"), None)
        wal_fails = (where, "wal") in failing
        want = ("False", "ContinuousArchivingFailing", "unexpected failure invoking barman-cloud-wal-archive: exit status 4") \
            if wal_fails else ("True", "ContinuousArchivingSuccess", "Continuous archiving is working")
        if not current or (current.get("status"), current.get("reason")) != want[:2]:
            now = now_rfc3339(self.clock())
            conditions.append({"type": "ContinuousArchiving", "status": want[0], "reason": want[1], "message": want[2],
                               "lastTransitionTime": now})
            self.k.merge_patch("Cluster", m["namespace"], m["name"], {"status": {"conditions": conditions}}, MANAGER,
                               subresource="status")
            self.log(f"cnpg-archiving {where} {want[0]}")
        params = archiver.get("parameters") or {}
        store = self.k.get("ObjectStore", m["namespace"], params.get("barmanObjectName", ""))
        scheduled = [s for s in self.k.list("ScheduledBackup", m["namespace"])
                     if (s["spec"].get("cluster") or {}).get("name") == m["name"]]
        if not store or not scheduled:
            return
        server = params.get("serverName") or m["name"]
        window = ((store.get("status") or {}).get("serverRecoveryWindow") or {}).get(server) or {}
        immediate = any(s["spec"].get("immediate") for s in scheduled) and not window
        if not immediate and where not in nights:
            return
        now = now_rfc3339(self.clock())
        if (where, "backup") in failing:
            window = dict(window, lastFailedBackupTime=now)
            self.log(f"cnpg-backup-failed {where}")
        else:
            window = dict(window, lastSuccessfulBackupTime=now)
            window.setdefault("firstRecoverabilityPoint", now)
            self.log(f"cnpg-backup {where}")
        self.k.merge_patch("ObjectStore", m["namespace"], store["metadata"]["name"],
                           {"status": {"serverRecoveryWindow": {server: window}}}, MANAGER, subresource="status")

    def pgo(self, cluster, failing, nights):
        m = cluster["metadata"]
        where = f"{m['namespace']}/{m['name']}"
        repos = ((cluster.get("spec") or {}).get("backups") or {}).get("pgbackrest", {}).get("repos") or []
        repo = next((r for r in repos if r.get("name") == "repo1" and r.get("s3")), None)
        if not repo:
            return
        status = (cluster.get("status") or {}).get("pgbackrest") or {}
        patch = {}
        if not any(r.get("name") == "repo1" and r.get("stanzaCreated") for r in status.get("repos") or []):
            patch["repos"] = [{"name": "repo1", "stanzaCreated": True, "repoOptionsHash": "standin"}]
            self.log(f"pgo-stanza-created {where}")
        if where in nights:
            now = now_rfc3339(self.clock())
            entry = {"cronJobName": f"{m['name']}-repo1-full", "repo": "repo1", "type": "full", "startTime": now}
            if (where, "backup") in failing:
                entry["failed"] = 1
                self.log(f"pgo-backup-failed {where}")
            else:
                entry.update(completionTime=now, succeeded=1)
                self.log(f"pgo-backup {where}")
            # One entry per existing backup Job; the CronJob keeps the newest (history limit), as PGO lists them.
            patch["scheduledBackups"] = [entry]
        if patch:
            self.k.merge_patch("PostgresCluster", m["namespace"], m["name"], {"status": {"pgbackrest": patch}}, MANAGER,
                               subresource="status")
