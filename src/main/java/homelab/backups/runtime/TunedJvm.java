package homelab.backups.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The jar's entry point: starts the program ({@code homelab.backups.App}) in a JVM set up for a run of a few seconds.
 *
 * <p>Why a second JVM: Pulumi's Java host starts the program as {@code java -jar <binary>} (pulumi-java
 * {@code pkg/internal/executors/executor_jar.go}: no JVM options, and a jar's manifest cannot carry any), and a
 * preview's program is all start-up: with the JDK's defaults, C2 compiler threads and class loading take most of two
 * cores for the whole run (bench/results-2026-12-07-preview.md: the program JVM lived 6.95 s with the defaults, 3.76 s
 * with C1 only, the serial collector and an application class-data archive). This class is loaded alone (it uses
 * nothing but {@code java.*}), decides, and either re-executes the same {@code java} with those options on the same
 * jar and the same arguments, environment, directory and standard streams, or runs the program here.
 *
 * <p>The class-data archive ({@code -XX:SharedArchiveFile}, JDK 17's dynamic AppCDS) lives beside the jar, one per JDK
 * build. The second run after each build of the jar dumps it at its exit ({@code -XX:ArchiveClassesAtExit} to a
 * temporary name, moved into place only when that run succeeded), which makes that one run slower (about 2 s on the
 * bench); the first run only leaves a mark, so that a jar that runs once (a CI preview on a fresh build) never pays
 * for an archive it would not use. The JVM itself refuses an archive that does not match its jar or JDK and then runs
 * without one; its messages about that are turned off ({@code -Xlog:cds=off}), because the program's output goes to
 * the engine.
 *
 * <p>The program runs here, as started, when the owner chose the JVM's options ({@code JDK_JAVA_OPTIONS} or
 * {@code JAVA_TOOL_OPTIONS} set: both JVMs would read them, and ours could contradict theirs), when
 * {@value #SETTING}{@code =}{@value #AS_STARTED}, when this is not a jar (the tests, {@code mvn exec:java}), when the
 * JVM is not HotSpot, or when the second JVM cannot be started. Nothing the program does depends on which: only how
 * fast it starts.
 */
public final class TunedJvm {
    /** The environment variable that can keep the program in the JVM the host started. */
    public static final String SETTING = "HOMELAB_BACKUPS_JVM";
    /** Its values: re-execute (the default), or run as started. */
    public static final String TUNED = "tuned";
    public static final String AS_STARTED = "as-started";
    static final String PROGRAM = "homelab.backups.App";

    /** Short-run options: C1 only, the serial collector, no perf-data file; unknown options are ignored, not fatal. */
    static final List<String> OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");

    private TunedJvm() {
    }

    /**
     * A second JVM to run: its command line, the archive it maps or dumps, and where a dump is written first.
     *
     * @param dumpTo    the temporary file the JVM dumps its class-data archive to (the second run of a build)
     * @param firstRun  the mark the first run of a build leaves (it neither maps nor dumps an archive)
     */
    record Relaunch(List<String> command, Path archive, Optional<Path> dumpTo, Optional<Path> firstRun) {
        Relaunch {
            command = List.copyOf(command);
        }
    }

    /** What to do in this JVM: run the program here ({@link AsStarted}) or start a second JVM ({@link Start}). */
    sealed interface Decision permits AsStarted, Start {
    }

    /** @param why for the tests and a curious reader; never printed (the program's output goes to the engine) */
    record AsStarted(String why) implements Decision {
    }

    record Start(Relaunch relaunch) implements Decision {
    }

    /** The setting's value is none of the accepted ones: said, and the run stops, rather than guessing. */
    static final class BadSetting extends RuntimeException {
        BadSetting(String value) {
            super(SETTING + "=" + value + " is not a value it takes: " + TUNED + " (the default) or " + AS_STARTED);
        }
    }

    /**
     * The decision, from the environment and this JVM's properties alone.
     *
     * @param jar        the file this class was loaded from, when it is a jar
     * @param pid        this process's id, for a temporary name no other run uses
     */
    static Decision decide(Map<String, String> env, String javaHome, String vmName, String vmVersion,
                           Optional<Path> jar, long pid) {
        var setting = env.getOrDefault(SETTING, "").trim();
        if (setting.equals(AS_STARTED)) return new AsStarted(SETTING + "=" + AS_STARTED);
        if (!setting.isEmpty() && !setting.equals(TUNED)) throw new BadSetting(setting);
        for (var owners : List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS")) {
            if (!env.getOrDefault(owners, "").isBlank()) return new AsStarted(owners + " is set: the owner chose the options");
        }
        if (jar.isEmpty() || !jar.get().getFileName().toString().endsWith(".jar") || !Files.isRegularFile(jar.get())) {
            return new AsStarted("not started from a jar");
        }
        if (vmName == null || !(vmName.contains("OpenJDK") || vmName.contains("HotSpot"))) {
            return new AsStarted("not a HotSpot JVM: " + vmName);
        }
        var java = Path.of(javaHome, "bin", "java");
        if (!Files.isExecutable(java)) return new AsStarted(java + " is not executable");

        var archive = archiveFor(jar.get(), javaHome, vmVersion);
        var command = new ArrayList<String>();
        command.add(java.toString());
        command.addAll(OPTIONS);
        Optional<Path> dumpTo = Optional.empty();
        Optional<Path> firstRun = Optional.empty();
        var mark = firstRunMark(archive);
        if (newerThan(archive, jar.get()) && nonEmpty(archive)) {
            command.add("-XX:SharedArchiveFile=" + archive);
        } else if (newerThan(mark, jar.get())) {
            dumpTo = Optional.of(archive.resolveSibling(archive.getFileName() + "." + pid + ".tmp"));
            command.add("-XX:ArchiveClassesAtExit=" + dumpTo.get());
        } else {
            firstRun = Optional.of(mark);
        }
        command.add("-cp");
        command.add(jar.get().toString());
        command.add(PROGRAM);
        return new Start(new Relaunch(command, archive, dumpTo, firstRun));
    }

    /** Left by the first run of a build: the next run dumps the archive. */
    static Path firstRunMark(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".first-run");
    }

    /** Beside the jar, one per JDK build: {@code <jar>-<vm version>-<java.home hash>.jsa}. */
    static Path archiveFor(Path jar, String javaHome, String vmVersion) {
        var base = jar.getFileName().toString().replaceFirst("\\.jar$", "");
        var vm = String.valueOf(vmVersion).replaceAll("[^A-Za-z0-9._-]", "_");
        return jar.resolveSibling(base + "-" + vm + "-" + Integer.toHexString(javaHome.hashCode()) + ".jsa");
    }

    /** A file made after the jar was (a rebuilt jar needs a new archive; the JVM would refuse the old one anyway). */
    static boolean newerThan(Path file, Path jar) {
        try {
            return Files.isRegularFile(file) && Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(jar)) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean nonEmpty(Path file) {
        try {
            return Files.size(file) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    public static void main(String[] args) throws Throwable {
        Decision decision;
        try {
            decision = decide(System.getenv(), System.getProperty("java.home"), System.getProperty("java.vm.name"),
                    System.getProperty("java.vm.version"), thisJar(), ProcessHandle.current().pid());
        } catch (BadSetting e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (decision instanceof Start start) {
            var code = run(start.relaunch(), args);
            if (code.isPresent()) {
                System.exit(code.get());
                return;
            }
        }
        runHere(args);
    }

    /** The program in this JVM (by name: this class stays the only one loaded until then). */
    private static void runHere(String[] args) throws Throwable {
        try {
            Class.forName(PROGRAM).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();   // the program's own failure, as if it were the Main-Class
        }
    }

    /**
     * Starts the second JVM with this one's standard streams, waits for it, keeps the archive it dumped when it
     * succeeded, and returns its exit code; empty when it could not be started (the program then runs here).
     * Stopping this JVM (SIGTERM, SIGINT) stops the second one: SIGTERM first, SIGKILL after 10 s.
     */
    static Optional<Integer> run(Relaunch relaunch, String[] args) throws InterruptedException {
        var command = new ArrayList<>(relaunch.command());
        command.addAll(List.of(args));
        // The hook first: a stop that arrives while the second JVM starts still finds it.
        var started = new java.util.concurrent.atomic.AtomicReference<Process>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(started.get()), "stop-program-jvm"));
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            return Optional.empty();
        }
        started.set(child);
        relaunch.firstRun().ifPresent(TunedJvm::leaveMark);
        var code = child.waitFor();
        relaunch.dumpTo().ifPresent(dump -> keep(dump, relaunch.archive(), code == 0));
        return Optional.of(code);
    }

    private static void leaveMark(Path mark) {
        try {
            Files.deleteIfExists(mark);
            Files.createFile(mark);
        } catch (IOException | RuntimeException e) {
            // A folder we may not write: no archive then, only speed is at stake.
        }
    }

    private static void stop(Process child) {
        if (child == null || !child.isAlive()) return;
        child.destroy();
        try {
            if (!child.waitFor(10, TimeUnit.SECONDS)) child.destroyForcibly();
        } catch (InterruptedException e) {
            child.destroyForcibly();
        }
    }

    /** The dumped archive replaces the old one in one step (runs at the same time each dump to their own file). */
    static void keep(Path dump, Path archive, boolean succeeded) {
        try {
            if (succeeded && Files.isRegularFile(dump) && Files.size(dump) > 0) {
                Files.move(dump, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(dump);
            }
        } catch (IOException | RuntimeException e) {
            // Only speed is at stake: the next run dumps again.
            try {
                Files.deleteIfExists(dump);
            } catch (IOException ignored) {
                // a leftover temporary file beside the jar; `mvn clean` removes it
            }
        }
    }

    private static Optional<Path> thisJar() {
        try {
            var source = TunedJvm.class.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
