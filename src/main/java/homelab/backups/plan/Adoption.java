package homelab.backups.plan;

import homelab.backups.config.AccessMode;
import homelab.backups.config.ConfigError;
import homelab.backups.config.Quantity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * Whether a live PVC is the one the inventory describes. The program owns three fields of an adopted PVC — size,
 * access modes and storage class — and checks them against the cluster before anything of wave 4 is registered: a
 * mismatch would otherwise surface as a replace that only protection stops (docs/field-findings.md §1). It owns nothing
 * else, so nothing else is compared.
 */
public final class Adoption {
    private Adoption() {
    }

    /** One error per disagreeing field, each naming the inventory file, the app and the field to fix. */
    public static List<ConfigError> mismatches(String inventoryFile, VolumePlan plan, LiveClaim live) {
        var errors = new ArrayList<ConfigError>();
        var item = "volumes (" + plan.app() + ")";
        var pvc = "the live PVC " + live.namespace() + "/" + live.name();
        if (live.terminating()) {
            errors.add(new ConfigError(inventoryFile, item, "pvc", pvc + " is being deleted (deletionTimestamp is set); "
                    + "adopting it would protect nothing. Find out who deletes it before running up"));
        }
        var storage = live.storage().flatMap(Quantity::parse);
        if (storage.isEmpty()) {
            errors.add(new ConfigError(inventoryFile, item, "capacity", pvc + " requests no readable storage size ("
                    + live.storage().orElse("none") + "); the inventory says " + plan.capacity().text()));
        } else if (!storage.get().bytes().equals(plan.capacity().bytes())) {
            errors.add(new ConfigError(inventoryFile, item, "capacity", pvc + " requests " + storage.get().text()
                    + "; the inventory says " + plan.capacity().text() + ". Write capacity: " + storage.get().text()
                    + " (resize a PVC through its own manifests, never through this program)"));
        }
        var wanted = new TreeSet<>(plan.accessModes().stream().map(AccessMode::apiName).toList());
        var actual = new TreeSet<>(live.accessModes());
        if (!wanted.equals(actual)) {
            errors.add(new ConfigError(inventoryFile, item, "accessModes", pvc + " has accessModes " + actual
                    + "; the inventory says " + wanted + " (a PVC's access modes cannot change)"));
        }
        var liveClass = live.storageClassName().orElse("");
        if (!liveClass.equals(plan.storageClass())) {
            errors.add(new ConfigError(inventoryFile, item, "storageClass", pvc + " has storageClassName \""
                    + liveClass + "\"; the inventory says \"" + plan.storageClass() + "\" (a PVC's class cannot change)"));
        }
        return errors;
    }

    /** The one error the program stops with when the cluster disagrees with the inventory. */
    public static String failure(List<ConfigError> errors) {
        var sorted = new ArrayList<>(errors);
        Collections.sort(sorted);
        var text = new StringBuilder("the live cluster disagrees with the stack (" + sorted.size() + " error"
                + (sorted.size() == 1 ? "" : "s") + "); nothing was registered and no PVC was touched. Adopted PVCs "
                + "are taken as they live: fix the inventory (or the cluster, where the error says so), then preview "
                + "again:");
        for (var e : sorted) text.append("\n  - ").append(e);
        return text.toString();
    }
}
