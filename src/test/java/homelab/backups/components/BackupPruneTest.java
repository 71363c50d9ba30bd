package homelab.backups.components;

import static homelab.backups.support.Registrations.ofType;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.plan.BackupPrunePlan;
import homelab.backups.plan.DatabasePlan;
import homelab.backups.plan.StackPlan;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.support.TestStacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 22 part 7: CNPG's Backup objects are pruned, per CNPG database, by a CronJob that may read and delete only
 * CNPG Backups in its namespace, keeps the recovery window and the newest completed ones, and runs as a locked-down,
 * bounded Job. On the test stack (both engines, both CNPG methods when present) and on prod.
 */
class BackupPruneTest {
    static final String CRON_JOB = "kubernetes:batch/v1:CronJob";
    static final String ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
    static final String CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
    static final String CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
    static final String BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";

    static List<StackPlan> plans() {
        return List.of(TestStacks.prodPlan(), TestStacks.testPlan());
    }

    static Registration named(MockedRun run, String type, String name, String namespace) {
        return ofType(run, type).stream().filter(r -> name.equals(at(r.inputs(), "metadata.name"))
                        && namespace.equals(at(r.inputs(), "metadata.namespace"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " " + namespace + "/" + name));
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> env(Registration cronJob) {
        var containers = (List<Map<String, Object>>) at(cronJob.inputs(), "spec.jobTemplate.spec.template.spec.containers");
        assertEquals(1, containers.size());
        return ((List<Map<String, Object>>) containers.get(0).get("env")).stream()
                .collect(Collectors.toMap(e -> (String) e.get("name"), e -> (String) e.get("value")));
    }

    @Test
    void everyCnpgDatabaseAndNoOtherHasItsPruning() {
        for (var plan : plans()) {
            var run = MockedRun.of(plan);
            assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
            var prunes = ofType(run, CRON_JOB).stream()
                    .filter(r -> at(r.inputs(), "metadata.labels") instanceof Map<?, ?> l && l.containsKey(BackupPrunePlan.LABEL))
                    .map(r -> (String) at(r.inputs(), "metadata.name")).collect(Collectors.toSet());
            var cnpg = plan.databases().stream().filter(d -> d.engine().match(c -> true, p -> false))
                    .map(d -> d.names().backupPrune()).collect(Collectors.toSet());
            assertFalse(cnpg.isEmpty(), "the stack has CNPG databases");
            assertEquals(cnpg, prunes, "one pruning CronJob per CNPG database, none for PGO");
        }
    }

    @Test
    void itPrunesItsOwnClusterWithTheRecoveryWindowAndTheMethodItsBackupsUse() {
        for (var plan : plans()) {
            var run = MockedRun.of(plan);
            for (var d : cnpg(plan)) {
                var prune = BackupPrunePlan.of(d, plan.inputs().settings()).orElseThrow();
                var env = env(named(run, CRON_JOB, prune.cronJobName(), d.database().namespace()));
                assertEquals(d.database().name(), env.get("PRUNE_CLUSTER"));
                assertEquals(d.database().namespace(), env.get("PRUNE_NAMESPACE"));
                // The recovery window the ObjectStore (or in-tree) retention keeps, in seconds.
                var retention = plan.inputs().settings().databases().retention();
                assertEquals(String.valueOf(windowOf(retention).toSeconds()), env.get("PRUNE_KEEP_SECONDS"), retention);
                // The method of the Backups this program's ScheduledBackup makes: never volumeSnapshot ones.
                var scheduled = named(run, "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", d.scheduledBackupName(),
                        d.database().namespace());
                assertEquals(at(scheduled.inputs(), "spec.method"), env.get("PRUNE_METHOD"));
                assertTrue(Integer.parseInt(env.get("PRUNE_KEEP_COMPLETED")) >= 1);
            }
        }
    }

    /** Barman's reading of a recovery window, written out independently of BackupPrunePlan.window. */
    static Duration windowOf(String retention) {
        int n = Integer.parseInt(retention.replaceAll("[dwm]$", ""));
        return Duration.ofDays(n * (retention.endsWith("w") ? 7L : retention.endsWith("m") ? 31L : 1L));
    }

    static List<DatabasePlan> cnpg(StackPlan plan) {
        return plan.databases().stream().filter(d -> d.engine().match(c -> true, p -> false)).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void itsRoleReadsAndDeletesCnpgBackupsInItsNamespaceAndNothingElse() {
        for (var plan : plans()) {
            var run = MockedRun.of(plan);
            for (var d : cnpg(plan)) {
                var name = d.names().backupPrune();
                var ns = d.database().namespace();
                var rules = (List<Map<String, Object>>) at(named(run, ROLE, name, ns).inputs(), "rules");
                assertEquals(1, rules.size(), rules.toString());
                var rule = rules.get(0);
                // The full group: a plain "backups" in the homelab is Longhorn's too.
                assertEquals(List.of("postgresql.cnpg.io"), rule.get("apiGroups"));
                assertEquals(List.of("backups"), rule.get("resources"));
                // What the script needs and no more (drills/test/backup-prune.sh runs it as this Role).
                assertEquals(Set.of("list", "delete"), Set.copyOf((List<String>) rule.get("verbs")), rule.toString());
                var binding = named(run, BINDING, name, ns);
                assertEquals("Role", at(binding.inputs(), "roleRef.kind"));
                assertEquals(name, ((List<Map<String, Object>>) at(binding.inputs(), "subjects")).get(0).get("name"));
            }
            assertTrue(ofType(run, CLUSTER_ROLE).stream().noneMatch(r -> String.valueOf(at(r.inputs(), "metadata.name"))
                    .contains("backup-prune")), "no cluster-wide rights");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void itsJobIsLockedDownAndBounded() {
        var plan = TestStacks.prodPlan();
        var run = MockedRun.of(plan);
        for (var d : cnpg(plan)) {
            var job = named(run, CRON_JOB, d.names().backupPrune(), d.database().namespace()).inputs();
            assertEquals("Forbid", at(job, "spec.concurrencyPolicy"));
            assertEquals((int) BackupPrunePlan.DEADLINE.toSeconds(), ((Number) at(job, "spec.jobTemplate.spec.activeDeadlineSeconds")).intValue());
            var pod = "spec.jobTemplate.spec.template.spec.";
            assertEquals(d.names().backupPrune(), at(job, pod + "serviceAccountName"));
            assertEquals(true, at(job, pod + "securityContext.runAsNonRoot"));
            var container = ((List<Map<String, Object>>) at(job, pod + "containers")).get(0);
            var security = (Map<String, Object>) container.get("securityContext");
            assertEquals(true, security.get("readOnlyRootFilesystem"));
            assertEquals(false, security.get("allowPrivilegeEscalation"));
            var limits = (Map<String, Object>) ((Map<String, Object>) container.get("resources")).get("limits");
            assertTrue(limits.containsKey("cpu") && limits.containsKey("memory"), limits.toString());
            assertEquals(plan.inputs().settings().databases().drill().image(), container.get("image"),
                    "kubectl from the database drills' pinned image");
        }
    }

    @Test
    void theConfigMapShipsTheTestedScript() throws Exception {
        var script = Files.readString(Path.of("drills", BackupPrunePlan.SCRIPT));
        var plan = TestStacks.prodPlan();
        var run = MockedRun.of(plan);
        for (var d : cnpg(plan)) {
            var data = (Map<?, ?>) at(named(run, CONFIG_MAP, d.names().backupPrune(), d.database().namespace()).inputs(), "data");
            assertEquals(script, data.get(BackupPrunePlan.SCRIPT));
        }
        // The script only ever names CNPG's Backups by their full resource name.
        assertTrue(script.contains("RESOURCE=backups.postgresql.cnpg.io"));
        assertFalse(script.matches("(?s).*kubectl[^\\n]*\\s(get|delete|describe)\\s+backups?\\s.*"), "no bare 'backup' resource");
    }
}
