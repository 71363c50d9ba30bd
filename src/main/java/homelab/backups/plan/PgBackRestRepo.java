package homelab.backups.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * A pgBackRest repository as pgBackRest and PGO number it: {@code repo<n>}, where n is the repository's position in the
 * cluster's list, from 1. Every {@code repo<n>-*} option, the {@code repos[].name} of a PostgresCluster, its status and
 * pgMonitor's {@code repo} label derive from that position here; PGO accepts {@code repo1} to {@code repo4}
 * (the PostgresCluster CRD's {@code ^repo[1-4]} pattern).
 *
 * @param index      the position, from 1
 * @param repository what the position holds
 */
public record PgBackRestRepo(int index, Repository repository) {
    /** The most repositories a PostgresCluster can have. */
    public static final int MAX = 4;

    public PgBackRestRepo {
        if (index < 1 || index > MAX) throw new IllegalArgumentException("pgBackRest repository " + index + " is not 1-" + MAX);
    }

    /** The cluster's repositories in the plan's order, numbered from 1. */
    public static List<PgBackRestRepo> of(DatabasePlan d) {
        var repos = new ArrayList<PgBackRestRepo>();
        for (var r : d.repositories()) repos.add(new PgBackRestRepo(repos.size() + 1, r));
        return List.copyOf(repos);
    }

    /** The repository restores and drills read: the first. */
    public static PgBackRestRepo restoreSource(DatabasePlan d) {
        return of(d).get(0);
    }

    /** {@code repo<n>}: the repository's name in {@code spec.backups.pgbackrest.repos} and in PGO's status. */
    public String name() {
        return "repo" + index;
    }

    /** {@code repo<n>-<option>}: a pgBackRest option of this repository, e.g. {@code key("path")}. */
    public String key(String option) {
        return name() + "-" + option;
    }
}
