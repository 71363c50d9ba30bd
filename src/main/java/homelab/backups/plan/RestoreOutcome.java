package homelab.backups.plan;

import homelab.backups.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a ReplicationDestination really restored, read from the status VolSync writes when its mover finished.
 *
 * <p>VolSync reports success when no snapshot matched: the restic mover prints "No eligible snapshots found" and "===
 * No data will be restored ===" and exits 0 (backube/volsync v0.15.0 mover-restic/entry.sh {@code do_restore}), so
 * {@code lastManualSync} and a {@code latestImage} of an empty volume appear as after any restore (docs/field-findings.md §2).
 * The only evidence of data is in {@code status.latestMoverStatus.logs}, which keeps the lines of the mover's log
 * filter (last 1024 bytes, {@code internal/controller/mover/restic/logfilter.go} {@code ^\s*([rR]estoring)}): restic's
 * restore line, {@code restoring snapshot 1a2b3c4d of [/data] at … by root@volsync to .} since restic 0.17 (the
 * VolSync 0.15.0 mover image vendors restic 0.18.0, mover-restic/SOURCE_VERSIONS; {@code Snapshot.String} in
 * internal/restic/snapshot.go), {@code restoring <Snapshot 1a2b3c4d of [/data] …> to .} with restic 0.16 (VolSync ≤
 * 0.10). Both forms were captured from the real binaries (src/test/resources/mover-logs/). restic's closing
 * "Summary: Restored N files/dirs" is not kept by the filter. For the Kopia fork, kopia's "Restored N files, …" summary
 * (perfectra1n/volsync 6966ac30
 * {@code internal/controller/mover/kopia/logfilter.go}; the fork's image builds kopia v0.22.3, whose
 * {@code cli/command_restore.go} {@code printRestoreStats} prints it; never run here, see the fixtures' headers) - the fork's
 * filter drops its "No eligible snapshots found" line, so only the positive evidence can tell. No evidence, no data.
 */
public sealed interface RestoreOutcome {
    Pattern RESTIC_RESTORING = Pattern.compile("(?m)^\\s*restoring (?:snapshot|<Snapshot) ([0-9a-f]{8,64}) of ");
    Pattern KOPIA_RESTORED = Pattern.compile("(?m)^\\s*Restored (\\d+) files");
    List<String> NOTHING_MARKERS = List.of("No eligible snapshots found", "No data will be restored");

    /** The mover restored a snapshot; {@code evidence} is the log line that says so. */
    record Restored(String evidence) implements RestoreOutcome {
    }

    /** Nothing was restored, or nothing shows that anything was; {@code reason} says which. */
    record Nothing(String reason) implements RestoreOutcome {
    }

    static RestoreOutcome of(Settings.Mover mover, Map<String, Object> status, String trigger) {
        if (status == null) return new Nothing("the destination reports no status");
        if (!trigger.equals(status.get("lastManualSync"))) {
            return new Nothing("the destination has not finished this request (lastManualSync is "
                    + status.get("lastManualSync") + ")");
        }
        var mover_ = status.get("latestMoverStatus") instanceof Map<?, ?> m ? m : Map.of();
        var result = String.valueOf(mover_.get("result"));
        if (!"Successful".equals(result)) return new Nothing("the mover reported " + result);
        var logs = mover_.get("logs") instanceof String s ? s : "";
        for (var marker : NOTHING_MARKERS) {
            if (logs.contains(marker)) {
                return new Nothing("the mover found no snapshot for this restore point (its log says \"" + marker + "\")");
            }
        }
        if (!(status.get("latestImage") instanceof Map<?, ?>)) return new Nothing("the destination has no latestImage");
        Optional<String> evidence = switch (mover) {
            case RESTIC -> find(RESTIC_RESTORING, logs).map(m -> m);
            case KOPIA -> find(KOPIA_RESTORED, logs).filter(line -> !line.matches("(?s)\\s*Restored 0 files.*"));
        };
        return evidence.<RestoreOutcome>map(Restored::new).orElseGet(() -> new Nothing(
                "the mover's report shows no restored snapshot (no \"" + (mover == Settings.Mover.RESTIC
                        ? "restoring snapshot <id> of" : "Restored N files") + "\" line in status.latestMoverStatus.logs)"));
    }

    /** The error a restore stops with when its destination restored nothing. */
    static String refusal(VolumePlan plan, homelab.backups.config.RestoreRequest request, Nothing nothing) {
        var rd = plan.namespace() + "/" + plan.destinationName();
        return "RESTORE " + plan.app() + " stopped before its PVC was touched: the destination " + rd
                + " restored nothing for '" + request.text() + "' (request " + request.id() + "): " + nothing.reason()
                + ". The PVC " + plan.namespace() + "/" + plan.pvc() + " and its data are as they were; the destination "
                + "is kept for inspection (kubectl -n " + plan.namespace() + " get replicationdestination "
                + plan.destinationName() + " -o yaml). Pick a point the repository " + plan.repositoryPath()
                + " holds (README: Restore a volume), or remove the request: pulumi config rm --path "
                + "'homelab-backups:restore." + plan.app() + "'";
    }

    /** The error disaster recovery stops with when a destination restored nothing: the PVC is never created. */
    static String recoveryRefusal(VolumePlan plan, Nothing nothing) {
        var rd = plan.namespace() + "/" + plan.destinationName();
        return "DISASTER RECOVERY " + plan.app() + " stopped before its PVC was created: the destination " + rd
                + " restored nothing from the repository " + plan.repositoryPath() + ": " + nothing.reason()
                + ". The PVC " + plan.namespace() + "/" + plan.pvc() + " is not created empty; the destination is kept for "
                + "inspection (kubectl -n " + plan.namespace() + " get replicationdestination " + plan.destinationName()
                + " -o yaml). Point the stack at the repository that holds this app's backups (README: Disaster recovery)";
    }

    /** The error filling a waiting claim stops with when its destination restored nothing. */
    static String fillRefusal(VolumePlan plan, String trigger, Nothing nothing) {
        var rd = plan.namespace() + "/" + plan.destinationName();
        return "FILL " + plan.app() + " stopped: the destination " + rd + " restored nothing (trigger " + trigger
                + "): " + nothing.reason() + ". The waiting PVC " + plan.namespace() + "/" + plan.pvc() + " was not "
                + "written by this program and its ReplicationSource was not updated (its backups stay as they were: "
                + "paused, or not started); its restore check had found a backup, so the repository changed since, and "
                + "VolSync's populator may have bound the claim to the destination's empty volume, which no backup "
                + "records: start no app on it. If the repository " + plan.repositoryPath()
                + " should hold this app's backups, find them first (the wrong repository? README: Disaster recovery); "
                + "if the app really has none, start it empty: pulumi config set --path 'homelab-backups:restore."
                + plan.app() + "' fresh-start";
    }

    private static Optional<String> find(Pattern pattern, String logs) {
        var m = pattern.matcher(logs);
        if (!m.find()) return Optional.empty();
        var end = logs.indexOf('\n', m.start());
        return Optional.of(logs.substring(m.start(), end < 0 ? logs.length() : end).strip());
    }
}
