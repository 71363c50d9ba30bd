package homelab.backups.support;

import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints why each skipped test was skipped, in the build's output: Surefire's console shows only "Skipped: 3" and
 * keeps the reason in its XML reports. A skipped test must say why (issue 23). Registered for every test class
 * (src/test/resources/META-INF/services, junit-platform.properties); a reason said already is not repeated in full.
 */
public final class SkipReasons implements TestWatcher {
    private static String last = "";

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        say(context, "disabled: " + reason.orElse("(no reason given)"));
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        say(context, Optional.ofNullable(cause.getMessage()).orElse(cause.getClass().getName())
                .replaceFirst("^Assumption failed: ", ""));
    }

    private static void say(ExtensionContext context, String reason) {
        var test = context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName();
        synchronized (SkipReasons.class) {
            if (reason.equals(last)) {
                int colon = reason.indexOf(':');
                System.out.println("SKIPPED " + test + ": " + (colon > 0 ? reason.substring(0, colon) : reason) + " (as above)");
            } else {
                System.out.println("SKIPPED " + test + ": " + reason);
                last = reason;
            }
        }
    }
}
