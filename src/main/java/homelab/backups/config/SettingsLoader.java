package homelab.backups.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates a stack's settings from its Pulumi config. */
public final class SettingsLoader {
    /** Every top-level key this program reads; anything else under {@code homelab-backups:} is a typo. */
    public static final Set<String> KNOWN_KEYS = Set.of("inventory", "kubernetes", "volsync", "s3", "schedule",
            "snapshotClasses", "cache", "secrets", "databases", "recovery", "restore", "policies", "monitoring",
            "drills", "longhorn", "argocd",
            SecretKey.S3_ACCESS_KEY.configKey(), SecretKey.S3_SECRET_KEY.configKey(),
            SecretKey.RESTIC_PASSWORD.configKey(), SecretKey.KOPIA_PASSWORD.configKey(),
            SecretKey.PGBACKREST_CIPHER_PASS.configKey());

    /** What a value the owner must fill in starts with; the program refuses it where it is checked. */
    public static final String OWNER_VALUE = "OWNER-FILL-IN";
    /** The pgBackRest endpoint a render shows while the settings still hold the OWNER value. */
    public static final String OWNER_ENDPOINT = "https://owner-fill-in.invalid";
    public static final String DEFAULT_KUBERNETES_PROVIDER = "4.32.0";
    public static final String DEFAULT_ONEPASSWORD_PROVIDER = "1.1.3";
    private static final Pattern VERSION = Pattern.compile("^[0-9]+\\.[0-9]+\\.[0-9]+$");
    private static final Pattern DURATION = Pattern.compile("^([0-9]+)(s|m|h|d)$");
    private static final Pattern RETENTION = Pattern.compile("^[1-9][0-9]*[dwm]$");

    private SettingsLoader() {
    }

    public static Settings load(StackConfig config, ConfigErrors errors) {
        errors.addAll(config.problems());
        config.keysInFile().ifPresent(keys -> keys.stream().sorted()
                .filter(k -> !KNOWN_KEYS.contains(k))
                .forEach(k -> errors.add(config.file(), "config", StackConfig.NAMESPACE + ":" + k, unknownKey(k))));
        var file = config.file();
        var volsync = volsync(section(config, "volsync", errors), config);
        var schedule = schedule(section(config, "schedule", errors), volsync.mover());
        // Read before the databases, whose drill window follows the volume drills' by default.
        var drills = drills(section(config, "drills", errors), volsync);
        return new Settings(
                kubernetes(section(config, "kubernetes", errors)),
                volsync,
                s3(section(config, "s3", errors)),
                schedule,
                snapshotClasses(config, errors, file),
                cache(section(config, "cache", errors)),
                secrets(section(config, "secrets", errors), volsync.mover()),
                databases(section(config, "databases", errors), drills),
                recovery(section(config, "recovery", errors)),
                policies(config, errors, schedule, volsync.mover()),
                monitoring(section(config, "monitoring", errors)),
                drills,
                longhorn(section(config, "longhorn", errors)),
                argocd(section(config, "argocd", errors)));
    }

    /** An unknown top-level key, with the likeliest cause: a nested key set without --path, or a near miss. */
    static String unknownKey(String key) {
        var known = KNOWN_KEYS.stream().sorted().toList();
        int dot = key.indexOf('.');
        if (dot > 0 && KNOWN_KEYS.contains(key.substring(0, dot))) {
            return "unknown key: a nested key written as one name; set it with pulumi config set --path '"
                    + StackConfig.NAMESPACE + ":" + key + "' <value> (without --path the dot is part of the name)";
        }
        var near = known.stream().filter(k -> k.equalsIgnoreCase(key) || k.equalsIgnoreCase(key + "s")
                || (k + "s").equalsIgnoreCase(key)).findFirst();
        return "unknown key" + near.map(k -> " (did you mean " + k + "?)").orElse("") + " (known keys: "
                + String.join(", ", known) + ")";
    }

    private static final Pattern LABEL_KEY = Pattern.compile("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$");

    private static Settings.MonitoringSettings monitoring(Fields f) {
        var enabled = f.bool("enabled", false);
        var namespace = f.string("namespace", "monitoring");
        var nsProblem = Names.labelProblem(namespace, 63);
        if (!nsProblem.isEmpty()) f.error("namespace", nsProblem);
        var labels = f.stringMap("labels");
        labels.forEach((k, v) -> {
            if (!LABEL_KEY.matcher(k).matches()) f.error("labels." + k, "'" + k + "' is not a Kubernetes label key");
            if (!LABEL_VALUE.matcher(v).matches()) f.error("labels." + k, "'" + v + "' is not a Kubernetes label value");
        });
        var slackText = f.string("slack", "2h");
        var slack = parseDuration(slackText).orElseGet(() -> {
            f.error("slack", "'" + slackText + "' is not a duration such as 90m, 2h or 1d");
            return Duration.ofHours(2);
        });
        if (slack.isZero()) f.error("slack", "must be more than 0: a backup that takes a minute would count as late");
        var runbook = f.string("runbookBase", "README.md");
        f.finish();
        return new Settings.MonitoringSettings(enabled, namespace, labels, slack, runbook);
    }

    /** Drill cadences whose cron (day-of-week, or day-of-month steps) never leaves more than that many days between runs. */
    public static final List<Integer> DRILL_DAYS = List.of(1, 2, 3, 7);

    private static Settings.DrillSettings drills(Fields f, Settings.VolSyncSettings volsync) {
        var enabled = f.bool("enabled", true);
        var every = (int) f.integer("everyDays", 7);
        if (!DRILL_DAYS.contains(every)) {
            f.error("everyDays", every + " is not 1, 2, 3 or 7 (a cron cannot drill every n days evenly otherwise)");
            every = 7;
        }
        var w = f.object("window");
        var start = timeOfDay(w, "start", LocalTime.of(4, 0));
        var minutes = windowMinutes(w, "minutes", 120);
        w.finish();
        var image = f.optionalString("image");
        if (image.isPresent() && image.get().isBlank()) {
            f.error("image", "is empty: name the image (with the mover's tool), or leave the key out for the pinned VolSync mover image");
        }
        // The drill runs in the mover's image; when the chart's appVersion is unknown here, it must be named (MoverImage).
        if (enabled && image.isEmpty() && MoverImage.of(volsync).isEmpty()) f.error("image", MoverImage.required(volsync));
        var scratchText = f.string("scratch", "2Gi");
        if (Quantity.parse(scratchText).map(Quantity::bare).orElse(false)) f.error("scratch", Quantity.bareProblem(scratchText));
        var scratch = Quantity.parse(scratchText).orElseGet(() -> {
            f.error("scratch", "'" + scratchText + "' is not a positive Kubernetes quantity such as 2Gi");
            return Quantity.parse("2Gi").orElseThrow(() -> new IllegalStateException("the default scratch 2Gi is a quantity"));
        });
        var subsets = (int) f.integer("readSubsets", 12);
        // restic check --read-data-subset=k/N accepts N up to 256 (restic v0.18.0 cmd/restic/cmd_check.go).
        if (subsets < 1 || subsets > 256) f.error("readSubsets", subsets + " must be between 1 and 256 (restic reads at most 1/256 per check)");
        var percent = (int) f.integer("verifyPercent", 10);
        if (percent < 1 || percent > 100) f.error("verifyPercent", percent + " must be between 1 and 100");
        var cpu = f.string("cpuLimit", "1");
        var memory = f.string("memoryLimit", "1Gi");
        if (!cpu.matches("^([0-9]+m|[0-9]+(\\.[0-9]+)?)$")) f.error("cpuLimit", "'" + cpu + "' is not a CPU quantity such as 500m or 1");
        else if (cpu.matches("^0+(\\.0+)?m?$")) f.error("cpuLimit", "'" + cpu + "' is no CPU at all: give at least 100m");
        if (Quantity.parse(memory).isEmpty() || Quantity.parse(memory).get().bare()) {
            f.error("memoryLimit", "'" + memory + "' is not a memory quantity such as 512Mi or 1Gi");
        }
        // A legitimate re-initialisation of an app's repository, acknowledged by its new id (drills/README.md,
        // "Repository identity"): the drill then expects that id instead of the recorded one. Whether the app exists is
        // checked with the inventory (StackInputs).
        var accept = new java.util.TreeMap<String, String>();
        f.stringMap("acceptRepository").forEach((app, id) -> {
            var value = id.strip();
            if (!Settings.DrillSettings.REPOSITORY_ID.matcher(value).matches()) {
                f.error("acceptRepository." + app, "'" + id + "' is not a repository id: give the 64 hex digits the failed "
                        + "drill printed as found=... (restic cat config's id; kopia: its unique id)");
            } else {
                accept.put(app, value);
            }
        });
        // Snapshots lost from the same repository, acknowledged by the oldest snapshot now there (the failed drill's
        // oldest=): the drill expects history back to that one from then on.
        var history = new java.util.TreeMap<String, String>();
        f.stringMap("acceptHistory").forEach((app, t) -> {
            var value = t.strip();
            if (!Settings.DrillSettings.OLDEST.matcher(value).matches()) {
                f.error("acceptHistory." + app, "'" + t + "' is not the oldest snapshot's time as the drill prints it "
                        + "(oldest=2026-11-30T02:07:03Z)");
            } else {
                history.put(app, value);
            }
        });
        f.finish();
        return new Settings.DrillSettings(enabled, every, start, minutes, image, scratch,
                Math.max(1, subsets), Math.max(1, Math.min(percent, 100)), cpu, memory, accept, history);
    }

    private static Settings.LonghornSettings longhorn(Fields f) {
        var retire = f.bool("retireBackups", false);
        var namespace = f.string("namespace", "longhorn-system");
        var nsProblem = Names.labelProblem(namespace, 63);
        if (!nsProblem.isEmpty()) f.error("namespace", nsProblem);
        var target = f.string("backupTarget", "default");
        var targetProblem = Names.subdomainProblem(target);
        if (!targetProblem.isEmpty()) f.error("backupTarget", targetProblem);
        f.finish();
        return new Settings.LonghornSettings(retire, namespace, target);
    }

    /** Argo CD's Applications live in {@code argocd} unless the install says otherwise. */
    private static Settings.ArgoCdSettings argocd(Fields f) {
        var namespace = f.string("namespace", "argocd");
        var nsProblem = Names.labelProblem(namespace, 63);
        if (!nsProblem.isEmpty()) f.error("namespace", nsProblem);
        f.finish();
        return new Settings.ArgoCdSettings(nsProblem.isEmpty() ? namespace : "argocd");
    }

    private static final Pattern POLICY_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$");
    private static final Pattern EVERY = Pattern.compile("^([0-9]{1,2})h$");

    /**
     * {@code homelab-backups:policies}: name to {@code window: {start, minutes}} or {@code every: <n>h}, {@code retain}
     * and {@code pruneIntervalDays}. {@code default} is built from {@code homelab-backups:schedule} unless given.
     */
    static Map<String, Policy> policies(StackConfig config, ConfigErrors errors, Settings.ScheduleSettings schedule,
                                        Settings.Mover mover) {
        var item = StackConfig.NAMESPACE + ":policies";
        var out = new java.util.TreeMap<String, Policy>();
        out.put(Policy.DEFAULT, new Policy(Policy.DEFAULT,
                new Policy.Cadence.Window(schedule.windowStart(), schedule.windowMinutes()),
                new Policy.Retention(0, schedule.retainDaily(), 0, 0, 0, Optional.empty()), schedule.pruneIntervalDays()));
        var raw = config.object("policies", errors);
        if (Fields.describing()) {
            // Any name: one policy read over an empty body describes them all.
            var body = Fields.objectNode();
            InputSchema.setting("policies", InputSchema.mapOf(body));
            Fields.describeNextInto(body);
            policy("any", Fields.of(Map.of(), config.file(), item, errors), mover);
        }
        for (var entry : new java.util.TreeMap<>(raw).entrySet()) {
            var name = entry.getKey();
            var where = item + " (" + name + ")";
            if (!POLICY_NAME.matcher(name).matches()) {
                errors.add(config.file(), item, name, "'" + name + "' is not a policy name (lower-case letters, digits, '-'; at most 40)");
                continue;
            }
            if (!(entry.getValue() instanceof Map<?, ?> body)) {
                errors.add(config.file(), where, "", "must be a mapping with window or every, and retain");
                continue;
            }
            @SuppressWarnings("unchecked") var f = Fields.of((Map<String, Object>) body, config.file(), where, errors);
            policy(name, f, mover).ifPresent(p -> out.put(name, p));
        }
        return out;
    }

    private static Optional<Policy> policy(String name, Fields f, Settings.Mover mover) {
        Policy.Cadence cadence = null;
        boolean windowGiven = f.has("window"), everyGiven = f.has("every");
        Policy.Cadence window = null, every = null;
        if (windowGiven) {
            var w = f.object("window");
            var startText = w.requiredString("start");
            var minutes = windowMinutes(w, "minutes", 60);
            try {
                if (!startText.isEmpty()) window = new Policy.Cadence.Window(LocalTime.parse(startText), minutes);
            } catch (DateTimeParseException e) {
                w.error("start", "'" + startText + "' is not a time of day such as 02:00");
            }
            w.finish();
        }
        if (everyGiven) {
            var text = f.requiredString("every");
            var m = EVERY.matcher(text);
            if (!m.matches() || !Policy.INTERVAL_HOURS.contains(Integer.parseInt(m.group(1)))) {
                if (!text.isEmpty()) f.error("every", "'" + text + "' is not an interval that divides the day: 1h, 2h, 3h, 4h, 6h, 8h, 12h or 24h");
            } else {
                every = new Policy.Cadence.Every(Integer.parseInt(m.group(1)));
            }
        }
        if (windowGiven == everyGiven) {
            f.error(windowGiven ? "every" : "window", "a policy runs either in a daily window (window: {start, minutes}) "
                    + "or every few hours (every: 1h, 2h, 3h, 4h, 6h, 8h, 12h or 24h): give exactly one");
        } else {
            cadence = windowGiven ? window : every;
        }
        Policy.Retention retain = null;
        if (!f.has("retain")) {
            f.error("retain", "is required: which backups to keep ({hourly, daily, weekly, monthly, yearly, within})");
        } else {
            var r = f.object("retain");
            int[] n = new int[5];
            var classes = List.of("hourly", "daily", "weekly", "monthly", "yearly");
            for (int i = 0; i < 5; i++) {
                long value = r.integer(classes.get(i), 0);
                if (value < 0 || value > 10_000) r.error(classes.get(i), value + " must be between 0 and 10000");
                n[i] = (int) Math.max(0, Math.min(value, 10_000));
            }
            var within = r.optionalString("within");
            if (within.isPresent() && !Policy.Retention.WITHIN.matcher(within.get()).matches()) {
                r.error("within", "'" + within.get() + "' is not a restic duration such as 7d, 2m or 1y6m");
            }
            if (within.isPresent() && mover == Settings.Mover.KOPIA) {
                r.error("within", "the Kopia mover has no within retention; use the count classes");
            }
            retain = new Policy.Retention(n[0], n[1], n[2], n[3], n[4], within);
            if (retain.keepsNothing()) {
                f.error("retain", "keeps nothing: give at least one of hourly, daily, weekly, monthly, yearly or within");
            }
            if (cadence != null && retain.hourly() > 0 && cadence.intervalHours() >= 24) {
                r.error("hourly", "keeps hourly backups, but the policy makes one backup a day: keep daily ones instead");
            }
            r.finish();
        }
        var prune = (int) f.integer("pruneIntervalDays", 7);
        if (prune <= 0) f.error("pruneIntervalDays", prune + " must be at least 1");
        kopiaPrune(f, prune, mover);
        f.finish();
        if (cadence == null || retain == null || retain.keepsNothing()) return Optional.empty();
        return Optional.of(new Policy(name, cadence, retain, Math.max(1, prune)));
    }

    /**
     * Kopia maintenance is a day-of-month step (RepositoryLayout.maintenanceSchedule) and a Cron refuses a step wider
     * than the month, so a longer interval is reported here rather than failing while planning.
     */
    private static void kopiaPrune(Fields f, int prune, Settings.Mover mover) {
        if (prune > 30 && mover == Settings.Mover.KOPIA) {
            f.error("pruneIntervalDays", prune + " is more than 30: Kopia maintenance runs on every n-th day of the month");
        }
    }

    /** A time of day such as 02:00; the fallback, and an error, when it is not one. */
    private static LocalTime timeOfDay(Fields f, String key, LocalTime fallback) {
        var text = f.string(key, fallback.toString());
        try {
            return LocalTime.parse(text);
        } catch (DateTimeParseException e) {
            f.error(key, "'" + text + "' is not a time of day such as " + fallback);
            return fallback;
        }
    }

    /** The length of a daily window in minutes, 1 to 1440 (an error, and the nearest bound, otherwise). */
    private static int windowMinutes(Fields f, String key, int fallback) {
        var minutes = (int) f.integer(key, fallback);
        if (minutes < 1 || minutes > 24 * 60) f.error(key, minutes + " must be between 1 and 1440");
        return Math.max(1, Math.min(minutes, 24 * 60));
    }

    private static Fields section(StackConfig config, String key, ConfigErrors errors) {
        if (Fields.describing()) Fields.describeNextInto(InputSchema.setting(key, Fields.objectNode()));
        return Fields.of(config.object(key, errors), config.file(), StackConfig.NAMESPACE + ":" + key, errors);
    }

    private static Settings.KubernetesSettings kubernetes(Fields f) {
        var version = f.string("providerVersion", DEFAULT_KUBERNETES_PROVIDER);
        checkVersion(f, "providerVersion", version);
        if (VERSION.matcher(version).matches() && compareVersions(version, "4.18.0") < 0) {
            f.error("providerVersion", version + " is older than 4.18.0, which pulumi.com/waitFor (restores) needs");
        }
        var context = f.optionalString("context");
        if (context.isPresent() && context.get().isBlank()) {
            f.error("context", "is empty: name the kubeconfig context of the homelab cluster, or leave the key out to use "
                    + "the current context");
            context = Optional.empty();
        }
        f.finish();
        return new Settings.KubernetesSettings(version, context);
    }

    private static Settings.VolSyncSettings volsync(Fields f, StackConfig config) {
        var moverText = f.string("mover", Settings.Mover.RESTIC.id());
        var mover = Settings.Mover.parse(moverText).orElseGet(() -> {
            f.error("mover", "'" + moverText + "' is not restic (upstream VolSync) or kopia (the perfectra1n fork)"
                    + Keyword.hint(Settings.Mover.values(), moverText));
            return Settings.Mover.RESTIC;
        });
        var namespace = f.string("namespace", "volsync-system");
        var nsProblem = Names.labelProblem(namespace, 63);
        if (!nsProblem.isEmpty()) f.error("namespace", nsProblem);
        var c = f.object("chart");
        var name = c.string("name", "volsync");
        // A chart without a repository is a local chart directory (used by the end-to-end tests).
        var repository = c.optionalString("repository").orElse("");
        if (repository.isEmpty() && !name.contains("/")) {
            c.error("repository", "is required unless name is a local chart path such as ./charts/volsync");
        }
        var chart = new Settings.Chart(repository, name, c.requiredString("version"));
        c.finish();
        if (!chart.version().isEmpty()) checkVersion(c, "version", chart.version());
        var values = f.rawObject("values");
        if (mover == Settings.Mover.KOPIA && MoverImage.upstream(chart)) {
            // Upstream's mover image has no kopia (backube/volsync v0.15.0 Dockerfile: no kopia stage) and its CRDs no
            // spec.kopia: every backup and drill would fail.
            f.error("mover", "kopia needs the perfectra1n fork's chart (" + MoverImage.FORK_CHARTS + "); the upstream chart "
                    + chart.repository() + " " + chart.name() + " has no Kopia mover");
        }
        f.finish();
        return new Settings.VolSyncSettings(mover, namespace, chart, values);
    }

    private static Settings.S3Settings s3(Fields f) {
        var endpointText = f.requiredString("endpoint");
        URI endpoint = URI.create("http://invalid.invalid");
        if (!endpointText.isEmpty()) {
            try {
                var uri = new URI(endpointText);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    f.error("endpoint", "'" + endpointText + "' must be an http:// or https:// URL with a host");
                } else if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
                    f.error("endpoint", "'" + endpointText + "' must not have a path (buckets are addressed path-style)");
                } else {
                    endpoint = uri;
                }
            } catch (URISyntaxException e) {
                f.error("endpoint", "'" + endpointText + "' must be an http:// or https:// URL with a host (" + e.getReason() + ")");
            }
        }
        var region = f.string("region", "us-east-1");
        if (!region.matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")) {
            f.error("region", "'" + region + "' is not an S3 region such as us-east-1 (lower-case letters, digits, '-')");
        }
        var volsyncBucket = bucket(f, "volsyncBucket", "volsync-backups");
        var postgresBucket = bucket(f, "postgresBucket", "postgres-backups");
        if (volsyncBucket.equals(postgresBucket)) {
            f.error("postgresBucket", "must differ from volsyncBucket: restic/kopia and barman/pgBackRest must not share a bucket");
        }
        var manage = f.bool("manageBuckets", true);
        var ca = f.optionalString("caCertificate");
        var caProblem = ca.flatMap(SettingsLoader::certificateProblem);
        if (caProblem.isPresent()) {
            f.error("caCertificate", caProblem.get());
        } else if (ca.isPresent() && "http".equals(endpoint.getScheme())) {
            f.error("caCertificate", "is for an https:// endpoint; " + endpointText + " is plain HTTP");
        }
        f.finish();
        return new Settings.S3Settings(endpoint, region, volsyncBucket, postgresBucket, manage, ca);
    }

    /**
     * Why {@code pem} is not one or more PEM X.509 certificates (and nothing else), or empty. Every client of the
     * store parses it as such (restic/kopia customCA, Barman endpointCA, pgBackRest's CA file); a PEM header alone
     * proves nothing, and a private key pasted along would be copied into every repository Secret.
     */
    static Optional<String> certificateProblem(String pem) {
        if (pem.contains("PRIVATE KEY")) {
            return Optional.of("holds a private key: give only the CA's certificate (-----BEGIN CERTIFICATE----- ...), "
                    + "and treat the key as leaked");
        }
        var blocks = java.util.regex.Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----").matcher(pem);
        int count = 0;
        while (blocks.find()) {
            if (!blocks.group(1).equals("CERTIFICATE")) {
                return Optional.of("holds a PEM " + blocks.group(1) + ", not a CERTIFICATE: give the CA's certificate");
            }
            count++;
        }
        if (count == 0) return Optional.of("must be a PEM certificate (-----BEGIN CERTIFICATE----- ...)");
        try {
            var factory = java.security.cert.CertificateFactory.getInstance("X.509");
            var certs = factory.generateCertificates(new java.io.ByteArrayInputStream(
                    pem.strip().getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            if (certs.size() != count) {
                return Optional.of("holds " + count + " PEM block(s) but only " + certs.size() + " X.509 certificate(s) "
                        + "could be read: check each block is complete (BEGIN and END lines, base64 between)");
            }
            return Optional.empty();
        } catch (java.security.cert.CertificateException | RuntimeException e) {
            return Optional.of("is not a valid X.509 certificate (" + String.valueOf(e.getMessage()).lines().findFirst()
                    .orElse("unreadable") + "): paste the whole PEM file of the CA, BEGIN and END lines included");
        }
    }

    private static String bucket(Fields f, String key, String fallback) {
        var name = f.string(key, fallback);
        if (name.length() < 3 || name.length() > 63 || !name.matches("^[a-z0-9][a-z0-9.-]*[a-z0-9]$")) {
            f.error(key, "'" + name + "' is not a valid S3 bucket name (3-63 lower-case letters, digits, '.', '-')");
        }
        return name;
    }

    private static Settings.ScheduleSettings schedule(Fields f, Settings.Mover mover) {
        var start = timeOfDay(f, "windowStart", LocalTime.of(2, 0));
        var minutes = windowMinutes(f, "windowMinutes", 60);
        var retain = (int) f.integer("retainDaily", 14);
        if (retain <= 0) f.error("retainDaily", retain + " must be at least 1: a retention of 0 keeps no backup");
        var prune = (int) f.integer("pruneIntervalDays", 7);
        if (prune <= 0) f.error("pruneIntervalDays", prune + " must be at least 1");
        kopiaPrune(f, prune, mover);
        f.finish();
        return new Settings.ScheduleSettings(start, minutes, retain, prune);
    }

    private static List<Settings.SnapshotClass> snapshotClasses(StackConfig config, ConfigErrors errors, String file) {
        var item = StackConfig.NAMESPACE + ":snapshotClasses";
        var parsed = config.list("snapshotClasses", errors);
        // A list at the top level: wrap it so the strict reader can walk it.
        var wrapper = Fields.objectNode();
        Fields.describeNextInto(wrapper);
        var f = Fields.of(Map.of("classes", parsed), file, item, errors);
        var out = new ArrayList<Settings.SnapshotClass>();
        int[] i = {0};
        f.objects("classes", m -> {
            var c = Fields.of(m, file, item + "[" + i[0]++ + "]", errors);
            var name = c.requiredString("name");
            var nameProblem = name.isEmpty() ? "" : Names.subdomainProblem(name);
            if (!nameProblem.isEmpty()) c.error("name", nameProblem);
            var driver = c.requiredString("driver");
            var parameters = c.stringMap("parameters");
            // Correction 5: an empty or "bak" type makes Longhorn *backups*, which fail once the backup target goes.
            if (driver.equals("driver.longhorn.io") && !"snap".equals(parameters.get("type"))) {
                c.error("parameters.type", "Longhorn snapshot classes must set type: snap (got "
                        + (parameters.containsKey("type") ? "'" + parameters.get("type") + "'" : "none")
                        + "; an empty type or 'bak' creates Longhorn backups to the backup target instead)");
            }
            var storageClasses = c.optionalStrings("storageClasses").orElse(List.of());
            if (storageClasses.isEmpty()) c.error("storageClasses", "list the storage classes whose PVCs this class snapshots");
            var policy = c.string("deletionPolicy", "Delete");
            if (!policy.equals("Delete") && !policy.equals("Retain")) c.error("deletionPolicy", "'" + policy + "' is not Delete or Retain");
            c.finish();
            return new Settings.SnapshotClass(name, driver, parameters, storageClasses, policy);
        }).forEach(out::add);
        if (Fields.describing()) InputSchema.setting("snapshotClasses", InputSchema.property(wrapper, "classes"));
        var seen = new java.util.HashSet<String>();
        for (var c : out) {
            for (var sc : c.storageClasses()) {
                if (!seen.add(sc)) errors.add(file, item, "storageClasses", "storage class '" + sc + "' is mapped to more than one snapshot class");
            }
        }
        return out;
    }

    private static Settings.CacheSettings cache(Fields f) {
        var capacityText = f.string("capacity", "1Gi");
        if (Quantity.parse(capacityText).map(Quantity::bare).orElse(false)) f.error("capacity", Quantity.bareProblem(capacityText));
        var capacity = Quantity.parse(capacityText).orElseGet(() -> {
            f.error("capacity", "'" + capacityText + "' is not a positive Kubernetes quantity such as 1Gi");
            return Quantity.parse("1Gi").orElseThrow(() -> new IllegalStateException("the default cache 1Gi is a quantity"));
        });
        var storageClass = f.optionalString("storageClass");
        storageClass.map(Names::subdomainProblem).filter(p -> !p.isEmpty()).ifPresent(p -> f.error("storageClass", p));
        var modes = new ArrayList<AccessMode>();
        for (var text : f.optionalStrings("accessModes").orElse(List.of("ReadWriteOnce"))) {
            AccessMode.parse(text).ifPresentOrElse(modes::add, () -> f.error("accessModes", "'" + text + "' is not an access mode"));
        }
        f.finish();
        return new Settings.CacheSettings(capacity, storageClass, modes);
    }

    private static Settings.SecretsSettings secrets(Fields f, Settings.Mover mover) {
        var sourceText = f.string("source", Settings.SecretsSourceKind.ONEPASSWORD.id());
        var source = Settings.SecretsSourceKind.parse(sourceText).orElseGet(() -> {
            f.error("source", "'" + sourceText + "' is not onepassword or config"
                    + Keyword.hint(Settings.SecretsSourceKind.values(), sourceText));
            return Settings.SecretsSourceKind.CONFIG;
        });
        Optional<Settings.OnePasswordSettings> onePassword = Optional.empty();
        var op = f.object("onepassword");
        if (source == Settings.SecretsSourceKind.ONEPASSWORD) {
            var vault = op.requiredString("vault");
            var item = op.requiredString("item");
            var fieldsSection = op.object("fields");
            var fields = new EnumMap<SecretKey, String>(SecretKey.class);
            for (var key : SecretKey.values()) fields.put(key, fieldsSection.string(key.configKey(), key.defaultField()));
            fieldsSection.finish();
            var connectUrl = op.optionalString("connectUrl");
            var version = op.string("providerVersion", DEFAULT_ONEPASSWORD_PROVIDER);
            checkVersion(op, "providerVersion", version);
            onePassword = Optional.of(new Settings.OnePasswordSettings(vault, item, fields, connectUrl, version));
        }
        op.finish();
        f.finish();
        return new Settings.SecretsSettings(source, onePassword);
    }

    private static Settings.DatabaseSettings databases(Fields f, Settings.DrillSettings volumeDrills) {
        var fallback = new CnpgSchedule("0 0 3 * * *", Optional.empty());
        var scheduleText = f.string("schedule", fallback.text());
        var problems = new ArrayList<String>();
        var parsed = CnpgSchedule.parse(scheduleText, problems);
        problems.forEach(p -> f.error("schedule", p));
        if (parsed.isPresent() && parsed.get().withoutSeconds().isEmpty()) {
            f.error("schedule", "'" + scheduleText + "' must start at second 0 so pgBackRest (five-field cron) can use it too");
            parsed = Optional.empty();
        }
        // Never read: an error stops the stack before planning; it keeps the record free of a "maybe".
        var schedule = parsed.orElse(fallback);
        var retention = f.string("retention", "14d");
        if (!RETENTION.matcher(retention).matches()) {
            f.error("retention", "'" + retention + "' is not a recovery window such as 14d, 2w or 1m (must be at least 1)");
        }
        var fullDays = (int) f.integer("retentionFullDays", 14);
        if (fullDays <= 0) f.error("retentionFullDays", fullDays + " must be at least 1");
        var pg = f.object("pgbackrest");
        Optional<URI> endpoint = Optional.empty();
        var endpointText = pg.optionalString("endpoint");
        if (endpointText.isPresent() && endpointText.get().startsWith(OWNER_VALUE)) {
            pg.ownerValue("endpoint", "is an OWNER value still to fill in (" + endpointText.get() + "): put the https:// URL "
                    + "of the TLS endpoint in front of RustFS that pgBackRest uses, such as https://192.168.10.133:<TLS port> "
                    + "(not RustFS's plain-HTTP S3 port, and not its web console), or remove the key and serve TLS on "
                    + "RustFS for every client (README: Endpoints)");
            // What the render shows until then: a host that can never resolve (RFC 6761 .invalid); nothing deploys it.
            endpoint = Optional.of(URI.create(OWNER_ENDPOINT));
            endpointText = Optional.empty();
        }
        if (endpointText.isPresent()) {
            try {
                var uri = new URI(endpointText.get());
                if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    pg.error("endpoint", "'" + endpointText.get() + "' must be an https:// URL (pgBackRest < 2.58 cannot use plain HTTP)");
                    endpoint = Optional.of(URI.create("https://invalid.invalid"));   // never read: the error stops the stack
                } else {
                    endpoint = Optional.of(uri);
                }
            } catch (URISyntaxException e) {
                pg.error("endpoint", "'" + endpointText.get() + "' is not a URL");
                endpoint = Optional.of(URI.create("https://invalid.invalid"));   // never read: the error stops the stack
            }
        }
        var version = pg.optionalString("version");
        version.ifPresent(v -> checkVersion(pg, "version", v));
        var verifyTls = pg.bool("verifyTls", true);
        pg.finish();
        var drill = databaseDrill(f.object("drill"), volumeDrills);
        f.finish();
        return new Settings.DatabaseSettings(schedule, retention, fullDays, endpoint, version, verifyTls, drill);
    }

    /** An image named by digest: what runs is what was reviewed, whatever the tag points to later. */
    static final java.util.regex.Pattern DIGEST_PINNED = java.util.regex.Pattern.compile("^[^\\s@]+@sha256:[0-9a-f]{64}$");

    private static Settings.DatabaseDrillSettings databaseDrill(Fields f, Settings.DrillSettings volumeDrills) {
        var enabled = f.bool("enabled", true);
        var every = (int) f.integer("everyDays", 7);
        if (!DRILL_DAYS.contains(every)) {
            f.error("everyDays", every + " is not 1, 2, 3 or 7 (a cron cannot drill every n days evenly otherwise)");
            every = 7;
        }
        var w = f.object("window");
        // By default half an hour after the volume drills' window ends (prod: 04:00+120m, so 06:30), which already
        // follows the backups; StackInputs checks it against each database's own backups.
        var start = timeOfDay(w, "start", volumeDrills.windowStart().plusMinutes(volumeDrills.windowMinutes() + 30L));
        var minutes = windowMinutes(w, "minutes", 60);
        w.finish();
        var image = f.string("image", Settings.DatabaseDrillSettings.DEFAULT_IMAGE);
        if (!DIGEST_PINNED.matcher(image).matches()) {
            f.error("image", "'" + image + "' is not pinned by digest (<image>@sha256:<64 hex>): the drill runs with "
                    + "rights to create clusters and exec into database pods, so what runs must not change under a tag");
        }
        var timeoutText = f.string("readyTimeout", "45m");
        var timeout = parseDuration(timeoutText).orElseGet(() -> {
            f.error("readyTimeout", "'" + timeoutText + "' is not a duration such as 30m or 2h");
            return Duration.ofMinutes(45);
        });
        if (timeout.compareTo(Duration.ofMinutes(1)) < 0 || timeout.compareTo(Duration.ofHours(12)) > 0) {
            f.error("readyTimeout", timeoutText + " must be between 1m and 12h");
        }
        var cpu = f.string("cpuLimit", "200m");
        var memory = f.string("memoryLimit", "128Mi");
        if (!cpu.matches("^([0-9]+m|[0-9]+(\\.[0-9]+)?)$")) f.error("cpuLimit", "'" + cpu + "' is not a CPU quantity such as 500m or 1");
        if (Quantity.parse(memory).map(Quantity::bare).orElse(true)) f.error("memoryLimit", "'" + memory + "' is not a memory quantity such as 128Mi");
        f.finish();
        return new Settings.DatabaseDrillSettings(enabled, every, start, minutes, image, timeout, cpu, memory);
    }

    private static Settings.RestoreSettings recovery(Fields f) {
        var timeoutText = f.string("timeout", "24h");
        var timeout = parseDuration(timeoutText).orElseGet(() -> {
            f.error("timeout", "'" + timeoutText + "' is not a duration such as 90m, 12h or 2d");
            return Duration.ofHours(24);
        });
        if (timeout.compareTo(Duration.ofMinutes(5)) < 0) {
            f.error("timeout", timeoutText + " is too short for any restore; large volumes take hours");
        }
        // true/false for the whole stack, or a list of app ids and namespace:<ns> entries (checked against the
        // inventory in StackInputs, which knows it).
        var given = f.flagOrStrings("disasterRecovery");
        var dr = given.isPresent();
        var scope = given.orElse(List.of());
        // Each restore of a rebuilt cluster is a new Longhorn volume whose replicas are built at once; the owner's
        // 25 parallel restores faulted 10 volumes (docs/field-incidents-2026.md #40).
        var parallel = f.integer("parallelRestores", 3);
        if (parallel < 1 || parallel > 50) {
            f.error("parallelRestores", parallel + " must be between 1 and 50 (how many volumes disaster recovery restores at once)");
        }
        f.finish();
        return new Settings.RestoreSettings(timeout, dr, (int) Math.max(1, Math.min(parallel, 50)), scope);
    }

    static Optional<Duration> parseDuration(String text) {
        var m = DURATION.matcher(text);
        if (!m.matches()) return Optional.empty();
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        });
    }

    private static void checkVersion(Fields f, String key, String version) {
        if (!VERSION.matcher(version).matches()) {
            f.error(key, "'" + version + "' is not an exact version such as 1.2.3 (ranges are not allowed)");
        }
    }

    /** Compares dotted numeric versions. */
    public static int compareVersions(String a, String b) {
        var x = a.split("\\.");
        var y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? Integer.parseInt(x[i]) : 0;
            int q = i < y.length ? Integer.parseInt(y[i]) : 0;
            if (p != q) return Integer.compare(p, q);
        }
        return 0;
    }
}
