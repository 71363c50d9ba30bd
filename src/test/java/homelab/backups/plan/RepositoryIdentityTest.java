package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.Policy;
import homelab.backups.plan.Verification.State;
import homelab.backups.support.ProofWorld;
import homelab.backups.support.TestStacks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 21 part 3: the repository a drill must find, recorded on its CronJob, and what ./verify says when it is not. */
class RepositoryIdentityTest {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final StackPlan PLAN = TestStacks.prodPlan();
    static final String OLD = "a".repeat(64);
    static final String NEW = "b".repeat(64);

    static DrillPlan drill(String app) {
        return PLAN.drills().stream().filter(d -> d.app().equals(app)).findFirst().orElseThrow();
    }

    static DrillPlan accepting(DrillPlan d, String id) {
        return new DrillPlan(d.app(), d.namespace(), d.cronJobName(), d.scriptConfigMap(), d.secretName(), d.mover(),
                d.schedule(), d.maxAge(), d.staleAfter(), d.identity(), d.image(), d.scratch(), d.scratchBudget(),
                d.everyDays(), d.readSubsets(), d.verifyPercent(), d.cpuLimit(), d.memoryLimit(), d.keep(),
                Optional.of(id), d.acceptedOldest(), d.expected());
    }

    /** The live CronJob with this drill env (and a last success an hour ago). */
    static Map<String, Object> cronJob(DrillPlan d, Map<String, String> env) {
        var vars = env.entrySet().stream().map(e -> Map.<String, Object>of("name", e.getKey(), "value", e.getValue())).toList();
        return Map.of("apiVersion", "batch/v1", "kind", "CronJob",
                "metadata", Map.of("name", d.cronJobName(), "namespace", d.namespace()),
                "spec", Map.of("jobTemplate", Map.of("spec", Map.of("template", Map.of("spec", Map.of("containers",
                        List.of(Map.of("name", "drill", "env", vars))))))),
                "status", Map.of("lastSuccessfulTime", NOW.minus(Duration.ofHours(3)).toString()));
    }

    /** One finished drill Job and its pod, whose termination message is the verdict. */
    static ProofWorld run(ProofWorld world, DrillPlan d, Instant started, boolean passed, String verdict) {
        var job = d.cronJobName() + "-" + started.getEpochSecond() / 60;
        var conditions = passed ? List.of(Map.of("type", "Complete", "status", "True"))
                : List.of(Map.of("type", "Failed", "status", "True", "reason", "BackoffLimitExceeded",
                "message", "Job has reached the specified backoff limit"));
        return world.with(Map.of("apiVersion", "batch/v1", "kind", "Job",
                        "metadata", Map.of("name", job, "namespace", d.namespace(), "labels", Map.of(DrillPlan.LABEL, d.app())),
                        "status", Map.of("startTime", started.toString(), "conditions", conditions)))
                .with(Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", job + "-x",
                                "namespace", d.namespace(), "labels", Map.of("batch.kubernetes.io/job-name", job)),
                        "status", Map.of("phase", passed ? "Succeeded" : "Failed", "containerStatuses", List.of(Map.of(
                                "name", "drill", "state", Map.of("terminated", Map.of("exitCode", passed ? 0 : 1,
                                        "message", verdict + "\n", "finishedAt", started.plusSeconds(60).toString())))))));
    }

    static String pass(String app, String id, String oldest) {
        return "drill PASS app=" + app + " snapshot=3f2a1b9c time=2026-12-01T02:00:00Z age=36000s files=3 bytes=10 "
                + "mode=whole subset=1/12 sqlite=none repository=" + id + " snapshots=14 oldest=" + oldest;
    }

    @Test
    void theKeepSpanFollowsThePolicysLongestRule() {
        // Relative to the policy each volume of the plan names: (n - 1) of the longest class's shortest bucket.
        for (var v : PLAN.volumes()) {
            var r = v.policy().retain();
            var keep = drill(v.app()).keep();
            assertTrue(keep.span().compareTo(Duration.ofDays(Math.max(0, r.daily() - 1))) >= 0, v.app() + ": " + keep);
            assertTrue(keep.span().compareTo(r.reach()) <= 0, v.app() + ": the certain span never exceeds the reach " + keep);
        }
        var daily14 = RepositoryIdentity.Keep.of(new Policy.Retention(0, 14, 0, 0, 0, Optional.empty()));
        assertEquals(new RepositoryIdentity.Keep(Duration.ofDays(13), Duration.ofDays(1)), daily14);
        var mixed = RepositoryIdentity.Keep.of(new Policy.Retention(24, 7, 4, 6, 0, Optional.empty()));
        assertEquals(new RepositoryIdentity.Keep(Duration.ofDays(5 * 28), Duration.ofDays(31)), mixed, "6 monthly reach furthest");
        var within = RepositoryIdentity.Keep.of(new Policy.Retention(0, 3, 0, 0, 0, Optional.of("1m2d")));
        assertEquals(new RepositoryIdentity.Keep(Duration.ofDays(30), Duration.ZERO), within);
        assertEquals(Duration.ZERO, RepositoryIdentity.Keep.of(new Policy.Retention(0, 1, 1, 0, 0, Optional.empty())).span(),
                "one snapshot per class: nothing is certainly kept past the next backup");
    }

    @Test
    void nothingLiveExpectsNothing() {
        var d = drill("immich");
        assertEquals(RepositoryIdentity.Expected.none(), RepositoryIdentity.expected(d, ProofWorld.allProven(PLAN, NOW).cluster()));
        // A CronJob with no env and no passing verdict that names a repository (an older script): nothing either.
        var world = run(ProofWorld.allProven(PLAN, NOW).with(cronJob(d, Map.of())), d, NOW.minus(Duration.ofHours(4)), true,
                "drill PASS app=immich snapshot=3f2a1b9c time=2026-12-01T02:00:00Z age=1s files=3 bytes=10 mode=whole subset=1/12 sqlite=none");
        assertEquals(RepositoryIdentity.Expected.none(), RepositoryIdentity.expected(d, world.cluster()));
    }

    @Test
    void theFirstPassingDrillIsRecordedThenKept() {
        var d = drill("immich");
        var first = run(ProofWorld.allProven(PLAN, NOW).with(cronJob(d, Map.of())), d, NOW.minus(Duration.ofHours(4)), true,
                pass("immich", OLD, "2026-11-18T02:00:00Z"));
        var expected = RepositoryIdentity.expected(d, first.cluster());
        assertEquals(new RepositoryIdentity.Expected(Optional.of(OLD), Optional.of("2026-11-18T02:00:00Z"), "drill"), expected);
        // The CronJob carries it now; a later pass of the same repository moves the oldest snapshot forward.
        var later = run(ProofWorld.allProven(PLAN, NOW).with(cronJob(d, Map.of(RepositoryIdentity.ID_ENV, OLD,
                RepositoryIdentity.OLDEST_ENV, "2026-11-18T02:00:00Z"))), d, NOW.minus(Duration.ofHours(4)), true,
                pass("immich", OLD, "2026-11-19T02:00:00Z"));
        assertEquals(new RepositoryIdentity.Expected(Optional.of(OLD), Optional.of("2026-11-19T02:00:00Z"), "cronjob"),
                RepositoryIdentity.expected(d, later.cluster()));
    }

    @Test
    void aReplacedRepositoryNeverBecomesTheRecordedOne() {
        // The CronJob recorded OLD; the newest drill failed on NEW. Neither a failed drill nor an older pass of another
        // id changes the record: only the acknowledgement does.
        var d = drill("immich");
        var world = run(ProofWorld.allProven(PLAN, NOW).with(cronJob(d, Map.of(RepositoryIdentity.ID_ENV, OLD,
                RepositoryIdentity.OLDEST_ENV, "2026-11-18T02:00:00Z"))), d, NOW.minus(Duration.ofHours(30)), true,
                pass("immich", OLD, "2026-11-18T02:00:00Z"));
        world = run(world, d, NOW.minus(Duration.ofHours(2)), false, "drill FAIL app=immich reason=repository-replaced expected="
                + OLD + " found=" + NEW + " snapshots=1 oldest=2026-12-01T01:00:00Z");
        assertEquals(Optional.of(OLD), RepositoryIdentity.expected(d, world.cluster()).id());

        var acked = accepting(d, NEW);
        var expected = RepositoryIdentity.expected(acked, world.cluster());
        assertEquals(new RepositoryIdentity.Expected(Optional.of(NEW), Optional.empty(), "acknowledged"), expected,
                "the old repository's oldest snapshot is not the new one's history");
        assertTrue(RepositoryIdentity.acknowledgement(acked, world.cluster()).orElseThrow().contains("instead of the recorded " + OLD));
        assertTrue(RepositoryIdentity.acknowledgement(d, world.cluster()).isEmpty());
    }

    @Test
    void lostHistoryIsAcknowledgedByItsNewOldestSnapshot() {
        // The recorded oldest (2026-11-18) is gone; the owner acknowledges the oldest now there (2026-11-25). Until a
        // newer drill passes, the drill expects that; afterwards, what that drill saw (never an older time again).
        var d = drill("immich");
        var acked = new DrillPlan(d.app(), d.namespace(), d.cronJobName(), d.scriptConfigMap(), d.secretName(), d.mover(),
                d.schedule(), d.maxAge(), d.staleAfter(), d.identity(), d.image(), d.scratch(), d.scratchBudget(),
                d.everyDays(), d.readSubsets(), d.verifyPercent(), d.cpuLimit(), d.memoryLimit(), d.keep(),
                Optional.empty(), Optional.of("2026-11-25T02:00:00Z"), d.expected());
        var before = run(ProofWorld.allProven(PLAN, NOW).with(cronJob(d, Map.of(RepositoryIdentity.ID_ENV, OLD,
                RepositoryIdentity.OLDEST_ENV, "2026-11-18T02:00:00Z"))), d, NOW.minus(Duration.ofDays(8)), true,
                pass("immich", OLD, "2026-11-18T02:00:00Z"));
        assertEquals(Optional.of("2026-11-18T02:00:00Z"), RepositoryIdentity.expected(d, before.cluster()).oldest());
        assertEquals(Optional.of("2026-11-25T02:00:00Z"), RepositoryIdentity.expected(acked, before.cluster()).oldest());
        assertEquals(Optional.of(OLD), RepositoryIdentity.expected(acked, before.cluster()).id(), "the id is untouched");
        var after = run(before, d, NOW.minus(Duration.ofHours(2)), true, pass("immich", OLD, "2026-11-26T02:00:00Z"));
        assertEquals(Optional.of("2026-11-26T02:00:00Z"), RepositoryIdentity.expected(acked, after.cluster()).oldest());
        assertTrue(RepositoryIdentity.acknowledgement(acked, after.cluster()).orElseThrow().startsWith("HISTORY ACKNOWLEDGED"));
    }

    @Test
    void verifyShowsAReplacedRepositoryAndLostHistoryApartFromAFailure() {
        var d = drill("immich");
        var replaced = run(ProofWorld.allProven(PLAN, NOW), d, NOW.minus(Duration.ofHours(2)), false,
                "drill FAIL app=immich reason=repository-replaced expected=" + OLD + " found=" + NEW
                        + " snapshots=1 oldest=2026-12-01T01:00:00Z");
        var v = Verification.of(PLAN, replaced.cluster(), NOW);
        var row = v.checks().stream().filter(c -> c.check().equals("drill") && c.item().equals("immich")).findFirst().orElseThrow();
        assertEquals(State.REPLACED, row.state());
        assertTrue(row.detail().contains(OLD) && row.detail().contains(NEW), row.detail());
        assertTrue(row.detail().contains("drills.acceptRepository.immich: " + NEW), row.detail());
        assertFalse(v.proven(), "a replaced repository blocks the Longhorn retirement");
        assertTrue(v.verdict().contains("drill immich REPLACED"), v.verdict());

        assertFalse(v.provenOrAcknowledged(PLAN), "unacknowledged, the retirement gate refuses too");
        var ackPlan = new StackPlan(PLAN.inputs(), PLAN.volumes(), PLAN.excluded(), PLAN.databases(), PLAN.drills().stream()
                .map(p -> p.app().equals("immich") ? accepting(p, NEW) : p).toList());
        assertTrue(v.provenOrAcknowledged(ackPlan), "the up that carries the acknowledgement is not refused for it");
        assertFalse(Verification.of(ackPlan, replaced.cluster(), NOW).proven(), "./verify shows it until a drill passes");
        var wrongAck = new StackPlan(PLAN.inputs(), PLAN.volumes(), PLAN.excluded(), PLAN.databases(), PLAN.drills().stream()
                .map(p -> p.app().equals("immich") ? accepting(p, "c".repeat(64)) : p).toList());
        assertFalse(v.provenOrAcknowledged(wrongAck), "another id acknowledges nothing");
        var lost = run(ProofWorld.allProven(PLAN, NOW), d, NOW.minus(Duration.ofHours(2)), false,
                "drill FAIL app=immich reason=history-lost repository=" + OLD
                        + " recorded_oldest=2026-11-18T02:00:00Z oldest=2026-11-29T02:00:00Z snapshots=3 keep=1123200s");
        var lostRow = Verification.of(PLAN, lost.cluster(), NOW).checks().stream()
                .filter(c -> c.check().equals("drill") && c.item().equals("immich")).findFirst().orElseThrow();
        assertEquals(State.HISTORY_LOST, lostRow.state());
        assertTrue(lostRow.detail().contains("2026-11-18T02:00:00Z"), lostRow.detail());

        var other = run(ProofWorld.allProven(PLAN, NOW), d, NOW.minus(Duration.ofHours(2)), false,
                "drill FAIL app=immich reason=stale snapshot=3f2a1b9c");
        assertEquals(State.FAILING, Verification.of(PLAN, other.cluster(), NOW).checks().stream()
                .filter(c -> c.check().equals("drill") && c.item().equals("immich")).findFirst().orElseThrow().state());
    }

    @Test
    void onlyRepositoryIdsAndUtcTimesAreCarried() {
        assertThrows(IllegalArgumentException.class, () -> new RepositoryIdentity.Expected(Optional.of("abc"), Optional.empty(), "x"));
        assertThrows(IllegalArgumentException.class, () -> new RepositoryIdentity.Expected(Optional.of(OLD), Optional.of("yesterday"), "x"));
        assertThrows(IllegalArgumentException.class, () -> new RepositoryIdentity.Expected(Optional.empty(), Optional.of("2026-11-18T02:00:00Z"), "x"));
        assertEquals(Optional.of(new RepositoryIdentity.Seen(OLD, Optional.of("2026-11-18T02:00:00Z"))),
                RepositoryIdentity.Seen.of(pass("immich", OLD, "2026-11-18T02:00:00Z")));
        assertEquals(Optional.of(new RepositoryIdentity.Seen(OLD, Optional.empty())),
                RepositoryIdentity.Seen.of(pass("immich", OLD, "none")), "a repository with no snapshot of VolSync's host");
    }
}
