package homelab.backups.plan;

import homelab.backups.config.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The design's testing plan, read from the live cluster: is VolSync running, did each app's backup succeed within
 * its policy, did its latest restore drill pass, did each database back up and archive WAL, is a restore pending,
 * and does Longhorn still schedule backups. Pure: it reads objects through {@link Lookup} and the clock it is given.
 * {@code ./verify} prints it; {@code homelab-backups:longhorn.retireBackups} is refused unless every row is PROVEN.
 */
public record Verification(List<Check> checks, Instant at) {
    /** VolSync's controller-runtime leader-election lease (backube/volsync v0.15.0 cmd/main.go LeaderElectionID). */
    public static final String VOLSYNC_LEASE = "b95b3104.backube";
    /** A held lease is renewed every few seconds (controller-runtime: 10 s renew deadline, 15 s lease). */
    static final Duration LEASE_FRESH = Duration.ofMinutes(2);
    /** Longhorn RecurringJob tasks that create backups on the backup target (longhorn.io/v1beta2 RecurringJob.spec.task). */
    static final List<String> LONGHORN_BACKUP_TASKS = List.of("backup", "backup-force-create");

    /**
     * PROVEN, STALE, NEVER, FAILING: what the proof rows say. OK, BLOCKED, UNKNOWN: the egress rows ({@link Egress}):
     * BLOCKED counts against the verdict (tonight's backups cannot reach the store); UNKNOWN does not, because the
     * backup, drill and WAL rows are the proof that the store was reached, but it is never shown as OK.
     */
    public enum State {
        PROVEN, STALE, NEVER, FAILING, OK, BLOCKED, UNKNOWN,
        /**
         * The drill found another repository than the recorded one (reason=repository-replaced): wiped, moved or
         * initialised again; the history is not where the backups were (RepositoryIdentity).
         */
        REPLACED,
        /** The same repository, but snapshots the policy still keeps are gone (reason=history-lost). */
        HISTORY_LOST;

        /** Does this row let the verdict pass? */
        public boolean passes() {
            return this == PROVEN || this == OK || this == UNKNOWN;
        }
    }

    /**
     * One row of the table.
     *
     * @param last   when the thing last succeeded, if ever
     * @param detail what was read, in a few words
     */
    public record Check(String check, String item, String namespace, State state, Optional<Instant> last, String detail) {
        public Optional<Duration> age(Instant now) {
            return last.map(t -> Duration.between(t, now));
        }
    }

    /** Reads objects as the API server serves them. */
    public interface Lookup {
        Optional<Map<String, Object>> object(String apiVersion, String kind, String namespace, String name);

        /** Every object of the kind in the namespace (empty when the kind is not installed). */
        List<Map<String, Object>> objects(String apiVersion, String kind, String namespace);

        /**
         * Every object of the kind in every namespace, or of a cluster-scoped kind (empty when the kind is not
         * installed).
         *
         * @throws Unreadable when this reader may not list it (e.g. RBAC): the caller says it cannot tell
         */
        default List<Map<String, Object>> everywhere(String apiVersion, String kind) {
            throw new Unreadable("this reader does not list " + kind + " across namespaces");
        }

        /** Every PVC of the cluster, in every namespace. */
        List<LiveClaim> allClaims();

        /** Whether the API server serves the kind (its CRD is installed); an unreadable discovery is an error. */
        boolean served(String apiVersion, String kind);

        /** Whether the namespace exists; an unreadable answer is an error. */
        boolean namespaceExists(String name);
    }

    /** A kind the cluster will not list for us; the message says why. */
    public static final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Unreadable(String message) {
            super(message);
        }
    }

    public static Verification of(StackPlan plan, Lookup live, Instant now) {
        var settings = plan.inputs().settings();
        var checks = new ArrayList<Check>();
        checks.add(controller(settings, live, now));
        checks.addAll(Egress.checks(plan, live));
        for (var v : plan.volumes()) checks.add(backup(v, settings, live, now));
        for (var d : plan.drills()) checks.add(drill(d, live, now));
        for (var d : plan.databases()) {
            checks.add(DatabaseChecks.backup(d, settings, live, now));
            checks.add(DatabaseChecks.archive(d, live));
            // Issue 22: the database is proven by a recent passed restore drill, not by its backup having completed.
            checks.add(plan.databaseDrills().stream().filter(x -> x.id().equals(d.id())).findFirst()
                    .map(x -> DatabaseChecks.drill(x, live, now)).orElseGet(() -> DatabaseChecks.drillOff(d)));
        }
        // Issue 21: every live PVC backed up or excluded (the coverage ledger), and the alert rules installed.
        var coverage = Coverage.read(plan, live);
        checks.add(coverage.check());
        // Restore-before-bind: a backed-up PVC waiting for its data blocks the gate, named (docs/restore-before-bind.md).
        checks.addAll(coverage.waitingChecks());
        AlertsPresence.check(plan, live).ifPresent(checks::add);
        for (var v : plan.volumes()) v.restore().ifPresent(r -> checks.add(restore(v, settings, live)));
        for (var d : plan.databases()) d.restore().ifPresent(r -> checks.add(DatabaseChecks.restore(d, live)));
        checks.add(longhornJobs(settings, live));
        return new Verification(checks, now);
    }

    /** Every row is PROVEN. */
    public boolean proven() {
        return checks.stream().allMatch(c -> c.state().passes());
    }

    /**
     * Every row is PROVEN, or is a drill's identity failure that the stack acknowledges: REPLACED whose found id is
     * {@code drills.acceptRepository.<app>}, HISTORY_LOST whose current oldest snapshot is
     * {@code drills.acceptHistory.<app>}. For the retirement gate of {@code pulumi up} only: that up is what carries
     * the acknowledgement to the drill, so refusing it would leave a retired stack no way out; ./verify keeps showing
     * the row until the next drill passes on it.
     */
    public boolean provenOrAcknowledged(StackPlan plan) {
        return checks.stream().allMatch(c -> c.state().passes() || acknowledged(c, plan));
    }

    static boolean acknowledged(Check c, StackPlan plan) {
        if (!c.check().equals("drill")) return false;
        var d = plan.drills().stream().filter(p -> p.app().equals(c.item())).findFirst();
        if (d.isEmpty()) return false;
        if (c.state() == State.REPLACED) {
            return d.get().acceptedRepository().filter(id -> c.detail().startsWith("repository replaced: the repository is " + id + ",")).isPresent();
        }
        if (c.state() == State.HISTORY_LOST) {
            return d.get().acceptedOldest().filter(t -> c.detail().contains("(the oldest is now " + t + ",")).isPresent();
        }
        return false;
    }

    public List<Check> unproven() {
        return checks.stream().filter(c -> !c.state().passes()).toList();
    }

    /** The last line: may Longhorn's backups be retired, and if not, why not. */
    public String verdict() {
        if (proven()) return "Longhorn backups may be retired: every backup, drill and WAL archive is proven.";
        var reasons = unproven().stream().map(c -> c.check() + " " + c.item() + " " + c.state()).toList();
        return "Longhorn backups may NOT be retired: " + reasons.size() + " check(s) not proven: " + String.join(", ", reasons) + ".";
    }

    static Check controller(Settings settings, Lookup live, Instant now) {
        var ns = settings.volsync().namespace();
        var lease = live.object("coordination.k8s.io/v1", "Lease", ns, VOLSYNC_LEASE);
        if (lease.isEmpty()) {
            return new Check("volsync", "controller", ns, State.NEVER, Optional.empty(),
                    "no leader lease " + VOLSYNC_LEASE + ": the VolSync controller has never run here");
        }
        var holder = Unstructured.string(lease.get(), "spec.holderIdentity");
        var renewed = Unstructured.time(lease.get(), "spec.renewTime");
        if (holder.isEmpty() || renewed.isEmpty() || Duration.between(renewed.get(), now).compareTo(LEASE_FRESH) > 0) {
            return new Check("volsync", "controller", ns, State.FAILING, renewed,
                    "leader lease " + VOLSYNC_LEASE + " not renewed" + renewed.map(t -> " since " + t).orElse("")
                            + ": the controller is not running");
        }
        return new Check("volsync", "controller", ns, State.PROVEN, renewed, "leader " + holder.get());
    }

    static Check backup(VolumePlan v, Settings settings, Lookup live, Instant now) {
        var rs = live.object(VolSyncApi.VERSION, "ReplicationSource", v.namespace(), v.sourceName());
        var late = v.interval().plus(settings.monitoring().slack());
        var policy = "every " + AlertRules.duration(v.interval()) + ", late after " + AlertRules.duration(late);
        if (rs.isEmpty()) {
            return new Check("backup", v.app(), v.namespace(), State.NEVER, Optional.empty(),
                    "no ReplicationSource " + v.sourceName());
        }
        var last = Unstructured.time(rs.get(), "status.lastSyncTime");
        var result = Unstructured.string(rs.get(), "status.latestMoverStatus.result");
        if (result.filter("Failed"::equals).isPresent()) {
            return new Check("backup", v.app(), v.namespace(), State.FAILING, last,
                    "the latest mover run failed (status.latestMoverStatus); " + policy);
        }
        if (last.isEmpty()) {
            return new Check("backup", v.app(), v.namespace(), State.NEVER, last, "no backup has completed yet; " + policy);
        }
        var age = Duration.between(last.get(), now);
        return new Check("backup", v.app(), v.namespace(), age.compareTo(late) > 0 ? State.STALE : State.PROVEN, last, policy);
    }

    /**
     * The drill's CronJob and its Jobs: the newest finished Job decides, and a failure older than the last success
     * no longer counts (the CronJob controller sets status.lastSuccessfulTime from the completionTime of the Jobs it
     * controls that succeeded: kubernetes v1.34 pkg/controller/cronjob/cronjob_controllerv2.go syncCronJob). The
     * drill's own verdict is its pod's termination message (the script's last line; FallbackToLogsOnError).
     */
    static Check drill(DrillPlan d, Lookup live, Instant now) {
        var cronJob = live.object("batch/v1", "CronJob", d.namespace(), d.cronJobName());
        var every = "every " + d.everyDays() + "d, stale after " + AlertRules.duration(d.staleAfter());
        if (cronJob.isEmpty()) {
            return new Check("drill", d.app(), d.namespace(), State.NEVER, Optional.empty(), "no CronJob " + d.cronJobName());
        }
        var success = Unstructured.time(cronJob.get(), "status.lastSuccessfulTime");
        var newest = live.objects("batch/v1", "Job", d.namespace()).stream()
                .filter(j -> d.app().equals(Unstructured.label(j, DrillPlan.LABEL)))
                .filter(j -> finished(j, "Failed") || finished(j, "Complete"))
                .max(Comparator.comparing((Map<String, Object> j) -> Unstructured.time(j, "status.startTime").orElse(Instant.EPOCH)))
                .orElse(null);
        var said = newest == null ? Optional.<String>empty() : verdict(live, d.namespace(), Unstructured.name(newest));
        if (newest != null && finished(newest, "Failed")) {
            var started = Unstructured.time(newest, "status.startTime").orElse(Instant.EPOCH);
            if (success.isEmpty() || started.isAfter(success.get())) {
                var why = said.or(() -> Unstructured.condition(newest, "Failed")
                        .flatMap(c -> Optional.ofNullable(c.get("message"))).map(String::valueOf)).orElse("failed");
                var identity = identityFailure(d, said);
                if (identity.isPresent()) return new Check("drill", d.app(), d.namespace(), identity.get().state(), success,
                        identity.get().detail() + " (Job " + Unstructured.name(newest) + ": " + why + ")");
                return new Check("drill", d.app(), d.namespace(), State.FAILING, success,
                        "Job " + Unstructured.name(newest) + ": " + why);
            }
        }
        if (success.isEmpty()) return new Check("drill", d.app(), d.namespace(), State.NEVER, success, "no drill has passed yet; " + every);
        var age = Duration.between(success.get(), now);
        return new Check("drill", d.app(), d.namespace(), age.compareTo(d.staleAfter()) > 0 ? State.STALE : State.PROVEN,
                success, said.filter(s -> s.startsWith("drill PASS")).map(s -> s + "; ").orElse("") + every);
    }

    /** A drill verdict's reason, the first {@code reason=} field. */
    static final java.util.regex.Pattern REASON = java.util.regex.Pattern.compile(" reason=([a-z-]+)");

    private record IdentityFailure(State state, String detail) {
    }

    /**
     * A drill that failed on the repository's identity (drills/README.md "Repository identity"): its own state, both
     * ids, and what the owner does about it. Everything else a failed drill says stays FAILING.
     */
    private static Optional<IdentityFailure> identityFailure(DrillPlan d, Optional<String> said) {
        if (said.isEmpty()) return Optional.empty();
        var line = said.get();
        var reason = REASON.matcher(line);
        if (!reason.find()) return Optional.empty();
        var fields = new java.util.HashMap<String, String>();
        var kv = java.util.regex.Pattern.compile("([a-z_]+)=([^ ]+)").matcher(line);
        while (kv.find()) fields.putIfAbsent(kv.group(1), kv.group(2));
        var ack = "drills.acceptRepository." + d.app();
        return switch (reason.group(1)) {
            case "repository-replaced" -> Optional.of(new IdentityFailure(State.REPLACED, "repository replaced: the repository is "
                    + fields.getOrDefault("found", "?") + ", the drills recorded " + fields.getOrDefault("expected", "?")
                    + " (" + fields.getOrDefault("snapshots", "?") + " snapshot(s) in it, the oldest "
                    + fields.getOrDefault("oldest", "?") + "): it was wiped, moved or initialised again. Find the "
                    + "recorded repository's data; only if the re-initialisation was meant, set " + ack + ": "
                    + fields.getOrDefault("found", "<id>")));
            case "history-lost" -> Optional.of(new IdentityFailure(State.HISTORY_LOST, "history lost: repository "
                    + fields.getOrDefault("repository", "?") + " no longer holds its recorded oldest snapshot "
                    + fields.getOrDefault("recorded_oldest", "?") + " (the oldest is now " + fields.getOrDefault("oldest", "?")
                    + ", " + fields.getOrDefault("snapshots", "?") + " snapshot(s)) although the policy keeps snapshots "
                    + fields.getOrDefault("keep", "?") + ": they were forgotten or deleted outside the policy"));
            default -> Optional.empty();
        };
    }

    private static boolean finished(Map<String, Object> job, String type) {
        return Unstructured.condition(job, type).filter(c -> "True".equals(c.get("status"))).isPresent();
    }

    /**
     * The last line the drill's newest pod left (the Job controller labels its pods batch.kubernetes.io/job-name). A
     * Job may have several: the drill's podFailurePolicy ignores a {@code reason=locked} exit and starts another pod
     * (DrillSpecs), so the newest verdict is the one that decided.
     */
    static Optional<String> verdict(Lookup live, String namespace, String job) {
        return live.objects("v1", "Pod", namespace).stream()
                .filter(p -> job.equals(Unstructured.label(p, "batch.kubernetes.io/job-name")))
                .flatMap(p -> Unstructured.maps(p, "status.containerStatuses").stream())
                .filter(c -> Unstructured.string(c, "state.terminated.message").isPresent())
                .max(Comparator.comparing((Map<String, Object> c) ->
                        Unstructured.time(c, "state.terminated.finishedAt").orElse(Instant.EPOCH)))
                .flatMap(c -> Unstructured.string(c, "state.terminated.message"))
                .flatMap(m -> m.lines().map(String::strip).filter(l -> l.startsWith("drill ")).reduce((a, b) -> b));
    }

    /** A pending restore: PROVEN once its destination restored data (the request may then be removed). */
    static Check restore(VolumePlan v, Settings settings, Lookup live) {
        var request = v.restore().orElseThrow(() -> new IllegalStateException(
                v.app() + ": a restore check for a volume with no restore request"));
        var rd = live.object(VolSyncApi.VERSION, "ReplicationDestination", v.namespace(), v.destinationName());
        if (rd.isEmpty()) {
            return new Check("restore", v.app(), v.namespace(), State.NEVER, Optional.empty(),
                    "requested (" + request.text() + ", " + request.id() + "), not started: run pulumi up");
        }
        @SuppressWarnings("unchecked")
        var status = (Map<String, Object>) Unstructured.at(rd.get(), "status").filter(Map.class::isInstance).orElse(null);
        var outcome = RestoreOutcome.of(settings.volsync().mover(), status, request.id());
        if (outcome instanceof RestoreOutcome.Restored r) {
            return new Check("restore", v.app(), v.namespace(), State.PROVEN, Unstructured.time(rd.get(), "status.lastSyncTime"),
                    "restored (" + request.text() + "); remove the request once the app runs on it");
        }
        var nothing = (RestoreOutcome.Nothing) outcome;
        boolean finished = status != null && request.id().equals(status.get("lastManualSync"));
        return new Check("restore", v.app(), v.namespace(), finished ? State.FAILING : State.NEVER, Optional.empty(),
                (finished ? "restored nothing: " : "in progress: ") + nothing.reason());
    }

    /**
     * Longhorn must stop making backups before its target is cleared (docs/field-findings.md §9: delete the RecurringJobs
     * with a backup task first).
     */
    static Check longhornJobs(Settings settings, Lookup live) {
        var ns = settings.longhorn().namespace();
        var backups = live.objects("longhorn.io/v1beta2", "RecurringJob", ns).stream()
                .filter(j -> LONGHORN_BACKUP_TASKS.contains(Unstructured.string(j, "spec.task").orElse("")))
                .map(Unstructured::name).sorted().toList();
        if (backups.isEmpty()) {
            return new Check("longhorn", "recurring backups", ns, State.PROVEN, Optional.empty(), "no RecurringJob creates backups");
        }
        return new Check("longhorn", "recurring backups", ns, State.FAILING, Optional.empty(),
                "RecurringJobs still create Longhorn backups: " + String.join(", ", backups)
                        + " (delete recurring-jobs.yaml from Git first)");
    }

    /** The VolSync API group and version. */
    static final class VolSyncApi {
        static final String VERSION = "volsync.backube/v1alpha1";
    }

}
