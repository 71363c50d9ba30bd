package homelab.backups.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar's entry point: when it re-executes the program in a tuned JVM, with what, and what the second JVM does. */
class TunedJvmTest {
    private static final String JAVA_HOME = System.getProperty("java.home");
    private static final String HOTSPOT = "OpenJDK 64-Bit Server VM";
    private static final String VM_VERSION = "17.0.15+6-Debian-1deb12u1";

    @TempDir
    Path dir;

    private Path jar() throws IOException {
        var jar = dir.resolve("homelab-backups-all.jar");
        Files.writeString(jar, "a jar");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-12-07T10:00:00Z")));
        return jar;
    }

    private TunedJvm.Decision decide(Map<String, String> env, Path jar) {
        return TunedJvm.decide(env, JAVA_HOME, HOTSPOT, VM_VERSION, Optional.of(jar), 4242);
    }

    private static void touch(Path file, String instant) throws IOException {
        if (!Files.exists(file)) Files.createFile(file);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse(instant)));
    }

    @Test
    void theFirstRunOfABuildOnlyLeavesAMark() throws IOException {
        var jar = jar();
        var start = assertInstanceOf(TunedJvm.Start.class, decide(Map.of(), jar)).relaunch();
        var archive = TunedJvm.archiveFor(jar, JAVA_HOME, VM_VERSION);
        assertEquals(Optional.of(TunedJvm.firstRunMark(archive)), start.firstRun());
        assertEquals(Optional.empty(), start.dumpTo());
        assertFalse(start.command().stream().anyMatch(a -> a.contains("Archive")), start.command().toString());
        assertEquals(TunedJvm.OPTIONS, start.command().subList(1, 1 + TunedJvm.OPTIONS.size()));

        // A mark older than the jar is an earlier build's: this is again a first run.
        touch(TunedJvm.firstRunMark(archive), "2026-12-07T09:00:00Z");
        assertTrue(assertInstanceOf(TunedJvm.Start.class, decide(Map.of(), jar)).relaunch().firstRun().isPresent());
    }

    @Test
    void theSecondRunDumpsTheArchiveToATemporaryFileBesideTheJar() throws IOException {
        var jar = jar();
        var archive = TunedJvm.archiveFor(jar, JAVA_HOME, VM_VERSION);
        touch(TunedJvm.firstRunMark(archive), "2026-12-07T10:01:00Z");
        var start = assertInstanceOf(TunedJvm.Start.class, decide(Map.of(), jar)).relaunch();
        assertEquals(Optional.empty(), start.firstRun());
        assertEquals(jar.getParent(), archive.getParent());
        assertEquals(Optional.of(archive.resolveSibling(archive.getFileName() + ".4242.tmp")), start.dumpTo());
        var command = start.command();
        assertEquals(Path.of(JAVA_HOME, "bin", "java").toString(), command.get(0));
        assertEquals(TunedJvm.OPTIONS, command.subList(1, 1 + TunedJvm.OPTIONS.size()));
        assertTrue(command.contains("-XX:ArchiveClassesAtExit=" + start.dumpTo().get()), command.toString());
        assertFalse(command.stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile")), command.toString());
        // The program itself, on the same jar: the second JVM never decides again.
        assertEquals(List.of("-cp", jar.toString(), TunedJvm.PROGRAM), command.subList(command.size() - 3, command.size()));
    }

    @Test
    void anArchiveMadeAfterTheJarIsMappedAndNotDumpedAgain() throws IOException {
        var jar = jar();
        var archive = TunedJvm.archiveFor(jar, JAVA_HOME, VM_VERSION);
        Files.writeString(archive, "classes");
        Files.setLastModifiedTime(archive, FileTime.from(Instant.parse("2026-12-07T10:05:00Z")));
        touch(TunedJvm.firstRunMark(archive), "2026-12-07T10:01:00Z");
        var start = assertInstanceOf(TunedJvm.Start.class, decide(Map.of(), jar)).relaunch();
        assertTrue(start.command().contains("-XX:SharedArchiveFile=" + archive), start.command().toString());
        assertEquals(Optional.empty(), start.dumpTo());

        // An empty archive (a dump cut short) is none.
        Files.writeString(archive, "");
        Files.setLastModifiedTime(archive, FileTime.from(Instant.parse("2026-12-07T10:05:00Z")));
        assertTrue(assertInstanceOf(TunedJvm.Start.class, decide(Map.of(), jar)).relaunch().dumpTo().isPresent());
        Files.writeString(archive, "classes");
        Files.setLastModifiedTime(archive, FileTime.from(Instant.parse("2026-12-07T10:05:00Z")));

        // The jar rebuilt after both: a first run again (the JVM would refuse the old archive anyway).
        Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-12-07T10:06:00Z")));
        var again = assertInstanceOf(TunedJvm.Start.class, decide(Map.of(), jar)).relaunch();
        assertTrue(again.firstRun().isPresent());
        assertFalse(again.command().contains("-XX:SharedArchiveFile=" + archive), again.command().toString());
    }

    @Test
    void oneArchivePerJdkBuild() throws IOException {
        var jar = jar();
        var a = TunedJvm.archiveFor(jar, JAVA_HOME, "17.0.15+6");
        assertNotEquals(a, TunedJvm.archiveFor(jar, JAVA_HOME, "17.0.16+8"));
        assertNotEquals(a, TunedJvm.archiveFor(jar, "/opt/another-jdk", "17.0.15+6"));
        assertTrue(a.getFileName().toString().matches("homelab-backups-all-17\\.0\\.15_6-[0-9a-f]+\\.jsa"), a.toString());
    }

    @Test
    void optionsTheOwnerChoseKeepTheProgramInTheJvmAsStarted() throws IOException {
        var jar = jar();
        assertInstanceOf(TunedJvm.AsStarted.class, decide(Map.of("JDK_JAVA_OPTIONS", "-XX:+UseG1GC"), jar));
        assertInstanceOf(TunedJvm.AsStarted.class, decide(Map.of("JAVA_TOOL_OPTIONS", "-Xmx1g"), jar));
        assertInstanceOf(TunedJvm.Start.class, decide(Map.of("JDK_JAVA_OPTIONS", "  "), jar));
        assertInstanceOf(TunedJvm.AsStarted.class, decide(Map.of(TunedJvm.SETTING, TunedJvm.AS_STARTED), jar));
        assertInstanceOf(TunedJvm.Start.class, decide(Map.of(TunedJvm.SETTING, TunedJvm.TUNED), jar));
    }

    @Test
    void aMistypedSettingIsRefusedNamingTheValuesItTakes() throws IOException {
        var jar = jar();
        var e = assertThrows(TunedJvm.BadSetting.class, () -> decide(Map.of(TunedJvm.SETTING, "as_started"), jar));
        assertTrue(e.getMessage().contains(TunedJvm.SETTING + "=as_started"), e.getMessage());
        assertTrue(e.getMessage().contains(TunedJvm.TUNED) && e.getMessage().contains(TunedJvm.AS_STARTED), e.getMessage());
    }

    @Test
    void notAJarOrNotHotSpotRunsAsStarted() throws IOException {
        var jar = jar();
        assertInstanceOf(TunedJvm.AsStarted.class,
                TunedJvm.decide(Map.of(), JAVA_HOME, HOTSPOT, VM_VERSION, Optional.of(dir), 1));
        assertInstanceOf(TunedJvm.AsStarted.class,
                TunedJvm.decide(Map.of(), JAVA_HOME, HOTSPOT, VM_VERSION, Optional.empty(), 1));
        assertInstanceOf(TunedJvm.AsStarted.class,
                TunedJvm.decide(Map.of(), JAVA_HOME, "Eclipse OpenJ9 VM", VM_VERSION, Optional.of(jar), 1));
        assertInstanceOf(TunedJvm.AsStarted.class,
                TunedJvm.decide(Map.of(), dir.toString(), HOTSPOT, VM_VERSION, Optional.of(jar), 1));
    }

    @Test
    void aDumpIsKeptOnlyFromASuccessfulRun() throws IOException {
        var archive = dir.resolve("a.jsa");
        var dump = dir.resolve("a.jsa.1.tmp");
        Files.writeString(dump, "new");
        TunedJvm.keep(dump, archive, false);
        assertFalse(Files.exists(dump) || Files.exists(archive));

        Files.writeString(archive, "old");
        Files.writeString(dump, "new");
        TunedJvm.keep(dump, archive, true);
        assertEquals("new", Files.readString(archive));
        assertFalse(Files.exists(dump));

        Files.writeString(dump, "");   // an empty dump (the JVM could not write it) never replaces an archive
        TunedJvm.keep(dump, archive, true);
        assertEquals("new", Files.readString(archive));
        assertFalse(Files.exists(dump));
    }

    // ---- a real second JVM ------------------------------------------------------------------------------------------

    private static String java() {
        return Path.of(JAVA_HOME, "bin", "java").toString();
    }

    private static String testClasses() {
        return System.getProperty("java.class.path");
    }

    /** Exits with the code it is given (the program's stand-in). */
    public static final class ExitWith {
        public static void main(String[] args) {
            System.exit(Integer.parseInt(args[0]));
        }
    }

    /** The stand-in program as a jar: a class-data archive is dumped only for a class path of jars. */
    private Path programJar() throws IOException {
        var jar = dir.resolve("program.jar");
        var name = ExitWith.class.getName().replace('.', '/') + ".class";
        try (var in = ExitWith.class.getClassLoader().getResourceAsStream(name);
             var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry(name));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void theProgramsExitCodeIsTheProcesssAndItsDumpBecomesTheArchive() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of(JAVA_HOME, "lib", "server", "classes.jsa")),
                "this JDK has no default class-data archive, on which a dynamic archive is built");
        var archive = dir.resolve("program.jsa");
        var dump = dir.resolve("program.jsa.7.tmp");
        var program = programJar();
        var command = List.of(java(), "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-XX:ArchiveClassesAtExit=" + dump,
                "-cp", program.toString(), ExitWith.class.getName());
        var failed = TunedJvm.run(new TunedJvm.Relaunch(command, archive, Optional.of(dump), Optional.empty()), new String[] {"32"});
        assertEquals(Optional.of(32), failed);
        assertFalse(Files.exists(archive) || Files.exists(dump), "a failed run's dump is not kept");

        var succeeded = TunedJvm.run(new TunedJvm.Relaunch(command, archive, Optional.of(dump), Optional.empty()), new String[] {"0"});
        assertEquals(Optional.of(0), succeeded);
        assertTrue(Files.size(archive) > 0, "the dump of a successful run is the archive");
        assertFalse(Files.exists(dump));

        // A first run of a build leaves its mark when it starts the program.
        var mark = TunedJvm.firstRunMark(archive);
        var first = List.of(java(), "-cp", program.toString(), ExitWith.class.getName());
        assertEquals(Optional.of(3), TunedJvm.run(new TunedJvm.Relaunch(first, archive, Optional.empty(), Optional.of(mark)),
                new String[] {"3"}));
        assertTrue(Files.isRegularFile(mark), "the first run's mark");

        // The archive maps: -Xshare:on fails instead of running without it.
        var mapped = new ProcessBuilder(java(), "-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-cp", program.toString(),
                ExitWith.class.getName(), "0").inheritIO().start();
        assertEquals(0, mapped.waitFor());
    }

    @Test
    void aSecondJvmThatCannotStartLeavesTheProgramToThisOne() throws Exception {
        var command = List.of(dir.resolve("no-such-java").toString(), "-version");
        assertEquals(Optional.empty(), TunedJvm.run(new TunedJvm.Relaunch(command, dir.resolve("x.jsa"), Optional.empty(), Optional.empty()),
                new String[0]));
    }

    /** Starts a program JVM that sleeps, as the entry point does, and waits for it. */
    public static final class Parent {
        public static void main(String[] args) throws Exception {
            var command = List.of(java(), "-cp", testClasses(), Sleeper.class.getName(), args[0]);
            var code = TunedJvm.run(new TunedJvm.Relaunch(command, Path.of(args[0] + ".jsa"), Optional.empty(), Optional.empty()), new String[0]);
            System.exit(code.orElse(99));
        }
    }

    public static final class Sleeper {
        public static void main(String[] args) throws Exception {
            Files.writeString(Path.of(args[0]), String.valueOf(ProcessHandle.current().pid()));
            Thread.sleep(120_000);
        }
    }

    @Test
    void stoppingTheEntryPointStopsTheProgramJvm() throws Exception {
        var ready = dir.resolve("sleeping");
        var parent = new ProcessBuilder(java(), "-cp", testClasses(), Parent.class.getName(), ready.toString())
                .inheritIO().start();
        try {
            for (int i = 0; i < 300 && !Files.exists(ready); i++) Thread.sleep(100);
            assertTrue(Files.exists(ready), "the program JVM was started");
            Thread.sleep(200);   // its pid is written before it is read
            var child = ProcessHandle.of(Long.parseLong(Files.readString(ready).trim())).orElseThrow();
            assertTrue(child.parent().map(p -> p.pid() == parent.pid()).orElse(false), "started by the entry point");
            parent.destroy();   // SIGTERM, as a cancelled run's host sends
            assertTrue(parent.waitFor(30, TimeUnit.SECONDS), "the entry point stopped");
            var stopped = child.onExit().get(30, TimeUnit.SECONDS);
            assertFalse(stopped.isAlive(), "the program JVM stopped with it");
        } finally {
            parent.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            parent.destroyForcibly();
        }
    }
}
