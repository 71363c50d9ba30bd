package homelab.backups.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.pulumi.deployment.internal.EngineLogger;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** Only the SDK's debug messages stay behind; whatever a user must see reaches the engine. */
class QuietEngineLoggerTest {
    private final EngineLogger engine = mock(EngineLogger.class);

    @Test
    void debugMessagesStayInTheProgramUnlessAskedFor() {
        var quiet = new QuietEngineLogger(engine, false);
        assertTrue(quiet.debugAsync("Registering resource: t=kubernetes:core/v1:Secret").isDone());
        assertTrue(quiet.logAsync(Level.FINEST, "Preparing resource", null, null, null).isDone());
        assertTrue(quiet.logAsync(Level.FINE, "Registered resource", null, null, null).isDone());
        verify(engine, never()).debugAsync(anyString(), any(), any(), any());
        verify(engine, never()).logAsync(any(), anyString(), any(), any(), any());

        var asked = new QuietEngineLogger(engine, true);
        asked.debugAsync("Registering resource: t=kubernetes:core/v1:Secret", null, null, null);
        verify(engine).debugAsync("Registering resource: t=kubernetes:core/v1:Secret", null, null, null);
        // The SDK's engine logger has no FINE level (it throws): a FINE message reaches it as debug.
        asked.logAsync(Level.FINE, "Registered resource", null, null, null);
        verify(engine).debugAsync("Registered resource", null, null, null);
    }

    @Test
    void warningsErrorsAndInfoAlwaysReachTheEngine() {
        var quiet = new QuietEngineLogger(engine, false);
        quiet.infoAsync("restore of fizzy pending", null, null, null);
        quiet.warnAsync("live PVC differs", null, null, null);
        quiet.errorAsync("volumes (fizzy): capacity", null, null, null);
        quiet.logAsync(Level.WARNING, "direct", null, null, null);
        verify(engine).logAsync(eq(Level.INFO), eq("restore of fizzy pending"), any(), any(), any());
        verify(engine).logAsync(eq(Level.WARNING), eq("live PVC differs"), any(), any(), any());
        verify(engine).logAsync(eq(Level.SEVERE), eq("volumes (fizzy): capacity"), any(), any(), any());
        verify(engine).logAsync(eq(Level.WARNING), eq("direct"), any(), any(), any());
    }

    @Test
    void theErrorCountIsTheEngineLoggers() {
        when(engine.hasLoggedErrors()).thenReturn(true);
        assertTrue(new QuietEngineLogger(engine, false).hasLoggedErrors());
    }

    @Test
    void theSwitchIsTheSdksOwn() {
        assertTrue(QuietEngineLogger.debugRequested(Map.of("PULUMI_EXCESSIVE_DEBUG_OUTPUT", "true")));
        assertTrue(QuietEngineLogger.debugRequested(Map.of("PULUMI_EXCESSIVE_DEBUG_OUTPUT", "1")));
        assertFalse(QuietEngineLogger.debugRequested(Map.of("PULUMI_EXCESSIVE_DEBUG_OUTPUT", "false")));
        assertFalse(QuietEngineLogger.debugRequested(Map.of()));
    }
}
