package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A database restore request against the archive it reads (issue 22 part 2). The archive is a fixture shaped as the
 * reader reports it; each case states the policy relative to that archive, not a prod value.
 */
class RestoreValidationTest {
    static final String KHOJ = "khoj-database";
    static final String SYSTEM = "7400000000000000001";
    static final String EMPTY_SYSTEM = "7400000000000000999";

    static ArchiveView.BaseBackup backup(String id, String system, String end, boolean done) {
        var e = Instant.parse(end);
        return new ArchiveView.BaseBackup(id, system, Optional.of(e.minusSeconds(600)), Optional.of(e), done);
    }

    /** Two good backups and WAL up to 2026-11-28 06:00. */
    static final ArchiveView GOOD = new ArchiveView("s3://postgres-backups/cnpg/khoj-database/khoj-database", List.of(
            backup("20261125T030000", SYSTEM, "2026-11-25T03:10:00Z", true),
            backup("20261126T030000", SYSTEM, "2026-11-26T03:10:00Z", true),
            backup("20261127T030000", SYSTEM, "2026-11-27T03:10:00Z", false)),
            Optional.of(new ArchiveView.WalTip("00000001000000000000002A", Instant.parse("2026-11-28T06:00:00Z"))));

    static DatabasePlan plan(String request) {
        var config = TestStacks.with(TestStacks.prodConfig(), "restore", "{\"" + KHOJ + "\": " + request + "}");
        return Planner.plan(TestStacks.load(config)).databases().stream().filter(d -> d.id().equals(KHOJ)).findFirst().orElseThrow();
    }

    static ArchiveLookup archive(ArchiveRead read, List<String> servers) {
        return new ArchiveLookup() {
            public ArchiveRead barman(Repository repository, String serverName) {
                return read;
            }

            public List<String> barmanServers(Repository repository) {
                return servers;
            }

            public ArchiveRead pgbackrest(Repository repository, String stanza) {
                throw new AssertionError("khoj is CNPG");
            }
        };
    }

    static RestoreValidation.Verdict check(String request, ArchiveView view, Optional<String> running) {
        var d = plan(request);
        return RestoreValidation.check(d, d.restore().orElseThrow(), running, archive(new ArchiveRead.Read(view), List.of()));
    }

    static String errors(RestoreValidation.Verdict v) {
        return v.errors().toString();
    }

    @Test
    void latestOfOneSystemPassesAndExpectsTheNewestCompletedBackupsSystem() {
        var v = check("\"latest\"", GOOD, Optional.of(SYSTEM));
        assertEquals(List.of(), v.errors());
        assertEquals(List.of(), v.warnings());
        assertEquals(Optional.of(SYSTEM), v.expectedSystemId());
    }

    @Test
    void aLineageWithoutACompletedBackupIsRefusedNamingTheLineagesThatHaveOne() {
        var d = plan("\"latest\"");
        var view = new ArchiveView("s3://x/khoj-database", List.of(backup("20261127T030000", SYSTEM, "2026-11-27T03:10:00Z", false)),
                Optional.empty());
        var v = RestoreValidation.check(d, d.restore().orElseThrow(), Optional.empty(),
                archive(new ArchiveRead.Read(view), List.of("khoj-database-v1", "khoj-v2")));
        assertEquals(1, v.errors().size(), errors(v));
        assertTrue(errors(v).contains("no completed base backup") && errors(v).contains("khoj-database-v1, khoj-v2"), errors(v));
        assertEquals(Optional.empty(), v.expectedSystemId());
    }

    @Test
    void aPinToAMissingOrUnfinishedBackupIsRefusedListingTheCompletedOnes() {
        var missing = check("{\"backup\": \"20261124T030000\"}", GOOD, Optional.of(SYSTEM));
        assertTrue(errors(missing).contains("20261124T030000 is not in the lineage"), errors(missing));
        assertTrue(errors(missing).contains("20261125T030000") && errors(missing).contains("20261126T030000"), errors(missing));
        var unfinished = check("{\"backup\": \"20261127T030000\"}", GOOD, Optional.of(SYSTEM));
        assertTrue(errors(unfinished).contains("is there but did not complete"), errors(unfinished));
        var pinned = check("{\"backup\": \"20261125T030000\"}", GOOD, Optional.of(SYSTEM));
        assertEquals(List.of(), pinned.errors());
        assertEquals(Optional.of(SYSTEM), pinned.expectedSystemId());
    }

    @Test
    void timesBeforeTheOldestOrThePinnedBackupsEndAreRefused() {
        var oldest = GOOD.completed().get(0);
        var before = oldest.end().orElseThrow().minusSeconds(60);
        var v = check("\"" + before + "\"", GOOD, Optional.of(SYSTEM));
        assertTrue(errors(v).contains("before the end of the oldest completed backup, " + oldest.id()), errors(v));
        var pin = GOOD.completed().get(1);
        var beforePin = pin.end().orElseThrow().minusSeconds(60);
        var p = check("{\"point\": \"" + beforePin + "\", \"backup\": \"" + pin.id() + "\"}", GOOD, Optional.of(SYSTEM));
        assertTrue(errors(p).contains("before the end of the pinned backup " + pin.id()), errors(p));
        var after = check("\"" + pin.end().orElseThrow().plusSeconds(60) + "\"", GOOD, Optional.of(SYSTEM));
        assertEquals(List.of(), after.errors());
    }

    @Test
    void aTimeAfterTheNewestArchivedWalIsReportedNotRefused() {
        var tip = GOOD.newestWal().orElseThrow();
        var v = check("\"" + tip.uploaded().plusSeconds(3600) + "\"", GOOD, Optional.of(SYSTEM));
        assertEquals(List.of(), v.errors());
        assertEquals(1, v.warnings().size(), v.warnings()::toString);
        assertTrue(v.warnings().get(0).contains(tip.segment()) && v.warnings().get(0).contains(tip.uploaded().toString()),
                v.warnings()::toString);
        assertEquals(List.of(), check("\"" + tip.uploaded().minusSeconds(60) + "\"", GOOD, Optional.of(SYSTEM)).warnings());
    }

    /** Incident 18: a rebuilt, empty cluster wrote the newest "successful" backup into the good lineage. */
    @Test
    void latestFromAMixedLineageIsRefusedNamingTheBackupsToPin() {
        var mixed = new java.util.ArrayList<>(GOOD.backups());
        mixed.add(backup("20261128T030000", EMPTY_SYSTEM, "2026-11-28T03:10:00Z", true));
        var lineage = new ArchiveView(GOOD.location(), mixed, GOOD.newestWal());
        var v = check("\"latest\"", lineage, Optional.of(SYSTEM));
        assertTrue(errors(v).contains("2 PostgreSQL systems") && errors(v).contains(EMPTY_SYSTEM) && errors(v).contains(SYSTEM)
                && errors(v).contains("20261126T030000"), errors(v));
        // One system in the lineage, but not the running cluster's: the rebuild case (the running cluster was
        // re-created empty). The restore is the way out (README: Disaster recovery of databases), so it is reported,
        // naming both systems, and the recovered cluster must be the lineage's system.
        var other = check("\"latest\"", GOOD, Optional.of(EMPTY_SYSTEM));
        assertEquals(List.of(), other.errors());
        assertTrue(other.warnings().stream().anyMatch(w -> w.contains("is system " + EMPTY_SYSTEM) && w.contains("of system " + SYSTEM)),
                other.warnings()::toString);
        assertEquals(Optional.of(SYSTEM), other.expectedSystemId());
        // Pinned to the good system's backup, the mixed lineage is fine.
        var pinned = check("{\"backup\": \"20261126T030000\"}", lineage, Optional.of(EMPTY_SYSTEM));
        assertEquals(List.of(), pinned.errors());
        assertEquals(Optional.of(SYSTEM), pinned.expectedSystemId());
    }

    @Test
    void unreadableRefusesAndNotCheckedWarns() {
        var d = plan("\"latest\"");
        var unreadable = RestoreValidation.check(d, d.restore().orElseThrow(), Optional.empty(),
                archive(new ArchiveRead.Unreadable("s3://postgres-backups/cnpg/khoj-database/khoj-database", "403 AccessDenied"), List.of()));
        assertTrue(errors(unreadable).contains("could not be read (403 AccessDenied)"), errors(unreadable));
        var offline = RestoreValidation.check(d, d.restore().orElseThrow(), Optional.empty(),
                ArchiveLookup.offline("offline render"));
        assertEquals(List.of(), offline.errors());
        assertTrue(offline.warnings().get(0).contains("NOT VALIDATED") && offline.warnings().get(0).contains("restore check Job"),
                offline.warnings()::toString);
    }

    @Test
    void theRequestsServerNameIsTheLineageRead() {
        var d = plan("{\"serverName\": \"khoj-database-v1\"}");
        var asked = new java.util.ArrayList<String>();
        var lookup = new ArchiveLookup() {
            public ArchiveRead barman(Repository repository, String serverName) {
                asked.add(serverName);
                return new ArchiveRead.Read(GOOD);
            }

            public List<String> barmanServers(Repository repository) {
                return List.of();
            }

            public ArchiveRead pgbackrest(Repository repository, String stanza) {
                throw new AssertionError();
            }
        };
        RestoreValidation.of(List.of(d), Map.of(), lookup);
        assertEquals(List.of("khoj-database-v1"), asked);
    }
}
