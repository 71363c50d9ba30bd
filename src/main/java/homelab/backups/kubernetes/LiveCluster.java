package homelab.backups.kubernetes;

import homelab.backups.plan.LiveReview;

/**
 * A read-only view of the live cluster, consulted once before anything is registered: the PVCs the program adopts
 * or restores and the pods that use them. {@code pulumi preview} and {@code pulumi up} read the real cluster
 * ({@link Fabric8LiveCluster}); the offline render and the tests answer from the inventory.
 */
public interface LiveCluster extends LiveReview.Lookup, AutoCloseable {
    String RESTORE_ANNOTATION = "homelab-backups/restore-id";
    String KEPT_VOLUME_ANNOTATION = "homelab-backups/kept-volume";

    @Override
    void close();
}
