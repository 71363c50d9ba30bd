package homelab.backups.components;

import com.pulumi.resources.Resource;
import java.util.List;

/**
 * A wave of the migration, mirroring the cluster's ArgoCD sync waves. Pulumi has no waves, so each wave hands the
 * next one the resources it must wait for; a wave that created nothing passes its predecessor's gate on, so an
 * optional empty wave never breaks the chain (dependencies on empty components are ignored by the engine).
 */
public interface Wave {
    /** The resources the next wave's first resources depend on. */
    List<Resource> ready();

    static List<Resource> orElse(List<Resource> own, List<Resource> previous) {
        return own.isEmpty() ? List.copyOf(previous) : List.copyOf(own);
    }
}
