package homelab.backups.plan;

import homelab.backups.config.ConfigError;
import homelab.backups.config.RestorePoint;
import homelab.backups.config.RestoreRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A database restore request checked against the archive it will read, before anything is registered (issue 22 part
 * 2; field-incidents-2026 §C 16, 18, 19). Pure: the archive comes in through {@link ArchiveLookup}, the running
 * cluster as the API server served it.
 *
 * <ul>
 *   <li>the lineage read (CNPG: the inventory's serverName or the request's; PGO: the stanza) must hold a completed base
 *       backup: CNPG's recovery fails without one ("no target backup found": plugin-barman-cloud v0.14.0
 *       internal/cnpgi/restore/restore.go);</li>
 *   <li>a pinned backup must be there and completed (the catalog lookup by id takes it as is: barman-cloud
 *       pkg/catalog/catalog.go FindBackupInfo);</li>
 *   <li>a time before the oldest completed backup's end (or the pinned one's) cannot be reached: recovery replays WAL
 *       forward from a backup's consistent end, never backwards;</li>
 *   <li>a time after the newest archived WAL's upload is reported: PostgreSQL waits at the end of the archive for WAL
 *       that never comes ("recovery ended before configured recovery target was reached", incident 19);</li>
 *   <li>{@code latest} without a pin, when the lineage holds two systems, is refused: it could recover the other
 *       (empty) cluster's data (incident 18). The owner pins a backup of the right system, whose ids the error
 *       lists. A lineage of one system other than the running cluster's is the rebuild case (the running cluster
 *       was re-created empty): reported, not refused.</li>
 * </ul>
 * An unreadable archive refuses (nothing fails open); one not checked (offline render, an encrypted pgBackRest
 * repository) is a warning that the awaited restore check still proves the result.
 *
 * @param verdicts by database id, for every database with a restore request
 */
public record RestoreValidation(Map<String, Verdict> verdicts) {
    /** The key a restore request is written under, named by the errors. */
    static final String KEY = "homelab-backups:restore";
    /** PGO's stanza: the one the recovered and the running clusters use (PgoSpecs). */
    static final String STANZA = "db";

    /**
     * @param errors           refusals: the request cannot recover what it asks for
     * @param warnings         what the preview shows and up goes ahead with
     * @param expectedSystemId the system identifier the recovered cluster must report: the pinned backup's, else the
     *                         backup the point reads from; empty when the archive was not read (the check then takes the
     *                         running cluster's)
     */
    public record Verdict(List<ConfigError> errors, List<String> warnings, Optional<String> expectedSystemId) {
        public Verdict {
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
        }
    }

    public RestoreValidation {
        verdicts = Map.copyOf(verdicts);
    }

    public static RestoreValidation none() {
        return new RestoreValidation(Map.of());
    }

    public List<ConfigError> errors() {
        return verdicts.values().stream().flatMap(v -> v.errors().stream()).sorted().toList();
    }

    public List<String> warnings() {
        return new TreeMap<>(verdicts).values().stream().flatMap(v -> v.warnings().stream()).toList();
    }

    public Optional<String> expectedSystemId(String databaseId) {
        return Optional.ofNullable(verdicts.get(databaseId)).flatMap(Verdict::expectedSystemId);
    }

    /** The running cluster's system identifier as its operator reports it: CNPG {@code status.systemID}; PGO none. */
    static Optional<String> runningSystemId(DatabasePlan d, Optional<Map<String, Object>> cluster) {
        return d.engine().match(cnpg -> cluster.flatMap(c -> Unstructured.string(c, "status.systemID"))
                .filter(s -> s.matches("[0-9]{1,20}")), pgo -> Optional.<String>empty());
    }

    /** Every requested database restore, checked. */
    public static RestoreValidation of(List<DatabasePlan> databases, Map<String, Optional<Map<String, Object>>> clusters,
                                       ArchiveLookup archives) {
        var out = new TreeMap<String, Verdict>();
        for (var d : databases) {
            d.restore().ifPresent(r -> out.put(d.id(), check(d, r, runningSystemId(d, clusters.getOrDefault(d.id(),
                    Optional.empty())), archives)));
        }
        return new RestoreValidation(out);
    }

    /** One request against the lineage it reads. */
    static Verdict check(DatabasePlan d, RestoreRequest r, Optional<String> running, ArchiveLookup archives) {
        var errors = new ArrayList<ConfigError>();
        var warnings = new ArrayList<String>();
        var serverName = d.engine().match(cnpg -> Optional.of(r.pin().serverName().orElse(cnpg.options().serverName())),
                pgo -> Optional.<String>empty());
        var read = d.engine().match(cnpg -> archives.barman(d.repository(), serverName.orElseThrow()),
                pgo -> archives.pgbackrest(d.repository(), STANZA));
        var where = d.repository().url() + serverName.map(s -> "/" + s).orElse(" (stanza " + STANZA + ")");
        if (read instanceof ArchiveRead.Unreadable u) {
            errors.add(error(u.location(), d, "RESTORE refused: the archive could not be read (" + u.why() + "), so "
                    + "nothing says the request can recover: fix the store's reachability or credentials and preview again"));
            return new Verdict(errors, warnings, Optional.empty());
        }
        if (read instanceof ArchiveRead.NotChecked n) {
            warnings.add("RESTORE " + d.id() + " NOT VALIDATED against the archive " + where + " (" + n.why() + "): the "
                    + "restore check Job that pulumi up awaits still proves the result (README: Restore a database)");
            return new Verdict(errors, warnings, Optional.empty());
        }
        var view = ((ArchiveRead.Read) read).view();
        var completed = view.completed();
        if (completed.isEmpty()) {
            var others = d.engine().match(cnpg -> archives.barmanServers(d.repository()), pgo -> List.<String>of());
            errors.add(error(view.location(), d, "RESTORE refused: the lineage holds no completed base backup"
                    + (view.backups().isEmpty() ? "" : " (" + view.backups().size() + " not completed)")
                    + ", so there is nothing to recover from"
                    + (others.isEmpty() ? "" : "; lineages with backups under " + d.repository().url() + ": "
                    + String.join(", ", others) + " (write restore." + d.id() + ".serverName to read one)")));
            return new Verdict(errors, warnings, Optional.empty());
        }
        Optional<ArchiveView.BaseBackup> pinned = Optional.empty();
        if (r.backup().isPresent()) {
            var id = r.backup().get();
            pinned = view.backup(id);
            if (pinned.isEmpty()) {
                var there = view.backups().stream().filter(b -> b.id().equals(id)).findFirst();
                errors.add(error(view.location(), d, "RESTORE refused: the pinned backup " + id + (there.isPresent()
                        ? " is there but did not complete" : " is not in the lineage") + "; its completed backups: "
                        + list(completed)));
                return new Verdict(errors, warnings, Optional.empty());
            }
        }
        var oldest = completed.get(0);
        var newest = completed.get(completed.size() - 1);
        Optional<ArchiveView.BaseBackup> from = pinned;
        if (r.point() instanceof RestorePoint.AsOf asOf) {
            var at = asOf.time().toInstant();
            if (oldest.end().isPresent() && at.isBefore(oldest.end().get())) {
                errors.add(error(view.location(), d, "RESTORE refused: " + asOf.text() + " is before the end of the oldest "
                        + "completed backup, " + oldest.id() + " (" + time(oldest.end().get()) + "): recovery replays WAL "
                        + "forward from a backup's end, so nothing earlier can be reached"));
            } else if (pinned.isPresent() && pinned.get().end().isPresent() && at.isBefore(pinned.get().end().get())) {
                errors.add(error(view.location(), d, "RESTORE refused: " + asOf.text() + " is before the end of the pinned "
                        + "backup " + pinned.get().id() + " (" + time(pinned.get().end().get()) + "): pin an older backup "
                        + "or a later time; backups there: " + list(completed)));
            }
            var tip = view.newestWal();
            if (tip.isEmpty()) {
                warnings.add("RESTORE " + d.id() + ": " + view.location() + " holds no archived WAL, so recovery to "
                        + asOf.text() + " can reach no further than a backup's end; CNPG would wait for WAL that never comes");
            } else if (at.isAfter(tip.get().uploaded())) {
                warnings.add("RESTORE " + d.id() + ": " + asOf.text() + " is after the newest archived WAL, "
                        + tip.get().segment() + " (uploaded " + time(tip.get().uploaded()) + "): recovery ends there "
                        + "before the target, and CNPG waits for WAL that never comes (field-incidents §C 19). Write a "
                        + "time before it, or latest");
            }
            if (from.isEmpty()) {
                // What the catalog picks for a time: the newest completed backup that ended before it
                // (barman-cloud pkg/catalog/catalog.go findClosestBackupFromTargetTime).
                from = completed.stream().filter(b -> b.end().map(e -> !e.isAfter(at)).orElse(false))
                        .reduce((a, b) -> b);
            }
        } else if (pinned.isEmpty()) {
            var systems = view.completed().stream().map(ArchiveView.BaseBackup::systemId).collect(Collectors.toCollection(java.util.TreeSet::new));
            if (systems.size() > 1) {
                errors.add(error(view.location(), d, "RESTORE refused: latest is ambiguous: the lineage holds backups of "
                        + systems.size() + " PostgreSQL systems (" + bySystem(completed) + "); the newest, " + newest.id()
                        + ", is system " + newest.systemId() + ". A rebuilt, empty cluster may have written it "
                        + "(field-incidents §C 18): pin the backup to recover with restore." + d.id() + ".backup"));
            } else if (running.isPresent() && !running.get().equals(newest.systemId())) {
                // One system's history, and the running cluster is another system: after a rebuild (Argo CD
                // re-created the cluster with initdb) that is exactly the case a restore is for (README: Disaster
                // recovery of databases; plan/Lineage withholds the new cluster's wiring meanwhile). The request is
                // the owner's word; the preview says plainly whose data comes back, and the restore check expects it.
                warnings.add("RESTORE " + d.id() + ": latest recovers backup " + newest.id() + " of system "
                        + newest.systemId() + " from " + view.location() + ", but the running cluster "
                        + d.database().namespace() + "/" + d.database().name() + " is system " + running.get()
                        + " (a cluster re-created since, e.g. by Argo CD with initdb). That is the history this lineage "
                        + "holds; if it is not the app's, read another one with restore." + d.id() + ".serverName");
            }
            from = Optional.of(newest);
        }
        var expected = from.map(ArchiveView.BaseBackup::systemId);
        return new Verdict(errors, warnings, errors.isEmpty() ? expected : Optional.empty());
    }

    private static ConfigError error(String location, DatabasePlan d, String message) {
        return new ConfigError(location, KEY, d.id(), message);
    }

    private static String list(List<ArchiveView.BaseBackup> backups) {
        return backups.stream().map(b -> b.id() + b.end().map(e -> " (ended " + time(e) + ", system " + b.systemId() + ")")
                .orElse(" (system " + b.systemId() + ")")).collect(Collectors.joining(", "));
    }

    private static String bySystem(List<ArchiveView.BaseBackup> backups) {
        var by = new TreeMap<String, List<String>>();
        backups.forEach(b -> by.computeIfAbsent(b.systemId(), k -> new ArrayList<>()).add(b.id()));
        return by.entrySet().stream().map(e -> "system " + e.getKey() + ": " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
    }

    private static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
