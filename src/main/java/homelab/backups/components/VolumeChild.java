package homelab.backups.components;

/**
 * The Pulumi logical names of a {@link BackedUpVolume}'s children, {@code <component>-<suffix>}, in this one place
 * for the component and the tests. A logical name is part of the child's URN: renaming one is a delete and a create
 * of a live object unless the child carries an alias ({@code src/test/resources/prod-urns.txt} pins every URN). The
 * Kubernetes names of the same objects are {@code plan.VolumeNames}.
 */
public enum VolumeChild {
    REPOSITORY("repository"),
    SOURCE("source"),
    MAINTENANCE("maintenance"),
    DESTINATION("destination"),
    PVC("pvc"),
    RESTORE_CHECK("restore-check"),
    KEEP_VOLUME("keep-volume"),
    DRILL_SCRIPT("drill-script"),
    DRILL("drill");

    private final String suffix;

    VolumeChild(String suffix) {
        this.suffix = suffix;
    }

    /** The child's logical name under the component {@code component} (the app id in prod). */
    public String of(String component) {
        return component + "-" + suffix;
    }
}
