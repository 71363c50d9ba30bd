package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** A Cron (and a CnpgSchedule) is valid by construction, with the same verdicts and messages as parse. */
class CronTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "61 2 * * *", "0 24 * * *", "*/90 2 * * *", "0 2 * *", "0 0 2 * * *", "0 2 0 * *",
            "0 2 * 13 *", "0 2 * * 8", "a 2 * * *", "5-1 2 * * *", "0/0 2 * * *", "@often"})
    void theConstructorRefusesWhatParseReportsWithTheSameMessages(String text) {
        var problems = new ArrayList<String>();
        assertTrue(Cron.parse(text, problems).isEmpty(), text);
        var thrown = assertThrows(IllegalArgumentException.class, () -> new Cron(text));
        assertEquals(String.join("; ", problems), thrown.getMessage());
    }

    @Test
    void theConstructorRefusesNull() {
        assertEquals("empty cron expression", assertThrows(IllegalArgumentException.class, () -> new Cron(null)).getMessage());
    }

    @Test
    void textIsNormalizedAndEqualityFollowsIt() {
        var spaced = new Cron("  0   2 * *  * ");
        assertEquals("0 2 * * *", spaced.text());
        assertEquals(new Cron("0 2 * * *"), spaced);
        assertEquals(new Cron("0 2 * * *").hashCode(), spaced.hashCode());
        assertEquals(Optional.of(spaced), Cron.parse("0 2 * * *"));
        assertEquals("@daily", new Cron("@daily").toString(), "a macro stays a macro");
        assertEquals(java.util.List.of("0", "0", "*", "*", "*"), new Cron("@daily").fields());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0 2 * * *    | PT24H",
            "0 */6 * * *  | PT6H",
            "0 4 * * 0    | P7D",
            "@weekly      | P7D",
            "@hourly      | PT1H",
            "30 1,13 * * *| PT12H",
            // Only months with 31 days fire: the longest wait is over a 30-day month and its neighbour (Aug 31 to
            // Oct 31, 61 days), not the shorter one over February (Jan 31 to Mar 31, 59).
            "0 0 31 * *   | P61D",
            // February 29th is missing from 2026 and the window ends in February 2027: no second run, so a year.
            "0 0 29 2 *   | P366D"})
    void longestGap(String text, Duration gap) {
        var cron = new Cron(text.trim());
        assertEquals(gap, cron.longestGap(), text);
        assertEquals(gap, cron.longestGap(), "asked again, the same answer");
    }

    @Test
    void aCnpgScheduleIsValidByConstructionToo() {
        var problems = new ArrayList<String>();
        assertTrue(CnpgSchedule.parse("61 0 3 * * *", problems).isEmpty());
        var thrown = assertThrows(IllegalArgumentException.class, () -> new CnpgSchedule("61 0 3 * * *", Optional.empty()));
        assertEquals(String.join("; ", problems), thrown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CnpgSchedule("0 3 * * *", Optional.empty()),
                "five fields are converted by parse, never taken as six");
        assertThrows(IllegalArgumentException.class, () -> new CnpgSchedule("0 0 4 * * *", Optional.of("0 3 * * *")),
                "a conversion must be the schedule it claims to come from");
        assertThrows(IllegalArgumentException.class, () -> new CnpgSchedule("0 0 3 * * *", Optional.of("0 3 * *")));
        var converted = new CnpgSchedule("0 0 3 * * *", Optional.of("0 3 * * *"));
        assertEquals(Optional.of(new Cron("0 3 * * *")), converted.withoutSeconds());
        assertEquals(Optional.empty(), new CnpgSchedule("30 0 3 * * *", Optional.empty()).withoutSeconds(),
                "pgBackRest's five fields cannot start at second 30");
        assertEquals(Optional.of(new Cron("@daily")), new CnpgSchedule("@daily", Optional.empty()).withoutSeconds());
    }
}
