package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import homelab.backups.config.Settings;
import homelab.backups.plan.ClaimHandling;
import homelab.backups.plan.VolumeHandling;
import homelab.backups.plan.DrillPlan;
import homelab.backups.plan.LiveReview;
import homelab.backups.plan.VolumePlan;
import homelab.backups.secrets.SecretSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Wave 4: one {@link BackedUpVolume} per backed-up inventory volume. */
public final class VolumesWave extends ComponentResource implements Wave {
    public static final String TYPE = "homelab-backups:waves:Volumes";

    private final List<BackedUpVolume> volumes = new ArrayList<>();

    /**
     * @param handling what may happen to each app's PVC, by app
     * @param review   what the live cluster said (the volumes to keep before a restore replaces their PVC)
     */
    public record Args(List<VolumePlan> plans, Map<String, ClaimHandling> handling, LiveReview review,
                       Settings settings, SecretSource secrets, List<Resource> after, List<DrillPlan> drills) {
    }

    public VolumesWave(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        var schedules = new TreeMap<String, String>();
        var drills = new TreeMap<String, DrillPlan>();
        args.drills().forEach(d -> drills.put(d.app(), d));
        // Disaster recovery restores recovery.parallelRestores volumes at once: each batch's destinations wait for the
        // PVCs the batch before restored (inventory order). A created PVC counts once it is Bound, which a populated
        // one is after its restore (pulumi-kubernetes provider/pkg/await: PersistentVolumeClaim awaitCreation
        // untilCoreV1PersistentVolumeClaimBound).
        int parallel = args.settings().restore().parallelRestores();
        var batch = new ArrayList<Resource>();
        var earlier = List.<Resource>of();
        for (var plan : args.plans()) {
            var volumeToKeep = args.review().volumeToKeep(plan.app());
            var handling = VolumeHandling.of(args.handling().get(plan.app()), volumeToKeep,
                    args.settings().restore().timeout());
            boolean recovering = handling.claim().recovering();
            if (recovering && batch.size() == parallel) {
                earlier = List.copyOf(batch);
                batch.clear();
            }
            var volume = new BackedUpVolume(plan.app(), new BackedUpVolume.Args(plan, handling, volumeToKeep,
                    args.settings(), args.secrets(), args.after(),
                    java.util.Optional.ofNullable(drills.get(plan.app())), recovering ? earlier : List.of()),
                    ComponentResourceOptions.builder().parent(this).build());
            volumes.add(volume);
            // A filled claim is imported as it waits: its restore is done when its destination is.
            if (recovering) batch.add(handling.claim().mode() == ClaimHandling.Mode.FILL
                    ? volume.destination().orElseThrow(() -> new IllegalStateException(plan.app()
                            + ": a claim filled in disaster recovery has no destination")) : volume.pvc());
            schedules.put(plan.app(), plan.schedule().text());
        }
        registerOutputs(Map.of("count", Output.of(volumes.size()), "schedules", Output.of(schedules)));
    }

    public List<BackedUpVolume> volumes() {
        return List.copyOf(volumes);
    }

    @Override
    public List<Resource> ready() {
        return volumes.stream().map(v -> (Resource) v.source()).toList();
    }

    /** The restore timeout as shown to people. */
    static String human(Duration d) {
        return d.toHours() > 0 && d.toMinutesPart() == 0 ? d.toHours() + "h" : d.toMinutes() + "m";
    }
}
