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
        // Each policy staggers its own volumes over its window (or interval), so adding a volume to one policy never
        // moves another policy's slots; with only the default policy this is the one window of before.
        var offsets = new java.util.HashMap<String, Integer>();
        for (var policy : settings.policies().values()) {
            var staggered = backedUp.stream().filter(v -> v.schedule().isEmpty())
                    .filter(v -> v.policy().orElse(homelab.backups.config.Policy.DEFAULT).equals(policy.name()))
                    .map(Volume::app).toList();
            offsets.putAll(ScheduleStagger.offsets(staggered, ScheduleStagger.slots(policy.cadence())));
        }
        var volumes = new ArrayList<VolumePlan>();
        for (var v : backedUp) {
            var policy = settings.policy(v.policy());
            var schedule = v.schedule().orElseGet(() -> ScheduleStagger.cron(policy.cadence(), offsets.get(v.app())));
            var names = VolumeNames.of(v.app());
            var repository = RepositoryLayout.volume(settings.target(), v, names.secretName());
            var snapshotClass = v.staticPv() ? Optional.<Settings.SnapshotClass>empty()
                    : settings.snapshotClassFor(v.storageClass());
            var onLonghorn = snapshotClass.map(c -> c.driver().equals(LONGHORN_DRIVER)).orElse(false);
            var maintenance = settings.volsync().mover() == Settings.Mover.KOPIA
                    ? Optional.of(RepositoryLayout.maintenanceSchedule(schedule, policy.pruneIntervalDays()))
                    : Optional.<homelab.backups.config.Cron>empty();
            volumes.add(new VolumePlan(v, names, policy, schedule,
                    v.schedule().isPresent() ? VolumePlan.ScheduleSource.INVENTORY : VolumePlan.ScheduleSource.STAGGERED,
                    repository, RepositoryLayout.repositoryUrl(settings.volsync().mover(), repository),
                    snapshotClass.map(Settings.SnapshotClass::name), maintenance, !onLonghorn,
                    inputs.restoreOf(v.app())));
        }
        var excluded = inputs.inventory().volumes().stream().filter(Volume::excluded)
                .sorted(Comparator.comparing(Volume::app)).toList();
        var databases = inputs.inventory().databases().stream()
                .sorted(Comparator.comparing(homelab.backups.config.Database::id))
                .map(d -> database(d, inputs)).toList();
        return new StackPlan(inputs, volumes, excluded, databases, drills(volumes, settings),
                databaseDrills(databases, settings));
    }

    static java.util.List<DrillPlan> drills(java.util.List<VolumePlan> volumes, Settings settings) {
        var drills = settings.drills();
        if (!drills.enabled()) return java.util.List.of();
        var crons = DrillSchedule.crons(volumes.stream().map(VolumePlan::app).toList(), drills);
        var slack = settings.monitoring().slack();
        // The installed chart's mover image (the loader requires drills.image when that cannot be derived).
        var image = drills.image().or(() -> homelab.backups.config.MoverImage.of(settings.volsync()))
                .orElseThrow(() -> new IllegalStateException("drills.image " + homelab.backups.config.MoverImage.required(settings.volsync())));
        // Room for restic's or kopia's cache and index in the same scratch volume: a quarter, at most 512Mi.
        long scratch = drills.scratch().bytes().longValueExact();
        long budget = scratch - Math.min(scratch / 4, 512L << 20);
        return volumes.stream().map(v -> DrillPlan.builder()
                .app(v.app()).namespace(v.namespace())
                .cronJobName(v.names().drillCronJob()).scriptConfigMap(v.names().drillScript()).secretName(v.secretName())
                .mover(settings.volsync().mover()).identity(v.mover()).image(image)
                .schedule(crons.get(v.app())).everyDays(drills.everyDays())
                .maxAge(v.interval().plus(slack))
                .staleAfter(java.time.Duration.ofDays(drills.everyDays()).plus(slack))
                .scratch(drills.scratch()).scratchBudget(budget)
                .readSubsets(drills.readSubsets()).verifyPercent(drills.verifyPercent())
                .cpuLimit(drills.cpuLimit()).memoryLimit(drills.memoryLimit())
                .keep(RepositoryIdentity.Keep.of(v.policy().retain()))
                .acceptedRepository(drills.acceptedRepository(v.app())).acceptedOldest(drills.acceptedOldest(v.app()))
                .expected(RepositoryIdentity.Expected.none())
                .build()).toList();
    }

    /** A restore drill per backed-up database when database drills are enabled (StackInputs checked their times). */
    static java.util.List<DatabaseDrillPlan> databaseDrills(java.util.List<DatabasePlan> databases, Settings settings) {
        var drill = settings.databases().drill();
        if (!drill.enabled() || databases.isEmpty()) return java.util.List.of();
        var crons = DrillSchedule.crons(databases.stream().map(DatabasePlan::id).toList(), drill.everyDays(),
                drill.windowStart(), drill.windowMinutes());
        var stale = java.time.Duration.ofDays(drill.everyDays()).plus(settings.monitoring().slack());
        return databases.stream().map(d -> new DatabaseDrillPlan(d, d.names().drillCronJob(),
                d.names().drillThrowaway(), crons.get(d.id()), stale, drill.everyDays(),
                drill.readyTimeout(), drill.readyTimeout().plus(DatabaseDrillPlan.CHECK_TIME), drill.image(),
                drill.cpuLimit(), drill.memoryLimit(),
                d.engine().match(cnpg -> cnpg.options().appDatabase(), pgo -> Optional.<String>empty()),
                d.database().drillTables())).toList();
    }

    static DatabasePlan database(homelab.backups.config.Database d, StackInputs inputs) {
        var settings = inputs.settings();
        var defaultSchedule = settings.databases().defaultSchedule();
        DatabaseEngine engine = d.options().match(
                cnpg -> new CnpgEngine(cnpg, cnpg.schedule().orElse(defaultSchedule)),
                pgo -> new PgoEngine(pgo, pgo.fullSchedule().orElseGet(() -> defaultSchedule.withoutSeconds()
                        .orElseThrow(() -> new IllegalStateException("databases.schedule '" + defaultSchedule.text()
                                + "' has no five-field form for pgBackRest (SettingsLoader refuses such a schedule)")))));
        var restore = inputs.restoreOf(d.id());
        var recoveryName = restore.map(r -> DatabaseNames.recovery(d, r));
        var names = DatabaseNames.of(d);
        return new DatabasePlan(d, engine, names, d.options().match(
                        cnpg -> RepositoryLayout.cnpg(settings.target(), d.name(), names.credentialsSecret()),
                        pgo -> RepositoryLayout.pgbackrest(settings.target(), d.name(), names.credentialsSecret())),
                restore, recoveryName);
    }
}
