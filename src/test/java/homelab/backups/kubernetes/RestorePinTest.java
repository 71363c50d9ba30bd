package homelab.backups.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import homelab.backups.config.RestorePoint;
import homelab.backups.config.RestoreRequest;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A pinned base backup reaches each operator in the form its source reads (CnpgSpecs.recoveryTarget, PgoSpecs.restoreOptions). */
class RestorePinTest {
    static final RestorePoint LATEST = new RestorePoint.Latest();
    static final RestorePoint AT = new RestorePoint.AsOf(OffsetDateTime.parse("2026-11-27T02:00:00Z"));

    static RestoreRequest request(RestorePoint point, Optional<String> backup, Optional<String> serverName) {
        return RestoreRequest.of("khoj-database", point, Optional.empty(), new RestoreRequest.Pin(backup, serverName));
    }

    @Test
    void cnpgPinWithoutTimeStopsAtTheBackupsConsistentEnd() {
        assertEquals(Map.of("backupID", "20261126T030000", "targetImmediate", true),
                CnpgSpecs.recoveryTarget(request(LATEST, Optional.of("20261126T030000"), Optional.empty())));
        assertEquals(Map.of("backupID", "20261126T030000", "targetTime", "2026-11-27T02:00:00Z"),
                CnpgSpecs.recoveryTarget(request(AT, Optional.of("20261126T030000"), Optional.empty())));
        // Unpinned: latest sets no target at all (the catalog's newest backup and all WAL after it).
        assertEquals(Map.of(), CnpgSpecs.recoveryTarget(request(LATEST, Optional.empty(), Optional.empty())));
        assertEquals(Map.of("targetTime", "2026-11-27T02:00:00Z"),
                CnpgSpecs.recoveryTarget(request(AT, Optional.empty(), Optional.empty())));
    }

    @Test
    void pgbackrestPinIsSetWithImmediateOrTime() {
        assertEquals(List.of("--set=20261126-030000F", "--type=immediate"),
                PgoSpecs.restoreOptions(request(LATEST, Optional.of("20261126-030000F"), Optional.empty())));
        assertEquals(List.of("--set=20261126-030000F", "--type=time", "--target=\"2026-11-27 02:00:00+00\""),
                PgoSpecs.restoreOptions(request(AT, Optional.of("20261126-030000F"), Optional.empty())));
        assertEquals(List.of(), PgoSpecs.restoreOptions(request(LATEST, Optional.empty(), Optional.empty())));
    }

    @Test
    void theRestoreIdChangesWithThePinAndNotWithoutOne() {
        var plain = RestoreRequest.of("khoj-database", LATEST, Optional.empty());
        assertEquals(plain.id(), request(LATEST, Optional.empty(), Optional.empty()).id());
        var pinned = request(LATEST, Optional.of("20261126T030000"), Optional.empty());
        assertNotEquals(plain.id(), pinned.id());
        assertNotEquals(pinned.id(), request(LATEST, Optional.of("20261125T030000"), Optional.empty()).id());
        assertNotEquals(pinned.id(), request(LATEST, Optional.of("20261126T030000"), Optional.of("khoj-v1")).id());
    }
}
