package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import homelab.backups.config.Settings;
import homelab.backups.secrets.ConfigSecretSource;
import homelab.backups.secrets.OnePasswordSecretSource;
import homelab.backups.secrets.SecretSource;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Wave 0: nothing is installed; the credentials are read (from 1Password, or from Pulumi config secrets). */
public final class SecretsWave extends ComponentResource implements Wave {
    public static final String TYPE = "homelab-backups:waves:Secrets";

    private final SecretSource source;

    /**
     * @param configSecrets reads a Pulumi config secret by key; used by the config source
     */
    public record Args(Settings.SecretsSettings settings, Function<String, Output<String>> configSecrets) {
    }

    public SecretsWave(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.source = switch (args.settings().source()) {
            case ONEPASSWORD -> new OnePasswordSecretSource(name, args.settings().onePassword().orElseThrow(() -> new IllegalStateException(
                    "secrets.source is onepassword, but the settings carry no onepassword section")), this);
            case CONFIG -> new ConfigSecretSource(args.configSecrets());
        };
        registerOutputs(Map.of("source", Output.of(args.settings().source().id())));
    }

    public SecretSource source() {
        return source;
    }

    @Override
    public List<Resource> ready() {
        return source.resources();
    }
}
