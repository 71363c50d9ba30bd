package homelab.backups.components;

import static homelab.backups.support.Registrations.ofType;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import homelab.backups.config.ConfigErrors;
import homelab.backups.config.StackConfig;
import homelab.backups.config.StackInputs;
import homelab.backups.kubernetes.DatabaseDrillSpecs;
import homelab.backups.plan.CnpgEngine;
import homelab.backups.plan.DatabaseDrillPlan;
import homelab.backups.plan.PgoEngine;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.Verification;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.render.Render;
import homelab.backups.render.StackRender;
import homelab.backups.render.TestCrds;
import homelab.backups.render.schema.CrdCatalog;
import homelab.backups.support.ProofWorld;
import homelab.backups.support.TestStacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 22 part 1: every backed-up database is recovered on a schedule into a throwaway cluster that never writes
 * into an archive, checked, and deleted; the drill's result is what proves the database.
 */
class DatabaseDrillTest {
    static final String CRON_JOB = "kubernetes:batch/v1:CronJob";
    static final String ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
    static final String BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
    static final String CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
    static final String SCHEDULED_BACKUP = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
    static StackPlan plan;
    static MockedRun run;

    @BeforeAll
    static void runProdOnce() {
        plan = TestStacks.prodPlan();
        run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
    }

    /** The prod stack with {@code databases.drill} set to this JSON (the rest of the databases section as committed). */
    @SuppressWarnings("unchecked")
    static StackConfig withDrill(String drillJson) {
        var config = TestStacks.prodConfig();
        var gson = new Gson();
        var databases = gson.fromJson(config.text("databases").orElseThrow(), LinkedHashMap.class);
        databases.put("drill", gson.fromJson(drillJson, LinkedHashMap.class));
        return TestStacks.with(config, "databases", gson.toJson(databases));
    }

    static ConfigErrors.InvalidConfigException refused(StackConfig config) {
        return assertThrows(ConfigErrors.InvalidConfigException.class, () -> TestStacks.load(config));
    }

    static Registration named(String type, String name) {
        return ofType(run, type).stream().filter(r -> name.equals(at(r.inputs(), "metadata.name"))
                || r.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no " + type + " " + name));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> throwaway(DatabaseDrillPlan d) {
        var configMap = ofType(run, CONFIG_MAP).stream()
                .filter(r -> d.cronJobName().equals(at(r.inputs(), "metadata.name"))
                        && d.namespace().equals(at(r.inputs(), "metadata.namespace"))).findFirst().orElseThrow();
        var json = (String) ((Map<?, ?>) at(configMap.inputs(), "data")).get(DatabaseDrillSpecs.MANIFEST);
        return new Gson().fromJson(json, LinkedHashMap.class);
    }

    /** Every key anywhere in a tree of maps and lists. */
    static Set<String> keys(Object tree) {
        var out = new HashSet<String>();
        if (tree instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                out.add(String.valueOf(k));
                out.addAll(keys(v));
            });
        } else if (tree instanceof List<?> list) {
            list.forEach(v -> out.addAll(keys(v)));
        }
        return out;
    }

    @Test
    void everyDatabaseHasItsDrillInItsOwnNamespace() {
        assertEquals(plan.databases().stream().map(d -> d.id()).toList(),
                plan.databaseDrills().stream().map(DatabaseDrillPlan::id).toList(), "a drill for every database, none else");
        var names = new HashSet<String>();
        for (var d : plan.databaseDrills()) {
            var db = d.database().database();
            var cronJob = named(CRON_JOB, d.cronJobName());
            assertEquals(db.namespace(), at(cronJob.inputs(), "metadata.namespace"));
            assertTrue(names.add(db.namespace() + "/" + d.cronJobName()), "two drills share " + d.cronJobName());
            // The throwaway cluster is never the running one, nor any database of the inventory.
            for (var other : plan.databases()) {
                assertFalse(other.database().namespace().equals(db.namespace()) && other.database().name().equals(d.throwaway()),
                        d.throwaway() + " is a database of the inventory");
            }
            assertEquals(d.id(), ((Map<?, ?>) at(cronJob.inputs(), "metadata.labels")).get(DatabaseDrillPlan.LABEL));
        }
    }

    @Test
    void eachDrillStartsAwayFromItsBackupsAndOutsideTheVolumeDrills() {
        var volumeDrillMinutes = new java.util.BitSet(24 * 60);
        plan.drills().forEach(v -> volumeDrillMinutes.or(v.schedule().minutesOfDay()));
        var settings = plan.inputs().settings();
        var volumeWindow = new java.util.BitSet(24 * 60);
        int vs = settings.drills().windowStart().getHour() * 60 + settings.drills().windowStart().getMinute();
        for (int i = 0; i < settings.drills().windowMinutes(); i++) volumeWindow.set((vs + i) % (24 * 60));
        var starts = new HashSet<String>();
        for (var d : plan.databaseDrills()) {
            int at = d.schedule().minutesOfDay().nextSetBit(0);
            assertFalse(volumeWindow.get(at), d.id() + " starts inside the volume drill window");
            assertFalse(volumeDrillMinutes.get(at), d.id() + " starts with a volume drill");
            assertTrue(starts.add(at + ""), "two database drills start at the same minute");
            var backup = d.engine().match(cnpg -> cnpg.schedule().withoutSeconds().orElseThrow(), PgoEngine::fullSchedule);
            var fires = backup.minutesOfDay();
            for (int b = fires.nextSetBit(0); b >= 0; b = fires.nextSetBit(b + 1)) {
                int gap = Math.min(Math.floorMod(at - b, 24 * 60), Math.floorMod(b - at, 24 * 60));
                assertTrue(gap >= StackInputs.DATABASE_DRILL_GUARD_MINUTES, d.id() + " starts " + gap + " minutes from its backup");
            }
            assertEquals(Duration.ofDays(d.everyDays()).plus(settings.monitoring().slack()), d.staleAfter());
        }
    }

    @Test
    void aWindowOnTheVolumeDrillsOrOnABackupIsRefused() {
        var onVolumeDrills = refused(withDrill("{\"window\": {\"start\": \"04:30\", \"minutes\": 30}}"));
        assertTrue(onVolumeDrills.errors().stream().anyMatch(e -> e.field().equals("drill.window.start")
                && e.message().contains("overlaps the volume drill window")), onVolumeDrills::getMessage);
        // The prod databases back up at 03:00.
        var onBackups = refused(withDrill("{\"window\": {\"start\": \"02:30\", \"minutes\": 60}}"));
        assertTrue(onBackups.errors().stream().anyMatch(e -> e.field().equals("drill.window.start")
                && e.message().contains("within 60 minutes of its backup")), onBackups::getMessage);
        var tooNarrow = refused(withDrill("{\"window\": {\"start\": \"07:00\", \"minutes\": 2}}"));
        assertTrue(tooNarrow.errors().stream().anyMatch(e -> e.field().equals("drill.window.minutes")), tooNarrow::getMessage);
        TestStacks.load(withDrill("{\"window\": {\"start\": \"07:00\", \"minutes\": 30}}"));
    }

    @Test
    void theDefaultWindowFollowsTheVolumeDrills() {
        var volumeDrills = plan.inputs().settings().drills();
        assertEquals(volumeDrills.windowStart().plusMinutes(volumeDrills.windowMinutes() + 30L),
                plan.inputs().settings().databases().drill().windowStart());
        // Another stack's volume drills (the test stack's): its database drills follow them the same way.
        var other = TestStacks.testPlan().inputs().settings();
        assertTrue(other.drills().windowStart() != volumeDrills.windowStart() || other.drills().windowMinutes() != volumeDrills.windowMinutes(),
                "a second stack with other volume drill windows");
        assertEquals(other.drills().windowStart().plusMinutes(other.drills().windowMinutes() + 30L),
                other.databases().drill().windowStart());
    }

    @Test
    void theThrowawayClusterNeverArchivesNorBacksUp() {
        for (var d : plan.databaseDrills()) {
            var cluster = throwaway(d);
            @SuppressWarnings("unchecked") var spec = (Map<String, Object>) cluster.get("spec");
            var db = d.database().database();
            assertEquals(d.throwaway(), at(cluster, "metadata.name"));
            assertEquals(d.id(), ((Map<?, ?>) at(cluster, "metadata.labels")).get(DatabaseDrillPlan.LABEL), "the owner label");
            if (d.engine() instanceof CnpgEngine cnpg) {
                assertEquals("Cluster", cluster.get("kind"));
                // What makes a CNPG cluster archive: a spec.plugins entry (isWALArchiver) or spec.backup
                // (docs/database-drills.md). Neither, anywhere.
                assertFalse(spec.containsKey("plugins"), d.id() + ": a plugins section would make it archive");
                assertFalse(spec.containsKey("backup"), d.id() + ": a backup section would make it archive");
                assertFalse(keys(spec).contains("isWALArchiver"));
                assertTrue(at(spec, "bootstrap.recovery") != null, "recovered, not initdb'd");
                assertFalse(keys(at(spec, "bootstrap")).contains("initdb"));
                var origin = (Map<?, ?>) ((List<?>) spec.get("externalClusters")).get(0);
                assertEquals(Map.of("barmanObjectName", d.database().objectStoreName(), "serverName", cnpg.options().serverName()),
                        ((Map<?, ?>) origin.get("plugin")).get("parameters"), "it reads the running cluster's archive");
                assertEquals(1.0, spec.get("instances"));
            } else {
                assertEquals("PostgresCluster", cluster.get("kind"));
                // Without spec.backups PGO sets archive_command to `true` and makes no repository (docs/database-drills.md).
                assertFalse(spec.containsKey("backups"), d.id() + ": a backups section would archive and back up");
                assertEquals("/" + d.database().repository().path(), ((Map<?, ?>) at(spec, "dataSource.pgbackrest.global")).get("repo1-path"));
                assertFalse(keys(at(spec, "dataSource.pgbackrest")).contains("options"), "the newest backup, no target");
                assertEquals(1.0, ((Map<?, ?>) ((List<?>) spec.get("instances")).get(0)).get("replicas"));
            }
            assertEquals(db.image().orElseThrow(), spec.get(d.engine() instanceof CnpgEngine ? "imageName" : "image"));
        }
        // No ScheduledBackup points at a throwaway cluster.
        for (var sb : ofType(run, SCHEDULED_BACKUP)) {
            var target = at(sb.inputs(), "spec.cluster.name");
            assertTrue(plan.databaseDrills().stream().noneMatch(d -> d.throwaway().equals(target)), "a ScheduledBackup of " + target);
        }
    }

    @Test
    void aLegacyCnpgDrillReadsThroughItsBarmanObjectStoreAndStillHasNoBackupSection() throws Exception {
        var inventory = TestStacks.prodInventory().replace("{name: khoj-database, engine: cnpg,",
                "{name: khoj-database, engine: cnpg, method: legacy,");
        var legacyPlan = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "inventory",
                TestStacks.writeInventory(inventory))));
        var d = legacyPlan.databaseDrills().stream().filter(x -> x.id().equals("khoj-database")).findFirst().orElseThrow();
        var spec = DatabaseDrillSpecs.throwawayCluster(d, legacyPlan.inputs().settings());
        @SuppressWarnings("unchecked") var body = (Map<String, Object>) spec.get("spec");
        assertFalse(body.containsKey("backup"));
        assertFalse(body.containsKey("plugins"));
        assertEquals("khoj-database", ((Map<?, ?>) ((Map<?, ?>) ((List<?>) body.get("externalClusters")).get(0))
                .get("barmanObjectStore")).get("serverName"));
        // The same builder with a restore request's archive: it is the drill's that leaves it out.
        assertFalse(body.containsKey("backup"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRoleGrantsOnlyTheThrowawayClusterAndExec() {
        for (var d : plan.databaseDrills()) {
            var role = named(ROLE, d.cronJobName());
            assertEquals(d.namespace(), at(role.inputs(), "metadata.namespace"), "a Role in the database's namespace, not a ClusterRole");
            var rules = (List<Map<String, Object>>) at(role.inputs(), "rules");
            var group = DatabaseDrillSpecs.apiGroup(d);
            var kind = DatabaseDrillSpecs.resource(d);
            for (var rule : rules) {
                var verbs = (List<String>) rule.get("verbs");
                var resources = (List<String>) rule.get("resources");
                var names = (List<String>) rule.getOrDefault("resourceNames", List.of());
                assertFalse(verbs.contains("*") || resources.contains("*") || ((List<?>) rule.get("apiGroups")).contains("*"));
                assertFalse(resources.contains("secrets"), "no Secret: the drill holds no database credentials");
                assertFalse(verbs.contains("deletecollection") || verbs.contains("update") || verbs.contains("patch"));
                if (resources.contains(kind)) {
                    assertEquals(List.of(group), rule.get("apiGroups"));
                    if (verbs.contains("delete")) assertEquals(List.of(d.throwaway()), names, "delete only the throwaway cluster");
                    if (verbs.contains("get")) {
                        assertTrue(Set.of(d.throwaway(), d.database().database().name()).containsAll(names) && !names.isEmpty(),
                                "get only the two clusters by name");
                    }
                    if (verbs.contains("create")) assertEquals(List.of("create"), verbs, "create cannot be limited by name: alone");
                } else {
                    assertTrue(Set.of("pods", "pods/exec").containsAll(resources), "only pods besides the cluster kind: " + resources);
                    assertEquals(List.of(""), rule.get("apiGroups"));
                    assertFalse(verbs.contains("delete") || verbs.contains("create") && resources.contains("pods"));
                    if (verbs.contains("list")) assertFalse(d.engine() instanceof CnpgEngine, "CNPG's primary is in the Cluster's status: no list");
                }
            }
            var binding = named(BINDING, d.cronJobName());
            assertEquals(Map.of("apiGroup", "rbac.authorization.k8s.io", "kind", "Role", "name", d.cronJobName()),
                    at(binding.inputs(), "roleRef"));
            assertEquals(List.of(Map.of("kind", "ServiceAccount", "name", d.cronJobName(), "namespace", d.namespace())),
                    at(binding.inputs(), "subjects"));
            assertEquals(d.cronJobName(), at(named(CRON_JOB, d.cronJobName()).inputs(),
                    "spec.jobTemplate.spec.template.spec.serviceAccountName"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJobIsBoundedPinnedAndAlone() {
        for (var d : plan.databaseDrills()) {
            var in = named(CRON_JOB, d.cronJobName()).inputs();
            assertEquals("Forbid", at(in, "spec.concurrencyPolicy"));
            assertEquals(0.0, at(in, "spec.jobTemplate.spec.backoffLimit"));
            double deadline = (double) at(in, "spec.jobTemplate.spec.activeDeadlineSeconds");
            var pod = TestStacks.map(at(in, "spec.jobTemplate.spec.template.spec")).orElseThrow();
            var container = TestStacks.map(((List<?>) pod.get("containers")).get(0)).orElseThrow();
            var env = new LinkedHashMap<String, String>();
            ((List<Map<String, Object>>) container.get("env")).forEach(e -> env.put((String) e.get("name"), (String) e.get("value")));
            assertTrue(deadline > Double.parseDouble(env.get("DRILL_READY_SECONDS")),
                    "the deadline leaves time to check and clean up after the ready bound");
            assertEquals(d.throwaway(), env.get("DRILL_CLUSTER"));
            assertEquals(d.database().database().name(), env.get("DRILL_SOURCE"));
            assertTrue(((String) container.get("image")).matches("^[^@]+@sha256:[0-9a-f]{64}$"), "pinned by digest");
            assertTrue(at(container, "resources.limits.cpu") != null && at(container, "resources.limits.memory") != null);
            assertEquals(true, at(container, "securityContext.readOnlyRootFilesystem"));
            assertEquals(List.of("ALL"), at(container, "securityContext.capabilities.drop"));
            assertEquals(true, at(pod, "securityContext.runAsNonRoot"));
        }
    }

    @Test
    void theConfigMapShipsTheTestedScript() throws Exception {
        var script = Files.readString(Path.of("drills", DatabaseDrillPlan.SCRIPT));
        for (var d : plan.databaseDrills()) {
            var configMap = ofType(run, CONFIG_MAP).stream().filter(r -> d.cronJobName().equals(at(r.inputs(), "metadata.name"))
                    && d.namespace().equals(at(r.inputs(), "metadata.namespace"))).findFirst().orElseThrow();
            var data = (Map<?, ?>) at(configMap.inputs(), "data");
            assertEquals(script, data.get(DatabaseDrillPlan.SCRIPT));
            // The script checks the manifest creates DRILL_CLUSTER, and puts the live image in line by line: the shape
            // databases/test/drill.sh feeds it (one key per line).
            var manifest = (String) data.get(DatabaseDrillSpecs.MANIFEST);
            assertTrue(manifest.contains("\n    \"name\": \"" + d.throwaway() + "\",\n"), manifest);
            // The same text on every run (Pulumi replaces a ConfigMap whose data changed): keys sorted at every level.
            // (the drill as the stack maps it: with the running cluster's serving configuration, issue 22 part 4)
            var read = BackupStack.databaseDrills(plan, homelab.backups.render.MockCluster.asInventory(plan), w -> { })
                    .stream().filter(x -> x.id().equals(d.id())).findFirst().orElseThrow();
            assertEquals(manifest, DatabaseDrillSpecs.manifest(read, plan.inputs().settings()));
            assertSortedKeys(new Gson().fromJson(manifest, LinkedHashMap.class), manifest);
        }
    }

    static void assertSortedKeys(Object tree, String where) {
        if (tree instanceof Map<?, ?> map) {
            var keys = map.keySet().stream().map(String::valueOf).toList();
            assertEquals(keys.stream().sorted().toList(), keys, where);
            map.values().forEach(v -> assertSortedKeys(v, where));
        } else if (tree instanceof List<?> list) {
            list.forEach(v -> assertSortedKeys(v, where));
        }
    }

    @Test
    void drillTablesAreValidatedAndReachTheScript() throws Exception {
        var base = TestStacks.prodInventory();
        var good = base.replace("{name: khoj-database, engine: cnpg,",
                "{name: khoj-database, engine: cnpg, drill: {tables: [public.conversations, entries]},");
        var goodPlan = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "inventory", TestStacks.writeInventory(good))));
        var khoj = goodPlan.databaseDrills().stream().filter(x -> x.id().equals("khoj-database")).findFirst().orElseThrow();
        assertEquals(List.of("public.conversations", "entries"), khoj.tables());
        assertEquals("public.conversations entries", DatabaseDrillSpecs.environment(khoj).get("DRILL_TABLES"));
        for (var bad : List.of("[\"x; DROP TABLE y\"]", "[Public.Entries]", "[a.b.c]", "[entries, entries]")) {
            var inventory = base.replace("{name: khoj-database, engine: cnpg,", "{name: khoj-database, engine: cnpg, drill: {tables: " + bad + "},");
            var thrown = refused(TestStacks.with(TestStacks.prodConfig(), "inventory", TestStacks.writeInventory(inventory)));
            assertTrue(thrown.errors().stream().anyMatch(e -> e.field().equals("drill.tables")), bad + ": " + thrown.getMessage());
        }
    }

    @Test
    void anImageNotPinnedByDigestIsRefused() {
        var thrown = refused(withDrill("{\"image\": \"docker.io/alpine/k8s:1.34.1\"}"));
        assertTrue(thrown.errors().stream().anyMatch(e -> e.field().equals("drill.image") && e.message().contains("digest")),
                thrown::getMessage);
    }

    @Test
    void aThrowawayNameTakenByAnInventoryDatabaseIsRefused() throws Exception {
        var inventory = TestStacks.prodInventory() + "  - {name: khoj-database-drill, engine: cnpg, namespace: cloudnative-pg, storage: 1Gi, image: \"ghcr.io/cloudnative-pg/postgresql:16.2\"}\n";
        var thrown = refused(TestStacks.with(TestStacks.prodConfig(), "inventory", TestStacks.writeInventory(inventory)));
        assertTrue(thrown.errors().stream().anyMatch(e -> e.message().contains("creates and deletes a cluster named khoj-database-drill")),
                thrown::getMessage);
    }

    @Test
    void theThrowawayClusterInEachConfigMapIsValidatedAgainstTheRealCrds() throws Exception {
        var crds = TestCrds.dir();
        var render = StackRender.of(plan);
        var embedded = Render.embedded(render);
        assertEquals(plan.databaseDrills().size(), embedded.size());
        assertEquals(List.of(), Render.validate(render, crds, plan.inputs().settings()));
        // The validation sees into them: a field the CRD does not have is a violation.
        var catalog = CrdCatalog.load(List.of(crds));
        for (var cluster : embedded) {
            var broken = new Gson().fromJson(new Gson().toJson(cluster), LinkedHashMap.class);
            @SuppressWarnings("unchecked") var spec = (Map<String, Object>) broken.get("spec");
            spec.put("instances", "one");
            assertFalse(catalog.validate(broken, false).isEmpty(), "a broken " + broken.get("kind") + " passed validation");
        }
    }

    // ---- ./verify and the retirement gate ------------------------------------------------------------------

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    static Verification.Check row(Verification v, String item) {
        return v.checks().stream().filter(c -> c.check().equals("database drill") && c.item().equals(item)).findFirst().orElseThrow();
    }

    static Verification verify(ProofWorld world) {
        return Verification.of(plan, world.cluster(), NOW);
    }

    @Test
    void aDatabaseIsProvenOnlyByARecentPassedDrill() {
        var proven = verify(ProofWorld.allProven(plan, NOW));
        assertTrue(proven.proven(), () -> proven.unproven().toString());
        for (var d : plan.databaseDrills()) {
            var r = row(proven, d.id());
            assertEquals(Verification.State.PROVEN, r.state());
            assertTrue(r.detail().startsWith("db-drill PASS db=" + d.id()), r.detail());
        }
        var failing = verify(ProofWorld.allProven(plan, NOW).failingDatabaseDrill("paperless-database",
                "db-drill FAIL db=paperless-database reason=system-identifier system_id=1 backup=- rows=- recovery_s=30 expected=2"));
        var r = row(failing, "paperless-database");
        assertEquals(Verification.State.FAILING, r.state());
        assertTrue(r.detail().contains("reason=system-identifier"), r.detail());
        assertFalse(failing.proven(), "a failed database drill keeps Longhorn's backups");
        // A completed backup alone no longer proves the database: no drill CronJob, no proof.
        var noDrill = ProofWorld.allProven(plan, NOW).with(Map.of("apiVersion", "batch/v1", "kind", "CronJob",
                "metadata", Map.of("name", "khoj-database-db-drill", "namespace", "cloudnative-pg"), "status", Map.of()));
        var never = verify(noDrill);
        assertEquals(Verification.State.NEVER, row(never, "khoj-database").state());
        assertEquals(Verification.State.PROVEN, never.checks().stream().filter(c -> c.check().equals("database backup")
                && c.item().equals("khoj-database")).findFirst().orElseThrow().state(), "the backup itself is fine");
        assertFalse(never.proven());
        var stale = verify(ProofWorld.allProven(plan, NOW).with(Map.of("apiVersion", "batch/v1", "kind", "CronJob",
                "metadata", Map.of("name", "khoj-database-db-drill", "namespace", "cloudnative-pg"),
                "status", Map.of("lastSuccessfulTime", NOW.minus(Duration.ofDays(8)).toString()))));
        assertEquals(Verification.State.STALE, row(stale, "khoj-database").state());
    }

    @Test
    void withDrillsOffNoDatabaseIsProvenAndLonghornCannotBeRetired() {
        var off = withDrill("{\"enabled\": false}");
        var offPlan = Planner.plan(TestStacks.load(off));
        assertEquals(List.of(), offPlan.databaseDrills());
        var v = Verification.of(offPlan, ProofWorld.allProven(offPlan, NOW).cluster(), NOW);
        for (var d : offPlan.databases()) {
            assertEquals(Verification.State.NEVER, v.checks().stream().filter(c -> c.check().equals("database drill")
                    && c.item().equals(d.id())).findFirst().orElseThrow().state());
        }
        var retire = TestStacks.with(off, "longhorn", "{\"retireBackups\": true}");
        var thrown = refused(retire);
        assertTrue(thrown.errors().stream().anyMatch(e -> e.field().equals("retireBackups") && e.message().contains("database restore")),
                thrown::getMessage);
    }
}
