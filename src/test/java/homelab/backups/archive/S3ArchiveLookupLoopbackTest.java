package homelab.backups.archive;

import static homelab.backups.archive.ArchiveParsersTest.fixture;
import static homelab.backups.archive.ArchiveParsersTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.S3Target;
import homelab.backups.plan.ArchiveRead;
import homelab.backups.plan.ArchiveView;
import homelab.backups.plan.Repository;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3ArchiveLookup against the real loopback S3 server (gofakes3) holding the archives barman-cloud 3.19.1 and
 * pgBackRest 2.45 wrote (src/test/resources/archive/README.md). Skipped, with the reason, when the server cannot be
 * built here (no Go); .ci/run builds it before the unit tests.
 */
class S3ArchiveLookupLoopbackTest {
    static final String BUCKET = "postgres-backups";
    static final String BARMAN_SYSID = "7716625399765352504";
    static final String PGBR_SYSID = "7716625539209308226";

    @TempDir
    static Path dir;
    static LoopbackS3 s3;
    static S3Target target;
    static S3ArchiveLookup lookup;
    static Instant loaded;

    /** Each test is skipped by itself, so the build prints each one's reason (support/SkipReasons). */
    @BeforeEach
    void needsTheServer() {
        var bin = LoopbackS3.binary();
        Assumptions.assumeTrue(bin.path().isPresent(), bin.why());
    }

    @BeforeAll
    static void start() throws Exception {
        var bin = LoopbackS3.binary();
        if (bin.path().isEmpty()) return;
        s3 = new LoopbackS3(bin.path().get(), dir, BUCKET + ",volsync-backups");
        target = target(s3.endpoint(), BUCKET);
        loaded = Instant.now().minusSeconds(2);

        // The Barman lineage as barman-cloud wrote it, and others beside it.
        var barmanInfo = fixture("barman/backup.info");
        for (var key : text("barman/keys.txt").lines().toList()) {
            put("cnpg/khoj-database/" + key, key.endsWith("/backup.info") ? barmanInfo : placeholder());
        }
        put("cnpg/khoj-database/old-server/base/20250101T000000/backup.info",
                text("barman/backup.info").replace(BARMAN_SYSID, "7000000000000000001").getBytes(StandardCharsets.UTF_8));
        put("cnpg/khoj-database/wal-only/wals/0000000100000000/000000010000000000000001.gz", placeholder());
        // A backup whose backup.info does not parse, beside a good one.
        put("cnpg/garbled/garbled/base/20261207T180741/backup.info", barmanInfo);
        put("cnpg/garbled/garbled/base/20261208T000000/backup.info", new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        // A backup directory without its backup.info.
        put("cnpg/headless/headless/base/20261207T180741/data.tar.gz", placeholder());
        // A newer timeline's directory holding only a .backup file: the newest segment is still timeline 1's.
        put("cnpg/timelines/timelines/base/20261207T180741/backup.info", barmanInfo);
        put("cnpg/timelines/timelines/wals/0000000100000000/000000010000000000000007.gz", placeholder());
        put("cnpg/timelines/timelines/wals/0000000100000000/000000010000000000000006.gz", placeholder());
        put("cnpg/timelines/timelines/wals/0000000200000000/000000020000000000000007.00000028.backup.gz", placeholder());
        put("cnpg/timelines/timelines/wals/00000002.history.gz", placeholder());

        // The pgBackRest stanza as pgBackRest wrote it, and damaged or encrypted ones.
        for (var key : text("pgbackrest/keys.txt").lines().toList()) {
            byte[] content = key.startsWith("backup/db/backup.info") ? fixture("pgbackrest/backup.info")
                    : key.startsWith("archive/db/archive.info") ? fixture("pgbackrest/archive.info") : placeholder();
            put("pgbackrest/immich/" + key, content);
        }
        put("pgbackrest/copy-only/backup/db/backup.info.copy", fixture("pgbackrest/backup.info"));
        put("pgbackrest/encrypted/backup/db/backup.info", encrypted());
        put("pgbackrest/garbled/backup/db/backup.info", "[db]\ndb-id=1\nthis is not pgBackRest's\n".getBytes(StandardCharsets.UTF_8));
        put("pgbackrest/stray/archive/db/15-1/0000000100000000/000000010000000000000001-bf1574404f187dfecf7c362034db8b1f2359f5bd.gz", placeholder());

        lookup = S3ArchiveLookup.of(target, LoopbackS3.ACCESS_KEY, LoopbackS3.SECRET_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (lookup != null) lookup.close();
        if (s3 != null) s3.close();
    }

    static S3Target target(URI endpoint, String postgresBucket) {
        return new S3Target(S3Target.PRIMARY, endpoint, "us-east-1", "volsync-backups", postgresBucket, true, Optional.empty(),
                S3Target.Credentials.S3);
    }

    static Repository repo(S3Target t, String path) {
        return new Repository(t, t.postgresBucket(), path, "db-backup-s3");
    }

    static void put(String key, byte[] content) throws Exception {
        s3.put(BUCKET, key, content);
    }

    /** What an encrypted repository's backup.info starts with: OpenSSL's magic, an 8-byte salt, ciphertext. */
    static byte[] encrypted() {
        var out = new byte[40];
        System.arraycopy("Salted__".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 8);
        for (int i = 8; i < out.length; i++) out[i] = (byte) (i * 37);
        return out;
    }

    static byte[] placeholder() {
        return "placeholder: the reader only lists this object".getBytes(StandardCharsets.UTF_8);
    }

    static ArchiveView read(ArchiveRead read) {
        return assertInstanceOf(ArchiveRead.Read.class, read, () -> "expected a read archive, got " + read).view();
    }

    static String unreadable(ArchiveRead read) {
        return assertInstanceOf(ArchiveRead.Unreadable.class, read, () -> "expected Unreadable, got " + read).why();
    }

    @Test
    void readsTheBarmanLineageBarmanCloudWrote() {
        var view = read(lookup.barman(repo(target, "cnpg/khoj-database"), "khoj-database"));
        assertEquals("s3://postgres-backups/cnpg/khoj-database/khoj-database", view.location());
        assertEquals(List.of("20261207T180741"), view.backups().stream().map(ArchiveView.BaseBackup::id).toList());
        assertEquals(java.util.Set.of(BARMAN_SYSID), view.systemIds());
        assertEquals("20261207T180741", view.newest().orElseThrow().id());
        // the newest of the segments barman-cloud-wal-archive uploaded (keys.txt), not the .backup file beside them
        var tip = view.newestWal().orElseThrow();
        assertEquals("000000010000000000000004", tip.segment());
        assertTrue(!tip.uploaded().isBefore(loaded) && !tip.uploaded().isAfter(Instant.now().plusSeconds(2)),
                "the store's LastModified of the upload: " + tip.uploaded());
    }

    @Test
    void listsTheServersThatHoldABaseBackup() {
        assertEquals(List.of("khoj-database", "old-server"), lookup.barmanServers(repo(target, "cnpg/khoj-database")));
        assertEquals(List.of(), lookup.barmanServers(repo(target, "cnpg/nothing-here")));
    }

    @Test
    void theNewestSegmentIsTheNewestDirectoryThatHoldsOne() {
        var view = read(lookup.barman(repo(target, "cnpg/timelines"), "timelines"));
        assertEquals("000000010000000000000007", view.newestWal().orElseThrow().segment());
    }

    @Test
    void readsThePgBackRestStanzaPgBackRestWrote() {
        var view = read(lookup.pgbackrest(repo(target, "pgbackrest/immich"), "db"));
        assertEquals(List.of("20261207-180814F"), view.backups().stream().map(ArchiveView.BaseBackup::id).toList());
        assertEquals(java.util.Set.of(PGBR_SYSID), view.systemIds());
        assertEquals("000000010000000000000004", view.newestWal().orElseThrow().segment());
    }

    @Test
    void readsBackupInfoCopyWhenBackupInfoIsMissingAsPgBackRestDoes() {
        var view = read(lookup.pgbackrest(repo(target, "pgbackrest/copy-only"), "db"));
        assertEquals(java.util.Set.of(PGBR_SYSID), view.systemIds());
        assertEquals(Optional.empty(), view.newestWal());
    }

    @Test
    void anEmptyLineageIsReadAndEmpty() {
        assertTrue(read(lookup.barman(repo(target, "cnpg/new-cluster"), "new-cluster")).empty());
        assertTrue(read(lookup.pgbackrest(repo(target, "pgbackrest/new-cluster"), "db")).empty());
        // WAL only, no base backup yet: not empty
        var walOnly = read(lookup.barman(repo(target, "cnpg/khoj-database"), "wal-only"));
        assertTrue(walOnly.backups().isEmpty() && walOnly.newestWal().isPresent());
    }

    @Test
    void aLineageWithABackupInfoThatDoesNotParseIsUnreadable() {
        var why = unreadable(lookup.barman(repo(target, "cnpg/garbled"), "garbled"));
        assertTrue(why.contains("s3://postgres-backups/cnpg/garbled/garbled/base/20261208T000000/backup.info"), why);
        why = unreadable(lookup.pgbackrest(repo(target, "pgbackrest/garbled"), "db"));
        assertTrue(why.contains("s3://postgres-backups/pgbackrest/garbled/backup/db/backup.info"), why);
    }

    @Test
    void aBackupDirectoryWithoutBackupInfoIsUnreadable() {
        var why = unreadable(lookup.barman(repo(target, "cnpg/headless"), "headless"));
        assertTrue(why.contains("base/20261207T180741/ holds no backup.info"), why);
    }

    @Test
    void walWithoutBackupInfoIsUnreadableNotEmpty() {
        var why = unreadable(lookup.pgbackrest(repo(target, "pgbackrest/stray"), "db"));
        assertTrue(why.contains("has no backup.info or backup.info.copy"), why);
    }

    @Test
    void anEncryptedStanzaIsNotChecked() {
        var read = lookup.pgbackrest(repo(target, "pgbackrest/encrypted"), "db");
        var notChecked = assertInstanceOf(ArchiveRead.NotChecked.class, read, () -> "got " + read);
        assertTrue(notChecked.why().contains("encrypted"), notChecked.why());
    }

    @Test
    void wrongKeysAreUnreadableNaming403() {
        try (var wrong = S3ArchiveLookup.of(target, "not-the-key", LoopbackS3.SECRET_KEY)) {
            for (var read : List.of(wrong.barman(repo(target, "cnpg/khoj-database"), "khoj-database"),
                    wrong.pgbackrest(repo(target, "pgbackrest/immich"), "db"))) {
                var why = unreadable(read);
                assertTrue(why.contains("HTTP 403 InvalidAccessKeyId") && why.contains(s3.endpoint().toString())
                        && why.contains("s3://postgres-backups/"), why);
            }
            assertEquals(List.of(), wrong.barmanServers(repo(target, "cnpg/khoj-database")));
        }
    }

    @Test
    void aWrongSecretKeyIsUnreadableNamingTheSignature() {
        try (var wrong = S3ArchiveLookup.of(target, LoopbackS3.ACCESS_KEY, "not-the-secret")) {
            var why = unreadable(wrong.barman(repo(target, "cnpg/khoj-database"), "khoj-database"));
            assertTrue(why.contains("HTTP 403 SignatureDoesNotMatch"), why);
        }
    }

    @Test
    void aMissingBucketIsUnreadableNamingIt() {
        var absent = unmanaged(target(s3.endpoint(), "absent-bucket"));
        try (var other = S3ArchiveLookup.of(absent, LoopbackS3.ACCESS_KEY, LoopbackS3.SECRET_KEY)) {
            var why = unreadable(other.barman(repo(absent, "cnpg/khoj-database"), "khoj-database"));
            assertTrue(why.contains("HTTP 404 NoSuchBucket") && why.contains("s3://absent-bucket/"), why);
            why = unreadable(other.pgbackrest(repo(absent, "pgbackrest/immich"), "db"));
            assertTrue(why.contains("NoSuchBucket"), why);
        }
    }

    /** A bucket the stack manages and has yet to create (a fresh store's first up) holds nothing: empty, not unreadable. */
    @Test
    void aMissingBucketTheStackCreatesIsEmpty() {
        var absent = target(s3.endpoint(), "absent-bucket");
        assertTrue(absent.manageBuckets());
        try (var other = S3ArchiveLookup.of(absent, LoopbackS3.ACCESS_KEY, LoopbackS3.SECRET_KEY)) {
            for (var read : List.of(other.barman(repo(absent, "cnpg/khoj-database"), "khoj-database"),
                    other.pgbackrest(repo(absent, "pgbackrest/immich"), "db"))) {
                var view = assertInstanceOf(ArchiveRead.Read.class, read, () -> "got " + read).view();
                assertTrue(view.empty(), view::toString);
            }
        }
    }

    static S3Target unmanaged(S3Target t) {
        return new S3Target(t.name(), t.endpoint(), t.region(), t.volsyncBucket(), t.postgresBucket(), false,
                t.caCertificate(), t.credentials());
    }

    @Test
    void aClosedPortIsUnreadableNamingHostAndPort() throws Exception {
        int port;
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        var closed = target(URI.create("http://127.0.0.1:" + port), BUCKET);
        try (var other = S3ArchiveLookup.of(closed, LoopbackS3.ACCESS_KEY, LoopbackS3.SECRET_KEY)) {
            var why = unreadable(other.barman(repo(closed, "cnpg/khoj-database"), "khoj-database"));
            assertTrue(why.contains("cannot connect to 127.0.0.1:" + port), why);
        }
    }

    @Test
    void noClientIsUnreadableNotAnException() {
        try (var blank = S3ArchiveLookup.of(target, "", LoopbackS3.SECRET_KEY)) {
            var why = unreadable(blank.barman(repo(target, "cnpg/khoj-database"), "khoj-database"));
            assertTrue(why.contains("the access key and secret key are required"), why);
            assertEquals(List.of(), blank.barmanServers(repo(target, "cnpg/khoj-database")));
        }
        var https = new S3Target(S3Target.PRIMARY, URI.create("https://127.0.0.1:" + s3.port), "us-east-1", "volsync-backups",
                BUCKET, true, Optional.of("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"), S3Target.Credentials.S3);
        try (var badCa = S3ArchiveLookup.of(https, LoopbackS3.ACCESS_KEY, LoopbackS3.SECRET_KEY)) {
            var why = unreadable(badCa.pgbackrest(repo(https, "pgbackrest/immich"), "db"));
            assertTrue(why.contains("CA certificate cannot be used"), why);
        }
    }

    @Test
    void aRepositoryOnAnotherTargetIsRefused() {
        var other = target(URI.create("http://192.0.2.1:9000"), BUCKET);
        var why = unreadable(lookup.barman(repo(other, "cnpg/khoj-database"), "khoj-database"));
        assertTrue(why.contains("this reader reads target"), why);
    }
}
