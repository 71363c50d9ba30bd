package homelab.backups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The render (and its schema checker, the mocks and the mock cluster) is tooling: {@code pulumi up} runs
 * {@link App}, and nothing {@code App} can reach refers to the {@code render} package, so the program never loads it
 * and a change there cannot change what the program does. Read from the compiled classes: every class a class file
 * names (its constant pool: class references, descriptors, signatures), followed from {@code App}.
 */
class ProgramBoundaryTest {
    private static final Pattern OURS = Pattern.compile("homelab/backups/[A-Za-z0-9_/$]+");
    private static final String TOOLING = "homelab/backups/render/";

    @Test
    void theProgramReachesNoRenderClass() throws IOException {
        var reached = reachableFrom("homelab/backups/App");
        assertTrue(reached.contains("homelab/backups/components/BackupStack"), "the walk follows the program: " + reached.size());
        var tooling = reached.stream().filter(c -> c.startsWith(TOOLING)).toList();
        assertEquals(List.of(), tooling, "classes of the render tooling the program can reach");
    }

    @Test
    void theJarsEntryPointIsLoadedAlone() throws IOException {
        // runtime/TunedJvm decides in a JVM that should load nothing else: it names no class of ours but its own
        // (App is started by name, in the second JVM or after the decision).
        var reached = reachableFrom("homelab/backups/runtime/TunedJvm");
        var others = reached.stream().filter(c -> !c.startsWith("homelab/backups/runtime/TunedJvm")).toList();
        assertEquals(List.of(), others, "classes of ours the entry point names");
        assertTrue(reached.size() > 3, "the walk sees its nested classes: " + reached);
    }

    @Test
    void theRenderIsReachedFromItsOwnEntry() throws IOException {
        // The walk is able to see the render: from its own entry it reaches the mocks (a test that cannot fail is none).
        assertTrue(reachableFrom("homelab/backups/render/Render").contains("homelab/backups/render/RecordingMocks"));
    }

    static Set<String> reachableFrom(String root) throws IOException {
        var seen = new TreeSet<String>();
        var queue = new ArrayDeque<String>(List.of(root));
        while (!queue.isEmpty()) {
            var name = queue.poll();
            if (!seen.add(name)) continue;
            for (var ref : references(name)) if (!seen.contains(ref)) queue.add(ref);
        }
        return seen;
    }

    /** The project's classes named in {@code name}'s constant pool; none when it is not a class of ours (a package prefix). */
    static Set<String> references(String name) throws IOException {
        var out = new TreeSet<String>();
        try (InputStream in = ProgramBoundaryTest.class.getClassLoader().getResourceAsStream(name + ".class")) {
            if (in == null) return out;
            var data = new DataInputStream(in);
            data.readInt();
            data.readUnsignedShort();
            data.readUnsignedShort();
            int count = data.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = data.readUnsignedByte();
                switch (tag) {
                    case 1 -> {
                        var text = new String(data.readNBytes(data.readUnsignedShort()), StandardCharsets.ISO_8859_1);
                        var m = OURS.matcher(text);
                        while (m.find()) out.add(m.group());
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> data.skipNBytes(4);
                    case 5, 6 -> {
                        data.skipNBytes(8);
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> data.skipNBytes(2);
                    case 15 -> data.skipNBytes(3);
                    default -> throw new IOException(name + ": constant pool tag " + tag);
                }
            }
        }
        return out;
    }
}
