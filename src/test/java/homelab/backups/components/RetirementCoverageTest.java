package homelab.backups.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.Coverage;
import homelab.backups.plan.Planner;
import homelab.backups.render.MockedRun;
import homelab.backups.support.LivePvcs;
import homelab.backups.support.ProofWorld;
import homelab.backups.support.TestStacks;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, part 4: retiring Longhorn's recurring backups would drop the only copy of a live PVC that is neither
 * backed up nor excluded, so {@code longhorn.retireBackups} is refused at preview, naming each, even when every backup,
 * drill and WAL archive is proven.
 */
class RetirementCoverageTest {
    @Test
    void anUncoveredPvcKeepsLonghornsBackupsAndIsNamed() {
        var plan = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "longhorn", "{\"retireBackups\": true}")));
        var now = Instant.now();
        var proven = ProofWorld.allProven(plan, now).cluster()
                // VolSync's own claim does not count
                .withClaim(LivePvcs.controllerMade("nginx-example", "volsync-nginx-backup-cache", "1Gi",
                        Map.of(Coverage.CREATED_BY_LABEL, Coverage.VOLSYNC), "ReplicationSource", "nginx-backup"));
        var allowed = MockedRun.of(plan, proven);
        assertEquals(0, allowed.result().exitCode(), () -> allowed.result().exceptions().toString());
        assertEquals(1, allowed.mocks().registrations().stream().filter(r -> r.type().contains("BackupTargetPatch")).count());

        var uncovered = proven
                .withClaim(LivePvcs.argoTracked("jellyfin", "jellyfin-cache", "my-apps-jellyfin", "10Gi", Map.of("app", "jellyfin")))
                .withClaim(LivePvcs.argoTracked("hindsight", "hindsight-pgvector", "my-apps-hindsight", "5Gi", Map.of("app", "hindsight")));
        var refused = MockedRun.of(plan, uncovered);
        assertNotEquals(0, refused.result().exitCode());
        var message = refused.result().exceptions().toString();
        assertTrue(message.contains("retireBackups refused"), message);
        assertTrue(message.contains("coverage live PVCs (*): FAILING: 2 PVC(s) neither backed up nor excluded"), message);
        assertTrue(message.contains("hindsight/hindsight-pgvector, jellyfin/jellyfin-cache"), message);
        assertTrue(refused.mocks().registrations().stream().noneMatch(r -> r.type().startsWith("kubernetes:")),
                "refused before anything is registered");
    }
}
