package homelab.backups.plan;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads fields of objects as the API server serves them (nested maps and lists), tolerating anything missing. */
final class Unstructured {
    private Unstructured() {
    }

    /** The value at a dotted path such as {@code status.lastSyncTime}. */
    static Optional<Object> at(Map<String, Object> object, String path) {
        Object current = object;
        for (var key : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) return Optional.empty();
            current = map.get(key);
        }
        return Optional.ofNullable(current);
    }

    static Optional<String> string(Map<String, Object> object, String path) {
        return at(object, path).map(String::valueOf).filter(s -> !s.isEmpty());
    }

    static Optional<Instant> time(Map<String, Object> object, String path) {
        return string(object, path).flatMap(Unstructured::instant);
    }

    static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    static long number(Map<String, Object> object, String path) {
        return at(object, path).map(v -> v instanceof Number n ? n.longValue() : parse(String.valueOf(v))).orElse(0L);
    }

    private static long parse(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Map<String, Object> object, String path) {
        return at(object, path).filter(List.class::isInstance).map(l -> ((List<Object>) l).stream()
                .filter(Map.class::isInstance).map(m -> (Map<String, Object>) m).toList()).orElse(List.of());
    }

    /** The condition of {@code type} in {@code status.conditions}. */
    static Optional<Map<String, Object>> condition(Map<String, Object> object, String type) {
        return maps(object, "status.conditions").stream().filter(c -> type.equals(c.get("type"))).findFirst();
    }

    /** A label's value ("" when unset); label keys contain dots, so they are not paths. */
    static String label(Map<String, Object> object, String key) {
        return at(object, "metadata.labels").filter(Map.class::isInstance).map(m -> ((Map<?, ?>) m).get(key))
                .map(String::valueOf).orElse("");
    }

    static String name(Map<String, Object> object) {
        return string(object, "metadata.name").orElse("");
    }
}
