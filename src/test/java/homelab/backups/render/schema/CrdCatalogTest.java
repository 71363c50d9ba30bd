package homelab.backups.render.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.render.TestCrds;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Validates custom resources against the real upstream CRDs, found as ./render finds them ({@link TestCrds}: skipped,
 * saying why, when there are none).
 */
class CrdCatalogTest {

    static CrdCatalog withFork;
    static CrdCatalog upstream;

    /** Each test skips by itself when there are no schemas (a skip in @BeforeAll would hide the class's tests). */
    @BeforeEach
    void load() throws IOException {
        Path crds = TestCrds.dir();
        if (withFork != null) return;
        long start = System.nanoTime();
        withFork = CrdCatalog.load(List.of(crds, crds.resolve("kopia-fork")));
        System.out.printf("load [crds, kopia-fork]: %d ms%n", (System.nanoTime() - start) / 1_000_000);
        upstream = CrdCatalog.load(List.of(crds));
    }

    // ---- VolSync

    static Map<String, Object> resticSource() {
        return object("volsync.backube/v1alpha1", "ReplicationSource", "nginx", "nginx-backup", Map.of(
                "sourcePVC", "nginx-data",
                "trigger", Map.of("schedule", "7 2 * * *"),
                "restic", map(
                        "repository", "nginx-restic",
                        "copyMethod", "Snapshot",
                        "pruneIntervalDays", 7.0,
                        "retain", Map.of("daily", 14.0),
                        "volumeSnapshotClassName", "longhorn-snapshot",
                        "cacheCapacity", "1Gi",
                        "moverSecurityContext", Map.of("runAsUser", 1000, "runAsGroup", 1000.0, "fsGroup", 1000))));
    }

    @Test
    void validResticReplicationSourcePasses() {
        assertEquals(List.of(), withFork.validate(resticSource(), false));
        assertEquals(List.of(), upstream.validate(resticSource(), false));
    }

    @Test
    void unknownFieldIsAnError() {
        var obj = edit(resticSource(), spec -> restic(spec).put("foo", "bar"));
        var violations = withFork.validate(obj, false);
        assertEquals(1, violations.size(), violations.toString());
        assertEquals(new SchemaViolation("volsync.backube/v1alpha1 ReplicationSource nginx/nginx-backup",
                "$.spec.restic.foo", "unknown field \"foo\""), violations.get(0));
        assertEquals("volsync.backube/v1alpha1 ReplicationSource nginx/nginx-backup: $.spec.restic.foo: unknown field \"foo\"",
                violations.get(0).toString());
    }

    @Test
    void wrongEnumNamesPathAndAllowedValues() {
        var violations = withFork.validate(edit(resticSource(), spec -> restic(spec).put("copyMethod", "Copy")), false);
        assertEquals(1, violations.size(), violations.toString());
        assertEquals("$.spec.restic.copyMethod", violations.get(0).path());
        String message = violations.get(0).message();
        assertTrue(message.contains("\"Copy\"") && message.contains("Snapshot") && message.contains("Clone")
                && message.contains("Direct") && message.contains("None"), message);
    }

    @Test
    void wrongTypeFails() {
        var violations = withFork.validate(edit(resticSource(), spec -> restic(spec).put("pruneIntervalDays", "7")), false);
        assertEquals(1, violations.size(), violations.toString());
        assertEquals("$.spec.restic.pruneIntervalDays", violations.get(0).path());
        assertTrue(violations.get(0).message().contains("integer"), violations.get(0).message());
    }

    @Test
    void integerChecksRejectFractionsAndInt32Overflow() {
        var violations = withFork.validate(edit(resticSource(), spec -> {
            restic(spec).put("pruneIntervalDays", 7.5);
            restic(spec).put("retain", Map.of("daily", 3_000_000_000L));
        }), false);
        assertEquals(List.of("$.spec.restic.pruneIntervalDays", "$.spec.restic.retain.daily"),
                violations.stream().map(SchemaViolation::path).toList(), violations.toString());
    }

    @Test
    void kopiaNeedsTheFork() {
        var kopia = object("volsync.backube/v1alpha1", "ReplicationSource", "nginx", "nginx-backup", Map.of(
                "sourcePVC", "nginx-data",
                "trigger", Map.of("schedule", "7 2 * * *"),
                "kopia", Map.of("repository", "nginx-kopia", "copyMethod", "Snapshot", "compression", "zstd",
                        "retain", Map.of("daily", 14.0), "cacheCapacity", "1Gi")));
        assertEquals(List.of(), withFork.validate(kopia, false));
        var violations = upstream.validate(kopia, false);
        assertEquals(List.of("$.spec.kopia"), violations.stream().map(SchemaViolation::path).toList(), violations.toString());
        assertTrue(violations.get(0).message().contains("unknown field"));
        assertTrue(withFork.knows("volsync.backube/v1alpha1", "KopiaMaintenance"));
        assertFalse(upstream.knows("volsync.backube/v1alpha1", "KopiaMaintenance"));
    }

    // ---- VolumeSnapshotClass: fields at the top level

    static Map<String, Object> snapshotClass() {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("apiVersion", "snapshot.storage.k8s.io/v1");
        obj.put("kind", "VolumeSnapshotClass");
        obj.put("metadata", Map.of("name", "longhorn-snapshot", "labels", Map.of("velero.io/csi-volumesnapshot-class", "true")));
        obj.put("driver", "driver.longhorn.io");
        obj.put("deletionPolicy", "Delete");
        obj.put("parameters", Map.of("type", "snap"));
        return obj;
    }

    @Test
    void volumeSnapshotClassPassesAndNeedsDriver() {
        assertEquals(List.of(), withFork.validate(snapshotClass(), false));
        var missing = snapshotClass();
        missing.remove("driver");
        var violations = withFork.validate(missing, false);
        assertEquals(List.of(new SchemaViolation("snapshot.storage.k8s.io/v1 VolumeSnapshotClass longhorn-snapshot",
                "$.driver", "required field \"driver\" is missing")), violations);
        assertEquals(List.of(), withFork.validate(missing, true));
    }

    @Test
    void unservedVersionAndUnknownKind() {
        var old = snapshotClass();
        old.put("apiVersion", "snapshot.storage.k8s.io/v1beta1");
        var violations = withFork.validate(old, false);
        assertEquals(1, violations.size());
        assertTrue(violations.get(0).message().contains("not served"), violations.toString());

        var unknown = object("example.com/v1", "Widget", "ns", "w", Map.of());
        violations = withFork.validate(unknown, false);
        assertEquals(1, violations.size());
        assertEquals("example.com/v1 Widget ns/w", violations.get(0).object());
        assertTrue(violations.get(0).message().startsWith("no CRD for example.com/v1 Widget in "), violations.toString());
        assertFalse(withFork.knows("v1", "ConfigMap"));
    }

    @Test
    void rootMetadataIsCheckedLightly() {
        var obj = resticSource();
        obj.put("metadata", Map.of("name", 5, "namespace", "nginx", "finalizers", List.of("x")));
        var violations = withFork.validate(obj, false);
        assertEquals(List.of("$.metadata.name"), violations.stream().map(SchemaViolation::path).toList(), violations.toString());
    }

    // ---- CNPG: server-side-apply patch

    static Map<String, Object> cnpgPluginPatch() {
        return object("postgresql.cnpg.io/v1", "Cluster", "db", "pg", Map.of("plugins", List.of(map(
                "name", "barman-cloud.cloudnative-pg.io",
                "isWALArchiver", true,
                "parameters", Map.of("barmanObjectName", "pg-store")))));
    }

    @Test
    @SuppressWarnings("unchecked")
    void cnpgPatchPassesOnlyInPartialMode() {
        assertEquals(List.of(), withFork.validate(cnpgPluginPatch(), true));
        var violations = withFork.validate(cnpgPluginPatch(), false);
        assertEquals(List.of(new SchemaViolation("postgresql.cnpg.io/v1 Cluster db/pg", "$.spec.instances",
                "required field \"instances\" is missing")), violations);
        var typo = edit(cnpgPluginPatch(), spec -> ((Map<String, Object>) ((List<?>) spec.get("plugins")).get(0)).put("isWalArchiver", true));
        assertEquals(List.of("$.spec.plugins[0].isWalArchiver"),
                withFork.validate(typo, true).stream().map(SchemaViolation::path).toList());
    }

    // ---- Crunchy PGO: the 2.8 MB CRD

    static Map<String, Object> pgoPatch(String repoName) {
        return object("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", "db", "hippo", Map.of(
                "backups", Map.of("pgbackrest", Map.of(
                        "global", Map.of("repo1-retention-full", "14", "repo1-retention-full-type", "time"),
                        "repos", List.of(map(
                                "name", repoName,
                                "schedules", Map.of("full", "0 1 * * 0", "incremental", "0 1 * * 1-6"),
                                "s3", Map.of("bucket", "pg", "endpoint", "s3.example.com", "region", "us-east-1")))))));
    }

    @Test
    void pgoPatchAndRepoNamePattern() {
        long start = System.nanoTime();
        var violations = withFork.validate(pgoPatch("repo1"), true);
        System.out.printf("first PGO validation (compile + validate; the schema was read at load; validator start-up if first): %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        assertEquals(List.of(), violations);
        violations = withFork.validate(pgoPatch("repo9"), true);
        assertEquals(1, violations.size(), violations.toString());
        assertEquals("$.spec.backups.pgbackrest.repos[0].name", violations.get(0).path());
        assertTrue(violations.get(0).message().contains("^repo[1-4]"), violations.get(0).message());
        assertTrue(withFork.celRules("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster") > 0);
        assertTrue(withFork.notes("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster").stream()
                .anyMatch(n -> n.contains("CEL")));
    }

    @Test
    void preservedSubtreesNullableAndPrunedObjects() {
        // PGO patroni.dynamicConfiguration preserves unknown fields; its sibling keys do not.
        var patroni = object("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", "db", "hippo", Map.of(
                "patroni", Map.of("dynamicConfiguration", Map.of("postgresql", Map.of("parameters", Map.of("max_connections", 200))),
                        "bogus", 1)));
        assertEquals(List.of("$.spec.patroni.bogus"), paths(withFork.validate(patroni, true)));
        // Longhorn declares syncRequestedAt nullable, pollInterval not.
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("backupTargetURL", "s3://backups@us-east-1/");
        target.put("syncRequestedAt", null);
        target.put("pollInterval", null);
        var backupTarget = object("longhorn.io/v1beta2", "BackupTarget", "longhorn-system", "default", target);
        assertEquals(List.of("$.spec.pollInterval"), paths(withFork.validate(backupTarget, true)));
        // CNPG's volumeClaimTemplate.metadata is a bare `type: object`: the API server would prune these labels.
        var cluster = object("postgresql.cnpg.io/v1", "Cluster", "db", "pg", Map.of("instances", 1,
                "ephemeralVolumeSource", Map.of("volumeClaimTemplate", Map.of("metadata", Map.of("labels", Map.of("a", "b")), "spec", Map.of()))));
        assertEquals(List.of("$.spec.ephemeralVolumeSource.volumeClaimTemplate.metadata.labels"), paths(withFork.validate(cluster, false)));
    }

    @Test
    void describeListsEveryCrdOnce() {
        List<String> lines = withFork.describe();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("volsync.backube ReplicationSource") && l.contains("kopia-fork")), lines.toString());
        assertEquals(lines.size(), lines.stream().map(l -> l.split(" ")[0] + l.split(" ")[1]).distinct().count());
    }

    // ---- helpers

    static List<String> paths(List<SchemaViolation> violations) {
        return violations.stream().map(SchemaViolation::path).toList();
    }

    static Map<String, Object> object(String apiVersion, String kind, String namespace, String name, Map<String, Object> spec) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("apiVersion", apiVersion);
        obj.put("kind", kind);
        obj.put("metadata", Map.of("name", name, "namespace", namespace));
        obj.put("spec", deepCopy(spec));
        return obj;
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> edit(Map<String, Object> obj, Consumer<Map<String, Object>> specEdit) {
        specEdit.accept((Map<String, Object>) obj.get("spec"));
        return obj;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> restic(Map<String, Object> spec) {
        return (Map<String, Object>) spec.get("restic");
    }

    /** Mutable copies, so tests can edit nested maps built with Map.of. */
    @SuppressWarnings("unchecked")
    static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put((String) k, deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> l) {
            List<Object> copy = new ArrayList<>();
            l.forEach(v -> copy.add(deepCopy(v)));
            return (T) copy;
        }
        return value;
    }
}
