package homelab.backups.plan;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * May the pods of a namespace open a TCP connection to the S3 endpoint, as far as the cluster's network policies say?
 * Every mover, drill, Barman sidecar and pgBackRest pod needs it, and a cluster-wide deny-by-default policy that
 * lists the store's host with other ports only (the homelab's {@code default-deny-lan-egress},
 * docs/field-incidents-2026.md §D #29) makes each of them time out. Pure: it reads the policies as the API server serves them.
 *
 * <p>The policies are one set, as Cilium enforces them (Kubernetes NetworkPolicy, CiliumNetworkPolicy and
 * CiliumClusterwideNetworkPolicy alike): a pod selected by a policy with egress rules (a NetworkPolicy with policy type
 * Egress; a Cilium rule with {@code egress} or {@code egressDeny}, unless {@code enableDefaultDeny.egress: false}) may
 * send only what some policy selecting it allows, and nothing an {@code egressDeny} rule of a policy selecting it
 * matches. Pod labels are not known here (VolSync, CNPG and PGO label their pods), so a policy that selects pods by
 * labels other than the namespace may or may not apply: the answer is then {@link State#UNKNOWN}, as it is for
 * everything this does not evaluate (FQDN, service and group peers, named ports, L7 rules, a store named by host
 * name). It never answers OK when it cannot tell. The store is taken to be outside the cluster (Cilium's entity
 * {@code world}), as the TrueNAS box is.
 */
public final class Egress {
    private Egress() {
    }

    public enum State {
        OK, BLOCKED, UNKNOWN
    }

    /** The answer for one namespace, in a few words that do not name it (./verify groups namespaces by them). */
    public record Result(State state, String detail) {
    }

    /** A TCP destination: the host (an address or a name) and the port, the scheme's default filled in. */
    public record Destination(String host, int port) {
        public static Destination of(URI endpoint) {
            int port = endpoint.getPort() != -1 ? endpoint.getPort() : "http".equals(endpoint.getScheme()) ? 80 : 443;
            var host = endpoint.getHost();
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            return new Destination(host, port);
        }

        public String text() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        /** The address when the host is an IP literal (never a DNS lookup). */
        Optional<byte[]> address() {
            if (IPV4.matcher(host).matches()) {
                var parts = host.split("\\.");
                var bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int b = Integer.parseInt(parts[i]);
                    if (b > 255) return Optional.empty();
                    bytes[i] = (byte) b;
                }
                return Optional.of(bytes);
            }
            if (host.contains(":") && host.matches("[0-9A-Fa-f:.]+")) {
                try {
                    return Optional.of(InetAddress.getByName(host).getAddress());   // a literal: parsed, not resolved
                } catch (UnknownHostException e) {
                    return Optional.empty();
                }
            }
            return Optional.empty();
        }
    }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Yes, no, or cannot tell. */
    enum T {
        YES, NO, MAYBE;

        static T of(boolean b) {
            return b ? YES : NO;
        }

        T and(T o) {
            if (this == NO || o == NO) return NO;
            return this == YES && o == YES ? YES : MAYBE;
        }

        T or(T o) {
            if (this == YES || o == YES) return YES;
            return this == NO && o == NO ? NO : MAYBE;
        }
    }

    /** One policy rule set as it bears on one namespace and destination. */
    record Rule(String name, T selects, boolean isolates, T allows, T denies, List<String> unknowns) {
    }

    /**
     * @param policies every NetworkPolicy, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy of the cluster
     * @param unread   the kinds that could not be listed, each with why: then nothing but a deny is certain
     */
    public static Result evaluate(String namespace, Destination to, List<Map<String, Object>> policies, List<String> unread) {
        var rules = new ArrayList<Rule>();
        for (var p : policies) rules.addAll(rules(p, namespace, to));
        rules.removeIf(r -> r.selects() == T.NO);
        var what = to.text() + "/TCP";

        // A deny wins over every allow, whatever else there is.
        var denying = rules.stream().filter(r -> r.selects() == T.YES && r.denies() == T.YES).map(Rule::name).toList();
        if (!denying.isEmpty()) {
            return new Result(State.BLOCKED, String.join(", ", denying) + " denies egress to " + what + " (egressDeny)");
        }
        var isolating = rules.stream().filter(Rule::isolates).toList();
        var surelyIsolating = isolating.stream().filter(r -> r.selects() == T.YES).map(Rule::name).toList();
        boolean mayAllow = rules.stream().anyMatch(r -> r.allows() != T.NO);
        if (!surelyIsolating.isEmpty() && !mayAllow && unread.isEmpty()) {
            boolean one = surelyIsolating.size() == 1;
            return new Result(State.BLOCKED, String.join(", ", surelyIsolating) + (one ? " selects" : " select") + " every pod of the namespace"
                    + " and no policy that may select them allows egress to " + what);
        }
        var allowedBy = rules.stream().filter(r -> r.selects() == T.YES && r.allows() == T.YES).map(Rule::name).findFirst();
        boolean eachIsolatorAllows = isolating.stream().allMatch(r -> r.allows() == T.YES);
        boolean allowed = isolating.isEmpty() || allowedBy.isPresent() || eachIsolatorAllows;
        var mayDeny = rules.stream().filter(r -> r.denies() != T.NO).toList();
        if (allowed && mayDeny.isEmpty() && unread.isEmpty()) {
            if (isolating.isEmpty()) return new Result(State.OK, "no network policy restricts egress from the namespace");
            return new Result(State.OK, "allowed by " + allowedBy.orElseGet(() -> String.join(", ", isolating.stream().map(Rule::name).toList())));
        }
        // Cannot tell: say every reason.
        var why = new LinkedHashSet<String>();
        unread.forEach(u -> why.add("cannot list " + u));
        for (var r : mayDeny) why.add(r.name() + " may deny it" + because(r));
        if (!allowed) {
            for (var r : isolating) {
                if (r.allows() == T.YES) continue;
                why.add(r.name() + (r.selects() == T.YES ? " selects every pod of the namespace" : " selects pods by labels (which of them are the movers is not known here)")
                        + (r.allows() == T.NO ? " and allows no egress to " + what : " and may allow it" + because(r)));
            }
            for (var r : rules) {
                if (!r.isolates() && r.allows() != T.NO) {
                    why.add(r.name() + " may allow it" + (r.selects() == T.MAYBE ? " to the pods it selects by labels" : "") + because(r));
                }
            }
        }
        if (why.isEmpty()) why.add("the policies that select its pods could not be evaluated");
        return new Result(State.UNKNOWN, String.join("; ", why));
    }

    private static String because(Rule r) {
        return r.unknowns().isEmpty() ? "" : " (" + String.join(", ", new LinkedHashSet<>(r.unknowns())) + ")";
    }

    // ---- reading the policies

    static List<Rule> rules(Map<String, Object> policy, String namespace, Destination to) {
        var kind = String.valueOf(policy.get("kind"));
        var name = Unstructured.name(policy);
        var policyNamespace = Unstructured.string(policy, "metadata.namespace").orElse("");
        switch (kind) {
            case "NetworkPolicy" -> {
                var spec = map(policy.get("spec"));
                var selects = !policyNamespace.equals(namespace) ? T.NO : emptySelector(spec.get("podSelector")) ? T.YES : T.MAYBE;
                var unknowns = new ArrayList<String>();
                return List.of(new Rule("NetworkPolicy " + policyNamespace + "/" + name, selects, kubernetesIsolates(spec),
                        kubernetesAllows(spec, to, unknowns), T.NO, unknowns));
            }
            case "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy" -> {
                boolean clusterwide = kind.equals("CiliumClusterwideNetworkPolicy");
                var specs = new ArrayList<Map<String, Object>>();
                if (policy.get("spec") instanceof Map<?, ?>) specs.add(map(policy.get("spec")));
                if (policy.get("specs") instanceof List<?> list) list.forEach(s -> specs.add(map(s)));
                var out = new ArrayList<Rule>();
                for (int i = 0; i < specs.size(); i++) {
                    var spec = specs.get(i);
                    var label = kind + " " + (clusterwide ? "" : policyNamespace + "/") + name + (specs.size() > 1 ? " (rule " + (i + 1) + ")" : "");
                    T selects;
                    if (!clusterwide && !policyNamespace.equals(namespace)) selects = T.NO;
                    else if (spec.get("endpointSelector") == null) selects = T.NO;   // a host policy (nodeSelector): nodes, not pods
                    else selects = ciliumSelects(map(spec.get("endpointSelector")), namespace);
                    var unknowns = new ArrayList<String>();
                    var allows = T.NO;
                    for (var rule : list(spec.get("egress"))) allows = allows.or(ciliumMatches(map(rule), to, true, unknowns));
                    var denies = T.NO;
                    for (var rule : list(spec.get("egressDeny"))) denies = denies.or(ciliumMatches(map(rule), to, false, unknowns));
                    boolean hasRules = !list(spec.get("egress")).isEmpty() || !list(spec.get("egressDeny")).isEmpty();
                    boolean defaultDenyOff = map(spec.get("enableDefaultDeny")).get("egress") instanceof Boolean b && !b;
                    out.add(new Rule(label, selects, hasRules && !defaultDenyOff, allows, denies, unknowns));
                }
                return out;
            }
            default -> {
                return List.of();
            }
        }
    }

    /** Egress isolation of a NetworkPolicy: policy type Egress, or (no types given) any egress rule. */
    static boolean kubernetesIsolates(Map<String, Object> spec) {
        var types = list(spec.get("policyTypes"));
        if (!types.isEmpty()) return types.contains("Egress");
        return !list(spec.get("egress")).isEmpty();
    }

    static T kubernetesAllows(Map<String, Object> spec, Destination to, List<String> unknowns) {
        var allows = T.NO;
        for (var r : list(spec.get("egress"))) {
            var rule = map(r);
            var peers = list(rule.get("to"));
            var peer = peers.isEmpty() ? T.YES : T.NO;
            for (var p : peers) {
                var block = map(map(p).get("ipBlock"));
                // namespaceSelector and podSelector peers are pods of the cluster, never the store outside it
                if (!block.isEmpty()) peer = peer.or(inBlock(to, String.valueOf(block.get("cidr")), list(block.get("except")), unknowns));
            }
            var ports = list(rule.get("ports"));
            var port = ports.isEmpty() ? T.YES : T.NO;
            for (var p : ports) {
                var entry = map(p);
                if (!"TCP".equals(String.valueOf(entry.getOrDefault("protocol", "TCP")))) continue;
                port = port.or(port(entry.get("port"), entry.get("endPort"), to.port(), unknowns));
            }
            allows = allows.or(peer.and(port));
        }
        return allows;
    }

    /**
     * A Cilium egress (or egressDeny) rule: its L3 peers (none given: every destination) and its ports (none given:
     * every port). An empty rule allows nothing (it only puts the endpoint into default deny: Cilium's "Ingress/Egress
     * Default Deny").
     */
    static T ciliumMatches(Map<String, Object> rule, Destination to, boolean allow, List<String> unknowns) {
        var l3Keys = List.of("toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toGroups", "toNodes");
        boolean anyL3 = l3Keys.stream().anyMatch(k -> !list(rule.get(k)).isEmpty());
        var toPorts = list(rule.get("toPorts"));
        if (!anyL3 && toPorts.isEmpty()) return T.NO;
        var l3 = anyL3 ? T.NO : T.YES;
        for (var c : list(rule.get("toCIDR"))) l3 = l3.or(inBlock(to, String.valueOf(c), List.of(), unknowns));
        for (var c : list(rule.get("toCIDRSet"))) {
            var set = map(c);
            if (set.get("cidr") == null) {
                unknowns.add("a toCIDRSet entry without cidr (cidrGroupRef)");
                l3 = l3.or(T.MAYBE);
            } else {
                l3 = l3.or(inBlock(to, String.valueOf(set.get("cidr")), list(set.get("except")), unknowns));
            }
        }
        for (var e : list(rule.get("toEntities"))) {
            // the store is outside the cluster: "world"; host, remote-node, cluster and the like are the cluster's own
            if (Set.of("all", "world", "world-ipv4", "world-ipv6").contains(String.valueOf(e))) l3 = T.YES;
        }
        for (var k : List.of("toServices", "toFQDNs", "toGroups")) {
            if (!list(rule.get(k)).isEmpty()) {
                unknowns.add(k + " peers are not evaluated");
                l3 = l3.or(T.MAYBE);
            }
        }
        // toEndpoints and toNodes select the cluster's pods and nodes: never the store outside it
        if (toPorts.isEmpty()) return list(rule.get("icmps")).isEmpty() ? l3 : l3.and(T.NO);
        var l4 = T.NO;
        for (var pr : toPorts) {
            var portRule = map(pr);
            var ports = list(portRule.get("ports"));
            var match = ports.isEmpty() ? T.YES : T.NO;
            for (var p : ports) {
                var entry = map(p);
                var protocol = String.valueOf(entry.getOrDefault("protocol", "ANY"));
                if (!protocol.equals("TCP") && !protocol.equals("ANY")) continue;
                match = match.or(port(entry.get("port"), entry.get("endPort"), to.port(), unknowns));
            }
            if (allow && match != T.NO && (!map(portRule.get("rules")).isEmpty() || !list(portRule.get("serverNames")).isEmpty())) {
                unknowns.add("L7 or TLS server-name rules decide which requests pass");
                match = T.MAYBE;
            }
            l4 = l4.or(match);
        }
        return l3.and(l4);
    }

    /** A port entry: a number (0 or none: every port) with an optional end of range, or a name (not resolved here). */
    static T port(Object value, Object endPort, int port, List<String> unknowns) {
        if (value == null) return T.YES;
        var text = String.valueOf(value).strip();
        if (text.endsWith(".0")) text = text.substring(0, text.length() - 2);   // YAML/JSON numbers read as doubles
        if (!text.matches("\\d+")) {
            unknowns.add("named port '" + text + "' is not resolved");
            return T.MAYBE;
        }
        int from = Integer.parseInt(text);
        if (from == 0) return T.YES;
        int to = from;
        if (endPort != null) {
            var end = String.valueOf(endPort).replaceFirst("\\.0$", "");
            if (end.matches("\\d+")) to = Integer.parseInt(end);
        }
        return T.of(port >= from && port <= to);
    }

    /** Whether the destination's address is in {@code cidr} and in none of {@code except}. */
    static T inBlock(Destination to, String cidr, List<Object> except, List<String> unknowns) {
        var address = to.address();
        if (address.isEmpty()) {
            unknowns.add("the store is named by host name (" + to.host() + "), and address rules need its address");
            return T.MAYBE;
        }
        var in = contains(cidr, address.get());
        if (in.isEmpty()) {
            unknowns.add("unreadable CIDR '" + cidr + "'");
            return T.MAYBE;
        }
        if (!in.get()) return T.NO;
        for (var e : except) {
            var out = contains(String.valueOf(e), address.get());
            if (out.isEmpty()) {
                unknowns.add("unreadable CIDR '" + e + "'");
                return T.MAYBE;
            }
            if (out.get()) return T.NO;
        }
        return T.YES;
    }

    /** Whether the address is inside {@code cidr} (a CIDR or a bare address; another family: false); empty when unreadable. */
    static Optional<Boolean> contains(String cidr, byte[] address) {
        var slash = cidr.indexOf('/');
        var base = new Destination(slash < 0 ? cidr : cidr.substring(0, slash), 0).address();
        if (base.isEmpty()) return Optional.empty();
        if (base.get().length != address.length) return Optional.of(false);
        int bits = address.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (prefix < 0 || prefix > bits) return Optional.empty();
        if (prefix == 0) return Optional.of(true);
        var a = new BigInteger(1, address).shiftRight(bits - prefix);
        var b = new BigInteger(1, base.get()).shiftRight(bits - prefix);
        return Optional.of(a.equals(b));
    }

    /**
     * Whether a Cilium endpointSelector selects every pod of the namespace (YES), none (NO) or some (MAYBE): only the
     * namespace label ({@code k8s:io.kubernetes.pod.namespace}) is known for the movers' pods.
     */
    static T ciliumSelects(Map<String, Object> selector, String namespace) {
        var result = T.YES;
        for (var e : map(selector.get("matchLabels")).entrySet()) {
            result = result.and(namespaceKey(e.getKey()) ? T.of(namespace.equals(String.valueOf(e.getValue()))) : T.MAYBE);
        }
        for (var x : list(selector.get("matchExpressions"))) {
            var expression = map(x);
            if (!namespaceKey(String.valueOf(expression.get("key")))) {
                result = result.and(T.MAYBE);
                continue;
            }
            var values = list(expression.get("values")).stream().map(String::valueOf).toList();
            result = result.and(switch (String.valueOf(expression.get("operator"))) {
                case "In" -> T.of(values.contains(namespace));
                case "NotIn" -> T.of(!values.contains(namespace));
                case "Exists" -> T.YES;
                case "DoesNotExist" -> T.NO;
                default -> T.MAYBE;
            });
        }
        return result;
    }

    private static boolean namespaceKey(String key) {
        return key.replaceFirst("^(k8s|any):", "").equals("io.kubernetes.pod.namespace");
    }

    private static boolean emptySelector(Object selector) {
        var s = map(selector);
        return map(s.get("matchLabels")).isEmpty() && list(s.get("matchExpressions")).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }

    // ---- the rows of ./verify

    /** The kinds read, in the order the reasons name them. */
    public static final List<String[]> KINDS = List.of(
            new String[] {"networking.k8s.io/v1", "NetworkPolicy"},
            new String[] {"cilium.io/v2", "CiliumNetworkPolicy"},
            new String[] {"cilium.io/v2", "CiliumClusterwideNetworkPolicy"});

    /**
     * One row per S3 destination of the stack: each repository's target endpoint ({@code s3.endpoint}) for the
     * namespaces of the volumes (movers and drills) and of the CNPG clusters (the Barman sidecar), and pgBackRest's
     * endpoint for the PGO clusters'.
     */
    static List<Verification.Check> checks(StackPlan plan, Verification.Lookup live) {
        var settings = plan.inputs().settings();
        var users = new LinkedHashMap<Destination, Set<String>>();
        // What each row is named after: the settings key of its endpoint (the primary target's first, as before).
        var names = new java.util.HashMap<Destination, String>();
        names.put(Destination.of(settings.target().endpoint()), "s3.endpoint");
        java.util.function.Function<Repository, Destination> store = r -> {
            var to = Destination.of(r.target().endpoint());
            names.putIfAbsent(to, "target " + r.target().name());
            return to;
        };
        var pgbackrest = settings.databases().pgbackrestEndpoint().map(Destination::of);
        pgbackrest.ifPresent(to -> names.putIfAbsent(to, "databases.pgbackrest.endpoint"));
        for (var v : plan.volumes()) users.computeIfAbsent(store.apply(v.repository()), d -> new TreeSet<>()).add(v.namespace());
        for (var d : plan.databases()) {
            // databases.pgbackrest.endpoint fronts the primary store only (PgoSpecs.pgbackrestEndpoint).
            var fronted = d.engine().match(cnpg -> false, pgo -> true) && d.repository().target().name().equals(homelab.backups.config.S3Target.PRIMARY);
            var to = fronted && pgbackrest.isPresent() ? pgbackrest.get() : store.apply(d.repository());
            users.computeIfAbsent(to, x -> new TreeSet<>()).add(d.database().namespace());
        }
        var policies = new ArrayList<Map<String, Object>>();
        var unread = new ArrayList<String>();
        for (var k : KINDS) {
            try {
                policies.addAll(live.everywhere(k[0], k[1]));
            } catch (Verification.Unreadable e) {
                unread.add(k[1] + " (" + e.getMessage() + ")");
            }
        }
        var checks = new ArrayList<Verification.Check>();
        users.forEach((to, namespaces) -> {
            var byState = new LinkedHashMap<State, Map<String, List<String>>>();
            for (var ns : namespaces) {
                var r = evaluate(ns, to, policies, unread);
                byState.computeIfAbsent(r.state(), s -> new LinkedHashMap<>()).computeIfAbsent(r.detail(), x -> new ArrayList<>()).add(ns);
            }
            var state = byState.containsKey(State.BLOCKED) ? State.BLOCKED : byState.containsKey(State.UNKNOWN) ? State.UNKNOWN : State.OK;
            var who = names.get(to);
            String detail;
            if (state == State.OK) {
                detail = who + ": every pod of " + namespaces.size() + " namespace(s) may reach it ("
                        + String.join("; ", byState.get(State.OK).keySet()) + ")";
            } else {
                var parts = new ArrayList<String>();
                byState.get(state).forEach((why, in) -> parts.add(String.join(", ", in) + ": " + why));
                detail = who + ": " + String.join(" | ", parts)
                        + (state == State.BLOCKED ? " (open egress to it: README, Migration runbook, Prerequisites)" : "");
            }
            checks.add(new Verification.Check("egress", to.text(), namespaces.size() == 1 ? namespaces.iterator().next()
                    : namespaces.size() + " namespaces", Verification.State.valueOf(state.name()), Optional.empty(), detail));
        });
        return checks;
    }
}
