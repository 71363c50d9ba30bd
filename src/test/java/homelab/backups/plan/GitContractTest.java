package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Issue 21, part 1: the Git side of restore-before-bind. One patch per backed-up volume that restores through the
 * populator, whose dataSourceRef is exactly the destination the program's own restore creates, with the Argo CD
 * annotations the contract needs; none for a static PV or an excluded volume; the same bytes every time.
 */
class GitContractTest {
    static final StackPlan PLAN = TestStacks.prodPlan();

    /** The prod inventory with the TrueNAS SMB share backed up (a static PV: Direct, no storage class). */
    static StackPlan withStaticVolume() {
        var withShare = TestStacks.writeInventory(TestStacks.prodInventoryText().replace(
                "copyMethod: Direct,\n     exclude: {reason: \"an SMB mount of a TrueNAS share, which TrueNAS backs up (and not deployed at this commit)\"}}",
                "copyMethod: Direct}"));
        return Planner.plan(TestStacks.load(TestStacks.with(TestStacks.prodConfig(), "inventory", withShare)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String text) {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
    }

    @Test
    void onePatchPerPopulatorVolumeNamingTheDestinationTheRestoreCreates() {
        var plan = withStaticVolume();
        var contract = GitContract.of(plan);
        var populator = plan.volumes().stream().filter(VolumePlan::populatorRestore).toList();
        assertFalse(populator.isEmpty());
        assertTrue(plan.volumes().stream().anyMatch(v -> !v.populatorRestore()), "the static PV is backed up in this plan");
        assertEquals(populator.stream().map(VolumePlan::app).toList(), contract.patches().stream().map(GitContract.Patch::app).toList(),
                "one patch per populator volume, in the plan's order");
        for (var v : populator) {
            var p = contract.patch(v.app()).orElseThrow();
            assertEquals(new GitContract.DataSourceRef("volsync.backube", "ReplicationDestination", v.destinationName()),
                    p.dataSourceRef(), v.app() + ": the name the program's own restore gives the destination");
            assertEquals(VolumeNames.of(v.app()).destinationName(), p.dataSourceRef().name());
            var patch = yaml(p.patchYaml());
            assertEquals("v1", patch.get("apiVersion"));
            assertEquals("PersistentVolumeClaim", patch.get("kind"));
            var meta = (Map<String, Object>) patch.get("metadata");
            assertEquals(v.pvc(), meta.get("name"));
            assertEquals(Map.of("argocd.argoproj.io/sync-options", "Prune=false,Delete=false",
                    "argocd.argoproj.io/compare-options", "ServerSideDiff=false"), meta.get("annotations"));
            assertEquals(Map.of("dataSourceRef", Map.of("apiGroup", "volsync.backube", "kind", "ReplicationDestination",
                    "name", v.destinationName())), patch.get("spec"), "the patch changes nothing else of the PVC");
            assertEquals("gitops/" + v.namespace() + "/" + v.pvc() + ".restore-before-bind.yaml", p.path());
        }
        var staticApps = plan.volumes().stream().filter(v -> !v.populatorRestore()).map(VolumePlan::app).toList();
        for (var app : staticApps) {
            assertTrue(contract.patch(app).isEmpty(), app + ": a static PV has no populator");
            assertTrue(contract.skipped().stream().anyMatch(s -> s.app().equals(app) && s.why().contains("static PV")), app);
        }
        for (var x : plan.excluded()) {
            assertTrue(contract.patch(x.app()).isEmpty(), x.app() + " is excluded");
            assertTrue(contract.skipped().stream().anyMatch(s -> s.app().equals(x.app()) && s.why().startsWith("excluded: ")), x.app());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theStanzaOfEachNamespaceAppliesEveryPatchFileToItsPvc() {
        var contract = GitContract.of(PLAN);
        var files = contract.files();
        for (var p : contract.patches()) {
            assertEquals(p.patchYaml(), files.get(p.path()));
            var stanza = yaml(files.get("gitops/" + p.namespace() + "/kustomization-patches.yaml"));
            var entries = (List<Map<String, Object>>) stanza.get("patches");
            assertTrue(entries.contains(Map.of("path", p.fileName(), "target", Map.of("kind", "PersistentVolumeClaim", "name", p.pvc()))),
                    p.app() + ": " + entries);
        }
        var namespaces = contract.patches().stream().map(GitContract.Patch::namespace).distinct().count();
        assertEquals(contract.patches().size() + namespaces + 1, files.size(), "a patch per PVC, a stanza per namespace, the index");
    }

    @Test
    void theIndexListsEveryAppInOrderAndWhyTheOthersHaveNone() {
        var contract = GitContract.of(PLAN);
        var index = contract.files().get(GitContract.INDEX);
        int last = -1;
        for (var p : contract.patches()) {
            var row = index.lines().filter(l -> l.startsWith(p.order() + " ")).findFirst().orElseThrow(() -> new AssertionError(p.app()));
            assertTrue(row.contains(" " + p.app() + " ") && row.contains(p.pvc()) && row.contains(p.path())
                    && row.contains("ReplicationDestination/" + p.dataSourceRef().name()), row);
            assertTrue(index.indexOf(row) > last, "in order: " + p.app());
            last = index.indexOf(row);
        }
        for (var x : PLAN.excluded()) assertTrue(index.contains("- " + x.app() + " ("), "names " + x.app() + ": " + index);
    }

    @Test
    void theSameBytesEveryTime() {
        assertEquals(GitContract.of(PLAN).files(), GitContract.of(TestStacks.prodPlan()).files());
    }

    @Test
    void nothingWhenNoVolumeUsesThePopulator() {
        var none = new StackPlan(PLAN.inputs(), List.of(), PLAN.excluded(), PLAN.databases(), List.of());
        assertTrue(GitContract.of(none).files().isEmpty());
    }
}
