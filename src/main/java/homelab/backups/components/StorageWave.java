package homelab.backups.components;

import homelab.backups.s3.S3Bucket;
import homelab.backups.s3.S3Provider;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import homelab.backups.config.SecretKey;
import homelab.backups.config.Settings;
import homelab.backups.plan.DatabasePlan;
import homelab.backups.plan.LiveReview;
import homelab.backups.secrets.SecretSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Wave 2: the RustFS buckets through an explicit {@code aws} provider, then each database's native backup
 * configuration ({@link BackedUpDatabase}). Buckets are protected and never force-destroyed; a stack whose buckets
 * already exist turns bucket management off.
 */
public final class StorageWave extends ComponentResource implements Wave {
    public static final String TYPE = "homelab-backups:waves:Storage";

    private final Optional<S3Provider> rustfs;
    private final List<S3Bucket> buckets = new ArrayList<>();
    private final List<BackedUpDatabase> databases = new ArrayList<>();
    private final List<Resource> after;

    /** @param review what the live cluster said (the shape of each cluster a pending restore recovers) */
    public record Args(Settings settings, List<DatabasePlan> databases, LiveReview review, SecretSource secrets,
                       List<Resource> after) {
    }

    public StorageWave(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.after = List.copyOf(args.after());
        var s3 = args.settings().s3();
        if (s3.manageBuckets()) {
            var provider = new S3Provider(name + "-rustfs", rustfsProvider(s3, args.secrets()),
                    CustomResourceOptions.builder().parent(this).dependsOn(after).build());
            this.rustfs = Optional.of(provider);
            for (var bucket : List.of(s3.volsyncBucket(), s3.postgresBucket())) {
                buckets.add(new S3Bucket(name + "-" + bucket, S3Bucket.Args.keepingItsObjects(bucket), CustomResourceOptions.builder()
                        .parent(this)
                        .provider(provider)
                        .protect(true)
                        .retainOnDelete(true)
                        .dependsOn(after)
                        .build()));
            }
        } else {
            this.rustfs = Optional.empty();
        }
        // Database backup configuration needs its bucket (pgBackRest will not create one).
        var bucketsReady = Wave.orElse(new ArrayList<>(buckets), after);
        for (var plan : args.databases()) {
            databases.add(new BackedUpDatabase(plan.id(), new BackedUpDatabase.Args(plan, args.review().recovery(plan.id()),
                    args.settings(), args.secrets(), bucketsReady), ComponentResourceOptions.builder().parent(this).build()));
        }
        registerOutputs(Map.of(
                "databases", Output.of(args.databases().stream().map(DatabasePlan::id).toList()),
                "managedBuckets", Output.of(s3.manageBuckets() ? List.of(s3.volsyncBucket(), s3.postgresBucket()) : List.of()),
                "endpoint", Output.of(s3.url())));
    }

    /** RustFS is S3-compatible but not AWS (see {@link S3Provider.Args#compatibleStore}). */
    static S3Provider.Args rustfsProvider(Settings.S3Settings s3, SecretSource secrets) {
        return S3Provider.Args.compatibleStore(s3.region(), secrets.get(SecretKey.S3_ACCESS_KEY),
                secrets.get(SecretKey.S3_SECRET_KEY), s3.url());
    }

    public Optional<S3Provider> rustfs() {
        return rustfs;
    }

    public List<S3Bucket> buckets() {
        return List.copyOf(buckets);
    }

    public List<BackedUpDatabase> databases() {
        return List.copyOf(databases);
    }

    /** Volumes (wave 4) wait for the buckets; they do not wait for database backups to be configured. */
    @Override
    public List<Resource> ready() {
        return Wave.orElse(new ArrayList<>(buckets), after);
    }
}
