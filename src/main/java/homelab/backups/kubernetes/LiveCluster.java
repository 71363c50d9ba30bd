package homelab.backups.kubernetes;

import homelab.backups.plan.LiveReview;
import homelab.backups.plan.Verification;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only view of the live cluster, consulted once before anything is registered: the PVCs the program adopts
 * or restores and the pods that use them. {@code pulumi preview} and {@code pulumi up} read the real cluster
 * ({@link Fabric8LiveCluster}); the offline render and the tests answer from the inventory.
 */
public interface LiveCluster extends LiveReview.Lookup, Verification.Lookup, AutoCloseable {
    String RESTORE_ANNOTATION = "homelab-backups/restore-id";
    String KEPT_VOLUME_ANNOTATION = "homelab-backups/kept-volume";

    @Override
    Optional<Map<String, Object>> object(String apiVersion, String kind, String namespace, String name);

    /**
     * An offline stand-in (the render) that cannot say what the live cluster's statuses are: gates that need them
     * (the Longhorn retirement) are left to {@code pulumi preview}.
     */
    default boolean offline() {
        return false;
    }

    @Override
    void close();
}
