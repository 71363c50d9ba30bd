package homelab.backups.kubernetes;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.kubernetes.meta.v1.outputs.ObjectMeta;
import com.pulumi.resources.CustomResource;
import com.pulumi.resources.CustomResourceOptions;
import java.util.Map;

/**
 * A Kubernetes custom object, registered as {@code kubernetes:<apiVersion>:<Kind>} with the Kubernetes provider.
 * {@link #patch} registers a server-side-apply patch ({@code <Kind>Patch}), which manages only the fields it sets
 * and leaves the rest of the object to its owner.
 */
public class CustomObject extends CustomResource {
    @Export(name = "apiVersion", refs = {String.class}, tree = "[0]")
    private Output<String> apiVersion;
    @Export(name = "kind", refs = {String.class}, tree = "[0]")
    private Output<String> kind;
    @Export(name = "metadata", refs = {ObjectMeta.class}, tree = "[0]")
    private Output<ObjectMeta> metadata;
    @Export(name = "spec", refs = {Map.class, String.class, Object.class}, tree = "[0,1,2]")
    private Output<Map<String, Object>> spec;
    /** What the object's controller reported, as the provider last read it (unknown while it is being changed). */
    @Export(name = "status", refs = {Map.class, String.class, Object.class}, tree = "[0,1,2]")
    private Output<Map<String, Object>> status;

    public CustomObject(String name, CustomObjectArgs args, CustomResourceOptions options) {
        this(name, args, options, "");
    }

    private CustomObject(String name, CustomObjectArgs args, CustomResourceOptions options, String suffix) {
        super("kubernetes:" + args.plainApiVersion() + ":" + args.plainKind() + suffix, name, args, options);
    }

    /** A server-side-apply patch of an object someone else owns. */
    public static CustomObject patch(String name, CustomObjectArgs args, CustomResourceOptions options) {
        return new CustomObject(name, args, options, "Patch");
    }

    public Output<String> apiVersion() {
        return apiVersion;
    }

    public Output<String> kind() {
        return kind;
    }

    public Output<ObjectMeta> metadata() {
        return metadata;
    }

    public Output<Map<String, Object>> spec() {
        return spec;
    }

    public Output<Map<String, Object>> status() {
        return status;
    }
}
