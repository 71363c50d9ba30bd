package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * ./verify's restore row of a database (issue 22 part 2): PROVEN only with the PASS verdict of the awaited check Job;
 * a Ready recovered cluster alone is "not proven yet" (field-incidents §C 18: an empty recovered database is Ready too).
 */
class DatabaseRestoreVerificationTest {
    static final DatabasePlan KHOJ = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore",
            "{\"khoj-database\": \"latest\"}"))).databases().stream().filter(d -> d.id().equals("khoj-database")).findFirst().orElseThrow();
    static final String NS = KHOJ.database().namespace();
    static final String CLUSTER = KHOJ.recoveryName().orElseThrow();
    static final String JOB = DatabaseRestoreCheck.jobName(CLUSTER);

    /** Objects by apiVersion/kind/name, all in the database's namespace. */
    static Verification.Lookup world(List<Map<String, Object>> objects) {
        return new Verification.Lookup() {
            public Optional<Map<String, Object>> object(String apiVersion, String kind, String namespace, String name) {
                return objects.stream().filter(o -> apiVersion.equals(o.get("apiVersion")) && kind.equals(o.get("kind"))
                        && name.equals(Unstructured.name(o))).findFirst();
            }

            public List<Map<String, Object>> objects(String apiVersion, String kind, String namespace) {
                return objects.stream().filter(o -> apiVersion.equals(o.get("apiVersion")) && kind.equals(o.get("kind"))).toList();
            }

            public List<LiveClaim> allClaims() {
                return List.of();
            }

            public boolean served(String apiVersion, String kind) {
                return true;
            }

            public boolean namespaceExists(String name) {
                return true;
            }
        };
    }

    static Map<String, Object> readyCluster() {
        return Map.of("apiVersion", "postgresql.cnpg.io/v1", "kind", "Cluster", "metadata", Map.of("name", CLUSTER, "namespace", NS),
                "status", Map.of("conditions", List.of(Map.of("type", "Ready", "status", "True"))));
    }

    static Map<String, Object> job(String condition) {
        return Map.of("apiVersion", "batch/v1", "kind", "Job", "metadata", Map.of("name", JOB, "namespace", NS),
                "status", Map.of("completionTime", "2026-12-01T11:00:00Z",
                        "conditions", List.of(Map.of("type", condition, "status", "True", "message", "Job has reached the specified backoff limit"))));
    }

    static Map<String, Object> pod(String verdict) {
        return Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", JOB + "-x1", "namespace", NS,
                        "labels", Map.of("batch.kubernetes.io/job-name", JOB)),
                "status", Map.of("containerStatuses", List.of(Map.of("state", Map.of("terminated",
                        Map.of("message", verdict + "\n", "finishedAt", "2026-12-01T11:00:00Z"))))));
    }

    static Verification.Check row(Map<String, Object>... objects) {
        return DatabaseChecks.restore(KHOJ, world(new ArrayList<>(List.of(objects))));
    }

    @Test
    @SuppressWarnings("unchecked")
    void readyAloneIsNotProven() {
        var r = row(readyCluster());
        assertEquals(Verification.State.NEVER, r.state());
        assertTrue(r.detail().contains("ready but not proven yet") && r.detail().contains(JOB), r.detail());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theChecksPassProvesIt() {
        var pass = "db-restore-check PASS db=khoj-database reason=ok system_id=7400000000000000001 backup=- rows=12 recovery_s=40";
        var r = row(readyCluster(), job("Complete"), pod(pass));
        assertEquals(Verification.State.PROVEN, r.state());
        assertTrue(r.detail().startsWith(pass), r.detail());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFailedCheckIsFailingWithItsVerdict() {
        var fail = "db-restore-check FAIL db=khoj-database reason=system-identifier system_id=7400000000000000999 backup=- rows=- recovery_s=40 expected=7400000000000000001";
        var r = row(readyCluster(), job("Failed"), pod(fail));
        assertEquals(Verification.State.FAILING, r.state());
        assertTrue(r.detail().contains(fail), r.detail());
        // A drill's verdict line is not the check's.
        var other = row(readyCluster(), job("Complete"), pod("db-drill PASS db=khoj-database reason=ok"));
        assertEquals(Verification.State.NEVER, other.state(), other.detail());
    }
}
