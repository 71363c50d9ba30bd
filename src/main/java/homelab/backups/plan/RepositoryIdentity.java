package homelab.backups.plan;

import homelab.backups.config.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which repository an app's drill must find, and how much history it must still hold (issue 21 part 3; drills/README.md
 * "Repository identity").
 *
 * <p>VolSync's restic mover runs {@code restic init} whenever {@code restic cat config} says the repository does not
 * exist, before a backup and before a restore (backube/volsync v0.15.0 mover-restic/entry.sh {@code ensure_initialized}
 * and the {@code case} at its end): a wiped or moved prefix silently becomes a new, empty repository, and a drill that
 * only looks at the newest snapshot passes on it once a backup landed (docs/field-incidents-2026.md, gap 2). So the
 * drill prints the repository's id and oldest snapshot in its verdict, and the program carries what the last passing
 * drill saw into the drill CronJob's env, where the next drill compares.
 *
 * <p>The record lives on the CronJob itself: the drill pod has no Kubernetes client (the mover image of
 * config/MoverImage: backube/volsync v0.15.0 Dockerfile installs none) and no API token
 * ({@code automountServiceAccountToken: false}), so it cannot write anywhere; the program reads
 * the live CronJob and the newest passing drill's verdict at preview, before anything is registered. A ratchet:
 * <ul>
 *   <li>the id is the one already on the live CronJob; when there is none, the one the newest passing drill printed
 *   (the CronJob keeps its newest successful Job: successfulJobsHistoryLimit 1); when there is none either (a new
 *   app, the offline render), nothing is expected and the first passing drill sets it;</li>
 *   <li>the oldest snapshot is the one the newest passing drill of that same repository printed (it moves forward as
 *   the retention forgets), else the one on the live CronJob;</li>
 *   <li>{@code drills.acceptRepository.<app>: <id>} replaces the id: the owner's acknowledgement of a legitimate
 *   re-initialisation. The old repository's oldest snapshot is dropped with it. The value may stay: the drill then
 *   expects that id, so a later replacement fails again;</li>
 *   <li>{@code drills.acceptHistory.<app>: <time>} acknowledges lost snapshots of the same repository: the drill
 *   expects history back to that oldest snapshot, or to a newer one a later passing drill saw.</li>
 * </ul>
 * A failed drill never changes the record, so a replaced repository keeps failing until the owner acknowledges it.
 */
public final class RepositoryIdentity {
    public static final String ID_ENV = "EXPECTED_REPOSITORY_ID";
    public static final String OLDEST_ENV = "EXPECTED_OLDEST";
    public static final String KEEP_ENV = "DRILL_KEEP_SECONDS";
    public static final String BUCKET_ENV = "DRILL_KEEP_BUCKET_SECONDS";
    static final Pattern REPOSITORY = Pattern.compile("(?:^| )repository=([0-9a-f]{64})(?: |$)");
    static final Pattern OLDEST = Pattern.compile("(?:^| )oldest=([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)(?: |$)");

    private RepositoryIdentity() {
    }

    /**
     * What the next drill expects.
     *
     * @param source where the id came from, for the preview: {@code acknowledged}, {@code cronjob}, {@code drill} or
     *               {@code none}
     */
    public record Expected(Optional<String> id, Optional<String> oldest, String source) {
        public Expected {
            id.ifPresent(i -> {
                if (!REPOSITORY.matcher("repository=" + i).find()) throw new IllegalArgumentException("not a repository id: " + i);
            });
            oldest.ifPresent(o -> {
                if (!OLDEST.matcher("oldest=" + o).find()) throw new IllegalArgumentException("not an RFC 3339 UTC time: " + o);
            });
            if (oldest.isPresent() && id.isEmpty()) throw new IllegalArgumentException("an oldest snapshot without a repository id");
        }

        public static Expected none() {
            return new Expected(Optional.empty(), Optional.empty(), "none");
        }
    }

    /** What one drill verdict says about the repository (a PASS line carries both; older scripts carry neither). */
    public record Seen(String id, Optional<String> oldest) {
        public static Optional<Seen> of(String verdict) {
            var id = REPOSITORY.matcher(verdict);
            if (!id.find()) return Optional.empty();
            var oldest = OLDEST.matcher(verdict);
            return Optional.of(new Seen(id.group(1), oldest.find() ? Optional.of(oldest.group(1)) : Optional.empty()));
        }
    }

    /**
     * The span in which the policy keeps a snapshot for certain, and the bucket within which a newer snapshot
     * legitimately replaces an older one. restic's {@code --keep-<unit> n} keeps the newest snapshot of each of the n
     * newest hours/days/weeks/months/years that have one (restic v0.18.0 internal/restic/snapshot_policy.go
     * ApplyPolicy; VolSync passes the ReplicationSource's retain through: backube/volsync v0.15.0
     * mover/restic/mover.go generateForgetOptions), so the newest snapshot of its bucket is kept while fewer than n
     * buckets lie after it: for at least (n - 1) shortest buckets (a month counted as 28 days, a year as 365). {@code
     * --keep-within} keeps everything younger than its span (counted the same way). The longest of those decides;
     * a snapshot that vanished within its own bucket's length of the recorded one is ordinary retention. Zero: the
     * policy keeps at most one snapshot per class, and the drill does not check history.
     */
    public record Keep(Duration span, Duration bucket) {
        public static Keep of(Policy.Retention r) {
            var best = new Keep(Duration.ZERO, Duration.ZERO);
            best = longer(best, Duration.ofHours(Math.max(0, r.hourly() - 1)), Duration.ofHours(1));
            best = longer(best, Duration.ofDays(Math.max(0, r.daily() - 1)), Duration.ofDays(1));
            best = longer(best, Duration.ofDays(7L * Math.max(0, r.weekly() - 1)), Duration.ofDays(7));
            best = longer(best, Duration.ofDays(28L * Math.max(0, r.monthly() - 1)), Duration.ofDays(31));
            best = longer(best, Duration.ofDays(365L * Math.max(0, r.yearly() - 1)), Duration.ofDays(366));
            if (r.within().isPresent()) best = longer(best, within(r.within().get()), Duration.ZERO);
            return best;
        }

        private static Keep longer(Keep best, Duration span, Duration bucket) {
            return span.compareTo(best.span) > 0 ? new Keep(span, bucket) : best;
        }

        /** restic's --keep-within span, counted short (28-day months, 365-day years). */
        static Duration within(String text) {
            var m = Policy.Retention.WITHIN.matcher(text);
            if (!m.matches()) return Duration.ZERO;
            long[] days = {365, 28, 1};
            var out = Duration.ZERO;
            for (int i = 0; i < 3; i++) {
                var g = m.group(i + 1);
                if (g != null) out = out.plusDays(days[i] * Long.parseLong(g.substring(0, g.length() - 1)));
            }
            var h = m.group(4);
            return h == null ? out : out.plusHours(Long.parseLong(h.substring(0, h.length() - 1)));
        }
    }

    /** What the drill of {@code d} expects, read from the live cluster (see the class comment). */
    public static Expected expected(DrillPlan d, Verification.Lookup live) {
        var cronJob = live.object("batch/v1", "CronJob", d.namespace(), d.cronJobName());
        var env = cronJob.map(RepositoryIdentity::env).orElse(Map.of());
        var recordedId = Optional.ofNullable(env.get(ID_ENV)).filter(i -> REPOSITORY.matcher("repository=" + i).find());
        var recordedOldest = Optional.ofNullable(env.get(OLDEST_ENV)).filter(o -> OLDEST.matcher("oldest=" + o).find());
        var passed = cronJob.isEmpty() ? Optional.<Seen>empty() : newestPass(d, live);
        var accepted = d.acceptedRepository();
        String source;
        Optional<String> id;
        if (accepted.isPresent()) {
            id = accepted;
            source = "acknowledged";
        } else if (recordedId.isPresent()) {
            id = recordedId;
            source = "cronjob";
        } else if (passed.isPresent()) {
            id = Optional.of(passed.get().id());
            source = "drill";
        } else {
            return Expected.none();
        }
        var oldest = passed.filter(p -> p.id().equals(id.get())).flatMap(Seen::oldest)
                .or(() -> recordedId.equals(id) ? recordedOldest : Optional.empty());
        // Lost snapshots acknowledged: history back to the acknowledged oldest, and later to what newer passing drills
        // saw (UTC RFC 3339 to the second: the text orders as the time does).
        if (d.acceptedOldest().isPresent()) {
            var ack = d.acceptedOldest().get();
            oldest = Optional.of(oldest.filter(o -> o.compareTo(ack) > 0).orElse(ack));
        }
        return new Expected(id, oldest, source);
    }

    /**
     * What the preview says about an acknowledged repository: which id replaces which, so that a typo or a stale value
     * is seen before it is applied.
     */
    public static Optional<String> acknowledgement(DrillPlan d, Verification.Lookup live) {
        var history = d.acceptedOldest().map(t -> "HISTORY ACKNOWLEDGED drills.acceptHistory." + d.app() + ": the drill of "
                + d.app() + " expects its repository's history back to " + t + " (or to a newer oldest snapshot a later "
                + "passing drill saw); older snapshots are no longer required");
        var repository = repositoryAcknowledgement(d, live);
        if (repository.isPresent() && history.isPresent()) return Optional.of(repository.get() + "\n" + history.get());
        return repository.or(() -> history);
    }

    private static Optional<String> repositoryAcknowledgement(DrillPlan d, Verification.Lookup live) {
        if (d.acceptedRepository().isEmpty()) return Optional.empty();
        var accepted = d.acceptedRepository().get();
        var recorded = live.object("batch/v1", "CronJob", d.namespace(), d.cronJobName()).map(RepositoryIdentity::env)
                .map(e -> e.get(ID_ENV));
        var key = "drills.acceptRepository." + d.app();
        if (recorded.isPresent() && accepted.equals(recorded.get())) {
            return Optional.of(key + ": the drill of " + d.app() + " already expects repository " + accepted
                    + "; the value may stay (a later replacement fails the drill again) or go");
        }
        return Optional.of("REPOSITORY ACKNOWLEDGED " + key + ": the drill of " + d.app() + " will expect repository "
                + accepted + recorded.map(r -> " instead of the recorded " + r).orElse("")
                + "; the history of the recorded repository is no longer checked. The next drill must find this id.");
    }

    /** The env of the live CronJob's drill container. */
    static Map<String, String> env(Map<String, Object> cronJob) {
        var out = new java.util.TreeMap<String, String>();
        Unstructured.maps(cronJob, "spec.jobTemplate.spec.template.spec.containers").stream()
                .filter(c -> "drill".equals(c.get("name")))
                .flatMap(c -> Unstructured.maps(c, "env").stream())
                .forEach(e -> {
                    if (e.get("name") instanceof String n && e.get("value") instanceof String v) out.put(n, v);
                });
        return out;
    }

    /** The newest passing drill's verdict, when it names the repository. */
    static Optional<Seen> newestPass(DrillPlan d, Verification.Lookup live) {
        return live.objects("batch/v1", "Job", d.namespace()).stream()
                .filter(j -> d.app().equals(Unstructured.label(j, DrillPlan.LABEL)))
                .filter(j -> Unstructured.condition(j, "Complete").filter(c -> "True".equals(c.get("status"))).isPresent())
                .max(Comparator.comparing((Map<String, Object> j) -> Unstructured.time(j, "status.startTime").orElse(Instant.EPOCH)))
                .flatMap(j -> Verification.verdict(live, d.namespace(), Unstructured.name(j)))
                .filter(v -> v.startsWith("drill PASS"))
                .flatMap(Seen::of);
    }
}
