package homelab.backups.plan;

/**
 * The Kubernetes names of the objects one volume's backup creates in its namespace, derived from the app id in this
 * one place. They are what `kubectl get` shows and what alerts, drills and restores refer to, so changing one
 * renames a live object. (The Pulumi logical names of the same children are {@code components.VolumeChild}.)
 *
 * @param secretName      the repository Secret the movers read
 * @param sourceName      the ReplicationSource
 * @param destinationName the ReplicationDestination (and the populator's {@code dataSourceRef})
 * @param maintenanceName the KopiaMaintenance, when the mover is Kopia
 * @param drillCronJob    the restore drill's CronJob (and the prefix of its Jobs, which the alerts select by)
 * @param drillScript     the ConfigMap holding the drill's script
 */
public record VolumeNames(String secretName, String sourceName, String destinationName, String maintenanceName,
                          String drillCronJob, String drillScript) {
    public static VolumeNames of(String app) {
        return new VolumeNames(app + "-backup-repo", app + "-backup", app + "-restore", app + "-maintenance",
                app + "-drill", app + "-drill-script");
    }
}
