package homelab.backups.components;

import static homelab.backups.support.Registrations.dependsOn;
import static homelab.backups.support.Registrations.named;
import static homelab.backups.support.Registrations.ofType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.resources.Resource;
import homelab.backups.plan.AlertsPresence;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.Verification;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.support.ProofWorld;
import homelab.backups.support.TestStacks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, part 6: data first on a cluster that is not whole yet. Without the monitoring stack the alert rules are
 * left out and said so, and backups, restores and disaster recovery go ahead; disaster recovery restores in batches.
 */
class ClusterNotWholeTest {
    static final String RULE = "kubernetes:" + AlertsPresence.API_VERSION + ":" + AlertsPresence.KIND;

    static StackPlan plan(String key, String value) {
        return Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), key, value)));
    }

    static void ok(MockedRun run) {
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
    }

    @Test
    void withoutThePrometheusRuleCrdTheRulesAreLeftOutAndTheVolumesWaitForTheEarlierWaves() {
        var plan = TestStacks.prodPlan();
        var whole = MockedRun.of(plan);
        ok(whole);
        assertEquals(1, ofType(whole, RULE).size(), "the prod stack watches its backups where the monitoring stack is");
        assertEquals(List.of(whole.stack().proof().alertRules().orElseThrow()), whole.stack().proof().ready());

        var run = MockedRun.of(plan, MockCluster.asInventory(plan).withoutKind(AlertsPresence.API_VERSION, AlertsPresence.KIND));
        ok(run);
        assertTrue(ofType(run, RULE).isEmpty(), "a PrometheusRule without its CRD fails the first up");
        assertTrue(run.stack().proof().alertsNotInstalled().orElseThrow().contains("PrometheusRule CRD"));
        assertEquals(run.stack().storage().ready(), run.stack().proof().ready(), "the volumes wait for wave 2 instead");
        var nginx = dependsOn(run, "nginx-source").stream().map(Resource::pulumiResourceName).toList();
        var buckets = run.stack().storage().ready().stream().map(Resource::pulumiResourceName).toList();
        assertTrue(nginx.containsAll(buckets), "still after the buckets and snapshot classes: " + nginx);
        assertTrue(run.warnings().stream().anyMatch(w -> w.startsWith("ALERTS NOT INSTALLED: the PrometheusRule CRD")
                && w.contains("go ahead")), run.warnings().toString());
        assertTrue(run.stack().proof().alertsStatus().startsWith("alerts not installed: "), run.stack().proof().alertsStatus());
        // Everything else of the prod stack is registered as in the whole cluster.
        var without = new HashSet<>(names(whole));
        without.remove(ofType(whole, RULE).get(0).name());
        assertEquals(without, new HashSet<>(names(run)));
    }

    @Test
    void theVolumesWaitForEveryResourceOfTheProofWaveAndNothingIsRetiredWithoutTheRules() {
        var retiring = plan("longhorn", "{\"retireBackups\": true}");
        var now = Instant.now();
        var run = MockedRun.of(retiring, ProofWorld.allProven(retiring, now).cluster());
        ok(run);
        var proof = run.stack().proof();
        assertEquals(List.of(proof.alertRules().orElseThrow(), proof.longhornTarget().orElseThrow()), proof.ready());
        var bare = MockedRun.of(retiring, ProofWorld.allProven(retiring, now).cluster()
                .withoutKind(AlertsPresence.API_VERSION, AlertsPresence.KIND));
        var refused = bare.result().exceptions().toString();
        assertTrue(refused.contains("alerts homelab-backups (prometheus-stack): NEVER: alerts not installed"), refused);
    }

    @Test
    void withoutTheMonitoringNamespaceTheRulesAreLeftOutToo() {
        var plan = TestStacks.prodPlan();
        var ns = plan.inputs().settings().monitoring().namespace();
        var run = MockedRun.of(plan, MockCluster.asInventory(plan).withoutNamespace(ns));
        ok(run);
        assertTrue(ofType(run, RULE).isEmpty());
        assertEquals("alerts not installed: the namespace " + ns + " (monitoring.namespace) does not exist",
                run.stack().proof().alertsStatus());
    }

    @Test
    void disasterRecoveryOnABareClusterRestoresWithoutWaitingForMonitoring() {
        var plan = plan("recovery", "{\"disasterRecovery\": true}");
        var run = MockedRun.of(plan, MockCluster.asInventory(plan).withoutKind(AlertsPresence.API_VERSION, AlertsPresence.KIND)
                .withoutNamespace(plan.inputs().settings().monitoring().namespace()));
        ok(run);
        assertTrue(ofType(run, RULE).isEmpty());
        var restoring = plan.volumes().stream().filter(v -> v.populatorRestore()).toList();
        assertFalse(restoring.isEmpty());
        for (var v : restoring) named(run, v.app() + "-destination");
    }

    @Test
    void verifySaysTheAlertsAreNotInstalledAndWhy() {
        var plan = TestStacks.prodPlan();
        var now = Instant.parse("2026-12-01T12:00:00Z");
        var proven = Verification.of(plan, ProofWorld.allProven(plan, now).cluster(), now);
        var row = proven.checks().stream().filter(c -> c.check().equals("alerts")).findFirst().orElseThrow();
        assertEquals(Verification.State.PROVEN, row.state(), row.detail());
        var bare = Verification.of(plan, ProofWorld.allProven(plan, now).cluster()
                .withoutKind(AlertsPresence.API_VERSION, AlertsPresence.KIND), now);
        var missing = bare.checks().stream().filter(c -> c.check().equals("alerts")).findFirst().orElseThrow();
        assertEquals(Verification.State.NEVER, missing.state());
        assertTrue(missing.detail().startsWith("alerts not installed: the PrometheusRule CRD"), missing.detail());
        var off = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "monitoring", "{\"enabled\": false}")));
        assertTrue(Verification.of(off, ProofWorld.allProven(off, now).cluster(), now).checks().stream()
                .noneMatch(c -> c.check().equals("alerts")), "no rules wanted, none missing");
    }

    @Test
    void disasterRecoveryRestoresInBatchesOfParallelRestores() {
        for (int parallel : new int[] {1, 3, 5}) {
            var plan = plan("recovery", "{\"disasterRecovery\": true, \"parallelRestores\": " + parallel + "}");
            var run = MockedRun.of(plan);
            ok(run);
            var restoring = plan.volumes().stream().filter(v -> v.populatorRestore()).map(v -> v.app()).toList();
            assertTrue(restoring.size() > parallel, "the prod inventory has more volumes than one batch");
            for (int i = 0; i < restoring.size(); i++) {
                var app = restoring.get(i);
                var waitsFor = new HashSet<>(dependsOn(run, app + "-destination").stream().map(Resource::pulumiResourceName).toList());
                var expected = new ArrayList<String>();
                int batch = i / parallel;
                if (batch > 0) {
                    for (int j = (batch - 1) * parallel; j < batch * parallel; j++) expected.add(restoring.get(j) + "-pvc");
                }
                var restoredBefore = waitsFor.stream().filter(n -> n.endsWith("-pvc")).collect(java.util.stream.Collectors.toSet());
                assertEquals(Set.copyOf(expected), restoredBefore, parallel + " at once: " + app + " (#" + i + ") waits for the batch before it");
            }
        }
    }

    @Test
    void parallelRestoresDefaultsToAFewAndRefusesNone() {
        assertEquals(3, plan("recovery", "{\"timeout\": \"24h\"}").inputs().settings().restore().parallelRestores(),
                "unset: a few at once");
        var refused = assertThrowsInvalid("{\"parallelRestores\": 0}");
        assertTrue(refused.contains("parallelRestores"), refused);
    }

    static String assertThrowsInvalid(String recovery) {
        try {
            TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "recovery", recovery));
        } catch (homelab.backups.config.ConfigErrors.InvalidConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("recovery " + recovery + " was accepted");
    }

    static List<String> names(MockedRun run) {
        return run.mocks().registrations().stream().map(r -> r.name()).toList();
    }
}
