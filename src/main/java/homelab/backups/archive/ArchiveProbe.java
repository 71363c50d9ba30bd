package homelab.backups.archive;

import homelab.backups.config.S3Target;
import homelab.backups.plan.ArchiveRead;
import homelab.backups.plan.Repository;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The archive reader from a shell, for databases/test/run.sh: it reads what barman-cloud or pgBackRest just wrote
 * and the script compares the answer with {@code pg_controldata}, {@code barman-cloud-backup-list} and
 * {@code pgbackrest info}. Tooling, not the program (nothing App reaches calls it). Keys come from
 * {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, as the tools take them.
 *
 * <pre>
 *   java -cp target/homelab-backups-all.jar homelab.backups.archive.ArchiveProbe \
 *       --endpoint URL --region REGION --bucket BUCKET [--ca PEMFILE] (barman PATH SERVER | servers PATH | pgbackrest PATH STANZA)
 * </pre>
 *
 * Prints {@code read <location>}, then {@code backup <id> <systemId> <DONE|NOT-DONE> <begin> <end>} per base backup
 * and {@code wal <segment> <uploaded>} (or {@code wal none}); exit 0. Unreadable: {@code unreadable <location>: <why>},
 * exit 1. Not checked: {@code not-checked <why>}, exit 3. Bad arguments: exit 2.
 */
public final class ArchiveProbe {
    private ArchiveProbe() {}

    public static void main(String[] args) throws IOException {
        String endpoint = null, region = "us-east-1", bucket = null;
        Optional<String> ca = Optional.empty();
        int i = 0;
        for (; i + 1 < args.length && args[i].startsWith("--"); i += 2) {
            switch (args[i]) {
                case "--endpoint" -> endpoint = args[i + 1];
                case "--region" -> region = args[i + 1];
                case "--bucket" -> bucket = args[i + 1];
                case "--ca" -> ca = Optional.of(Files.readString(Path.of(args[i + 1])));
                default -> usage("unknown option " + args[i]);
            }
        }
        if (endpoint == null || bucket == null || i >= args.length) usage("--endpoint, --bucket and a command are required");
        var accessKey = System.getenv("AWS_ACCESS_KEY_ID");
        var secretKey = System.getenv("AWS_SECRET_ACCESS_KEY");
        if (accessKey == null || secretKey == null) usage("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
        // The probe reads one bucket; S3Target wants a distinct volume bucket, which it never touches.
        var target = new S3Target(S3Target.PRIMARY, URI.create(endpoint), region,
                bucket.equals("archive-probe-unused") ? "archive-probe-unused-2" : "archive-probe-unused", bucket, false, ca,
                S3Target.Credentials.S3);
        var command = args[i];
        var rest = java.util.Arrays.copyOfRange(args, i + 1, args.length);
        try (var lookup = S3ArchiveLookup.of(target, accessKey, secretKey)) {
            switch (command) {
                case "barman" -> {
                    if (rest.length != 2) usage("barman PATH SERVER");
                    System.exit(print(lookup.barman(new Repository(target, bucket, rest[0], "unused"), rest[1])));
                }
                case "pgbackrest" -> {
                    if (rest.length != 2) usage("pgbackrest PATH STANZA");
                    System.exit(print(lookup.pgbackrest(new Repository(target, bucket, rest[0], "unused"), rest[1])));
                }
                case "servers" -> {
                    if (rest.length != 1) usage("servers PATH");
                    lookup.barmanServers(new Repository(target, bucket, rest[0], "unused")).forEach(s -> System.out.println("server " + s));
                }
                default -> usage("unknown command " + command);
            }
        }
    }

    private static int print(ArchiveRead read) {
        if (read instanceof ArchiveRead.Read r) {
            var view = r.view();
            System.out.println("read " + view.location());
            for (var b : view.backups()) {
                System.out.println("backup " + b.id() + " " + b.systemId() + " " + (b.done() ? "DONE" : "NOT-DONE") + " "
                        + b.begin().map(Object::toString).orElse("-") + " " + b.end().map(Object::toString).orElse("-"));
            }
            System.out.println(view.newestWal().map(w -> "wal " + w.segment() + " " + w.uploaded()).orElse("wal none"));
            return 0;
        }
        if (read instanceof ArchiveRead.Unreadable u) {
            System.out.println("unreadable " + u.location() + ": " + u.why());
            return 1;
        }
        System.out.println("not-checked " + ((ArchiveRead.NotChecked) read).why());
        return 3;
    }

    private static void usage(String why) {
        System.err.println("ArchiveProbe: " + why);
        System.err.println("usage: ArchiveProbe --endpoint URL [--region R] --bucket B [--ca PEMFILE] "
                + "(barman PATH SERVER | servers PATH | pgbackrest PATH STANZA)");
        System.exit(2);
    }
}
