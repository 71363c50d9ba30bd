package homelab.backups.config;

import java.util.function.Function;

/**
 * What one database engine's inventory entry says beyond what every database has ({@link Database}): one record per
 * engine, each field required or optional as the engine needs it, so no code asks whether an option exists for this
 * engine. Sealed: a site that treats each engine calls {@link #match}, and adding an engine (a new record here and a
 * parameter of {@code match}) makes the compiler list every such site (docs/engines.md).
 */
public sealed interface EngineOptions permits CnpgOptions, PgoOptions {
    /** The engine's keyword in the inventory ({@code engine:}). */
    Database.Engine kind();

    /** Exhaustive dispatch: exactly one function runs, the one of this engine. */
    <R> R match(Function<CnpgOptions, ? extends R> cnpg, Function<PgoOptions, ? extends R> pgo);
}
