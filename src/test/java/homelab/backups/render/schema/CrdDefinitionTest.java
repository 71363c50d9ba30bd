package homelab.backups.render.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.render.TestCrds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;

/** How CRD files are read: documents, scalar typing, what is left out, and what is refused. */
class CrdDefinitionTest {

    @TempDir
    Path dir;

    static String crd(String kind, String schemaProperties) {
        return """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                spec:
                  group: example.com
                  names:
                    kind: %s
                  versions:
                  - name: v1
                    served: true
                    schema:
                      openAPIV3Schema:
                        description: |-
                          Long text
                          over lines
                        type: object
                        properties:
                %s
                  - name: v0
                    served: false
                """.formatted(kind, schemaProperties.indent(10).stripTrailing());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void everyCrdOfAMultiDocumentFileInOrderOtherDocumentsSkipped() throws IOException {
        String spec = "spec:\n  type: string";
        Path file = write("multi.yaml", "%YAML 1.2\n---\n" + crd("First", spec) + "--- # a comment on the marker\n"
                + "apiVersion: v1\nkind: ConfigMap\n---\n---\n" + crd("Second", spec) + "...\n");
        List<CrdDefinition> crds = CrdDefinition.read(file);
        assertEquals(List.of("First", "Second"), crds.stream().map(c -> c.kind).toList());
        assertEquals(List.of("v1", "v0"), List.copyOf(crds.get(1).versions.keySet()));
        assertEquals(List.of(true, false), crds.get(1).versions.values().stream().map(CrdDefinition.Version::served).toList());
    }

    @Test
    void schemasLeaveOutScalarDescriptionsOnly() throws IOException {
        Path file = write("d.yaml", crd("D", "description:\n  description: a field named description\n  type: string"));
        Object schema = CrdDefinition.read(file).get(0).versions.get("v1").schema();
        assertEquals(Map.of("openAPIV3Schema", Map.of("type", "object",
                "properties", Map.of("description", Map.of("type", "string")))), schema);
    }

    /** YAML 1.2's JSON schema, as before snakeyaml: YAML 1.1 would make booleans of On/yes and an octal of 0777. */
    @Test
    void scalarsAreTypedByTheJsonSchema() {
        String text = """
                enum: [On, Off, yes, no, "true"]
                bools: [true, false, True]
                nulls: [null, ~, ""]
                numbers: [1, 3000000000, 99999999999999999999, 1.5, -1.5e3, 0777, 0x1F, .5]
                strings: ['it''s', "dq \\"x\\"", http://x:80/y, 2024-01-01]
                folded: >-
                  folded
                  text
                literal: |
                  keep

                  blank
                plain: multi
                  line
                """;
        Map<?, ?> doc = (Map<?, ?>) CrdYaml.documents(text, false).get(0);
        assertEquals(List.of("On", "Off", "yes", "no", "true"), doc.get("enum"));
        assertEquals(List.of(true, false, "True"), doc.get("bools"));
        assertEquals(java.util.Arrays.asList(null, "~", ""), doc.get("nulls"));
        assertEquals(List.of(1, 3000000000L, new java.math.BigInteger("99999999999999999999"), 1.5, -1500.0, "0777", "0x1F", ".5"),
                doc.get("numbers"));
        assertEquals(List.of("it's", "dq \"x\"", "http://x:80/y", "2024-01-01"), doc.get("strings"));
        assertEquals("folded text", doc.get("folded"));
        assertEquals("keep\n\nblank\n", doc.get("literal"));
        assertEquals("multi line", doc.get("plain"));
        // and exactly what snakeyaml's Load returns with the same settings
        assertEquals(new Load(CrdYaml.SETTINGS).loadFromString(text), doc);
        assertEquals(LinkedHashMap.class, doc.getClass());
    }

    @Test
    void anEnumOnStaysAString() throws IOException {
        write("on.yaml", crd("Switch", "spec:\n  type: string\n  enum: [On, Off]"));
        CrdCatalog catalog = CrdCatalog.load(List.of(dir));
        Map<String, Object> on = new LinkedHashMap<>(Map.of("apiVersion", "example.com/v1", "kind", "Switch",
                "metadata", Map.of("name", "x"), "spec", "On"));
        assertEquals(List.of(), catalog.validate(on, false));
        on.put("spec", true);
        assertTrue(catalog.validate(on, false).get(0).message().contains("must be string"), catalog.validate(on, false).toString());
    }

    /** Anchors, aliases and tags are snakeyaml's Load to read; a complex key is refused as Load refuses it. */
    @Test
    void whatTheFastReadLeavesToSnakeyamlReadsLikeLoad() {
        for (String text : List.of("a: &x {b: 1}\nc: *x\n", "a: !!str 1\nb: !!int \"2\"\n")) {
            assertEquals(new Load(CrdYaml.SETTINGS).loadFromString(text), CrdYaml.documents(text, true).get(0), text);
        }
        assertThrows(org.snakeyaml.engine.v2.exceptions.YamlEngineException.class, () -> CrdYaml.documents("? [a]\n: b\n", true));
    }

    /** The fast read gives what snakeyaml's Load gives, on every CRD the project reads. */
    @Test
    void readsEveryRealCrdFileLikeLoad() throws IOException {
        Path crds = TestCrds.dir();
        List<Path> files;
        try (Stream<Path> a = Files.list(crds); Stream<Path> b = Files.list(crds.resolve("kopia-fork"))) {
            files = Stream.concat(a, b).filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 16, "CRD files under " + crds.toAbsolutePath());
        for (Path file : files) {
            String text = Files.readString(file);
            List<Object> expected = new ArrayList<>();
            new Load(CrdYaml.SETTINGS).loadAllFromString(text).forEach(expected::add);
            expected.removeIf(Objects::isNull);
            assertEquals(expected, CrdYaml.documents(text, false), file.toString());
        }
    }

    @Test
    void badYamlAndDuplicateKeysAreErrorsWithTheirLine() throws IOException {
        Path bad = write("bad.yaml", "apiVersion: v1\nkind: [\n");
        IOException e = assertThrows(IOException.class, () -> CrdDefinition.read(bad));
        assertTrue(e.getMessage().contains("bad.yaml") && e.getMessage().contains("line"), e.getMessage());
        Path duplicate = write("dup.yaml", "apiVersion: v1\nkind: A\nkind: B\n");
        e = assertThrows(IOException.class, () -> CrdDefinition.read(duplicate));
        assertTrue(e.getMessage().contains("kind") && e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void onlyV1Crds() throws IOException {
        Path file = write("beta.yaml", crd("Old", "spec:\n  type: string").replace("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"));
        IOException e = assertThrows(IOException.class, () -> CrdDefinition.read(file));
        assertTrue(e.getMessage().contains("only apiextensions.k8s.io/v1"), e.getMessage());
    }
}
