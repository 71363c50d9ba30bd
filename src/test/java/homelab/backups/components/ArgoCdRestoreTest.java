package homelab.backups.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.ArgoCdSync;
import homelab.backups.plan.LiveClaim;
import homelab.backups.plan.Planner;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.VolumePlan;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.support.TestStacks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, part 5: before a restore deletes a PVC, the Argo CD Application that tracks it must not sync it back
 * from Git on its own (selfHeal, prune). Refused at preview, before anything is registered, naming the Application
 * and the command that pauses it; nothing changes where Argo CD is absent; nothing passes that cannot be read.
 */
class ArgoCdRestoreTest {
    static final StackPlan PLAN = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore",
            "{\"nginx\": \"latest\"}")));
    static final VolumePlan NGINX = PLAN.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
    /** The PVC as the live cluster has it: MockCluster tracks each inventory PVC by an application named like its app. */
    static final LiveClaim CLAIM = MockCluster.asInventory(PLAN).claim(NGINX.namespace(), NGINX.pvc()).orElseThrow();
    static final String APP = ArgoCdSync.tracking(CLAIM, "argocd").orElseThrow().name();

    /** An Application as Argo CD serves it, with {@code automated} as its sync policy (null: manual sync). */
    static Map<String, Object> application(String namespace, String name, Map<String, Object> automated, boolean fromAppSet) {
        var meta = new LinkedHashMap<String, Object>();
        meta.put("name", name);
        meta.put("namespace", namespace);
        if (fromAppSet) meta.put("ownerReferences", List.of(Map.of("apiVersion", "argoproj.io/v1alpha1", "kind", "ApplicationSet",
                "name", "my-apps", "controller", true, "blockOwnerDeletion", true, "uid", "5a1b")));
        var syncPolicy = new LinkedHashMap<String, Object>();
        if (automated != null) syncPolicy.put("automated", automated);
        syncPolicy.put("syncOptions", List.of("ServerSideApply=true", "CreateNamespace=true"));
        return Map.of("apiVersion", ArgoCdSync.API_VERSION, "kind", ArgoCdSync.KIND, "metadata", meta,
                "spec", Map.of("project", "my-apps", "destination", Map.of("server", "https://kubernetes.default.svc",
                        "namespace", NGINX.namespace()), "syncPolicy", syncPolicy));
    }

    static MockCluster withArgo(Map<String, Object> automated) {
        return MockCluster.asInventory(PLAN).withArgoCd().withObject(application("argocd", APP, automated, true));
    }

    static String failure(MockedRun run) {
        assertNotEquals(0, run.result().exitCode(), "the run should have failed");
        return run.result().exceptions().stream().map(Throwable::getMessage).collect(Collectors.joining("\n"))
                + String.join("\n", run.result().errors());
    }

    static Optional<String> review(MockCluster cluster, String argoNamespace) {
        return ArgoCdSync.refusal(CLAIM, argoNamespace, cluster);
    }

    @Test
    void selfHealIsRefusedAtPreviewNamingTheApplicationAndThePauseCommand() {
        var run = MockedRun.of(PLAN, withArgo(Map.of("selfHeal", true, "prune", true)));
        var text = failure(run);
        assertTrue(text.contains("volumes (nginx): pvc: RESTORE refused: the PVC " + NGINX.namespace() + "/" + NGINX.pvc()
                + " is tracked by the Argo CD Application argocd/" + APP), text);
        assertTrue(text.contains("syncs automatically with selfHeal and prune"), text);
        assertTrue(text.contains("kubectl -n argocd patch application " + APP
                + " --type merge -p '{\"spec\":{\"syncPolicy\":{\"automated\":null}}}'"), text);
        assertTrue(text.contains("argocd app set " + APP + " --sync-policy none"), text);
        assertTrue(text.contains("the ApplicationSet my-apps generates it"), "an AppSet puts the policy back: " + text);
        assertTrue(text.contains("Nothing was changed"), text);
        assertEquals(List.of(), run.mocks().registrations(), "nothing is registered, so nothing is deleted");
    }

    @Test
    void pruneAloneIsRefusedAndAPausedOrManualApplicationIsNot() {
        assertTrue(review(withArgo(Map.of("prune", true)), "argocd").orElseThrow().contains("automatically with prune "));
        assertTrue(review(withArgo(Map.of("selfHeal", true)), "argocd").orElseThrow().contains("automatically with selfHeal "));
        assertEquals(Optional.empty(), review(withArgo(Map.of()), "argocd"), "automated sync on Git changes only");
        assertEquals(Optional.empty(), review(withArgo(Map.of("selfHeal", false, "prune", false)), "argocd"));
        assertEquals(Optional.empty(), review(withArgo(Map.of("enabled", false, "selfHeal", true, "prune", true)), "argocd"),
                "Argo CD 3: enabled: false switches automated sync off");
        assertEquals(Optional.empty(), review(withArgo(null), "argocd"), "paused: automated: null");
        var paused = MockedRun.of(PLAN, withArgo(null));
        assertEquals(0, paused.result().exitCode(), () -> paused.result().exceptions().toString());
        assertTrue(paused.mocks().registrations().stream().anyMatch(r -> r.name().equals("nginx-destination")));
    }

    @Test
    void withoutArgoCdNothingChanges() {
        var noCrd = MockCluster.asInventory(PLAN);   // the Application CRD is not served
        assertFalse(noCrd.served(ArgoCdSync.API_VERSION, ArgoCdSync.KIND));
        assertEquals(Optional.empty(), review(noCrd.withObject(application("argocd", APP, Map.of("selfHeal", true), false)), "argocd"));
        assertEquals(Optional.empty(), review(withArgo(Map.of("selfHeal", true)).withoutNamespace("argocd"), "argocd"),
                "no Argo CD namespace: no Argo CD");
        var untracked = new LiveClaim(CLAIM.namespace(), CLAIM.name(), CLAIM.uid(), CLAIM.storage(), CLAIM.accessModes(),
                CLAIM.storageClassName(), CLAIM.phase(), CLAIM.volumeName(), false, Optional.empty(), Optional.empty(),
                Map.of(), Map.of("pv.kubernetes.io/bind-completed", "yes"));
        assertEquals(Optional.empty(), ArgoCdSync.refusal(untracked, "argocd", withArgo(Map.of("selfHeal", true))));
    }

    @Test
    void whatCannotBeReadOrFoundIsRefused() {
        var forbidden = review(withArgo(null).refusing(ArgoCdSync.API_VERSION, ArgoCdSync.KIND), "argocd").orElseThrow();
        assertTrue(forbidden.contains("cannot be read (HTTP 403"), forbidden);
        assertTrue(forbidden.contains("get applications.argoproj.io in argocd"), forbidden);
        var run = MockedRun.of(PLAN, withArgo(null).refusing(ArgoCdSync.API_VERSION, ArgoCdSync.KIND));
        assertTrue(failure(run).contains("RESTORE refused"));
        assertEquals(List.of(), run.mocks().registrations());
        var gone = review(MockCluster.asInventory(PLAN).withArgoCd(), "argocd").orElseThrow();
        assertTrue(gone.contains("there is no such Application"), gone);
        assertTrue(gone.contains("homelab-backups:argocd.namespace"), gone);
    }

    @Test
    void theApplicationsNamespaceIsASettingWithArgocdAsDefault() {
        assertEquals("argocd", PLAN.inputs().settings().argocd().namespace());
        var gitops = MockCluster.asInventory(PLAN).withArgoCd().withObject(application("gitops", APP, Map.of("selfHeal", true), false));
        assertTrue(review(gitops, "argocd").orElseThrow().contains("no such Application"), "looked for in argocd");
        assertTrue(review(gitops, "gitops").orElseThrow().contains("kubectl -n gitops patch application " + APP));
        var plan = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.with(TestStacks.prodConfig(), "restore",
                "{\"nginx\": \"latest\"}"), "argocd", "{\"namespace\": \"gitops\"}")));
        var text = failure(MockedRun.of(plan, gitops));
        assertTrue(text.contains("Argo CD Application gitops/" + APP), text);
    }

    @Test
    void trackingComesFromTheAnnotationElseTheInstanceLabel() {
        var annotated = ArgoCdSync.tracking(CLAIM, "argocd").orElseThrow();
        assertEquals(CLAIM.annotations().get(ArgoCdSync.TRACKING_ANNOTATION).split(":")[0], annotated.name());
        var other = new LiveClaim(CLAIM.namespace(), CLAIM.name(), CLAIM.uid(), CLAIM.storage(), CLAIM.accessModes(),
                CLAIM.storageClassName(), CLAIM.phase(), CLAIM.volumeName(), false, Optional.empty(), Optional.empty(),
                Map.of(ArgoCdSync.INSTANCE_LABEL, "my-apps-nginx"),
                Map.of(ArgoCdSync.TRACKING_ANNOTATION, "team_my-apps-nginx:/PersistentVolumeClaim:nginx-example/nginx-storage"));
        assertEquals(new ArgoCdSync.Tracking("team", "my-apps-nginx", "its annotation " + ArgoCdSync.TRACKING_ANNOTATION
                + "=team_my-apps-nginx:/PersistentVolumeClaim:nginx-example/nginx-storage"), ArgoCdSync.tracking(other, "argocd").orElseThrow(),
                "an Application outside Argo CD's namespace is <namespace>_<name>");
        var labelled = new LiveClaim(CLAIM.namespace(), CLAIM.name(), CLAIM.uid(), CLAIM.storage(), CLAIM.accessModes(),
                CLAIM.storageClassName(), CLAIM.phase(), CLAIM.volumeName(), false, Optional.empty(), Optional.empty(),
                Map.of(ArgoCdSync.INSTANCE_LABEL, "my-apps-nginx"), Map.of());
        assertEquals("my-apps-nginx", ArgoCdSync.tracking(labelled, "argocd").orElseThrow().name());
        var cluster = MockCluster.asInventory(PLAN).withArgoCd().withObject(application("argocd", "my-apps-nginx", Map.of("selfHeal", true), false));
        assertTrue(ArgoCdSync.refusal(labelled, "argocd", cluster).orElseThrow().contains("argocd/my-apps-nginx (its label"));
    }

    @Test
    void anAdoptedPvcIsNeverAskedAbout() {
        var adopt = TestStacks.prodPlan();
        var run = MockedRun.of(adopt, MockCluster.asInventory(adopt).withArgoCd()
                .refusing(ArgoCdSync.API_VERSION, ArgoCdSync.KIND));
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
    }
}
