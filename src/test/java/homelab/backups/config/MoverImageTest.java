package homelab.backups.config;

import static homelab.backups.support.TestStacks.prodConfig;
import static homelab.backups.support.TestStacks.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.DrillPlan;
import homelab.backups.plan.Planner;
import homelab.backups.support.TestStacks;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review finding M4 (2026-12-07): a drill runs in the mover image of the chart actually installed, whose tag is the
 * chart's appVersion, not its version; where that cannot be derived, drills.image is required.
 */
class MoverImageTest {
    static final String FORK = "{\"repository\": \"https://perfectra1n.github.io/volsync/charts/\", \"name\": \"volsync\", \"version\": \"%s\"}";
    static final String MIRROR = "{\"repository\": \"oci://example.invalid/charts-mirror\", \"name\": \"volsync-perfectra1n\", \"version\": \"0.18.5\"}";

    static StackConfig volsync(String json) {
        return with(prodConfig(), "volsync", json);
    }

    static List<String> drillImages(StackConfig config) {
        return Planner.plan(TestStacks.load(config)).drills().stream().map(DrillPlan::image).distinct().toList();
    }

    static ConfigErrors.InvalidConfigException refused(StackConfig config) {
        return assertThrows(ConfigErrors.InvalidConfigException.class, () -> TestStacks.load(config));
    }

    static void refusedWith(StackConfig config, String item, String field, String message) {
        var thrown = refused(config);
        assertTrue(thrown.errors().stream().anyMatch(e -> e.item().equals(item) && e.field().equals(field)
                && e.message().contains(message)), thrown::getMessage);
    }

    @Test
    void theUpstreamChartsMoverImageIsTaggedWithItsVersion() {
        // Upstream releases chart and app together: Chart.yaml v0.15.0 has version and appVersion 0.15.0.
        assertEquals(List.of("quay.io/backube/volsync:0.15.0"), drillImages(prodConfig()));
    }

    @Test
    void theForksKopiaImageIsTaggedWithItsAppVersionNotTheChartVersion() {
        var kopia = volsync("{\"mover\": \"kopia\", \"chart\": " + FORK.formatted("0.18.5") + "}");
        assertEquals(List.of("ghcr.io/perfectra1n/volsync:0.17.11"), drillImages(kopia),
                "quay.io/backube/volsync:0.18.5 and ghcr.io/perfectra1n/volsync:0.18.5 do not exist");
        var restic = volsync("{\"mover\": \"restic\", \"chart\": " + FORK.formatted("0.18.5") + "}");
        assertEquals(List.of("ghcr.io/perfectra1n/volsync:0.17.11"), drillImages(restic), "the fork's restic mover too");
    }

    @Test
    void imageValuesGivenToTheChartAreFollowed() {
        var upstream = "\"chart\": {\"repository\": \"https://backube.github.io/helm-charts/\", \"name\": \"volsync\", \"version\": \"0.15.0\"}";
        assertEquals(List.of("registry.example.invalid/backube/volsync:0.15.0"),
                drillImages(volsync("{" + upstream + ", \"values\": {\"restic\": {\"repository\": \"registry.example.invalid/backube/volsync\"}}}")),
                "a mirrored repository keeps the appVersion tag");
        assertEquals(List.of("quay.io/backube/volsync@sha256:" + "a".repeat(64)),
                drillImages(volsync("{" + upstream + ", \"values\": {\"restic\": {\"image\": \"quay.io/backube/volsync@sha256:" + "a".repeat(64) + "\"}}}")));
        assertEquals(List.of("quay.io/backube/volsync:0.15.0"),
                drillImages(volsync("{" + upstream + ", \"values\": {\"kopia\": {\"image\": \"elsewhere:1\"}}}")),
                "only the values of the mover in use count");
        assertEquals(List.of("ghcr.io/perfectra1n/volsync:0.17.12"),
                drillImages(volsync("{\"mover\": \"kopia\", \"chart\": " + FORK.formatted("0.19.0") + ", \"values\": {\"kopia\": {\"tag\": \"0.17.12\"}}}")),
                "a tag in the values makes an unknown fork version derivable");
    }

    @Test
    void aChartWhoseAppVersionIsUnknownNeedsDrillsImage() {
        for (var config : List.of(
                volsync("{\"mover\": \"kopia\", \"chart\": " + MIRROR + "}"),
                volsync("{\"mover\": \"kopia\", \"chart\": " + FORK.formatted("0.19.0") + "}"),
                volsync("{\"chart\": {\"name\": \"./charts/volsync\", \"version\": \"0.15.0\"}}"))) {
            refusedWith(config, "homelab-backups:drills", "image", "is required");
            var named = TestStacks.withFields(config, "drills", "{\"image\": \"registry.example.invalid/volsync:0.17.11\"}");
            assertEquals(List.of("registry.example.invalid/volsync:0.17.11"), drillImages(named), "the one named is used");
            var off = TestStacks.withFields(config, "drills", "{\"enabled\": false}");
            assertEquals(List.of(), drillImages(off), "without drills there is no image to require");
        }
        var message = refused(volsync("{\"mover\": \"kopia\", \"chart\": " + MIRROR + "}")).getMessage();
        assertTrue(message.contains("ghcr.io/perfectra1n/volsync:0.17.11"), "the error says what the fork's image is: " + message);
    }

    @Test
    void kopiaWithTheUpstreamChartIsRefused() {
        var config = volsync("{\"mover\": \"kopia\", \"chart\": {\"repository\": \"https://backube.github.io/helm-charts/\", "
                + "\"name\": \"volsync\", \"version\": \"0.15.0\"}}");
        refusedWith(config, "homelab-backups:volsync", "mover", "has no Kopia mover");
        // Even with a drill image named: the backups themselves would fail.
        refusedWith(TestStacks.withFields(config, "drills", "{\"image\": \"ghcr.io/perfectra1n/volsync:0.17.11\"}"),
                "homelab-backups:volsync", "mover", "has no Kopia mover");
        assertNotEquals(List.of(), drillImages(volsync("{\"mover\": \"restic\", \"chart\": {\"repository\": "
                + "\"https://backube.github.io/helm-charts\", \"name\": \"volsync\", \"version\": \"0.15.0\"}}")), "restic there is fine");
    }
}
