package homelab.backups.config;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Where a restore reads from: the newest backup, the newest one not after a time, or the n-th previous one. */
public sealed interface RestorePoint {

    /** The point as the owner writes it in {@code restore.<target>}. */
    String text();

    /** A short lower-case slug for ids and names. */
    String slug();

    record Latest() implements RestorePoint {
        public String text() {
            return "latest";
        }

        public String slug() {
            return "latest";
        }
    }

    /** VolSync {@code restoreAsOf}; CNPG/PGO point-in-time target. */
    record AsOf(OffsetDateTime time) implements RestorePoint {
        public String text() {
            return time.withOffsetSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        }

        public String slug() {
            return "asof-" + time.withOffsetSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'-'HHmmss"));
        }
    }

    /**
     * VolSync {@code previous: n}: skip the n newest snapshots. {@code n} is at least 1: {@code previous: 0} would be
     * {@code latest} under another name (and another restore id), so it cannot be constructed.
     */
    record Previous(int n) implements RestorePoint {
        public Previous {
            if (n < 1) throw new IllegalArgumentException("previous:" + n + ": n counts the snapshots skipped, at least 1");
        }

        public String text() {
            return "previous:" + n;
        }

        public String slug() {
            return "previous-" + n;
        }
    }

    /**
     * {@code fresh-start}: the owner's explicit word that an app whose claim has no data yet may start empty. Its
     * destination still restores the newest backup - a fresh start never discards a backup - and only when the
     * repository holds none is "nothing restored" accepted (README: When a claim is re-created). For a re-created
     * claim that is already bound, it accepts the live volume as the app's data.
     */
    record FreshStart() implements RestorePoint {
        public String text() {
            return "fresh-start";
        }

        public String slug() {
            return "fresh-start";
        }
    }

    Pattern PREVIOUS = Pattern.compile("^previous:([0-9]{1,4})$");

    /** Parses {@code latest}, {@code fresh-start}, an RFC 3339 time with a {@code T} and an offset, or {@code previous:<n>} (n ≥ 1). */
    static Optional<RestorePoint> parse(String text) {
        if ("latest".equals(text)) return Optional.of(new Latest());
        if ("fresh-start".equals(text)) return Optional.of(new FreshStart());
        var m = PREVIOUS.matcher(text);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(1));
            return n >= 1 ? Optional.of(new Previous(n)) : Optional.empty();
        }
        try {
            return Optional.of(new AsOf(OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
