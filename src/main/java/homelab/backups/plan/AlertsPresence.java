package homelab.backups.plan;

import homelab.backups.config.Settings;
import java.util.ArrayList;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * Whether the alert rules can be installed (issue 21, part 6): what protects data never waits for what watches it. A
 * rebuilt cluster, or a homelab without kube-prometheus-stack, has no PrometheusRule CRD or no monitoring namespace;
 * registering the rule there fails the first {@code up}, and every volume's backup and restore waits behind it
 * (docs/field-incidents-2026.md #43). Read at preview, like the other live reads; when the rules cannot be installed, they are
 * not registered, and the preview, a stack output and ./verify say so.
 */
public final class AlertsPresence {
    public static final String API_VERSION = "monitoring.coreos.com/v1";
    public static final String KIND = "PrometheusRule";

    private AlertsPresence() {
    }

    /**
     * Why the rules cannot be installed now; empty when they can, or when monitoring is off (nothing to install).
     *
     * @param served          whether the API server serves an apiVersion/kind
     * @param namespaceExists whether a namespace exists
     */
    public static Optional<String> missing(Settings.MonitoringSettings monitoring, BiPredicate<String, String> served,
                                           Predicate<String> namespaceExists) {
        if (!monitoring.enabled()) return Optional.empty();
        var why = new ArrayList<String>();
        if (!served.test(API_VERSION, KIND)) {
            why.add("the " + KIND + " CRD (" + API_VERSION + ") is not installed: no Prometheus Operator (kube-prometheus-stack) runs in this cluster yet");
        }
        if (!namespaceExists.test(monitoring.namespace())) {
            why.add("the namespace " + monitoring.namespace() + " (monitoring.namespace) does not exist");
        }
        return why.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", why));
    }

    /** The stack output and ./verify's words for it. */
    public static String notInstalled(String why) {
        return "alerts not installed: " + why;
    }

    /**
     * ./verify's row: PROVEN once the PrometheusRule exists; NEVER, with the reason, while it cannot or does not. No
     * row when monitoring is off. Not proven keeps Longhorn's backups (nothing would tell of a failing backup).
     */
    public static Optional<Verification.Check> check(StackPlan plan, Verification.Lookup live) {
        var monitoring = plan.inputs().settings().monitoring();
        if (!monitoring.enabled()) return Optional.empty();
        var ns = monitoring.namespace();
        var why = missing(monitoring, live::served, live::namespaceExists);
        if (why.isPresent()) {
            return Optional.of(new Verification.Check("alerts", AlertRules.RULE_NAME, ns, Verification.State.NEVER,
                    Optional.empty(), notInstalled(why.get()) + "; the next pulumi up installs them once it exists"));
        }
        var rule = live.object(API_VERSION, KIND, ns, AlertRules.RULE_NAME);
        if (rule.isEmpty()) {
            return Optional.of(new Verification.Check("alerts", AlertRules.RULE_NAME, ns, Verification.State.NEVER,
                    Optional.empty(), notInstalled("no " + KIND + " " + ns + "/" + AlertRules.RULE_NAME + " yet: run pulumi up")));
        }
        int alerts = Unstructured.maps(rule.get(), "spec.groups").stream().mapToInt(g -> Unstructured.maps(g, "rules").size()).sum();
        return Optional.of(new Verification.Check("alerts", AlertRules.RULE_NAME, ns, Verification.State.PROVEN, Optional.empty(),
                KIND + " " + ns + "/" + AlertRules.RULE_NAME + " installed (" + alerts + " rules)"));
    }

}
