package homelab.backups.plan;

import java.util.Optional;
import java.util.regex.Pattern;

/** The PostgreSQL major version an image tag names ({@code postgresql:16.2}, {@code …:ubi9-17.7-2550}). */
final class PostgresImages {
    private static final Pattern VERSION = Pattern.compile("(?<![0-9.])(1[0-9]|[2-9][0-9])(?:\\.[0-9]+)?(?![0-9])");

    private PostgresImages() {
    }

    static Optional<Integer> major(String image) {
        var at = image.indexOf('@');
        var ref = at < 0 ? image : image.substring(0, at);
        var colon = ref.lastIndexOf(':');
        if (colon < 0 || colon < ref.lastIndexOf('/')) return Optional.empty();
        var m = VERSION.matcher(ref.substring(colon + 1));
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }
}
