package homelab.backups.config;

import java.util.Map;
import java.util.Optional;

/**
 * The image the installed VolSync chart runs its mover in: the drills must run in the same one, with the same restic
 * or kopia. Both charts (upstream and the perfectra1n fork) name it {@code <values.<mover>.image>}, else
 * {@code <values.<mover>.repository>:<values.<mover>.tag, default the chart's appVersion>} (helm/volsync/templates/
 * _helpers.tpl "container-image", at backube/volsync v0.15.0 and perfectra1n/volsync 6966ac30). The appVersion is in
 * the chart, not in the settings, so it is known here only for the charts below; for any other chart (a mirror, a
 * local path, another fork version) {@code drills.image} is required.
 */
public final class MoverImage {
    /** backube/helm-charts: its chart's appVersion equals its version (helm/volsync/Chart.yaml at v0.15.0:61,67). */
    public static final String UPSTREAM_CHARTS = "https://backube.github.io/helm-charts";
    /** Every mover of the upstream chart (helm/volsync/values.yaml at v0.15.0:16-19); its Dockerfile builds no kopia. */
    public static final String UPSTREAM_IMAGE = "quay.io/backube/volsync";
    /** The fork's chart repository (perfectra1n/volsync 6966ac30 README.md:11, .github/workflows/docs-deploy.yml). */
    public static final String FORK_CHARTS = "https://perfectra1n.github.io/volsync/charts";
    /** Every mover of the fork's chart, kopia included (helm/volsync/values.yaml at 6966ac30:37-40). */
    public static final String FORK_IMAGE = "ghcr.io/perfectra1n/volsync";
    /**
     * The fork's chart versions whose appVersion is known: its version and appVersion differ (helm/volsync/Chart.yaml at
     * 6966ac30:61,67), and {@code ghcr.io/perfectra1n/volsync:0.18.5} does not exist.
     */
    public static final Map<String, String> FORK_APP_VERSIONS = Map.of("0.18.5", "0.17.11");

    private MoverImage() {
    }

    /** The upstream chart (backube's repository, chart {@code volsync}), which has no Kopia mover. */
    public static boolean upstream(Settings.Chart chart) {
        return is(chart, UPSTREAM_CHARTS);
    }

    static boolean fork(Settings.Chart chart) {
        return is(chart, FORK_CHARTS);
    }

    private static boolean is(Settings.Chart chart, String repository) {
        var repo = chart.repository().endsWith("/") ? chart.repository().substring(0, chart.repository().length() - 1)
                : chart.repository();
        return repo.equals(repository) && chart.name().equals("volsync");
    }

    /** The mover image the chart and its values give, or empty when it depends on a chart this program does not know. */
    public static Optional<String> of(Settings.VolSyncSettings volsync) {
        var chart = volsync.chart();
        // The values key of the mover's image is the mover's name in both charts: restic.*, kopia.*.
        var values = volsync.values().get(volsync.mover().id()) instanceof Map<?, ?> m ? m : Map.of();
        var image = text(values.get("image"));
        if (image.isPresent()) return image;
        Optional<String> repository;
        Optional<String> appVersion;
        if (upstream(chart) && volsync.mover() == Settings.Mover.RESTIC) {
            repository = Optional.of(UPSTREAM_IMAGE);
            appVersion = Optional.of(chart.version());
        } else if (fork(chart)) {
            repository = Optional.of(FORK_IMAGE);
            appVersion = Optional.ofNullable(FORK_APP_VERSIONS.get(chart.version()));
        } else {
            repository = Optional.empty();
            appVersion = Optional.empty();
        }
        var repo = text(values.get("repository")).or(() -> repository);
        var tag = text(values.get("tag")).or(() -> appVersion);
        return repo.isPresent() && tag.isPresent() ? Optional.of(repo.get() + ":" + tag.get()) : Optional.empty();
    }

    /** Why {@code drills.image} is required for these settings ({@link #of} is empty). */
    public static String required(Settings.VolSyncSettings volsync) {
        var chart = volsync.chart();
        var where = chart.repository().isEmpty() ? chart.name() : chart.repository() + " " + chart.name();
        return "is required: the " + volsync.mover().id() + " mover image of the chart " + where + " " + chart.version()
                + " cannot be derived (its tag is the chart's appVersion, which is known only for "
                + UPSTREAM_CHARTS + " volsync and " + FORK_CHARTS + " volsync " + String.join(", ", FORK_APP_VERSIONS.keySet())
                + "); set it to the image the chart's " + volsync.mover().id() + " mover runs (upstream: " + UPSTREAM_IMAGE
                + ":<appVersion>; the fork's chart 0.18.5: " + FORK_IMAGE + ":" + FORK_APP_VERSIONS.get("0.18.5") + ")";
    }

    private static Optional<String> text(Object value) {
        return value instanceof String s && !s.isBlank() ? Optional.of(s.trim()) : Optional.empty();
    }
}
