package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.Planner;
import homelab.backups.support.TestStacks;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A database's schedule is parsed once, by the loader, into the engine's own type; the planner only picks one. */
class DatabaseScheduleTest {
    static Inventory load(String databases) {
        var errors = new ConfigErrors();
        var inventory = InventoryLoader.parse("databases:\n" + databases, "inventory.yaml", errors);
        assertTrue(errors.isEmpty(), () -> errors.toString());
        return inventory;
    }

    @Test
    void aCnpgScheduleIsKeptConvertedAndAPgoScheduleAsCron() {
        var inventory = load("""
                  - {name: app-db, engine: cnpg, namespace: db, schedule: "0 4 * * *"}
                  - {name: other-db, engine: cnpg, namespace: db, schedule: "30 0 4 * * *"}
                  - {name: pg, engine: pgo, namespace: db, postgresVersion: 17, schedule: "0  5 * * *"}
                """);
        var cnpg = inventory.databases().get(0);
        assertEquals(Optional.of(new CnpgSchedule("0 0 4 * * *", Optional.of("0 4 * * *"))), cnpg.cnpgSchedule());
        assertEquals(Optional.empty(), cnpg.fullSchedule(), "a CNPG cluster has no pgBackRest schedule");
        assertEquals(Optional.of(new CnpgSchedule("30 0 4 * * *", Optional.empty())), inventory.databases().get(1).cnpgSchedule());
        var pgo = inventory.databases().get(2);
        assertEquals(Optional.of(new Cron("0 5 * * *")), pgo.fullSchedule());
        assertEquals(Optional.empty(), pgo.cnpgSchedule(), "a PGO cluster has no ScheduledBackup");
    }

    @Test
    void anUnwrittenScheduleIsTheStackDefaultForEitherEngine() {
        var inputs = TestStacks.load(TestStacks.prodConfig());
        assertEquals(new CnpgSchedule("0 0 3 * * *", Optional.empty()), inputs.settings().databases().defaultSchedule());
        var plan = Planner.plan(inputs);
        var khoj = plan.databases().stream().filter(d -> d.id().equals("khoj-database")).findFirst().orElseThrow();
        assertEquals("0 0 3 * * *", khoj.cnpgSchedule().orElseThrow().text());
        var immich = plan.databases().stream().filter(d -> d.id().equals("immich-postgres")).findFirst().orElseThrow();
        assertEquals(new Cron("0 3 * * *"), immich.fullSchedule().orElseThrow(), "the default without its seconds");
    }
}
