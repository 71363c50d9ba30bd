package homelab.backups.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the schema tests find the CRDs (issue 23): as ./render does, a half-filled directory never counts, a
 * missing one skips saying why, and a named one that is unusable fails.
 */
class TestCrdsTest {
    @TempDir
    Path tmp;

    /** A project folder with the real lock, beside {@code shared/} (empty unless filled), and a cache home. */
    Path project() throws IOException {
        var project = Files.createDirectories(tmp.resolve("clone"));
        Files.createDirectories(project.resolve("crds"));
        Files.copy(TestStacks.PROJECT.resolve("crds/crds.lock.yaml"), project.resolve("crds/crds.lock.yaml"));
        return project;
    }

    static void fill(Path dir, boolean complete) throws IOException {
        var files = TestCrds.lockFiles(TestStacks.PROJECT);
        for (var f : complete ? files : files.subList(1, files.size())) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.writeString(dir.resolve(f), "kind: CustomResourceDefinition\n");
        }
    }

    Path cacheOf(Path project, Path home) throws Exception {
        var digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(project.resolve("crds/crds.lock.yaml")));
        return home.resolve("homelab-backups/crds").resolve(HexFormat.of().formatHex(digest).substring(0, 12));
    }

    @Test
    void nothingFoundIsASkipThatSaysWhereItLookedAndWhatToDo() throws Exception {
        var project = project();
        var found = TestCrds.lookup(null, null, project, Map.of("XDG_CACHE_HOME", tmp.resolve("home").toString()));
        assertEquals(Optional.empty(), found.dir());
        assertFalse(found.explicit(), "nothing was named: a skip, not a failure");
        assertTrue(found.why().startsWith(TestCrds.SKIP_MARKER), found.why());
        for (var said : new String[] {"no scripts/fetch-crds cache", "no " + tmp.resolve("shared/crds"), "scripts/fetch-crds",
                "-Dhomelab.crds=DIR"}) {
            assertTrue(found.why().contains(said), "says '" + said + "': " + found.why());
        }
    }

    @Test
    void theFetchedCacheComesBeforeSharedAndAHalfFilledOneDoesNotCount() throws Exception {
        var project = project();
        var home = tmp.resolve("home");
        var env = Map.of("XDG_CACHE_HOME", home.toString());
        var cache = cacheOf(project, home);
        var shared = tmp.resolve("shared/crds");
        fill(shared, true);
        fill(cache, false);
        var found = TestCrds.lookup(null, null, project, env);
        assertEquals(Optional.of(shared), found.dir(), "an interrupted fetch leaves a cache that must not shadow shared");
        fill(cache, true);
        assertEquals(Optional.of(cache), TestCrds.lookup(null, null, project, env).dir(), "the complete cache first, as ./render");
        Files.delete(shared.resolve("kopia-fork/volsync.backube_kopiamaintenances.yaml"));
        Files.walk(cache).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        var none = TestCrds.lookup(null, null, project, env);
        assertEquals(Optional.empty(), none.dir());
        assertTrue(none.why().contains("lacks 1 of the lock's"), "names what the incomplete directory lacks: " + none.why());
    }

    @Test
    void aNamedDirectoryIsRequiredTheSystemPropertyBeforeTheEnvironment() throws Exception {
        var project = project();
        var env = Map.of("XDG_CACHE_HOME", tmp.resolve("home").toString());
        var named = tmp.resolve("named");
        fill(named, true);
        var shared = tmp.resolve("shared/crds");
        fill(shared, true);
        assertEquals(Optional.of(named), TestCrds.lookup(named.toString(), null, project, env).dir());
        assertEquals(Optional.of(named), TestCrds.lookup(null, named.toString(), project, env).dir());
        assertEquals(Optional.of(named), TestCrds.lookup(named.toString(), tmp.resolve("elsewhere").toString(), project, env).dir());
        var broken = TestCrds.lookup(tmp.resolve("absent").toString(), null, project, env);
        assertEquals(Optional.empty(), broken.dir(), "never falls back to shared when a directory was named");
        assertTrue(broken.explicit(), "a named directory that is unusable fails the test instead of skipping it");
        assertTrue(broken.why().contains("-Dhomelab.crds=" + tmp.resolve("absent")) && broken.why().contains("is not a directory"),
                broken.why());
        var empty = TestCrds.lookup("", null, project, env);
        assertTrue(empty.explicit() && empty.dir().isEmpty(), "named but empty (a fetch that printed nothing) fails too");
        assertTrue(TestCrds.lookup(null, "", project, env).explicit());
    }
}
