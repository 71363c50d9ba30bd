package homelab.backups.plan;

import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;

/**
 * Argo CD during a restore (issue 21, part 5). A restore deletes the app's PVC and creates it again from its backup;
 * an Argo CD Application that tracks the PVC and syncs automatically with {@code selfHeal} re-creates it from Git in
 * between, empty, and the restore's create then meets that PVC (docs/field-incidents-2026.md #3); with {@code prune} it acts on
 * the app's objects by itself. So, before anything changes, the Application that tracks a PVC about to be restored is
 * read, and the restore is refused while it syncs automatically with selfHeal or prune, naming the command that
 * pauses it.
 *
 * <p>Argo CD marks what it applied with the annotation {@code argocd.argoproj.io/tracking-id:
 * <app>:<group>/<kind>:<namespace>/<name>} (argo-cd util/argo/resource_tracking.go BuildAppInstanceValue; an
 * Application outside Argo CD's namespace is {@code <namespace>_<app>}) or the label {@code app.kubernetes.io/instance}
 * (the label method, and both in annotation+label). No tracking, or no Application CRD, or no Argo CD namespace: Argo
 * CD is not there, and nothing changes. An Application that cannot be read (RBAC) or cannot be found although the PVC
 * names it refuses: the program cannot tell, so it stops and says so.
 */
public final class ArgoCdSync {
    public static final String API_VERSION = "argoproj.io/v1alpha1";
    public static final String KIND = "Application";
    public static final String TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id";
    public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";

    private ArgoCdSync() {
    }

    /**
     * The Application that tracks the PVC, as its tracking says.
     *
     * @param namespace where the Application lives
     * @param by        what on the PVC says so
     */
    public record Tracking(String namespace, String name, String by) {
    }

    public static Optional<Tracking> tracking(LiveClaim claim, String argoNamespace) {
        var id = claim.annotations().getOrDefault(TRACKING_ANNOTATION, "");
        if (id.indexOf(':') > 0) {
            var app = id.substring(0, id.indexOf(':'));
            var by = "its annotation " + TRACKING_ANNOTATION + "=" + id;
            int sep = app.indexOf('_');
            return Optional.of(sep > 0 ? new Tracking(app.substring(0, sep), app.substring(sep + 1), by)
                    : new Tracking(argoNamespace, app, by));
        }
        var label = claim.labels().getOrDefault(INSTANCE_LABEL, "");
        if (!label.isEmpty()) return Optional.of(new Tracking(argoNamespace, label, "its label " + INSTANCE_LABEL + "=" + label));
        return Optional.empty();
    }

    /** Why the restore of this PVC must wait for Argo CD; empty when Argo CD will not interfere. */
    public static Optional<String> refusal(LiveClaim claim, String argoNamespace, LiveReview.Lookup live) {
        var tracking = tracking(claim, argoNamespace);
        if (tracking.isEmpty() || !live.served(API_VERSION, KIND)) return Optional.empty();
        var t = tracking.get();
        if (!live.namespaceExists(t.namespace())) return Optional.empty();
        var pvc = claim.namespace() + "/" + claim.name();
        var app = t.namespace() + "/" + t.name();
        var read = live.read(API_VERSION, KIND, t.namespace(), t.name());
        if (read instanceof LiveRead.Found f) return automatedRefusal(pvc, t, f.object());
        if (read instanceof LiveRead.Refused r) {
            return Optional.of("RESTORE refused: the PVC " + pvc + " is tracked by the Argo CD Application "
                    + app + " (" + t.by() + "), which cannot be read (" + r.why() + "), so whether it would re-create the PVC "
                    + "empty from Git during the restore cannot be told. Let the program's identity get applications.argoproj.io "
                    + "in " + t.namespace() + ". Nothing was changed");
        }
        return Optional.of("RESTORE refused: the PVC " + pvc + " is tracked by the Argo CD Application "
                    + app + " (" + t.by() + "), and there is no such Application. If Argo CD's Applications live elsewhere, set "
                    + "homelab-backups:argocd.namespace; if no Application tracks the PVC any more, remove the stale tracking "
                    + "(kubectl -n " + claim.namespace() + " annotate pvc " + claim.name() + " " + TRACKING_ANNOTATION + "- ; "
                    + "kubectl -n " + claim.namespace() + " label pvc " + claim.name() + " " + INSTANCE_LABEL + "-). Nothing was changed");
    }

    /** Automated sync that acts on its own (selfHeal, prune) is refused; paused or manual sync passes. */
    static Optional<String> automatedRefusal(String pvc, Tracking t, Map<String, Object> application) {
        var automated = Unstructured.at(application, "spec.syncPolicy.automated").filter(Map.class::isInstance);
        if (automated.isEmpty()) return Optional.empty();
        @SuppressWarnings("unchecked") var auto = (Map<String, Object>) automated.get();
        // Argo CD 3.x: automated.enabled: false keeps the settings with automated sync off.
        if (Boolean.FALSE.equals(auto.get("enabled")) || "false".equals(String.valueOf(auto.get("enabled")))) return Optional.empty();
        var on = new ArrayList<String>();
        if (flag(auto.get("selfHeal"))) on.add("selfHeal");
        if (flag(auto.get("prune"))) on.add("prune");
        if (on.isEmpty()) return Optional.empty();
        var ns = t.namespace();
        var name = t.name();
        var owner = Unstructured.maps(application, "metadata.ownerReferences").stream()
                .filter(o -> "ApplicationSet".equals(o.get("kind"))).map(o -> String.valueOf(o.get("name"))).findFirst();
        return Optional.of("RESTORE refused: the PVC " + pvc + " is tracked by the Argo CD Application " + ns + "/" + name
                + " (" + t.by() + "), which syncs automatically with " + String.join(" and ", on)
                + " (spec.syncPolicy.automated): between the restore's delete and create it would re-create the PVC "
                + "empty from Git. Pause it first: kubectl -n " + ns + " patch application " + name
                + " --type merge -p '{\"spec\":{\"syncPolicy\":{\"automated\":null}}}' (or argocd app set " + name
                + (ns.equals("argocd") ? "" : " --app-namespace " + ns) + " --sync-policy none)"
                + owner.map(o -> "; the ApplicationSet " + o + " generates it and puts its sync policy back: pause it in "
                        + "the ApplicationSet's template, or let the ApplicationSet ignore .spec.syncPolicy "
                        + "(spec.ignoreApplicationDifferences)").orElse("")
                + ", and resume it once the restore is done (README: Restore a volume). Nothing was changed");
    }

    private static boolean flag(Object value) {
        return Boolean.TRUE.equals(value) || "true".equals(String.valueOf(value));
    }
}
