package homelab.backups.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A CloudNativePG ScheduledBackup cron: six fields, seconds first (docs/design.md correction 8). CNPG accepts a five-field
 * expression with only a warning and reads it as seconds-first, so {@code 0 3 * * *} would back up every hour at
 * HH:03:00. A five-field expression is therefore converted (a leading {@code 0} seconds field) and the conversion
 * reported; anything else that is not six valid fields is rejected.
 *
 * <p>Valid by construction, like {@link Cron}: the constructor refuses anything {@link #parse} would report, so a
 * schedule that reaches the plan never needs checking again. Equality is on the normalized text and conversion.
 */
public final class CnpgSchedule {
    private static final Pattern MACRO = Pattern.compile("^@(annually|yearly|monthly|weekly|daily|hourly)$");

    private final String text;
    private final Optional<String> converted;
    private final Optional<Cron> withoutSeconds;

    /**
     * @param text      six fields, seconds first, or a macro
     * @param converted the five-field expression it was converted from, if any ({@code text} must be it with a
     *                  leading {@code 0})
     * @throws IllegalArgumentException with the problems {@link #parse} would report, joined by {@code "; "}
     */
    public CnpgSchedule(String text, Optional<String> converted) {
        var problems = new ArrayList<String>();
        var six = sixFields(text, problems);
        Optional<Cron> five = Optional.empty();
        if (problems.isEmpty() && converted.isPresent()) {
            five = Cron.parse(converted.get(), problems);
            if (five.isPresent() && !six.equals("0 " + five.get().text())) {
                problems.add("'" + six + "' is not '" + converted.get() + "' with a seconds field of 0");
            }
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("; ", problems));
        this.text = six;
        this.converted = five.map(Cron::text);
        this.withoutSeconds = six.startsWith("@") ? Optional.of(new Cron(six))
                : six.startsWith("0 ") ? Cron.parse(six.substring(2)) : Optional.empty();
    }

    public static Optional<CnpgSchedule> parse(String text, List<String> problems) {
        if (text == null || text.isBlank()) {
            problems.add("empty schedule");
            return Optional.empty();
        }
        var trimmed = text.trim();
        if (trimmed.split("\\s+").length == 5 && !MACRO.matcher(trimmed).matches()) {
            var cron = Cron.parse(trimmed, problems);
            return cron.map(c -> new CnpgSchedule("0 " + c.text(), Optional.of(c.text())));
        }
        var before = problems.size();
        var six = sixFields(text, problems);
        return problems.size() == before ? Optional.of(new CnpgSchedule(six, Optional.empty())) : Optional.empty();
    }

    /** A macro, or six valid fields joined by single spaces; null after adding problems. */
    private static String sixFields(String text, List<String> problems) {
        if (text == null || text.isBlank()) {
            problems.add("empty schedule");
            return null;
        }
        var trimmed = text.trim();
        if (MACRO.matcher(trimmed).matches()) return trimmed;
        var fields = trimmed.split("\\s+");
        if (fields.length != 6) {
            problems.add("'" + text + "' has " + fields.length + " fields; CNPG needs 6 (second minute hour "
                    + "day-of-month month day-of-week), e.g. '0 0 3 * * *' for daily at 03:00");
            return null;
        }
        var seconds = fields[0];
        var before = problems.size();
        Cron.checkField(seconds, "seconds", 0, 59, problems);
        if (problems.size() > before) return null;
        var cron = Cron.parse(String.join(" ", List.of(fields).subList(1, 6)), problems);
        return cron.map(c -> seconds + " " + c.text()).orElse(null);
    }

    /** The six-field expression (or macro) CNPG is given. */
    public String text() {
        return text;
    }

    /** The five-field expression it was converted from, if any. */
    public Optional<String> converted() {
        return converted;
    }

    /** The same schedule in five-field Kubernetes CronJob form (for pgBackRest), when its seconds field is 0. */
    public Optional<Cron> withoutSeconds() {
        return withoutSeconds;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CnpgSchedule s && s.text.equals(text) && s.converted.equals(converted);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text, converted);
    }

    @Override
    public String toString() {
        return text;
    }
}
