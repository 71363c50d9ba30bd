package homelab.backups.render;

import com.pulumi.core.Output;
import com.pulumi.resources.ResourceArgs;
import com.pulumi.resources.ResourceOptions;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import homelab.backups.runtime.PulumiRuntime;
import homelab.backups.App;
import homelab.backups.components.BackupStack;
import homelab.backups.config.StackConfig;
import homelab.backups.kubernetes.LiveCluster;
import homelab.backups.plan.StackPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the real program once under {@link RecordingMocks}, with placeholder credentials, and keeps what it
 * registered: inputs, resource options (parent, dependsOn, protect, ...) and the component tree.
 */
public final class MockedRun {
    private final TestResult result;
    private final RecordingMocks mocks;
    private final BackupStack stack;
    private final Map<String, ResourceOptions> options;
    private final Map<String, ResourceArgs> args;
    private final List<String> warnings;

    private MockedRun(TestResult result, RecordingMocks mocks, BackupStack stack, Map<String, ResourceOptions> options,
                      Map<String, ResourceArgs> args, List<String> warnings) {
        this.result = result;
        this.mocks = mocks;
        this.stack = stack;
        this.options = options;
        this.args = args;
        this.warnings = warnings;
    }

    public static MockedRun of(StackPlan plan) {
        return of(plan, MockCluster.asInventory(plan));
    }

    /** The real program against {@code cluster}'s live objects. */
    public static MockedRun of(StackPlan plan, LiveCluster cluster) {
        return of(plan, cluster, RecordingMocks.withPlaceholders(plan.inputs().settings()));
    }

    public static MockedRun of(StackPlan plan, LiveCluster cluster, RecordingMocks mocks) {
        return of(plan, cluster, mocks, homelab.backups.components.ArchiveAccess.offline(
                "no object store in this run (the offline render and the tests)"));
    }

    /** The real program against {@code cluster} and the database archives {@code archives} answers (tests). */
    public static MockedRun of(StackPlan plan, LiveCluster cluster, RecordingMocks mocks,
                               homelab.backups.components.ArchiveAccess archives) {
        var options = Collections.synchronizedMap(new LinkedHashMap<String, ResourceOptions>());
        var resourceArgs = Collections.synchronizedMap(new LinkedHashMap<String, ResourceArgs>());
        var stack = new AtomicReference<BackupStack>();
        var warnings = Collections.synchronizedList(new ArrayList<String>());
        try {
            var result = PulumiRuntime.runMocked(mocks, quietLogger(), TestOptions.builder()
                            .projectName(StackConfig.NAMESPACE)
                            .stackName(plan.inputs().stack())
                            .resourceTransformations(List.of(args -> {
                                options.put(args.resource().pulumiResourceName(), args.options());
                                resourceArgs.put(args.resource().pulumiResourceName(), args.args());
                                return java.util.Optional.empty();
                            }))
                            .build(),
                    ctx -> stack.set(App.deploy(ctx, plan, cluster, archives,
                            key -> Output.ofSecret(RecordingMocks.PLACEHOLDER_PREFIX + key), warnings::add)));
            return new MockedRun(result, mocks, stack.get(), Map.copyOf(options), Map.copyOf(resourceArgs),
                    List.copyOf(warnings));
        } finally {
            PulumiTest.cleanup();
        }
    }

    /**
     * A logger that prints nothing: failures still reach {@link TestResult#errors()} through the mock engine, and
     * the SDK otherwise prints each program failure with a full stack trace to stderr.
     */
    public static Logger quietLogger() {
        var logger = Logger.getAnonymousLogger();
        logger.setUseParentHandlers(false);
        logger.setLevel(Level.OFF);
        return logger;
    }

    public TestResult result() {
        return result;
    }

    public RecordingMocks mocks() {
        return mocks;
    }

    public BackupStack stack() {
        return stack;
    }

    /** Resource options by Pulumi resource name, as the program passed them. */
    public Map<String, ResourceOptions> options() {
        return options;
    }

    /** Resource arguments by Pulumi resource name, as the program passed them (secret-ness intact). */
    public Map<String, ResourceArgs> args() {
        return args;
    }

    /** The messages the program showed in the preview output. */
    public List<String> warnings() {
        return warnings;
    }
}
