package homelab.backups.kubernetes;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ResourceArgs;
import java.util.Map;
import java.util.Objects;

/**
 * Inputs of a Kubernetes object the served Java SDK (4.0.0) has no class for: VolSync, CNPG, PGO, snapshot and
 * monitoring kinds. Besides {@code spec}, the few top-level fields of VolumeSnapshotClass are modelled, since the
 * Java serializer only sends annotated fields.
 */
public final class CustomObjectArgs extends ResourceArgs {
    @Import(name = "apiVersion", required = true)
    private Output<String> apiVersion;
    @Import(name = "kind", required = true)
    private Output<String> kind;
    @Import(name = "metadata")
    private Output<ObjectMetaArgs> metadata;
    @Import(name = "spec")
    private Output<Map<String, Object>> spec;
    @Import(name = "driver")
    private Output<String> driver;
    @Import(name = "deletionPolicy")
    private Output<String> deletionPolicy;
    @Import(name = "parameters")
    private Output<Map<String, String>> parameters;

    // Plain copies for the type token; non-annotated fields are not serialized.
    private String plainApiVersion;
    private String plainKind;

    private CustomObjectArgs() {
    }

    public String plainApiVersion() {
        return plainApiVersion;
    }

    public String plainKind() {
        return plainKind;
    }

    public static Builder builder(String apiVersion, String kind) {
        return new Builder(apiVersion, kind);
    }

    public static final class Builder {
        private final CustomObjectArgs args = new CustomObjectArgs();

        private Builder(String apiVersion, String kind) {
            args.plainApiVersion = Objects.requireNonNull(apiVersion);
            args.plainKind = Objects.requireNonNull(kind);
            args.apiVersion = Output.of(apiVersion);
            args.kind = Output.of(kind);
        }

        public Builder metadata(ObjectMetaArgs metadata) {
            args.metadata = Output.of(metadata);
            return this;
        }

        public Builder spec(Map<String, Object> spec) {
            args.spec = Output.of(spec);
            return this;
        }

        public Builder spec(Output<Map<String, Object>> spec) {
            args.spec = spec;
            return this;
        }

        public Builder driver(String driver) {
            args.driver = Output.of(driver);
            return this;
        }

        public Builder deletionPolicy(String deletionPolicy) {
            args.deletionPolicy = Output.of(deletionPolicy);
            return this;
        }

        public Builder parameters(Map<String, String> parameters) {
            args.parameters = Output.of(parameters);
            return this;
        }

        public CustomObjectArgs build() {
            return args;
        }
    }
}
