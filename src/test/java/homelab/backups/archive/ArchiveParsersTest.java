package homelab.backups.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The parsers on the files the real tools wrote (src/test/resources/archive/README.md). */
class ArchiveParsersTest {
    static byte[] fixture(String name) throws Exception {
        return Files.readAllBytes(Path.of("src/test/resources/archive", name));
    }

    static String text(String name) throws Exception {
        return new String(fixture(name), StandardCharsets.UTF_8);
    }

    @Test
    void barmanBackupInfoAsBarmanCloudWroteIt() throws Exception {
        var b = BarmanBackupInfo.parse("20261207T180741", fixture("barman/backup.info"), "f");
        assertEquals("20261207T180741", b.id());
        assertEquals("7716625399765352504", b.systemId(), "pg_controldata of the backed-up cluster (fixture README)");
        assertEquals(Optional.of(Instant.parse("2026-12-07T18:07:41.217757Z")), b.begin());
        assertEquals(Optional.of(Instant.parse("2026-12-07T18:07:44.117901Z")), b.end());
        assertTrue(b.done());
    }

    @Test
    void aRunningBarmanBackupIsNotDoneAndHasNoEnd() throws Exception {
        var running = text("barman/backup.info").replace("status=DONE", "status=STARTED")
                .replaceAll("(?m)^end_time=.*$", "end_time=None");
        var b = BarmanBackupInfo.parse("20261207T180741", running.getBytes(StandardCharsets.UTF_8), "f");
        assertFalse(b.done());
        assertEquals(Optional.empty(), b.end());
    }

    @Test
    void barmanTimesWithoutAFractionOrInAnotherOffsetParse() throws Exception {
        var other = text("barman/backup.info").replaceAll("(?m)^begin_time=.*$", "begin_time=2026-12-07 19:07:41+01:00");
        var b = BarmanBackupInfo.parse("20261207T180741", other.getBytes(StandardCharsets.UTF_8), "f");
        assertEquals(Optional.of(Instant.parse("2026-12-07T18:07:41Z")), b.begin());
    }

    @Test
    void aBarmanBackupInfoThatDoesNotParseIsAnErrorNamingTheFile() throws Exception {
        var garbled = new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0};
        var e = assertThrows(ArchiveFormatException.class, () -> BarmanBackupInfo.parse("x", garbled, "s3://b/k/backup.info"));
        assertTrue(e.getMessage().startsWith("s3://b/k/backup.info: line 1"), e.getMessage());
        var noSystemId = text("barman/backup.info").replaceAll("(?m)^systemid=.*\n", "");
        assertThrows(ArchiveFormatException.class,
                () -> BarmanBackupInfo.parse("x", noSystemId.getBytes(StandardCharsets.UTF_8), "f"));
        var badTime = text("barman/backup.info").replaceAll("(?m)^end_time=.*$", "end_time=yesterday");
        assertThrows(ArchiveFormatException.class,
                () -> BarmanBackupInfo.parse("x", badTime.getBytes(StandardCharsets.UTF_8), "f"));
    }

    @Test
    void pgbackrestBackupInfoAsPgBackRestWroteIt() throws Exception {
        var parsed = PgBackRestBackupInfo.parse(fixture("pgbackrest/backup.info"), "f");
        assertEquals("15-1", parsed.archiveId(), "the archive directory pgBackRest wrote: see pgbackrest/keys.txt");
        assertTrue(text("pgbackrest/keys.txt").contains("archive/db/" + parsed.archiveId() + "/"));
        assertEquals("7716625539209308226", parsed.systemId());
        assertEquals(1, parsed.backups().size());
        var b = parsed.backups().get(0);
        assertEquals("20261207-180814F", b.id());
        assertEquals("7716625539209308226", b.systemId());
        assertEquals(Optional.of(Instant.ofEpochSecond(1796666894)), b.begin());
        assertEquals(Optional.of(Instant.ofEpochSecond(1796666898)), b.end());
        assertTrue(b.done());
        assertFalse(PgBackRestBackupInfo.encrypted(fixture("pgbackrest/backup.info")));
    }

    /** After a stanza-upgrade the file holds backups of two clusters: each keeps its own db-id's system identifier. */
    @Test
    void eachPgBackRestBackupHasTheSystemIdOfItsOwnDbId() throws Exception {
        var original = text("pgbackrest/backup.info");
        var entry = original.lines().filter(l -> l.startsWith("20261207-180814F=")).findFirst().orElseThrow();
        var upgraded = original
                .replace(entry, entry + "\n" + entry.replace("20261207-180814F", "20261208-010000F")
                        .replace("\"db-id\":1", "\"db-id\":2").replace("1796666894", "1796700000").replace("1796666898", "1796700100"))
                .replace("db-id=1\ndb-system-id=7716625539209308226\ndb-version=\"15\"",
                        "db-id=2\ndb-system-id=7716625539209300000\ndb-version=\"16\"")
                .replaceAll("(?m)^(1=\\{.*)$", "$1\n2={\"db-catalog-version\":202307071,\"db-control-version\":1300,\"db-system-id\":7716625539209300000,\"db-version\":\"16\"}");
        var parsed = PgBackRestBackupInfo.parse(upgraded.getBytes(StandardCharsets.UTF_8), "f");
        assertEquals("16-2", parsed.archiveId());
        assertEquals(List.of("20261207-180814F", "20261208-010000F"), parsed.backups().stream().map(b -> b.id()).toList());
        assertEquals(List.of("7716625539209308226", "7716625539209300000"), parsed.backups().stream().map(b -> b.systemId()).toList());
    }

    @Test
    void aPgBackRestBackupInfoThatDoesNotParseIsAnError() throws Exception {
        var original = text("pgbackrest/backup.info");
        for (var broken : List.of(
                original.replace("[db]\n", ""),                                      // no [db]
                original.replace("\"db-id\":1,", "\"db-id\":9,"),                     // a backup of an unknown db-id
                original.replace("\"backup-timestamp-stop\":1796666898", "\"backup-timestamp-stop\":\"soon\""),
                original.replace("20261207-180814F={", "20261207-180814F=[{"),         // not an object
                original.replace("20261207-180814F=", "latest="),                      // not a label
                "garbage without sections\n")) {
            assertThrows(ArchiveFormatException.class,
                    () -> PgBackRestBackupInfo.parse(broken.getBytes(StandardCharsets.UTF_8), "f"), broken);
        }
    }

    @Test
    void anEncryptedBackupInfoIsRecognisedByOpenSslsMagic() {
        assertTrue(PgBackRestBackupInfo.encrypted("Salted__\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008xyz".getBytes(StandardCharsets.ISO_8859_1)));
        assertFalse(PgBackRestBackupInfo.encrypted("Salted".getBytes(StandardCharsets.US_ASCII)));
    }
}
