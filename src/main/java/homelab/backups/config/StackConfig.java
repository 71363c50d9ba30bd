package homelab.backups.config;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The stack's configuration values as Pulumi hands them over: plain text for scalars, JSON text for structured
 * values. One interface for the real program ({@code ctx.config()}), the offline render (the stack file) and tests.
 *
 * @param keysInFile every {@code homelab-backups:*} key written in the stack file, when known, so that a
 *                   misspelt top-level key is an error rather than an ignored setting
 * @param problems   what is wrong with the stack file beyond this program's keys (a key under a misspelt
 *                   namespace such as {@code homelab-backup:}), reported with the settings' own errors
 */
public record StackConfig(String stack, String file, Function<String, Optional<String>> values,
                          Optional<Set<String>> keysInFile, java.util.List<ConfigError> problems) {

    public static final String NAMESPACE = "homelab-backups";

    public StackConfig {
        problems = java.util.List.copyOf(problems);
    }

    public StackConfig(String stack, String file, Function<String, Optional<String>> values, Optional<Set<String>> keysInFile) {
        this(stack, file, values, keysInFile, java.util.List.of());
    }

    public static StackConfig of(String stack, Map<String, String> values) {
        var copy = new TreeMap<>(values);
        return new StackConfig(stack, "Pulumi." + stack + ".yaml", k -> Optional.ofNullable(copy.get(k)),
                Optional.of(copy.keySet()));
    }

    /**
     * The kubeconfig context the stack pins, read straight from the configuration the engine hands the program
     * ({@code PULUMI_CONFIG}, a JSON map of "project:key" to value), before the SDK starts: the live cluster can be
     * reached early. The validated settings decide in the end; an unreadable value here only means no early start.
     */
    @SuppressWarnings("unchecked")
    public static Optional<String> kubernetesContextFromEnvironment() {
        try {
            var all = new Gson().fromJson(Optional.ofNullable(System.getenv("PULUMI_CONFIG")).orElse("{}"), Map.class);
            var value = all.get(NAMESPACE + ":kubernetes");
            if (!(value instanceof String text)) return Optional.empty();
            var kubernetes = new Gson().fromJson(text, Map.class);
            return kubernetes.get("context") instanceof String context && !context.isBlank()
                    ? Optional.of(context) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    public Optional<String> text(String key) {
        return values.apply(key);
    }

    /** A list value, parsed; a value that is not a list is reported and read as empty. */
    public java.util.List<Object> list(String key, ConfigErrors errors) {
        var text = values.apply(key);
        if (text.isEmpty() || text.get().isBlank()) return java.util.List.of();
        try {
            var parsed = new Gson().fromJson(text.get(), Object.class);
            if (parsed instanceof java.util.List<?> list) return new java.util.ArrayList<>(list);
            if (parsed == null) {
                errors.add(file, NAMESPACE + ":" + key, "", "has no value: write the list under it, or remove the key");
                return java.util.List.of();
            }
        } catch (JsonParseException e) {
            // reported below
        }
        errors.add(file, NAMESPACE + ":" + key, "", "must be a list, got '" + text.get() + "'");
        return java.util.List.of();
    }

    /** A structured value, parsed; a value that is not a JSON/YAML mapping is reported and read as empty. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String key, ConfigErrors errors) {
        var text = values.apply(key);
        if (text.isEmpty() || text.get().isBlank()) return Map.of();
        try {
            var parsed = new Gson().fromJson(text.get(), Object.class);
            if (parsed instanceof Map) return (Map<String, Object>) parsed;
            if (parsed == null) {
                errors.add(file, NAMESPACE + ":" + key, "", "has no value: write its settings under it, or remove the key");
                return Map.of();
            }
        } catch (JsonParseException e) {
            // reported below
        }
        errors.add(file, NAMESPACE + ":" + key, "", "must be a mapping, got '" + text.get() + "'");
        return Map.of();
    }
}
