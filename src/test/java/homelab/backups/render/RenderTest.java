package homelab.backups.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.render.schema.CrdCatalog;
import homelab.backups.plan.GitContract;
import homelab.backups.support.TestStacks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 5: the offline render of the real program, validated against the real CRD schemas. */
class RenderTest {
    @TempDir
    Path tmp;

    /** The prod stack with its OWNER values filled in (the committed one renders, but is refused for deployment). */
    @TempDir
    static Path prod;

    @BeforeAll
    static void prodProject() throws IOException {
        TestStacks.prodProject(prod);
    }

    /** With the real schemas when they are found (TestCrds): these renders check what schemas do not decide. */
    static Render.Options options(Path out, String stack) {
        return new Render.Options(stack, out, TestCrds.find(), prod);
    }

    static Map<String, String> tree(Path dir) throws IOException {
        var files = new TreeMap<String, String>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (var p : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(), Files.readString(p));
            }
        }
        return files;
    }

    @Test
    void prodRendersAndValidatesCleanly() throws IOException {
        var crds = TestCrds.dir();
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        // --require-schemas: every custom resource kind of prod has its schema there, and each object passes it.
        int code = Render.run(new String[] {"--stack", "prod", "--project", prod.toString(), "--out", tmp.resolve("prod").toString(),
                        "--crds", crds.toString(), "--require-schemas"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err::toString);
        var stdout = out.toString(StandardCharsets.UTF_8);
        assertTrue(stdout.contains("Stack prod: 17 volumes backed up, 4 excluded, 3 databases"), stdout);
        assertTrue(stdout.contains("All custom resources are valid"), stdout);
        var files = tree(tmp.resolve("prod"));
        assertTrue(files.containsKey("plan.txt") && files.containsKey("summary.txt"));
        assertTrue(files.containsKey("wave4-volumes/nginx-example/ReplicationSource-nginx-backup.yaml"));
        assertTrue(files.containsKey("wave2-storage/cloudnative-pg/ClusterPatch-khoj-database.yaml"));
        assertTrue(files.containsKey("wave1-platform/_cluster/VolumeSnapshotClass-longhorn-snap.yaml"));
        // 17 x (Secret, ReplicationSource, PVC, drill CronJob and script ConfigMap), no destination without a restore;
        // 3 database secrets, 2 ObjectStores, 2 Cluster patches, 2 ScheduledBackups, 1 PostgresCluster patch; the
        // namespace and the snapshot class; the PrometheusRule. Besides: plan.txt, summary.txt and promtool's file.
        // Issue 22: per database, its restore drill's ServiceAccount, Role, RoleBinding, ConfigMap and CronJob; per
        // CNPG database, the same five for the pruning of its Backup objects.
        assertTrue(files.containsKey("promtool/homelab-backups.rules.yaml"), "the rule file promtool checks");
        assertEquals(17 * 5 + 3 + 2 + 2 + 2 + 1 + 2 + 1 + 3 * 5 + 2 * 5,
                files.keySet().stream().filter(f -> !f.startsWith(GitContract.DIRECTORY + "/")).count() - 3, "rendered object count");
        // The Git side of restore-before-bind: exactly the plan's files (GitContractTest decides their content).
        var contract = GitContract.of(TestStacks.prodPlan());
        assertEquals(contract.files(), files.entrySet().stream().filter(e -> e.getKey().startsWith(GitContract.DIRECTORY + "/"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new)));
        assertTrue(stdout.contains(contract.patches().size() + " PVC patches, the order in gitops/index.txt"), stdout);
        assertTrue(files.get("plan.txt").contains("nginx"), "the plan table is written to a file too");
        var nginx = files.get("plan.txt").lines().filter(l -> l.startsWith("nginx ")).findFirst().orElseThrow();
        var drill = TestStacks.prodPlan().drills().stream().filter(d -> d.app().equals("nginx")).findFirst().orElseThrow();
        assertTrue(nginx.contains(drill.schedule().text()), "each volume's drill schedule is in the table: " + nginx);
        assertTrue(files.get("plan.txt").contains("Longhorn backups: kept"), "prod keeps Longhorn's backups until told");
    }

    @Test
    void withoutSchemasTheRenderSaysNotValidatedAndFailsWhenTheyAreRequired() throws IOException {
        // A clone with nothing beside it: the schemas of some kinds missing (here: an empty CRD directory).
        var empty = Files.createDirectories(tmp.resolve("no-crds"));
        var err = new ByteArrayOutputStream();
        int code = Render.run(new String[] {"--stack", "prod", "--project", prod.toString(), "--out", tmp.resolve("a").toString(), "--crds", empty.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        var said = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, said);
        assertTrue(said.contains("NOT VALIDATED"), said);
        for (var kind : List.of("volsync.backube/v1alpha1 ReplicationSource", "postgresql.cnpg.io/v1 ScheduledBackup",
                "monitoring.coreos.com/v1 PrometheusRule", "snapshot.storage.k8s.io/v1 VolumeSnapshotClass")) {
            assertTrue(said.contains(kind), "names the kinds not validated: " + said);
        }
        var strictErr = new ByteArrayOutputStream();
        int strict = Render.run(new String[] {"--stack", "prod", "--project", prod.toString(), "--out", tmp.resolve("b").toString(), "--crds", empty.toString(),
                        "--require-schemas"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(strictErr, true, StandardCharsets.UTF_8));
        assertEquals(3, strict, strictErr.toString(StandardCharsets.UTF_8));
        // With every schema there, --require-schemas passes: prodRendersAndValidatesCleanly.
    }

    @Test
    void theFetchedCacheOfTheLockIsFoundWithoutFlags() throws Exception {
        var lock = Files.readAllBytes(TestStacks.PROJECT.resolve("crds/crds.lock.yaml"));
        var hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(lock)).substring(0, 12);
        var env = Map.of("XDG_CACHE_HOME", tmp.toString());
        assertEquals(Optional.empty(), Render.Options.fetchedCrds(TestStacks.PROJECT, env), "nothing fetched yet");
        var dir = Files.createDirectories(tmp.resolve("homelab-backups/crds").resolve(hash));
        assertEquals(Optional.empty(), Render.Options.fetchedCrds(TestStacks.PROJECT, env),
                "an empty cache (a failed fetch) never shadows the other schema directories");
        var files = new org.snakeyaml.engine.v2.api.Load(org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
                .loadFromString(new String(lock, StandardCharsets.UTF_8));
        @SuppressWarnings("unchecked")
        var entries = (List<Map<String, Object>>) ((Map<String, Object>) files).get("crds");
        for (int i = 0; i < entries.size(); i++) {
            var file = dir.resolve((String) entries.get(i).get("file"));
            Files.createDirectories(file.getParent());
            Files.writeString(file, "kind: CustomResourceDefinition\n");
            var expected = i == entries.size() - 1 ? Optional.of(dir) : Optional.<Path>empty();
            assertEquals(expected, Render.Options.fetchedCrds(TestStacks.PROJECT, env),
                    i == entries.size() - 1 ? "where scripts/fetch-crds puts them" : "a partial cache is not used");
        }
    }

    @Test
    void aRestoreWaitIsWrittenAsTheSettingsWriteIt() {
        assertEquals("45m", StackRender.waitText(java.time.Duration.ofMinutes(45)), "not 0h");
        assertEquals("24h", StackRender.waitText(java.time.Duration.ofHours(24)));
        assertEquals("1h30m", StackRender.waitText(java.time.Duration.ofMinutes(90)));
    }

    @Test
    void aWrongObjectIsCaughtWithItsPath() throws IOException {
        var crds = TestCrds.dir();
        var render = StackRender.of(TestStacks.prodPlan());
        var catalog = CrdCatalog.load(List.of(crds));
        var source = render.objects().stream().filter(o -> o.kind().equals("ReplicationSource")).findFirst().orElseThrow();
        var broken = deepCopy(source.object());
        @SuppressWarnings("unchecked")
        var restic = (Map<String, Object>) ((Map<String, Object>) broken.get("spec")).get("restic");
        restic.put("copyMethod", "Copy");
        restic.put("retainDays", 14);
        var violations = catalog.validate(broken, false);
        var text = violations.toString();
        assertTrue(text.contains("$.spec.restic.copyMethod"), text);
        assertTrue(text.contains("$.spec.restic.retainDays"), text);
        assertTrue(violations.stream().allMatch(v -> v.object().contains("ReplicationSource")), text);
        assertTrue(catalog.validate(source.object(), false).isEmpty(), "the rendered object itself is valid");
    }

    @Test
    void aKopiaStackIsCheckedAgainstTheForkCrds() throws IOException {
        var crds = TestCrds.dir();
        var config = TestStacks.with(TestStacks.prodConfig(), "volsync", "{\"mover\": \"kopia\", \"chart\": "
                + "{\"repository\": \"https://perfectra1n.github.io/volsync/charts\", \"name\": \"volsync\", \"version\": \"0.18.5\"}}");
        var render = StackRender.of(homelab.backups.plan.Planner.plan(TestStacks.load(config)));
        var kopiaSettings = render.plan().inputs().settings();
        assertEquals(List.of(), Render.validate(render, crds, kopiaSettings), "fork CRDs accept the kopia objects");
        var upstreamOnly = CrdCatalog.load(List.of(crds));
        var rejected = render.objects().stream().filter(o -> o.kind().equals("ReplicationSource"))
                .flatMap(o -> upstreamOnly.validate(o.object(), false).stream()).toList();
        assertFalse(rejected.isEmpty(), "upstream VolSync has no kopia mover; its CRD must reject spec.kopia");
    }

    @Test
    void twoRendersAreByteIdentical() throws IOException {
        Render.render(options(tmp.resolve("a"), "prod"));
        Render.render(options(tmp.resolve("b"), "prod"));
        assertEquals(tree(tmp.resolve("a")), tree(tmp.resolve("b")));
    }

    @Test
    void noSecretValueReachesTheOutput() throws IOException {
        Render.render(options(tmp.resolve("prod"), "prod"));
        for (var entry : tree(tmp.resolve("prod")).entrySet()) {
            assertFalse(entry.getValue().contains(RecordingMocks.PLACEHOLDER_PREFIX), entry.getKey() + " leaks a credential");
        }
        var secret = tree(tmp.resolve("prod")).get("wave2-storage/immich/Secret-immich-pgbackrest-s3.yaml");
        assertTrue(secret.contains("s3.conf: <redacted>"), secret);
    }

    @Test
    void badInputExitsWithTheValidationErrors() {
        var err = new ByteArrayOutputStream();
        int code = Render.run(new String[] {"--stack", "nosuchstack", "--out", tmp.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        var said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("Pulumi.nosuchstack.yaml: file not found"), said);
        assertTrue(said.contains("known stacks here: prod"), "names the stacks there are: " + said);
        assertEquals(2, said.lines().count(), "the missing settings file alone, not what an empty one would lack: " + said);
    }

    /**
     * The committed prod stack renders for review (README's main job) with the pgBackRest endpoint it still lacks shown
     * as a placeholder and named on the output and in the summary; deploying it is refused (StackInputsOwnerValueTest).
     */
    @Test
    void theCommittedProdStackRendersWithItsOwnerValueNamedAndAPlaceholderThatCannotResolve() throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Render.run(new String[] {"--stack", "prod", "--out", tmp.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        var said = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, said + err);
        var owner = "Pulumi.prod.yaml: homelab-backups:databases: pgbackrest.endpoint: is an OWNER value still to fill in";
        assertTrue(said.contains("pulumi preview and up refuse the stack until they are filled"), said);
        assertTrue(said.contains(owner), said);
        assertTrue(Files.readString(tmp.resolve("summary.txt")).contains(owner), "the summary a reviewer reads names it");
        try (var files = Files.walk(tmp)) {
            assertTrue(files.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return f.toString().endsWith(".yaml") && Files.readString(f).contains("owner-fill-in.invalid");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }), "the pgBackRest repository shows the placeholder host");
        }
    }

    @Test
    void helpExitsZeroAndAMissingCrdFolderIsOneLineWithItsOwnCode() {
        var out = new ByteArrayOutputStream();
        assertEquals(0, Render.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream())));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: render"), out::toString);
        var err = new ByteArrayOutputStream();
        int code = Render.run(new String[] {"--stack", "prod", "--project", prod.toString(), "--out", tmp.toString(),
                "--crds", tmp.resolve("absent").toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        var said = err.toString(StandardCharsets.UTF_8);
        assertEquals(4, code, said);
        assertEquals(1, said.lines().count(), said);
        assertTrue(said.startsWith("render: --crds " + tmp.resolve("absent") + ": no such directory"), said);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepCopy(Map<String, Object> map) {
        var copy = new LinkedHashMap<String, Object>();
        map.forEach((k, v) -> copy.put(k, v instanceof Map ? deepCopy((Map<String, Object>) v) : v));
        return copy;
    }
}
