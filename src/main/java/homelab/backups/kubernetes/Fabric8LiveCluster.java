package homelab.backups.kubernetes;

import com.pulumi.exceptions.RunException;
import homelab.backups.plan.LiveClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The live cluster through the fabric8 client, configured as the Kubernetes provider is: the ambient kubeconfig
 * ({@code KUBECONFIG} or {@code ~/.kube/config}) and, when the stack names one, its context. Only GETs and LISTs.
 */
public final class Fabric8LiveCluster implements LiveCluster {
    private final KubernetesClient client;
    private final String where;

    private Fabric8LiveCluster(KubernetesClient client, String where) {
        this.client = client;
        this.where = where;
    }

    /** @param context the kubeconfig context the stack pins (homelab-backups:kubernetes.context), if any */
    public static Fabric8LiveCluster connect(Optional<String> context) {
        var config = Config.autoConfigure(context.orElse(null));
        config.setRequestTimeout(30_000);
        config.setConnectionTimeout(10_000);
        config.setRequestRetryBackoffLimit(2);
        return new Fabric8LiveCluster(new KubernetesClientBuilder().withConfig(config).build(),
                config.getMasterUrl() + context.map(c -> " (context " + c + ")").orElse(""));
    }

    @Override
    public Optional<LiveClaim> claim(String namespace, String name) {
        var pvc = read(() -> client.persistentVolumeClaims().inNamespace(namespace).withName(name).get());
        return Optional.ofNullable(pvc).map(Fabric8LiveCluster::liveClaim);
    }

    /**
     * Pods that mount the claim and are scheduled: the ones the PVC-protection controller counts, whatever their
     * phase (k8s.io/kubernetes v1.34 pkg/controller/volume/pvcprotection/pvc_protection_controller.go podUsesPVC).
     */
    @Override
    public List<String> podsUsing(String namespace, String claim) {
        var pods = read(() -> client.pods().inNamespace(namespace).list().getItems());
        return pods.stream()
                .filter(p -> p.getSpec() != null && p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty())
                .filter(p -> mounts(p, claim))
                .map(p -> p.getMetadata().getName())
                .sorted()
                .toList();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<Map<String, Object>> object(String apiVersion, String kind, String namespace, String name) {
        var object = read(() -> {
            try {
                return client.genericKubernetesResources(apiVersion, kind).inNamespace(namespace).withName(name).get();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) return null;   // the kind is not installed: no such object either
                throw e;
            }
        });
        return Optional.ofNullable(object)
                .map(o -> (Map<String, Object>) client.getKubernetesSerialization().convertValue(o, Map.class));
    }

    private static boolean mounts(Pod pod, String claim) {
        var volumes = pod.getSpec().getVolumes();
        return volumes != null && volumes.stream().map(Volume::getPersistentVolumeClaim).filter(Objects::nonNull)
                .anyMatch(c -> claim.equals(c.getClaimName()));
    }

    static LiveClaim liveClaim(PersistentVolumeClaim pvc) {
        var meta = pvc.getMetadata();
        var spec = pvc.getSpec();
        var requests = spec.getResources() == null ? null : spec.getResources().getRequests();
        var storage = requests == null || requests.get("storage") == null ? Optional.<String>empty()
                : Optional.of(requests.get("storage").toString());
        Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
        return new LiveClaim(meta.getNamespace(), meta.getName(), meta.getUid(), storage,
                spec.getAccessModes() == null ? List.of() : spec.getAccessModes(),
                Optional.ofNullable(spec.getStorageClassName()),
                Optional.ofNullable(pvc.getStatus()).map(s -> s.getPhase()),
                Optional.ofNullable(spec.getVolumeName()),
                meta.getDeletionTimestamp() != null && !meta.getDeletionTimestamp().isEmpty(),
                Optional.ofNullable(annotations.get(RESTORE_ANNOTATION)),
                Optional.ofNullable(annotations.get(KEPT_VOLUME_ANNOTATION)));
    }

    private <T> T read(Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw new RunException("cannot read the live cluster at " + where + ": " + e.getMessage()
                    + " (the program reads the PVCs it adopts before it registers anything)");
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
