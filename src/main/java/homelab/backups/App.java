package homelab.backups;

import com.pulumi.Context;
import homelab.backups.runtime.PulumiRuntime;
import com.pulumi.core.Output;
import homelab.backups.components.BackupStack;
import homelab.backups.config.StackConfig;
import homelab.backups.config.StackFile;
import homelab.backups.config.StackInputs;
import homelab.backups.kubernetes.Fabric8LiveCluster;
import homelab.backups.kubernetes.LiveCluster;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.kubernetes.PostgresSpecs;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/** Entry point of the Pulumi program: {@code pulumi preview} / {@code pulumi up} run {@link #stack}. */
public final class App {
    private App() {
    }

    public static void main(String[] args) {
        // The live cluster is read before anything is registered; connecting starts now, beside the SDK's own start.
        var live = Fabric8LiveCluster.connect(StackConfig.kubernetesContextFromEnvironment());
        PulumiRuntime.run(ctx -> stack(ctx, live));
    }

    /** Reads the stack's inputs (failing before any resource on bad input), plans, and registers everything. */
    public static void stack(Context ctx, Fabric8LiveCluster early) {
        var projectDir = Path.of("").toAbsolutePath();
        var config = new StackConfig(ctx.stackName(), "Pulumi." + ctx.stackName() + ".yaml",
                key -> ctx.config().get(key), StackFile.keys(projectDir, ctx.stackName()),
                StackFile.namespaceProblems(projectDir, ctx.stackName()));
        StackInputs inputs;
        try {
            inputs = StackInputs.load(config, projectDir);
            inputs.requireNoOwnerValues();
        } catch (homelab.backups.config.ConfigErrors.InvalidConfigException e) {
            // A RunException: the SDK reports its message as the error, without a stack trace.
            throw new com.pulumi.exceptions.RunException(e.getMessage());
        }
        var context = inputs.settings().kubernetes().context();
        // Before anything is registered: the provider writes where the live reads look, or nowhere.
        homelab.backups.kubernetes.KubeContexts.require(context);
        try (var live = early.context().equals(context) ? early : Fabric8LiveCluster.connect(context)) {
            // The database archives are always read here (never offline): a CNPG cluster is wired, and its immediate
            // base backup asked for, only after its archive was read (plan/Lineage; an unreachable store stops the run).
            deploy(ctx, Planner.plan(inputs), live,
                    homelab.backups.components.ArchiveAccess.reading(homelab.backups.archive.S3ArchiveLookup::of),
                    key -> ctx.config().requireSecret(key), message -> ctx.log().warn(message));
        }
    }

    /** Registers the planned stack with no object store (the render, the tests): see the next method. */
    public static BackupStack deploy(Context ctx, StackPlan plan, LiveCluster live,
                                     Function<String, Output<String>> configSecrets, Consumer<String> warn) {
        return deploy(ctx, plan, live, homelab.backups.components.ArchiveAccess.offline(
                "no object store in this run (the offline render and the tests)"), configSecrets, warn);
    }

    /** Registers the planned stack and exports what a reviewer wants to see. Tests and the render call this too. */
    public static BackupStack deploy(Context ctx, StackPlan plan, LiveCluster live,
                                     homelab.backups.components.ArchiveAccess archives,
                                     Function<String, Output<String>> configSecrets, Consumer<String> warn) {
        var stack = new BackupStack(plan, live, archives, configSecrets, warn);
        ctx.export("volumeCount", Output.of(plan.volumes().size()));
        ctx.export("excluded", Output.of(plan.excluded().stream().map(v -> v.app() + ": " + v.exclusion().orElse("")).toList()));
        ctx.export("restores", Output.of(plan.inputs().restores().values().stream()
                .map(r -> r.target() + " <- " + r.text() + " (" + r.id() + ")").toList()));
        var recovered = new java.util.TreeMap<String, Map<String, String>>();
        for (var d : plan.databases()) {
            d.recoveryName().ifPresent(name -> recovered.put(d.id(), Map.of(
                    "cluster", d.database().namespace() + "/" + name,
                    "service", PostgresSpecs.recoveryService(d) + "." + d.database().namespace() + ".svc")));
        }
        ctx.export("recoveredDatabases", Output.of(recovered));
        ctx.export("alerts", Output.of(stack.proof().alertsStatus()));
        return stack;
    }

}
