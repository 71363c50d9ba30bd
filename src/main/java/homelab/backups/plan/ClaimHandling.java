package homelab.backups.plan;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What Pulumi may do with one app's PVC in this deployment, decided without Pulumi: the resource options the
 * component maps onto the PVC, and whether the live PVC is read and checked first. The PVC is the only object that
 * holds data, so this is the one place that decides when it may be replaced.
 *
 * @param importId            adopt the existing PVC under this id on the first {@code up}
 * @param protect             refuse every delete and replace
 * @param ignoreChanges       input paths that never cause a diff
 * @param deleteBeforeReplace the old PVC must be gone before its replacement (same name) is created
 * @param replaceOnChanges    input paths whose change replaces the PVC
 * @param createTimeout       how long creating the PVC may take (a populated PVC waits for its restore)
 * @param restoreId           the restore annotation the PVC carries
 * @param populated           the PVC is created from the app's ReplicationDestination ({@code dataSourceRef})
 * @param backupsWaitForClaim the ReplicationSource is created only after the PVC, so that an empty volume never
 *                            becomes the newest backup
 */
public record ClaimHandling(Mode mode, Optional<String> importId, boolean protect, List<String> ignoreChanges,
                            boolean deleteBeforeReplace, List<String> replaceOnChanges,
                            Optional<Duration> createTimeout, Optional<String> restoreId, boolean populated,
                            boolean backupsWaitForClaim) {
    /**
     * Everything on a PVC that another owner writes lives under these two keys (volume name, volume mode,
     * finalizers, ArgoCD's labels and annotations, a StatefulSet's owner references), and an import copies all of it
     * into the inputs. Ignoring both makes an adopted PVC diff clean as it lives; the three fields the program owns
     * are checked against the live object instead ({@link LiveReview}).
     */
    public static final List<String> ADOPTED_AS_IT_LIVES = List.of("metadata", "spec");
    /**
     * The provider reports only top-level diff keys for a PVC and plans a spec change as an update (which the API
     * server refuses), so a narrower path never matches: while a request is pending, any change replaces.
     */
    public static final List<String> REPLACE_WHEN_RESTORING = List.of("metadata", "spec");
    public static final String DISASTER_RECOVERY_ID = "dr-bootstrap";

    public enum Mode {
        /** Adopt the live PVC and protect it; no destination exists. */
        ADOPT,
        /** Replace the PVC from its destination after the destination restored the requested point. */
        RESTORE,
        /** Create the missing PVC from its backup on a rebuilt cluster. */
        DISASTER_RECOVERY
    }

    public ClaimHandling {
        ignoreChanges = List.copyOf(ignoreChanges);
        replaceOnChanges = List.copyOf(replaceOnChanges);
    }

    public static ClaimHandling of(VolumePlan plan, boolean disasterRecovery, Duration restoreTimeout) {
        var id = plan.namespace() + "/" + plan.pvc();
        if (plan.populatorRestore() && disasterRecovery) {
            return new ClaimHandling(Mode.DISASTER_RECOVERY, Optional.empty(), true, ADOPTED_AS_IT_LIVES, false,
                    List.of(), Optional.of(restoreTimeout), Optional.of(DISASTER_RECOVERY_ID), true, true);
        }
        if (plan.populatorRestore() && plan.restore().isPresent()) {
            // Not protected: the old PVC must really go before its replacement is created. Not retainOnDelete
            // either: the engine applies the flag stored in state to the delete half of a replacement, so the old
            // object would stay and the re-create would collide (seen end to end).
            return new ClaimHandling(Mode.RESTORE, Optional.empty(), false, List.of(), true, REPLACE_WHEN_RESTORING,
                    Optional.of(restoreTimeout), Optional.of(plan.restore().get().id()), true, true);
        }
        return new ClaimHandling(Mode.ADOPT, Optional.of(id), true, ADOPTED_AS_IT_LIVES, false, List.of(),
                Optional.empty(), Optional.empty(), false, false);
    }
}
