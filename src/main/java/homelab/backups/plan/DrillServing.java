package homelab.backups.plan;

import java.util.Map;
import java.util.Optional;

/**
 * What a database drill's throwaway cluster copies from the running cluster to serve like it (issue 22 part 4), read
 * live at {@code pulumi preview}/{@code up} as a restore's is ({@link LiveReview#pgoServing}: the same sections, the
 * same exclusions). Without it the immich drill would recover a cluster without {@code shared_preload_libraries:
 * vchord.so}, whose VectorChord indexes then fail, and prove less than a restore brings back.
 *
 * <p>PGO only, as issue 22 part 4 asks and as the restore copies: a CNPG drill's Cluster is rendered from the
 * inventory and the running cluster's image alone (its {@code spec.postgresql} is not copied, by the restore either).
 *
 * <p>Nothing fails open here because nothing is proven by it: the drill still compares system identifiers and rows.
 * When the running cluster cannot be read, the drill is rendered without its serving configuration and the preview
 * says so ({@link #unread}), rather than refusing the up that installs every other backup.
 *
 * @param drill  the drill, with the serving configuration read (empty when the running cluster sets none or was not read)
 * @param unread why the running cluster could not be read: empty when it was
 */
public record DrillServing(DatabaseDrillPlan drill, Optional<String> unread) {

    /** The drill's serving configuration from the live running cluster. */
    public static DrillServing read(DatabaseDrillPlan drill, LiveReview.Lookup live) {
        return drill.engine().match(cnpg -> new DrillServing(drill, Optional.empty()), pgo -> {
            var db = drill.database().database();
            var type = pgo.cluster();
            var where = "the " + type.kind() + " " + db.namespace() + "/" + db.name();
            var read = live.read(type.apiVersion(), type.kind(), db.namespace(), db.name());
            if (read instanceof LiveRead.Found found) {
                return new DrillServing(drill.withServing(LiveReview.pgoServing(map(found.object().get("spec")))),
                        Optional.empty());
            }
            var why = read instanceof LiveRead.Refused refused
                    ? "the API server refused to show " + where + " (" + refused.why() + ")"
                    : where + " is not in the cluster";
            return new DrillServing(drill.withServing(Map.of()), Optional.of(why));
        });
    }

    /** The preview's line when the running cluster was not read. */
    public Optional<String> warning() {
        return unread.map(why -> "database drill " + drill.id() + ": " + why + ", so its throwaway cluster is rendered "
                + "without the running cluster's serving configuration (config.parameters and files, Patroni's "
                + "postgresql parameters and pg_hba, authentication.rules). The drill still runs; a database that needs "
                + "them (immich: shared_preload_libraries vchord.so) may fail it. The next pulumi up that reads the "
                + "cluster puts them in (README: Database restore drills)");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
