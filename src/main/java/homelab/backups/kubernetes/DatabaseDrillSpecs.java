package homelab.backups.kubernetes;

import com.google.gson.GsonBuilder;
import com.pulumi.kubernetes.batch.v1.inputs.CronJobSpecArgs;
import com.pulumi.kubernetes.batch.v1.inputs.JobSpecArgs;
import com.pulumi.kubernetes.batch.v1.inputs.JobTemplateSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.CapabilitiesArgs;
import com.pulumi.kubernetes.core.v1.inputs.ConfigMapVolumeSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.ContainerArgs;
import com.pulumi.kubernetes.core.v1.inputs.EmptyDirVolumeSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvVarArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSecurityContextArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodTemplateSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.ResourceRequirementsArgs;
import com.pulumi.kubernetes.core.v1.inputs.SeccompProfileArgs;
import com.pulumi.kubernetes.core.v1.inputs.SecurityContextArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeMountArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.kubernetes.rbac.v1.inputs.PolicyRuleArgs;
import homelab.backups.config.Settings;
import homelab.backups.plan.DatabaseDrillPlan;
import homelab.backups.plan.RecoveryShape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The restore drill of one database (README: Database restore drills): a CronJob whose pod creates the throwaway
 * cluster held in its ConfigMap, waits for it, compares it with the running cluster through {@code kubectl exec}
 * (psql runs inside the database pods, as their local superuser: the drill holds no database credentials), and
 * deletes it. Its ServiceAccount may do only that (rules()).
 */
public final class DatabaseDrillSpecs {
    public static final String SCRIPTS = "/drill";
    /** The ConfigMap key (and file) holding the throwaway cluster's manifest. */
    public static final String MANIFEST = "cluster.json";
    /** kubectl's cache and the script's scratch files; the root filesystem is read-only. */
    public static final String HOME = "/tmp/drill";
    /**
     * Stands for the running cluster's image when the inventory names none: the script puts the live one in before
     * creating the cluster (a recovered data directory starts only on its major version and extensions:
     * docs/field-findings.md §4), and refuses when there is none to read.
     */
    public static final String LIVE_IMAGE = "@live-image@";
    /** The uid the drill runs as: nobody. It writes nothing but its scratch files. */
    public static final long UID = 65534;

    private DatabaseDrillSpecs() {
    }

    /**
     * The shape of the throwaway cluster, from the inventory and, for PGO, the running cluster's serving configuration
     * read at {@code pulumi up} ({@link DatabaseDrillPlan#serving}); the image is read by the script when it runs.
     */
    public static RecoveryShape shape(DatabaseDrillPlan drill) {
        var db = drill.database().database();
        // The image may be left out for PGO (its operator then picks the one for the version), but the running
        // cluster's image may carry extensions the default lacks: the script reads it live like the CNPG one.
        var image = db.image().orElse(LIVE_IMAGE);
        return drill.engine().match(cnpg -> CnpgSpecs.drillShape(cnpg, image), pgo -> PgoSpecs.drillShape(pgo, image, drill.serving()));
    }

    /** The throwaway cluster, whole: apiVersion, kind, metadata (its owner label) and the spec its engine builds. */
    public static Map<String, Object> throwawayCluster(DatabaseDrillPlan drill, Settings settings) {
        var object = new LinkedHashMap<String, Object>();
        object.put("apiVersion", drill.engine().cluster().apiVersion());
        object.put("kind", kind(drill));
        var metadata = new LinkedHashMap<String, Object>();
        metadata.put("name", drill.throwaway());
        metadata.put("namespace", drill.namespace());
        metadata.put("labels", Map.of(DatabaseDrillPlan.LABEL, drill.id()));
        object.put("metadata", metadata);
        var d = drill.database();
        var shape = shape(drill);
        object.put("spec", drill.engine().match(cnpg -> CnpgSpecs.drillCluster(d, cnpg, shape, settings),
                pgo -> PgoSpecs.drillCluster(d, pgo, shape, settings)));
        return object;
    }

    /**
     * The manifest as the ConfigMap holds it: JSON, one key per line (the script replaces the image line by line), keys
     * sorted at every level. Sorted, because the specs use {@code Map.of}, whose order changes from one JVM to the next:
     * the text would differ on every run and Pulumi would replace the ConfigMap on every up.
     */
    public static String manifest(DatabaseDrillPlan drill, Settings settings) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(sorted(throwawayCluster(drill, settings))) + "\n";
    }

    static Object sorted(Object value) {
        if (value instanceof Map<?, ?> map) {
            var out = new java.util.TreeMap<String, Object>();
            map.forEach((k, v) -> out.put(String.valueOf(k), sorted(v)));
            return out;
        }
        if (value instanceof List<?> list) return list.stream().map(DatabaseDrillSpecs::sorted).toList();
        return value;
    }

    public static String kind(DatabaseDrillPlan drill) {
        return drill.engine().cluster().kind();
    }

    /** The resource of the cluster kind, as RBAC names it. */
    public static String resource(DatabaseDrillPlan drill) {
        return drill.engine().cluster().plural();
    }

    public static String apiGroup(DatabaseDrillPlan drill) {
        return drill.engine().cluster().group();
    }

    /**
     * Least privilege, in the database's namespace only:
     * <ul>
     * <li>create the cluster kind: RBAC cannot limit create to a name (the name is not known when a create is
     * authorised: Kubernetes docs, "Using RBAC Authorization", Referring to resources); a create never changes an
     * existing cluster, and what the drill creates is the ConfigMap's manifest;</li>
     * <li>get and delete only the throwaway cluster, by name (its leftover from an earlier run is found by the same
     * name, so no list and no deletecollection); get only the running cluster (its primary, its image);</li>
     * <li>get pods (kubectl exec reads the pod first), list them for PGO (its primary is found by label; CNPG's is in
     * the Cluster's status.currentPrimary), and exec into them: psql as the instance's local superuser over its unix
     * socket. The other way in, a Service, would need the superuser password: CNPG creates no superuser Secret unless
     * enableSuperuserAccess is set, and reading PGO's pguser Secrets would give the drill every app credential. Exec
     * is granted with both verbs: SPDY exec is a create, WebSocket exec (kubectl ≥ 1.31) a get upgraded.</li>
     * </ul>
     */
    public static List<PolicyRuleArgs> rules(DatabaseDrillPlan drill) {
        var group = apiGroup(drill);
        var resource = resource(drill);
        var rules = new ArrayList<PolicyRuleArgs>();
        rules.add(PolicyRuleArgs.builder().apiGroups(group).resources(resource).verbs("create").build());
        rules.add(PolicyRuleArgs.builder().apiGroups(group).resources(resource).resourceNames(drill.throwaway())
                .verbs("get", "delete").build());
        rules.add(PolicyRuleArgs.builder().apiGroups(group).resources(resource)
                .resourceNames(drill.database().database().name()).verbs("get").build());
        rules.add(PolicyRuleArgs.builder().apiGroups("").resources("pods")
                .verbs(drill.engine().<List<String>>match(cnpg -> CnpgSpecs.DRILL_POD_VERBS, pgo -> PgoSpecs.DRILL_POD_VERBS)).build());
        rules.add(PolicyRuleArgs.builder().apiGroups("").resources("pods/exec").verbs("create", "get").build());
        return rules;
    }

    public static CronJobSpecArgs cronJob(DatabaseDrillPlan drill) {
        var labels = Map.of(DatabaseDrillPlan.LABEL, drill.id());
        return CronJobSpecArgs.builder()
                .schedule(drill.schedule().text())
                .timeZone("Etc/UTC")
                // One drill at a time: two would fight over the one throwaway cluster name.
                .concurrencyPolicy("Forbid")
                .startingDeadlineSeconds(3600)
                .successfulJobsHistoryLimit(1)
                .failedJobsHistoryLimit(1)
                .jobTemplate(JobTemplateSpecArgs.builder()
                        .metadata(ObjectMetaArgs.builder().labels(labels).build())
                        .spec(JobSpecArgs.builder()
                                // A failed drill is a finding, not a flake to retry until it passes.
                                .backoffLimit(0)
                                .activeDeadlineSeconds((int) drill.deadline().toSeconds())
                                .template(PodTemplateSpecArgs.builder()
                                        .metadata(ObjectMetaArgs.builder().labels(labels).build())
                                        .spec(pod(drill))
                                        .build())
                                .build())
                        .build())
                .build();
    }

    private static PodSpecArgs pod(DatabaseDrillPlan drill) {
        var container = ContainerArgs.builder()
                .name("drill")
                .image(drill.image())
                .command("/bin/bash", SCRIPTS + "/" + DatabaseDrillPlan.SCRIPT)
                // The script writes its verdict to /dev/termination-log; its last log line is the same.
                .terminationMessagePolicy("FallbackToLogsOnError")
                .env(env(drill))
                .volumeMounts(
                        VolumeMountArgs.builder().name("script").mountPath(SCRIPTS).readOnly(true).build(),
                        VolumeMountArgs.builder().name("home").mountPath(HOME).build())
                .resources(ResourceRequirementsArgs.builder()
                        .requests(Map.of("cpu", "50m", "memory", "64Mi"))
                        .limits(Map.of("cpu", drill.cpuLimit(), "memory", drill.memoryLimit()))
                        .build())
                .securityContext(unprivileged())
                .build();
        return PodSpecArgs.builder()
                .restartPolicy("Never")
                .serviceAccountName(drill.cronJobName())
                .securityContext(podSecurity())
                .containers(container)
                .volumes(scriptVolumes(drill.cronJobName(), "64Mi"))
                .build();
    }

    /** What the script reads (drills/db-drill.sh, its header). */
    public static Map<String, String> environment(DatabaseDrillPlan drill) {
        var env = new LinkedHashMap<String, String>();
        env.put("DRILL_DB", drill.id());
        env.put("DRILL_ENGINE", drill.engine().kind().id());
        env.put("DRILL_NAMESPACE", drill.namespace());
        env.put("DRILL_SOURCE", drill.database().database().name());
        env.put("DRILL_CLUSTER", drill.throwaway());
        env.put("DRILL_MANIFEST", SCRIPTS + "/" + MANIFEST);
        env.put("DRILL_READY_SECONDS", Long.toString(drill.readyTimeout().toSeconds()));
        env.put("DRILL_CONTAINER", drill.engine().match(cnpg -> CnpgSpecs.CONTAINER, pgo -> PgoSpecs.CONTAINER));
        drill.appDatabase().ifPresent(db -> env.put("DRILL_DATABASE", db));
        if (!drill.tables().isEmpty()) env.put("DRILL_TABLES", String.join(" ", drill.tables()));
        env.put("HOME", HOME);
        return env;
    }

    private static List<EnvVarArgs> env(DatabaseDrillPlan drill) {
        return environment(drill).entrySet().stream()
                .map(e -> EnvVarArgs.builder().name(e.getKey()).value(e.getValue()).build()).toList();
    }

    /**
     * The container of a kubectl workload (the drill, the restore check, the Backup pruning): uid and gid {@link #UID}
     * (nobody), no privilege escalation, a read-only root filesystem, no capabilities.
     */
    public static SecurityContextArgs unprivileged() {
        return SecurityContextArgs.builder()
                .runAsUser((int) UID)
                .runAsGroup((int) UID)
                .allowPrivilegeEscalation(false)
                .readOnlyRootFilesystem(true)
                .capabilities(CapabilitiesArgs.builder().drop("ALL").build())
                .build();
    }

    /** The pod of a kubectl workload: non-root, the runtime's default seccomp profile. */
    public static PodSecurityContextArgs podSecurity() {
        return PodSecurityContextArgs.builder()
                .runAsNonRoot(true)
                .seccompProfile(SeccompProfileArgs.builder().type("RuntimeDefault").build())
                .build();
    }

    /** Its volumes: the script ConfigMap {@code configMap} (read-only, mounted at {@link #SCRIPTS}) and {@link #HOME}. */
    public static List<VolumeArgs> scriptVolumes(String configMap, String homeLimit) {
        return List.of(
                VolumeArgs.builder().name("script").configMap(ConfigMapVolumeSourceArgs.builder()
                        .name(configMap).defaultMode(0444).build()).build(),
                VolumeArgs.builder().name("home")
                        .emptyDir(EmptyDirVolumeSourceArgs.builder().sizeLimit(homeLimit).build()).build());
    }

}
