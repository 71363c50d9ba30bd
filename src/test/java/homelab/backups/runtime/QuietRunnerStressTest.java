package homelab.backups.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.core.Output;
import com.pulumi.deployment.internal.DeploymentInternal;
import com.pulumi.test.Mocks;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import homelab.backups.App;
import homelab.backups.config.StackConfig;
import homelab.backups.kubernetes.LiveCluster;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.support.TestStacks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A guard on the end of a run, which decides what {@code pulumi up} may delete: an up whose program ended before it
 * registered everything deletes every resource of the state that it did not register, and a run that ends before a
 * refusal reached the runner exits 0 and goes ahead. So the real program runs under the SDK's mocks again and again
 * while other threads take every core (the machine the suite runs on is loaded too), with the mocks answering late
 * and in random order, and every run must register the same resources as an unhurried one, and every refusal must
 * fail its run. The end is decided by causality (QuietRunner's comment says why it cannot come early), so this can
 * only catch a regression, never a flake; {@code -Dhomelab.stress.runs=N} and {@code -Dhomelab.stress.seconds=S} run
 * it longer.
 */
class QuietRunnerStressTest {
    private static final int RUNS = Integer.getInteger("homelab.stress.runs", 3);

    private final List<Thread> burners = new ArrayList<>();
    private final AtomicBoolean burning = new AtomicBoolean();

    @BeforeEach
    void burnEveryCore() {
        burning.set(true);
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            var burner = new Thread(() -> {
                long x = 0;
                while (burning.get()) x += Long.numberOfTrailingZeros(x + 1);
            }, "burner-" + i);
            burner.setDaemon(true);
            burner.start();
            burners.add(burner);
        }
    }

    @AfterEach
    void stopBurning() throws InterruptedException {
        burning.set(false);
        for (var burner : burners) burner.join();
    }

    @Test
    void everyRunRegistersWhatAnUnhurriedRunRegisters() {
        var plan = TestStacks.testPlan();
        var expected = names(MockedRun.of(plan).mocks());
        assertTrue(expected.size() > 50, "the test stack registers a real program's worth: " + expected.size());
        for (int i = 0; i < RUNS; i++) {
            var run = run(plan, MockCluster.asInventory(plan), true);
            assertEquals(0, run.result().exitCode(), "run " + i + ": " + run.result().errors());
            assertEquals(expected, names(run.mocks()), "run " + i + " ended before it registered everything");
            assertEquals(0, run.runner().lateRegistrations(), "run " + i + ": a task was registered after the end");
        }
    }

    @Test
    void everyRefusalFailsItsRun() {
        var plan = TestStacks.testPlan();
        // Every live claim in another storage class than the inventory says: refused before anything is registered.
        var contradicting = MockCluster.edited(plan, claim -> {
            @SuppressWarnings("unchecked")
            var spec = new LinkedHashMap<String, Object>((Map<String, Object>) claim.get("spec"));
            spec.put("storageClassName", "not-the-inventorys");
            var edited = new LinkedHashMap<>(claim);
            edited.put("spec", spec);
            return edited;
        });
        // A refusal ends a run in well under a millisecond, so thousands fit in a few seconds: the runner before this
        // one lost about 1 refusal in 100,000 this way (5 of 506,054 runs exited 0 in 150 s with every core busy;
        // this one 0 of 916,400).
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("homelab.stress.seconds", 3));
        for (int i = 0; i < RUNS * 4 || System.nanoTime() < until; i++) {
            var run = run(plan, contradicting, i % 2 == 0);
            assertNotEquals(0, run.result().exitCode(), "run " + i + ": the refusal was lost and the run succeeded");
            assertTrue(run.result().errors().toString().contains("not-the-inventorys"), run.result().errors().toString());
            assertEquals(List.of(), run.mocks().registrations(), "run " + i + ": nothing is registered");
        }
    }

    private record Run(TestResult result, RecordingMocks mocks, QuietRunner runner) {
    }

    /** The program as MockedRun runs it, optionally with every mock answer delayed by 0–7 ms on another thread. */
    private static Run run(StackPlan plan, LiveCluster cluster, boolean late) {
        var recording = RecordingMocks.withPlaceholders(plan.inputs().settings());
        Mocks mocks = late ? new LateMocks(recording) : recording;
        var runner = new AtomicReference<QuietRunner>();
        try {
            var result = PulumiRuntime.runMocked(mocks, MockedRun.quietLogger(), TestOptions.builder()
                    .projectName(StackConfig.NAMESPACE).stackName(plan.inputs().stack()).build(), ctx -> {
                runner.set((QuietRunner) DeploymentInternal.getInstance().getRunner());
                App.deploy(ctx, plan, cluster, key -> Output.ofSecret(RecordingMocks.PLACEHOLDER_PREFIX + key), m -> { });
            });
            return new Run(result, recording, runner.get());
        } finally {
            PulumiTest.cleanup();
        }
    }

    private static Set<String> names(RecordingMocks mocks) {
        var names = new TreeSet<String>();
        for (var r : mocks.registrations()) names.add(r.type() + "::" + r.name());
        return names;
    }

    /** Answers as {@code inner} does, but late: the dependents of each answer run well after the last task ended. */
    private record LateMocks(Mocks inner) implements Mocks {
        @Override
        public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
            return later(inner.newResourceAsync(args));
        }

        @Override
        public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
            return later(inner.callAsync(args));
        }

        private static <T> CompletableFuture<T> later(CompletableFuture<T> answer) {
            var delay = CompletableFuture.delayedExecutor(ThreadLocalRandom.current().nextInt(8), TimeUnit.MILLISECONDS);
            return answer.thenApplyAsync(value -> value, delay);
        }
    }
}
