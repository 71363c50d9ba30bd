package homelab.backups.kubernetes;

import com.pulumi.kubernetes.batch.v1.inputs.JobSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.CapabilitiesArgs;
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
import homelab.backups.plan.RestoreCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The restore check Job of one destination ({@link RestoreCheck}): drills/restore-check.sh, inline, in the mover image
 * (restic 0.18.0 in VolSync 0.15.0's, mover-restic/SOURCE_VERSIONS), with the repository Secret as environment like
 * the drill. It reads the repository only and needs nothing of the API: no service account token, nothing written but
 * a small emptyDir for bash.
 *
 * <p>How {@code pulumi up} waits for it (pulumi-kubernetes provider/pkg/await at the commit e2e/toolchain pins,
 * f47bc2d6f199): a created or updated Job is awaited (awaiters.go l.151-158, 192; await.go Creation l.272-309, Update
 * l.452-473) until its condition Complete is True (job.go l.48-54, cloud-ready-checks v1.3.0 pkg/kubernetes/job/
 * check.go l.49-71); a Failed condition fails the resource at once, but only with reason BackoffLimitExceeded or
 * DeadlineExceeded (check.go l.83-89; any other reason, e.g. a podFailurePolicy's, would wait for the timeout) - so
 * the Job has no podFailurePolicy. The error reads "Resource '&lt;job&gt;' was created but failed to initialize"
 * (error.go l.101-103) with the condition as "[BackoffLimitExceeded] &lt;message&gt;" and the failed pod's container
 * termination message as "[Error] &lt;verdict line&gt;" (watchers.go PodAggregator, pods owned by the Job;
 * cloud-ready-checks pod/check.go l.142-157), which is the check's verdict. The wait is the resource's custom
 * timeout ({@link RestoreCheck#AWAIT}, default 10 minutes: await.go l.272-275); {@code pulumi.com/skipAwait} would
 * make it return at once (await.go l.970-973), so it is never set.
 */
public final class RestoreCheckSpecs {
    public static final String CONTAINER = "restore-check";
    static final String TMP = "/tmp";
    static final String CA_DIR = "/restore-check-ca";

    private RestoreCheckSpecs() {
    }

    public static ObjectMetaArgs metadata(RestoreCheck check) {
        return ObjectMetaArgs.builder().name(check.jobName()).namespace(check.namespace())
                .labels(Map.of(RestoreCheck.LABEL, check.app())).build();
    }

    public static JobSpecArgs job(RestoreCheck check, Repository repository) {
        return JobSpecArgs.builder()
                // A check that found nothing is an answer, not a flake: one pod. The awaiter fails on
                // BackoffLimitExceeded.
                .backoffLimit(0)
                .activeDeadlineSeconds((int) RestoreCheck.DEADLINE.toSeconds())
                .template(PodTemplateSpecArgs.builder()
                        .metadata(ObjectMetaArgs.builder().labels(Map.of(RestoreCheck.LABEL, check.app())).build())
                        .spec(pod(check, repository))
                        .build())
                .build();
    }

    private static PodSpecArgs pod(RestoreCheck check, Repository repository) {
        var withCa = repository.target().caCertificate().isPresent();
        var volumes = new ArrayList<VolumeArgs>(List.of(VolumeArgs.builder().name("tmp")
                .emptyDir(EmptyDirVolumeSourceArgs.builder().sizeLimit("16Mi").build()).build()));
        var mounts = new ArrayList<VolumeMountArgs>(List.of(VolumeMountArgs.builder().name("tmp").mountPath(TMP).build()));
        var env = new ArrayList<EnvVarArgs>();
        check.env().forEach((k, v) -> env.add(EnvVarArgs.builder().name(k).value(v).build()));
        env.add(EnvVarArgs.builder().name("HOME").value(TMP).build());
        env.add(EnvVarArgs.builder().name("TMPDIR").value(TMP).build());
        if (withCa) {
            volumes.add(VolumeArgs.builder().name("ca")
                    .secret(SecretVolumeSourceArgs.builder().secretName(check.secretName())
                            .items(KeyToPathArgs.builder().key(S3Target.CA_KEY).path(S3Target.CA_KEY).build())
                            .build()).build());
            mounts.add(VolumeMountArgs.builder().name("ca").mountPath(CA_DIR).readOnly(true).build());
            env.add(EnvVarArgs.builder().name("CHECK_CA_FILE").value(CA_DIR + "/" + S3Target.CA_KEY).build());
        }
        var container = ContainerArgs.builder()
                .name(CONTAINER)
                .image(check.image())
                .command("/bin/bash", "-c", DrillSpecs.script(RestoreCheck.SCRIPT), CONTAINER)
                // The script's last line is the verdict; it also writes it to the termination log.
                .terminationMessagePolicy("FallbackToLogsOnError")
                .env(env)
                .envFrom(EnvFromSourceArgs.builder()
                        .secretRef(SecretEnvSourceArgs.builder().name(check.secretName()).build()).build())
                .volumeMounts(mounts)
                .resources(ResourceRequirementsArgs.builder()
                        .requests(Map.of("cpu", "50m", "memory", "64Mi"))
                        .limits(Map.of("cpu", "500m", "memory", "256Mi"))
                        .build())
                .securityContext(SecurityContextArgs.builder()
                        // The check reads the repository over the network only: no file of the app's is touched.
                        .runAsUser(65534)
                        .runAsGroup(65534)
                        .runAsNonRoot(true)
                        .allowPrivilegeEscalation(false)
                        .readOnlyRootFilesystem(true)
                        .capabilities(CapabilitiesArgs.builder().drop("ALL").build())
                        .build())
                .build();
        return PodSpecArgs.builder()
                .restartPolicy("Never")
                // No API access: the check needs only the repository Secret, given as environment.
                .automountServiceAccountToken(false)
                .enableServiceLinks(false)
                .securityContext(PodSecurityContextArgs.builder()
                        .runAsNonRoot(true)
                        .seccompProfile(SeccompProfileArgs.builder().type("RuntimeDefault").build())
                        .build())
                .containers(container)
                .volumes(volumes)
                .build();
    }
}
