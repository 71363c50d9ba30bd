package homelab.backups.s3;

import com.pulumi.core.Alias;
import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.core.annotations.Import;
import com.pulumi.core.annotations.ResourceType;
import com.pulumi.resources.CustomResource;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ResourceArgs;
import java.util.List;

/**
 * An S3 bucket ({@code aws:s3/bucketV2:BucketV2}). As the SDK's {@code com.pulumi.aws.s3.BucketV2}: package version
 * {@link S3Provider#VERSION} and the alias from the type it was renamed from ({@code aws:s3/bucket:Bucket}).
 */
@ResourceType(type = "aws:s3/bucketV2:BucketV2")
public final class S3Bucket extends CustomResource {
    @Export(name = "bucket", refs = {String.class}, tree = "[0]")
    private Output<String> bucket;

    public S3Bucket(String name, Args args, CustomResourceOptions options) {
        super("aws:s3/bucketV2:BucketV2", name, args, CustomResourceOptions.merge(CustomResourceOptions.builder()
                .version(S3Provider.VERSION)
                .aliases(List.of(Output.of(Alias.builder().type("aws:s3/bucket:Bucket").build())))
                .build(), options, null), false);
    }

    public Output<String> bucket() {
        return bucket;
    }

    public static final class Args extends ResourceArgs {
        @Import(name = "bucket")
        private final Output<String> bucket;
        @Import(name = "forceDestroy")
        private final Output<Boolean> forceDestroy;

        /** A named bucket that refuses to be destroyed while it holds objects. */
        public static Args keepingItsObjects(String bucket) {
            return new Args(bucket);
        }

        private Args(String bucket) {
            this.bucket = Output.of(bucket);
            this.forceDestroy = Output.of(false);
        }
    }
}
