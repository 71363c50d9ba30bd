package homelab.backups.kubernetes;

import com.pulumi.exceptions.RunException;
import homelab.backups.plan.LiveClaim;
import homelab.backups.plan.LiveRead;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The live cluster through the fabric8 client, configured as the Kubernetes provider is: the ambient kubeconfig
 * ({@code KUBECONFIG} or {@code ~/.kube/config}) and, when the stack names one, its context. Only GETs and LISTs.
 *
 * <p>Connecting and the one cluster-wide list of PVCs start at once, in the background, so that they overlap with the
 * SDK's own start: the program asks for them only once its plan is made.
 */
public final class Fabric8LiveCluster implements LiveCluster {
    private final Optional<String> context;
    private final CompletableFuture<KubernetesClient> client;
    private final CompletableFuture<Map<String, LiveClaim>> claims;
    /** Every PVC in the order the API server listed them (the coverage ledger reads them all). */
    private final CompletableFuture<List<LiveClaim>> allClaims;
    private volatile String where = "the cluster of the current kubeconfig context";

    private Fabric8LiveCluster(Optional<String> context) {
        this.context = context;
        this.client = CompletableFuture.supplyAsync(() -> {
            // fabric8 falls back to the current context when the pinned one is missing: refuse that first.
            KubeContexts.problem(context).ifPresent(p -> {
                throw new ContextException(p);
            });
            var config = Config.autoConfigure(context.orElse(null));
            var used = config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
            if (context.isPresent() && !context.get().equals(used)) {
                throw new ContextException("the kubeconfig context '" + context.get() + "' (" + KubeContexts.SETTING
                        + ") was not selected (the client chose " + (used == null ? "none" : "'" + used + "'")
                        + "): the current context is never used in its place");
            }
            config.setRequestTimeout(30_000);
            config.setConnectionTimeout(10_000);
            config.setRequestRetryBackoffLimit(2);
            where = config.getMasterUrl() + context.map(c -> " (context " + c + ")").orElse("");
            return new KubernetesClientBuilder().withConfig(config).build();
        });
        this.allClaims = client.thenApply(c -> c.persistentVolumeClaims().inAnyNamespace().list().getItems().stream()
                .map(Fabric8LiveCluster::liveClaim).toList());
        this.claims = allClaims.thenApply(all -> all.stream().collect(Collectors.toMap(LiveClaim::key, c -> c)));
    }

    /** @param context the kubeconfig context the stack pins (homelab-backups:kubernetes.context), if any */
    public static Fabric8LiveCluster connect(Optional<String> context) {
        return new Fabric8LiveCluster(context);
    }

    public Optional<String> context() {
        return context;
    }

    @Override
    public Optional<LiveClaim> claim(String namespace, String name) {
        return Optional.ofNullable(read(claims::join).get(namespace + "/" + name));
    }

    @Override
    public List<LiveClaim> allClaims() {
        return read(allClaims::join);
    }

    /** Discovery of the kind's group version: absent when the group version is not served or lacks the kind. */
    @Override
    public boolean served(String apiVersion, String kind) {
        var resources = read(() -> {
            try {
                return client.join().getApiResources(apiVersion);
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) return null;
                throw e;
            }
        });
        return resources != null && resources.getResources() != null
                && resources.getResources().stream().anyMatch(r -> kind.equals(r.getKind()) && !r.getName().contains("/"));
    }

    @Override
    public boolean namespaceExists(String name) {
        return read(() -> client.join().namespaces().withName(name).get()) != null;
    }

    /**
     * An object whose absence and unreadability must not look alike: 401/403 is a refusal with the API server's
     * message; any other failure stops the program as every other read does.
     */
    @Override
    @SuppressWarnings("unchecked")
    public LiveRead read(String apiVersion, String kind, String namespace, String name) {
        try {
            var object = read(() -> {
                try {
                    return client.join().genericKubernetesResources(apiVersion, kind).inNamespace(namespace).withName(name).get();
                } catch (KubernetesClientException e) {
                    if (e.getCode() == 401 || e.getCode() == 403) throw new RefusedException(e);
                    if (notServed(e)) return null;
                    throw e;
                }
            });
            return object == null ? new LiveRead.Absent()
                    : new LiveRead.Found((Map<String, Object>) client.join().getKubernetesSerialization().convertValue(object, Map.class));
        } catch (RefusedException e) {
            var cause = (KubernetesClientException) e.getCause();
            var status = cause.getStatus();
            return new LiveRead.Refused("HTTP " + cause.getCode() + (status != null && status.getMessage() != null
                    ? ": " + status.getMessage() : ": " + cause.getMessage()));
        }
    }

    /**
     * Pods that mount the claim and are scheduled: the ones the PVC-protection controller counts, whatever their
     * phase (k8s.io/kubernetes v1.34 pkg/controller/volume/pvcprotection/pvc_protection_controller.go podUsesPVC).
     */
    @Override
    public List<String> podsUsing(String namespace, String claim) {
        var pods = read(() -> client.join().pods().inNamespace(namespace).list().getItems());
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
                return client.join().genericKubernetesResources(apiVersion, kind).inNamespace(namespace).withName(name).get();
            } catch (KubernetesClientException e) {
                if (notServed(e)) return null;   // no such object, or its kind is not installed: no such object either
                throw e;
            }
        });
        return Optional.ofNullable(object)
                .map(o -> (Map<String, Object>) client.join().getKubernetesSerialization().convertValue(o, Map.class));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> objects(String apiVersion, String kind, String namespace) {
        var items = read(() -> {
            try {
                return client.join().genericKubernetesResources(apiVersion, kind).inNamespace(namespace).list().getItems();
            } catch (KubernetesClientException e) {
                if (notServed(e)) return List.<io.fabric8.kubernetes.api.model.GenericKubernetesResource>of();
                throw e;
            }
        });
        var serialization = client.join().getKubernetesSerialization();
        return items.stream().map(o -> (Map<String, Object>) serialization.convertValue(o, Map.class)).toList();
    }

    /** Every namespace's (or a cluster-scoped kind's) objects; a kind this client may not list is Unreadable, not fatal. */
    @Override
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> everywhere(String apiVersion, String kind) {
        var items = read(() -> {
            try {
                return client.join().genericKubernetesResources(apiVersion, kind).inAnyNamespace().list().getItems();
            } catch (KubernetesClientException e) {
                if (notServed(e)) return List.<io.fabric8.kubernetes.api.model.GenericKubernetesResource>of();
                if (e.getCode() == 401 || e.getCode() == 403) {
                    throw new homelab.backups.plan.Verification.Unreadable("the API server refused to list it (HTTP " + e.getCode()
                            + "): give the kubeconfig's user list on " + kind);
                }
                throw e;
            }
        });
        var serialization = client.join().getKubernetesSerialization();
        return items.stream().map(o -> (Map<String, Object>) serialization.convertValue(o, Map.class)).toList();
    }

    /**
     * Not found, or a kind the API server does not serve: fabric8 resolves a generic kind by discovery and throws
     * "Could not find the metadata for the given apiVersion and kind" when no API group serves it.
     */
    static boolean notServed(KubernetesClientException e) {
        return e.getCode() == 404 || (e.getMessage() != null && e.getMessage().contains("Could not find the metadata"));
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
                Optional.ofNullable(annotations.get(KEPT_VOLUME_ANNOTATION)),
                meta.getLabels() == null ? Map.of() : meta.getLabels(), annotations,
                Optional.ofNullable(meta.getCreationTimestamp()),
                Optional.ofNullable(spec.getDataSourceRef())
                        .map(r -> LiveClaim.ref(r.getApiGroup(), r.getKind(), r.getName())));
    }

    private <T> T read(Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException | CompletionException e) {
            var cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RefusedException refused) throw refused;
            if (cause instanceof ContextException) throw new RunException(cause.getMessage());
            // Said before anything is registered (the program) or instead of a table (./verify).
            throw new RunException("cannot read the live cluster at " + where + ": " + cause.getMessage()
                    + " (check the kubeconfig context: homelab-backups:kubernetes.context, else the current one)");
        }
    }

    @Override
    public void close() {
        client.thenAccept(KubernetesClient::close);
    }

    /** The API server refused a read (401/403): an answer of its own, passed through {@link #read(Supplier)}. */
    static final class RefusedException extends RuntimeException {
        RefusedException(KubernetesClientException cause) {
            super(cause);
        }
    }

    /** The kubeconfig cannot give the context the stack asks for; nothing was read. */
    static final class ContextException extends RuntimeException {
        ContextException(String message) {
            super(message);
        }
    }
}
