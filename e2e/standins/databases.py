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

The PostgreSQL system identifier, what the lineage check compares (issue 22 part 3, docs/lineage.md):

- Every running cluster gets one when it is first seen, random and 19 digits as initdb's (PostgreSQL 15
  src/bin/initdb/initdb.c / xlog.c BootStrapXLOG: seconds since the epoch << 32 | microseconds << 12 | pid bits):
  CNPG's status.systemID (cloudnative-pg v1.28.0 internal/controller/cluster_status.go, from the instances'
  pg_control_system()), PGO's status.patroni.systemIdentifier (postgres-operator v6.0.0
  internal/controller/postgrescluster/patroni.go reconcilePatroniStatus). A cluster re-created from the same manifest
  (Argo CD after a prune) is a new initdb: a new identifier.
- A cluster bootstrapped from a backup (CNPG spec.bootstrap.recovery, PGO spec.dataSource) keeps its source's
  identifier: that is the restore stand-in's to set (recovered_system_id is the hook it replaces); this file gives
  such a cluster none.
- Each CNPG base backup uploads Barman's layout to the loopback S3 server (E2E_S3_ENDPOINT; plain PUTs, the server
  checks no credentials here, and keeps each object's metadata beside its file, so a file written straight to disk
  would not be served): <destinationPath>/<serverName>/base/<backup id>/backup.info in
  barman-cloud 3.19.1's format (the captured src/test/resources/archive/barman/backup.info, with this cluster's
  systemid and times) and a WAL segment under wals/, which is what the program's archive reader lists and parses.
- PGO's repository gets pgBackRest 2.45's layout the same way (uploaded by PUT): stanza-create writes
  <repo1-path>/backup/db/backup.info with [db] of this cluster (db-system-id, db-version = postgresVersion, db-id 1)
  and no backup (pgBackRest src/command/stanza/create.c, src/info/infoBackup.c, in the format of the captured
  src/test/resources/archive/pgbackrest/backup.info), and each scheduled full backup rewrites it with one more
  [backup:current] entry <YYYYMMDD-HHMMSS>F and uploads one WAL segment under archive/db/<version>-1/ as
  <segment>-<sha1>.gz (src/command/archive/push/file.c). The backrest-checksum line is the captured file's: the
  program's reader does not check it (pgBackRest would).
"""
import os
import random
import urllib.request
from datetime import timedelta

from kube import now_rfc3339

MANAGER = "database-standin"
BARMAN = "barman-cloud.cloudnative-pg.io"


BARMAN_INFO = """backup_label=None
backup_name=None
begin_offset=40
begin_time={begin}
begin_wal={segment}
begin_xlog=0/{log:X}000028
children_backup_ids=None
cluster_size=23682761
compression=None
config_file=/var/lib/postgresql/data/pgdata/postgresql.conf
copy_stats=None
data_checksums=on
deduplicated_size=None
encryption=None
end_offset=256
end_time={end}
end_wal={segment}
end_xlog=0/{log:X}000100
error=None
hba_file=/var/lib/postgresql/data/pgdata/pg_hba.conf
ident_file=/var/lib/postgresql/data/pgdata/pg_ident.conf
included_files=None
mode=None
parent_backup_id=None
pgdata=/var/lib/postgresql/data/pgdata
server_name=cloud
size=None
status=DONE
summarize_wal=None
systemid={systemid}
tablespaces=None
timeline=1
version=160002
xlog_segment_size=16777216
"""


PGBACKREST_INFO = """[backrest]
backrest-format=5
backrest-version="2.45"
{current}
[db]
db-catalog-version=202406281
db-control-version=1700
db-id={dbid}
db-system-id={systemid}
db-version="{version}"

[db:history]
{history}

[backrest]
backrest-checksum="80f70d0c45f45f04a4e58a7aefc6c56434a0344b"
"""
PGBACKREST_HISTORY = '{dbid}={{"db-catalog-version":202406281,"db-control-version":1700,"db-system-id":{systemid},"db-version":"{version}"}}'

PGBACKREST_BACKUP = ('{{"backrest-format":5,"backrest-version":"2.45","backup-archive-start":"{segment}",'
                     '"backup-archive-stop":"{segment}","backup-error":false,"backup-info-repo-size":3269452,'
                     '"backup-info-repo-size-delta":3269452,"backup-info-size":23541717,"backup-info-size-delta":23541717,'
                     '"backup-lsn-start":"0/{log:X}000028","backup-lsn-stop":"0/{log:X}000100","backup-timestamp-start":{start},'
                     '"backup-timestamp-stop":{stop},"backup-type":"full","db-id":{dbid},"option-archive-check":true,'
                     '"option-archive-copy":false,"option-backup-standby":false,"option-checksum-page":true,'
                     '"option-compress":true,"option-hardlink":false,"option-online":true}}')



def new_system_id(rng=random.SystemRandom()):
    """A fresh initdb's identifier: 19 digits (seconds << 32 dominates), unique per call."""
    return str(rng.randrange(7_000_000_000_000_000_000, 7_999_999_999_999_999_999))


def recovered_system_id(kind, cluster):
    """The hook for clusters bootstrapped from a backup: they keep the source's identifier, which the restore stand-in
    knows. None here: such a cluster gets no identifier from this file."""
    return None


def bootstrapped_from_backup(kind, cluster):
    spec = cluster.get("spec") or {}
    if kind == "Cluster":
        return bool((spec.get("bootstrap") or {}).get("recovery"))
    return bool(spec.get("dataSource"))


class Databases:
    def __init__(self, kube, log, clock, control, consume, s3_endpoint=None):
        self.k, self.log, self.clock, self.control, self.consume = kube, log, clock, control, consume
        self.s3 = s3_endpoint if s3_endpoint is not None else os.environ.get("E2E_S3_ENDPOINT")
        self.backups = {}   # lineage -> base backups written, numbering their WAL segments
        self.stanzas = {}   # (bucket, repo path) -> pgBackRest's system history and [backup:current] entries

    def put(self, bucket, key, body):
        request = urllib.request.Request(f"{self.s3}/{bucket}/{key}", data=body, method="PUT",
                                         headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                raise RuntimeError(f"PUT s3://{bucket}/{key}: HTTP {response.status}")

    def reconcile(self):
        failing = {tuple(l.split()[:2]) for l in self.control("db-fail") if len(l.split()) >= 2}
        nights = set(self.consume("db-backup"))   # each night passes once
        for cluster in self.k.list("Cluster"):
            cluster = self.identify("Cluster", cluster)
            self.cnpg(cluster, failing, nights)
        for cluster in self.k.list("PostgresCluster"):
            cluster = self.identify("PostgresCluster", cluster)
            self.pgo(cluster, failing, nights)

    def identify(self, kind, cluster):
        """Gives a running cluster its system identifier once, as its operator reports it after initdb."""
        m = cluster["metadata"]
        status = cluster.get("status") or {}
        have = status.get("systemID") if kind == "Cluster" else (status.get("patroni") or {}).get("systemIdentifier")
        if have:
            return cluster
        system_id = recovered_system_id(kind, cluster) if bootstrapped_from_backup(kind, cluster) else new_system_id()
        if not system_id:
            return cluster
        patch = {"systemID": system_id} if kind == "Cluster" else {"patroni": {"systemIdentifier": system_id}}
        self.k.merge_patch(kind, m["namespace"], m["name"], {"status": patch}, MANAGER, subresource="status")
        self.log(f"system-id {kind} {m['namespace']}/{m['name']} {system_id}")
        return self.k.get(kind, m["namespace"], m["name"]) or cluster

    def barman_backup(self, cluster, store, server, when):
        """Writes one base backup and one WAL segment of the cluster into the S3 server's files, as barman-cloud would."""
        system_id = (cluster.get("status") or {}).get("systemID")
        destination = ((store.get("spec") or {}).get("configuration") or {}).get("destinationPath", "")
        if not self.s3 or not system_id or not destination.startswith("s3://"):
            return None
        bucket, _, path = destination[len("s3://"):].partition("/")
        lineage = f"{path}/{server}"
        backup_id = when.strftime("%Y%m%dT%H%M%S")
        log_no = self.backups.get((bucket, lineage), 0) + 2
        self.backups[(bucket, lineage)] = log_no - 1
        segment = f"00000001{0:08X}{log_no:08X}"
        begin = when - timedelta(seconds=3)
        fmt = lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
        info = BARMAN_INFO.format(begin=fmt(begin), end=fmt(when), segment=segment, log=log_no, systemid=system_id)
        self.put(bucket, f"{lineage}/base/{backup_id}/backup.info", info.encode())
        self.put(bucket, f"{lineage}/base/{backup_id}/data.tar.gz", b"\x1f\x8b stand-in base backup of " + system_id.encode() + b"\n")
        self.put(bucket, f"{lineage}/wals/{segment[:16]}/{segment}.gz", b"\x1f\x8b stand-in WAL of " + system_id.encode() + b"\n")
        return f"s3://{bucket}/{path}/{server}/base/{backup_id}"

    def pgbackrest_write(self, cluster, repo, when=None):
        """pgBackRest's stanza files for PGO's repo1 (stanza-create when `when` is None, else one more full backup)."""
        spec = cluster.get("spec") or {}
        system_id = ((cluster.get("status") or {}).get("patroni") or {}).get("systemIdentifier")
        bucket = (repo.get("s3") or {}).get("bucket")
        path = str(((spec.get("backups") or {}).get("pgbackrest") or {}).get("global", {}).get("repo1-path", "")).strip("/")
        if not self.s3 or not system_id or not bucket or not path:
            return None
        version = spec.get("postgresVersion", 17)
        stanza = self.stanzas.setdefault((bucket, path), {"history": [], "entries": []})
        if not stanza["history"] or stanza["history"][-1] != system_id:
            # stanza-create on an empty repository, or, on one of another system, PGO's `stanza-create ||
            # stanza-upgrade`, which adds the new system as the next db-id (postgres-operator v6.0.0
            # internal/pgbackrest/pgbackrest.go; pgbackrest 2.45 src/command/stanza/upgrade.c): docs/lineage.md.
            stanza["history"].append(system_id)
        dbid = len(stanza["history"])
        if when is not None:
            log_no = len(stanza["entries"]) + 2
            segment = f"00000001{0:08X}{log_no:08X}"
            label = when.strftime("%Y%m%d-%H%M%SF")
            stop = int(when.timestamp())
            stanza["entries"].append(f"{label}=" + PGBACKREST_BACKUP.format(segment=segment, log=log_no, start=stop - 4,
                                                                            stop=stop, dbid=dbid))
            self.put(bucket, f"{path}/archive/db/{version}-{dbid}/{segment[:16]}/{segment}-{'0' * 40}.gz",
                     b"\x1f\x8b stand-in WAL of " + system_id.encode() + b"\n")
        entries = stanza["entries"]
        current = ("\n[backup:current]\n" + "\n".join(entries) + "\n") if entries else ""
        history = "\n".join(PGBACKREST_HISTORY.format(dbid=i + 1, systemid=sid, version=version)
                             for i, sid in enumerate(stanza["history"]))
        self.put(bucket, f"{path}/backup/db/backup.info", PGBACKREST_INFO.format(
            current=current, dbid=dbid, systemid=system_id, version=version, history=history).encode())
        return f"s3://{bucket}/{path}/backup/db" + (f" {entries[-1].split('=')[0]}" if when is not None else "")

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
            written = self.barman_backup(cluster, store, server, self.clock())
            self.log(f"cnpg-backup {where}" + (f" {written}" if written else ""))
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
            written = self.pgbackrest_write(cluster, repo)
            self.log(f"pgo-stanza-created {where}" + (f" {written}" if written else ""))
        if where in nights:
            now = now_rfc3339(self.clock())
            entry = {"cronJobName": f"{m['name']}-repo1-full", "repo": "repo1", "type": "full", "startTime": now}
            if (where, "backup") in failing:
                entry["failed"] = 1
                self.log(f"pgo-backup-failed {where}")
            else:
                entry.update(completionTime=now, succeeded=1)
                written = self.pgbackrest_write(cluster, repo, self.clock())
                self.log(f"pgo-backup {where}" + (f" {written}" if written else ""))
            # One entry per existing backup Job; the CronJob keeps the newest (history limit), as PGO lists them.
            patch["scheduledBackups"] = [entry]
        if patch:
            self.k.merge_patch("PostgresCluster", m["namespace"], m["name"], {"status": {"pgbackrest": patch}}, MANAGER,
                               subresource="status")
