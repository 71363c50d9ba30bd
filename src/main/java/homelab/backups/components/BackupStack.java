package homelab.backups.components;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.Provider;
import com.pulumi.kubernetes.ProviderArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.exceptions.RunException;
import homelab.backups.kubernetes.LiveCluster;
import homelab.backups.plan.Adoption;
import homelab.backups.plan.AlertsPresence;
import homelab.backups.plan.ClaimHandling;
import homelab.backups.plan.ClaimState;
import homelab.backups.plan.Lineage;
import homelab.backups.plan.LiveReview;
import java.util.TreeMap;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.Verification;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The whole program below the entry point: explicit providers, then the waves in order, each waiting for the one
 * before. The real program, the offline render and the tests all run this same code.
 */
public final class BackupStack {
    private final LiveReview review;
    private final SecretsWave secrets;
    private final PlatformWave platform;
    private final StorageWave storage;
    private final ProofWave proof;
    private final VolumesWave volumes;

    /**
     * @param live          the live cluster, read once before anything is registered
     * @param configSecrets reads a Pulumi config secret by key (the config secrets source)
     * @param warn          shows a message in the preview/up output
     */
    public BackupStack(StackPlan plan, LiveCluster live, Function<String, Output<String>> configSecrets,
                       Consumer<String> warn) {
        this(plan, live, ArchiveAccess.offline("no object store in this run (the offline render and the tests)"),
                configSecrets, warn);
    }

    /**
     * @param archives how the database archives are read before registration: {@code pulumi preview}/{@code up}
     *                 always read the store (App), the render and tests answer offline or from fakes
     */
    public BackupStack(StackPlan plan, LiveCluster live, ArchiveAccess archives,
                       Function<String, Output<String>> configSecrets, Consumer<String> warn) {
        var settings = plan.inputs().settings();
        var recovery = settings.restore();
        var handling = new TreeMap<String, ClaimHandling>();
        // Restore-before-bind: each backed-up claim is first read for what it is (the one the program holds, one
        // waiting for its data, one re-created behind its back), and that decides what may happen to it.
        var states = new TreeMap<String, ClaimState>();
        var recovering = new TreeMap<String, Boolean>();
        for (var v : plan.volumes()) {
            boolean dr = recovery.recovers(v.app(), v.namespace());
            recovering.put(v.app(), dr);
            if (v.populatorRestore()) {
                var state = ClaimState.read(v, ClaimHandling.pendingRestore(v, dr), live);
                states.put(v.app(), state);
                handling.put(v.app(), ClaimHandling.of(v, state, dr, recovery.timeout()));
            } else {
                handling.put(v.app(), ClaimHandling.of(v, dr, recovery.timeout()));
            }
        }
        // Before anything is registered: the live PVCs must be the ones the inventory describes, and a PVC about to be
        // restored must be free. A RunException: the SDK reports its message as the error, without a stack trace.
        // The archives' S3 keys are resolved only when a read needs them: config secrets register nothing, 1Password
        // needs its provider (wave 0) first, which is then the one the later waves use.
        var early = new SecretsWave[1];
        java.util.function.Supplier<SecretsWave> secretsWave = () -> {
            if (early[0] == null) {
                early[0] = new SecretsWave("wave0-secrets", new SecretsWave.Args(settings.secrets(), configSecrets),
                        ComponentResourceOptions.builder().build());
            }
            return early[0];
        };
        var store = archives.open(settings.target(), () -> settings.secrets().source()
                == homelab.backups.config.Settings.SecretsSourceKind.CONFIG
                ? new homelab.backups.secrets.ConfigSecretSource(configSecrets) : secretsWave.get().source());
        this.review = LiveReview.of(plan.inputs().inventory().file(), plan.volumes(), handling, states, recovering,
                plan.databases(), settings.argocd().namespace(), live, store);
        if (!review.errors().isEmpty()) throw new RunException(Adoption.failure(review.errors()));
        // Before anything is registered: no CNPG cluster is wired into another cluster's archive (issue 22 part 3).
        var lineage = Lineage.review(plan.inputs().inventory().file(), plan.databases(), live, store);
        if (!lineage.errors().isEmpty()) throw new RunException(Lineage.failure(lineage.errors()));
        plan.databases().forEach(d -> lineage.withheld(d.id()).ifPresent(why -> warn.accept(Lineage.warning(d, why))));
        // Not read although the run reads the store (an encrypted pgBackRest stanza): said, never passed over. The
        // offline render reads no store at all and says so nowhere in its output (it applies nothing).
        if (archives.reads()) lineage.unchecked().forEach((id, why) -> warn.accept("LINEAGE " + id + ": not checked: " + why));
        review.restores().warnings().forEach(warn);
        boolean retire = settings.longhorn().retireBackups();
        if (retire && live.offline()) {
            warn.accept("longhorn.retireBackups: the BackupTarget patch is applied only when every check of ./verify "
                    + "passes against the live cluster; pulumi preview checks that, this offline render cannot");
        } else if (retire) {
            // Refused before anything is registered, like every other input the live cluster contradicts.
            var verification = Verification.of(plan, live, Instant.now());
            // (a drill's identity failure that this stack acknowledges does not refuse the up that records it)
            if (!verification.provenOrAcknowledged(plan)) {
                var longhorn = settings.longhorn();
                var target = live.object(ProofWave.LONGHORN_API, "BackupTarget", longhorn.namespace(), longhorn.backupTarget());
                switch (RetirementGate.whenUnproven(RetirementGate.retired(target), recovery.disasterRecovery())) {
                    case REFUSE -> throw new RunException(RetirementGate.refusal(verification));
                    case KEEP_RETIRED -> warn.accept(RetirementGate.keptRetired(verification));
                    case POSTPONE -> {
                        warn.accept(RetirementGate.postponed(verification));
                        retire = false;
                    }
                }
            }
        }
        // Read at preview like the others: without the monitoring stack the alert rules are left out, and backups,
        // restores and disaster recovery go ahead (issue 21, part 6).
        var alertsNotInstalled = AlertsPresence.missing(settings.monitoring(), live::served, live::namespaceExists);
        alertsNotInstalled.ifPresent(why -> warn.accept("ALERTS NOT INSTALLED: " + why + ". Backups, restores and "
                + "disaster recovery go ahead without them; the next pulumi up installs them once the monitoring stack "
                + "exists, and ./verify shows them missing until then (README: Alerts)."));
        var kubernetes = kubernetesProvider(settings.kubernetes());
        var k8s = ComponentResourceOptions.builder().providers(kubernetes).build();

        this.secrets = secretsWave.get();
        this.platform = new PlatformWave("wave1-platform", new PlatformWave.Args(settings, secrets.ready()), k8s);
        this.storage = new StorageWave("wave2-storage", new StorageWave.Args(java.util.List.of(settings.target()), settings, plan.databases(), review,
                secrets.source(), platform.ready(), databaseDrills(plan, live, warn), lineage), k8s);
        this.proof = new ProofWave("wave3-proof", new ProofWave.Args(plan, retire, storage.ready(), alertsNotInstalled), k8s);
        this.volumes = new VolumesWave("wave4-volumes", new VolumesWave.Args(plan.volumes(), handling, review, settings,
                secrets.source(), proof.ready(), drills(plan, live, warn)), k8s);
        RestoreNotices.announce(plan, handling, warn);
        RestoreNotices.claims(plan, states, handling, warn);
    }

    /**
     * The drills, each expecting the repository the live cluster recorded (issue 21 part 3, RepositoryIdentity); an
     * acknowledged re-initialisation is announced.
     */
    static java.util.List<homelab.backups.plan.DrillPlan> drills(StackPlan plan, LiveCluster live, Consumer<String> warn) {
        return plan.drills().stream().map(d -> {
            var expected = homelab.backups.plan.RepositoryIdentity.expected(d, live);
            homelab.backups.plan.RepositoryIdentity.acknowledgement(d, live).ifPresent(warn);
            return d.expecting(expected);
        }).toList();
    }

    /**
     * The database drills, each PGO one with the running cluster's serving configuration read live like a restore's
     * (issue 22 part 4, {@link homelab.backups.plan.DrillServing}); a cluster that cannot be read is announced.
     */
    static java.util.List<homelab.backups.plan.DatabaseDrillPlan> databaseDrills(StackPlan plan, LiveCluster live,
                                                                                 Consumer<String> warn) {
        return plan.databaseDrills().stream().map(d -> {
            var read = homelab.backups.plan.DrillServing.read(d, live);
            read.warning().ifPresent(warn);
            return read.drill();
        }).toList();
    }

    /**
     * The Kubernetes provider, pinned to a plugin version newer than the served Java SDK (4.0.0) so that
     * {@code pulumi.com/waitFor} exists, and pinned to a kubeconfig context when one is configured.
     */
    static Provider kubernetesProvider(homelab.backups.config.Settings.KubernetesSettings settings) {
        var args = ProviderArgs.builder().enableServerSideApply(true);
        settings.context().ifPresent(args::context);
        return new Provider("kubernetes", args.build(),
                CustomResourceOptions.builder().version(settings.providerVersion()).build());
    }

    /** What the live cluster said before anything was registered. */
    public LiveReview review() {
        return review;
    }

    public SecretsWave secrets() {
        return secrets;
    }

    public PlatformWave platform() {
        return platform;
    }

    public StorageWave storage() {
        return storage;
    }

    public ProofWave proof() {
        return proof;
    }

    public VolumesWave volumes() {
        return volumes;
    }
}
