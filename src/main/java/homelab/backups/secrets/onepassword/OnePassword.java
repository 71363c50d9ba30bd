package homelab.backups.secrets.onepassword;

import com.pulumi.core.Output;
import com.pulumi.core.TypeShape;
import com.pulumi.core.annotations.Import;
import com.pulumi.deployment.Deployment;
import com.pulumi.deployment.InvokeOutputOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ProviderResource;
import com.pulumi.resources.Resource;
import com.pulumi.resources.ResourceArgs;
import java.util.List;
import java.util.Optional;

/**
 * A hand-written binding of the 1Password Pulumi provider, which publishes no Java SDK: its provider resource and
 * the one function this program needs. The plugin itself is declared in
 * {@code src/main/resources/com/pulumi/onepassword/plugin.json}.
 */
public final class OnePassword {
    public static final String PACKAGE = "onepassword";
    public static final String GET_ITEM = "onepassword:index/getItem:getItem";
    public static final String PLUGIN_DOWNLOAD_URL = "github://api.github.com/1Password/pulumi-onepassword";

    private OnePassword() {
    }

    /** Provider configuration; tokens come from OP_CONNECT_TOKEN / OP_SERVICE_ACCOUNT_TOKEN, never from code. */
    public static final class ProviderArgs extends ResourceArgs {
        @Import(name = "url")
        private Output<String> url;

        public static ProviderArgs connect(Optional<String> connectUrl) {
            var args = new ProviderArgs();
            connectUrl.ifPresent(u -> args.url = Output.of(u));
            return args;
        }
    }

    /** The explicit {@code pulumi:providers:onepassword} resource at the given plugin version. */
    public static ProviderResource provider(String name, ProviderArgs args, String version, Resource parent) {
        return new ProviderResource(PACKAGE, name, args, CustomResourceOptions.builder()
                .parent(parent).version(version).pluginDownloadURL(PLUGIN_DOWNLOAD_URL).build());
    }

    /** Reads one item; its field values are returned as secrets. */
    public static Output<GetItemResult> getItem(GetItemArgs args, ProviderResource provider, Resource parent,
                                                String version) {
        var options = new InvokeOutputOptions(parent, provider, version, PLUGIN_DOWNLOAD_URL, List.of());
        return Deployment.getInstance().invoke(GET_ITEM, TypeShape.of(GetItemResult.class), args, options).asSecret();
    }
}
