package homelab.backups.plan;

import homelab.backups.config.RestorePoint;
import homelab.backups.config.Settings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The check that runs before a ReplicationDestination may exist: a Kubernetes Job in the app's namespace that lists the
 * app's repository read-only with the mover's own selection (drills/restore-check.sh) and fails when nothing would be
 * restored (docs/restore-check.md).
 *
 * <p>Why before: VolSync's restic mover reports success when no snapshot matched ("No eligible snapshots found", exit
 * 0: backube/volsync v0.15.0 mover-restic/entry.sh do_restore l.334-353), runs {@code restic init} on a missing
 * repository even for a restore (ensure_initialized l.91-152, called for "restore" at l.380-381), and snapshots the
 * empty destination volume into {@code status.latestImage}; a claim whose {@code dataSourceRef} names the destination
 * is populated from that image as soon as it exists. {@link RestoreOutcome} reads the destination's report afterwards,
 * which protects the PVCs this program creates, but not a claim someone else created first.
 *
 * @param jobName    {@code <app>-restore-check-<8 hex>}, at most 63 characters (the Job controller puts it in the
 *                   pods' {@code job-name} label, whose values are limited to 63); the hex is derived from everything
 *                   the check decides on, so a new request (or a fresh start) is a new Job that runs again
 * @param trigger    the destination's trigger the check stands for (the request id, or the disaster-recovery id)
 * @param allowEmpty the owner asked for a fresh start: a repository that is missing or holds no eligible snapshot
 *                   passes (the bind helper's {@code fresh-start} sets it; nothing else does)
 */
public record RestoreCheck(String app, String namespace, String jobName, String secretName, Settings.Mover mover,
                           String image, RestorePoint point, String trigger, boolean allowEmpty) {
    /** On the Job and its pods: which app's restore it checks (what the e2e stand-in and ./verify select by). */
    public static final String LABEL = "homelab-backups/restore-check";
    /** The Job's own deadline: listing snapshots takes seconds; a check stuck for this long fails (DeadlineExceeded). */
    public static final Duration DEADLINE = Duration.ofMinutes(10);
    /**
     * How long {@code pulumi up} waits for the Job: longer than its deadline, so the Job's own DeadlineExceeded is what
     * the owner reads, not the provider's timeout.
     */
    public static final Duration AWAIT = DEADLINE.plusMinutes(5);
    public static final String SCRIPT = "restore-check.sh";
    static final int NAME_LIMIT = 63;
    static final String INFIX = "-restore-check-";

    public RestoreCheck {
        if (jobName.length() > NAME_LIMIT) throw new IllegalArgumentException("job name over 63 characters: " + jobName);
    }

    /**
     * The check for the destination {@code claim} creates.
     *
     * @throws IllegalArgumentException when the claim is not populated: a check exists only with a destination
     */
    public static RestoreCheck of(VolumePlan plan, ClaimHandling claim, Settings.Mover mover, String image,
                                  boolean allowEmpty) {
        if (!claim.populated()) {
            throw new IllegalArgumentException(plan.app() + ": a restore check exists only with a destination (mode "
                    + claim.mode() + ")");
        }
        var trigger = claim.restoreId().orElseThrow(() -> new IllegalStateException(plan.app() + ": a populated claim (mode "
                + claim.mode() + ") has no restore id"));
        // The point the destination restores: the request's (a restore, or a waiting claim filled on request), else
        // the latest (disaster recovery; fresh-start, which restores the latest backup when there is one).
        RestorePoint point = (claim.mode() == ClaimHandling.Mode.RESTORE || claim.mode() == ClaimHandling.Mode.FILL)
                ? plan.restore().map(homelab.backups.config.RestoreRequest::point)
                        .filter(p -> !(p instanceof RestorePoint.FreshStart)).orElse(new RestorePoint.Latest())
                : new RestorePoint.Latest();
        var basis = String.join("|", plan.namespace(), plan.app(), plan.repositoryUrl(), trigger, point.text(),
                Boolean.toString(allowEmpty), mover.id());
        return new RestoreCheck(plan.app(), plan.namespace(), jobName(plan.app(), basis), plan.secretName(), mover, image,
                point, trigger, allowEmpty);
    }

    /** {@code <app>-restore-check-<8 hex of basis>}, the app cut (never to nothing) to keep within 63 characters. */
    static String jobName(String app, String basis) {
        var hex = sha256(basis).substring(0, 8);
        var room = NAME_LIMIT - INFIX.length() - hex.length();
        var prefix = app.length() > room ? app.substring(0, room).replaceAll("-+$", "") : app;
        return prefix + INFIX + hex;
    }

    /**
     * The check's environment besides the repository Secret: what VolSync gives its mover for this point
     * (backube/volsync v0.15.0 internal/controller/mover/restic/mover.go l.386-408: RESTORE_AS_OF is
     * {@code restoreAsOf} as written, SELECT_PREVIOUS is {@code previous}; both empty when unset).
     */
    public Map<String, String> env() {
        var env = new LinkedHashMap<String, String>();
        env.put("CHECK_APP", app);
        env.put("CHECK_POINT", point.text());
        env.put("RESTORE_AS_OF", point instanceof RestorePoint.AsOf asOf ? asOf.text() : "");
        env.put("SELECT_PREVIOUS", point instanceof RestorePoint.Previous previous ? Integer.toString(previous.n()) : "");
        env.put("CHECK_ALLOW_EMPTY", Boolean.toString(allowEmpty));
        return env;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
