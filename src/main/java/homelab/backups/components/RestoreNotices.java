package homelab.backups.components;

import homelab.backups.config.CnpgSchedule;
import homelab.backups.plan.StackPlan;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Plain-language preview messages: what a restore will replace, from when, and what must happen first; deprecated
 * or converted settings.
 */
final class RestoreNotices {
    private RestoreNotices() {
    }

    static void announce(StackPlan plan, Consumer<String> warn) {
        announce(plan, java.util.Map.of(), warn);
    }

    /** @param handling what happens to each app's PVC: only a RESTORE deletes and recreates one */
    static void announce(StackPlan plan, java.util.Map<String, homelab.backups.plan.ClaimHandling> handling,
                         Consumer<String> warn) {
        var recovery = plan.inputs().settings().restore();
        if (recovery.disasterRecovery()) {
            warn.accept("DISASTER RECOVERY" + (recovery.recoveryScope().isEmpty() ? "" : " of "
                    + String.join(", ", recovery.recoveryScope())) + ": every missing PVC it covers is created from its "
                    + "latest backup, and every claim waiting for its data (Pending, created from Git with the "
                    + "restore-before-bind dataSourceRef) is filled from it where it waits; backups start only after "
                    + "each restore finished. Keep every app stopped until `pulumi up` completes.");
        }
        for (var d : plan.databases()) {
            var db = d.database();
            if (d.engine().match(cnpg -> !cnpg.options().plugin(), pgo -> false)) {
                warn.accept("DEPRECATED: " + db.namespace() + "/" + db.name() + " uses CNPG's in-tree barmanObjectStore "
                        + "(deprecated since CNPG 1.26, removal planned for 1.31). Install the Barman Cloud plugin and "
                        + "switch the database to method: plugin.");
            }
            d.engine().match(cnpg -> Optional.of(cnpg.schedule()), pgo -> Optional.<CnpgSchedule>empty())
                    .ifPresent(schedule -> schedule.converted().ifPresent(five -> warn.accept(
                    "SCHEDULE " + d.id() + ": the five-field cron '" + five + "' was converted to '"
                            + schedule.text() + "' (CNPG reads six fields, seconds first; "
                            + "passed through it would run every hour).")));
            d.recoveryName().ifPresent(cluster -> d.restore().ifPresent(r -> warn.accept("RESTORE " + d.id() + ": a NEW cluster " + db.namespace() + "/"
                    + cluster + " is created from backup point '" + r.text() + "' next to "
                    + db.name() + ", which is not changed; up then waits for its check Job "
                    + homelab.backups.plan.DatabaseRestoreCheck.jobName(cluster) + " (ready, the expected system, the app's "
                    + "data) and stops with its verdict if it fails. Then switch the app over (README: Restore a database).")));
        }
        for (var v : plan.volumes()) {
            // A fresh start replaces nothing; a request for a waiting claim fills it (claims() says both).
            if (v.restore().map(homelab.backups.config.RestoreRequest::freshStart).orElse(false)) continue;
            var h = handling.get(v.app());
            if (h != null && h.mode() != homelab.backups.plan.ClaimHandling.Mode.RESTORE) continue;
            v.restore().ifPresent(r -> warn.accept("RESTORE " + v.app() + ": PVC " + v.namespace() + "/" + v.pvc()
                    + " will be DELETED and recreated from backup point '" + r.text() + "' (request " + r.id()
                    + ", repository " + v.repositoryUrl() + "). Stop its workload first: pause ArgoCD auto-sync for "
                    + v.app() + " and scale it to 0 replicas (README: Restore a volume). pulumi up waits up to "
                    + VolumesWave.human(recovery.timeout()) + " for the restore before touching the PVC."));
        }
    }

    /**
     * What restore-before-bind found: claims waiting for their data, and what each request will do to them. A claim
     * re-created without the contract stops the program (ClaimState.refusal), so it needs no notice here.
     */
    static void claims(StackPlan plan, java.util.Map<String, homelab.backups.plan.ClaimState> states,
                       java.util.Map<String, homelab.backups.plan.ClaimHandling> handling, Consumer<String> warn) {
        for (var v : plan.volumes()) {
            var state = states.get(v.app());
            var h = handling.get(v.app());
            if (state == null || h == null) continue;
            var pvc = v.namespace() + "/" + v.pvc();
            var since = state.live().flatMap(homelab.backups.plan.LiveClaim::created).orElse("an unknown time");
            if (h.mode() == homelab.backups.plan.ClaimHandling.Mode.WAIT) {
                warn.accept("WAITING " + v.app() + ": the PVC " + pvc + " (UID " + state.live().orElseThrow(() -> new IllegalStateException(
                        v.app() + ": a claim waiting for its data was read, but no live claim is recorded")).uid()
                        + ") was created at " + since + " with the restore-before-bind dataSourceRef and is Pending "
                        + "until its data is back; it was not created by this program"
                        + state.recordedUid().map(u -> " (the claim it held was UID " + u + ")").orElse("")
                        + ". Its backups are paused, nothing of it is written, the other apps go ahead. Resolve it with "
                        + "one config value: `pulumi config set --path 'homelab-backups:restore." + v.app() + "' latest` "
                        + "(or any point the repository " + v.repositoryPath() + " holds) fills it from the backup; "
                        + "`... restore." + v.app() + "' fresh-start` fills it from the newest backup too, and lets it "
                        + "start empty only when the repository has none (README: When a claim is re-created).");
            } else if (h.mode() == homelab.backups.plan.ClaimHandling.Mode.FILL) {
                var what = v.restore().map(r -> r.freshStart()
                        ? "fresh-start: from the newest backup if the repository " + v.repositoryPath() + " holds one (a "
                        + "fresh start never discards a backup), EMPTY only if it holds none"
                        : "backup point '" + r.text() + "' (request " + r.id() + ")")
                        .orElse("the newest backup (disaster recovery); nothing restored stops the program");
                warn.accept("FILL " + v.app() + ": the waiting PVC " + pvc + " (created " + since + ") is filled where "
                        + "it waits from " + what + "; it is not deleted or replaced. pulumi up waits up to "
                        + VolumesWave.human(plan.inputs().settings().restore().timeout()) + " for the restore; backups "
                        + "resume after it.");
            } else if (v.restore().map(homelab.backups.config.RestoreRequest::freshStart).orElse(false)
                    && h.mode() == homelab.backups.plan.ClaimHandling.Mode.ADOPT) {
                warn.accept("FRESH START " + v.app() + ": the live PVC " + pvc + " (UID "
                        + state.live().map(homelab.backups.plan.LiveClaim::uid).orElse("?") + ", created " + since
                        + ") is accepted as the app's data as it is; its backups go on from it. Remove the request "
                        + "after this up.");
            }
        }
    }
}
