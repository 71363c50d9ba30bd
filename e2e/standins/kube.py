"""A small Kubernetes API client for the stand-in controllers: HTTPS with the kubeconfig's client certificate,
JSON in and out, no dependencies beyond the standard library and PyYAML (already needed to read the kubeconfig).

Every write names a field manager, as the real components' clients do (the API server records the part of the
user agent before '/' otherwise, k8s.io/apiserver pkg/endpoints/handlers/create.go prefixFromUserAgent).
"""
import base64
import http.client
import json
import ssl
import tempfile
import threading
import urllib.parse
from datetime import datetime, timezone

import yaml

# Where each kind lives: (group/version path prefix, plural, namespaced)
KINDS = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Node": ("/api/v1", "nodes", False),
    "Pod": ("/api/v1", "pods", True),
    "Secret": ("/api/v1", "secrets", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "Event": ("/api/v1", "events", True),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims", True),
    "PersistentVolume": ("/api/v1", "persistentvolumes", False),
    "StorageClass": ("/apis/storage.k8s.io/v1", "storageclasses", False),
    "Job": ("/apis/batch/v1", "jobs", True),
    "Role": ("/apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "VolumeSnapshot": ("/apis/snapshot.storage.k8s.io/v1", "volumesnapshots", True),
    "VolumeSnapshotContent": ("/apis/snapshot.storage.k8s.io/v1", "volumesnapshotcontents", False),
    "VolumeSnapshotClass": ("/apis/snapshot.storage.k8s.io/v1", "volumesnapshotclasses", False),
    "ReplicationSource": ("/apis/volsync.backube/v1alpha1", "replicationsources", True),
    "ReplicationDestination": ("/apis/volsync.backube/v1alpha1", "replicationdestinations", True),
    "Cluster": ("/apis/postgresql.cnpg.io/v1", "clusters", True),
    "PostgresCluster": ("/apis/postgres-operator.crunchydata.com/v1beta1", "postgresclusters", True),
    "ScheduledBackup": ("/apis/postgresql.cnpg.io/v1", "scheduledbackups", True),
    "ObjectStore": ("/apis/barmancloud.cnpg.io/v1", "objectstores", True),
    "CronJob": ("/apis/batch/v1", "cronjobs", True),
    "Lease": ("/apis/coordination.k8s.io/v1", "leases", True),
}


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"{status}: {body[:300]}")
        self.status = status
        self.body = body


def now_rfc3339(when=None):
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Kube:
    def __init__(self, kubeconfig_path):
        with open(kubeconfig_path) as f:
            cfg = yaml.safe_load(f)
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        url = urllib.parse.urlparse(cluster["server"])
        self.host, self.port = url.hostname, url.port
        assert self.host == "127.0.0.1", "stand-ins only ever talk to a loopback API server"
        self._dir = tempfile.TemporaryDirectory(prefix="standins-")
        paths = {}
        for key, name in (("certificate-authority-data", "ca"), ("client-certificate-data", "crt"), ("client-key-data", "key")):
            src = cluster if key.startswith("certificate-authority") else user
            paths[name] = f"{self._dir.name}/{name}.pem"
            with open(paths[name], "wb") as out:
                out.write(base64.b64decode(src[key]))
        self.ctx = ssl.create_default_context(cafile=paths["ca"])
        self.ctx.load_cert_chain(paths["crt"], paths["key"])
        self._local = threading.local()

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)
            self._local.conn = conn
        return conn

    def request(self, method, path, body=None, content_type="application/json", query=None):
        if query:
            path += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json", "User-Agent": "homelab-e2e-standins"}
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in range(2):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                text = resp.read().decode()
                break
            except (http.client.HTTPException, OSError):
                self._local.conn = None
                if attempt:
                    raise
        if resp.status >= 300:
            raise ApiError(resp.status, text)
        return json.loads(text) if text else {}

    @staticmethod
    def path(kind, namespace=None, name=None, subresource=None):
        prefix, plural, namespaced = KINDS[kind]
        p = prefix
        if namespaced and namespace:
            p += f"/namespaces/{namespace}"
        p += f"/{plural}"
        if name:
            p += f"/{name}"
        if subresource:
            p += f"/{subresource}"
        return p

    def list(self, kind, namespace=None, labels=None):
        try:
            query = {"labelSelector": labels} if labels else None
            items = self.request("GET", self.path(kind, namespace), query=query).get("items", [])
        except ApiError as e:
            if e.status == 404:   # the CRD is not installed (yet)
                return []
            raise
        # A list's items carry no apiVersion/kind; owner references and events need them.
        prefix = KINDS[kind][0]
        api_version = prefix[len("/api/"):] if prefix.startswith("/api/") else prefix[len("/apis/"):]
        for item in items:
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
        return items


    def watch_forever(self, kind, changed):
        """Sets `changed` on every event of `kind` (a real controller's informer; here only a wake-up, the loop lists
        again). Runs in its own thread with its own connection."""
        import time as _time
        while True:
            try:
                conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=90)
                conn.request("GET", self.path(kind) + "?watch=1&timeoutSeconds=60",
                             headers={"Accept": "application/json", "User-Agent": "homelab-e2e-standins"})
                resp = conn.getresponse()
                if resp.status != 200:
                    resp.read()
                    conn.close()
                    _time.sleep(2)   # the CRD may not exist yet
                    continue
                while resp.readline():
                    changed.set()
                conn.close()
            except (http.client.HTTPException, OSError):
                _time.sleep(1)

    def get(self, kind, namespace, name):
        try:
            return self.request("GET", self.path(kind, namespace, name))
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    def create(self, kind, obj, manager):
        ns = obj["metadata"].get("namespace")
        try:
            return self.request("POST", self.path(kind, ns), obj, query={"fieldManager": manager})
        except ApiError as e:
            if e.status == 409:   # AlreadyExists counts as success, as the real controllers treat it
                return self.get(kind, ns, obj["metadata"]["name"])
            raise

    def update(self, kind, obj, manager, subresource=None):
        m = obj["metadata"]
        return self.request("PUT", self.path(kind, m.get("namespace"), m["name"], subresource), obj,
                            query={"fieldManager": manager})

    def merge_patch(self, kind, namespace, name, patch, manager, subresource=None):
        return self.request("PATCH", self.path(kind, namespace, name, subresource), patch,
                            content_type="application/merge-patch+json", query={"fieldManager": manager})

    def strategic_patch(self, kind, namespace, name, patch, manager):
        return self.request("PATCH", self.path(kind, namespace, name), patch,
                            content_type="application/strategic-merge-patch+json", query={"fieldManager": manager})

    def delete(self, kind, namespace, name, propagation="Background", precondition_rv=None):
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        if precondition_rv:
            body["preconditions"] = {"resourceVersion": precondition_rv}
        try:
            return self.request("DELETE", self.path(kind, namespace, name), body)
        except ApiError as e:
            if e.status in (404, 409):
                return None
            raise

    def event(self, obj, reason, message, component, type_="Normal"):
        """A core/v1 Event on obj, as client-go's event recorder writes it."""
        m = obj["metadata"]
        ns = m.get("namespace") or "default"
        ts = now_rfc3339()
        ev = {"apiVersion": "v1", "kind": "Event",
              "metadata": {"generateName": f"{m['name']}.", "namespace": ns},
              "involvedObject": {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "name": m["name"],
                                 "namespace": m.get("namespace"), "uid": m.get("uid")},
              "reason": reason, "message": message, "type": type_, "source": {"component": component},
              "firstTimestamp": ts, "lastTimestamp": ts, "count": 1}
        try:
            self.request("POST", self.path("Event", ns), ev, query={"fieldManager": component})
        except ApiError:
            pass


def owner_ref(obj, controller=True):
    m = obj["metadata"]
    ref = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": m["name"], "uid": m["uid"]}
    if controller:
        ref.update({"controller": True, "blockOwnerDeletion": True})
    return ref


def labels(obj):
    return obj["metadata"].get("labels") or {}


def annotations(obj):
    return obj["metadata"].get("annotations") or {}


def key(obj):
    m = obj["metadata"]
    return f"{m.get('namespace', '')}/{m['name']}"
