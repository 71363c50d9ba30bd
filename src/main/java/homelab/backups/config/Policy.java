package homelab.backups.config;

import java.time.Duration;
import java.time.LocalTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A backup policy: when a volume is backed up and which backups its repository keeps. Volumes name one ({@code
 * policy:}); the rest use {@link #DEFAULT}, which is built from {@code homelab-backups:schedule} unless the stack
 * defines it.
 *
 * @param pruneIntervalDays how often restic prunes the repository (the Kopia fork: its maintenance)
 */
public record Policy(String name, Cadence cadence, Retention retain, int pruneIntervalDays) {
    public static final String DEFAULT = "default";
    /** The intervals a policy may run at: each divides the day, so every day looks the same. */
    public static final List<Integer> INTERVAL_HOURS = List.of(1, 2, 3, 4, 6, 8, 12, 24);

    /** When backups start. */
    public sealed interface Cadence {
        /** Hours between two backups of a volume. */
        int intervalHours();

        /** Daily, each volume at its own minute inside the window. */
        record Window(LocalTime start, int minutes) implements Cadence {
            public int intervalHours() {
                return 24;
            }
        }

        /** Every {@code hours} hours, each volume at its own minute inside the interval. */
        record Every(int hours) implements Cadence {
            public int intervalHours() {
                return hours;
            }
        }
    }

    /**
     * What the repository keeps: the newest backup of each of the last n hours, days, weeks, months and years, and
     * everything younger than {@code within} (restic {@code --keep-*}, which VolSync's ReplicationSource retain passes
     * through: backube/volsync v0.15.0 mover/restic/mover.go generateForgetOptions).
     */
    public record Retention(int hourly, int daily, int weekly, int monthly, int yearly, Optional<String> within) {
        public static final Pattern WITHIN = Pattern.compile("^(?=.)([0-9]+y)?([0-9]+m)?([0-9]+d)?([0-9]+h)?$");

        public boolean keepsNothing() {
            return hourly + daily + weekly + monthly + yearly == 0 && within.isEmpty();
        }

        /** At most how many backups the classes keep (they overlap, so usually fewer); empty with {@code within}. */
        public Optional<Integer> mostKept() {
            return within.isPresent() ? Optional.empty() : Optional.of(hourly + daily + weekly + monthly + yearly);
        }

        /** How far back the oldest kept backup can lie. */
        public Duration reach() {
            var longest = Duration.ofHours(hourly);
            for (var d : List.of(Duration.ofDays(daily), Duration.ofDays(7L * weekly), Duration.ofDays(31L * monthly),
                    Duration.ofDays(366L * yearly), within.map(Retention::duration).orElse(Duration.ZERO))) {
                if (d.compareTo(longest) > 0) longest = d;
            }
            return longest;
        }

        static Duration duration(String within) {
            var m = WITHIN.matcher(within);
            if (!m.matches()) return Duration.ZERO;
            long[] parts = new long[4];
            for (int i = 0; i < 4; i++) {
                var g = m.group(i + 1);
                parts[i] = g == null ? 0 : Long.parseLong(g.substring(0, g.length() - 1));
            }
            return Duration.ofDays(366 * parts[0] + 31 * parts[1] + parts[2]).plusHours(parts[3]);
        }

        /** The classes that keep something, in restic's order, for a ReplicationSource's {@code restic.retain}. */
        public Map<String, Object> nonZero() {
            var out = new LinkedHashMap<String, Object>();
            if (hourly > 0) out.put("hourly", hourly);
            if (daily > 0) out.put("daily", daily);
            if (weekly > 0) out.put("weekly", weekly);
            if (monthly > 0) out.put("monthly", monthly);
            if (yearly > 0) out.put("yearly", yearly);
            within.ifPresent(w -> out.put("within", w));
            return out;
        }

        /**
         * Every class the Kopia fork knows, 0 where the policy keeps none: the fork passes only the classes it is
         * given, and Kopia's own defaults (latest 10, hourly 48, daily 7, weekly 4, monthly 24, annual 3) keep the
         * rest for years (perfectra1n/volsync mover-kopia/entry.sh; docs/field-findings.md §7).
         */
        public Map<String, Object> allClasses() {
            var out = new LinkedHashMap<String, Object>();
            out.put("hourly", hourly);
            out.put("daily", daily);
            out.put("weekly", weekly);
            out.put("monthly", monthly);
            out.put("yearly", yearly);
            out.put("latest", 0);
            return out;
        }
    }
}
