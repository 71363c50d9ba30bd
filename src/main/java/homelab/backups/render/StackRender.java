package homelab.backups.render;

import homelab.backups.plan.AlertRules;

import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import com.pulumi.resources.ResourceOptions;
import com.pulumi.test.PulumiTest;
import homelab.backups.components.Wave;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.RecordingMocks.Registration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns one mocked run of the real program into what a reviewer reads: every Kubernetes object (secrets redacted),
 * a summary of everything else, and the plan table.
 */
public final class StackRender {
    public static final String REDACTED = "<redacted>";
    private static final List<String> TOP_KEYS = List.of("apiVersion", "kind", "metadata", "spec");

    private final StackPlan plan;
    private final MockedRun run;
    private final List<RenderedObject> objects;
    private List<String> planTable;

    private StackRender(StackPlan plan, MockedRun run) {
        this.plan = plan;
        this.run = run;
        this.objects = collect();
    }

    public static StackRender of(StackPlan plan) {
        var run = MockedRun.of(plan);
        if (run.result().exitCode() != 0) {
            var exceptions = run.result().exceptions();
            // The program refused (a RunException, as under pulumi preview): its message is the whole story.
            if (!exceptions.isEmpty() && exceptions.stream().allMatch(e -> e instanceof com.pulumi.exceptions.RunException)) {
                throw new com.pulumi.exceptions.RunException(exceptions.stream().map(Throwable::getMessage)
                        .collect(java.util.stream.Collectors.joining("\n")));
            }
            throw new IllegalStateException("the program failed under mocks: " + exceptions);
        }
        return new StackRender(plan, run);
    }

    public StackPlan plan() {
        return plan;
    }

    public MockedRun run() {
        return run;
    }

    /** Every Kubernetes object, sorted by output path. */
    public List<RenderedObject> objects() {
        return objects;
    }

    private List<RenderedObject> collect() {
        var out = new ArrayList<RenderedObject>();
        for (var r : run.mocks().registrations()) {
            if (!r.type().startsWith("kubernetes:") || r.type().startsWith("kubernetes:helm.sh/")) continue;
            var object = orderTop(redact(r.type(), r.inputs()));
            var patch = r.type().endsWith("Patch");
            out.add(new RenderedObject(wave(r.name()), namespace(object), r.name(), r.type(), object, patch, notes(r)));
        }
        out.sort(Comparator.comparing(RenderedObject::path));
        return List.copyOf(out);
    }

    /** The wave component a resource belongs to, found through its parents. */
    String wave(String resourceName) {
        var options = run.options().get(resourceName);
        Optional<Resource> parent = options == null ? Optional.empty() : options.getParent();
        while (parent.isPresent()) {
            if (parent.get() instanceof Wave) return parent.get().pulumiResourceName();
            var next = run.options().get(parent.get().pulumiResourceName());
            parent = next == null ? Optional.empty() : next.getParent();
        }
        return "stack";
    }

    @SuppressWarnings("unchecked")
    private static String namespace(Map<String, Object> object) {
        var metadata = (Map<String, Object>) object.get("metadata");
        var ns = metadata == null ? null : metadata.get("namespace");
        return ns == null ? "" : String.valueOf(ns);
    }

    /** What Pulumi does with the object besides applying it. */
    List<String> notes(Registration r) {
        var notes = new ArrayList<String>();
        notes.add("Pulumi resource " + r.name() + " (" + r.type() + ")");
        if (r.type().endsWith("Patch")) notes.add("server-side-apply patch: only the fields below are managed; the object stays with its owner");
        if (r.type().equals("kubernetes:longhorn.io/v1beta2:BackupTargetPatch")) {
            notes.add("GATED: pulumi preview refuses this patch unless every check of ./verify is PROVEN against the live "
                    + "cluster (backups, drills, databases, WAL, no Longhorn backup RecurringJobs); this render cannot check that");
        }
        ResourceOptions o = run.options().get(r.name());
        if (o == null) return notes;
        var flags = new ArrayList<String>();
        if (o.isProtect()) flags.add("protect");
        if (o instanceof CustomResourceOptions c) {
            if (c.isRetainOnDelete()) flags.add("retainOnDelete");
            if (c.getDeleteBeforeReplace()) flags.add("deleteBeforeReplace");
            c.getImportId().ifPresent(id -> flags.add("import " + id));
        }
        if (!flags.isEmpty()) notes.add("options: " + String.join(", ", flags));
        if (!o.getIgnoreChanges().isEmpty()) notes.add("ignoreChanges: " + String.join(", ", o.getIgnoreChanges()));
        if (!o.getReplaceOnChanges().isEmpty()) notes.add("replaceOnChanges: " + String.join(", ", o.getReplaceOnChanges()));
        o.getCustomTimeouts().ifPresent(t -> t.getCreate().or(t::getUpdate)
                .ifPresent(d -> notes.add("waits up to " + waitText(d))));
        List<Resource> after = PulumiTest.extractValue(o.getDependsOn());
        if (after != null && !after.isEmpty()) {
            notes.add("after: " + String.join(", ", after.stream().map(Resource::pulumiResourceName).toList()));
        }
        return notes;
    }

    /** Secrets keep their keys, never their values; any placeholder that leaks elsewhere is caught too. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> redact(String type, Map<String, Object> inputs) {
        var copy = (Map<String, Object>) scrub(inputs);
        if (type.equals("kubernetes:core/v1:Secret")) {
            for (var field : List.of("stringData", "data")) {
                if (copy.get(field) instanceof Map<?, ?> data) {
                    var keys = new TreeMap<String, Object>();
                    data.keySet().forEach(k -> keys.put(String.valueOf(k), REDACTED));
                    copy.put(field, keys);
                }
            }
        }
        return copy;
    }

    /** Deep copy with sorted keys, whole doubles as integers, and placeholder credentials redacted. */
    static Object scrub(Object value) {
        if (value instanceof Map<?, ?> map) {
            var out = new TreeMap<String, Object>();
            map.forEach((k, v) -> { if (v != null) out.put(String.valueOf(k), scrub(v)); });
            return out;
        }
        if (value instanceof List<?> list) return list.stream().map(StackRender::scrub).toList();
        if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) return d.longValue();
        if (value instanceof String s && s.contains(RecordingMocks.PLACEHOLDER_PREFIX)) return REDACTED;
        return value;
    }

    private static Map<String, Object> orderTop(Map<String, Object> object) {
        var out = new LinkedHashMap<String, Object>();
        for (var key : TOP_KEYS) if (object.containsKey(key)) out.put(key, object.get(key));
        object.forEach(out::putIfAbsent);
        return out;
    }

    /** Everything that is not a Kubernetes object: providers, Helm releases, buckets, 1Password reads. */
    public List<String> summary() {
        var lines = new ArrayList<String>();
        lines.add("# " + plan.inputs().stack() + ": resources that are not Kubernetes objects");
        // By name, not in the order the engine (here the mocks) received them: the SDK registers a resource once its
        // inputs resolve, asynchronously, so two buckets arrive in either order from one run to the next.
        var registrations = new ArrayList<>(run.mocks().registrations());
        registrations.sort(java.util.Comparator.comparing(RecordingMocks.Registration::name)
                .thenComparing(RecordingMocks.Registration::type));
        for (var r : registrations) {
            if (r.type().startsWith("kubernetes:") && !r.type().startsWith("kubernetes:helm.sh/")) continue;
            if (r.type().startsWith("homelab-backups:")) continue;
            var o = run.options().get(r.name());
            var detail = new ArrayList<String>();
            // Only a provider's own version picks a plugin; resources use their explicit provider's.
            if (o != null && r.type().startsWith("pulumi:providers:")) o.getVersion().ifPresent(v -> detail.add("plugin " + v));
            if (o != null) o.getProvider().ifPresent(p -> detail.add("via provider " + p.pulumiResourceName()));
            if (o != null && o.isProtect()) detail.add("protect");
            if (o instanceof CustomResourceOptions c && c.isRetainOnDelete()) detail.add("retainOnDelete");
            var inputs = (Map<?, ?>) scrub(r.inputs());
            switch (r.type()) {
                case "kubernetes:helm.sh/v3:Release" -> detail.add("chart " + inputs.get("chart") + "@" + inputs.get("version")
                        + (inputs.get("repositoryOpts") instanceof Map<?, ?> repo ? " from " + repo.get("repo") : " (local)")
                        + " into " + inputs.get("namespace")
                        + ", values " + inputs.get("values"));
                case "aws:s3/bucketV2:BucketV2" -> detail.add("bucket " + inputs.get("bucket") + ", forceDestroy " + inputs.get("forceDestroy"));
                default -> detail.add("inputs " + inputs);
            }
            lines.add("- " + r.name() + " (" + r.type() + "): " + String.join("; ", detail));
        }
        var invocations = new ArrayList<>(run.mocks().invocations());
        invocations.sort(java.util.Comparator.comparing(c -> c.token() + " " + new TreeMap<>(c.args())));
        for (var call : invocations) {
            lines.add("- read " + call.token() + " " + new TreeMap<>(call.args()) + " (values stay secret)");
        }
        var claims = run.stack().review().claims();
        if (!claims.isEmpty()) {
            lines.add("- read " + claims.size() + " live PVCs before anything is registered (size, access modes and storage "
                    + "class checked against the inventory at preview; a PVC to restore must not be in use; this render "
                    + "assumes they agree and are free): " + String.join(", ", claims.values().stream()
                    .map(c -> c.namespace() + "/" + c.name()).sorted().toList()));
        }
        if (!run.warnings().isEmpty()) {
            lines.add("");
            lines.add("# What the preview will say");
            run.warnings().forEach(w -> lines.add("- " + w));
        }
        var owner = plan.inputs().ownerValues();
        if (!owner.isEmpty()) {
            lines.add("");
            lines.add("# OWNER values still to fill in: pulumi preview and up refuse the stack until they are");
            owner.stream().sorted().forEach(e -> lines.add("- " + e));
        }
        return lines;
    }

    /** One row per volume and per database: what a reviewer checks first (made once: the render prints and writes it). */
    public synchronized List<String> planTable() {
        if (planTable == null) planTable = List.copyOf(makePlanTable());
        return planTable;
    }

    private List<String> makePlanTable() {
        var settings = plan.inputs().settings();
        var mover = settings.volsync().mover().id();
        var rows = new ArrayList<List<String>>();
        rows.add(List.of("APP", "NAMESPACE", "PVC", "SIZE", "POLICY", "SCHEDULE", "KEEPS", "REPOSITORY", "MOVER", "COPY",
                "DRILL", "RESTORE"));
        var drills = new java.util.HashMap<String, String>();
        plan.drills().forEach(d -> drills.put(d.app(), d.schedule().text()));
        for (var v : plan.volumes()) {
            String restore;
            if (!v.populatorRestore()) restore = "manual only (no snapshots)";
            else if (settings.restore().recovers(v.app(), v.namespace())) restore = "DR bootstrap from latest"
                    + (v.restore().map(r -> r.freshStart()).orElse(false) ? " (fresh-start: empty if no backup)" : "");
            else restore = v.restore().map(r -> r.freshStart()
                    ? "fresh-start (a claim with no data yet: filled from latest, else empty; preview reads the claim)"
                    : "REPLACE from " + r.text() + " (" + r.id() + ")").orElse("-");
            rows.add(List.of(v.app(), v.namespace(), v.pvc(), v.capacity().text(), v.policy().name(),
                    v.schedule().text() + (v.scheduleSource() == homelab.backups.plan.VolumePlan.ScheduleSource.STAGGERED ? "" : " (own)"),
                    keeps(v.policy().retain()), v.repositoryPath(), mover, v.copyMethod().apiName(),
                    drills.getOrDefault(v.app(), "-"), restore));
        }
        for (var x : plan.excluded()) {
            rows.add(List.of(x.app(), x.namespace(), x.pvc(), x.capacity().text(), "-", "-", "-", "-", "-", "-", "-",
                    "excluded: " + x.exclusion().orElse("")));
        }
        var dbRows = new ArrayList<List<String>>();
        dbRows.add(List.of("DATABASE", "ENGINE", "CLUSTER", "SCHEDULE", "TARGET", "DRILL", "RESTORE"));
        var dbDrills = new java.util.HashMap<String, String>();
        plan.databaseDrills().forEach(d -> dbDrills.put(d.id(), d.schedule().text()));
        for (var d : plan.databases()) {
            var db = d.database();
            dbRows.add(List.of(d.id(), db.engine().id() + d.engine().match(cnpg -> " (" + cnpg.options().method().id() + ")", pgo -> ""),
                    db.namespace() + "/" + db.name(),
                    d.engine().scheduleText(),
                    d.repository().url(),
                    dbDrills.getOrDefault(d.id(), "-"),
                    d.recoveryName().flatMap(n -> d.restore().map(r -> "NEW cluster " + n + " from " + r.text())).orElse("-")));
        }
        var lines = new ArrayList<String>();
        lines.add("Stack " + plan.inputs().stack() + ": " + plan.volumes().size() + " volumes backed up, "
                + plan.excluded().size() + " excluded, " + plan.databases().size() + " databases");
        lines.addAll(homelab.backups.plan.TextTable.padded(rows));
        lines.add("");
        lines.addAll(homelab.backups.plan.TextTable.padded(dbRows));
        lines.add("");
        var monitoring = settings.monitoring();
        // Counted in the rendered PrometheusRule: building the groups again would cost as much as rendering them.
        int rules = objects.stream().filter(o -> o.kind().equals("PrometheusRule"))
                .flatMap(o -> ((List<?>) ((java.util.Map<?, ?>) o.object().get("spec")).get("groups")).stream())
                .mapToInt(g -> ((List<?>) ((java.util.Map<?, ?>) g).get("rules")).size()).sum();
        lines.add("Alerts: " + (monitoring.enabled() ? "PrometheusRule " + monitoring.namespace() + "/" + AlertRules.RULE_NAME
                + " (" + rules + " rules, late = interval + " + AlertRules.duration(monitoring.slack()) + ")" : "off (monitoring.enabled)"));
        lines.add("Drills: " + (plan.drills().isEmpty() ? "off (drills.enabled)" : plan.drills().size() + " CronJobs, every "
                + settings.drills().everyDays() + " days from " + settings.drills().windowStart() + " UTC (DRILL column)"));
        var dbDrill = settings.databases().drill();
        if (!plan.databases().isEmpty()) {
            lines.add("Database drills: " + (plan.databaseDrills().isEmpty() ? "off (databases.drill.enabled)"
                    : plan.databaseDrills().size() + " CronJobs, every " + dbDrill.everyDays() + " days from "
                    + dbDrill.windowStart() + " UTC, ready within " + AlertRules.duration(dbDrill.readyTimeout())
                    + " (DRILL column of the databases)"));
            var prunes = plan.databases().stream()
                    .flatMap(d -> homelab.backups.plan.BackupPrunePlan.of(d, settings).stream()).toList();
            if (!prunes.isEmpty()) {
                var p = prunes.get(0);
                lines.add("CNPG Backup pruning: " + prunes.size() + " CronJobs at " + p.schedule().text() + " UTC, keeping "
                        + settings.databases().retention() + " and the newest " + p.keepCompleted() + " completed");
            }
        }
        lines.add("Longhorn backups: " + (settings.longhorn().retireBackups()
                ? "RETIRE (BackupTarget " + settings.longhorn().namespace() + "/" + settings.longhorn().backupTarget()
                        + " patched to no target), GATED: pulumi preview refuses unless ./verify proves everything"
                : "kept (longhorn.retireBackups: false)"));
        return lines;
    }

    /** 24h, 45m, 1h30m: how long an up waits, as written in the settings. */
    static String waitText(java.time.Duration d) {
        long minutes = d.toMinutes();
        if (minutes < 60) return minutes + "m";
        return d.toHours() + "h" + (d.toMinutesPart() == 0 ? "" : d.toMinutesPart() + "m");
    }

    /** A retention as a reviewer reads it: {@code 24h 7d}, {@code 14d}, {@code 4w 6m 1y within 30d}. */
    static String keeps(homelab.backups.config.Policy.Retention r) {
        var parts = new ArrayList<String>();
        if (r.hourly() > 0) parts.add(r.hourly() + "h");
        if (r.daily() > 0) parts.add(r.daily() + "d");
        if (r.weekly() > 0) parts.add(r.weekly() + "w");
        if (r.monthly() > 0) parts.add(r.monthly() + "m");
        if (r.yearly() > 0) parts.add(r.yearly() + "y");
        r.within().ifPresent(w -> parts.add("within " + w));
        return String.join(" ", parts);
    }
}
