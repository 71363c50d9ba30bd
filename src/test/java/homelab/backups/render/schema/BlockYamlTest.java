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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;

/** The fast reader must agree with snakeyaml on every real CRD and on the tricky bits of YAML. */
class BlockYamlTest {

    @Test
    void agreesWithSnakeyamlOnEveryCrdFile() throws IOException {
        Path crds = TestCrds.dir();
        List<Path> files;
        try (Stream<Path> a = Files.list(crds); Stream<Path> b = Files.list(crds.resolve("kopia-fork"))) {
            files = Stream.concat(a, b).filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 16, "CRD files under " + crds.toAbsolutePath());
        for (Path file : files) {
            String text = Files.readString(file);
            List<Object> expected = new ArrayList<>();
            new Load(BlockYaml.settings()).loadAllFromString(text).forEach(expected::add);
            BlockYaml yaml = new BlockYaml(text);
            List<Object> actual = new ArrayList<>();
            for (int[] doc : yaml.documents()) {
                Object parsed = yaml.parse(doc[0], doc[1], null, false);
                if (parsed != null || doc[1] > doc[0]) actual.add(parsed);
            }
            expected.removeIf(x -> x == null);
            actual.removeIf(x -> x == null);
            assertEquals(expected, actual, file.toString());
        }
    }

    @Test
    void deferredSchemasDropOnlyScalarDescriptions() {
        String text = """
                spec:
                  versions:
                  - name: v1
                    schema:
                      openAPIV3Schema:
                        description: |-
                          Long text
                          over lines
                        properties:
                          description:
                            description: a field named description
                            type: string
                    served: true
                """;
        BlockYaml yaml = new BlockYaml(text);
        Map<?, ?> doc = (Map<?, ?>) yaml.parse(0, yaml.documents().get(0)[1], "schema", false);
        Map<?, ?> v1 = (Map<?, ?>) ((List<?>) ((Map<?, ?>) doc.get("spec")).get("versions")).get(0);
        assertEquals(true, v1.get("served"));
        Object schema = yaml.parseDeferred((BlockYaml.Deferred) v1.get("schema"), true);
        assertEquals(Map.of("openAPIV3Schema", Map.of("properties", Map.of("description", Map.of("type", "string")))), schema);
    }

    @Test
    void readsScalarsLikeSnakeyaml() {
        String text = """
                # comment
                a: 1
                b: 1.5
                c: true
                d: ~
                e: "quoted: \\"x\\""
                f: 'single ''q'''
                g: [x, "y"]
                h: {}
                i: plain # trailing comment
                j: >-
                  folded
                  text
                k: multi
                  line plain
                l: |
                  keep

                  blank
                m:
                - x
                -   y: 1
                    z: 2
                -
                  - nested
                n: 0x1F
                o: "2024-01-01"
                p: http://x:80/y
                q: ""
                r: 'it''s'
                s: "dq"
                t: []
                u: {}
                v: null
                w: 3000000000
                x: 99999999999999999999
                y: -1.5e3
                z: True
                aa: folded plain
                  over "three"

                  lines, one blank
                bb: .5
                cc: 1.
                dd: -0
                ee: 012
                """;
        Object expected = new Load(BlockYaml.settings()).loadFromString(text);
        BlockYaml yaml = new BlockYaml(text);
        assertEquals(expected, yaml.parse(0, yaml.documents().get(0)[1], null, false));
        assertEquals(LinkedHashMap.class, yaml.parse(0, yaml.documents().get(0)[1], null, false).getClass());
    }

    @Test
    void refusesWhatItCannotRepresent() {
        for (String text : List.of("a: &x 1\nb: *x\n", "a: !!str 1\n", "? a\n: b\n", "\"a\": 1\n", "a: 1\n  b: 2\n", "a: |2\n   x\n")) {
            BlockYaml yaml = new BlockYaml(text);
            assertThrows(BlockYaml.Unsupported.class, () -> yaml.parse(0, yaml.documents().get(0)[1], null, false), text);
        }
    }
}
