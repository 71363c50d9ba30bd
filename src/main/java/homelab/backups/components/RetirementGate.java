package homelab.backups.components;

import homelab.backups.plan.Verification;
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
}
