package homelab.backups.render.schema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a CRD's openAPIV3Schema into a JSON schema (OpenAPI 3.0 dialect: draft 4 plus nullable) that
 * behaves like the API server's structural-schema handling, but reports what the server would
 * silently drop:
 * <ul>
 *   <li>objects get {@code additionalProperties: false} unless they say {@code additionalProperties}
 *       or {@code x-kubernetes-preserve-unknown-fields}; also objects without properties, whose
 *       fields the server prunes entirely;
 *   <li>{@code null} only where {@code nullable: true} (the server drops other nulls);
 *   <li>{@code x-kubernetes-int-or-string} becomes {@code type: [integer, string]};
 *       {@code x-kubernetes-embedded-resource} allows apiVersion, kind and any metadata;
 *   <li>root metadata: name and namespace strings, labels and annotations string maps;
 *   <li>formats: only int32, int64, date-time and date are checked; Go (RE2) patterns are translated
 *       to Java where they differ; CEL rules are counted, not evaluated;
 *   <li>partial: no {@code required} anywhere (server-side-apply patches carry a few fields).
 * </ul>
 */
final class StructuralSchema {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Keywords copied as they are; everything else (description, default, x-kubernetes-*) is dropped. */
    private static final Set<String> PLAIN_KEYWORDS = Set.of("type", "enum", "nullable", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
            "uniqueItems", "minProperties", "maxProperties");
    /** Formats with the same meaning in Kubernetes and in the validator; others (e.g. duration) are skipped. */
    private static final Set<String> CHECKED_FORMATS = Set.of("int32", "int64", "date-time", "date");
    private static final Pattern POSIX_CLASS = Pattern.compile("\\[:(\\^?)([a-z]+):]");

    final ObjectNode json;
    int celRules;
    final List<String> notes = new ArrayList<>();
    private final Map<String, Integer> skippedFormats = new TreeMap<>();
    private final boolean partial;

    /** @param partial drop {@code required} everywhere (server-side-apply patches carry only some fields) */
    StructuralSchema(Map<?, ?> openApiV3Schema, boolean partial) {
        this.partial = partial;
        this.json = convert(openApiV3Schema, "$", true);
        ObjectNode props = json.has("properties") ? (ObjectNode) json.get("properties") : json.putObject("properties");
        props.set("metadata", rootMetadata());
        for (String field : List.of("apiVersion", "kind")) {
            if (!props.has(field)) props.set(field, F.objectNode().put("type", "string"));
        }
        json.put("type", "object");
        if (celRules > 0) notes.add(celRules + " x-kubernetes-validations (CEL) rules not evaluated");
        skippedFormats.forEach((format, n) -> notes.add("format '" + format + "' not checked (" + n + " fields)"));
    }

    private ObjectNode convert(Object schema, String path, boolean close) {
        if (!(schema instanceof Map<?, ?> s)) throw new IllegalArgumentException("schema at " + path + " is not an object");
        ObjectNode out = F.objectNode();
        boolean preserveUnknown = Boolean.TRUE.equals(s.get("x-kubernetes-preserve-unknown-fields"));
        boolean intOrString = Boolean.TRUE.equals(s.get("x-kubernetes-int-or-string"));
        boolean embedded = Boolean.TRUE.equals(s.get("x-kubernetes-embedded-resource"));
        if (s.get("x-kubernetes-validations") instanceof List<?> rules) celRules += rules.size();
        for (Map.Entry<?, ?> e : s.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object value = e.getValue();
            switch (key) {
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    ((Map<?, ?>) value).forEach((name, sub) ->
                            props.set(String.valueOf(name), convert(sub, path + "." + name, true)));
                }
                case "items" -> out.set("items", convert(value, path + "[*]", true));
                case "additionalProperties" -> out.set(key, value instanceof Boolean b
                        ? F.booleanNode(b) : convert(value, path + ".*", true));
                case "allOf", "anyOf", "oneOf" -> junctor(out, key, (List<?>) value, path);
                case "not" -> {
                    ObjectNode not = convert(value, path, false);
                    if (!(partial && not.isEmpty())) out.set(key, not);
                }
                case "required" -> {
                    if (!partial) out.set(key, value(value));
                }
                case "pattern" -> pattern(out, String.valueOf(value), path);
                case "format" -> {
                    if (CHECKED_FORMATS.contains(String.valueOf(value))) out.put(key, String.valueOf(value));
                    else skippedFormats.merge(String.valueOf(value), 1, Integer::sum);
                }
                default -> {
                    if (PLAIN_KEYWORDS.contains(key) && !(intOrString && key.equals("type"))) out.set(key, value(value));
                }
            }
        }
        if (intOrString) {
            // Replaces the optional generated anyOf [{type: integer}, {type: string}] (PGO omits it);
            // a union type reports one error instead of one per branch.
            out.remove("anyOf");
            out.putArray("type").add("integer").add("string");
        }
        if (embedded) {
            ObjectNode props = out.has("properties") ? (ObjectNode) out.get("properties") : out.putObject("properties");
            props.set("apiVersion", F.objectNode().put("type", "string"));
            props.set("kind", F.objectNode().put("type", "string"));
            props.set("metadata", F.objectNode().put("type", "object"));
        }
        boolean isObject = "object".equals(s.get("type")) || out.has("properties");
        if (close && isObject && !preserveUnknown && !out.has("additionalProperties")) {
            // The API server silently prunes such fields; here they are errors.
            out.put("additionalProperties", false);
        }
        return out;
    }

    /** Junctor branches only add value checks, so they are never closed against unknown fields. */
    private void junctor(ObjectNode out, String key, List<?> branches, String path) {
        ArrayNode list = F.arrayNode();
        for (Object branch : branches) {
            ObjectNode b = convert(branch, path, false);
            // A branch emptied by dropping `required` would make anyOf always pass and oneOf always fail.
            if (partial && b.isEmpty() && !key.equals("allOf")) return;
            list.add(b);
        }
        out.set(key, list);
    }

    /** Kubernetes patterns are Go RE2; rewrite the POSIX classes Java lacks, skip what Java cannot compile. */
    private void pattern(ObjectNode out, String regex, String path) {
        String java = regex.replace("(?P<", "(?<");
        Matcher m = POSIX_CLASS.matcher(java);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(2).equals("xdigit") ? "XDigit" : m.group(2).equals("ascii") ? "ASCII"
                    : Character.toUpperCase(m.group(2).charAt(0)) + m.group(2).substring(1);
            m.appendReplacement(sb, Matcher.quoteReplacement((m.group(1).isEmpty() ? "\\p{" : "\\P{") + name + "}"));
        }
        java = m.appendTail(sb).toString();
        try {
            Pattern.compile(java);
            out.put("pattern", java);
            if (!java.equals(regex)) notes.add("pattern at " + path + " rewritten for Java: " + regex + " -> " + java);
        } catch (PatternSyntaxException e) {
            notes.add("pattern at " + path + " not checked (not valid in Java): " + regex);
        }
    }

    private static ObjectNode rootMetadata() {
        // The API server checks ObjectMeta itself; the CRD schema only says `type: object`.
        ObjectNode meta = F.objectNode().put("type", "object");
        ObjectNode props = meta.putObject("properties");
        props.putObject("name").put("type", "string");
        props.putObject("namespace").put("type", "string");
        for (String map : List.of("labels", "annotations")) {
            props.putObject(map).put("type", "object").putObject("additionalProperties").put("type", "string");
        }
        return meta;
    }

    /** Plain Java data (YAML or caller objects) to JSON; whole-number doubles become integers. */
    static JsonNode value(Object v) {
        if (v == null) return F.nullNode();
        if (v instanceof String s) return F.stringNode(s);
        if (v instanceof Boolean b) return F.booleanNode(b);
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return F.numberNode(((Number) v).longValue());
        }
        if (v instanceof BigInteger b) return F.numberNode(b);
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            // Callers build numbers from JSON/Pulumi inputs where 7 arrives as 7.0.
            if (d == Math.rint(d) && Math.abs(d) < 0x1p63) return F.numberNode((long) d);
            return F.numberNode(d);
        }
        if (v instanceof BigDecimal b) {
            return b.stripTrailingZeros().scale() <= 0 ? F.numberNode(b.toBigIntegerExact()) : F.numberNode(b);
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = F.objectNode();
            m.forEach((k, x) -> o.set(String.valueOf(k), value(x)));
            return o;
        }
        if (v instanceof List<?> l) {
            ArrayNode a = F.arrayNode();
            l.forEach(x -> a.add(value(x)));
            return a;
        }
        throw new IllegalArgumentException("not plain data: " + v.getClass().getName());
    }
}
