package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.CnpgOptions;
import homelab.backups.config.CnpgSchedule;
import homelab.backups.config.ConfigErrors;
import homelab.backups.config.Cron;
import homelab.backups.config.Database;
import homelab.backups.config.InventoryLoader;
import homelab.backups.config.PgoOptions;
import homelab.backups.config.Quantity;
import homelab.backups.support.TestStacks;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An engine is a type: each database carries its own engine's options and plan, valid when constructed. */
class DatabaseEngineTest {
    private static List<Database> load(String databases) {
        var errors = new ConfigErrors();
        var inventory = InventoryLoader.parse("databases:\n" + databases, "inventory.yaml", errors);
        assertTrue(errors.isEmpty(), errors::toString);
        return inventory.databases();
    }

    @Test
    void theLoaderBuildsTheRecordOfTheEntrysEngineOnly() {
        var databases = load("""
                  - {name: app-db, engine: cnpg, namespace: db}
                  - {name: named, engine: cnpg, namespace: db, serverName: elsewhere, method: legacy}
                  - {name: pg, engine: pgo, namespace: db, postgresVersion: 16, encryption: true}
                """);
        var plain = assertInstanceOf(CnpgOptions.class, databases.get(0).options());
        assertEquals("app-db", plain.serverName(), "serverName defaults to the cluster name");
        assertEquals(CnpgOptions.Method.PLUGIN, plain.method());
        var named = assertInstanceOf(CnpgOptions.class, databases.get(1).options());
        assertEquals("elsewhere", named.serverName());
        assertEquals(CnpgOptions.Method.LEGACY, named.method());
        var pgo = assertInstanceOf(PgoOptions.class, databases.get(2).options());
        assertEquals(16, pgo.postgresVersion());
        assertTrue(pgo.encryption());
        for (var d : databases) assertEquals(d.options().kind(), d.engine());
    }

    @Test
    void anEnginesRecordRefusesWhatItsEngineCannotRun() {
        assertThrows(IllegalArgumentException.class, () -> new PgoOptions(Optional.empty(), Optional.empty(),
                Optional.empty(), false, PgoOptions.MIN_VERSION - 1));
        assertThrows(IllegalArgumentException.class, () -> new CnpgOptions(CnpgOptions.Method.PLUGIN, " ",
                Optional.empty(), Optional.empty(), Optional.empty()));
        var cnpg = new Database("a", "a", "db", new CnpgOptions(CnpgOptions.Method.PLUGIN, "a", Optional.empty(),
                Optional.empty(), Optional.empty()), Quantity.parse("1Gi").orElseThrow(), 1, Optional.empty(), List.of());
        var pgoEngine = new PgoEngine(new PgoOptions(Optional.empty(), Optional.empty(), Optional.empty(), false, 17),
                new Cron("0 3 * * *"));
        var names = DatabaseNames.of(cnpg);
        var target = TestStacks.load(TestStacks.prodConfig()).settings().target();
        assertThrows(IllegalArgumentException.class, () -> new DatabasePlan(cnpg, pgoEngine, names,
                RepositoryLayout.cnpg(target, "a", names.credentialsSecret()), Optional.empty(), Optional.empty()),
                "a plan of another engine");
        assertThrows(IllegalArgumentException.class, () -> new DatabasePlan(cnpg, new CnpgEngine((CnpgOptions) cnpg.options(),
                        new homelab.backups.config.CnpgSchedule("0 0 3 * * *", Optional.empty())), names,
                RepositoryLayout.cnpg(target, "a", "another-secret"), Optional.empty(), Optional.empty()),
                "a repository whose Secret is not the database's credentials Secret");
    }

    @Test
    void everyPlannedDatabaseRunsItsOwnEngineOnItsOwnOrTheStacksSchedule() {
        var inputs = TestStacks.load(TestStacks.prodConfig());
        var fallback = inputs.settings().databases().defaultSchedule();
        for (var d : Planner.plan(inputs).databases()) {
            assertEquals(d.database().engine(), d.engine().kind(), d.id());
            String expected = d.database().options().match(
                    cnpg -> cnpg.schedule().orElse(fallback).text(),
                    pgo -> pgo.fullSchedule().orElseGet(() -> fallback.withoutSeconds().orElseThrow()).text());
            assertEquals(expected, d.engine().scheduleText(), d.id());
        }
    }

    @Test
    void aDatabasesObjectNamesAreDistinctAndItsCredentialsSecretNamesItsEngine() {
        var cnpg = load("  - {name: x, engine: cnpg, namespace: db}\n").get(0);
        var pgo = load("  - {name: x, engine: pgo, namespace: db, postgresVersion: 17}\n").get(0);
        for (var d : List.of(cnpg, pgo)) {
            var n = DatabaseNames.of(d);
            var all = List.of(n.credentialsSecret(), n.objectStore(), n.scheduledBackup(), n.drillCronJob(), n.drillThrowaway());
            assertEquals(all.size(), new HashSet<>(all).size(), "one object per name: " + all);
            for (var name : all) assertTrue(name.startsWith("x-"), name + " is named after the cluster or id");
        }
        assertNotEquals(DatabaseNames.of(cnpg).credentialsSecret(), DatabaseNames.of(pgo).credentialsSecret(),
                "pgBackRest's s3.conf Secret and CNPG's key pair are not the same Secret");
    }

    @Test
    void theCnpgIntervalIsTheLongestGapOfItsFiveFieldForm() {
        var engine = new CnpgEngine(new CnpgOptions(CnpgOptions.Method.PLUGIN, "a", Optional.empty(), Optional.empty(),
                Optional.empty()), new CnpgSchedule("0 0 3 * * *", Optional.empty()));
        assertEquals(java.time.Duration.ofDays(1), engine.interval());
        var twice = new CnpgEngine(engine.options(), new CnpgSchedule("0 0 3,9 * * *", Optional.empty()));
        assertEquals(java.time.Duration.ofHours(18), twice.interval(), "03:00 to 09:00, then 18 hours to 03:00");
    }
}
