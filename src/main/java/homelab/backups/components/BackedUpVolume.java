package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.kubernetes.batch.v1.CronJob;
import com.pulumi.kubernetes.batch.v1.CronJobArgs;
import com.pulumi.kubernetes.batch.v1.Job;
import com.pulumi.kubernetes.batch.v1.JobArgs;
import com.pulumi.kubernetes.core.v1.ConfigMap;
import com.pulumi.kubernetes.core.v1.ConfigMapArgs;
import com.pulumi.kubernetes.core.v1.PersistentVolumeClaim;
import com.pulumi.kubernetes.core.v1.PersistentVolumeClaimArgs;
import com.pulumi.kubernetes.core.v1.PersistentVolumePatch;
import com.pulumi.kubernetes.core.v1.PersistentVolumePatchArgs;
import com.pulumi.kubernetes.core.v1.inputs.PersistentVolumeSpecPatchArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaPatchArgs;
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
import homelab.backups.kubernetes.DrillSpecs;
import homelab.backups.kubernetes.LiveCluster;
import homelab.backups.kubernetes.RestoreCheckSpecs;
import homelab.backups.kubernetes.VolSyncSpecs;
import homelab.backups.plan.ClaimHandling;
import homelab.backups.plan.DrillPlan;
import homelab.backups.plan.RestoreCheck;
import homelab.backups.plan.RestoreOutcome;
import homelab.backups.plan.VolumeHandling;
import homelab.backups.plan.VolumeHandling.ChildOptions;
import homelab.backups.runtime.PulumiRuntime;
import homelab.backups.plan.VolumeHandling.Dependency;
import homelab.backups.plan.VolumePlan;
import homelab.backups.secrets.SecretSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One application volume under backup: its repository Secret, ReplicationSource and the app's PVC, adopted from the
 * cluster as it lives, its restore drill, plus - only while a restore needs it - a ReplicationDestination in
 * populator form.
 *
 * <p>Every child's resource options (waits, protection, import, replacement, timeouts) are decided in
 * {@link VolumeHandling}; this class only maps them onto Pulumi's options.
 *
 * <p>The PVC is the only object holding data, and {@link ClaimHandling} alone decides what may happen to it. Without a
 * restore request it is imported and protected, and neither its metadata nor its spec ever causes a diff: the
 * fields others write (volume name and mode, finalizers, ArgoCD's labels and annotations) stay theirs, and the three
 * fields this program owns are checked against the live object before anything is registered
 * ({@link homelab.backups.plan.LiveReview}). With a restore request (or in disaster-recovery mode) the destination is
 * created with the request's id as trigger and awaited until {@code status.lastManualSync} reports that id; then its
 * status must show restored data, the old PV is kept ({@code Retain}), and only then is the PVC recreated from it
 * (docs/design.md "Restore — one config value").
 */
public final class BackedUpVolume extends ComponentResource {
    public static final String TYPE = "homelab-backups:backup:BackedUpVolume";
    /** Carries the restore request id on the PVC; a new id replaces the PVC, an unchanged one does nothing. */
    public static final String RESTORE_ANNOTATION = LiveCluster.RESTORE_ANNOTATION;
    public static final String WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";
    public static final String PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";
    public static final String DISASTER_RECOVERY_TRIGGER = ClaimHandling.DISASTER_RECOVERY_ID;

    @Export(name = "pvc", refs = {String.class}, tree = "[0]")
    private final Output<String> pvcName;
    @Export(name = "schedule", refs = {String.class}, tree = "[0]")
    private final Output<String> schedule;
    @Export(name = "repository", refs = {String.class}, tree = "[0]")
    private final Output<String> repository;

    private final Secret repositorySecret;
    private final CustomObject source;
    private final Optional<CustomObject> destination;
    /** The restore check Job every destination waits for (present exactly when the destination is). */
    private final Optional<Job> restoreCheck;
    private final Optional<CustomObject> maintenance;
    private final Optional<CronJob> drill;
    private final PersistentVolumeClaim pvc;
    private final VolumeHandling handling;
    private final ClaimHandling claim;
    /** The children created so far, for the dependencies {@link VolumeHandling} names. */
    private final Map<Dependency, Resource> created = new EnumMap<>(Dependency.class);
    private final Optional<PersistentVolumePatch> keptVolume;
    /** Completes when the pending restore (if any) restored data: what the old volume's and the PVC's steps wait for. */
    private final Output<Boolean> restored;

    /**
     * @param handling     every child's options in this mode, the PVC's included
     * @param volumeToKeep the PersistentVolume of a PVC that a pending restore will replace
     * @param after        resources of earlier waves that must exist first (VolSync CRDs, snapshot classes, buckets)
     */
    public record Args(VolumePlan plan, VolumeHandling handling, Optional<String> volumeToKeep, Settings settings,
                       SecretSource secrets, List<Resource> after, Optional<DrillPlan> drill,
                       List<Resource> earlierRestores) {
        /** @param earlierRestores disaster recovery: the restored PVCs of the previous batch, which this one waits for */
        public Args {
            after = List.copyOf(after);
            earlierRestores = List.copyOf(earlierRestores);
        }
    }

    public BackedUpVolume(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        var plan = args.plan();
        var settings = args.settings();
        this.handling = args.handling();
        this.claim = handling.claim();

        var credentials = plan.repository().target().credentials();
        var mover = settings.volsync().mover();
        var data = Output.tuple(args.secrets().get(credentials.accessKey()), args.secrets().get(credentials.secretKey()),
                        args.secrets().get(repositoryPasswordKey(settings)))
                .applyValue(t -> VolSyncSpecs.repositorySecret(plan, mover, t.t1, t.t2, t.t3))
                .asSecret();
        this.repositorySecret = new Secret(VolumeChild.REPOSITORY.of(name), SecretArgs.builder()
                .metadata(meta(plan.secretName(), plan.namespace(), Map.of()))
                .type("Opaque")
                .stringData(data)
                .build(), options(handling.secret(), args));
        created.put(Dependency.SECRET, repositorySecret);

        // A destination exists only after its check passed: the Job lists the repository read-only and fails when
        // nothing would be restored, before VolSync could populate an empty volume (RestoreCheck).
        this.restoreCheck = handling.restoreCheck().flatMap(o -> restoreCheck(name, args, o));
        restoreCheck.ifPresent(j -> created.put(Dependency.RESTORE_CHECK, j));

        // A destination exists only while a restore needs it: VolSync provisions a destination's full-size volume
        // and cache as soon as it exists, paused or not (docs/field-findings.md §3). It comes first: the PVC is populated
        // from it.
        this.destination = handling.destination().map(o -> destination(name, args, o));
        destination.ifPresent(d -> created.put(Dependency.DESTINATION, d));
        // Disaster recovery requires the same evidence as a restore: a destination that restored nothing stops `up`.
        this.restored = claim.mode() == ClaimHandling.Mode.RESTORE ? restoredData(args)
                : claim.mode() == ClaimHandling.Mode.DISASTER_RECOVERY ? recoveredData(args)
                : claim.mode() == ClaimHandling.Mode.FILL ? filledData(args) : Output.of(true);
        this.keptVolume = handling.keptVolume().map(o -> keepVolume(name, args.volumeToKeep().orElseThrow(() -> new IllegalStateException(
                args.plan().app() + ": the handling keeps the old volume, but no live volume was passed to keep")), o, args));
        keptVolume.ifPresent(v -> created.put(Dependency.KEPT_VOLUME, v));

        this.pvc = pvc(name, args);
        created.put(Dependency.PVC, pvc);

        this.source = new CustomObject(VolumeChild.SOURCE.of(name),
                CustomObjectArgs.builder(VolSyncSpecs.API_VERSION, "ReplicationSource")
                        .metadata(sourceMeta(plan, args.volumeToKeep()))
                        .spec(sourceSpec(plan, settings))
                        .build(), options(handling.source(), args));

        this.maintenance = plan.maintenanceSchedule().map(cron -> new CustomObject(VolumeChild.MAINTENANCE.of(name),
                CustomObjectArgs.builder(VolSyncSpecs.API_VERSION, "KopiaMaintenance")
                        .metadata(meta(plan.names().maintenanceName(), plan.namespace(), Map.of()))
                        .spec(VolSyncSpecs.kopiaMaintenance(plan))
                        .build(), options(handling.maintenance(), args)));

        this.drill = args.drill().map(d -> drill(name, d, args));

        this.pvcName = Output.of(plan.namespace() + "/" + plan.pvc());
        this.schedule = Output.of(plan.schedule().text());
        this.repository = Output.of(plan.repositoryUrl());
        registerOutputs(Map.of("pvc", pvcName, "schedule", schedule, "repository", repository,
                "mode", Output.of(claim.mode().name().toLowerCase())));
    }

    static SecretKey repositoryPasswordKey(Settings settings) {
        return settings.volsync().mover() == Settings.Mover.KOPIA ? SecretKey.KOPIA_PASSWORD : SecretKey.RESTIC_PASSWORD;
    }

    /**
     * The source records the UID of the claim the program holds as the app's data (ClaimState): the live one when it
     * adopts or fills a claim - a filled one only once its destination restored data - and the new PVC's own UID when
     * it creates one. A waiting claim keeps the UID recorded before it.
     */
    private ObjectMetaArgs sourceMeta(VolumePlan plan, Optional<String> volumeToKeep) {
        var meta = ObjectMetaArgs.builder().name(plan.sourceName()).namespace(plan.namespace());
        if (!plan.populatorRestore()) return meta.build();
        Optional<Output<String>> uid = switch (claim.mode()) {
            case RESTORE, DISASTER_RECOVERY -> Optional.of(pvc.metadata().applyValue(m -> m.uid().orElse("")));
            case FILL -> claim.claimUid().map(u -> restored.applyValue(ok -> u));
            case ADOPT, WAIT -> claim.claimUid().map(Output::of);
        };
        // The volume a restore kept, so that a claim the owner bound to it again (README: Undo a restore) is told
        // from one re-created empty.
        var kept = claim.mode() == ClaimHandling.Mode.RESTORE ? volumeToKeep : claim.keptVolume();
        uid.ifPresent(u -> meta.annotations(u.applyValue(v -> {
            var annotations = new LinkedHashMap<String, String>();
            annotations.put(homelab.backups.plan.ClaimState.CLAIM_UID_ANNOTATION, v);
            kept.ifPresent(pv -> annotations.put(homelab.backups.plan.ClaimState.KEPT_VOLUME_ANNOTATION, pv));
            return (Map<String, String>) annotations;
        })));
        return meta.build();
    }

    /** A waiting claim's backups are paused: VolSync runs no mover for a paused source (v0.15.0 api/v1alpha1 replicationsource_types.go Paused; mover/restic/builder.go). */
    private Map<String, Object> sourceSpec(VolumePlan plan, Settings settings) {
        var spec = VolSyncSpecs.replicationSource(plan, settings);
        if (!claim.pauseBackups()) return spec;
        var paused = new LinkedHashMap<String, Object>(spec);
        paused.put("paused", true);
        return paused;
    }

    /**
     * Completes once a waiting claim's destination shows restored data (the populator fills the claim from it); when
     * it restored nothing, the program stops here and the source records nothing - unless the owner asked for a
     * fresh start, the only case in which the claim may bind empty.
     */
    private Output<Boolean> filledData(Args args) {
        var plan = args.plan();
        var trigger = claim.restoreId().orElseThrow(() -> new IllegalStateException(
                plan.app() + ": a claim waiting for its data has no restore id"));
        var mover = args.settings().volsync().mover();
        return destination.orElseThrow(() -> missingDestination(plan, "fill")).status().apply(status -> {
            if (claim.acceptNothing()) return Output.of(true);
            return RestoreOutcome.of(mover, status, trigger) instanceof RestoreOutcome.Nothing nothing
                    ? PulumiRuntime.<Boolean>stop(RestoreOutcome.fillRefusal(plan, trigger, nothing))
                    : Output.of(true);
        });
    }

    private CustomObject destination(String name, Args args, ChildOptions options) {
        var plan = args.plan();
        var latest = new homelab.backups.config.RestorePoint.Latest();
        var run = claim.mode() == ClaimHandling.Mode.RESTORE
                ? new VolSyncSpecs.DestinationRun(restoreRequest(plan).id(), restoreRequest(plan).point())
                : claim.mode() == ClaimHandling.Mode.FILL
                ? new VolSyncSpecs.DestinationRun(claim.restoreId().orElseThrow(() -> new IllegalStateException(
                        plan.app() + ": a claim waiting for its data has no restore id")), plan.restore()
                        .map(homelab.backups.config.RestoreRequest::point)
                        .filter(p -> !(p instanceof homelab.backups.config.RestorePoint.FreshStart))
                        .orElse(latest))
                : new VolSyncSpecs.DestinationRun(DISASTER_RECOVERY_TRIGGER, latest);
        var annotations = new LinkedHashMap<String, String>();
        // pulumi up blocks here until VolSync reports that this very trigger finished (docs/design.md correction 3).
        annotations.put(WAIT_FOR_ANNOTATION, "jsonpath={.status.lastManualSync}=" + run.trigger());
        return new CustomObject(VolumeChild.DESTINATION.of(name),
                CustomObjectArgs.builder(VolSyncSpecs.API_VERSION, "ReplicationDestination")
                        .metadata(meta(plan.destinationName(), plan.namespace(), annotations))
                        .spec(VolSyncSpecs.replicationDestination(plan, args.settings(), run))
                        .build(), options(options, args));
    }

    private PersistentVolumeClaim pvc(String name, Args args) {
        var plan = args.plan();
        var spec = PersistentVolumeClaimSpecArgs.builder()
                .accessModes(plan.accessModes().stream().map(AccessMode::apiName).toList())
                .resources(ResourceRequirementsArgs.builder()
                        .requests(Map.of("storage", plan.capacity().text())).build())
                .storageClassName(plan.storageClass());
        if (claim.populated()) spec.dataSourceRef(populator(plan));
        var annotations = new LinkedHashMap<String, String>();
        // A filled claim is Argo CD's, adopted as it lives: nothing of ours is written on it.
        if (claim.mode() != ClaimHandling.Mode.FILL) claim.restoreId().ifPresent(id -> annotations.put(RESTORE_ANNOTATION, id));
        // The restored PVC names the volume its restore kept, so later runs keep naming it (README: Undo a restore).
        if (claim.mode() == ClaimHandling.Mode.RESTORE) {
            args.volumeToKeep().ifPresent(pv -> annotations.put(LiveCluster.KEPT_VOLUME_ANNOTATION, pv));
        }
        var specArgs = spec.build();
        return new PersistentVolumeClaim(VolumeChild.PVC.of(name), PersistentVolumeClaimArgs.builder()
                .metadata(meta(plan.pvc(), plan.namespace(), annotations))
                .spec(claim.mode() != ClaimHandling.Mode.ADOPT ? restored.applyValue(ok -> specArgs) : Output.of(specArgs))
                .build(), options(handling.pvc(), args));
    }

    /**
     * Completes once the destination shows that data was restored; when it restored nothing, the program stops here,
     * so neither the old volume's reclaim policy nor the PVC is ever touched (docs/design.md "A restore never replaces data with
     * nothing"). In a preview the destination's status is unknown until it ran, so the plan shows what it would do.
     */
    private Output<Boolean> restoredData(Args args) {
        var plan = args.plan();
        var request = restoreRequest(plan);
        var mover = args.settings().volsync().mover();
        return destination.orElseThrow(() -> missingDestination(plan, "restore")).status().apply(status ->
                RestoreOutcome.of(mover, status, request.id()) instanceof RestoreOutcome.Nothing nothing
                        ? PulumiRuntime.<Boolean>stop(RestoreOutcome.refusal(plan, request, nothing))
                        : Output.of(true));
    }

    /** The restore request of a claim in RESTORE mode: that mode exists only for a requested restore. */
    private static homelab.backups.config.RestoreRequest restoreRequest(VolumePlan plan) {
        return plan.restore().orElseThrow(() -> new IllegalStateException(
                plan.app() + ": the claim is being restored, but the plan has no restore request"));
    }

    /** A claim whose data comes from a destination (restore, fill, disaster recovery) always has one. */
    private static IllegalStateException missingDestination(VolumePlan plan, String what) {
        return new IllegalStateException(plan.app() + ": the " + what + " checks a destination's status, but the "
                + "handling created no destination");
    }

    /** Disaster recovery: the same evidence, for the disaster-recovery trigger (the latest backup). */
    private Output<Boolean> recoveredData(Args args) {
        var plan = args.plan();
        var mover = args.settings().volsync().mover();
        if (claim.acceptNothing()) return Output.of(true);   // fresh-start: the owner said this app may start empty
        return destination.orElseThrow(() -> missingDestination(plan, "disaster recovery")).status().apply(status ->
                RestoreOutcome.of(mover, status, DISASTER_RECOVERY_TRIGGER) instanceof RestoreOutcome.Nothing nothing
                        ? PulumiRuntime.<Boolean>stop(RestoreOutcome.recoveryRefusal(plan, nothing))
                        : Output.of(true));
    }

    /**
     * The restore check Job ({@link RestoreCheck}, {@link RestoreCheckSpecs}); empty for the Kopia mover, whose check
     * is not written yet (its destination then waits for nothing more than before; README: Restore a volume).
     */
    private Optional<Job> restoreCheck(String name, Args args, ChildOptions options) {
        var settings = args.settings();
        if (settings.volsync().mover() != homelab.backups.config.Settings.Mover.RESTIC) return Optional.empty();
        var image = settings.drills().image().or(() -> homelab.backups.config.MoverImage.of(settings.volsync()))
                .orElseThrow(() -> new IllegalStateException("RESTORE " + args.plan().app() + ": the restore check runs "
                        + "in the mover image, and drills.image " + homelab.backups.config.MoverImage.required(settings.volsync())));
        // An empty repository passes only where the owner asked for a fresh start (the claim may then bind empty).
        var check = RestoreCheck.of(args.plan(), claim, settings.volsync().mover(), image, claim.acceptNothing());
        return Optional.of(new Job(VolumeChild.RESTORE_CHECK.of(name), JobArgs.builder()
                .metadata(RestoreCheckSpecs.metadata(check))
                .spec(RestoreCheckSpecs.job(check, args.plan().repository()))
                .build(), options(options, args)));
    }

    /**
     * Before a restore replaces the PVC, its PersistentVolume is set to {@code Retain} - a server-side-apply patch of
     * that field only, forced because the provisioner wrote it - so the old data survives as a Released volume and
     * the restore can be undone (README: Undo a restore). Only once the destination restored data; forgotten, never
     * reverted, when the request is gone.
     */
    private PersistentVolumePatch keepVolume(String name, String volume, ChildOptions options, Args args) {
        return new PersistentVolumePatch(VolumeChild.KEEP_VOLUME.of(name), PersistentVolumePatchArgs.builder()
                .metadata(ObjectMetaPatchArgs.builder().name(volume)
                        .annotations(Map.of(PATCH_FORCE_ANNOTATION, "true")).build())
                .spec(restored.applyValue(ok -> PersistentVolumeSpecPatchArgs.builder()
                        .persistentVolumeReclaimPolicy("Retain").build()))
                .build(), options(options, args));
    }

    private CronJob drill(String name, DrillPlan drill, Args args) {
        var labels = Map.of(DrillSpecs.DRILL_LABEL, drill.app());
        var script = new ConfigMap(VolumeChild.DRILL_SCRIPT.of(name), ConfigMapArgs.builder()
                .metadata(ObjectMetaArgs.builder().name(drill.scriptConfigMap()).namespace(drill.namespace()).labels(labels).build())
                .data(Map.of(drill.scriptName(), DrillSpecs.script(drill.scriptName())))
                .build(), options(handling.drillScript(), args));
        created.put(Dependency.DRILL_SCRIPT, script);
        return new CronJob(VolumeChild.DRILL.of(name), CronJobArgs.builder()
                .metadata(ObjectMetaArgs.builder().name(drill.cronJobName()).namespace(drill.namespace()).labels(labels).build())
                .spec(DrillSpecs.cronJob(drill, args.plan().repository()))
                .build(), options(handling.drill(), args));
    }

    private static TypedObjectReferenceArgs populator(VolumePlan plan) {
        return TypedObjectReferenceArgs.builder()
                .apiGroup("volsync.backube")
                .kind("ReplicationDestination")
                .name(plan.destinationName())
                .build();
    }

    /** {@link VolumeHandling}'s decision for one child as Pulumi options; nothing is decided here. */
    private CustomResourceOptions options(ChildOptions o, Args args) {
        var dependsOn = new ArrayList<Resource>();
        for (var d : o.dependsOn()) {
            if (d == Dependency.EARLIER_WAVES) dependsOn.addAll(args.after());
            else if (d == Dependency.EARLIER_RESTORES) dependsOn.addAll(args.earlierRestores());
            // Kopia has no check Job yet (restoreCheck): its destination waits for what it waited for before.
            else if (d == Dependency.RESTORE_CHECK && restoreCheck.isEmpty()
                    && args.settings().volsync().mover() == homelab.backups.config.Settings.Mover.KOPIA) continue;
            else dependsOn.add(java.util.Objects.requireNonNull(created.get(d), () -> d + " is not created yet"));
        }
        var opts = CustomResourceOptions.builder().parent(this)
                .dependsOn(dependsOn)
                .ignoreChanges(o.ignoreChanges())
                .replaceOnChanges(o.replaceOnChanges())
                .deleteBeforeReplace(o.deleteBeforeReplace());
        o.protect().ifPresent(opts::protect);
        o.importId().ifPresent(opts::importId);
        if (o.retainOnDelete()) opts.retainOnDelete(true);
        if (o.createTimeout().isPresent() || o.updateTimeout().isPresent()) {
            var timeouts = CustomTimeouts.builder();
            o.createTimeout().ifPresent(timeouts::create);
            o.updateTimeout().ifPresent(timeouts::update);
            opts.customTimeouts(timeouts.build());
        }
        return opts.build();
    }

    private static ObjectMetaArgs meta(String name, String namespace, Map<String, String> annotations) {
        return Children.meta(name, namespace, annotations);
    }

    public VolumeHandling handling() {
        return handling;
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

    public Optional<Job> restoreCheck() {
        return restoreCheck;
    }

    public Optional<PersistentVolumePatch> keptVolume() {
        return keptVolume;
    }

    public Optional<CustomObject> maintenance() {
        return maintenance;
    }

    public Optional<CronJob> drill() {
        return drill;
    }

    public PersistentVolumeClaim pvc() {
        return pvc;
    }
}
