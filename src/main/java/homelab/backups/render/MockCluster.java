package homelab.backups.render;

import homelab.backups.config.AccessMode;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.VolumePlan;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What the mocked engine answers when the program reads a live object ({@code <Type>.get}). The offline render has
 * no cluster, so it assumes every live PVC is what the inventory says, shaped as the live cluster shapes it (bound
 * to a PV, ArgoCD's labels and annotations, field-findings §1); {@code pulumi preview} checks the real ones.
 */
@FunctionalInterface
public interface MockCluster {
    String PVC_TYPE = "kubernetes:core/v1:PersistentVolumeClaim";

    /** The live object's outputs, or empty when it does not exist. */
    Optional<Map<String, Object>> read(String type, String id);

    /** Every inventory PVC exists and agrees with the inventory. */
    static MockCluster asInventory(StackPlan plan) {
        return edited(plan, UnaryOperator.identity());
    }

    /** Every inventory PVC exists; {@code edit} changes some before they are read (to test mismatches). */
    static MockCluster edited(StackPlan plan, UnaryOperator<Map<String, Object>> edit) {
        var claims = new LinkedHashMap<String, Map<String, Object>>();
        for (var v : plan.volumes()) claims.put(v.namespace() + "/" + v.pvc(), edit.apply(liveClaim(v)));
        return (type, id) -> PVC_TYPE.equals(type) ? Optional.ofNullable(claims.get(id)) : Optional.empty();
    }

    /** A bound, ArgoCD-managed PVC as the API server returns it. */
    static Map<String, Object> liveClaim(VolumePlan v) {
        var volumeName = "pvc-" + uuid(v.namespace() + "/" + v.pvc());
        var storage = Map.<String, Object>of("storage", v.capacity().text());
        var modes = v.accessModes().stream().map(AccessMode::apiName).toList();
        var metadata = new LinkedHashMap<String, Object>();
        metadata.put("name", v.pvc());
        metadata.put("namespace", v.namespace());
        metadata.put("uid", uuid("uid:" + v.namespace() + "/" + v.pvc()));
        metadata.put("labels", Map.of("app.kubernetes.io/instance", v.app()));
        metadata.put("annotations", Map.of(
                "argocd.argoproj.io/tracking-id", v.app() + ":/PersistentVolumeClaim:" + v.namespace() + "/" + v.pvc(),
                "pv.kubernetes.io/bind-completed", "yes",
                "pv.kubernetes.io/bound-by-controller", "yes"));
        metadata.put("finalizers", List.of("kubernetes.io/pvc-protection"));
        var spec = new LinkedHashMap<String, Object>();
        spec.put("accessModes", modes);
        spec.put("resources", Map.of("requests", storage));
        spec.put("storageClassName", v.storageClass());
        spec.put("volumeMode", "Filesystem");
        spec.put("volumeName", volumeName);
        var status = Map.<String, Object>of("phase", "Bound", "accessModes", modes, "capacity", storage);
        var claim = new LinkedHashMap<String, Object>();
        claim.put("apiVersion", "v1");
        claim.put("kind", "PersistentVolumeClaim");
        claim.put("metadata", metadata);
        claim.put("spec", spec);
        claim.put("status", status);
        return claim;
    }

    /** A stable UUID-shaped id, so two renders stay byte-identical. */
    private static String uuid(String seed) {
        try {
            var hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(seed.getBytes(StandardCharsets.UTF_8)));
            return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                    + hex.substring(16, 20) + "-" + hex.substring(20, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
