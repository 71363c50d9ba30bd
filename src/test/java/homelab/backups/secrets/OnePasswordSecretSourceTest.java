package homelab.backups.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.exceptions.RunException;
import homelab.backups.config.SecretKey;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.support.TestStacks;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;

/**
 * A 1Password item without a field the settings name is known only once the item is read, inside an output: the
 * program stops there the way it refuses everything else (the message, no stack trace, no serialization error), and
 * nothing that needs the missing value is registered.
 */
class OnePasswordSecretSourceTest {
    @Test
    void aMissingFieldStopsTheProgramByItsMessageBeforeAnythingNeedsIt() {
        var plan = homelab.backups.plan.Planner.plan(TestStacks.load(TestStacks.prodConfig()));
        var onePassword = plan.inputs().settings().secrets().onePassword()
                .orElseThrow(() -> new AssertionError("the test needs a stack whose secrets come from 1Password"));
        var missing = SecretKey.S3_ACCESS_KEY;
        var label = onePassword.fields().get(missing);
        var fields = new LinkedHashMap<String, String>();
        onePassword.fields().forEach((key, l) -> {
            if (key != missing) fields.put(l, RecordingMocks.placeholder(key));
        });

        var run = MockedRun.of(plan, MockCluster.asInventory(plan), new RecordingMocks(fields));

        assertNotEquals(0, run.result().exitCode(), "the run must fail");
        assertFalse(run.result().exceptions().isEmpty());
        for (var e : run.result().exceptions()) {
            assertTrue(e instanceof RunException, "a clean stop, not " + e);
            assertTrue(e.getMessage().contains("has no field labelled '" + label + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("homelab-backups:secrets.onepassword.fields." + missing.configKey()),
                    "names the setting that fixes it: " + e.getMessage());
        }
        assertFalse(run.result().errors().isEmpty(), "the engine hears the error");
        for (var error : run.result().errors()) {
            assertFalse(error.contains("\tat ") || error.contains("Exception"), "no stack trace, no wrapped exception: " + error);
        }
        var secrets = run.mocks().registrations().stream()
                .filter(r -> r.type().equals("kubernetes:core/v1:Secret")).map(RecordingMocks.Registration::name).toList();
        assertEquals(java.util.List.of(), secrets, "no Secret (each carries the S3 access key) is registered without its value");
    }
}
