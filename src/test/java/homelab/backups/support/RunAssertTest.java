package homelab.backups.support;

import static homelab.backups.support.RunAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.StackPlan;
import homelab.backups.plan.VolumePlan;
import homelab.backups.render.MockedRun;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fluent helper fails where it should, and its failures say where and what was there. */
class RunAssertTest {
    static StackPlan plan;
    static MockedRun run;
    static VolumePlan volume;

    @BeforeAll
    static void runTestStack() {
        plan = TestStacks.testPlan();
        run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        volume = plan.volumes().get(0);
    }

    RunAssert.ResourceAssert source() {
        return assertThat(run).resource(RunAssert.REPLICATION_SOURCE, volume.app() + "-source");
    }

    @Test
    void aMatchingValuePassesAndNumbersCompareByValue() {
        source().input("spec.trigger.schedule").isEqualTo(volume.schedule().text());
        source().input("spec.restic.pruneIntervalDays").isEqualTo(volume.policy().pruneIntervalDays());
        source().input("spec.restic.retain").isEqualTo(volume.policy().retain().nonZero());
        source().input("spec.restic").input("retain").isPresent();
        source().input("spec.kopia").isAbsent();
        assertTrue(source().urn().startsWith("urn:pulumi:test::homelab-backups::"), source().urn());
    }

    @Test
    void aWrongValueFailsNamingTheUrnThePathAndWhatWasThere() {
        var e = assertThrows(AssertionError.class, () -> source().input("spec.trigger.schedule").isEqualTo("nope"));
        assertTrue(e.getMessage().contains(source().urn()), e.getMessage());
        assertTrue(e.getMessage().contains("spec.trigger.schedule"), e.getMessage());
        assertTrue(e.getMessage().contains("<" + volume.schedule().text() + ">"), e.getMessage());
    }

    @Test
    void aMissingPathFailsShowingTheKeysItReached() {
        var e = assertThrows(AssertionError.class, () -> source().input("spec.restic.retian.daily").isEqualTo(1));
        assertTrue(e.getMessage().contains("absent") && e.getMessage().contains("spec.restic") && e.getMessage().contains("retain"),
                e.getMessage());
        assertThrows(AssertionError.class, () -> source().input("spec.restic").isAbsent());
        assertThrows(AssertionError.class, () -> source().input("spec.restic.retain").matches("x"));
    }

    @Test
    void anUnknownResourceFailsListingThatType() {
        var e = assertThrows(AssertionError.class, () -> assertThat(run).resource(RunAssert.REPLICATION_SOURCE, "nope-source"));
        assertTrue(e.getMessage().contains(volume.app() + "-source"), e.getMessage());
        var wrongType = assertThrows(AssertionError.class, () -> assertThat(run).resource(RunAssert.SECRET, volume.app() + "-source"));
        assertTrue(wrongType.getMessage().contains(RunAssert.REPLICATION_SOURCE), wrongType.getMessage());
    }

    @Test
    void pathsIndexListsAndQuoteKeys() {
        assertEquals(List.of("a", 0, "b.c/d", "e"), RunAssert.ValueAssert.steps("a[0][\"b.c/d\"].e"));
        var inputs = Map.<String, Object>of("spec", Map.of("list", List.of(Map.of("x.y", 2.0))));
        RunAssert.ValueAssert.at("urn", inputs, "spec.list[0][\"x.y\"]").isEqualTo(2);
        assertThrows(AssertionError.class, () -> RunAssert.ValueAssert.at("urn", inputs, "spec.list[1]").isPresent());
        assertThrows(AssertionError.class, () -> RunAssert.ValueAssert.at("urn", inputs, "spec.list[0][\"x.y\"]").isEqualTo(2.5));
    }
}
