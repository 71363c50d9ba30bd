package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.Verification.State;
import homelab.backups.support.ProofWorld;
import homelab.backups.support.TestStacks;
import homelab.backups.verify.VerificationReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12: what ./verify says about each thing it reads, and when Longhorn's backups may go. */
class VerificationTest {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final StackPlan PLAN = TestStacks.prodPlan();

    static Verification verify(ProofWorld world) {
        return Verification.of(PLAN, world.cluster(), NOW);
    }

    static Verification.Check row(Verification v, String check, String item) {
        return v.checks().stream().filter(c -> c.check().equals(check) && c.item().equals(item)).findFirst().orElseThrow();
    }

    @Test
    void everythingProvenMayRetireLonghorn() {
        var v = verify(ProofWorld.allProven(PLAN, NOW));
        assertTrue(v.proven(), () -> v.unproven().toString());
        // The controller, egress to the store (s3.endpoint, pgBackRest's TLS endpoint), 17 backups, 17 drills,
        // 3 databases x (backup, WAL, restore drill: issue 22), the coverage ledger, the alert rules, Longhorn's
        // recurring jobs.
        assertEquals(1 + 2 + 17 + 17 + 9 + 1 + 1 + 1, v.checks().size());
        assertTrue(v.verdict().startsWith("Longhorn backups may be retired"));
    }

    @Test
    void aSourceThatNeverSyncedFailedOrIsLateIsNotProven() {
        assertEquals(State.NEVER, row(verify(ProofWorld.allProven(PLAN, NOW).withoutSourceStatus("nginx")), "backup", "nginx").state());
        var nginx = PLAN.volumes().stream().filter(p -> p.app().equals("nginx")).findFirst().orElseThrow();
        var failed = ProofWorld.allProven(PLAN, NOW).with(source(nginx, NOW.minus(Duration.ofHours(5)), "Failed"));
        assertEquals(State.FAILING, row(verify(failed), "backup", "nginx").state());
        var late = ProofWorld.allProven(PLAN, NOW).with(source(nginx, NOW.minus(Duration.ofHours(27)), "Successful"));
        assertEquals(State.STALE, row(verify(late), "backup", "nginx").state(), "daily + 2h slack: 27h is late");
        var inTime = ProofWorld.allProven(PLAN, NOW).with(source(nginx, NOW.minus(Duration.ofHours(25)), "Successful"));
        assertEquals(State.PROVEN, row(verify(inTime), "backup", "nginx").state());
    }

    @Test
    void aDrillFailureCountsUntilTheNextSuccess() {
        var failing = verify(ProofWorld.allProven(PLAN, NOW).failingDrill("immich"));
        var row = row(failing, "drill", "immich");
        assertEquals(State.FAILING, row.state());
        assertTrue(row.detail().contains("repository check failed"), "the drill's own reason: " + row.detail());
        assertFalse(failing.proven());
        assertTrue(failing.verdict().contains("drill immich FAILING"), failing.verdict());
        var d = PLAN.drills().stream().filter(p -> p.app().equals("immich")).findFirst().orElseThrow();
        var passedSince = ProofWorld.allProven(PLAN, NOW).failingDrill("immich").with(Map.of("apiVersion", "batch/v1",
                "kind", "CronJob", "metadata", Map.of("name", d.cronJobName(), "namespace", d.namespace()),
                "status", Map.of("lastSuccessfulTime", NOW.minus(Duration.ofHours(1)).toString())));
        assertEquals(State.PROVEN, row(verify(passedSince), "drill", "immich").state(), "a failure before the last success is history");
        var stale = ProofWorld.allProven(PLAN, NOW).with(Map.of("apiVersion", "batch/v1", "kind", "CronJob",
                "metadata", Map.of("name", d.cronJobName(), "namespace", d.namespace()),
                "status", Map.of("lastSuccessfulTime", NOW.minus(Duration.ofDays(8)).toString())));
        assertEquals(State.STALE, row(verify(stale), "drill", "immich").state(), "weekly + 2h: 8 days is stale");
        var never = ProofWorld.allProven(PLAN, NOW).with(Map.of("apiVersion", "batch/v1", "kind", "CronJob",
                "metadata", Map.of("name", d.cronJobName(), "namespace", d.namespace())));
        assertEquals(State.NEVER, row(verify(never), "drill", "immich").state());
    }

    @Test
    void theNewestPodOfADrillJobGivesItsVerdict() {
        // A drill that met a prune's lock exits 75 and Kubernetes starts another pod in the same Job (podFailurePolicy
        // Ignore): the later pod's verdict decided, whichever pod the API lists first.
        var d = PLAN.drills().stream().filter(p -> p.app().equals("immich")).findFirst().orElseThrow();
        var started = NOW.minus(Duration.ofHours(5));
        var jobName = d.cronJobName() + "-" + started.getEpochSecond() / 60;
        var world = ProofWorld.allProven(PLAN, NOW).with(Map.of("apiVersion", "batch/v1", "kind", "Job",
                "metadata", Map.of("name", jobName, "namespace", d.namespace(), "labels", Map.of("homelab-backups/drill", d.app())),
                "status", Map.of("startTime", started.toString(), "conditions", List.of(Map.of("type", "Failed", "status", "True",
                        "reason", "BackoffLimitExceeded", "message", "Job has reached the specified backoff limit")))));
        for (var pod : List.of(List.of("aaaaa", "10", "drill FAIL app=immich reason=locked step=check retry_lock=10m"),
                List.of("zzzzz", "40", "drill FAIL app=immich reason=check-failed snapshot=3f2a1b9c subset=3/12 exit=1"))) {
            world = world.with(Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", jobName + "-" + pod.get(0),
                    "namespace", d.namespace(), "labels", Map.of("batch.kubernetes.io/job-name", jobName)),
                    "status", Map.of("phase", "Failed", "containerStatuses", List.of(Map.of("name", "drill", "state",
                            Map.of("terminated", Map.of("exitCode", 1, "message", pod.get(2) + "\n",
                                    "finishedAt", started.plus(Duration.ofMinutes(Long.parseLong(pod.get(1)))).toString())))))));
        }
        var row = row(verify(world), "drill", "immich");
        assertEquals(State.FAILING, row.state());
        assertTrue(row.detail().contains("reason=check-failed"), row.detail());
    }

    @Test
    void theControllerMustHoldItsLease() {
        var lease = Map.<String, Object>of("apiVersion", "coordination.k8s.io/v1", "kind", "Lease",
                "metadata", Map.of("name", Verification.VOLSYNC_LEASE, "namespace", "volsync-system"),
                "spec", Map.of("holderIdentity", "volsync-1", "renewTime", NOW.minus(Duration.ofMinutes(10)).toString()));
        assertEquals(State.FAILING, row(verify(ProofWorld.allProven(PLAN, NOW).with(lease)), "volsync", "controller").state());
    }

    @Test
    void databaseBackupsAndTheirWalArchive() {
        var khoj = PLAN.databases().stream().filter(d -> d.id().equals("khoj-database")).findFirst().orElseThrow();
        var failedAfter = ProofWorld.allProven(PLAN, NOW).with(Map.of("apiVersion", "barmancloud.cnpg.io/v1", "kind", "ObjectStore",
                "metadata", Map.of("name", khoj.objectStoreName(), "namespace", "cloudnative-pg"),
                "status", Map.of("serverRecoveryWindow", Map.of("khoj-database", Map.of(
                        "lastSuccessfulBackupTime", NOW.minus(Duration.ofHours(30)).toString(),
                        "lastFailedBackupTime", NOW.minus(Duration.ofHours(6)).toString())))));
        assertEquals(State.FAILING, row(verify(failedAfter), "database backup", "khoj-database").state());
        var noArchiver = ProofWorld.allProven(PLAN, NOW).with(Map.of("apiVersion", "postgresql.cnpg.io/v1", "kind", "Cluster",
                "metadata", Map.of("name", "khoj-database", "namespace", "cloudnative-pg"),
                "status", Map.of("conditions", List.of(Map.of("type", "ContinuousArchiving", "status", "True")))));
        assertEquals(State.NEVER, row(verify(noArchiver), "wal archive", "khoj-database").state(),
                "ContinuousArchiving reads True when nothing archives: the plugin must be the WAL archiver");
        var failing = ProofWorld.allProven(PLAN, NOW).with(Map.of("apiVersion", "postgresql.cnpg.io/v1", "kind", "Cluster",
                "metadata", Map.of("name", "khoj-database", "namespace", "cloudnative-pg"),
                "spec", Map.of("plugins", List.of(Map.of("name", "barman-cloud.cloudnative-pg.io", "isWALArchiver", true))),
                "status", Map.of("conditions", List.of(Map.of("type", "ContinuousArchiving", "status", "False",
                        "message", "unexpected failure invoking barman-cloud-wal-archive: exit status 4")))));
        var wal = row(verify(failing), "wal archive", "khoj-database");
        assertEquals(State.FAILING, wal.state());
        assertTrue(wal.detail().contains("exit status 4"));
        var immich = ProofWorld.allProven(PLAN, NOW).with(Map.of("apiVersion", "postgres-operator.crunchydata.com/v1beta1",
                "kind", "PostgresCluster", "metadata", Map.of("name", "immich", "namespace", "immich"),
                "status", Map.of("pgbackrest", Map.of("repos", List.of(Map.of("name", "repo1", "stanzaCreated", true))))));
        assertEquals(State.NEVER, row(verify(immich), "database backup", "immich-postgres").state());
        assertEquals(State.NEVER, row(verify(immich), "wal archive", "immich-postgres").state());
    }

    @Test
    void longhornMustStopSchedulingBackupsFirst() {
        var v = verify(ProofWorld.allProven(PLAN, NOW).withLonghornBackupJob("critical-daily-backup"));
        var row = row(v, "longhorn", "recurring backups");
        assertEquals(State.FAILING, row.state());
        assertTrue(row.detail().contains("critical-daily-backup"));
    }

    @Test
    void theTableEndsWithTheVerdictAndJsonCarriesEveryRow() {
        var v = verify(ProofWorld.allProven(PLAN, NOW).withoutSourceStatus("nginx"));
        var table = VerificationReport.table(v);
        assertTrue(table.get(0).startsWith("CHECK"));
        assertTrue(table.stream().anyMatch(l -> l.matches("backup +nginx +nginx-example +NEVER +- +- +no backup has completed yet.*")), String.join("\n", table));
        assertEquals(v.verdict(), table.get(table.size() - 1));
        var json = new com.google.gson.Gson().fromJson(VerificationReport.json(v), Map.class);
        assertEquals(false, json.get("proven"));
        assertEquals(v.checks().size(), ((List<?>) json.get("checks")).size());
    }

    @Test
    void egressToTheStoreIsReadFromTheClustersPoliciesAndABlockedPortIsNotProven() {
        var open = verify(ProofWorld.allProven(PLAN, NOW));
        var s3 = row(open, "egress", "192.168.10.133:30292");
        assertEquals(State.OK, s3.state(), s3.detail());
        assertTrue(s3.detail().startsWith("s3.endpoint: every pod of "), s3.detail());
        assertEquals(State.OK, row(open, "egress", "192.168.10.133:30293").state(), "pgBackRest's own TLS endpoint (prod)");
        assertEquals("immich", row(open, "egress", "192.168.10.133:30293").namespace(), "only the PGO cluster's namespace uses it");

        // The homelab's cluster-wide policy at the commit the inventory cites: the store's host on 2049, 111, 445, 9000 only.
        var blocked = verify(ProofWorld.allProven(PLAN, NOW).with(EgressTest.homelabPolicy(EgressTest.PORTS_AT_00458BDB)));
        for (var port : List.of("30292", "30293")) {
            var r = row(blocked, "egress", "192.168.10.133:" + port);
            assertEquals(State.BLOCKED, r.state(), r.detail());
            assertTrue(r.detail().contains("default-deny-lan-egress"), "names the policy: " + r.detail());
        }
        assertTrue(row(blocked, "egress", "192.168.10.133:30292").detail().contains("nginx-example"), "names the namespaces");
        assertFalse(blocked.proven(), "tonight's backups cannot reach the store");
        assertTrue(blocked.verdict().contains("egress 192.168.10.133:30292 BLOCKED"), blocked.verdict());

        var fixed = verify(ProofWorld.allProven(PLAN, NOW).with(EgressTest.homelabPolicy(
                EgressTest.plus(EgressTest.PORTS_AT_00458BDB, "30292/TCP", "30293/TCP"))));
        assertTrue(fixed.proven(), () -> fixed.unproven().toString());
    }

    @Test
    void aClusterWhosePoliciesCannotBeListedIsUnknownNotOk() {
        var world = ProofWorld.allProven(PLAN, NOW).cluster();
        // A reader that may GET and LIST in namespaces but not list policies across them (the interface's default).
        Verification.Lookup partial = new Verification.Lookup() {
            @Override
            public java.util.Optional<Map<String, Object>> object(String apiVersion, String kind, String namespace, String name) {
                return world.object(apiVersion, kind, namespace, name);
            }

            @Override
            public List<Map<String, Object>> objects(String apiVersion, String kind, String namespace) {
                return world.objects(apiVersion, kind, namespace);
            }

            @Override
            public List<homelab.backups.plan.LiveClaim> allClaims() {
                return world.allClaims();
            }

            @Override
            public boolean served(String apiVersion, String kind) {
                return world.served(apiVersion, kind);
            }

            @Override
            public boolean namespaceExists(String name) {
                return world.namespaceExists(name);
            }
        };
        var v = Verification.of(PLAN, partial, NOW);
        var s3 = row(v, "egress", "192.168.10.133:30292");
        assertEquals(State.UNKNOWN, s3.state());
        assertTrue(s3.detail().contains("cannot list NetworkPolicy"), s3.detail());
        // The rows that prove backups reached the store decide the verdict; UNKNOWN is shown, never turned into OK.
        assertTrue(v.proven(), () -> v.unproven().toString());
        assertTrue(VerificationReport.table(v).stream().anyMatch(l -> l.matches("egress +192\\.168\\.10\\.133:30292 +\\d+ namespaces +UNKNOWN .*")),
                String.join("\n", VerificationReport.table(v)));
    }

    static Map<String, Object> source(VolumePlan v, Instant last, String result) {
        return Map.of("apiVersion", "volsync.backube/v1alpha1", "kind", "ReplicationSource",
                "metadata", Map.of("name", v.sourceName(), "namespace", v.namespace()),
                "status", Map.of("lastSyncTime", last.toString(), "latestMoverStatus", Map.of("result", result)));
    }
}
