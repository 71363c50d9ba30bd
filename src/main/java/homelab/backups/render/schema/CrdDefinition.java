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

/**
 * One CRD: read from its file with the schemas' descriptions left out (CrdYaml), each version's schema compiled on
 * first use and cached.
 */
final class CrdDefinition {

    record Version(String name, boolean served, Object schema) {}

    /** A compiled version schema plus what the conversion noticed (CEL rules, skipped checks). */
    record Compiled(Schema schema, int celRules, List<String> notes) {}

    final String group;
    final String kind;
    final Path file;
    final Map<String, Version> versions;
    private final Map<String, Compiled> compiled = new HashMap<>();

    private CrdDefinition(String group, String kind, Path file, Map<String, Version> versions) {
        this.group = group;
        this.kind = kind;
        this.file = file;
        this.versions = versions;
    }

    /** The CRDs of one file, in the order of its documents; documents of other kinds are skipped. */
    static List<CrdDefinition> read(Path file) throws IOException {
        String text = Files.readString(file);
        List<Object> documents;
        try {
            documents = CrdYaml.documents(text, true);
        } catch (RuntimeException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<CrdDefinition> crds = new ArrayList<>();
        for (Object doc : documents) {
            CrdDefinition crd = of(doc, file);
            if (crd != null) crds.add(crd);
        }
        return crds;
    }

    private static CrdDefinition of(Object doc, Path file) throws IOException {
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
            return new CrdDefinition((String) spec.get("group"), kind, file, versions);
        } catch (ClassCastException | NullPointerException e) {
            throw new IOException(file + ": malformed CRD (" + e + ")", e);
        }
    }

    /** The compiled schema of a version (which must exist), once per mode. */
    synchronized Compiled compiled(String version, boolean partial) {
        return compiled.computeIfAbsent(version + (partial ? "/partial" : ""), key -> {
            StructuralSchema structural = new StructuralSchema(openApiV3Schema(versions.get(version)), partial);
            return new Compiled(SchemaDialect.compile(structural.json), structural.celRules, List.copyOf(structural.notes));
        });
    }

    private Map<?, ?> openApiV3Schema(Version v) {
        if (!(v.schema() instanceof Map<?, ?> s) || !(s.get("openAPIV3Schema") instanceof Map<?, ?> openApi)) {
            throw new IllegalStateException(file + ": " + kind + " " + v.name() + " has no schema.openAPIV3Schema");
        }
        return openApi;
    }
}
