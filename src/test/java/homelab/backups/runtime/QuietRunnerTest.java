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
        // As a resource does: its registration completes later, and only then registers the next task.
        registration.thenRun(() -> runner.registerTask("outputs", outputs));
        var run = runner.runAsync(() -> {
            runner.registerTask("register", registration);
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
