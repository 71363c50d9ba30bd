package homelab.backups.secrets;

import com.pulumi.core.Output;
import com.pulumi.resources.ProviderResource;
import com.pulumi.resources.Resource;
import homelab.backups.config.SecretKey;
import homelab.backups.config.Settings;
import homelab.backups.runtime.PulumiRuntime;
import homelab.backups.secrets.onepassword.GetItemArgs;
import homelab.backups.secrets.onepassword.GetItemResult;
import homelab.backups.secrets.onepassword.OnePassword;
import java.util.List;

/**
 * Credentials from one 1Password item (by default the one Longhorn's backups used), read once per deployment.
 * Field labels come from settings, so the item can keep its existing field names.
 */
public final class OnePasswordSecretSource implements SecretSource {
    private final Settings.OnePasswordSettings settings;
    private final ProviderResource provider;
    private final Output<GetItemResult> item;

    public OnePasswordSecretSource(String name, Settings.OnePasswordSettings settings, Resource parent) {
        this.settings = settings;
        this.provider = OnePassword.provider(name + "-onepassword",
                OnePassword.ProviderArgs.connect(settings.connectUrl()), settings.providerVersion(), parent);
        this.item = OnePassword.getItem(GetItemArgs.of(settings.vault(), settings.item()), provider, parent,
                settings.providerVersion());
    }

    @Override
    public Output<String> get(SecretKey key) {
        var label = settings.fields().get(key);
        // A missing field is known only once the item is read: the clean stop ends the program there, before the
        // resource that needs the value is registered (an exception thrown here would reach the user wrapped in a
        // serialization error and stack traces).
        return item.apply(i -> i.field(label).map(Output::of).orElseGet(() -> PulumiRuntime.<String>stop(missingField(label, key))))
                .asSecret();
    }

    private String missingField(String label, SecretKey key) {
        return "1Password item '" + settings.item() + "' in vault " + settings.vault() + " has no field labelled '"
                + label + "' (set homelab-backups:secrets.onepassword.fields." + key.configKey() + ")";
    }

    @Override
    public List<Resource> resources() {
        return List.of(provider);
    }
}
