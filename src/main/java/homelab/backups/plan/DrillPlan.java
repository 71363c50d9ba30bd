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
        return toBuilder().expected(what).build();
    }

    /** This drill with the repository id the owner acknowledged. */
    public DrillPlan accepting(java.util.Optional<String> repository) {
        return toBuilder().acceptedRepository(repository).build();
    }

    /** This drill with the oldest snapshot the owner acknowledged after a loss. */
    public DrillPlan acceptingOldest(java.util.Optional<String> oldest) {
        return toBuilder().acceptedOldest(oldest).build();
    }

    /**
     * A drill built field by field, by name. Nothing has a default: {@link Builder#build} refuses a drill with a
     * field left unset, as the positional constructor would not compile without it.
     */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .app(app)
                .namespace(namespace)
                .cronJobName(cronJobName)
                .scriptConfigMap(scriptConfigMap)
                .secretName(secretName)
                .mover(mover)
                .schedule(schedule)
                .maxAge(maxAge)
                .staleAfter(staleAfter)
                .identity(identity)
                .image(image)
                .scratch(scratch)
                .scratchBudget(scratchBudget)
                .everyDays(everyDays)
                .readSubsets(readSubsets)
                .verifyPercent(verifyPercent)
                .cpuLimit(cpuLimit)
                .memoryLimit(memoryLimit)
                .keep(keep)
                .acceptedRepository(acceptedRepository)
                .acceptedOldest(acceptedOldest)
                .expected(expected);
    }

    public static final class Builder {
        private String app;
        private String namespace;
        private String cronJobName;
        private String scriptConfigMap;
        private String secretName;
        private Settings.Mover mover;
        private Cron schedule;
        private Duration maxAge;
        private Duration staleAfter;
        private MoverIdentity identity;
        private String image;
        private Quantity scratch;
        private Long scratchBudget;
        private Integer everyDays;
        private Integer readSubsets;
        private Integer verifyPercent;
        private String cpuLimit;
        private String memoryLimit;
        private RepositoryIdentity.Keep keep;
        private java.util.Optional<String> acceptedRepository;
        private java.util.Optional<String> acceptedOldest;
        private RepositoryIdentity.Expected expected;

        private Builder() {
        }

        public Builder app(String app) {
            this.app = app;
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder cronJobName(String cronJobName) {
            this.cronJobName = cronJobName;
            return this;
        }

        public Builder scriptConfigMap(String scriptConfigMap) {
            this.scriptConfigMap = scriptConfigMap;
            return this;
        }

        public Builder secretName(String secretName) {
            this.secretName = secretName;
            return this;
        }

        public Builder mover(Settings.Mover mover) {
            this.mover = mover;
            return this;
        }

        public Builder schedule(Cron schedule) {
            this.schedule = schedule;
            return this;
        }

        public Builder maxAge(Duration maxAge) {
            this.maxAge = maxAge;
            return this;
        }

        public Builder staleAfter(Duration staleAfter) {
            this.staleAfter = staleAfter;
            return this;
        }

        public Builder identity(MoverIdentity identity) {
            this.identity = identity;
            return this;
        }

        public Builder image(String image) {
            this.image = image;
            return this;
        }

        public Builder scratch(Quantity scratch) {
            this.scratch = scratch;
            return this;
        }

        public Builder scratchBudget(long scratchBudget) {
            this.scratchBudget = scratchBudget;
            return this;
        }

        public Builder everyDays(int everyDays) {
            this.everyDays = everyDays;
            return this;
        }

        public Builder readSubsets(int readSubsets) {
            this.readSubsets = readSubsets;
            return this;
        }

        public Builder verifyPercent(int verifyPercent) {
            this.verifyPercent = verifyPercent;
            return this;
        }

        public Builder cpuLimit(String cpuLimit) {
            this.cpuLimit = cpuLimit;
            return this;
        }

        public Builder memoryLimit(String memoryLimit) {
            this.memoryLimit = memoryLimit;
            return this;
        }

        public Builder keep(RepositoryIdentity.Keep keep) {
            this.keep = keep;
            return this;
        }

        public Builder acceptedRepository(java.util.Optional<String> acceptedRepository) {
            this.acceptedRepository = acceptedRepository;
            return this;
        }

        public Builder acceptedOldest(java.util.Optional<String> acceptedOldest) {
            this.acceptedOldest = acceptedOldest;
            return this;
        }

        public Builder expected(RepositoryIdentity.Expected expected) {
            this.expected = expected;
            return this;
        }

        public DrillPlan build() {
            var missing = new java.util.ArrayList<String>();
            if (app == null) missing.add("app");
            if (namespace == null) missing.add("namespace");
            if (cronJobName == null) missing.add("cronJobName");
            if (scriptConfigMap == null) missing.add("scriptConfigMap");
            if (secretName == null) missing.add("secretName");
            if (mover == null) missing.add("mover");
            if (schedule == null) missing.add("schedule");
            if (maxAge == null) missing.add("maxAge");
            if (staleAfter == null) missing.add("staleAfter");
            if (identity == null) missing.add("identity");
            if (image == null) missing.add("image");
            if (scratch == null) missing.add("scratch");
            if (scratchBudget == null) missing.add("scratchBudget");
            if (everyDays == null) missing.add("everyDays");
            if (readSubsets == null) missing.add("readSubsets");
            if (verifyPercent == null) missing.add("verifyPercent");
            if (cpuLimit == null) missing.add("cpuLimit");
            if (memoryLimit == null) missing.add("memoryLimit");
            if (keep == null) missing.add("keep");
            if (acceptedRepository == null) missing.add("acceptedRepository");
            if (acceptedOldest == null) missing.add("acceptedOldest");
            if (expected == null) missing.add("expected");
            if (!missing.isEmpty()) throw new IllegalStateException("DrillPlan without " + String.join(", ", missing));
            return new DrillPlan(app, namespace, cronJobName, scriptConfigMap, secretName, mover, schedule, maxAge, staleAfter, identity, image, scratch, scratchBudget, everyDays, readSubsets, verifyPercent, cpuLimit, memoryLimit, keep, acceptedRepository, acceptedOldest, expected);
        }
    }

    /** The script the CronJob runs, shipped in the jar from {@code drills/}. */
    public String scriptName() {
        return mover == Settings.Mover.KOPIA ? "kopia-drill.sh" : "restic-drill.sh";
    }
}
