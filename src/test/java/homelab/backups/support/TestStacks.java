package homelab.backups.support;

import com.pulumi.core.Output;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.PulumiTestInternal;
import homelab.backups.render.MockedRun;
import homelab.backups.App;
import homelab.backups.config.StackConfig;
import homelab.backups.config.StackFile;
import homelab.backups.config.StackInputs;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.RecordingMocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The repository's real stacks, and small variations of them, for tests. */
public final class TestStacks {
    public static final Path PROJECT = Path.of("").toAbsolutePath();

    private TestStacks() {
    }

    /** "Today" for every test: restore points must lie inside the retention, counted from here. */
    public static final java.time.Clock CLOCK = java.time.Clock.fixed(java.time.Instant.parse("2026-12-01T12:00:00Z"),
            java.time.ZoneOffset.UTC);

    /** Loads and validates a stack as the program does, on {@link #CLOCK}'s day. */
    public static StackInputs load(StackConfig config) {
        return StackInputs.load(config, PROJECT, CLOCK);
    }

    /**
     * A stand-in for the OWNER value Pulumi.prod.yaml leaves for the owner (databases.pgbackrest.endpoint), which the
     * program refuses until it is filled in.
     */
    public static final String PGBACKREST_ENDPOINT = "https://192.168.10.133:30293";

    /** The prod stack as committed, with its OWNER values filled in ({@link #PGBACKREST_ENDPOINT}). */
    public static StackConfig prodConfig() {
        var committed = StackFile.stackConfig(PROJECT, "prod");
        var values = new LinkedHashMap<String, String>();
        for (var key : committed.keysInFile().orElseThrow()) committed.text(key).ifPresent(v -> values.put(key, v));
        values.computeIfPresent("databases", (k, v) -> v.replace("OWNER-FILL-IN-PGBACKREST-HTTPS-ENDPOINT", PGBACKREST_ENDPOINT));
        return StackConfig.of("prod", values);
    }

    /** The prod stack exactly as committed, OWNER values and all. */
    public static StackConfig committedProdConfig() {
        return StackFile.stackConfig(PROJECT, "prod");
    }

    /**
     * A copy of the project's prod stack (settings with the OWNER values filled in, inventory, CRD lock) in {@code dir},
     * for commands that read the files themselves (./render --project).
     */
    public static Path prodProject(Path dir) throws IOException {
        Files.writeString(dir.resolve("Pulumi.prod.yaml"), Files.readString(PROJECT.resolve("Pulumi.prod.yaml"))
                .replace("OWNER-FILL-IN-PGBACKREST-HTTPS-ENDPOINT", PGBACKREST_ENDPOINT));
        Files.copy(PROJECT.resolve("Pulumi.yaml"), dir.resolve("Pulumi.yaml"));
        Files.createDirectories(dir.resolve("stacks/prod"));
        Files.copy(PROJECT.resolve("stacks/prod/inventory.yaml"), dir.resolve("stacks/prod/inventory.yaml"));
        Files.createDirectories(dir.resolve("crds"));
        Files.copy(PROJECT.resolve("crds/crds.lock.yaml"), dir.resolve("crds/crds.lock.yaml"));
        return dir;
    }

    public static StackPlan prodPlan() {
        return Planner.plan(load(prodConfig()));
    }

    /**
     * The test stack's directory (src/test/resources/stacks/test): {@code Pulumi.test.yaml} and its inventory, values
     * that are arbitrary and cover every mode. Tests that state a rule run on it, so changing prod moves none of them.
     */
    public static final Path TEST_STACK = PROJECT.resolve("src/test/resources/stacks/test");

    /** The test stack's settings (its inventory path is relative to the project, as a stack file's is). */
    public static StackConfig testConfig() {
        return StackFile.stackConfig(TEST_STACK, "test");
    }

    /** The test stack's inventory text, for tests that vary it ({@link #writeInventory}). */
    public static String testInventoryText() {
        try {
            return Files.readString(TEST_STACK.resolve("inventory.yaml"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static StackPlan testPlan() {
        return Planner.plan(load(testConfig()));
    }

    /** The test stack with its inventory replaced by {@code inventoryYaml}. */
    public static StackConfig testWithInventory(String inventoryYaml) {
        return with(testConfig(), "inventory", writeInventory(inventoryYaml));
    }

    /** {@code base} with some top-level keys replaced (values as JSON or plain text); null removes a key. */
    public static StackConfig with(StackConfig base, Map<String, String> overrides) {
        var values = new LinkedHashMap<String, String>();
        for (var key : base.keysInFile().orElseThrow()) base.text(key).ifPresent(v -> values.put(key, v));
        overrides.forEach((k, v) -> {
            if (v == null) values.remove(k);
            else values.put(k, v);
        });
        return StackConfig.of(base.stack(), values);
    }

    /**
     * {@code base} with some fields of one setting replaced and the rest kept: {@code fieldsJson} is merged into the
     * setting's JSON object, nested objects field by field ({@code {"window": {"start": "05:00"}}} keeps the window's
     * minutes; {@code null} removes a field). For a variation that is about one field, so the stack's other values
     * still hold.
     */
    public static StackConfig withFields(StackConfig base, String key, String fieldsJson) {
        var gson = new com.google.gson.Gson();
        var current = base.text(key).map(t -> com.google.gson.JsonParser.parseString(t).getAsJsonObject())
                .orElseGet(com.google.gson.JsonObject::new);
        merge(current, com.google.gson.JsonParser.parseString(fieldsJson).getAsJsonObject());
        return with(base, key, gson.toJson(current));
    }

    private static void merge(com.google.gson.JsonObject into, com.google.gson.JsonObject from) {
        for (var e : from.entrySet()) {
            if (e.getValue().isJsonNull()) {
                into.remove(e.getKey());
            } else if (e.getValue().isJsonObject() && into.has(e.getKey()) && into.get(e.getKey()).isJsonObject()) {
                merge(into.getAsJsonObject(e.getKey()), e.getValue().getAsJsonObject());
            } else {
                into.add(e.getKey(), e.getValue());
            }
        }
    }

    public static StackConfig with(StackConfig base, String key, String value) {
        var overrides = new LinkedHashMap<String, String>();
        overrides.put(key, value);
        return with(base, overrides);
    }

    /** Writes an inventory into {@code dir} and points the prod settings at it. */
    public static StackConfig prodWithInventory(Path dir, String inventoryYaml) throws IOException {
        var file = dir.resolve("inventory.yaml");
        Files.writeString(file, inventoryYaml);
        return with(prodConfig(), "inventory", file.toString());
    }

    /** The prod inventory's text (unchecked). */
    public static String prodInventoryText() {
        try {
            return prodInventory();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes an inventory to a new temporary file and returns its path, for the {@code inventory} setting. */
    public static String writeInventory(String yaml) {
        try {
            var file = Files.createTempFile("inventory", ".yaml");
            file.toFile().deleteOnExit();
            Files.writeString(file, yaml);
            return file.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A file under src/test/resources, as text. */
    public static String resource(String name) {
        try (var in = TestStacks.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalArgumentException("no test resource " + name);
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static String prodInventory() throws IOException {
        return Files.readString(PROJECT.resolve("stacks/prod/inventory.yaml"));
    }

    /** The outcome of running the whole program (load, validate, plan, register) under recording mocks. */
    public record ProgramRun(TestResult result, RecordingMocks mocks) {
        public String errorText() {
            return String.join("\n", result.errors()) + "\n" + result.exceptions();
        }
    }

    /** Runs what {@code pulumi up} runs, from config to registrations. */
    public static ProgramRun runProgram(StackConfig config) {
        var mocks = new RecordingMocks(Map.of());
        try {
            var result = PulumiTestInternal.builder()
                    .mocks(mocks)
                    .standardLogger(MockedRun.quietLogger())
                    .options(TestOptions.builder().projectName(StackConfig.NAMESPACE).stackName(config.stack()).build())
                    .build()
                    .runTest(ctx -> {
                        var plan = Planner.plan(load(config));
                        App.deploy(ctx, plan, MockCluster.asInventory(plan), key -> Output.ofSecret("x"), m -> { });
                    });
            return new ProgramRun(result, mocks);
        } finally {
            PulumiTest.cleanup();
        }
    }

    public static Optional<Map<String, Object>> map(Object value) {
        @SuppressWarnings("unchecked")
        var m = value instanceof Map ? (Map<String, Object>) value : null;
        return Optional.ofNullable(m);
    }

    /** Reads a nested value such as {@code spec.restic.retain.daily} from recorded inputs. */
    @SuppressWarnings("unchecked")
    public static Object at(Map<String, Object> inputs, String path) {
        Object current = inputs;
        for (var part : path.split("\\.")) {
            if (!(current instanceof Map)) return null;
            current = ((Map<String, Object>) current).get(part);
        }
        return current;
    }

    public static List<String> list(Object value) {
        @SuppressWarnings("unchecked")
        var l = (List<String>) value;
        return l;
    }
}
