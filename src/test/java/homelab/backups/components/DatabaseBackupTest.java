package homelab.backups.components;

import static homelab.backups.support.Registrations.dependsOn;
import static homelab.backups.support.Registrations.named;
import static homelab.backups.support.TestStacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.core.internal.Internal;
import com.pulumi.kubernetes.core.v1.SecretArgs;
import com.pulumi.test.PulumiTest;
import homelab.backups.config.StackConfig;
import homelab.backups.plan.Planner;
import homelab.backups.render.MockCluster;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.render.RecordingMocks.Registration;
import homelab.backups.support.TestStacks;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 3: CNPG (Barman Cloud plugin, legacy) and PGO (pgBackRest) backups, and database restores. */
class DatabaseBackupTest {
    static MockedRun prod;

    @BeforeAll
    static void runProd() {
        prod = run(TestStacks.prodConfig());
    }

    static MockedRun run(StackConfig config) {
        var plan = Planner.plan(TestStacks.load(config));
        var run = MockedRun.of(plan, homelab(plan));
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        return run;
    }

    /**
     * The database clusters as the homelab runs them (mitchross/talos-argocd-proxmox 00458bdb:
     * infrastructure/database/cloudnative-pg/{khoj,paperless}/cluster.yaml, crunchy-postgres/immich/cluster.yaml).
     */
    static MockCluster homelab(homelab.backups.plan.StackPlan plan) {
        return MockCluster.asInventory(plan)
                .withObject(cnpg("khoj-database", "ghcr.io/cloudnative-pg/postgresql:16.2", "khoj", "khoj_admin", "khoj-app-secret"))
                .withObject(cnpg("paperless-database", "ghcr.io/cloudnative-pg/postgresql:16.2", "paperless", "paperless",
                        "paperless-app-secret"))
                .withObject(IMMICH);
    }

    /**
     * The homelab's immich PostgresCluster, the spec fields this program reads or must leave alone (00458bdb
     * infrastructure/database/crunchy-postgres/immich/cluster.yaml): VectorChord preloaded, Patroni's max_connections,
     * an init SQL, and users whose passwords the app holds (immich's comes from 1Password).
     */
    static final Map<String, Object> IMMICH = Map.of("apiVersion", "postgres-operator.crunchydata.com/v1beta1",
            "kind", "PostgresCluster", "metadata", Map.of("name", "immich", "namespace", "immich"),
            "spec", Map.of(
                    "image", "ghcr.io/waifulabs/crunchydata-vectorchord:ubi9-17.7-2550",
                    "postgresVersion", 17,
                    "databaseInitSQL", Map.of("name", "immich-postgres-init", "key", "init.sql"),
                    "config", Map.of("parameters", Map.of("shared_preload_libraries", "vchord.so")),
                    "patroni", Map.of("dynamicConfiguration", Map.of("synchronous_mode", true,
                            "postgresql", Map.of("max_wal_size", "5GB", "synchronous_commit", "on",
                                    "parameters", Map.of("max_connections", 500)))),
                    "instances", List.of(Map.of("name", "postgres", "replicas", 3)),
                    "users", List.of(
                            Map.of("name", "postgres", "databases", List.of("postgres"), "options", "SUPERUSER"),
                            Map.of("name", "immich", "databases", List.of("immich"), "options", "CREATEDB CREATEROLE"))));

    static Map<String, Object> cnpg(String name, String image, String database, String owner, String secret) {
        return Map.of("apiVersion", "postgresql.cnpg.io/v1", "kind", "Cluster",
                "metadata", Map.of("name", name, "namespace", "cloudnative-pg"),
                "spec", Map.of("imageName", image, "bootstrap", Map.of("initdb", Map.of("database", database,
                        "owner", owner, "secret", Map.of("name", secret)))));
    }

    static String failure(StackConfig config, MockCluster cluster) {
        var run = MockedRun.of(Planner.plan(TestStacks.load(config)), cluster);
        assertNotEquals(0, run.result().exitCode(), "the run should have failed");
        assertEquals(List.of(), run.mocks().registrations(), "nothing is registered");
        return String.join("\n", run.result().errors()) + run.result().exceptions();
    }


    @SuppressWarnings("unchecked")
    static Map<String, Object> spec(Registration r) {
        return (Map<String, Object>) r.inputs().get("spec");
    }

    static boolean secret(MockedRun run, String name) {
        var args = (SecretArgs) run.args().get(name);
        return Internal.of(args.stringData().orElseThrow()).isSecret().join();
    }

    @Test
    void cnpgUsesTheBarmanCloudPluginWithADailySixFieldSchedule() {
        for (var db : List.of("khoj-database", "paperless-database")) {
            var store = named(prod, DatabaseChild.OBJECT_STORE.of(db));
            assertEquals("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", store.type());
            assertEquals("cloudnative-pg", at(store.inputs(), "metadata.namespace"));
            var s = spec(store);
            assertEquals("s3://postgres-backups/cnpg/" + db, at(s, "configuration.destinationPath"));
            assertEquals("http://192.168.10.133:30292", at(s, "configuration.endpointURL"));
            assertEquals("gzip", at(s, "configuration.wal.compression"));
            assertEquals("gzip", at(s, "configuration.data.compression"));
            assertEquals("14d", s.get("retentionPolicy"));
            assertEquals(db + "-backup-s3", at(s, "configuration.s3Credentials.accessKeyId.name"));
            assertEquals(List.of(Map.of("name", "AWS_REQUEST_CHECKSUM_CALCULATION", "value", "when_required"),
                    Map.of("name", "AWS_RESPONSE_CHECKSUM_VALIDATION", "value", "when_required")),
                    at(s, "instanceSidecarConfiguration.env"), "RustFS needs boto3's relaxed checksums");

            var backup = named(prod, DatabaseChild.SCHEDULED_BACKUP.of(db));
            assertEquals("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", backup.type());
            assertEquals("0 0 3 * * *", spec(backup).get("schedule"), "six fields, seconds first: daily at 03:00");
            assertEquals("plugin", spec(backup).get("method"));
            assertEquals("self", spec(backup).get("backupOwnerReference"));
            assertEquals(db, at(spec(backup), "cluster.name"));
            assertEquals("barman-cloud.cloudnative-pg.io", at(spec(backup), "pluginConfiguration.name"));

            assertTrue(secret(prod, DatabaseChild.CREDENTIALS.of(db)), "S3 credentials must stay secret");
            assertEquals(Set.of("ACCESS_KEY_ID", "ACCESS_SECRET_KEY"),
                    ((Map<?, ?>) named(prod, DatabaseChild.CREDENTIALS.of(db)).inputs().get("stringData")).keySet());
        }
    }

    @Test
    void cnpgWiringPatchesOnlyThePluginsOfTheExistingCluster() {
        var patch = named(prod, DatabaseChild.BACKUP_WIRING.of("khoj-database"));
        assertEquals("kubernetes:postgresql.cnpg.io/v1:ClusterPatch", patch.type(), "a server-side-apply patch, not a Cluster");
        assertEquals("Cluster", patch.inputs().get("kind"));
        assertEquals(Map.of("name", "khoj-database", "namespace", "cloudnative-pg"), patch.inputs().get("metadata"));
        assertEquals(Set.of("plugins"), spec(patch).keySet(), "only backup fields; the cluster stays with its owner");
        assertEquals(List.of(Map.of("name", "barman-cloud.cloudnative-pg.io", "isWALArchiver", true,
                "parameters", Map.of("barmanObjectName", "khoj-database-backups", "serverName", "khoj-database"))),
                spec(patch).get("plugins"));
    }

    @Test
    void bucketsAndCredentialsComeBeforeTargetBeforeWiringBeforeSchedule() {
        var buckets = prod.stack().storage().buckets();
        var db = prod.stack().storage().databases().stream().filter(d -> d.pulumiResourceName().equals("khoj-database"))
                .findFirst().orElseThrow();
        assertTrue(dependsOn(prod, DatabaseChild.CREDENTIALS.of("khoj-database")).containsAll(buckets));
        assertTrue(dependsOn(prod, DatabaseChild.OBJECT_STORE.of("khoj-database")).containsAll(buckets));
        assertTrue(dependsOn(prod, DatabaseChild.OBJECT_STORE.of("khoj-database")).contains(db.credentials()));
        assertTrue(dependsOn(prod, DatabaseChild.BACKUP_WIRING.of("khoj-database")).contains(db.objectStore().orElseThrow()));
        assertTrue(dependsOn(prod, DatabaseChild.SCHEDULED_BACKUP.of("khoj-database")).contains(db.clusterPatch().orElseThrow()));
        var pgo = prod.stack().storage().databases().stream().filter(d -> d.pulumiResourceName().equals("immich-postgres"))
                .findFirst().orElseThrow();
        assertTrue(dependsOn(prod, DatabaseChild.BACKUP_WIRING.of("immich-postgres")).containsAll(buckets));
        assertTrue(dependsOn(prod, DatabaseChild.BACKUP_WIRING.of("immich-postgres")).contains(pgo.credentials()));
    }

    @Test
    void pgoGetsAnS3ConfSecretAndThePgbackrestSectionOnly() {
        var secret = named(prod, DatabaseChild.CREDENTIALS.of("immich-postgres"));
        assertEquals("immich-pgbackrest-s3", at(secret.inputs(), "metadata.name"));
        var conf = (String) ((Map<?, ?>) secret.inputs().get("stringData")).get("s3.conf");
        assertEquals("[global]\nrepo1-s3-key=" + RecordingMocks.PLACEHOLDER_PREFIX + "s3AccessKey\n"
                + "repo1-s3-key-secret=" + RecordingMocks.PLACEHOLDER_PREFIX + "s3SecretKey\n", conf);
        assertTrue(secret(prod, DatabaseChild.CREDENTIALS.of("immich-postgres")));

        var patch = named(prod, DatabaseChild.BACKUP_WIRING.of("immich-postgres"));
        assertEquals("kubernetes:postgres-operator.crunchydata.com/v1beta1:PostgresClusterPatch", patch.type());
        assertEquals(Set.of("backups"), spec(patch).keySet());
        var pgbackrest = (Map<?, ?>) at(spec(patch), "backups.pgbackrest");
        @SuppressWarnings("unchecked")
        var repo = ((List<Map<String, Object>>) pgbackrest.get("repos")).get(0);
        assertEquals("repo1", repo.get("name"));
        assertEquals(Map.of("bucket", "postgres-backups", "endpoint", "192.168.10.133:30293", "region", "us-east-1"), repo.get("s3"),
                "endpoint is host:port of the HTTPS endpoint for pgBackRest");
        assertEquals(Map.of("full", "0 3 * * *"), repo.get("schedules"), "pgBackRest schedules are five-field CronJob syntax");
        var global = (Map<?, ?>) pgbackrest.get("global");
        assertEquals("/pgbackrest/immich", global.get("repo1-path"));
        assertEquals("path", global.get("repo1-s3-uri-style"));
        assertEquals("14", global.get("repo1-retention-full"));
        assertEquals("time", global.get("repo1-retention-full-type"));
        assertEquals("n", global.get("repo1-storage-verify-tls"), "prod declares a self-signed RustFS certificate");
        assertEquals(List.of(Map.of("secret", Map.of("name", "immich-pgbackrest-s3"))), pgbackrest.get("configuration"));
    }

    @Test
    void pgoEncryptionAndExtraSchedules() throws Exception {
        var inventory = TestStacks.prodInventory().replace("postgresVersion: 17,",
                "postgresVersion: 17, encryption: true, differential: \"0 3 * * 3\", incremental: \"0 */6 * * *\",");
        var run = run(TestStacks.prodWithInventory(java.nio.file.Files.createTempDirectory("pgo"), inventory));
        var conf = (String) ((Map<?, ?>) named(run, DatabaseChild.CREDENTIALS.of("immich-postgres")).inputs().get("stringData")).get("s3.conf");
        assertTrue(conf.endsWith("repo1-cipher-pass=" + RecordingMocks.PLACEHOLDER_PREFIX + "pgbackrestCipherPass\n"), conf);
        var pgbackrest = (Map<?, ?>) at(spec(named(run, DatabaseChild.BACKUP_WIRING.of("immich-postgres"))), "backups.pgbackrest");
        assertEquals("aes-256-cbc", ((Map<?, ?>) pgbackrest.get("global")).get("repo1-cipher-type"));
        @SuppressWarnings("unchecked")
        var repo = ((List<Map<String, Object>>) pgbackrest.get("repos")).get(0);
        assertEquals(Map.of("full", "0 3 * * *", "differential", "0 3 * * 3", "incremental", "0 */6 * * *"), repo.get("schedules"));
    }

    @Test
    void aFiveFieldCnpgScheduleIsConvertedNeverPassedThrough() {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "databases",
                "{\"schedule\": \"0 3 * * *\", \"pgbackrest\": {\"endpoint\": \"https://127.0.0.1:9443\"}}"));
        assertEquals("0 0 3 * * *", spec(named(run, DatabaseChild.SCHEDULED_BACKUP.of("khoj-database"))).get("schedule"),
                "'0 3 * * *' would run hourly at HH:03:00 in CNPG");
        assertTrue(run.warnings().stream().anyMatch(w -> w.startsWith("SCHEDULE khoj-database") && w.contains("converted")),
                run.warnings()::toString);
    }

    @Test
    void pgbackrestMayUsePlainHttpOnlyWhenItsVersionSpeaksIt() {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "databases",
                "{\"pgbackrest\": {\"version\": \"2.58.0\"}}"));
        @SuppressWarnings("unchecked")
        var repo = ((List<Map<String, Object>>) at(spec(named(run, DatabaseChild.BACKUP_WIRING.of("immich-postgres"))), "backups.pgbackrest.repos")).get(0);
        assertEquals("http://192.168.10.133:30292", at(repo, "s3.endpoint"));
    }

    @Test
    void legacyMethodPatchesBarmanObjectStoreAndWarns() throws Exception {
        var inventory = TestStacks.prodInventory().replace("{name: khoj-database, engine: cnpg,",
                "{name: khoj-database, engine: cnpg, method: legacy,");
        var dir = java.nio.file.Files.createTempDirectory("legacy");
        var run = run(TestStacks.prodWithInventory(dir, inventory));
        assertFalse(run.mocks().registrations().stream().anyMatch(r -> r.name().equals(DatabaseChild.OBJECT_STORE.of("khoj-database"))));
        var patch = spec(named(run, DatabaseChild.BACKUP_WIRING.of("khoj-database")));
        assertEquals(Set.of("backup"), patch.keySet());
        assertEquals("s3://postgres-backups/cnpg/khoj-database", at(patch, "backup.barmanObjectStore.destinationPath"));
        assertEquals("14d", at(patch, "backup.retentionPolicy"));
        assertEquals("barmanObjectStore", spec(named(run, DatabaseChild.SCHEDULED_BACKUP.of("khoj-database"))).get("method"));
        assertTrue(run.warnings().stream().anyMatch(w -> w.startsWith("DEPRECATED") && w.contains("khoj-database")), run.warnings()::toString);
    }

    @Test
    void cnpgRestoreCreatesANewClusterWithANewServerNameAndChangesNothingElse() {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"khoj-database\": \"2026-11-27T02:00:00Z\"}"));
        var recovery = named(run, DatabaseChild.RECOVERY.of("khoj-database"));
        assertEquals("kubernetes:postgresql.cnpg.io/v1:Cluster", recovery.type());
        var name = (String) at(recovery.inputs(), "metadata.name");
        assertTrue(name.startsWith("khoj-database-restore-"), name);
        var s = spec(recovery);
        assertEquals("origin", at(s, "bootstrap.recovery.source"));
        assertEquals("2026-11-27T02:00:00Z", at(s, "bootstrap.recovery.recoveryTarget.targetTime"));
        @SuppressWarnings("unchecked")
        var origin = ((List<Map<String, Object>>) s.get("externalClusters")).get(0);
        assertEquals("khoj-database", at(origin, "plugin.parameters.serverName"), "reads the running cluster's archive");
        @SuppressWarnings("unchecked")
        var plugin = ((List<Map<String, Object>>) s.get("plugins")).get(0);
        assertEquals(name, at(plugin, "parameters.serverName"), "archives under a new serverName (empty archive)");
        assertNotEquals("khoj-database", at(plugin, "parameters.serverName"));
        assertEquals("5Gi", at(s, "storage.size"));
        assertEquals("ghcr.io/cloudnative-pg/postgresql:16.2", s.get("imageName"),
                "the backed-up cluster's image: the operator's default is another major version (docs/field-findings.md §4)");
        assertEquals("khoj", at(s, "bootstrap.recovery.database"), "the app's database, not an empty `app`");
        assertEquals("khoj_admin", at(s, "bootstrap.recovery.owner"));
        assertEquals("khoj-app-secret", at(s, "bootstrap.recovery.secret.name"), "the app's credentials, to switch by host");
        assertTrue(((com.pulumi.resources.CustomResourceOptions) run.options().get(DatabaseChild.RECOVERY.of("khoj-database"))).isRetainOnDelete(),
                "a recovered cluster may be what the app runs on: removing the request never deletes it");

        assertUnchangedApartFrom(run, restoreChildren("khoj-database"));
        assertEquals(Map.of("khoj-database", Map.of("cluster", "cloudnative-pg/" + name,
                "service", name + "-rw.cloudnative-pg.svc")),
                com.pulumi.test.PulumiTest.extractValue((com.pulumi.core.Output<?>) run.result().output("recoveredDatabases")),
                "the new cluster and its service are stack outputs");
        assertTrue(run.warnings().stream().anyMatch(w -> w.contains("NEW cluster cloudnative-pg/" + name)), run.warnings()::toString);
        assertTrue(run.warnings().stream().anyMatch(w -> w.contains("NEW cluster cloudnative-pg/" + name)
                && w.contains("waits for its check Job " + name + "-check")), run.warnings()::toString);
        assertTrue(run.warnings().stream().anyMatch(w -> w.startsWith("RESTORE khoj-database NOT VALIDATED against the archive")),
                "the offline render reads no archive and says so: " + run.warnings());
    }

    /** pgBackRest's --target keeps what the request says to the microsecond; a whole second stays as it was. */
    @Test
    void aPgBackRestTargetKeepsTheFractionOfASecond() {
        var asOf = new homelab.backups.config.RestorePoint.AsOf(java.time.OffsetDateTime.parse("2026-11-27T03:00:03.912345678+01:00"));
        assertEquals("2026-11-27 02:00:03.912345+00", homelab.backups.kubernetes.PgoSpecs.pgbackrestTime(asOf));
        var whole = new homelab.backups.config.RestorePoint.AsOf(java.time.OffsetDateTime.parse("2026-11-27T02:00:00Z"));
        assertEquals("2026-11-27 02:00:00+00", homelab.backups.kubernetes.PgoSpecs.pgbackrestTime(whole));
    }

    @Test
    void pgoRestoreCreatesANewPostgresClusterFromTheRepository() {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"immich-postgres\": \"2026-11-27T02:00:00Z\"}"));
        var recovery = named(run, DatabaseChild.RECOVERY.of("immich-postgres"));
        assertEquals("kubernetes:postgres-operator.crunchydata.com/v1beta1:PostgresCluster", recovery.type());
        var s = spec(recovery);
        assertEquals(17.0, s.get("postgresVersion"));
        assertEquals("db", at(s, "dataSource.pgbackrest.stanza"));
        assertEquals("repo1", at(s, "dataSource.pgbackrest.repo.name"));
        assertEquals("postgres-backups", at(s, "dataSource.pgbackrest.repo.s3.bucket"));
        assertEquals(List.of("--type=time", "--target=\"2026-11-27 02:00:00+00\""), at(s, "dataSource.pgbackrest.options"),
                "pgBackRest reads YYYY-MM-DD HH:MM:SS with a numeric offset (docs/field-findings.md §4)");
        assertEquals("ghcr.io/waifulabs/crunchydata-vectorchord:ubi9-17.7-2550", s.get("image"),
                "the vector-extension image its shared_preload_libraries need");
        assertNull(s.get("backups"), "the recovered cluster does not write into the running cluster's repository");
        assertUnchangedApartFrom(run, restoreChildren("immich-postgres"));
    }

    /**
     * Issue 19, M2: the recovered cluster serves the app as the running one does. Its server parameters are the
     * running cluster's, read live (VectorChord must be preloaded; max_connections comes from Patroni's dynamic
     * configuration); its users and init SQL are not (the restored data holds both already).
     */
    @Test
    @SuppressWarnings("unchecked")
    void aPgoRestoreServesWithTheRunningClustersParametersButKeepsTheRestoredRoles() throws Exception {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"immich-postgres\": \"latest\"}"));
        var recovery = named(run, DatabaseChild.RECOVERY.of("immich-postgres"));
        var s = spec(recovery);
        var live = (Map<String, Object>) IMMICH.get("spec");
        assertEquals(numbersAsDoubles(at(live, "config.parameters")), at(s, "config.parameters"),
                "the running cluster's parameters, shared_preload_libraries among them");
        assertEquals(numbersAsDoubles(at(live, "patroni.dynamicConfiguration.postgresql.parameters")),
                at(s, "patroni.dynamicConfiguration.postgresql.parameters"), "Patroni's parameters, max_connections among them");
        assertEquals(Set.of("parameters"), ((Map<String, Object>) at(s, "patroni.dynamicConfiguration.postgresql")).keySet(),
                "only what serves the app: not the rest of Patroni's configuration");
        assertEquals(Set.of("postgresql"), ((Map<String, Object>) at(s, "patroni.dynamicConfiguration")).keySet());
        assertFalse(((List<?>) live.get("users")).isEmpty(), "the running cluster lists users");
        assertEquals(List.of(), s.get("users"), "no users: PGO would give the restored roles new passwords (or add its own)");
        assertNotNull(live.get("databaseInitSQL"));
        assertNull(s.get("databaseInitSQL"), "its effects are in the restored data already");

        var object = new java.util.LinkedHashMap<String, Object>(recovery.inputs());
        object.put("apiVersion", "postgres-operator.crunchydata.com/v1beta1");
        object.put("kind", "PostgresCluster");
        // Last: without schemas (a fresh clone) the test stops here as skipped, saying why (TestCrds).
        var crds = homelab.backups.render.schema.CrdCatalog.load(List.of(homelab.backups.render.TestCrds.dir()));
        assertTrue(crds.has("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster"));
        assertEquals(List.of(), crds.validate(object, false), "valid against PGO's own CRD");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPgoRestoreOfAClusterWithNoParametersSetsNone() {
        var config = TestStacks.with(TestStacks.prodConfig(), "restore", "{\"immich-postgres\": \"latest\"}");
        var plan = Planner.plan(TestStacks.load(config));
        var bare = homelab(plan).withObject(Map.of("apiVersion", "postgres-operator.crunchydata.com/v1beta1",
                "kind", "PostgresCluster", "metadata", Map.of("name", "immich", "namespace", "immich"),
                "spec", Map.of("image", "ghcr.io/waifulabs/crunchydata-vectorchord:ubi9-17.7-2550", "postgresVersion", 17)));
        var run = MockedRun.of(plan, bare);
        assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
        var s = spec(named(run, DatabaseChild.RECOVERY.of("immich-postgres")));
        assertNull(s.get("config"));
        assertNull(s.get("patroni"));
        assertNull(s.get("authentication"));
    }

    /** The mocks hand inputs back as JSON would: every number a double. */
    @SuppressWarnings("unchecked")
    static Object numbersAsDoubles(Object value) {
        if (value instanceof Map<?, ?> m) {
            var out = new java.util.LinkedHashMap<String, Object>();
            m.forEach((k, v) -> out.put((String) k, numbersAsDoubles(v)));
            return out;
        }
        if (value instanceof List<?> l) return l.stream().map(DatabaseBackupTest::numbersAsDoubles).toList();
        return value instanceof Number n ? (Object) n.doubleValue() : value;
    }

    @Test
    void aRestoreThatCouldNotStartIsRefusedNamingTheField() {
        // Without the inventory's image, the live cluster's decides.
        var noImage = TestStacks.writeInventory(TestStacks.prodInventoryText()
                .replace(", image: \"ghcr.io/cloudnative-pg/postgresql:16.2\"}", "}"));
        var restore = TestStacks.with(TestStacks.with(TestStacks.prodConfig(), "inventory", noImage), "restore",
                "{\"khoj-database\": \"latest\"}");
        var plan = Planner.plan(TestStacks.load(restore));
        var defaultImage = homelab(plan).withObject(Map.of("apiVersion", "postgresql.cnpg.io/v1", "kind", "Cluster",
                "metadata", Map.of("name", "khoj-database", "namespace", "cloudnative-pg"), "spec", Map.of("instances", 1)));
        var text = failure(restore, defaultImage);
        assertTrue(text.contains("databases (khoj-database): image: the Cluster cloudnative-pg/khoj-database names no imageName"), text);
        var gone = homelab(plan).without("postgresql.cnpg.io/v1", "Cluster", "cloudnative-pg", "khoj-database");
        assertTrue(failure(restore, gone).contains("is not in the cluster, so its image cannot be read: set image:"));

        var inventory = TestStacks.prodInventoryText().replace("storage: 5Gi, image: \"ghcr.io/cloudnative-pg/postgresql:16.2\"",
                "storage: 5Gi, image: \"ghcr.io/cloudnative-pg/postgresql:17.5\"");
        var other = failure(TestStacks.with(restore, "inventory", TestStacks.writeInventory(inventory)), homelab(plan));
        assertTrue(other.contains("databases (khoj-database): image: ghcr.io/cloudnative-pg/postgresql:17.5 is PostgreSQL 17, but "
                + "the Cluster cloudnative-pg/khoj-database runs ghcr.io/cloudnative-pg/postgresql:16.2 (PostgreSQL 16)"), other);

        var pgo = TestStacks.with(TestStacks.prodConfig(), "restore", "{\"immich-postgres\": \"latest\"}");
        var newer = homelab(plan).withObject(Map.of("apiVersion", "postgres-operator.crunchydata.com/v1beta1",
                "kind", "PostgresCluster", "metadata", Map.of("name", "immich", "namespace", "immich"),
                "spec", Map.of("postgresVersion", 16)));
        assertTrue(failure(pgo, newer).contains("databases (immich): postgresVersion: 17 differs from the PostgresCluster "
                + "immich/immich, which runs PostgreSQL 16"));
    }

    @Test
    void latestRestoreHasNoRecoveryTarget() {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "restore", "{\"paperless-database\": \"latest\"}"));
        assertNull(at(spec(named(run, DatabaseChild.RECOVERY.of("paperless-database"))), "bootstrap.recovery.recoveryTarget"));
    }

    /**
     * Issue 22 part 2: a pinned restore recovers the pinned backup of the named lineage, and up awaits its check Job,
     * which runs the drill's script in check mode against the recovered cluster with a Role that can neither create nor
     * delete anything.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aPinnedCnpgRestoreReadsThatBackupOfThatLineageAndItsCheckIsAwaited() throws Exception {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "restore",
                "{\"khoj-database\": {\"backup\": \"20261126T030000\", \"serverName\": \"khoj-database-v1\"}}"));
        var recovery = named(run, DatabaseChild.RECOVERY.of("khoj-database"));
        var name = (String) at(recovery.inputs(), "metadata.name");
        var s = spec(recovery);
        assertEquals(Map.of("backupID", "20261126T030000", "targetImmediate", true), at(s, "bootstrap.recovery.recoveryTarget"));
        var origin = ((List<Map<String, Object>>) s.get("externalClusters")).get(0);
        assertEquals("khoj-database-v1", at(origin, "plugin.parameters.serverName"), "reads the lineage the request names");
        var plugin = ((List<Map<String, Object>>) s.get("plugins")).get(0);
        assertEquals(name, at(plugin, "parameters.serverName"), "still archives under its own, empty serverName");

        var job = named(run, DatabaseChild.RESTORE_CHECK.of("khoj-database"));
        assertEquals("kubernetes:batch/v1:Job", job.type());
        assertEquals(name + "-check", at(job.inputs(), "metadata.name"));
        assertTrue(dependsOn(run, DatabaseChild.RESTORE_CHECK.of("khoj-database")).stream()
                .anyMatch(r -> r.pulumiResourceName().equals(DatabaseChild.RECOVERY.of("khoj-database"))),
                "created after the recovered cluster");
        var options = (com.pulumi.resources.CustomResourceOptions) run.options().get(DatabaseChild.RESTORE_CHECK.of("khoj-database"));
        var deadline = ((Number) at(job.inputs(), "spec.activeDeadlineSeconds")).longValue();
        var create = options.getCustomTimeouts().orElseThrow().getCreate().orElseThrow();
        assertTrue(create.toSeconds() > deadline, "up waits longer than the Job may run: the Job's failure is what it reports");
        assertEquals(0.0, at(job.inputs(), "spec.backoffLimit"));
        var container = ((List<Map<String, Object>>) at(job.inputs(), "spec.template.spec.containers")).get(0);
        var env = ((List<Map<String, Object>>) container.get("env")).stream()
                .collect(Collectors.toMap(e -> (String) e.get("name"), e -> (String) e.get("value")));
        assertEquals("check", env.get("DRILL_MODE"));
        assertEquals(name, env.get("DRILL_CLUSTER"));
        assertEquals("khoj-database", env.get("DRILL_SOURCE"));
        assertEquals("khoj", env.get("DRILL_DATABASE"), "the recovered cluster's app database");
        assertEquals("20261126T030000", env.get("DRILL_EXPECT_BACKUP"));
        assertNull(env.get("DRILL_EXPECT_SYSTEM_ID"), "the offline render read no archive: the script reads the running cluster's");
        assertTrue(((Number) at(container, "securityContext.runAsUser")).longValue() > 0);
        assertEquals(true, at(job.inputs(), "spec.template.spec.securityContext.runAsNonRoot"));
        assertNotNull(at(container, "resources.limits.memory"));
        var role = named(run, DatabaseChild.RESTORE_CHECK_ROLE.of("khoj-database"));
        var verbs = ((List<Map<String, Object>>) role.inputs().get("rules")).stream()
                .flatMap(r -> ((List<String>) r.get("verbs")).stream()).collect(Collectors.toSet());
        assertFalse(verbs.contains("delete") || verbs.contains("patch") || verbs.contains("update"), verbs::toString);
        var clusterRule = ((List<Map<String, Object>>) role.inputs().get("rules")).get(0);
        assertEquals(List.of("get"), clusterRule.get("verbs"));
        assertEquals(Set.of(name, "khoj-database"), Set.copyOf((List<String>) clusterRule.get("resourceNames")));
        assertUnchangedApartFrom(run, restoreChildren("khoj-database"));

        var object = new java.util.LinkedHashMap<String, Object>(recovery.inputs());
        object.put("apiVersion", "postgresql.cnpg.io/v1");
        object.put("kind", "Cluster");
        var crds = homelab.backups.render.schema.CrdCatalog.load(List.of(homelab.backups.render.TestCrds.dir()));
        assertEquals(List.of(), crds.validate(object, false), "valid against CNPG's own CRD");
    }

    @Test
    void aPinnedPgoRestoreSetsTheBackupSet() {
        var run = run(TestStacks.with(TestStacks.prodConfig(), "restore",
                "{\"immich-postgres\": {\"point\": \"2026-11-27T02:00:00Z\", \"backup\": \"20261126-030000F\"}}"));
        assertEquals(List.of("--set=20261126-030000F", "--type=time", "--target=\"2026-11-27 02:00:00+00\""),
                at(spec(named(run, DatabaseChild.RECOVERY.of("immich-postgres"))), "dataSource.pgbackrest.options"));
        assertNotNull(named(run, DatabaseChild.RESTORE_CHECK.of("immich-postgres")));
    }

    /** What a restore request adds: the recovered cluster and its awaited check (DatabaseChild.RESTORE_ONLY). */
    static Set<String> restoreChildren(String id) {
        return DatabaseChild.RESTORE_ONLY.stream().map(c -> c.of(id)).collect(Collectors.toSet());
    }

    /** Every registration of {@code run} equals prod's, except the named new ones. */
    static void assertUnchangedApartFrom(MockedRun run, Set<String> added) {
        var before = prod.mocks().registrations().stream().collect(Collectors.toMap(Registration::name, r -> r));
        for (var r : run.mocks().registrations()) {
            if (added.contains(r.name())) continue;
            var old = before.get(r.name());
            assertNotNull(old, "unexpected new resource " + r.name());
            assertEquals(old.inputs(), r.inputs(), r.name() + " changed during a restore");
        }
        assertEquals(before.size() + added.size(), run.mocks().registrations().size());
    }

}
