package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import homelab.backups.support.TestStacks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.databind.json.JsonMapper;

/** Issue 13: editor schemas generated from the loaders, true to what the loaders accept. */
class InputSchemaTest {
    static final Path SCHEMAS = TestStacks.PROJECT.resolve("schemas");
    static final JsonMapper JSON = JsonMapper.builder().build();

    static Schema schema(String file) throws IOException {
        return SchemaRegistry.withDefaultDialect(Dialects.getDraft7()).getSchema(JSON.readTree(Files.readString(SCHEMAS.resolve(file))));
    }

    static List<String> errors(Schema schema, String yaml) {
        var value = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        return schema.validate(JSON.valueToTree(value)).stream().map(Object::toString).toList();
    }

    @Test
    void theCheckedInSchemasAreTheGeneratedOnes() throws IOException {
        assertEquals(InputSchema.json(InputSchema.inventory()), Files.readString(SCHEMAS.resolve(InputSchema.INVENTORY_FILE)),
                "schemas/inventory.schema.json is stale: run scripts/generate-schemas");
        assertEquals(InputSchema.json(InputSchema.settings()), Files.readString(SCHEMAS.resolve(InputSchema.SETTINGS_FILE)),
                "schemas/settings.schema.json is stale: run scripts/generate-schemas");
    }

    @Test
    void theSchemasAcceptTheCommittedStacks() throws IOException {
        var inventory = Files.readString(TestStacks.PROJECT.resolve("stacks/prod/inventory.yaml"));
        assertEquals(List.of(), errors(schema(InputSchema.INVENTORY_FILE), inventory));
        assertTrue(inventory.lines().findFirst().orElse("").startsWith("# yaml-language-server: $schema=../../schemas/inventory.schema.json"),
                "the prod inventory names its schema for editors");
        for (var stack : List.of("Pulumi.prod.yaml", "e2e/stack/Pulumi.e2e.yaml")) {
            assertEquals(List.of(), errors(schema(InputSchema.SETTINGS_FILE), Files.readString(TestStacks.PROJECT.resolve(stack))), stack);
        }
    }

    @Test
    void theSchemasKnowEverySettingAndEveryInventoryField() throws IOException {
        var settings = Files.readString(SCHEMAS.resolve(InputSchema.SETTINGS_FILE));
        for (var key : SettingsLoader.KNOWN_KEYS) assertTrue(settings.contains("\"homelab-backups:" + key + "\""), key);
        var inventory = Files.readString(SCHEMAS.resolve(InputSchema.INVENTORY_FILE));
        for (var field : List.of("\"app\"", "\"mover\"", "\"fsGroup\"", "\"exclude\"", "\"reason\"", "\"policy\"", "\"serverName\"", "\"differential\"")) {
            assertTrue(inventory.contains(field), field);
        }
    }

    static final String VOLUME = "volumes:\n  - {app: nginx, namespace: web, pvc: data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn%s}\n";
    static final String SETTING = "config:\n  homelab-backups:s3:\n    endpoint: http://127.0.0.1:9000\n%s";

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("a misspelt inventory key", InputSchema.INVENTORY_FILE, VOLUME.formatted(", capacty: 1Gi")),
                Arguments.of("a volume without its app", InputSchema.INVENTORY_FILE, VOLUME.replace("app: nginx, ", "").formatted("")),
                Arguments.of("a mapping where a list goes", InputSchema.INVENTORY_FILE, VOLUME.replace("[ReadWriteOnce]", "{mode: rwo}").formatted("")),
                Arguments.of("a bare-number capacity", InputSchema.INVENTORY_FILE, VOLUME.replace("1Gi", "5").formatted("")),
                Arguments.of("a mover uid as text", InputSchema.INVENTORY_FILE, VOLUME.formatted(", mover: {uid: root}")),
                Arguments.of("an exclusion without a reason", InputSchema.INVENTORY_FILE, VOLUME.formatted(", exclude: {}")),
                Arguments.of("a misspelt setting", InputSchema.SETTINGS_FILE, SETTING.formatted("  homelab-backups:restor:\n    nginx: latest\n")),
                Arguments.of("an unknown key in a setting", InputSchema.SETTINGS_FILE, SETTING.formatted("    bucket: x\n")),
                Arguments.of("a drill cycle as text", InputSchema.SETTINGS_FILE, SETTING.formatted("  homelab-backups:drills:\n    everyDays: weekly\n")),
                Arguments.of("a policy without a window start", InputSchema.SETTINGS_FILE,
                        SETTING.formatted("  homelab-backups:policies:\n    nightly:\n      window: {minutes: 30}\n      retain: {daily: 7}\n")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void theSchemasRejectWhatTheLoadersReject(String what, String file, String yaml) throws IOException {
        assertFalse(errors(schema(file), yaml).isEmpty(), what + " passed the schema");
        // ...and the loader rejects it too: the schema is no stricter than the program.
        var errors = new ConfigErrors();
        if (file.equals(InputSchema.INVENTORY_FILE)) {
            InventoryLoader.parse(yaml, "inventory.yaml", errors);
        } else {
            @SuppressWarnings("unchecked") var config = (Map<String, Object>) ((Map<String, Object>) new Load(LoadSettings.builder().build())
                    .loadFromString(yaml)).get("config");
            var values = new java.util.LinkedHashMap<String, String>();
            config.forEach((k, v) -> values.put(k.substring((StackConfig.NAMESPACE + ":").length()),
                    v instanceof String text ? text : JSON.writeValueAsString(v)));
            SettingsLoader.load(StackConfig.of("test", values), errors);
        }
        assertFalse(errors.isEmpty(), what + " passed the loader");
    }
}
