package homelab.backups.secrets;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import homelab.backups.config.SecretKey;
import java.util.List;
import java.util.function.Function;

/** Credentials from Pulumi config secrets ({@code pulumi config set --secret homelab-backups:s3AccessKey …}). */
public final class ConfigSecretSource implements SecretSource {
    private final Function<String, Output<String>> lookup;

    /** @param lookup reads a config key as a secret, e.g. {@code ctx.config()::requireSecret} */
    public ConfigSecretSource(Function<String, Output<String>> lookup) {
        this.lookup = lookup;
    }

    @Override
    public Output<String> get(SecretKey key) {
        return lookup.apply(key.configKey()).asSecret();
    }

    @Override
    public List<Resource> resources() {
        return List.of();
    }
}
