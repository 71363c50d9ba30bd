#!/usr/bin/env python3
"""Plays the controllers the test API server does not run, the way the real ones would answer:

* VolSync: an un-paused ReplicationDestination whose manual trigger differs from status.lastManualSync gets
  status.lastManualSync = trigger and a latestImage, as after a finished restore. Destinations listed in the hold
  file are left waiting (to interrupt an `up` mid-restore).
* The PV controller: a Pending PVC becomes Bound.

Every status change is logged with a timestamp to the events file, so tests can check ordering.
Usage: fake_controllers.py <kubeconfig> <events file> <hold file>
"""
import json
import subprocess
import sys
import time
from datetime import datetime, timezone

kubeconfig, events_path, hold_path = sys.argv[1:4]


def kubectl(*args, check=True):
    result = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(result.stderr.strip())
    return result.stdout


def log(message):
    with open(events_path, "a") as f:
        f.write(f"{datetime.now(timezone.utc).isoformat()} {message}\n")


def held():
    try:
        with open(hold_path) as f:
            return {line.strip() for line in f if line.strip()}
    except FileNotFoundError:
        return set()


def items(kind):
    try:
        return json.loads(kubectl("get", kind, "-A", "-o", "json"))["items"]
    except (RuntimeError, ValueError):
        return []


def reconcile():
    for rd in items("replicationdestinations.volsync.backube"):
        meta, spec, status = rd["metadata"], rd.get("spec", {}), rd.get("status") or {}
        key = f"{meta['namespace']}/{meta['name']}"
        trigger = (spec.get("trigger") or {}).get("manual")
        if spec.get("paused") or not trigger or status.get("lastManualSync") == trigger or key in held():
            continue
        patch = {"status": {"lastManualSync": trigger, "lastSyncTime": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "latestImage": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot",
                                            "name": f"volsync-{meta['name']}-dst-{trigger}"}}}
        kubectl("patch", "replicationdestination", meta["name"], "-n", meta["namespace"], "--subresource=status",
                "--type=merge", "-p", json.dumps(patch), check=False)
        log(f"rd-synced {key} {trigger}")
    for pvc in items("persistentvolumeclaims"):
        meta = pvc["metadata"]
        if (pvc.get("status") or {}).get("phase") in (None, "Pending") and not meta.get("deletionTimestamp"):
            kubectl("patch", "pvc", meta["name"], "-n", meta["namespace"], "--subresource=status", "--type=merge",
                    "-p", json.dumps({"status": {"phase": "Bound", "accessModes": pvc["spec"].get("accessModes", []),
                                                 "capacity": pvc["spec"]["resources"]["requests"]}}), check=False)
            log(f"pvc-bound {meta['namespace']}/{meta['name']} {meta['uid']}")


if __name__ == "__main__":
    while True:
        try:
            reconcile()
        except Exception as e:  # keep playing the controllers whatever one pass hit
            log(f"error {e}")
        time.sleep(0.5)
