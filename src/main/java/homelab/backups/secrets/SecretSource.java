package homelab.backups.secrets;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import homelab.backups.config.SecretKey;
import java.util.List;

/**
 * Where credentials come from (wave 0). Every value is a Pulumi secret from the moment it is read, so it stays
 * encrypted in state and redacted in previews, logs and renders.
 */
public interface SecretSource {

    /** The credential for {@code key}, always a secret Output. */
    Output<String> get(SecretKey key);

    /** Resources the source registered (e.g. the 1Password provider); later waves wait for them. */
    List<Resource> resources();
}
