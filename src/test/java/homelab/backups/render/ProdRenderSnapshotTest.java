package homelab.backups.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prod's values are pinned here and in prod-urns.txt, nowhere else (the rule tests run on the test stack): what
 * {@code ./render --stack prod} writes is committed under {@code src/test/resources/render-snapshot/prod}, so a change
 * of prod's inventory or settings, or of what the program makes of them, shows in a pull request as a diff of the
 * rendered objects, and a reshaping that claims to change nothing proves it. After a deliberate change:
 * {@code scripts/update-render-snapshot}, then review and commit the diff.
 */
class ProdRenderSnapshotTest {
    static final Path SNAPSHOT = Path.of("src/test/resources/render-snapshot/prod");

    @TempDir
    Path tmp;

    @Test
    void theProdRenderIsTheCommittedSnapshot() throws IOException {
        var out = new ByteArrayOutputStream();
        int code = Render.run(new String[] {"--stack", "prod", "--out", tmp.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals(0, code, () -> out.toString(StandardCharsets.UTF_8));
        assertTrue(Files.isDirectory(SNAPSHOT), SNAPSHOT + " is missing: run scripts/update-render-snapshot");
        var rendered = files(tmp);
        var committed = files(SNAPSHOT);
        var differences = new ArrayList<String>();
        var all = new TreeSet<>(rendered);
        all.addAll(committed);
        for (var name : all) {
            if (!committed.contains(name)) differences.add("new:     " + name);
            else if (!rendered.contains(name)) differences.add("gone:    " + name);
            else if (!Files.readString(tmp.resolve(name)).equals(Files.readString(SNAPSHOT.resolve(name)))) {
                differences.add("changed: " + name);
            }
        }
        assertEquals(java.util.List.of(), differences, "the prod render differs from " + SNAPSHOT + " (see with: ./render "
                + "--stack prod --out /tmp/prod && diff -r " + SNAPSHOT + " /tmp/prod). If the change is meant, run "
                + "scripts/update-render-snapshot and commit the diff for review");
    }

    private static TreeSet<String> files(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            var names = new TreeSet<String>();
            walk.filter(Files::isRegularFile).forEach(p -> names.add(dir.relativize(p).toString()));
            return names;
        }
    }
}
