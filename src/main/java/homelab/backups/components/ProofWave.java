package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import homelab.backups.kubernetes.CustomObject;
import homelab.backups.kubernetes.CustomObjectArgs;
import homelab.backups.plan.AlertRules;
import homelab.backups.plan.AlertsPresence;
import homelab.backups.plan.StackPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Wave 3: what proves and watches the backups. The alert rules (a PrometheusRule, when monitoring is enabled) come
 * before the volumes, so a backup that never starts is noticed - unless the cluster has no monitoring stack yet (no
 * PrometheusRule CRD or namespace, read at preview): then they are left out and said so, and the volumes wait for the
 * earlier waves, because what protects data never waits for what watches it; and, once {@code ./verify}'s checks pass, the patch
 * that retires Longhorn's own backups (docs/field-findings.md §9). The restore drills live with their volumes (wave 4):
 * each needs its repository Secret.
 */
public final class ProofWave extends ComponentResource implements Wave {
    public static final String TYPE = "homelab-backups:waves:Proof";
    public static final String PROMETHEUS_RULE_API = "monitoring.coreos.com/v1";
    public static final String LONGHORN_API = "longhorn.io/v1beta2";

    private final Optional<CustomObject> alertRules;
    private final Optional<CustomObject> longhornTarget;
    private final Optional<String> alertsNotInstalled;
    private final String monitoringPlace;
    private final List<Resource> after;

    /**
     * @param retireLonghorn     the retirement was asked for and its gate passed
     * @param alertsNotInstalled why the alert rules cannot be installed in this cluster now (no PrometheusRule CRD, no
     *                           monitoring namespace), read at preview; empty when they can
     */
    public record Args(StackPlan plan, boolean retireLonghorn, List<Resource> after, Optional<String> alertsNotInstalled) {
    }

    public ProofWave(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.after = List.copyOf(args.after());
        var settings = args.plan().inputs().settings();
        var monitoring = settings.monitoring();
        this.monitoringPlace = monitoring.enabled() ? monitoring.namespace() + "/" + AlertRules.RULE_NAME : "";
        // What protects data never waits for what watches it: without the monitoring stack the rules are left out
        // (and said so), and the volumes wait for the earlier waves instead (ready()).
        this.alertsNotInstalled = monitoring.enabled() ? args.alertsNotInstalled() : Optional.empty();
        this.alertRules = monitoring.enabled() && alertsNotInstalled.isEmpty() ? Optional.of(new CustomObject(name + "-alert-rules",
                CustomObjectArgs.builder(PROMETHEUS_RULE_API, "PrometheusRule")
                        .metadata(ObjectMetaArgs.builder().name(AlertRules.RULE_NAME).namespace(monitoring.namespace())
                                .labels(monitoring.labels()).build())
                        .spec(Map.of("groups", AlertRules.groups(args.plan())))
                        .build(), Children.of(this, after))) : Optional.empty();
        this.longhornTarget = args.retireLonghorn() ? Optional.of(retire(name, args)) : Optional.empty();
        var outputs = new LinkedHashMap<String, Output<?>>();
        outputs.put("alertRules", Output.of(alertRules.isPresent()));
        outputs.put("alerts", Output.of(alertsStatus()));
        outputs.put("longhornBackupsRetired", Output.of(longhornTarget.isPresent()));
        registerOutputs(Map.copyOf(outputs));
    }

    /**
     * The {@code default} BackupTarget with no target URL and no credential Secret: Longhorn stops backing up and
     * drops its in-cluster Backup records, the backup data stays where it is (longhorn#6630, #7692). Backup and
     * BackupVolume objects are never deleted: with a target set, that deletes the data (longhorn#9384). Forced,
     * because longhorn-manager and Argo CD wrote these fields; kept as it is when the setting is removed.
     */
    private CustomObject retire(String name, Args args) {
        var longhorn = args.plan().inputs().settings().longhorn();
        var spec = new LinkedHashMap<String, Object>();
        spec.put("backupTargetURL", "");
        spec.put("credentialSecret", "");
        return CustomObject.patch(name + "-longhorn-backup-target", CustomObjectArgs.builder(LONGHORN_API, "BackupTarget")
                .metadata(ObjectMetaArgs.builder().name(longhorn.backupTarget()).namespace(longhorn.namespace())
                        .annotations(Map.of(BackedUpVolume.PATCH_FORCE_ANNOTATION, "true")).build())
                .spec(spec)
                .build(), Children.named(this, after).retainOnDelete(true).build());
    }

    public Optional<CustomObject> alertRules() {
        return alertRules;
    }

    /** Why the alert rules were left out although monitoring is enabled; empty when they are registered or off. */
    public Optional<String> alertsNotInstalled() {
        return alertsNotInstalled;
    }

    /** The stack output {@code alerts}: installed where, not installed and why, or disabled. */
    public String alertsStatus() {
        if (alertRules.isPresent()) return "installed: PrometheusRule " + monitoringPlace;
        return alertsNotInstalled.map(AlertsPresence::notInstalled).orElse("disabled (monitoring.enabled: false)");
    }

    public Optional<CustomObject> longhornTarget() {
        return longhornTarget;
    }

    /**
     * Volumes (wave 4) wait for this wave's resources: the alert rules, so that a source that never reports is caught
     * from the start, and the Longhorn retirement patch when there is one; with neither (monitoring off or its stack
     * not installed, no retirement), for what wave 2 handed on. Without the monitoring stack nothing is retired either:
     * ./verify's alerts row, which the retirement gate reads, is not proven then.
     */
    @Override
    public List<Resource> ready() {
        var own = new ArrayList<Resource>();
        alertRules.ifPresent(own::add);
        longhornTarget.ifPresent(own::add);
        return Wave.orElse(own, after);
    }
}
