package homelab.backups.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Reads {@code Pulumi.<stack>.yaml}: the set of this program's keys, and (for the offline render) their values. */
public final class StackFile {
    private StackFile() {
    }

    /** The {@code homelab-backups:*} keys written in the stack file, or empty when there is no such file. */
    public static Optional<Set<String>> keys(Path projectDir, String stack) {
        return config(projectDir, stack).map(config -> {
            var keys = new TreeSet<String>();
            for (var key : config.keySet()) {
                if (key.startsWith(StackConfig.NAMESPACE + ":")) keys.add(key.substring(StackConfig.NAMESPACE.length() + 1));
            }
            return keys;
        });
    }

    /**
     * The stack's configuration read straight from its file, for runs without the Pulumi CLI (the offline render).
     * Encrypted values ({@code secure:}) are present as keys only; their values never leave the file.
     */
    public static StackConfig stackConfig(Path projectDir, String stack) {
        var values = new java.util.TreeMap<String, String>();
        config(projectDir, stack).ifPresent(config -> config.forEach((key, value) -> {
            if (!key.startsWith(StackConfig.NAMESPACE + ":")) return;
            var shortKey = key.substring(StackConfig.NAMESPACE.length() + 1);
            if (value instanceof Map<?, ?> m && m.size() == 1 && m.containsKey("secure")) values.put(shortKey, "[secret]");
            else if (value instanceof String text) values.put(shortKey, text);
            else values.put(shortKey, new com.google.gson.Gson().toJson(value));
        }));
        return StackConfig.of(stack, values);
    }

    /** The raw {@code config:} mapping of the stack file. */
    @SuppressWarnings("unchecked")
    public static Optional<Map<String, Object>> config(Path projectDir, String stack) {
        var path = projectDir.resolve("Pulumi." + stack + ".yaml");
        if (!Files.isRegularFile(path)) return Optional.empty();
        try {
            var root = new Load(LoadSettings.builder().setAllowDuplicateKeys(false).build()).loadFromString(Files.readString(path));
            if (root instanceof Map<?, ?> map && map.get("config") instanceof Map<?, ?> config) {
                return Optional.of((Map<String, Object>) config);
            }
            return Optional.of(Map.of());
        } catch (IOException | RuntimeException e) {
            // The Pulumi CLI reads this file before we do and reports its syntax errors itself.
            return Optional.empty();
        }
    }
}
