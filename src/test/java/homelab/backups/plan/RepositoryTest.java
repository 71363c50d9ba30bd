package homelab.backups.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.config.S3Target;
import homelab.backups.support.TestStacks;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Plans carry their repositories: each plan says where its backups go, and pgBackRest numbers them by position. */
class RepositoryTest {
    static final StackPlan PLAN = TestStacks.prodPlan();

    static S3Target target(String name, String volumes, String databases) {
        return new S3Target(name, java.net.URI.create("http://192.0.2.1:9000"), "us-east-1", volumes, databases, true,
                Optional.empty(), S3Target.Credentials.S3);
    }

    @Test
    void everyRepositoryIsOnTheSettingsTargetInTheBucketOfItsKind() {
        var target = PLAN.inputs().settings().target();
        for (var v : PLAN.volumes()) {
            assertEquals(target, v.repository().target(), v.app());
            assertEquals(target.volsyncBucket(), v.repository().bucket(), v.app() + ": volumes go to the volume bucket");
            assertEquals(v.secretName(), v.repository().secretName(), v.app() + ": the movers read the repository's Secret");
            assertTrue(v.repositoryUrl().contains(v.repository().bucket() + "/" + v.repository().path()),
                    v.app() + ": the mover's URL names the planned bucket and path: " + v.repositoryUrl());
        }
        for (var d : PLAN.databases()) {
            assertEquals(target, d.repository().target(), d.id());
            assertEquals(target.postgresBucket(), d.repository().bucket(), d.id() + ": databases go to the database bucket");
            assertEquals(d.credentialsSecret(), d.repository().secretName(), d.id());
        }
    }

    @Test
    void noTwoPlansShareARepository() {
        var all = new java.util.ArrayList<String>();
        PLAN.volumes().forEach(v -> all.add(v.repository().url()));
        PLAN.databases().forEach(d -> all.add(d.repository().url()));
        var counts = all.stream().collect(Collectors.groupingBy(u -> u, Collectors.counting()));
        counts.forEach((url, n) -> assertEquals(1L, n, url + " is shared"));
    }

    @Test
    void aRepositoryOutsideItsTargetCannotBeBuilt() {
        var t = target(S3Target.PRIMARY, "a-vol", "a-db");
        assertThrows(IllegalArgumentException.class, () -> new Repository(t, "elsewhere", "ns/app", "app-backup-repo"));
        assertThrows(IllegalArgumentException.class, () -> new Repository(t, "a-vol", "/ns/app", "app-backup-repo"));
        assertThrows(IllegalArgumentException.class, () -> new Repository(t, "a-vol", "ns/app/", "app-backup-repo"));
        assertThrows(IllegalArgumentException.class, () -> new Repository(t, "a-vol", "ns/app", ""));
        assertEquals("s3://a-db/cnpg/x", RepositoryLayout.cnpg(t, "x", "x-backup-s3").url());
    }

    @Test
    void pgBackRestNamesEachRepositoryByItsPositionFromOne() {
        var pgo = PLAN.databases().stream().filter(d -> d.engine() instanceof PgoEngine).findFirst().orElseThrow();
        var repos = PgBackRestRepo.of(pgo);
        for (int i = 0; i < repos.size(); i++) {
            assertEquals(i + 1, repos.get(i).index());
            assertEquals(pgo.repositories().get(i), repos.get(i).repository());
            assertEquals("repo" + (i + 1) + "-s3-bucket", repos.get(i).key("s3-bucket"));
        }
        assertEquals(repos.get(0), PgBackRestRepo.restoreSource(pgo), "restores and drills read the first");
        var r = pgo.repository();
        assertThrows(IllegalArgumentException.class, () -> new PgBackRestRepo(0, r));
        assertThrows(IllegalArgumentException.class, () -> new PgBackRestRepo(PgBackRestRepo.MAX + 1, r),
                "PGO accepts repo1 to repo4 only");
    }

    /** The options of repoN all carry its own prefix: none leaks into another position. */
    @Test
    void everyPgBackRestOptionCarriesItsRepositoryPrefix() {
        var pgo = PLAN.databases().stream().filter(d -> d.engine() instanceof PgoEngine).findFirst().orElseThrow();
        var patch = homelab.backups.kubernetes.PgoSpecs.clusterPatch(pgo, (PgoEngine) pgo.engine(), PLAN.inputs().settings());
        @SuppressWarnings("unchecked")
        var pgbackrest = (Map<String, Object>) ((Map<String, Object>) patch.get("backups")).get("pgbackrest");
        @SuppressWarnings("unchecked")
        var global = (Map<String, String>) pgbackrest.get("global");
        var names = PgBackRestRepo.of(pgo).stream().map(PgBackRestRepo::name).toList();
        for (var key : global.keySet()) {
            assertTrue(names.stream().anyMatch(n -> key.startsWith(n + "-")), key + " belongs to no planned repository");
        }
        @SuppressWarnings("unchecked")
        var repos = (List<Map<String, Object>>) pgbackrest.get("repos");
        assertEquals(names, repos.stream().map(m -> m.get("name")).toList());
        assertEquals("/" + pgo.repository().path(), global.get(PgBackRestRepo.restoreSource(pgo).key("path")));
    }

    /** databases.pgbackrest.endpoint is a TLS front of the primary store: a repository on another target uses its own. */
    @Test
    void thePgBackRestEndpointFrontsThePrimaryTargetOnly() {
        var settings = PLAN.inputs().settings();
        assertTrue(settings.databases().pgbackrestEndpoint().isPresent(), "the fixture declares the TLS front");
        var pgo = PLAN.databases().stream().filter(d -> d.engine() instanceof PgoEngine).findFirst().orElseThrow();
        var offsite = new S3Target("offsite", java.net.URI.create("https://offsite.example.org:9443"), "eu-west-1",
                "volsync-backups", "postgres-backups", true, Optional.empty(), S3Target.Credentials.S3);
        var moved = new DatabasePlan(pgo.database(), pgo.engine(), pgo.names(),
                RepositoryLayout.pgbackrest(offsite, pgo.database().name(), pgo.credentialsSecret()),
                pgo.restore(), pgo.recoveryName());
        assertEquals("offsite.example.org:9443", endpoint(moved, settings));
        var front = settings.databases().pgbackrestEndpoint().get();
        assertEquals(front.getHost() + ":" + front.getPort(), endpoint(pgo, settings));
    }

    @SuppressWarnings("unchecked")
    static Object endpoint(DatabasePlan d, homelab.backups.config.Settings settings) {
        var patch = homelab.backups.kubernetes.PgoSpecs.clusterPatch(d, (PgoEngine) d.engine(), settings);
        var pgbackrest = (Map<String, Object>) ((Map<String, Object>) patch.get("backups")).get("pgbackrest");
        var repo = ((List<Map<String, Object>>) pgbackrest.get("repos")).get(0);
        return ((Map<String, Object>) repo.get("s3")).get("endpoint");
    }

    @Test
    void s3ConfNumbersTheCredentialsOfEveryRepositoryAndRefusesTwoKeyPairs() {
        var first = target(S3Target.PRIMARY, "a-vol", "a-db");
        var one = new PgBackRestRepo(1, RepositoryLayout.pgbackrest(first, "c", "c-pgbackrest-s3"));
        var two = new PgBackRestRepo(2, RepositoryLayout.pgbackrest(target("copy", "b-vol", "b-db"), "c", "c-pgbackrest-s3"));
        var conf = homelab.backups.kubernetes.PgoSpecs.s3Conf(List.of(one, two), "AK", "SK", null);
        assertEquals("[global]\nrepo1-s3-key=AK\nrepo1-s3-key-secret=SK\nrepo2-s3-key=AK\nrepo2-s3-key-secret=SK\n", conf);
        var other = new S3Target("other", java.net.URI.create("http://192.0.2.2:9000"), "us-east-1", "c-vol", "c-db",
                true, Optional.empty(), new S3Target.Credentials(homelab.backups.config.SecretKey.RESTIC_PASSWORD,
                homelab.backups.config.SecretKey.KOPIA_PASSWORD));
        var elsewhere = new PgBackRestRepo(2, RepositoryLayout.pgbackrest(other, "c", "c-pgbackrest-s3"));
        assertThrows(IllegalArgumentException.class,
                () -> homelab.backups.kubernetes.PgoSpecs.s3Conf(List.of(one, elsewhere), "AK", "SK", null),
                "s3.conf holds one key pair");
    }
}
