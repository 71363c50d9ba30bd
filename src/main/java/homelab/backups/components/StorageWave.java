package homelab.backups.components;

import com.pulumi.aws.Provider;
import com.pulumi.aws.ProviderArgs;
import com.pulumi.aws.inputs.ProviderEndpointArgs;
import com.pulumi.aws.s3.BucketV2;
import com.pulumi.aws.s3.BucketV2Args;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import homelab.backups.config.S3Target;
import homelab.backups.config.Settings;
import homelab.backups.plan.DatabasePlan;
import homelab.backups.plan.LiveReview;
import homelab.backups.secrets.SecretSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Wave 2: each target's buckets through an explicit {@code aws} provider per target, then each database's native
 * backup configuration ({@link BackedUpDatabase}). Buckets are protected and never force-destroyed; a target whose
 * buckets already exist turns bucket management off.
 */
public final class StorageWave extends ComponentResource implements Wave {
    public static final String TYPE = "homelab-backups:waves:Storage";

    private final Optional<Provider> rustfs;
    private final List<Provider> providers = new ArrayList<>();
    private final List<BucketV2> buckets = new ArrayList<>();
    private final List<BackedUpDatabase> databases = new ArrayList<>();
    private final List<Resource> after;

    /**
     * @param targets the stores whose buckets this stack may manage, the {@link S3Target#PRIMARY} one first
     * @param review  what the live cluster said (the shape of each cluster a pending restore recovers)
     */
    public record Args(List<S3Target> targets, Settings settings, List<DatabasePlan> databases, LiveReview review,
                       SecretSource secrets, List<Resource> after, List<homelab.backups.plan.DatabaseDrillPlan> drills,
                       homelab.backups.plan.Lineage lineage) {
        public Args(List<S3Target> targets, Settings settings, List<DatabasePlan> databases, LiveReview review,
                    SecretSource secrets, List<Resource> after, List<homelab.backups.plan.DatabaseDrillPlan> drills) {
            this(targets, settings, databases, review, secrets, after, drills, homelab.backups.plan.Lineage.none());
        }

        public Args {
            targets = List.copyOf(targets);
            if (targets.isEmpty() || !targets.get(0).name().equals(S3Target.PRIMARY)) {
                throw new IllegalArgumentException("the storage wave needs the primary target first: " + targets);
            }
        }

        public Args(List<S3Target> targets, Settings settings, List<DatabasePlan> databases, LiveReview review,
                    SecretSource secrets, List<Resource> after) {
            this(targets, settings, databases, review, secrets, after, List.of());
        }
    }

    public StorageWave(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.after = List.copyOf(args.after());
        for (var s3 : args.targets()) {
            if (!s3.manageBuckets()) continue;
            var provider = new Provider(childName(name, s3, "rustfs"), rustfsProvider(s3, args.secrets()),
                    CustomResourceOptions.builder().parent(this).dependsOn(after).build());
            providers.add(provider);
            for (var bucket : List.of(s3.volsyncBucket(), s3.postgresBucket())) {
                buckets.add(new BucketV2(childName(name, s3, bucket), BucketV2Args.builder()
                        .bucket(bucket)
                        .forceDestroy(false)
                        .build(), CustomResourceOptions.builder()
                        .parent(this)
                        .provider(provider)
                        .protect(true)
                        .retainOnDelete(true)
                        .dependsOn(after)
                        .build()));
            }
        }
        this.rustfs = providers.stream().findFirst();
        // Database backup configuration needs its bucket (pgBackRest will not create one).
        var bucketsReady = Wave.orElse(new ArrayList<>(buckets), after);
        for (var plan : args.databases()) {
            var drill = args.drills().stream().filter(d -> d.id().equals(plan.id())).findFirst();
            databases.add(new BackedUpDatabase(plan.id(), new BackedUpDatabase.Args(plan, args.review().recovery(plan.id()),
                    args.settings(), args.secrets(), bucketsReady, drill, args.lineage().withheld(plan.id()),
                    args.review().restores().expectedSystemId(plan.id())),
                    ComponentResourceOptions.builder().parent(this).build()));
        }
        registerOutputs(Map.of(
                "databases", Output.of(args.databases().stream().map(DatabasePlan::id).toList()),
                "managedBuckets", Output.of(args.targets().stream().filter(S3Target::manageBuckets)
                        .flatMap(t -> java.util.stream.Stream.of(t.volsyncBucket(), t.postgresBucket())).toList()),
                "endpoint", Output.of(args.targets().get(0).url())));
    }

    /**
     * A target's provider and buckets: the primary target's keep the names they always had ({@code <wave>-rustfs},
     * {@code <wave>-<bucket>}: the URNs of existing stacks); any other target's carry its name, so two targets with
     * the same bucket names never collide.
     */
    static String childName(String wave, S3Target target, String suffix) {
        return target.name().equals(S3Target.PRIMARY) ? wave + "-" + suffix : wave + "-" + target.name() + "-" + suffix;
    }

    /**
     * RustFS is S3-compatible but not AWS: path-style addressing (an IP has no bucket sub-domains) and no STS,
     * account-id, region or metadata checks.
     */
    static ProviderArgs rustfsProvider(S3Target s3, SecretSource secrets) {
        return ProviderArgs.builder()
                .region(s3.region())
                .accessKey(secrets.get(s3.credentials().accessKey()))
                .secretKey(secrets.get(s3.credentials().secretKey()))
                .endpoints(ProviderEndpointArgs.builder().s3(s3.url()).build())
                .s3UsePathStyle(true)
                .skipCredentialsValidation(true)
                .skipRequestingAccountId(true)
                .skipMetadataApiCheck(true)
                .skipRegionValidation(true)
                .build();
    }

    public Optional<Provider> rustfs() {
        return rustfs;
    }

    public List<BucketV2> buckets() {
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
