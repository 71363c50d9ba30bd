package homelab.backups.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A standard five-field cron expression (minute hour day-of-month month day-of-week), as used by VolSync
 * triggers and Kubernetes CronJobs (PGO schedules), or one of the {@code @daily}-style macros VolSync accepts.
 * Each field is range-checked, so {@code 61 2 * * *} fails on the pull request, not in the controller.
 */
public record Cron(String text) {
    private static final String[] FIELD_NAMES = {"minute", "hour", "day-of-month", "month", "day-of-week"};
    private static final int[][] RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
    private static final Pattern MACRO = Pattern.compile("^@(annually|yearly|monthly|weekly|daily|hourly)$");
    private static final Pattern TERM = Pattern.compile("^(\\*|(\\d{1,9})(?:-(\\d{1,9}))?)(?:/(\\d{1,9}))?$");

    /** Parses a five-field expression; {@code problems} receives one message per bad field. */
    public static Optional<Cron> parse(String text, List<String> problems) {
        if (text == null || text.isBlank()) {
            problems.add("empty cron expression");
            return Optional.empty();
        }
        var trimmed = text.trim();
        if (MACRO.matcher(trimmed).matches()) return Optional.of(new Cron(trimmed));
        var fields = trimmed.split("\\s+");
        if (fields.length != 5) {
            problems.add("'" + text + "' has " + fields.length + " fields; expected 5 (minute hour day-of-month month day-of-week)");
            return Optional.empty();
        }
        var before = problems.size();
        for (int i = 0; i < 5; i++) checkField(fields[i], i, problems);
        return problems.size() == before ? Optional.of(new Cron(String.join(" ", fields))) : Optional.empty();
    }

    public static Optional<Cron> parse(String text) {
        return parse(text, new ArrayList<>());
    }

    /** The five fields; macros are expanded to their five-field meaning. */
    public List<String> fields() {
        var expanded = switch (text) {
            case "@hourly" -> "0 * * * *";
            case "@daily" -> "0 0 * * *";
            case "@weekly" -> "0 0 * * 0";
            case "@monthly" -> "0 0 1 * *";
            case "@yearly", "@annually" -> "0 0 1 1 *";
            default -> text;
        };
        return List.of(expanded.split(" "));
    }

    private static void checkField(String field, int index, List<String> problems) {
        checkField(field, FIELD_NAMES[index], RANGES[index][0], RANGES[index][1], problems);
    }

    /**
     * One cron field: numbers, ranges, lists and steps inside {@code min-max}. A step wider than the range fires
     * once at most, so it is an error too ({@code 70/70} seconds, {@code *\/90} minutes).
     */
    static void checkField(String field, String name, int min, int max, List<String> problems) {
        for (var term : field.split(",", -1)) {
            var m = TERM.matcher(term);
            if (!m.matches()) {
                problems.add(name + " field '" + field + "' is not a number, range, list or step");
                return;
            }
            if (m.group(2) != null) {
                long from = Long.parseLong(m.group(2));
                long to = m.group(3) == null ? from : Long.parseLong(m.group(3));
                if (from < min || to > max || from > to) {
                    problems.add(name + " field '" + field + "' is outside " + min + "-" + max);
                    return;
                }
            }
            if (m.group(4) != null) {
                long step = Long.parseLong(m.group(4));
                if (step == 0) {
                    problems.add(name + " field '" + field + "' has a step of 0");
                    return;
                }
                if (step > max - min) {
                    problems.add(name + " field '" + field + "' has a step of " + step + ", wider than its range "
                            + min + "-" + max);
                    return;
                }
            }
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
