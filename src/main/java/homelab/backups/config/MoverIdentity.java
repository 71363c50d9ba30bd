package homelab.backups.config;

/** The user, group and fsGroup the VolSync mover runs as; it must match the app or files are unreadable. */
public record MoverIdentity(int uid, int gid, int fsGroup) {
    public static final MoverIdentity DEFAULT = new MoverIdentity(1000, 1000, 1000);
}
