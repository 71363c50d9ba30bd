package homelab.backups.render.schema;

import com.networknt.schema.Error;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import tools.jackson.databind.JsonNode;

/**
 * The CRDs of some directories, for validating custom resources the way the API server would,
 * except that unknown fields are errors instead of being pruned.
 *
 * <p>Loading reads every file (schemas without their descriptions); a version's schema is compiled on the first
 * validation against it. CEL rules ({@code x-kubernetes-validations}) are not evaluated:
 * {@link #celRules} counts them and {@link #notes} says so. Thread-safe.
 */
public final class CrdCatalog {

    private final List<Path> directories;
    private final Map<String, CrdDefinition> crds;

    private CrdCatalog(List<Path> directories, Map<String, CrdDefinition> crds) {
        this.directories = directories;
        this.crds = crds;
    }

    /**
     * Reads the {@code *.yaml}/{@code *.yml} files (not recursive) of each directory. A CRD of a later
     * directory replaces the CRD of the same group and kind from an earlier one.
     */
    public static CrdCatalog load(List<Path> directories) throws IOException {
        Map<String, CrdDefinition> crds = new TreeMap<>();
        for (Path dir : directories) {
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                        .filter(Files::isRegularFile)
                        .sorted()
                        .toList();
            }
            // Reading is most of a load (the PGO CRD alone is 2.8 MB of YAML): the files in parallel, kept in order.
            List<List<CrdDefinition>> read;
            try {
                read = files.parallelStream().map(CrdCatalog::read).toList();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            for (List<CrdDefinition> fileCrds : read) {
                for (CrdDefinition crd : fileCrds) crds.put(crd.group + "/" + crd.kind, crd);
            }
        }
        return new CrdCatalog(List.copyOf(directories), crds);
    }

    private static List<CrdDefinition> read(Path file) {
        try {
            return CrdDefinition.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a CRD for the group of {@code apiVersion} and {@code kind} is loaded (any version). */
    public boolean knows(String apiVersion, String kind) {
        return crd(apiVersion, kind) != null;
    }

    /** One line per CRD: group, kind, versions and the file it came from. */
    public List<String> describe() {
        return crds.values().stream()
                .map(c -> c.group + " " + c.kind + " " + c.versions.values().stream()
                        .map(v -> v.name() + (v.served() ? "" : " (not served)"))
                        .toList() + " from " + c.file)
                .toList();
    }

    /** Number of CEL rules of the version's schema, which {@link #validate} does not evaluate. */
    public int celRules(String apiVersion, String kind) {
        return compiled(apiVersion, kind).celRules();
    }

    /** What validation of this version does not check (CEL rules, formats, patterns Java rejects). */
    public List<String> notes(String apiVersion, String kind) {
        return compiled(apiVersion, kind).notes();
    }

    /**
     * Validates a whole object (plain Maps/Lists/scalars) against the schema of its CRD version.
     *
     * @param partial for server-side-apply patches: {@code required} is not checked anywhere
     * @return violations sorted by object, path and message; empty when valid
     */
    public List<SchemaViolation> validate(Map<String, Object> object, boolean partial) {
        String apiVersion = String.valueOf(object.get("apiVersion"));
        String kind = String.valueOf(object.get("kind"));
        String label = apiVersion + " " + kind + " " + name(object.get("metadata"));
        CrdDefinition crd = crd(apiVersion, kind);
        if (crd == null) {
            return List.of(new SchemaViolation(label, "$", "no CRD for " + apiVersion + " " + kind + " in " + directories));
        }
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        CrdDefinition.Version v = crd.versions.get(version);
        if (v == null || !v.served()) {
            return List.of(new SchemaViolation(label, "$.apiVersion", "version " + version + " of " + crd.group + " "
                    + kind + (v == null ? " is not defined; the CRD has " + crd.versions.keySet() : " is not served")
                    + " (" + crd.file + ")"));
        }
        CrdDefinition.Compiled compiled = crd.compiled(version, partial);
        List<Error> errors;
        synchronized (compiled) { // the library builds subschemas on first use, without locking
            errors = compiled.schema().validate(StructuralSchema.value(object));
        }
        return errors.stream()
                .map(e -> violation(label, e))
                .distinct()
                .sorted(SchemaViolation.ORDER)
                .toList();
    }

    private CrdDefinition.Compiled compiled(String apiVersion, String kind) {
        CrdDefinition crd = crd(apiVersion, kind);
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        if (crd == null || !crd.versions.containsKey(version)) {
            throw new IllegalArgumentException("no CRD for " + apiVersion + " " + kind + " in " + directories);
        }
        return crd.compiled(version, false);
    }

    /** Whether a CRD for this kind was loaded (its version may still be missing: that is a violation). */
    public boolean has(String apiVersion, String kind) {
        return crd(apiVersion, kind) != null;
    }

    private CrdDefinition crd(String apiVersion, String kind) {
        int slash = apiVersion == null ? -1 : apiVersion.indexOf('/');
        return slash < 0 ? null : crds.get(apiVersion.substring(0, slash) + "/" + kind);
    }

    private static String name(Object metadata) {
        if (!(metadata instanceof Map<?, ?> m)) return "?";
        Object name = m.get("name");
        Object namespace = m.get("namespace");
        return (namespace == null ? "" : namespace + "/") + (name == null ? "?" : name);
    }

    /** Rewords the validator's errors the way kubectl users read them, pointing at the field itself. */
    private static SchemaViolation violation(String label, Error e) {
        NodePath at = e.getInstanceLocation();
        JsonNode value = e.getInstanceNode();
        String message = switch (e.getKeyword()) {
            case "additionalProperties" -> {
                at = at.append(e.getProperty());
                yield "unknown field \"" + e.getProperty() + "\"";
            }
            case "required" -> {
                at = at.append(e.getProperty());
                yield "required field \"" + e.getProperty() + "\" is missing";
            }
            case "enum" -> "unsupported value " + show(value) + "; allowed: [" + join(e.getSchemaNode(), ", ") + "]";
            case "type" -> "must be " + (e.getSchemaNode().isArray() ? join(e.getSchemaNode(), " or ") : e.getSchemaNode().asString())
                    + ", got " + typed(value);
            case "format" -> show(value) + (e.getSchemaNode().asString().startsWith("int") ? " does not fit " : " is not a valid ")
                    + e.getSchemaNode().asString();
            default -> e.getMessage();
        };
        return new SchemaViolation(label, at.toString(), message);
    }

    private static String join(JsonNode array, String separator) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(n -> n.isString() ? n.asString() : show(n))
                .collect(Collectors.joining(separator));
    }

    /** e.g. {@code string "7"}, {@code integer 7}, {@code null}. */
    private static String typed(JsonNode value) {
        if (value == null || value.isNull() || value.isContainer()) return show(value);
        String type = value.isIntegralNumber() ? "integer" : value.getNodeType().name().toLowerCase(Locale.ROOT);
        return type + " " + show(value);
    }

    /** Prints scalars without JsonNode.toString(), which would start Jackson's JsonMapper (slow when cold). */
    private static String show(JsonNode value) {
        if (value == null || value.isNull()) return "null";
        if (value.isString()) return '"' + value.asString() + '"';
        if (value.isObject()) return "an object";
        if (value.isArray()) return "an array";
        return value.asString();
    }
}
