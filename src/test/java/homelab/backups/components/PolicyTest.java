package homelab.backups.components;

import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.StackConfig;
import homelab.backups.plan.Planner;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.render.StackRender;
import homelab.backups.support.TestStacks;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Issue 11: named backup policies, one per volume, for both movers; the default is today's schedule. */
class PolicyTest {
    static final String HOURLY = "{\"hourly\": {\"every\": \"1h\", \"retain\": {\"hourly\": 24, \"daily\": 7}}}";
    static final List<String> BUSY = List.of("home-assistant", "immich", "paperless-ngx");

    /**
     * Drills half an hour after the hour: each drill must start at least 15 minutes from its own volume's backups, and
     * an interval policy backs up at the drill window's minutes past every hour (the loader refuses the prod window).
     */
    static final String DRILLS_ON_THE_HALF_HOUR = "{\"everyDays\": 7, \"window\": {\"start\": \"04:30\", \"minutes\": 120}}";

    static StackConfig withHourly(StackConfig base) {
        var inventory = TestStacks.prodInventoryText();
        for (var app : BUSY) {
            inventory = inventory.replaceFirst("\\{app: " + app + ", ", "{app: " + app + ", policy: hourly, ");
        }
        return TestStacks.with(TestStacks.with(TestStacks.with(base, "policies", HOURLY), "inventory",
                TestStacks.writeInventory(inventory)), "drills", DRILLS_ON_THE_HALF_HOUR);
    }

    static MockedRun run(StackConfig config) {
        var run = MockedRun.of(Planner.plan(TestStacks.load(config)));
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        return run;
    }

    static Map<String, Registration> sources(MockedRun run) {
        return run.mocks().registrations().stream().filter(r -> r.name().endsWith("-source"))
                .collect(Collectors.toMap(r -> r.name().replace("-source", ""), r -> r));
    }

    @Test
    void anHourlyPolicyBacksUpEveryHourStaggeredWithItsRetention() {
        var run = run(withHourly(TestStacks.prodConfig()));
        var sources = sources(run);
        var minutes = new HashSet<String>();
        for (var app : BUSY) {
            var schedule = (String) at(sources.get(app).inputs(), "spec.trigger.schedule");
            assertTrue(schedule.matches("[0-9]{1,2} \\* \\* \\* \\*"), app + ": " + schedule);
            assertTrue(minutes.add(schedule.split(" ")[0]), "two hourly volumes start at the same minute: " + schedule);
            assertEquals(Map.of("hourly", 24.0, "daily", 7.0), at(sources.get(app).inputs(), "spec.restic.retain"));
        }
        var others = sources.get("nginx");
        assertTrue(((String) at(others.inputs(), "spec.trigger.schedule")).matches("[0-9]{1,2} 2 \\* \\* \\*"),
                "the rest stay daily in the 02:00 window");
        assertEquals(Map.of("daily", 14.0), at(others.inputs(), "spec.restic.retain"));
    }

    @Test
    void theKopiaMoverGetsEveryRetentionClassSoKopiasDefaultsNeverApply() {
        var kopia = TestStacks.with(TestStacks.prodConfig(), "volsync", "{\"mover\": \"kopia\", \"chart\": "
                + "{\"repository\": \"https://perfectra1n.github.io/volsync/charts\", \"name\": \"volsync\", \"version\": \"0.18.5\"}}");
        var run = run(withHourly(kopia));
        var sources = sources(run);
        assertEquals(Map.of("hourly", 24.0, "daily", 7.0, "weekly", 0.0, "monthly", 0.0, "yearly", 0.0, "latest", 0.0),
                at(sources.get("immich").inputs(), "spec.kopia.retain"));
        assertEquals(Map.of("hourly", 0.0, "daily", 14.0, "weekly", 0.0, "monthly", 0.0, "yearly", 0.0, "latest", 0.0),
                at(sources.get("nginx").inputs(), "spec.kopia.retain"));
        assertTrue(((String) at(sources.get("immich").inputs(), "spec.trigger.schedule")).endsWith(" * * * *"));
    }

    @Test
    void hourlyRendersValidAgainstTheRealCrdsForBothMovers() {
        var crds = homelab.backups.render.TestCrds.dir();
        var restic = StackRender.of(Planner.plan(TestStacks.load(withHourly(TestStacks.prodConfig()))));
        assertEquals(List.of(), homelab.backups.render.Render.validate(restic, crds, restic.plan().inputs().settings()));
        var kopiaConfig = withHourly(TestStacks.with(TestStacks.prodConfig(), "volsync", "{\"mover\": \"kopia\", \"chart\": "
                + "{\"repository\": \"https://perfectra1n.github.io/volsync/charts\", \"name\": \"volsync\", \"version\": \"0.18.5\"}}"));
        var kopia = StackRender.of(Planner.plan(TestStacks.load(kopiaConfig)));
        assertEquals(List.of(), homelab.backups.render.Render.validate(kopia, crds, kopia.plan().inputs().settings()));
    }

    @Test
    void intervalsStaggerInsideTheInterval() {
        var every6 = TestStacks.with(TestStacks.with(TestStacks.prodConfig(), "policies",
                "{\"default\": {\"every\": \"6h\", \"retain\": {\"hourly\": 8, \"daily\": 7}}}"), "drills", DRILLS_ON_THE_HALF_HOUR);
        var run = run(every6);
        var starts = new HashSet<String>();
        for (var r : sources(run).values()) {
            var f = ((String) at(r.inputs(), "spec.trigger.schedule")).split(" ");
            assertTrue(f[1].matches("[0-5]/6"), "every 6 h, first hour inside the interval: " + String.join(" ", f));
            assertTrue(starts.add(f[0] + " " + f[1]), "distinct start minutes inside the 6 h: " + String.join(" ", f));
        }
    }

    @Test
    void aDefaultPolicyEqualToTheScheduleRendersTheSameObjects() {
        var prod = run(TestStacks.prodConfig());
        var explicit = run(TestStacks.with(TestStacks.prodConfig(), "policies",
                "{\"default\": {\"window\": {\"start\": \"02:00\", \"minutes\": 60}, \"retain\": {\"daily\": 14}, \"pruneIntervalDays\": 7}}"));
        var before = prod.mocks().registrations().stream().collect(Collectors.toMap(Registration::name, Registration::inputs));
        for (var r : explicit.mocks().registrations()) assertEquals(before.get(r.name()), r.inputs(), r.name());
    }

    @Test
    void thePlanTableShowsEachVolumesPolicyAndWhatItKeeps() {
        var table = String.join("\n", StackRender.of(Planner.plan(TestStacks.load(withHourly(TestStacks.prodConfig())))).planTable());
        assertTrue(table.contains("POLICY") && table.contains("KEEPS"), table);
        var immich = table.lines().filter(l -> l.startsWith("immich ")).findFirst().orElseThrow();
        assertTrue(immich.contains(" hourly ") && immich.contains("24h 7d"), immich);
        var nginx = table.lines().filter(l -> l.startsWith("nginx ")).findFirst().orElseThrow();
        assertTrue(nginx.contains(" default ") && nginx.contains(" 14d "), nginx);
    }
}
