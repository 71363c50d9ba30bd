package homelab.backups.kubernetes;

import com.pulumi.kubernetes.batch.v1.inputs.CronJobSpecArgs;
import com.pulumi.kubernetes.batch.v1.inputs.JobSpecArgs;
import com.pulumi.kubernetes.batch.v1.inputs.JobTemplateSpecArgs;
import com.pulumi.kubernetes.batch.v1.inputs.PodFailurePolicyArgs;
import com.pulumi.kubernetes.batch.v1.inputs.PodFailurePolicyOnExitCodesRequirementArgs;
import com.pulumi.kubernetes.batch.v1.inputs.PodFailurePolicyRuleArgs;
import com.pulumi.kubernetes.core.v1.inputs.CapabilitiesArgs;
import com.pulumi.kubernetes.core.v1.inputs.ConfigMapVolumeSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.ContainerArgs;
import com.pulumi.kubernetes.core.v1.inputs.EmptyDirVolumeSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvFromSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvVarArgs;
import com.pulumi.kubernetes.core.v1.inputs.KeyToPathArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSecurityContextArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodTemplateSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.ResourceRequirementsArgs;
import com.pulumi.kubernetes.core.v1.inputs.SeccompProfileArgs;
import com.pulumi.kubernetes.core.v1.inputs.SecretEnvSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.SecretVolumeSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.SecurityContextArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeMountArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import homelab.backups.config.S3Target;
import homelab.backups.plan.Repository;
import homelab.backups.plan.DrillPlan;
import homelab.backups.plan.RepositoryIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The restore-drill CronJob of one volume. The pod runs the project's drill script (drills/, shipped in the jar) in
 * the mover image, with the volume's repository Secret and the app's identity, and restores into an emptyDir that
 * disappears with the pod; its history (one success, one failure) is what ./verify and the alerts read.
 */
public final class DrillSpecs {
    /** Label on the CronJob and its pods: which app's backups the drill proves. */
    public static final String DRILL_LABEL = DrillPlan.LABEL;
    public static final String SCRATCH = "/scratch";
    public static final String SCRIPTS = "/drill";
    public static final String CA_DIR = "/drill-ca";
    /** A drill that runs longer than this is stuck (a sample restore of a large volume takes minutes, not hours). */
    public static final int DEADLINE_SECONDS = 6 * 3600;
    /**
     * The drill's exit code when restic gave up waiting for the repository's lock (reason=locked, drills/README.md):
     * the app's prune held it. Not a finding about the backups.
     */
    public static final int LOCKED_EXIT_CODE = 75;
    /**
     * What a drill running as uid 0 needs besides ALL dropped: as root, restic ignores no EPERM on restoring owners
     * and modes (restic v0.18.0 internal/fs/node.go NodeRestoreMetadata ignores it only for euid > 0), so restoring a
     * file of another uid needs CHOWN, then FOWNER (chmod, utimes of that file), and DAC_OVERRIDE to write into, verify
     * and delete what that uid owns. All three are in the Baseline Pod Security Standard's allowed list.
     */
    public static final List<String> ROOT_CAPABILITIES = List.of("CHOWN", "FOWNER", "DAC_OVERRIDE");

    private DrillSpecs() {
    }

    /** The text of a drill script from the jar. */
    public static String script(String name) {
        try (var in = DrillSpecs.class.getResourceAsStream("/drills/" + name)) {
            if (in == null) throw new IllegalStateException("drill script drills/" + name + " is not in the jar; rebuild it");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CronJobSpecArgs cronJob(DrillPlan drill, Repository repository) {
        var labels = Map.of(DRILL_LABEL, drill.app());
        return CronJobSpecArgs.builder()
                .schedule(drill.schedule().text())
                // The VolSync controller reads backup schedules in its own zone (UTC in its image); the window is UTC.
                .timeZone("Etc/UTC")
                .concurrencyPolicy("Forbid")
                .startingDeadlineSeconds(3600)
                // The newest success and the newest failure stay, for ./verify and kube-state-metrics to read.
                .successfulJobsHistoryLimit(1)
                .failedJobsHistoryLimit(1)
                .jobTemplate(JobTemplateSpecArgs.builder()
                        .metadata(ObjectMetaArgs.builder().labels(labels).build())
                        .spec(JobSpecArgs.builder()
                                // A failed drill is a finding, not a flake to retry until it passes.
                                .backoffLimit(0)
                                // ... except a drill that met a lock: Kubernetes runs it again (until the deadline) and the
                                // Job does not fail, so RestoreDrillFailed does not count it; a lock held for the whole
                                // deadline still fails the Job (DeadlineExceeded), and a drill that never passes goes stale.
                                .podFailurePolicy(PodFailurePolicyArgs.builder()
                                        .rules(PodFailurePolicyRuleArgs.builder()
                                                .action("Ignore")
                                                // Required by this SDK (batch/v1 schema of Kubernetes 1.26); the API
                                                // refuses only a rule with both kinds non-empty.
                                                .onPodConditions(List.of())
                                                .onExitCodes(PodFailurePolicyOnExitCodesRequirementArgs.builder()
                                                        .containerName("drill")
                                                        .operator("In")
                                                        .values(LOCKED_EXIT_CODE)
                                                        .build())
                                                .build())
                                        .build())
                                .activeDeadlineSeconds(DEADLINE_SECONDS)
                                .template(PodTemplateSpecArgs.builder()
                                        .metadata(ObjectMetaArgs.builder().labels(labels).build())
                                        .spec(pod(drill, repository))
                                        .build())
                                .build())
                        .build())
                .build();
    }

    private static PodSpecArgs pod(DrillPlan drill, Repository repository) {
        var id = drill.identity();
        var withCa = repository.target().caCertificate().isPresent();
        var volumes = new ArrayList<VolumeArgs>(List.of(
                VolumeArgs.builder().name("scratch")
                        .emptyDir(EmptyDirVolumeSourceArgs.builder().sizeLimit(drill.scratch().text()).build()).build(),
                VolumeArgs.builder().name("script")
                        .configMap(ConfigMapVolumeSourceArgs.builder().name(drill.scriptConfigMap())
                                .defaultMode(0555).build()).build()));
        var mounts = new ArrayList<VolumeMountArgs>(List.of(
                VolumeMountArgs.builder().name("scratch").mountPath(SCRATCH).build(),
                VolumeMountArgs.builder().name("script").mountPath(SCRIPTS).readOnly(true).build()));
        if (withCa) {
            volumes.add(VolumeArgs.builder().name("ca")
                    .secret(SecretVolumeSourceArgs.builder().secretName(drill.secretName())
                            .items(KeyToPathArgs.builder().key(S3Target.CA_KEY).path(S3Target.CA_KEY).build())
                            .build()).build());
            mounts.add(VolumeMountArgs.builder().name("ca").mountPath(CA_DIR).readOnly(true).build());
        }
        var container = ContainerArgs.builder()
                .name("drill")
                .image(drill.image())
                .command("/bin/bash", SCRIPTS + "/" + drill.scriptName())
                // The script's last line is the verdict: ./verify reads it from the pod's termination message.
                .terminationMessagePolicy("FallbackToLogsOnError")
                .env(env(drill, withCa))
                .envFrom(EnvFromSourceArgs.builder()
                        .secretRef(SecretEnvSourceArgs.builder().name(drill.secretName()).build()).build())
                .volumeMounts(mounts)
                .resources(ResourceRequirementsArgs.builder()
                        .requests(Map.of("cpu", "100m", "memory", "256Mi", "ephemeral-storage", drill.scratch().text()))
                        .limits(Map.of("cpu", drill.cpuLimit(), "memory", drill.memoryLimit()))
                        .build())
                .securityContext(SecurityContextArgs.builder()
                        .runAsUser(id.uid())
                        .runAsGroup(id.gid())
                        .allowPrivilegeEscalation(false)
                        .readOnlyRootFilesystem(true)
                        .capabilities(capabilities(id.uid()))
                        .build())
                .build();
        return PodSpecArgs.builder()
                .restartPolicy("Never")
                .automountServiceAccountToken(false)
                .securityContext(PodSecurityContextArgs.builder()
                        .fsGroup(id.fsGroup())
                        // The app's own identity, root included (Home Assistant runs as 0): the files are the app's.
                        .runAsNonRoot(id.uid() != 0)
                        .seccompProfile(SeccompProfileArgs.builder().type("RuntimeDefault").build())
                        .build())
                .containers(container)
                .volumes(volumes)
                .build();
    }

    private static CapabilitiesArgs capabilities(int uid) {
        var caps = CapabilitiesArgs.builder().drop("ALL");
        return (uid == 0 ? caps.add(ROOT_CAPABILITIES) : caps).build();
    }

    private static List<EnvVarArgs> env(DrillPlan drill, boolean withCa) {
        var env = new ArrayList<EnvVarArgs>();
        env.add(env("DRILL_APP", drill.app()));
        env.add(env("DRILL_MAX_AGE_SECONDS", Long.toString(drill.maxAge().toSeconds())));
        env.add(env("DRILL_EVERY_DAYS", Integer.toString(drill.everyDays())));
        env.add(env("DRILL_READ_SUBSETS", Integer.toString(drill.readSubsets())));
        env.add(env("DRILL_VERIFY_PERCENT", Integer.toString(drill.verifyPercent())));
        env.add(env("DRILL_SCRATCH", SCRATCH));
        env.add(env("DRILL_SCRATCH_BYTES", Long.toString(drill.scratchBudget())));
        env.add(env("HOME", SCRATCH));
        if (withCa) env.add(env("DRILL_CA_FILE", CA_DIR + "/" + S3Target.CA_KEY));
        // The repository's identity (drills/README.md "Repository identity"): the policy's keep span, and what the last
        // passing drill saw (or the owner acknowledged), carried here because the pod cannot write it anywhere.
        env.add(env(RepositoryIdentity.KEEP_ENV, Long.toString(drill.keep().span().toSeconds())));
        env.add(env(RepositoryIdentity.BUCKET_ENV, Long.toString(drill.keep().bucket().toSeconds())));
        drill.expected().id().ifPresent(id -> env.add(env(RepositoryIdentity.ID_ENV, id)));
        drill.expected().oldest().ifPresent(t -> env.add(env(RepositoryIdentity.OLDEST_ENV, t)));
        return env;
    }

    private static EnvVarArgs env(String name, String value) {
        return EnvVarArgs.builder().name(name).value(value).build();
    }
}
