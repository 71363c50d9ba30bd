"""Plays the database operators for the clusters a database restore creates, and the Job controller and kubelet for
the restore's check Job (label homelab-backups/db-restore-check; plan/DatabaseRestoreCheck), whose script runs for
real: drills/db-drill.sh in check mode, from the Job's ConfigMap, with the real kubectl against the e2e API server
impersonating the Job's ServiceAccount (so its Role is what RBAC checks), and only the in-pod psql answered here.

The clusters (no PostgreSQL runs here; what the objects say is what the operators write once a recovery finished):
- every running database cluster of the world has a PostgreSQL system identifier, which databases.py gives it when
  it first sees it (random, as initdb draws it; a re-created cluster gets a new one) and which this file only reads:
  CNPG's status.systemID, PGO's status.patroni.systemIdentifier. A running CNPG Cluster reports its primary in
  status.currentPrimary (<name>-1) (cloudnative-pg v1.28.0 api/v1/cluster_types.go ClusterStatus SystemID,
  CurrentPrimary); a PostgresCluster's primary is the pod labelled
  postgres-operator.crunchydata.com/cluster=<name>, role=master (CrunchyData/postgres-operator v6.0.0
  internal/naming/labels.go RolePatroniLeader), created here without a node while a check runs (nothing runs in it;
  the check only finds it by label) and deleted after it.
- a recovered cluster (CNPG: spec.bootstrap.recovery; PGO: spec.dataSource.pgbackrest) becomes ready: CNPG condition
  Ready True, systemID, currentPrimary; PGO status.instances[{name, replicas 1, readyReplicas 1}] and its primary pod.
  Its system identifier is that of the backup it recovers (recovery keeps pg_control's identifier): CNPG reads it
  from the Barman layout databases.py uploaded to the e2e S3 server - the lineage its externalClusters entry names
  (ObjectStore destinationPath + serverName), the backup recoveryTarget.backupID pins or else the newest, its
  backup.info systemid (barman-cloud pkg/catalog picks the newest for latest). PGO (no stanza files here): the source
  cluster's own. The control file db-recover-as ("<namespace>/<source> <system id>") overrides it: the recovery
  brought back another system than the archive said (an Argo-CD-rebuilt cluster's; field-incidents §C 18).

The check Job, for each one not started: the Job controller's one pod (backoffLimit 0) and startTime, then the
kubelet: /bin/bash on the ConfigMap's script with the container's env (HOME and the termination log a fresh temporary
directory), PATH with a kubectl that
- forwards every command to /usr/bin/kubectl with --as=system:serviceaccount:<ns>:<serviceAccountName> (the pod's
  token's identity: the Role is checked by the real RBAC authorizer);
- for kubectl exec (no kubelet here to exec into) first asks the API server whether that identity may create
  pods/exec (kubectl auth can-i create pods --subresource=exec), then answers the psql command from answers.json, which this stand-in writes from the
  clusters: the system identifier (pg_control_system), a backup label (pg_read_file('backup_label.old')), promoted
  (pg_is_in_recovery() = f), the app's database (CNPG: bootstrap.recovery.database or initdb's; PGO: the cluster's
  source name), one table public.standin and its row count (108; 0 when the control file db-empty holds
  "<namespace>/<source>": a backup of an empty database). Any other SQL fails the exec, so a changed script shows.
The pod's termination message is the script's termination log (else the log's tail: FallbackToLogsOnError), the Job
ends Complete or Failed (BackoffLimitExceeded) a second after the pod, as restore_checks.py plays it (k8s v1.34.4
pkg/controller/job/job_controller.go syncJob; pkg/kubelet/kuberuntime/kuberuntime_container.go getTerminationMessage).
"""
import json
import os
import stat
import subprocess
import tempfile
import time as _time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from kube import now_rfc3339, owner_ref

LABEL = "homelab-backups/db-restore-check"
OPERATOR = "database-standin"
PGO_CLUSTER = "postgres-operator.crunchydata.com/cluster"
PGO_ROLE = "postgres-operator.crunchydata.com/role"
ROWS = 108

SHIM = r'''#!/usr/bin/env python3
import json, os, subprocess, sys
args = sys.argv[1:]
who = os.environ["STANDIN_IDENTITY"]
if "exec" not in args:
    os.execv("/usr/bin/kubectl", ["kubectl", "--as=" + who] + args)
ns = args[args.index("--namespace") + 1] if "--namespace" in args else "default"
pod = args[args.index("exec") + 1]
can = subprocess.run(["/usr/bin/kubectl", "--as=" + who, "auth", "can-i", "create", "pods", "--subresource=exec", "-n", ns],
                     capture_output=True, text=True)
if can.stdout.strip() != "yes":
    sys.stderr.write(f"Error from server (Forbidden): {who} cannot create pods/exec in {ns}\n")
    sys.exit(1)
answers = json.load(open(os.environ["STANDIN_PSQL_ANSWERS"]))
if pod not in answers:
    sys.stderr.write(f'Error from server (NotFound): pods "{pod}" not found\n')
    sys.exit(1)
a = answers[pod]
cmd = args[args.index("--") + 1:]
db, sql = cmd[cmd.index("-d") + 1], cmd[cmd.index("-c") + 1]
def say(text):
    print(text)
    sys.exit(0)
if "pg_control_system" in sql: say(a["system_id"])
if "backup_label.old" in sql: say("START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nLABEL: " + a["label"])
if "pg_is_in_recovery" in sql: say("f")
if "FROM pg_database WHERE datname = '" in sql:
    wanted = sql.split("datname = '", 1)[1].split("'", 1)[0]
    say(wanted if wanted == a["database"] else "")
if "FROM pg_database WHERE datallowconn" in sql: say(a["database"])
if db != a["database"]:
    sys.stderr.write(f'psql: error: FATAL:  database "{db}" does not exist\n')
    sys.exit(2)
if "SELECT count(*) FROM pg_class" in sql: say("1")
if "to_regclass(" in sql:
    say("t" if sql.split("to_regclass('", 1)[1].split("'", 1)[0] in ("public.standin", "standin") else "f")
if "SELECT format('%I.%I'" in sql: say("public.standin")
if sql.startswith("SELECT count(*) FROM "): say(str(a["rows"]))
sys.stderr.write("standin: no answer for: " + sql + "\n")
sys.exit(3)
'''


def running_system_id(kind, cluster):
    """What the operator reports for a running cluster (databases.py set it): None before that."""
    status = (cluster or {}).get("status") or {}
    return status.get("systemID") if kind == "Cluster" else (status.get("patroni") or {}).get("systemIdentifier")


def s3_get(path, query=""):
    endpoint = os.environ.get("E2E_S3_ENDPOINT")
    if not endpoint:
        return None
    try:
        with urllib.request.urlopen(f"{endpoint}/{path}{query}", timeout=30) as response:
            return response.read()
    except OSError:
        return None


def barman_system_id(bucket, lineage, backup_id=None):
    """The systemid in backup.info of the pinned backup, or of the newest one, under <bucket>/<lineage>/base/."""
    listing = s3_get(bucket, "?list-type=2&prefix=" + urllib.parse.quote(f"{lineage}/base/"))
    if not listing:
        return None
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    keys = sorted(k.text for k in ET.fromstring(listing).iter() if k.tag.endswith("Key") and k.text.endswith("/backup.info"))
    if backup_id:
        keys = [k for k in keys if k.split("/")[-2] == backup_id]
    if not keys:
        return None
    info = s3_get(f"{bucket}/{keys[-1]}")   # Barman's ids are times: the newest sorts last
    for line in (info or b"").decode().splitlines():
        if line.startswith("systemid="):
            return line.split("=", 1)[1].strip()
    return None


def source_of(name):
    """The backed-up cluster a recovered one was made from (DatabaseNames.recovery: <source>-restore-<6 hex>; a drill's
    throwaway, DatabaseNames.drillThrowaway: <source>-drill)."""
    if "-restore-" in name:
        return name.rsplit("-restore-", 1)[0]
    return name[:-len("-drill")] if name.endswith("-drill") else None


class DatabaseRestores:
    def __init__(self, kube, log, control, kubeconfig, logs_dir):
        self.k, self.log, self.control = kube, log, control
        self.kubeconfig = os.path.abspath(kubeconfig)
        self.logs_dir = logs_dir
        os.makedirs(logs_dir, exist_ok=True)
        # What the in-pod psql answers, rewritten on every pass: a drill runs in the drills' kubelet thread while this
        # loop makes its throwaway cluster ready, so the shim reads the file at each exec.
        self.answers_file = os.path.join(os.path.abspath(logs_dir), "psql-answers.json")
        self.primaries = []

    def publish(self, answers):
        tmp = self.answers_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(answers, f)
        os.replace(tmp, self.answers_file)

    def reconcile(self):
        recover_as = {l.split()[0]: l.split()[1] for l in self.control("db-recover-as") if len(l.split()) >= 2}
        empty = {l.split()[0] for l in self.control("db-empty") if l.split()}
        answers = {}
        self.primaries = []
        for cluster in self.k.list("Cluster"):
            self.cnpg(cluster, recover_as, empty, answers)
        for cluster in self.k.list("PostgresCluster"):
            self.pgo(cluster, recover_as, empty, answers)
        self.publish(answers)
        for job in self.k.list("Job", labels=LABEL):
            if (job.get("status") or {}).get("startTime") or job["metadata"].get("deletionTimestamp"):
                continue
            self.run(job, answers)

    def identity(self, kind, cluster, recover_as):
        """(system id or None, "<namespace>/<source cluster>")."""
        m = cluster["metadata"]
        source = source_of(m["name"])
        if source is None:
            return running_system_id(kind, cluster), m["namespace"] + "/" + m["name"]
        key = f"{m['namespace']}/{source}"
        if key in recover_as:
            return recover_as[key], key
        if kind == "PostgresCluster":
            return running_system_id(kind, self.k.get(kind, m["namespace"], source)), key
        spec = cluster.get("spec") or {}
        origin = ((spec.get("externalClusters") or [{}])[0].get("plugin") or {}).get("parameters") or {}
        store = self.k.get("ObjectStore", m["namespace"], origin.get("barmanObjectName", "")) or {}
        destination = ((store.get("spec") or {}).get("configuration") or {}).get("destinationPath", "")
        if not destination.startswith("s3://") or not origin.get("serverName"):
            return None, key
        bucket, _, path = destination[len("s3://"):].partition("/")
        pinned = (((spec.get("bootstrap") or {}).get("recovery") or {}).get("recoveryTarget") or {}).get("backupID")
        return barman_system_id(bucket, f"{path}/{origin['serverName']}", pinned), key

    def cnpg(self, cluster, recover_as, empty, answers):
        m, spec = cluster["metadata"], cluster.get("spec") or {}
        status = cluster.get("status") or {}
        recovery = (spec.get("bootstrap") or {}).get("recovery")
        initdb = (spec.get("bootstrap") or {}).get("initdb") or {}
        sid, source = self.identity("Cluster", cluster, recover_as)
        if recovery is not None and status.get("systemID"):
            sid = status["systemID"]   # recovered once: a later control line concerns later recoveries
        if not sid:
            return   # a running cluster databases.py has not identified yet, or a lineage with no backup to recover
        primary = f"{m['name']}-1"
        database = (recovery or initdb).get("database")
        if not database and recovery is not None:
            # The recovered data holds the source cluster's databases (a throwaway names none: the drill looks for the
            # largest one): the source's initdb database, as its Cluster says.
            origin = self.k.get("Cluster", m["namespace"], source.split("/")[1]) or {}
            database = (((origin.get("spec") or {}).get("bootstrap") or {}).get("initdb") or {}).get("database")
        database = database or "app"
        answers[primary] = {"system_id": sid, "database": database, "rows": 0 if source in empty else ROWS,
                            "label": f"standin-base-backup-of-{source.split('/')[1]}"}
        patch = {}
        if recovery is not None and status.get("systemID") != sid:
            patch["systemID"] = sid   # a running cluster's is databases.py's (it is never re-set here)
        if status.get("currentPrimary") != primary:
            patch["currentPrimary"] = primary
        if recovery is not None and not any(c.get("type") == "Ready" and c.get("status") == "True"
                                            for c in status.get("conditions") or []):
            conditions = [c for c in status.get("conditions") or [] if c.get("type") != "Ready"]
            conditions.append({"type": "Ready", "status": "True", "reason": "ClusterIsReady",
                               "message": "Cluster is Ready", "lastTransitionTime": now_rfc3339()})
            patch.update(conditions=conditions, phase="Cluster in healthy state", readyInstances=1, instances=1)
            self.log(f"cnpg-recovered {m['namespace']}/{m['name']} system {sid}")
        if patch:
            self.k.merge_patch("Cluster", m["namespace"], m["name"], {"status": patch}, OPERATOR, subresource="status")

    def pgo(self, cluster, recover_as, empty, answers):
        m, spec = cluster["metadata"], cluster.get("spec") or {}
        recovered = ((spec.get("dataSource") or {}).get("pgbackrest")) is not None
        sid, source = self.identity("PostgresCluster", cluster, recover_as)
        if not sid:
            return
        pod = f"{m['name']}-instance1-standin-0"
        answers[pod] = {"system_id": sid, "database": source.split("/")[1], "rows": 0 if source in empty else ROWS,
                        "label": f"standin-{source.split('/')[1]}F"}
        self.primaries.append((cluster, pod))
        instances = (cluster.get("status") or {}).get("instances") or []
        if recovered and not any((i.get("readyReplicas") or 0) > 0 for i in instances):
            self.k.merge_patch("PostgresCluster", m["namespace"], m["name"], {"status": {"instances": [
                {"name": "instance1", "replicas": 1, "readyReplicas": 1, "updatedReplicas": 1}]}}, OPERATOR,
                subresource="status")
            self.log(f"pgo-recovered {m['namespace']}/{m['name']} system {sid}")

    def run(self, job, answers):
        m = job["metadata"]
        ns, name = m["namespace"], m["name"]
        now = now_rfc3339()
        self.k.merge_patch("Job", ns, name, {"status": {"startTime": now, "active": 1}}, "kube-controller-manager",
                           subresource="status")
        template = job["spec"]["template"]
        pod_spec = template["spec"]
        container = pod_spec["containers"][0]
        pod = self.k.create("Pod", {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {"name": f"{name}-standin", "namespace": ns,
                                                 "labels": dict((template.get("metadata") or {}).get("labels") or {}),
                                                 "ownerReferences": [owner_ref(job, controller=True)]},
                                    "spec": pod_spec}, "kube-controller-manager/job-controller")
        # PGO's primaries are found by label: their pod objects exist while the check runs (nothing runs in them), and
        # go afterwards, so that the world's pods stay the world's for the other scenarios' fingerprints.
        primaries = [(c, p) for c, p in self.primaries if c["metadata"]["namespace"] == ns]
        for cluster, primary in primaries:
            self.k.create("Pod", {"apiVersion": "v1", "kind": "Pod",
                                  "metadata": {"name": primary, "namespace": ns,
                                               "labels": {PGO_CLUSTER: cluster["metadata"]["name"], PGO_ROLE: "master"},
                                               "ownerReferences": [owner_ref(cluster, controller=True)]},
                                  "spec": {"containers": [{"name": "database",
                                                           "image": (cluster.get("spec") or {}).get("image") or "standin"}]}},
                          OPERATOR)
        try:
            code, out, message = self.kubelet(ns, pod_spec, container, answers,
                                              job["spec"].get("activeDeadlineSeconds") or 600)
        finally:
            for _, primary in primaries:
                self.k.delete("Pod", ns, primary)
        self.log(f"db-restore-check {ns}/{name} exit {code}: {message.strip()}")
        finished = now_rfc3339()
        passes = code == 0
        self.k.merge_patch("Pod", ns, pod["metadata"]["name"], {"status": {
            "phase": "Succeeded" if passes else "Failed",
            "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                           {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                           {"type": "Ready", "status": "False", "reason": "PodCompleted", "lastTransitionTime": finished},
                           {"type": "ContainersReady", "status": "False", "reason": "PodCompleted",
                            "lastTransitionTime": finished}],
            "containerStatuses": [{"name": container["name"], "ready": False, "restartCount": 0,
                                   "image": container["image"], "imageID": "",
                                   "state": {"terminated": {"exitCode": code, "reason": "Completed" if passes else "Error",
                                                            "message": message, "startedAt": now, "finishedAt": finished}}}]}},
            "kubelet", subresource="status")
        _time.sleep(1)
        conditions = ([("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                       ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")] if passes else
                      [("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                       ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")])
        status = {"active": 0, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
                  "conditions": [{"type": t, "status": "True", "lastProbeTime": finished, "lastTransitionTime": finished,
                                  "reason": r, "message": msg} for t, r, msg in conditions]}
        status.update(succeeded=1, completionTime=finished) if passes else status.update(failed=1)
        self.k.merge_patch("Job", ns, name, {"status": status}, "kube-controller-manager", subresource="status")
        os.makedirs(self.logs_dir, exist_ok=True)
        with open(os.path.join(self.logs_dir, f"{ns}_{name}.log"), "w") as f:
            f.write(out)

    def drill_kubelet(self, ns, pod_spec):
        """A database drill's container run for real (drills.py, control line "<ns>/<cronjob> real"): the same script
        and kubectl as the check Jobs, in the drills' thread, while this stand-in's loop plays the operator for the
        throwaway cluster the script creates. Returns (exit code, verdict line)."""
        container = pod_spec["containers"][0]
        code, out, message = self.kubelet(ns, pod_spec, container, None, 900)
        self.log(f"db-drill {ns} exit {code}: {message.strip()}")
        with open(os.path.join(self.logs_dir, f"{ns}_db-drill.log"), "a") as f:
            f.write(out)
        lines = [l for l in (message or out).splitlines() if l.strip()]
        return code, (lines[-1] if lines else f"db-drill FAIL reason=script-error exit={code}")

    def kubelet(self, ns, pod_spec, container, answers, deadline):
        volumes = {v["name"]: v for v in pod_spec.get("volumes") or []}
        with tempfile.TemporaryDirectory() as tmp:
            env = {"PATH": f"{tmp}/bin:/usr/local/bin:/usr/bin:/bin", "KUBECONFIG": self.kubeconfig,
                   "STANDIN_IDENTITY": f"system:serviceaccount:{ns}:{pod_spec.get('serviceAccountName') or 'default'}",
                   "STANDIN_PSQL_ANSWERS": self.answers_file}
            env.update({e["name"]: e.get("value", "") for e in container.get("env") or [] if "value" in e})
            command = list(container["command"]) + list(container.get("args") or [])
            # The volumes: the ConfigMap's keys as files at their mount path, the emptyDir a fresh directory.
            for mount in container.get("volumeMounts") or []:
                local = os.path.join(tmp, "mounts", mount["name"])
                os.makedirs(local, exist_ok=True)
                source = volumes.get(mount["name"]) or {}
                if "configMap" in source:
                    cm = self.k.get("ConfigMap", ns, source["configMap"]["name"])
                    if not cm:   # the kubelet would not start the container
                        return 1, "", f"configmap {source['configMap']['name']} not found"
                    for key, value in (cm.get("data") or {}).items():
                        with open(os.path.join(local, key), "w") as f:
                            f.write(value)
                command = [c.replace(mount["mountPath"], local) if c.startswith(mount["mountPath"] + "/") else c
                           for c in command]
                env = {k: (v.replace(mount["mountPath"], local) if v == mount["mountPath"] or v.startswith(mount["mountPath"] + "/") else v)
                       for k, v in env.items()}
            os.makedirs(os.path.join(tmp, "bin"))
            shim = os.path.join(tmp, "bin", "kubectl")
            with open(shim, "w") as f:
                f.write(SHIM)
            os.chmod(shim, stat.S_IRWXU)
            termination = os.path.join(tmp, "termination-log")
            open(termination, "w").close()
            env["DRILL_TERMINATION_LOG"] = termination
            try:
                p = subprocess.run(command, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=deadline)
                code, out = p.returncode, p.stdout.decode(errors="replace")
            except subprocess.TimeoutExpired:
                code, out = 137, ""
            with open(termination) as f:
                message = f.read()
        if not message and code != 0 and container.get("terminationMessagePolicy") == "FallbackToLogsOnError":
            message = "\n".join(out.splitlines()[-80:])[-2048:]
        return code, out, message
