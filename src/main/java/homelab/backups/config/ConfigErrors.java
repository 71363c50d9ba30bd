package homelab.backups.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Collects every problem before anything is registered; the stack stops only once, listing all of them. */
public final class ConfigErrors {
    private final List<ConfigError> errors = new ArrayList<>();
    private final List<ConfigError> ownerValues = new ArrayList<>();

    /**
     * A placeholder the committed settings leave for the owner (an {@code OWNER-FILL-IN…} value): the render shows
     * the stack with it marked, and nothing that touches a cluster runs until it is filled in (App).
     */
    public void addOwnerValue(String file, String item, String field, String message) {
        ownerValues.add(new ConfigError(file, item, field, message));
    }

    public List<ConfigError> ownerValues() {
        return List.copyOf(ownerValues);
    }

    public void add(String file, String item, String field, String message) {
        errors.add(new ConfigError(file, item, field, message));
    }

    public void addAll(List<ConfigError> more) {
        errors.addAll(more);
    }

    /** How many problems were collected so far (to tell whether a step added any). */
    public int size() {
        return errors.size();
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    /** Throws if anything was collected. */
    public void throwIfAny() {
        if (!errors.isEmpty()) throw new InvalidConfigException(errors);
    }

    /** The stack's single failure mode for bad input: raised before the first resource is registered. */
    public static final class InvalidConfigException extends RuntimeException {
        private final List<ConfigError> errors;

        public InvalidConfigException(List<ConfigError> errors) {
            this(errors, format(errors));
        }

        InvalidConfigException(List<ConfigError> errors, String message) {
            super(message);
            this.errors = List.copyOf(errors);
        }

        public List<ConfigError> errors() {
            return errors;
        }

        private static String format(List<ConfigError> errors) {
            var sorted = new ArrayList<>(errors);
            Collections.sort(sorted);
            var text = new StringBuilder("invalid stack input (" + sorted.size() + " error"
                    + (sorted.size() == 1 ? "" : "s") + "); nothing was registered:");
            for (var e : sorted) text.append("\n  - ").append(e);
            return text.toString();
        }
    }
}
