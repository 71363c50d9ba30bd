package homelab.backups.secrets.onepassword;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.resources.InvokeArgs;

/** Arguments of {@code onepassword:index/getItem:getItem}: the vault UUID and the item's title. */
public final class GetItemArgs extends InvokeArgs {
    @Import(name = "vault", required = true)
    private Output<String> vault;
    @Import(name = "title")
    private Output<String> title;

    private GetItemArgs() {
    }

    public static GetItemArgs of(String vaultUuid, String title) {
        var args = new GetItemArgs();
        args.vault = Output.of(vaultUuid);
        args.title = Output.of(title);
        return args;
    }
}
