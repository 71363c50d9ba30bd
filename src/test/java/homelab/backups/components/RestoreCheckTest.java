package homelab.backups.components;

import static homelab.backups.support.Registrations.dependsOn;
import static homelab.backups.support.Registrations.named;
import static homelab.backups.support.Registrations.ofType;
import static homelab.backups.support.Registrations.options;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.kubernetes.DrillSpecs;
import homelab.backups.plan.RestoreCheck;
import homelab.backups.render.MockedRun;
import homelab.backups.support.TestStacks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 part 2: every ReplicationDestination waits for a Job that lists the repository read-only; the Job is what
 * a restore with nothing to restore fails at, before a destination, PVC or kept volume is touched.
 */
class RestoreCheckTest {
    static final String JOB = "kubernetes:batch/v1:Job";
    static final String DESTINATION = "kubernetes:volsync.backube/v1alpha1:ReplicationDestination";

    static BackedUpVolume volume(MockedRun run, String app) {
        return run.stack().volumes().volumes().stream().filter(v -> v.pulumiResourceName().equals(app)).findFirst().orElseThrow();
    }

    @Test
    void aRestoreRunsItsCheckFirstAndTheDestinationWaitsForIt() {
        var run = VolumeRestoreTest.restoring("{\"nginx\": \"previous:2\"}");
        var v = volume(run, "nginx");
        var job = named(run, "nginx-restore-check");
        assertEquals(JOB, job.type());
        assertTrue(((String) at(job.inputs(), "metadata.name")).matches("nginx-restore-check-[0-9a-f]{8}"));
        assertEquals("nginx-example", at(job.inputs(), "metadata.namespace"));
        assertEquals(Map.of(RestoreCheck.LABEL, "nginx"), at(job.inputs(), "metadata.labels"));
        assertTrue(dependsOn(run, "nginx-destination").contains(v.restoreCheck().orElseThrow()),
                "the destination exists only after its check passed");
        assertTrue(dependsOn(run, "nginx-restore-check").contains(v.repositorySecret()));
        assertFalse(dependsOn(run, "nginx-restore-check").contains(v.pvc()));
        assertEquals(RestoreCheck.AWAIT, options(run, "nginx-restore-check").getCustomTimeouts().orElseThrow().getCreate().orElseThrow());

        var spec = (Map<?, ?>) at(job.inputs(), "spec");
        assertEquals(0.0, spec.get("backoffLimit"), "one verdict, no retries of a refusal");
        assertEquals((double) RestoreCheck.DEADLINE.toSeconds(), spec.get("activeDeadlineSeconds"));
        assertNull(spec.get("podFailurePolicy"),
                "the provider fails a Job only on BackoffLimitExceeded or DeadlineExceeded; any other reason waits for the timeout");
        var pod = (Map<?, ?>) at(job.inputs(), "spec.template.spec");
        assertEquals(false, pod.get("automountServiceAccountToken"), "no API access");
        assertEquals("Never", pod.get("restartPolicy"));
        assertEquals(Map.of(RestoreCheck.LABEL, "nginx"), at(job.inputs(), "spec.template.metadata.labels"));
        var container = (Map<?, ?>) ((List<?>) pod.get("containers")).get(0);
        var drillImage = ((Map<?, ?>) ((List<?>) at(named(run, "nginx-drill").inputs(), "spec.jobTemplate.spec.template.spec.containers"))
                .get(0)).get("image");
        assertEquals(drillImage, container.get("image"), "the pinned mover image, as the drills use");
        var command = (List<?>) container.get("command");
        assertEquals(List.of("/bin/bash", "-c"), command.subList(0, 2));
        assertEquals(DrillSpecs.script(RestoreCheck.SCRIPT), command.get(2), "drills/restore-check.sh, as tested");
        assertEquals(Map.of("secretRef", Map.of("name", at(named(run, "nginx-repository").inputs(), "metadata.name"))),
                ((List<?>) container.get("envFrom")).get(0), "the repository Secret, as the drill");
        var env = ((List<?>) container.get("env")).stream().map(e -> (Map<?, ?>) e)
                .collect(java.util.stream.Collectors.toMap(e -> (String) e.get("name"), e -> (String) e.get("value")));
        assertEquals("2", env.get("SELECT_PREVIOUS"));
        assertEquals("false", env.get("CHECK_ALLOW_EMPTY"));
        var limits = (Map<?, ?>) ((Map<?, ?>) container.get("resources")).get("limits");
        assertTrue(limits.containsKey("cpu") && limits.containsKey("memory"));
        var security = (Map<?, ?>) container.get("securityContext");
        assertEquals(true, security.get("readOnlyRootFilesystem"));
        assertEquals(false, security.get("allowPrivilegeEscalation"));
        assertEquals(true, security.get("runAsNonRoot"));
    }

    @Test
    void withoutARequestThereIsNoCheckAndNoDestination() {
        var run = VolumeRestoreTest.run(TestStacks.prodConfig());
        assertEquals(List.of(), ofType(run, JOB), "nothing runs while nobody restores");
        assertEquals(List.of(), ofType(run, DESTINATION));
    }

    @Test
    void inDisasterRecoveryEveryDestinationWaitsForTheCheckOfItsOwnApp() {
        var run = VolumeRestoreTest.run(TestStacks.with(TestStacks.prodConfig(), "recovery", "{\"disasterRecovery\": true}"));
        var destinations = ofType(run, DESTINATION);
        assertFalse(destinations.isEmpty());
        assertEquals(destinations.size(), ofType(run, JOB).size(), "one check per destination, none without one");
        for (var v : run.stack().volumes().volumes()) {
            if (v.destination().isEmpty()) {
                assertTrue(v.restoreCheck().isEmpty(), v.pulumiResourceName());
                continue;
            }
            var app = v.pulumiResourceName();
            assertTrue(dependsOn(run, app + "-destination").contains(v.restoreCheck().orElseThrow()), app);
            assertEquals("latest", envOf(run, app).get("CHECK_POINT"));
        }
    }

    @Test
    void disasterRecoveryRequiresTheSameEvidenceAsARestore() {
        // Issue 21 part 2: a destination that restored nothing (VolSync reports success then) stops disaster recovery
        // before the app's PVC is created, naming the app; before, DR took Output.of(true) as its evidence.
        var plan = homelab.backups.plan.Planner.plan(TestStacks.load(
                TestStacks.with(TestStacks.prodConfig(), "recovery", "{\"disasterRecovery\": true}")));
        var mocks = homelab.backups.render.RecordingMocks.withPlaceholders(plan.inputs().settings()).reporting(destination ->
                homelab.backups.render.RecordingMocks.status(BackedUpVolume.DISASTER_RECOVERY_TRIGGER,
                        "No eligible snapshots found\n=== No data will be restored ==="));
        var run = MockedRun.of(plan, homelab.backups.render.MockCluster.asInventory(plan), mocks);
        var text = RestoreSafetyTest.failure(run);
        assertTrue(text.matches("(?s).*DISASTER RECOVERY [a-z0-9-]+ stopped before its PVC was created: the destination "
                + "[a-z0-9-]+/[a-z0-9-]+-restore restored nothing from the repository .*found no snapshot.*"), text);
        var names = RestoreSafetyTest.names(run);
        assertTrue(names.stream().anyMatch(n -> n.endsWith("-destination")), "the first batch's destinations stay for inspection");
        for (var d : plan.volumes()) {
            if (!d.populatorRestore()) continue;
            // (later batches wait for the PVCs of the first, which never come)
            assertFalse(names.contains(d.app() + "-pvc"), d.app() + ": the PVC is never created empty");
        }
    }

    static Map<String, String> envOf(MockedRun run, String app) {
        var containers = (List<?>) at(named(run, app + "-restore-check").inputs(), "spec.template.spec.containers");
        var env = (List<?>) ((Map<?, ?>) containers.get(0)).get("env");
        return env.stream().map(e -> (Map<?, ?>) e)
                .collect(java.util.stream.Collectors.toMap(e -> (String) e.get("name"), e -> (String) e.get("value")));
    }
}
