package homelab.backups.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.Pulumi;
import com.pulumi.exceptions.RunException;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter over the SDK's internals runs only on the SDK it was written against, and refuses every other the way
 * the program refuses anything: by a message, with no stack trace, before a resource is registered.
 */
class PulumiRuntimeTest {
    @AfterEach
    void cleanup() {
        PulumiTest.cleanup();
    }

    @Test
    void theBuildRecordsTheSdkOnTheClasspathAndItIsTheOneTheAdapterWasWrittenFor() throws Exception {
        var recorded = PulumiRuntime.sdkVersion();
        assertTrue(recorded.isPresent(), "the build records the SDK version (" + PulumiRuntime.VERSION_RESOURCE + ")");
        // The record is the pom's; the SDK jar Maven put on this classpath names its own version in its file name.
        var jar = Path.of(Pulumi.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString();
        assertEquals("pulumi-" + recorded.get() + ".jar", jar, "the recorded version is the SDK's on the classpath");
        assertEquals(Optional.empty(), PulumiRuntime.versionProblem(recorded),
                "an SDK update must re-read the adapter against the new SDK's source and move WRITTEN_AGAINST");
    }

    @Test
    void anotherSdkIsRefusedNamingBothVersionsAndTheWayOut() {
        var problem = PulumiRuntime.versionProblem(Optional.of("1.37.0")).orElseThrow(
                () -> new AssertionError("another SDK version must be refused"));
        assertTrue(problem.contains("com.pulumi:pulumi 1.37.0"), problem);
        assertTrue(problem.contains(PulumiRuntime.WRITTEN_AGAINST), problem);
        assertTrue(problem.contains("pom.xml") && problem.contains("WRITTEN_AGAINST"), problem);
        assertFalse(problem.contains("\n"), "one line");
    }

    @Test
    void anSdkWhoseVersionIsNotRecordedIsRefused() {
        var problem = PulumiRuntime.versionProblem(Optional.empty()).orElseThrow(
                () -> new AssertionError("an unrecorded SDK version must be refused"));
        assertTrue(problem.contains(PulumiRuntime.VERSION_RESOURCE), problem);
    }

    @Test
    void aRefusalEndsTheRunByItsMessageAloneBeforeAnythingIsRegistered() {
        var message = PulumiRuntime.versionProblem(Optional.of("0.0.1")).orElseThrow(
                () -> new AssertionError("0.0.1 must be refused"));
        var mocks = new RecordingMocks(Map.of());
        var result = PulumiRuntime.runMocked(mocks, MockedRun.quietLogger(),
                TestOptions.builder().projectName("homelab-backups").stackName("test").build(),
                PulumiRuntime.refusing(message));
        assertNotEquals(0, result.exitCode(), "a refusal exits non-zero");
        assertEquals(1, result.exceptions().size(), result.exceptions()::toString);
        assertInstanceOf(RunException.class, result.exceptions().get(0));
        assertEquals(message, result.exceptions().get(0).getMessage());
        assertEquals(java.util.List.of(message), result.errors(), "the engine hears the message, and only it: no stack trace");
        assertTrue(mocks.registrations().isEmpty(), "nothing is registered");
    }

    @Test
    void aStopFromInsideAnOutputIsReportedTheSameWay() {
        var mocks = new RecordingMocks(Map.of());
        var result = PulumiRuntime.runMocked(mocks, MockedRun.quietLogger(),
                TestOptions.builder().projectName("homelab-backups").stackName("test").build(),
                ctx -> ctx.export("value", com.pulumi.core.Output.of("known")
                        .apply(v -> PulumiRuntime.<String>stop("the value is wrong: " + v))));
        assertNotEquals(0, result.exitCode());
        assertEquals(1, result.exceptions().size(), result.exceptions()::toString);
        assertInstanceOf(RunException.class, result.exceptions().get(0));
        assertEquals(java.util.List.of("the value is wrong: known"), result.errors());
    }

    /** await: the value of a known Output; a named refusal (never the value) for one unknown, late or failed. */
    @Test
    void awaitGivesAKnownValueAndRefusesAnUnknownALateAndAFailedOneByName() throws Exception {
        var seen = new java.util.ArrayList<Object>();
        var mocks = new RecordingMocks(Map.of());
        var options = TestOptions.builder().projectName("homelab-backups").stackName("test").build();
        var done = new java.util.concurrent.CountDownLatch(1);
        var result = PulumiRuntime.runMocked(mocks, MockedRun.quietLogger(), options, ctx -> {
            seen.add(PulumiRuntime.await(com.pulumi.core.Output.ofSecret("s3-key"), java.time.Duration.ofSeconds(10), "the key"));
            var late = new java.util.concurrent.CompletableFuture<String>();
            var unknown = new com.pulumi.core.internal.OutputInternal<String>(com.pulumi.core.internal.OutputData.<String>unknown());
            var failed = com.pulumi.core.Output.of(java.util.concurrent.CompletableFuture.<String>failedFuture(
                    new IllegalStateException("1Password said no")));
            for (var output : java.util.List.of(com.pulumi.core.Output.of(late), unknown, failed)) {
                try {
                    PulumiRuntime.await(output, java.time.Duration.ofMillis(200), "the S3 secret key");
                    seen.add("no refusal");
                } catch (RunException e) {
                    seen.add(e.getMessage());
                }
            }
            done.countDown();
        });
        // The failed Output's own task ends the run at once, while the program may still be waiting.
        assertTrue(done.await(30, java.util.concurrent.TimeUnit.SECONDS), "the program ran to its end");
        // The failed Output's own task fails the run as the SDK reports any failed output; await has named it first.
        assertTrue(result.errors().toString().contains("1Password said no"), result.errors()::toString);
        assertEquals("s3-key", seen.get(0), "a known secret's value");
        assertEquals(4, seen.size(), seen::toString);
        assertTrue(seen.get(1).toString().startsWith("the S3 secret key did not arrive within 0s"), seen::toString);
        assertTrue(seen.get(2).toString().startsWith("the S3 secret key is not known in this run"), seen::toString);
        assertEquals("could not read the S3 secret key: 1Password said no", seen.get(3));
        assertTrue(mocks.registrations().isEmpty(), "waiting registers nothing");
    }
}
