package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.CnpgEngine;
import homelab.backups.plan.PgoEngine;
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
                  - {name: other-db, engine: cnpg, namespace: db, schedule: "0 30 4 * * *"}
                  - {name: pg, engine: pgo, namespace: db, postgresVersion: 17, schedule: "0  5 * * *"}
                """);
        var cnpg = inventory.databases().get(0);
        // Each engine's record holds only its own schedule: a CNPG cluster has no pgBackRest schedule, a PGO cluster
        // no ScheduledBackup.
        assertEquals(Optional.of(new CnpgSchedule("0 0 4 * * *", Optional.of("0 4 * * *"))), cnpg(cnpg).schedule());
        assertEquals(Optional.of(new CnpgSchedule("0 30 4 * * *", Optional.empty())), cnpg(inventory.databases().get(1)).schedule());
        var pgo = inventory.databases().get(2);
        assertInstanceOf(PgoOptions.class, pgo.options());
        assertEquals(Optional.of(new Cron("0 5 * * *")), ((PgoOptions) pgo.options()).fullSchedule());
    }

    @Test
    void aCnpgScheduleThatFiresAtAnotherSecondIsRefusedNamingTheFix() {
        var errors = new ConfigErrors();
        InventoryLoader.parse("databases:\n  - {name: app-db, engine: cnpg, namespace: db, schedule: \"30 0 4 * * *\"}\n",
                "inventory.yaml", errors);
        var said = assertThrows(ConfigErrors.InvalidConfigException.class, errors::throwIfAny).getMessage();
        assertTrue(said.contains("'30 0 4 * * *' must start at second 0 (e.g. '0 0 4 * * *')"), said);
    }

    private static CnpgOptions cnpg(Database d) {
        return assertInstanceOf(CnpgOptions.class, d.options(), d.name() + " is a CNPG cluster");
    }

    @Test
    void anUnwrittenScheduleIsTheStackDefaultForEitherEngine() {
        var inputs = TestStacks.load(TestStacks.prodConfig());
        assertEquals(new CnpgSchedule("0 0 3 * * *", Optional.empty()), inputs.settings().databases().defaultSchedule());
        var plan = Planner.plan(inputs);
        var khoj = plan.databases().stream().filter(d -> d.id().equals("khoj-database")).findFirst().orElseThrow();
        assertEquals("0 0 3 * * *", assertInstanceOf(CnpgEngine.class, khoj.engine()).schedule().text());
        var immich = plan.databases().stream().filter(d -> d.id().equals("immich-postgres")).findFirst().orElseThrow();
        assertEquals(new Cron("0 3 * * *"), assertInstanceOf(PgoEngine.class, immich.engine()).fullSchedule(),
                "the default without its seconds");
    }
}
