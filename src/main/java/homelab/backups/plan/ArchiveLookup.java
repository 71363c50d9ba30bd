package homelab.backups.plan;

import java.util.List;

/**
 * The database archives in the object store, as far as the checks before registration need them. {@code pulumi
 * preview}/{@code up} read the real store; the offline render answers {@link ArchiveRead.NotChecked}; tests answer
 * from fixtures.
 */
public interface ArchiveLookup {

    /** Barman Cloud (CNPG through the plugin): the lineage {@code <repository url>/<serverName>/}. */
    ArchiveRead barman(Repository repository, String serverName);

    /**
     * The lineages (server names) directly under the repository that hold at least one base backup, sorted: what an
     * error offers when the configured one holds none.
     */
    List<String> barmanServers(Repository repository);

    /** pgBackRest (PGO): the stanza in the repository ({@code <path>/backup/<stanza>/backup.info} and its archive). */
    ArchiveRead pgbackrest(Repository repository, String stanza);

    /** An answer for runs with no store: every read is {@link ArchiveRead.NotChecked} with {@code why}. */
    static ArchiveLookup offline(String why) {
        return new ArchiveLookup() {
            public ArchiveRead barman(Repository repository, String serverName) {
                return new ArchiveRead.NotChecked(why);
            }

            public List<String> barmanServers(Repository repository) {
                return List.of();
            }

            public ArchiveRead pgbackrest(Repository repository, String stanza) {
                return new ArchiveRead.NotChecked(why);
            }
        };
    }
}
