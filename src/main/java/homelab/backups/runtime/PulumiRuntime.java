package homelab.backups.runtime;

import com.pulumi.Config;
import com.pulumi.Context;
import com.pulumi.Pulumi;
import com.pulumi.context.internal.ConfigContextInternal;
import com.pulumi.context.internal.ContextInternal;
import com.pulumi.context.internal.LoggingContextInternal;
import com.pulumi.context.internal.OutputContextInternal;
import com.pulumi.core.Output;
import com.pulumi.core.internal.OutputFactory;
import com.pulumi.deployment.Deployment;
import com.pulumi.deployment.internal.DeploymentImpl;
import com.pulumi.deployment.internal.DeploymentInstanceHolder;
import com.pulumi.deployment.internal.DeploymentInstanceInternal;
import com.pulumi.deployment.internal.DeploymentInternal;
import com.pulumi.exceptions.RunException;
import com.pulumi.internal.PulumiInternal;
import com.pulumi.test.Mocks;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.PulumiTestInternal;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The one place the program reaches into the Pulumi Java SDK's internals ({@code com.pulumi.*.internal}): every
 * other class uses only the SDK's public API. The internals have no compatibility promise, so this adapter was
 * written against one SDK version, {@value #WRITTEN_AGAINST}, and refuses to run on another (a Renovate update of
 * {@code pulumi.version} fails here and in {@code PulumiRuntimeTest} until someone re-reads the steps below against
 * the new SDK's source and moves {@link #WRITTEN_AGAINST}).
 *
 * <p>What it does with them:
 * <ul>
 *   <li>{@link #run}: {@code Pulumi.run} with {@link QuietRunner} in place of the SDK's busy-looping default runner
 *       and {@link QuietEngineLogger} in front of its engine logger. The SDK offers no option for it:
 *       {@code PulumiInternal.fromEnvironment} builds the deployment state, which creates the default runner, and
 *       hands that runner to every part of the deployment as it is constructed. So this does the same steps in the
 *       same order with the runner swapped in between: read the environment the language host set
 *       ({@code DeploymentState.fromEnvironment}), replace the logger and the runner, construct the deployment and
 *       make it the current instance, then build the stack context as {@code PulumiInternal.completeConfiguration}
 *       does.</li>
 *   <li>{@link #stop}: the program's one clean stop from inside an output.</li>
 *   <li>{@link #runMocked}: the same runner and logger under the SDK's test mocks (the render and the tests).</li>
 *   <li>{@link #await}: the value of an Output, while the program still runs, for the one read that must happen
 *       before anything is registered and needs a secret (the database archives' S3 keys: issue 22 part 3).
 *       The public API only hands values to {@code apply}, which runs after the program has registered what
 *       depends on them; {@code OutputInternal.getDataAsync} is the future behind it.</li>
 * </ul>
 *
 * <p>Every way the program refuses to go on ends as a {@link RunException}: thrown while the program runs (bad
 * input, a live cluster that contradicts the inventory, a wrong SDK), or failed into the runner by {@link #stop}
 * (from inside an output). The runner reports it as the SDK's default runner does, by its message alone, through
 * the engine ({@code error: …}), and the process exits 32 (the error is reported, the engine adds nothing).
 */
public final class PulumiRuntime {
    /** The com.pulumi:pulumi version whose internals this class was read against. */
    public static final String WRITTEN_AGAINST = "1.36.1";
    static final String VERSION_RESOURCE = "pulumi-sdk.properties";
    static final String VERSION_KEY = "com.pulumi.pulumi.version";

    private PulumiRuntime() {
    }

    /** Runs the program against the engine that started this process and exits with the runner's exit code. */
    public static void run(Consumer<Context> program) {
        var problem = versionProblem(sdkVersion());
        if (problem.isPresent()) {
            // Only the SDK's public entry point: its default runner reports the RunException as every refusal is.
            Pulumi.run(refusing(problem.get()));
            return;
        }
        var state = DeploymentImpl.DeploymentState.fromEnvironment();
        state.logger = new QuietEngineLogger(state.logger, QuietEngineLogger.debugRequested(System.getenv()));
        // The SDK's engine logger reads the runner through a supplier, so it registers its tasks with this one too.
        state.runner = new QuietRunner(state.logger);
        var deployment = new DeploymentImpl(state);
        DeploymentInstanceHolder.setInstance(new DeploymentInstanceInternal(deployment));

        var instance = Deployment.getInstance();
        var outputs = new OutputContextInternal(new OutputFactory(state.runner));
        var context = new ContextInternal(deployment.getOrganizationName(), deployment.getProjectName(),
                deployment.getStackName(), new LoggingContextInternal(deployment.getLog()),
                new ConfigContextInternal(deployment.getProjectName(), name -> new Config(instance.getConfig(), name)),
                outputs, List.of());
        new PulumiInternal(state.runner, context).run(program);
    }

    /**
     * Stops the program from inside an output, before a resource that depends on it is registered. The resource's
     * input never completes, so the engine never hears of the resource; the program ends on a failed task of its own,
     * whose RunException the runner reports as the error, without a stack trace (an exception thrown into an input
     * would reach the user wrapped in a serialization error and two stack traces).
     */
    public static <T> Output<T> stop(String message) {
        DeploymentInternal.getInstance().getRunner()
                .registerTask("homelab-backups: " + message, CompletableFuture.failedFuture(new RunException(message)));
        return Output.of(new CompletableFuture<T>());
    }

    /**
     * Runs {@code program} under the SDK's test mocks with the runner and logger of real runs (debug dropped).
     * The caller cleans up with {@code PulumiTest.cleanup()}.
     *
     * @throws RunException when the SDK is not the one this adapter was written against
     */
    public static TestResult runMocked(Mocks mocks, Logger standardLogger, TestOptions options, Consumer<Context> program) {
        versionProblem(sdkVersion()).ifPresent(problem -> {
            throw new RunException(problem);
        });
        return PulumiTestInternal.builder()
                .mocks(mocks)
                .standardLogger(standardLogger)
                .deploymentFactory(state -> {
                    state.logger = QuietEngineLogger.withoutDebug(state.logger);
                    state.runner = new QuietRunner(state.logger);
                    return new DeploymentImpl(state);
                })
                .options(options)
                .build()
                .runTest(program);
    }

    /**
     * The value of {@code output}, waiting at most {@code timeout} for it, before the program registers anything that
     * depends on the answer. {@code what} names the value in the error (never the value: it may be a secret, and the
     * caller must keep it off every log). Call it from the program's own thread only for Outputs that do not wait for
     * a resource the program has yet to register (a config secret, an invoke such as 1Password's getItem): those
     * complete on the SDK's own threads.
     *
     * @throws RunException when the value is unknown (a preview of a value only an update knows), did not come within
     *                      {@code timeout}, or failed
     */
    public static <T> T await(Output<T> output, java.time.Duration timeout, String what) {
        com.pulumi.core.internal.OutputData<T> data;
        try {
            data = com.pulumi.core.internal.Internal.of(output).getDataAsync()
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new RunException(what + " did not arrive within " + timeout.toSeconds() + "s; nothing that needs it "
                    + "was registered");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunException("interrupted while waiting for " + what);
        } catch (java.util.concurrent.ExecutionException e) {
            var cause = e.getCause() == null ? e : e.getCause();
            throw new RunException("could not read " + what + ": " + (cause.getMessage() == null
                    ? cause.getClass().getSimpleName() : cause.getMessage()));
        }
        if (!data.isKnown() || data.getValueNullable() == null) {
            throw new RunException(what + " is not known in this run (a value only pulumi up knows, or none); "
                    + "nothing that needs it was registered");
        }
        return data.getValueNullable();
    }

    /** A program that refuses to run, with {@code message}, before it registers anything. */
    static Consumer<Context> refusing(String message) {
        return ctx -> {
            throw new RunException(message);
        };
    }

    /** The com.pulumi:pulumi version the build put on the classpath, as the build recorded it. */
    static Optional<String> sdkVersion() {
        try (var in = PulumiRuntime.class.getResourceAsStream(VERSION_RESOURCE)) {
            if (in == null) return Optional.empty();
            var properties = new Properties();
            properties.load(in);
            return Optional.ofNullable(properties.getProperty(VERSION_KEY)).map(String::strip).filter(v -> !v.isEmpty());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Why this adapter must not run on the SDK {@code found}, if it must not. */
    static Optional<String> versionProblem(Optional<String> found) {
        if (found.isPresent() && found.get().equals(WRITTEN_AGAINST)) return Optional.empty();
        var which = found.map(v -> "com.pulumi:pulumi " + v)
                .orElse("a com.pulumi:pulumi whose version the jar does not record (" + VERSION_RESOURCE + " is missing)");
        return Optional.of("homelab-backups was built with " + which + ", but its runtime adapter "
                + "(homelab.backups.runtime.PulumiRuntime) uses SDK internals read against com.pulumi:pulumi "
                + WRITTEN_AGAINST + " only. Build it with pulumi.version " + WRITTEN_AGAINST
                + " in pom.xml, or check the adapter against the new SDK's source and update WRITTEN_AGAINST.");
    }
}
