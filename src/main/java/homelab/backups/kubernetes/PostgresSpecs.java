package homelab.backups.kubernetes;

import homelab.backups.plan.DatabasePlan;

/**
 * What the database specs share across engines. Each engine's Kubernetes shape has its own class
 * ({@link CnpgSpecs}, {@link PgoSpecs}), chosen by the engine's {@code match} (docs/engines.md); only what reads the
 * engine through {@code DatabaseEngine}'s own facts lives here.
 */
public final class PostgresSpecs {
    private PostgresSpecs() {
    }

    /** The service an app connects to on a recovered cluster. */
    public static String recoveryService(DatabasePlan d) {
        return d.engine().primaryService(d.recoveryName().orElseThrow(() -> notRequested(d)));
    }

    static IllegalStateException notRequested(DatabasePlan d) {
        return new IllegalStateException("no restore of " + d.id() + " is requested, so there is no recovered cluster");
    }
}
