package homelab.backups.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.CopyMethod;
import homelab.backups.config.MoverIdentity;
import homelab.backups.config.Policy;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockedRun;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The test stack (src/test/resources/stacks/test) is what the rule tests run on, so it must stay valid and keep every
 * mode those rules are about: a rule checked on a stack without the mode would pass without checking anything.
 */
class TestStackTest {
    static StackPlan plan;

    @BeforeAll
    static void load() {
        plan = TestStacks.testPlan();
    }

    @Test
    void theTestStackLoadsAndRunsClean() {
        var run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        assertEquals("test", plan.inputs().stack());
    }

    @Test
    void theTestStackCoversEveryPolicyForm() {
        var policies = plan.volumes().stream().map(v -> v.policy().name()).collect(Collectors.toSet());
        assertTrue(policies.size() >= 3, "several policies in use: " + policies);
        assertTrue(policies.contains(Policy.DEFAULT), "the default policy in use: " + policies);
        assertTrue(plan.volumes().stream().filter(v -> v.policy().cadence() instanceof Policy.Cadence.Every e && e.hours() == 1)
                .count() >= 2, "at least two hourly volumes (their stagger inside the hour)");
        assertTrue(plan.volumes().stream().anyMatch(v -> v.policy().cadence() instanceof Policy.Cadence.Every e && e.hours() > 1
                && e.hours() < 24), "an every-n-hours policy");
        assertTrue(plan.volumes().stream().anyMatch(v -> !v.policy().name().equals(Policy.DEFAULT)
                && v.policy().cadence() instanceof Policy.Cadence.Window), "a daily policy with its own window");
        assertTrue(plan.volumes().stream().anyMatch(v -> v.policy().retain().within().isPresent()), "a retention with within");
        assertTrue(plan.volumes().stream().anyMatch(v -> v.volume().schedule().isPresent()), "a volume with its own schedule");
    }

    @Test
    void theTestStackCoversEveryVolumeMode() {
        var methods = plan.volumes().stream().map(v -> v.copyMethod()).collect(Collectors.toSet());
        assertEquals(java.util.EnumSet.allOf(CopyMethod.class), methods, "every copy method");
        assertTrue(plan.volumes().stream().anyMatch(v -> v.storageClass().isEmpty()), "a static PV");
        assertTrue(plan.volumes().stream().anyMatch(v -> !v.mover().equals(MoverIdentity.DEFAULT)), "a mover identity of its own");
        assertTrue(plan.volumes().stream().map(v -> v.namespace()).distinct().count() < plan.volumes().size(),
                "two volumes in one namespace");
        assertTrue(!plan.excluded().isEmpty(), "an excluded volume");
    }

    @Test
    void theTestStackCoversBothDatabaseEngines() {
        assertTrue(plan.databases().stream().anyMatch(d -> d.engine() instanceof homelab.backups.plan.CnpgEngine), "a CNPG cluster");
        assertTrue(plan.databases().stream().anyMatch(d -> d.engine() instanceof homelab.backups.plan.PgoEngine), "a PGO cluster");
        assertTrue(plan.databases().stream().filter(d -> d.engine() instanceof homelab.backups.plan.CnpgEngine).count() >= 2, "two CNPG clusters (plugin and legacy)");
        var apps = plan.volumes().stream().map(v -> v.app()).collect(Collectors.toSet());
        assertTrue(plan.databases().stream().anyMatch(d -> apps.contains(d.database().name())),
                "a database cluster named as a volume app (restore ids)");
    }
}
