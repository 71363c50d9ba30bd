package homelab.backups.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads {@code Pulumi.<stack>.yaml}: the set of this program's keys, and (for the offline render and ./verify) their
 * values. A file that is missing or does not parse is an error naming the file (and line), never read as empty: an
 * empty settings file yields a page of unrelated "is required" errors at best, a plan on defaults at worst.
 */
public final class StackFile {
    /** Nulls kept: a key written with no value is an error the loaders report, not a key that silently vanishes. */
    private static final com.google.gson.Gson JSON = new com.google.gson.GsonBuilder().serializeNulls().create();

    private StackFile() {
    }

    /** The stack file's name for {@code stack}. */
    public static String fileName(String stack) {
        return "Pulumi." + stack + ".yaml";
    }

    /**
     * The {@code homelab-backups:*} keys written in the stack file, or empty when there is no such file or it does
     * not parse (under {@code pulumi}, the CLI reads the file first and reports its syntax errors itself).
     */
    public static Optional<Set<String>> keys(Path projectDir, String stack) {
        return config(projectDir, stack).map(config -> {
            var keys = new TreeSet<String>();
            for (var key : config.keySet()) {
                if (key.startsWith(StackConfig.NAMESPACE + ":")) keys.add(key.substring(StackConfig.NAMESPACE.length() + 1));
            }
            return keys;
        });
    }

    /**
     * The stack's configuration read straight from its file, for runs without the Pulumi CLI (the offline render,
     * ./verify). Encrypted values ({@code secure:}) are present as keys only; their values never leave the file.
     *
     * @throws ConfigErrors.InvalidConfigException when the file is missing or is not a YAML mapping
     */
    public static StackConfig stackConfig(Path projectDir, String stack) {
        var errors = new ConfigErrors();
        var config = read(projectDir, stack, errors);
        errors.throwIfAny();
        var problems = namespaceProblems(config, fileName(stack));
        if (config.keySet().stream().noneMatch(k -> k.startsWith(StackConfig.NAMESPACE + ":"))) {
            // Nothing of ours: say that (or where the settings went), not what each section would lack.
            if (problems.isEmpty()) {
                errors.add(fileName(stack), "", "config", "holds no " + StackConfig.NAMESPACE + ": settings (the file is "
                        + "empty, or its config: section is missing or empty): every stack needs at least s3 and volsync "
                        + "(Pulumi.prod.yaml is a complete example)");
            }
            errors.addAll(problems);
            errors.throwIfAny();
        }
        var values = new java.util.TreeMap<String, String>();
        config.forEach((key, value) -> {
            if (!key.startsWith(StackConfig.NAMESPACE + ":")) return;
            var shortKey = key.substring(StackConfig.NAMESPACE.length() + 1);
            if (value instanceof Map<?, ?> m && m.size() == 1 && m.containsKey("secure")) values.put(shortKey, "[secret]");
            else if (value instanceof String text) values.put(shortKey, text);
            else values.put(shortKey, JSON.toJson(value));
        });
        var base = StackConfig.of(stack, values);
        return new StackConfig(stack, base.file(), base.values(), base.keysInFile(), problems);
    }

    /** The raw {@code config:} mapping of the stack file; empty when it is missing or does not parse. */
    public static Optional<Map<String, Object>> config(Path projectDir, String stack) {
        if (!Files.isRegularFile(projectDir.resolve(fileName(stack)))) return Optional.empty();
        var errors = new ConfigErrors();
        var config = read(projectDir, stack, errors);
        return errors.isEmpty() ? Optional.of(config) : Optional.empty();
    }

    /** Problems with the namespaces of the stack file's keys (see {@link #namespaceProblems(Map, String)}). */
    public static List<ConfigError> namespaceProblems(Path projectDir, String stack) {
        return config(projectDir, stack).map(c -> namespaceProblems(c, fileName(stack))).orElse(List.of());
    }

    /**
     * A key under a namespace that looks like this program's but is not ({@code homelab-backup:},
     * {@code homelab_backups:}, {@code Homelab-Backups:}) would be ignored by every reader: it is an error.
     */
    static List<ConfigError> namespaceProblems(Map<String, Object> config, String file) {
        var out = new ArrayList<ConfigError>();
        for (var key : new TreeSet<>(config.keySet())) {
            int colon = key.indexOf(':');
            var namespace = colon < 0 ? key : key.substring(0, colon);
            if (namespace.equals(StackConfig.NAMESPACE)) continue;
            if (colon < 0) {
                out.add(new ConfigError(file, "config", key, "has no namespace: write " + StackConfig.NAMESPACE + ":"
                        + key + " (every key of this program starts with " + StackConfig.NAMESPACE + ":)"));
            } else if (resembles(namespace)) {
                out.add(new ConfigError(file, "config", key, "unknown namespace '" + namespace + ":', which nothing reads: "
                        + "this program's settings are under " + StackConfig.NAMESPACE + ": (write "
                        + StackConfig.NAMESPACE + key.substring(colon) + ")"));
            }
        }
        return out;
    }

    /** Whether a namespace is this program's, misspelt: the same letters ignoring case and separators, or one edit away. */
    static boolean resembles(String namespace) {
        var a = namespace.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        var b = StackConfig.NAMESPACE.replaceAll("[^a-z0-9]", "");
        return a.equals(b) || distance(a, b) <= 2 || a.startsWith("homelab");
    }

    private static int distance(String a, String b) {
        var d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1),
                        d[i - 1][j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
        }
        return d[a.length()][b.length()];
    }

    /** The {@code config:} mapping, or an error naming the file (and the line) and an empty mapping. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(Path projectDir, String stack, ConfigErrors errors) {
        var name = fileName(stack);
        var path = projectDir.resolve(name);
        if (!Files.isRegularFile(path)) {
            errors.add(name, "", "", "file not found in " + projectDir + ": every stack needs its settings file (known "
                    + "stacks here: " + knownStacks(projectDir) + "); check --stack, or create it with pulumi stack init "
                    + stack + " and the settings of README: Configuration");
            return Map.of();
        }
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            errors.add(name, "", "", "cannot read: " + e.getMessage());
            return Map.of();
        }
        Object root;
        try {
            root = new Load(LoadSettings.builder().setAllowDuplicateKeys(false).setLabel(name).build()).loadFromString(text);
        } catch (YamlEngineException e) {
            errors.add(name, "", "", yamlProblem(e));
            return Map.of();
        }
        if (root == null) root = Map.of();
        if (!(root instanceof Map<?, ?> map)) {
            errors.add(name, "", "", "must be a YAML mapping with a config: section, got " + kind(root));
            return Map.of();
        }
        var config = map.get("config");
        if (config == null) return Map.of();
        if (!(config instanceof Map<?, ?>)) {
            errors.add(name, "", "config", "must be a mapping of namespace:key to value, got " + kind(config));
            return Map.of();
        }
        for (var key : ((Map<?, ?>) config).keySet()) {
            if (!(key instanceof String)) {
                errors.add(name, "config", String.valueOf(key), "is not a text key such as " + StackConfig.NAMESPACE + ":s3");
                return Map.of();
            }
        }
        return (Map<String, Object>) config;
    }

    /**
     * A YAML syntax error as one line that starts with where it is: {@code line 12, column 1: <problem>}, and what to
     * do about a tab (the commonest cause).
     */
    public static String yamlProblem(YamlEngineException e) {
        if (e instanceof MarkedYamlEngineException marked && marked.getProblemMark().isPresent()) {
            var mark = marked.getProblemMark().get();
            var problem = Optional.ofNullable(marked.getProblem()).orElse("");
            var context = Optional.ofNullable(marked.getContext()).filter(c -> !c.isBlank()).map(c -> " (" + c + ")").orElse("");
            var tab = (problem.contains("\\t") || problem.contains("\t")) && !problem.contains("indentation")
                    ? "; YAML indents with spaces, never tabs" : "";
            return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": malformed YAML: "
                    + problem.replace('\n', ' ').replaceAll(" +", " ").trim() + context + tab;
        }
        return "malformed YAML: " + String.valueOf(e.getMessage()).replace('\n', ' ').replaceAll(" +", " ");
    }

    private static String kind(Object value) {
        if (value instanceof List) return "a list";
        if (value instanceof Map) return "a mapping";
        return "'" + value + "'";
    }

    private static String knownStacks(Path projectDir) {
        try (var files = Files.list(projectDir)) {
            var stacks = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("Pulumi.") && n.endsWith(".yaml") && !n.equals("Pulumi.yaml"))
                    .map(n -> n.substring("Pulumi.".length(), n.length() - ".yaml".length())).sorted().toList();
            return stacks.isEmpty() ? "none" : String.join(", ", stacks);
        } catch (IOException e) {
            return "unknown";
        }
    }
}
