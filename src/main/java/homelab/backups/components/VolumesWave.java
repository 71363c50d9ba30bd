package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.core.v1.PersistentVolumeClaim;
import com.pulumi.kubernetes.core.v1.outputs.PersistentVolumeClaimSpec;
import com.pulumi.kubernetes.core.v1.outputs.ResourceRequirements;
import com.pulumi.kubernetes.meta.v1.outputs.ObjectMeta;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import homelab.backups.config.ConfigError;
import homelab.backups.config.Settings;
import homelab.backups.plan.Adoption;
import homelab.backups.plan.ClaimHandling;
import homelab.backups.plan.LiveClaim;
import homelab.backups.plan.VolumePlan;
import homelab.backups.secrets.SecretSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Wave 4: one {@link BackedUpVolume} per backed-up inventory volume.
 *
 * <p>First it reads every live PVC it adopts or restores ({@code <app>-live-pvc}, a read, never a write) and checks
 * each against the inventory ({@link Adoption}). Every child of every volume waits for that check, so when any PVC
 * disagrees, the preview stops with one error listing every disagreeing app and field, and no object of wave 4 is
 * registered — never a replace plan that only protection stops (field-findings §1).
 */
public final class VolumesWave extends ComponentResource implements Wave {
    public static final String TYPE = "homelab-backups:waves:Volumes";
    public static final String LIVE_READ_SUFFIX = "-live-pvc";

    private final List<BackedUpVolume> volumes = new ArrayList<>();
    private final Map<String, PersistentVolumeClaim> liveReads = new TreeMap<>();

    /** @param inventoryFile named in every mismatch, so the owner knows what to edit */
    public record Args(List<VolumePlan> plans, String inventoryFile, Settings settings, SecretSource secrets,
                       List<Resource> after) {
    }

    public VolumesWave(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        var recovery = args.settings().restore();
        var handlings = new TreeMap<String, ClaimHandling>();
        var checks = new ArrayList<Output<List<ConfigError>>>();
        for (var plan : args.plans()) {
            var handling = ClaimHandling.of(plan, recovery.disasterRecovery(), recovery.timeout());
            handlings.put(plan.app(), handling);
            if (!handling.checkLive()) continue;
            var live = PersistentVolumeClaim.get(plan.app() + LIVE_READ_SUFFIX,
                    Output.of(plan.namespace() + "/" + plan.pvc()), CustomResourceOptions.builder().parent(this).build());
            liveReads.put(plan.app(), live);
            checks.add(Output.tuple(live.metadata(), live.spec(), live.status())
                    .applyValue(t -> Adoption.mismatches(args.inventoryFile(), plan,
                            liveClaim(plan, t.t1, t.t2, t.t3.orElse(null)))));
        }
        Output<Boolean> adopted = Output.all(checks).applyValue(lists -> {
            var errors = lists.stream().flatMap(List::stream).toList();
            if (!errors.isEmpty()) throw new Adoption.MismatchException(errors);
            return true;
        });
        var schedules = new TreeMap<String, String>();
        for (var plan : args.plans()) {
            volumes.add(new BackedUpVolume(plan.app(), new BackedUpVolume.Args(plan, handlings.get(plan.app()),
                    args.settings(), args.secrets(), args.after(), adopted),
                    ComponentResourceOptions.builder().parent(this).build()));
            schedules.put(plan.app(), plan.schedule().text());
        }
        registerOutputs(Map.of("count", Output.of(volumes.size()), "schedules", Output.of(schedules)));
    }

    static LiveClaim liveClaim(VolumePlan plan, ObjectMeta meta, PersistentVolumeClaimSpec spec,
                               com.pulumi.kubernetes.core.v1.outputs.PersistentVolumeClaimStatus status) {
        var storage = spec.resources().map(ResourceRequirements::requests).map(r -> r.get("storage"));
        return new LiveClaim(meta.namespace().orElse(plan.namespace()), meta.name().orElse(plan.pvc()), storage,
                spec.accessModes(), spec.storageClassName(),
                Optional.ofNullable(status).flatMap(s -> s.phase()), spec.volumeName(),
                meta.deletionTimestamp().filter(s -> !s.isEmpty()).isPresent());
    }

    public List<BackedUpVolume> volumes() {
        return List.copyOf(volumes);
    }

    /** The live PVCs read before anything of this wave is registered, by app. */
    public Map<String, PersistentVolumeClaim> liveReads() {
        return Map.copyOf(liveReads);
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
