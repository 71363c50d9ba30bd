package homelab.backups.render;

import java.util.List;
import java.util.Map;

/**
 * One Kubernetes object as the stack would apply it, with where it belongs (wave, namespace) and what Pulumi does
 * with it (protect, import, wait-for), so a reviewer sees the safety decisions next to the object.
 *
 * @param patch true for a server-side-apply patch of an object someone else owns
 */
public record RenderedObject(String wave, String namespace, String resourceName, String type,
                             Map<String, Object> object, boolean patch, List<String> notes) {

    public String apiVersion() {
        return String.valueOf(object.get("apiVersion"));
    }

    public String kind() {
        return String.valueOf(object.get("kind"));
    }

    @SuppressWarnings("unchecked")
    public String name() {
        var metadata = (Map<String, Object>) object.get("metadata");
        return metadata == null ? resourceName : String.valueOf(metadata.get("name"));
    }

    /** API groups of built-in kinds whose names have a dot (core, apps, batch have none). */
    static final java.util.Set<String> BUILT_IN_GROUPS = java.util.Set.of("rbac.authorization.k8s.io",
            "networking.k8s.io", "storage.k8s.io", "coordination.k8s.io", "policy", "scheduling.k8s.io",
            "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io", "admissionregistration.k8s.io",
            "apiextensions.k8s.io", "flowcontrol.apiserver.k8s.io");

    /** A custom resource (validated against a CRD) rather than a built-in kind. */
    public boolean custom() {
        var apiVersion = apiVersion();
        return apiVersion.contains(".") && apiVersion.contains("/")
                && !BUILT_IN_GROUPS.contains(apiVersion.substring(0, apiVersion.indexOf('/')));
    }

    /** {@code <wave>/<namespace or _cluster>/<Kind>-<name>.yaml} */
    public String path() {
        return wave + "/" + (namespace.isEmpty() ? "_cluster" : namespace) + "/" + kind() + (patch ? "Patch" : "")
                + "-" + name() + ".yaml";
    }
}
