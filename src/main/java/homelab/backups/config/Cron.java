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
 *
 * <p>A {@code Cron} is valid by construction: the constructor refuses what {@link #parse(String, List)} reports, and
 * the fields are parsed once, here, because the planner asks {@link #matches} and {@link #longestGap} hundreds of
 * times per schedule. Equality is on the normalized text.
 */
public final class Cron {
    private static final String[] FIELD_NAMES = {"minute", "hour", "day-of-month", "month", "day-of-week"};
    private static final int[][] RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
    private static final Pattern MACRO = Pattern.compile("^@(annually|yearly|monthly|weekly|daily|hourly)$");
    private static final Pattern TERM = Pattern.compile("^(\\*|(\\d{1,9})(?:-(\\d{1,9}))?)(?:/(\\d{1,9}))?$");

    private final String text;
    private final List<String> fields;
    private final BitSet[] sets = new BitSet[5];
    /** cron's rule: when either day field is {@code *}, both must match; otherwise either may. */
    private final boolean bothDays;
    /** Computed on first use: most crons (stagger candidates) are never asked, the asked ones are asked often. */
    private volatile Duration longestGap;

    /**
     * @throws IllegalArgumentException with the problems {@link #parse(String, List)} would report, joined by
     *                                  {@code "; "}
     */
    public Cron(String text) {
        this.text = validated(text);
        this.fields = List.of(expand(this.text).split(" "));
        for (int i = 0; i < 5; i++) sets[i] = values(fields.get(i), RANGES[i][0], RANGES[i][1]);
        this.bothDays = fields.get(2).startsWith("*") || fields.get(4).startsWith("*");
    }

    /** Every day at {@code hour:minute}. */
    public static Cron daily(int minute, int hour) {
        return new Cron(minute + " " + hour + " * * *");
    }

    /** Every day at {@code time}. */
    public static Cron daily(java.time.LocalTime time) {
        return daily(time.getMinute(), time.getHour());
    }

    /** Every hour at {@code minute}. */
    public static Cron hourly(int minute) {
        return new Cron(minute + " * * * *");
    }

    /**
     * Every {@code hours} hours at {@code minute}, from {@code firstHour}: {@code M h/n * * *}, robfig/cron's
     * start/step form, which VolSync parses (backube/volsync v0.15.0 internal/controller/statemachine/machine.go
     * getSchedule). One hour is {@link #hourly}, twenty-four {@link #daily}. The step restarts at midnight, so an
     * interval that does not divide 24 leaves a shorter gap before the first run of the day, never a longer one.
     */
    public static Cron everyHours(int hours, int minute, int firstHour) {
        if (hours == 1) return hourly(minute);
        if (hours == 24) return daily(minute, firstHour);
        return new Cron(minute + " " + firstHour + "/" + hours + " * * *");
    }

    /**
     * Every {@code days} days at {@code hour:minute}, counted from the 1st of each month: {@code 1/n} in the
     * day-of-month field, the one form every day-of-month step of this program takes. The month's end cuts the last
     * step short (the 29th to the 1st is two or three days), never longer than {@code n} days (docs/facts.md,
     * "Day-of-month steps"). One day is {@link #daily}.
     */
    public static Cron everyDays(int days, int minute, int hour) {
        if (days <= 1) return daily(minute, hour);
        return new Cron(minute + " " + hour + " 1/" + days + " * *");
    }

    /** Every week on {@code dayOfWeek} (0 = Sunday … 6) at {@code hour:minute}. */
    public static Cron weekly(int minute, int hour, int dayOfWeek) {
        return new Cron(minute + " " + hour + " * * " + dayOfWeek);
    }

    /** The first time of day at which the expression fires (on some day). */
    public java.time.LocalTime firstTimeOfDay() {
        int first = minutesOfDay().nextSetBit(0);
        return java.time.LocalTime.of(first / 60, first % 60);
    }

    private static String validated(String text) {
        var problems = new ArrayList<String>();
        var normalized = normalize(text, problems);
        if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("; ", problems));
        return normalized;
    }

    /** Parses a five-field expression; {@code problems} receives one message per bad field. */
    public static Optional<Cron> parse(String text, List<String> problems) {
        var before = problems.size();
        var normalized = normalize(text, problems);
        return problems.size() == before ? Optional.of(new Cron(normalized)) : Optional.empty();
    }

    public static Optional<Cron> parse(String text) {
        return parse(text, new ArrayList<>());
    }

    /** The normalized text (a macro, or five fields separated by single spaces), or null after adding problems. */
    private static String normalize(String text, List<String> problems) {
        if (text == null || text.isBlank()) {
            problems.add("empty cron expression");
            return null;
        }
        var trimmed = text.trim();
        if (MACRO.matcher(trimmed).matches()) return trimmed;
        var fields = trimmed.split("\\s+");
        if (fields.length != 5) {
            problems.add("'" + text + "' has " + fields.length + " fields; expected 5 (minute hour day-of-month month day-of-week)");
            return null;
        }
        var before = problems.size();
        for (int i = 0; i < 5; i++) checkField(fields[i], FIELD_NAMES[i], RANGES[i][0], RANGES[i][1], problems);
        return problems.size() == before ? String.join(" ", fields) : null;
    }

    private static String expand(String text) {
        return switch (text) {
            case "@hourly" -> "0 * * * *";
            case "@daily" -> "0 0 * * *";
            case "@weekly" -> "0 0 * * 0";
            case "@monthly" -> "0 0 1 * *";
            case "@yearly", "@annually" -> "0 0 1 1 *";
            default -> text;
        };
    }

    /** The expression as written (normalized): a macro stays a macro. */
    public String text() {
        return text;
    }

    /** The five fields; macros are expanded to their five-field meaning. */
    public List<String> fields() {
        return fields;
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
        return sets[0].get(t.getMinute()) && sets[1].get(t.getHour()) && sets[3].get(t.getMonthValue())
                && firesOn(t);
    }

    private boolean firesOn(LocalDateTime t) {
        int dow = t.getDayOfWeek().getValue() % 7;
        boolean dayOfMonth = sets[2].get(t.getDayOfMonth());
        boolean dayOfWeek = sets[4].get(dow) || (dow == 0 && sets[4].get(7));
        return bothDays ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek;
    }

    /**
     * The longest time between two consecutive runs, over a year and a month from a fixed date (so the answer never
     * depends on the clock, and every month-end and weekday combination occurs): how late a run may be before one
     * was missed.
     */
    public Duration longestGap() {
        var gap = longestGap;
        if (gap == null) longestGap = gap = computeLongestGap();
        return gap;
    }

    private Duration computeLongestGap() {
        var start = LocalDateTime.of(2026, 1, 1, 0, 0);
        var end = start.plusDays(366 + 31);
        LocalDateTime last = null;
        long longest = 0;
        var minutes = sets[0];
        var hours = sets[1];
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

    /**
     * Every minute of the day (hour * 60 + minute) at which the expression fires on some day: the day fields are
     * ignored, so a time that fires on Sundays only is in the set too.
     */
    public BitSet minutesOfDay() {
        var out = new BitSet(24 * 60);
        for (int h = sets[1].nextSetBit(0); h >= 0 && h < 24; h = sets[1].nextSetBit(h + 1)) {
            for (int m = sets[0].nextSetBit(0); m >= 0 && m < 60; m = sets[0].nextSetBit(m + 1)) out.set(h * 60 + m);
        }
        return out;
    }

    /** The values a valid field selects. */
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
    public boolean equals(Object o) {
        return o instanceof Cron c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
