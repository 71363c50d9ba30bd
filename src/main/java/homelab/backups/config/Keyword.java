package homelab.backups.config;

import java.util.Arrays;
import java.util.Optional;

/** An enum constant written as a fixed word in config or inventory, such as {@code cnpg} or {@code restic}. */
public interface Keyword {
    /** The word as written. */
    String id();

    static <E extends Keyword> Optional<E> parse(E[] values, String text) {
        return Arrays.stream(values).filter(v -> v.id().equals(text)).findFirst();
    }

    /** " (did you mean x?)" when {@code text} is one of the words in another case, else "". */
    static <E extends Keyword> String hint(E[] values, String text) {
        return Arrays.stream(values).filter(v -> v.id().equalsIgnoreCase(text.strip())).findFirst()
                .map(v -> " (did you mean " + v.id() + "? words are case-sensitive)").orElse("");
    }
}
