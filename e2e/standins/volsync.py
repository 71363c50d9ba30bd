"""A stand-in for VolSync v0.15.0 (the chart version prod pins), restic mover, that writes what the real controller
writes. No mover pod can run here (no kubelet, no image), so the stand-in runs each mover Job's container itself:
restic_mover.py, the steps of mover-restic/entry.sh running the real restic 0.18.0 against the loopback S3 server, on
the files of the volumes the Job mounts (store.py). Every behaviour cites backube/volsync at tag v0.15.0 (file,
function); e2e/standins/README.md lists each behaviour with its source.

  SM  = internal/controller/statemachine/machine.go
  RM  = internal/controller/mover/restic/mover.go
  VH  = internal/controller/volumehandler/volumehandler.go
  CU  = internal/controller/utils/cleanup.go
  VP  = internal/controller/volumepopulator_controller.go
  SH  = mover-restic/entry.sh
  LF  = internal/controller/mover/restic/logfilter.go
"""
import re
import time
from datetime import datetime, timedelta, timezone

from kube import annotations, key, labels, now_rfc3339, owner_ref
from restic_mover import filter_failed, filter_success, forget_options

MANAGER = "manager"   # the controller binary is /manager (helm/volsync templates/deployment-controller.yaml)
LEASE = "b95b3104.backube"   # controller-runtime leader election ID (cmd/main.go)
CREATED_BY = {"app.kubernetes.io/created-by": "volsync"}
CLEANUP = "volsync.backube/cleanup"
DO_NOT_DELETE = "volsync.backube/do-not-delete"
SNAPNAME = "volsync.backube/snapname"
POPULATOR_FOR = "volsync.backube/populator-pvc-for"
IMAGE = "quay.io/backube/volsync:0.15.0"
BACKOFF_LIMIT = 8      # RM ensureJob: job.Spec.BackoffLimit
# The Job controller waits 10 s, doubling up to 6 min, between failed pods (kubernetes pkg/controller/job
# DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff); played shorter so that a failing mover reaches the backoff
# limit in a scenario's time.
RETRY_SECONDS = 2
def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def cron_next(expr, after):
    """robfig/cron v3 with a 5-field spec (SM getSchedule), in the controller's time zone (UTC here)."""
    fields = expr.split()
    if len(fields) != 5:
        return None
    ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]

    def allowed(field, lo, hi):
        out = set()
        for part in field.split(","):
            step = 1
            if "/" in part:
                part, step = part.split("/")
                step = int(step)
            if part == "*":
                a, b = lo, hi
            elif "-" in part:
                a, b = map(int, part.split("-"))
            else:
                a = b = int(part)
            out.update(range(a, b + 1, step))
        return out

    sets = [allowed(f, lo, hi) for f, (lo, hi) in zip(fields, ranges)]
    t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(366 * 24 * 60):
        if (t.minute in sets[0] and t.hour in sets[1] and t.day in sets[2] and t.month in sets[3]
                and (t.weekday() + 1) % 7 in sets[4]):
            return t
        t += timedelta(minutes=1)
    return None


class VolSync:
    def __init__(self, kube, store, log, clock, held, mover):
        self.k, self.store, self.log, self.clock, self.held, self.mover = kube, store, log, clock, held, mover

    # ---- leader election ---------------------------------------------------------------------------------------
    def hold_lease(self):
        """The controller holds controller-runtime's leader lease b95b3104.backube in its own namespace and renews it
        every few seconds while it runs (backube/volsync v0.15.0 cmd/main.go LeaderElectionID; controller-runtime's
        10 s renew deadline). It runs where the release is: the namespace of the chart's stand-in ConfigMap."""
        for cm in self.k.list("ConfigMap"):
            m = cm["metadata"]
            if not m["name"].endswith("-stand-in") or m.get("deletionTimestamp"):
                continue
            now = now_rfc3339(datetime.now(timezone.utc)).replace("Z", ".000000Z")
            spec = {"holderIdentity": f"volsync-standin_{m['namespace']}", "leaseDurationSeconds": 15,
                    "renewTime": now, "acquireTime": now}
            lease = self.k.get("Lease", m["namespace"], LEASE)
            if lease:
                spec["acquireTime"] = lease["spec"].get("acquireTime", now)
                self.k.merge_patch("Lease", m["namespace"], LEASE, {"spec": spec}, MANAGER)
            else:
                self.k.create("Lease", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                        "metadata": {"name": LEASE, "namespace": m["namespace"]}, "spec": spec}, MANAGER)

    # ---- shared state machine (SM) ---------------------------------------------------------------------------
    def reconcile(self, kind, obj):
        m = obj["metadata"]
        if m.get("deletionTimestamp"):
            return   # no finalizers in VolSync: what it created goes by garbage collection (owner references)
        status = obj.get("status") or {}
        role = "src" if kind == "ReplicationSource" else "dst"
        if not status.get("lastSyncTime") and not status.get("lastSyncStartTime"):
            # SM doInitialState -> transitionToSynchronizing: the first sync starts at once, whatever the trigger
            # (and whether or not the object is paused: nothing in SM reads spec.paused).
            self.status(kind, obj, {"lastSyncStartTime": now_rfc3339(self.clock()),
                                    "latestMoverStatus": status.get("latestMoverStatus") or {},
                                    "conditions": [condition("True", "SyncInProgress", "Synchronization in-progress")]})
            self.log(f"{role}-sync-started {key(obj)}")
            return
        if status.get("lastSyncStartTime"):
            self.synchronize(kind, obj)
            return
        self.cleanup_and_wait(kind, obj)

    def status(self, kind, obj, patch):
        m = obj["metadata"]
        self.k.merge_patch(kind, m["namespace"], m["name"], {"status": patch}, MANAGER, subresource="status")

    def complete(self, kind, obj, mover_status, extra=None):
        """SM transitionToCleaningUp: one status write when the mover reports completion."""
        status = obj.get("status") or {}
        now = self.clock()
        started = parse_time(status["lastSyncStartTime"])
        trigger = obj["spec"].get("trigger") or {}
        patch = {"lastSyncTime": now_rfc3339(now), "lastSyncDuration": f"{max((now - started).total_seconds(), 0):.3f}s",
                 "lastSyncStartTime": None, "latestMoverStatus": mover_status,
                 "conditions": [condition("False", "CleaningUp", "Cleaning up")]}
        if trigger.get("manual"):
            patch["lastManualSync"] = trigger["manual"]   # SM: SetLastManualTag(ManualTag()) - the current trigger
            patch["nextSyncTime"] = None
        elif trigger.get("schedule"):
            nxt = cron_next(trigger["schedule"], now)
            patch["nextSyncTime"] = now_rfc3339(nxt) if nxt else None
        patch.update(extra or {})
        self.status(kind, obj, patch)

    def cleanup_and_wait(self, kind, obj):
        """SM doCleanupState: the mover's Cleanup, then either the next sync or a waiting condition."""
        m, status = obj["metadata"], obj.get("status") or {}
        ns, uid = m["namespace"], m["uid"]
        if kind == "ReplicationDestination":
            dest = self.k.get("PersistentVolumeClaim", ns, dest_pvc_name(obj))
            if dest and SNAPNAME in annotations(dest):   # RM Cleanup: RemoveSnapshotAnnotationFromPVC
                del dest["metadata"]["annotations"][SNAPNAME]
                self.k.update("PersistentVolumeClaim", dest, MANAGER)
        for kind_ in ("PersistentVolumeClaim", "Job"):   # CU CleanupObjects: DeleteAllOf by the cleanup label
            for o in self.k.list(kind_, ns, labels=f"{CLEANUP}={uid}"):
                self.k.delete(kind_, ns, o["metadata"]["name"])
        for s in self.k.list("VolumeSnapshot", ns, labels=f"{CLEANUP}={uid}"):   # CU CleanupSnapshotsWithLabelCheck
            if DO_NOT_DELETE in labels(s):
                continue
            if any(r.get("uid") != uid for r in s["metadata"].get("ownerReferences") or []):
                continue   # another owner (a populator's prime PVC) still uses it
            self.k.delete("VolumeSnapshot", ns, s["metadata"]["name"], precondition_rv=s["metadata"]["resourceVersion"])
        trigger = obj["spec"].get("trigger") or {}
        if trigger.get("manual"):
            should = trigger["manual"] != status.get("lastManualSync")
        elif trigger.get("schedule"):
            nxt = parse_time(status.get("nextSyncTime"))
            should = nxt is not None and self.clock() > nxt
        else:
            should = True
        if should:   # SM shouldSync -> transitionToSynchronizing
            self.status(kind, obj, {"lastSyncStartTime": now_rfc3339(self.clock()),
                                    "conditions": [condition("True", "SyncInProgress", "Synchronization in-progress")]})
            self.log(f"{'src' if kind == 'ReplicationSource' else 'dst'}-sync-started {key(obj)}")
            return
        reason, msg = (("WaitingForSchedule", "Waiting for next scheduled synchronization") if trigger.get("schedule")
                       else ("WaitingForManual", "Waiting for manual trigger"))
        conds = status.get("conditions") or []
        if not conds or conds[0].get("reason") != reason:
            self.status(kind, obj, {"conditions": [condition("False", reason, msg)]})

    # ---- restic mover (RM Synchronize) -----------------------------------------------------------------------
    def synchronize(self, kind, obj):
        spec = obj["spec"]
        restic = spec.get("restic")
        if restic is None:
            return   # only the restic mover is played
        ns, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        role = "src" if kind == "ReplicationSource" else "dst"
        if kind == "ReplicationSource":
            data = self.source_data_pvc(obj)
        else:
            data = self.ensure_pvc(obj, dest_pvc_name(obj), restic.get("capacity"), restic.get("accessModes"),
                                   restic.get("storageClassName"), temporary=bool(restic.get("cleanupTempPVC")))
        if data is None:
            return
        cache = self.ensure_pvc(obj, f"volsync-{role}-{name}-cache", restic.get("cacheCapacity") or "1Gi",
                                restic.get("cacheAccessModes") or restic.get("accessModes") or data["spec"]["accessModes"],
                                restic.get("cacheStorageClassName") or restic.get("storageClassName"),
                                temporary=kind == "ReplicationDestination" and bool(restic.get("cleanupCachePVC")))
        self.ensure_service_account(obj, f"volsync-{role}-{name}")
        secret = self.k.get("Secret", ns, restic.get("repository", ""))
        if not secret or not {"RESTIC_REPOSITORY", "RESTIC_PASSWORD"} <= set(secret_keys(secret)):
            # RM validateRepository; SM Run sets the Error condition
            self.status(kind, obj, {"conditions": [condition("False", "Error",
                        f'secrets "{restic.get("repository")}" not found or lacks RESTIC_REPOSITORY/RESTIC_PASSWORD')]})
            return
        job = self.ensure_job(obj, f"volsync-{role}-{name}", data, cache, self.actions(obj))
        if job is None:
            return
        if not job["spec"].get("parallelism"):
            return   # RM ensureJob: spec.paused sets parallelism 0 - the Job exists, its pod never starts
        if not bound(data) or not bound(cache) or key(obj) in self.held():
            return   # the mover pod cannot mount unbound claims; a held object "takes its time"
        movers = self.store.data.setdefault("movers", {})
        uid = job["metadata"]["uid"]
        if not (job.get("status") or {}).get("succeeded"):
            run = movers.get(uid) or {"failed": 0, "at": 0}
            if time.time() - run["at"] < RETRY_SECONDS:
                return   # the Job controller's backoff before the next pod
            code, lines = self.run_container(obj, job, data, cache, secret)
            run.update({"lines": lines, "code": code, "at": time.time()})
            movers[uid] = run
            if code != 0:
                run["failed"] += 1
                self.store.save()
                self.log(f"{role}-mover-failed {key(obj)} exit={code} attempt={run['failed']}")
                if run["failed"] >= BACKOFF_LIMIT:
                    # RM ensureJob: the Job reached its backoff limit - the newest failed pod's whole log (AllLines)
                    # becomes the mover status, the Job is deleted and made again on the next pass.
                    self.status(kind, obj, {"latestMoverStatus": {"result": "Failed", "logs": filter_failed(lines)}})
                    self.k.delete("Job", ns, job["metadata"]["name"], propagation="Background")
                return
            self.store.save()
            job_succeeded(self.k, job, self.clock())
        lines = (movers.get(uid) or {}).get("lines", [])
        mover_status = {"result": "Successful", "logs": filter_success(lines)}
        if kind == "ReplicationSource":
            # RM ensureJob after success: status.restic.lastUnlocked follows spec.restic.unlock, lastPruned is set
            # when a prune was due
            restic_status = dict((obj.get("status") or {}).get("restic") or {})
            restic_status["lastUnlocked"] = obj["spec"]["restic"].get("unlock") or None
            if self.should_prune(obj):
                restic_status["lastPruned"] = now_rfc3339(self.clock())
            extra = {"restic": restic_status}
            self.complete(kind, obj, mover_status, extra)
            self.log(f"src-synced {key(obj)} {mover_status['logs'].splitlines()[-2] if mover_status['logs'] else ''}")
            return
        image = self.ensure_image(obj, data)
        if image is None:
            return
        self.complete(kind, obj, mover_status, {"latestImage": {"apiGroup": "snapshot.storage.k8s.io",
                                                                "kind": "VolumeSnapshot", "name": image}})
        restored = "nothing" if any("No data will be restored" in l for l in lines) else "data"
        self.log(f"rd-synced {key(obj)} {(spec.get('trigger') or {}).get('manual', '')} {restored}")

    def source_data_pvc(self, rs):
        """RM ensureSourcePVC: Direct reads the app's PVC; Snapshot restores a temporary PVC from a snapshot of it."""
        spec, restic = rs["spec"], rs["spec"]["restic"]
        ns, name, uid = rs["metadata"]["namespace"], rs["metadata"]["name"], rs["metadata"]["uid"]
        src = self.k.get("PersistentVolumeClaim", ns, spec["sourcePVC"])
        if not src:
            self.status("ReplicationSource", rs, {"conditions": [condition("False", "Error",
                        f'persistentvolumeclaims "{spec["sourcePVC"]}" not found')]})
            return None
        method = restic.get("copyMethod", "Direct")
        if method == "Direct":
            return src
        temp = f"volsync-{name}-src"
        temp_labels = dict(CREATED_BY, **{CLEANUP: uid})
        if method == "Snapshot":
            # VH ensureSnapshot: a VolumeSnapshot of the source, waited on until bound and not unready
            snap = self.k.get("VolumeSnapshot", ns, temp)
            if not snap:
                snap = self.k.create("VolumeSnapshot", {
                    "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                    "metadata": {"name": temp, "namespace": ns, "labels": temp_labels, "ownerReferences": [owner_ref(rs)]},
                    "spec": {"source": {"persistentVolumeClaimName": spec["sourcePVC"]},
                             "volumeSnapshotClassName": restic.get("volumeSnapshotClassName")}}, MANAGER)
                self.k.event(rs, "VolumeSnapshotCreated", f"created VolumeSnapshot/{temp} from PersistentVolumeClaim/"
                             f"{spec['sourcePVC']}", "volsync-controller")
            st = snap.get("status") or {}
            if not st.get("boundVolumeSnapshotContentName") or st.get("readyToUse") is False:
                return None
            source_ref = {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": temp}
            size = restic.get("capacity") or st.get("restoreSize") or (src.get("status") or {}).get("capacity", {}).get("storage") \
                or src["spec"]["resources"]["requests"]["storage"]   # VH pvcFromSnapshot size order
        else:
            source_ref = {"kind": "PersistentVolumeClaim", "name": spec["sourcePVC"]}
            size = restic.get("capacity") or src["spec"]["resources"]["requests"]["storage"]
        pvc = self.k.get("PersistentVolumeClaim", ns, temp)
        if not pvc:
            pvc = self.k.create("PersistentVolumeClaim", {
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": temp, "namespace": ns, "labels": temp_labels, "ownerReferences": [owner_ref(rs)]},
                "spec": {"accessModes": restic.get("accessModes") or src["spec"]["accessModes"],
                         "resources": {"requests": {"storage": size}},
                         "storageClassName": restic.get("storageClassName") or src["spec"].get("storageClassName"),
                         "volumeMode": src["spec"].get("volumeMode", "Filesystem"),
                         "dataSource": source_ref}}, MANAGER)
        return pvc

    def ensure_pvc(self, owner, name, capacity, modes, storage_class, temporary):
        """VH EnsureNewPVC: owned by the object, cleanup-labelled only when temporary; not waited on for Bound."""
        ns = owner["metadata"]["namespace"]
        pvc = self.k.get("PersistentVolumeClaim", ns, name)
        if pvc:
            return pvc
        if not capacity or not modes:
            self.status(owner["kind"], owner, {"conditions": [condition("False", "Error",
                        "capacity and accessModes must be provided when destinationPVC is not")]})
            return None
        lab = dict(CREATED_BY)
        if temporary:
            lab[CLEANUP] = owner["metadata"]["uid"]
        spec = {"accessModes": modes, "resources": {"requests": {"storage": capacity}}, "volumeMode": "Filesystem"}
        if storage_class is not None:
            spec["storageClassName"] = storage_class
        pvc = self.k.create("PersistentVolumeClaim", {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                            "metadata": {"name": name, "namespace": ns, "labels": lab,
                                         "ownerReferences": [owner_ref(owner)]}, "spec": spec}, MANAGER)
        self.k.event(owner, "PersistentVolumeClaimCreated",
                     f"created PersistentVolumeClaim/{name} to receive incoming data", "volsync-controller")
        self.log(f"pvc-created {ns}/{name} {capacity} for {owner['kind']}/{owner['metadata']['name']}")
        return pvc

    def ensure_service_account(self, owner, name):
        """internal/controller/utils/sahandler.go: SA, Role and RoleBinding per mover, owned, kept between syncs."""
        ns = owner["metadata"]["namespace"]
        meta = lambda: {"name": name, "namespace": ns, "labels": dict(CREATED_BY), "ownerReferences": [owner_ref(owner)]}
        if not self.k.get("ServiceAccount", ns, name):
            self.k.create("ServiceAccount", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta()}, MANAGER)
        if not self.k.get("Role", ns, name):
            self.k.create("Role", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(),
                                   "rules": []}, MANAGER)
        if not self.k.get("RoleBinding", ns, name):
            self.k.create("RoleBinding", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                          "metadata": meta(),
                                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                                          "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}]}, MANAGER)

    def ensure_job(self, owner, name, data, cache, actions):
        """RM ensureJob: backoffLimit 8, parallelism 0 while paused (1 otherwise, on the same Job), restartPolicy
        Never; a changed pod template (restoreAsOf/previous, the actions) is immutable, so the Job is deleted and
        made again (utils/reconcile.go CreateOrUpdateDeleteOnImmutableErr)."""
        ns, restic = owner["metadata"]["namespace"], owner["spec"]["restic"]
        env = [{"name": "FORGET_OPTIONS", "value": forget_options(restic.get("retain"))},
               {"name": "DATA_DIR", "value": "/data"}, {"name": "RESTIC_CACHE_DIR", "value": "/cache"},
               {"name": "RESTORE_AS_OF", "value": restic.get("restoreAsOf") or ""},
               {"name": "SELECT_PREVIOUS", "value": str(restic.get("previous") or 0)},
               {"name": "RESTORE_OPTIONS", "value": "--delete" if restic.get("enableFileDeletion") else ""}]
        sc = restic.get("moverSecurityContext") or {}
        template = {"metadata": {"name": name, "labels": dict(CREATED_BY)},
                    "spec": {"restartPolicy": "Never", "serviceAccountName": name,
                             "securityContext": sc,
                             "containers": [{"name": "restic", "image": IMAGE, "command": ["/mover-restic/entry.sh"],
                                             "args": actions, "env": env,
                                             "volumeMounts": [{"name": "data", "mountPath": "/data"},
                                                              {"name": "cache", "mountPath": "/cache"}]}],
                             "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": data["metadata"]["name"]}},
                                         {"name": "cache", "persistentVolumeClaim": {"claimName": cache["metadata"]["name"]}}]}}
        parallelism = 0 if owner["spec"].get("paused") else 1
        job = self.k.get("Job", ns, name)
        if job:
            # The API server drops empty env values (omitempty), so compare what it keeps.
            kept = lambda vars_: [{k: v for k, v in e.items() if v != ""} for e in vars_ or []]
            old = job["spec"]["template"]["spec"]["containers"][0]
            if (kept(old.get("env")) != kept(env) or old.get("args") != actions) \
                    and not (job.get("status") or {}).get("succeeded"):
                self.k.delete("Job", ns, name, propagation="Background")
                return None
            if job["spec"].get("parallelism") != parallelism and not (job.get("status") or {}).get("succeeded"):
                job = self.k.merge_patch("Job", ns, name, {"spec": {"parallelism": parallelism}}, MANAGER)
            return job
        labels_ = dict(CREATED_BY, **{CLEANUP: owner["metadata"]["uid"]})
        job = self.k.create("Job", {"apiVersion": "batch/v1", "kind": "Job",
                                    "metadata": {"name": name, "namespace": ns, "labels": labels_,
                                                 "ownerReferences": [owner_ref(owner)]},
                                    "spec": {"backoffLimit": 8, "parallelism": parallelism, "template": template}}, MANAGER)
        self.log(f"job-created {ns}/{name} parallelism={parallelism}")
        return job

    def actions(self, obj):
        """RM ensureJob: a source runs backup ("unlock" first when spec.restic.unlock differs from
        status.restic.lastUnlocked; "prune" after it when shouldPrune); a destination runs restore."""
        if obj["kind"] != "ReplicationSource":
            return ["restore"]
        unlock = obj["spec"]["restic"].get("unlock") or ""
        out = ["unlock", "backup"] if unlock and unlock != ((obj.get("status") or {}).get("restic") or {}).get("lastUnlocked") \
            else ["backup"]
        return out + (["prune"] if self.should_prune(obj) else [])

    def should_prune(self, rs):
        """RM shouldPrune: pruneIntervalDays (default 7) after status.restic.lastPruned, or after the object's
        creation when it never pruned."""
        days = rs["spec"]["restic"].get("pruneIntervalDays")
        last = ((rs.get("status") or {}).get("restic") or {}).get("lastPruned") or rs["metadata"]["creationTimestamp"]
        return self.clock() > parse_time(last) + timedelta(days=7 if days is None else int(days))

    def run_container(self, obj, job, data, cache, secret):
        """The mover pod: the Job's args and env, the repository Secret's keys 1-for-1 (RM: utils.EnvFromSecret), the
        data and cache volumes mounted. Its exit code and its log lines."""
        container = job["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value", "") for e in container.get("env") or [] if "value" in e}
        env.update({k: secret_value(secret, k) for k in secret_keys(secret) if re.fullmatch(r"[A-Z_][A-Z0-9_]*", k)})
        shifted = abs((self.clock() - datetime.now(timezone.utc)).total_seconds()) > 60
        return self.mover.run(container["args"], env, self.store.volume_dir(data["spec"]["volumeName"]),
                              self.store.volume_dir(cache["spec"]["volumeName"]),
                              backup_time=self.clock() if shifted else None)

    def ensure_image(self, rd, dest):
        """VH EnsureImage / ensureImageSnapshot: name the snapshot on the PVC, create it, wait only until it is bound
        to a content (not for readyToUse); CU MarkOldSnapshotForCleanup labels the previous latestImage."""
        ns = rd["metadata"]["namespace"]
        ann = annotations(dest)
        if SNAPNAME not in ann:
            dest["metadata"].setdefault("annotations", {})[SNAPNAME] = \
                f"{dest['metadata']['name']}-{self.clock().strftime('%Y%m%d%H%M%S')}"
            dest = self.k.update("PersistentVolumeClaim", dest, MANAGER)
        name = annotations(dest)[SNAPNAME]
        snap = self.k.get("VolumeSnapshot", ns, name)
        if not snap:
            snap = self.k.create("VolumeSnapshot", {
                "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                "metadata": {"name": name, "namespace": ns, "labels": dict(CREATED_BY), "ownerReferences": [owner_ref(rd)]},
                "spec": {"source": {"persistentVolumeClaimName": dest["metadata"]["name"]},
                         "volumeSnapshotClassName": rd["spec"]["restic"].get("volumeSnapshotClassName")}}, MANAGER)
            self.k.event(rd, "VolumeSnapshotCreated", f"created VolumeSnapshot/{name} from PersistentVolumeClaim/"
                         f"{dest['metadata']['name']}", "volsync-controller")
        if not (snap.get("status") or {}).get("boundVolumeSnapshotContentName"):
            return None
        old = ((rd.get("status") or {}).get("latestImage") or {}).get("name")
        if old and old != name:
            prev = self.k.get("VolumeSnapshot", ns, old)
            if prev and DO_NOT_DELETE not in labels(prev):
                self.k.merge_patch("VolumeSnapshot", ns, old,
                                   {"metadata": {"labels": {CLEANUP: rd["metadata"]["uid"]}}}, MANAGER)
        return name

    # ---- volume populator (VP) -----------------------------------------------------------------------------
    def populate(self, pvc, classes):
        m, spec = pvc["metadata"], pvc["spec"]
        ref = spec.get("dataSourceRef") or {}
        if ref.get("apiGroup") != "volsync.backube" or ref.get("kind") != "ReplicationDestination" or not ref.get("name"):
            return   # VP pvcHasReplicationDestinationDataSourceRef
        if m.get("deletionTimestamp"):
            return
        ns = m["namespace"]
        sc = classes.get(spec.get("storageClassName") or "")
        if sc and sc.get("volumeBindingMode") == "WaitForFirstConsumer" \
                and not annotations(pvc).get("volume.kubernetes.io/selected-node"):
            return   # VP checkStorageClass
        prime_name = f"vs-prime-{m['uid']}"   # VP getPVCPrimeName
        prime = self.k.get("PersistentVolumeClaim", ns, prime_name)
        # Restore-before-bind rests on the next lines (VP at v0.15.0): an unbound claim whose destination does not
        # exist gets a Warning and stays Pending, re-reconciled when the destination appears (reconcilePVCPrime
        # l.321-338; the RD watch, replicationDestinationPredicate l.544); one whose destination has no latestImage
        # likewise (l.342-348); a bound claim is never populated again (isPVCBoundToVolume l.239, l.650). The event
        # reasons are api/v1alpha1/events.go l.54-55 (EvVolPopPVCReplicationDestMissing,
        # EvRVolPopPVCReplicationDestNoLatestImage).
        if not spec.get("volumeName"):
            if prime is None:
                rd = self.k.get("ReplicationDestination", ns, ref["name"])
                if rd is None:
                    self.note(pvc, "VolSyncPopulatorReplicationDestinationMissing",
                              f"Unable to populate volume: replicationdestination {ref['name']} not found")
                    return
                image = (rd.get("status") or {}).get("latestImage")
                if not image:
                    self.note(pvc, "VolSyncPopulatorReplicationDestinationNoLatestImage",
                              "Unable to populate volume, waiting for replicationdestination to have latestImage")
                    return
                snap = self.k.get("VolumeSnapshot", ns, image["name"])
                if not snap:   # VP validateSnapshotAndLabel: it must exist (readyToUse is the provisioner's business)
                    return
                self.k.merge_patch("VolumeSnapshot", ns, image["name"], {"metadata": {"labels": {
                    f"volsync.backube/volpop-pvc-{m['uid']}": m["name"]}}}, MANAGER)
                prime_spec = {k: spec[k] for k in ("accessModes", "resources", "storageClassName", "volumeMode") if k in spec}
                prime_spec["dataSourceRef"] = {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot",
                                               "name": image["name"]}
                prime = self.k.create("PersistentVolumeClaim", {
                    "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": prime_name, "namespace": ns,
                                 "labels": dict(CREATED_BY, **{POPULATOR_FOR: m["name"]}),
                                 "ownerReferences": [owner_ref(pvc)]},
                    "spec": prime_spec}, MANAGER)
                # VP ensureOwnerReferenceOnSnapshots: the prime PVC also owns the snapshot while it reads from it
                snap = self.k.get("VolumeSnapshot", ns, image["name"])
                refs = snap["metadata"].get("ownerReferences") or []
                refs.append(owner_ref(prime, controller=False))
                snap["metadata"]["ownerReferences"] = refs
                self.k.update("VolumeSnapshot", snap, MANAGER)
                self.k.event(pvc, "VolSyncPopulatorPVCCreated", f"Populator pvc created from snapshot {image['name']}", "volsync-controller")
                self.log(f"populator-prime {ns}/{m['name']} from {image['name']}")
                return
            # VP rebindPVClaim: once the prime PVC has a PV, point the PV's claimRef at the user's PVC; the real PV
            # binder then binds the user's PVC and marks the prime PVC Lost.
            pv_name = prime["spec"].get("volumeName")
            pv = self.k.get("PersistentVolume", None, pv_name) if pv_name else None
            if pv is None:
                return
            cref = pv["spec"].get("claimRef") or {}
            if cref.get("uid") != m["uid"]:
                self.k.strategic_patch("PersistentVolume", None, pv_name, {
                    "metadata": {"annotations": {"volsync.backube/populated-from":
                                                 f"{ns}/{prime['spec']['dataSourceRef']['name']}"}},
                    "spec": {"claimRef": {"namespace": ns, "name": m["name"], "uid": m["uid"],
                                          "resourceVersion": m["resourceVersion"]}}}, MANAGER)
                self.log(f"populator-rebind {ns}/{m['name']} {pv_name}")
            return
        # VP reconcilePVC: bound; when the prime PVC is Lost (or gone), finish and clean up
        if prime is not None and (prime.get("status") or {}).get("phase") == "Lost":
            self.k.event(pvc, "VolSyncPopulatorFinished", "Populator finished", "volsync-controller")
            snap_name = prime["spec"]["dataSourceRef"]["name"]
            snap = self.k.get("VolumeSnapshot", ns, snap_name)
            if snap:
                lab = labels(snap)
                lab.pop(f"volsync.backube/volpop-pvc-{m['uid']}", None)
                snap["metadata"]["labels"] = lab
                self.k.update("VolumeSnapshot", snap, MANAGER)
            self.k.delete("PersistentVolumeClaim", ns, prime_name)
            self.log(f"populator-finished {ns}/{m['name']}")

    noted = set()

    def note(self, pvc, reason, message):
        k = (pvc["metadata"]["uid"], reason)
        if k not in self.noted:
            self.noted.add(k)
            self.k.event(pvc, reason, message, "volsync-controller", "Warning")


def condition(status, reason, message):
    return {"type": "Synchronizing", "status": status, "reason": reason, "message": message,
            "lastTransitionTime": now_rfc3339()}


def bound(pvc):
    return (pvc.get("status") or {}).get("phase") == "Bound" and bool(pvc["spec"].get("volumeName"))


def dest_pvc_name(rd):
    return rd["spec"]["restic"].get("destinationPVC") or f"volsync-{rd['metadata']['name']}-dest"   # RM getDestinationPVCName


def secret_keys(secret):
    return list((secret.get("data") or {}).keys()) + list((secret.get("stringData") or {}).keys())


def secret_value(secret, k):
    import base64
    if k in (secret.get("data") or {}):
        return base64.b64decode(secret["data"][k]).decode()
    return (secret.get("stringData") or {}).get(k, "")


def job_succeeded(kube, job, now):
    """The Job outcome a finished mover pod leaves (the Job controller's status on success)."""
    ts = now_rfc3339(now)
    m = job["metadata"]
    kube.merge_patch("Job", m["namespace"], m["name"], {"status": {
        "startTime": ts, "completionTime": ts, "succeeded": 1, "active": 0, "ready": 0, "terminating": 0,
        "uncountedTerminatedPods": {},
        "conditions": [{"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": ts, "lastTransitionTime": ts,
                        "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
                       {"type": "Complete", "status": "True", "lastProbeTime": ts, "lastTransitionTime": ts,
                        "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"}]}},
        "kube-controller-manager", subresource="status")
