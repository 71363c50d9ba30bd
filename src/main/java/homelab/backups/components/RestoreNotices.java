package homelab.backups.components;

import homelab.backups.plan.StackPlan;
import java.util.function.Consumer;

/**
 * Plain-language preview messages: what a restore will replace, from when, and what must happen first; deprecated
 * or converted settings.
 */
final class RestoreNotices {
    private RestoreNotices() {
    }

    static void announce(StackPlan plan, Consumer<String> warn) {
        var recovery = plan.inputs().settings().restore();
        if (recovery.disasterRecovery()) {
            warn.accept("DISASTER RECOVERY: every PVC of the inventory is created from its latest backup "
                    + "(empty where the repository has none); backups start only after each restore finished. "
                    + "Keep every app stopped until `pulumi up` completes.");
        }
        for (var d : plan.databases()) {
            var db = d.database();
            if (d.cnpg() && db.cnpgMethod() == homelab.backups.config.Database.CnpgMethod.LEGACY) {
                warn.accept("DEPRECATED: " + db.namespace() + "/" + db.name() + " uses CNPG's in-tree barmanObjectStore "
                        + "(deprecated since CNPG 1.26, removal planned for 1.31). Install the Barman Cloud plugin and "
                        + "switch the database to method: plugin.");
            }
            d.cnpgSchedule().flatMap(homelab.backups.config.CnpgSchedule::converted).ifPresent(five -> warn.accept(
                    "SCHEDULE " + d.id() + ": the five-field cron '" + five + "' was converted to '"
                            + d.cnpgSchedule().orElseThrow().text() + "' (CNPG reads six fields, seconds first; "
                            + "passed through it would run every hour)."));
            d.restore().ifPresent(r -> warn.accept("RESTORE " + d.id() + ": a NEW cluster " + db.namespace() + "/"
                    + d.recoveryName().orElseThrow() + " is created from backup point '" + r.text() + "' next to "
                    + db.name() + ", which is not changed. Check it, then switch the app over (README: Restore a database)."));
        }
        for (var v : plan.volumes()) {
            v.restore().ifPresent(r -> warn.accept("RESTORE " + v.app() + ": PVC " + v.namespace() + "/" + v.pvc()
                    + " will be DELETED and recreated from backup point '" + r.text() + "' (request " + r.id()
                    + ", repository " + v.repository() + "). Stop its workload first: pause ArgoCD auto-sync for "
                    + v.app() + " and scale it to 0 replicas (README: Restore a volume). pulumi up waits up to "
                    + VolumesWave.human(recovery.timeout()) + " for the restore before touching the PVC."));
        }
    }
}
