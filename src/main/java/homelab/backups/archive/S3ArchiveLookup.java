package homelab.backups.archive;

import homelab.backups.config.S3Target;
import homelab.backups.plan.ArchiveLookup;
import homelab.backups.plan.ArchiveRead;
import homelab.backups.plan.ArchiveView;
import homelab.backups.plan.ArchiveView.BaseBackup;
import homelab.backups.plan.ArchiveView.WalTip;
import homelab.backups.plan.Repository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * The database archives as the store holds them, read through {@link S3Client} (docs/archives.md: what is read, which
 * requests, what each failure means). Every IO or format failure is {@link ArchiveRead.Unreadable} naming where and
 * what came back: never an exception, never "empty" for "could not read". A lineage that holds a backup.info that
 * does not parse is Unreadable as a whole (nothing fails open).
 *
 * <p>Requests per lineage: one listing of the base backups (Barman) or one GetObject of backup.info (pgBackRest),
 * one GetObject per Barman backup.info (at most {@link #PARALLEL} at a time), one listing of the WAL directories and
 * one listing of the newest directory that holds a segment.
 */
public final class S3ArchiveLookup implements ArchiveLookup, AutoCloseable {
    /** Larger than any backup.info: Barman's is ~2 KiB, pgBackRest's ~700 bytes per backup it lists. */
    static final int MAX_INFO_BYTES = 8 * 1024 * 1024;
    /** 100 pages of 1000 keys: a WAL directory holds at most 256 segments (and their .backup files). */
    static final int MAX_PAGES = 100;
    /** Reads in flight at once per lineage: the PR preview waits for them, the store serves the cluster's backups. */
    static final int PARALLEL = 4;

    /** A WAL directory: timeline and log number, 16 hex digits (barman/xlog.py, pgBackRest's archive layout). */
    private static final Pattern WAL_DIR = Pattern.compile("[0-9A-F]{16}");
    /**
     * A WAL segment as barman-cloud-wal-archive stores it: 24 hex digits and one compression suffix
     * (barman 3.19.1 barman/cloud.py {@code ALLOWED_COMPRESSIONS}, {@code CloudBackupCatalog.get_wal_paths}); not the
     * {@code .backup}, {@code .history} or {@code .partial} files.
     */
    static final Pattern BARMAN_SEGMENT = Pattern.compile("([0-9A-F]{24})(\\.(gz|bz2|xz|snappy|zst|lz4))?");
    /**
     * A WAL segment as pgBackRest's archive-push stores it: the segment, '-', its SHA-1, and the compression
     * extension (pgBackRest 2.45 src/command/archive/push/file.c: {@code <segment>-<sha1>[.<ext>]}; src/common/compress/helper.c:
     * gz, bz2, lz4, zst, xz).
     */
    static final Pattern PGBACKREST_SEGMENT = Pattern.compile("([0-9A-F]{24})-[0-9a-f]{40}(\\.(gz|bz2|lz4|zst|xz))?");

    private final S3Target target;
    private final S3Client client;
    /** Why no client could be made (blank keys, a CA certificate that does not parse): every read says it. */
    private final String noClient;
    private final ExecutorService pool;

    S3ArchiveLookup(S3Target target, S3Client client, String noClient) {
        this.target = target;
        this.client = client;
        this.noClient = noClient;
        this.pool = Executors.newFixedThreadPool(PARALLEL, r -> {
            var t = new Thread(r, "archive-read");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A reader of {@code target}'s store with this key pair (checked when the store is read, not here). It does not
     * throw: when no client can be made (a blank key, a CA certificate that does not parse), every read is
     * Unreadable saying why.
     */
    public static S3ArchiveLookup of(S3Target target, String accessKey, String secretKey) {
        try {
            return new S3ArchiveLookup(target, S3Client.of(target, accessKey, secretKey), "");
        } catch (IllegalArgumentException e) {
            return new S3ArchiveLookup(target, null, target.url() + ": " + e.getMessage());
        }
    }

    @Override
    public ArchiveRead barman(Repository repository, String serverName) {
        var location = repository.url() + "/" + serverName;
        try {
            checkTarget(repository);
            var lineage = repository.path() + "/" + serverName + "/";
            var base = lineage + "base/";
            var listing = client.list(repository.bucket(), base, "/", MAX_PAGES);
            var reads = new ArrayList<Future<BaseBackup>>();
            for (var prefix : listing.prefixes()) {
                var id = prefix.substring(base.length(), prefix.length() - 1);
                var key = prefix + "backup.info";
                reads.add(pool.submit(() -> {
                    var content = client.get(repository.bucket(), key, MAX_INFO_BYTES);
                    if (content.isEmpty()) {
                        throw new ArchiveFormatException(client.endpoint() + ": s3://" + repository.bucket() + "/" + prefix
                                + " holds no backup.info (barman-cloud-backup writes it first, so the backup directory is damaged)");
                    }
                    return BarmanBackupInfo.parse(id, content.get(), "s3://" + repository.bucket() + "/" + key);
                }));
            }
            var backups = new ArrayList<BaseBackup>();
            for (var read : reads) backups.add(await(read));
            backups.sort(Comparator.comparing((BaseBackup b) -> b.begin().orElse(Instant.MAX)).thenComparing(BaseBackup::id));
            var tip = walTip(repository.bucket(), lineage + "wals/", BARMAN_SEGMENT);
            return new ArchiveRead.Read(new ArchiveView(location, backups, tip));
        } catch (Exception e) {
            if (bucketThisRunCreates(repository, e)) return new ArchiveRead.Read(new ArchiveView(location, List.of(), Optional.empty()));
            return unreadable(location, e);
        }
    }

    /**
     * The server names under the repository with at least one base backup. Only what an error offers the owner: a
     * store that cannot be read answers an empty list here (the read of the configured lineage has already said why).
     */
    @Override
    public List<String> barmanServers(Repository repository) {
        try {
            checkTarget(repository);
            var root = repository.path() + "/";
            var names = client.list(repository.bucket(), root, "/", MAX_PAGES).prefixes();
            var checks = new ArrayList<Future<Optional<String>>>();
            for (var prefix : names) {
                var name = prefix.substring(root.length(), prefix.length() - 1);
                checks.add(pool.submit(() -> client.list(repository.bucket(), prefix + "base/", "/", MAX_PAGES).prefixes().isEmpty()
                        ? Optional.<String>empty() : Optional.of(name)));
            }
            var out = new ArrayList<String>();
            for (var check : checks) await(check).ifPresent(out::add);
            out.sort(Comparator.naturalOrder());
            return List.copyOf(out);
        } catch (Exception e) {
            return List.of();
        }
    }

    @Override
    public ArchiveRead pgbackrest(Repository repository, String stanza) {
        var location = repository.url() + " (stanza " + stanza + ")";
        try {
            checkTarget(repository);
            var bucket = repository.bucket();
            var backupDir = repository.path() + "/backup/" + stanza + "/";
            var archiveDir = repository.path() + "/archive/" + stanza + "/";
            // pgBackRest reads backup.info, then backup.info.copy when the first cannot be loaded (release/2.45
            // src/info/infoBackup.c infoBackupLoadFileCallback: try 0 the file, try 1 INFO_COPY_EXT): so does this reader
            // (for a missing file only; a damaged one is reported).
            var file = "s3://" + bucket + "/" + backupDir + "backup.info";
            var content = client.get(bucket, backupDir + "backup.info", MAX_INFO_BYTES);
            if (content.isEmpty()) {
                file = file + ".copy";
                content = client.get(bucket, backupDir + "backup.info.copy", MAX_INFO_BYTES);
            }
            if (content.isEmpty()) {
                // No stanza here. Empty only when nothing else is either: WAL without a backup.info is a damaged stanza.
                for (var dir : List.of(backupDir, archiveDir)) {
                    if (client.any(bucket, dir)) {
                        throw new ArchiveFormatException(client.endpoint() + ": s3://" + bucket + "/" + backupDir
                                + " has no backup.info or backup.info.copy, yet s3://" + bucket + "/" + dir
                                + " holds objects: the stanza is damaged or half-deleted");
                    }
                }
                return new ArchiveRead.Read(new ArchiveView(location, List.of(), Optional.empty()));
            }
            if (PgBackRestBackupInfo.encrypted(content.get())) {
                return new ArchiveRead.NotChecked(file + " is encrypted (repo-cipher-type): this reader has no passphrase; "
                        + "its system is not compared (and under PGO pgBackRest's own refusal does not hold: PGO runs stanza-create || "
                        + "stanza-upgrade, which takes a stanza of another system over: docs/lineage.md)");
            }
            var parsed = PgBackRestBackupInfo.parse(content.get(), file);
            var tip = walTip(bucket, archiveDir + parsed.archiveId() + "/", PGBACKREST_SEGMENT);
            return new ArchiveRead.Read(new ArchiveView(location, parsed.backups(), tip));
        } catch (Exception e) {
            if (bucketThisRunCreates(repository, e)) return new ArchiveRead.Read(new ArchiveView(location, List.of(), Optional.empty()));
            return unreadable(location, e);
        }
    }

    /**
     * The newest WAL segment under {@code prefix}: the WAL directories listed with a delimiter, then the newest
     * directory (by name: timeline, then log number) that holds a segment, listed whole.
     */
    private Optional<WalTip> walTip(String bucket, String prefix, Pattern segment) throws S3Client.S3Exception {
        var dirs = new ArrayList<String>();
        for (var p : client.list(bucket, prefix, "/", MAX_PAGES).prefixes()) {
            var name = p.substring(prefix.length(), p.length() - 1);
            if (WAL_DIR.matcher(name).matches()) dirs.add(p);
        }
        dirs.sort(Comparator.reverseOrder());
        for (var dir : dirs) {
            WalTip newest = null;
            for (var object : client.list(bucket, dir, "", MAX_PAGES).objects()) {
                var m = segment.matcher(object.key().substring(dir.length()));
                if (m.matches() && (newest == null || m.group(1).compareTo(newest.segment()) > 0)) {
                    newest = new WalTip(m.group(1), object.lastModified());
                }
            }
            if (newest != null) return Optional.of(newest);
        }
        return Optional.empty();
    }

    private void checkTarget(Repository repository) throws ArchiveFormatException {
        if (client == null) throw new ArchiveFormatException(noClient);
        if (!repository.target().equals(target)) {
            throw new ArchiveFormatException("the repository is on target " + repository.target().name()
                    + " and this reader reads target " + target.name() + " (" + target.url() + ")");
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    /**
     * The store says the bucket does not exist, and this stack manages its buckets: the same run creates it
     * (StorageWave), so nothing can have been archived in it — an empty archive, not an unreadable one (a fresh store's
     * first {@code pulumi up}). A bucket the stack does not manage stays Unreadable: the settings name a bucket the
     * store does not have.
     */
    private static boolean bucketThisRunCreates(Repository repository, Exception e) {
        return repository.target().manageBuckets() && e instanceof S3Client.S3Exception s3 && "NoSuchBucket".equals(s3.code());
    }

    private ArchiveRead unreadable(String location, Exception e) {
        var why = e instanceof S3Client.S3Exception || e instanceof ArchiveFormatException ? e.getMessage()
                : target.url() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage();
        return new ArchiveRead.Unreadable(location, why);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
