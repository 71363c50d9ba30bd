package homelab.backups.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Git side of restore-before-bind (issue 21; docs/restore-before-bind.md): for every backed-up PVC whose restores
 * go through VolSync's volume populator, a Kustomize patch of the app's own PVC manifest that gives it
 * {@code spec.dataSourceRef} → the app's ReplicationDestination ({@link VolumeNames#destinationName}, the name the
 * program's own restore creates and points a re-created PVC at). A claim Argo CD (or anyone) re-creates from Git then
 * waits {@code Pending} until that destination exists, which only a restore request (or an explicit fresh start)
 * creates, instead of binding to a new, empty volume (docs/field-incidents-2026.md #8).
 *
 * <p>The patch also carries the two Argo CD annotations the contract needs:
 * <ul>
 *   <li>{@code argocd.argoproj.io/sync-options: Prune=false,Delete=false}: no Git change, prune or deleted
 *       Application deletes the PVC (#4; README Migration runbook step 1);</li>
 *   <li>{@code argocd.argoproj.io/compare-options: ServerSideDiff=false}: Argo CD's server-side diff dry-runs an
 *       apply of the Git manifest, which the API server refuses on a PVC whose immutable {@code dataSourceRef}
 *       differs, wedging the whole Application in ComparisonError; ignoreDifferences does not help because the
 *       dry-run runs before it (#2, the owner's fix).</li>
 * </ul>
 *
 * <p>The style is the homelab's own: Kustomize {@code patches:} in the app's kustomization.yaml (its
 * {@code my-apps/common/kopiur-backup} component patches by {@code target}), here a strategic-merge patch file per
 * PVC, selected by kind and name so the kustomization's {@code namespace:} does not matter. A PVC that cannot use the
 * populator (a static PV: no snapshot class) and an excluded volume get no patch; the index says why.
 *
 * <p>Pure and deterministic: the render writes {@link #files()} as they are, byte-identical from one render to the next.
 *
 * @param patches one per populator volume, in the order to apply them (the plan's, by app id)
 * @param skipped the inventory's other volumes, each with why it has no patch
 */
public record GitContract(List<Patch> patches, List<Skipped> skipped) {
    /** Where the render writes it, under {@code out/<stack>/}. */
    public static final String DIRECTORY = "gitops";
    public static final String INDEX = DIRECTORY + "/index.txt";
    public static final String STANZA_FILE = "kustomization-patches.yaml";
    public static final String SYNC_OPTIONS = "argocd.argoproj.io/sync-options";
    public static final String SYNC_OPTIONS_VALUE = "Prune=false,Delete=false";
    public static final String COMPARE_OPTIONS = "argocd.argoproj.io/compare-options";
    public static final String COMPARE_OPTIONS_VALUE = "ServerSideDiff=false";
    /** The populator's data source: VolSync's ReplicationDestination (backube/volsync v0.15.0 volumepopulator_controller.go). */
    public static final String API_GROUP = "volsync.backube";
    public static final String KIND = "ReplicationDestination";

    public GitContract {
        patches = List.copyOf(patches);
        skipped = List.copyOf(skipped);
    }

    /** The {@code spec.dataSourceRef} of the contract. */
    public record DataSourceRef(String apiGroup, String kind, String name) {
    }

    /**
     * One PVC's patch.
     *
     * @param order 1-based: the order to take the apps onto the contract, one at a time
     */
    public record Patch(int order, String app, String namespace, String pvc, DataSourceRef dataSourceRef) {
        /** The patch file's name: copy it beside the kustomization.yaml that lists the PVC. */
        public String fileName() {
            return pvc + ".restore-before-bind.yaml";
        }

        /** Where the render writes it, relative to {@code out/<stack>/}. */
        public String path() {
            return DIRECTORY + "/" + namespace + "/" + fileName();
        }

        /** The annotations the patch adds, sorted by key as they are written. */
        public Map<String, String> annotations() {
            return new TreeMap<>(Map.of(SYNC_OPTIONS, SYNC_OPTIONS_VALUE, COMPARE_OPTIONS, COMPARE_OPTIONS_VALUE));
        }

        /** The strategic-merge patch file. */
        public String patchYaml() {
            var lines = new ArrayList<String>();
            lines.add("# Restore-before-bind for " + app + " (homelab-backups): a strategic-merge patch of the PVC "
                    + namespace + "/" + pvc + ".");
            lines.add("# Commit it only once this PVC was re-created by a restore (README \"Restore-before-bind: the Git side\"):");
            lines.add("# dataSourceRef is immutable, so a live PVC without it cannot gain it, and Argo CD could not apply it.");
            lines.add("apiVersion: v1");
            lines.add("kind: PersistentVolumeClaim");
            lines.add("metadata:");
            lines.add("  name: " + pvc);
            lines.add("  annotations:");
            annotations().forEach((k, v) -> lines.add("    " + k + ": " + v));
            lines.add("spec:");
            lines.add("  dataSourceRef:");
            lines.add("    apiGroup: " + dataSourceRef.apiGroup());
            lines.add("    kind: " + dataSourceRef.kind());
            lines.add("    name: " + dataSourceRef.name());
            return String.join("\n", lines) + "\n";
        }

        /** The entry of the kustomization's {@code patches:} list that applies the file to the PVC. */
        public List<String> stanzaEntry() {
            return List.of(
                    "  # " + app + ": " + namespace + "/" + pvc + " waits for ReplicationDestination " + dataSourceRef.name()
                            + " when re-created",
                    "  - path: " + fileName(),
                    "    target:",
                    "      kind: PersistentVolumeClaim",
                    "      name: " + pvc);
        }
    }

    /** An inventory volume without a patch, and why. */
    public record Skipped(String app, String namespace, String pvc, String why) {
    }

    public static GitContract of(StackPlan plan) {
        var patches = new ArrayList<Patch>();
        var skipped = new ArrayList<Skipped>();
        for (var v : plan.volumes()) {
            if (v.populatorRestore()) {
                patches.add(new Patch(patches.size() + 1, v.app(), v.namespace(), v.pvc(),
                        new DataSourceRef(API_GROUP, KIND, v.destinationName())));
            } else {
                skipped.add(new Skipped(v.app(), v.namespace(), v.pvc(), v.staticPv()
                        ? "a static PV (no storage class): restores are manual, no populator (README \"Restore a volume without snapshots\")"
                        : "no snapshot class for its storage class " + v.storageClass() + ": restores cannot use the populator"));
            }
        }
        for (var x : plan.excluded()) {
            skipped.add(new Skipped(x.app(), x.namespace(), x.pvc(), "excluded: " + x.exclusion().orElse("")));
        }
        return new GitContract(patches, skipped);
    }

    /** The patch of one app, if it has one. */
    public java.util.Optional<Patch> patch(String app) {
        return patches.stream().filter(p -> p.app().equals(app)).findFirst();
    }

    /**
     * Every file, by path relative to {@code out/<stack>/}: per PVC its patch, per namespace the {@code patches:}
     * stanza for its apps, and the index. Nothing when no volume uses the populator.
     */
    public Map<String, String> files() {
        var files = new TreeMap<String, String>();
        if (patches.isEmpty()) return files;
        var byNamespace = new TreeMap<String, List<Patch>>();
        for (var p : patches) {
            files.put(p.path(), p.patchYaml());
            byNamespace.computeIfAbsent(p.namespace(), n -> new ArrayList<>()).add(p);
        }
        byNamespace.forEach((ns, list) -> {
            var lines = new ArrayList<String>();
            lines.add("# The patches: entries to add to the kustomization.yaml that lists these PVCs of namespace " + ns + ",");
            lines.add("# each with its patch file copied beside it. Add one app's entry at a time, after its PVC was re-created");
            lines.add("# by a restore (README \"Restore-before-bind: the Git side\"); see ../index.txt for the order.");
            lines.add("patches:");
            list.forEach(p -> lines.addAll(p.stanzaEntry()));
            files.put(DIRECTORY + "/" + ns + "/" + STANZA_FILE, String.join("\n", lines) + "\n");
        });
        files.put(INDEX, String.join("\n", index()) + "\n");
        return files;
    }

    /** The index: every app, its PVC, its dataSourceRef and patch, in the order to apply; then the volumes without one. */
    public List<String> index() {
        var lines = new ArrayList<String>();
        lines.add("# Restore-before-bind, the Git side (README \"Restore-before-bind: the Git side\"). One app at a time, in this");
        lines.add("# order: pause its Argo CD sync and stop it, take a fresh backup, restore.<app>: latest and pulumi up (the PVC is");
        lines.add("# re-created with the dataSourceRef below), commit the patch and its patches: entry, resume Argo CD, remove the request.");
        var rows = new ArrayList<List<String>>();
        rows.add(List.of("ORDER", "APP", "NAMESPACE", "PVC", "DATASOURCEREF", "PATCH", "STANZA"));
        for (var p : patches) {
            rows.add(List.of(String.valueOf(p.order()), p.app(), p.namespace(), p.pvc(),
                    p.dataSourceRef().kind() + "/" + p.dataSourceRef().name(), p.path(),
                    DIRECTORY + "/" + p.namespace() + "/" + STANZA_FILE));
        }
        lines.addAll(TextTable.padded(rows));
        if (!skipped.isEmpty()) {
            lines.add("");
            lines.add("# No patch (nothing waits for a restore when Argo CD re-creates these):");
            skipped.forEach(s -> lines.add("- " + s.app() + " (" + s.namespace() + "/" + s.pvc() + "): " + s.why()));
        }
        return lines;
    }
}
