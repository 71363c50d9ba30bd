package homelab.backups.components;

import static homelab.backups.support.Registrations.ofType;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import homelab.backups.kubernetes.DatabaseDrillSpecs;
import homelab.backups.plan.DatabaseDrillPlan;
import homelab.backups.plan.PgoEngine;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.support.TestStacks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 22 part 4 for the drill: the PGO drill's throwaway cluster serves like the running cluster, as a restore's
 * does (LiveReview.pgoServing), read live when the program runs; what would change what the cluster is (a Patroni
 * standby_cluster, permanent slots), new users and a second run of the init SQL never reach it; and a running cluster
 * that cannot be read leaves the drill in place, without that configuration, and says so.
 */
class DatabaseDrillServingTest {
    static StackPlan plan;
    static DatabaseDrillPlan drill;

    static final String HBA = "host all all 10.244.0.0/16 scram-sha-256";
    static final Map<String, Object> RULE = Map.of("connection", "hostssl", "method", "scram-sha-256",
            "databases", List.of("immich"));
    static final Map<String, Object> FILES = Map.of("configMap", Map.of("name", "immich-postgres-extra"));

    /**
     * The homelab's immich cluster (DatabaseBackupTest.IMMICH) with every section the copy must tell apart: what
     * serves the app (parameters, files, pg_hba, authentication rules) and what must not be copied (a standby
     * configuration, permanent slots and synchronous mode in Patroni's dynamic configuration, users, the init SQL).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> immich() {
        var object = new LinkedHashMap<>(DatabaseBackupTest.IMMICH);
        var spec = new LinkedHashMap<>((Map<String, Object>) object.get("spec"));
        spec.put("config", Map.of("parameters", Map.of("shared_preload_libraries", "vchord.so"), "files", List.of(FILES)));
        spec.put("patroni", Map.of("dynamicConfiguration", Map.of(
                "synchronous_mode", true,
                "standby_cluster", Map.of("repo", "repo1", "host", "immich-primary.elsewhere"),
                "slots", Map.of("immich_cdc", Map.of("type", "logical", "database", "immich", "plugin", "pgoutput")),
                "postgresql", Map.of("parameters", Map.of("max_connections", 500), "pg_hba", List.of(HBA),
                        "use_slots", true))));
        spec.put("authentication", Map.of("rules", List.of(RULE)));
        spec.put("standby", Map.of("enabled", true, "repoName", "repo1"));
        object.put("spec", spec);
        return object;
    }

    @BeforeAll
    static void prod() {
        plan = TestStacks.prodPlan();
        drill = plan.databaseDrills().stream().filter(d -> d.engine() instanceof PgoEngine).findFirst().orElseThrow();
    }

    static MockedRun run(MockCluster cluster) {
        var run = MockedRun.of(plan, cluster);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        return run;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> throwawaySpec(MockedRun run) {
        var configMap = ofType(run, DatabaseDrillTest.CONFIG_MAP).stream()
                .filter(r -> drill.cronJobName().equals(at(r.inputs(), "metadata.name"))).findFirst().orElseThrow();
        var json = (String) ((Map<?, ?>) at(configMap.inputs(), "data")).get(DatabaseDrillSpecs.MANIFEST);
        return (Map<String, Object>) new Gson().fromJson(json, LinkedHashMap.class).get("spec");
    }

    @SuppressWarnings("unchecked")
    static Object path(Map<String, Object> tree, String... keys) {
        Object at = tree;
        for (var k : keys) at = at instanceof Map<?, ?> m ? ((Map<String, Object>) m).get(k) : null;
        return at;
    }

    @Test
    @SuppressWarnings("unchecked")
    void theThrowawayClusterServesWithTheRunningClustersConfiguration() {
        var live = immich();
        var liveSpec = (Map<String, Object>) live.get("spec");
        var spec = throwawaySpec(run(MockCluster.asInventory(plan).withObject(live)));
        // Gson reads numbers as doubles: compare through the same JSON round trip.
        var gson = new Gson();
        var expectedConfig = gson.fromJson(gson.toJson(liveSpec.get("config")), LinkedHashMap.class);
        assertEquals(expectedConfig, spec.get("config"), "config.parameters and config.files, as the running cluster has them");
        var livePostgresql = (Map<String, Object>) path(liveSpec, "patroni", "dynamicConfiguration", "postgresql");
        assertEquals(gson.fromJson(gson.toJson(Map.of("postgresql", Map.of(
                        "parameters", livePostgresql.get("parameters"), "pg_hba", livePostgresql.get("pg_hba")))), LinkedHashMap.class),
                path(spec, "patroni", "dynamicConfiguration"), "only Patroni's postgresql parameters and pg_hba");
        assertEquals(gson.fromJson(gson.toJson(liveSpec.get("authentication")), LinkedHashMap.class), spec.get("authentication"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void noExcludedKeyReachesTheThrowawayCluster() {
        var spec = throwawaySpec(run(MockCluster.asInventory(plan).withObject(immich())));
        var keys = DatabaseDrillTest.keys(spec);
        for (var excluded : List.of("standby_cluster", "slots", "synchronous_mode", "use_slots", "standby",
                "databaseInitSQL", "backups")) {
            assertFalse(keys.contains(excluded), excluded + " must not be copied: " + spec);
        }
        // users: [] - an empty list creates no users (the restored data holds the app's roles already).
        assertEquals(List.of(), spec.get("users"));
        var text = new Gson().toJson(spec);
        assertFalse(text.contains("immich-postgres-init"), "the init SQL's ConfigMap is not named: " + text);
        assertFalse(text.contains("immich-primary.elsewhere"), text);
    }

    @Test
    void aRunningClusterTheProgramMayNotReadLeavesTheDrillWithoutItAndSaysSo() {
        var cluster = MockCluster.asInventory(plan).withObject(immich())
                .refusing(drill.engine().cluster().apiVersion(), drill.engine().cluster().kind());
        var run = run(cluster);
        var spec = throwawaySpec(run);
        assertFalse(spec.containsKey("config"), "nothing read, nothing copied: " + spec);
        assertFalse(spec.containsKey("patroni"), spec.toString());
        assertTrue(spec.containsKey("dataSource"), "the drill is still rendered: " + spec);
        var warning = run.warnings().stream().filter(w -> w.contains("database drill " + drill.id())).findFirst();
        assertTrue(warning.isPresent(), () -> "the preview says so: " + run.warnings());
        assertTrue(warning.get().contains("HTTP 403"), warning.get());
        assertTrue(warning.get().contains(drill.namespace() + "/" + drill.database().database().name()), warning.get());
    }

    @Test
    void aRunningClusterThatIsGoneLeavesTheDrillWithoutItAndSaysSo() {
        var type = drill.engine().cluster();
        var name = drill.database().database().name();
        var run = run(MockCluster.asInventory(plan).without(type.apiVersion(), type.kind(), drill.namespace(), name));
        assertFalse(throwawaySpec(run).containsKey("config"));
        assertTrue(run.warnings().stream().anyMatch(w -> w.contains("database drill " + drill.id())
                && w.contains("is not in the cluster")), () -> run.warnings().toString());
    }

    @Test
    void aReadableClusterIsNotAnnounced() {
        var run = run(MockCluster.asInventory(plan).withObject(immich()));
        assertTrue(run.warnings().stream().noneMatch(w -> w.contains("database drill ")), () -> run.warnings().toString());
    }

    @Test
    void theOfflineRenderMarksWhereTheLiveConfigurationGoes() {
        var spec = throwawaySpec(run(MockCluster.asInventory(plan)));
        assertEquals(Map.of(MockCluster.LIVE_VALUE, MockCluster.LIVE_VALUE), path(spec, "config", "parameters"));
        assertEquals(List.of(MockCluster.LIVE_VALUE), path(spec, "patroni", "dynamicConfiguration", "postgresql", "pg_hba"));
    }
}
