"""Plays the clock, the Job controller and the kubelet for the restore-drill CronJobs; the CronJob controller is the
real one (kube-controller-manager's cronjob-controller, k8s v1.34.4).

A drill is weekly, so its schedule does not come round during a test. When the test asks (control file drill-run:
"<namespace>/<cronjob> pass|fail [reason...]"), this stand-in does what happens at the scheduled minute:
- the CronJob controller creates the Job <cronjob>-<unix minutes>, from spec.jobTemplate (its labels and
  annotations), owned by the CronJob with controller: true (pkg/controller/cronjob/cronjob_controllerv2.go
  getJobFromTemplate2, utils.go getJobName);
- the Job controller creates its one pod (backoffLimit 0), labelled job-name and batch.kubernetes.io/job-name
  (pkg/controller/job/job_controller.go), and the kubelet runs it to Succeeded or Failed, the drill script's last line
  as the container's termination message (terminationMessagePolicy FallbackToLogsOnError);
- the Job controller finishes the Job: startTime; on success SuccessCriteriaMet + Complete and completionTime; on
  failure FailureTarget + Failed, reason BackoffLimitExceeded, and no completionTime.
The real CronJob controller then sets status.lastSuccessfulTime from a succeeded Job's completionTime and prunes
finished Jobs beyond the history limits (syncCronJob, cleanupFinishedJobs): nothing here writes CronJob status.

The kubelet's part is real (issue 21 part 3): "pass" runs the drill script the pod would run - the ConfigMap's script
(the container's command, /bin/bash /drill/<script>), the container's env and the repository Secret's keys 1-for-1
(envFrom secretRef, as the movers get theirs), with restic 0.18.0 (the mover image's, restic_mover.py) against the
world's loopback S3 - and the script's exit code and last line decide, whatever the line says: a drill asked to
"pass" fails when the repository is wiped, replaced or stale. The mounts are directories: /scratch (emptyDir) is a
fresh temporary directory, DRILL_SCRATCH and HOME point there, the termination log is a file, and DRILL_NOW is the
stand-ins' clock (a scenario that lets a night pass shifts the backups' times with it). What it cannot play: the
pod's uid, its read-only root and the capabilities (drills/test runs those for real).

"fail <reason...>" is a forced failure with that verdict, the script not run: scenario p needs a drill that failed
on a damaged pack, which the world cannot cause without damaging a repository later scenarios read. A kopia drill
(no kopia here, drills/README.md) is never passed: it fails with reason=internal-error.
"""
import copy
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time as _time
from datetime import datetime, timezone

from kube import now_rfc3339, owner_ref
from volsync import secret_keys, secret_value

MANAGER = "kube-controller-manager"


class Drills:
    db_kubelet = None   # set by run.py: DatabaseRestores.drill_kubelet

    def __init__(self, kube, log, consume, restic=None, clock=None, work=None):
        self.k, self.log, self.consume = kube, log, consume
        self.restic, self.clock = restic, clock or (lambda: datetime.now(timezone.utc))
        self.work = work or tempfile.gettempdir()
        # A drill pod runs beside the controllers, not inside their loop: real drills take seconds each, and the
        # other stand-ins (VolSync, the database operators) go on meanwhile. One at a time, in the order asked.
        self.runs = queue.Queue()
        threading.Thread(target=self.kubelet_loop, daemon=True).start()

    def reconcile(self):
        for line in self.consume("drill-run"):
            self.runs.put(line)

    def kubelet_loop(self):
        while True:
            line = self.runs.get()
            try:
                self.start(line)
            except Exception as e:   # as the controllers' loop does: log it, go on with the next drill
                self.log(f"error {type(e).__name__}: {e}")

    def start(self, line):
        parts = line.split(maxsplit=2)
        where, outcome = parts[0], parts[1] if len(parts) > 1 else "pass"
        reason = parts[2] if len(parts) > 2 else "repository check failed (subset 1/12)"
        ns, name = where.split("/")
        cron_job = self.k.get("CronJob", ns, name)
        if not cron_job:
            self.log(f"drill-missing {where}")
            return
        self.run(cron_job, outcome in ("pass", "real"), reason, real=outcome == "real")

    def run(self, cron_job, passes, reason, real=False):
        m = cron_job["metadata"]
        # The controller names a Job by its scheduled minute, and a schedule never comes round twice in one minute; a
        # test may ask for two runs within a minute, so the second takes the next minute's name.
        minute = int(_time.time()) // 60
        while self.k.get("Job", m["namespace"], f"{m['name']}-{minute}"):
            minute += 1
        template = cron_job["spec"]["jobTemplate"]
        job_name = f"{m['name']}-{minute}"
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": job_name, "namespace": m["namespace"],
                            "labels": dict((template.get("metadata") or {}).get("labels") or {}),
                            "annotations": dict((template.get("metadata") or {}).get("annotations") or {}),
                            "ownerReferences": [owner_ref(cron_job, controller=True)]},
               "spec": copy.deepcopy(template["spec"])}
        created = self.k.create("Job", job, "kube-controller-manager/cronjob-controller")
        app = job["metadata"]["labels"].get("homelab-backups/drill", m["name"])
        pod_spec = copy.deepcopy(template["spec"]["template"]["spec"])
        pod_labels = dict((template["spec"]["template"].get("metadata") or {}).get("labels") or {})
        pod_labels.update({"job-name": job_name, "batch.kubernetes.io/job-name": job_name,
                           "controller-uid": created["metadata"]["uid"],
                           "batch.kubernetes.io/controller-uid": created["metadata"]["uid"]})
        pod = self.k.create("Pod", {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {"name": f"{job_name}-standin", "namespace": m["namespace"],
                                                 "labels": pod_labels, "ownerReferences": [owner_ref(created, controller=True)]},
                                    "spec": pod_spec}, "kube-controller-manager/job-controller")
        started = now_rfc3339()
        # A database restore drill (issue 22; drills/db-drill.sh): only its verdict line is played here, no cluster is
        # recovered (the world has no operator that recovers one), so this proves the wiring to ./verify, not a restore.
        database = job["metadata"]["labels"].get("homelab-backups/db-drill")
        if database and real and self.db_kubelet:
            # "real": the drill script runs as the pod would, with the real kubectl as its ServiceAccount; the database
            # stand-in (database_restores.py) plays the operator for the throwaway it creates and answers its psql.
            code, line = self.db_kubelet(m["namespace"], pod_spec)
            passes = code == 0
        elif database:
            code = 0 if passes else 1
            line = (f"db-drill PASS db={database} reason=ok system_id=7390582347118403612 backup=standin rows=108 "
                    f"recovery_s=60 database=app tables=public.standin" if passes else
                    f"db-drill FAIL db={database} reason={reason} system_id=- backup=- rows=- recovery_s=-")
        elif passes:
            code, line = self.kubelet(m["namespace"], pod_spec)
            passes = code == 0
        else:
            code, line = 1, f"drill FAIL app={app} reason={reason}"
        now = now_rfc3339()
        self.k.merge_patch("Pod", m["namespace"], pod["metadata"]["name"], {"status": {
            "phase": "Succeeded" if passes else "Failed",
            "containerStatuses": [{"name": pod_spec["containers"][0]["name"], "ready": False, "restartCount": 0,
                                   "image": pod_spec["containers"][0]["image"], "imageID": "",
                                   "state": {"terminated": {"exitCode": code,
                                                            "reason": "Completed" if passes else "Error",
                                                            "message": line + "\n", "startedAt": started, "finishedAt": now}}}]}},
            "kubelet", subresource="status")
        conditions = ([("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                       ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")] if passes else
                      [("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                       ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")])
        status = {"startTime": started, "active": 0, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
                  "conditions": [{"type": t, "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
                                  "reason": r, "message": msg} for t, r, msg in conditions]}
        if passes:
            status.update(succeeded=1, completionTime=now)
        else:
            status.update(failed=1)
        self.k.merge_patch("Job", m["namespace"], job_name, {"status": status}, MANAGER, subresource="status")
        self.log(f"drill-{'passed' if passes else 'failed'} {m['namespace']}/{job_name} {line}")

    def kubelet(self, namespace, pod_spec):
        """The drill container, run: (exit code, verdict line). The verdict is the termination log, else the last line
        of stdout (terminationMessagePolicy FallbackToLogsOnError)."""
        c = pod_spec["containers"][0]
        script_path = (c.get("command") or ["", ""])[-1]
        scripts = next((v for v in pod_spec.get("volumes") or [] if v.get("name") == "script"), None)
        cm = self.k.get("ConfigMap", namespace, ((scripts or {}).get("configMap") or {}).get("name", ""))
        name = os.path.basename(script_path)
        if not cm or name not in (cm.get("data") or {}):
            return 1, f"drill FAIL app=unknown reason=internal-error error=\"no script {name} in the pod's ConfigMap\""
        env = {e["name"]: e.get("value", "") for e in c.get("env") or [] if "value" in e}
        app = env.get("DRILL_APP", "unknown")
        if name != "restic-drill.sh" or not self.restic:
            return 1, f"drill FAIL app={app} reason=internal-error error=\"the stand-in runs only the restic drill\""
        for source in c.get("envFrom") or []:
            ref = (source.get("secretRef") or {}).get("name")
            secret = self.k.get("Secret", namespace, ref) if ref else None
            if not secret:
                return 1, f"drill FAIL app={app} reason=internal-error error=\"secret {ref} not found (the pod would not start)\""
            env.update({k: secret_value(secret, k) for k in secret_keys(secret) if re.fullmatch(r"[A-Z_][A-Z0-9_]*", k)})
        pod_dir = tempfile.mkdtemp(prefix="drill-", dir=self.work)
        try:
            scratch, bin_dir = os.path.join(pod_dir, "scratch"), os.path.join(pod_dir, "bin")
            os.makedirs(scratch)
            os.makedirs(bin_dir)
            os.symlink(os.path.abspath(self.restic), os.path.join(bin_dir, "restic"))
            script = os.path.join(pod_dir, name)
            with open(script, "w") as f:
                f.write(cm["data"][name])
            term = os.path.join(pod_dir, "termination-log")
            open(term, "w").close()
            env.update({"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "DRILL_SCRATCH": scratch, "HOME": scratch,
                        "DRILL_TERMINATION_LOG": term, "DRILL_NOW": str(int(self.clock().timestamp())), "TZ": "UTC"})
            ca = env.get("DRILL_CA_FILE")
            if ca:   # the Secret's CA key, mounted at DrillSpecs.CA_DIR in the pod
                key = os.path.basename(ca)
                for source in c.get("envFrom") or []:
                    secret = self.k.get("Secret", namespace, source["secretRef"]["name"])
                    if key in secret_keys(secret):
                        env["DRILL_CA_FILE"] = os.path.join(pod_dir, key)
                        with open(env["DRILL_CA_FILE"], "w") as f:
                            f.write(secret_value(secret, key))
            try:
                p = subprocess.run(["/bin/bash", script], env=env, cwd=scratch, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=600)
                code, out = p.returncode, p.stdout.decode(errors="replace")
            except subprocess.TimeoutExpired:
                code, out = 1, f"drill FAIL app={app} reason=terminated signal=deadline"
            with open(os.path.join(self.work, f"drill-{namespace}-{app}.log"), "w") as f:
                f.write(out)
            with open(term) as f:
                message = f.read().strip()
            lines = [l for l in out.splitlines() if l.strip()]
            return code, message or (lines[-1] if lines else f"drill FAIL app={app} reason=internal-error exit={code}")
        finally:
            shutil.rmtree(pod_dir, ignore_errors=True)
