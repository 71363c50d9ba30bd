package homelab.backups.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import homelab.backups.config.S3Target;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The storage wave manages each target's buckets under names that stay put for the primary and never collide. */
class StorageTargetsTest {
    static S3Target target(String name) {
        return new S3Target(name, URI.create("http://192.0.2.1:9000"), "us-east-1", "volsync-backups",
                "postgres-backups", true, Optional.empty(), S3Target.Credentials.S3);
    }

    @Test
    void thePrimaryTargetKeepsItsNamesAndAnotherWithTheSameBucketsDoesNotCollide() {
        assertEquals("wave2-storage-volsync-backups", StorageWave.childName("wave2-storage", target(S3Target.PRIMARY), "volsync-backups"),
                "the URN an existing stack holds (prod-urns.txt)");
        assertEquals("wave2-storage-rustfs", StorageWave.childName("wave2-storage", target(S3Target.PRIMARY), "rustfs"));
        var offsite = target("offsite");
        for (var suffix : List.of("rustfs", offsite.volsyncBucket(), offsite.postgresBucket())) {
            assertNotEquals(StorageWave.childName("wave2-storage", target(S3Target.PRIMARY), suffix),
                    StorageWave.childName("wave2-storage", offsite, suffix), suffix);
        }
    }

    @Test
    void theWaveNeedsThePrimaryTargetFirst() {
        assertThrows(IllegalArgumentException.class, () -> new StorageWave.Args(List.of(target("offsite")), null,
                List.of(), null, null, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new StorageWave.Args(List.of(), null, List.of(), null, null, List.of()));
    }
}
