package homelab.backups.plan;

import homelab.backups.config.Settings;
import homelab.backups.config.StackInputs;
import homelab.backups.config.Volume;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Optional;

/** Turns validated inputs into a deterministic plan. Pure: no Pulumi, no I/O, no clock. */
public final class Planner {
    public static final String LONGHORN_DRIVER = "driver.longhorn.io";
    private Planner() {
    }

    public static StackPlan plan(StackInputs inputs) {
        var settings = inputs.settings();
        var backedUp = inputs.inventory().backedUpVolumes().stream()
                .sorted(Comparator.comparing(Volume::app)).toList();
        var staggered = backedUp.stream().filter(v -> v.schedule().isEmpty()).map(Volume::app).toList();
        var offsets = ScheduleStagger.offsets(staggered, settings.schedule().windowMinutes());
        var volumes = new ArrayList<VolumePlan>();
        for (var v : backedUp) {
            var schedule = v.schedule().orElseGet(() ->
                    ScheduleStagger.dailyAt(settings.schedule().windowStart(), offsets.get(v.app())));
            var path = RepositoryLayout.volumePath(v);
            var snapshotClass = v.storageClass().isEmpty() ? Optional.<Settings.SnapshotClass>empty()
                    : settings.snapshotClassFor(v.storageClass());
            var onLonghorn = snapshotClass.map(c -> c.driver().equals(LONGHORN_DRIVER)).orElse(false);
            var maintenance = settings.volsync().mover() == Settings.Mover.KOPIA
                    ? Optional.of(RepositoryLayout.maintenanceSchedule(schedule, settings.schedule().pruneIntervalDays()))
                    : Optional.<homelab.backups.config.Cron>empty();
            volumes.add(new VolumePlan(v.app(), v.namespace(), v.pvc(), v.capacity(), v.accessModes(),
                    v.storageClass(), v.copyMethod(), v.mover(), schedule,
                    v.schedule().isPresent() ? "inventory" : "staggered",
                    v.app() + "-backup-repo", v.app() + "-backup", v.app() + "-restore",
                    RepositoryLayout.repositoryUrl(settings, path), path,
                    snapshotClass.map(Settings.SnapshotClass::name), maintenance, !onLonghorn,
                    inputs.restoreOf(v.app())));
        }
        var excluded = inputs.inventory().volumes().stream().filter(Volume::excluded)
                .sorted(Comparator.comparing(Volume::app)).toList();
        return new StackPlan(inputs, volumes, excluded);
    }
}
