package homelab.backups.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/** Reads {@code stacks/<stack>/inventory.yaml} into an {@link Inventory}, collecting every problem. */
public final class InventoryLoader {
    private static final java.util.regex.Pattern POSTGRES_NAME = java.util.regex.Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");
    /** A drill table: {@code table} or {@code schema.table}, each part a plain PostgreSQL name. */
    static final java.util.regex.Pattern DRILL_TABLE =
            java.util.regex.Pattern.compile("^([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}$");
    private InventoryLoader() {
    }

    public static Inventory load(Path path, String displayName, ConfigErrors errors) {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            errors.add(displayName, "", "", "file not found (every stack needs stacks/<stack>/inventory.yaml)");
            return new Inventory(displayName, List.of(), List.of());
        } catch (IOException e) {
            errors.add(displayName, "", "", "cannot read: " + e.getMessage());
            return new Inventory(displayName, List.of(), List.of());
        }
        return parse(text, displayName, errors);
    }

    @SuppressWarnings("unchecked")
    public static Inventory parse(String yaml, String file, ConfigErrors errors) {
        Object root;
        try {
            // Duplicate keys are errors, not "last one wins".
            var settings = LoadSettings.builder().setAllowDuplicateKeys(false).setLabel(file).build();
            root = new Load(settings).loadFromString(yaml);
        } catch (YamlEngineException e) {
            errors.add(file, "", "", StackFile.yamlProblem(e));
            return new Inventory(file, List.of(), List.of());
        }
        if (root == null) root = Map.of();
        if (!(root instanceof Map)) {
            errors.add(file, "", "", "must be a mapping with 'volumes' and 'databases'");
            return new Inventory(file, List.of(), List.of());
        }
        int before = errors.size();
        var top = Fields.of((Map<String, Object>) root, file, "", errors);
        var empty = top.bool("empty", false);
        var volumes = new ArrayList<Volume>();
        var databases = new ArrayList<Database>();
        int[] index = {0};
        top.objects("volumes", m -> volume(m, file, index[0]++, errors)).forEach(v -> v.ifPresent(volumes::add));
        index[0] = 0;
        top.objects("databases", m -> database(m, file, index[0]++, errors)).forEach(d -> d.ifPresent(databases::add));
        top.finish();
        checkUnique(volumes, databases, file, errors);
        if (errors.size() == before) checkEmpty(empty, volumes, databases, file, errors);
        return new Inventory(file, volumes, databases);
    }

    /**
     * An inventory that backs up nothing plans the deletion of every backup object the stack made (ReplicationSources,
     * repository Secrets, drills, database backup specs): refused unless it says so with {@code empty: true}. A
     * truncated file, a wrong {@code inventory:} path or a misindented {@code volumes:} would otherwise read the same.
     */
    private static void checkEmpty(boolean empty, List<Volume> volumes, List<Database> databases, String file,
                                   ConfigErrors errors) {
        long backedUp = volumes.stream().filter(v -> !v.excluded()).count();
        if (!empty && backedUp == 0 && databases.isEmpty()) {
            errors.add(file, "", "volumes", "the inventory backs up nothing" + (volumes.isEmpty() ? "" : " (every volume "
                    + "listed is excluded)") + ": applying it would delete every backup object this stack made before "
                    + "(ReplicationSources, repository Secrets, drills, database backups). If that is what you mean, write "
                    + "empty: true at the top of the file; otherwise list the volumes and databases to back up (README: "
                    + "An empty inventory)");
        } else if (empty && (backedUp > 0 || !databases.isEmpty())) {
            errors.add(file, "", "empty", "says the inventory backs up nothing, but it lists " + backedUp
                    + " backed-up volume(s) and " + databases.size() + " database(s): remove empty: true");
        }
    }

    private static Optional<Volume> volume(Map<String, Object> raw, String file, int index, ConfigErrors errors) {
        var label = "volumes[" + index + "]" + (raw.get("app") instanceof String app ? " (" + app + ")" : "");
        var f = Fields.of(raw, file, label, errors);
        var app = f.requiredString("app");
        if (!app.isEmpty()) problem(f, "app", Names.labelProblem(app, Names.MAX_APP_LENGTH));
        var namespace = f.requiredString("namespace");
        if (!namespace.isEmpty()) problem(f, "namespace", Names.labelProblem(namespace, 63));
        var pvc = f.requiredString("pvc");
        if (!pvc.isEmpty()) problem(f, "pvc", Names.subdomainProblem(pvc));

        var capacityText = f.requiredString("capacity");
        var capacity = Quantity.parse(capacityText);
        if (!capacityText.isEmpty() && capacity.isEmpty()) {
            f.error("capacity", "'" + capacityText + "' is not a positive Kubernetes quantity such as 5Gi or 500Mi");
        } else if (capacity.isPresent() && capacity.get().bare()) {
            f.error("capacity", Quantity.bareProblem(capacityText));
            capacity = Optional.empty();
        }

        var modes = new ArrayList<AccessMode>();
        var modeTexts = f.optionalStrings("accessModes");
        if (modeTexts.isEmpty() || modeTexts.get().isEmpty()) {
            f.error("accessModes", "is required (ReadWriteOnce, ReadWriteMany, ReadOnlyMany or ReadWriteOncePod)");
        } else {
            for (var text : modeTexts.get()) {
                AccessMode.parse(text).ifPresentOrElse(modes::add, () -> f.error("accessModes",
                        "'" + text + "' is not an access mode (ReadWriteOnce, ReadWriteMany, ReadOnlyMany, ReadWriteOncePod)"));
            }
        }

        // The key must be present: "" (a static PV) is a deliberate statement, a missing key is a mistake.
        var storageClass = f.optionalString("storageClass");
        if (storageClass.isEmpty()) f.error("storageClass", "is required; write \"\" for a PVC bound to a static PV");
        else if (!storageClass.get().isEmpty()) problem(f, "storageClass", Names.subdomainProblem(storageClass.get()));

        var mover = mover(f.object("mover"));

        var copyMethodText = f.string("copyMethod", CopyMethod.SNAPSHOT.apiName());
        var copyMethod = CopyMethod.parse(copyMethodText);
        if (copyMethod.isEmpty()) f.error("copyMethod", "'" + copyMethodText + "' is not Snapshot, Clone or Direct");

        Optional<Cron> schedule = Optional.empty();
        var scheduleText = f.optionalString("schedule");
        if (scheduleText.isPresent()) {
            var problems = new ArrayList<String>();
            schedule = Cron.parse(scheduleText.get(), problems);
            problems.forEach(p -> f.error("schedule", p));
        }

        Optional<String> exclusion = Optional.empty();
        if (f.has("exclude")) {
            var ex = f.object("exclude");
            var reason = ex.requiredString("reason");
            ex.finish();
            exclusion = Optional.of(reason);
        }
        var policy = f.optionalString("policy");
        if (policy.isPresent() && exclusion.isPresent()) f.error("policy", "an excluded volume has no backup policy");
        f.finish();

        if (app.isEmpty() || namespace.isEmpty() || pvc.isEmpty() || capacity.isEmpty() || modes.isEmpty()
                || storageClass.isEmpty() || copyMethod.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Volume(app, namespace, pvc, capacity.get(), modes, storageClass.get(), mover,
                copyMethod.get(), schedule, exclusion, policy));
    }

    private static MoverIdentity mover(Fields f) {
        int uid = nonNegative(f, "uid", MoverIdentity.DEFAULT.uid());
        int gid = nonNegative(f, "gid", MoverIdentity.DEFAULT.gid());
        int fsGroup = nonNegative(f, "fsGroup", gid);
        f.finish();
        return new MoverIdentity(uid, gid, fsGroup);
    }

    private static int nonNegative(Fields f, String key, int fallback) {
        long value = f.integer(key, fallback);
        if (value < 0 || value > Integer.MAX_VALUE) {
            f.error(key, value + " is not a valid id (0 to " + Integer.MAX_VALUE + ")");
            return fallback;
        }
        return (int) value;
    }

    private static Optional<Database> database(Map<String, Object> raw, String file, int index, ConfigErrors errors) {
        var label = "databases[" + index + "]" + (raw.get("name") instanceof String n ? " (" + n + ")" : "");
        var f = Fields.of(raw, file, label, errors);
        var name = f.requiredString("name");
        // CNPG derives pod and service names (<name>-rw, <name>-1) from the cluster name.
        if (!name.isEmpty()) problem(f, "name", Names.labelProblem(name, Names.MAX_APP_LENGTH));
        var id = f.string("id", name);
        if (!id.isEmpty()) problem(f, "id", Names.labelProblem(id, Names.MAX_APP_LENGTH));
        var engineText = f.requiredString("engine");
        var engine = Database.Engine.parse(engineText);
        if (!engineText.isEmpty() && engine.isEmpty()) f.error("engine", "'" + engineText + "' is not cnpg or pgo");
        var namespace = f.requiredString("namespace");
        if (!namespace.isEmpty()) problem(f, "namespace", Names.labelProblem(namespace, 63));

        var isCnpg = engine.orElse(null) == Database.Engine.CNPG;
        var isPgo = engine.orElse(null) == Database.Engine.PGO;
        var methodText = f.optionalString("method");
        var method = CnpgOptions.Method.PLUGIN;
        if (methodText.isPresent()) {
            if (!isCnpg) f.error("method", "only CNPG clusters have a backup method");
            var parsed = CnpgOptions.Method.parse(methodText.get());
            if (parsed.isEmpty()) f.error("method", "'" + methodText.get() + "' is not plugin or legacy");
            else method = parsed.get();
        }
        var serverName = f.optionalString("serverName");
        if (serverName.isPresent()) {
            if (!isCnpg) f.error("serverName", "only CNPG clusters have a barman serverName");
            problem(f, "serverName", Names.subdomainProblem(serverName.get()));
        }
        var scheduleText = f.optionalString("schedule");
        Optional<CnpgSchedule> cnpgSchedule = Optional.empty();
        Optional<Cron> fullSchedule = Optional.empty();
        if (scheduleText.isPresent()) {
            var problems = new ArrayList<String>();
            if (isCnpg) cnpgSchedule = CnpgSchedule.parse(scheduleText.get(), problems);
            if (isPgo) fullSchedule = Cron.parse(scheduleText.get(), problems);
            problems.forEach(p -> f.error("schedule", p));
            // The backup alerts and ./verify time a CNPG backup by its five-field cron (CnpgEngine.backupCron): a
            // schedule that fires at another second has none, so it is refused here, as the settings' default is.
            if (cnpgSchedule.isPresent() && cnpgSchedule.get().withoutSeconds().isEmpty()) {
                f.error("schedule", "'" + scheduleText.get() + "' must start at second 0 (e.g. '0 "
                        + scheduleText.get().trim().split("\\s+", 2)[1] + "'): the backup alerts and ./verify time a "
                        + "backup by minute");
                cnpgSchedule = Optional.empty();
            }
        }
        var differential = pgoSchedule(f, "differential", isPgo);
        var incremental = pgoSchedule(f, "incremental", isPgo);
        var encryption = f.bool("encryption", false);
        if (encryption && !isPgo) f.error("encryption", "repository encryption is a PGO (pgBackRest) option");
        var storageText = f.string("storage", "10Gi");
        var storage = Quantity.parse(storageText);
        if (storage.isEmpty()) f.error("storage", "'" + storageText + "' is not a positive Kubernetes quantity such as 10Gi");
        else if (storage.get().bare()) f.error("storage", Quantity.bareProblem(storageText));
        var instances = f.integer("instances", 1);
        if (instances < 1 || instances > 9) f.error("instances", instances + " must be between 1 and 9");
        var image = f.optionalString("image");
        if (image.isPresent() && image.get().isBlank()) f.error("image", "is empty; name the image the cluster runs");
        var appDatabase = f.optionalString("database");
        var appOwner = f.optionalString("owner");
        for (var pair : List.of(java.util.Map.entry("database", appDatabase), java.util.Map.entry("owner", appOwner))) {
            if (pair.getValue().isEmpty()) continue;
            if (!isCnpg) f.error(pair.getKey(), "only CNPG clusters take the app's database and owner (PGO keeps its users)");
            else if (!POSTGRES_NAME.matcher(pair.getValue().get()).matches()) {
                f.error(pair.getKey(), "'" + pair.getValue().get() + "' is not a PostgreSQL name (lower-case letters, digits, _; at most 63)");
            }
        }
        var version = f.optionalInteger("postgresVersion");
        if (isPgo && version.isEmpty()) f.error("postgresVersion", "is required for PGO clusters (the Postgres major version, e.g. 17)");
        var versionValid = version.filter(v -> v >= PgoOptions.MIN_VERSION && v <= PgoOptions.MAX_VERSION);
        if (version.isPresent() && versionValid.isEmpty()) f.error("postgresVersion", version.get() + " is not a Postgres major version");
        var drill = f.object("drill");
        var tables = drill.optionalStrings("tables").orElse(List.of());
        for (var table : tables) {
            // Lower-case names only: the drill quotes nothing, so a name is exactly what PostgreSQL folds it to.
            if (!DRILL_TABLE.matcher(table).matches()) {
                drill.error("tables", "'" + table + "' is not a table name ([schema.]table, lower-case letters, digits, _)");
            }
        }
        if (tables.size() != new java.util.HashSet<>(tables).size()) drill.error("tables", "names a table twice");
        drill.finish();
        f.finish();
        if (name.isEmpty() || engine.isEmpty() || namespace.isEmpty() || storage.isEmpty()) return Optional.empty();
        // Each engine's record takes only its own options (the errors above named any other engine's); a CNPG
        // cluster's postgresVersion is read (and range-checked) but nothing of CNPG uses it.
        Optional<EngineOptions> options = switch (engine.get()) {
            case CNPG -> Optional.of(new CnpgOptions(method, serverName.filter(s -> !s.isBlank()).orElse(name),
                    cnpgSchedule, appDatabase, appOwner));
            case PGO -> versionValid.isEmpty() ? Optional.empty() : Optional.of(new PgoOptions(fullSchedule,
                    differential, incremental, encryption, versionValid.get().intValue()));
        };
        return options.map(o -> new Database(id, name, namespace, o, storage.get(), (int) Math.max(1, instances), image,
                tables));
    }

    private static Optional<Cron> pgoSchedule(Fields f, String key, boolean isPgo) {
        var text = f.optionalString(key);
        if (text.isEmpty()) return Optional.empty();
        if (!isPgo) f.error(key, "differential and incremental schedules are PGO (pgBackRest) options");
        var problems = new ArrayList<String>();
        var cron = Cron.parse(text.get(), problems);
        problems.forEach(p -> f.error(key, p));
        return cron;
    }

    private static void problem(Fields f, String key, String problem) {
        if (!problem.isEmpty()) f.error(key, problem);
    }

    private static void checkUnique(List<Volume> volumes, List<Database> databases, String file, ConfigErrors errors) {
        var apps = new HashMap<String, Integer>();
        var pvcs = new HashMap<String, String>();
        for (int i = 0; i < volumes.size(); i++) {
            var v = volumes.get(i);
            var first = apps.putIfAbsent(v.app(), i);
            if (first != null) {
                errors.add(file, "volumes (" + v.app() + ")", "app", "app '" + v.app() + "' is listed more than once");
            }
            var key = v.namespace() + "/" + v.pvc();
            var owner = pvcs.putIfAbsent(key, v.app());
            if (owner != null) {
                errors.add(file, "volumes (" + v.app() + ")", "pvc",
                        "PVC " + key + " is already backed up as app '" + owner + "'");
            }
        }
        var ids = new HashMap<String, String>();
        var clusters = new HashMap<String, String>();
        for (var d : databases) {
            var item = "databases (" + d.name() + ")";
            if (ids.putIfAbsent(d.id(), d.name()) != null) {
                errors.add(file, item, "id", "database id '" + d.id() + "' is listed more than once");
            }
            if (clusters.putIfAbsent(d.namespace() + "/" + d.name(), d.id()) != null) {
                errors.add(file, item, "name", "cluster " + d.namespace() + "/" + d.name() + " is listed more than once");
            }
            if (apps.containsKey(d.id())) {
                errors.add(file, item, "id", "'" + d.id() + "' is also a volume app id, so restore." + d.id()
                        + " would be ambiguous; give the database its own id (id: " + d.id() + "-db)");
            }
        }
    }
}
