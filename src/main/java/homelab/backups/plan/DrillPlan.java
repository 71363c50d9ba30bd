package homelab.backups.plan;

import homelab.backups.config.Cron;
import homelab.backups.config.MoverIdentity;
import homelab.backups.config.Quantity;
import homelab.backups.config.Settings;
import java.time.Duration;

/**
 * One volume's restore drill: a CronJob in the app's namespace that runs the project's drill script against the
 * volume's repository (docs/design.md "Proof that backups work").
 *
 * @param maxAge         the newest backup must be younger than this: the volume's backup interval plus the slack
 * @param scratchBudget  bytes the restore may write: the scratch size less room for the mover's cache; a larger
 *                       snapshot is restored as a sample of files that fits
 * @param staleAfter     a drill that has not passed for this long is stale: the drill interval plus the slack
 * @param keep           how long the volume's policy keeps a snapshot for certain (the history the drill checks)
 * @param acceptedRepository the repository id the owner acknowledged ({@code drills.acceptRepository.<app>})
 * @param acceptedOldest the oldest snapshot the owner acknowledged after a loss ({@code drills.acceptHistory.<app>})
 * @param expected       the repository the drill must find, from the live cluster ({@link RepositoryIdentity});
 *                       none in the plan, filled in by the program once it has read the cluster
 */
public record DrillPlan(
        String app,
        String namespace,
        String cronJobName,
        String scriptConfigMap,
        String secretName,
        Settings.Mover mover,
        Cron schedule,
        Duration maxAge,
        Duration staleAfter,
        MoverIdentity identity,
        String image,
        Quantity scratch,
        long scratchBudget,
        int everyDays,
        int readSubsets,
        int verifyPercent,
        String cpuLimit,
        String memoryLimit,
        RepositoryIdentity.Keep keep,
        java.util.Optional<String> acceptedRepository,
        java.util.Optional<String> acceptedOldest,
        RepositoryIdentity.Expected expected) {
    /** On the CronJob, its Jobs and pods: which app's backups the drill proves (what ./verify selects by). */
    public static final String LABEL = "homelab-backups/drill";

    /** This drill, expecting the repository the live cluster recorded ({@link RepositoryIdentity#expected}). */
    public DrillPlan expecting(RepositoryIdentity.Expected what) {
        return new DrillPlan(app, namespace, cronJobName, scriptConfigMap, secretName, mover, schedule, maxAge,
                staleAfter, identity, image, scratch, scratchBudget, everyDays, readSubsets, verifyPercent, cpuLimit,
                memoryLimit, keep, acceptedRepository, acceptedOldest, what);
    }

    /** The script the CronJob runs, shipped in the jar from {@code drills/}. */
    public String scriptName() {
        return mover == Settings.Mover.KOPIA ? "kopia-drill.sh" : "restic-drill.sh";
    }
}
