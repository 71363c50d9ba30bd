package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.kubernetes.core.v1.PersistentVolumeClaim;
import com.pulumi.kubernetes.core.v1.PersistentVolumeClaimArgs;
import com.pulumi.kubernetes.core.v1.Secret;
import com.pulumi.kubernetes.core.v1.SecretArgs;
import com.pulumi.kubernetes.core.v1.inputs.PersistentVolumeClaimSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.ResourceRequirementsArgs;
import com.pulumi.kubernetes.core.v1.inputs.TypedObjectReferenceArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.CustomTimeouts;
import com.pulumi.resources.Resource;
import homelab.backups.config.AccessMode;
import homelab.backups.config.SecretKey;
import homelab.backups.config.Settings;
import homelab.backups.kubernetes.CustomObject;
import homelab.backups.kubernetes.CustomObjectArgs;
import homelab.backups.kubernetes.VolSyncSpecs;
import homelab.backups.plan.VolumePlan;
import homelab.backups.secrets.SecretSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One application volume under backup: its repository Secret, ReplicationSource, ReplicationDestination (populator
 * form) and the app's PVC, adopted from the cluster.
 *
 * <p>The PVC is the only object holding data. Without a restore request it is imported and protected, and changes
 * to its data source and restore annotation are ignored, so nothing this component does can delete or replace it.
 * It is deliberately not {@code retainOnDelete}: the engine applies the flag stored in state to the delete half of
 * a replacement, so a retained PVC could never be restored in one {@code up} (the old object stays, the new one
 * collides; seen end to end). Protection alone already refuses every delete and replace. With a restore request (or in disaster-recovery mode) the destination is triggered with the
 * request's id and awaited until {@code status.lastManualSync} reports that id; only then is the PVC recreated
 * from it (SPEC "Restore — one config value").
 */
public final class BackedUpVolume extends ComponentResource {
    public static final String TYPE = "homelab-backups:backup:BackedUpVolume";
    /** Carries the restore request id on the PVC; a new id replaces the PVC, an unchanged one does nothing. */
    public static final String RESTORE_ANNOTATION = "homelab-backups/restore-id";
    public static final String WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";
    public static final String DISASTER_RECOVERY_TRIGGER = "dr-bootstrap";
    public static final List<String> REPLACE_WHEN_RESTORING = List.of("metadata", "spec");
    public static final List<String> PVC_IGNORED_WHEN_IDLE = List.of(
            "spec.dataSourceRef", "spec.dataSource", "metadata.annotations[\"" + RESTORE_ANNOTATION + "\"]");

    @Export(name = "pvc", refs = {String.class}, tree = "[0]")
    private final Output<String> pvcName;
    @Export(name = "schedule", refs = {String.class}, tree = "[0]")
    private final Output<String> schedule;
    @Export(name = "repository", refs = {String.class}, tree = "[0]")
    private final Output<String> repository;

    private final Secret repositorySecret;
    private final CustomObject source;
    private final Optional<CustomObject> destination;
    private final Optional<CustomObject> maintenance;
    private final PersistentVolumeClaim pvc;

    /**
     * @param after            resources of earlier waves that must exist first (VolSync CRDs, snapshot classes, buckets)
     * @param disasterRecovery create the PVC from its backup on a rebuilt cluster, then start backups
     */
    public record Args(VolumePlan plan, Settings settings, SecretSource secrets, List<Resource> after,
                       boolean disasterRecovery, Duration restoreTimeout) {
    }

    /** What this volume's PVC is doing in this deployment. */
    public enum Mode {
        /** Adopt and protect the live PVC; the destination stays paused. */
        PROTECTED,
        /** Replace the PVC from the destination after it restored the requested point. */
        RESTORE,
        /** Create the PVC from its backup on a rebuilt cluster. */
        DISASTER_RECOVERY
    }

    public BackedUpVolume(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        var plan = args.plan();
        var settings = args.settings();
        var mode = mode(args);

        var data = Output.tuple(args.secrets().get(SecretKey.S3_ACCESS_KEY), args.secrets().get(SecretKey.S3_SECRET_KEY),
                        args.secrets().get(repositoryPasswordKey(settings)))
                .applyValue(t -> VolSyncSpecs.repositorySecret(plan, settings, t.t1, t.t2, t.t3))
                .asSecret();
        this.repositorySecret = new Secret(name + "-repository", SecretArgs.builder()
                .metadata(meta(plan.secretName(), plan.namespace(), Map.of()))
                .type("Opaque")
                .stringData(data)
                .build(), options(args.after()));

        // The destination comes first: a restored PVC is populated from it.
        this.destination = plan.populatorRestore()
                ? Optional.of(destination(name, args, mode))
                : Optional.empty();

        this.pvc = pvc(name, args, mode);

        var sourceAfter = new ArrayList<Resource>(args.after());
        sourceAfter.add(repositorySecret);
        // A restored PVC must exist before backups run, so an empty volume never becomes the newest backup. An
        // adopted PVC exists already, and keeping it free of dependents lets `pulumi state delete` forget it when
        // its app leaves the inventory (README: Stop backing up an app).
        if (mode != Mode.PROTECTED) sourceAfter.add(pvc);
        this.source = new CustomObject(name + "-source",
                CustomObjectArgs.builder(VolSyncSpecs.API_VERSION, "ReplicationSource")
                        .metadata(meta(plan.sourceName(), plan.namespace(), Map.of()))
                        .spec(VolSyncSpecs.replicationSource(plan, settings))
                        .build(), options(sourceAfter));

        this.maintenance = plan.maintenanceSchedule().map(cron -> new CustomObject(name + "-maintenance",
                CustomObjectArgs.builder(VolSyncSpecs.API_VERSION, "KopiaMaintenance")
                        .metadata(meta(plan.app() + "-maintenance", plan.namespace(), Map.of()))
                        .spec(VolSyncSpecs.kopiaMaintenance(plan))
                        .build(), options(List.of(repositorySecret))));

        this.pvcName = Output.of(plan.namespace() + "/" + plan.pvc());
        this.schedule = Output.of(plan.schedule().text());
        this.repository = Output.of(plan.repository());
        registerOutputs(Map.of("pvc", pvcName, "schedule", schedule, "repository", repository,
                "mode", Output.of(mode.name().toLowerCase())));
    }

    static Mode mode(Args args) {
        if (!args.plan().populatorRestore()) return Mode.PROTECTED;
        if (args.disasterRecovery()) return Mode.DISASTER_RECOVERY;
        return args.plan().restore().isPresent() ? Mode.RESTORE : Mode.PROTECTED;
    }

    static SecretKey repositoryPasswordKey(Settings settings) {
        return settings.volsync().mover() == Settings.Mover.KOPIA ? SecretKey.KOPIA_PASSWORD : SecretKey.RESTIC_PASSWORD;
    }

    private CustomObject destination(String name, Args args, Mode mode) {
        var plan = args.plan();
        var run = switch (mode) {
            case PROTECTED -> VolSyncSpecs.DestinationRun.idle();
            case RESTORE -> VolSyncSpecs.DestinationRun.restore(plan.restore().orElseThrow().id(),
                    plan.restore().orElseThrow().point());
            case DISASTER_RECOVERY -> VolSyncSpecs.DestinationRun.restore(DISASTER_RECOVERY_TRIGGER,
                    new homelab.backups.config.RestorePoint.Latest());
        };
        var annotations = new LinkedHashMap<String, String>();
        var opts = CustomResourceOptions.builder().parent(this).dependsOn(withSecret(args.after()));
        if (run.active()) {
            // pulumi up blocks here until VolSync reports that this very trigger finished (SPEC correction 3).
            annotations.put(WAIT_FOR_ANNOTATION, "jsonpath={.status.lastManualSync}=" + run.trigger());
            opts.customTimeouts(CustomTimeouts.builder()
                    .create(args.restoreTimeout()).update(args.restoreTimeout()).build());
        }
        return new CustomObject(name + "-destination",
                CustomObjectArgs.builder(VolSyncSpecs.API_VERSION, "ReplicationDestination")
                        .metadata(meta(plan.destinationName(), plan.namespace(), annotations))
                        .spec(VolSyncSpecs.replicationDestination(plan, args.settings(), run))
                        .build(), opts.build());
    }

    private PersistentVolumeClaim pvc(String name, Args args, Mode mode) {
        var plan = args.plan();
        var spec = PersistentVolumeClaimSpecArgs.builder()
                .accessModes(plan.accessModes().stream().map(AccessMode::apiName).toList())
                .resources(ResourceRequirementsArgs.builder()
                        .requests(Map.of("storage", plan.capacity().text())).build())
                .storageClassName(plan.storageClass());
        var annotations = new LinkedHashMap<String, String>();
        var opts = CustomResourceOptions.builder().parent(this);
        var dependsOn = new ArrayList<Resource>(args.after());
        switch (mode) {
            case PROTECTED -> opts.importId(plan.namespace() + "/" + plan.pvc())
                    .protect(true)
                    .ignoreChanges(PVC_IGNORED_WHEN_IDLE);
            case RESTORE -> {
                // Not protected: the old PVC must really go before its replacement is created.
                var id = plan.restore().orElseThrow().id();
                annotations.put(RESTORE_ANNOTATION, id);
                spec.dataSourceRef(populator(plan));
                dependsOn.add(destination.orElseThrow());
                // The provider plans a PVC spec change as an update (which the API server refuses) and reports only
                // top-level diff keys, so a path to the annotation would never match: replace on any change while
                // this request is pending. Nothing else changes then, and an unchanged request diffs clean.
                opts.deleteBeforeReplace(true)
                        .replaceOnChanges(REPLACE_WHEN_RESTORING)
                        .customTimeouts(CustomTimeouts.builder().create(args.restoreTimeout()).build());
            }
            case DISASTER_RECOVERY -> {
                annotations.put(RESTORE_ANNOTATION, DISASTER_RECOVERY_TRIGGER);
                spec.dataSourceRef(populator(plan));
                dependsOn.add(destination.orElseThrow());
                opts.protect(true)
                        .ignoreChanges(PVC_IGNORED_WHEN_IDLE)
                        .customTimeouts(CustomTimeouts.builder().create(args.restoreTimeout()).build());
            }
        }
        return new PersistentVolumeClaim(name + "-pvc", PersistentVolumeClaimArgs.builder()
                .metadata(meta(plan.pvc(), plan.namespace(), annotations))
                .spec(spec.build())
                .build(), opts.dependsOn(dependsOn).build());
    }

    private static TypedObjectReferenceArgs populator(VolumePlan plan) {
        return TypedObjectReferenceArgs.builder()
                .apiGroup("volsync.backube")
                .kind("ReplicationDestination")
                .name(plan.destinationName())
                .build();
    }

    private List<Resource> withSecret(List<Resource> after) {
        var out = new ArrayList<>(after);
        out.add(repositorySecret);
        return out;
    }

    private CustomResourceOptions options(List<Resource> dependsOn) {
        return Children.of(this, dependsOn);
    }

    private static ObjectMetaArgs meta(String name, String namespace, Map<String, String> annotations) {
        return Children.meta(name, namespace, annotations);
    }

    public Secret repositorySecret() {
        return repositorySecret;
    }

    public CustomObject source() {
        return source;
    }

    public Optional<CustomObject> destination() {
        return destination;
    }

    public Optional<CustomObject> maintenance() {
        return maintenance;
    }

    public PersistentVolumeClaim pvc() {
        return pvc;
    }
}
