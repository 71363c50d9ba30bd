"""Stand-ins for the storage components that cannot run here: Longhorn's CSI driver behind the external-provisioner
sidecar, and the snapshot-controller with the csi-snapshotter sidecar. The kube-controller-manager's own PV binder,
PV-protection and PVC-protection controllers are the real ones (e2e/cluster/start.sh); these stand-ins only do what
the real sidecars do around them.

Sources (versions the homelab runs: Longhorn 1.12.1 ships csi-provisioner v5.3.0 and csi-snapshotter v8.6.0,
longhorn/longhorn deploy/longhorn-images.txt; snapshot-controller v8.6.0):
  EP  = kubernetes-csi/external-provisioner v5.3.0
  LIB = sigs.k8s.io/sig-storage-lib-external-provisioner/v11 v11.0.1 (what EP v5.3.0 pins)
  ES  = kubernetes-csi/external-snapshotter v8.6.0
  LHM = longhorn/longhorn-manager v1.12.1
"""
import random
import time
from datetime import datetime, timezone

from kube import annotations, key, labels, now_rfc3339

DRIVER = "driver.longhorn.io"
PROVISIONER = "csi-provisioner"
SNAPSHOTTER = "csi-snapshotter"
SNAPSHOT_CONTROLLER = "snapshot-controller"
PROVISIONER_FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer"
ANN_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
VS_AS_SOURCE = "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection"
VS_BOUND = "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"
VSC_BOUND = "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection"
PVC_AS_SOURCE = "snapshot.storage.kubernetes.io/pvc-as-source-protection"
ANN_BEING_CREATED = "snapshot.storage.kubernetes.io/volumesnapshot-being-created"
ANN_BEING_DELETED = "snapshot.storage.kubernetes.io/volumesnapshot-being-deleted"

_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def quantity_bytes(q):
    q = str(q)
    for suffix in sorted(_UNITS, key=len, reverse=True):
        if q.endswith(suffix):
            return int(float(q[: -len(suffix)]) * _UNITS[suffix])
    return int(float(q))


def binary_si(n):
    """resource.NewQuantity(n, BinarySI) as the API server prints it."""
    for suffix in ("Ti", "Gi", "Mi", "Ki"):
        if n % _UNITS[suffix] == 0:
            return f"{n // _UNITS[suffix]}{suffix}"
    return str(n)


def finalizers(obj):
    return list(obj["metadata"].get("finalizers") or [])


class Csi:
    def __init__(self, kube, store, log):
        self.k, self.store, self.log = kube, store, log
        self.identity = f"{int(time.time() * 1000)}-{random.randint(0, 9999)}-{DRIVER}"

    # ---- external-provisioner + Longhorn CreateVolume -------------------------------------------------------
    def provision(self, pvc, classes, pv_names):
        m, spec = pvc["metadata"], pvc["spec"]
        # LIB controller/controller.go shouldProvision: unbound, the binder's storage-provisioner annotation names
        # this driver (EP pkg/controller/controller.go ShouldProvision), not being deleted.
        if spec.get("volumeName") or m.get("deletionTimestamp"):
            return
        ann = annotations(pvc)
        if (ann.get(ANN_PROVISIONER) or ann.get(ANN_BETA_PROVISIONER)) != DRIVER:
            return
        sc = classes.get(spec.get("storageClassName") or "")
        if not sc or sc.get("provisioner") != DRIVER:
            return
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not ann.get("volume.kubernetes.io/selected-node"):
            return
        name = f"pvc-{m['uid']}"   # LIB getProvisionedVolumeNameForClaim / EP makeVolumeName (prefix pvc, full uid)
        if name in pv_names:       # LIB provisionClaimOperation: the PV exists already
            return
        source = spec.get("dataSource") or spec.get("dataSourceRef")
        content = None
        if source:
            kind = source.get("kind")
            if kind == "VolumeSnapshot" and source.get("apiGroup") == "snapshot.storage.k8s.io":
                content = self.snapshot_source(pvc, source["name"])
                if content is None:
                    return   # EP getSnapshotSource: not bound / not ready yet; retried
            elif kind == "PersistentVolumeClaim" and not source.get("apiGroup"):
                src = self.k.get("PersistentVolumeClaim", m["namespace"], source["name"])
                if not src or src.get("status", {}).get("phase") != "Bound":
                    return   # EP getPVCSource: the clone source must be bound
                content = self.store.volume_dir(src["spec"]["volumeName"])
            else:
                # EP prepareProvision: any other kind is a volume populator's; the provisioner stops for this claim.
                if not ann.get("e2e.standins/populator-noted"):
                    self.k.event(pvc, "Provisioning", "Assuming an external populator will provision the volume", PROVISIONER)
                    self.k.merge_patch("PersistentVolumeClaim", m["namespace"], m["name"],
                                       {"metadata": {"annotations": {"e2e.standins/populator-noted": "yes"}}}, "e2e-standins")
                return
        self.k.event(pvc, "Provisioning", f'External provisioner is provisioning volume for claim "{key(pvc)}"', PROVISIONER)
        request = quantity_bytes(spec["resources"]["requests"]["storage"])
        # LHM util.RoundUpSize: a multiple of 2 MiB, at least 10 MiB.
        size = max(10 * 2**20, -(-request // (2 * 2**20)) * 2 * 2**20)
        params = {k: v for k, v in (sc.get("parameters") or {}).items() if not k.startswith("csi.storage.k8s.io/")}
        attrs = dict(params)
        attrs["storage.kubernetes.io/csiProvisionerIdentity"] = self.identity
        pv = {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {
                "name": name,
                # LIB provisionClaimOperation: provisioned-by; EP Provision: empty deletion-secret annotations
                "annotations": {"pv.kubernetes.io/provisioned-by": DRIVER,
                                "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                                "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""},
                # LIB: added at create time (HonorPVReclaimPolicy is GA and locked in EP v5.3.0)
                "finalizers": [PROVISIONER_FINALIZER],
            },
            "spec": {
                "accessModes": spec.get("accessModes", []),
                "capacity": {"storage": binary_si(size)},
                # ref.GetReference(claim): the binder then binds without writing the PV spec (KCM pv_controller.go bind)
                "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": m["namespace"],
                             "name": m["name"], "uid": m["uid"], "resourceVersion": m["resourceVersion"]},
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "storageClassName": sc["metadata"]["name"],
                "volumeMode": spec.get("volumeMode", "Filesystem"),
                "csi": {"driver": DRIVER, "volumeHandle": name, "fsType": params.get("fsType", "ext4"),
                        "volumeAttributes": attrs},
            },
        }
        if sc.get("mountOptions"):
            pv["spec"]["mountOptions"] = sc["mountOptions"]
        self.k.create("PersistentVolume", pv, PROVISIONER)
        self.store.fill_volume(name, source_dir=content, seed=self.store.seed_for(key(pvc)))
        self.k.event(pvc, "ProvisioningSucceeded", f"Successfully provisioned volume {name}", PROVISIONER)
        self.log(f"pv-provisioned {key(pvc)} {name} from={source['kind'] + '/' + source['name'] if source else '-'}")

    def snapshot_source(self, pvc, snapshot_name):
        """EP getSnapshotSource: the snapshot is bound to a content of this driver and ready to use."""
        vs = self.k.get("VolumeSnapshot", pvc["metadata"]["namespace"], snapshot_name)
        if not vs or vs["metadata"].get("deletionTimestamp"):
            return None
        st = vs.get("status") or {}
        if not st.get("boundVolumeSnapshotContentName") or st.get("readyToUse") is not True:
            return None
        vsc = self.k.get("VolumeSnapshotContent", None, st["boundVolumeSnapshotContentName"])
        if not vsc or vsc["spec"].get("driver") != DRIVER or not (vsc.get("status") or {}).get("snapshotHandle"):
            return None
        return self.store.snapshot_dir(vsc["status"]["snapshotHandle"]) or ""   # "" : a snapshot with no files

    def delete_released(self, pv):
        """LIB shouldDelete / deleteVolumeOperation: a Released PV of this driver with policy Delete is deleted
        (CSI DeleteVolume, then the PV object, then our finalizer); Retain PVs are never touched."""
        m, spec = pv["metadata"], pv["spec"]
        if annotations(pv).get("pv.kubernetes.io/provisioned-by") != DRIVER:
            return
        if (pv.get("status") or {}).get("phase") != "Released" or spec.get("persistentVolumeReclaimPolicy") != "Delete":
            return
        if m.get("deletionTimestamp") and PROVISIONER_FINALIZER not in finalizers(pv):
            return
        self.store.drop_volume(m["name"])
        self.k.delete("PersistentVolume", None, m["name"])
        fresh = self.k.get("PersistentVolume", None, m["name"])
        if fresh and PROVISIONER_FINALIZER in finalizers(fresh):
            fresh["metadata"]["finalizers"] = [f for f in finalizers(fresh) if f != PROVISIONER_FINALIZER]
            self.k.update("PersistentVolume", fresh, PROVISIONER)
        self.log(f"pv-deleted {m['name']}")

    # ---- snapshot-controller (common controller) + csi-snapshotter (sidecar) --------------------------------
    def sync_snapshot(self, vs, contents, classes):
        m, spec = vs["metadata"], vs["spec"]
        ns = m["namespace"]
        pvc_name = (spec.get("source") or {}).get("persistentVolumeClaimName")
        if not pvc_name:
            return   # pre-provisioned snapshots are not used here
        fins = finalizers(vs)
        # ES common-controller checkandAddSnapshotFinalizers: as-source protection on every live snapshot
        if VS_AS_SOURCE not in fins:
            vs["metadata"]["finalizers"] = fins + [VS_AS_SOURCE]
            vs = self.k.update("VolumeSnapshot", vs, SNAPSHOT_CONTROLLER)
        status = vs.get("status") or {}
        content_name = f"snapcontent-{m['uid']}"   # ES utils GetDynamicSnapshotContentNameForSnapshot
        if not status.get("boundVolumeSnapshotContentName"):
            cls = classes.get(spec.get("volumeSnapshotClassName") or "")
            if not cls:
                return
            pvc = self.k.get("PersistentVolumeClaim", ns, pvc_name)
            # ES getVolumeFromVolumeSnapshot: the source PVC must be Bound to a CSI PV
            if not pvc or (pvc.get("status") or {}).get("phase") != "Bound":
                return
            pv = self.k.get("PersistentVolume", None, pvc["spec"]["volumeName"])
            if not pv or "csi" not in pv["spec"]:
                return
            # ES ensurePVCFinalizer: the source PVC is protected while the snapshot is not ready
            if PVC_AS_SOURCE not in finalizers(pvc) and not pvc["metadata"].get("deletionTimestamp"):
                pvc["metadata"]["finalizers"] = finalizers(pvc) + [PVC_AS_SOURCE]
                self.k.update("PersistentVolumeClaim", pvc, SNAPSHOT_CONTROLLER)
            vsc = {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
                   "metadata": {"name": content_name},
                   "spec": {"volumeSnapshotRef": {"kind": "VolumeSnapshot", "apiVersion": "snapshot.storage.k8s.io/v1",
                                                  "namespace": ns, "name": m["name"], "uid": m["uid"],
                                                  "resourceVersion": m["resourceVersion"]},
                            "source": {"volumeHandle": pv["spec"]["csi"]["volumeHandle"]},
                            "volumeSnapshotClassName": cls["metadata"]["name"],
                            "deletionPolicy": cls.get("deletionPolicy", "Delete"),
                            "driver": cls["driver"],
                            "sourceVolumeMode": pv["spec"].get("volumeMode", "Filesystem")}}
            self.k.create("VolumeSnapshotContent", vsc, SNAPSHOT_CONTROLLER)
            self.k.event(vs, "CreatingSnapshot", "Waiting for a snapshot " + key(vs) + " to be created by the CSI driver.",
                         SNAPSHOT_CONTROLLER)
            self.k.merge_patch("VolumeSnapshot", ns, m["name"],
                               {"status": {"boundVolumeSnapshotContentName": content_name, "readyToUse": False}},
                               SNAPSHOT_CONTROLLER, subresource="status")
            self.log(f"snapshot-bound {key(vs)} {content_name}")
            return
        vsc = contents.get(status["boundVolumeSnapshotContentName"])
        if not vsc:
            return
        cst = vsc.get("status") or {}
        # ES NeedToAddSnapshotBoundFinalizer: bound protection once bound to a Delete content
        if vsc["spec"].get("deletionPolicy") == "Delete" and VS_BOUND not in finalizers(vs):
            vs["metadata"]["finalizers"] = finalizers(vs) + [VS_BOUND]
            vs = self.k.update("VolumeSnapshot", vs, SNAPSHOT_CONTROLLER)
        if cst.get("readyToUse") and not status.get("readyToUse"):
            # ES bindandUpdateVolumeSnapshot: the content's status is copied onto the snapshot
            created = datetime.fromtimestamp(cst["creationTime"] / 1e9, timezone.utc)
            self.k.merge_patch("VolumeSnapshot", ns, m["name"], {"status": {
                "boundVolumeSnapshotContentName": vsc["metadata"]["name"], "readyToUse": True,
                "creationTime": now_rfc3339(created), "restoreSize": binary_si(cst.get("restoreSize", 0))}},
                SNAPSHOT_CONTROLLER, subresource="status")
            self.k.event(vs, "SnapshotReady", f"Snapshot {key(vs)} is ready to use.", SNAPSHOT_CONTROLLER)
            # ES checkandRemovePVCFinalizer: no unready snapshot of the PVC is left
            pvc = self.k.get("PersistentVolumeClaim", ns, pvc_name)
            if pvc and PVC_AS_SOURCE in finalizers(pvc):
                others = [s for s in self.k.list("VolumeSnapshot", ns)
                          if (s["spec"].get("source") or {}).get("persistentVolumeClaimName") == pvc_name
                          and s["metadata"]["uid"] != m["uid"] and not (s.get("status") or {}).get("readyToUse")]
                if not others:
                    pvc["metadata"]["finalizers"] = [f for f in finalizers(pvc) if f != PVC_AS_SOURCE]
                    self.k.update("PersistentVolumeClaim", pvc, SNAPSHOT_CONTROLLER)
            self.log(f"snapshot-ready {key(vs)}")

    def sync_content(self, vsc):
        m, spec = vsc["metadata"], vsc["spec"]
        if spec.get("driver") != DRIVER:
            return
        ref = spec.get("volumeSnapshotRef") or {}
        if ref.get("uid") and VSC_BOUND not in finalizers(vsc) and not m.get("deletionTimestamp"):
            vsc["metadata"]["finalizers"] = finalizers(vsc) + [VSC_BOUND]   # ES common syncContent
            vsc = self.k.update("VolumeSnapshotContent", vsc, SNAPSHOT_CONTROLLER)
            m = vsc["metadata"]
        if m.get("deletionTimestamp"):
            # ES sidecar shouldDelete: CSI DeleteSnapshot, clear the status, drop the content's finalizer
            if ANN_BEING_DELETED in annotations(vsc) or spec.get("deletionPolicy") == "Retain":
                handle = (vsc.get("status") or {}).get("snapshotHandle")
                if handle and spec.get("deletionPolicy") == "Delete":
                    self.store.drop_snapshot(handle)
                vsc["metadata"]["finalizers"] = [f for f in finalizers(vsc) if f != VSC_BOUND]
                self.k.update("VolumeSnapshotContent", vsc, SNAPSHOTTER)
            return
        if vsc.get("status") or not (spec.get("source") or {}).get("volumeHandle"):
            return
        # ES sidecar createSnapshotWrapper: the CSI snapshot of the volume, then the content's status.
        handle = f"snap://{spec['source']['volumeHandle']}/snapshot-{ref.get('uid', '')}"   # LHM encodeSnapshotID (type snap)
        self.store.cut_snapshot(handle, spec["source"]["volumeHandle"])
        pv = self.k.get("PersistentVolume", None, spec["source"]["volumeHandle"])
        size = quantity_bytes(pv["spec"]["capacity"]["storage"]) if pv else 0
        self.k.merge_patch("VolumeSnapshotContent", None, m["name"], {"status": {
            "snapshotHandle": handle, "readyToUse": True, "creationTime": time.time_ns(), "restoreSize": size}},
            SNAPSHOTTER, subresource="status")

    def delete_snapshot(self, vs, contents):
        """ES processSnapshotWithDeletionTimestamp: blocked while a Pending PVC is restored from it; then the content
        is deleted and the snapshot's finalizers come off once the content is gone."""
        m = vs["metadata"]
        ns = m["namespace"]
        for pvc in self.k.list("PersistentVolumeClaim", ns):
            src = pvc["spec"].get("dataSource") or {}
            if src.get("kind") == "VolumeSnapshot" and src.get("name") == m["name"] \
                    and (pvc.get("status") or {}).get("phase") == "Pending":
                return
        content_name = (vs.get("status") or {}).get("boundVolumeSnapshotContentName")
        vsc = contents.get(content_name) if content_name else None
        if vsc and not vsc["metadata"].get("deletionTimestamp") and vsc["spec"].get("deletionPolicy") == "Delete":
            self.k.merge_patch("VolumeSnapshotContent", None, content_name,
                               {"metadata": {"annotations": {ANN_BEING_DELETED: "yes"}}}, SNAPSHOT_CONTROLLER)
            self.k.delete("VolumeSnapshotContent", None, content_name)
        fins = [f for f in finalizers(vs) if f != VS_AS_SOURCE]
        if not vsc or vsc["spec"].get("deletionPolicy") == "Retain":
            fins = [f for f in fins if f != VS_BOUND]
        if fins != finalizers(vs):
            vs["metadata"]["finalizers"] = fins
            self.k.update("VolumeSnapshot", vs, SNAPSHOT_CONTROLLER)
