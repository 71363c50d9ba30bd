package homelab.backups.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The coverage ledger (issue 21, part 4): every live PVC of the cluster against the inventory. A PVC is BACKED UP (an
 * inventory volume, or a PVC of an inventory database's cluster, which the database's own backups cover), EXCLUDED
 * (listed with {@code exclude: {reason}}) or NOT COVERED (neither). A PVC that a VolSync ReplicationSource outside this
 * stack backs up counts as BACKED UP by it: Longhorn's backup target is the whole cluster's. Retiring Longhorn's recurring backups drops the
 * only copy of a NOT COVERED PVC: the owner found 17 such PVCs in May and 2 more in August (docs/field-incidents-2026.md #35),
 * so every NOT COVERED PVC keeps {@code longhorn.retireBackups} refused ({@link #check()}).
 *
 * <p>Ignored, and counted as such: the claims VolSync and this program create for themselves, which come and go with
 * backups and restores:
 * <ul>
 *   <li>VolSync's own: a mover's cache, the point-in-time copy of a source, a destination's volume, and the volume
 *       populator's temporary {@code vs-prime-<uid>} claim all carry {@code app.kubernetes.io/created-by: volsync}
 *       (backube/volsync internal/controller/utils SetOwnedByVolSync; volumepopulator_controller.go names the prime
 *       claim {@code vs-prime-<pvc uid>} and labels it {@code volsync.backube/populator-pvc-for});</li>
 *   <li>the PVCs of a database cluster a restore request created next to the running one ({@code cnpg.io/cluster} or
 *       {@code postgres-operator.crunchydata.com/cluster} = its recovery name).</li>
 * </ul>
 * The restore drills restore into an {@code emptyDir} (DrillSpecs), and a volume restore re-creates the app's own
 * PVC, which the inventory lists: neither leaves a claim of its own.
 */
public record Coverage(List<Entry> entries, List<Ignored> ignored) {
    public static final String CREATED_BY_LABEL = "app.kubernetes.io/created-by";
    public static final String VOLSYNC = "volsync";
    public static final String POPULATOR_PRIME_PREFIX = "vs-prime-";
    /** CNPG labels every PVC of a Cluster with its name (cloudnative-pg pkg/utils/labels_annotations.go ClusterLabelName). */
    public static final String CNPG_CLUSTER_LABEL = CnpgEngine.CLUSTER_LABEL;
    /** PGO labels every PVC of a PostgresCluster with its name (postgres-operator internal/naming/labels.go LabelCluster). */
    public static final String PGO_CLUSTER_LABEL = PgoEngine.CLUSTER_LABEL;
    static final String ARGO_TRACKING = "argocd.argoproj.io/tracking-id";
    static final String VOLSYNC_API = "volsync.backube/v1alpha1";

    public enum Status {
        BACKED_UP("BACKED UP"), EXCLUDED("EXCLUDED"), NOT_COVERED("NOT COVERED"),
        /** A backed-up PVC that is Pending: re-created, it waits for its data (restore-before-bind, {@link Waiting}). */
        WAITING_FOR_DATA("WAITING FOR DATA");

        private final String text;

        Status(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * One live PVC.
     *
     * @param by     the inventory volume or database that covers it ("" when nothing does)
     * @param detail the repository it is backed up to, the reason it is excluded, or what to do
     */
    public record Entry(String namespace, String pvc, Status status, String by, String detail, Optional<Waiting> waiting) {
        public Entry {
            if (status != Status.NOT_COVERED && by.isEmpty()) throw new IllegalArgumentException(namespace + "/" + pvc + ": covered by nothing");
            if ((status == Status.WAITING_FOR_DATA) != waiting.isPresent()) throw new IllegalArgumentException(namespace + "/" + pvc + ": waiting only when WAITING FOR DATA");
        }

        public Entry(String namespace, String pvc, Status status, String by, String detail) {
            this(namespace, pvc, status, by, detail, Optional.empty());
        }

        public String key() {
            return namespace + "/" + pvc;
        }
    }

    /**
     * A backed-up PVC that waits for its data: {@code Pending}, not being deleted, of a volume that restores through the
     * populator. With the contract's {@code dataSourceRef} (GitContract) a re-created claim stays so until its
     * ReplicationDestination exists, which only a restore request (or a fresh start) creates (docs/restore-before-bind.md).
     *
     * @param since      its {@code metadata.creationTimestamp}, when it could be read
     * @param waitsFor   what it waits for: its dataSourceRef, or that it has none
     * @param resolution what the owner sets
     */
    public record Waiting(Optional<java.time.Instant> since, String waitsFor, String resolution) {
        static Waiting of(VolumePlan v, Optional<Map<String, Object>> live) {
            var since = live.flatMap(o -> Unstructured.time(o, "metadata.creationTimestamp"));
            var kind = live.flatMap(o -> Unstructured.string(o, "spec.dataSourceRef.kind"));
            var name = live.flatMap(o -> Unstructured.string(o, "spec.dataSourceRef.name"));
            String waitsFor;
            if (live.isEmpty()) {
                waitsFor = "its dataSourceRef could not be read";
            } else if (kind.isEmpty()) {
                waitsFor = "it has no dataSourceRef (not on the contract: a new, empty volume is provisioned for it unless it is restored first)";
            } else if (kind.get().equals(GitContract.KIND) && name.filter(v.destinationName()::equals).isPresent()) {
                waitsFor = "its dataSourceRef waits for the ReplicationDestination " + v.namespace() + "/" + v.destinationName()
                        + ", which only a restore request creates";
            } else {
                waitsFor = "its dataSourceRef names " + kind.get() + "/" + name.orElse("") + ", not the ReplicationDestination "
                        + v.destinationName() + " this program restores into";
            }
            var resolution = v.restore().map(r -> "restore." + v.app() + " is set (" + r.text() + "): pulumi up fills it")
                    .orElse("set restore." + v.app() + " to a restore point (pulumi config set --path 'homelab-backups:restore."
                            + v.app() + "' latest) or, for an app with no backup yet, to fresh-start; then pulumi up");
            return new Waiting(since, waitsFor, resolution);
        }

        String detail() {
            return "Pending" + since.map(t -> " since " + t).orElse("") + ": " + waitsFor + "; " + resolution;
        }
    }

    /** Whether the claim of a backed-up volume waits for its data. */
    static boolean waits(VolumePlan v, LiveClaim c) {
        return v.populatorRestore() && c.phase().filter("Pending"::equals).isPresent() && !c.terminating();
    }

    /** A claim VolSync or this program created for itself, and why it is not counted. */
    public record Ignored(String namespace, String pvc, String why) {
    }

    public Coverage {
        entries = List.copyOf(entries);
        ignored = List.copyOf(ignored);
    }

    /**
     * Reads every PVC, and the ReplicationSources of the namespaces where a PVC is neither in the inventory nor a
     * database's: Longhorn's backup target is the whole cluster's, so a PVC another stack (or a hand-made source)
     * backs up with VolSync is not one whose only copy Longhorn holds.
     */
    public static Coverage read(StackPlan plan, Verification.Lookup live) {
        var claims = live.allClaims();
        var first = of(plan, claims, Map.of());
        var sources = new HashMap<String, String>();
        first.notCovered().stream().map(Entry::namespace).distinct().forEach(ns -> live.objects(VOLSYNC_API, "ReplicationSource", ns)
                .forEach(rs -> Unstructured.string(rs, "spec.sourcePVC").ifPresent(pvc ->
                        sources.putIfAbsent(ns + "/" + pvc, ns + "/" + Unstructured.name(rs)))));
        var coverage = sources.isEmpty() ? first : of(plan, claims, sources);
        if (coverage.count(Status.WAITING_FOR_DATA) == 0) return coverage;
        // Since when, and what each waiting claim waits for: its creation time and dataSourceRef, read as served.
        var volumes = new HashMap<String, VolumePlan>();
        plan.volumes().forEach(v -> volumes.put(v.namespace() + "/" + v.pvc(), v));
        var entries = coverage.entries().stream().map(e -> {
            if (e.status() != Status.WAITING_FOR_DATA) return e;
            var waiting = Waiting.of(volumes.get(e.key()), live.object("v1", "PersistentVolumeClaim", e.namespace(), e.pvc()));
            return new Entry(e.namespace(), e.pvc(), e.status(), e.by(), waiting.detail(), Optional.of(waiting));
        }).toList();
        return new Coverage(entries, coverage.ignored());
    }

    public static Coverage of(StackPlan plan, List<LiveClaim> claims) {
        return of(plan, claims, Map.of());
    }

    /** @param otherSources ReplicationSources outside this stack, by the PVC they back up ({@code ns/pvc} to {@code ns/name}) */
    public static Coverage of(StackPlan plan, List<LiveClaim> claims, Map<String, String> otherSources) {
        var volumes = new HashMap<String, VolumePlan>();
        plan.volumes().forEach(v -> volumes.put(v.namespace() + "/" + v.pvc(), v));
        var excluded = new HashMap<String, homelab.backups.config.Volume>();
        plan.excluded().forEach(v -> excluded.put(v.namespace() + "/" + v.pvc(), v));
        var entries = new ArrayList<Entry>();
        var ignored = new ArrayList<Ignored>();
        var sorted = claims.stream().sorted(Comparator.comparing(LiveClaim::namespace).thenComparing(LiveClaim::name)).toList();
        for (var c : sorted) {
            var why = ownClaim(plan, c);
            if (why.isPresent()) {
                ignored.add(new Ignored(c.namespace(), c.name(), why.get()));
                continue;
            }
            var volume = volumes.get(c.key());
            if (volume != null && waits(volume, c)) {
                var waiting = Waiting.of(volume, Optional.empty());
                entries.add(new Entry(c.namespace(), c.name(), Status.WAITING_FOR_DATA, volume.app(), waiting.detail(), Optional.of(waiting)));
                continue;
            }
            if (volume != null) {
                entries.add(new Entry(c.namespace(), c.name(), Status.BACKED_UP, volume.app(), volume.repositoryUrl()));
                continue;
            }
            var exclusion = excluded.get(c.key());
            if (exclusion != null) {
                entries.add(new Entry(c.namespace(), c.name(), Status.EXCLUDED, exclusion.app(), exclusion.exclusion().orElseThrow(() -> new IllegalStateException(
                        exclusion.app() + ": listed as excluded without a reason"))));
                continue;
            }
            var database = database(plan, c);
            if (database.isPresent()) {
                var d = database.get();
                entries.add(new Entry(c.namespace(), c.name(), Status.BACKED_UP, "database " + d.id(), d.repository().url()));
                continue;
            }
            var source = otherSources.get(c.key());
            if (source != null) {
                entries.add(new Entry(c.namespace(), c.name(), Status.BACKED_UP, "ReplicationSource " + source,
                        "not this stack's (another stack's, or made by hand): its backups are not checked here"));
                continue;
            }
            entries.add(new Entry(c.namespace(), c.name(), Status.NOT_COVERED, "", "neither backed up nor excluded"
                    + argoApp(c).map(a -> " (Argo CD application " + a + ")").orElse("")
                    + ": add it to the inventory, or list it with exclude: {reason}"));
        }
        return new Coverage(entries, ignored);
    }

    /** Why a claim is VolSync's or this program's own, if it is. */
    static Optional<String> ownClaim(StackPlan plan, LiveClaim c) {
        if (c.name().startsWith(POPULATOR_PRIME_PREFIX) && VOLSYNC.equals(c.labels().get(CREATED_BY_LABEL))) {
            return Optional.of("the volume populator's temporary claim of a restore (" + CREATED_BY_LABEL + "=" + VOLSYNC + ")");
        }
        if (VOLSYNC.equals(c.labels().get(CREATED_BY_LABEL))) {
            return Optional.of("VolSync's own: a mover's cache, copy or destination volume (" + CREATED_BY_LABEL + "=" + VOLSYNC + ")");
        }
        for (var d : plan.databases()) {
            if (d.recoveryName().isEmpty() || !d.database().namespace().equals(c.namespace())) continue;
            var label = d.engine().clusterLabel();
            if (d.recoveryName().get().equals(c.labels().get(label))) {
                return Optional.of("a volume of " + d.recoveryName().get() + ", the cluster restore." + d.id() + " created ("
                        + label + "=" + d.recoveryName().get() + ")");
            }
        }
        // Issue 22: the throwaway cluster of a database restore drill, which the drill deletes with its volumes.
        for (var d : plan.databaseDrills()) {
            if (!d.namespace().equals(c.namespace())) continue;
            var label = d.engine().clusterLabel();
            if (d.throwaway().equals(c.labels().get(label))) {
                return Optional.of("a volume of " + d.throwaway() + ", the throwaway cluster of " + d.id()
                        + "'s restore drill, deleted with it (" + label + "=" + d.throwaway() + ")");
            }
        }
        return Optional.empty();
    }

    /** The inventory database whose cluster the PVC belongs to: its operator's cluster label, in its namespace. */
    static Optional<DatabasePlan> database(StackPlan plan, LiveClaim c) {
        return plan.databases().stream()
                .filter(d -> d.database().namespace().equals(c.namespace()))
                .filter(d -> d.database().name().equals(c.labels().get(d.engine().clusterLabel())))
                .findFirst();
    }

    /** The Argo CD application that tracks the PVC, to find its manifest by. */
    static Optional<String> argoApp(LiveClaim c) {
        var tracking = Optional.ofNullable(c.annotations().get(ARGO_TRACKING)).filter(t -> t.indexOf(':') > 0)
                .map(t -> t.substring(0, t.indexOf(':')));
        return tracking.or(() -> Optional.ofNullable(c.labels().get("app.kubernetes.io/instance")).filter(s -> !s.isEmpty()));
    }

    public List<Entry> notCovered() {
        return entries.stream().filter(e -> e.status() == Status.NOT_COVERED).toList();
    }

    public List<Entry> waiting() {
        return entries.stream().filter(e -> e.status() == Status.WAITING_FOR_DATA).toList();
    }

    /**
     * One row of ./verify's table per claim that waits for its data: FAILING, so the Longhorn retirement gate names it
     * (its app is down, and tonight's backup has nothing to read).
     */
    public List<Verification.Check> waitingChecks() {
        return waiting().stream().map(e -> new Verification.Check("claim", e.by(), e.namespace(), Verification.State.FAILING,
                Optional.empty(), "WAITING FOR DATA: " + e.namespace() + "/" + e.pvc() + " " + e.detail())).toList();
    }

    public long count(Status status) {
        return entries.stream().filter(e -> e.status() == status).count();
    }

    /**
     * The ledger's row of ./verify's table, which the Longhorn retirement gate reads: FAILING, naming every PVC that
     * is neither backed up nor excluded, while there is one.
     */
    public Verification.Check check() {
        var summary = count(Status.BACKED_UP) + " backed up, " + (count(Status.WAITING_FOR_DATA) == 0 ? ""
                : count(Status.WAITING_FOR_DATA) + " waiting for data (their own rows), ") + count(Status.EXCLUDED) + " excluded, " + ignored.size()
                + " ignored (VolSync's and this program's own claims)";
        var missing = notCovered();
        if (missing.isEmpty()) {
            return new Verification.Check("coverage", "live PVCs", "*", Verification.State.PROVEN, Optional.empty(),
                    "every live PVC is backed up or excluded: " + summary);
        }
        return new Verification.Check("coverage", "live PVCs", "*", Verification.State.FAILING, Optional.empty(),
                missing.size() + " PVC(s) neither backed up nor excluded, whose only backup may be Longhorn's: "
                        + String.join(", ", missing.stream().map(Entry::key).toList())
                        + "; add each to the inventory, or exclude it with a reason (" + summary + ")");
    }
}
