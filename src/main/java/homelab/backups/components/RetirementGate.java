package homelab.backups.components;

import homelab.backups.plan.Verification;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Why {@code homelab-backups:longhorn.retireBackups} is refused: the checks of ./verify that are not proven, the
 * coverage ledger's among them (a live PVC neither backed up nor excluded, whose only backup may be Longhorn's).
 */
final class RetirementGate {
    private RetirementGate() {
    }

    static String refusal(Verification verification) {
        var lines = verification.unproven().stream()
                .map(c -> "  - " + c.check() + " " + c.item() + " (" + c.namespace() + "): " + c.state() + ": " + c.detail())
                .collect(Collectors.joining("\n"));
        return "homelab-backups:longhorn.retireBackups refused: Longhorn's backups stay until every backup, drill and WAL "
                + "archive is proven and every live PVC is backed up or excluded (the coverage row), and "
                + verification.unproven().size() + " check(s) are not:\n" + lines
                + "\nRun ./verify for the whole table; remove retireBackups (pulumi config rm --path "
                + "'homelab-backups:longhorn.retireBackups') to go on without retiring (README: Migration runbook, step 5).";
    }

    /** What {@code pulumi up} does with {@code retireBackups} when a check of ./verify is not proven. */
    enum Unproven {
        /** The retirement has not happened yet: refuse it, before anything is registered. */
        REFUSE,
        /**
         * Longhorn's BackupTarget is retired already: refusing the up would undo nothing and would hold everything
         * else back (a restore that resolves a waiting claim, a drill's acknowledgement, new drills), so it warns and
         * keeps the patch.
         */
        KEEP_RETIRED,
        /**
         * Disaster recovery on a cluster that has not retired Longhorn yet: nothing can be proven on a rebuilt cluster
         * before its restores, and data comes first, so the retirement waits (not registered this time) and says so.
         */
        POSTPONE
    }

    static Unproven whenUnproven(boolean alreadyRetired, boolean disasterRecovery) {
        if (alreadyRetired) return Unproven.KEEP_RETIRED;
        return disasterRecovery ? Unproven.POSTPONE : Unproven.REFUSE;
    }

    /**
     * Whether the live BackupTarget is already what the retirement patch makes it: no target URL and no credential
     * Secret (ProofWave). Absent (Longhorn not installed yet) is not retired.
     */
    static boolean retired(Optional<Map<String, Object>> backupTarget) {
        if (backupTarget.isEmpty()) return false;
        var spec = backupTarget.get().get("spec");
        if (!(spec instanceof Map<?, ?> fields)) return true;
        return blank(fields.get("backupTargetURL")) && blank(fields.get("credentialSecret"));
    }

    private static boolean blank(Object value) {
        return value == null || value.toString().isEmpty();
    }

    static String keptRetired(Verification verification) {
        return "LONGHORN RETIRED BUT NOT PROVEN: Longhorn's backups are retired already, and " + verification.unproven().size()
                + " check(s) of ./verify are not proven now: " + names(verification) + ". This up goes ahead (refusing it "
                + "would bring no Longhorn backup back); run ./verify and fix them (README: Longhorn retirement).";
    }

    static String postponed(Verification verification) {
        return "LONGHORN RETIREMENT POSTPONED: disaster recovery is on and " + verification.unproven().size()
                + " check(s) of ./verify are not proven yet (" + names(verification) + "); the restores go ahead and "
                + "Longhorn's BackupTarget is left as it is. The first up after the drills prove the recovered data "
                + "retires it.";
    }

    private static String names(Verification verification) {
        return verification.unproven().stream().map(c -> c.check() + " " + c.item() + " " + c.state())
                .collect(Collectors.joining(", "));
    }
}
