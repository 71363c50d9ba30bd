package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.CnpgSchedule;
import homelab.backups.config.Cron;
import homelab.backups.config.Quantity;
import homelab.backups.config.RestorePoint;
import homelab.backups.config.RestoreRequest;
import homelab.backups.support.TestStacks;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The pure core: no Pulumi here. */
class PlanTest {
    static List<String> apps(int n) {
        return IntStream.range(0, n).mapToObj(i -> "app-" + i).toList();
    }

    @Test
    void staggerIsDeterministicAndIndependentOfOrder() {
        var apps = new ArrayList<>(apps(19));
        var first = ScheduleStagger.offsets(apps, 60);
        java.util.Collections.reverse(apps);
        assertEquals(first, ScheduleStagger.offsets(apps, 60));
    }

    @Test
    void staggerStaysInsideTheWindowAndSpreadsEvenly() {
        for (int n : List.of(1, 19, 60, 61, 200, 1000)) {
            var offsets = ScheduleStagger.offsets(apps(n), 60);
            assertTrue(offsets.values().stream().allMatch(m -> m >= 0 && m < 60), "outside window for n=" + n);
            var perMinute = new HashMap<Integer, Integer>();
            offsets.values().forEach(m -> perMinute.merge(m, 1, Integer::sum));
            int ceiling = (n + 59) / 60;
            assertTrue(perMinute.values().stream().allMatch(c -> c <= ceiling), "more than " + ceiling + " starts in one minute, n=" + n);
        }
    }

    @Test
    void addingAnAppMovesFewOthers() {
        var before = ScheduleStagger.offsets(apps(19), 60);
        var more = new ArrayList<>(apps(19));
        more.add("newcomer");
        var after = ScheduleStagger.offsets(more, 60);
        long moved = before.keySet().stream().filter(a -> !before.get(a).equals(after.get(a))).count();
        assertTrue(moved <= 1, moved + " apps moved when one was added");
    }

    @Test
    void windowsCrossingMidnightWrap() {
        assertEquals("30 0 * * *", ScheduleStagger.dailyAt(LocalTime.of(23, 45), 45).text());
        assertEquals("5 2 * * *", ScheduleStagger.dailyAt(LocalTime.of(2, 0), 5).text());
    }

    @Test
    void prodRepositoriesAreOnePerVolume() {
        var plan = TestStacks.prodPlan();
        var repos = plan.volumes().stream().map(VolumePlan::repositoryUrl).distinct().count();
        assertEquals(plan.volumes().size(), repos, "restic repositories must not be shared between PVCs");
        var nginx = plan.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        assertEquals("s3:http://192.168.10.133:30292/volsync-backups/nginx-example/nginx", nginx.repositoryUrl());
        assertEquals("nginx-example/nginx", nginx.repositoryPath());
    }

    @Test
    void aVolumePlanIsItsInventoryEntryPlusNamesThatNeverChange() {
        var plan = TestStacks.prodPlan();
        var entry = plan.inputs().inventory().volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        var nginx = plan.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        assertEquals(entry, nginx.volume(), "the entry as written, not a copy of some of its fields");
        // Live object names: a change here renames (deletes and re-creates) every volume's objects.
        assertEquals(new VolumeNames("nginx-backup-repo", "nginx-backup", "nginx-restore", "nginx-maintenance",
                "nginx-drill", "nginx-drill-script"), nginx.names());
        assertEquals("nginx-restore", nginx.destinationName());
        assertEquals(entry.pvc(), nginx.pvc());
    }

    @Test
    void cnpgSchedulesHaveSixFieldsAndFiveAreConverted() {
        var problems = new ArrayList<String>();
        assertEquals(Optional.of(new CnpgSchedule("0 0 3 * * *", Optional.of("0 3 * * *"))), CnpgSchedule.parse("0 3 * * *", problems));
        assertEquals(Optional.of(new CnpgSchedule("0 0 3 * * *", Optional.empty())), CnpgSchedule.parse("0 0 3 * * *", problems));
        assertTrue(problems.isEmpty(), problems::toString);
        assertTrue(CnpgSchedule.parse("61 0 3 * * *", problems).isEmpty());
        assertTrue(CnpgSchedule.parse("0 0 3 * *", new ArrayList<>()).isPresent());
        assertTrue(CnpgSchedule.parse("0 0 0 3 * * *", problems).isEmpty());
        assertEquals(Optional.of(new Cron("0 3 * * *")), new CnpgSchedule("0 0 3 * * *", Optional.empty()).withoutSeconds());
    }

    @Test
    void cronFieldsAreRangeChecked() {
        assertTrue(Cron.parse("*/15 2-4 1,15 * 1-5").isPresent());
        assertTrue(Cron.parse("@daily").isPresent());
        for (var bad : List.of("60 2 * * *", "0 24 * * *", "0 2 0 * *", "0 2 * 13 *", "0 2 * * 8", "0 2 * *", "a 2 * * *", "*/0 2 * * *", "5-1 2 * * *")) {
            assertFalse(Cron.parse(bad).isPresent(), bad);
        }
    }

    @Test
    void restoreIdsAreStableReadableAndDistinctPerLabel() {
        var a = RestoreRequest.of("nginx", new RestorePoint.Latest(), Optional.empty());
        assertEquals(a, RestoreRequest.of("nginx", new RestorePoint.Latest(), Optional.empty()));
        assertTrue(a.id().matches("r-latest-[0-9a-f]{8}"), a.id());
        assertFalse(a.id().equals(RestoreRequest.of("nginx", new RestorePoint.Latest(), Optional.of("again")).id()));
        assertFalse(a.id().equals(RestoreRequest.of("plex", new RestorePoint.Latest(), Optional.empty()).id()));
        var asOf = RestorePoint.parse("2026-11-27T02:00:00+01:00").orElseThrow();
        assertTrue(RestoreRequest.of("nginx", asOf, Optional.empty()).id().startsWith("r-asof-20261127-010000-"));
        assertTrue(RestoreRequest.of("nginx", new RestorePoint.Previous(3), Optional.empty()).id().startsWith("r-previous-3-"));
    }

    @Test
    void quantitiesKeepTheirTextAndRejectWrongUnits() {
        assertEquals("5Gi", Quantity.parse("5Gi").orElseThrow().text());
        assertEquals(5L * 1024 * 1024 * 1024, Quantity.parse("5Gi").orElseThrow().bytes().longValue());
        for (var bad : List.of("5GB", "5 Gi", "-1Gi", "0", "Gi", "1.5.2Gi")) assertFalse(Quantity.parse(bad).isPresent(), bad);
    }
}
