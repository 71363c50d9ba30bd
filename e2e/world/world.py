#!/usr/bin/env python3
"""Builds the world a migration meets, from a stack's inventory: what ArgoCD, Longhorn and the apps' controllers had
created before homelab-backups ran, shaped like the live cluster (docs/field-findings.md §1; /tmp research is summarised in
homelab.yaml, which cites the homelab repository for every fact).

  world.py <kubeconfig> <inventory.yaml> <stand-in state dir> [--apply csa|ssa] [--prefix P] [--out-inventory F]

--apply csa  ArgoCD's default: kubectl client-side apply with field manager argocd-controller, which writes
             kubectl.kubernetes.io/last-applied-configuration (argo-cd gitops-engine pkg/utils/kube/resource_ops.go
             newApplyOptions; controller/sync.go WithServerSideApplyManager(common.ArgoCDSSAManager)).
--apply ssa  Application syncOption ServerSideApply=true: server-side apply, force, same field manager (the homelab's
             setting: infrastructure/controllers/argocd/root.yaml and apps/appsets/*-appset.yaml).
Either way every object carries Argo CD's tracking for resourceTrackingMethod annotation+label (the homelab's
infrastructure/controllers/argocd/values.yaml): annotation argocd.argoproj.io/tracking-id
<app>:<group>/<Kind>:<namespace>/<name> (argo-cd util/argo/resource_tracking.go BuildAppInstanceValue) and label
app.kubernetes.io/instance.
--prefix     prefixes every namespace (a second copy of the world in the same cluster) and writes the matching
             inventory to --out-inventory.

PVCs are created unbound, as in Git; the real PV binder and the CSI stand-in bind them. An inventory entry whose app
is not deployed (homelab.yaml `deployed: false`) gets no PVC: it does not exist in the live cluster either. Each
workload that mounts claims gets one Pod, already scheduled (spec.nodeName), so the PVC-protection controller sees
its claims in use (k8s pvc_protection_controller.go podUsesPVC counts only pods with a node). What each app "wrote"
into its volume is recorded in <state dir>/seeds.json for the CSI stand-in.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = "talos-worker-01"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kubeconfig")
    ap.add_argument("inventory")
    ap.add_argument("state")
    ap.add_argument("--apply", choices=["csa", "ssa"], default="csa")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--out-inventory")
    ap.add_argument("--skip-platform", action="store_true", help="the node, class and Longhorn exist already")
    a = ap.parse_args()

    with open(a.inventory) as f:
        inventory = yaml.safe_load(f)
    with open(os.path.join(HERE, "homelab.yaml")) as f:
        facts = yaml.safe_load(f)
    apps = {v["app"]: v for v in facts.get("volumes", [])}
    dbs = {d["name"]: d for d in facts.get("databases", [])}
    ns = lambda n: a.prefix + n

    def kubectl(*args, stdin=None, tolerate=None):
        r = subprocess.run(["kubectl", "--kubeconfig", a.kubeconfig, *args], input=stdin, capture_output=True, text=True)
        if r.returncode and not (tolerate and all(tolerate in line for line in r.stderr.strip().splitlines())):
            sys.exit(f"world: kubectl {' '.join(args[:3])} failed: {r.stderr.strip()}")
        return r.stdout

    def argo_apply(objects):
        if not objects:
            return
        docs = yaml.safe_dump_all(objects, sort_keys=False)
        if a.apply == "csa":
            kubectl("apply", "--field-manager=argocd-controller", "-f", "-", stdin=docs)
        else:
            kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=argocd-controller", "-f", "-", stdin=docs)

    def tracked(obj, argo_app, group=""):
        m = obj["metadata"]
        m.setdefault("labels", {})["app.kubernetes.io/instance"] = argo_app
        m.setdefault("annotations", {})["argocd.argoproj.io/tracking-id"] = \
            f"{argo_app}:{group}/{obj['kind']}:{m.get('namespace', '')}/{m['name']}"
        return obj

    def controller_create(objects, manager):
        """What other controllers create (Longhorn's manager, a ReplicaSet's pods): plain creates, no Argo tracking."""
        kubectl("create", f"--field-manager={manager}", "-f", "-", stdin=yaml.safe_dump_all(objects, sort_keys=False),
                tolerate="AlreadyExists")

    # ---- the platform: a node, Longhorn's class and backup target ---------------------------------------------
    lh = facts["longhorn"]
    if not a.skip_platform:
        controller_create([{"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE, "labels": {
            "kubernetes.io/hostname": NODE, "kubernetes.io/os": "linux"}}}], "kubelet")
        # The longhorn class is made by longhorn-manager from the chart's longhorn-storageclass ConfigMap, not by Argo.
        controller_create([lh["storageClass"]], "longhorn-manager")
        argo_apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "longhorn-system"}}])
        # kube-prometheus-stack's namespace (monitoring/prometheus-stack/kustomization.yaml): the alert rules go there.
        argo_apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prometheus-stack"}}])
        argo_apply([tracked(o, "longhorn", o.get("apiVersion", "").split("/")[0] if "/" in o.get("apiVersion", "") else "")
                    for o in lh.get("objects", [])])

    # ---- namespaces, static PVs, claims, the pods that use them -----------------------------------------------
    volumes = inventory.get("volumes", [])
    namespaces = sorted({ns(v["namespace"]) for v in volumes} | {ns(d["namespace"]) for d in inventory.get("databases", [])})
    argo_apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in namespaces])
    seeds, claims, static_pvs = {}, [], []
    workloads = {}
    for i, v in enumerate(volumes):
        fact = apps.get(v["app"], {})
        if fact.get("deployed") is False:
            continue
        argo_app = fact.get("argoApp") or v["app"]
        claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                 "metadata": {"name": v["pvc"], "namespace": ns(v["namespace"])},
                 "spec": {"accessModes": [mode(m) for m in v["accessModes"]],
                          "resources": {"requests": {"storage": v["capacity"]}},
                          "storageClassName": v["storageClass"]}}
        if fact.get("pvcLabels"):
            claim["metadata"]["labels"] = dict(fact["pvcLabels"])
        if fact.get("pvcAnnotations"):
            claim["metadata"]["annotations"] = dict(fact["pvcAnnotations"])
        if v["storageClass"] == "":
            pv = static_pv(v, fact, a.prefix)
            claim["spec"]["volumeName"] = pv["metadata"]["name"]
            static_pvs.append(tracked(pv, argo_app))
        claims.append(tracked(claim, argo_app))
        seeds[f"{ns(v['namespace'])}/{v['pvc']}"] = {"files": 100 + i, "token": f"{v['app']}@world"}
        if fact.get("workload"):
            workloads.setdefault((ns(v["namespace"]), fact["workload"]), []).append((v, fact))
    pods = [pod(namespace, name, mounts) for (namespace, name), mounts in sorted(workloads.items())]
    for pv in static_pvs:   # a static PV's data exists already, on its share
        seeds[f"pv:{pv['metadata']['name']}"] = {"files": 7, "token": f"{pv['metadata']['name']}@share"}
    seeds_file = os.path.join(a.state, "seeds.json")
    known = json.load(open(seeds_file)) if os.path.exists(seeds_file) else {}
    known.update(seeds)
    with open(seeds_file + ".tmp", "w") as f:
        json.dump(dict(sorted(known.items())), f, indent=1)
    os.replace(seeds_file + ".tmp", seeds_file)
    if static_pvs:
        argo_apply(static_pvs)
    argo_apply(claims)
    controller_create(pods, "kube-controller-manager")

    # ---- the database clusters, as their apps' Argo applications define them ----------------------------------
    clusters = []
    for d in inventory.get("databases", []):
        fact = dbs.get(d["name"], {})
        manifest = json.loads(json.dumps(fact.get("manifest") or default_cluster(d)))
        manifest["metadata"]["namespace"] = ns(d["namespace"])
        clusters.append(tracked(manifest, fact.get("argoApp") or d["name"], manifest["apiVersion"].split("/")[0]))
    if clusters:
        argo_apply(clusters)

    # ---- wait until every claim is bound, as it is in the live cluster -----------------------------------------
    deadline = time.time() + 120
    while True:
        phases = json.loads(kubectl("get", "pvc", "-A", "-o", "json"))["items"]
        ours = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p.get("status", {}).get("phase") for p in phases}
        pending = [k for k in seeds if not k.startswith("pv:") and ours.get(k) != "Bound"]
        if not pending:
            break
        if time.time() > deadline:
            sys.exit(f"world: claims not bound after 120 s: {pending}")
        time.sleep(0.5)

    if a.out_inventory:
        out = json.loads(json.dumps(inventory))
        for item in out.get("volumes", []) + out.get("databases", []):
            item["namespace"] = ns(item["namespace"])
        with open(a.out_inventory, "w") as f:
            yaml.safe_dump(out, f, sort_keys=False)
    print(f"world: {len(claims)} claims bound, {len(pods)} pods using them, {len(clusters)} database clusters "
          f"({a.apply}, prefix '{a.prefix}')")


def mode(m):
    return {"RWO": "ReadWriteOnce", "RWX": "ReadWriteMany", "ROX": "ReadOnlyMany", "RWOP": "ReadWriteOncePod"}.get(m, m)


def static_pv(v, fact, prefix):
    pv = json.loads(json.dumps(fact.get("staticPV") or {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": v["pvc"]},
        "spec": {"capacity": {"storage": v["capacity"]}, "accessModes": [mode(m) for m in v["accessModes"]],
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                 "csi": {"driver": "smb.csi.k8s.io", "volumeHandle": v["pvc"]}}}))
    pv["metadata"]["name"] = prefix + pv["metadata"]["name"]
    return pv


def pod(namespace, name, mounts):
    """The running pod of a workload, mounting each claim it uses, with the workload's security context."""
    fact = mounts[0][1]
    sc = {k: fact[k] for k in ("runAsUser", "runAsGroup", "fsGroup") if fact.get(k) is not None}
    volume_mounts = [{"name": f"v{i}", "mountPath": f.get("mountPath", "/data")} for i, (_, f) in enumerate(mounts)]
    volumes = [{"name": f"v{i}", "persistentVolumeClaim": {"claimName": v["pvc"]}} for i, (v, _) in enumerate(mounts)]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{name}-0", "namespace": namespace, "labels": {"app": name}},
            "spec": {"nodeName": NODE, "securityContext": sc,
                     "containers": [{"name": "app", "image": fact.get("image", "registry.invalid/app:pinned"),
                                     "volumeMounts": volume_mounts}],
                     "volumes": volumes}}


def default_cluster(d):
    if d["engine"] == "cnpg":
        return {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": d["name"]},
                "spec": {"instances": 1, "storage": {"size": d.get("storage", "10Gi")}}}
    return {"apiVersion": "postgres-operator.crunchydata.com/v1beta1", "kind": "PostgresCluster",
            "metadata": {"name": d["name"]},
            "spec": {"postgresVersion": d.get("postgresVersion", 17),
                     "instances": [{"name": "instance1", "replicas": 1, "dataVolumeClaimSpec": {
                         "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": d.get("storage", "10Gi")}}}}]}}


if __name__ == "__main__":
    main()
