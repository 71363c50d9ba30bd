package homelab.backups.config;

/**
 * One problem with the stack's input, precise enough to fix without reading code:
 * which file, which item in it, which field, and what is wrong.
 */
public record ConfigError(String file, String item, String field, String message) implements Comparable<ConfigError> {

    @Override
    public String toString() {
        var where = new StringBuilder(file);
        if (!item.isEmpty()) where.append(": ").append(item);
        if (!field.isEmpty()) where.append(": ").append(field);
        return where + ": " + message;
    }

    @Override
    public int compareTo(ConfigError o) {
        return toString().compareTo(o.toString());
    }
}
