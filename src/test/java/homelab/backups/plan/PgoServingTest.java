package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, M2: what a PGO restore copies from the running PostgresCluster's spec. What serves the app (its server
 * parameters, the files they may name, its client authentication) is copied; what would change the recovered
 * cluster's role (a Patroni standby_cluster, permanent slots) or is only a policy of the old one is not.
 */
class PgoServingTest {
    static final Map<String, Object> FILES = Map.of("configMap", Map.of("name", "immich-postgres-extra"));
    static final String HBA = "host all all 10.244.0.0/16 scram-sha-256";
    static final Map<String, Object> RULE = Map.of("connection", "host", "method", "scram-sha-256");

    @Test
    void copiesWhatServesTheAppAndNothingThatChangesWhatTheClusterIs() {
        var spec = Map.<String, Object>of(
                "config", Map.of("parameters", Map.of("shared_preload_libraries", "vchord.so"), "files", List.of(FILES)),
                "patroni", Map.of("dynamicConfiguration", Map.of(
                        "synchronous_mode", true,
                        "standby_cluster", Map.of("host", "elsewhere"),
                        "slots", Map.of("cdc", Map.of("type", "logical")),
                        "postgresql", Map.of("parameters", Map.of("max_connections", 500), "pg_hba", List.of(HBA),
                                "use_slots", true))),
                "authentication", Map.of("rules", List.of(RULE)),
                "users", List.of(Map.of("name", "immich")),
                "databaseInitSQL", Map.of("name", "immich-postgres-init", "key", "init.sql"));
        assertEquals(Map.of(
                "config", Map.of("parameters", Map.of("shared_preload_libraries", "vchord.so"), "files", List.of(FILES)),
                "patroni", Map.of("dynamicConfiguration", Map.of("postgresql",
                        Map.of("parameters", Map.of("max_connections", 500), "pg_hba", List.of(HBA)))),
                "authentication", Map.of("rules", List.of(RULE))), LiveReview.pgoServing(spec));
    }

    @Test
    void aClusterThatSetsNothingGivesNothing() {
        assertEquals(Map.of(), LiveReview.pgoServing(Map.of()));
        assertEquals(Map.of(), LiveReview.pgoServing(Map.of("config", Map.of("parameters", Map.of()),
                "patroni", Map.of("dynamicConfiguration", Map.of("synchronous_mode", true)))));
    }
}
