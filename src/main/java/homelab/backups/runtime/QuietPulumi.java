package homelab.backups.runtime;

import com.pulumi.Config;
import com.pulumi.Context;
import com.pulumi.context.internal.ConfigContextInternal;
import com.pulumi.context.internal.ContextInternal;
import com.pulumi.context.internal.LoggingContextInternal;
import com.pulumi.context.internal.OutputContextInternal;
import com.pulumi.core.internal.OutputFactory;
import com.pulumi.deployment.Deployment;
import com.pulumi.deployment.internal.DeploymentImpl;
import com.pulumi.deployment.internal.DeploymentInstanceHolder;
import com.pulumi.deployment.internal.DeploymentInstanceInternal;
import com.pulumi.internal.PulumiInternal;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code Pulumi.run} with {@link QuietRunner} in place of the SDK's busy-looping default runner, and
 * {@link QuietEngineLogger} in front of its engine logger. The SDK (1.36.1)
 * offers no option for it: {@code PulumiInternal.fromEnvironment} builds the deployment state, which creates the
 * default runner, and hands that runner to every part of the deployment as it is constructed. So this does the
 * same steps in the same order with the runner swapped in between: read the environment the language host set
 * ({@code DeploymentState.fromEnvironment}), replace the logger and the runner, construct the deployment and make it the current
 * instance, then build the stack context as {@code PulumiInternal.completeConfiguration} does.
 */
public final class QuietPulumi {
    private QuietPulumi() {
    }

    /** Runs the program against the engine that started this process and exits with the runner's exit code. */
    public static void run(Consumer<Context> program) {
        var state = DeploymentImpl.DeploymentState.fromEnvironment();
        state.logger = new QuietEngineLogger(state.logger, QuietEngineLogger.debugRequested(System.getenv()));
        // The SDK's engine logger reads the runner through a supplier, so it registers its tasks with this one too.
        state.runner = new QuietRunner(state.logger);
        var deployment = new DeploymentImpl(state);
        DeploymentInstanceHolder.setInstance(new DeploymentInstanceInternal(deployment));

        var instance = Deployment.getInstance();
        var outputs = new OutputContextInternal(new OutputFactory(state.runner));
        var context = new ContextInternal(deployment.getOrganizationName(), deployment.getProjectName(),
                deployment.getStackName(), new LoggingContextInternal(deployment.getLog()),
                new ConfigContextInternal(deployment.getProjectName(), name -> new Config(instance.getConfig(), name)),
                outputs, List.of());
        new PulumiInternal(state.runner, context).run(program);
    }
}
