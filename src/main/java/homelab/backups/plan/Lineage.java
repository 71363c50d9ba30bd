package homelab.backups.plan;

import homelab.backups.config.ConfigError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Whether each database cluster may be wired into its archive (CNPG: the one its {@code serverName} names; PGO: its
 * stanza), decided before anything is
 * registered (issue 22 part 3; field incidents 17 and 18). Argo CD re-creates a pruned or rebuilt Cluster with
 * {@code initdb}: an empty database with a new PostgreSQL system identifier. Wiring it into the lineage that holds the
 * good history would archive its WAL there and (ScheduledBackup {@code immediate: true}) take a base backup of the
 * empty database at once, so that a later {@code latest} restore recovers the empty one.
 *
 * <p>The live cluster's identity is CNPG's {@code status.systemID}: the operator sets it when every instance that
 * reports a status reports the same {@code pg_control_system().system_identifier}, and clears it when none or several
 * differ (cloudnative-pg v1.28.0 internal/controller/cluster_status.go
 * updateClusterStatusThatRequiresInstancesState; the value comes from pkg/management/postgres/probes.go GetStatus).
 * Barman writes the same identifier into every base backup's {@code backup.info} ({@code systemid}), which
 * {@link ArchiveView#systemIds()} reads.
 *
 * <p>Decisions, per database ({@link #decide}):
 * <ul>
 *   <li>the archive is empty: wire it (a fresh lineage, the first adoption);</li>
 *   <li>every base backup there (completed or not) comes from the live cluster's system: wire it;</li>
 *   <li>a base backup from another system: refuse (LINEAGE), naming the cluster, the archive and the two ways out —
 *       restore the database, or start a new lineage by setting {@code serverName:} in the inventory (a fresh name
 *       the store shows empty is suggested);</li>
 *   <li>WAL but no base backup, a live cluster that does not exist or reports no {@code status.systemID}, an
 *       unreadable archive: refuse, saying what could not be told (nothing fails open);</li>
 *   <li>not read at all ({@link ArchiveRead.NotChecked}: the offline render, which never applies anything, or an
 *       encrypted pgBackRest stanza): wire it, recorded in {@link #unchecked} (a run that reads the store warns);
 *       {@code pulumi preview}/{@code up} always read the store.</li>
 * </ul>
 * When the database has a pending restore request, a mismatch (or a cluster with no identifier yet) does not stop the
 * run: the restore creates the recovered cluster, and the running cluster's backup wiring (its Cluster patch and
 * ScheduledBackup) is withheld ({@link #withheld}).
 *
 * <p>PGO the same way, with its own identifiers: the live PostgresCluster's {@code status.patroni.systemIdentifier}
 * (PGO copies it from the "initialize" annotation Patroni writes to its DCS after bootstrap: CrunchyData/postgres-operator
 * v6.0.0 internal/controller/postgrescluster/patroni.go reconcilePatroniStatus) against the stanza's backups
 * ({@code backup.info}, each backup's {@code db-system-id}). pgBackRest alone would refuse another system
 * ({@code archive-push} and {@code backup} compare pg_control with the stanza: pgbackrest release/2.45
 * src/command/archive/push/push.c, src/command/backup/backup.c, "do not match stanza"), but PGO does not leave it
 * there: for a PostgresCluster whose status does not say the stanza exists (a new object always) it runs
 * {@code pgbackrest stanza-create || pgbackrest stanza-upgrade} (v6.0.0 internal/pgbackrest/pgbackrest.go
 * StanzaCreateOrUpgrade, internal/controller/postgrescluster/pgbackrest.go reconcileStanzaCreate), and
 * {@code stanza-upgrade} takes over the stanza for whatever system identifier the running cluster has (release/2.45
 * src/command/stanza/upgrade.c: it sets the new version and system id when either differs). So a re-created
 * PostgresCluster wired into the old repository archives and backs up into it (docs/lineage.md). Nothing in this
 * program runs a stanza command itself.
 *
 * @param withheld  per database id whose backup wiring is withheld: why (the preview's warning)
 * @param unchecked per database id wired without its archive read: why
 * @param errors   the refusals; any one stops the run before anything is registered
 */
public record Lineage(Map<String, String> withheld, Map<String, String> unchecked, List<ConfigError> errors) {

    /** How many fresh server names ({@code <cluster>-v2} …) a refusal checks before it gives up suggesting one. */
    static final int SUGGESTIONS = 8;

    public Lineage {
        withheld = Collections.unmodifiableMap(new TreeMap<>(withheld));
        unchecked = Collections.unmodifiableMap(new TreeMap<>(unchecked));
        errors = List.copyOf(errors);
    }

    /** Nothing withheld, nothing refused. */
    public static Lineage none() {
        return new Lineage(Map.of(), Map.of(), List.of());
    }

    /** The stanza PGO names every cluster's repository with (v6.0.0 internal/pgbackrest DefaultStanzaName). */
    public static final String PGO_STANZA = "db";

    /** One database's outcome. */
    public sealed interface Decision permits Wire, Withhold, Refuse {
    }

    /**
     * Wire the cluster into its archive; {@code why} says what was found. {@code checked} is false when the archive
     * was not read ({@link ArchiveRead.NotChecked}): the offline render, or an encrypted pgBackRest stanza.
     */
    public record Wire(String why, boolean checked) implements Decision {
        public Wire(String why) {
            this(why, true);
        }
    }

    /** Do not register the running cluster's backup wiring; the pending restore goes ahead. */
    public record Withhold(String why) implements Decision {
    }

    /** Stop the run. */
    public record Refuse(String why) implements Decision {
    }

    /** Reads and decides every database of the plan before anything is registered. */
    public static Lineage review(String inventoryFile, List<DatabasePlan> databases, LiveReview.Lookup live,
                                 ArchiveLookup archives) {
        var withheld = new TreeMap<String, String>();
        var unchecked = new TreeMap<String, String>();
        var errors = new ArrayList<ConfigError>();
        for (var d : databases) {
            var db = d.database();
            var type = d.engine().cluster();
            // The archive first: an offline run reads no cluster status either, and an empty archive needs none.
            var archive = d.engine().match(cnpg -> archives.barman(d.repository(), cnpg.options().serverName()),
                    pgo -> archives.pgbackrest(d.repository(), PGO_STANZA));
            var cluster = archive instanceof ArchiveRead.NotChecked ? (LiveRead) new LiveRead.Absent()
                    : live.read(type.apiVersion(), type.kind(), db.namespace(), db.name());
            var decision = decide(d, cluster, archive, archives);
            var item = "databases (" + db.name() + ")";
            if (decision instanceof Refuse refuse) {
                errors.add(new ConfigError(inventoryFile, item, d.engine().match(c -> "serverName", p -> "name"), refuse.why()));
            } else if (decision instanceof Withhold withhold) {
                withheld.put(d.id(), withhold.why());
            } else if (decision instanceof Wire wire && !wire.checked()) {
                unchecked.put(d.id(), wire.why());
            }
        }
        return new Lineage(withheld, unchecked, errors);
    }

    /**
     * The decision for one database.
     *
     * @param cluster  the live Cluster as the API server returned it
     * @param archive  its lineage {@code <repository>/<serverName>/} as read
     * @param archives the store again, to find a fresh server name to suggest
     */
    public static Decision decide(DatabasePlan d, LiveRead cluster, ArchiveRead archive, ArchiveLookup archives) {
        var db = d.database();
        var serverName = d.engine().match(c -> c.options().serverName(), pgo -> db.name());
        var where = d.engine().match(c -> "the CNPG Cluster ", p -> "the PostgresCluster ") + db.namespace() + "/" + db.name();
        if (archive instanceof ArchiveRead.NotChecked notChecked) {
            return new Wire("archive not read (" + notChecked.why() + ")", false);
        }
        if (archive instanceof ArchiveRead.Unreadable unreadable) {
            return new Refuse("LINEAGE: cannot tell whether " + where + " may archive into " + unreadable.location()
                    + ": the archive could not be read (" + unreadable.why() + "). Wiring a cluster into an archive the "
                    + "run did not read could write an empty database over another cluster's history, so nothing was "
                    + "registered. Make the store reachable from where pulumi runs (README: Running it against the "
                    + "cluster), then preview again");
        }
        var view = ((ArchiveRead.Read) archive).view();
        if (view.empty()) return new Wire(view.location() + " is empty: a fresh lineage");
        var object = cluster instanceof LiveRead.Found found ? Optional.of(found.object()) : Optional.<Map<String, Object>>empty();
        if (view.backups().isEmpty()) {
            var wal = view.newestWal().orElseThrow();
            // PGO records per PostgresCluster object that it created (or upgraded) the stanza for this cluster: a
            // re-created object starts without it, so it vouches for WAL archived before the first full backup.
            if (object.isPresent() && d.engine().match(c -> false, p -> stanzaCreated(object.get(), PgBackRestRepo.restoreSource(d).name()))) {
                return new Wire(view.location() + " holds WAL but no backup yet, and " + where + " reports its own stanza "
                        + "created (status.pgbackrest.repos)");
            }
            return new Refuse("LINEAGE: cannot tell whose history " + view.location() + " holds: it has WAL (newest "
                    + wal.segment() + ", uploaded " + wal.uploaded() + ") but no base backup, and a WAL segment's path "
                    + "does not name the system it came from, so " + where + " is not wired into it. If this cluster "
                    + "archived that WAL (a first base backup that failed), take a base backup by hand ("
                    + d.engine().match(c -> "kubectl cnpg backup -n " + db.namespace() + " " + db.name()
                            + " --method plugin --plugin-name " + CnpgEngine.BARMAN_PLUGIN,
                    p -> "the PostgresCluster's manual backup: README, Restore a database")
                    + ") and preview again; otherwise " + newLineage(d, serverName, archives)
                    + ". Nothing was registered");
        }
        var systemId = object.flatMap(o -> systemId(d, o));
        if (systemId.isEmpty()) {
            String state;
            if (cluster instanceof LiveRead.Refused refused) {
                state = "could not be read (" + refused.why() + ")";
            } else if (object.isEmpty()) {
                state = "does not exist";
            } else {
                state = d.engine().match(c -> "reports no status.systemID yet (CNPG sets it once its instances report "
                        + "one identifier; the ConsistentSystemID condition says why not)",
                        p -> "reports no status.patroni.systemIdentifier yet (PGO sets it once Patroni has bootstrapped "
                                + "the cluster)");
            }
            var why = "cannot tell whether " + where + " is the cluster whose history " + view.location() + " holds ("
                    + describe(view) + "): the Cluster " + state;
            if (d.restore().isPresent() && !(cluster instanceof LiveRead.Refused)) {
                return new Withhold(why + "; the pending restore " + d.restore().get().id() + " goes ahead");
            }
            return new Refuse("LINEAGE: " + why + ". Nothing was registered. Preview again once the Cluster is "
                    + "running, or restore the database (restore." + d.id() + ": latest, README: Restore a database)");
        }
        var others = new java.util.TreeSet<>(view.systemIds());
        others.remove(systemId.get());
        if (others.isEmpty()) {
            return new Wire(view.location() + " holds " + view.backups().size() + " base backup(s), all from system "
                    + systemId.get());
        }
        var created = object.flatMap(o -> text(map(o.get("metadata")).get("creationTimestamp"))).orElse("unknown");
        var mismatch = where + " (system identifier " + systemId.get() + ", created " + created + ") is not the cluster "
                + "whose history " + view.location() + " holds (" + describe(view) + ")";
        if (d.restore().isPresent()) {
            return new Withhold(mismatch + "; the pending restore " + d.restore().get().id() + " recovers "
                    + d.recoveryName().orElse("") + " from it, and this cluster archives nothing there");
        }
        return new Refuse("LINEAGE: " + mismatch + ". Wiring it there would archive its WAL and an immediate base "
                + "backup into that lineage, and a later latest restore would recover this cluster instead of the "
                + "history. Nothing was registered. Either restore the database: pulumi config set --path "
                + "'homelab-backups:restore." + d.id() + "' latest (README: Restore a database, and Disaster recovery "
                + "of databases); or " + newLineage(d, serverName, archives));
    }

    /** The explicit, recorded step that starts a new lineage, with a fresh server name the store shows empty. */
    static String newLineage(DatabasePlan d, String serverName, ArchiveLookup archives) {
        var db = d.database();
        if (d.engine().match(c -> false, p -> true)) {
            // The inventory names no repository path for PGO (pgbackrest/<cluster>), so a new lineage needs the old one
            // moved: by hand, recorded in the commit that says so.
            return "start a new history by moving the old repository aside in the store (copy " + d.repository().url()
                    + " to another prefix, check the copy, delete the original; record the step in Git), then preview "
                    + "again: the inventory has no repository name of its own for a PGO cluster";
        }
        var step = "start a new lineage for this cluster by a change recorded in Git: set serverName: ";
        var base = db.name();
        for (int v = 2; v < 2 + SUGGESTIONS; v++) {
            var candidate = base + "-v" + v;
            if (candidate.equals(serverName)) continue;
            var read = archives.barman(d.repository(), candidate);
            if (read instanceof ArchiveRead.Read r && r.view().empty()) {
                return step + candidate + " on the database in the inventory (" + r.view().location() + " is empty)";
            }
            if (!(read instanceof ArchiveRead.Read)) {
                return step + "<a fresh name> on the database in the inventory (whether " + candidate
                        + " is free could not be read)";
            }
        }
        return step + "<a fresh name> on the database in the inventory (" + base + "-v2 to " + base + "-v"
                + (1 + SUGGESTIONS) + " all hold archives)";
    }

    /** The archive in one line: its system identifier(s) and newest base backup. */
    static String describe(ArchiveView view) {
        var text = new StringBuilder("system identifier" + (view.systemIds().size() == 1 ? " " : "s ")
                + String.join(", ", view.systemIds()));
        var newest = view.newest();
        if (newest.isPresent()) {
            text.append("; newest base backup ").append(newest.get().id()).append(" of system ")
                    .append(newest.get().systemId()).append(", ended ")
                    .append(newest.get().end().map(Object::toString).orElse("at an unknown time"));
        } else {
            text.append("; no completed base backup");
        }
        return text.toString();
    }

    /** The live cluster's PostgreSQL system identifier, as its operator reports it. */
    static Optional<String> systemId(DatabasePlan d, Map<String, Object> cluster) {
        var status = map(cluster.get("status"));
        return d.engine().match(c -> text(status.get("systemID")), p -> text(map(status.get("patroni")).get("systemIdentifier")));
    }

    /** PGO's own record that it created (or upgraded) the stanza of {@code repo} for this PostgresCluster object. */
    static boolean stanzaCreated(Map<String, Object> cluster, String repo) {
        var repos = map(map(cluster.get("status")).get("pgbackrest")).get("repos");
        if (!(repos instanceof List<?> list)) return false;
        return list.stream().anyMatch(r -> repo.equals(map(r).get("name")) && Boolean.TRUE.equals(map(r).get("stanzaCreated")));
    }

    /** Why the database's backup wiring is withheld, when it is. */
    public Optional<String> withheld(String databaseId) {
        return Optional.ofNullable(withheld.get(databaseId));
    }

    /** The error {@code pulumi preview}/{@code up} stop with. */
    public static String failure(List<ConfigError> errors) {
        var sorted = new ArrayList<>(errors);
        Collections.sort(sorted);
        var text = new StringBuilder("a database's backup archive holds another cluster's history, or could not be "
                + "checked (" + sorted.size() + " error" + (sorted.size() == 1 ? "" : "s") + "); nothing was registered:");
        for (var e : sorted) text.append("\n  - ").append(e);
        return text.toString();
    }

    /** The preview's warning for a withheld wiring. */
    public static String warning(DatabasePlan d, String why) {
        var db = d.database();
        return "LINEAGE " + d.id() + ": backups of " + db.namespace() + "/" + db.name() + " withheld: " + why
                + ". Its " + d.engine().match(c -> "Cluster patch and ScheduledBackup are", p -> "PostgresCluster patch is")
                + " not registered (a stack that had them removes them: the "
                + "patch's fields are given up, so the cluster stops archiving into that lineage). Once the app runs "
                + "on the recovered cluster, follow README: Disaster recovery of databases";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Optional<String> text(Object value) {
        return value instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }
}
