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
            out.put(app, cron(everyDays, windowStart.plusMinutes(offset), offset));
        }
        return out;
    }

    /**
     * The drill's cron at {@code t}: daily; weekly on a day of the week that follows the app's minute (the volumes
     * spread over the week); else every n-th day of the month from the 1st ({@link Cron#everyDays}), whose gap at a
     * month's end is shorter, never longer, than the step.
     */
    static Cron cron(int everyDays, java.time.LocalTime t, int offset) {
        return switch (everyDays) {
            case 1 -> Cron.daily(t);
            case 7 -> Cron.weekly(t.getMinute(), t.getHour(), offset % 7);
            default -> Cron.everyDays(everyDays, t.getMinute(), t.getHour());
        };
    }
}
