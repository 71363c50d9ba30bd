package homelab.backups.config;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * JSON Schemas of the two input files, for editor completion and checks ({@code schemas/*.schema.json}). They are not
 * written by hand: each loader runs over empty input while {@link Fields} records every key it reads, with its type,
 * default and whether it is required. Regenerate with {@code scripts/generate-schemas}; a test fails when the
 * checked-in files are stale.
 *
 * <p>The schemas describe shape only — keys, types, required keys. Everything the loaders check beyond that (sizes,
 * crons, names, cross-field rules) stays with the loaders, which report it naming file, item and field.
 */
public final class InputSchema {
    public static final String INVENTORY_FILE = "inventory.schema.json";
    public static final String SETTINGS_FILE = "settings.schema.json";
    private static final String DRAFT = "http://json-schema.org/draft-07/schema#";
    /** The {@code homelab-backups:*} properties of the settings being described. */
    private static final ThreadLocal<Map<String, Object>> SETTINGS = new ThreadLocal<>();

    private InputSchema() {
    }

    /** {@code stacks/<stack>/inventory.yaml}. */
    public static Map<String, Object> inventory() {
        var root = Fields.objectNode();
        Fields.describe(root, () -> InventoryLoader.parse("", "inventory.yaml", new ConfigErrors()));
        return document("homelab-backups inventory (stacks/<stack>/inventory.yaml)", root);
    }

    /** {@code Pulumi.<stack>.yaml}: its {@code homelab-backups:*} config keys; other namespaces are Pulumi's. */
    public static Map<String, Object> settings() {
        var properties = new LinkedHashMap<String, Object>();
        SETTINGS.set(properties);
        try {
            Fields.describe(Fields.objectNode(), () -> SettingsLoader.load(StackConfig.of("stack", Map.of()), new ConfigErrors()));
        } finally {
            SETTINGS.remove();
        }
        // Read as whole values rather than through Fields: the inventory path, restore requests and the secrets.
        properties.put(StackConfig.NAMESPACE + ":inventory", scalar("string"));
        properties.put(StackConfig.NAMESPACE + ":restore", mapOf(scalar("string")));
        for (var key : SecretKey.values()) {
            var secret = new LinkedHashMap<String, Object>();
            secret.put("type", List.of("string", "object"));
            secret.put("description", "a Pulumi config secret: pulumi config set --secret " + key.configKey() + " ...");
            properties.put(StackConfig.NAMESPACE + ":" + key.configKey(), secret);
        }
        var sorted = new LinkedHashMap<String, Object>();
        new TreeSet<>(properties.keySet()).forEach(k -> sorted.put(k, properties.get(k)));
        var known = new ArrayList<Object>(sorted.keySet());
        // Pulumi's own namespaces (pulumi:, kubernetes:, ...) pass; a homelab-backups: key must be one of ours.
        var names = new LinkedHashMap<String, Object>();
        names.put("anyOf", List.of(Map.of("enum", known), Map.of("not", Map.of("pattern", "^" + StackConfig.NAMESPACE + ":"))));
        var config = new LinkedHashMap<String, Object>();
        config.put("type", "object");
        config.put("properties", sorted);
        config.put("propertyNames", names);
        var root = new LinkedHashMap<String, Object>();
        root.put("type", "object");
        root.put("properties", Map.of("config", config));
        return document("homelab-backups stack settings (Pulumi.<stack>.yaml)", root);
    }

    /** Registers one {@code homelab-backups:<key>} setting while the settings are described; returns its node. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> setting(String key, Map<String, Object> node) {
        var properties = SETTINGS.get();
        if (properties == null) return node;
        var existing = (Map<String, Object>) properties.putIfAbsent(StackConfig.NAMESPACE + ":" + key, node);
        return existing == null ? node : existing;
    }

    static Map<String, Object> mapOf(Map<String, Object> values) {
        var node = new LinkedHashMap<String, Object>();
        node.put("type", "object");
        node.put("additionalProperties", values);
        return node;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> property(Map<String, Object> node, String key) {
        return (Map<String, Object>) ((Map<String, Object>) node.get("properties")).get(key);
    }

    private static Map<String, Object> scalar(String type) {
        var node = new LinkedHashMap<String, Object>();
        node.put("type", type);
        return node;
    }

    private static Map<String, Object> document(String title, Map<String, Object> root) {
        var doc = new LinkedHashMap<String, Object>();
        doc.put("$schema", DRAFT);
        doc.put("title", title);
        doc.put("$comment", "Generated from the loaders' reads by scripts/generate-schemas (homelab.backups.config.InputSchema); do not edit.");
        doc.putAll(root);
        return doc;
    }

    public static String json(Map<String, Object> schema) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(schema) + "\n";
    }

    /** {@code InputSchema <dir>}: writes both schemas into the directory (the project's {@code schemas/}). */
    public static void main(String[] args) throws IOException {
        var dir = Path.of(args.length > 0 ? args[0] : "schemas");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(INVENTORY_FILE), json(inventory()), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(SETTINGS_FILE), json(settings()), StandardCharsets.UTF_8);
        System.out.println("wrote " + dir.resolve(INVENTORY_FILE) + " and " + dir.resolve(SETTINGS_FILE));
    }
}
