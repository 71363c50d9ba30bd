package homelab.backups.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every child of a BackedUpVolume is named by VolumeChild, the one home of those names. */
class VolumeChildTest {
    @Test
    void everyPinnedChildOfAVolumeIsNamedByVolumeChild() throws Exception {
        var apps = TestStacks.prodPlan().volumes().stream().map(v -> v.app()).collect(Collectors.toSet());
        var known = apps.stream().flatMap(app -> Arrays.stream(VolumeChild.values()).map(c -> c.of(app)))
                .collect(Collectors.toSet());
        var children = Files.readAllLines(Path.of("src/test/resources/prod-urns.txt")).stream()
                .filter(urn -> urn.contains("$homelab-backups:backup:BackedUpVolume$"))
                .map(urn -> urn.substring(urn.lastIndexOf("::") + 2)).toList();
        assertTrue(children.size() >= apps.size(), "the pins hold the volumes' children");
        for (var name : children) assertTrue(known.contains(name), name + " is not a VolumeChild of any app");
    }

    @Test
    void aChildNameIsTheComponentNameAndItsSuffix() {
        assertEquals("nginx-restore-check", VolumeChild.RESTORE_CHECK.of("nginx"));
        assertEquals(VolumeChild.values().length,
                Arrays.stream(VolumeChild.values()).map(c -> c.of("a")).distinct().count(), "no two children share a name");
    }
}
