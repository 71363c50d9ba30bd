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
import homelab.backups.plan.DatabaseRestoreCheck;
import homelab.backups.kubernetes.DatabaseRestoreCheckSpecs;
import com.pulumi.kubernetes.batch.v1.Job;
import com.pulumi.kubernetes.batch.v1.JobArgs;
import com.pulumi.resources.CustomTimeouts;
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
    private final Optional<CustomObject> clusterPatch;
    private final Optional<CustomObject> scheduledBackup;
    private final Optional<CustomObject> recoveryCluster;
    private final Optional<CronJob> drill;
    private final Optional<Job> restoreCheck;
    private final Optional<CronJob> prune;

    /**
     * @param recovery what a cluster recovered by a pending restore must be (read from the live cluster)
     * @param after    the buckets (or, without bucket management, the previous wave)
     * @param withheld why the running cluster's backup wiring (its patch and ScheduledBackup) is not registered:
     *                 its archive holds another cluster's history and a restore is pending ({@code plan/Lineage})
     */
    public record Args(DatabasePlan plan, Optional<RecoveryShape> recovery, Settings settings, SecretSource secrets,
                       List<Resource> after, Optional<DatabaseDrillPlan> drill, Optional<String> withheld,
                       Optional<String> expectedSystemId) {
        public Args(DatabasePlan plan, Optional<RecoveryShape> recovery, Settings settings, SecretSource secrets,
                    List<Resource> after, Optional<DatabaseDrillPlan> drill, Optional<String> withheld) {
            this(plan, recovery, settings, secrets, after, drill, withheld, Optional.empty());
        }

        public Args(DatabasePlan plan, Optional<RecoveryShape> recovery, Settings settings, SecretSource secrets,
                    List<Resource> after) {
            this(plan, recovery, settings, secrets, after, Optional.empty(), Optional.empty(), Optional.empty());
        }

        public Args(DatabasePlan plan, Optional<RecoveryShape> recovery, Settings settings, SecretSource secrets,
                    List<Resource> after, Optional<DatabaseDrillPlan> drill) {
            this(plan, recovery, settings, secrets, after, drill, Optional.empty(), Optional.empty());
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
        // Withheld (plan/Lineage): the running cluster is not the one whose history its archive holds, and a restore
        // is pending. Neither the patch nor the ScheduledBackup is registered, so the cluster archives nothing there
        // and no immediate backup of it is taken. A stack that registered them before deletes them: the provider
        // deletes a patch by a server-side apply of an empty object under its field manager, which gives up every
        // field the patch set (pulumi-kubernetes v4.32.0 provider/pkg/await/await.go Deletion, ssa/actions.go
        // Relinquish), so spec.plugins goes and the cluster stops archiving into that lineage: what is wanted. The
        // ObjectStore stays: the recovered cluster reads the lineage through it, and an ObjectStore alone archives
        // nothing (only a Cluster's spec.plugins entry does).
        this.clusterPatch = args.withheld().isPresent() ? Optional.empty() : Optional.of(CustomObject.patch(DatabaseChild.BACKUP_WIRING.of(name),
                CustomObjectArgs.builder(clusterType.apiVersion(), clusterType.kind())
                        .metadata(meta(db.name(), db.namespace()))
                        .spec(plan.engine().<Map<String, Object>>match(cnpg -> CnpgSpecs.clusterPatch(plan, cnpg, settings),
                                pgo -> PgoSpecs.clusterPatch(plan, pgo, settings)))
                        .build(), child(targetReady)));

        // CNPG backs up on a ScheduledBackup of its own; pgBackRest's schedules are in the patch.
        this.scheduledBackup = clusterPatch.flatMap(patch -> plan.engine().match(cnpg -> Optional.of(new CustomObject(
                DatabaseChild.SCHEDULED_BACKUP.of(name),
                CustomObjectArgs.builder(CnpgSpecs.API, "ScheduledBackup")
                        .metadata(meta(plan.scheduledBackupName(), db.namespace()))
                        .spec(CnpgSpecs.scheduledBackup(plan, cnpg))
                        .build(), child(List.of(patch)))), pgo -> Optional.<CustomObject>empty()));

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

        // The restore's awaited check, after the recovered cluster: up returns only once it passed (README: Restore a
        // database).
        this.restoreCheck = recoveryCluster.flatMap(recovered -> DatabaseRestoreCheck.of(plan, args.recovery(), settings,
                args.expectedSystemId()).map(check -> restoreCheck(name, check, recovered)));

        // The restore drill: after the backup wiring (it recovers from what the wiring archives).
        this.drill = args.drill().map(d -> drill(name, d, settings, scheduledBackup.map(b -> List.<Resource>of(b))
                .or(() -> clusterPatch.map(p -> List.<Resource>of(p))).orElse(targetReady)));

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
        var meta = meta(drill.cronJobName(), drill.namespace(), Map.of(DatabaseDrillPlan.LABEL, drill.id()));
        var data = new LinkedHashMap<String, String>();
        data.put(DatabaseDrillPlan.SCRIPT, DrillSpecs.script(DatabaseDrillPlan.SCRIPT));
        data.put(DatabaseDrillSpecs.MANIFEST, DatabaseDrillSpecs.manifest(drill, settings));
        var ready = scriptedIdentity(name, ScriptedChildren.DRILL, drill.cronJobName(), drill.namespace(), meta,
                DatabaseDrillSpecs.rules(drill), data, after);
        return new CronJob(DatabaseChild.DRILL.of(name), CronJobArgs.builder().metadata(meta).spec(DatabaseDrillSpecs.cronJob(drill)).build(),
                child(ready));
    }

    /**
     * The check's ServiceAccount, Role, RoleBinding and ConfigMap (the drill's script), then its Job, which Pulumi
     * awaits for the Job's deadline and a margin ({@link DatabaseRestoreCheck#await}).
     */
    private Job restoreCheck(String name, DatabaseRestoreCheck check, CustomObject recovered) {
        var meta = meta(check.name(), check.namespace(), Map.of(DatabaseRestoreCheck.LABEL, check.id()));
        var ready = new ArrayList<Resource>(List.of(recovered));
        ready.addAll(scriptedIdentity(name, ScriptedChildren.RESTORE_CHECK, check.name(), check.namespace(), meta,
                DatabaseRestoreCheckSpecs.rules(check), Map.of(DatabaseDrillPlan.SCRIPT, DrillSpecs.script(DatabaseDrillPlan.SCRIPT)),
                List.of(recovered)));
        var timeouts = CustomTimeouts.builder().create(check.await()).update(check.await()).build();
        return new Job(DatabaseChild.RESTORE_CHECK.of(name), JobArgs.builder()
                .metadata(DatabaseRestoreCheckSpecs.metadata(check))
                .spec(DatabaseRestoreCheckSpecs.job(check))
                .build(), Children.named(this, ready).customTimeouts(timeouts).build());
    }

    /**
     * The Backup pruning's ServiceAccount, Role (read and delete CNPG Backups in the namespace, nothing else),
     * RoleBinding, ConfigMap (the script) and CronJob.
     */
    private CronJob prune(String name, BackupPrunePlan prune, List<Resource> after) {
        var meta = meta(prune.cronJobName(), prune.namespace(), Map.of(BackupPrunePlan.LABEL, prune.id()));
        var ready = scriptedIdentity(name, ScriptedChildren.PRUNE, prune.cronJobName(), prune.namespace(), meta,
                BackupPruneSpecs.rules(), Map.of(BackupPrunePlan.SCRIPT, DrillSpecs.script(BackupPrunePlan.SCRIPT)), after);
        return new CronJob(DatabaseChild.PRUNE.of(name), CronJobArgs.builder().metadata(meta)
                .spec(BackupPruneSpecs.cronJob(prune)).build(), child(ready));
    }

    /** The children of one scripted workload (drill, restore check, pruning) that carry its identity and script. */
    private enum ScriptedChildren {
        DRILL(DatabaseChild.DRILL_ACCOUNT, DatabaseChild.DRILL_ROLE, DatabaseChild.DRILL_BINDING, DatabaseChild.DRILL_CONFIG),
        RESTORE_CHECK(DatabaseChild.RESTORE_CHECK_ACCOUNT, DatabaseChild.RESTORE_CHECK_ROLE, DatabaseChild.RESTORE_CHECK_BINDING,
                DatabaseChild.RESTORE_CHECK_CONFIG),
        PRUNE(DatabaseChild.PRUNE_ACCOUNT, DatabaseChild.PRUNE_ROLE, DatabaseChild.PRUNE_BINDING, DatabaseChild.PRUNE_CONFIG);

        final DatabaseChild account, role, binding, config;

        ScriptedChildren(DatabaseChild account, DatabaseChild role, DatabaseChild binding, DatabaseChild config) {
            this.account = account;
            this.role = role;
            this.binding = binding;
            this.config = config;
        }
    }

    /**
     * A scripted workload's own ServiceAccount, Role and RoleBinding (all named {@code subject}) and the ConfigMap of
     * its script: what its CronJob or Job waits for (the binding and the ConfigMap).
     */
    private List<Resource> scriptedIdentity(String name, ScriptedChildren children, String subject, String namespace,
                                            ObjectMetaArgs meta, List<com.pulumi.kubernetes.rbac.v1.inputs.PolicyRuleArgs> rules,
                                            Map<String, String> data, List<Resource> after) {
        var account = new ServiceAccount(children.account.of(name), ServiceAccountArgs.builder().metadata(meta).build(), child(after));
        var role = new Role(children.role.of(name), RoleArgs.builder().metadata(meta).rules(rules).build(), child(after));
        var binding = new RoleBinding(children.binding.of(name), RoleBindingArgs.builder().metadata(meta)
                .roleRef(RoleRefArgs.builder().apiGroup("rbac.authorization.k8s.io").kind("Role").name(subject).build())
                .subjects(SubjectArgs.builder().kind("ServiceAccount").name(subject).namespace(namespace).build())
                .build(), child(List.of(account, role)));
        var config = new ConfigMap(children.config.of(name), ConfigMapArgs.builder().metadata(meta).data(data).build(), child(after));
        return List.of(binding, config);
    }

    private static ObjectMetaArgs meta(String name, String namespace, Map<String, String> labels) {
        return ObjectMetaArgs.builder().name(name).namespace(namespace).labels(labels).build();
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

    /** Empty when the running cluster's backup wiring is withheld (plan/Lineage). */
    public Optional<CustomObject> clusterPatch() {
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

    public Optional<Job> restoreCheck() {
        return restoreCheck;
    }

    /** CNPG: the CronJob that prunes the cluster's Backup objects. */
    public Optional<CronJob> prune() {
        return prune;
    }
}
