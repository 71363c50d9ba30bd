package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.Settings.Mover;
import homelab.backups.render.RecordingMocks;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A restore counts only when the mover's own report shows restored data (field-findings §2). */
class RestoreOutcomeTest {
    static final String ID = "r-latest-1a2b3c4d";

    /** VolSync's filtered logs of a restore from an empty repository (backube/volsync v0.15.0 logfilter_test.go). */
    static final String RESTIC_EMPTY = """
            === Initialize Dir ===
            created restic repository 374c6313cb at s3:http://minio.minio.svc.cluster.local:9000/resticbucket1b
            No eligible snapshots found
            === No data will be restored ===
            Restic completed in 4s""";
    static final String RESTIC_RESTORED = """
            repository 7a3f1c2e opened (version 2, compression level auto)
            restoring <Snapshot 0ff74383 of [/data] at 2026-11-30 02:07:11.1 +0000 UTC by root@volsync> to .
            Restic completed in 31s""";

    @Test
    void resticReportingNoEligibleSnapshotRestoredNothing() {
        var outcome = RestoreOutcome.of(Mover.RESTIC, RecordingMocks.status(ID, RESTIC_EMPTY), ID);
        var nothing = assertInstanceOf(RestoreOutcome.Nothing.class, outcome);
        assertTrue(nothing.reason().contains("found no snapshot"), nothing.reason());
    }

    @Test
    void resticReportingTheSnapshotItRestoredRestoredIt() {
        var outcome = RestoreOutcome.of(Mover.RESTIC, RecordingMocks.status(ID, RESTIC_RESTORED), ID);
        var restored = assertInstanceOf(RestoreOutcome.Restored.class, outcome);
        assertTrue(restored.evidence().startsWith("restoring <Snapshot 0ff74383"), restored.evidence());
    }

    @Test
    void noEvidenceIsNoData() {
        for (var logs : new String[] {"", "Restic completed in 2s", "Restored 12 files, 3 directories"}) {
            assertInstanceOf(RestoreOutcome.Nothing.class, RestoreOutcome.of(Mover.RESTIC, RecordingMocks.status(ID, logs), ID), logs);
        }
    }

    /** The fork's log filter drops its "No eligible snapshots found" line; kopia's restore summary is the evidence. */
    @Test
    void kopiaNeedsItsRestoreSummaryWithFiles() {
        assertInstanceOf(RestoreOutcome.Restored.class, RestoreOutcome.of(Mover.KOPIA,
                RecordingMocks.status(ID, "Restored 42 files, 7 directories and 0 symbolic links (1.2 MB).\nKopia completed in 9s"), ID));
        assertInstanceOf(RestoreOutcome.Nothing.class, RestoreOutcome.of(Mover.KOPIA,
                RecordingMocks.status(ID, "Restored 0 files, 1 directories and 0 symbolic links (0 B).\nKopia completed in 2s"), ID));
        assertInstanceOf(RestoreOutcome.Nothing.class, RestoreOutcome.of(Mover.KOPIA,
                RecordingMocks.status(ID, "Kopia completed in 2s"), ID));
    }

    @Test
    void anotherTriggerAFailedMoverOrNoImageIsNotThisRestore() {
        assertInstanceOf(RestoreOutcome.Nothing.class,
                RestoreOutcome.of(Mover.RESTIC, RecordingMocks.status("r-latest-00000000", RESTIC_RESTORED), ID));
        var failed = Map.<String, Object>of("lastManualSync", ID, "latestMoverStatus", Map.of("result", "Failed", "logs", RESTIC_RESTORED));
        assertEquals("the mover reported Failed",
                ((RestoreOutcome.Nothing) RestoreOutcome.of(Mover.RESTIC, failed, ID)).reason());
        var noImage = Map.<String, Object>of("lastManualSync", ID, "latestMoverStatus", Map.of("result", "Successful", "logs", RESTIC_RESTORED));
        assertInstanceOf(RestoreOutcome.Nothing.class, RestoreOutcome.of(Mover.RESTIC, noImage, ID));
        assertInstanceOf(RestoreOutcome.Nothing.class, RestoreOutcome.of(Mover.RESTIC, null, ID));
    }
}
