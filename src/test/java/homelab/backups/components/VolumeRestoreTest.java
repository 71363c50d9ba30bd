package homelab.backups.components;

import static homelab.backups.support.Registrations.dependsOn;
import static homelab.backups.support.Registrations.options;
import static homelab.backups.support.Registrations.named;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.StackConfig;
import homelab.backups.plan.Planner;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.support.TestStacks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 4: one config value restores one app's volume — trigger, wait, then replace — and nothing else can lose
 * data. Mocks show what the program asks the engine for (options, annotations, order); the replace itself is the
 * engine's job and is exercised by the end-to-end suite.
 */
class VolumeRestoreTest {
    static final String RESTORE_PATH = "metadata.annotations[\"" + BackedUpVolume.RESTORE_ANNOTATION + "\"]";

    static MockedRun run(StackConfig config) {
        var run = MockedRun.of(Planner.plan(TestStacks.load(config)));
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        return run;
    }

    static MockedRun restoring(String json) {
        return run(TestStacks.with(TestStacks.prodConfig(), "restore", json));
    }



    @Test
    void theDestinationIsTriggeredAndAwaitedBeforeThePvcIsReplaced() {
        var run = restoring("{\"nginx\": \"latest\"}");
        var id = TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"nginx\": \"latest\"}")).restoreOf("nginx").orElseThrow().id();
        assertTrue(id.matches("r-latest-[0-9a-f]{8}"), id);

        var destination = named(run, "nginx-destination");
        var restic = (Map<?, ?>) at(destination.inputs(), "spec.restic");
        assertEquals("Snapshot", restic.get("copyMethod"), "correction 2: a dataSourceRef needs Snapshot");
        assertEquals("1Gi", restic.get("capacity"));
        assertEquals(List.of("ReadWriteOnce"), restic.get("accessModes"));
        assertEquals("longhorn", restic.get("storageClassName"));
        assertEquals("longhorn-snap", restic.get("volumeSnapshotClassName"));
        assertNull(restic.get("destinationPVC"), "correction 2: never Direct into the app's own PVC");
        assertEquals(false, restic.get("cleanupTempPVC"), "Longhorn snap snapshots live in that volume");
        assertTrue(restic.get("moverSecurityContext") instanceof Map);
        assertNull(at(destination.inputs(), "spec.paused"), "a destination exists only to restore");
        assertEquals(id, at(destination.inputs(), "spec.trigger.manual"), "the trigger is the request id");
        assertEquals("jsonpath={.status.lastManualSync}=" + id,
                ((Map<?, ?>) at(destination.inputs(), "metadata.annotations")).get(BackedUpVolume.WAIT_FOR_ANNOTATION),
                "pulumi up must wait until VolSync reports this very trigger (correction 3)");
        var timeouts = options(run, "nginx-destination").getCustomTimeouts().orElseThrow();
        assertEquals(Duration.ofHours(24), timeouts.getCreate().orElseThrow());
        assertEquals(Duration.ofHours(24), timeouts.getUpdate().orElseThrow(), "a new request on an existing destination waits as long");

        var pvc = named(run, "nginx-pvc");
        var kept = run.stack().review().volumeToKeep("nginx").orElseThrow();
        assertEquals(Map.of(BackedUpVolume.RESTORE_ANNOTATION, id, homelab.backups.kubernetes.LiveCluster.KEPT_VOLUME_ANNOTATION, kept),
                at(pvc.inputs(), "metadata.annotations"), "the restored PVC names its request and the volume it kept");
        assertEquals(Map.of("apiGroup", "volsync.backube", "kind", "ReplicationDestination", "name", "nginx-restore"),
                at(pvc.inputs(), "spec.dataSourceRef"));
        var o = options(run, "nginx-pvc");
        assertFalse(o.isProtect(), "the requested PVC must be deletable");
        assertFalse(o.isRetainOnDelete(), "a retained delete would leave the old PVC and the re-create would collide");
        assertFalse(options(run(TestStacks.prodConfig()), "nginx-pvc").isRetainOnDelete(),
                "the engine deletes with the flag in state: the idle PVC must not be retained either");
        assertTrue(o.getDeleteBeforeReplace());
        assertEquals(List.of("metadata", "spec"), o.getReplaceOnChanges(),
                "the provider reports only top-level diff keys: a narrower path never matches (seen end to end)");
        assertTrue(o.getImportId().isEmpty(), "the PVC is already managed; a restore never imports");
        assertTrue(dependsOn(run, "nginx-pvc").contains(run.stack().volumes().volumes().stream()
                .filter(v -> v.pulumiResourceName().equals("nginx")).findFirst().orElseThrow().destination().orElseThrow()),
                "the PVC is recreated only after the destination's wait finished");
        assertTrue(dependsOn(run, "nginx-source").contains(run.stack().volumes().volumes().stream()
                .filter(v -> v.pulumiResourceName().equals("nginx")).findFirst().orElseThrow().pvc()),
                "backups resume only after the restored PVC exists");
    }

    @Test
    void everyOtherPvcStaysProtectedAndUntouched() {
        var prod = run(TestStacks.prodConfig());
        var run = restoring("{\"nginx\": \"previous:2\"}");
        var before = prod.mocks().registrations().stream().collect(Collectors.toMap(Registration::name, r -> r));
        for (var r : run.mocks().registrations()) {
            if (r.name().startsWith("nginx-") || r.name().equals("nginx")) continue;
            assertEquals(before.get(r.name()).inputs(), r.inputs(), r.name() + " changed by nginx's restore");
            if (r.type().equals("kubernetes:core/v1:PersistentVolumeClaim")) {
                assertTrue(options(run, r.name()).isProtect(), r.name());
            }
        }
        assertEquals(2.0, at(named(run, "nginx-destination").inputs(), "spec.restic.previous"));
        assertTrue(run.warnings().stream().anyMatch(w -> w.contains("PVC nginx-example/nginx-storage will be DELETED")
                && w.contains("'previous:2'") && w.contains("scale it to 0 replicas") && w.contains("ArgoCD")),
                run.warnings()::toString);
        assertEquals(1, run.warnings().size(), "only the requested app is announced");
    }

    @Test
    void aPointInTimeBecomesRestoreAsOf() {
        var run = restoring("{\"nestmtx\": \"2026-11-27T03:30:00+01:00\"}");
        assertEquals("2026-11-27T02:30:00Z", at(named(run, "nestmtx-destination").inputs(), "spec.restic.restoreAsOf"),
                "RFC 3339 with a T, normalised to UTC");
    }

    @Test
    void theSameRequestIsIdempotentAndANewLabelRestoresAgain() {
        var first = restoring("{\"nginx\": \"latest\"}");
        var again = restoring("{\"nginx\": \"latest\"}");
        for (var name : List.of("nginx-destination", "nginx-pvc", "nginx-source", "nginx-repository")) {
            assertEquals(named(first, name).inputs(), named(again, name).inputs(), name);
        }
        var relabelled = restoring("{\"nginx\": \"latest@second-try\"}");
        assertNotEquals(at(named(first, "nginx-pvc").inputs(), "metadata.annotations"),
                at(named(relabelled, "nginx-pvc").inputs(), "metadata.annotations"),
                "a new label is a new request id, which replaces the PVC again");
    }

    @Test
    void removingAFinishedRequestOnlyChangesIgnoredPvcFields() {
        var restored = named(restoring("{\"nginx\": \"latest\"}"), "nginx-pvc");
        var idle = run(TestStacks.prodConfig());
        var after = named(idle, "nginx-pvc");
        var o = options(idle, "nginx-pvc");
        assertTrue(o.isProtect());
        assertEquals(List.of("metadata", "spec"), o.getIgnoreChanges(), "an adopted PVC never diffs: metadata and spec stay as they live");
        // What differs between the two registrations must be exactly what the idle PVC ignores.
        assertEquals(at(restored.inputs(), "spec.resources"), at(after.inputs(), "spec.resources"));
        assertEquals(at(restored.inputs(), "spec.accessModes"), at(after.inputs(), "spec.accessModes"));
        assertEquals(at(restored.inputs(), "spec.storageClassName"), at(after.inputs(), "spec.storageClassName"));
        assertNull(at(after.inputs(), "spec.dataSourceRef"));
        assertNull(at(after.inputs(), "metadata.annotations"));
        assertEquals(Set.of("apiVersion", "kind", "metadata", "spec"), after.inputs().keySet());
        assertTrue(idle.mocks().registrations().stream().noneMatch(r -> r.name().equals("nginx-destination")),
                "the destination goes once the request is gone (the engine deletes it; the PVC has no step)");
    }

    @Test
    void removingAnAppStopsItsBackupsAndDeclaresNothingForIt() throws Exception {
        var inventory = TestStacks.prodInventory().lines().filter(l -> !l.contains("app: nginx,"))
                .collect(Collectors.joining("\n"));
        var run = run(TestStacks.prodWithInventory(java.nio.file.Files.createTempDirectory("removed"), inventory));
        assertTrue(run.mocks().registrations().stream().noneMatch(r -> r.name().startsWith("nginx")));
        // nginx's PVC is protected, so the engine refuses to delete it; the README's step forgets it from state
        // (`pulumi state delete --force`), which leaves it in the cluster. The end-to-end suite runs that step.
        var prod = run(TestStacks.prodConfig());
        assertTrue(options(prod, "nginx-pvc").isProtect());
        var others = prod.mocks().registrations().stream().filter(r -> !r.name().startsWith("nginx"))
                .collect(Collectors.toMap(Registration::name, Registration::inputs));
        for (var r : run.mocks().registrations()) {
            if (r.name().equals("wave3-proof-alert-rules")) {
                // The rules are one object over every app: nginx's go with it, nobody else's change.
                assertEquals(withoutApp(others.get(r.name()), "nginx"), r.inputs(), "nginx's alerts go, no other's change");
                assertNotEquals(others.get(r.name()), r.inputs());
                continue;
            }
            assertEquals(others.get(r.name()), r.inputs(), r.name());
        }
    }

    /** The PrometheusRule's inputs without the rules labelled with the app. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> withoutApp(Map<String, Object> rule, String app) {
        var copy = new java.util.LinkedHashMap<>(rule);
        var spec = new java.util.LinkedHashMap<>((Map<String, Object>) rule.get("spec"));
        spec.put("groups", ((List<Map<String, Object>>) spec.get("groups")).stream().map(g -> {
            var group = new java.util.LinkedHashMap<>(g);
            group.put("rules", ((List<Map<String, Object>>) g.get("rules")).stream()
                    .filter(x -> !app.equals(((Map<String, Object>) x.get("labels")).get("app"))).toList());
            return (Map<String, Object>) group;
        }).toList());
        copy.put("spec", spec);
        return copy;
    }

    @Test
    void disasterRecoveryRestoresEveryPvcBeforeBackupsStart() {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "recovery", "{\"disasterRecovery\": true, \"timeout\": \"48h\"}"));
        for (var v : run.stack().volumes().volumes()) {
            var app = v.pulumiResourceName();
            var o = options(run, app + "-pvc");
            assertTrue(o.isProtect(), app + ": a recovered PVC is protected like any other");
            if (v.destination().isEmpty()) {
                // A static PV keeps its data outside the cluster: its re-created PVC is adopted as before.
                assertTrue(o.getImportId().isPresent(), app);
                continue;
            }
            assertTrue(o.getImportId().isEmpty(), app + ": a rebuilt cluster has nothing to adopt");
            assertTrue(dependsOn(run, app + "-source").contains(v.pvc()), app + ": backups wait for the restored PVC");
            assertEquals(Map.of("apiGroup", "volsync.backube", "kind", "ReplicationDestination", "name", app + "-restore"),
                    at(named(run, app + "-pvc").inputs(), "spec.dataSourceRef"));
            assertTrue(dependsOn(run, app + "-pvc").contains(v.destination().get()));
            var d = named(run, app + "-destination").inputs();
            assertEquals(BackedUpVolume.DISASTER_RECOVERY_TRIGGER, at(d, "spec.trigger.manual"));
            assertEquals(Duration.ofHours(48), options(run, app + "-destination").getCustomTimeouts().orElseThrow().getUpdate().orElseThrow());
        }
        assertTrue(run.warnings().get(0).startsWith("DISASTER RECOVERY"));
    }
}
