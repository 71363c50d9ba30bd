package homelab.backups.config;

import java.util.List;
import java.util.Optional;

/**
 * One application volume of the inventory.
 *
 * @param storageClass the PVC's class as the API server has it; empty for a PVC bound to a static PV
 * @param schedule     a 5-field cron that replaces the staggered slot inside the window
 * @param exclusion    why this volume is listed but not backed up here
 * @param policy       the backup policy it follows ({@link Policy#DEFAULT} when not named)
 */
public record Volume(
        String app,
        String namespace,
        String pvc,
        Quantity capacity,
        List<AccessMode> accessModes,
        String storageClass,
        MoverIdentity mover,
        CopyMethod copyMethod,
        Optional<Cron> schedule,
        Optional<String> exclusion,
        Optional<String> policy) {

    public Volume {
        accessModes = List.copyOf(accessModes);
    }

    /**
     * Bound to a pre-provisioned PV: {@code storageClassName: ""} asks for no class, so nothing provisions or
     * snapshots it (no snapshot class, no populator restore; {@code Direct} is its only copy method).
     */
    public boolean staticPv() {
        return storageClass.isEmpty();
    }

    public boolean excluded() {
        return exclusion.isPresent();
    }
}
