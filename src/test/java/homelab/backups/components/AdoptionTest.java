package homelab.backups.components;

import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.resources.CustomResourceOptions;
import homelab.backups.kubernetes.LiveCluster;
import homelab.backups.plan.ClaimHandling;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.support.TestStacks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

/**
 * Issue 9: live PVCs are adopted as they live. The program owns three fields (size, access modes, storage class),
 * checks them against the live object before wave 4 registers anything, and never diffs on anything else.
 */
class AdoptionTest {
    static final StackPlan PROD = TestStacks.prodPlan();
    static final String PVC = "kubernetes:core/v1:PersistentVolumeClaim";

    static MockedRun against(UnaryOperator<Map<String, Object>> edit) {
        return MockedRun.of(PROD, MockCluster.edited(PROD, edit));
    }

    static String stackError(MockedRun run) {
        return failure(run);
    }

    /** Changes one app's live PVC; every other stays as the inventory says. */
    @SuppressWarnings("unchecked")
    static UnaryOperator<Map<String, Object>> onApp(String pvc, String path, Object value) {
        return live -> {
            if (!pvc.equals(at(live, "metadata.name"))) return live;
            var copy = deepCopy(live);
            var parts = path.split("\\.");
            Map<String, Object> at = copy;
            for (int i = 0; i < parts.length - 1; i++) at = (Map<String, Object>) at.get(parts[i]);
            at.put(parts[parts.length - 1], value);
            return copy;
        };
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepCopy(Map<String, Object> map) {
        var out = new LinkedHashMap<String, Object>();
        map.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? deepCopy((Map<String, Object>) m) : v));
        return out;
    }

    static String failure(MockedRun run) {
        assertNotEquals(0, run.result().exitCode(), "the run should have failed");
        return run.result().exceptions().stream().map(Throwable::toString).collect(Collectors.joining("\n"))
                + String.join("\n", run.result().errors());
    }

    /** What a failed check let through: it runs before anything, so nothing at all. */
    static List<Registration> registered(MockedRun run) {
        return run.mocks().registrations();
    }

    @Test
    void everyAdoptedPvcIsReadBeforeItIsImportedAndProtected() {
        var run = MockedRun.of(PROD);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        var claims = run.stack().review().claims();
        assertEquals(PROD.volumes().size(), claims.size(), "every adopted PVC was read");
        for (var v : PROD.volumes()) {
            var id = v.namespace() + "/" + v.pvc();
            assertEquals(id, claims.get(v.app()).namespace() + "/" + claims.get(v.app()).name(), v.app());
            var o = (CustomResourceOptions) run.options().get(v.app() + "-pvc");
            assertEquals(id, o.getImportId().orElseThrow(), v.app());
            assertTrue(o.isProtect(), v.app());
            assertFalse(o.isRetainOnDelete(), v.app());
        }
        assertTrue(run.result().exceptions().isEmpty());
    }

    /**
     * Whatever another owner wrote on the live PVC lies under a path the adopted PVC ignores. An import copies the
     * whole live object into the inputs (pulumi-kubernetes provider.go Read, readFromCluster), so a path outside
     * the ignored ones would diff — and a PVC spec diff is a replace.
     */
    @Test
    void everythingTheLivePvcCarriesBeyondOurInputsIsIgnored() {
        var run = MockedRun.of(PROD);
        for (var v : PROD.volumes()) {
            var ours = homelab.backups.support.Registrations.named(run, v.app() + "-pvc").inputs();
            var live = MockCluster.liveObject(v);
            var extra = new TreeSet<String>();
            differingPaths("", live, ours, extra);
            extra.remove("status");   // never an input
            var ignored = run.options().get(v.app() + "-pvc").getIgnoreChanges();
            assertEquals(ClaimHandling.ADOPTED_AS_IT_LIVES, ignored, v.app());
            for (var path : extra) {
                assertTrue(ignored.stream().anyMatch(i -> path.equals(i) || path.startsWith(i + ".")),
                        v.app() + ": live path " + path + " would diff");
            }
            assertTrue(extra.containsAll(Set.of("spec.volumeName", "spec.volumeMode", "metadata.labels",
                    "metadata.finalizers")), "the fixture really carries what ArgoCD and the binder write: " + extra);
        }
    }

    @SuppressWarnings("unchecked")
    static void differingPaths(String prefix, Map<String, Object> live, Map<String, Object> ours, Set<String> out) {
        for (var e : live.entrySet()) {
            var path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            var mine = ours == null ? null : ours.get(e.getKey());
            if (e.getValue() instanceof Map<?, ?> m && mine instanceof Map<?, ?> n) {
                differingPaths(path, (Map<String, Object>) m, (Map<String, Object>) n, out);
            } else if (!String.valueOf(e.getValue()).equals(String.valueOf(mine))) {
                out.add(path);
            }
        }
    }

    @Test
    void aSizeMismatchStopsTheProgramBeforeAnythingIsRegistered() {
        var run = against(onApp("nginx-storage", "spec.resources", Map.of("requests", Map.of("storage", "5Gi"))));
        var text = failure(run);
        assertTrue(text.contains("inventory.yaml: volumes (nginx): capacity: the live PVC nginx-example/nginx-storage"
                + " requests 5Gi; the inventory says 1Gi"), text);
        assertTrue(text.contains("nothing was registered and no PVC was touched"), text);
        assertEquals(List.of(), registered(run), "nothing is registered while the cluster disagrees");
        assertTrue(run.mocks().registrations().stream().noneMatch(r -> r.type().equals(PVC)));
    }

    @Test
    void everyDisagreeingFieldIsListedAtOnce() {
        UnaryOperator<Map<String, Object>> edits = live -> live;
        edits = chain(edits, onApp("homepage-config-pvc", "spec.accessModes", List.of("ReadWriteMany")));
        edits = chain(edits, onApp("n8n-data", "spec.storageClassName", "local-path"));
        edits = chain(edits, onApp("registry-pvc", "spec.resources", Map.of("requests", Map.of("storage", "20Gi"))));
        var text = failure(against(edits));
        assertTrue(text.contains("volumes (homepage-dashboard): accessModes: the live PVC homepage-dashboard/homepage-config-pvc "
                + "has accessModes [ReadWriteMany]; the inventory says [ReadWriteOnce]"), text);
        assertTrue(text.contains("volumes (n8n): storageClass: the live PVC n8n/n8n-data has storageClassName "
                + "\"local-path\"; the inventory says \"longhorn\""), text);
        assertTrue(text.contains("volumes (container-registry): capacity:"), text);
        assertTrue(text.contains("(3 errors)"), text);
    }

    static UnaryOperator<Map<String, Object>> chain(UnaryOperator<Map<String, Object>> a, UnaryOperator<Map<String, Object>> b) {
        return live -> b.apply(a.apply(live));
    }

    @Test
    void theSameSizeWrittenAnotherWayIsNoMismatch() {
        var run = against(onApp("immich-library", "spec.resources", Map.of("requests", Map.of("storage", "102400Mi"))));
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
    }

    @Test
    void aPvcBeingDeletedIsNotAdopted() {
        var text = failure(against(onApp("nginx-storage", "metadata.deletionTimestamp", "2026-12-01T10:00:00Z")));
        assertTrue(text.contains("volumes (nginx): pvc: the live PVC nginx-example/nginx-storage is being deleted"), text);
    }

    @Test
    void aMissingPvcStopsTheProgramNamingItsInventoryEntry() {
        var run = against(onAppDelete("nginx-storage"));
        var text = failure(run);
        assertTrue(text.contains("volumes (nginx): pvc: the PVC nginx-example/nginx-storage does not exist in the cluster"), text);
        assertTrue(text.contains("recovery.disasterRecovery"), text);
        assertEquals(List.of(), registered(run));
    }

    static UnaryOperator<Map<String, Object>> onAppDelete(String pvc) {
        return live -> pvc.equals(at(live, "metadata.name")) ? null : live;
    }

    @Test
    void aRestoreWorksWhenThePvcIsGone() {
        // The PVC of a restored app may be gone (deleted by mistake): the restore creates it as the inventory says.
        var restoring = MockedRun.of(io(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"nginx\": \"latest\"}")),
                MockCluster.edited(PROD, onAppDelete("nginx-storage")));
        assertEquals(0, restoring.result().exitCode(), () -> restoring.result().exceptions().toString());
        assertFalse(restoring.stack().review().claims().containsKey("nginx"));
        assertTrue(restoring.stack().volumes().volumes().stream().filter(v -> v.pulumiResourceName().equals("nginx"))
                .allMatch(v -> v.keptVolume().isEmpty()), "no volume to keep: there is none");
    }

    @Test
    void disasterRecoveryReadsNothing() {
        // A rebuilt cluster: every PVC is created from its backup. Each backed-up claim and its source are looked up
        // (restore-before-bind: one Argo CD created first is filled where it waits), nothing else of the apps; and
        // whether the monitoring stack is back yet (issue 21): here it is not, and the restores go ahead all the same.
        var live = Mockito.mock(LiveCluster.class);
        var plan = io(TestStacks.with(TestStacks.prodConfig(), "recovery", "{\"disasterRecovery\": true}"));
        var dr = MockedRun.of(plan, live);
        assertEquals(0, dr.result().exitCode(), () -> dr.result().exceptions().toString());
        Mockito.verify(live).served(homelab.backups.plan.AlertsPresence.API_VERSION, homelab.backups.plan.AlertsPresence.KIND);
        Mockito.verify(live).namespaceExists(plan.inputs().settings().monitoring().namespace());
        // ... and each drill's CronJob, for the repository its drills recorded (issue 21 part 3, RepositoryIdentity):
        // absent on a rebuilt cluster, so nothing is expected until a drill passes there.
        for (var d : plan.drills()) Mockito.verify(live).object("batch/v1", "CronJob", d.namespace(), d.cronJobName());
        // ... and each PGO database's running cluster, for what its drill's throwaway cluster serves with (issue 22
        // part 4, DrillServing); CNPG drills read nothing.
        for (var d : plan.databaseDrills()) {
            d.engine().<Void>match(cnpg -> null, pgo -> {
                Mockito.verify(live).read(pgo.cluster().apiVersion(), pgo.cluster().kind(), d.namespace(),
                        d.database().database().name());
                return null;
            });
        }
        for (var v : plan.volumes()) {
            if (!v.populatorRestore()) continue;
            Mockito.verify(live).claim(v.namespace(), v.pvc());
            Mockito.verify(live).object(homelab.backups.plan.ClaimState.SOURCE_API_VERSION, "ReplicationSource",
                    v.namespace(), v.sourceName());
        }
        Mockito.verifyNoMoreInteractions(live);
        assertTrue(dr.stack().proof().alertRules().isEmpty());
        assertTrue(dr.stack().volumes().volumes().stream().anyMatch(v -> v.destination().isPresent()));
    }

    static StackPlan io(homelab.backups.config.StackConfig config) {
        return homelab.backups.plan.Planner.plan(TestStacks.load(config));
    }
}
