#!/usr/bin/env python3
"""Runs the stand-in controllers against the loopback API server until killed.

  run.py <kubeconfig> <state dir> <restic binary>

The state dir holds volumes/ and snapshots/ (what each volume and snapshot holds, a directory each; store.py),
store.json (their bookkeeping), events.log (timestamped actions, for ordering checks), hold (one <namespace>/<name>
per line: objects whose mover "takes its time"), clock-offset (seconds added to the stand-ins' clock, to let a night
pass) and writes ("<namespace>/<claim> <files> <token>" per line: an app writing new data into its volume; applied
and emptied on the next pass). The movers run the given restic (0.18.0) against the repositories their Secrets name.
"""
import os
import sys
import threading
import time
import traceback
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from csi import Csi            # noqa: E402
from kube import ApiError, Kube  # noqa: E402
from store import Store        # noqa: E402
from volsync import VolSync    # noqa: E402
from restic_mover import ResticMover  # noqa: E402
from drills import Drills      # noqa: E402
from databases import Databases  # noqa: E402
from restore_checks import RestoreChecks  # noqa: E402
from database_restores import DatabaseRestores  # noqa: E402


def main():
    kubeconfig, state, restic = sys.argv[1:4]
    os.makedirs(state, exist_ok=True)
    events = os.path.join(state, "events.log")

    def log(message):
        with open(events, "a") as f:
            f.write(f"{datetime.now(timezone.utc).isoformat()} {message}\n")

    def read_lines(name):
        try:
            with open(os.path.join(state, name)) as f:
                return [l.strip() for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def clock():
        offset = read_lines("clock-offset")
        return datetime.now(timezone.utc) + timedelta(seconds=float(offset[0]) if offset else 0)

    kube = Kube(kubeconfig)
    store = Store(os.path.join(state, "store.json"))
    csi = Csi(kube, store, log)
    volsync = VolSync(kube, store, log, clock, lambda: set(read_lines("hold")),
                      ResticMover(restic, os.path.join(state, "mounts")))

    def consume(name):   # a control file whose lines are acted on once
        lines = read_lines(name)
        if lines:
            open(os.path.join(state, name), "w").close()
        return lines

    drills = Drills(kube, log, consume, restic, clock, state)
    databases = Databases(kube, log, clock, read_lines, consume)
    # The restore check Jobs (issue 21): their pod logs land in restore-check-logs/<namespace>_<job>.log.
    restore_checks = RestoreChecks(kube, log, restic, os.path.join(state, "restore-check-logs"))
    # Database restores (issue 22): the recovered clusters become ready, their check Jobs run db-drill.sh for real.
    database_restores = DatabaseRestores(kube, log, read_lines, kubeconfig, os.path.join(state, "db-restore-check-logs"))
    drills.db_kubelet = database_restores.drill_kubelet   # "<ns>/<db-drill cronjob> real": the drill script, run for real
    log("standins-started")
    # Informer-like wake-ups: a pass runs when something changed (and at least every 5 s, a resync), so an idle world
    # costs the API server nothing, as with the real controllers.
    changed = threading.Event()
    for kind in ("PersistentVolumeClaim", "PersistentVolume", "VolumeSnapshot", "VolumeSnapshotContent",
                 "ReplicationSource", "ReplicationDestination", "Job", "StorageClass", "VolumeSnapshotClass", "Secret",
                 "ConfigMap", "Cluster", "PostgresCluster", "ScheduledBackup", "ObjectStore", "CronJob"):
        threading.Thread(target=kube.watch_forever, args=(kind, changed), daemon=True).start()
    while True:
        changed.clear()
        for step in (lambda: app_writes(kube, store, state, log), lambda: reconcile(kube, csi, volsync),
                     lambda: volsync.hold_lease(), drills.reconcile, databases.reconcile, restore_checks.reconcile,
                     database_restores.reconcile):
            try:
                step()
            except Exception as e:   # keep playing the controllers whatever one pass hit, as a controller would
                log(f"error {type(e).__name__}: {e}")
                with open(os.path.join(state, "errors.log"), "a") as f:
                    traceback.print_exc(file=f)
        changed.wait(timeout=5)
        time.sleep(0.1)   # let a burst of events settle into one pass


def each(items, fn, log_error):
    for item in items:
        try:
            fn(item)
        except ApiError as e:
            if e.status != 409:   # a conflict is retried on the next pass, as a controller requeues
                log_error(item, e)
        except Exception as e:
            log_error(item, e)


def app_writes(kube, store, state, log):
    path = os.path.join(state, "writes")
    try:
        with open(path) as f:
            lines = [l.split() for l in f if l.strip()]
    except FileNotFoundError:
        return
    if not lines:
        return
    for claim, files, token in lines:
        ns, name = claim.split("/")
        pvc = kube.get("PersistentVolumeClaim", ns, name)
        if pvc and pvc["spec"].get("volumeName"):
            store.write_volume(pvc["spec"]["volumeName"], int(files), token)
            log(f"app-wrote {claim} {token}")
    open(path, "w").close()


def reconcile(kube, csi, volsync):
    classes = {c["metadata"]["name"]: c for c in kube.list("StorageClass")}
    pvcs, pvs = kube.list("PersistentVolumeClaim"), kube.list("PersistentVolume")
    errors = []
    note = lambda item, e: errors.append(f"{item['kind']}/{item['metadata'].get('namespace', '')}/{item['metadata']['name']}: {e}")
    each(pvcs, lambda pvc: csi.provision(pvc, classes, {p["metadata"]["name"] for p in pvs}), note)
    each(pvs, csi.delete_released, note)
    snapshots, contents = kube.list("VolumeSnapshot"), kube.list("VolumeSnapshotContent")
    vs_classes = {c["metadata"]["name"]: c for c in kube.list("VolumeSnapshotClass")}
    contents_by_name = {c["metadata"]["name"]: c for c in contents}
    each(snapshots, lambda vs: csi.delete_snapshot(vs, contents_by_name) if vs["metadata"].get("deletionTimestamp")
         else csi.sync_snapshot(vs, contents_by_name, vs_classes), note)
    each(contents, csi.sync_content, note)
    for kind in ("ReplicationSource", "ReplicationDestination"):
        each(kube.list(kind), lambda o, kind=kind: volsync.reconcile(kind, o), note)
    each(pvcs, lambda pvc: volsync.populate(pvc, classes), note)
    if errors:
        raise RuntimeError("; ".join(errors))


if __name__ == "__main__":
    main()
