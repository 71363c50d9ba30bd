package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.kubernetes.core.v1.Secret;
import com.pulumi.kubernetes.core.v1.SecretArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import homelab.backups.config.SecretKey;
import homelab.backups.config.Settings;
import homelab.backups.kubernetes.CnpgSpecs;
import homelab.backups.kubernetes.CustomObject;
import homelab.backups.kubernetes.CustomObjectArgs;
import homelab.backups.kubernetes.DatabaseDrillSpecs;
import homelab.backups.kubernetes.DrillSpecs;
import homelab.backups.kubernetes.PgoSpecs;
import homelab.backups.kubernetes.PostgresSpecs;
import homelab.backups.plan.DatabaseDrillPlan;
import homelab.backups.plan.BackupPrunePlan;
import homelab.backups.kubernetes.BackupPruneSpecs;
import com.pulumi.kubernetes.batch.v1.CronJob;
import com.pulumi.kubernetes.batch.v1.CronJobArgs;
import com.pulumi.kubernetes.core.v1.ConfigMap;
import com.pulumi.kubernetes.core.v1.ConfigMapArgs;
import com.pulumi.kubernetes.core.v1.ServiceAccount;
import com.pulumi.kubernetes.core.v1.ServiceAccountArgs;
import com.pulumi.kubernetes.rbac.v1.Role;
import com.pulumi.kubernetes.rbac.v1.RoleArgs;
import com.pulumi.kubernetes.rbac.v1.RoleBinding;
import com.pulumi.kubernetes.rbac.v1.RoleBindingArgs;
import com.pulumi.kubernetes.rbac.v1.inputs.RoleRefArgs;
import com.pulumi.kubernetes.rbac.v1.inputs.SubjectArgs;
import homelab.backups.plan.DatabasePlan;
import homelab.backups.plan.PgBackRestRepo;
import homelab.backups.plan.RecoveryShape;
import homelab.backups.secrets.SecretSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Native backups of one PostgreSQL cluster. The cluster stays owned by whoever created it (ArgoCD): this component
 * only adds a credentials Secret, the backup target, a server-side-apply patch of the backup fields, and (CNPG) a
 * ScheduledBackup, in that order. A restore request adds a new cluster next to the running one and changes nothing
 * of the running one.
 */
public final class BackedUpDatabase extends ComponentResource {
    public static final String TYPE = "homelab-backups:backup:BackedUpDatabase";

    @Export(name = "cluster", refs = {String.class}, tree = "[0]")
    private final Output<String> cluster;

    private final Secret credentials;
    private final Optional<CustomObject> objectStore;
    private final CustomObject clusterPatch;
    private final Optional<CustomObject> scheduledBackup;
    private final Optional<CustomObject> recoveryCluster;
    private final Optional<CronJob> drill;
    private final Optional<CronJob> prune;

    /**
     * @param recovery what a cluster recovered by a pending restore must be (read from the live cluster)
     * @param after    the buckets (or, without bucket management, the previous wave)
     */
    public record Args(DatabasePlan plan, Optional<RecoveryShape> recovery, Settings settings, SecretSource secrets,
                       List<Resource> after, Optional<DatabaseDrillPlan> drill) {
        public Args(DatabasePlan plan, Optional<RecoveryShape> recovery, Settings settings, SecretSource secrets,
                    List<Resource> after) {
            this(plan, recovery, settings, secrets, after, Optional.empty());
        }
    }

    public BackedUpDatabase(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        var plan = args.plan();
        var db = plan.database();
        var settings = args.settings();

        this.credentials = new Secret(DatabaseChild.CREDENTIALS.of(name), SecretArgs.builder()
                .metadata(meta(plan.credentialsSecret(), db.namespace()))
                .type("Opaque")
                .stringData(credentialData(plan, args.secrets()))
                .build(), child(args.after()));

        // Each list handed to a child stays as it was handed: the next step gets a new one.
        var credentialsReady = append(args.after(), credentials);
        // The backup target of its own: CNPG's plugin reads an ObjectStore; the in-tree method and pgBackRest keep
        // theirs in the cluster's spec.
        this.objectStore = plan.engine().match(cnpg -> cnpg.options().plugin(), pgo -> false)
                ? Optional.of(new CustomObject(DatabaseChild.OBJECT_STORE.of(name),
                CustomObjectArgs.builder(CnpgSpecs.BARMAN_API, "ObjectStore")
                        .metadata(meta(plan.objectStoreName(), db.namespace()))
                        .spec(CnpgSpecs.objectStore(plan, settings))
                        .build(), child(credentialsReady)))
                : Optional.empty();
        var targetReady = objectStore.map(store -> append(credentialsReady, store)).orElse(credentialsReady);

        var clusterType = plan.engine().cluster();
        this.clusterPatch = CustomObject.patch(DatabaseChild.BACKUP_WIRING.of(name),
                CustomObjectArgs.builder(clusterType.apiVersion(), clusterType.kind())
                        .metadata(meta(db.name(), db.namespace()))
                        .spec(plan.engine().<Map<String, Object>>match(cnpg -> CnpgSpecs.clusterPatch(plan, cnpg, settings),
                                pgo -> PgoSpecs.clusterPatch(plan, pgo, settings)))
                        .build(), child(targetReady));

        // CNPG backs up on a ScheduledBackup of its own; pgBackRest's schedules are in the patch.
        this.scheduledBackup = plan.engine().match(cnpg -> Optional.of(new CustomObject(DatabaseChild.SCHEDULED_BACKUP.of(name),
                CustomObjectArgs.builder(CnpgSpecs.API, "ScheduledBackup")
                        .metadata(meta(plan.scheduledBackupName(), db.namespace()))
                        .spec(CnpgSpecs.scheduledBackup(plan, cnpg))
                        .build(), child(List.of(clusterPatch)))), pgo -> Optional.<CustomObject>empty());

        this.recoveryCluster = plan.recoveryName().map(recoveryName -> {
            var shape = args.recovery().orElseThrow(() -> new IllegalStateException("the restore of " + plan.id()
                    + " has no recovery shape: LiveReview reads one for every requested restore"));
            return new CustomObject(DatabaseChild.RECOVERY.of(name),
                    CustomObjectArgs.builder(clusterType.apiVersion(), clusterType.kind())
                            .metadata(meta(recoveryName, db.namespace()))
                            .spec(plan.engine().<Map<String, Object>>match(cnpg -> CnpgSpecs.recoveryCluster(plan, cnpg, shape, settings),
                                    pgo -> PgoSpecs.recoveryCluster(plan, pgo, shape, settings)))
                            // A recovered cluster may be what the app runs on by now: removing the request forgets
                            // it, never deletes it (README: Restore a database).
                            .build(), Children.named(this, targetReady).retainOnDelete(true).build());
        });

        // The restore drill: after the backup wiring (it recovers from what the wiring archives).
        this.drill = args.drill().map(d -> drill(name, d, settings, List.of(scheduledBackup.map(b -> (Resource) b).orElse(clusterPatch))));

        // CNPG: the pruning of the Backup objects the ScheduledBackup makes (issue 22 part 7).
        this.prune = scheduledBackup.flatMap(backup -> BackupPrunePlan.of(plan, settings)
                .map(p -> prune(name, p, List.of(backup))));

        this.cluster = Output.of(db.namespace() + "/" + db.name());
        var outputs = new LinkedHashMap<String, Output<?>>();
        outputs.put("cluster", cluster);
        plan.recoveryName().ifPresent(n -> {
            outputs.put("recoveryCluster", Output.of(db.namespace() + "/" + n));
            outputs.put("recoveryService", Output.of(PostgresSpecs.recoveryService(plan) + "." + db.namespace() + ".svc"));
        });
        registerOutputs(outputs);
    }

    /**
     * The drill's ServiceAccount, Role, RoleBinding, ConfigMap (script and throwaway manifest) and CronJob. The
     * throwaway cluster itself is never a Pulumi resource: the drill creates and deletes it.
     */
    private CronJob drill(String name, DatabaseDrillPlan drill, Settings settings, List<Resource> after) {
        var labels = Map.of(DatabaseDrillPlan.LABEL, drill.id());
        var meta = ObjectMetaArgs.builder().name(drill.cronJobName()).namespace(drill.namespace()).labels(labels).build();
        var account = new ServiceAccount(DatabaseChild.DRILL_ACCOUNT.of(name), ServiceAccountArgs.builder().metadata(meta).build(),
                child(after));
        var role = new Role(DatabaseChild.DRILL_ROLE.of(name), RoleArgs.builder().metadata(meta)
                .rules(DatabaseDrillSpecs.rules(drill)).build(), child(after));
        var binding = new RoleBinding(DatabaseChild.DRILL_BINDING.of(name), RoleBindingArgs.builder().metadata(meta)
                .roleRef(RoleRefArgs.builder().apiGroup("rbac.authorization.k8s.io").kind("Role").name(drill.cronJobName()).build())
                .subjects(SubjectArgs.builder().kind("ServiceAccount").name(drill.cronJobName()).namespace(drill.namespace()).build())
                .build(), child(List.of(account, role)));
        var data = new LinkedHashMap<String, String>();
        data.put(DatabaseDrillPlan.SCRIPT, DrillSpecs.script(DatabaseDrillPlan.SCRIPT));
        data.put(DatabaseDrillSpecs.MANIFEST, DatabaseDrillSpecs.manifest(drill, settings));
        var config = new ConfigMap(DatabaseChild.DRILL_CONFIG.of(name), ConfigMapArgs.builder().metadata(meta).data(data).build(),
                child(after));
        return new CronJob(DatabaseChild.DRILL.of(name), CronJobArgs.builder().metadata(meta).spec(DatabaseDrillSpecs.cronJob(drill)).build(),
                child(List.of(binding, config)));
    }

    /**
     * The Backup pruning's ServiceAccount, Role (read and delete CNPG Backups in the namespace, nothing else),
     * RoleBinding, ConfigMap (the script) and CronJob.
     */
    private CronJob prune(String name, BackupPrunePlan prune, List<Resource> after) {
        var meta = ObjectMetaArgs.builder().name(prune.cronJobName()).namespace(prune.namespace())
                .labels(Map.of(BackupPrunePlan.LABEL, prune.id())).build();
        var account = new ServiceAccount(DatabaseChild.PRUNE_ACCOUNT.of(name), ServiceAccountArgs.builder().metadata(meta).build(),
                child(after));
        var role = new Role(DatabaseChild.PRUNE_ROLE.of(name), RoleArgs.builder().metadata(meta)
                .rules(BackupPruneSpecs.rules()).build(), child(after));
        var binding = new RoleBinding(DatabaseChild.PRUNE_BINDING.of(name), RoleBindingArgs.builder().metadata(meta)
                .roleRef(RoleRefArgs.builder().apiGroup("rbac.authorization.k8s.io").kind("Role").name(prune.cronJobName()).build())
                .subjects(SubjectArgs.builder().kind("ServiceAccount").name(prune.cronJobName()).namespace(prune.namespace()).build())
                .build(), child(List.of(account, role)));
        var config = new ConfigMap(DatabaseChild.PRUNE_CONFIG.of(name), ConfigMapArgs.builder().metadata(meta)
                .data(Map.of(BackupPrunePlan.SCRIPT, DrillSpecs.script(BackupPrunePlan.SCRIPT))).build(), child(after));
        return new CronJob(DatabaseChild.PRUNE.of(name), CronJobArgs.builder().metadata(meta)
                .spec(BackupPruneSpecs.cronJob(prune)).build(), child(List.of(binding, config)));
    }

    /** CNPG reads two keys; pgBackRest reads an {@code s3.conf} file (each engine's spec class). All values stay secret. */
    static Output<Map<String, String>> credentialData(DatabasePlan plan, SecretSource secrets) {
        var target = plan.repository().target();
        var access = secrets.get(target.credentials().accessKey());
        var secret = secrets.get(target.credentials().secretKey());
        var ca = target.caCertificate();
        return plan.engine().match(
                cnpg -> Output.tuple(access, secret).applyValue(t -> CnpgSpecs.credentials(t.t1, t.t2, ca)).asSecret(),
                pgo -> {
                    var cipher = pgo.options().encryption() ? secrets.get(SecretKey.PGBACKREST_CIPHER_PASS) : Output.of("");
                    return Output.tuple(access, secret, cipher).applyValue(t -> PgoSpecs.credentials(PgBackRestRepo.of(plan),
                            t.t1, t.t2, t.t3.isEmpty() ? null : t.t3, ca)).asSecret();
                });
    }

    private static List<Resource> append(List<Resource> before, Resource next) {
        var all = new ArrayList<>(before);
        all.add(next);
        return List.copyOf(all);
    }

    private CustomResourceOptions child(List<Resource> dependsOn) {
        return Children.of(this, dependsOn);
    }

    private static ObjectMetaArgs meta(String name, String namespace) {
        return Children.meta(name, namespace, Map.of());
    }

    public Secret credentials() {
        return credentials;
    }

    public Optional<CustomObject> objectStore() {
        return objectStore;
    }

    public CustomObject clusterPatch() {
        return clusterPatch;
    }

    public Optional<CustomObject> scheduledBackup() {
        return scheduledBackup;
    }

    public Optional<CustomObject> recoveryCluster() {
        return recoveryCluster;
    }

    public Optional<CronJob> drill() {
        return drill;
    }

    /** CNPG: the CronJob that prunes the cluster's Backup objects. */
    public Optional<CronJob> prune() {
        return prune;
    }
}
