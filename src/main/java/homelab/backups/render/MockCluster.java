package homelab.backups.render;

import homelab.backups.config.AccessMode;
import homelab.backups.kubernetes.LiveCluster;
import homelab.backups.plan.LiveClaim;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.VolumePlan;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The live cluster of the offline render and of the tests. The render has no cluster, so it assumes every PVC of the
 * inventory exists and agrees with it, shaped as the live cluster shapes it (bound to a PV, Argo CD's labels and
 * annotations, docs/field-findings.md §1), and that no pod uses a PVC being restored; {@code pulumi preview} checks the real
 * ones. The objects are kept as the API server serves them (maps), so tests can edit them as an owner would.
 */
public final class MockCluster implements LiveCluster {
    /**
     * Argo CD's Application: not served here unless a test installs it ({@link #withArgoCd}). The render cannot read
     * Argo CD; {@code pulumi preview} reads the real one before a restore deletes a PVC.
     */
    public static final String ARGO_APPLICATION = "argoproj.io/v1alpha1|Application";

    private final Map<String, Map<String, Object>> claims;
    private final Map<String, List<String>> pods;
    private final Map<String, Map<String, Object>> objects;
    private final boolean offline;
    /** "apiVersion|kind" the API server does not serve (no CRD); every other kind is served. */
    private final java.util.Set<String> unserved;
    /** Namespaces that do not exist; every other one does. */
    private final java.util.Set<String> missingNamespaces;
    /** "apiVersion|kind" whose objects the API server refuses to show (RBAC). */
    private final java.util.Set<String> refused;

    private MockCluster(Map<String, Map<String, Object>> claims, Map<String, List<String>> pods,
                        Map<String, Map<String, Object>> objects, boolean offline) {
        this(claims, pods, objects, offline, java.util.Set.of(ARGO_APPLICATION), java.util.Set.of(), java.util.Set.of());
    }

    private MockCluster(Map<String, Map<String, Object>> claims, Map<String, List<String>> pods,
                        Map<String, Map<String, Object>> objects, boolean offline, java.util.Set<String> unserved,
                        java.util.Set<String> missingNamespaces, java.util.Set<String> refused) {
        this.claims = claims;
        this.pods = pods;
        this.objects = objects;
        this.offline = offline;
        this.unserved = java.util.Set.copyOf(unserved);
        this.missingNamespaces = java.util.Set.copyOf(missingNamespaces);
        this.refused = java.util.Set.copyOf(refused);
    }

    private MockCluster copy(Map<String, Map<String, Object>> claims, Map<String, List<String>> pods,
                             Map<String, Map<String, Object>> objects, boolean offline) {
        return new MockCluster(claims, pods, objects, offline, unserved, missingNamespaces, refused);
    }

    /**
     * The same cluster, answering for statuses too: its objects are the live cluster's, so the Longhorn retirement
     * gate is checked against them (tests); without this, the render leaves that gate to the preview.
     */
    public MockCluster withStatuses() {
        return copy(claims, pods, objects, false);
    }

    /** The same cluster without the CRD of {@code apiVersion}/{@code kind}: the API server does not serve it. */
    public MockCluster withoutKind(String apiVersion, String kind) {
        var fewer = new java.util.HashSet<>(unserved);
        fewer.add(apiVersion + "|" + kind);
        return new MockCluster(claims, pods, objects, offline, fewer, missingNamespaces, refused);
    }

    /** The same cluster without the namespace. */
    public MockCluster withoutNamespace(String namespace) {
        var gone = new java.util.HashSet<>(missingNamespaces);
        gone.add(namespace);
        return new MockCluster(claims, pods, objects, offline, unserved, gone, refused);
    }

    /** The same cluster with Argo CD installed: its Application CRD served (its namespace exists unless removed). */
    public MockCluster withArgoCd() {
        var more = new java.util.HashSet<>(unserved);
        more.remove(ARGO_APPLICATION);
        return new MockCluster(claims, pods, objects, offline, more, missingNamespaces, refused);
    }

    /** The same cluster, whose API server refuses to show objects of the kind (RBAC: 403 Forbidden). */
    public MockCluster refusing(String apiVersion, String kind) {
        var more = new java.util.HashSet<>(refused);
        more.add(apiVersion + "|" + kind);
        return new MockCluster(claims, pods, objects, offline, unserved, missingNamespaces, more);
    }

    /** The same cluster with one more PVC (or one replaced), as the API server serves it. */
    @SuppressWarnings("unchecked")
    public MockCluster withClaim(Map<String, Object> claim) {
        var meta = (Map<String, Object>) claim.get("metadata");
        var more = new LinkedHashMap<>(claims);
        more.put(meta.get("namespace") + "/" + meta.get("name"), claim);
        return copy(more, pods, objects, offline);
    }

    @Override
    public boolean served(String apiVersion, String kind) {
        return !unserved.contains(apiVersion + "|" + kind);
    }

    @Override
    public boolean namespaceExists(String name) {
        return !missingNamespaces.contains(name);
    }

    @Override
    public homelab.backups.plan.LiveRead read(String apiVersion, String kind, String namespace, String name) {
        if (refused.contains(apiVersion + "|" + kind)) {
            return new homelab.backups.plan.LiveRead.Refused("HTTP 403: " + kind.toLowerCase() + "s." + apiVersion.split("/")[0]
                    + " \"" + name + "\" is forbidden: User \"homelab\" cannot get resource in the namespace \"" + namespace + "\"");
        }
        if (!served(apiVersion, kind) || !namespaceExists(namespace)) return new homelab.backups.plan.LiveRead.Absent();
        return object(apiVersion, kind, namespace, name).<homelab.backups.plan.LiveRead>map(homelab.backups.plan.LiveRead.Found::new)
                .orElseGet(homelab.backups.plan.LiveRead.Absent::new);
    }

    @Override
    public List<LiveClaim> allClaims() {
        return claims.values().stream().map(MockCluster::liveClaim).toList();
    }

    @Override
    public boolean offline() {
        return offline;
    }

    @Override
    public List<Map<String, Object>> objects(String apiVersion, String kind, String namespace) {
        var prefix = apiVersion + "|" + kind + "|" + namespace + "/";
        return objects.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue).toList();
    }

    @Override
    public List<Map<String, Object>> everywhere(String apiVersion, String kind) {
        var prefix = apiVersion + "|" + kind + "|";
        return objects.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue).toList();
    }

    /** Every inventory PVC exists and agrees with the inventory; no pod uses any. */
    public static MockCluster asInventory(StackPlan plan) {
        return edited(plan, UnaryOperator.identity());
    }

    /**
     * Every inventory PVC exists - except those disaster recovery covers, which a rebuilt cluster does not have yet
     * (the case the render shows; a claim Argo CD created first is read live by {@code pulumi preview});
     * {@code edit} changes each before it is read (returning null deletes it).
     */
    public static MockCluster edited(StackPlan plan, UnaryOperator<Map<String, Object>> edit) {
        var claims = new LinkedHashMap<String, Map<String, Object>>();
        var recovery = plan.inputs().settings().restore();
        for (var v : plan.volumes()) {
            if (v.populatorRestore() && recovery.recovers(v.app(), v.namespace())) continue;
            // fresh-start is for a claim waiting for its data: the render shows the claim it is meant for.
            boolean fresh = v.populatorRestore() && v.restore().map(r -> r.freshStart()).orElse(false);
            var live = edit.apply(fresh ? waitingObject(v) : liveObject(v));
            if (live != null) claims.put(v.namespace() + "/" + v.pvc(), live);
        }
        var objects = new LinkedHashMap<String, Map<String, Object>>();
        for (var d : plan.databases()) {
            var cluster = databaseCluster(d);
            objects.put(objectKey((String) cluster.get("apiVersion"), (String) cluster.get("kind"), d.database().namespace(),
                    d.database().name()), cluster);
        }
        return new MockCluster(claims, Map.of(), objects, true);
    }

    /**
     * A database cluster as the inventory describes it. What only the live object knows is marked, so a render of a
     * database restore shows plainly where {@code pulumi preview} reads the live value.
     */
    static Map<String, Object> databaseCluster(homelab.backups.plan.DatabasePlan d) {
        var db = d.database();
        var spec = new LinkedHashMap<String, Object>();
        d.engine().<Void>match(cnpg -> {
            spec.put("imageName", db.image().orElse(LIVE_VALUE));
            spec.put("bootstrap", Map.of("initdb", Map.of("database", cnpg.options().appDatabase().orElse(LIVE_VALUE),
                    "owner", cnpg.options().appOwner().orElse(LIVE_VALUE))));
            return null;
        }, pgo -> {
            db.image().ifPresent(image -> spec.put("image", image));
            spec.put("postgresVersion", pgo.options().postgresVersion());
            spec.putAll(pgoServing());
            return null;
        });
        var type = d.engine().cluster();
        return Map.of("apiVersion", type.apiVersion(), "kind", type.kind(),
                "metadata", Map.of("name", db.name(), "namespace", db.namespace()), "spec", spec);
    }

    /**
     * A PostgresCluster's serving configuration as the render presents it: each section a restore or a drill copies
     * from the running cluster (LiveReview.pgoServing) holds one marked entry, so the rendered throwaway and recovered
     * clusters show where {@code pulumi preview} puts the running cluster's own (immich's
     * {@code shared_preload_libraries: vchord.so}, its {@code max_connections}, pg_hba and authentication rules), and
     * that nothing else is copied. The inventory does not hold these values; inventing real-looking ones would show a
     * configuration prod does not have. ({@code config.files}, a list of volume projections, is left out: a marked
     * projection would name no real ConfigMap.) Each marked entry is valid against PGO's CRD, which the render checks.
     */
    static Map<String, Object> pgoServing() {
        return Map.of(
                "config", Map.of("parameters", Map.of(LIVE_VALUE, LIVE_VALUE)),
                "patroni", Map.of("dynamicConfiguration", Map.of("postgresql", Map.of(
                        "parameters", Map.of(LIVE_VALUE, LIVE_VALUE), "pg_hba", List.of(LIVE_VALUE)))),
                "authentication", Map.of("rules", List.of(Map.of("hba", LIVE_VALUE))));
    }

    /** Stands for a value only the live object has; never a valid name, so it cannot pass unnoticed. */
    public static final String LIVE_VALUE = "READ-FROM-THE-LIVE-CLUSTER-AT-PREVIEW";

    /** The same cluster, with {@code object} (apiVersion, kind, metadata.namespace/name) in it or replaced. */
    @SuppressWarnings("unchecked")
    public MockCluster withObject(Map<String, Object> object) {
        var meta = (Map<String, Object>) object.get("metadata");
        var more = new LinkedHashMap<>(objects);
        more.put(objectKey((String) object.get("apiVersion"), (String) object.get("kind"), (String) meta.get("namespace"),
                (String) meta.get("name")), object);
        return copy(claims, pods, more, offline);
    }

    /** The same cluster without that object. */
    public MockCluster without(String apiVersion, String kind, String namespace, String name) {
        var fewer = new LinkedHashMap<>(objects);
        fewer.remove(objectKey(apiVersion, kind, namespace, name));
        return copy(claims, pods, fewer, offline);
    }

    private static String objectKey(String apiVersion, String kind, String namespace, String name) {
        return apiVersion + "|" + kind + "|" + namespace + "/" + name;
    }

    @Override
    public Optional<Map<String, Object>> object(String apiVersion, String kind, String namespace, String name) {
        // A PVC is served from the claims, as the API server serves one object however it is read.
        if (apiVersion.equals("v1") && kind.equals("PersistentVolumeClaim") && !objects.containsKey(objectKey(apiVersion, kind, namespace, name))) {
            return Optional.ofNullable(claims.get(namespace + "/" + name));
        }
        return Optional.ofNullable(objects.get(objectKey(apiVersion, kind, namespace, name)));
    }

    /** The same cluster, with {@code pods} mounting the claim {@code namespace/claim}. */
    public MockCluster withPods(String namespace, String claim, List<String> podNames) {
        var more = new LinkedHashMap<>(pods);
        more.put(namespace + "/" + claim, List.copyOf(podNames));
        return copy(claims, more, objects, offline);
    }

    @Override
    public Optional<LiveClaim> claim(String namespace, String name) {
        return Optional.ofNullable(claims.get(namespace + "/" + name)).map(MockCluster::liveClaim);
    }

    @Override
    public List<String> podsUsing(String namespace, String claim) {
        return pods.getOrDefault(namespace + "/" + claim, List.of());
    }

    @Override
    public void close() {
    }

    @SuppressWarnings("unchecked")
    static LiveClaim liveClaim(Map<String, Object> object) {
        var meta = (Map<String, Object>) object.get("metadata");
        var spec = (Map<String, Object>) object.get("spec");
        var status = (Map<String, Object>) object.getOrDefault("status", Map.of());
        var resources = (Map<String, Object>) spec.getOrDefault("resources", Map.of());
        var requests = (Map<String, Object>) resources.getOrDefault("requests", Map.of());
        var annotations = (Map<String, Object>) meta.getOrDefault("annotations", Map.of());
        return new LiveClaim((String) meta.get("namespace"), (String) meta.get("name"), (String) meta.get("uid"),
                Optional.ofNullable((String) requests.get("storage")),
                (List<String>) spec.getOrDefault("accessModes", List.of()),
                Optional.ofNullable((String) spec.get("storageClassName")),
                Optional.ofNullable((String) status.get("phase")),
                Optional.ofNullable((String) spec.get("volumeName")),
                meta.get("deletionTimestamp") != null,
                Optional.ofNullable((String) annotations.get(RESTORE_ANNOTATION)),
                Optional.ofNullable((String) annotations.get(KEPT_VOLUME_ANNOTATION)),
                strings((Map<String, Object>) meta.getOrDefault("labels", Map.of())), strings(annotations),
                Optional.ofNullable((String) meta.get("creationTimestamp")),
                Optional.ofNullable((Map<String, Object>) spec.get("dataSourceRef"))
                        .map(r -> LiveClaim.ref((String) r.get("apiGroup"), (String) r.get("kind"), (String) r.get("name"))));
    }

    private static Map<String, String> strings(Map<String, Object> map) {
        var out = new LinkedHashMap<String, String>();
        map.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    /** A bound, Argo CD-managed PVC as the API server returns it. */
    public static Map<String, Object> liveObject(VolumePlan v) {
        var volumeName = "pvc-" + uuid(v.namespace() + "/" + v.pvc());
        var storage = Map.<String, Object>of("storage", v.capacity().text());
        var modes = v.accessModes().stream().map(AccessMode::apiName).toList();
        var metadata = new LinkedHashMap<String, Object>();
        metadata.put("name", v.pvc());
        metadata.put("namespace", v.namespace());
        metadata.put("uid", uuid("uid:" + v.namespace() + "/" + v.pvc()));
        metadata.put("labels", Map.of("app.kubernetes.io/instance", v.app()));
        metadata.put("annotations", Map.of(
                "argocd.argoproj.io/tracking-id", v.app() + ":/PersistentVolumeClaim:" + v.namespace() + "/" + v.pvc(),
                "pv.kubernetes.io/bind-completed", "yes",
                "pv.kubernetes.io/bound-by-controller", "yes"));
        metadata.put("finalizers", List.of("kubernetes.io/pvc-protection"));
        var spec = new LinkedHashMap<String, Object>();
        spec.put("accessModes", modes);
        spec.put("resources", Map.of("requests", storage));
        spec.put("storageClassName", v.storageClass());
        spec.put("volumeMode", "Filesystem");
        spec.put("volumeName", volumeName);
        var status = Map.<String, Object>of("phase", "Bound", "accessModes", modes, "capacity", storage);
        var claim = new LinkedHashMap<String, Object>();
        claim.put("apiVersion", "v1");
        claim.put("kind", "PersistentVolumeClaim");
        claim.put("metadata", metadata);
        claim.put("spec", spec);
        claim.put("status", status);
        return claim;
    }

    /** The claim as Argo CD re-creates it from Git with the restore-before-bind contract: Pending, unbound. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> waitingObject(VolumePlan v) {
        var claim = liveObject(v);
        var spec = new LinkedHashMap<String, Object>((Map<String, Object>) claim.get("spec"));
        spec.remove("volumeName");
        spec.put("dataSourceRef", Map.of("apiGroup", "volsync.backube", "kind", "ReplicationDestination",
                "name", v.destinationName()));
        claim.put("spec", spec);
        claim.put("status", Map.of("phase", "Pending"));
        return claim;
    }

    /** A stable UUID-shaped id, so two renders stay byte-identical. */
    private static String uuid(String seed) {
        try {
            var hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(seed.getBytes(StandardCharsets.UTF_8)));
            return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                    + hex.substring(16, 20) + "-" + hex.substring(20, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
