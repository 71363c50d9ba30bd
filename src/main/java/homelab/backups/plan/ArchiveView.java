package homelab.backups.plan;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one database lineage's backup archive holds, as read from the object store before anything is registered:
 * Barman Cloud's {@code <repository>/<serverName>/} (CNPG) or a pgBackRest stanza (PGO). Only what the program decides
 * on: the base backups with the system identifier of the cluster that wrote them, and the newest archived WAL.
 *
 * @param location   where it was read, as the owner would write it ({@code s3://bucket/path/serverName})
 * @param backups    every base backup found, completed or not, oldest first
 * @param newestWal  the newest WAL segment in the archive, when there is one
 */
public record ArchiveView(String location, List<BaseBackup> backups, Optional<WalTip> newestWal) {

    /**
     * One base backup. Barman: {@code base/<id>/backup.info} ({@code backup_id}, {@code systemid}, {@code status},
     * {@code begin_time}, {@code end_time}); pgBackRest: a {@code [backup:current]} entry of {@code backup.info} with the
     * stanza's {@code db-system-id}.
     *
     * @param id       Barman's backup id ({@code 20261127T020000}) or pgBackRest's label ({@code 20261127-020000F})
     * @param systemId the PostgreSQL system identifier of the cluster the backup was taken from
     * @param done     whether the backup completed (Barman {@code status=DONE}; pgBackRest lists completed ones only)
     */
    public record BaseBackup(String id, String systemId, Optional<Instant> begin, Optional<Instant> end, boolean done) {
        public BaseBackup {
            if (id == null || id.isBlank()) throw new IllegalArgumentException("a base backup needs its id");
            if (systemId == null || !systemId.matches("[0-9]{1,20}")) {
                throw new IllegalArgumentException("backup " + id + ": system identifier '" + systemId + "' is not a number");
            }
        }
    }

    /** The newest WAL segment in the archive, and when the store received it (its Last-Modified). */
    public record WalTip(String segment, Instant uploaded) {}

    public ArchiveView {
        if (location == null || location.isBlank()) throw new IllegalArgumentException("an archive view needs its location");
        backups = List.copyOf(backups);
    }

    /** Nothing was ever archived here: no base backup and no WAL. */
    public boolean empty() {
        return backups.isEmpty() && newestWal.isEmpty();
    }

    /** The system identifiers of every base backup here (more than one: two clusters wrote into one lineage). */
    public Set<String> systemIds() {
        var ids = new TreeSet<String>();
        backups.forEach(b -> ids.add(b.systemId()));
        return ids;
    }

    /** The completed base backups, oldest end first. */
    public List<BaseBackup> completed() {
        return backups.stream().filter(BaseBackup::done)
                .sorted(Comparator.comparing((BaseBackup b) -> b.end().orElse(Instant.MIN)).thenComparing(BaseBackup::id))
                .toList();
    }

    /** The newest completed base backup. */
    public Optional<BaseBackup> newest() {
        var done = completed();
        return done.isEmpty() ? Optional.empty() : Optional.of(done.get(done.size() - 1));
    }

    /** The completed backup with this id. */
    public Optional<BaseBackup> backup(String id) {
        return completed().stream().filter(b -> b.id().equals(id)).findFirst();
    }
}
