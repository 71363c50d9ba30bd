package homelab.backups.components;

import static homelab.backups.support.RunAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import homelab.backups.config.CopyMethod;
import homelab.backups.config.StackConfig;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.VolumePlan;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.support.RunAssert;
import homelab.backups.support.TestStacks;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/design.md correction 1: the kopia fork is a stack-wide choice with its own schema, keys and maintenance. Run on
 * the test stack switched to the fork (its values arbitrary); each rule is stated against the plan and the settings.
 */
class KopiaStackTest {
    static final String DRILL_IMAGE = "registry.example.invalid/perfectra1n/volsync:0.17.11";
    static StackPlan plan;
    static MockedRun run;
    static MockedRun restoring;
    /** A volume backed up from a snapshot, and restored in {@link #restoring}. */
    static VolumePlan volume;

    @BeforeAll
    static void runKopiaStack() {
        // A mirror of the fork's chart: its appVersion is unknown here, so the drill image is named (MoverImageTest).
        StackConfig config = TestStacks.withFields(TestStacks.with(TestStacks.testConfig(), "volsync", "{\"mover\": \"kopia\", \"chart\": "
                + "{\"repository\": \"oci://example.invalid/charts-mirror\", \"name\": \"volsync-perfectra1n\", \"version\": \"0.18.5\"}}"),
                "drills", "{\"image\": \"" + DRILL_IMAGE + "\"}");
        // Kopia has no "within" (README: Backup policies): the test stack's policies keep their other classes.
        for (var p : TestStacks.load(TestStacks.testConfig()).settings().policies().values()) {
            if (p.retain().within().isPresent()) {
                config = TestStacks.withFields(config, "policies", "{\"" + p.name() + "\": {\"retain\": {\"within\": null}}}");
            }
        }
        plan = Planner.plan(TestStacks.load(config));
        run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        volume = plan.volumes().stream().filter(v -> v.copyMethod() == CopyMethod.SNAPSHOT && v.volume().schedule().isEmpty())
                .findFirst().orElseThrow();
        var restoringPlan = Planner.plan(TestStacks.load(TestStacks.with(config, "restore", "{\"" + volume.app() + "\": \"latest\"}")));
        restoring = MockedRun.of(restoringPlan);
        assertEquals(0, restoring.result().exitCode(), () -> restoring.result().exceptions().toString());
    }

    @Test
    void secretsCarryKopiaKeysAndNeverAResticPassword() {
        var s3 = plan.inputs().settings().target();
        for (var v : plan.volumes()) {
            var data = assertThat(run).resource(RunAssert.SECRET, v.app() + "-repository").input("stringData");
            data.hasKeys(Set.of("KOPIA_REPOSITORY", "KOPIA_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                    "AWS_S3_ENDPOINT", "KOPIA_S3_DISABLE_TLS"));
            data.input("KOPIA_REPOSITORY").isEqualTo("s3://" + s3.volsyncBucket() + "/" + v.namespace() + "/" + v.app() + "/");
            data.input("AWS_S3_ENDPOINT").isEqualTo(s3.hostPort()); // the kopia mover wants host:port
            data.input("KOPIA_S3_DISABLE_TLS").isEqualTo(String.valueOf(s3.plainHttp())); // plain HTTP needs TLS off explicitly
            // the kopia password comes from its own field, never the restic one
            data.input("KOPIA_PASSWORD").isEqualTo(RecordingMocks.PLACEHOLDER_PREFIX + "kopiaPassword");
        }
    }

    @Test
    void specsUseTheKopiaBlockWithoutPruneAndWithSourceIdentity() {
        for (var v : plan.volumes()) {
            var source = assertThat(run).resource(RunAssert.REPLICATION_SOURCE, v.app() + "-source");
            source.input("spec.restic").isAbsent();
            source.input("spec.kopia.pruneIntervalDays").isAbsent(); // kopia prunes via KopiaMaintenance
            source.input("spec.kopia.retain").isEqualTo(v.policy().retain().allClasses());
        }
        assertThat(restoring).resource(RunAssert.REPLICATION_DESTINATION, volume.app() + "-destination")
                .input("spec.kopia.sourceIdentity")
                .isEqualTo(Map.of("sourceName", volume.sourceName(), "sourceNamespace", volume.namespace()));
    }

    @Test
    void eachRepositoryGetsAKopiaMaintenance() {
        for (var v : plan.volumes()) {
            var maintenance = assertThat(run).resource("kubernetes:volsync.backube/v1alpha1:KopiaMaintenance", v.app() + "-maintenance");
            maintenance.input("spec.repository.repository").isEqualTo(v.secretName());
            var schedule = new homelab.backups.config.Cron(maintenance.input("spec.trigger.schedule")
                    .isEqualTo(v.maintenanceSchedule().orElseThrow().text()).asText());
            assertEquals(java.time.Duration.ofDays(v.policy().pruneIntervalDays()), schedule.longestGap(),
                    v.app() + ": " + schedule + ": maintenance at least every prune interval of the volume's policy, month ends included");
            assertEquals(v.schedule().firstTimeOfDay().plusHours(12), schedule.firstTimeOfDay(),
                    v.app() + ": " + schedule + ": twelve hours after the backup's first run of the day");
        }
    }

    @Test
    void drillsRunTheKopiaDrillInTheNamedImage() {
        for (var d : plan.drills()) {
            var container = assertThat(run).resource(RunAssert.CRON_JOB, d.app() + "-drill")
                    .input("spec.jobTemplate.spec.template.spec.containers[0]");
            container.input("image").isEqualTo(DRILL_IMAGE);
            container.input("command").isEqualTo(java.util.List.of("/bin/bash", "/drill/kopia-drill.sh"));
        }
    }

    @Test
    void theForkChartKeepsUpstreamNames() {
        var release = assertThat(run).resource("kubernetes:helm.sh/v3:Release", "wave1-platform-volsync");
        release.input("chart").isEqualTo("volsync-perfectra1n");
        release.input("values.fullnameOverride").isEqualTo("volsync");
    }
}
