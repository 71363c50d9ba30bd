package homelab.backups.components;

import static homelab.backups.support.Registrations.dependsOn;
import static homelab.backups.support.Registrations.options;
import static homelab.backups.support.Registrations.named;
import static homelab.backups.support.RunAssert.assertThat;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.StackConfig;
import homelab.backups.plan.Planner;
import homelab.backups.render.MockedRun;
import homelab.backups.plan.VolumePlan;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.support.RunAssert;
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
 * engine's job and is exercised by the end-to-end suite. Run on the test stack (src/test/resources/stacks/test): the
 * restored volume is {@link #APP}, and what its objects carry is stated against its plan.
 */
class VolumeRestoreTest {
    /** The test stack's volume these tests restore: a Snapshot volume of the default policy. */
    static final String APP = "alpha";
    /** Another volume, restored to a point in time inside its retention. */
    static final String OTHER = "charlie";
    static final String RESTORE_PATH = "metadata.annotations[\"" + BackedUpVolume.RESTORE_ANNOTATION + "\"]";

    static MockedRun run(StackConfig config) {
        var run = MockedRun.of(Planner.plan(TestStacks.load(config)));
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        return run;
    }

    static MockedRun restoring(String json) {
        return run(TestStacks.with(TestStacks.testConfig(), "restore", json));
    }

    static VolumePlan planned(String app) {
        return TestStacks.testPlan().volumes().stream().filter(v -> v.app().equals(app)).findFirst().orElseThrow();
    }



    @Test
    void theDestinationIsTriggeredAndAwaitedBeforeThePvcIsReplaced() {
        var run = restoring("{\"" + APP + "\": \"latest\"}");
        var inputs = TestStacks.load(TestStacks.with(TestStacks.testConfig(), "restore", "{\"" + APP + "\": \"latest\"}"));
        var id = inputs.restoreOf(APP).orElseThrow().id();
        assertTrue(id.matches("r-latest-[0-9a-f]{8}"), id);
        var v = planned(APP);

        var destination = assertThat(run).resource(RunAssert.REPLICATION_DESTINATION, APP + "-destination");
        var restic = destination.input("spec.restic");
        restic.input("copyMethod").isEqualTo("Snapshot"); // correction 2: a dataSourceRef needs Snapshot
        restic.input("capacity").isEqualTo(v.capacity().text());
        restic.input("accessModes").isEqualTo(v.accessModes().stream().map(m -> m.apiName()).toList());
        restic.input("storageClassName").isEqualTo(v.storageClass());
        restic.input("volumeSnapshotClassName").isEqualTo(v.snapshotClass().orElseThrow());
        restic.input("destinationPVC").isAbsent(); // correction 2: never Direct into the app's own PVC
        restic.input("cleanupTempPVC").isEqualTo(false); // Longhorn snap snapshots live in that volume
        restic.input("moverSecurityContext").isEqualTo(Map.of("runAsUser", v.mover().uid(), "runAsGroup", v.mover().gid(),
                "fsGroup", v.mover().fsGroup()));
        destination.input("spec.paused").isAbsent(); // a destination exists only to restore
        destination.input("spec.trigger.manual").isEqualTo(id); // the trigger is the request id
        // pulumi up must wait until VolSync reports this very trigger (correction 3)
        destination.input("metadata.annotations[\"" + BackedUpVolume.WAIT_FOR_ANNOTATION + "\"]")
                .isEqualTo("jsonpath={.status.lastManualSync}=" + id);
        var timeouts = options(run, APP + "-destination").getCustomTimeouts().orElseThrow();
        var timeout = inputs.settings().restore().timeout();
        assertEquals(timeout, timeouts.getCreate().orElseThrow());
        assertEquals(timeout, timeouts.getUpdate().orElseThrow(), "a new request on an existing destination waits as long");

        var pvc = assertThat(run).resource(RunAssert.PVC, APP + "-pvc");
        var kept = run.stack().review().volumeToKeep(APP).orElseThrow();
        // the restored PVC names its request and the volume it kept
        pvc.input("metadata.annotations").isEqualTo(Map.of(BackedUpVolume.RESTORE_ANNOTATION, id,
                homelab.backups.kubernetes.LiveCluster.KEPT_VOLUME_ANNOTATION, kept));
        pvc.input("spec.dataSourceRef").isEqualTo(Map.of("apiGroup", "volsync.backube", "kind", "ReplicationDestination",
                "name", v.destinationName()));
        var o = options(run, APP + "-pvc");
        assertFalse(o.isProtect(), "the requested PVC must be deletable");
        assertFalse(o.isRetainOnDelete(), "a retained delete would leave the old PVC and the re-create would collide");
        assertFalse(options(run(TestStacks.testConfig()), APP + "-pvc").isRetainOnDelete(),
                "the engine deletes with the flag in state: the idle PVC must not be retained either");
        assertTrue(o.getDeleteBeforeReplace());
        assertEquals(List.of("metadata", "spec"), o.getReplaceOnChanges(),
                "the provider reports only top-level diff keys: a narrower path never matches (seen end to end)");
        assertTrue(o.getImportId().isEmpty(), "the PVC is already managed; a restore never imports");
        assertTrue(dependsOn(run, APP + "-pvc").contains(run.stack().volumes().volumes().stream()
                .filter(b -> b.pulumiResourceName().equals(APP)).findFirst().orElseThrow().destination().orElseThrow()),
                "the PVC is recreated only after the destination's wait finished");
        assertTrue(dependsOn(run, APP + "-source").contains(run.stack().volumes().volumes().stream()
                .filter(b -> b.pulumiResourceName().equals(APP)).findFirst().orElseThrow().pvc()),
                "backups resume only after the restored PVC exists");
    }

    @Test
    void everyOtherPvcStaysProtectedAndUntouched() {
        var idle = run(TestStacks.testConfig());
        var run = restoring("{\"" + APP + "\": \"previous:2\"}");
        var v = planned(APP);
        var before = idle.mocks().registrations().stream().collect(Collectors.toMap(Registration::name, r -> r));
        for (var r : run.mocks().registrations()) {
            if (r.name().startsWith(APP + "-") || r.name().equals(APP)) continue;
            assertEquals(before.get(r.name()).inputs(), r.inputs(), r.name() + " changed by " + APP + "'s restore");
            if (r.type().equals("kubernetes:core/v1:PersistentVolumeClaim")) {
                assertTrue(options(run, r.name()).isProtect(), r.name());
            }
        }
        assertThat(run).resource(RunAssert.REPLICATION_DESTINATION, APP + "-destination").input("spec.restic.previous").isEqualTo(2);
        assertTrue(run.warnings().stream().anyMatch(w -> w.contains("PVC " + v.namespace() + "/" + v.pvc() + " will be DELETED")
                && w.contains("'previous:2'") && w.contains("scale it to 0 replicas") && w.contains("ArgoCD")),
                run.warnings()::toString);
        var announced = run.warnings().stream().filter(w -> !idle.warnings().contains(w)).toList();
        assertEquals(1, announced.size(), () -> "only the requested app is announced: " + announced);
    }

    @Test
    void aPointInTimeBecomesRestoreAsOf() {
        var run = restoring("{\"" + OTHER + "\": \"2026-11-27T03:30:00+01:00\"}");
        // RFC 3339 with a T, normalised to UTC
        assertThat(run).resource(RunAssert.REPLICATION_DESTINATION, OTHER + "-destination").input("spec.restic.restoreAsOf")
                .isEqualTo("2026-11-27T02:30:00Z");
    }

    @Test
    void theSameRequestIsIdempotentAndANewLabelRestoresAgain() {
        var first = restoring("{\"" + APP + "\": \"latest\"}");
        var again = restoring("{\"" + APP + "\": \"latest\"}");
        for (var child : List.of("-destination", "-pvc", "-source", "-repository")) {
            assertEquals(named(first, APP + child).inputs(), named(again, APP + child).inputs(), APP + child);
        }
        var relabelled = restoring("{\"" + APP + "\": \"latest@second-try\"}");
        assertNotEquals(at(named(first, APP + "-pvc").inputs(), "metadata.annotations"),
                at(named(relabelled, APP + "-pvc").inputs(), "metadata.annotations"),
                "a new label is a new request id, which replaces the PVC again");
    }

    @Test
    void removingAFinishedRequestOnlyChangesIgnoredPvcFields() {
        var restored = assertThat(restoring("{\"" + APP + "\": \"latest\"}")).resource(RunAssert.PVC, APP + "-pvc");
        var idle = run(TestStacks.testConfig());
        var after = assertThat(idle).resource(RunAssert.PVC, APP + "-pvc");
        var o = options(idle, APP + "-pvc");
        assertTrue(o.isProtect());
        assertEquals(List.of("metadata", "spec"), o.getIgnoreChanges(), "an adopted PVC never diffs: metadata and spec stay as they live");
        // What differs between the two registrations must be exactly what the idle PVC ignores.
        for (var path : List.of("spec.resources", "spec.accessModes", "spec.storageClassName")) {
            after.input(path).isEqualTo(restored.input(path).value());
        }
        after.input("spec.dataSourceRef").isAbsent();
        after.input("metadata.annotations").isAbsent();
        after.inputs().hasKeys(Set.of("apiVersion", "kind", "metadata", "spec"));
        // the destination goes once the request is gone (the engine deletes it; the PVC has no step)
        assertThat(idle).hasNo(RunAssert.REPLICATION_DESTINATION, APP + "-destination");
    }

    @Test
    void removingAnAppStopsItsBackupsAndDeclaresNothingForIt() throws Exception {
        var inventory = TestStacks.testInventoryText().lines().filter(l -> !l.contains("app: " + APP + ","))
                .collect(Collectors.joining("\n"));
        var run = run(TestStacks.testWithInventory(inventory));
        assertTrue(run.mocks().registrations().stream().noneMatch(r -> r.name().startsWith(APP)));
        // The PVC is protected, so the engine refuses to delete it; the README's step forgets it from state
        // (`pulumi state delete --force`), which leaves it in the cluster. The end-to-end suite runs that step.
        var idle = run(TestStacks.testConfig());
        assertTrue(options(idle, APP + "-pvc").isProtect());
        var others = idle.mocks().registrations().stream().filter(r -> !r.name().startsWith(APP))
                .collect(Collectors.toMap(Registration::name, Registration::inputs));
        for (var r : run.mocks().registrations()) {
            if (r.name().equals("wave3-proof-alert-rules")) {
                // The rules are one object over every app: the app's go with it, nobody else's change.
                assertEquals(withoutApp(others.get(r.name()), APP), r.inputs(), APP + "'s alerts go, no other's change");
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
        var run = run(TestStacks.withFields(TestStacks.testConfig(), "recovery", "{\"disasterRecovery\": true, \"timeout\": \"48h\"}"));
        var statics = 0;
        for (var v : run.stack().volumes().volumes()) {
            var app = v.pulumiResourceName();
            var o = options(run, app + "-pvc");
            assertTrue(o.isProtect(), app + ": a recovered PVC is protected like any other");
            if (v.destination().isEmpty()) {
                // A static PV keeps its data outside the cluster: its re-created PVC is adopted as before.
                assertTrue(o.getImportId().isPresent(), app);
                statics++;
                continue;
            }
            assertTrue(o.getImportId().isEmpty(), app + ": a rebuilt cluster has nothing to adopt");
            assertTrue(dependsOn(run, app + "-source").contains(v.pvc()), app + ": backups wait for the restored PVC");
            assertThat(run).resource(RunAssert.PVC, app + "-pvc").input("spec.dataSourceRef").isEqualTo(
                    Map.of("apiGroup", "volsync.backube", "kind", "ReplicationDestination", "name", app + "-restore"));
            assertTrue(dependsOn(run, app + "-pvc").contains(v.destination().get()));
            assertThat(run).resource(RunAssert.REPLICATION_DESTINATION, app + "-destination").input("spec.trigger.manual")
                    .isEqualTo(BackedUpVolume.DISASTER_RECOVERY_TRIGGER);
            assertEquals(Duration.ofHours(48), options(run, app + "-destination").getCustomTimeouts().orElseThrow().getUpdate().orElseThrow());
        }
        assertTrue(statics > 0, "the test stack's static PV");
        assertTrue(run.warnings().get(0).startsWith("DISASTER RECOVERY"));
    }
}
