package homelab.backups.verify;

import homelab.backups.config.ConfigErrors;
import homelab.backups.config.StackFile;
import homelab.backups.config.StackInputs;
import homelab.backups.kubernetes.Fabric8LiveCluster;
import homelab.backups.plan.Coverage;
import homelab.backups.plan.Planner;
import homelab.backups.plan.Verification;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;

/**
 * {@code ./verify --stack <name> [--json]}: the design's testing plan as a table, read-only, against the live cluster
 * of the stack's kubeconfig context. Exit 0 only when every row is PROVEN.
 */
public final class Verify {
    private Verify() {
    }

    static final String USAGE = "usage: verify [--stack prod] [--json] [--project <dir>]";

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Exit codes: 0 everything proven, 1 something is not, 2 invalid stack input, 3 cluster unreachable, 64 usage. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String stack = "prod";
        boolean json = false;
        var project = Path.of("").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--stack" -> {
                    if (i + 1 >= args.length) return usage(err, "--stack needs a value");
                    stack = args[++i];
                }
                case "--project" -> {
                    if (i + 1 >= args.length) return usage(err, "--project needs a value");
                    project = Path.of(args[++i]).toAbsolutePath();
                }
                case "--json" -> json = true;
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    return usage(err, "unknown argument " + args[i]);
                }
            }
        }
        Verification verification;
        Coverage coverage;
        try {
            var plan = Planner.plan(StackInputs.load(StackFile.stackConfig(project, stack), project));
            try (var live = Fabric8LiveCluster.connect(plan.inputs().settings().kubernetes().context())) {
                verification = Verification.of(plan, live, Instant.now());
                coverage = Coverage.read(plan, live);
            }
        } catch (ConfigErrors.InvalidConfigException e) {
            err.println(e.getMessage());
            return 2;
        } catch (com.pulumi.exceptions.RunException e) {
            err.println("verify: " + e.getMessage());
            return 3;
        }
        if (json) out.println(VerificationReport.json(verification, coverage));
        else VerificationReport.table(verification, coverage).forEach(out::println);
        return verification.proven() ? 0 : 1;
    }

    private static int usage(PrintStream err, String message) {
        if (!message.isEmpty()) err.println("verify: " + message);
        err.println(USAGE);
        return 64;
    }
}
