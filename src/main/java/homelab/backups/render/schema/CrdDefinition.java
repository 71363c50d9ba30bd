package homelab.backups.render.schema;

import com.networknt.schema.Schema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;

/**
 * One CRD: indexed from a skeleton read of its file (schemas deferred), schemas parsed and
 * compiled on first use and cached.
 */
final class CrdDefinition {

    record Version(String name, boolean served, Object schema) {}

    /** A compiled version schema plus what the conversion noticed (CEL rules, skipped checks). */
    record Compiled(Schema schema, int celRules, List<String> notes) {}

    final String group;
    final String kind;
    final Path file;
    final Map<String, Version> versions;
    private final BlockYaml yaml;
    private final int[] lines;
    private final Map<String, Map<?, ?>> parsed = new HashMap<>();
    private final Map<String, Compiled> compiled = new HashMap<>();

    private CrdDefinition(String group, String kind, Path file, Map<String, Version> versions, BlockYaml yaml, int[] lines) {
        this.group = group;
        this.kind = kind;
        this.file = file;
        this.versions = versions;
        this.yaml = yaml;
        this.lines = lines;
    }

    /** Indexes the CRDs of one file; only names and versions are read, schemas stay text. */
    static List<CrdDefinition> read(Path file) throws IOException {
        String text = Files.readString(file);
        BlockYaml yaml = new BlockYaml(text);
        List<CrdDefinition> crds = new ArrayList<>();
        try {
            List<int[]> documents;
            try {
                documents = yaml.documents();
            } catch (BlockYaml.Unsupported e) { // directives or content on marker lines: snakeyaml splits
                for (Object doc : new Load(BlockYaml.settings()).loadAllFromString(text)) add(crds, of(doc, file, null, null));
                return crds;
            }
            for (int[] lines : documents) {
                Object doc;
                try {
                    doc = yaml.parse(lines[0], lines[1], "schema", true);
                } catch (BlockYaml.Unsupported e) {
                    doc = BlockYaml.loadWithSnakeyaml(yaml.text(lines[0], lines[1]));
                }
                add(crds, of(doc, file, yaml, lines));
            }
        } catch (RuntimeException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return crds;
    }

    private static void add(List<CrdDefinition> crds, CrdDefinition crd) {
        if (crd != null) crds.add(crd);
    }

    private static CrdDefinition of(Object doc, Path file, BlockYaml yaml, int[] lines) throws IOException {
        if (!(doc instanceof Map<?, ?> m) || !"CustomResourceDefinition".equals(m.get("kind"))) return null;
        if (!"apiextensions.k8s.io/v1".equals(m.get("apiVersion"))) {
            throw new IOException(file + ": only apiextensions.k8s.io/v1 CRDs are supported, found " + m.get("apiVersion"));
        }
        try {
            Map<?, ?> spec = (Map<?, ?>) m.get("spec");
            Map<String, Version> versions = new LinkedHashMap<>();
            for (Object v : (List<?>) spec.get("versions")) {
                Map<?, ?> version = (Map<?, ?>) v;
                String name = (String) version.get("name");
                versions.put(name, new Version(name, Boolean.TRUE.equals(version.get("served")), version.get("schema")));
            }
            String kind = (String) ((Map<?, ?>) spec.get("names")).get("kind");
            return new CrdDefinition((String) spec.get("group"), kind, file, versions, yaml, lines);
        } catch (ClassCastException | NullPointerException e) {
            throw new IOException(file + ": malformed CRD (" + e + ")", e);
        }
    }

    /** The compiled schema of a version (which must exist): parsed once, compiled once per mode. */
    synchronized Compiled compiled(String version, boolean partial) {
        return compiled.computeIfAbsent(version + (partial ? "/partial" : ""), key -> {
            Map<?, ?> openApi = parsed.computeIfAbsent(version, v -> openApiV3Schema(versions.get(v)));
            StructuralSchema structural = new StructuralSchema(openApi, partial);
            return new Compiled(SchemaDialect.compile(structural.json), structural.celRules, List.copyOf(structural.notes));
        });
    }

    private Map<?, ?> openApiV3Schema(Version v) {
        Object schema = v.schema();
        if (schema instanceof BlockYaml.Deferred deferred) {
            synchronized (yaml) { // one BlockYaml may serve several CRDs of a multi-document file
                try {
                    schema = yaml.parseDeferred(deferred, true);
                } catch (BlockYaml.Unsupported e) {
                    schema = fullVersion(v.name()).get("schema");
                }
            }
        }
        if (!(schema instanceof Map<?, ?> s) || !(s.get("openAPIV3Schema") instanceof Map<?, ?> openApi)) {
            throw new IllegalStateException(file + ": " + kind + " " + v.name() + " has no schema.openAPIV3Schema");
        }
        return openApi;
    }

    private Map<?, ?> fullVersion(String name) {
        Map<?, ?> doc = (Map<?, ?>) BlockYaml.loadWithSnakeyaml(yaml.text(lines[0], lines[1]));
        for (Object v : (List<?>) ((Map<?, ?>) doc.get("spec")).get("versions")) {
            if (name.equals(((Map<?, ?>) v).get("name"))) return (Map<?, ?>) v;
        }
        throw new IllegalStateException(file + ": version " + name + " vanished");
    }
}
