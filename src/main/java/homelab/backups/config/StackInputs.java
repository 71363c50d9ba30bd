package homelab.backups.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Everything a stack is made from, parsed and validated as a whole: the inventory, the settings and the restore
 * requests. {@link #load} either returns consistent inputs or throws one exception listing every problem, before
 * any resource exists.
 */
public record StackInputs(String stack, Inventory inventory, Settings settings, Map<String, RestoreRequest> restores,
                          List<ConfigError> ownerValues) {
    /** A restore value's prefix saying "the volume", for an app id that is also a database cluster's name. */
    public static final String VOLUME_PREFIX = "volume:";
    private static final Pattern LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$");

    public StackInputs {
        restores = Map.copyOf(restores);
        ownerValues = List.copyOf(ownerValues);
    }

    public StackInputs(String stack, Inventory inventory, Settings settings, Map<String, RestoreRequest> restores) {
        this(stack, inventory, settings, restores, List.of());
    }

    /**
     * Settings the owner has still to fill in: the render shows the stack with them marked, but nothing may touch a
     * cluster with them (App stops before registering anything).
     */
    public void requireNoOwnerValues() {
        if (ownerValues.isEmpty()) return;
        var text = new StringBuilder("OWNER values still to fill in (" + ownerValues.size() + "); nothing was registered:");
        ownerValues.stream().sorted().forEach(e -> text.append("\n  - ").append(e));
        throw new ConfigErrors.InvalidConfigException(ownerValues, text.toString());
    }

    public Optional<RestoreRequest> restoreOf(String target) {
        return Optional.ofNullable(restores.get(target));
    }

    /**
     * @param projectDir the directory holding {@code Pulumi.yaml} and {@code stacks/}
     */
    public static StackInputs load(StackConfig config, Path projectDir) {
        return load(config, projectDir, java.time.Clock.systemUTC());
    }

    /** @param clock today, for restore points that must lie inside the retention */
    public static StackInputs load(StackConfig config, Path projectDir, java.time.Clock clock) {
        var errors = new ConfigErrors();
        var settings = SettingsLoader.load(config, errors);
        var inventoryText = config.text("inventory").map(String::strip);
        if (inventoryText.isPresent() && (inventoryText.get().isEmpty() || inventoryText.get().equals("null"))) {
            errors.add(config.file(), "config", StackConfig.NAMESPACE + ":inventory", "has no value: write the inventory's "
                    + "path (default stacks/" + config.stack() + "/inventory.yaml), or remove the key");
            errors.throwIfAny();
        }
        var inventoryName = inventoryText.orElse("stacks/" + config.stack() + "/inventory.yaml");
        var inventory = InventoryLoader.load(projectDir.resolve(inventoryName), inventoryName, errors);
        var restores = restores(config, inventory, settings, clock, errors);
        checkStorage(inventory, settings, errors);
        checkPolicies(inventory, settings, errors);
        checkPgBackRest(inventory, settings, errors);
        checkEndpoints(config, settings, errors);
        checkProof(config, inventory, settings, errors);
        checkConfigSecrets(config, inventory, settings, errors);
        errors.throwIfAny();
        return new StackInputs(config.stack(), inventory, settings, restores, errors.ownerValues());
    }

    /** A volume's policy must exist. */
    private static void checkPolicies(Inventory inventory, Settings settings, ConfigErrors errors) {
        for (var v : inventory.backedUpVolumes()) {
            v.policy().filter(p -> !settings.policies().containsKey(p)).ifPresent(p -> errors.add(inventory.file(),
                    "volumes (" + v.app() + ")", "policy", "no policy '" + p + "' in homelab-backups:policies (known: "
                            + String.join(", ", settings.policies().keySet()) + ")"));
        }
    }

    /** Each backed-up volume's storage must support its copy method (docs/design.md correction 5). */
    private static void checkStorage(Inventory inventory, Settings settings, ConfigErrors errors) {
        for (var v : inventory.backedUpVolumes()) {
            if (!v.copyMethod().needsCsi()) continue;
            var item = "volumes (" + v.app() + ")";
            if (v.staticPv()) {
                errors.add(inventory.file(), item, "storageClass", "the PVC is bound to a static PV, which cannot be "
                        + "snapshotted or cloned; set copyMethod: Direct or exclude it with a reason");
            } else if (settings.snapshotClassFor(v.storageClass()).isEmpty()) {
                errors.add(inventory.file(), item, "storageClass", "storage class '" + v.storageClass()
                        + "' has no VolumeSnapshotClass in homelab-backups:snapshotClasses; add one, set "
                        + "copyMethod: Direct, or exclude the volume with a reason");
            }
        }
    }

    /** With the config source, every credential the stack needs must be set (as a secret) before anything runs. */
    private static void checkConfigSecrets(StackConfig config, Inventory inventory, Settings settings, ConfigErrors errors) {
        if (settings.secrets().source() != Settings.SecretsSourceKind.CONFIG || config.keysInFile().isEmpty()) return;
        var store = settings.target().credentials();
        var needed = new java.util.ArrayList<SecretKey>(java.util.List.of(store.accessKey(), store.secretKey(),
                settings.volsync().mover() == Settings.Mover.KOPIA ? SecretKey.KOPIA_PASSWORD : SecretKey.RESTIC_PASSWORD));
        if (inventory.databases().stream().anyMatch(d -> d.options().match(cnpg -> false, PgoOptions::encryption))) needed.add(SecretKey.PGBACKREST_CIPHER_PASS);
        for (var key : needed) {
            if (!config.keysInFile().get().contains(key.configKey())) {
                errors.add(config.file(), "config", StackConfig.NAMESPACE + ":" + key.configKey(), "is required by "
                        + "secrets.source: config; set it with pulumi config set --secret " + key.configKey() + " <value>");
            }
        }
    }

    /**
     * One RustFS port serves either plain HTTP or HTTPS, never both (the TrueNAS RustFS app serves HTTPS only when a
     * certificate is configured: truenas/apps ix-dev/community/rustfs/templates/docker-compose.yaml; docs/field-findings.md §5):
     * restic, Barman and the bucket provider use the store's endpoint, pgBackRest may use its own; they cannot name the
     * same host and port with different schemes.
     */
    private static void checkEndpoints(StackConfig config, Settings settings, ConfigErrors errors) {
        var store = settings.target().endpoint();
        settings.databases().pgbackrestEndpoint().ifPresent(pg -> {
            int storePort = store.getPort() != -1 ? store.getPort() : "https".equals(store.getScheme()) ? 443 : 80;
            int pgPort = pg.getPort() != -1 ? pg.getPort() : 443;
            if (store.getHost() != null && store.getHost().equalsIgnoreCase(pg.getHost()) && storePort == pgPort
                    && !store.getScheme().equals(pg.getScheme())) {
                errors.add(config.file(), StackConfig.NAMESPACE + ":databases", "pgbackrest.endpoint", pg + " and "
                        + StackConfig.NAMESPACE + ":s3.endpoint " + store + " name the same host and port with different "
                        + "schemes, but one RustFS port serves either plain HTTP or HTTPS: serve TLS on RustFS for every "
                        + "client (s3.endpoint https://..., s3.caCertificate) and drop pgbackrest.endpoint, or give "
                        + "pgBackRest a TLS endpoint on another port (README: Endpoints)");
            }
        });
    }

    /** How far apart a volume's drill and each of its own backups start, at least (both ways). */
    public static final int DRILL_GUARD_MINUTES = 15;

    /**
     * Drills start after the backups they check, each at its own minute, never while a backup of the same repository
     * runs or about to start (the drill locks the repository; a backup starting meanwhile fails); Longhorn's backups
     * are retired only with drills to prove the new ones. Covers every policy form (a daily window, also one across
     * midnight; every n hours), per-app schedules and a drill window across midnight.
     */
    private static void checkProof(StackConfig config, Inventory inventory, Settings settings, ConfigErrors errors) {
        int before = errors.size();
        var drills = settings.drills();
        var item = StackConfig.NAMESPACE + ":drills";
        if (drills.enabled()) {
            int count = inventory.backedUpVolumes().size();
            if (count > drills.windowMinutes()) {
                errors.add(config.file(), item, "window.minutes", drills.windowMinutes() + " minutes cannot give each of the "
                        + count + " backed-up volumes its own start minute: widen the window to at least " + count);
            } else if (inventory.backedUpVolumes().stream().allMatch(v -> settings.policies()
                    .containsKey(v.policy().orElse(Policy.DEFAULT)))) {
                checkDrillTimes(config, inventory, settings, errors);
            }
        }
        var apps = inventory.backedUpVolumes().stream().map(Volume::app).collect(java.util.stream.Collectors.toSet());
        for (var key : List.of("acceptRepository", "acceptHistory")) {
            var acknowledged = key.equals("acceptRepository") ? drills.acceptRepository() : drills.acceptHistory();
            for (var app : new java.util.TreeSet<>(acknowledged.keySet())) {
                if (!apps.contains(app)) {
                    errors.add(config.file(), item, key + "." + app, "'" + app + "' is no backed-up app of the inventory");
                } else if (!drills.enabled()) {
                    errors.add(config.file(), item, key + "." + app, "acknowledges a repository for the drills, "
                            + "which are off (drills.enabled)");
                }
            }
        }
        if (settings.longhorn().retireBackups() && !drills.enabled()) {
            errors.add(config.file(), StackConfig.NAMESPACE + ":longhorn", "retireBackups", "needs restore drills "
                    + "(homelab-backups:drills.enabled): Longhorn's backups are retired only once restores are proven");
        }
        // The database drills' default window follows the volume drills': when those are refused, their times are
        // checked on the next load, after the fix (the stack is refused either way).
        if (errors.size() == before) checkDatabaseDrills(config, inventory, settings, errors);
    }

    /** How far apart a database's drill and each of its own backups start, at least (both ways). */
    public static final int DATABASE_DRILL_GUARD_MINUTES = 60;

    /**
     * Database drills (issue 22): each at its own minute of its window; the window clear of the volume drills' (both
     * read the same store, and a volume drill's result should not wait on a cluster recovering); each drill at least
     * {@link #DATABASE_DRILL_GUARD_MINUTES} from the base (CNPG) or full (PGO) backups of its own database (a drill
     * starting while the night's backup uploads recovers the one before it, and both load the node and the store).
     * Retiring Longhorn's backups needs the database drills too.
     */
    private static void checkDatabaseDrills(StackConfig config, Inventory inventory, Settings settings, ConfigErrors errors) {
        var drill = settings.databases().drill();
        var item = StackConfig.NAMESPACE + ":databases";
        var databases = inventory.databases();
        if (databases.isEmpty()) return;
        if (!drill.enabled()) {
            if (settings.longhorn().retireBackups()) {
                errors.add(config.file(), StackConfig.NAMESPACE + ":longhorn", "retireBackups", "needs database restore "
                        + "drills (homelab-backups:databases.drill.enabled): a database is proven only by a recent passed drill");
            }
            return;
        }
        if (databases.size() > drill.windowMinutes()) {
            errors.add(config.file(), item, "drill.window.minutes", drill.windowMinutes() + " minutes cannot give each of the "
                    + databases.size() + " databases its own start minute: widen the window to at least " + databases.size());
            return;
        }
        int start = minuteOfDay(drill.windowStart());
        var window = span(start, drill.windowMinutes());
        var volumeDrills = settings.drills();
        if (volumeDrills.enabled() && !inventory.backedUpVolumes().isEmpty()
                && span(minuteOfDay(volumeDrills.windowStart()), volumeDrills.windowMinutes()).intersects(window)) {
            errors.add(config.file(), item, "drill.window.start", "the database drill window " + hhmm(start) + "+"
                    + drill.windowMinutes() + "m overlaps the volume drill window " + volumeDrills.windowStart() + "+"
                    + volumeDrills.windowMinutes() + "m (homelab-backups:drills.window): move one of them");
        }
        var crons = homelab.backups.plan.DrillSchedule.crons(databases.stream().map(Database::id).toList(),
                drill.everyDays(), drill.windowStart(), drill.windowMinutes());
        var defaultSchedule = settings.databases().defaultSchedule();
        for (var d : databases) {
            var backups = new java.util.ArrayList<Cron>();
            d.options().<Void>match(cnpg -> {
                cnpg.schedule().orElse(defaultSchedule).withoutSeconds().ifPresent(backups::add);
                return null;
            }, pgo -> {
                // Full backups only: differential and incremental ones may run every hour (no window would clear
                // them), and a restore reads only completed backup sets, so one running meanwhile changes nothing.
                pgo.fullSchedule().or(defaultSchedule::withoutSeconds).ifPresent(backups::add);
                return null;
            });
            int at = crons.get(d.id()).minutesOfDay().nextSetBit(0);
            for (var backup : backups) {
                var fires = backup.minutesOfDay();
                int clash = -1;
                for (int b = fires.nextSetBit(0); b >= 0 && clash < 0; b = fires.nextSetBit(b + 1)) {
                    if (Math.floorMod(at - b, 24 * 60) < DATABASE_DRILL_GUARD_MINUTES
                            || Math.floorMod(b - at, 24 * 60) < DATABASE_DRILL_GUARD_MINUTES) clash = b;
                }
                if (clash >= 0) {
                    errors.add(config.file(), item, "drill.window.start", "the restore drill of database " + d.id()
                            + " starts at " + hhmm(at) + ", within " + DATABASE_DRILL_GUARD_MINUTES + " minutes of its backup at "
                            + hhmm(clash) + " (" + backup.text() + "): move homelab-backups:databases.drill.window.start");
                    break;
                }
            }
        }
        var names = new java.util.HashSet<String>();
        databases.forEach(d -> names.add(d.namespace() + "/" + d.name()));
        for (var d : databases) {
            var throwaway = homelab.backups.plan.DatabaseDrillPlan.throwawayName(d);
            if (names.contains(d.namespace() + "/" + throwaway)) {
                errors.add(inventory.file(), "databases (" + d.name() + ")", "name", "the restore drill of " + d.id()
                        + " creates and deletes a cluster named " + throwaway + ", which the inventory names as a database");
            }
        }
    }

    /** The minutes of the day from {@code start} for {@code minutes}, wrapping past midnight. */
    static java.util.BitSet span(int start, int minutes) {
        var out = new java.util.BitSet(24 * 60);
        for (int i = 0; i < Math.min(minutes, 24 * 60); i++) out.set((start + i) % (24 * 60));
        return out;
    }

    private static int minuteOfDay(java.time.LocalTime t) {
        return t.getHour() * 60 + t.getMinute();
    }

    private static String hhmm(int minuteOfDay) {
        return java.time.LocalTime.of(minuteOfDay / 60 % 24, minuteOfDay % 60).toString();
    }

    /** A conflict of the drill window (shifted by {@code shift} minutes) with the backups; empty when there is none. */
    private record DrillConflict(String field, String app, String message) {
    }

    private static void checkDrillTimes(StackConfig config, Inventory inventory, Settings settings, ConfigErrors errors) {
        var drills = settings.drills();
        var backedUp = inventory.backedUpVolumes();
        // The backup crons exactly as the planner makes them: a volume's own schedule, else its policy's stagger.
        var backups = new TreeMap<String, Cron>();
        var source = new TreeMap<String, String>();
        for (var policy : settings.policies().values()) {
            var onPolicy = backedUp.stream().filter(v -> v.policy().orElse(Policy.DEFAULT).equals(policy.name())).toList();
            var staggered = onPolicy.stream().filter(v -> v.schedule().isEmpty()).map(Volume::app).toList();
            var offsets = homelab.backups.plan.ScheduleStagger.offsets(staggered,
                    homelab.backups.plan.ScheduleStagger.slots(policy.cadence()));
            for (var v : onPolicy) {
                backups.put(v.app(), v.schedule().orElseGet(() -> homelab.backups.plan.ScheduleStagger.cron(policy.cadence(),
                        offsets.get(v.app()))));
                source.put(v.app(), v.schedule().isPresent() ? "its own schedule" : "policy '" + policy.name() + "'");
            }
        }
        var apps = backedUp.stream().map(Volume::app).toList();
        var drillCrons = homelab.backups.plan.DrillSchedule.crons(apps, drills);
        int start = minuteOfDay(drills.windowStart());
        var conflicts = drillConflicts(settings, backedUp, backups, source, drillCrons, 0);
        if (conflicts.isEmpty()) return;
        // Every drill moves with the window's start: find the nearest start that clears everything.
        Optional<Integer> clear = Optional.empty();
        for (int shift = 1; shift < 24 * 60 && clear.isEmpty(); shift++) {
            if (drillConflicts(settings, backedUp, backups, source, drillCrons, shift).isEmpty()) clear = Optional.of(shift);
        }
        var fix = clear.map(k -> " Moving the drill window to start: \"" + hhmm(start + k) + "\" clears every volume.")
                .orElse(" No drill window start of this width clears every volume: shorten the window, or change the "
                        + "policies or schedules.");
        for (var c : conflicts) errors.add(config.file(), StackConfig.NAMESPACE + ":drills", c.field(), c.message() + fix);
    }

    private static List<DrillConflict> drillConflicts(Settings settings, List<Volume> backedUp, Map<String, Cron> backups,
                                                      Map<String, String> source, Map<String, Cron> drillCrons, int shift) {
        var drills = settings.drills();
        int start = (minuteOfDay(drills.windowStart()) + shift) % (24 * 60);
        var window = span(start, drills.windowMinutes());
        var out = new java.util.ArrayList<DrillConflict>();
        var windowClash = new java.util.HashSet<String>();
        // Daily windows (also across midnight) of the policies in use: drills check the night's backups, after them.
        for (var policy : settings.policies().values()) {
            if (!(policy.cadence() instanceof Policy.Cadence.Window w)) continue;
            boolean used = backedUp.stream().anyMatch(v -> v.schedule().isEmpty()
                    && v.policy().orElse(Policy.DEFAULT).equals(policy.name()));
            if (used && span(minuteOfDay(w.start()), w.minutes()).intersects(window)) {
                windowClash.add(policy.name());
                out.add(new DrillConflict("window.start", "", "the drill window " + hhmm(start) + "+" + drills.windowMinutes()
                        + "m overlaps policy '" + policy.name() + "' (" + w.start() + "+" + w.minutes() + "m): drills check "
                        + "the night's backups, so they start after the backup window."));
            }
        }
        // Each volume's drill against its own backups, whatever made their schedule (intervals, own crons).
        for (var v : backedUp) {
            if (v.schedule().isEmpty() && windowClash.contains(v.policy().orElse(Policy.DEFAULT))) continue;
            var drill = drillCrons.get(v.app()).minutesOfDay().nextSetBit(0);
            int d = (drill + shift) % (24 * 60);
            var fires = backups.get(v.app()).minutesOfDay();
            for (int b = fires.nextSetBit(0); b >= 0; b = fires.nextSetBit(b + 1)) {
                int after = Math.floorMod(d - b, 24 * 60), before = Math.floorMod(b - d, 24 * 60);
                if (after < DRILL_GUARD_MINUTES || before < DRILL_GUARD_MINUTES) {
                    out.add(new DrillConflict("window.start", v.app(), "the drill of " + v.app() + " starts at " + hhmm(d)
                            + ", " + (after == 0 ? "the same minute as" : after < DRILL_GUARD_MINUTES ? after
                            + " minute(s) after" : before + " minute(s) before") + " a backup of the same repository at "
                            + hhmm(b) + " (" + source.get(v.app()) + ", " + backups.get(v.app()).text() + "): a drill locks "
                            + "the repository, so the two must start at least " + DRILL_GUARD_MINUTES + " minutes apart."));
                    break;
                }
            }
        }
        return out;
    }

    /** docs/design.md correction 10: pgBackRest before 2.58 cannot speak plain-HTTP S3. */
    private static void checkPgBackRest(Inventory inventory, Settings settings, ConfigErrors errors) {
        var db = settings.databases();
        boolean httpsEndpoint = db.pgbackrestEndpoint().isPresent() || !settings.target().plainHttp();
        boolean httpCapable = db.pgbackrestVersion()
                .map(v -> SettingsLoader.compareVersions(v, "2.58.0") >= 0).orElse(false);
        if (httpsEndpoint || httpCapable) return;
        for (var d : inventory.databases()) {
            if (d.engine() != Database.Engine.PGO) continue;
            errors.add(inventory.file(), "databases (" + d.name() + ")", "engine",
                    "pgBackRest cannot reach " + settings.target().url() + ": versions before 2.58 do not speak plain-HTTP S3 "
                            + "(PGO 5.8 ships 2.54-2.56; stanza creation fails with a TLS error). Set "
                            + "homelab-backups:databases.pgbackrest.endpoint to an https:// endpoint of the same store, or "
                            + "declare databases.pgbackrest.version >= 2.58.0 when both PGO images carry it");
        }
    }

    /**
     * A volume's repository keeps what its policy's retention keeps (restic forget --keep-*, which VolSync passes from
     * retain: backube/volsync v0.15.0 mover/restic/mover.go generateForgetOptions): previous:n reaches the (n+1)-th
     * newest, and the oldest kept lies about as far back as the longest class reaches. Anything further cannot be
     * restored.
     */
    static Optional<String> outsideRetention(RestorePoint point, Policy policy, java.time.Clock clock) {
        var retain = policy.retain();
        if (point instanceof RestorePoint.Previous previous && retain.mostKept().isPresent()
                && previous.n() >= retain.mostKept().get()) {
            return Optional.of("previous:" + previous.n() + " is beyond what the retention keeps: policy " + policy.name()
                    + " keeps at most " + retain.mostKept().get() + " backups (latest, previous:1 to previous:"
                    + (retain.mostKept().get() - 1) + ")");
        }
        if (point instanceof RestorePoint.AsOf asOf) {
            var oldest = clock.instant().minus(retain.reach());
            if (asOf.time().toInstant().isBefore(oldest)) {
                return Optional.of(asOf.text() + " is older than the retention reaches: policy " + policy.name()
                        + " keeps backups back to about " + oldest.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        + "; nothing older is left to restore");
            }
        }
        return Optional.empty();
    }

    /**
     * How far back a database can be restored, and the setting that says so: CNPG's recovery window
     * ({@code databases.retention}: d, w or m), PGO's full backups ({@code databases.retentionFullDays}).
     */
    static Map.Entry<String, java.time.Duration> databaseReach(Database database, Settings.DatabaseSettings settings) {
        return database.options().match(cnpg -> cnpgReach(settings), pgo -> Map.entry(
                "homelab-backups:databases.retentionFullDays " + settings.retentionFullDays(),
                java.time.Duration.ofDays(settings.retentionFullDays())));
    }

    private static Map.Entry<String, java.time.Duration> cnpgReach(Settings.DatabaseSettings settings) {
        var text = settings.retention();
        long n = text.length() > 1 && text.substring(0, text.length() - 1).chars().allMatch(Character::isDigit)
                ? Long.parseLong(text.substring(0, text.length() - 1)) : 0;
        long days = switch (text.isEmpty() ? ' ' : text.charAt(text.length() - 1)) {
            case 'w' -> 7 * n;
            case 'm' -> 31 * n;
            default -> n;
        };
        return Map.entry("homelab-backups:databases.retention " + text, java.time.Duration.ofDays(days));
    }

    private static Map<String, RestoreRequest> restores(StackConfig config, Inventory inventory, Settings settings,
                                                        java.time.Clock clock, ConfigErrors errors) {
        var out = new TreeMap<String, RestoreRequest>();
        var raw = config.object("restore", errors);
        var item = StackConfig.NAMESPACE + ":restore";
        var recovery = settings.restore();
        for (var entry : recovery.recoveryScope()) {
            var ns = entry.startsWith(Settings.RestoreSettings.NAMESPACE_PREFIX)
                    ? Optional.of(entry.substring(Settings.RestoreSettings.NAMESPACE_PREFIX.length())) : Optional.<String>empty();
            boolean known = ns.isPresent()
                    ? inventory.volumes().stream().anyMatch(v -> !v.excluded() && v.namespace().equals(ns.get()))
                    : inventory.volumes().stream().anyMatch(v -> !v.excluded() && v.app().equals(entry));
            if (!known) {
                errors.add(config.file(), StackConfig.NAMESPACE + ":recovery", "disasterRecovery", ns.isPresent()
                        ? "'" + entry + "': no backed-up volume of " + inventory.file() + " lives in namespace " + ns.get()
                        : "'" + entry + "' is not a backed-up volume app of " + inventory.file()
                        + " (write an app id, or namespace:<ns> for every app of a namespace)");
            }
        }
        // fresh-start is the one request disaster recovery takes for a volume it covers: the owner's word for an app
        // whose repository is empty. Disaster recovery restores volumes only; a database is restored by its own request
        // beside it (README: Disaster recovery of databases), so a request for anything that is not a volume app goes
        // on to the checks below.
        for (var entry : new TreeMap<>(raw).entrySet()) {
            var volume = inventory.volumes().stream().filter(v -> v.app().equals(entry.getKey())).findFirst();
            boolean recovering = volume.isPresent() && recovery.recovers(volume.get().app(), volume.get().namespace());
            if (recovering && !"fresh-start".equals(entry.getValue())) {
                errors.add(config.file(), item, entry.getKey(), "a restore request and recovery.disasterRecovery cannot "
                        + "be combined for the same app: disaster recovery already restores it (only fresh-start may "
                        + "be written for an app it covers)");
            }
        }
        for (var entry : new TreeMap<>(raw).entrySet()) {
            var target = entry.getKey();
            if (entry.getValue() == null) {
                errors.add(config.file(), item, target, "has no value: write latest, previous:1 or 2026-11-27T02:00:00Z, "
                        + "or remove the request (pulumi config rm --path 'homelab-backups:restore." + target + "')");
                continue;
            }
            var volume = inventory.volumes().stream().filter(v -> v.app().equals(target)).findFirst();
            var database = inventory.databases().stream().filter(d -> d.id().equals(target)).findFirst();
            var pin = RestoreRequest.Pin.NONE;
            String text;
            if (entry.getValue() instanceof Map<?, ?> form) {
                var parsed = pinned(config.file(), item, target, form, volume.isPresent(), database, errors);
                if (parsed.isEmpty()) continue;
                text = parsed.get().getKey();
                pin = parsed.get().getValue();
            } else if (entry.getValue() instanceof String given) {
                text = given;
            } else {
                errors.add(config.file(), item, target, "must be a string such as latest, previous:1 or 2026-11-27T02:00:00Z "
                        + "(a database's may be a mapping: {point, backup, serverName, label})");
                continue;
            }
            // A database's cluster name is not its id: restore.immich must never mean the 100Gi volume when the owner
            // meant the immich cluster (id immich-postgres).
            var cluster = inventory.databases().stream().filter(d -> d.name().equals(target) && !d.id().equals(target)).findFirst();
            boolean volumeSaid = text.startsWith(VOLUME_PREFIX);
            if (volumeSaid) text = text.substring(VOLUME_PREFIX.length());
            if (volumeSaid && volume.isEmpty()) {
                errors.add(config.file(), item, target, "'" + VOLUME_PREFIX + "' names a volume restore, but '" + target
                        + "' is not a volume app in " + inventory.file());
                continue;
            }
            if (volume.isPresent() && cluster.isPresent() && !volumeSaid) {
                var v = volume.get();
                var d = cluster.get();
                errors.add(config.file(), item, target, "ambiguous: '" + target + "' is the id of volume app " + v.app()
                        + " (PVC " + v.namespace() + "/" + v.pvc() + ", " + v.capacity().text() + ", which a restore DELETES "
                        + "and recreates) and the name of database cluster " + d.namespace() + "/" + d.name()
                        + ", whose restore id is '" + d.id() + "'. For the database write restore." + d.id() + " instead; "
                        + "for the volume write the value as " + VOLUME_PREFIX + text + " (README: Restore ids)");
                continue;
            }
            if (volume.isEmpty() && database.isEmpty()) {
                var near = java.util.stream.Stream.concat(inventory.volumes().stream().map(Volume::app),
                        inventory.databases().stream().map(Database::id)).filter(id -> id.equalsIgnoreCase(target)).findFirst();
                errors.add(config.file(), item, target, "no volume app or database id '" + target + "' in " + inventory.file()
                        + cluster.map(d -> ": '" + target + "' is the cluster name of database '" + d.id() + "'; restore it "
                        + "with restore." + d.id()).orElse("")
                        + near.map(id -> " (did you mean " + id + "? ids are case-sensitive)").orElse(""));
                continue;
            }
            if (volume.isPresent() && volume.get().excluded()) {
                errors.add(config.file(), item, target, "'" + target + "' is excluded from backups, so there is nothing to restore");
                continue;
            }
            if (volume.isPresent() && (volume.get().staticPv()
                    || settings.snapshotClassFor(volume.get().storageClass()).isEmpty())) {
                errors.add(config.file(), item, target, "'" + target + "' has no snapshot-capable storage class, so it "
                        + "cannot be restored through the volume populator; restore it in place by hand (README: "
                        + "Restore a volume without snapshots)");
                continue;
            }
            var at = text.lastIndexOf('@');
            var pointText = at < 0 ? text : text.substring(0, at);
            Optional<String> label = at < 0 ? Optional.empty() : Optional.of(text.substring(at + 1));
            if (label.isPresent() && !LABEL.matcher(label.get()).matches()) {
                errors.add(config.file(), item, target, "label '" + label.get() + "' must be 1-20 lower-case letters, digits or '-'");
                continue;
            }
            var point = RestorePoint.parse(pointText);
            if (point.isEmpty()) {
                errors.add(config.file(), item, target, "'" + pointText + "' is not latest, previous:<n> (n >= 1) or an "
                        + "RFC 3339 time such as 2026-11-27T02:00:00Z");
                continue;
            }
            if (database.isPresent() && point.get() instanceof RestorePoint.FreshStart) {
                errors.add(config.file(), item, target, "fresh-start is for a volume's claim that has no data yet; a "
                        + "database restore creates a new cluster next to the running one: write latest or a point in time");
                continue;
            }
            if (label.isPresent() && point.get() instanceof RestorePoint.FreshStart) {
                errors.add(config.file(), item, target, "fresh-start takes no label");
                continue;
            }
            if (database.isPresent() && point.get() instanceof RestorePoint.Previous) {
                errors.add(config.file(), item, target, "databases restore to latest or a point in time, not previous:<n>");
                continue;
            }
            if (point.get() instanceof RestorePoint.AsOf asOf && asOf.time().toInstant().isAfter(clock.instant())) {
                errors.add(config.file(), item, target, asOf.text() + " lies in the future (now is "
                        + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "): a typo in the date? "
                        + "For the newest backup write latest");
                continue;
            }
            if (database.isPresent() && point.get() instanceof RestorePoint.AsOf asOf) {
                var reach = databaseReach(database.get(), settings.databases());
                var oldest = clock.instant().minus(reach.getValue());
                if (asOf.time().toInstant().isBefore(oldest)) {
                    errors.add(config.file(), item, target, asOf.text() + " is older than the database backups reach: "
                            + reach.getKey() + " keeps them back to about "
                            + oldest.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "; nothing older is left to restore");
                    continue;
                }
            }
            if (volume.isPresent() && settings.policies().containsKey(volume.get().policy().orElse(Policy.DEFAULT))) {
                var reach = outsideRetention(point.get(), settings.policy(volume.get().policy()), clock);
                if (reach.isPresent()) {
                    errors.add(config.file(), item, target, reach.get());
                    continue;
                }
            }
            out.put(target, RestoreRequest.of(target, point.get(), label, pin));
        }
        return out;
    }

    /** The keys of a database restore's mapping form (README: Restore a database). */
    static final java.util.List<String> PIN_KEYS = java.util.List.of("point", "backup", "serverName", "label");
    /**
     * Barman's backup id: the begin time as {@code %Y%m%dT%H%M%S} (barman 3.19.1 barman/cloud.py, the id
     * barman-cloud-backup gives a backup: {@code datetime.now().strftime("%Y%m%dT%H%M%S")}; the plugin passes
     * {@code recoveryTarget.backupID} to the catalog lookup as is: cloudnative-pg/barman-cloud pkg/catalog/catalog.go
     * FindBackupInfo, findBackupFromID).
     */
    static final Pattern BARMAN_BACKUP_ID = Pattern.compile("^[0-9]{8}T[0-9]{6}$");
    /**
     * pgBackRest's backup label: {@code YYYYMMDD-HHMMSSF} for a full backup, {@code <full>_YYYYMMDD-HHMMSS(D|I)} for a
     * differential or incremental one (pgbackrest src/command/backup/backup.c backupLabelCreate).
     */
    static final Pattern PGBACKREST_LABEL = Pattern.compile("^[0-9]{8}-[0-9]{6}F(_[0-9]{8}-[0-9]{6}[DI])?$");

    /**
     * A database restore's mapping form, {@code {point, backup, serverName, label}}: the point (default latest) and label
     * as the string form writes them, and the pin. Every key is checked: an unknown one, a value that is not text, a
     * backup id of the wrong engine's form, a serverName on PGO (pgBackRest has one stanza) and any mapping on a volume
     * (restic snapshots are not pinned by id here) are errors naming the key.
     */
    private static Optional<Map.Entry<String, RestoreRequest.Pin>> pinned(String file, String item, String target,
                                                                         Map<?, ?> form, boolean volume,
                                                                         Optional<Database> database, ConfigErrors errors) {
        if (database.isEmpty()) {
            errors.add(file, item, target, volume
                    ? "a mapping (point, backup, serverName, label) pins a database restore; a volume restore is written "
                    + "as a string: latest, previous:<n> or a time (restic snapshots are not pinned by id)"
                    : "no database id '" + target + "' in the inventory: only a database restore takes a mapping");
            return Optional.empty();
        }
        var db = database.get();
        int before = errors.size();
        var values = new TreeMap<String, String>();
        for (var e : new TreeMap<String, Object>(form.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                k -> String.valueOf(k.getKey()), Map.Entry::getValue))).entrySet()) {
            var key = target + "." + e.getKey();
            if (!PIN_KEYS.contains(e.getKey())) {
                errors.add(file, item, key, "unknown key: a database restore takes " + String.join(", ", PIN_KEYS));
            } else if (!(e.getValue() instanceof String v) || v.isBlank()) {
                errors.add(file, item, key, "must be text");
            } else {
                values.put(e.getKey(), v);
            }
        }
        var backup = Optional.ofNullable(values.get("backup"));
        // Each engine's form of a backup id and whether it has lineages by name (match: a new engine is asked).
        var idForm = db.options().<Map.Entry<Pattern, String>>match(
                cnpg -> Map.entry(BARMAN_BACKUP_ID, "a Barman backup id (YYYYMMDDTHHMMSS, e.g. 20261126T030000: "
                        + "barman-cloud-backup-list shows them)"),
                pgo -> Map.entry(PGBACKREST_LABEL, "a pgBackRest backup label (YYYYMMDD-HHMMSSF, or "
                        + "<full>_YYYYMMDD-HHMMSSD|I: pgbackrest info shows them)"));
        backup.ifPresent(b -> {
            if (!idForm.getKey().matcher(b).matches()) {
                errors.add(file, item, target + ".backup", "'" + b + "' is not " + idForm.getValue());
            }
        });
        var serverName = Optional.ofNullable(values.get("serverName"));
        boolean lineagesByName = db.options().match(cnpg -> true, pgo -> false);
        serverName.ifPresent(s -> {
            if (!lineagesByName) {
                errors.add(file, item, target + ".serverName", "only CNPG lineages have a serverName; pgBackRest reads the one stanza of the repository");
            } else {
                var problem = Names.subdomainProblem(s);
                if (!problem.isEmpty()) errors.add(file, item, target + ".serverName", problem);
            }
        });
        var point = values.getOrDefault("point", "latest");
        if (point.contains("@")) {
            errors.add(file, item, target + ".point", "'" + point + "': in the mapping the label is its own key (label: ...)");
        }
        if (errors.size() > before) return Optional.empty();
        var text = point + Optional.ofNullable(values.get("label")).map(l -> "@" + l).orElse("");
        return Optional.of(Map.entry(text, new RestoreRequest.Pin(backup, serverName)));
    }
}
