package homelab.backups.components;

import static homelab.backups.support.RunAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.Policy;
import homelab.backups.config.StackConfig;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.VolumePlan;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.render.StackRender;
import homelab.backups.support.RunAssert;
import homelab.backups.support.TestStacks;
import java.util.HashSet;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: named backup policies, one per volume, for both movers; the default is today's schedule. Run on the test
 * stack (src/test/resources/stacks/test), whose policies (default, hourly, six-hourly, a daily window of its own) are
 * arbitrary: each rule is stated against the volume's policy in the plan.
 */
class PolicyTest {
    /** The Kopia fork's chart: a stack-wide mover choice (KopiaStackTest). */
    static final String KOPIA = "{\"mover\": \"kopia\", \"chart\": "
            + "{\"repository\": \"https://perfectra1n.github.io/volsync/charts\", \"name\": \"volsync\", \"version\": \"0.18.5\"}}";

    /** The test stack with the Kopia mover; Kopia has no {@code within} (README: Backup policies), so none is kept. */
    static StackConfig kopia() {
        var config = TestStacks.with(TestStacks.testConfig(), "volsync", KOPIA);
        var plan = Planner.plan(TestStacks.load(TestStacks.testConfig()));
        for (var p : plan.inputs().settings().policies().values()) {
            if (p.retain().within().isPresent()) {
                config = TestStacks.withFields(config, "policies", "{\"" + p.name() + "\": {\"retain\": {\"within\": null}}}");
            }
        }
        return config;
    }

    /** A stack's plan and what the program registered for it. */
    record Ran(StackPlan plan, MockedRun mocked) {
    }

    static Ran run(StackConfig config) {
        var plan = Planner.plan(TestStacks.load(config));
        var run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        return new Ran(plan, run);
    }

    static StackPlan plan(Ran run) {
        return run.plan();
    }

    static List<VolumePlan> volumes(StackPlan plan, Predicate<VolumePlan> which) {
        var out = plan.volumes().stream().filter(which).toList();
        assertTrue(!out.isEmpty(), "the stack has no such volume: the rule would check nothing");
        return out;
    }

    static boolean every(VolumePlan v, int hours) {
        return v.volume().schedule().isEmpty() && v.policy().cadence() instanceof Policy.Cadence.Every e && e.hours() == hours;
    }

    static RunAssert.ResourceAssert source(Ran run, VolumePlan v) {
        return assertThat(run.mocked()).resource(RunAssert.REPLICATION_SOURCE, v.app() + "-source");
    }

    @Test
    void anHourlyPolicyBacksUpEveryHourStaggeredWithItsRetention() {
        var run = run(TestStacks.testConfig());
        var minutes = new HashSet<String>();
        var hourly = volumes(plan(run), v -> every(v, 1));
        assertTrue(hourly.size() >= 2, "two hourly volumes, to see them staggered");
        for (var v : hourly) {
            var schedule = source(run, v).input("spec.trigger.schedule").matches("[0-9]{1,2} \\* \\* \\* \\*").asText();
            assertTrue(minutes.add(schedule.split(" ")[0]), "two hourly volumes start at the same minute: " + schedule);
            source(run, v).input("spec.restic.retain").isEqualTo(v.policy().retain().nonZero());
        }
        for (var v : volumes(plan(run), v -> v.policy().cadence() instanceof Policy.Cadence.Window && v.volume().schedule().isEmpty())) {
            source(run, v).input("spec.trigger.schedule").matches("[0-9]{1,2} [0-9]{1,2} \\* \\* \\*");
            source(run, v).input("spec.restic.retain").isEqualTo(v.policy().retain().nonZero());
        }
    }

    @Test
    void theKopiaMoverGetsEveryRetentionClassSoKopiasDefaultsNeverApply() {
        var run = run(kopia());
        for (var v : plan(run).volumes()) {
            var retain = source(run, v).input("spec.kopia.retain");
            retain.isEqualTo(v.policy().retain().allClasses());
            retain.hasKeys(java.util.Set.of("hourly", "daily", "weekly", "monthly", "yearly", "latest"));
            retain.input("latest").isEqualTo(0);
        }
        for (var v : volumes(plan(run), v -> every(v, 1))) {
            source(run, v).input("spec.trigger.schedule").matches("[0-9]{1,2} \\* \\* \\* \\*");
        }
    }

    @Test
    void hourlyRendersValidAgainstTheRealCrdsForBothMovers() {
        var crds = homelab.backups.render.TestCrds.dir();
        var restic = StackRender.of(TestStacks.testPlan());
        assertTrue(restic.plan().volumes().stream().anyMatch(v -> every(v, 1)), "the test stack has an hourly volume");
        assertEquals(List.of(), homelab.backups.render.Render.validate(restic, crds, restic.plan().inputs().settings()));
        var kopia = StackRender.of(Planner.plan(TestStacks.load(kopia())));
        assertEquals(List.of(), homelab.backups.render.Render.validate(kopia, crds, kopia.plan().inputs().settings()));
    }

    @Test
    void intervalsStaggerInsideTheInterval() {
        // The default policy every 6 h as well, so several volumes share the interval.
        var every6 = TestStacks.withFields(TestStacks.testConfig(), "policies",
                "{\"default\": {\"every\": \"6h\", \"retain\": {\"hourly\": 8, \"daily\": 7}}}");
        var run = run(every6);
        var starts = new HashSet<String>();
        var volumes = volumes(plan(run), v -> v.volume().schedule().isEmpty() && v.policy().cadence() instanceof Policy.Cadence.Every e
                && e.hours() > 1);
        assertTrue(volumes.size() >= 2, "several volumes every n hours");
        for (var v : volumes) {
            int hours = v.policy().cadence().intervalHours();
            var f = source(run, v).input("spec.trigger.schedule").asText().split(" ");
            assertTrue(f[1].matches("[0-9]+/" + hours) && Integer.parseInt(f[1].split("/")[0]) < hours,
                    "every " + hours + " h, first hour inside the interval: " + String.join(" ", f));
            assertTrue(starts.add(hours + ":" + f[0] + " " + f[1]), "distinct start minutes inside the interval: " + String.join(" ", f));
        }
    }

    @Test
    void aDefaultPolicyEqualToTheScheduleRendersTheSameObjects() {
        var base = TestStacks.testConfig();
        var schedule = TestStacks.load(base).settings().schedule();
        var implicit = run(base);
        var explicit = run(TestStacks.withFields(base, "policies", "{\"default\": {\"window\": {\"start\": \""
                + schedule.windowStart() + "\", \"minutes\": " + schedule.windowMinutes() + "}, \"retain\": {\"daily\": "
                + schedule.retainDaily() + "}, \"pruneIntervalDays\": " + schedule.pruneIntervalDays() + "}}"));
        assertTrue(plan(explicit).volumes().stream().anyMatch(v -> v.policy().name().equals(Policy.DEFAULT)), "a default volume");
        var before = implicit.mocked().mocks().registrations().stream().collect(Collectors.toMap(Registration::name, Registration::inputs));
        assertEquals(before.keySet(), explicit.mocked().mocks().registrations().stream().map(Registration::name).collect(Collectors.toSet()));
        for (var r : explicit.mocked().mocks().registrations()) assertEquals(before.get(r.name()), r.inputs(), r.name());
    }

    @Test
    void thePlanTableShowsEachVolumesPolicyAndWhatItKeeps() {
        var plan = TestStacks.testPlan();
        var table = String.join("\n", StackRender.of(plan).planTable());
        assertTrue(table.contains("POLICY") && table.contains("KEEPS"), table);
        for (var v : plan.volumes()) {
            var line = table.lines().filter(l -> l.startsWith(v.app() + " ")).findFirst().orElseThrow(() -> new AssertionError(
                    "no row for " + v.app() + "\n" + table));
            var r = v.policy().retain();
            assertTrue(line.contains(" " + v.policy().name() + " "), line);
            for (var kept : List.of(r.hourly() + "h", r.daily() + "d", r.weekly() + "w", r.monthly() + "m", r.yearly() + "y")) {
                if (!kept.startsWith("0")) assertTrue(line.contains(" " + kept + " ") || line.contains(" " + kept), kept + ": " + line);
            }
            r.within().ifPresent(w -> assertTrue(line.contains("within " + w), line));
        }
    }
}
