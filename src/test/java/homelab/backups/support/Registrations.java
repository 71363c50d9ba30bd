package homelab.backups.support;

import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import com.pulumi.test.PulumiTest;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks.Registration;
import java.util.List;

/** The one set of lookups over a mocked run's recorded registrations and options, for every test class. */
public final class Registrations {
    private Registrations() {
    }

    /** The resource registered under this Pulumi name; a test failure naming it when there is none. */
    public static Registration named(MockedRun run, String name) {
        return run.mocks().registrations().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no resource named " + name));
    }

    /** Every resource of this type token, in registration order. */
    public static List<Registration> ofType(MockedRun run, String type) {
        return run.mocks().registrations().stream().filter(r -> r.type().equals(type)).toList();
    }

    /** The options a custom resource was registered with. */
    public static CustomResourceOptions options(MockedRun run, String name) {
        var o = run.options().get(name);
        if (o == null) throw new AssertionError("no options recorded for " + name);
        return (CustomResourceOptions) o;
    }

    /** What the resource waits for (its explicit dependsOn), empty when none. */
    public static List<Resource> dependsOn(MockedRun run, String name) {
        var o = run.options().get(name);
        if (o == null) throw new AssertionError("no options recorded for " + name);
        List<Resource> after = PulumiTest.extractValue(o.getDependsOn());
        return after == null ? List.of() : after;
    }
}
