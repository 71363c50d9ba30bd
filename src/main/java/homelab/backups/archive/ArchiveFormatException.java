package homelab.backups.archive;

/** A file of an archive does not have the form its tool writes; the message names the file and what is wrong. */
public final class ArchiveFormatException extends Exception {
    public ArchiveFormatException(String message) {
        super(message);
    }
}
