package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.Settings.Mover;
import homelab.backups.render.RecordingMocks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A restore counts only when the mover's own report shows restored data. The restic reports are the status text VolSync
 * keeps, captured by running the real restic through the end-to-end world's mover (src/test/resources/mover-logs/README.md
 * says how): what the program parses comes from the tool, not from what we expect it to print.
 */
class RestoreOutcomeTest {
    static final String ID = "r-latest-1a2b3c4d";

    static String captured(String restic, String name) {
        return fixture("restic-" + restic, name);
    }

    /** A fixture's status text; a composed (not captured) fixture carries its sources above a "---" line. */
    static String fixture(String dir, String name) {
        var path = "/mover-logs/" + dir + "/" + name + ".log";
        try (var in = RestoreOutcomeTest.class.getResourceAsStream(path)) {
            var text = new String(Objects.requireNonNull(in, "no fixture " + path).readAllBytes(), StandardCharsets.UTF_8);
            var body = text.indexOf("\n---\n");
            return text.startsWith("# ") && body > 0 ? text.substring(body + 5) : text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RestoreOutcome resticReport(String logs) {
        return RestoreOutcome.of(Mover.RESTIC, RecordingMocks.status(ID, logs), ID);
    }

    /**
     * The pinned mover image's restic (0.18.0) and 0.17.0 (VolSync 0.11-0.12) print {@code restoring snapshot <id> of …};
     * 0.16.4 (VolSync 0.10) printed {@code restoring <Snapshot <id> of …>}. An older image still restores.
     */
    @ParameterizedTest
    @ValueSource(strings = {"0.18.0", "0.17.0", "0.16.4"})
    void aRealRestoreOfTheLatestOrAnEarlierSnapshotIsEvidenceOfData(String restic) {
        for (var name : new String[] {"restore-latest", "restore-previous-1"}) {
            var logs = captured(restic, name);
            var restored = assertInstanceOf(RestoreOutcome.Restored.class, resticReport(logs), name + ":\n" + logs);
            var line = logs.lines().filter(l -> l.startsWith("restoring ")).findFirst().orElseThrow(
                    () -> new AssertionError(name + " has no restore line:\n" + logs));
            assertEquals(line.strip(), restored.evidence(), "the evidence is restic's own line");
        }
    }

    /** Every way the real mover restores nothing and still exits 0 (VolSync then reports Successful). */
    @ParameterizedTest
    @ValueSource(strings = {"0.18.0", "0.17.0", "0.16.4"})
    void aRealRestoreThatFoundNoSnapshotIsNothing(String restic) {
        for (var name : new String[] {"restore-nothing-previous-5", "restore-as-of-before-first", "restore-repository-missing"}) {
            var logs = captured(restic, name);
            var nothing = assertInstanceOf(RestoreOutcome.Nothing.class, resticReport(logs), name + ":\n" + logs);
            assertTrue(nothing.reason().contains("found no snapshot"), nothing.reason());
        }
    }

    /** Backup reports (a destination never prints them, but a status is read whatever it holds) are no restore. */
    @ParameterizedTest
    @ValueSource(strings = {"backup-first", "backup-second", "backup-empty-volume", "backup-and-prune"})
    void backupReportsAreNoEvidenceOfARestore(String name) {
        assertInstanceOf(RestoreOutcome.Nothing.class, resticReport(captured("0.18.0", name)), name);
    }

    @Test
    void noEvidenceIsNoData() {
        for (var logs : new String[] {"", "Restic completed in 2s", "Restored 12 files, 3 directories",
                "Summary: Restored 46 files/dirs (1.636 MiB) in 0:00", "restoring snapshot of [/data]"}) {
            assertInstanceOf(RestoreOutcome.Nothing.class, resticReport(logs), logs);
        }
    }

    /**
     * The fork's log filter drops its "No eligible snapshots found" line; kopia's restore summary is the evidence. These
     * reports are composed from kopia v0.22.3's and the fork's source (kopia cannot be built here): each fixture's header
     * cites the lines.
     */
    @Test
    void kopiaNeedsItsRestoreSummaryWithFiles() {
        assertInstanceOf(RestoreOutcome.Restored.class, kopiaReport("restore-latest"));
        assertInstanceOf(RestoreOutcome.Nothing.class, kopiaReport("restore-nothing"));
        assertInstanceOf(RestoreOutcome.Nothing.class, kopiaReport("restore-empty-snapshot"));
    }

    static RestoreOutcome kopiaReport(String name) {
        return RestoreOutcome.of(Mover.KOPIA, RecordingMocks.status(ID, fixture("kopia-0.22.3", name)), ID);
    }

    @Test
    void anotherTriggerAFailedMoverOrNoImageIsNotThisRestore() {
        var restoredLogs = captured("0.18.0", "restore-latest");
        assertInstanceOf(RestoreOutcome.Nothing.class,
                RestoreOutcome.of(Mover.RESTIC, RecordingMocks.status("r-latest-00000000", restoredLogs), ID));
        var failed = Map.<String, Object>of("lastManualSync", ID,
                "latestMoverStatus", Map.of("result", "Failed", "logs", captured("0.18.0", "restore-wrong-password")));
        assertEquals("the mover reported Failed",
                ((RestoreOutcome.Nothing) RestoreOutcome.of(Mover.RESTIC, failed, ID)).reason());
        var noImage = Map.<String, Object>of("lastManualSync", ID, "latestMoverStatus", Map.of("result", "Successful", "logs", restoredLogs));
        assertInstanceOf(RestoreOutcome.Nothing.class, RestoreOutcome.of(Mover.RESTIC, noImage, ID));
        assertInstanceOf(RestoreOutcome.Nothing.class, RestoreOutcome.of(Mover.RESTIC, null, ID));
    }

    /** The offline render assumes restores succeed: its stand-in report must be one the check accepts. */
    @Test
    void theRendersAssumedReportPassesTheCheck() {
        var destination = Map.<String, Object>of("spec", Map.of("trigger", Map.of("manual", ID), "restic", Map.of()));
        assertInstanceOf(RestoreOutcome.Restored.class, RestoreOutcome.of(Mover.RESTIC, RecordingMocks.restored(destination), ID));
    }
}
