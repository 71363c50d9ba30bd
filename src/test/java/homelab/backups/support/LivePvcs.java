package homelab.backups.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PVCs shaped as the live cluster serves them (docs/field-findings.md §1): bound to a PV, the binder's annotations and the
 * pvc-protection finalizer; an Argo CD application's carry its tracking annotation and instance label (annotation+label,
 * the homelab's tracking method: e2e/world/homelab.yaml), a controller's carry its own labels and an owner reference.
 */
public final class LivePvcs {
    private LivePvcs() {
    }

    /** An app's PVC from Git, as Argo CD applied it: {@code argoApp} tracks it. */
    public static Map<String, Object> argoTracked(String namespace, String name, String argoApp, String size, Map<String, String> labels) {
        var all = new LinkedHashMap<String, String>(labels);
        all.put("app.kubernetes.io/instance", argoApp);
        var annotations = new LinkedHashMap<String, String>();
        annotations.put("argocd.argoproj.io/tracking-id", argoApp + ":/PersistentVolumeClaim:" + namespace + "/" + name);
        annotations.put("pv.kubernetes.io/bind-completed", "yes");
        annotations.put("pv.kubernetes.io/bound-by-controller", "yes");
        annotations.put("volume.kubernetes.io/storage-provisioner", "driver.longhorn.io");
        return bound(namespace, name, size, all, annotations, List.of());
    }

    /** A PVC another controller created (VolSync, a database operator), owned by its object. */
    public static Map<String, Object> controllerMade(String namespace, String name, String size, Map<String, String> labels,
                                                     String ownerKind, String ownerName) {
        var annotations = new LinkedHashMap<String, String>();
        annotations.put("pv.kubernetes.io/bind-completed", "yes");
        annotations.put("volume.kubernetes.io/storage-provisioner", "driver.longhorn.io");
        return bound(namespace, name, size, labels, annotations,
                List.of(Map.of("kind", ownerKind, "name", ownerName, "controller", true, "uid", "0f6c" + ownerName.hashCode())));
    }

    static Map<String, Object> bound(String namespace, String name, String size, Map<String, String> labels,
                                     Map<String, String> annotations, List<Map<String, Object>> owners) {
        var meta = new LinkedHashMap<String, Object>();
        meta.put("name", name);
        meta.put("namespace", namespace);
        meta.put("uid", "b1d2c3e4-" + Integer.toHexString((namespace + "/" + name).hashCode()));
        meta.put("labels", Map.copyOf(labels));
        meta.put("annotations", Map.copyOf(annotations));
        meta.put("finalizers", List.of("kubernetes.io/pvc-protection"));
        if (!owners.isEmpty()) meta.put("ownerReferences", owners);
        var storage = Map.<String, Object>of("storage", size);
        var spec = new LinkedHashMap<String, Object>();
        spec.put("accessModes", List.of("ReadWriteOnce"));
        spec.put("resources", Map.of("requests", storage));
        spec.put("storageClassName", "longhorn");
        spec.put("volumeMode", "Filesystem");
        spec.put("volumeName", "pvc-" + Integer.toHexString(name.hashCode()));
        var claim = new LinkedHashMap<String, Object>();
        claim.put("apiVersion", "v1");
        claim.put("kind", "PersistentVolumeClaim");
        claim.put("metadata", meta);
        claim.put("spec", spec);
        claim.put("status", Map.of("phase", "Bound", "accessModes", List.of("ReadWriteOnce"), "capacity", storage));
        return claim;
    }
}
