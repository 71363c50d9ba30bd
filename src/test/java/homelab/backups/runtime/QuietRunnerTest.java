package homelab.backups.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.pulumi.deployment.internal.EngineLogger;
import com.pulumi.deployment.internal.Runner;
import com.pulumi.exceptions.RunException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;
import org.mockito.junit.jupiter.MockitoSettings;
import org.mockito.quality.Strictness;

/**
 * The runner every run uses in place of the SDK's default one must keep its contract: the run ends only when every
 * task has, failures reach the engine the way the default runner reports them, with its exit codes. The engine
 * logger is a Mockito mock: what matters is which message reaches it, not how the engine shows it.
 */
@ExtendWith(MockitoExtension.class)
@MockitoSettings(strictness = Strictness.LENIENT)
class QuietRunnerTest {
    @Mock
    EngineLogger logger;

    QuietRunner runner;

    @BeforeEach
    void setUp() {
        when(logger.errorAsync(anyString())).thenReturn(CompletableFuture.completedFuture(null));
        when(logger.errorAsync(anyString(), any())).thenReturn(CompletableFuture.completedFuture(null));
        runner = new QuietRunner(logger);
    }

    @Test
    void theRunEndsOnlyWhenTasksRegisteredWhileWaitingHaveEnded() throws Exception {
        var registration = new CompletableFuture<String>();
        var outputs = new CompletableFuture<String>();
        var run = runner.runAsync(() -> {
            // As the SDK registers a resource: the task is the whole chain, and the step that registers the next task
            // (its outputs, an apply's resources) runs inside it, after the engine answered.
            runner.registerTask("register", registration.thenApply(urn -> {
                runner.registerTask("outputs", outputs);
                return urn;
            }));
            return "exports";
        });
        Thread.sleep(100);
        assertFalse(run.isDone(), "the run ended while a registration was pending");
        registration.complete("urn");
        Thread.sleep(100);
        assertFalse(run.isDone(), "the run ended while a task registered during the wait was pending");
        outputs.complete("done");
        var result = run.get(10, TimeUnit.SECONDS);
        assertEquals(Runner.ProcessExitedSuccessfully, result.exitCode());
        assertEquals("exports", result.result().orElseThrow());
        verify(logger, never()).errorAsync(anyString());
        assertEquals(0, runner.lateRegistrations());
    }

    /**
     * The end is not decided by a pause: a step that registers the next task long after every other task ended
     * (a descheduled thread, a slow engine) holds the run as long as it takes.
     */
    @Test
    void aStepThatRegistersLateHoldsTheRunHoweverLateItRuns() throws Exception {
        var outputs = new CompletableFuture<String>();
        var run = runner.runAsync(() -> {
            runner.registerTask("register", CompletableFuture.supplyAsync(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                runner.registerTask("outputs", outputs);
                return "urn";
            }));
            return "exports";
        });
        Thread.sleep(400);
        assertFalse(run.isDone(), "the run ended before the late step's task ended");
        outputs.complete("done");
        assertEquals(Runner.ProcessExitedSuccessfully, run.get(10, TimeUnit.SECONDS).exitCode());
        assertEquals(0, runner.lateRegistrations());
    }

    @Test
    void aFailingTaskEndsTheRunWithItsMessageReportedOnce() throws Exception {
        var pending = new CompletableFuture<String>();
        var run = runner.runAsync(() -> {
            runner.registerTask("pending forever", pending);
            runner.registerTask("stop", CompletableFuture.failedFuture(new RunException("volumes (fizzy): capacity differs")));
            return "exports";
        });
        var result = run.get(10, TimeUnit.SECONDS);
        assertEquals(Runner.ProcessExitedAfterLoggingUserActionableMessage, result.exitCode(),
                "32: the error is already reported, the engine adds nothing");
        verify(logger).errorAsync("volumes (fizzy): capacity differs");
        assertEquals(1, result.exceptions().size());
    }

    /**
     * A failed task fails the run even when the wait notices it before the runner's own bookkeeping of the task has
     * run. A CompletableFuture runs its dependents last-attached first: the wait's (attached last) before the one
     * {@code registerTask} attached, and between them every dependent the SDK attached after registering the task.
     * The SDK's Stack attaches one to the program's callback that fails the stack's outputs, and with them every
     * task still pending (Stack.java, 1.36.1); under load that takes longer than the wait needs to look. The delay
     * here stands in for that cascade.
     */
    @Test
    void aTaskThatFailedFailsTheRunBeforeItsBookkeepingHasRun() throws Exception {
        var refusal = new CompletableFuture<String>();
        var cascadeDone = new java.util.concurrent.CountDownLatch(1);
        var run = runner.runAsync(() -> {
            runner.registerTask("callback", refusal);
            refusal.whenComplete((v, e) -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                cascadeDone.countDown();
            });
            return "exports";
        });
        Thread.sleep(50);
        var failing = new Thread(() -> refusal.completeExceptionally(new RunException("databases (khoj-database): image: …")));
        failing.start();
        var result = run.get(10, TimeUnit.SECONDS);
        failing.join();
        assertEquals(Runner.ProcessExitedAfterLoggingUserActionableMessage, result.exitCode(),
                "a refusal must fail the run, however late the runner's own dependent runs");
        verify(logger).errorAsync("databases (khoj-database): image: …");
    }

    @Test
    void anUnexpectedExceptionIsReportedWithItsStackTrace() throws Exception {
        var result = runner.runAsync(() -> {
            throw new IllegalStateException("no such claim");
        }).get(10, TimeUnit.SECONDS);
        assertEquals(Runner.ProcessExitedAfterLoggingUserActionableMessage, result.exitCode());
        verify(logger).errorAsync(argThat((String m) -> m.contains("failed with an unhandled exception")
                && m.contains("IllegalStateException: no such claim") && m.contains("\tat ")));
    }

    @Test
    void errorsTheProgramLoggedMakeTheRunFailWithoutAnotherMessage() throws Exception {
        when(logger.hasLoggedErrors()).thenReturn(true);
        var result = runner.runAsync(() -> "exports").get(10, TimeUnit.SECONDS);
        assertEquals(Runner.ProcessExitedBeforeLoggingUserActionableMessage, result.exitCode());
        verify(logger, never()).errorAsync(anyString());
        verify(logger, never()).errorAsync(anyString(), any());
    }
}
