package homelab.backups.plan;

import homelab.backups.config.Cron;
import homelab.backups.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * When each volume is drilled: every {@code everyDays} days, inside the drill window, each volume at its own minute
 * (so no two drills ever start together) and the volumes spread evenly over the days of the cycle. Deterministic:
 * it depends only on the app ids and the settings.
 */
public final class DrillSchedule {
    private DrillSchedule() {
    }

    /** Crons by app id; the window must have at least one minute per volume (validated with the settings). */
    public static Map<String, Cron> crons(List<String> apps, Settings.DrillSettings drills) {
        return crons(apps, drills.everyDays(), drills.windowStart(), drills.windowMinutes());
    }

    /** The same for any window: the database drills use their own (Settings.DatabaseDrillSettings). */
    public static Map<String, Cron> crons(List<String> apps, int everyDays, java.time.LocalTime windowStart, int windowMinutes) {
        var offsets = ScheduleStagger.offsets(apps, windowMinutes);
        var out = new TreeMap<String, Cron>();
        for (var app : apps) {
            // The day follows the app's own minute, not its rank among the others: adding or removing an app moves
            // only the drills whose minute collides with it, as with the backups' stagger.
            int offset = offsets.get(app);
            var t = windowStart.plusMinutes(offset);
            out.put(app, new Cron(t.getMinute() + " " + t.getHour() + " " + days(everyDays, offset)));
        }
        return out;
    }

    /**
     * The day fields: daily; a day of the week for weekly drills (the volumes spread over the week); every second or
     * third day of the month from the 1st, whose gap at a month's end is shorter, never longer, than the step (any
     * other start leaves a longer one: 30 to 2 is three days).
     */
    static String days(int everyDays, int offset) {
        return switch (everyDays) {
            case 1 -> "* * *";
            case 7 -> "* * " + offset % 7;
            default -> "1/" + everyDays + " * *";
        };
    }
}
