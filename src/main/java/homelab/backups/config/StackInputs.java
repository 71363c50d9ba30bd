package homelab.backups.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Everything a stack is made from, parsed and validated as a whole: the inventory, the settings and the restore
 * requests. {@link #load} either returns consistent inputs or throws one exception listing every problem, before
 * any resource exists.
 */
public record StackInputs(String stack, Inventory inventory, Settings settings, Map<String, RestoreRequest> restores) {
    /** A restore value's prefix saying "the volume", for an app id that is also a database cluster's name. */
    public static final String VOLUME_PREFIX = "volume:";
    private static final Pattern LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$");

    public StackInputs {
        restores = Map.copyOf(restores);
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
        var inventoryName = config.text("inventory").orElse("stacks/" + config.stack() + "/inventory.yaml");
        var inventory = InventoryLoader.load(projectDir.resolve(inventoryName), inventoryName, errors);
        var restores = restores(config, inventory, settings, clock, errors);
        checkStorage(inventory, settings, errors);
        checkPolicies(inventory, settings, errors);
        checkPgBackRest(inventory, settings, errors);
        checkEndpoints(config, settings, errors);
        checkProof(config, inventory, settings, errors);
        checkConfigSecrets(config, inventory, settings, errors);
        errors.throwIfAny();
        return new StackInputs(config.stack(), inventory, settings, restores);
    }

    /** A volume's policy must exist. */
    private static void checkPolicies(Inventory inventory, Settings settings, ConfigErrors errors) {
        for (var v : inventory.backedUpVolumes()) {
            v.policy().filter(p -> !settings.policies().containsKey(p)).ifPresent(p -> errors.add(inventory.file(),
                    "volumes (" + v.app() + ")", "policy", "no policy '" + p + "' in homelab-backups:policies (known: "
                            + String.join(", ", settings.policies().keySet()) + ")"));
        }
    }

    /** Each backed-up volume's storage must support its copy method (SPEC correction 5). */
    private static void checkStorage(Inventory inventory, Settings settings, ConfigErrors errors) {
        for (var v : inventory.backedUpVolumes()) {
            if (!v.copyMethod().needsCsi()) continue;
            var item = "volumes (" + v.app() + ")";
            if (v.storageClass().isEmpty()) {
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
        var needed = new java.util.ArrayList<SecretKey>(java.util.List.of(SecretKey.S3_ACCESS_KEY, SecretKey.S3_SECRET_KEY,
                settings.volsync().mover() == Settings.Mover.KOPIA ? SecretKey.KOPIA_PASSWORD : SecretKey.RESTIC_PASSWORD));
        if (inventory.databases().stream().anyMatch(Database::encryption)) needed.add(SecretKey.PGBACKREST_CIPHER_PASS);
        for (var key : needed) {
            if (!config.keysInFile().get().contains(key.configKey())) {
                errors.add(config.file(), "config", StackConfig.NAMESPACE + ":" + key.configKey(), "is required by "
                        + "secrets.source: config; set it with pulumi config set --secret " + key.configKey() + " <value>");
            }
        }
    }

    /**
     * One RustFS port serves either plain HTTP or HTTPS, never both (the TrueNAS RustFS app serves HTTPS only when a
     * certificate is configured: truenas/apps ix-dev/community/rustfs/templates/docker-compose.yaml; field-findings §5):
     * restic, Barman and the bucket provider use the store's endpoint, pgBackRest may use its own; they cannot name the
     * same host and port with different schemes.
     */
    private static void checkEndpoints(StackConfig config, Settings settings, ConfigErrors errors) {
        var store = settings.s3().endpoint();
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

    /**
     * Drills start after the backups they check, each at its own minute; Longhorn's backups are retired only with
     * drills to prove the new ones.
     */
    private static void checkProof(StackConfig config, Inventory inventory, Settings settings, ConfigErrors errors) {
        var drills = settings.drills();
        var item = StackConfig.NAMESPACE + ":drills";
        if (drills.enabled()) {
            int count = inventory.backedUpVolumes().size();
            if (count > drills.windowMinutes()) {
                errors.add(config.file(), item, "window.minutes", drills.windowMinutes() + " minutes cannot give each of the "
                        + count + " backed-up volumes its own start minute: widen the window to at least " + count);
            }
            int drillStart = drills.windowStart().getHour() * 60 + drills.windowStart().getMinute();
            for (var policy : settings.policies().values()) {
                if (!(policy.cadence() instanceof Policy.Cadence.Window w)) continue;
                int start = w.start().getHour() * 60 + w.start().getMinute(), end = start + w.minutes();
                boolean used = inventory.backedUpVolumes().stream()
                        .anyMatch(v -> v.policy().orElse(Policy.DEFAULT).equals(policy.name()));
                if (used && end <= 24 * 60 && drillStart < end && drillStart + drills.windowMinutes() > start) {
                    errors.add(config.file(), item, "window.start", "the drill window " + drills.windowStart() + "+"
                            + drills.windowMinutes() + "m overlaps policy '" + policy.name() + "' (" + w.start() + "+"
                            + w.minutes() + "m): drills check the night's backups, so they start after the backup window");
                }
            }
        }
        if (settings.longhorn().retireBackups() && !drills.enabled()) {
            errors.add(config.file(), StackConfig.NAMESPACE + ":longhorn", "retireBackups", "needs restore drills "
                    + "(homelab-backups:drills.enabled): Longhorn's backups are retired only once restores are proven");
        }
    }

    /** SPEC correction 10: pgBackRest before 2.58 cannot speak plain-HTTP S3. */
    private static void checkPgBackRest(Inventory inventory, Settings settings, ConfigErrors errors) {
        var db = settings.databases();
        boolean httpsEndpoint = db.pgbackrestEndpoint().isPresent() || !settings.s3().plainHttp();
        boolean httpCapable = db.pgbackrestVersion()
                .map(v -> SettingsLoader.compareVersions(v, "2.58.0") >= 0).orElse(false);
        if (httpsEndpoint || httpCapable) return;
        for (var d : inventory.databases()) {
            if (d.engine() != Database.Engine.PGO) continue;
            errors.add(inventory.file(), "databases (" + d.name() + ")", "engine",
                    "pgBackRest cannot reach " + settings.s3().url() + ": versions before 2.58 do not speak plain-HTTP S3 "
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

    private static Map<String, RestoreRequest> restores(StackConfig config, Inventory inventory, Settings settings,
                                                        java.time.Clock clock, ConfigErrors errors) {
        var out = new TreeMap<String, RestoreRequest>();
        var raw = config.object("restore", errors);
        var item = StackConfig.NAMESPACE + ":restore";
        if (!raw.isEmpty() && settings.restore().disasterRecovery()) {
            errors.add(config.file(), item, "", "per-app restore requests and recovery.disasterRecovery cannot be "
                    + "combined: disaster recovery already restores every volume");
        }
        for (var entry : new TreeMap<>(raw).entrySet()) {
            var target = entry.getKey();
            if (entry.getValue() == null) {
                errors.add(config.file(), item, target, "has no value: write latest, previous:1 or 2026-11-27T02:00:00Z, "
                        + "or remove the request (pulumi config rm --path 'homelab-backups:restore." + target + "')");
                continue;
            }
            if (!(entry.getValue() instanceof String given)) {
                errors.add(config.file(), item, target, "must be a string such as latest, previous:1 or 2026-11-27T02:00:00Z");
                continue;
            }
            var text = given;
            var volume = inventory.volumes().stream().filter(v -> v.app().equals(target)).findFirst();
            var database = inventory.databases().stream().filter(d -> d.id().equals(target)).findFirst();
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
                errors.add(config.file(), item, target, "no volume app or database id '" + target + "' in " + inventory.file()
                        + cluster.map(d -> ": '" + target + "' is the cluster name of database '" + d.id() + "'; restore it "
                        + "with restore." + d.id()).orElse(""));
                continue;
            }
            if (volume.isPresent() && volume.get().excluded()) {
                errors.add(config.file(), item, target, "'" + target + "' is excluded from backups, so there is nothing to restore");
                continue;
            }
            if (volume.isPresent() && (volume.get().storageClass().isEmpty()
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
            if (database.isPresent() && point.get() instanceof RestorePoint.Previous) {
                errors.add(config.file(), item, target, "databases restore to latest or a point in time, not previous:<n>");
                continue;
            }
            if (volume.isPresent() && settings.policies().containsKey(volume.get().policy().orElse(Policy.DEFAULT))) {
                var reach = outsideRetention(point.get(), settings.policy(volume.get().policy()), clock);
                if (reach.isPresent()) {
                    errors.add(config.file(), item, target, reach.get());
                    continue;
                }
            }
            out.put(target, RestoreRequest.of(target, point.get(), label));
        }
        return out;
    }
}
