package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.core.v1.Namespace;
import com.pulumi.kubernetes.core.v1.NamespaceArgs;
import com.pulumi.kubernetes.helm.v3.Release;
import com.pulumi.kubernetes.helm.v3.ReleaseArgs;
import com.pulumi.kubernetes.helm.v3.inputs.RepositoryOptsArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import homelab.backups.config.Settings;
import homelab.backups.kubernetes.CustomObject;
import homelab.backups.kubernetes.CustomObjectArgs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wave 1: the {@code volsync-system} namespace, the VolSync Helm release (CRDs included) and the
 * VolumeSnapshotClasses that Snapshot copies use.
 */
public final class PlatformWave extends ComponentResource implements Wave {
    public static final String TYPE = "homelab-backups:waves:Platform";

    private final Namespace namespace;
    private final Release volsync;
    private final List<CustomObject> snapshotClasses = new ArrayList<>();

    public record Args(Settings settings, List<Resource> after) {
    }

    public PlatformWave(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        var volsyncSettings = args.settings().volsync();
        this.namespace = new Namespace(name + "-namespace", NamespaceArgs.builder()
                .metadata(ObjectMetaArgs.builder().name(volsyncSettings.namespace()).build())
                .build(), child(args.after()));
        var chart = volsyncSettings.chart();
        var release = ReleaseArgs.builder()
                .name("volsync")
                .namespace(volsyncSettings.namespace())
                .chart(chart.name())
                .version(chart.version())
                .values(helmValues(args.settings()))
                .atomic(true)
                .cleanupOnFail(true);
        if (!chart.repository().isEmpty()) release.repositoryOpts(RepositoryOptsArgs.builder().repo(chart.repository()).build());
        // Not deleted first: a replaced release would uninstall VolSync; created first, Helm refuses the name in use.
        this.volsync = new Release(name + "-volsync", release.build(),
                CustomResourceOptions.builder().parent(this).dependsOn(List.of(namespace)).build());
        for (var c : args.settings().snapshotClasses()) {
            var metadata = ObjectMetaArgs.builder().name(c.name())
                    .labels(Map.of("app.kubernetes.io/managed-by", "homelab-backups")).build();
            snapshotClasses.add(new CustomObject(name + "-snapshot-class-" + c.name(),
                    CustomObjectArgs.builder("snapshot.storage.k8s.io/v1", "VolumeSnapshotClass")
                            .metadata(metadata)
                            .driver(c.driver())
                            .deletionPolicy(c.deletionPolicy())
                            .parameters(c.parameters())
                            .build(), child(args.after())));
        }
        registerOutputs(Map.of(
                "volsyncNamespace", Output.of(volsyncSettings.namespace()),
                "volsyncChart", Output.of(chart.name() + "@" + chart.version()),
                "snapshotClasses", Output.of(args.settings().snapshotClasses().stream().map(Settings.SnapshotClass::name).toList())));
    }

    /**
     * Our values, then the stack's own {@code volsync.values} on top. Metrics auth is off because the chart's
     * ServiceMonitor cannot authenticate otherwise; the kopia fork needs the upstream resource names.
     */
    static Map<String, Object> helmValues(Settings settings) {
        var values = new LinkedHashMap<String, Object>();
        values.put("manageCRDs", true);
        values.put("metrics", Map.of("disableAuth", true));
        if (settings.volsync().mover() == Settings.Mover.KOPIA) values.put("fullnameOverride", "volsync");
        values.putAll(settings.volsync().values());
        return values;
    }

    private CustomResourceOptions child(List<Resource> dependsOn) {
        return Children.of(this, dependsOn);
    }

    public Release volsync() {
        return volsync;
    }

    public Namespace namespace() {
        return namespace;
    }

    public List<CustomObject> snapshotClasses() {
        return List.copyOf(snapshotClasses);
    }

    /** Custom resources of wave 4 need the VolSync CRDs (from the release) and the snapshot classes. */
    @Override
    public List<Resource> ready() {
        var ready = new ArrayList<Resource>();
        ready.add(volsync);
        ready.addAll(snapshotClasses);
        return ready;
    }
}
