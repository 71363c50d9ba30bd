package homelab.backups.config;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.BitSet;
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

    /**
     * Whether the expression fires at {@code t} (to the minute). Day-of-month and day-of-week combine as cron and
     * robfig/cron (VolSync's parser) combine them: both must match when either is {@code *}, otherwise either may.
     */
    public boolean matches(LocalDateTime t) {
        var f = fields();
        var sets = new BitSet[5];
        for (int i = 0; i < 5; i++) sets[i] = values(f.get(i), RANGES[i][0], RANGES[i][1]);
        int dow = t.getDayOfWeek().getValue() % 7;
        boolean dayOfMonth = sets[2].get(t.getDayOfMonth());
        boolean dayOfWeek = sets[4].get(dow) || (dow == 0 && sets[4].get(7));
        boolean day = f.get(2).startsWith("*") || f.get(4).startsWith("*") ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek;
        return sets[0].get(t.getMinute()) && sets[1].get(t.getHour()) && sets[3].get(t.getMonthValue()) && day;
    }

    /**
     * The longest time between two consecutive runs, over a year and a month from a fixed date (so the answer never
     * depends on the clock, and every month-end and weekday combination occurs): how late a run may be before one
     * was missed.
     */
    public Duration longestGap() {
        var start = LocalDateTime.of(2026, 1, 1, 0, 0);
        var end = start.plusDays(366 + 31);
        LocalDateTime last = null;
        long longest = 0;
        var f = fields();
        var minutes = values(f.get(0), 0, 59);
        var hours = values(f.get(1), 0, 23);
        for (var day = start; day.isBefore(end); day = day.plusDays(1)) {
            if (!matches(day.withHour(hours.nextSetBit(0)).withMinute(minutes.nextSetBit(0)))) continue;
            for (int h = hours.nextSetBit(0); h >= 0; h = hours.nextSetBit(h + 1)) {
                for (int m = minutes.nextSetBit(0); m >= 0; m = minutes.nextSetBit(m + 1)) {
                    var t = day.withHour(h).withMinute(m);
                    if (last != null) longest = Math.max(longest, Duration.between(last, t).toMinutes());
                    last = t;
                }
            }
        }
        return longest == 0 ? Duration.ofDays(366) : Duration.ofMinutes(longest);
    }

    /** The values a (valid) field selects. */
    private static BitSet values(String field, int min, int max) {
        var set = new BitSet(max + 1);
        for (var term : field.split(",")) {
            var m = TERM.matcher(term);
            if (!m.matches()) continue;
            int from = m.group(2) == null ? min : Integer.parseInt(m.group(2));
            int to = m.group(2) == null ? max : m.group(3) == null ? (m.group(4) == null ? from : max) : Integer.parseInt(m.group(3));
            int step = m.group(4) == null ? 1 : Integer.parseInt(m.group(4));
            for (int v = from; v <= to; v += step) set.set(v);
        }
        return set;
    }

    @Override
    public String toString() {
        return text;
    }
}
