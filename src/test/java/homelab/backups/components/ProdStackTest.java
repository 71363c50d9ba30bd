package homelab.backups.components;

import static homelab.backups.support.TestStacks.at;
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
import homelab.backups.secrets.onepassword.OnePassword;
import homelab.backups.support.TestStacks;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The prod stack, run once under recording mocks; each test states one policy the program must keep. */
class ProdStackTest {
    /** VolSync's own validation of {@code trigger.schedule} (api/v1alpha1). */
    static final Pattern VOLSYNC_CRON = Pattern.compile(
            "^(@(annually|yearly|monthly|weekly|daily|hourly))|((((\\d+,)*\\d+|(\\d+(/|-)\\d+)|\\*(/\\d+)?)\\s?){5})$");

    static StackPlan plan;
    static MockedRun run;
    static Map<String, Registration> byName;

    @BeforeAll
    static void runProdOnce() {
        plan = TestStacks.prodPlan();
        run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        byName = run.mocks().registrations().stream().collect(Collectors.toMap(Registration::name, r -> r));
    }

    static List<Registration> ofType(String type) {
        return homelab.backups.support.Registrations.ofType(run, type);
    }

    static Registration named(String name) {
        var r = byName.get(name);
        assertNotNull(r, "no resource named " + name);
        return r;
    }

    static ResourceOptions options(String name) {
        var o = run.options().get(name);
        assertNotNull(o, "no options recorded for " + name);
        return o;
    }

    static List<Resource> dependsOn(String name) {
        return PulumiTest.extractValue(options(name).getDependsOn());
    }

    static boolean isSecret(Output<?> output) {
        return Internal.of(output).isSecret().join();
    }

    @Test
    void everyBackedUpVolumeHasItsSecretSourceAndPvc() {
        var apps = plan.volumes().stream().map(v -> v.app()).toList();
        assertEquals(17, apps.size(), "17 backed up: the docs/design.md's 19 less jellyfin, plex (not deployed) and the SMB share, "
                + "plus paperless' media; open-webui's real PVC");
        assertEquals(17, ofType(BackedUpVolume.TYPE).size());
        assertEquals(java.util.Set.of("jellyfin", "jellyfin-media", "plex", "open-webui-data"),
                plan.excluded().stream().map(v -> v.app()).collect(Collectors.toSet()));
        assertTrue(plan.excluded().stream().allMatch(v -> !v.exclusion().orElseThrow().isBlank()));
        for (var v : plan.volumes()) {
            assertEquals("kubernetes:core/v1:Secret", named(v.app() + "-repository").type());
            assertEquals("kubernetes:volsync.backube/v1alpha1:ReplicationSource", named(v.app() + "-source").type());
            assertEquals("kubernetes:core/v1:PersistentVolumeClaim", named(v.app() + "-pvc").type());
        }
    }

    @Test
    void platformAndStorageExist() {
        var release = named("wave1-platform-volsync");
        assertEquals("kubernetes:helm.sh/v3:Release", release.type());
        assertEquals("volsync", release.inputs().get("chart"));
        assertEquals("0.15.0", release.inputs().get("version"), "the chart version is pinned from config");
        assertEquals(true, at(release.inputs(), "values.manageCRDs"));
        var vsc = named("wave1-platform-snapshot-class-longhorn-snap");
        assertEquals("kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass", vsc.type());
        assertEquals("driver.longhorn.io", vsc.inputs().get("driver"));
        assertEquals(Map.of("type", "snap"), vsc.inputs().get("parameters"), "correction 5: snap, never a Longhorn backup");
        assertEquals("volsync-system", at(named("wave1-platform-namespace").inputs(), "metadata.name"));
        assertEquals(Set.of("volsync-backups", "postgres-backups"),
                ofType("aws:s3/bucketV2:BucketV2").stream().map(b -> b.inputs().get("bucket")).collect(Collectors.toSet()));
    }

    @Test
    void replicationSourcesFollowTheCorrections() {
        for (var v : plan.volumes()) {
            var spec = map(named(v.app() + "-source").inputs().get("spec"));
            assertEquals(v.pvc(), spec.get("sourcePVC"));
            var schedule = (String) at(spec, "trigger.schedule");
            assertTrue(VOLSYNC_CRON.matcher(schedule).matches(), schedule);
            assertNull(spec.get("kopia"), "restic stack must not carry a kopia block");
            var restic = map(spec.get("restic"));
            assertEquals(v.app() + "-backup-repo", restic.get("repository"));
            assertEquals(14.0, at(restic, "retain.daily"));
            assertEquals(7.0, restic.get("pruneIntervalDays"));
            assertEquals("1Gi", restic.get("cacheCapacity"));
            assertEquals("longhorn", restic.get("cacheStorageClassName"));
            assertEquals(Map.of("runAsUser", (double) v.mover().uid(), "runAsGroup", (double) v.mover().gid(),
                    "fsGroup", (double) v.mover().fsGroup()), restic.get("moverSecurityContext"), "correction 6");
            if (v.storageClass().isEmpty()) {
                assertEquals("Direct", restic.get("copyMethod"));
                assertNull(restic.get("volumeSnapshotClassName"));
            } else {
                assertEquals("Snapshot", restic.get("copyMethod"));
                assertEquals("longhorn-snap", restic.get("volumeSnapshotClassName"));
                assertEquals("longhorn", restic.get("storageClassName"));
            }
        }
    }

    @Test
    void noDestinationExistsWithoutARestore() {
        // VolSync provisions a destination's full-size volume and cache as soon as it exists, paused or not
        // (backube/volsync v0.15.0 mover/restic/mover.go Synchronize; docs/field-findings.md §3): 19 idle destinations would be
        // standing Longhorn volumes.
        assertEquals(List.of(), ofType("kubernetes:volsync.backube/v1alpha1:ReplicationDestination"));
        assertTrue(plan.volumes().stream().allMatch(v -> run.stack().volumes().volumes().stream()
                .filter(b -> b.pulumiResourceName().equals(v.app())).allMatch(b -> b.destination().isEmpty())));
    }

    @Test
    void schedulesAreStaggeredInsideTheWindowAndDistinct() {
        var minutes = new HashSet<String>();
        for (var v : plan.volumes()) {
            var fields = ((String) at(named(v.app() + "-source").inputs(), "spec.trigger.schedule")).split(" ");
            assertEquals("2", fields[1], v.app() + " starts outside 02:00-02:59");
            assertTrue(minutes.add(fields[0]), "two volumes start at minute " + fields[0]);
            assertEquals(List.of("*", "*", "*"), List.of(fields[2], fields[3], fields[4]));
        }
    }

    @Test
    void everyNamedKubernetesObjectIsDeletedBeforeItIsReplaced() {
        // Created first, a same-named "replacement" is the object itself (server-side apply upserts it), and deleting
        // "the original" then deletes it, or takes a patch's fields back off its owner (seen end to end). PVCs follow
        // their ClaimHandling; the Helm release is the one exception (Helm refuses a second release of the name).
        var checked = 0;
        for (var r : run.mocks().registrations()) {
            if (!r.type().startsWith("kubernetes:") || r.type().equals("kubernetes:core/v1:PersistentVolumeClaim")
                    || r.type().equals("kubernetes:helm.sh/v3:Release") || r.type().equals("pulumi:providers:kubernetes")) continue;
            var o = (com.pulumi.resources.CustomResourceOptions) options(r.name());
            assertTrue(o.getDeleteBeforeReplace(), r.type() + " " + r.name() + " would be created before its old self is deleted");
            checked++;
        }
        assertTrue(checked >= 4 * plan.volumes().size(), "checked only " + checked);
    }

    @Test
    void pvcsAreAdoptedAndProtected() {
        for (var v : plan.volumes()) {
            var name = v.app() + "-pvc";
            var o = (com.pulumi.resources.CustomResourceOptions) options(name);
            assertTrue(o.isProtect(), name + " is not protected");
            assertFalse(o.isRetainOnDelete(), name + ": a retained flag in state would turn a later restore into a collision");
            assertEquals(v.namespace() + "/" + v.pvc(), o.getImportId().orElse(null), name + " is not imported");
            assertEquals(v.namespace() + "/" + v.pvc(), named(name).importId());
            assertTrue(o.getIgnoreChanges().containsAll(homelab.backups.plan.ClaimHandling.ADOPTED_AS_IT_LIVES));
            assertFalse(o.getDeleteBeforeReplace(), name);
            var spec = map(named(name).inputs().get("spec"));
            assertNull(spec.get("dataSourceRef"), "an adopted PVC must not get a data source (correction 4)");
            assertEquals(v.capacity().text(), at(spec, "resources.requests.storage"));
            assertEquals(v.storageClass(), spec.get("storageClassName"));
        }
    }

    @Test
    void wavesWaitForTheirPredecessors() {
        var stack = run.stack();
        var wave0 = stack.secrets().ready();
        assertEquals(1, wave0.size(), "the 1Password provider is wave 0's only resource");
        for (var name : List.of("wave1-platform-namespace", "wave1-platform-snapshot-class-longhorn-snap")) {
            assertTrue(dependsOn(name).containsAll(wave0), name + " does not wait for wave 0");
        }
        assertTrue(dependsOn("wave1-platform-volsync").contains(stack.platform().namespace()));
        var wave1 = stack.platform().ready();
        assertTrue(wave1.contains(stack.platform().volsync()), "wave 1 hands on the release (VolSync CRDs)");
        for (var name : List.of("wave2-storage-rustfs", "wave2-storage-volsync-backups", "wave2-storage-postgres-backups")) {
            assertTrue(dependsOn(name).containsAll(wave1), name + " does not wait for wave 1");
        }
        var wave2 = stack.storage().ready();
        assertEquals(2, wave2.size());
        // Wave 3 (the alert rules) waits for the buckets; wave 4 waits for the rules, so for the buckets too.
        assertTrue(dependsOn("wave3-proof-alert-rules").containsAll(wave2), "the alert rules do not wait for wave 2");
        var wave3 = stack.proof().ready();
        assertEquals(List.of(stack.proof().alertRules().orElseThrow()), wave3, "wave 3 hands on the alert rules");
        for (var v : stack.volumes().volumes()) {
            var app = v.pulumiResourceName();
            for (var child : List.of("-repository", "-source", "-pvc")) {
                assertTrue(dependsOn(app + child).containsAll(wave3), app + child + " does not wait for wave 3");
            }
            v.destination().ifPresent(d -> assertTrue(dependsOn(app + "-destination").containsAll(wave3)));
            assertTrue(dependsOn(app + "-source").contains(v.repositorySecret()), "backups start after their secret");
            assertFalse(dependsOn(app + "-source").contains(v.pvc()),
                    "an adopted PVC has no dependents, so it can be forgotten when its app leaves the inventory");
        }
    }

    @Test
    void everyChildHasItsComponentAsParent() {
        var stack = run.stack();
        for (var v : stack.volumes().volumes()) {
            for (var child : List.of("-repository", "-source", "-pvc")) {
                assertSame(v, options(v.pulumiResourceName() + child).getParent().orElseThrow());
            }
            assertSame(stack.volumes(), options(v.pulumiResourceName()).getParent().orElseThrow());
        }
        assertSame(stack.platform(), options("wave1-platform-volsync").getParent().orElseThrow());
        assertSame(stack.storage(), options("wave2-storage-volsync-backups").getParent().orElseThrow());
        assertSame(stack.secrets(), options("wave0-secrets-onepassword").getParent().orElseThrow());
    }

    @Test
    void everyKubernetesResourceUsesTheExplicitPinnedProvider() {
        var providerUrn = "urn:pulumi:prod::homelab-backups::pulumi:pulumi:Stack$pulumi:providers:kubernetes::kubernetes::";
        for (var r : run.mocks().registrations()) {
            if (r.type().startsWith("kubernetes:")) assertTrue(r.provider().startsWith(providerUrn), r.name());
            if (r.type().startsWith("aws:")) assertTrue(r.provider().contains("pulumi:providers:aws::wave2-storage-rustfs"), r.name());
        }
        assertEquals("4.32.0", options("kubernetes").getVersion().orElse(null), "plugin >= 4.18 for pulumi.com/waitFor");
        var config = StackFile.config(TestStacks.PROJECT, "prod").orElseThrow();
        assertEquals(List.of("*"), config.get("pulumi:disable-default-providers"), "default providers must be off");
    }

    @Test
    void repositorySecretsAreSecretAndCarryResticKeys() {
        for (var v : run.stack().volumes().volumes()) {
            var args = (com.pulumi.kubernetes.core.v1.SecretArgs) run.args().get(v.pulumiResourceName() + "-repository");
            assertTrue(isSecret(args.stringData().orElseThrow()), v.pulumiResourceName() + " stringData is not secret");
            var data = map(named(v.pulumiResourceName() + "-repository").inputs().get("stringData"));
            assertEquals(Set.of("RESTIC_REPOSITORY", "RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                    "AWS_DEFAULT_REGION"), data.keySet());
            var planned = plan.volumes().stream().filter(p -> p.app().equals(v.pulumiResourceName())).findFirst().orElseThrow();
            assertEquals("s3:http://192.168.10.133:30292/volsync-backups/" + planned.namespace() + "/" + planned.app(),
                    data.get("RESTIC_REPOSITORY"));
            assertEquals(RecordingMocks.PLACEHOLDER_PREFIX + "resticPassword", data.get("RESTIC_PASSWORD"),
                    "the repository password comes from the restic_password field");
        }
    }

    @Test
    void onePasswordIsReadOnceThroughItsOwnProvider() {
        var calls = run.mocks().invocations();
        assertEquals(1, calls.size());
        var call = calls.get(0);
        assertEquals(OnePassword.GET_ITEM, call.token());
        assertEquals(Map.of("vault", "OWNER-FILL-IN-VAULT-UUID", "title", "rustfs"), call.args());
        assertTrue(call.provider().contains("pulumi:providers:onepassword::wave0-secrets-onepassword"), call.provider());
        assertEquals("1.1.3", options("wave0-secrets-onepassword").getVersion().orElse(null));
    }

    @Test
    void rustfsProviderIsPathStyleWithoutAwsChecksAndSecretKeys() {
        var p = named("wave2-storage-rustfs").inputs();
        assertEquals("[{\"s3\":\"http://192.168.10.133:30292\"}]", p.get("endpoints"));
        for (var flag : List.of("s3UsePathStyle", "skipCredentialsValidation", "skipRequestingAccountId",
                "skipMetadataApiCheck", "skipRegionValidation")) {
            assertEquals("true", String.valueOf(p.get(flag)), flag);
        }
        var args = StorageWave.rustfsProvider(plan.inputs().settings().target(), run.stack().secrets().source());
        assertTrue(isSecret(args.accessKey().orElseThrow()));
        assertTrue(isSecret(args.secretKey().orElseThrow()));
    }

    /**
     * What the provider and buckets register must not change for a stack that exists (an aws SDK update, or a
     * program change, that alters it shows here): the package version the engine picks the plugin by, the
     * credentials kept secret in state, the alias of the renamed bucket type, and exactly these inputs.
     */
    @Test
    void awsResourcesRegisterWhatTheSdkClassesRegistered() {
        var provider = (com.pulumi.resources.CustomResourceOptions) options("wave2-storage-rustfs");
        assertEquals("6.83.0", provider.getVersion().orElse(null));
        assertEquals(List.of("accessKey", "secretKey", "token"), provider.getAdditionalSecretOutputs());
        assertEquals(java.util.Set.of("region", "accessKey", "secretKey", "endpoints", "s3UsePathStyle",
                "skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation", "skipRequestingAccountId"),
                named("wave2-storage-rustfs").inputs().keySet());
        for (var b : ofType("aws:s3/bucketV2:BucketV2")) {
            var o = options(b.name());
            assertEquals("6.83.0", o.getVersion().orElse(null), b.name());
            assertEquals(1, o.getAliases().size(), b.name());
            assertEquals(java.util.Set.of("bucket", "forceDestroy"), b.inputs().keySet(), b.name());
        }
    }

    @Test
    void bucketsAreProtectedAndNeverForceDestroyed() {
        for (var b : ofType("aws:s3/bucketV2:BucketV2")) {
            var o = options(b.name());
            assertTrue(o.isProtect(), b.name());
            assertTrue(((com.pulumi.resources.CustomResourceOptions) o).isRetainOnDelete(), b.name());
            assertEquals(false, b.inputs().get("forceDestroy"), b.name());
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

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
