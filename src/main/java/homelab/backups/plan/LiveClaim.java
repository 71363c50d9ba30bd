package homelab.backups.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PVC as the cluster reports it, reduced to what the program looks at before it registers anything. Everything
 * else on the live object (volume mode, finalizers, other owners' labels, annotations and managed fields) is left as
 * it is and never compared.
 *
 * @param storage          {@code spec.resources.requests.storage} as the API server stores it
 * @param storageClassName empty when the PVC names no class
 * @param volumeName       the PersistentVolume it is bound to ({@code spec.volumeName})
 * @param terminating      whether {@code metadata.deletionTimestamp} is set
 * @param restoreId        the restore request it was created by (our annotation), if any
 * @param keptVolume       the volume that request kept (our annotation), if any
 * @param labels           its labels (who created it: VolSync, a database operator, Argo CD's instance label)
 * @param annotations      its annotations (Argo CD's tracking id)
 * @param created          {@code metadata.creationTimestamp} as the API server wrote it (since when a claim waits)
 * @param dataSourceRef    {@code spec.dataSourceRef} as {@code apiGroup/kind/name}, when it has one
 */
public record LiveClaim(String namespace, String name, String uid, Optional<String> storage, List<String> accessModes,
                        Optional<String> storageClassName, Optional<String> phase, Optional<String> volumeName,
                        boolean terminating, Optional<String> restoreId, Optional<String> keptVolume,
                        Map<String, String> labels, Map<String, String> annotations, Optional<String> created,
                        Optional<String> dataSourceRef) {
    public LiveClaim {
        accessModes = List.copyOf(accessModes);
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
    }

    /** A claim read without its creation time and data source (tests of checks that look at neither). */
    public LiveClaim(String namespace, String name, String uid, Optional<String> storage, List<String> accessModes,
                     Optional<String> storageClassName, Optional<String> phase, Optional<String> volumeName,
                     boolean terminating, Optional<String> restoreId, Optional<String> keptVolume,
                     Map<String, String> labels, Map<String, String> annotations) {
        this(namespace, name, uid, storage, accessModes, storageClassName, phase, volumeName, terminating, restoreId,
                keptVolume, labels, annotations, Optional.empty(), Optional.empty());
    }

    /** {@code apiGroup/kind/name}, the form {@link #dataSourceRef} is compared in. */
    public static String ref(String apiGroup, String kind, String name) {
        return (apiGroup == null ? "" : apiGroup) + "/" + kind + "/" + name;
    }

    /** Whether it is {@code Pending}: not bound to a volume yet. */
    public boolean pending() {
        return phase.map("Pending"::equals).orElse(false);
    }

    /** {@code namespace/name}. */
    public String key() {
        return namespace + "/" + name;
    }
}
