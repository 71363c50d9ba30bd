package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import homelab.backups.support.TestStacks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 22 part 3: every decision of {@link Lineage}, on fakes of the store and the live Cluster. */
class LineageTest {
    static final String LIVE = "7450000000000000001";
    static final String OLD = "7310000000000000042";

    /** A fake store: lineages by server name; anything not listed reads empty. */
    static final class FakeStore implements ArchiveLookup {
        final Map<String, ArchiveRead> lineages = new HashMap<>();
        final List<String> reads = new ArrayList<>();

        public ArchiveRead barman(Repository repository, String serverName) {
            reads.add(serverName);
            return lineages.getOrDefault(serverName,
                    new ArchiveRead.Read(new ArchiveView(location(repository, serverName), List.of(), Optional.empty())));
        }

        public List<String> barmanServers(Repository repository) {
            return List.of();
        }

        public ArchiveRead pgbackrest(Repository repository, String stanza) {
            reads.add("pgbackrest:" + stanza);
            return lineages.getOrDefault("pgbackrest:" + stanza,
                    new ArchiveRead.Read(new ArchiveView(repository.url() + " (stanza " + stanza + ")", List.of(), Optional.empty())));
        }
    }

    static String location(Repository repository, String serverName) {
        return repository.url() + "/" + serverName;
    }

    static DatabasePlan india(boolean restore) {
        var config = restore ? TestStacks.with(TestStacks.testConfig(), "restore", "{\"india-db\": \"latest\"}")
                : TestStacks.testConfig();
        return Planner.plan(TestStacks.load(config)).databases().stream().filter(d -> d.id().equals("india-db"))
                .findFirst().orElseThrow();
    }

    static ArchiveRead.Read archive(DatabasePlan d, String... systemIds) {
        var backups = new ArrayList<ArchiveView.BaseBackup>();
        for (int i = 0; i < systemIds.length; i++) {
            var end = Instant.parse("2026-11-2" + i + "T03:10:00Z");
            backups.add(new ArchiveView.BaseBackup("2026112" + i + "T030000", systemIds[i], Optional.of(end.minusSeconds(600)),
                    Optional.of(end), true));
        }
        return new ArchiveRead.Read(new ArchiveView(location(d.repository(), "india-db"), backups,
                Optional.of(new ArchiveView.WalTip("000000010000000000000007", Instant.parse("2026-11-30T00:00:00Z")))));
    }

    static LiveRead cluster(String systemId) {
        var object = new LinkedHashMap<String, Object>();
        object.put("metadata", Map.of("name", "india-db", "namespace", "databases", "creationTimestamp", "2026-12-01T11:00:00Z"));
        object.put("spec", Map.of("instances", 1));
        if (systemId != null) object.put("status", Map.of("systemID", systemId));
        return new LiveRead.Found(object);
    }

    @Test
    void anEmptyArchiveIsAFreshLineage() {
        var d = india(false);
        var empty = new ArchiveRead.Read(new ArchiveView(location(d.repository(), "india-db"), List.of(), Optional.empty()));
        assertInstanceOf(Lineage.Wire.class, Lineage.decide(d, cluster(LIVE), empty, new FakeStore()));
        // Nothing to overwrite: even a cluster that reports no identifier yet may start it.
        assertInstanceOf(Lineage.Wire.class, Lineage.decide(d, cluster(null), empty, new FakeStore()));
    }

    @Test
    void backupsOfTheLiveSystemAreItsOwnLineage() {
        var d = india(false);
        assertInstanceOf(Lineage.Wire.class, Lineage.decide(d, cluster(LIVE), archive(d, LIVE, LIVE), new FakeStore()));
    }

    @Test
    void aNewestBackupOfAnotherSystemIsRefusedNamingClusterArchiveAndBothWaysOut() {
        var d = india(false);
        var store = new FakeStore();
        var decision = Lineage.decide(d, cluster(LIVE), archive(d, OLD, OLD), store);
        var why = assertInstanceOf(Lineage.Refuse.class, decision).why();
        assertTrue(why.startsWith("LINEAGE: "), why);
        assertTrue(why.contains("databases/india-db (system identifier " + LIVE + ", created 2026-12-01T11:00:00Z)"), why);
        assertTrue(why.contains(location(d.repository(), "india-db")), why);
        assertTrue(why.contains("system identifier " + OLD), why);
        assertTrue(why.contains("newest base backup 20261121T030000 of system " + OLD + ", ended 2026-11-21T03:10:00Z"), why);
        assertTrue(why.contains("restore.india-db' latest"), why);
        assertTrue(why.contains("set serverName: india-db-v2"), why);
        assertTrue(why.contains(location(d.repository(), "india-db-v2") + " is empty"), why);
        assertEquals(List.of("india-db-v2"), store.reads, "the suggestion is checked with the same read");
    }

    @Test
    void anOlderBackupOfAnotherSystemIsRefusedToo() {
        var d = india(false);
        // The newest is the live cluster's, but the lineage already mixes two systems: a restore could pick either.
        var why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, cluster(LIVE), archive(d, OLD, LIVE), new FakeStore())).why();
        assertTrue(why.contains("system identifiers " + OLD + ", " + LIVE) || why.contains("system identifiers " + LIVE + ", " + OLD), why);
    }

    @Test
    void theSuggestionSkipsNamesThatHoldArchivesAndTheConfiguredOne() {
        var d = india(false);
        var store = new FakeStore();
        store.lineages.put("india-db-v2", archive(d, OLD));
        var why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, cluster(LIVE), archive(d, OLD), store)).why();
        assertTrue(why.contains("set serverName: india-db-v3"), why);
        var unreadable = new FakeStore();
        unreadable.lineages.put("india-db-v2", new ArchiveRead.Unreadable("s3://x/india-db-v2", "timeout"));
        why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, cluster(LIVE), archive(d, OLD), unreadable)).why();
        assertTrue(why.contains("<a fresh name>") && why.contains("india-db-v2 is free could not be read"), why);
    }

    @Test
    void walWithoutABaseBackupCannotBeTold() {
        var d = india(false);
        var walOnly = new ArchiveRead.Read(new ArchiveView(location(d.repository(), "india-db"), List.of(),
                Optional.of(new ArchiveView.WalTip("000000010000000000000003", Instant.parse("2026-11-30T00:00:00Z")))));
        var why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, cluster(LIVE), walOnly, new FakeStore())).why();
        assertTrue(why.contains("cannot tell whose history") && why.contains("000000010000000000000003"), why);
        // A pending restore does not make it readable: still refused.
        assertInstanceOf(Lineage.Refuse.class, Lineage.decide(india(true), cluster(LIVE), walOnly, new FakeStore()));
    }

    @Test
    void aClusterWithoutAnIdentifierIsRefused() {
        var d = india(false);
        var why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, cluster(null), archive(d, OLD), new FakeStore())).why();
        assertTrue(why.contains("reports no status.systemID"), why);
        why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, new LiveRead.Absent(), archive(d, OLD), new FakeStore())).why();
        assertTrue(why.contains("does not exist"), why);
        why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, new LiveRead.Refused("forbidden: clusters"),
                archive(d, OLD), new FakeStore())).why();
        assertTrue(why.contains("could not be read (forbidden: clusters)"), why);
    }

    @Test
    void anUnreadableArchiveIsRefusedNamingIt() {
        var d = india(false);
        var why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, cluster(LIVE),
                new ArchiveRead.Unreadable("s3://postgres-backups/cnpg/india-db/india-db", "connection refused"), new FakeStore())).why();
        assertTrue(why.contains("s3://postgres-backups/cnpg/india-db/india-db") && why.contains("connection refused"), why);
        // Even with a restore pending: the restore cannot be validated against an archive nobody read.
        assertInstanceOf(Lineage.Refuse.class, Lineage.decide(india(true), cluster(LIVE),
                new ArchiveRead.Unreadable("s3://x", "timeout"), new FakeStore()));
    }

    @Test
    void notCheckedWiresWithoutReadingTheCluster() {
        var d = india(false);
        assertInstanceOf(Lineage.Wire.class, Lineage.decide(d, new LiveRead.Absent(), new ArchiveRead.NotChecked("offline"),
                new FakeStore()));
    }

    @Test
    void aPendingRestoreWithholdsTheRunningClustersWiringInsteadOfRefusing() {
        var d = india(true);
        var why = assertInstanceOf(Lineage.Withhold.class, Lineage.decide(d, cluster(LIVE), archive(d, OLD), new FakeStore())).why();
        assertTrue(why.contains(d.restore().orElseThrow().id()) && why.contains(d.recoveryName().orElseThrow()), why);
        assertInstanceOf(Lineage.Withhold.class, Lineage.decide(d, cluster(null), archive(d, OLD), new FakeStore()));
        // A matching lineage with a restore pending is wired as always.
        assertInstanceOf(Lineage.Wire.class, Lineage.decide(d, cluster(OLD), archive(d, OLD), new FakeStore()));
    }

    @Test
    void theReviewReadsEachLineageCnpgByItsServerNamePgoByItsStanza() {
        var plan = Planner.plan(TestStacks.load(TestStacks.testConfig()));
        var store = new FakeStore();
        var juliet = plan.databases().stream().filter(d -> d.id().equals("juliet-db")).findFirst().orElseThrow();
        store.lineages.put("juliet-v2", archive(juliet, OLD));
        var live = new FakeCluster(Map.of("india-db", cluster(LIVE), "juliet-db", cluster(LIVE)));
        var review = Lineage.review("inventory.yaml", plan.databases(), live, store);
        assertEquals(List.of("pgbackrest:db", "india-db", "juliet-v2", "juliet-db-v2"), store.reads,
                "in plan order: golf's stanza, india-db (empty), juliet's configured serverName, one fresh name for the suggestion");
        assertEquals(1, review.errors().size(), review.errors().toString());
        assertEquals("databases (juliet-db)", review.errors().get(0).item());
        assertTrue(review.withheld().isEmpty());
        assertTrue(Lineage.failure(review.errors()).contains("nothing was registered"));
    }

    @Test
    void theReviewRecordsWithheldWiring() {
        var config = TestStacks.with(TestStacks.testConfig(), "restore", "{\"india-db\": \"latest\"}");
        var plan = Planner.plan(TestStacks.load(config));
        var store = new FakeStore();
        var india = plan.databases().stream().filter(d -> d.id().equals("india-db")).findFirst().orElseThrow();
        store.lineages.put("india-db", archive(india, OLD));
        var review = Lineage.review("inventory.yaml", plan.databases(),
                new FakeCluster(Map.of("india-db", cluster(LIVE), "juliet-db", cluster(LIVE))), store);
        assertTrue(review.errors().isEmpty(), review.errors().toString());
        assertTrue(review.withheld("india-db").isPresent());
        assertFalse(review.withheld("juliet-db").isPresent());
        var warning = Lineage.warning(india, review.withheld("india-db").get());
        assertTrue(warning.startsWith("LINEAGE india-db: backups of databases/india-db withheld: "), warning);
    }

    static DatabasePlan golf() {
        return Planner.plan(TestStacks.load(TestStacks.testConfig())).databases().stream()
                .filter(d -> d.id().equals("golf-postgres")).findFirst().orElseThrow();
    }

    static LiveRead postgresCluster(String systemId, boolean stanzaCreated) {
        var status = new LinkedHashMap<String, Object>();
        if (systemId != null) status.put("patroni", Map.of("systemIdentifier", systemId));
        status.put("pgbackrest", Map.of("repos", List.of(Map.of("name", "repo1", "stanzaCreated", stanzaCreated))));
        return new LiveRead.Found(Map.of("metadata", Map.of("name", "golf", "namespace", "team-d",
                "creationTimestamp", "2026-12-01T11:00:00Z"), "status", status));
    }

    static ArchiveRead.Read stanza(DatabasePlan d, List<String> systemIds, boolean wal) {
        var backups = new ArrayList<ArchiveView.BaseBackup>();
        for (int i = 0; i < systemIds.size(); i++) {
            var end = Instant.parse("2026-11-2" + i + "T03:10:00Z");
            backups.add(new ArchiveView.BaseBackup("2026112" + i + "-030000F", systemIds.get(i), Optional.of(end.minusSeconds(600)),
                    Optional.of(end), true));
        }
        return new ArchiveRead.Read(new ArchiveView(d.repository().url() + " (stanza db)", backups, wal
                ? Optional.of(new ArchiveView.WalTip("000000010000000000000004", Instant.parse("2026-11-30T00:00:00Z")))
                : Optional.empty()));
    }

    /** PGO: PGO's stanza-create || stanza-upgrade would take the old stanza over, so the program decides as for CNPG. */
    @Test
    void aPostgresClusterIsCheckedAgainstItsStanzaByPatronisSystemIdentifier() {
        var d = golf();
        assertInstanceOf(Lineage.Wire.class, Lineage.decide(d, postgresCluster(LIVE, true), stanza(d, List.of(LIVE), true), new FakeStore()));
        var why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, postgresCluster(LIVE, false),
                stanza(d, List.of(OLD), true), new FakeStore())).why();
        assertTrue(why.contains("the PostgresCluster team-d/golf (system identifier " + LIVE), why);
        assertTrue(why.contains("restore.golf-postgres' latest") && why.contains("moving the old repository aside"), why);
        why = assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, postgresCluster(null, false),
                stanza(d, List.of(OLD), true), new FakeStore())).why();
        assertTrue(why.contains("status.patroni.systemIdentifier"), why);
    }

    @Test
    void aStanzaWithWalButNoBackupIsThisClustersOnlyWhenPgoSaysItCreatedIt() {
        var d = golf();
        var walOnly = stanza(d, List.of(), true);
        assertInstanceOf(Lineage.Wire.class, Lineage.decide(d, postgresCluster(LIVE, true), walOnly, new FakeStore()),
                "the first day: PGO created the stanza for this very object, the first full backup is still to come");
        assertInstanceOf(Lineage.Refuse.class, Lineage.decide(d, postgresCluster(LIVE, false), walOnly, new FakeStore()),
                "a re-created PostgresCluster has no stanzaCreated of its own");
    }

    @Test
    void anEncryptedStanzaIsWiredButRecordedAsUnchecked() {
        var plan = Planner.plan(TestStacks.load(TestStacks.testConfig()));
        var store = new FakeStore();
        store.lineages.put("pgbackrest:db", new ArchiveRead.NotChecked("backup.info is encrypted"));
        var review = Lineage.review("inventory.yaml", plan.databases(), new FakeCluster(Map.of()), store);
        assertTrue(review.errors().isEmpty(), review.errors().toString());
        assertEquals(Map.of("golf-postgres", "archive not read (backup.info is encrypted)"), review.unchecked());
    }

    /** The live Clusters by name; everything else absent. */
    record FakeCluster(Map<String, LiveRead> clusters) implements LiveReview.Lookup {
        public Optional<LiveClaim> claim(String namespace, String name) {
            return Optional.empty();
        }

        public List<String> podsUsing(String namespace, String claim) {
            return List.of();
        }

        public Optional<Map<String, Object>> object(String apiVersion, String kind, String namespace, String name) {
            return read(apiVersion, kind, namespace, name) instanceof LiveRead.Found f ? Optional.of(f.object()) : Optional.empty();
        }

        public boolean served(String apiVersion, String kind) {
            return true;
        }

        public boolean namespaceExists(String name) {
            return true;
        }

        public LiveRead read(String apiVersion, String kind, String namespace, String name) {
            return clusters.getOrDefault(name, new LiveRead.Absent());
        }
    }
}
