package homelab.backups.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A CloudNativePG ScheduledBackup cron: six fields, seconds first (SPEC correction 8). CNPG accepts a five-field
 * expression with only a warning and reads it as seconds-first, so {@code 0 3 * * *} would back up every hour at
 * HH:03:00. A five-field expression is therefore converted (a leading {@code 0} seconds field) and the conversion
 * reported; anything else that is not six valid fields is rejected.
 *
 * @param converted the five-field expression it was converted from, if any
 */
public record CnpgSchedule(String text, Optional<String> converted) {
    private static final Pattern MACRO = Pattern.compile("^@(annually|yearly|monthly|weekly|daily|hourly)$");

    public static Optional<CnpgSchedule> parse(String text, List<String> problems) {
        if (text == null || text.isBlank()) {
            problems.add("empty schedule");
            return Optional.empty();
        }
        var trimmed = text.trim();
        if (MACRO.matcher(trimmed).matches()) return Optional.of(new CnpgSchedule(trimmed, Optional.empty()));
        var fields = trimmed.split("\\s+");
        if (fields.length == 5) {
            var cron = Cron.parse(trimmed, problems);
            return cron.map(c -> new CnpgSchedule("0 " + c.text(), Optional.of(c.text())));
        }
        if (fields.length != 6) {
            problems.add("'" + text + "' has " + fields.length + " fields; CNPG needs 6 (second minute hour "
                    + "day-of-month month day-of-week), e.g. '0 0 3 * * *' for daily at 03:00");
            return Optional.empty();
        }
        var seconds = fields[0];
        var before = problems.size();
        Cron.checkField(seconds, "seconds", 0, 59, problems);
        if (problems.size() > before) return Optional.empty();
        var rest = new ArrayList<String>();
        var cron = Cron.parse(String.join(" ", List.of(fields).subList(1, 6)), rest);
        rest.forEach(p -> problems.add(p));
        return cron.map(c -> new CnpgSchedule(seconds + " " + c.text(), Optional.empty()));
    }

    /** The same schedule in five-field Kubernetes CronJob form (for pgBackRest), when its seconds field is 0. */
    public Optional<Cron> withoutSeconds() {
        if (text.startsWith("@")) return Optional.of(new Cron(text));
        var fields = text.split(" ", 2);
        return "0".equals(fields[0]) ? Cron.parse(fields[1]) : Optional.empty();
    }
}
