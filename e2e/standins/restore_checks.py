"""Plays the Job controller and the kubelet for the restore check Jobs (label homelab-backups/restore-check), and
only those: the program's check (drills/restore-check.sh, inline in the Job's command) runs for real, with the real
restic 0.18.0 against the world's loopback S3 server.

For each such Job that has not started (no status.startTime):
- the Job controller creates its one pod from spec.template (backoffLimit 0), owned by the Job with controller: true;
  the template's labels already carry batch.kubernetes.io/controller-uid and job-name, which the API server added
  when the Job was created (k8s v1.34.4 pkg/registry/batch/job/strategy.go generateSelector), and it sets
  status.startTime and active (pkg/controller/job/job_controller.go syncJob);
- the kubelet runs the container: its command and args, with envFrom the Secret's keys that are valid variable names
  and then env, which overrides them (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables); the repository Secret is
  restic_mover's (its RESTIC_REPOSITORY already points at the loopback server). The container's termination message
  is what the script wrote to its termination log, else, with FallbackToLogsOnError and a failed container, the log's
  tail (pkg/kubelet/kuberuntime/kuberuntime_container.go getTerminationMessage); the pod ends Succeeded or Failed,
  PodScheduled and Initialized True, Ready False with reason PodCompleted (pkg/kubelet/status/generate.go
  GeneratePodInitializedCondition, GeneratePodReadyCondition);
- the Job controller finishes the Job as for the drills (drills.py): on success SuccessCriteriaMet + Complete,
  succeeded 1 and completionTime; on failure FailureTarget + Failed with reason BackoffLimitExceeded, failed 1
  (job_controller.go syncJob, newFailedConditionsForFailureTarget / backoffLimit exceeded).
The pod's status is written a second before the Job's, as the kubelet's report precedes the controller's reaction:
the Pulumi provider's Job awaiter reports the failed pod's termination message next to the Job's condition
(pulumi-kubernetes await/job.go, PodAggregator), which is the check's verdict line.
"""
import os
import subprocess
import tempfile
import time as _time

from kube import now_rfc3339, owner_ref
from volsync import secret_keys, secret_value

LABEL = "homelab-backups/restore-check"
MANAGER = "kube-controller-manager"
VALID_NAME = __import__("re").compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")


class RestoreChecks:
    def __init__(self, kube, log, restic, logs_dir):
        self.k, self.log = kube, log
        self.restic_dir = os.path.dirname(os.path.abspath(restic))
        self.logs_dir = logs_dir

    def reconcile(self):
        for job in self.k.list("Job", labels=LABEL):
            if (job.get("status") or {}).get("startTime") or job["metadata"].get("deletionTimestamp"):
                continue
            self.run(job)

    def run(self, job):
        m = job["metadata"]
        ns, name = m["namespace"], m["name"]
        now = now_rfc3339()
        self.k.merge_patch("Job", ns, name, {"status": {"startTime": now, "active": 1}}, MANAGER, subresource="status")
        template = job["spec"]["template"]
        pod_spec = template["spec"]
        container = pod_spec["containers"][0]
        pod = self.k.create("Pod", {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {"name": f"{name}-standin", "namespace": ns,
                                                 "labels": dict((template.get("metadata") or {}).get("labels") or {}),
                                                 "ownerReferences": [owner_ref(job, controller=True)]},
                                    "spec": pod_spec}, "kube-controller-manager/job-controller")
        code, log_text, message = self.container(ns, container, job["spec"].get("activeDeadlineSeconds") or 600)
        self.log(f"restore-check {ns}/{name} exit {code}: {message.strip()}")
        finished = now_rfc3339()
        passes = code == 0
        self.k.merge_patch("Pod", ns, pod["metadata"]["name"], {"status": {
            "phase": "Succeeded" if passes else "Failed",
            # The scheduler's PodScheduled and the kubelet's Initialized (no init containers) are True for any pod
            # that ran; Ready and ContainersReady are False, PodCompleted, once its container ended. (The provider's
            # pod checker reads them in that order and reports a container's termination only past the first two:
            # cloud-ready-checks v1.3.0 pkg/kubernetes/pod/check.go NewPodChecker, podInitialized, podReady.)
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
        if passes:
            status.update(succeeded=1, completionTime=finished)
        else:
            status.update(failed=1)
        self.k.merge_patch("Job", ns, name, {"status": status}, MANAGER, subresource="status")
        # The pod log, for the harness to read (kubectl logs has no kubelet to ask here).
        with open(os.path.join(self.log_dir(), f"{ns}_{name}.log"), "w") as f:
            f.write(log_text)

    def log_dir(self):
        os.makedirs(self.logs_dir, exist_ok=True)
        return self.logs_dir

    def container(self, ns, container, deadline):
        env = {"PATH": f"{self.restic_dir}:/usr/local/bin:/usr/bin:/bin"}
        for source in container.get("envFrom") or []:
            ref = source.get("secretRef")
            if ref:
                secret = self.k.get("Secret", ns, ref["name"])
                if not secret:
                    # The kubelet would not start the container (CreateContainerConfigError): the check never passes.
                    return 1, "", f"secret {ref['name']} not found"
                env.update({(source.get("prefix") or "") + k: secret_value(secret, k) for k in secret_keys(secret)
                            if VALID_NAME.fullmatch(k)})
        env.update({e["name"]: e.get("value", "") for e in container.get("env") or [] if "value" in e})
        with tempfile.TemporaryDirectory() as tmp:
            termination = os.path.join(tmp, "termination-log")
            open(termination, "w").close()
            # HOME and TMPDIR are the pod's emptyDir (/tmp in the spec): here a fresh directory each run.
            env.update({"HOME": tmp, "TMPDIR": tmp, "CHECK_TERMINATION_LOG": termination})
            try:
                p = subprocess.run(container["command"] + (container.get("args") or []), env=env, cwd=tmp,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=deadline)
                code, out = p.returncode, p.stdout.decode(errors="replace")
            except subprocess.TimeoutExpired:
                code, out = 137, ""
            with open(termination) as f:
                message = f.read()
        if not message and code != 0 and container.get("terminationMessagePolicy") == "FallbackToLogsOnError":
            message = "\n".join(out.splitlines()[-80:])[-2048:]
        return code, out, message
