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
import java.util.Optional;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The offline render: runs the real program under mocks with placeholder credentials, writes every object it
 * would apply (one YAML file each, by wave and namespace), a summary of everything else and the plan table, and
 * validates each custom resource against its CRD schema. No cluster, no credentials, no network.
 *
 * <pre>render [--stack prod] [--out out/&lt;stack&gt;] [--crds ../shared/crds] [--project .]</pre>
 */
public final class Render {
    private Render() {
    }

    /** Parsed command line. */
    public record Options(String stack, Path out, Optional<Path> crds, Path project) {
        static Options parse(String[] args) {
            String stack = "prod";
            Path out = null;
            Optional<Path> crds = Optional.empty();
            var project = Path.of("").toAbsolutePath();
            for (int i = 0; i < args.length; i++) {
                var value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--stack" -> stack = require(args[i], value);
                    case "--out" -> out = Path.of(require(args[i], value));
                    case "--crds" -> crds = Optional.of(Path.of(require(args[i], value)));
                    case "--project" -> project = Path.of(require(args[i], value)).toAbsolutePath();
                    case "-h", "--help" -> throw new UsageException("");
                    default -> throw new UsageException("unknown argument " + args[i]);
                }
                i++;
            }
            if (crds.isEmpty()) {
                var shared = project.resolve("../shared/crds").normalize();
                if (Files.isDirectory(shared)) crds = Optional.of(shared);
            }
            return new Options(stack, out == null ? project.resolve("out").resolve(stack) : out, crds, project);
        }

        private static String require(String flag, String value) {
            if (value == null) throw new UsageException(flag + " needs a value");
            return value;
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** What a render produced. */
    public record Result(StackRender render, List<SchemaViolation> violations, List<String> planTable, int files) {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Exit codes: 0 rendered and valid, 1 schema violations, 2 invalid stack input, 64 usage. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            if (!e.getMessage().isEmpty()) err.println("render: " + e.getMessage());
            err.println("usage: render [--stack prod] [--out out/<stack>] [--crds <dir with CRD yaml>] [--project <dir>]");
            return 64;
        }
        Result result;
        try {
            result = render(options);
        } catch (ConfigErrors.InvalidConfigException e) {
            err.println(e.getMessage());
            return 2;
        }
        result.planTable().forEach(out::println);
        out.println();
        result.render().run().warnings().forEach(w -> out.println("WARNING " + w));
        out.println("Wrote " + result.files() + " objects, summary.txt and plan.txt to " + options.project().relativize(options.out().toAbsolutePath()));
        if (options.crds().isEmpty()) {
            err.println("schema validation skipped: no CRD directory (pass --crds, e.g. CRDs dumped with kubectl get crd -o yaml)");
            return 0;
        }
        if (!result.violations().isEmpty()) {
            err.println(result.violations().size() + " schema violation(s) against " + options.crds().get() + ":");
            result.violations().forEach(v -> err.println("  " + v));
            return 1;
        }
        out.println("All custom resources are valid against the CRD schemas in " + options.crds().get());
        return 0;
    }

    public static Result render(Options options) {
        var timer = new PhaseTimer();
        var config = StackFile.stackConfig(options.project(), options.stack());
        var plan = Planner.plan(StackInputs.load(config, options.project()));
        timer.mark("load+plan");
        var render = StackRender.of(plan);
        timer.mark("program under mocks");
        var violations = options.crds().map(dir -> validate(render, dir, plan.inputs().settings())).orElse(List.of());
        timer.mark("schema validation");
        var files = write(render, options.out());
        timer.mark("write");
        return new Result(render, violations, render.planTable(), files);
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
        var dirs = new ArrayList<Path>(List.of(crds));
        // The kopia fork's VolSync CRDs replace upstream's for a kopia stack.
        if (settings.volsync().mover() == Settings.Mover.KOPIA && Files.isDirectory(crds.resolve("kopia-fork"))) {
            dirs.add(crds.resolve("kopia-fork"));
        }
        CrdCatalog catalog;
        try {
            catalog = CrdCatalog.load(dirs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var violations = new ArrayList<SchemaViolation>();
        for (var object : render.objects()) {
            if (object.custom()) violations.addAll(catalog.validate(object.object(), object.patch()));
        }
        return violations;
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
            for (var object : render.objects()) {
                var file = out.resolve(object.path());
                Files.createDirectories(file.getParent());
                Files.writeString(file, yaml(object), StandardCharsets.UTF_8);
            }
            for (var object : render.objects()) {
                if (!object.kind().equals("PrometheusRule")) continue;
                // The rule groups alone, as Prometheus loads them: what `promtool check rules` and the checked-in
                // `promtool test rules` suites (alerts/tests) read.
                var rules = out.resolve("promtool").resolve(object.name() + ".rules.yaml");
                Files.createDirectories(rules.getParent());
                var spec = (java.util.Map<?, ?>) object.object().get("spec");
                var dump = new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setIndent(2)
                        .setIndicatorIndent(2).setIndentWithIndicator(true).setWidth(120).build());
                Files.writeString(rules, "# " + object.path() + " (spec only)\n" + dump.dumpToString(java.util.Map.of("groups", spec.get("groups"))),
                        StandardCharsets.UTF_8);
            }
            Files.write(out.resolve("summary.txt"), render.summary(), StandardCharsets.UTF_8);
            Files.write(out.resolve("plan.txt"), render.planTable(), StandardCharsets.UTF_8);
            return render.objects().size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String yaml(RenderedObject object) {
        var header = new StringBuilder();
        for (var note : object.notes()) header.append("# ").append(note).append('\n');
        var dump = new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setIndent(2)
                .setIndicatorIndent(2).setIndentWithIndicator(true).setWidth(120).build());
        return header + dump.dumpToString(object.object());
    }
}
