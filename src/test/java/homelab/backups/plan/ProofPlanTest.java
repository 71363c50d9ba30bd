package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.Cron;
import homelab.backups.support.TestStacks;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Issue 12: when drills run and what "late" means, decided without Pulumi. */
class ProofPlanTest {
    @Test
    void theLongestGapIsTheScheduleItself() {
        assertEquals(Duration.ofHours(24), new Cron("17 2 * * *").longestGap());
        assertEquals(Duration.ofHours(1), new Cron("5 * * * *").longestGap());
        assertEquals(Duration.ofHours(6), new Cron("5 2/6 * * *").longestGap());
        assertEquals(Duration.ofDays(7), new Cron("0 4 * * 3").longestGap());
        // Day-of-month steps leave shorter gaps at a month's end, never longer: 31 -> 1 is one day.
        assertEquals(Duration.ofDays(3), new Cron("0 4 1/3 * *").longestGap());
        // Two days listed: the gap is the longer stretch between them.
        assertEquals(Duration.ofHours(20), new Cron("0 2,22 * * *").longestGap());
    }

    @Test
    void cronMatchesAsRobfigDoes() {
        var wednesday = LocalDateTime.of(2026, 12, 2, 4, 0);
        assertTrue(new Cron("0 4 * * 3").matches(wednesday));
        assertTrue(!new Cron("0 4 * * 4").matches(wednesday));
        // Both day fields restricted: either may match (cron's OR).
        assertTrue(new Cron("0 4 15 * 3").matches(wednesday));
        assertTrue(new Cron("0 4 * * 0").matches(LocalDateTime.of(2026, 12, 6, 4, 0)), "0 is Sunday");
        assertTrue(new Cron("0 4 * * 7").matches(LocalDateTime.of(2026, 12, 6, 4, 0)), "7 is Sunday too");
    }

    @Test
    void everyVolumeIsDrilledWeeklyAtItsOwnMinuteAfterTheBackups() {
        var plan = TestStacks.prodPlan();
        var settings = plan.inputs().settings().drills();
        int windowStart = settings.windowStart().getHour() * 60 + settings.windowStart().getMinute();
        var drills = plan.drills();
        assertEquals(plan.volumes().size(), drills.size(), "one drill per backed-up volume");
        var minutes = new HashSet<String>();
        var days = new int[7];
        for (var d : drills) {
            var f = d.schedule().fields();
            assertTrue(minutes.add(f.get(0) + " " + f.get(1)), "two drills start at " + d.schedule());
            int start = Integer.parseInt(f.get(1)) * 60 + Integer.parseInt(f.get(0));
            assertTrue(Math.floorMod(start - windowStart, 24 * 60) < settings.windowMinutes(), d.app() + " drills at "
                    + d.schedule() + ", outside the drill window " + settings.windowStart() + "+" + settings.windowMinutes() + "m");
            assertEquals(Duration.ofDays(settings.everyDays()), d.schedule().longestGap(),
                    d.app() + " is drilled every " + settings.everyDays() + " days");
            if (settings.everyDays() == 7) {
                assertEquals("*", f.get(2));
                days[Integer.parseInt(f.get(4))]++;
            }
            assertEquals(d.app() + "-drill", d.cronJobName());
            assertEquals(d.app() + "-backup-repo", d.secretName(), "the drill reads the volume's own repository");
        }
        // Spread over the week by each app's own minute: no day carries more than a third of the drills.
        for (int day : days) assertTrue(day <= drills.size() / 3, java.util.Arrays.toString(days));
    }

    @Test
    void removingAVolumeMovesNoOtherDrill() {
        var settings = TestStacks.prodPlan().inputs().settings().drills();
        var apps = TestStacks.prodPlan().drills().stream().map(DrillPlan::app).toList();
        var all = DrillSchedule.crons(apps, settings);
        for (var gone : apps) {
            var fewer = DrillSchedule.crons(apps.stream().filter(a -> !a.equals(gone)).toList(), settings);
            var moved = fewer.entrySet().stream().filter(e -> !e.getValue().equals(all.get(e.getKey()))).map(Map.Entry::getKey).toList();
            // Only an app whose preferred minute collided with the one removed may move (back to its own minute).
            assertTrue(moved.size() <= 1, "removing " + gone + " moved " + moved);
        }
    }

    @Test
    void theNewestBackupMayBeAsOldAsTheIntervalPlusTheSlack() {
        var plan = TestStacks.prodPlan();
        var nginx = plan.drills().stream().filter(d -> d.app().equals("nginx")).findFirst().orElseThrow();
        assertEquals(Duration.ofHours(26), nginx.maxAge(), "daily backups, 2h slack");
        assertEquals(Duration.ofDays(7).plusHours(2), nginx.staleAfter());
        assertEquals(nginx.identity(), plan.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow().mover());
        var homeAssistant = plan.drills().stream().filter(d -> d.app().equals("home-assistant")).findFirst().orElseThrow();
        assertEquals(0, homeAssistant.identity().uid(), "drills run as the app's own identity");
        assertEquals("quay.io/backube/volsync:0.15.0", nginx.image(), "the mover image of the pinned VolSync chart");
        assertTrue(nginx.scratchBudget() < nginx.scratch().bytes().longValueExact(), "room for restic's cache");
    }

    @Test
    void everyOtherDayDrillsUseDayOfMonthSteps() {
        var apps = IntStream.range(0, 5).mapToObj(i -> "app" + i).toList();
        var settings = TestStacks.prodPlan().inputs().settings().drills();
        var two = new homelab.backups.config.Settings.DrillSettings(true, 2, settings.windowStart(), 60, settings.image(),
                settings.scratch(), 12, 10, "1", "1Gi");
        var crons = DrillSchedule.crons(apps, two);
        var minutes = new HashSet<String>();
        for (var cron : crons.values()) {
            assertTrue(cron.text().matches("[0-9]+ [0-9]+ 1/2 \\* \\*"), cron.text());
            assertTrue(cron.longestGap().compareTo(Duration.ofDays(2)) <= 0, cron + " leaves more than two days");
            assertTrue(minutes.add(cron.fields().get(0) + " " + cron.fields().get(1)), "two drills at " + cron);
        }
        // From any other day a month's end leaves three days: 30, then 2.
        assertEquals(Duration.ofDays(3), new Cron("0 4 2/2 * *").longestGap());
        assertEquals(List.copyOf(crons.keySet()), apps, "deterministic and complete");
    }
}
