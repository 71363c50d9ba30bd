package homelab.backups.render;

import homelab.backups.support.TestStacks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Where the tests find the real CRD schemas, in the order {@code ./render} looks for them: an explicit directory
 * (system property {@value #PROPERTY}, else environment variable {@value #ENV}: what {@code --crds} is to the render;
 * {@code .ci/run} sets it), else the cache {@code scripts/fetch-crds} fills from {@code crds/crds.lock.yaml}, else
 * {@code ../shared/crds}. A directory counts only when it holds every file the lock lists, so a half-fetched cache
 * never passes for the schemas.
 *
 * <p>Without one, a test that needs the schemas is SKIPPED with a message that starts with {@value #SKIP_MARKER} and
 * says where it looked and how to get them; it never passes silently. An explicit directory that is missing or
 * incomplete is a FAILURE, never a skip: whoever names one requires the schemas.
 */
public final class TestCrds {
    public static final String PROPERTY = "homelab.crds";
    public static final String ENV = "HOMELAB_CRDS";
    /** Every skip for want of schemas starts with this (.ci/run counts them in the Surefire reports). */
    public static final String SKIP_MARKER = "NO CRD SCHEMAS";

    /** What the lookup found: the directory, or why there is none; {@code explicit} when one was named. */
    record Found(Optional<Path> dir, boolean explicit, String why) {
    }

    private static final Found FOUND = lookup(System.getProperty(PROPERTY), System.getenv(ENV), TestStacks.PROJECT, System.getenv());

    private TestCrds() {
    }

    /**
     * The schema directory, or a skip saying why there is none (call it first in a test, or in {@code @BeforeAll}
     * when every test of the class needs it). An explicit directory that is unusable fails the test instead.
     */
    public static Path dir() {
        if (FOUND.explicit() && FOUND.dir().isEmpty()) Assertions.fail(FOUND.why());
        Assumptions.assumeTrue(FOUND.dir().isPresent(), FOUND.why());
        return FOUND.dir().get();
    }

    /** The schema directory when there is one, for tests that do the same work with or without it. */
    public static Optional<Path> find() {
        if (FOUND.explicit() && FOUND.dir().isEmpty()) Assertions.fail(FOUND.why());
        return FOUND.dir();
    }

    static Found lookup(String property, String env, Path project, Map<String, String> environment) {
        // Named but empty (a fetch that printed nothing, say) is named too: it fails rather than look elsewhere.
        var named = property != null ? property : env;
        var explicit = property != null ? Optional.of("-D" + PROPERTY + "=" + property)
                : env != null ? Optional.of(ENV + "=" + env) : Optional.<String>empty();
        var lockFiles = lockFiles(project);
        if (explicit.isPresent()) {
            if (named.isBlank()) {
                return new Found(Optional.empty(), true, explicit.get() + " names no directory: the schemas were required, "
                        + "so this fails instead of skipping");
            }
            var dir = project.resolve(named).normalize();
            var missing = missing(dir, lockFiles);
            return missing.isEmpty() ? new Found(Optional.of(dir), true, "")
                    : new Found(Optional.empty(), true, explicit.get() + " names " + dir + ", which " + missing
                            + ": the schemas were required, so this fails instead of skipping");
        }
        var looked = new ArrayList<String>();
        var cache = Render.Options.fetchedCrds(project, environment);
        if (cache.isPresent()) {
            var missing = missing(cache.get(), lockFiles);
            if (missing.isEmpty()) return new Found(cache, false, "");
            looked.add("the scripts/fetch-crds cache " + cache.get() + " " + missing);
        } else {
            looked.add("no scripts/fetch-crds cache for this lock");
        }
        var shared = project.resolve("../shared/crds").normalize();
        if (Files.isDirectory(shared)) {
            var missing = missing(shared, lockFiles);
            if (missing.isEmpty()) return new Found(Optional.of(shared), false, "");
            looked.add(shared + " " + missing);
        } else {
            looked.add("no " + shared);
        }
        return new Found(Optional.empty(), false, SKIP_MARKER + ": this test needs the real CRD schemas and found none ("
                + String.join("; ", looked) + "). Run scripts/fetch-crds (downloads the lock's pinned CRDs), or pass "
                + "-D" + PROPERTY + "=DIR (or " + ENV + "=DIR), as ./render takes --crds DIR");
    }

    /** "" when {@code dir} holds every file; else what is wrong with it, in a few words. */
    static String missing(Path dir, List<String> files) {
        if (!Files.isDirectory(dir)) return "is not a directory";
        var absent = files.stream().filter(f -> !Files.isRegularFile(dir.resolve(f))).toList();
        if (absent.isEmpty()) return "";
        return "lacks " + absent.size() + " of the lock's " + files.size() + " files (" + String.join(", ",
                absent.subList(0, Math.min(3, absent.size()))) + (absent.size() > 3 ? ", …" : "") + ")";
    }

    /** The {@code file} of every entry of crds/crds.lock.yaml (kopia-fork/ included). */
    static List<String> lockFiles(Path project) {
        try {
            var doc = (Map<?, ?>) new Load(LoadSettings.builder().build())
                    .loadFromString(Files.readString(project.resolve("crds/crds.lock.yaml")));
            var files = new ArrayList<String>();
            for (var entry : (List<?>) doc.get("crds")) files.add(String.valueOf(((Map<?, ?>) entry).get("file")));
            if (files.isEmpty()) throw new IllegalStateException("crds/crds.lock.yaml lists no file");
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
