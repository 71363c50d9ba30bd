import homelab.backups.config.RestorePoint;
import homelab.backups.config.S3Target;
import homelab.backups.kubernetes.PgoSpecs;
import homelab.backups.plan.PgBackRestRepo;
import homelab.backups.plan.Repository;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/**
 * The program's own strings for what a render does not show, so databases/test/run.sh uses them rather than a copy:
 *   target TIME        CNPG's recoveryTarget.targetTime (RestorePoint.AsOf.text()) and pgBackRest's --target value
 *                      (PgoSpecs.pgbackrestTime), one per line, for an ISO-8601 TIME
 *   s3conf KEY SECRET  the s3.conf the PGO repository Secret holds (PgoSpecs.s3Conf; the render redacts it), for one
 *                      repository numbered 1 as prod's PostgresCluster has: only its number reaches s3.conf
 * Run with the program's jar: java -cp target/homelab-backups-all.jar databases/test/Rendered.java ...
 */
public class Rendered {
    public static void main(String[] args) {
        switch (args[0]) {
            case "target" -> {
                var asOf = new RestorePoint.AsOf(OffsetDateTime.parse(args[1]));
                System.out.println(asOf.text());
                System.out.println(PgoSpecs.pgbackrestTime(asOf));
            }
            case "s3conf" -> {
                var target = new S3Target(S3Target.PRIMARY, URI.create("http://127.0.0.1"), "us-east-1", "volsync",
                        "postgres", false, Optional.empty(), S3Target.Credentials.S3);
                var repo = new PgBackRestRepo(1, new Repository(target, "postgres", "pgbackrest/db", "db"));
                System.out.print(PgoSpecs.s3Conf(List.of(repo), args[1], args[2], null));
            }
            default -> throw new IllegalArgumentException("target TIME | s3conf KEY SECRET");
        }
    }
}
