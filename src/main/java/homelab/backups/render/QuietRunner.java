package homelab.backups.render;

import com.pulumi.core.internal.ContextAwareCompletableFuture;
import com.pulumi.deployment.internal.EngineLogger;
import com.pulumi.deployment.internal.Runner;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * The task runner of the mocked runs. The SDK's default runner (1.36.1) busy-loops while resources register and
 * formats its whole task table into a FINEST log message on every pass, whether that level is logged or not, so a
 * run costs O(resources²): 16 s for a 1000-volume inventory. This one has the same contract (run the program, wait
 * for every registered task, report failures through the engine logger) but waits on the tasks instead of polling.
 */
final class QuietRunner implements Runner {
    private final EngineLogger logger;
    private final Set<CompletableFuture<?>> tasks = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
    /** Fails with the first task that fails. */
    private final CompletableFuture<Void> firstFailure = new CompletableFuture<>();

    QuietRunner(EngineLogger logger) {
        this.logger = logger;
    }

    @Override
    public <T> void registerTask(String description, CompletableFuture<T> task) {
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
                        ? CompletableFuture.completedFuture((Result<T>) new QuietResult<T>(
                                logger.hasLoggedErrors() ? ProcessExitedAfterLoggingUserActionableMessage : ProcessExitedSuccessfully,
                                List.copyOf(failures), Optional.ofNullable(value)))
                        : fail(error).thenApply(code -> (Result<T>) new QuietResult<T>(code, List.copyOf(failures), Optional.<T>empty())))
                .thenCompose(r -> r);
    }

    /**
     * Completes when no task is left, including tasks registered while waiting; fails as soon as a task fails, while
     * others may still be pending, as the default runner does (a program may stop itself that way: see
     * components/Stop).
     */
    private CompletableFuture<Void> allTasks() {
        if (firstFailure.isCompletedExceptionally()) return firstFailure;
        var pending = tasks.stream().filter(t -> !t.isDone()).toArray(CompletableFuture[]::new);
        if (pending.length == 0) return CompletableFuture.completedFuture(null);
        return CompletableFuture.anyOf(CompletableFuture.allOf(pending), firstFailure)
                .handle((v, e) -> null).thenComposeAsync(done -> allTasks());
    }

    private CompletableFuture<Integer> fail(Throwable error) {
        var cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        var exception = cause instanceof Exception e ? e : new RuntimeException(cause);
        failures.add(exception);
        return logger.errorAsync(String.valueOf(exception.getMessage()))
                .handle((v, e) -> ProcessExitedAfterLoggingUserActionableMessage);
    }

    private static final class QuietResult<T> extends Result<T> {
        QuietResult(int exitCode, List<Exception> exceptions, Optional<T> result) {
            super(exitCode, exceptions, result);
        }
    }
}
