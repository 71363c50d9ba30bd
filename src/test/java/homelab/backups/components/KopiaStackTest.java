package homelab.backups.components;

import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.Planner;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.support.TestStacks;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/design.md correction 1: the kopia fork is a stack-wide choice with its own schema, keys and maintenance. */
class KopiaStackTest {
    static final String DRILL_IMAGE = "registry.example.invalid/perfectra1n/volsync:0.17.11";
    static MockedRun run;
    static MockedRun restoring;
    static homelab.backups.plan.StackPlan plan;

    @BeforeAll
    static void runKopiaStack() {
        // A mirror of the fork's chart: its appVersion is unknown here, so the drill image is named (MoverImageTest).
        var config = TestStacks.with(TestStacks.with(TestStacks.prodConfig(), "volsync", "{\"mover\": \"kopia\", \"chart\": "
                + "{\"repository\": \"oci://example.invalid/charts-mirror\", \"name\": \"volsync-perfectra1n\", \"version\": \"0.18.5\"}}"),
                "drills", "{\"image\": \"" + DRILL_IMAGE + "\"}");
        plan = Planner.plan(TestStacks.load(config));
        run = MockedRun.of(plan);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        restoring = MockedRun.of(Planner.plan(TestStacks.load(TestStacks.with(config, "restore", "{\"nginx\": \"latest\"}"))));
        assertEquals(0, restoring.result().exitCode(), () -> restoring.result().exceptions().toString());
    }

    static Registration named(String name) {
        return named(run, name);
    }

    static Registration named(MockedRun run, String name) {
        return homelab.backups.support.Registrations.named(run, name);
    }

    @Test
    void secretsCarryKopiaKeysAndNeverAResticPassword() {
        var data = (Map<?, ?>) named("nginx-repository").inputs().get("stringData");
        assertEquals(Set.of("KOPIA_REPOSITORY", "KOPIA_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                "AWS_S3_ENDPOINT", "KOPIA_S3_DISABLE_TLS"), data.keySet());
        assertEquals("s3://volsync-backups/nginx-example/nginx/", data.get("KOPIA_REPOSITORY"));
        assertEquals("192.168.10.133:30292", data.get("AWS_S3_ENDPOINT"), "the kopia mover wants host:port");
        assertEquals("true", data.get("KOPIA_S3_DISABLE_TLS"), "plain HTTP needs TLS off explicitly");
        assertEquals(RecordingMocks.PLACEHOLDER_PREFIX + "kopiaPassword", data.get("KOPIA_PASSWORD"),
                "the kopia password comes from its own field, never the restic one");
    }

    @Test
    void specsUseTheKopiaBlockWithoutPruneAndWithSourceIdentity() {
        var source = (Map<?, ?>) named("nginx-source").inputs().get("spec");
        assertNull(source.get("restic"));
        assertNull(at(named("nginx-source").inputs(), "spec.kopia.pruneIntervalDays"), "kopia prunes via KopiaMaintenance");
        assertEquals(14.0, at(named("nginx-source").inputs(), "spec.kopia.retain.daily"));
        assertEquals(Map.of("sourceName", "nginx-backup", "sourceNamespace", "nginx-example"),
                at(named(restoring, "nginx-destination").inputs(), "spec.kopia.sourceIdentity"));
    }

    @Test
    void eachRepositoryGetsAKopiaMaintenance() {
        var maintenance = named("nginx-maintenance");
        assertEquals("kubernetes:volsync.backube/v1alpha1:KopiaMaintenance", maintenance.type());
        assertEquals("nginx-backup-repo", at(maintenance.inputs(), "spec.repository.repository"));
        var schedule = new homelab.backups.config.Cron((String) at(maintenance.inputs(), "spec.trigger.schedule"));
        var nginx = plan.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        assertEquals(java.time.Duration.ofDays(nginx.policy().pruneIntervalDays()), schedule.longestGap(),
                schedule + ": maintenance at least every prune interval of the volume's policy, month ends included");
        assertEquals(nginx.schedule().firstTimeOfDay().plusHours(12), schedule.firstTimeOfDay(),
                schedule + ": twelve hours after the backup");
    }

    @Test
    void drillsRunTheKopiaDrillInTheNamedImage() {
        var pod = at(named("nginx-drill").inputs(), "spec.jobTemplate.spec.template.spec.containers");
        var container = (Map<?, ?>) ((java.util.List<?>) pod).get(0);
        assertEquals(DRILL_IMAGE, container.get("image"));
        assertEquals(java.util.List.of("/bin/bash", "/drill/kopia-drill.sh"), container.get("command"));
    }

    @Test
    void theForkChartKeepsUpstreamNames() {
        var release = named("wave1-platform-volsync");
        assertEquals("volsync-perfectra1n", release.inputs().get("chart"));
        assertEquals("volsync", at(release.inputs(), "values.fullnameOverride"));
    }
}
