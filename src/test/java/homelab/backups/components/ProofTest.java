package homelab.backups.components;

import static homelab.backups.support.Registrations.ofType;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.resources.CustomResourceOptions;
import homelab.backups.plan.AlertRules;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.support.ProofWorld;
import homelab.backups.support.TestStacks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: the proof of backups. Alert rules for every app and database before the volumes, a restore drill per
 * volume that can only read its repository, and Longhorn's backups retired only once everything is proven.
 */
class ProofTest {
    static final String CRON_JOB = "kubernetes:batch/v1:CronJob";
    static final String RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
    static final String BACKUP_TARGET = "kubernetes:longhorn.io/v1beta2:BackupTargetPatch";
    static StackPlan plan;
    static MockedRun run;

    @BeforeAll
    static void runProdOnce() {
        plan = TestStacks.prodPlan();
        run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
    }


    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> rules(MockedRun run) {
        var rule = ofType(run, RULE);
        assertEquals(1, rule.size());
        var groups = (List<Map<String, Object>>) at(rule.get(0).inputs(), "spec.groups");
        return groups.stream().flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream()).toList();
    }

    @SuppressWarnings("unchecked")
    static Set<String> alertsFor(List<Map<String, Object>> rules, String label, String value) {
        return rules.stream().filter(r -> value.equals(((Map<String, Object>) r.get("labels")).get(label)))
                .map(r -> (String) r.get("alert")).collect(Collectors.toSet());
    }

    @Test
    void everyAppAndDatabaseHasItsAlertsWhereTheHomelabsPrometheusLoadsThem() {
        var rule = ofType(run, RULE).get(0);
        assertEquals("prometheus-stack", at(rule.inputs(), "metadata.namespace"));
        assertEquals(Map.of("prometheus", "kube-prometheus-stack-prometheus", "role", "alert-rules"), at(rule.inputs(), "metadata.labels"));
        var rules = rules(run);
        for (var v : plan.volumes()) {
            var expected = new java.util.HashSet<>(Set.of("VolumeBackupOutOfSync", "VolumeBackupMissedIntervals", "VolumeBackupNotReporting",
                    "RestoreDrillFailed", "RestoreDrillStale", "RestoreDrillMissing"));
            // Restore-before-bind: a PVC that restores through the populator can wait for its data (ClaimAlerts).
            if (v.populatorRestore()) expected.add("VolumeClaimWaitingForData");
            assertEquals(expected, alertsFor(rules, "app", v.app()), v.app());
        }
        // Issue 22: each database's restore drill has the volume drills' three alerts.
        var drill = Set.of("DatabaseRestoreDrillFailed", "DatabaseRestoreDrillStale", "DatabaseRestoreDrillMissing");
        assertEquals(union(Set.of("DatabaseBackupStale", "DatabaseBackupNever", "DatabaseBackupFailed", "DatabaseWalArchivingFailing",
                "DatabaseBackupMetricsAbsent"), drill), alertsFor(rules, "database", "khoj-database"));
        assertEquals(union(Set.of("DatabaseBackupStale", "DatabaseWalArchivingFailing", "DatabaseBackupMetricsAbsent"), drill),
                alertsFor(rules, "database", "immich-postgres"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> outOfSync(MockedRun run, String app) {
        return rules(run).stream().filter(r -> r.get("alert").equals("VolumeBackupOutOfSync"))
                .filter(r -> app.equals(((Map<String, Object>) r.get("labels")).get("app"))).findFirst().orElseThrow();
    }

    /**
     * M1: the owner hears of a missing backup within its interval plus the slack. VolSync's out-of-sync gauge rises
     * only about two intervals after the last success (backube/volsync v0.15.0 statemachine/machine.go
     * pastScheduleDeadline), so the rule counts completed syncs over a window of exactly that length, with no
     * pending period on top (alerts/tests proves the timing on the series as VolSync emits them).
     */
    @Test
    void eachVolumeIsLateAfterItsOwnIntervalPlusSlackWithNothingAddedOnTop() {
        var hourlyPlan = TestStacks.testPlan(); // hourly, six-hourly and daily policies
        var hourly = MockedRun.of(hourlyPlan);
        var windows = new java.util.HashMap<String, String>();
        for (var p : List.of(plan, hourlyPlan)) {
            var r = p == plan ? run : hourly;
            for (var v : p.volumes()) {
                var late = AlertRules.duration(v.interval().plus(p.inputs().settings().monitoring().slack()));
                var rule = outOfSync(r, v.app());
                var expr = (String) rule.get("expr");
                assertFalse(rule.containsKey("for"), v.app() + ": a pending period would add to interval + slack");
                assertFalse(expr.contains("volsync_volume_out_of_sync"), v.app() + ": that gauge rises two intervals late");
                var own = "{role=\"source\", obj_namespace=\"" + v.namespace() + "\", obj_name=\"" + v.sourceName() + "\"}";
                assertTrue(expr.contains("increase(volsync_sync_duration_seconds_count" + own + "[" + late + "])"),
                        v.app() + ": completions of its own source over its interval plus slack: " + expr);
                assertTrue(expr.contains("[1h] offset " + late + ")"), v.app() + ": reported before the window began: " + expr);
                if (p == hourlyPlan) windows.put(v.app(), late);
            }
        }
        var anHourly = hourlyPlan.volumes().stream().filter(v -> v.interval().equals(java.time.Duration.ofHours(1))).findFirst().orElseThrow();
        var aDaily = hourlyPlan.volumes().stream().filter(v -> v.interval().equals(java.time.Duration.ofDays(1))).findFirst().orElseThrow();
        assertNotEquals(windows.get(anHourly.app()), windows.get(aDaily.app()), "an hourly volume is late sooner than a daily one");
    }

    @Test
    void notReportingWatchesTheSeriesTheOutOfSyncRuleReads() {
        for (var v : plan.volumes()) {
            @SuppressWarnings("unchecked") var rule = rules(run).stream().filter(r -> r.get("alert").equals("VolumeBackupNotReporting"))
                    .filter(r -> v.app().equals(((Map<String, Object>) r.get("labels")).get("app"))).findFirst().orElseThrow();
            var absent = ((String) rule.get("expr")).replaceFirst("^absent\\((.*)\\)$", "$1");
            assertTrue(((String) outOfSync(run, v.app()).get("expr")).contains("increase(" + absent + "["), v.app() + ": " + absent);
        }
    }

    @Test
    void everyAlertLinksARunbookSectionThatExists() throws IOException {
        var readme = Files.readString(TestStacks.PROJECT.resolve("README.md"));
        var anchors = readme.lines().filter(l -> l.startsWith("#")).map(l -> l.replaceFirst("^#+\\s*", "").trim())
                .map(h -> h.toLowerCase().replaceAll("[^a-z0-9 -]", "").replace(' ', '-')).collect(Collectors.toSet());
        for (var r : rules(run)) {
            @SuppressWarnings("unchecked") var annotations = (Map<String, Object>) r.get("annotations");
            var url = (String) annotations.get("runbook_url");
            assertTrue(url.startsWith("README.md#"), url);
            assertTrue(anchors.contains(url.substring("README.md#".length())), "no README section for " + url);
            assertFalse(((String) annotations.get("summary")).isBlank());
        }
    }

    @Test
    void aDrillPerVolumeReadsOnlyItsRepositoryAsTheApp() throws IOException {
        // The volume drills; the database drills' CronJobs are DatabaseDrillTest's, the Backup pruning's BackupPruneTest's.
        var cronJobs = ofType(run, CRON_JOB).stream()
                .filter(r -> !String.valueOf(at(r.inputs(), "metadata.name")).endsWith("-db-drill"))
                .filter(r -> !String.valueOf(at(r.inputs(), "metadata.name")).endsWith("-backup-prune")).toList();
        assertEquals(plan.volumes().size(), cronJobs.size());
        var starts = new HashSet<String>();
        var script = Files.readString(Path.of("drills/restic-drill.sh"));
        for (var v : plan.volumes()) {
            var job = cronJobs.stream().filter(r -> r.name().equals(v.app() + "-drill")).findFirst().orElseThrow();
            var in = job.inputs();
            assertEquals(v.namespace(), at(in, "metadata.namespace"));
            var schedule = (String) at(in, "spec.schedule");
            assertTrue(starts.add(schedule.substring(0, schedule.lastIndexOf(' '))), "two drills start at " + schedule);
            assertEquals("Etc/UTC", at(in, "spec.timeZone"));
            assertEquals("Forbid", at(in, "spec.concurrencyPolicy"));
            assertEquals(0.0, at(in, "spec.jobTemplate.spec.backoffLimit"), "a failed drill is not retried into a pass");
            var pod = TestStacks.map(at(in, "spec.jobTemplate.spec.template.spec")).orElseThrow();
            assertEquals((double) v.mover().fsGroup(), at(pod, "securityContext.fsGroup"));
            var container = TestStacks.map(((List<?>) pod.get("containers")).get(0)).orElseThrow();
            assertEquals((double) v.mover().uid(), at(container, "securityContext.runAsUser"));
            assertEquals(true, at(container, "securityContext.readOnlyRootFilesystem"));
            assertEquals(List.of(Map.of("secretRef", Map.of("name", v.secretName()))), container.get("envFrom"),
                    "the volume's own repository Secret, nothing else");
            var volumes = (List<?>) pod.get("volumes");
            for (var volume : volumes) {
                var vol = TestStacks.map(volume).orElseThrow();
                assertFalse(vol.containsKey("persistentVolumeClaim"), v.app() + ": a drill never mounts a PVC");
            }
            assertEquals("2Gi", at(TestStacks.map(volumes.get(0)).orElseThrow(), "emptyDir.sizeLimit"),
                    "scratch that disappears with the pod, size-limited");
            var env = ((List<?>) container.get("env")).stream().map(e -> TestStacks.map(e).orElseThrow())
                    .collect(Collectors.toMap(e -> (String) e.get("name"), e -> (String) e.get("value")));
            assertEquals(Long.toString(v.interval().plusHours(2).toSeconds()), env.get("DRILL_MAX_AGE_SECONDS"));
            // Issue 21 part 3: the history the policy keeps for certain; no repository is expected where the live cluster
            // recorded none (this world has no drill CronJob yet).
            var keep = homelab.backups.plan.RepositoryIdentity.Keep.of(v.policy().retain());
            assertEquals(Long.toString(keep.span().toSeconds()), env.get("DRILL_KEEP_SECONDS"));
            assertEquals(Long.toString(keep.bucket().toSeconds()), env.get("DRILL_KEEP_BUCKET_SECONDS"));
            assertFalse(env.containsKey("EXPECTED_REPOSITORY_ID") || env.containsKey("EXPECTED_OLDEST"), v.app() + ": " + env);
            var configMap = homelab.backups.support.Registrations.named(run, v.app() + "-drill-script");
            assertEquals(script, TestStacks.map(at(configMap.inputs(), "data")).orElseThrow().get("restic-drill.sh"),
                    "the shipped, tested script");
            assertEquals(v.app(), at(configMap.inputs(), "metadata.labels.homelab-backups/drill"),
                    "labelled with its app, like the CronJob and its pods");
            var options = (CustomResourceOptions) run.options().get(v.app() + "-drill");
            var after = com.pulumi.test.PulumiTest.<List<com.pulumi.resources.Resource>>extractValue(options.getDependsOn());
            assertTrue(after.stream().anyMatch(r -> r.pulumiResourceName().equals(v.app() + "-repository")));
            assertFalse(after.stream().anyMatch(r -> r.pulumiResourceName().equals(v.app() + "-pvc")),
                    "the drill does not wait for (or hold on to) the app's PVC");
        }
    }

    @Test
    void aRootDrillMayRestoreOtherOwnersAndNothingElseGetsCapabilities() {
        var roots = 0;
        for (var v : plan.volumes()) {
            var job = homelab.backups.support.Registrations.named(run, v.app() + "-drill");
            var pod = TestStacks.map(at(job.inputs(), "spec.jobTemplate.spec.template.spec")).orElseThrow();
            var container = TestStacks.map(((List<?>) pod.get("containers")).get(0)).orElseThrow();
            assertEquals(List.of("ALL"), at(container, "securityContext.capabilities.drop"));
            var added = at(container, "securityContext.capabilities.add");
            if (v.mover().uid() == 0) {
                roots++;
                // restic as root ignores no EPERM on chown/chmod (v0.18.0 internal/fs/node.go): review finding m1.
                assertEquals(List.of("CHOWN", "FOWNER", "DAC_OVERRIDE"), added, v.app());
            } else {
                assertEquals(null, added, v.app() + ": a non-root drill gets no capability");
            }
        }
        assertTrue(roots > 0, "prod has a uid-0 app (home-assistant), or this test proves nothing");
    }

    @Test
    void aDrillThatMetALockIsRunAgainNotCountedAsFailed() throws IOException {
        var job = homelab.backups.support.Registrations.named(run, "nginx-drill");
        assertEquals(List.of(Map.of("action", "Ignore", "onPodConditions", List.of(), "onExitCodes",
                        Map.of("containerName", "drill", "operator", "In", "values", List.of(75.0)))),
                at(job.inputs(), "spec.jobTemplate.spec.podFailurePolicy.rules"));
        var container = TestStacks.map(((List<?>) at(job.inputs(), "spec.jobTemplate.spec.template.spec.containers")).get(0))
                .orElseThrow();
        assertEquals("drill", container.get("name"), "the rule names the drill's container");
        // The code the policy ignores is the one the script gives a lock timeout, and no other verdict.
        var script = Files.readString(Path.of("drills/restic-drill.sh"));
        var exits = java.util.regex.Pattern.compile("(?m)^\\s*verdict \"(.*)\" ([0-9]+)$").matcher(script).results()
                .collect(Collectors.toMap(m -> m.group(2), m -> m.group(1), (a, b) -> a + " | " + b));
        assertTrue(exits.get("75").contains("reason=locked"), exits.toString());
        assertTrue(exits.get("0").startsWith("drill PASS"), exits.toString());
        assertEquals(Set.of("0", "1", "75"), exits.keySet(), "PASS 0, FAIL 1, locked 75 and nothing else: " + exits);
    }

    @Test
    void withoutMonitoringThereAreNoRulesAndVolumesWaitForTheBuckets() {
        var config = TestStacks.with(TestStacks.prodConfig(), "monitoring", "{\"enabled\": false}");
        var quiet = MockedRun.of(Planner.plan(TestStacks.load(config)));
        assertEquals(0, quiet.result().exitCode());
        assertTrue(ofType(quiet, RULE).isEmpty());
        assertEquals(quiet.stack().storage().ready(), quiet.stack().proof().ready(), "an empty wave 3 passes wave 2 on");
    }

    static StackPlan retiring() {
        return Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "longhorn", "{\"retireBackups\": true}")));
    }

    @Test
    void retirementIsRefusedAtPreviewUntilEverythingIsProven() {
        var plan = retiring();
        var world = ProofWorld.allProven(plan, Instant.now()).withoutSourceStatus("nginx").failingDrill("immich");
        var refused = MockedRun.of(plan, world.cluster());
        assertNotEquals(0, refused.result().exitCode());
        var message = refused.result().exceptions().toString();
        assertTrue(message.contains("retireBackups refused"), message);
        assertTrue(message.contains("backup nginx (nginx-example): NEVER"), message);
        assertTrue(message.contains("drill immich (immich): FAILING"), message);
        assertFalse(message.contains("backup immich"), "only what is not proven is listed: " + message);
        assertTrue(refused.mocks().registrations().stream().noneMatch(r -> r.type().startsWith("kubernetes:")),
                "refused before anything is registered");
        var jobs = ProofWorld.allProven(plan, Instant.now()).withLonghornBackupJob("critical-daily-backup");
        var stillScheduled = MockedRun.of(plan, jobs.cluster()).result().exceptions().toString();
        assertTrue(stillScheduled.contains("critical-daily-backup"), "Longhorn must stop backing up first: " + stillScheduled);
    }

    @Test
    void onceProvenOnlyTheDefaultBackupTargetIsPatchedToNoTarget() {
        var plan = retiring();
        var proven = MockedRun.of(plan, ProofWorld.allProven(plan, Instant.now()).cluster());
        assertEquals(0, proven.result().exitCode(), () -> proven.result().exceptions().toString());
        var patches = ofType(proven, BACKUP_TARGET);
        assertEquals(1, patches.size());
        var in = patches.get(0).inputs();
        assertEquals("default", at(in, "metadata.name"));
        assertEquals("longhorn-system", at(in, "metadata.namespace"));
        assertEquals(Map.of("backupTargetURL", "", "credentialSecret", ""), in.get("spec"), "no target, no credentials, nothing else");
        assertEquals("true", TestStacks.map(at(in, "metadata.annotations")).orElseThrow().get("pulumi.com/patchForce"));
        assertTrue(((CustomResourceOptions) proven.options().get(patches.get(0).name())).isRetainOnDelete(),
                "removing the setting later leaves the target as it is");
        assertTrue(proven.mocks().registrations().stream().filter(r -> r.type().contains("longhorn.io"))
                .allMatch(r -> r.type().equals(BACKUP_TARGET)), "Backup and BackupVolume objects are never touched");
    }

    @Test
    void theOfflineRenderShowsThePatchAndSaysWhereTheGateIsChecked() {
        var plan = retiring();
        var render = MockedRun.of(plan, MockCluster.asInventory(plan));
        assertEquals(0, render.result().exitCode(), () -> render.result().exceptions().toString());
        assertEquals(1, ofType(render, BACKUP_TARGET).size());
        assertTrue(render.warnings().stream().anyMatch(w -> w.contains("pulumi preview checks that")), render.warnings().toString());
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        var all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
