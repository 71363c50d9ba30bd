package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.core.internal.Internal;
import com.pulumi.core.internal.OutputData;
import com.pulumi.exceptions.RunException;
import com.pulumi.kubernetes.core.v1.PersistentVolumeClaim;
import com.pulumi.kubernetes.core.v1.outputs.PersistentVolumeClaimSpec;
import com.pulumi.kubernetes.core.v1.outputs.PersistentVolumeClaimStatus;
import com.pulumi.kubernetes.core.v1.outputs.ResourceRequirements;
import com.pulumi.kubernetes.meta.v1.outputs.ObjectMeta;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import homelab.backups.config.ConfigError;
import homelab.backups.plan.Adoption;
import homelab.backups.plan.ClaimHandling;
import homelab.backups.plan.LiveClaim;
import homelab.backups.plan.VolumePlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;

/**
 * Wave 0, before anything is installed: reads every live PVC the program will adopt or restore ({@code <app>-live-pvc},
 * a read, never a write) and checks it against the inventory ({@link Adoption}). The program waits for the reads and
 * stops right here, with one error listing every app and field that disagrees, so no backup object of any app is
 * registered and no replace is ever planned that only protection would stop (field-findings §1).
 */
public final class LiveClaims extends ComponentResource {
    public static final String TYPE = "homelab-backups:waves:LiveClaims";
    public static final String READ_SUFFIX = "-live-pvc";

    private final Map<String, LiveClaim> claims = new TreeMap<>();

    /** @param inventoryFile named in every mismatch, so the owner knows what to edit */
    public record Args(List<VolumePlan> plans, Map<String, ClaimHandling> handling, String inventoryFile) {
    }

    public LiveClaims(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        var reads = new LinkedHashMap<VolumePlan, PersistentVolumeClaim>();
        for (var plan : args.plans()) {
            if (!args.handling().get(plan.app()).checkLive()) continue;
            reads.put(plan, PersistentVolumeClaim.get(plan.app() + READ_SUFFIX,
                    Output.of(plan.namespace() + "/" + plan.pvc()), CustomResourceOptions.builder().parent(this).build()));
        }
        var errors = new ArrayList<ConfigError>();
        reads.forEach((plan, read) -> live(plan, read, args.inventoryFile(), errors).ifPresent(live -> {
            claims.put(plan.app(), live);
            errors.addAll(Adoption.mismatches(args.inventoryFile(), plan, live));
        }));
        // A RunException: the SDK reports its message as the error, without a stack trace.
        if (!errors.isEmpty()) throw new RunException(Adoption.failure(errors));
        registerOutputs(Map.of("checked", Output.of(List.copyOf(claims.keySet()))));
    }

    /**
     * Waits for one read. The program's later registrations depend on its outcome, so this is the one place the
     * program blocks on the engine: a read is answered in preview too, within the engine's read timeout.
     */
    private static Optional<LiveClaim> live(VolumePlan plan, PersistentVolumeClaim read, String file, List<ConfigError> errors) {
        try {
            var data = await(Output.tuple(read.metadata(), read.spec(), read.status()));
            if (!data.isKnown()) return Optional.empty();   // nothing to check yet (an unknown provider in preview)
            var t = data.getValueNullable();
            return Optional.of(liveClaim(plan, t.t1, t.t2, t.t3.orElse(null)));
        } catch (CompletionException e) {
            errors.add(new ConfigError(file, "volumes (" + plan.app() + ")", "pvc", "the PVC " + plan.namespace() + "/"
                    + plan.pvc() + " cannot be read from the cluster (" + rootMessage(e) + "). Adoption takes a PVC that "
                    + "exists: fix namespace/pvc, exclude the volume, or, on a rebuilt cluster, set "
                    + "recovery.disasterRecovery"));
            return Optional.empty();
        }
    }

    private static <T> OutputData<T> await(Output<T> output) {
        return Internal.of(output).getDataAsync().join();
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.getMessage();
    }

    static LiveClaim liveClaim(VolumePlan plan, ObjectMeta meta, PersistentVolumeClaimSpec spec, PersistentVolumeClaimStatus status) {
        var storage = spec.resources().map(ResourceRequirements::requests).map(r -> r.get("storage"));
        return new LiveClaim(meta.namespace().orElse(plan.namespace()), meta.name().orElse(plan.pvc()), storage,
                spec.accessModes(), spec.storageClassName(),
                Optional.ofNullable(status).flatMap(PersistentVolumeClaimStatus::phase), spec.volumeName(),
                meta.deletionTimestamp().filter(s -> !s.isEmpty()).isPresent());
    }

    /** The live PVCs that were read and agreed with the inventory, by app. */
    public Map<String, LiveClaim> claims() {
        return Map.copyOf(claims);
    }
}
