package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.deployment.internal.DeploymentInternal;
import com.pulumi.exceptions.RunException;
import java.util.concurrent.CompletableFuture;

/**
 * Stops the program from inside an output, before a resource that depends on it is registered. The resource's input
 * never completes, so the engine never hears of the resource; the program ends on a failed task of its own, whose
 * RunException the SDK's runner reports as the error, without a stack trace (an exception thrown into an input would
 * reach the user wrapped in a serialization error and two stack traces).
 */
final class Stop {
    private Stop() {
    }

    static <T> Output<T> program(String message) {
        DeploymentInternal.getInstance().getRunner()
                .registerTask("homelab-backups: " + message, CompletableFuture.failedFuture(new RunException(message)));
        return Output.of(new CompletableFuture<T>());
    }
}
