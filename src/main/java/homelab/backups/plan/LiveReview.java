package homelab.backups.plan;

import homelab.backups.config.ConfigError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the live cluster says about each app's PVC, checked before anything is registered. Pure: the cluster comes in
 * through {@link Lookup}.
 *
 * <ul>
 *   <li>An adopted PVC must exist and agree with the inventory on the three fields the program owns ({@link
 *       Adoption}); otherwise the program stops listing every disagreement.</li>
 *   <li>A PVC about to be restored must not be in use: Kubernetes' PVC protection would hold its deletion for as long
 *       as a pod mounts it, so the program refuses before deleting anything. Nor may an Argo CD Application that
 *       tracks it sync automatically with selfHeal or prune ({@link ArgoCdSync}). Its PersistentVolume is remembered,
 *       to be kept ({@code Retain}) so that the restore can be undone.</li>
 *   <li>A PVC already restored by this very request (it carries the request's id) names the volume the restore
 *       kept; one absent altogether needs nothing: the restore creates it as the inventory says.</li>
 * </ul>
 *
 * @param claims        the live PVCs that were read, by app
 * @param volumesToKeep for each app whose restore is still to happen: the PersistentVolume its PVC is bound to now
 */
public record LiveReview(Map<String, LiveClaim> claims, Map<String, String> volumesToKeep,
                         Map<String, RecoveryShape> recoveries, List<ConfigError> errors, RestoreValidation restores) {
    /** The live cluster, as far as the review needs it. */
    public interface Lookup {
        /** The PVC, or empty when it does not exist. */
        Optional<LiveClaim> claim(String namespace, String name);

        /** The pods that keep the claim in use, as PVC protection counts them. */
        List<String> podsUsing(String namespace, String claim);

        /** Any object as the API server serves it (apiVersion, kind, metadata, spec, status), or empty. */
        Optional<Map<String, Object>> object(String apiVersion, String kind, String namespace, String name);

        /** Whether the API server serves the kind (its CRD is installed); an unreadable discovery is an error. */
        boolean served(String apiVersion, String kind);

        /** Whether the namespace exists; an unreadable answer is an error. */
        boolean namespaceExists(String name);

        /** One object, telling "absent" from "the API server refused to show it" (RBAC). */
        LiveRead read(String apiVersion, String kind, String namespace, String name);
    }

    public LiveReview {
        claims = Map.copyOf(claims);
        volumesToKeep = Map.copyOf(volumesToKeep);
        recoveries = Map.copyOf(recoveries);
        errors = List.copyOf(errors);
    }

    /** @param argoNamespace where Argo CD's Applications live (homelab-backups:argocd.namespace) */
    public static LiveReview of(String inventoryFile, List<VolumePlan> plans, Map<String, ClaimHandling> handling,
                                List<DatabasePlan> databases, String argoNamespace, Lookup live) {
        return of(inventoryFile, plans, handling, Map.of(), Map.of(), databases, argoNamespace, live,
                ArchiveLookup.offline("no object store in this run"));
    }

    /**
     * @param states     each backed-up volume's claim as {@link ClaimState} read it: a refused state is an error
     * @param recovering the apps disaster recovery covers
     * @param archives   the database archives in the object store (issue 22: lineage and restore points)
     */
    public static LiveReview of(String inventoryFile, List<VolumePlan> plans, Map<String, ClaimHandling> handling,
                                Map<String, ClaimState> states, Map<String, Boolean> recovering,
                                List<DatabasePlan> databases, String argoNamespace, Lookup live, ArchiveLookup archives) {
        var claims = new TreeMap<String, LiveClaim>();
        var keep = new TreeMap<String, String>();
        var errors = new ArrayList<ConfigError>();
        for (var plan : plans) {
            var h = handling.get(plan.app());
            var state = Optional.ofNullable(states.get(plan.app()));
            state.flatMap(st -> st.refusal(plan, recovering.getOrDefault(plan.app(), false))).ifPresent(why ->
                    errors.add(new ConfigError(inventoryFile, "volumes (" + plan.app() + ")", "pvc", why)));
            if (h.mode() == ClaimHandling.Mode.DISASTER_RECOVERY) continue;
            var item = "volumes (" + plan.app() + ")";
            var claim = state.isPresent() ? state.get().live() : live.claim(plan.namespace(), plan.pvc());
            claim.ifPresent(c -> claims.put(plan.app(), c));
            // A waiting claim is adopted as it lives too (filled or not): it must be the one the inventory describes.
            if (h.mode() == ClaimHandling.Mode.ADOPT || h.mode() == ClaimHandling.Mode.WAIT
                    || h.mode() == ClaimHandling.Mode.FILL) {
                if (claim.isEmpty()) {
                    errors.add(new ConfigError(inventoryFile, item, "pvc", "the PVC " + plan.namespace() + "/"
                            + plan.pvc() + " does not exist in the cluster. Adoption takes a PVC that exists: fix "
                            + "namespace/pvc, exclude the volume, or, on a rebuilt cluster, set recovery.disasterRecovery"));
                } else {
                    errors.addAll(Adoption.mismatches(inventoryFile, plan, claim.get()));
                }
                continue;
            }
            // RESTORE: a PVC this request has replaced already names the volume it kept; only one it has not replaced
            // yet must be free, and its volume is the one to keep.
            if (claim.isEmpty()) continue;
            if (claim.get().restoreId().equals(h.restoreId())) {
                claim.get().keptVolume().ifPresent(v -> keep.put(plan.app(), v));
                continue;
            }
            var pods = live.podsUsing(plan.namespace(), plan.pvc());
            if (!pods.isEmpty()) {
                errors.add(new ConfigError(inventoryFile, item, "pvc", "RESTORE refused: the PVC " + plan.namespace()
                        + "/" + plan.pvc() + " is in use by pod " + String.join(", ", pods) + ". Stop the app first: "
                        + "pause Argo CD auto-sync for it and scale it to 0 (README: Restore a volume); Kubernetes keeps "
                        + "a PVC that a pod uses, so the restore could not finish. Nothing was changed"));
            }
            // Argo CD's automated sync would re-create the PVC empty from Git between the delete and the create.
            ArgoCdSync.refusal(claim.get(), argoNamespace, live)
                    .ifPresent(why -> errors.add(new ConfigError(inventoryFile, item, "pvc", why)));
            claim.get().volumeName().filter(v -> !v.isEmpty()).ifPresent(v -> keep.put(plan.app(), v));
        }
        var recoveries = new TreeMap<String, RecoveryShape>();
        var clusters = new TreeMap<String, Optional<Map<String, Object>>>();
        for (var d : databases) {
            if (d.restore().isEmpty()) continue;
            var db = d.database();
            var type = d.engine().cluster();
            var cluster = live.object(type.apiVersion(), type.kind(), db.namespace(), db.name());
            clusters.put(d.id(), cluster);
            recovery(inventoryFile, d, cluster, errors).ifPresent(shape -> recoveries.put(d.id(), shape));
        }
        // Database restores against the archive they read (RestoreValidation): refusals stop here, before registration.
        var restores = RestoreValidation.of(databases, clusters, archives);
        errors.addAll(restores.errors());
        return new LiveReview(claims, keep, recoveries, errors, restores);
    }

    /**
     * The shape of the cluster a restore creates: the backed-up cluster's image and names, read from it while it
     * lives, or from the inventory (which wins, and must then agree on the major version).
     */
    static Optional<RecoveryShape> recovery(String file, DatabasePlan d, Optional<Map<String, Object>> cluster,
                                            List<ConfigError> errors) {
        var db = d.database();
        var item = "databases (" + db.name() + ")";
        var where = "the " + d.engine().cluster().kind() + " " + db.namespace() + "/" + db.name();
        var spec = cluster.map(c -> map(c.get("spec"))).orElse(Map.of());
        var liveImage = text(spec.get(d.engine().imageField()));
        var before = errors.size();
        if (db.image().isPresent() && liveImage.isPresent()) {
            var wanted = PostgresImages.major(db.image().get());
            var running = PostgresImages.major(liveImage.get());
            if (wanted.isPresent() && running.isPresent() && !wanted.equals(running)) {
                errors.add(new ConfigError(file, item, "image", db.image().get() + " is PostgreSQL " + wanted.get() + ", but "
                        + where + " runs " + liveImage.get() + " (PostgreSQL " + running.get() + "): a data directory of one "
                        + "major version does not start on another"));
            }
        }
        var image = db.image().or(() -> liveImage);
        return d.engine().match(cnpg -> cnpgRecovery(file, item, where, cnpg, image, cluster.isPresent(), spec, before, errors),
                pgo -> pgoRecovery(file, item, where, pgo, image, spec, before, errors));
    }

    /** CNPG: the image (no default to fall back on), and the app's database, owner and credentials. */
    private static Optional<RecoveryShape> cnpgRecovery(String file, String item, String where, CnpgEngine cnpg,
                                                        Optional<String> image, boolean live, Map<String, Object> spec,
                                                        int before, List<ConfigError> errors) {
        if (image.isEmpty()) {
            errors.add(new ConfigError(file, item, "image", live
                    ? where + " names no imageName, so it runs the CNPG operator's default image, which moves with "
                    + "the operator (PostgreSQL 18 in current releases: cloudnative-pg pkg/versions/versions.go) and "
                    + "would not start this backup's data directory: set image: to the image it runs"
                    : where + " is not in the cluster, so its image cannot be read: set image: to the image it ran"));
        }
        var initdb = map(map(spec.get("bootstrap")).get("initdb"));
        var database = cnpg.options().appDatabase().or(() -> text(initdb.get("database"))).orElse("app");
        var owner = cnpg.options().appOwner().or(() -> text(initdb.get("owner"))).orElse(database);
        var secret = text(map(initdb.get("secret")).get("name"));
        return errors.size() > before ? Optional.empty()
                : Optional.of(new RecoveryShape(image, Optional.empty(), Optional.of(database), Optional.of(owner), secret, Map.of()));
    }

    /** PGO: the major version (the live one wins), and what the running cluster serves the app with. */
    private static Optional<RecoveryShape> pgoRecovery(String file, String item, String where, PgoEngine pgo,
                                                       Optional<String> image, Map<String, Object> spec, int before,
                                                       List<ConfigError> errors) {
        var liveVersion = spec.get("postgresVersion") instanceof Number n ? Optional.of(n.intValue()) : Optional.<Integer>empty();
        var declared = pgo.options().postgresVersion();
        if (liveVersion.isPresent() && liveVersion.get() != declared) {
            errors.add(new ConfigError(file, item, "postgresVersion", declared + " differs from "
                    + where + ", which runs PostgreSQL " + liveVersion.get() + ": a recovered cluster must be the same major version"));
        }
        var version = liveVersion.or(() -> Optional.of(declared));
        return errors.size() > before ? Optional.empty()
                : Optional.of(new RecoveryShape(image, version, Optional.empty(), Optional.empty(), Optional.empty(),
                pgoServing(spec)));
    }

    /**
     * What a PostgresCluster restored from the running one's backup copies from the running one's spec to serve the
     * app as it does (issue 19, M2). Nothing else in PGO carries it over: PostgreSQL's parameters live in the spec, not
     * in the backup, and the restore Job even deletes the backup's {@code patroni.dynamic.json} and replays WAL with a
     * minimal configuration of its own (CrunchyData/postgres-operator v6.0.0 internal/pgbackrest/config.go
     * RestoreCommand). Copied:
     * <ul>
     *   <li>{@code config.parameters} (immich: {@code shared_preload_libraries: vchord.so}, without which VectorChord's
     *       indexes and queries fail) and {@code config.files}, which a parameter may name (mounted under
     *       /etc/postgres; ConfigMaps and Secrets of the same namespace, which the recovered cluster shares);</li>
     *   <li>{@code patroni.dynamicConfiguration.postgresql.parameters} (immich: {@code max_connections: 500}; PGO
     *       applies them under {@code config.parameters}: v6.0.0 internal/controller/postgrescluster/postgres.go
     *       generatePostgresParameters) and {@code ...postgresql.pg_hba}, and {@code authentication.rules}: how the
     *       app's connections are let in.</li>
     * </ul>
     * Not copied: the rest of {@code dynamicConfiguration}, which PGO hands to Patroni whole (v6.0.0
     * internal/patroni/config.go DynamicConfiguration): a {@code standby_cluster} there would keep the recovered
     * cluster a standby, and permanent {@code slots} would hold its WAL for consumers that are not there. Copying a
     * parameter cannot point the new cluster's WAL at the running cluster's repository: PGO forces
     * {@code archive_mode}, {@code archive_command} and {@code restore_command} over any parameter (v6.0.0
     * internal/pgbackrest/postgres.go PostgreSQLParameters; postgres.go above). {@code users} and
     * {@code databaseInitSQL} are not copied either ({@code PgoSpecs.recovered} says why).
     */
    static Map<String, Object> pgoServing(Map<String, Object> spec) {
        var serving = new java.util.LinkedHashMap<String, Object>();
        var config = map(spec.get("config"));
        var copiedConfig = new java.util.LinkedHashMap<String, Object>();
        if (!map(config.get("parameters")).isEmpty()) copiedConfig.put("parameters", config.get("parameters"));
        if (config.get("files") instanceof List<?> files && !files.isEmpty()) copiedConfig.put("files", files);
        if (!copiedConfig.isEmpty()) serving.put("config", copiedConfig);
        var postgresql = map(map(map(spec.get("patroni")).get("dynamicConfiguration")).get("postgresql"));
        var copiedPostgresql = new java.util.LinkedHashMap<String, Object>();
        if (!map(postgresql.get("parameters")).isEmpty()) copiedPostgresql.put("parameters", postgresql.get("parameters"));
        if (postgresql.get("pg_hba") instanceof List<?> hba && !hba.isEmpty()) copiedPostgresql.put("pg_hba", hba);
        if (!copiedPostgresql.isEmpty()) {
            serving.put("patroni", Map.of("dynamicConfiguration", Map.of("postgresql", copiedPostgresql)));
        }
        if (map(spec.get("authentication")).get("rules") instanceof List<?> rules && !rules.isEmpty()) {
            serving.put("authentication", Map.of("rules", rules));
        }
        return serving;
    }

    public Optional<RecoveryShape> recovery(String databaseId) {
        return Optional.ofNullable(recoveries.get(databaseId));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Optional<String> text(Object value) {
        return value instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }

    public Optional<String> volumeToKeep(String app) {
        return Optional.ofNullable(volumesToKeep.get(app));
    }
}
