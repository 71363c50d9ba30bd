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
"""
import copy
import time as _time

from kube import now_rfc3339, owner_ref

MANAGER = "kube-controller-manager"


class Drills:
    def __init__(self, kube, log, consume):
        self.k, self.log, self.consume = kube, log, consume

    def reconcile(self):
        for line in self.consume("drill-run"):
            parts = line.split(maxsplit=2)
            where, outcome = parts[0], parts[1] if len(parts) > 1 else "pass"
            reason = parts[2] if len(parts) > 2 else "repository check failed (subset 1/12)"
            ns, name = where.split("/")
            cron_job = self.k.get("CronJob", ns, name)
            if not cron_job:
                self.log(f"drill-missing {where}")
                continue
            self.run(cron_job, outcome == "pass", reason)

    def run(self, cron_job, passes, reason):
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
        now = now_rfc3339()
        line = (f"drill PASS app={app} snapshot=3f2a1b9c time={now} age=7200s files=108 bytes=1048576 mode=whole subset=3/12"
                if passes else f"drill FAIL app={app} reason={reason}")
        # A database restore drill (issue 22; drills/db-drill.sh): only its verdict line is played here, no cluster is
        # recovered (the world has no operator that recovers one), so this proves the wiring to ./verify, not a restore.
        database = job["metadata"]["labels"].get("homelab-backups/db-drill")
        if database:
            line = (f"db-drill PASS db={database} reason=ok system_id=7390582347118403612 backup=standin rows=108 "
                    f"recovery_s=60 database=app tables=public.standin" if passes else
                    f"db-drill FAIL db={database} reason={reason} system_id=- backup=- rows=- recovery_s=-")
        self.k.merge_patch("Pod", m["namespace"], pod["metadata"]["name"], {"status": {
            "phase": "Succeeded" if passes else "Failed",
            "containerStatuses": [{"name": pod_spec["containers"][0]["name"], "ready": False, "restartCount": 0,
                                   "image": pod_spec["containers"][0]["image"], "imageID": "",
                                   "state": {"terminated": {"exitCode": 0 if passes else 1,
                                                            "reason": "Completed" if passes else "Error",
                                                            "message": line + "\n", "startedAt": now, "finishedAt": now}}}]}},
            "kubelet", subresource="status")
        conditions = ([("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                       ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")] if passes else
                      [("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                       ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")])
        status = {"startTime": now, "active": 0, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
                  "conditions": [{"type": t, "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
                                  "reason": r, "message": msg} for t, r, msg in conditions]}
        if passes:
            status.update(succeeded=1, completionTime=now)
        else:
            status.update(failed=1)
        self.k.merge_patch("Job", m["namespace"], job_name, {"status": status}, MANAGER, subresource="status")
        self.log(f"drill-{'passed' if passes else 'failed'} {m['namespace']}/{job_name}")
