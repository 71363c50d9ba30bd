package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.Coverage.Status;
import homelab.backups.render.MockCluster;
import homelab.backups.support.LivePvcs;
import homelab.backups.support.ProofWorld;
import homelab.backups.support.TestStacks;
import homelab.backups.verify.VerificationReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, part 4: the coverage ledger. Every live PVC is BACKED UP, EXCLUDED or NOT COVERED against the plan; the
 * claims VolSync and this program make for themselves are left out and counted; a NOT COVERED PVC keeps Longhorn's
 * backups (its only copy).
 */
class CoverageTest {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final StackPlan PLAN = TestStacks.prodPlan();

    /** The live cluster as the owner found it: the inventory's PVCs and what the inventory leaves out (#35). */
    static MockCluster homelab(StackPlan plan) {
        var open = plan.excluded().stream().filter(v -> v.app().equals("open-webui-data")).findFirst().orElseThrow();
        return ProofWorld.allProven(plan, NOW).cluster()
                // listed with exclude: {reason}, and deployed after all
                .withClaim(LivePvcs.argoTracked(open.namespace(), open.pvc(), "my-apps-open-webui", "5Gi",
                        Map.of("app.kubernetes.io/name", "open-webui")))
                // in no inventory: the ones a May-style audit finds
                .withClaim(LivePvcs.argoTracked("immich", "immich-ml-cache", "my-apps-immich", "10Gi",
                        Map.of("app.kubernetes.io/name", "immich", "app.kubernetes.io/component", "machine-learning")))
                .withClaim(LivePvcs.argoTracked("deal-scout", "deal-scout-data", "my-apps-deal-scout", "1Gi",
                        Map.of("app", "deal-scout")))
                // the database operators' volumes of the inventory's clusters
                .withClaim(LivePvcs.controllerMade("cloudnative-pg", "khoj-database-1", "5Gi",
                        Map.of(Coverage.CNPG_CLUSTER_LABEL, "khoj-database", "cnpg.io/instanceName", "khoj-database-1"),
                        "Cluster", "khoj-database"))
                .withClaim(LivePvcs.controllerMade("immich", "immich-instance1-x7k2-pgdata", "20Gi",
                        Map.of(Coverage.PGO_CLUSTER_LABEL, "immich", "postgres-operator.crunchydata.com/data", "postgres"),
                        "StatefulSet", "immich-instance1-x7k2"))
                // VolSync's own: a source's cache and a restore's populator claim
                .withClaim(LivePvcs.controllerMade("nginx-example", "volsync-nginx-backup-cache", "1Gi",
                        Map.of(Coverage.CREATED_BY_LABEL, Coverage.VOLSYNC), "ReplicationSource", "nginx-backup"))
                .withClaim(LivePvcs.controllerMade("nginx-example", "vs-prime-1c5f2a9e-7b1d-4c1e-9d43-2f0a6e1b7c55", "1Gi",
                        Map.of(Coverage.CREATED_BY_LABEL, Coverage.VOLSYNC, "volsync.backube/populator-pvc-for", "nginx-storage"),
                        "PersistentVolumeClaim", "nginx-storage"));
    }

    static Coverage.Entry entry(Coverage c, String key) {
        return c.entries().stream().filter(e -> e.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no ledger entry " + key + ": " + c.entries()));
    }

    @Test
    void everyLivePvcIsBackedUpExcludedOrNotCovered() {
        var live = homelab(PLAN);
        var c = Coverage.read(PLAN, live);
        // Every inventory volume's PVC: backed up, to its own repository.
        for (var v : PLAN.volumes()) {
            var e = entry(c, v.namespace() + "/" + v.pvc());
            assertEquals(Status.BACKED_UP, e.status(), e.toString());
            assertEquals(v.app(), e.by());
            assertEquals(v.repositoryUrl(), e.detail(), "the ledger names the repository");
        }
        var excluded = entry(c, "open-webui/open-webui-data");
        assertEquals(Status.EXCLUDED, excluded.status());
        assertEquals(PLAN.excluded().stream().filter(v -> v.app().equals("open-webui-data")).findFirst().orElseThrow()
                .exclusion().orElseThrow(), excluded.detail(), "the inventory's reason, as written");
        var khoj = PLAN.databases().stream().filter(d -> d.id().equals("khoj-database")).findFirst().orElseThrow();
        assertEquals(Status.BACKED_UP, entry(c, "cloudnative-pg/khoj-database-1").status());
        assertEquals(khoj.repository().url(), entry(c, "cloudnative-pg/khoj-database-1").detail(), "the database's own backups cover it");
        var immich = PLAN.databases().stream().filter(d -> !(d.engine() instanceof CnpgEngine)).findFirst().orElseThrow();
        assertEquals("database " + immich.id(), entry(c, "immich/immich-instance1-x7k2-pgdata").by());
        assertEquals(List.of("deal-scout/deal-scout-data", "immich/immich-ml-cache"),
                c.notCovered().stream().map(Coverage.Entry::key).toList());
        assertTrue(entry(c, "immich/immich-ml-cache").detail().contains("Argo CD application my-apps-immich"),
                "the uncovered PVC names the application whose manifest it comes from");
        assertEquals(List.of("nginx-example/volsync-nginx-backup-cache", "nginx-example/vs-prime-1c5f2a9e-7b1d-4c1e-9d43-2f0a6e1b7c55"),
                c.ignored().stream().map(i -> i.namespace() + "/" + i.pvc()).toList());
        assertEquals(live.allClaims().size(), c.entries().size() + c.ignored().size(), "every live PVC is accounted for once");
    }

    @Test
    void aClusterLabelCoversOnlyInItsDatabasesNamespaceAndVolSyncsLabelIsWhatIgnores() {
        var c = Coverage.read(PLAN, ProofWorld.allProven(PLAN, NOW).cluster()
                .withClaim(LivePvcs.argoTracked("scratch", "copy-of-khoj", "my-apps-scratch", "5Gi",
                        Map.of(Coverage.CNPG_CLUSTER_LABEL, "khoj-database")))
                // named like the populator's claim, but not VolSync's
                .withClaim(LivePvcs.argoTracked("nginx-example", "vs-prime-notes", "my-apps-nginx", "1Gi", Map.of())));
        assertEquals(Status.NOT_COVERED, entry(c, "scratch/copy-of-khoj").status());
        assertEquals(Status.NOT_COVERED, entry(c, "nginx-example/vs-prime-notes").status());
        assertTrue(c.ignored().isEmpty());
    }

    @Test
    void aPvcAnotherStacksReplicationSourceBacksUpIsNotLonghornsAlone() {
        var other = java.util.Map.<String, Object>of("apiVersion", "volsync.backube/v1alpha1", "kind", "ReplicationSource",
                "metadata", Map.of("name", "deal-scout-backup", "namespace", "deal-scout"),
                "spec", Map.of("sourcePVC", "deal-scout-data", "trigger", Map.of("schedule", "30 2 * * *")));
        var elsewhere = java.util.Map.<String, Object>of("apiVersion", "volsync.backube/v1alpha1", "kind", "ReplicationSource",
                "metadata", Map.of("name", "immich-thumbs-backup", "namespace", "immich"),
                "spec", Map.of("sourcePVC", "immich-thumbs", "trigger", Map.of("schedule", "40 2 * * *")));
        var c = Coverage.read(PLAN, homelab(PLAN).withObject(other).withObject(elsewhere));
        var e = entry(c, "deal-scout/deal-scout-data");
        assertEquals(Status.BACKED_UP, e.status());
        assertEquals("ReplicationSource deal-scout/deal-scout-backup", e.by());
        assertEquals(List.of("immich/immich-ml-cache"), c.notCovered().stream().map(Coverage.Entry::key).toList(),
                "a source for another PVC of the namespace covers only its own");
    }

    @Test
    void theVolumesOfADatabaseDrillsThrowawayClusterAreTheProgramsOwn() {
        // Issue 22: while a drill runs, its throwaway cluster's volume exists; it is neither NOT COVERED nor backed up.
        for (var d : PLAN.databaseDrills()) {
            var label = d.engine() instanceof CnpgEngine ? Coverage.CNPG_CLUSTER_LABEL : Coverage.PGO_CLUSTER_LABEL;
            var c = Coverage.read(PLAN, MockCluster.asInventory(PLAN).withClaim(LivePvcs.controllerMade(d.namespace(),
                    d.throwaway() + "-1", "5Gi", Map.of(label, d.throwaway()), "Cluster", d.throwaway())));
            assertEquals(1, c.ignored().size(), d.id());
            assertTrue(c.ignored().get(0).why().contains("restore drill"), c.ignored().toString());
            assertTrue(c.notCovered().isEmpty());
        }
        // ... and only its: a claim of another cluster named like it in another namespace is not.
        var d = PLAN.databaseDrills().get(0);
        var label = d.engine() instanceof CnpgEngine ? Coverage.CNPG_CLUSTER_LABEL : Coverage.PGO_CLUSTER_LABEL;
        var elsewhere = Coverage.read(PLAN, MockCluster.asInventory(PLAN).withClaim(LivePvcs.controllerMade("elsewhere",
                d.throwaway() + "-1", "5Gi", Map.of(label, d.throwaway()), "Cluster", d.throwaway())));
        assertTrue(elsewhere.ignored().isEmpty());
    }

    @Test
    void theVolumesOfAClusterARestoreCreatedAreTheProgramsOwn() {
        var plan = Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"khoj-database\": \"latest\"}")));
        var d = plan.databases().stream().filter(x -> x.id().equals("khoj-database")).findFirst().orElseThrow();
        var recovered = d.recoveryName().orElseThrow();
        var c = Coverage.read(plan, MockCluster.asInventory(plan).withClaim(LivePvcs.controllerMade("cloudnative-pg",
                recovered + "-1", "5Gi", Map.of(Coverage.CNPG_CLUSTER_LABEL, recovered), "Cluster", recovered)));
        assertEquals(1, c.ignored().size());
        assertTrue(c.ignored().get(0).why().contains("restore.khoj-database"), c.ignored().toString());
        assertTrue(c.notCovered().isEmpty());
    }

    @Test
    void notCoveredPvcsFailTheLedgerRowAndSoTheRetirementVerdict() {
        var covered = Verification.of(PLAN, ProofWorld.allProven(PLAN, NOW).cluster(), NOW);
        assertTrue(covered.proven(), () -> covered.unproven().toString());
        var v = Verification.of(PLAN, homelab(PLAN), NOW);
        assertFalse(v.proven());
        assertEquals(1, v.unproven().size(), () -> v.unproven().toString());
        var row = v.unproven().get(0);
        assertEquals("coverage", row.check());
        assertEquals(Verification.State.FAILING, row.state());
        assertTrue(row.detail().contains("2 PVC(s) neither backed up nor excluded"), row.detail());
        assertTrue(row.detail().contains("deal-scout/deal-scout-data, immich/immich-ml-cache"), row.detail());
        assertTrue(v.verdict().startsWith("Longhorn backups may NOT be retired"), v.verdict());
        assertTrue(v.verdict().contains("coverage live PVCs FAILING"), v.verdict());
    }

    @Test
    @SuppressWarnings("unchecked")
    void verifyListsTheLedgerInTheTableAndTheJson() {
        var live = homelab(PLAN);
        var v = Verification.of(PLAN, live, NOW);
        var c = Coverage.read(PLAN, live);
        var table = VerificationReport.table(v, c);
        assertEquals(v.verdict(), table.get(table.size() - 1), "the verdict stays last");
        assertTrue(table.stream().anyMatch(l -> l.startsWith("immich/immich-ml-cache") && l.contains("NOT COVERED")), table.toString());
        assertTrue(table.stream().anyMatch(l -> l.startsWith("open-webui/open-webui-data") && l.contains("EXCLUDED")
                && l.contains("not mounted by any workload")), "an exclusion shows its reason: " + table);
        assertTrue(table.stream().anyMatch(l -> l.startsWith("nginx-example/nginx-storage") && l.contains("BACKED UP")
                && l.contains("volsync-backups/nginx-example/nginx")), table.toString());
        assertTrue(table.stream().anyMatch(l -> l.startsWith("Ignored: 2 claim(s)") && l.contains("vs-prime-")), table.toString());
        var json = new com.google.gson.Gson().fromJson(VerificationReport.json(v, c), Map.class);
        var ledger = (Map<String, Object>) json.get("coverage");
        assertEquals(List.of("deal-scout/deal-scout-data", "immich/immich-ml-cache"), ledger.get("notCovered"));
        var pvcs = (List<Map<String, Object>>) ledger.get("pvcs");
        assertEquals(c.entries().size(), pvcs.size());
        assertTrue(pvcs.stream().anyMatch(p -> "EXCLUDED".equals(p.get("status")) && String.valueOf(p.get("reason")).startsWith("not mounted")));
        assertEquals(2, ((List<?>) ledger.get("ignored")).size());
        assertEquals(false, ((Map<String, Object>) json.get("longhornRetirement")).get("allowed"));
    }

    /** nginx's PVC as Argo CD re-creates it from Git with the contract (GitContract): Pending, no volume, its dataSourceRef. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> recreatedWaiting(VolumePlan v, java.time.Instant created, Map<String, Object> dataSourceRef) {
        var claim = new java.util.LinkedHashMap<>(MockCluster.liveObject(v));
        var metadata = new java.util.LinkedHashMap<>((Map<String, Object>) claim.get("metadata"));
        metadata.put("uid", "0f1e2d3c-aaaa-4bbb-8ccc-000000000001");
        metadata.put("creationTimestamp", created.toString());
        claim.put("metadata", metadata);
        var spec = new java.util.LinkedHashMap<>((Map<String, Object>) claim.get("spec"));
        spec.remove("volumeName");
        if (dataSourceRef != null) spec.put("dataSourceRef", dataSourceRef);
        claim.put("spec", spec);
        claim.put("status", Map.of("phase", "Pending"));
        return claim;
    }

    @Test
    void aBackedUpClaimThatIsPendingWaitsForDataAndBlocksTheRetirementNamingIt() {
        var nginx = PLAN.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        var created = NOW.minusSeconds(3 * 3600);
        var contract = GitContract.of(PLAN).patch("nginx").orElseThrow().dataSourceRef();
        var live = ProofWorld.allProven(PLAN, NOW).cluster().withClaim(recreatedWaiting(nginx, created,
                Map.of("apiGroup", contract.apiGroup(), "kind", contract.kind(), "name", contract.name())));
        var c = Coverage.read(PLAN, live);
        var e = entry(c, "nginx-example/nginx-storage");
        assertEquals(Status.WAITING_FOR_DATA, e.status(), e.toString());
        assertEquals("nginx", e.by());
        var w = e.waiting().orElseThrow();
        assertEquals(java.util.Optional.of(created), w.since(), "since it was created");
        assertTrue(w.waitsFor().contains("ReplicationDestination nginx-example/nginx-restore"), w.waitsFor());
        assertTrue(w.resolution().contains("pulumi config set --path 'homelab-backups:restore.nginx' latest")
                && w.resolution().contains("fresh-start"), "the one config value that resolves it: " + w.resolution());
        assertEquals(List.of(e), c.waiting());
        assertEquals(Verification.State.PROVEN, c.check().state(), "it is covered: the ledger row does not fail for it");
        // The gate: its own row, FAILING, named in the verdict.
        var v = Verification.of(PLAN, live, NOW);
        var row = v.checks().stream().filter(k -> k.check().equals("claim")).toList();
        assertEquals(1, row.size(), v.checks().toString());
        assertEquals("nginx", row.get(0).item());
        assertEquals(Verification.State.FAILING, row.get(0).state());
        assertTrue(row.get(0).detail().startsWith("WAITING FOR DATA: nginx-example/nginx-storage Pending since " + created), row.get(0).detail());
        assertFalse(v.proven());
        assertTrue(v.verdict().contains("claim nginx FAILING"), v.verdict());
        var table = String.join("\n", VerificationReport.table(v, c));
        assertTrue(table.contains("WAITING FOR DATA") && table.contains("1 waiting for data"), table);
        var json = VerificationReport.json(v, c);
        assertTrue(json.contains("\"waitingForData\": [\n      \"nginx-example/nginx-storage\"\n    ]"), json);
        assertTrue(json.contains("\"waitingSince\": \"" + created + "\""), json);
        assertTrue(json.contains("\"resolution\": \"set restore.nginx to a restore point"), json);
        // Once the populator bound it, it is backed up again and nothing waits.
        var bound = Coverage.read(PLAN, ProofWorld.allProven(PLAN, NOW).cluster());
        assertEquals(Status.BACKED_UP, entry(bound, "nginx-example/nginx-storage").status());
        assertTrue(Verification.of(PLAN, ProofWorld.allProven(PLAN, NOW).cluster(), NOW).checks().stream().noneMatch(k -> k.check().equals("claim")));
    }

    @Test
    void aPendingClaimWithoutTheContractSaysItWillBindEmpty() {
        var nginx = PLAN.volumes().stream().filter(v -> v.app().equals("nginx")).findFirst().orElseThrow();
        var c = Coverage.read(PLAN, ProofWorld.allProven(PLAN, NOW).cluster().withClaim(recreatedWaiting(nginx, NOW, null)));
        var w = entry(c, "nginx-example/nginx-storage").waiting().orElseThrow();
        assertTrue(w.waitsFor().contains("no dataSourceRef") && w.waitsFor().contains("empty volume"), w.waitsFor());
    }
}
