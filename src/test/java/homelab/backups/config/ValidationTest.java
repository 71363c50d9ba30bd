package homelab.backups.config;

import static homelab.backups.support.TestStacks.prodConfig;
import static homelab.backups.support.TestStacks.prodInventory;
import static homelab.backups.support.TestStacks.prodWithInventory;
import static homelab.backups.support.TestStacks.runProgram;
import static homelab.backups.support.TestStacks.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/design.md "Safety rules": every bad input fails before any resource is registered, with an error that names the
 * file, the item and the field.
 */
class ValidationTest {
    @TempDir
    Path dir;

    /** A change to the prod stack, and the error it must produce. */
    record Case(String what, Mutation mutation, String file, String item, String field, String message) {
        @Override
        public String toString() {
            return what;
        }
    }

    interface Mutation {
        StackConfig apply(Path dir) throws IOException;
    }

    static Mutation inventory(String from, String to) {
        return dir -> {
            var text = prodInventory();
            assertTrue(text.contains(from), "fixture text not found: " + from);
            return prodWithInventory(dir, text.replace(from, to));
        };
    }

    /** The static SMB volume as a backed-up entry (prod excludes it), with {@code copyMethod} as given. */
    static final String STATIC_EXCLUDED = "storageClass: \"\", copyMethod: Direct,\n     exclude: {reason: \"an SMB mount of a TrueNAS share, which TrueNAS backs up (and not deployed at this commit)\"}}";

    static Mutation setting(String key, String json) {
        return dir -> with(prodConfig(), key, json);
    }

    static final String NGINX = "{app: nginx, namespace: nginx-example, pvc: nginx-storage, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}";
    static final String INVENTORY = "inventory.yaml";
    static final String SETTINGS = "Pulumi.prod.yaml";

    static Stream<Arguments> badInputs() {
        return Stream.of(
                new Case("malformed YAML", inventory("volumes:", "volumes: [\n  - {app: x"), INVENTORY, "", "", "malformed YAML"),
                new Case("duplicate YAML key", inventory(NGINX, NGINX.replace("capacity: 1Gi", "capacity: 1Gi, capacity: 2Gi")),
                        INVENTORY, "", "", "duplicate key"),
                new Case("unknown key", inventory(NGINX, NGINX.replace("capacity:", "capacty: 1Gi, capacity:")),
                        INVENTORY, "volumes[8] (nginx)", "capacty", "unknown key"),
                new Case("duplicate app", inventory(NGINX, NGINX + "\n  - " + NGINX.replace("pvc: nginx-storage", "pvc: other")),
                        INVENTORY, "volumes (nginx)", "app", "listed more than once"),
                new Case("duplicate PVC", inventory(NGINX, NGINX + "\n  - " + NGINX.replace("app: nginx", "app: nginx-two")),
                        INVENTORY, "volumes (nginx-two)", "pvc", "already backed up as app 'nginx'"),
                new Case("app not DNS-1123", inventory("app: nginx,", "app: Nginx_Web,"), INVENTORY, "volumes[8] (Nginx_Web)", "app", "DNS-1123"),
                new Case("app too long", inventory("app: nginx,", "app: " + "n".repeat(41) + ","), INVENTORY, "volumes[8]", "app", "at most 40"),
                new Case("namespace not DNS-1123", inventory("namespace: nginx-example,", "namespace: web.nginx,"), INVENTORY, "volumes[8] (nginx)", "namespace", "DNS-1123"),
                new Case("size with wrong unit", inventory(NGINX, NGINX.replace("1Gi", "1GB")), INVENTORY, "volumes[8] (nginx)", "capacity", "not a positive Kubernetes quantity"),
                new Case("zero size", inventory(NGINX, NGINX.replace("1Gi", "0Gi")), INVENTORY, "volumes[8] (nginx)", "capacity", "not a positive"),
                new Case("unknown access mode", inventory(NGINX, NGINX.replace("[ReadWriteOnce]", "[ReadWriteSometimes]")), INVENTORY, "volumes[8] (nginx)", "accessModes", "not an access mode"),
                new Case("missing storageClass", inventory(NGINX, NGINX.replace(", storageClass: longhorn", "")), INVENTORY, "volumes[8] (nginx)", "storageClass", "is required"),
                new Case("cron minute out of range", inventory(NGINX, NGINX.replace("}", ", schedule: \"61 2 * * *\"}")), INVENTORY, "volumes[8] (nginx)", "schedule", "outside 0-59"),
                new Case("six-field cron for a volume", inventory(NGINX, NGINX.replace("}", ", schedule: \"0 0 2 * * *\"}")), INVENTORY, "volumes[8] (nginx)", "schedule", "expected 5"),
                new Case("negative mover uid", inventory(NGINX, NGINX.replace("}", ", mover: {uid: -1}}")), INVENTORY, "volumes[8] (nginx)", "mover.uid", "not a valid id"),
                new Case("static PV without Direct", inventory(STATIC_EXCLUDED, "storageClass: \"\"}"), INVENTORY, "volumes (jellyfin-media)", "storageClass", "static PV"),
                new Case("class without snapshot class", inventory(NGINX, NGINX.replace("storageClass: longhorn", "storageClass: local-path")), INVENTORY, "volumes (nginx)", "storageClass", "no VolumeSnapshotClass"),
                new Case("database id clashes with an app", inventory("{id: immich-postgres, name: immich", "{name: immich"), INVENTORY, "databases (immich)", "id", "also a volume app id"),
                new Case("retention of zero", setting("schedule", "{\"retainDaily\": 0}"), SETTINGS, "homelab-backups:schedule", "retainDaily", "at least 1"),
                new Case("kopia prune interval longer than a month", dir -> with(setting("volsync", "{\"mover\": \"kopia\", \"chart\": "
                        + "{\"repository\": \"oci://example.invalid/charts-mirror\", \"name\": \"volsync-perfectra1n\", \"version\": \"0.18.5\"}}").apply(dir),
                        "schedule", "{\"pruneIntervalDays\": 45}"), SETTINGS, "homelab-backups:schedule", "pruneIntervalDays", "more than 30"),
                new Case("prune interval of zero", setting("schedule", "{\"pruneIntervalDays\": 0}"), SETTINGS, "homelab-backups:schedule", "pruneIntervalDays", "at least 1"),
                new Case("unknown settings key", setting("s3", "{\"endpoint\": \"http://127.0.0.1:9000\", \"bucket\": \"x\"}"), SETTINGS, "homelab-backups:s3", "bucket", "unknown key"),
                new Case("unknown top-level key", setting("restor", "{\"nginx\": \"latest\"}"), SETTINGS, "config", "homelab-backups:restor", "unknown key"),
                new Case("endpoint not a URL", setting("s3", "{\"endpoint\": \"192.168.10.133:9000\"}"), SETTINGS, "homelab-backups:s3", "endpoint", "http:// or https://"),
                new Case("longhorn class that makes backups", setting("snapshotClasses",
                        "[{\"name\": \"longhorn-snap\", \"driver\": \"driver.longhorn.io\", \"storageClasses\": [\"longhorn\"]}]"),
                        SETTINGS, "homelab-backups:snapshotClasses[0]", "parameters.type", "type: snap"),
                new Case("kubernetes provider without waitFor", setting("kubernetes", "{\"providerVersion\": \"4.0.0\"}"), SETTINGS, "homelab-backups:kubernetes", "providerVersion", "4.18.0"),
                new Case("version range", setting("volsync", "{\"chart\": {\"repository\": \"https://x\", \"version\": \"^0.15\"}}"), SETTINGS, "homelab-backups:volsync", "chart.version", "exact version"),
                new Case("unknown restore target", setting("restore", "{\"nginxx\": \"latest\"}"), SETTINGS, "homelab-backups:restore", "nginxx", "no volume app or database"),
                new Case("malformed restore point", setting("restore", "{\"nginx\": \"yesterday\"}"), SETTINGS, "homelab-backups:restore", "nginx", "not latest, previous:<n>"),
                new Case("restore time without T", setting("restore", "{\"nginx\": \"2026-11-27 02:00:00Z\"}"), SETTINGS, "homelab-backups:restore", "nginx", "RFC 3339"),
                new Case("restore beyond what the retention keeps", setting("restore", "{\"nginx\": \"previous:14\"}"), SETTINGS, "homelab-backups:restore", "nginx", "beyond what the retention keeps"),
                new Case("bare-number capacity", inventory(NGINX, NGINX.replace("capacity: 1Gi", "capacity: 5")), INVENTORY, "volumes[8] (nginx)", "capacity", "did you mean 5Gi"),
                new Case("bare-number database storage", inventory("storage: 5Gi,", "storage: 5,"), INVENTORY, "databases[0] (khoj-database)", "storage", "did you mean 5Gi"),
                new Case("exclude with no value", inventory(NGINX, NGINX.replace("}", ", exclude: }")), INVENTORY, "volumes[8] (nginx)", "exclude", "has no value"),
                new Case("a key with no value", inventory(NGINX, NGINX.replace("}", ", schedule: }")), INVENTORY, "volumes[8] (nginx)", "schedule", "has no value"),
                new Case("CNPG seconds out of range", setting("databases", "{\"schedule\": \"70/70 0 3 * * *\", \"pgbackrest\": {\"endpoint\": \"https://192.168.10.133:30293\"}}"), SETTINGS, "homelab-backups:databases", "schedule", "seconds field '70/70' is outside 0-59"),
                new Case("cron step wider than its range", inventory(NGINX, NGINX.replace("}", ", schedule: \"*/90 2 * * *\"}")), INVENTORY, "volumes[8] (nginx)", "schedule", "wider than its range"),
                new Case("bare-number cache capacity", setting("cache", "{\"capacity\": \"1\"}"), SETTINGS, "homelab-backups:cache", "capacity", "did you mean 1Gi"),
                new Case("one port, two schemes", setting("databases", "{\"pgbackrest\": {\"endpoint\": \"https://192.168.10.133:30292\"}}"), SETTINGS, "homelab-backups:databases", "pgbackrest.endpoint", "homelab-backups:s3.endpoint http://192.168.10.133:30292 name the same host and port with different schemes"),
                new Case("a CA for a plain-HTTP store", setting("s3", new com.google.gson.Gson().toJson(java.util.Map.of("endpoint", "http://192.168.10.133:30292", "caCertificate", TestStacks.resource("certs/rustfs-test-ca.pem")))), SETTINGS, "homelab-backups:s3", "caCertificate", "plain HTTP"),
                new Case("a CA that is no certificate", setting("s3", "{\"endpoint\": \"https://192.168.10.133:30292\", \"caCertificate\": \"my-ca\"}"), SETTINGS, "homelab-backups:s3", "caCertificate", "PEM certificate"),
                new Case("unknown policy", inventory(NGINX, NGINX.replace("}", ", policy: no-such-policy}")), INVENTORY, "volumes (nginx)", "policy", "no policy 'no-such-policy'"),
                new Case("policy keeps nothing", setting("policies", "{\"lean\": {\"every\": \"4h\", \"retain\": {}}}"), SETTINGS, "homelab-backups:policies (lean)", "retain", "keeps nothing"),
                new Case("hourly keeps on a daily policy", setting("policies", "{\"nightly\": {\"window\": {\"start\": \"01:00\"}, \"retain\": {\"hourly\": 24, \"daily\": 7}}}"), SETTINGS, "homelab-backups:policies (nightly)", "retain.hourly", "one backup a day"),
                new Case("interval that does not divide the day", setting("policies", "{\"odd\": {\"every\": \"5h\", \"retain\": {\"daily\": 7}}}"), SETTINGS, "homelab-backups:policies (odd)", "every", "divides the day"),
                new Case("window and every at once", setting("policies", "{\"both\": {\"every\": \"1h\", \"window\": {\"start\": \"01:00\"}, \"retain\": {\"daily\": 7}}}"), SETTINGS, "homelab-backups:policies (both)", "every", "exactly one"),
                new Case("within that is no duration", setting("policies", "{\"w\": {\"every\": \"12h\", \"retain\": {\"within\": \"a week\"}}}"), SETTINGS, "homelab-backups:policies (w)", "retain.within", "restic duration"),
                new Case("previous beyond an hourly policy's retention", dir -> with(TestStacks.withFields(inventory(NGINX, NGINX.replace("}", ", policy: keeps-31}")).apply(dir),
                        "policies", "{\"keeps-31\": {\"every\": \"1h\", \"retain\": {\"hourly\": 24, \"daily\": 7}}}"), "restore", "{\"nginx\": \"previous:31\"}"),
                        SETTINGS, "homelab-backups:restore", "nginx", "keeps at most 31 backups"),
                new Case("restore older than the retention reaches", setting("restore", "{\"nginx\": \"2026-11-01T02:00:00Z\"}"), SETTINGS, "homelab-backups:restore", "nginx", "older than the retention reaches"),
                new Case("previous:0", setting("restore", "{\"nginx\": \"previous:0\"}"), SETTINGS, "homelab-backups:restore", "nginx", "n >= 1"),
                new Case("restore of a static PV", dir -> with(inventory(STATIC_EXCLUDED, "storageClass: \"\", copyMethod: Direct}").apply(dir),
                        "restore", "{\"jellyfin-media\": \"latest\"}"), SETTINGS, "homelab-backups:restore", "jellyfin-media", "no snapshot-capable"),
                new Case("restore of an excluded volume", setting("restore", "{\"plex\": \"latest\"}"), SETTINGS, "homelab-backups:restore", "plex", "excluded from backups"),
                new Case("http endpoint for pgBackRest", setting("databases", "{}"), INVENTORY, "databases (immich)", "engine", "plain-HTTP"),
                new Case("disaster recovery of an unknown app", setting("recovery", "{\"disasterRecovery\": [\"nginxx\"]}"), SETTINGS, "homelab-backups:recovery", "disasterRecovery", "'nginxx' is not a backed-up volume app"),
                new Case("disaster recovery of an unknown namespace", setting("recovery", "{\"disasterRecovery\": [\"namespace:nope\"]}"), SETTINGS, "homelab-backups:recovery", "disasterRecovery", "lives in namespace nope"),
                new Case("disaster recovery of nothing", setting("recovery", "{\"disasterRecovery\": []}"), SETTINGS, "homelab-backups:recovery", "disasterRecovery", "an empty list names nothing"),
                new Case("a restore point for an app disaster recovery restores", dir -> with(setting("recovery", "{\"disasterRecovery\": [\"nginx\"]}").apply(dir),
                        "restore", "{\"nginx\": \"latest\"}"), SETTINGS, "homelab-backups:restore", "nginx", "only fresh-start may"),
                new Case("fresh-start with a label", setting("restore", "{\"nginx\": \"fresh-start@again\"}"), SETTINGS, "homelab-backups:restore", "nginx", "fresh-start takes no label"),
                new Case("short restore timeout", setting("recovery", "{\"timeout\": \"30s\"}"), SETTINGS, "homelab-backups:recovery", "timeout", "too short"),
                new Case("drills every 5 days", setting("drills", "{\"everyDays\": 5}"), SETTINGS, "homelab-backups:drills", "everyDays", "not 1, 2, 3 or 7"),
                new Case("drill window smaller than the volumes", setting("drills", "{\"window\": {\"start\": \"04:00\", \"minutes\": 10}}"), SETTINGS, "homelab-backups:drills", "window.minutes", "its own start minute"),
                new Case("drill window over the backups", setting("drills", "{\"window\": {\"start\": \"02:30\", \"minutes\": 60}}"), SETTINGS, "homelab-backups:drills", "window.start", "overlaps policy 'default'"),
                new Case("more read subsets than restic has", setting("drills", "{\"readSubsets\": 300}"), SETTINGS, "homelab-backups:drills", "readSubsets", "between 1 and 256"),
                new Case("an acknowledged repository that is no id", setting("drills", "{\"acceptRepository\": {\"immich\": \"abc\"}}"), SETTINGS, "homelab-backups:drills", "acceptRepository.immich", "is not a repository id"),
                new Case("an acknowledged history that is no time", setting("drills", "{\"acceptHistory\": {\"immich\": \"2026-11-25\"}}"), SETTINGS, "homelab-backups:drills", "acceptHistory.immich", "is not the oldest snapshot's time"),
                new Case("an acknowledged repository of no app", setting("drills", "{\"acceptRepository\": {\"imich\": \"" + "c".repeat(64) + "\"}}"), SETTINGS, "homelab-backups:drills", "acceptRepository.imich", "no backed-up app"),
                new Case("zero slack", setting("monitoring", "{\"enabled\": true, \"slack\": \"0m\"}"), SETTINGS, "homelab-backups:monitoring", "slack", "more than 0"),
                new Case("rule label that is no label", setting("monitoring", "{\"enabled\": true, \"labels\": {\"role\": \"alert rules\"}}"), SETTINGS, "homelab-backups:monitoring", "labels.role", "not a Kubernetes label value"),
                new Case("retirement without drills", dir -> with(setting("drills", "{\"enabled\": false}").apply(dir), "longhorn", "{\"retireBackups\": true}"),
                        SETTINGS, "homelab-backups:longhorn", "retireBackups", "needs restore drills")
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputIsRejectedNamingFileItemAndField(Case c) throws IOException {
        var config = c.mutation().apply(dir);
        var thrown = assertThrows(ConfigErrors.InvalidConfigException.class, () -> TestStacks.load(config));
        var match = thrown.errors().stream().filter(e -> e.file().endsWith(c.file())
                && e.item().startsWith(c.item()) && e.field().equals(c.field())
                && e.message().contains(c.message())).findFirst();
        assertTrue(match.isPresent(), () -> "expected " + c.file() + ": " + c.item() + ": " + c.field() + ": …"
                + c.message() + "…\n got: " + thrown.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputRegistersNothing(Case c) throws IOException {
        var run = runProgram(c.mutation().apply(dir));
        assertNotEquals(0, run.result().exitCode());
        assertEquals(List.of(), run.mocks().registrations(), "a resource was registered despite bad input");
        assertTrue(run.errorText().contains("nothing was registered"), run::errorText);
    }

    @Test
    void everyProblemIsListedAtOnce() throws IOException {
        var config = inventory(NGINX, NGINX.replace("1Gi", "1GB").replace("[ReadWriteOnce]", "[RW]")
                .replace("}", ", colour: blue}")).apply(dir);
        var broken = with(config, "schedule", "{\"retainDaily\": -1}");
        var thrown = assertThrows(ConfigErrors.InvalidConfigException.class, () -> TestStacks.load(broken));
        var fields = thrown.errors().stream().map(ConfigError::field).toList();
        assertTrue(fields.containsAll(List.of("capacity", "accessModes", "colour", "retainDaily")), fields::toString);
        assertTrue(thrown.getMessage().startsWith("invalid stack input (4 errors)"), thrown::getMessage);
    }

    @Test
    void theCommittedProdStackIsValid() {
        var inputs = TestStacks.load(prodConfig());
        assertEquals(21, inputs.inventory().volumes().size(), "the 19 of the design (docs/design.md), open-webui's real PVC and paperless' media");
        assertEquals(17, inputs.inventory().backedUpVolumes().size(), "4 listed and excluded, each with its reason");
        assertEquals(3, inputs.inventory().databases().size());
    }
}
