package homelab.backups.kubernetes;

import com.pulumi.kubernetes.batch.v1.inputs.CronJobSpecArgs;
import com.pulumi.kubernetes.batch.v1.inputs.JobSpecArgs;
import com.pulumi.kubernetes.batch.v1.inputs.JobTemplateSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.ContainerArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvVarArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodTemplateSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.ResourceRequirementsArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeMountArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.kubernetes.rbac.v1.inputs.PolicyRuleArgs;
import homelab.backups.plan.BackupPrunePlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pruning of one CNPG cluster's Backup objects ({@link BackupPrunePlan}): a CronJob that runs
 * {@code drills/cnpg-backup-prune.sh} from its ConfigMap, with kubectl and nothing else, under a ServiceAccount that may
 * only read and delete Backups in the database's namespace.
 */
public final class BackupPruneSpecs {
    public static final String SCRIPTS = "/prune";
    /** kubectl's cache; the root filesystem is read-only. */
    public static final String HOME = "/tmp/prune";
    /** CNPG's Backup, as RBAC names it: the full resource, never Longhorn's {@code backups.longhorn.io}. */
    public static final String GROUP = "postgresql.cnpg.io";
    public static final String RESOURCE = "backups";

    private BackupPruneSpecs() {
    }

    /**
     * Least privilege, in the database's namespace only: list (the script reads every Backup once and filters by
     * {@code spec.cluster.name}: RBAC cannot limit a list to a label or a field, nor a delete to generated names) and
     * delete. Not get: {@code kubectl delete <names>} sends the DELETEs without reading the objects first (the script
     * passes with a Role of list and delete only against a real kube-apiserver: drills/test/backup-prune.sh). No
     * create, update or patch: it cannot make a backup, change one, or touch any other kind.
     */
    public static List<PolicyRuleArgs> rules() {
        return List.of(PolicyRuleArgs.builder().apiGroups(GROUP).resources(RESOURCE).verbs("list", "delete").build());
    }

    public static CronJobSpecArgs cronJob(BackupPrunePlan prune) {
        var labels = Map.of(BackupPrunePlan.LABEL, prune.id());
        return CronJobSpecArgs.builder()
                .schedule(prune.schedule().text())
                .timeZone("Etc/UTC")
                // Two runs at once would try to delete the same objects: harmless (--ignore-not-found), but pointless.
                .concurrencyPolicy("Forbid")
                .startingDeadlineSeconds(3600)
                .successfulJobsHistoryLimit(1)
                // The failed Job stays, so a failing prune is there to see (README: Pruning CNPG Backup objects).
                .failedJobsHistoryLimit(1)
                .jobTemplate(JobTemplateSpecArgs.builder()
                        .metadata(ObjectMetaArgs.builder().labels(labels).build())
                        .spec(JobSpecArgs.builder()
                                // A failure shows as a failed Job; the next day's run tries again.
                                .backoffLimit(0)
                                .activeDeadlineSeconds((int) BackupPrunePlan.DEADLINE.toSeconds())
                                .template(PodTemplateSpecArgs.builder()
                                        .metadata(ObjectMetaArgs.builder().labels(labels).build())
                                        .spec(pod(prune))
                                        .build())
                                .build())
                        .build())
                .build();
    }

    private static PodSpecArgs pod(BackupPrunePlan prune) {
        var container = ContainerArgs.builder()
                .name("prune")
                .image(prune.image())
                .command("/bin/bash", SCRIPTS + "/" + BackupPrunePlan.SCRIPT)
                .terminationMessagePolicy("FallbackToLogsOnError")
                .env(environment(prune).entrySet().stream()
                        .map(e -> EnvVarArgs.builder().name(e.getKey()).value(e.getValue()).build()).toList())
                .volumeMounts(
                        VolumeMountArgs.builder().name("script").mountPath(SCRIPTS).readOnly(true).build(),
                        VolumeMountArgs.builder().name("home").mountPath(HOME).build())
                .resources(ResourceRequirementsArgs.builder()
                        .requests(Map.of("cpu", "20m", "memory", "32Mi"))
                        .limits(Map.of("cpu", "200m", "memory", "128Mi"))
                        .build())
                .securityContext(DatabaseDrillSpecs.unprivileged())
                .build();
        return PodSpecArgs.builder()
                .restartPolicy("Never")
                .serviceAccountName(prune.cronJobName())
                .securityContext(DatabaseDrillSpecs.podSecurity())
                .containers(container)
                .volumes(DatabaseDrillSpecs.scriptVolumes(prune.cronJobName(), "16Mi"))
                .build();
    }

    /** What the script reads (drills/cnpg-backup-prune.sh, its header). */
    public static Map<String, String> environment(BackupPrunePlan prune) {
        var env = new LinkedHashMap<String, String>();
        env.put("PRUNE_DB", prune.id());
        env.put("PRUNE_NAMESPACE", prune.namespace());
        env.put("PRUNE_CLUSTER", prune.cluster());
        env.put("PRUNE_METHOD", prune.method());
        env.put("PRUNE_KEEP_SECONDS", Long.toString(prune.keepWithin().toSeconds()));
        env.put("PRUNE_KEEP_COMPLETED", Integer.toString(prune.keepCompleted()));
        env.put("HOME", HOME);
        return env;
    }
}
