package homelab.backups.components;

import static homelab.backups.support.RunAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.core.Output;
import com.pulumi.core.internal.Internal;
import com.pulumi.resources.Resource;
import com.pulumi.resources.ResourceOptions;
import com.pulumi.test.PulumiTest;
import homelab.backups.config.StackFile;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.config.Policy;
import homelab.backups.secrets.onepassword.OnePassword;
import homelab.backups.support.RunAssert;
import homelab.backups.support.TestStacks;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The program's rules for a whole stack, each stated relative to the plan and checked on two stacks, each run once
 * under recording mocks: prod as committed, and the test stack (src/test/resources/stacks/test), whose arbitrary
 * values cover the modes prod lacks (an hourly and a six-hourly policy, Clone and Direct copy methods, a static PV).
 * Changing a value in prod moves none of these; tests whose names start with {@code prod} are about prod's own
 * configuration (what it backs up, its URNs), and the render snapshot pins its objects.
 */
class ProdStackTest {
    /** VolSync's own validation of {@code trigger.schedule} (api/v1alpha1). */
    static final Pattern VOLSYNC_CRON = Pattern.compile(
            "^(@(annually|yearly|monthly|weekly|daily|hourly))|((((\\d+,)*\\d+|(\\d+(/|-)\\d+)|\\*(/\\d+)?)\\s?){5})$");

    /** The prod stack's plan and run. */
    static StackPlan plan;
    static MockedRun run;
    /** Both stacks the rules are checked on: prod and the test stack. */
    static List<Stack> stacks;

    /** One stack's plan and run, with the lookups the rules use. */
    record Stack(StackPlan plan, MockedRun run) {
        static Stack of(StackPlan plan) {
            var run = MockedRun.of(plan);
            assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
            return new Stack(plan, run);
        }

        homelab.backups.config.Settings settings() {
            return plan.inputs().settings();
        }

        RunAssert that() {
            return assertThat(run);
        }

        Registration named(String name) {
            return homelab.backups.support.Registrations.named(run, name);
        }

        List<Registration> ofType(String type) {
            return homelab.backups.support.Registrations.ofType(run, type);
        }

        ResourceOptions options(String name) {
            var o = run.options().get(name);
            assertNotNull(o, "no options recorded for " + name + " in stack " + plan.inputs().stack());
            return o;
        }

        List<Resource> dependsOn(String name) {
            return homelab.backups.support.Registrations.dependsOn(run, name);
        }

        /** The bucket the settings name, as the storage wave names its resource. */
        List<String> bucketResources() {
            var s3 = settings().target();
            return List.of("wave2-storage-" + s3.volsyncBucket(), "wave2-storage-" + s3.postgresBucket());
        }
    }

    @BeforeAll
    static void runBothStacksOnce() {
        var prod = Stack.of(TestStacks.prodPlan());
        plan = prod.plan();
        run = prod.run();
        stacks = List.of(prod, Stack.of(TestStacks.testPlan()));
    }

    static boolean isSecret(Output<?> output) {
        return Internal.of(output).isSecret().join();
    }

    @Test
    void everyBackedUpVolumeHasItsSecretSourceAndPvc() {
        for (var st : stacks) {
            assertEquals(st.plan().volumes().size(), st.ofType(BackedUpVolume.TYPE).size());
            for (var v : st.plan().volumes()) {
                st.that().resource(RunAssert.SECRET, v.app() + "-repository");
                st.that().resource(RunAssert.REPLICATION_SOURCE, v.app() + "-source");
                st.that().resource(RunAssert.PVC, v.app() + "-pvc");
            }
            for (var v : st.plan().excluded()) {
                st.that().hasNo(RunAssert.REPLICATION_SOURCE, v.app() + "-source").hasNo(RunAssert.PVC, v.app() + "-pvc");
                assertTrue(!v.exclusion().orElseThrow().isBlank(), v.app() + " is excluded without a reason");
            }
        }
    }

    /** What prod backs up is prod's configuration: the inventory's count and exclusions, pinned here on purpose. */
    @Test
    void prodBacksUpTheDeployedVolumesAndExcludesTheRestWithAReason() {
        var apps = plan.volumes().stream().map(v -> v.app()).toList();
        assertEquals(17, apps.size(), "17 backed up: the docs/design.md's 19 less jellyfin, plex (not deployed) and the SMB share, "
                + "plus paperless' media; open-webui's real PVC");
        assertEquals(java.util.Set.of("jellyfin", "jellyfin-media", "plex", "open-webui-data"),
                plan.excluded().stream().map(v -> v.app()).collect(Collectors.toSet()));
    }

    @Test
    void platformAndStorageExist() {
        for (var st : stacks) {
            var settings = st.settings();
            var release = st.that().resource("kubernetes:helm.sh/v3:Release", "wave1-platform-volsync");
            release.input("chart").isEqualTo(settings.volsync().chart().name());
            release.input("version").isEqualTo(settings.volsync().chart().version());
            release.input("values.manageCRDs").isEqualTo(true);
            for (var sc : settings.snapshotClasses()) {
                var vsc = st.that().resource("kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass",
                        "wave1-platform-snapshot-class-" + sc.name());
                vsc.input("driver").isEqualTo(sc.driver());
                vsc.input("parameters").isEqualTo(sc.parameters());
            }
            st.that().resource("kubernetes:core/v1:Namespace", "wave1-platform-namespace").input("metadata.name")
                    .isEqualTo(settings.volsync().namespace());
            assertEquals(Set.of(settings.target().volsyncBucket(), settings.target().postgresBucket()),
                    st.ofType(RunAssert.BUCKET).stream().map(b -> b.inputs().get("bucket")).collect(Collectors.toSet()));
        }
    }

    @Test
    void replicationSourcesFollowTheCorrections() {
        for (var st : stacks) {
            assertEquals(homelab.backups.config.Settings.Mover.RESTIC, st.settings().volsync().mover(), "both stacks run restic");
            var cache = st.settings().cache();
            for (var v : st.plan().volumes()) {
                var source = st.that().resource(RunAssert.REPLICATION_SOURCE, v.app() + "-source");
                source.input("spec.sourcePVC").isEqualTo(v.pvc());
                source.input("spec.trigger.schedule").matches(VOLSYNC_CRON.pattern());
                source.input("spec.kopia").isAbsent();
                var restic = source.input("spec.restic");
                restic.input("repository").isEqualTo(v.secretName());
                restic.input("retain").isEqualTo(v.policy().retain().nonZero());
                restic.input("pruneIntervalDays").isEqualTo(v.policy().pruneIntervalDays());
                restic.input("cacheCapacity").isEqualTo(cache.capacity().text());
                if (cache.storageClass().isPresent()) restic.input("cacheStorageClassName").isEqualTo(cache.storageClass().get());
                else restic.input("cacheStorageClassName").isAbsent();
                restic.input("moverSecurityContext").isEqualTo(Map.of("runAsUser", v.mover().uid(),
                        "runAsGroup", v.mover().gid(), "fsGroup", v.mover().fsGroup()));
                restic.input("copyMethod").isEqualTo(v.copyMethod().apiName());
                if (v.storageClass().isEmpty()) {
                    restic.input("copyMethod").isEqualTo("Direct");
                    restic.input("volumeSnapshotClassName").isAbsent();
                } else if (v.copyMethod() == homelab.backups.config.CopyMethod.SNAPSHOT) {
                    restic.input("volumeSnapshotClassName").isEqualTo(st.settings().snapshotClassFor(v.storageClass()).orElseThrow().name());
                    restic.input("storageClassName").isEqualTo(v.storageClass());
                }
            }
        }
    }

    @Test
    void noDestinationExistsWithoutARestore() {
        // VolSync provisions a destination's full-size volume and cache as soon as it exists, paused or not
        // (backube/volsync v0.15.0 mover/restic/mover.go Synchronize; docs/field-findings.md §3): 19 idle destinations would be
        // standing Longhorn volumes.
        for (var st : stacks) {
            assertEquals(java.util.Map.of(), st.plan().inputs().restores(), "neither stack asks for a restore");
            assertEquals(List.of(), st.ofType(RunAssert.REPLICATION_DESTINATION));
            assertTrue(st.run().stack().volumes().volumes().stream().allMatch(b -> b.destination().isEmpty()));
        }
    }

    @Test
    void schedulesAreStaggeredInsideTheWindowAndDistinct() {
        for (var st : stacks) {
            var starts = new HashSet<String>();
            for (var v : st.plan().volumes()) {
                var source = st.that().resource(RunAssert.REPLICATION_SOURCE, v.app() + "-source");
                source.input("spec.trigger.schedule").isEqualTo(v.schedule().text());
                if (v.volume().schedule().isPresent()) {
                    assertEquals(v.volume().schedule().get(), v.schedule(), v.app() + ": its own schedule replaces the slot");
                    continue;
                }
                var minutes = v.schedule().minutesOfDay();
                int first = minutes.nextSetBit(0), offset;
                if (v.policy().cadence() instanceof Policy.Cadence.Window w) {
                    int start = w.start().getHour() * 60 + w.start().getMinute();
                    offset = Math.floorMod(first - start, 24 * 60);
                    assertEquals(1, minutes.cardinality(), v.app() + ": once a day");
                    assertTrue(offset < w.minutes(), v.app() + " starts at " + v.schedule() + ", outside its policy's window " + w);
                } else {
                    int hours = v.policy().cadence().intervalHours();
                    offset = first % (hours * 60);
                    assertEquals(24 / hours, minutes.cardinality(), v.app() + ": once every " + hours + " h");
                    assertEquals(java.time.Duration.ofHours(hours), v.schedule().longestGap(), v.app() + ": " + v.schedule());
                }
                assertTrue(starts.add(v.policy().name() + "@" + offset), v.app() + ": two volumes of policy "
                        + v.policy().name() + " start at the same offset " + offset);
                assertEquals(List.of("*", "*", "*"), v.schedule().fields().subList(2, 5), v.app() + ": every day");
            }
        }
    }

    @Test
    void everyNamedKubernetesObjectIsDeletedBeforeItIsReplaced() {
        // Created first, a same-named "replacement" is the object itself (server-side apply upserts it), and deleting
        // "the original" then deletes it, or takes a patch's fields back off its owner (seen end to end). PVCs follow
        // their ClaimHandling; the Helm release is the one exception (Helm refuses a second release of the name).
        for (var st : stacks) {
            var checked = 0;
            for (var r : st.run().mocks().registrations()) {
                if (!r.type().startsWith("kubernetes:") || r.type().equals("kubernetes:core/v1:PersistentVolumeClaim")
                        || r.type().equals("kubernetes:helm.sh/v3:Release") || r.type().equals("pulumi:providers:kubernetes")) continue;
                var o = (com.pulumi.resources.CustomResourceOptions) st.options(r.name());
                assertTrue(o.getDeleteBeforeReplace(), r.type() + " " + r.name() + " would be created before its old self is deleted");
                checked++;
            }
            assertTrue(checked >= 4 * st.plan().volumes().size(), "checked only " + checked);
        }
    }

    @Test
    void pvcsAreAdoptedAndProtected() {
        for (var st : stacks) {
            for (var v : st.plan().volumes()) {
                var name = v.app() + "-pvc";
                var o = (com.pulumi.resources.CustomResourceOptions) st.options(name);
                assertTrue(o.isProtect(), name + " is not protected");
                assertFalse(o.isRetainOnDelete(), name + ": a retained flag in state would turn a later restore into a collision");
                assertEquals(v.namespace() + "/" + v.pvc(), o.getImportId().orElse(null), name + " is not imported");
                assertEquals(v.namespace() + "/" + v.pvc(), st.named(name).importId());
                assertTrue(o.getIgnoreChanges().containsAll(homelab.backups.plan.ClaimHandling.ADOPTED_AS_IT_LIVES));
                assertFalse(o.getDeleteBeforeReplace(), name);
                var pvc = st.that().resource(RunAssert.PVC, name);
                pvc.input("spec.dataSourceRef").isAbsent();
                pvc.input("spec.resources.requests.storage").isEqualTo(v.capacity().text());
                pvc.input("spec.storageClassName").isEqualTo(v.storageClass());
            }
        }
    }

    @Test
    void wavesWaitForTheirPredecessors() {
        for (var st : stacks) {
            var stack = st.run().stack();
            var wave0 = stack.secrets().ready();
            assertEquals(1, wave0.size(), "the 1Password provider is wave 0's only resource");
            for (var name : List.of("wave1-platform-namespace")) {
                assertTrue(st.dependsOn(name).containsAll(wave0), name + " does not wait for wave 0");
            }
            for (var sc : st.settings().snapshotClasses()) {
                var name = "wave1-platform-snapshot-class-" + sc.name();
                assertTrue(st.dependsOn(name).containsAll(wave0), name + " does not wait for wave 0");
            }
            assertTrue(st.dependsOn("wave1-platform-volsync").contains(stack.platform().namespace()));
            var wave1 = stack.platform().ready();
            assertTrue(wave1.contains(stack.platform().volsync()), "wave 1 hands on the release (VolSync CRDs)");
            var storage = new java.util.ArrayList<>(st.bucketResources());
            storage.add("wave2-storage-rustfs");
            for (var name : storage) {
                assertTrue(st.dependsOn(name).containsAll(wave1), name + " does not wait for wave 1");
            }
            var wave2 = stack.storage().ready();
            assertEquals(st.bucketResources().size(), wave2.size(), "wave 2 hands on its buckets");
            // Wave 3 (the alert rules) waits for the buckets; wave 4 waits for the rules, so for the buckets too.
            assertTrue(st.dependsOn("wave3-proof-alert-rules").containsAll(wave2), "the alert rules do not wait for wave 2");
            var wave3 = stack.proof().ready();
            assertEquals(List.of(stack.proof().alertRules().orElseThrow()), wave3, "wave 3 hands on the alert rules");
            for (var v : stack.volumes().volumes()) {
                var app = v.pulumiResourceName();
                for (var child : List.of("-repository", "-source", "-pvc")) {
                    assertTrue(st.dependsOn(app + child).containsAll(wave3), app + child + " does not wait for wave 3");
                }
                assertTrue(st.dependsOn(app + "-source").contains(v.repositorySecret()), "backups start after their secret");
                assertFalse(st.dependsOn(app + "-source").contains(v.pvc()),
                        "an adopted PVC has no dependents, so it can be forgotten when its app leaves the inventory");
            }
        }
    }

    @Test
    void everyChildHasItsComponentAsParent() {
        for (var st : stacks) {
            var stack = st.run().stack();
            for (var v : stack.volumes().volumes()) {
                for (var child : List.of("-repository", "-source", "-pvc")) {
                    assertSame(v, st.options(v.pulumiResourceName() + child).getParent().orElseThrow());
                }
                assertSame(stack.volumes(), st.options(v.pulumiResourceName()).getParent().orElseThrow());
            }
            assertSame(stack.platform(), st.options("wave1-platform-volsync").getParent().orElseThrow());
            for (var bucket : st.bucketResources()) assertSame(stack.storage(), st.options(bucket).getParent().orElseThrow());
            assertSame(stack.secrets(), st.options("wave0-secrets-onepassword").getParent().orElseThrow());
        }
    }

    @Test
    void everyKubernetesResourceUsesTheExplicitPinnedProvider() {
        for (var st : stacks) {
            var providerUrn = "urn:pulumi:" + st.plan().inputs().stack()
                    + "::homelab-backups::pulumi:pulumi:Stack$pulumi:providers:kubernetes::kubernetes::";
            for (var r : st.run().mocks().registrations()) {
                if (r.type().startsWith("kubernetes:")) assertTrue(r.provider().startsWith(providerUrn), r.name());
                if (r.type().startsWith("aws:")) assertTrue(r.provider().contains("pulumi:providers:aws::wave2-storage-rustfs"), r.name());
            }
            assertEquals(st.settings().kubernetes().providerVersion(), st.options("kubernetes").getVersion().orElse(null),
                    "the plugin the settings pin (>= 4.18 for pulumi.com/waitFor: ValidationTest)");
        }
        var config = StackFile.config(TestStacks.PROJECT, "prod").orElseThrow();
        assertEquals(List.of("*"), config.get("pulumi:disable-default-providers"), "prod's default providers must be off");
    }

    @Test
    void repositorySecretsAreSecretAndCarryResticKeys() {
        for (var st : stacks) {
            var s3 = st.settings().target();
            for (var v : st.run().stack().volumes().volumes()) {
                var args = (com.pulumi.kubernetes.core.v1.SecretArgs) st.run().args().get(v.pulumiResourceName() + "-repository");
                assertTrue(isSecret(args.stringData().orElseThrow()), v.pulumiResourceName() + " stringData is not secret");
                var data = st.that().resource(RunAssert.SECRET, v.pulumiResourceName() + "-repository").input("stringData");
                data.hasKeys(Set.of("RESTIC_REPOSITORY", "RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                        "AWS_DEFAULT_REGION"));
                var planned = st.plan().volumes().stream().filter(p -> p.app().equals(v.pulumiResourceName())).findFirst().orElseThrow();
                data.input("RESTIC_REPOSITORY").isEqualTo("s3:" + s3.endpoint() + "/" + s3.volsyncBucket() + "/"
                        + planned.namespace() + "/" + planned.app());
                data.input("AWS_DEFAULT_REGION").isEqualTo(s3.region());
                data.input("RESTIC_PASSWORD").isEqualTo(RecordingMocks.PLACEHOLDER_PREFIX + "resticPassword");
            }
        }
    }

    @Test
    void onePasswordIsReadOnceThroughItsOwnProvider() {
        for (var st : stacks) {
            var calls = st.run().mocks().invocations();
            assertEquals(1, calls.size());
            var call = calls.get(0);
            assertEquals(OnePassword.GET_ITEM, call.token());
            var op = st.settings().secrets().onePassword().orElseThrow();
            assertEquals(Map.of("vault", op.vault(), "title", op.item()), call.args());
            assertTrue(call.provider().contains("pulumi:providers:onepassword::wave0-secrets-onepassword"), call.provider());
            assertEquals("1.1.3", st.options("wave0-secrets-onepassword").getVersion().orElse(null));
        }
    }

    @Test
    void rustfsProviderIsPathStyleWithoutAwsChecksAndSecretKeys() {
        for (var st : stacks) {
            var p = st.that().resource("pulumi:providers:aws", "wave2-storage-rustfs");
            p.input("endpoints").isEqualTo("[{\"s3\":\"" + st.settings().target().endpoint() + "\"}]");
            for (var flag : List.of("s3UsePathStyle", "skipCredentialsValidation", "skipRequestingAccountId",
                    "skipMetadataApiCheck", "skipRegionValidation")) {
                p.input(flag).satisfies("true", v -> String.valueOf(v).equals("true"));
            }
            var args = StorageWave.rustfsProvider(st.settings().target(), st.run().stack().secrets().source());
            assertTrue(isSecret(args.accessKey().orElseThrow()));
            assertTrue(isSecret(args.secretKey().orElseThrow()));
        }
    }

    /**
     * What the provider and buckets register must not change for a stack that exists (an aws SDK update, or a
     * program change, that alters it shows here): the package version the engine picks the plugin by, the
     * credentials kept secret in state, the alias of the renamed bucket type, and exactly these inputs.
     */
    @Test
    void awsResourcesRegisterWhatTheSdkClassesRegistered() {
        var prod = stacks.get(0);
        var provider = (com.pulumi.resources.CustomResourceOptions) prod.options("wave2-storage-rustfs");
        assertEquals("6.83.0", provider.getVersion().orElse(null));
        assertEquals(List.of("accessKey", "secretKey", "token"), provider.getAdditionalSecretOutputs());
        assertEquals(java.util.Set.of("region", "accessKey", "secretKey", "endpoints", "s3UsePathStyle",
                "skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation", "skipRequestingAccountId"),
                prod.named("wave2-storage-rustfs").inputs().keySet());
        for (var b : prod.ofType("aws:s3/bucketV2:BucketV2")) {
            var o = prod.options(b.name());
            assertEquals("6.83.0", o.getVersion().orElse(null), b.name());
            assertEquals(1, o.getAliases().size(), b.name());
            assertEquals(java.util.Set.of("bucket", "forceDestroy"), b.inputs().keySet(), b.name());
        }
    }

    @Test
    void bucketsAreProtectedAndNeverForceDestroyed() {
        for (var st : stacks) {
            for (var b : st.ofType(RunAssert.BUCKET)) {
                var o = st.options(b.name());
                assertTrue(o.isProtect(), b.name());
                assertTrue(((com.pulumi.resources.CustomResourceOptions) o).isRetainOnDelete(), b.name());
                st.that().resource(RunAssert.BUCKET, b.name()).input("forceDestroy").isEqualTo(false);
            }
        }
    }

    /**
     * A resource's URN is its identity in every existing stack: renaming a child, re-parenting it or changing its
     * type makes the engine delete the old object and create a new one, unless the child carries an alias to its old
     * URN. So the prod stack's URNs are pinned in {@code prod-urns.txt}: a change there must come with an alias (or
     * be a resource meant to go), and the file is updated in the same commit (the actual list is written to
     * target/prod-urns.actual.txt).
     */
    @Test
    void everyUrnOfTheProdStackIsPinned() throws Exception {
        var urns = new java.util.TreeSet<String>();
        for (var r : run.result().resources()) {
            var urn = PulumiTest.extractValue(r.urn());
            urns.add(urn.substring(urn.indexOf("::", urn.indexOf("::") + 2) + 2));
        }
        var actual = java.nio.file.Path.of("target", "prod-urns.actual.txt");
        java.nio.file.Files.createDirectories(actual.getParent());
        java.nio.file.Files.write(actual, urns);
        var pinned = new java.util.TreeSet<>(java.nio.file.Files.readAllLines(
                java.nio.file.Path.of("src", "test", "resources", "prod-urns.txt")));
        pinned.removeIf(line -> line.isBlank() || line.startsWith("#"));
        var gone = new java.util.TreeSet<>(pinned);
        gone.removeAll(urns);
        var added = new java.util.TreeSet<>(urns);
        added.removeAll(pinned);
        assertTrue(gone.isEmpty() && added.isEmpty(), () -> "URNs changed; a renamed or re-parented child needs an "
                + "alias to its old URN, or existing stacks replace it.\n  gone: " + gone + "\n  new: " + added);
    }
}
