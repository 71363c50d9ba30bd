package homelab.backups.runtime;

import com.pulumi.deployment.internal.EngineLogger;
import com.pulumi.resources.Resource;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import javax.annotation.Nullable;

/**
 * The engine logger of real runs, without the SDK's own debug chatter. The SDK (1.36.1) sends four or more debug
 * messages per resource ("Preparing resource", "Registering resource", "Registered resource", …), and its engine
 * logger sends every message as its own Log call to the engine, each only after the previous one was answered (so
 * that messages keep their order): for the prod stack about 500 round trips, one after another, that the run waits
 * for before it may end. The engine shows debug messages only under {@code --debug}, and nothing tells the program
 * whether that flag is set, so they are dropped unless {@code PULUMI_EXCESSIVE_DEBUG_OUTPUT=true} (the SDK's own
 * switch for more debug output) asks for them. Everything else, errors included, goes through unchanged.
 */
final class QuietEngineLogger implements EngineLogger {
    private final EngineLogger engine;
    private final boolean forwardDebug;

    QuietEngineLogger(EngineLogger engine, boolean forwardDebug) {
        this.engine = engine;
        this.forwardDebug = forwardDebug;
    }

    /** For runs nobody reads the debug messages of (the render's mocked runs). */
    static EngineLogger withoutDebug(EngineLogger engine) {
        return new QuietEngineLogger(engine, false);
    }

    /** What {@code PULUMI_EXCESSIVE_DEBUG_OUTPUT} says, read as the SDK reads its boolean variables. */
    static boolean debugRequested(java.util.Map<String, String> environment) {
        var value = environment.getOrDefault("PULUMI_EXCESSIVE_DEBUG_OUTPUT", "");
        return value.equalsIgnoreCase("true") || value.equals("1");
    }

    /** Every message but debug reaches the engine's logger (info, warn and error come here by their defaults). */
    @Override
    public CompletableFuture<Void> logAsync(Level level, String message, @Nullable Resource resource,
                                            @Nullable Integer streamId, @Nullable Boolean ephemeral) {
        // The SDK logs debug at FINEST (its engine logger) or FINE (this interface's default debugAsync).
        if (level.intValue() < Level.INFO.intValue()) return debugAsync(message, resource, streamId, ephemeral);
        return engine.logAsync(level, message, resource, streamId, ephemeral);
    }

    @Override
    public CompletableFuture<Void> debugAsync(String message, @Nullable Resource resource,
                                              @Nullable Integer streamId, @Nullable Boolean ephemeral) {
        if (!forwardDebug) return CompletableFuture.completedFuture(null);
        return engine.debugAsync(message, resource, streamId, ephemeral);
    }

    @Override
    public int getErrorCount() {
        return engine.getErrorCount();
    }

    @Override
    public boolean hasLoggedErrors() {
        return engine.hasLoggedErrors();
    }
}
