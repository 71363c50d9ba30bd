package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pruning's bounds: Barman's reading of the recovery window, and a plan for CNPG only. */
class BackupPrunePlanTest {
    @Test
    void theRecoveryWindowIsReadAsBarmanReadsIt() {
        assertEquals(Duration.ofDays(14), BackupPrunePlan.window("14d"));
        assertEquals(Duration.ofDays(14), BackupPrunePlan.window("2w"));
        // barman/retention_policies.py RecoveryWindowRetentionPolicy: a month is 31 days, so never less is kept.
        assertEquals(Duration.ofDays(31), BackupPrunePlan.window("1m"));
        assertEquals(Duration.ofDays(93), BackupPrunePlan.window("3m"));
    }

    @Test
    void onlyCnpgDatabasesArePruned() {
        var plan = TestStacks.testPlan();
        for (var d : plan.databases()) {
            var prune = BackupPrunePlan.of(d, plan.inputs().settings());
            assertEquals(d.engine().match(cnpg -> true, pgo -> false), prune.isPresent(), d.id());
            prune.ifPresent(p -> {
                assertEquals(d.database().name(), p.cluster());
                assertEquals(d.engine().match(cnpg -> cnpg.options().plugin() ? "plugin" : "barmanObjectStore", pgo -> ""),
                        p.method());
                assertTrue(p.keepCompleted() >= 1);
            });
        }
    }

    @Test
    void aPlanThatWouldKeepNothingCannotBeMade() {
        var d = TestStacks.testPlan().databases().get(0);
        assertThrows(IllegalArgumentException.class, () -> new BackupPrunePlan(d, "x", "c", "plugin", Duration.ofDays(14),
                0, BackupPrunePlan.SCHEDULE, "image"));
        assertThrows(IllegalArgumentException.class, () -> new BackupPrunePlan(d, "x", "c", "plugin", Duration.ZERO,
                7, BackupPrunePlan.SCHEDULE, "image"));
    }
}
