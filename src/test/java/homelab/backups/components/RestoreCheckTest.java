package homelab.backups.components;

import static homelab.backups.support.Registrations.dependsOn;
import static homelab.backups.support.Registrations.named;
import static homelab.backups.support.Registrations.ofType;
import static homelab.backups.support.Registrations.options;
import static homelab.backups.support.RunAssert.assertThat;
import static homelab.backups.components.VolumeRestoreTest.APP;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.kubernetes.DrillSpecs;
import homelab.backups.plan.RestoreCheck;
import homelab.backups.render.MockedRun;
import homelab.backups.support.RunAssert;
import homelab.backups.support.TestStacks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 part 2: every ReplicationDestination waits for a Job that lists the repository read-only; the Job is what
 * a restore with nothing to restore fails at, before a destination, PVC or kept volume is touched. Run on the test
 * stack, restoring {@link VolumeRestoreTest#APP}.
 */
class RestoreCheckTest {
    static final String JOB = "kubernetes:batch/v1:Job";
    static final String DESTINATION = "kubernetes:volsync.backube/v1alpha1:ReplicationDestination";

    static BackedUpVolume volume(MockedRun run, String app) {
        return run.stack().volumes().volumes().stream().filter(v -> v.pulumiResourceName().equals(app)).findFirst().orElseThrow();
    }

    @Test
    void aRestoreRunsItsCheckFirstAndTheDestinationWaitsForIt() {
        var run = VolumeRestoreTest.restoring("{\"" + APP + "\": \"previous:2\"}");
        var planned = VolumeRestoreTest.planned(APP);
        var v = volume(run, APP);
        var job = assertThat(run).resource(JOB, APP + "-restore-check");
        job.input("metadata.name").matches(APP + "-restore-check-[0-9a-f]{8}");
        job.input("metadata.namespace").isEqualTo(planned.namespace());
        job.input("metadata.labels").isEqualTo(Map.of(RestoreCheck.LABEL, APP));
        assertTrue(dependsOn(run, APP + "-destination").contains(v.restoreCheck().orElseThrow()),
                "the destination exists only after its check passed");
        assertTrue(dependsOn(run, APP + "-restore-check").contains(v.repositorySecret()));
        assertFalse(dependsOn(run, APP + "-restore-check").contains(v.pvc()));
        assertEquals(RestoreCheck.AWAIT, options(run, APP + "-restore-check").getCustomTimeouts().orElseThrow().getCreate().orElseThrow());

        job.input("spec.backoffLimit").isEqualTo(0); // one verdict, no retries of a refusal
        job.input("spec.activeDeadlineSeconds").isEqualTo(RestoreCheck.DEADLINE.toSeconds());
        // the provider fails a Job only on BackoffLimitExceeded or DeadlineExceeded; any other reason waits for the timeout
        job.input("spec.podFailurePolicy").isAbsent();
        var pod = job.input("spec.template.spec");
        pod.input("automountServiceAccountToken").isEqualTo(false); // no API access
        pod.input("restartPolicy").isEqualTo("Never");
        job.input("spec.template.metadata.labels").isEqualTo(Map.of(RestoreCheck.LABEL, APP));
        var container = pod.input("containers[0]");
        var drillImage = assertThat(run).resource(RunAssert.CRON_JOB, APP + "-drill")
                .input("spec.jobTemplate.spec.template.spec.containers[0].image").value();
        container.input("image").isEqualTo(drillImage); // the pinned mover image, as the drills use
        var command = container.input("command").asList();
        assertEquals(List.of("/bin/bash", "-c"), command.subList(0, 2));
        assertEquals(DrillSpecs.script(RestoreCheck.SCRIPT), command.get(2), "drills/restore-check.sh, as tested");
        // the repository Secret, as the drill
        container.input("envFrom[0]").isEqualTo(Map.of("secretRef", Map.of("name", planned.secretName())));
        assertThat(run).resource(RunAssert.SECRET, APP + "-repository").input("metadata.name").isEqualTo(planned.secretName());
        var env = envOf(run, APP);
        assertEquals("2", env.get("SELECT_PREVIOUS"));
        assertEquals("false", env.get("CHECK_ALLOW_EMPTY"));
        container.input("resources.limits").satisfies("cpu and memory limits", l -> l instanceof Map<?, ?> m
                && m.containsKey("cpu") && m.containsKey("memory"));
        var security = container.input("securityContext");
        security.input("readOnlyRootFilesystem").isEqualTo(true);
        security.input("allowPrivilegeEscalation").isEqualTo(false);
        security.input("runAsNonRoot").isEqualTo(true);
    }

    @Test
    void withoutARequestThereIsNoCheckAndNoDestination() {
        var run = VolumeRestoreTest.run(TestStacks.testConfig());
        assertEquals(List.of(), ofType(run, JOB), "nothing runs while nobody restores");
        assertEquals(List.of(), ofType(run, DESTINATION));
    }

    @Test
    void inDisasterRecoveryEveryDestinationWaitsForTheCheckOfItsOwnApp() {
        var run = VolumeRestoreTest.run(TestStacks.withFields(TestStacks.testConfig(), "recovery", "{\"disasterRecovery\": true}"));
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
                TestStacks.withFields(TestStacks.testConfig(), "recovery", "{\"disasterRecovery\": true}")));
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
        var env = assertThat(run).resource(JOB, app + "-restore-check").input("spec.template.spec.containers[0].env").asList();
        return env.stream().map(e -> (Map<?, ?>) e)
                .collect(java.util.stream.Collectors.toMap(e -> (String) e.get("name"), e -> (String) e.get("value")));
    }
}
