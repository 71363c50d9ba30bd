package homelab.backups.config;

import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A stack's settings, from {@code Pulumi.<stack>.yaml}: everything that is not the inventory. */
public record Settings(
        KubernetesSettings kubernetes,
        VolSyncSettings volsync,
        S3Target target,
        ScheduleSettings schedule,
        List<SnapshotClass> snapshotClasses,
        CacheSettings cache,
        SecretsSettings secrets,
        DatabaseSettings databases,
        RestoreSettings restore,
        Map<String, Policy> policies,
        MonitoringSettings monitoring,
        DrillSettings drills,
        LonghornSettings longhorn,
        ArgoCdSettings argocd) {

    public Settings {
        snapshotClasses = List.copyOf(snapshotClasses);
        policies = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(policies));
    }

    /** The policy named {@code name}; {@link Policy#DEFAULT} always exists. */
    public Policy policy(Optional<String> name) {
        return policies.get(name.orElse(Policy.DEFAULT));
    }

    /** The VolumeSnapshotClass to use for PVCs of {@code storageClass}, if one is configured. */
    public Optional<SnapshotClass> snapshotClassFor(String storageClass) {
        return snapshotClasses.stream().filter(c -> c.storageClasses().contains(storageClass)).findFirst();
    }

    /**
     * @param providerVersion the pulumi-resource-kubernetes plugin version; the served Java SDK is 4.0.0, which
     *                        predates {@code pulumi.com/waitFor} (4.18)
     * @param context         kubeconfig context, so a stale current-context never points at the wrong cluster
     */
    public record KubernetesSettings(String providerVersion, Optional<String> context) {
    }

    public enum Mover implements Keyword {
        RESTIC("restic"), KOPIA("kopia");

        private final String id;

        Mover(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        public static Optional<Mover> parse(String text) {
            return Keyword.parse(values(), text);
        }
    }

    public record Chart(String repository, String name, String version) {
    }

    /**
     * @param mover  restic (upstream VolSync) or kopia (the perfectra1n fork), for the whole stack
     * @param chart  the Helm chart that matches the mover, pinned
     * @param values extra Helm values merged over ours
     */
    public record VolSyncSettings(Mover mover, String namespace, Chart chart, Map<String, Object> values) {
    }

    /**
     * @param windowStart   first minute backups may start
     * @param windowMinutes width of the window; each volume gets its own start minute inside it
     */
    public record ScheduleSettings(LocalTime windowStart, int windowMinutes, int retainDaily, int pruneIntervalDays) {
    }

    /** A VolumeSnapshotClass this stack creates, and the storage classes whose PVCs it snapshots. */
    public record SnapshotClass(String name, String driver, Map<String, String> parameters,
                                List<String> storageClasses, String deletionPolicy) {
        public SnapshotClass {
            parameters = Map.copyOf(parameters);
            storageClasses = List.copyOf(storageClasses);
        }
    }

    /** The mover's restic/kopia cache volume. */
    public record CacheSettings(Quantity capacity, Optional<String> storageClass, List<AccessMode> accessModes) {
        public CacheSettings {
            accessModes = List.copyOf(accessModes);
        }
    }

    public enum SecretsSourceKind implements Keyword {
        ONEPASSWORD("onepassword"), CONFIG("config");

        private final String id;

        SecretsSourceKind(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        public static Optional<SecretsSourceKind> parse(String text) {
            return Keyword.parse(values(), text);
        }
    }

    /**
     * @param fields which field label of the 1Password item holds each credential
     */
    public record OnePasswordSettings(String vault, String item, Map<SecretKey, String> fields,
                                      Optional<String> connectUrl, String providerVersion) {
        public OnePasswordSettings {
            fields = Map.copyOf(fields);
        }
    }

    public record SecretsSettings(SecretsSourceKind source, Optional<OnePasswordSettings> onePassword) {
    }

    /**
     * @param defaultSchedule   CNPG six-field cron for base backups (daily 03:00 = {@code 0 0 3 * * *}); its seconds
     *                          field is 0, so {@link CnpgSchedule#withoutSeconds()} serves PGO clusters too
     * @param pgbackrestEndpoint an HTTPS endpoint for pgBackRest when the S3 endpoint is plain HTTP
     * @param pgbackrestVersion the pgBackRest version of the PGO images in use, when declared (≥ 2.58 speaks HTTP)
     * @param drill             the restore drills of the databases
     */
    public record DatabaseSettings(CnpgSchedule defaultSchedule, String retention, int retentionFullDays,
                                   Optional<URI> pgbackrestEndpoint, Optional<String> pgbackrestVersion,
                                   boolean pgbackrestVerifyTls, DatabaseDrillSettings drill) {
    }

    /**
     * Database restore drills (README: Database restore drills): a CronJob per backed-up database that recovers it
     * into a throwaway cluster, checks it and deletes it.
     *
     * @param everyDays     each database is drilled once every this many days (1, 2, 3 or 7)
     * @param windowStart   drills start inside this daily window, away from the database backups and the volume drills
     *                      (default: half an hour after the volume drills' window ends)
     * @param image         the drill pod's image: bash and kubectl (psql runs inside the database pods), pinned by digest
     * @param readyTimeout  how long the throwaway cluster may take to recover and become ready
     */
    public record DatabaseDrillSettings(boolean enabled, int everyDays, LocalTime windowStart, int windowMinutes,
                                        String image, Duration readyTimeout, String cpuLimit, String memoryLimit) {
        /**
         * alpine/k8s (github.com/alpine-docker/k8s): Alpine with bash and kubectl 1.34.1, the smallest public image
         * with both; registry.k8s.io/kubectl has no shell. The digest is the one public repositories pin this tag to.
         */
        public static final String DEFAULT_IMAGE =
                "docker.io/alpine/k8s:1.34.1@sha256:ec714df3813b5405292860f8a1c55c5727bf8c33c88992f1e981efad8065547f";
    }

    /**
     * @param timeout           how long {@code pulumi up} waits for a restore mover; large volumes take hours
     * @param disasterRecovery  the bootstrap mode for a rebuilt cluster: the whole stack, or only {@code recoveryScope}
     * @param parallelRestores  disaster recovery restores at most this many volumes at once: Longhorn builds the
     *                          replicas of every new volume at the same time, and mass restores have faulted its
     *                          volumes (docs/field-incidents-2026.md #40)
     */
    public record RestoreSettings(Duration timeout, boolean disasterRecovery, int parallelRestores,
                                  List<String> recoveryScope) {
        /** {@code recoveryScope} entries that name a namespace rather than an app id. */
        public static final String NAMESPACE_PREFIX = "namespace:";

        /**
         * @param recoveryScope empty: disaster recovery (when on) covers every volume; otherwise app ids and
         *                      {@code namespace:<ns>} entries, and only those recover (validated against the inventory)
         */
        public RestoreSettings {
            if (parallelRestores < 1) throw new IllegalArgumentException("parallelRestores must be at least 1: " + parallelRestores);
            recoveryScope = List.copyOf(recoveryScope);
            if (!recoveryScope.isEmpty() && !disasterRecovery) {
                throw new IllegalArgumentException("a disaster recovery scope needs disasterRecovery on: " + recoveryScope);
            }
        }

        public RestoreSettings(Duration timeout, boolean disasterRecovery, int parallelRestores) {
            this(timeout, disasterRecovery, parallelRestores, List.of());
        }

        /** Whether disaster recovery covers this app's volume. */
        public boolean recovers(String app, String namespace) {
            return disasterRecovery && (recoveryScope.isEmpty() || recoveryScope.contains(app)
                    || recoveryScope.contains(NAMESPACE_PREFIX + namespace));
        }
    }

    /**
     * Wave 3: alert rules, as a PrometheusRule the cluster's Prometheus Operator selects.
     *
     * @param namespace   where the PrometheusRule lives (the monitoring stack's namespace)
     * @param labels      the labels the Prometheus's ruleSelector matches
     * @param slack       how late a backup, drill or database backup may be before it counts as late: alerts, drills
     *                    and ./verify all measure against the schedule's interval plus this
     * @param runbookBase where the README's runbook sections live; each alert links {@code <runbookBase>#<section>}
     */
    public record MonitoringSettings(boolean enabled, String namespace, Map<String, String> labels, Duration slack,
                                     String runbookBase) {
        public MonitoringSettings {
            labels = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(labels));
        }
    }

    /**
     * Restore drills: a CronJob per backed-up volume that checks its repository and restores its newest backup into
     * scratch space that disappears with the pod.
     *
     * @param everyDays     each volume is drilled once every this many days (1, 2, 3 or 7)
     * @param windowStart   drills start inside this daily window, after the backups
     * @param image         the image with the mover's tool (restic or kopia); empty: the pinned VolSync mover image
     * @param scratch       the emptyDir size limit; snapshots larger than it are restored as a sample of files
     * @param readSubsets   N: each drill reads 1/N of the repository's data, so N drills read all of it
     * @param verifyPercent Kopia: the share of files {@code snapshot verify} reads
     */
    public record DrillSettings(boolean enabled, int everyDays, LocalTime windowStart, int windowMinutes,
                                Optional<String> image, Quantity scratch, int readSubsets, int verifyPercent,
                                String cpuLimit, String memoryLimit, java.util.Map<String, String> acceptRepository,
                                java.util.Map<String, String> acceptHistory) {
        /** An oldest snapshot as the drill prints it: RFC 3339 in UTC, to the second. */
        public static final java.util.regex.Pattern OLDEST = java.util.regex.Pattern.compile(
                "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$");

        /** A restic repository id ({@code restic cat config}): 64 hex digits. */
        public static final java.util.regex.Pattern REPOSITORY_ID = java.util.regex.Pattern.compile("^[0-9a-f]{64}$");

        public DrillSettings {
            acceptRepository = java.util.Map.copyOf(acceptRepository);
            acceptHistory = java.util.Map.copyOf(acceptHistory);
            acceptHistory.forEach((app, t) -> {
                if (!OLDEST.matcher(t).matches()) throw new IllegalArgumentException("drills.acceptHistory." + app + ": '" + t + "' is not a UTC time");
            });
            acceptRepository.forEach((app, id) -> {
                if (!REPOSITORY_ID.matcher(id).matches()) {
                    throw new IllegalArgumentException("drills.acceptRepository." + app + ": '" + id + "' is not a repository id");
                }
            });
        }

        public DrillSettings(boolean enabled, int everyDays, LocalTime windowStart, int windowMinutes,
                             Optional<String> image, Quantity scratch, int readSubsets, int verifyPercent,
                             String cpuLimit, String memoryLimit) {
            this(enabled, everyDays, windowStart, windowMinutes, image, scratch, readSubsets, verifyPercent, cpuLimit,
                    memoryLimit, java.util.Map.of(), java.util.Map.of());
        }

        /** The oldest snapshot the owner acknowledged for an app after snapshots were lost (drills/README.md). */
        public Optional<String> acceptedOldest(String app) {
            return Optional.ofNullable(acceptHistory.get(app));
        }

        /** The repository id the owner acknowledged for an app after a legitimate re-initialisation (drills/README.md). */
        public Optional<String> acceptedRepository(String app) {
            return Optional.ofNullable(acceptRepository.get(app));
        }
    }

    /**
     * The retirement of Longhorn's own backups (docs/field-findings.md §9): the {@code default} BackupTarget patched to no
     * target, only once every backup is proven.
     */
    public record LonghornSettings(boolean retireBackups, String namespace, String backupTarget) {
    }

    /**
     * Argo CD, as far as a restore needs it: where its Applications live, so that the one tracking a PVC about to be
     * deleted can be read (its automated sync would re-create the PVC empty from Git).
     */
    public record ArgoCdSettings(String namespace) {
        public ArgoCdSettings {
            if (namespace == null || namespace.isBlank()) throw new IllegalArgumentException("argocd.namespace is empty");
        }
    }
}
