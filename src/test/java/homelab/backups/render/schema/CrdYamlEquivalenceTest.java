package homelab.backups.render.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.render.TestCrds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Before BlockYaml goes: snakeyaml (CrdYaml) reads every CRD file the project uses into the same maps. */
class CrdYamlEquivalenceTest {

    @Test
    void sameMapsAsBlockYamlForEveryCrdFile() throws IOException {
        Path crds = TestCrds.dir();
        List<Path> files;
        try (Stream<Path> a = Files.list(crds); Stream<Path> b = Files.list(crds.resolve("kopia-fork"))) {
            files = Stream.concat(a, b).filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 16, "CRD files under " + crds.toAbsolutePath());
        int documents = 0;
        for (Path file : files) {
            String text = Files.readString(file);
            for (boolean drop : new boolean[] {false, true}) {
                BlockYaml yaml = new BlockYaml(text);
                List<Object> old = new ArrayList<>();
                for (int[] doc : yaml.documents()) {
                    Object parsed = yaml.parse(doc[0], doc[1], null, drop);
                    if (parsed != null) old.add(parsed);
                }
                List<Object> now = CrdYaml.documents(text, drop);
                assertEquals(old, now, file + (drop ? " (descriptions dropped)" : ""));
                documents += now.size();
            }
        }
        System.out.println("CrdYamlEquivalenceTest: " + files.size() + " files, " + documents / 2 + " documents, identical maps with and without descriptions");
    }
}
