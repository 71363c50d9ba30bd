package homelab.backups.plan;

import java.util.List;
import java.util.Optional;

/**
 * A PVC as the cluster reports it, reduced to what adoption checks. Everything else on the live object (volume name,
 * volume mode, finalizers, other owners' labels, annotations and managed fields) is left as it is.
 *
 * @param storage          {@code spec.resources.requests.storage} as the API server stores it
 * @param storageClassName empty when the PVC names no class
 * @param volumeName       the PersistentVolume it is bound to ({@code spec.volumeName})
 * @param terminating      whether {@code metadata.deletionTimestamp} is set
 */
public record LiveClaim(String namespace, String name, Optional<String> storage, List<String> accessModes,
                        Optional<String> storageClassName, Optional<String> phase, Optional<String> volumeName,
                        boolean terminating) {
    public LiveClaim {
        accessModes = List.copyOf(accessModes);
    }
}
