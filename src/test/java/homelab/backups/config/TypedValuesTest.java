package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Values that cannot be built invalid, and crons built by factories that state what they fire on. */
class TypedValuesTest {
    @ParameterizedTest
    @ValueSource(strings = {"0", "0Gi", "-1Gi", "5GB", "Gi", ""})
    void aQuantityThatIsNotAPositiveSizeCannotBeBuilt(String text) {
        assertTrue(Quantity.parse(text).isEmpty(), text);
        assertThrows(IllegalArgumentException.class, () -> Quantity.of(text), text);
    }

    @Test
    void aQuantityKeepsItsTextAndComparesBySizeOnlyThroughBytes() {
        var gi = Quantity.of("12Gi");
        var mi = Quantity.of("12288Mi");
        assertEquals("12Gi", gi.text());
        assertEquals(gi.bytes(), mi.bytes());
        assertFalse(gi.equals(mi), "equal values are written the same: a diff in the text is a diff in the preview");
        assertEquals(Quantity.of("12Gi"), gi);
    }

    @Test
    void previousZeroCannotBeBuiltAndIsNotParsed() {
        assertThrows(IllegalArgumentException.class, () -> new RestorePoint.Previous(0));
        assertThrows(IllegalArgumentException.class, () -> new RestorePoint.Previous(-1));
        assertTrue(RestorePoint.parse("previous:0").isEmpty());
        assertEquals(new RestorePoint.Previous(1), RestorePoint.parse("previous:1").orElseThrow());
    }

    @Test
    void dailyFiresOnceADayAtItsTime() {
        var cron = Cron.daily(LocalTime.of(2, 17));
        assertTrue(cron.matches(LocalDateTime.of(2026, 3, 31, 2, 17)));
        assertFalse(cron.matches(LocalDateTime.of(2026, 3, 31, 2, 18)));
        assertEquals(Duration.ofDays(1), cron.longestGap());
        assertEquals(LocalTime.of(2, 17), cron.firstTimeOfDay());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 6, 8, 12, 24})
    void everyHoursFiresEveryIntervalFromItsFirstHour(int hours) {
        var cron = Cron.everyHours(hours, 5, hours == 24 ? 3 : 0);
        assertEquals(Duration.ofHours(hours), cron.longestGap(), cron.text());
        assertEquals(24 / hours, cron.minutesOfDay().cardinality(), cron.text());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 7, 10, 14})
    void everyDaysStartsOnTheFirstAndNeverWaitsLongerThanItsStep(int days) {
        var cron = Cron.everyDays(days, 0, 4);
        assertTrue(cron.matches(LocalDateTime.of(2026, 2, 1, 4, 0)), cron.text() + " fires on the 1st");
        assertTrue(cron.matches(LocalDateTime.of(2026, 2, 1 + days, 4, 0)), cron.text() + " fires a step later");
        assertEquals(Duration.ofDays(days), cron.longestGap(), cron.text() + ": the month's end shortens a step, never lengthens it");
    }

    @Test
    void everyDayIsDailyAndWeeklyFiresOnItsWeekday() {
        assertEquals(Cron.daily(0, 4), Cron.everyDays(1, 0, 4));
        var wednesday = LocalDateTime.of(2026, 12, 9, 4, 0);
        assertTrue(Cron.weekly(0, 4, 3).matches(wednesday));
        assertEquals(Duration.ofDays(7), Cron.weekly(0, 4, 3).longestGap());
    }
}
