package homelab.backups.s3;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.core.annotations.ResourceType;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ProviderResource;
import com.pulumi.resources.ResourceArgs;
import java.util.List;
import java.util.Map;

/**
 * An explicit {@code aws} provider ({@code pulumi:providers:aws}) for an S3-compatible endpoint. As the SDK's
 * {@code com.pulumi.aws.Provider}: package version {@link #VERSION}, the credentials marked as secret outputs, and
 * every non-string input sent JSON-encoded (provider configuration is strings: {@code @Import(json = true)}).
 */
@ResourceType(type = "pulumi:providers:aws")
public final class S3Provider extends ProviderResource {
    /** The aws plugin the served SDK names (its {@code com/pulumi/aws/version.txt}); plugin.json says the same. */
    public static final String VERSION = "6.83.0";

    public S3Provider(String name, Args args, CustomResourceOptions options) {
        super("aws", name, args, CustomResourceOptions.merge(CustomResourceOptions.builder()
                .version(VERSION)
                .additionalSecretOutputs(List.of("accessKey", "secretKey", "token"))
                .build(), options, null), false);
    }

    /** The provider inputs the program sets; the names and encodings are ProviderArgs'. */
    public static final class Args extends ResourceArgs {
        @Import(name = "region")
        private final Output<String> region;
        @Import(name = "accessKey")
        private final Output<String> accessKey;
        @Import(name = "secretKey")
        private final Output<String> secretKey;
        @Import(name = "endpoints", json = true)
        private final Output<List<Map<String, String>>> endpoints;
        @Import(name = "s3UsePathStyle", json = true)
        private final Output<Boolean> s3UsePathStyle;
        @Import(name = "skipCredentialsValidation", json = true)
        private final Output<Boolean> skipCredentialsValidation;
        @Import(name = "skipMetadataApiCheck", json = true)
        private final Output<Boolean> skipMetadataApiCheck;
        @Import(name = "skipRegionValidation", json = true)
        private final Output<Boolean> skipRegionValidation;
        @Import(name = "skipRequestingAccountId", json = true)
        private final Output<Boolean> skipRequestingAccountId;

        /**
         * An S3-compatible store that is not AWS: path-style addressing (an IP has no bucket sub-domains) and no
         * credential, account-id, metadata-API or region checks.
         */
        public static Args compatibleStore(String region, Output<String> accessKey, Output<String> secretKey, String s3Url) {
            return new Args(region, accessKey, secretKey, s3Url);
        }

        public Output<String> accessKey() {
            return accessKey;
        }

        public Output<String> secretKey() {
            return secretKey;
        }

        private Args(String region, Output<String> accessKey, Output<String> secretKey, String s3Url) {
            this.region = Output.of(region);
            this.accessKey = accessKey;
            this.secretKey = secretKey;
            this.endpoints = Output.of(List.of(Map.of("s3", s3Url)));
            this.s3UsePathStyle = Output.of(true);
            this.skipCredentialsValidation = Output.of(true);
            this.skipMetadataApiCheck = Output.of(true);
            this.skipRegionValidation = Output.of(true);
            this.skipRequestingAccountId = Output.of(true);
        }
    }
}
