package homelab.backups.components;

import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import com.pulumi.test.PulumiTest;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.support.TestStacks;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: a restore never replaces data with nothing, can be undone, refuses a PVC in use, and needs no idle
 * destination.
 */
class RestoreSafetyTest {
    static StackPlan restoring(String point) {
        return Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore",
                "{\"nginx\": \"" + point + "\"}")));
    }

    static String failure(MockedRun run) {
        assertNotEquals(0, run.result().exitCode(), "the run should have failed");
        return run.result().exceptions().stream().map(Throwable::getMessage).collect(Collectors.joining("\n"))
                + String.join("\n", run.result().errors());
    }

    static List<String> names(MockedRun run) {
        return run.mocks().registrations().stream().map(RecordingMocks.Registration::name).toList();
    }

    @Test
    void theOldVolumeIsKeptBeforeThePvcIsReplaced() {
        var plan = restoring("latest");
        var run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        var live = MockCluster.asInventory(plan).claim("nginx-example", "nginx-storage").orElseThrow();
        var keep = homelab.backups.support.Registrations.named(run, "nginx-keep-volume");
        assertEquals("kubernetes:core/v1:PersistentVolumePatch", keep.type(), "a patch of one field, not the whole PV");
        assertEquals(live.volumeName().orElseThrow(), at(keep.inputs(), "metadata.name"), "the PV the PVC is bound to now");
        assertEquals(Map.of("persistentVolumeReclaimPolicy", "Retain"), at(keep.inputs(), "spec"));
        assertEquals("true", ((Map<?, ?>) at(keep.inputs(), "metadata.annotations")).get("pulumi.com/patchForce"),
                "the provisioner wrote the field: taking it over needs force");
        assertTrue(((CustomResourceOptions) run.options().get("nginx-keep-volume")).isRetainOnDelete(),
                "when the request is gone the patch is forgotten, never reverted: the old volume stays kept");
        List<Resource> pvcAfter = PulumiTest.extractValue(run.options().get("nginx-pvc").getDependsOn());
        assertTrue(pvcAfter.stream().anyMatch(r -> r.pulumiResourceName().equals("nginx-keep-volume")),
                "Retain is set before the PVC is deleted");
        assertTrue(names(run).stream().filter(n -> n.endsWith("-keep-volume")).toList().equals(List.of("nginx-keep-volume")),
                "only the restored app's volume is touched");
    }

    @Test
    void aFinishedRestoreNeitherKeepsTheNewVolumeNorMindsTheRunningApp() {
        var plan = restoring("latest");
        var id = plan.inputs().restoreOf("nginx").orElseThrow().id();
        var cluster = MockCluster.edited(plan, live -> {
            if (!"nginx-storage".equals(at(live, "metadata.name"))) return live;
            @SuppressWarnings("unchecked") var meta = (Map<String, Object>) live.get("metadata");
            meta.put("annotations", Map.of(BackedUpVolume.RESTORE_ANNOTATION, id));
            return live;
        }).withPods("nginx-example", "nginx-storage", List.of("nginx-example-0"));
        var run = MockedRun.of(plan, cluster);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        assertTrue(names(run).stream().noneMatch(n -> n.endsWith("-keep-volume")), names(run).toString());
    }

    @Test
    void aPvcInUseIsRefusedBeforeAnythingIsRegistered() {
        var plan = restoring("latest");
        var run = MockedRun.of(plan, MockCluster.asInventory(plan).withPods("nginx-example", "nginx-storage",
                List.of("nginx-example-7d9f8-abcde")));
        var text = failure(run);
        assertTrue(text.contains("volumes (nginx): pvc: RESTORE refused: the PVC nginx-example/nginx-storage is in use by "
                + "pod nginx-example-7d9f8-abcde. Stop the app first"), text);
        assertTrue(text.contains("scale it to 0"), text);
        assertEquals(List.of(), names(run), "nothing is registered, so nothing is deleted");
    }

    @Test
    void aDestinationThatRestoredNothingStopsTheProgramBeforeThePvc() {
        var plan = restoring("previous:5");
        var mocks = RecordingMocks.withPlaceholders(plan.inputs().settings()).reporting(destination -> RecordingMocks.status(
                plan.inputs().restoreOf("nginx").orElseThrow().id(), "No eligible snapshots found\n=== No data will be restored ==="));
        var run = MockedRun.of(plan, MockCluster.asInventory(plan), mocks);
        var text = failure(run);
        assertTrue(text.contains("RESTORE nginx stopped before its PVC was touched: the destination "
                + "nginx-example/nginx-restore restored nothing for 'previous:5'"), text);
        assertTrue(text.contains("found no snapshot"), text);
        assertTrue(text.contains("pulumi config rm --path 'homelab-backups:restore.nginx'"), text);
        assertTrue(names(run).contains("nginx-destination"), "the destination stays for inspection");
        assertTrue(!names(run).contains("nginx-pvc"), "the PVC is never registered, so never replaced");
        assertTrue(!names(run).contains("nginx-keep-volume"), "nor is its volume's reclaim policy touched");
        // The program stops there; what it had not registered yet is not deleted either (the engine deletes
        // unregistered resources only after a program that succeeded).
    }
}
