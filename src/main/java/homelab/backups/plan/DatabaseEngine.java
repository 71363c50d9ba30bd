package homelab.backups.plan;

import homelab.backups.config.Database;
import java.time.Duration;
import java.util.function.Function;

/**
 * How one database's engine backs it up, decided by the planner: the engine's options with its schedule resolved, and
 * the facts of its operator that every layer needs (the cluster resource, its labels, its service). One record per
 * engine ({@link CnpgEngine}, {@link PgoEngine}) is that engine's home in the plan; the spec builders
 * ({@code kubernetes/CnpgSpecs}, {@code PgoSpecs}: one class per engine), the live checks ({@link DatabaseChecks}) and the
 * alerts ({@link DatabaseAlerts}) have one method per engine and choose it by {@link #match}, so adding an engine
 * (a record here and a parameter of {@code match}) makes the compiler list every site left (docs/engines.md).
 */
public sealed interface DatabaseEngine permits CnpgEngine, PgoEngine {
    Database.Engine kind();

    /** Exhaustive dispatch: exactly one function runs, the one of this engine. */
    <R> R match(Function<CnpgEngine, ? extends R> cnpg, Function<PgoEngine, ? extends R> pgo);

    /** The operator's cluster resource: what the inventory names, what a restore or a drill creates. */
    Cluster cluster();

    /** The label the operator puts on each of a cluster's pods and volumes, valued with the cluster's name. */
    String clusterLabel();

    /** The field of the cluster's spec that names its Postgres image. */
    String imageField();

    /** The service an app connects to on a cluster of this name (the primary, read-write). */
    String primaryService(String cluster);

    /** How often the engine makes a base (CNPG) or full (PGO) backup: its schedule's longest gap. */
    Duration interval();

    /** The base (CNPG) or full (PGO) backup schedule, as the engine's resource holds it. */
    String scheduleText();

    /**
     * A Kubernetes resource type.
     *
     * @param apiVersion {@code group/version}
     * @param plural     the resource as RBAC and the API paths name it
     */
    record Cluster(String apiVersion, String kind, String plural) {
        public String group() {
            return apiVersion.substring(0, apiVersion.indexOf('/'));
        }
    }
}
