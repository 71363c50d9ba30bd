package homelab.backups.plan;

/**
 * How reading one archive came out. The program never takes "could not read" for "empty": an {@link Unreadable}
 * archive stops whatever needed it (nothing fails open).
 */
public sealed interface ArchiveRead {

    /** The archive was read; it may be empty. */
    record Read(ArchiveView view) implements ArchiveRead {}

    /** The store answered with an error or not at all; {@code why} names the endpoint, bucket and what came back. */
    record Unreadable(String location, String why) implements ArchiveRead {}

    /**
     * Not read, and nothing depends on it in this run: the offline render has no store, and an encrypted pgBackRest
     * repository's {@code backup.info} is not readable without its cipher.
     */
    record NotChecked(String why) implements ArchiveRead {}
}
