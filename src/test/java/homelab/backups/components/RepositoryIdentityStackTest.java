package homelab.backups.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.support.Registrations;
import homelab.backups.support.TestStacks;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 part 3: the program carries the repository the live cluster recorded into the drill CronJob (the pod cannot
 * write it anywhere), keeps it, and replaces it only with the owner's acknowledgement.
 */
class RepositoryIdentityStackTest {
    static final String OLD = "a".repeat(64);
    static final String NEW = "b".repeat(64);

    static Map<String, Object> liveCronJob(String namespace, String name, Map<String, String> env) {
        var vars = env.entrySet().stream().map(e -> Map.<String, Object>of("name", e.getKey(), "value", e.getValue())).toList();
        return Map.of("apiVersion", "batch/v1", "kind", "CronJob", "metadata", Map.of("name", name, "namespace", namespace),
                "spec", Map.of("jobTemplate", Map.of("spec", Map.of("template", Map.of("spec", Map.of("containers",
                        List.of(Map.of("name", "drill", "env", vars))))))));
    }

    static Map<String, String> drillEnv(MockedRun run, String app) {
        var job = Registrations.named(run, app + "-drill");
        var container = TestStacks.map(((List<?>) TestStacks.map(at(job.inputs(), "spec.jobTemplate.spec.template.spec"))
                .orElseThrow().get("containers")).get(0)).orElseThrow();
        return ((List<?>) container.get("env")).stream().map(e -> TestStacks.map(e).orElseThrow())
                .collect(Collectors.toMap(e -> (String) e.get("name"), e -> (String) e.get("value")));
    }

    static Object at(Map<String, Object> map, String path) {
        Object cur = map;
        for (var part : path.split("\\.")) cur = TestStacks.map(cur).orElseThrow().get(part);
        return cur;
    }

    @Test
    void theRecordedRepositoryStaysOnTheCronJob() {
        var plan = TestStacks.prodPlan();
        var d = plan.drills().stream().filter(p -> p.app().equals("immich")).findFirst().orElseThrow();
        var live = MockCluster.asInventory(plan).withObject(liveCronJob(d.namespace(), d.cronJobName(),
                Map.of("EXPECTED_REPOSITORY_ID", OLD, "EXPECTED_OLDEST", "2026-11-18T02:00:00Z")));
        var run = MockedRun.of(plan, live);
        var env = drillEnv(run, "immich");
        assertEquals(OLD, env.get("EXPECTED_REPOSITORY_ID"));
        assertEquals("2026-11-18T02:00:00Z", env.get("EXPECTED_OLDEST"));
        assertFalse(drillEnv(run, "nginx").containsKey("EXPECTED_REPOSITORY_ID"), "another app's record is its own");
        assertTrue(run.warnings().stream().noneMatch(w -> w.contains("acceptRepository")), run.warnings()::toString);
    }

    @Test
    void onlyTheAcknowledgementReplacesIt() {
        var config = TestStacks.withFields(TestStacks.prodConfig(), "drills", "{\"acceptRepository\": {\"immich\": \"" + NEW + "\"}}");
        StackPlan plan = Planner.plan(TestStacks.load(config));
        var d = plan.drills().stream().filter(p -> p.app().equals("immich")).findFirst().orElseThrow();
        var live = MockCluster.asInventory(plan).withObject(liveCronJob(d.namespace(), d.cronJobName(),
                Map.of("EXPECTED_REPOSITORY_ID", OLD, "EXPECTED_OLDEST", "2026-11-18T02:00:00Z")));
        var run = MockedRun.of(plan, live);
        var env = drillEnv(run, "immich");
        assertEquals(NEW, env.get("EXPECTED_REPOSITORY_ID"));
        assertFalse(env.containsKey("EXPECTED_OLDEST"), "the old repository's history is not the new one's");
        assertTrue(run.warnings().stream().anyMatch(w -> w.startsWith("REPOSITORY ACKNOWLEDGED drills.acceptRepository.immich")
                && w.contains(NEW) && w.contains("instead of the recorded " + OLD)), run.warnings()::toString);
    }
}
