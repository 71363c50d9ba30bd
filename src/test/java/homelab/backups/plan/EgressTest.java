package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.Egress.Destination;
import homelab.backups.plan.Egress.State;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Issue 23: whether the backed-up namespaces may reach the S3 store, read from the cluster's network policies. The
 * homelab's own policy (mitchross/talos-argocd-proxmox infrastructure/networking/cilium/policies/block-lan-access.yaml)
 * at the commit the inventory cites let pods reach the TrueNAS host on TCP 2049, 111, 445 and 9000 only.
 */
class EgressTest {
    static final Destination RUSTFS = Destination.of(URI.create("http://192.168.10.133:30292"));
    static final Destination PGBACKREST_TLS = Destination.of(URI.create("https://192.168.10.133:30293"));

    /** default-deny-lan-egress as it was at 00458bdb, with {@code storagePorts} in its TrueNAS rule. */
    private static Map<String, Object> homelabPolicy(String storagePorts) {
        return yaml("""
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata:
                  name: default-deny-lan-egress
                spec:
                  description: "Block pods from accessing LAN - allow internet, cluster, and whitelisted storage"
                  endpointSelector: {}
                  ingress:
                    - fromEntities: [cluster, host, world]
                  egress:
                    - toCIDRSet:
                        - cidr: 0.0.0.0/0
                          except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
                    - toEntities: [cluster, host, kube-apiserver]
                    - toCIDR: [192.168.10.32/27]
                    - toCIDR: [192.168.10.133/32]
                      toPorts:
                        - ports:
                %s
                    - toCIDR: [192.168.10.46/32]
                      toPorts:
                        - ports:
                            - {port: "8554", protocol: TCP}
                """.formatted(storagePorts));
    }

    static final List<String> PORTS_AT_00458BDB = List.of("2049/TCP", "111/TCP", "111/UDP", "445/TCP", "9000/TCP");

    static Map<String, Object> homelabPolicy(List<String> storagePorts) {
        var lines = new ArrayList<String>();
        for (var p : storagePorts) {
            var parts = p.split("/");
            lines.add("            - {port: \"" + parts[0] + "\", protocol: " + parts[1] + "}");
        }
        return homelabPolicy(String.join("\n", lines));
    }

    static List<String> plus(List<String> ports, String... more) {
        var all = new ArrayList<>(ports);
        all.addAll(List.of(more));
        return all;
    }

    static Map<String, Object> yaml(String text) {
        @SuppressWarnings("unchecked")
        var map = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
        return map;
    }

    @SafeVarargs
    @SuppressWarnings("varargs")   // the array is only read
    static Egress.Result at(String namespace, Destination to, Map<String, Object>... policies) {
        return Egress.evaluate(namespace, to, List.of(policies), List.of());
    }

    @Test
    void theHomelabsPolicyAtTheCitedCommitBlocksTheStoreAndNamesItself() {
        var policy = homelabPolicy(PORTS_AT_00458BDB);
        for (var to : List.of(RUSTFS, PGBACKREST_TLS)) {
            var r = at("nginx-example", to, policy);
            assertEquals(State.BLOCKED, r.state(), r::detail);
            assertTrue(r.detail().contains("CiliumClusterwideNetworkPolicy default-deny-lan-egress") && r.detail().contains(to.text() + "/TCP"),
                    r.detail());
        }
        // The same policy lets the NFS and old MinIO ports through, and the internet: the evaluation is not "always blocked".
        assertEquals(State.OK, at("nginx-example", new Destination("192.168.10.133", 9000), policy).state());
        assertEquals(State.OK, at("nginx-example", new Destination("192.168.10.133", 2049), policy).state());
        assertEquals(State.OK, at("nginx-example", new Destination("203.0.113.7", 443), policy).state(), "0.0.0.0/0 minus RFC 1918");
        assertEquals(State.BLOCKED, at("nginx-example", new Destination("192.168.10.1", 443), policy).state(), "the gateway is excepted");
        assertEquals(State.OK, at("nginx-example", new Destination("192.168.10.40", 30292), policy).state(), "the load-balancer pool /27");
    }

    @Test
    void theOwnersFixOpensBothPortsForEveryNamespace() {
        var fixed = homelabPolicy(plus(PORTS_AT_00458BDB, "30292/TCP", "30293/TCP"));
        for (var ns : List.of("nginx-example", "cloudnative-pg", "immich")) {
            assertEquals(State.OK, at(ns, RUSTFS, fixed).state(), ns);
            assertEquals(State.OK, at(ns, PGBACKREST_TLS, fixed).state(), ns);
        }
        var udpOnly = homelabPolicy(plus(PORTS_AT_00458BDB, "30292/UDP"));
        assertEquals(State.BLOCKED, at("nginx-example", RUSTFS, udpOnly).state(), "S3 is TCP");
    }

    @Test
    void policiesAddUpAcrossKindsAsCiliumEnforcesThem() {
        // The cluster-wide deny-by-default stays; one namespace gets its own allow (a CiliumNetworkPolicy there).
        var allowNginx = yaml("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: rustfs, namespace: nginx-example}
                spec:
                  endpointSelector: {}
                  egress:
                    - toCIDR: [192.168.10.133/32]
                      toPorts: [{ports: [{port: "30292", protocol: TCP}]}]
                """);
        var homelab = homelabPolicy(PORTS_AT_00458BDB);
        assertEquals(State.OK, at("nginx-example", RUSTFS, homelab, allowNginx).state());
        assertEquals(State.BLOCKED, at("paperless-ngx", RUSTFS, homelab, allowNginx).state(), "a namespaced policy is its namespace's only");
        // A Kubernetes NetworkPolicy allowing the store counts as well, under Cilium.
        var kubeAllow = yaml("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: s3, namespace: paperless-ngx}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                  egress:
                    - to: [{ipBlock: {cidr: 192.168.10.0/24}}]
                      ports: [{port: 30292, protocol: TCP}]
                """);
        assertEquals(State.OK, at("paperless-ngx", RUSTFS, homelab, kubeAllow).state());
    }

    @Test
    void aDenyWinsOverEveryAllow() {
        var deny = yaml("""
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: lock-down-truenas}
                spec:
                  endpointSelector: {}
                  egress:
                    - toEntities: [all]
                  egressDeny:
                    - toCIDR: [192.168.10.133/32]
                      toPorts: [{ports: [{port: "30000", endPort: 32767, protocol: TCP}]}]
                """);
        var r = at("nginx-example", RUSTFS, deny);
        assertEquals(State.BLOCKED, r.state(), r::detail);
        assertTrue(r.detail().contains("lock-down-truenas denies"), r.detail());
        assertEquals(State.OK, at("nginx-example", new Destination("192.168.10.133", 9000), deny).state(), "outside the denied range");
    }

    @Test
    void kubernetesNetworkPolicies() {
        var denyAll = yaml("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: default-deny, namespace: immich}
                spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
                """);
        var r = at("immich", PGBACKREST_TLS, denyAll);
        assertEquals(State.BLOCKED, r.state());
        assertTrue(r.detail().contains("NetworkPolicy immich/default-deny"), r.detail());
        assertEquals(State.OK, at("nginx-example", PGBACKREST_TLS, denyAll).state(), "another namespace's policy");
        var ingressOnly = yaml("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: ingress, namespace: immich}
                spec: {podSelector: {}, ingress: [{}]}
                """);
        assertEquals(State.OK, at("immich", PGBACKREST_TLS, ingressOnly).state(), "no policy type given and no egress rule: ingress only");
        var exceptTheStore = yaml("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: lan, namespace: immich}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                  egress:
                    - to: [{ipBlock: {cidr: 192.168.10.0/24, except: [192.168.10.133/32]}}]
                """);
        assertEquals(State.BLOCKED, at("immich", PGBACKREST_TLS, exceptTheStore).state());
        var rangeOfPorts = yaml("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: nodeports, namespace: immich}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                  egress:
                    - to: [{ipBlock: {cidr: 192.168.10.133/32}}]
                      ports: [{port: 30000, endPort: 32767}]
                """);
        assertEquals(State.OK, at("immich", PGBACKREST_TLS, rangeOfPorts).state());
    }

    @Test
    void whatCannotBeToldIsUnknownNeverOk() {
        var homelab = homelabPolicy(PORTS_AT_00458BDB);
        // A store named by host name: address rules cannot be matched without resolving it as the cluster would.
        var byName = at("nginx-example", Destination.of(URI.create("http://truenas.lan:30292")), homelab);
        assertEquals(State.UNKNOWN, byName.state(), byName::detail);
        assertTrue(byName.detail().contains("host name (truenas.lan)"), byName.detail());
        // A policy that selects pods by labels: whether it selects the movers is not known.
        var byLabel = yaml("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-only, namespace: nginx-example}
                spec: {podSelector: {matchLabels: {app: nginx}}, policyTypes: [Egress]}
                """);
        var r = at("nginx-example", RUSTFS, byLabel);
        assertEquals(State.UNKNOWN, r.state(), r::detail);
        assertTrue(r.detail().contains("web-only selects pods by labels"), r.detail());
        // An FQDN, a named port, an L7 rule: not evaluated.
        var fqdn = yaml("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: s3-by-name, namespace: nginx-example}
                spec:
                  endpointSelector: {}
                  egress:
                    - toFQDNs: [{matchName: rustfs.lan}]
                      toPorts: [{ports: [{port: "30292", protocol: TCP}]}]
                """);
        assertEquals(State.UNKNOWN, at("nginx-example", RUSTFS, fqdn).state());
        var l7 = yaml("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: s3-get-only, namespace: nginx-example}
                spec:
                  endpointSelector: {}
                  egress:
                    - toCIDR: [192.168.10.133/32]
                      toPorts: [{ports: [{port: "30292", protocol: TCP}], rules: {http: [{method: GET}]}}]
                """);
        assertEquals(State.UNKNOWN, at("nginx-example", RUSTFS, l7).state());
        // A kind that could not be listed: nothing is certain but a deny.
        var unread = Egress.evaluate("nginx-example", RUSTFS, List.of(), List.of("CiliumClusterwideNetworkPolicy (forbidden)"));
        assertEquals(State.UNKNOWN, unread.state());
        assertTrue(unread.detail().contains("cannot list CiliumClusterwideNetworkPolicy (forbidden)"), unread.detail());
        assertEquals(State.UNKNOWN, Egress.evaluate("nginx-example", RUSTFS, List.of(homelab), List.of("NetworkPolicy (forbidden)")).state(),
                "an unread NetworkPolicy could allow what the Cilium policy does not");
    }

    @Test
    void selectorsAndDefaultDenyOff() {
        assertEquals(State.OK, at("nginx-example", RUSTFS).state(), "no policy at all");
        var otherNamespaces = new ArrayList<Map<String, Object>>();
        for (var selector : List.of("{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system}}",
                "{matchExpressions: [{key: io.kubernetes.pod.namespace, operator: In, values: [kube-system, default]}]}",
                "{matchExpressions: [{key: k8s:io.kubernetes.pod.namespace, operator: NotIn, values: [nginx-example]}]}")) {
            otherNamespaces.add(yaml("""
                    apiVersion: cilium.io/v2
                    kind: CiliumClusterwideNetworkPolicy
                    metadata: {name: elsewhere}
                    spec:
                      endpointSelector: %s
                      egress: [{toEntities: [cluster]}]
                    """.formatted(selector)));
        }
        for (var p : otherNamespaces) assertEquals(State.OK, at("nginx-example", RUSTFS, p).state(), p::toString);
        assertEquals(State.BLOCKED, at("kube-system", RUSTFS, otherNamespaces.get(0)).state(), "the namespace it does select");
        var auditOnly = yaml("""
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: dns}
                spec:
                  endpointSelector: {}
                  enableDefaultDeny: {egress: false}
                  egress: [{toEndpoints: [{matchLabels: {k8s-app: kube-dns}}]}]
                """);
        assertEquals(State.OK, at("nginx-example", RUSTFS, auditOnly).state(), "enableDefaultDeny.egress false isolates nothing");
        var emptyRule = yaml("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: deny-all, namespace: nginx-example}
                spec: {endpointSelector: {}, egress: [{}]}
                """);
        assertEquals(State.BLOCKED, at("nginx-example", RUSTFS, emptyRule).state(), "an empty Cilium rule allows nothing");
    }

    @Test
    void destinations() {
        assertEquals("192.168.10.133:30292", RUSTFS.text());
        assertEquals(443, Destination.of(URI.create("https://s3.example.org")).port());
        assertEquals(80, Destination.of(URI.create("http://s3.example.org/")).port());
        var v6 = Destination.of(URI.create("http://[fd00::10]:9000"));
        assertEquals("[fd00::10]:9000", v6.text());
        assertEquals(Egress.T.YES, Egress.inBlock(v6, "fd00::/64", List.of(), new ArrayList<>()));
        assertEquals(Egress.T.NO, Egress.inBlock(v6, "0.0.0.0/0", List.of(), new ArrayList<>()), "another address family");
    }
}
