package homelab.backups.runtime;

import com.pulumi.core.internal.ContextAwareCompletableFuture;
import com.pulumi.deployment.internal.EngineLogger;
import com.pulumi.deployment.internal.Runner;
import com.pulumi.exceptions.ResourceException;
import com.pulumi.exceptions.RunException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The task runner of every run of the program, real and mocked. The SDK's default runner (1.36.1,
 * {@code DeploymentImpl.DefaultRunner}) busy-loops on the common pool until every registered task is done, and on
 * each pass formats its whole task table into a FINEST log message whether that level is logged or not: a run
 * costs O(tasks²) CPU, 16 s for a 1000-volume render, and in a real preview it burns a second core beside the
 * engine and the provider for as long as the engine takes to answer. This one has the same contract (run the
 * program, wait for every registered task including those registered while waiting, fail with the first failing
 * task, report failures through the engine logger with the default runner's exit codes) but counts the tasks
 * instead of polling them.
 *
 * <p><b>When the run ends</b> decides what {@code pulumi up} may delete (a resource in the state that the program did
 * not register before its end is deleted) and whether a refusal stops it. The end is decided by causality, never by a
 * pause: the run ends when every task registered so far has ended, counted by each task's own completion, and a
 * failed task is recorded before it counts as ended. That end is final because of how the SDK registers tasks
 * (pulumi-java 1.36.1, read at that tag, {@code sdk/java/pulumi/src/main/java}):
 * <ul>
 *   <li>Every registration is synchronous in the code that causes it: a resource in its constructor
 *       ({@code Resource} constructor → {@code DeploymentImpl.ReadOrRegisterResourceInternal.readOrRegisterResource}),
 *       a component's outputs in {@code registerOutputs} ({@code RegisterResourceOutputsInternal.registerResourceOutputs}),
 *       every output when it is constructed ({@code OutputInternal(CompletableFuture)} and
 *       {@code OutputFactory.ofNullable}, so also each {@code apply}), each engine log message
 *       ({@code DefaultEngineLogger.logImplAsync}), the program itself ({@code Stack.factory}: "callback").</li>
 *   <li>The task registered is the whole chain, not its first step: {@code completeResourceAsync} registers the future
 *       of its final {@code whenComplete}, which completes the resource's URN, id and outputs, so everything those
 *       completions run synchronously (applies, the resources and outputs they construct) has run before the task
 *       ends; an output's task is its {@code apply} chain ({@code OutputData.apply}: {@code thenCompose}), which ends
 *       only after the function has returned and its output has completed.</li>
 *   <li>So code that registers a task after the program returned runs inside a chain whose end is a task registered
 *       earlier and still pending: it registers before that task ends, and the count cannot reach zero in between.
 *       The SDK attaches no dependent outside such a chain that registers anything (its only other callbacks:
 *       {@code Stack.factory} completes the stack's outputs, themselves a pending task, when the program ends;
 *       {@code ContextAwareCompletableFuture.wrap} completes the wrapped, registered future).</li>
 * </ul>
 * A dependent attached to a finished task outside any registered chain (a plain {@code thenRun} that registers) is
 * the one thing no runner can wait for, the default one included; nothing in the SDK or this program does that, and
 * {@link #lateRegistrations()} lets {@code QuietRunnerStressTest} check it stays so.
 *
 * <p>Why a count and not the state of the task set: a CompletableFuture runs its dependents last-attached first, so a
 * wait attached to a task runs before the bookkeeping attached when it was registered, and before every dependent the
 * SDK attached in between (the stack's outputs failing after a refusal, under load for longer than a wait needs to
 * look). The runner this replaces saw such a failed task as done, paused 5 ms for late registrations, found none and
 * ended the run with exit 0: a refusal lost (DatabaseBackupTest saw it once under load;
 * {@code QuietRunnerTest.aTaskThatFailedFailsTheRunBeforeItsBookkeepingHasRun} reproduces it).
 */
final class QuietRunner implements Runner {
    private final EngineLogger logger;
    /** Tasks registered and not yet ended, plus one until the program's own task is registered. */
    private final AtomicLong outstanding = new AtomicLong(1);
    /** Completes when {@link #outstanding} reaches zero: every task registered has ended. */
    private final CompletableFuture<Void> idle = new CompletableFuture<>();
    /** Registrations that came after the run was found idle (none may: see the class comment). */
    private final AtomicLong late = new AtomicLong();
    private final ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
    /** Fails with the first task that fails. */
    private final CompletableFuture<Void> firstFailure = new CompletableFuture<>();

    QuietRunner(EngineLogger logger) {
        this.logger = logger;
    }

    @Override
    public <T> void registerTask(String description, CompletableFuture<T> task) {
        if (idle.isDone()) late.incrementAndGet();
        outstanding.incrementAndGet();
        task.whenComplete((value, error) -> {
            // The failure first: when the count reaches zero, every failure is already known.
            if (error != null) firstFailure.completeExceptionally(error);
            ended();
        });
    }

    private void ended() {
        if (outstanding.decrementAndGet() == 0) idle.complete(null);
    }

    @Override
    public <T> CompletableFuture<Result<T>> runAsync(Supplier<T> program) {
        var run = ContextAwareCompletableFuture.supplyAsync(program);
        registerTask("program", run);
        // From here the program's own task holds the count above zero until it and what it registered have ended.
        ended();
        // Ends on the first failure, while other tasks may still be pending, as the default runner does (a program
        // may stop itself that way: see PulumiRuntime.stop); otherwise when every task has ended.
        return CompletableFuture.anyOf(idle, firstFailure).handle((v, e) -> firstFailure.isCompletedExceptionally())
                .thenCompose(failed -> failed
                        ? firstFailure.handle((v, error) -> error).thenCompose(this::fail)
                                .thenApply(code -> (Result<T>) new QuietResult<T>(code, List.copyOf(failures), Optional.<T>empty()))
                        // As the default runner: errors logged by the program (not thrown) exit 1.
                        : CompletableFuture.completedFuture((Result<T>) new QuietResult<T>(
                                logger.hasLoggedErrors() ? ProcessExitedBeforeLoggingUserActionableMessage : ProcessExitedSuccessfully,
                                List.copyOf(failures), Optional.ofNullable(run.join()))));
    }

    /** How many tasks were registered after every task had ended (for the stress test: it must stay 0). */
    long lateRegistrations() {
        return late.get();
    }

    /**
     * Reports a failure as the default runner does: a RunException by its message, a ResourceException against its
     * resource (with the stack unless it hides it), anything else with its stack trace; then exit 32, "already
     * reported", so the engine adds nothing of its own.
     */
    private CompletableFuture<Integer> fail(Throwable error) {
        var cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) cause = cause.getCause();
        var exception = cause instanceof Exception e ? e : new RuntimeException(cause);
        failures.add(exception);
        CompletableFuture<Void> reported;
        if (exception instanceof RunException) {
            reported = logger.errorAsync(String.valueOf(exception.getMessage()));
        } else if (exception instanceof ResourceException resourceError) {
            reported = logger.errorAsync(resourceError.isHideStack() ? resourceError.getMessage() : stackTrace(resourceError),
                    resourceError.getResource().orElse(null));
        } else {
            reported = logger.errorAsync("Running program [PID: " + ProcessHandle.current().pid()
                    + "] failed with an unhandled exception:\n" + stackTrace(exception));
        }
        return reported.handle((v, e) -> ProcessExitedAfterLoggingUserActionableMessage);
    }

    private static String stackTrace(Throwable error) {
        var text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    private static final class QuietResult<T> extends Result<T> {
        QuietResult(int exitCode, List<Exception> exceptions, Optional<T> result) {
            super(exitCode, exceptions, result);
        }
    }
}
