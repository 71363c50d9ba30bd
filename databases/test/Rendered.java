import homelab.backups.config.RestorePoint;
import homelab.backups.kubernetes.PostgresSpecs;
import java.time.OffsetDateTime;

/**
 * The program's own strings for what a render does not show, so databases/test/run.sh uses them rather than a copy:
 *   target TIME        CNPG's recoveryTarget.targetTime (RestorePoint.AsOf.text()) and pgBackRest's --target value
 *                      (PostgresSpecs.pgbackrestTime), one per line, for an ISO-8601 TIME
 *   s3conf KEY SECRET  the s3.conf the PGO repository Secret holds (PostgresSpecs.s3Conf; the render redacts it)
 * Run with the program's jar: java -cp target/homelab-backups-all.jar databases/test/Rendered.java ...
 */
public class Rendered {
    public static void main(String[] args) {
        switch (args[0]) {
            case "target" -> {
                var asOf = new RestorePoint.AsOf(OffsetDateTime.parse(args[1]));
                System.out.println(asOf.text());
                System.out.println(PostgresSpecs.pgbackrestTime(asOf));
            }
            case "s3conf" -> System.out.print(PostgresSpecs.s3Conf(args[1], args[2], null));
            default -> throw new IllegalArgumentException("target TIME | s3conf KEY SECRET");
        }
    }
}
