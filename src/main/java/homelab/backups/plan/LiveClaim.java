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
 */
public record LiveClaim(String namespace, String name, String uid, Optional<String> storage, List<String> accessModes,
                        Optional<String> storageClassName, Optional<String> phase, Optional<String> volumeName,
                        boolean terminating, Optional<String> restoreId, Optional<String> keptVolume,
                        Map<String, String> labels, Map<String, String> annotations) {
    public LiveClaim {
        accessModes = List.copyOf(accessModes);
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
    }

    /** {@code namespace/name}. */
    public String key() {
        return namespace + "/" + name;
    }
}
