package homelab.backups.config;

import java.util.List;
import java.util.Optional;

/**
 * One application volume of the inventory.
 *
 * @param storageClass empty string for a PVC bound to a static PV
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

    public boolean excluded() {
        return exclusion.isPresent();
    }
}
