package homelab.backups.plan;

import homelab.backups.config.Cron;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Spreads backup start times over the window (docs/design.md correction 7) so that snapshots, temporary PVCs and movers do
 * not all start in the same minute. Each app prefers the minute its id hashes to, so adding or removing one app
 * moves at most the apps that collide with it; collisions probe forward to the next free minute. The result depends
 * only on the set of app ids and the window, never on file order or the clock.
 */
public final class ScheduleStagger {
    private ScheduleStagger() {
    }

    /** Start offsets in minutes from the window start, by app id. */
    public static Map<String, Integer> offsets(List<String> apps, int windowMinutes) {
        var sorted = new ArrayList<>(apps);
        sorted.sort(Comparator.comparingInt((String a) -> preferredMinute(a, windowMinutes)).thenComparing(a -> a));
        int perMinute = Math.max(1, (apps.size() + windowMinutes - 1) / windowMinutes);
        var load = new int[windowMinutes];
        var out = new TreeMap<String, Integer>();
        for (var app : sorted) {
            int minute = preferredMinute(app, windowMinutes);
            while (load[minute] >= perMinute) minute = (minute + 1) % windowMinutes;
            load[minute]++;
            out.put(app, minute);
        }
        return out;
    }

    /** How many start minutes a cadence offers: its window, or its whole interval. */
    public static int slots(homelab.backups.config.Policy.Cadence cadence) {
        if (cadence instanceof homelab.backups.config.Policy.Cadence.Window w) return w.minutes();
        return cadence.intervalHours() * 60;
    }

    /**
     * The cron of a volume {@code offset} minutes into its policy's slots: daily in the window, or every n hours
     * from the offset's hour ({@link Cron#everyHours}).
     */
    public static Cron cron(homelab.backups.config.Policy.Cadence cadence, int offset) {
        if (cadence instanceof homelab.backups.config.Policy.Cadence.Window w) return dailyAt(w.start(), offset);
        return Cron.everyHours(cadence.intervalHours(), offset % 60, offset / 60);
    }

    /** The daily cron for a start {@code offset} minutes after {@code windowStart}. */
    public static Cron dailyAt(LocalTime windowStart, int offset) {
        return Cron.daily(windowStart.plusMinutes(offset));
    }

    static int preferredMinute(String app, int windowMinutes) {
        try {
            var digest = MessageDigest.getInstance("SHA-256").digest(app.getBytes(StandardCharsets.UTF_8));
            long value = ((digest[0] & 0xffL) << 24) | ((digest[1] & 0xffL) << 16) | ((digest[2] & 0xffL) << 8) | (digest[3] & 0xffL);
            return (int) (value % windowMinutes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
