package homelab.backups.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * crds/crds.lock.yaml, which scripts/fetch-crds downloads and verifies: well formed, pinned to commits, and, where
 * ../shared/crds has the same file at the same commit (its SOURCES.md), holding that file's sha256; and no CRD
 * file of ../shared/crds is missing from it.
 */
class CrdLockTest {
    static final Path LOCK = TestStacks.PROJECT.resolve("crds/crds.lock.yaml");
    static final Path CRDS = TestStacks.PROJECT.resolve("../shared/crds").normalize();
    /** Only the project's own checkout has ../shared; scripts/fetch-crds checks every sha256 of the lock on download. */
    static final String NO_SHARED = "no " + CRDS + " (the reference copy with SOURCES.md, beside the project's own "
            + "checkout only): the lock is compared with it only where it exists; scripts/fetch-crds checks every sha256 it downloads";

    static final Pattern URL = Pattern.compile(
            "https://raw\\.githubusercontent\\.com/([^/\\s]+/[^/\\s]+)/([0-9a-f]{40})/(\\S+)");
    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    static final Pattern VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+|commit ([0-9a-f]{40})");
    /** A SOURCES.md row: | file | repository | commit | path there | */
    static final Pattern SOURCE_ROW = Pattern.compile(
            "^\\|\\s*([^|\\s]+\\.yaml)\\s*\\|\\s*([^|\\s]+)\\s*\\|\\s*([0-9a-f]{7,40})\\s*\\|\\s*([^|]+?)\\s*\\|\\s*$");
    static final Pattern METADATA_NAME = Pattern.compile("(?m)^metadata:\\n(?:(?: .*)?\\n)*?  name: (\\S+)");

    record Entry(String file, String name, String version, String url, String repo, String commit, String path,
            String sha256, Map<?, ?> extract, String sourceSha256) {}

    record Source(String repo, String commit, String path) {}

    static List<Entry> entries;

    @BeforeAll
    static void loadLock() throws IOException {
        Object doc = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(LOCK));
        assertTrue(doc instanceof Map<?, ?>, LOCK + " is a mapping");
        Map<?, ?> lock = (Map<?, ?>) doc;
        assertEquals(1, lock.get("lockVersion"), "lockVersion");
        assertTrue(lock.get("crds") instanceof List<?> l && !l.isEmpty(), "crds is a non-empty list");
        entries = new ArrayList<>();
        for (Object o : (List<?>) lock.get("crds")) {
            assertTrue(o instanceof Map<?, ?>, "entry is a mapping: " + o);
            Map<?, ?> e = (Map<?, ?>) o;
            String url = string(e, "url");
            Matcher m = URL.matcher(url);
            assertTrue(m.matches(), "url pinned to a 40-hex commit on raw.githubusercontent.com: " + url);
            entries.add(new Entry(string(e, "file"), string(e, "name"), string(e, "version"), url, m.group(1), m.group(2),
                    m.group(3), string(e, "sha256"), (Map<?, ?>) e.get("extract"), (String) e.get("sourceSha256")));
        }
    }

    private static String string(Map<?, ?> entry, String key) {
        Object value = entry.get(key);
        assertTrue(value instanceof String s && !s.isBlank(), "entry " + entry.get("file") + " has a " + key);
        return (String) value;
    }

    @Test
    void everyEntryIsWellFormed() {
        for (Entry e : entries) {
            assertFalse(e.file.startsWith("/") || e.file.contains("..") || !e.file.endsWith(".yaml"),
                    "file is a relative .yaml path: " + e.file);
            assertTrue(SHA256.matcher(e.sha256).matches(), e.file + ": sha256 is 64 lowercase hex digits");
            Matcher v = VERSION.matcher(e.version);
            assertTrue(v.matches(), e.file + ": version is a release tag or \"commit <40 hex>\", got " + e.version);
            if (v.group(1) != null) assertEquals(e.commit, v.group(1), e.file + ": version names the url's commit");
            // controller-gen's naming, <group>_<plural>.yaml for the CRD <plural>.<group>, catches a mixed-up row
            int dot = e.name.indexOf('.');
            String base = e.file.substring(e.file.lastIndexOf('/') + 1);
            assertEquals(e.name.substring(dot + 1) + "_" + e.name.substring(0, dot) + ".yaml", base,
                    "file name matches the CRD name " + e.name);
            if (e.extract != null) {
                assertEquals("CustomResourceDefinition", e.extract.get("kind"), e.file + ": extract.kind");
                assertEquals(e.name, e.extract.get("name"), e.file + ": extract.name is the CRD's name");
                assertTrue(e.sourceSha256 != null && SHA256.matcher(e.sourceSha256).matches(),
                        e.file + ": an extracted file records the sha256 of the whole download");
            } else {
                assertEquals(null, e.sourceSha256, e.file + ": sourceSha256 only with extract");
                assertEquals(base, e.path.substring(e.path.lastIndexOf('/') + 1), e.file + ": upstream file of that name");
            }
        }
    }

    @Test
    void filesAndNamesAreUnique() {
        Set<String> files = new HashSet<>();
        Set<String> namesPerDirectory = new HashSet<>();
        for (Entry e : entries) {
            assertTrue(files.add(e.file), "file listed once: " + e.file);
            // kopia-fork/ repeats upstream VolSync's names on purpose (it replaces them); within one directory, never
            String dir = e.file.contains("/") ? e.file.substring(0, e.file.lastIndexOf('/')) : "";
            assertTrue(namesPerDirectory.add(dir + " " + e.name), "CRD " + e.name + " listed once in '" + dir + "'");
        }
        Set<String> sameUrlSameSource = new HashSet<>();
        for (Entry e : entries) {
            if (e.sourceSha256 != null) sameUrlSameSource.add(e.url + " " + e.sourceSha256);
        }
        assertEquals(entries.stream().filter(e -> e.sourceSha256 != null).map(Entry::url).distinct().count(),
                sameUrlSameSource.size(), "entries extracted from one url agree on its sourceSha256");
    }

    @Test
    void everySharedCrdIsInTheLock() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(CRDS), NO_SHARED);
        Set<String> locked = new HashSet<>();
        entries.forEach(e -> locked.add(e.file));
        Set<String> missing = new TreeSet<>(sharedCrdFiles());
        missing.removeAll(locked);
        assertEquals(Set.of(), missing, "CRD files of " + CRDS + " that crds/crds.lock.yaml does not list");
    }

    @Test
    void checksumsMatchSharedCrdsOfTheSameVersion() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(CRDS), NO_SHARED);
        Map<String, Source> sources = sources();
        Set<String> unsourced = new TreeSet<>(sharedCrdFiles());
        unsourced.removeAll(sources.keySet());
        assertEquals(Set.of(), unsourced, "every CRD file has a row in SOURCES.md (else its version is unknown)");

        int compared = 0;
        List<String> otherVersion = new ArrayList<>();
        for (Entry e : entries) {
            Path file = CRDS.resolve(e.file);
            Source s = sources.get(e.file);
            if (!Files.isRegularFile(file) || s == null) continue;
            if (!e.repo.equalsIgnoreCase(s.repo) || !e.commit.startsWith(s.commit)) {
                otherVersion.add(e.file + " (lock " + e.repo + "@" + e.commit + ", shared " + s.repo + "@" + s.commit + ")");
                continue;
            }
            assertEquals(s.path, e.path, e.file + ": same upstream path as SOURCES.md");
            byte[] bytes = Files.readAllBytes(file);
            assertEquals(e.sha256, sha256(bytes), e.file + ": sha256 of " + file);
            Matcher name = METADATA_NAME.matcher(new String(bytes, StandardCharsets.UTF_8));
            assertTrue(name.find(), file + " has a metadata.name");
            assertEquals(e.name, name.group(1), e.file + ": the lock's name is the file's metadata.name");
            compared++;
        }
        if (!otherVersion.isEmpty()) System.out.println("CrdLockTest: not compared, other version: " + otherVersion);
        assertTrue(compared > 0 || !otherVersion.isEmpty(), "compared nothing: is SOURCES.md still parsed right?");
        System.out.println("CrdLockTest: " + compared + " lock entries match " + CRDS);
    }

    /** Relative paths of the *.yaml files of the render's directories: CRDS and CRDS/kopia-fork. */
    static Set<String> sharedCrdFiles() throws IOException {
        Set<String> files = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(CRDS)) {
            walk.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .forEach(p -> files.add(CRDS.relativize(p).toString().replace('\\', '/')));
        }
        assertFalse(files.isEmpty(), "CRD files in " + CRDS);
        return files;
    }

    /** SOURCES.md's table, file -> repository, abbreviated commit, path; {a,b} in a file name is expanded. */
    static Map<String, Source> sources() throws IOException {
        Map<String, Source> sources = new LinkedHashMap<>();
        for (String line : Files.readAllLines(CRDS.resolve("SOURCES.md"))) {
            Matcher m = SOURCE_ROW.matcher(line);
            if (!m.matches()) continue;
            String path = m.group(4).replaceFirst("\\s*\\(split\\)$", "");
            for (String file : expand(m.group(1))) sources.put(file, new Source(m.group(2), m.group(3), path));
        }
        return sources;
    }

    static List<String> expand(String name) {
        Matcher m = Pattern.compile("\\{([^}]*)}").matcher(name);
        if (!m.find()) return List.of(name);
        List<String> out = new ArrayList<>();
        for (String alt : m.group(1).split(",")) out.addAll(expand(name.substring(0, m.start()) + alt + name.substring(m.end())));
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sourcesTableIsReadAsExpected() {
        assertEquals(List.of("longhorn.io_a.yaml", "longhorn.io_b.yaml"), expand("longhorn.io_{a,b}.yaml"));
        Matcher m = SOURCE_ROW.matcher("| kopia-fork/x_y.yaml | perfectra1n/volsync | 6966ac30 | config/crd/bases/x_y.yaml |");
        assertTrue(m.matches());
        assertEquals("6966ac30", m.group(3));
        Matcher name = METADATA_NAME.matcher("kind: X\nmetadata:\n  annotations:\n    a: b\n\n  name: x.y.z\nspec: {}\n");
        assertTrue(name.find());
        assertEquals("x.y.z", name.group(1));
    }
}
