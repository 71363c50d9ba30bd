package homelab.backups.render;

import homelab.backups.config.ConfigErrors;
import homelab.backups.config.Settings;
import homelab.backups.config.StackFile;
import homelab.backups.config.StackInputs;
import homelab.backups.plan.Planner;
import homelab.backups.render.schema.CrdCatalog;
import homelab.backups.render.schema.SchemaViolation;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The offline render: runs the real program under mocks with placeholder credentials, writes every object it
 * would apply (one YAML file each, by wave and namespace), a summary of everything else and the plan table, and
 * validates each custom resource against its CRD schema. No cluster, no credentials, no network.
 *
 * <pre>render [--stack prod] [--out out/&lt;stack&gt;] [--crds DIR] [--require-schemas] [--project .]</pre>
 *
 * <p>The CRD schemas come from {@code --crds}, else the cache {@code scripts/fetch-crds} fills from the project's
 * lock ({@code crds/crds.lock.yaml}), else {@code ../shared/crds}. A custom resource whose CRD none of them has is
 * NOT VALIDATED, said loudly; with {@code --require-schemas} that is an error.
 */
public final class Render {
    private Render() {
    }

    /** Parsed command line. */
    public record Options(String stack, Path out, Optional<Path> crds, Path project, boolean requireSchemas) {
        public Options(String stack, Path out, Optional<Path> crds, Path project) {
            this(stack, out, crds, project, false);
        }

        static Options parse(String[] args) {
            String stack = "prod";
            Path out = null;
            Optional<Path> crds = Optional.empty();
            boolean requireSchemas = false;
            var project = Path.of("").toAbsolutePath();
            for (int i = 0; i < args.length; i++) {
                var value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--stack" -> stack = require(args[i], value);
                    case "--out" -> out = Path.of(require(args[i], value));
                    case "--crds" -> crds = Optional.of(Path.of(require(args[i], value)));
                    case "--project" -> project = Path.of(require(args[i], value)).toAbsolutePath();
                    case "--require-schemas" -> {
                        requireSchemas = true;
                        continue;
                    }
                    case "-h", "--help" -> throw new HelpException();
                    default -> throw new UsageException("unknown argument " + args[i]);
                }
                i++;
            }
            if (crds.isEmpty()) crds = fetchedCrds(project, System.getenv());
            if (crds.isEmpty()) {
                var shared = project.resolve("../shared/crds").normalize();
                if (Files.isDirectory(shared)) crds = Optional.of(shared);
            }
            return new Options(stack, out == null ? project.resolve("out").resolve(stack) : out, crds, project, requireSchemas);
        }

        /**
         * Where scripts/fetch-crds puts the lock's CRDs: {@code ${XDG_CACHE_HOME:-$HOME/.cache}/homelab-backups/crds/}
         * and the first 12 hex digits of the lock's sha256, so a changed lock never reads an old cache.
         */
        static Optional<Path> fetchedCrds(Path project, Map<String, String> env) {
            var lock = project.resolve("crds/crds.lock.yaml");
            if (!Files.isRegularFile(lock)) return Optional.empty();
            var base = env.get("XDG_CACHE_HOME") != null && !env.get("XDG_CACHE_HOME").isEmpty()
                    ? Path.of(env.get("XDG_CACHE_HOME")) : Path.of(System.getProperty("user.home"), ".cache");
            try {
                var digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(lock));
                var dir = base.resolve("homelab-backups/crds").resolve(java.util.HexFormat.of().formatHex(digest).substring(0, 12));
                return Files.isDirectory(dir) && complete(dir, lock) ? Optional.of(dir) : Optional.empty();
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                return Optional.empty();
            }
        }

        /**
         * Whether {@code dir} holds every file of the lock: an empty or partial cache (a failed or interrupted fetch)
         * must never shadow the other places schemas come from.
         */
        static boolean complete(Path dir, Path lock) {
            try {
                var root = new org.snakeyaml.engine.v2.api.Load(org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
                        .loadFromString(Files.readString(lock));
                if (!(root instanceof Map<?, ?> map) || !(map.get("crds") instanceof List<?> crds) || crds.isEmpty()) return false;
                for (var entry : crds) {
                    if (!(entry instanceof Map<?, ?> e) || !(e.get("file") instanceof String file)
                            || !Files.isRegularFile(dir.resolve(file))) {
                        return false;
                    }
                }
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        private static String require(String flag, String value) {
            if (value == null) throw new UsageException(flag + " needs a value");
            return value;
        }
    }

    /** --help: the usage on stdout, exit 0. */
    static final class HelpException extends RuntimeException {
        HelpException() {
            super("help");
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** What a render produced. */
    public record Result(StackRender render, List<SchemaViolation> violations, List<String> planTable, int files,
                         java.util.SortedSet<String> notValidated) {
    }

    static final String USAGE = "usage: render [--stack prod] [--out out/<stack>] [--crds <dir with CRD yaml>] "
            + "[--require-schemas] [--project <dir>]";

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Exit codes: 0 rendered, and valid as far as schemas were found; 1 schema violations; 2 invalid stack input;
     * 3 custom resources left unvalidated under --require-schemas; 4 the --crds directory does not exist; 5 the
     * program stopped itself (a refusal pulumi preview would show as its error, or an SDK the runtime was not written
     * for); 64 usage.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (HelpException e) {
            out.println(USAGE);
            return 0;
        } catch (UsageException e) {
            if (!e.getMessage().isEmpty()) err.println("render: " + e.getMessage());
            err.println(USAGE);
            return 64;
        }
        if (options.crds().isPresent() && !Files.isDirectory(options.crds().get())) {
            err.println("render: --crds " + options.crds().get() + ": no such directory (give the folder of CRD yaml "
                    + "files: scripts/fetch-crds prints one, scripts/dump-crds writes out/crds-live)");
            return 4;
        }
        Result result;
        try {
            result = render(options);
        } catch (ConfigErrors.InvalidConfigException e) {
            err.println(e.getMessage());
            return 2;
        } catch (com.pulumi.exceptions.RunException e) {
            // The program stopped itself (runtime/PulumiRuntime): the message pulumi preview would show as its error.
            err.println(e.getMessage());
            return 5;
        }
        result.planTable().forEach(out::println);
        out.println();
        result.render().run().warnings().forEach(w -> out.println("WARNING " + w));
        var owner = result.render().plan().inputs().ownerValues();
        if (!owner.isEmpty()) {
            // The render shows the stack with placeholders; deploying it is refused (App), so say so before anything.
            out.println("OWNER values still to fill in (this render shows placeholders; pulumi preview and up refuse the stack until they are filled):");
            owner.stream().sorted().forEach(e -> out.println("  - " + e));
        }
        var contract = homelab.backups.plan.GitContract.of(result.render().plan());
        out.println("Wrote " + result.files() + " objects, summary.txt and plan.txt to " + options.project().relativize(options.out().toAbsolutePath())
                + (contract.patches().isEmpty() ? "" : "; the Git side of restore-before-bind (" + contract.patches().size()
                        + " PVC patches, the order in " + homelab.backups.plan.GitContract.INDEX + ") to "
                        + options.project().relativize(options.out().resolve(homelab.backups.plan.GitContract.DIRECTORY).toAbsolutePath())));
        if (!result.violations().isEmpty()) {
            err.println(result.violations().size() + " schema violation(s) against " + options.crds().get() + ":");
            result.violations().forEach(v -> err.println("  " + v));
            return 1;
        }
        if (!result.notValidated().isEmpty()) {
            var where = options.crds().map(d -> "no CRD for them in " + d)
                    .orElse("no CRD directory: pass --crds DIR, run scripts/fetch-crds (the lock's pinned CRDs), or dump the cluster's with scripts/dump-crds");
            err.println("NOT VALIDATED: " + result.notValidated().size() + " kind(s) of custom resource were not checked against any schema ("
                    + where + "): " + String.join(", ", result.notValidated()));
            if (options.requireSchemas()) {
                err.println("render: --require-schemas: failing because not every custom resource was validated");
                return 3;
            }
            return 0;
        }
        out.println("All custom resources are valid against the CRD schemas in " + options.crds().get());
        return 0;
    }

    public static Result render(Options options) {
        var timer = new PhaseTimer();
        var config = StackFile.stackConfig(options.project(), options.stack());
        var plan = Planner.plan(StackInputs.load(config, options.project()));
        timer.mark("load+plan");
        // Reading the CRDs (megabytes of YAML) needs only the settings: on the other core while the program runs.
        var reading = options.crds().map(dir -> CompletableFuture.supplyAsync(() -> catalog(dir, plan.inputs().settings())));
        var render = StackRender.of(plan);
        timer.mark("program under mocks");
        var violations = new ArrayList<SchemaViolation>();
        var notValidated = new java.util.TreeSet<String>();
        if (reading.isPresent()) {
            var catalog = join(reading.get());
            for (var object : render.objects()) {
                if (!object.custom()) continue;
                var apiVersion = String.valueOf(object.object().get("apiVersion"));
                var kind = String.valueOf(object.object().get("kind"));
                if (catalog.has(apiVersion, kind)) violations.addAll(catalog.validate(object.object(), object.patch()));
                else notValidated.add(apiVersion + " " + kind);
            }
            // The database drills' throwaway clusters are created by the drill, from a manifest in a ConfigMap: they
            // are validated as the API server will, when the drill creates them.
            for (var embedded : embedded(render)) {
                var apiVersion = String.valueOf(embedded.get("apiVersion"));
                var kind = String.valueOf(embedded.get("kind"));
                if (catalog.has(apiVersion, kind)) violations.addAll(catalog.validate(embedded, false));
                else notValidated.add(apiVersion + " " + kind + " (in a drill ConfigMap)");
            }
        } else {
            render.objects().stream().filter(RenderedObject::custom)
                    .forEach(o -> notValidated.add(o.object().get("apiVersion") + " " + o.object().get("kind")));
        }
        timer.mark("schema validation");
        var files = write(render, options.out());
        timer.mark("write");
        return new Result(render, violations, render.planTable(), files, notValidated);
    }

    /** Phase timings on stderr when RENDER_TIMINGS is set (used by bench/render.sh, never by tests). */
    static final class PhaseTimer {
        private final boolean on = System.getenv("RENDER_TIMINGS") != null;
        private long last = System.nanoTime();

        void mark(String phase) {
            if (!on) return;
            long now = System.nanoTime();
            System.err.printf("render: %-20s %6d ms%n", phase, (now - last) / 1_000_000);
            last = now;
        }
    }

    /** Validates every custom resource; patches carry only some fields, so required-field checks are off for them. */
    public static List<SchemaViolation> validate(StackRender render, Path crds, Settings settings) {
        var catalog = catalog(crds, settings);
        var violations = new ArrayList<SchemaViolation>();
        for (var object : render.objects()) {
            if (object.custom()) violations.addAll(catalog.validate(object.object(), object.patch()));
        }
        for (var embedded : embedded(render)) violations.addAll(catalog.validate(embedded, false));
        return violations;
    }

    /**
     * The custom resources held in ConfigMaps for a drill to create: the throwaway cluster of each database drill
     * (the ConfigMap labelled homelab-backups/db-drill, key cluster.json).
     */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> embedded(StackRender render) {
        var out = new ArrayList<Map<String, Object>>();
        for (var object : render.objects()) {
            if (!"ConfigMap".equals(object.kind())) continue;
            var metadata = (Map<String, Object>) object.object().get("metadata");
            var labels = metadata == null ? null : (Map<String, Object>) metadata.get("labels");
            if (labels == null || !labels.containsKey(homelab.backups.plan.DatabaseDrillPlan.LABEL)) continue;
            var data = (Map<String, Object>) object.object().get("data");
            var text = data == null ? null : data.get(homelab.backups.kubernetes.DatabaseDrillSpecs.MANIFEST);
            if (!(text instanceof String json)) {
                throw new IllegalStateException(object.path() + " has no " + homelab.backups.kubernetes.DatabaseDrillSpecs.MANIFEST);
            }
            out.add((Map<String, Object>) new org.snakeyaml.engine.v2.api.Load(
                    org.snakeyaml.engine.v2.api.LoadSettings.builder().build()).loadFromString(json));
        }
        return out;
    }

    /** The task's own exception, as if it had run here. */
    private static <T> T join(CompletableFuture<T> task) {
        try {
            return task.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            if (e.getCause() instanceof Error cause) throw cause;
            throw e;
        }
    }

    static CrdCatalog catalog(Path crds, Settings settings) {
        var dirs = new ArrayList<Path>(List.of(crds));
        // The kopia fork's VolSync CRDs replace upstream's for a kopia stack.
        if (settings.volsync().mover() == Settings.Mover.KOPIA && Files.isDirectory(crds.resolve("kopia-fork"))) {
            dirs.add(crds.resolve("kopia-fork"));
        }
        try {
            return CrdCatalog.load(dirs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the objects, summary and plan table; the directory is emptied first so stale files never linger. */
    static int write(StackRender render, Path out) {
        try {
            if (Files.isDirectory(out)) {
                try (Stream<Path> old = Files.walk(out)) {
                    for (var p : old.sorted(Comparator.reverseOrder()).toList()) {
                        if (!p.equals(out)) Files.delete(p);
                    }
                }
            }
            Files.createDirectories(out);
            // Dumping is most of the writing, and each object is its own file: both cores.
            render.objects().parallelStream().forEach(object -> {
                var file = out.resolve(object.path());
                try {
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, yaml(object), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            for (var object : render.objects()) {
                if (!object.kind().equals("PrometheusRule")) continue;
                // The rule groups alone, as Prometheus loads them: what `promtool check rules` and the checked-in
                // `promtool test rules` suites (alerts/tests) read.
                var rules = out.resolve("promtool").resolve(object.name() + ".rules.yaml");
                Files.createDirectories(rules.getParent());
                var spec = (java.util.Map<?, ?>) object.object().get("spec");
                var dump = new Dump(DUMP);
                Files.writeString(rules, "# " + object.path() + " (spec only)\n" + dump.dumpToString(java.util.Map.of("groups", spec.get("groups"))),
                        StandardCharsets.UTF_8);
            }
            Files.write(out.resolve("summary.txt"), render.summary(), StandardCharsets.UTF_8);
            Files.write(out.resolve("plan.txt"), render.planTable(), StandardCharsets.UTF_8);
            // The Git side of restore-before-bind: the plan decides every byte (GitContract), the render only writes it.
            for (var file : homelab.backups.plan.GitContract.of(render.plan()).files().entrySet()) {
                var path = out.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
            }
            return render.objects().size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final DumpSettings DUMP = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setIndent(2)
            .setIndicatorIndent(2).setIndentWithIndicator(true).setWidth(120).build();

    static String yaml(RenderedObject object) {
        var header = new StringBuilder();
        for (var note : object.notes()) header.append("# ").append(note).append('\n');
        var dump = new Dump(DUMP);
        return header + dump.dumpToString(object.object());
    }
}
