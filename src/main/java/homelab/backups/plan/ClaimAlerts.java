package homelab.backups.plan;

import homelab.backups.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The waiting-claim alert of restore-before-bind (issue 21; docs/restore-before-bind.md): a backed-up PVC that carries
 * the contract's {@code dataSourceRef} and was re-created (by Argo CD from Git, or by anyone) stays {@code Pending}
 * until its ReplicationDestination exists, and that exists only once the owner asks for a restore (or a fresh start).
 * Nothing else tells the owner that an app is down waiting for that decision, so each such PVC gets
 * {@code VolumeClaimWaitingForData}.
 *
 * <p>The series is kube-state-metrics' {@code kube_persistentvolumeclaim_status_phase} (labels {@code namespace},
 * {@code persistentvolumeclaim}, {@code phase}; 1 for the claim's current phase, 0 for the others:
 * kubernetes/kube-state-metrics internal/store/persistentvolumeclaim.go at 02efa65c; docs/restore-before-bind.md §7).
 * The program's own restore and disaster
 * recovery create the PVC only once its destination restored, so the populator binds it within minutes (VolSync's
 * prime claim, a Longhorn volume from the snapshot, the rebind): {@link #WAITING} is well beyond that.
 */
public final class ClaimAlerts {
    public static final String ALERT = "VolumeClaimWaitingForData";
    /** How long a claim may be Pending before the alert fires. */
    public static final Duration WAITING = Duration.ofMinutes(15);

    private ClaimAlerts() {
    }

    /** One rule per volume that restores through the populator (a static PV has no dataSourceRef to wait on). */
    public static List<Map<String, Object>> rules(VolumePlan v, Settings.MonitoringSettings monitoring) {
        if (!v.populatorRestore()) return List.of();
        var selector = "namespace=\"" + v.namespace() + "\", persistentvolumeclaim=\"" + v.pvc() + "\", phase=\"Pending\"";
        return List.of(AlertRules.rule(ALERT, "kube_persistentvolumeclaim_status_phase{" + selector + "} == 1", WAITING,
                "critical", Map.of("app", v.app(), "namespace", v.namespace()), monitoring,
                "The PVC of " + v.app() + " waits for its data",
                "The PVC " + v.namespace() + "/" + v.pvc() + " has been Pending for " + AlertRules.duration(WAITING)
                        + ": it was re-created, and its dataSourceRef waits for the ReplicationDestination " + v.namespace()
                        + "/" + v.destinationName() + ", which only a restore request creates. Set restore." + v.app()
                        + " to a point (latest) or, for an app with no backup yet, to fresh-start, then pulumi up."));
    }
}
