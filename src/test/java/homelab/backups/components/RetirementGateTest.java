package homelab.backups.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * With something of ./verify unproven, {@code retireBackups} refuses only a retirement that has not happened yet: once
 * Longhorn's BackupTarget is retired, refusing every later up would undo nothing and would block what resolves the
 * problem (a restore of a waiting claim, a drill's acknowledgement); disaster recovery postpones it (data first).
 */
class RetirementGateTest {
    @Test
    void aRetirementNotYetAppliedIsRefusedUnlessDisasterRecoveryRuns() {
        assertEquals(RetirementGate.Unproven.REFUSE, RetirementGate.whenUnproven(false, false));
        assertEquals(RetirementGate.Unproven.POSTPONE, RetirementGate.whenUnproven(false, true));
    }

    @Test
    void aRetirementAlreadyAppliedIsKeptWithAWarningInEveryMode() {
        assertEquals(RetirementGate.Unproven.KEEP_RETIRED, RetirementGate.whenUnproven(true, false));
        assertEquals(RetirementGate.Unproven.KEEP_RETIRED, RetirementGate.whenUnproven(true, true));
    }

    @Test
    void onlyABackupTargetWithNeitherUrlNorSecretCountsAsRetired() {
        assertFalse(RetirementGate.retired(Optional.empty()), "no BackupTarget: Longhorn is not there yet");
        assertFalse(RetirementGate.retired(Optional.of(Map.of("spec", Map.of("backupTargetURL", "s3://longhorn@us-east-1/",
                "credentialSecret", "longhorn-s3")))));
        assertFalse(RetirementGate.retired(Optional.of(Map.of("spec", Map.of("backupTargetURL", "",
                "credentialSecret", "longhorn-s3")))), "a credential left is not what the patch makes");
        assertTrue(RetirementGate.retired(Optional.of(Map.of("spec", Map.of("backupTargetURL", "", "credentialSecret", "")))));
        assertTrue(RetirementGate.retired(Optional.of(Map.of("spec", Map.of()))));
    }
}
