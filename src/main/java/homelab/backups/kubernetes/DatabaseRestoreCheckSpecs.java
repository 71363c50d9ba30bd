package homelab.backups.kubernetes;

import com.pulumi.kubernetes.batch.v1.inputs.JobSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.ContainerArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvVarArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodTemplateSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.ResourceRequirementsArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeMountArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.kubernetes.rbac.v1.inputs.PolicyRuleArgs;
import homelab.backups.plan.DatabaseDrillPlan;
import homelab.backups.plan.DatabaseRestoreCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Job that proves a database restore ({@link DatabaseRestoreCheck}): drills/db-drill.sh in check mode, in the
 * drill's image (bash and kubectl), as nobody, with a read-only root filesystem, limits and a deadline. {@code pulumi
 * up} awaits it like the volume restore checks' Jobs ({@link RestoreCheckSpecs} says how the provider awaits a Job and
 * reports a failed one with its pod's termination message: the verdict line), so the Job has no podFailurePolicy and
 * {@code backoffLimit: 0}.
 */
public final class DatabaseRestoreCheckSpecs {
    public static final String CONTAINER = "db-restore-check";

    private DatabaseRestoreCheckSpecs() {
    }

    public static ObjectMetaArgs metadata(DatabaseRestoreCheck check) {
        return ObjectMetaArgs.builder().name(check.name()).namespace(check.namespace())
                .labels(Map.of(DatabaseRestoreCheck.LABEL, check.id())).build();
    }

    /**
     * Least privilege, in the database's namespace: get the recovered cluster and the running one, by name (ready,
     * primary; the running cluster's identity when the archive was not read); get pods (kubectl exec reads the pod
     * first), list them for PGO (its primary is found by label), and exec into them for psql as the instance's local
     * superuser, both exec verbs as the drill has them ({@link DatabaseDrillSpecs#rules}). No create and no delete: the
     * recovered cluster is the app's from now on.
     */
    public static List<PolicyRuleArgs> rules(DatabaseRestoreCheck check) {
        var type = check.engine().cluster();
        var rules = new ArrayList<PolicyRuleArgs>();
        rules.add(PolicyRuleArgs.builder().apiGroups(type.group()).resources(type.plural())
                .resourceNames(check.recovered(), check.database().database().name()).verbs("get").build());
        rules.add(PolicyRuleArgs.builder().apiGroups("").resources("pods")
                .verbs(check.engine().<List<String>>match(cnpg -> CnpgSpecs.DRILL_POD_VERBS, pgo -> PgoSpecs.DRILL_POD_VERBS)).build());
        rules.add(PolicyRuleArgs.builder().apiGroups("").resources("pods/exec").verbs("create", "get").build());
        return rules;
    }

    public static JobSpecArgs job(DatabaseRestoreCheck check) {
        var labels = Map.of(DatabaseRestoreCheck.LABEL, check.id());
        return JobSpecArgs.builder()
                // A restore that did not come back is an answer, not a flake: one pod; the awaiter fails on
                // BackoffLimitExceeded or DeadlineExceeded and shows the verdict.
                .backoffLimit(0)
                .activeDeadlineSeconds((int) check.deadline().toSeconds())
                .template(PodTemplateSpecArgs.builder()
                        .metadata(ObjectMetaArgs.builder().labels(labels).build())
                        .spec(pod(check))
                        .build())
                .build();
    }

    /** What the check's pod runs with (tests read it without Pulumi's argument types). */
    public static Map<String, String> environment(DatabaseRestoreCheck check) {
        return check.environment(check.engine().match(cnpg -> CnpgSpecs.CONTAINER, pgo -> PgoSpecs.CONTAINER),
                DatabaseDrillSpecs.HOME);
    }

    private static PodSpecArgs pod(DatabaseRestoreCheck check) {
        var env = environment(check).entrySet().stream()
                .map(e -> EnvVarArgs.builder().name(e.getKey()).value(e.getValue()).build()).toList();
        var container = ContainerArgs.builder()
                .name(CONTAINER)
                .image(check.image())
                .command("/bin/bash", DatabaseDrillSpecs.SCRIPTS + "/" + DatabaseDrillPlan.SCRIPT)
                // The script writes its verdict to /dev/termination-log; its last log line is the same.
                .terminationMessagePolicy("FallbackToLogsOnError")
                .env(env)
                .volumeMounts(
                        VolumeMountArgs.builder().name("script").mountPath(DatabaseDrillSpecs.SCRIPTS).readOnly(true).build(),
                        VolumeMountArgs.builder().name("home").mountPath(DatabaseDrillSpecs.HOME).build())
                .resources(ResourceRequirementsArgs.builder()
                        .requests(Map.of("cpu", "50m", "memory", "64Mi"))
                        .limits(Map.of("cpu", check.cpuLimit(), "memory", check.memoryLimit()))
                        .build())
                .securityContext(DatabaseDrillSpecs.unprivileged())
                .build();
        return PodSpecArgs.builder()
                .restartPolicy("Never")
                .serviceAccountName(check.name())
                .enableServiceLinks(false)
                .securityContext(DatabaseDrillSpecs.podSecurity())
                .containers(container)
                .volumes(DatabaseDrillSpecs.scriptVolumes(check.name(), "64Mi"))
                .build();
    }
}
