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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The task runner of every run of the program, real and mocked. The SDK's default runner (1.36.1,
 * {@code DeploymentImpl.DefaultRunner}) busy-loops on the common pool until every registered task is done, and on
 * each pass formats its whole task table into a FINEST log message whether that level is logged or not: a run
 * costs O(tasks²) CPU, 16 s for a 1000-volume render, and in a real preview it burns a second core beside the
 * engine and the provider for as long as the engine takes to answer. This one has the same contract (run the
 * program, wait for every registered task including those registered while waiting, fail with the first failing
 * task, report failures through the engine logger with the default runner's exit codes) but waits on the tasks
 * instead of polling them.
 */
final class QuietRunner implements Runner {
    private static final long SETTLE_MILLIS = 5;
    private final EngineLogger logger;
    private final Set<CompletableFuture<?>> tasks = ConcurrentHashMap.newKeySet();
    /** Counts every registration, so that a wait can tell whether a task arrived while it looked. */
    private final AtomicLong registrations = new AtomicLong();
    private final ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
    /** Fails with the first task that fails. */
    private final CompletableFuture<Void> firstFailure = new CompletableFuture<>();

    QuietRunner(EngineLogger logger) {
        this.logger = logger;
    }

    @Override
    public <T> void registerTask(String description, CompletableFuture<T> task) {
        registrations.incrementAndGet();
        tasks.add(task);
        task.whenComplete((value, error) -> {
            if (error == null) tasks.remove(task);
            else firstFailure.completeExceptionally(error);
        });
    }

    @Override
    public <T> CompletableFuture<Result<T>> runAsync(Supplier<T> program) {
        var run = ContextAwareCompletableFuture.supplyAsync(program);
        registerTask("program", run);
        return run.thenCompose(value -> allTasks().thenApply(done -> value))
                .handle((value, error) -> error == null
                        // As the default runner: errors logged by the program (not thrown) exit 1.
                        ? CompletableFuture.completedFuture((Result<T>) new QuietResult<T>(
                                logger.hasLoggedErrors() ? ProcessExitedBeforeLoggingUserActionableMessage : ProcessExitedSuccessfully,
                                List.copyOf(failures), Optional.ofNullable(value)))
                        : fail(error).thenApply(code -> (Result<T>) new QuietResult<T>(code, List.copyOf(failures), Optional.<T>empty())))
                .thenCompose(r -> r);
    }

    /**
     * Completes when no task is left, including tasks registered while waiting; fails as soon as a task fails, while
     * others may still be pending, as the default runner does (a program may stop itself that way: see
     * PulumiRuntime.stop).
     */
    private CompletableFuture<Void> allTasks() {
        if (firstFailure.isCompletedExceptionally()) return firstFailure;
        long seen = registrations.get();
        var pending = tasks.stream().filter(t -> !t.isDone()).toArray(CompletableFuture[]::new);
        if (pending.length == 0) return settled(seen);
        return CompletableFuture.anyOf(CompletableFuture.allOf(pending), firstFailure)
                .handle((v, e) -> null).thenComposeAsync(done -> allTasks());
    }

    /**
     * Nothing pending is not yet the end: a task's dependents run on the thread that completed it, one after the
     * other, and one of them may register the next task (an output's registration after the resource's) after the
     * dependent that woke this wait. So the run ends only when no task was registered during a short pause after
     * the last look.
     */
    private CompletableFuture<Void> settled(long seen) {
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(SETTLE_MILLIS, TimeUnit.MILLISECONDS))
                .thenCompose(paused -> registrations.get() == seen ? CompletableFuture.<Void>completedFuture(null) : allTasks());
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
