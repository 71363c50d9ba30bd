#!/usr/bin/env python3
"""Prints what the apps' world looks like, to compare before and after an operation:

  fingerprint.py <kubeconfig> <namespace>... > snapshot.json
  fingerprint.py --diff before.json after.json [--only REGEX] [--except REGEX]
                                                   (exit 1 and list the differences when they differ)

For every object in the given namespaces (pods, claims, secrets, config maps, database clusters, Longhorn's backup
objects) and every PersistentVolume: its uid and a hash of its labels, annotations and spec. VolSync's own claims
(labelled app.kubernetes.io/created-by=volsync: mover caches, destinations, temporary copies, populator primes) and
their volumes are left out: they come and go with VolSync's objects; so are the restore drills' script ConfigMaps and
pods (labelled homelab-backups/drill, homelab-backups/db-drill for the database drills), which come and go with the
program's drill CronJobs, and the restore checks' pods and ConfigMaps (homelab-backups/restore-check,
homelab-backups/db-restore-check), which go with their Jobs, and the CNPG Backup pruning's script ConfigMaps
(homelab-backups/backup-prune), which go with their CronJobs. Status, resourceVersion,
managed fields and finalizers are left out: controllers write those all the time (the snapshot controller puts
pvc-as-source-protection on a claim while a snapshot of it is cut, external-snapshotter common-controller
ensurePVCFinalizer).
"""
import hashlib
import json
import re
import subprocess
import sys

KINDS = ["pods", "persistentvolumeclaims", "secrets", "configmaps", "clusters.postgresql.cnpg.io",
         "postgresclusters.postgres-operator.crunchydata.com", "backuptargets.longhorn.io", "recurringjobs.longhorn.io"]


def digest(obj):
    m = obj["metadata"]
    body = {"labels": m.get("labels"), "annotations": m.get("annotations"), "spec": obj.get("spec"),
            "data": obj.get("data")}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def volsyncs(obj):
    labels = obj["metadata"].get("labels") or {}
    return (labels.get("app.kubernetes.io/created-by") == "volsync"
            or any(k in labels for k in ("homelab-backups/drill", "homelab-backups/db-drill", "homelab-backups/restore-check",
                                         "homelab-backups/db-restore-check", "homelab-backups/backup-prune")))


def snapshot(kubeconfig, namespaces):
    out = {}
    for ns in namespaces:
        for kind in KINDS:
            r = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", kind, "-n", ns, "-o", "json"],
                               capture_output=True, text=True)
            if r.returncode:
                continue
            for o in json.loads(r.stdout)["items"]:
                if o["metadata"]["name"] == "kube-root-ca.crt" or volsyncs(o):
                    continue
                out[f"{kind}/{ns}/{o['metadata']['name']}"] = f"{o['metadata']['uid']} {digest(o)}"
    r = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", "pv", "-o", "json"], capture_output=True, text=True)
    for o in json.loads(r.stdout)["items"]:
        claim = (o["spec"].get("claimRef") or {})
        if claim.get("name", "").startswith(("volsync-", "vs-prime-")):   # VolSync's names (mover.go, populator)
            continue
        out[f"pv/{o['metadata']['name']}"] = (f"{o['metadata']['uid']} {claim.get('namespace')}/{claim.get('name')} "
                                              f"{claim.get('uid')} {o['spec'].get('persistentVolumeReclaimPolicy')} "
                                              f"{(o.get('status') or {}).get('phase')}")
    return out


def main():
    if sys.argv[1] == "--diff":
        a, b = (json.load(open(p)) for p in sys.argv[2:4])
        opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
        only, skip = re.compile(opts.get("--only", "")), re.compile(opts["--except"]) if "--except" in opts else None
        diffs = [f"{k}: {a.get(k)} -> {b.get(k)}" for k in sorted(set(a) | set(b))
                 if a.get(k) != b.get(k) and only.search(k) and not (skip and skip.search(k))]
        for d in diffs:
            print(d)
        sys.exit(1 if diffs else 0)
    json.dump(snapshot(sys.argv[1], sys.argv[2:]), sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
