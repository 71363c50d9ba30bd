package homelab.backups.components;

import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.resources.CustomResourceOptions;
import homelab.backups.plan.ClaimHandling;
import homelab.backups.plan.ClaimState;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.support.Registrations;
import homelab.backups.support.TestStacks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Restore-before-bind through the engine (mocked): the UID the program holds is recorded on the source; a claim
 * waiting for its data pauses its backups and is reported; a request fills it in place; a claim re-created without
 * the contract stops the program before anything is registered.
 */
class RestoreBeforeBindTest {
    static final String HELD_UID = "11111111-aaaa-4aaa-8aaa-111111111111";
    static final String NEW_UID = "22222222-bbbb-4bbb-8bbb-222222222222";

    static StackPlan plan(String restore) {
        var config = restore == null ? TestStacks.prodConfig()
                : TestStacks.with(TestStacks.prodConfig(), "restore", "{\"nginx\": \"" + restore + "\"}");
        return Planner.plan(TestStacks.load(config));
    }

    /** The world after Argo CD re-created nginx's PVC: its source records the UID the program held. */
    @SuppressWarnings("unchecked")
    static MockCluster world(StackPlan plan, boolean waiting) {
        var v = plan.volumes().stream().filter(x -> x.app().equals("nginx")).findFirst().orElseThrow();
        var claim = AdoptionTest.deepCopy(MockCluster.liveObject(v));
        var meta = (Map<String, Object>) claim.get("metadata");
        meta.put("uid", NEW_UID);
        meta.put("creationTimestamp", "2026-12-07T10:00:00Z");
        var spec = (Map<String, Object>) claim.get("spec");
        if (waiting) {
            spec.remove("volumeName");
            spec.put("dataSourceRef", Map.of("apiGroup", "volsync.backube", "kind", "ReplicationDestination",
                    "name", v.destinationName()));
            claim.put("status", Map.of("phase", "Pending"));
        }
        var source = new LinkedHashMap<String, Object>();
        source.put("apiVersion", ClaimState.SOURCE_API_VERSION);
        source.put("kind", "ReplicationSource");
        source.put("metadata", Map.of("name", v.sourceName(), "namespace", v.namespace(),
                "annotations", Map.of(ClaimState.CLAIM_UID_ANNOTATION, HELD_UID)));
        return MockCluster.asInventory(plan).withClaim(claim).withObject(source);
    }

    static List<String> names(MockedRun run) {
        return run.mocks().registrations().stream().map(r -> r.name()).toList();
    }

    static Map<String, Object> source(MockedRun run, String app) {
        return Registrations.named(run, app + "-source").inputs();
    }

    @Test
    void everyAdoptedSourceRecordsTheUidOfTheClaimItBacksUp() {
        var run = MockedRun.of(TestStacks.prodPlan());
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        for (var v : TestStacks.prodPlan().volumes()) {
            if (!v.populatorRestore()) continue;
            assertEquals(run.stack().review().claims().get(v.app()).uid(),
                    at(source(run, v.app()), "metadata.annotations." + ClaimState.CLAIM_UID_ANNOTATION), v.app());
        }
    }

    @Test
    void aWaitingClaimIsReportedItsBackupsPausedAndNothingOfItWritten() {
        var plan = plan(null);
        var run = MockedRun.of(plan, world(plan, true));
        var warnings = run.warnings();
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        assertEquals(true, at(source(run, "nginx"), "spec.paused"), "no backup of a waiting claim is attempted");
        assertEquals(HELD_UID, at(source(run, "nginx"), "metadata.annotations." + ClaimState.CLAIM_UID_ANNOTATION),
                "the waiting claim is not the app's data yet");
        var other = plan.volumes().stream().filter(x -> !x.app().equals("nginx")).findFirst().orElseThrow().app();
        assertEquals(null, at(source(run, other), "spec.paused"), "the other apps go ahead");
        var o = (CustomResourceOptions) run.options().get("nginx-pvc");
        assertTrue(o.isProtect());
        assertEquals(ClaimHandling.ADOPTED_AS_IT_LIVES, o.getIgnoreChanges());
        assertFalse(names(run).contains("nginx-destination"));
        var notice = warnings.stream().filter(w -> w.startsWith("WAITING nginx")).findFirst().orElseThrow(() -> new AssertionError(warnings.toString()));
        for (var part : List.of("nginx-example/nginx-storage", NEW_UID, "2026-12-07T10:00:00Z", "Pending",
                "restore.nginx' latest", "fresh-start")) {
            assertTrue(notice.contains(part), part + " in " + notice);
        }
    }

    @Test
    void aRequestFillsTheWaitingClaimWhereItWaitsAndRecordsItOnceDataWasRestored() {
        var plan = plan("latest");
        var run = MockedRun.of(plan, world(plan, true));
        var warnings = run.warnings();
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        var id = plan.inputs().restoreOf("nginx").orElseThrow().id();
        var destination = Registrations.named(run, "nginx-destination").inputs();
        assertEquals(id, at(destination, "spec.trigger.manual"));
        var o = (CustomResourceOptions) run.options().get("nginx-pvc");
        assertTrue(o.isProtect(), "the waiting claim is never deleted");
        assertEquals("nginx-example/nginx-storage", o.getImportId().orElseThrow());
        assertFalse(names(run).contains("nginx-keep-volume"));
        assertEquals(null, at(Registrations.named(run, "nginx-pvc").inputs(), "metadata.annotations"),
                "nothing of ours is written on Argo CD's claim");
        assertEquals(NEW_UID, at(source(run, "nginx"), "metadata.annotations." + ClaimState.CLAIM_UID_ANNOTATION));
        assertEquals(null, at(source(run, "nginx"), "spec.paused"));
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("FILL nginx") && w.contains("not deleted")), warnings.toString());
        assertTrue(warnings.stream().noneMatch(w -> w.startsWith("RESTORE nginx")), "nothing is DELETED: " + warnings);
    }

    @Test
    void fillingFromNothingStopsUnlessTheOwnerAskedForAFreshStart() {
        for (var request : List.of("latest", "fresh-start")) {
            var plan = plan(request);
            var id = plan.inputs().restoreOf("nginx").orElseThrow().id();
            var mocks = RecordingMocks.withPlaceholders(plan.inputs().settings()).reporting(d -> RecordingMocks.status(id,
                    "No eligible snapshots found\n=== No data will be restored ==="));
            var run = MockedRun.of(plan, world(plan, true), mocks);
            if (request.equals("latest")) {
                var text = AdoptionTest.failure(run);
                assertTrue(text.contains("FILL nginx stopped") && text.contains("restored nothing")
                        && text.contains("fresh-start"), text);
                assertFalse(names(run).contains("nginx-source"), "no UID recorded for an empty claim");
            } else {
                assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
                assertEquals(NEW_UID, at(source(run, "nginx"), "metadata.annotations." + ClaimState.CLAIM_UID_ANNOTATION));
                assertEquals(Map.of("manual", id), at(Registrations.named(run, "nginx-destination").inputs(), "spec.trigger"));
                assertTrue(at(Registrations.named(run, "nginx-destination").inputs(), "spec.restic.previous") == null
                        && at(Registrations.named(run, "nginx-destination").inputs(), "spec.restic.restoreAsOf") == null,
                        "a fresh start restores the newest backup: it never discards one");
            }
        }
    }

    @Test
    void aClaimReCreatedWithoutTheContractStopsBeforeAnythingIsRegistered() {
        var plan = plan(null);
        var run = MockedRun.of(plan, world(plan, false));
        var text = AdoptionTest.failure(run);
        assertTrue(text.contains("RE-CREATED nginx") && text.contains(HELD_UID) && text.contains(NEW_UID), text);
        assertEquals(List.of(), run.mocks().registrations(), "nothing is registered");
        // fresh-start accepts the live volume and records its UID; nothing else about the claim changes.
        var fresh = plan("fresh-start");
        var accepted = MockedRun.of(fresh, world(fresh, false));
        assertEquals(0, accepted.result().exitCode(), () -> accepted.result().exceptions().toString());
        assertEquals(NEW_UID, at(source(accepted, "nginx"), "metadata.annotations." + ClaimState.CLAIM_UID_ANNOTATION));
        assertTrue(((CustomResourceOptions) accepted.options().get("nginx-pvc")).isProtect());
        assertFalse(names(accepted).contains("nginx-destination"));
    }

    @Test
    void freshStartForTheClaimTheProgramHoldsIsRefused() {
        var plan = plan("fresh-start");
        var nginx = plan.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        var text = AdoptionTest.failure(MockedRun.of(plan, MockCluster.asInventory(plan).withClaim(MockCluster.liveObject(nginx))));
        assertTrue(text.contains("fresh-start is for a claim that has no data yet"), text);
    }

    @Test
    void theOfflineRenderShowsAFreshStartOnTheWaitingClaimItIsFor() {
        var plan = plan("fresh-start");
        var run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        assertEquals(ClaimHandling.Mode.FILL, run.stack().volumes().volumes().stream()
                .filter(v -> v.pulumiResourceName().equals("nginx")).findFirst().orElseThrow().handling().claim().mode());
        assertTrue(run.warnings().stream().anyMatch(w -> w.startsWith("FILL nginx") && w.contains("never discards a backup")),
                run.warnings().toString());
    }
}
