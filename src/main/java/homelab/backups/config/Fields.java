package homelab.backups.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Strict reader over one mapping of untyped input (YAML or config JSON). Every read records the key as known;
 * {@link #finish()} reports the keys nobody asked for, so a typo such as {@code capacty} is an error, never a
 * silently ignored default. Problems go to the shared {@link ConfigErrors}, tagged with file, item and field.
 *
 * <p>The reads are also the inputs' only definition: while {@link InputSchema} runs a loader over empty input, each
 * read records its key, type, default and whether it is required into a JSON Schema node, so the editor schema can
 * never disagree with what the loader accepts.
 */
public final class Fields {
    /** The schema node the next {@link #of} describes into, while a description runs. */
    private static final ThreadLocal<Map<String, Object>> NEXT = new ThreadLocal<>();
    private static final ThreadLocal<Boolean> DESCRIBING = ThreadLocal.withInitial(() -> false);

    private final Map<String, Object> values;
    private final String file;
    private final String item;
    private final String prefix;
    private final ConfigErrors errors;
    private final Set<String> known = new LinkedHashSet<>();
    private final Map<String, Object> schema;

    private Fields(Map<String, Object> values, String file, String item, String prefix, ConfigErrors errors,
                   Map<String, Object> schema) {
        this.values = values;
        this.file = file;
        this.item = item;
        this.prefix = prefix;
        this.errors = errors;
        this.schema = schema;
    }

    public static Fields of(Map<String, Object> values, String file, String item, ConfigErrors errors) {
        var node = NEXT.get();
        NEXT.remove();
        return new Fields(values == null ? Map.of() : values, file, item, "", errors, node);
    }

    /** Runs {@code loader} describing into {@code node}: the first {@link #of} it calls records there. */
    static void describe(Map<String, Object> node, Runnable loader) {
        boolean outer = DESCRIBING.get();
        DESCRIBING.set(true);
        try {
            NEXT.set(node);
            loader.run();
        } finally {
            NEXT.remove();
            DESCRIBING.set(outer);
        }
    }

    /** Whether a description is under way (a loader reads every branch then, with no input). */
    static boolean describing() {
        return DESCRIBING.get();
    }

    /** The next {@link #of} describes into {@code node} (a loader's own entry point for a section). */
    static void describeNextInto(Map<String, Object> node) {
        if (describing()) NEXT.set(node);
    }

    static Map<String, Object> objectNode() {
        var node = new LinkedHashMap<String, Object>();
        node.put("type", "object");
        node.put("properties", new LinkedHashMap<String, Object>());
        node.put("additionalProperties", false);
        return node;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> record(String key, Map<String, Object> type, boolean required) {
        if (schema == null) return type;
        var properties = (Map<String, Object>) schema.computeIfAbsent("properties", k -> new LinkedHashMap<String, Object>());
        var node = (Map<String, Object>) properties.putIfAbsent(key, type);
        if (required) {
            var list = (List<String>) schema.computeIfAbsent("required", k -> new ArrayList<String>());
            if (!list.contains(key)) list.add(key);
        }
        return node == null ? type : node;
    }

    private static Map<String, Object> type(Object type) {
        var node = new LinkedHashMap<String, Object>();
        node.put("type", type);
        return node;
    }

    /** A value the loader reads as text (it also takes a YAML number or boolean as text; the schema asks for text). */
    private static Map<String, Object> text() {
        return type("string");
    }

    private static Map<String, Object> withDefault(Map<String, Object> node, Object fallback) {
        if (fallback != null) node.put("default", fallback);
        return node;
    }

    /**
     * The value of {@code key}, marking it known. A key written with no value ({@code exclude:}) is an error: YAML
     * reads it as null, and taking that for "absent" would silently ignore what the owner meant.
     */
    private Object raw(String key) {
        known.add(key);
        var raw = values.get(key);
        if (raw == null && values.containsKey(key)) error(key, "has no value: write one, or leave the key out");
        return raw;
    }

    /** A nested mapping under {@code key}; an absent key gives an empty reader. */
    @SuppressWarnings("unchecked")
    public Fields object(String key) {
        var raw = raw(key);
        if (raw != null && !(raw instanceof Map)) {
            error(key, "must be a mapping, got " + describe(raw));
            raw = null;
        }
        var node = schema == null ? null : record(key, objectNode(), false);
        return new Fields(raw == null ? Map.of() : (Map<String, Object>) raw, file, item, path(key) + ".", errors, node);
    }

    /** Whether the key is given; while describing, every key is, so that every branch of a loader is read. */
    public boolean has(String key) {
        return raw(key) != null || schema != null;
    }

    public Optional<String> optionalString(String key) {
        record(key, text(), false);
        return stringValue(key);
    }

    private Optional<String> stringValue(String key) {
        var raw = raw(key);
        if (raw == null) return Optional.empty();
        if (raw instanceof String s) return Optional.of(s);
        if (raw instanceof Number || raw instanceof Boolean) return Optional.of(plain(raw));
        error(key, "must be a string, got " + describe(raw));
        return Optional.empty();
    }

    public String string(String key, String fallback) {
        record(key, withDefault(text(), fallback), false);
        return stringValue(key).orElse(fallback);
    }

    /** A required string; records an error and returns "" when it is missing or blank. */
    public String requiredString(String key) {
        record(key, text(), true);
        var value = stringValue(key);
        if (value.isEmpty() || value.get().isBlank()) {
            if (!values.containsKey(key)) error(key, "is required");
            else if (value.isPresent()) error(key, "must not be empty");
            return "";
        }
        return value.get();
    }

    public Optional<Long> optionalInteger(String key) {
        record(key, type("integer"), false);
        return integerValue(key);
    }

    private Optional<Long> integerValue(String key) {
        var raw = raw(key);
        if (raw == null) return Optional.empty();
        Optional<Long> value = Optional.empty();
        if (raw instanceof Number n && !Double.isInfinite(n.doubleValue()) && n.doubleValue() == Math.rint(n.doubleValue())) {
            value = Optional.of(n.longValue());
        } else if (raw instanceof String s && s.matches("-?[0-9]{1,18}")) {
            value = Optional.of(Long.parseLong(s));
        }
        if (value.isEmpty()) {
            error(key, "must be a whole number, got " + describe(raw));
            return Optional.empty();
        }
        // No setting counts past an int: a larger number would wrap around (4294967297 minutes = 1) when narrowed.
        if (value.get() > Integer.MAX_VALUE || value.get() < Integer.MIN_VALUE
                || (raw instanceof Number n && Math.abs(n.doubleValue()) > Integer.MAX_VALUE)) {
            error(key, "'" + plain(raw) + "' is far too large");
            return Optional.empty();
        }
        return value;
    }

    public long integer(String key, long fallback) {
        record(key, withDefault(type("integer"), fallback), false);
        return integerValue(key).orElse(fallback);
    }

    public Optional<Boolean> optionalBoolean(String key) {
        record(key, type("boolean"), false);
        return booleanValue(key);
    }

    private Optional<Boolean> booleanValue(String key) {
        var raw = raw(key);
        if (raw == null) return Optional.empty();
        if (raw instanceof Boolean b) return Optional.of(b);
        if ("true".equals(raw) || "false".equals(raw)) return Optional.of(Boolean.parseBoolean((String) raw));
        error(key, "must be true or false, got " + describe(raw));
        return Optional.empty();
    }

    public boolean bool(String key, boolean fallback) {
        record(key, withDefault(type("boolean"), fallback), false);
        return booleanValue(key).orElse(fallback);
    }

    /** A list of strings; a single string is accepted as a one-element list. */
    public Optional<List<String>> optionalStrings(String key) {
        var node = type(List.of("array", "string"));
        node.put("items", type("string"));
        record(key, node, false);
        var raw = raw(key);
        if (raw == null) return Optional.empty();
        if (raw instanceof String s) return Optional.of(List.of(s));
        if (!(raw instanceof List<?> list)) {
            error(key, "must be a list, got " + describe(raw));
            return Optional.empty();
        }
        var out = new ArrayList<String>();
        for (int i = 0; i < list.size(); i++) {
            var v = list.get(i);
            if (v instanceof String s) out.add(s);
            else error(key + "[" + i + "]", "must be a string, got " + describe(v));
        }
        return Optional.of(out);
    }

    /**
     * {@code true}/{@code false}, or a list of strings: empty when false or absent, an empty list for {@code true}, the
     * strings otherwise (an empty list written out is an error: it would say "on" and mean nothing).
     */
    public Optional<List<String>> flagOrStrings(String key) {
        var node = type(List.of("boolean", "array"));
        node.put("items", type("string"));
        node.put("default", false);
        record(key, node, false);
        var raw = raw(key);
        if (raw == null) return Optional.empty();
        if (raw instanceof Boolean || "true".equals(raw) || "false".equals(raw)) {
            return booleanValue(key).filter(b -> b).map(b -> List.<String>of());
        }
        if (!(raw instanceof List<?> list)) {
            error(key, "must be true, false or a list, got " + describe(raw));
            return Optional.empty();
        }
        if (list.isEmpty()) {
            error(key, "an empty list names nothing: write false, true, or the entries");
            return Optional.empty();
        }
        var out = new ArrayList<String>();
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof String s && !s.isBlank()) out.add(s);
            else error(key + "[" + i + "]", "must be a non-empty string, got " + describe(list.get(i)));
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(out);
    }

    /** A mapping of string to string (for example storage class → snapshot class). */
    public Map<String, String> stringMap(String key) {
        var node = type("object");
        node.put("additionalProperties", text());
        record(key, node, false);
        var raw = raw(key);
        if (raw == null) return Map.of();
        if (!(raw instanceof Map<?, ?> map)) {
            error(key, "must be a mapping, got " + describe(raw));
            return Map.of();
        }
        var out = new java.util.TreeMap<String, String>();
        map.forEach((k, v) -> {
            if (v instanceof String || v instanceof Number || v instanceof Boolean) out.put(String.valueOf(k), plain(v));
            else error(key + "." + k, "must be a string, got " + describe(v));
        });
        return out;
    }

    /** A list of mappings, each read by {@code reader} with its own item label. */
    @SuppressWarnings("unchecked")
    public <T> List<T> objects(String key, Function<Map<String, Object>, T> reader) {
        if (schema != null) {
            // Describing: the element reader runs once over an empty element, into the array's item schema.
            var items = objectNode();
            var node = type("array");
            node.put("items", items);
            record(key, node, false);
            NEXT.set(items);
            try {
                reader.apply(Map.of());
            } finally {
                NEXT.remove();
            }
        }
        var raw = raw(key);
        if (raw == null || schema != null) return List.of();
        if (!(raw instanceof List<?> list)) {
            error(key, "must be a list, got " + describe(raw));
            return List.of();
        }
        var out = new ArrayList<T>();
        for (int i = 0; i < list.size(); i++) {
            var v = list.get(i);
            if (v instanceof Map) out.add(reader.apply((Map<String, Object>) v));
            else error(key + "[" + i + "]", "must be a mapping, got " + describe(v));
        }
        return out;
    }

    /** The raw value, for pass-through blocks such as extra Helm values. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> rawObject(String key) {
        record(key, type("object"), false);
        var raw = raw(key);
        if (raw == null) return Map.of();
        if (raw instanceof Map) return (Map<String, Object>) raw;
        error(key, "must be a mapping, got " + describe(raw));
        return Map.of();
    }

    /** Records a problem with {@code key} of this mapping. */
    public void error(String key, String message) {
        errors.add(file, item, path(key), message);
    }

    /** Records that {@code key} still holds the placeholder the owner must replace (see ConfigErrors#addOwnerValue). */
    public void ownerValue(String key, String message) {
        errors.addOwnerValue(file, item, path(key), message);
    }

    /** Reports every key that no read asked for. Call once, after all reads. */
    public void finish() {
        for (var key : values.keySet()) {
            if (!known.contains(key)) {
                var near = known.stream().filter(k -> k.equalsIgnoreCase(key)
                        || k.replaceAll("[-_]", "").equalsIgnoreCase(key.replaceAll("[-_]", ""))).findFirst();
                error(key, "unknown key" + near.map(k -> " (did you mean " + k + "? keys are case-sensitive)").orElse("")
                        + (known.isEmpty() ? "" : " (known keys: " + String.join(", ", known) + ")"));
            }
        }
    }

    public String path(String key) {
        return prefix + key;
    }

    private static String plain(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) return Long.toString(d.longValue());
        return String.valueOf(v);
    }

    private static String describe(Object raw) {
        if (raw instanceof Map) return "a mapping";
        if (raw instanceof List) return "a list";
        return "'" + raw + "'";
    }
}
