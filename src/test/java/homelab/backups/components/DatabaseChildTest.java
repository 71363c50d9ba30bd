package homelab.backups.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.DatabasePlan;
import homelab.backups.support.TestStacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every child of a BackedUpDatabase is named by DatabaseChild, the one home of those names. */
class DatabaseChildTest {
    static List<String> pinnedChildren() throws Exception {
        return Files.readAllLines(Path.of("src/test/resources/prod-urns.txt")).stream()
                .filter(urn -> urn.contains("$homelab-backups:backup:BackedUpDatabase$"))
                .map(urn -> urn.substring(urn.lastIndexOf("::") + 2)).toList();
    }

    @Test
    void everyPinnedChildOfADatabaseIsNamedByDatabaseChild() throws Exception {
        var ids = TestStacks.prodPlan().databases().stream().map(DatabasePlan::id).collect(Collectors.toSet());
        var known = ids.stream().flatMap(id -> Arrays.stream(DatabaseChild.values()).map(c -> c.of(id)))
                .collect(Collectors.toSet());
        var children = pinnedChildren();
        assertTrue(children.size() >= ids.size(), "the pins hold the databases' children");
        for (var name : children) assertTrue(known.contains(name), name + " is not a DatabaseChild of any database");
    }

    /** Prod has both engines, CNPG's plugin and drills, and no restore: every child but a restore's is pinned. */
    @Test
    void everyDatabaseChildButARecoveryIsPinnedInProd() throws Exception {
        var ids = TestStacks.prodPlan().databases().stream().map(DatabasePlan::id).toList();
        var children = pinnedChildren();
        for (var child : EnumSet.complementOf(EnumSet.copyOf(DatabaseChild.RESTORE_ONLY))) {
            assertTrue(ids.stream().anyMatch(id -> children.contains(child.of(id))), child + " names no pinned child");
        }
    }

    @Test
    void noRestoreOnlyChildIsPinnedInProd() throws Exception {
        var children = pinnedChildren();
        for (var child : DatabaseChild.RESTORE_ONLY) {
            var suffix = child.of("");
            assertTrue(children.stream().noneMatch(name -> name.endsWith(suffix)), child + " is pinned in prod, which has no restore");
        }
    }

    @Test
    void aChildNameIsTheComponentNameAndItsSuffix() {
        assertEquals("db-backup-wiring", DatabaseChild.BACKUP_WIRING.of("db"));
        assertEquals(DatabaseChild.values().length,
                Arrays.stream(DatabaseChild.values()).map(c -> c.of("a")).distinct().count(), "no two children share a name");
    }
}
