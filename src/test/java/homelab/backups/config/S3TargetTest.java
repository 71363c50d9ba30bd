package homelab.backups.config;

import static homelab.backups.support.TestStacks.prodConfig;
import static homelab.backups.support.TestStacks.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** An S3 target cannot be built invalid, and the loader reports each problem with its field before it builds one. */
class S3TargetTest {
    static final URI HTTP = URI.create("http://192.0.2.1:9000");

    static S3Target target(URI endpoint, String region, String volumes, String databases, Optional<String> ca) {
        return new S3Target(S3Target.PRIMARY, endpoint, region, volumes, databases, true, ca, S3Target.Credentials.S3);
    }

    static void refused(String field, Runnable build) {
        var e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().contains(field), "the refusal names " + field + ": " + e.getMessage());
    }

    @Test
    void aTargetThatNoClientCouldAddressCannotBeBuilt() {
        refused("endpoint", () -> target(URI.create("ftp://192.0.2.1"), "us-east-1", "a-vol", "a-db", Optional.empty()));
        refused("endpoint", () -> target(URI.create("http://192.0.2.1:9000/bucket"), "us-east-1", "a-vol", "a-db", Optional.empty()));
        refused("endpoint", () -> target(URI.create("http:///path-only"), "us-east-1", "a-vol", "a-db", Optional.empty()));
        refused("region", () -> target(HTTP, "US East", "a-vol", "a-db", Optional.empty()));
        refused("volsyncBucket", () -> target(HTTP, "us-east-1", "Vol_Bucket", "a-db", Optional.empty()));
        refused("postgresBucket", () -> target(HTTP, "us-east-1", "a-vol", "db", Optional.empty()));
        refused("volsyncBucket", () -> target(HTTP, "us-east-1", "same", "same", Optional.empty()));
        refused("caCertificate", () -> target(HTTP, "us-east-1", "a-vol", "a-db", Optional.of("pem")));
        refused("name", () -> new S3Target("Off Site", HTTP, "us-east-1", "a-vol", "a-db", true, Optional.empty(),
                S3Target.Credentials.S3));
        refused("secrets", () -> new S3Target.Credentials(SecretKey.S3_ACCESS_KEY, SecretKey.S3_ACCESS_KEY));
    }

    @Test
    void theEndpointIsReadAsEveryClientNeedsIt() {
        var plain = target(URI.create("http://192.0.2.1:9000/"), "us-east-1", "a-vol", "a-db", Optional.empty());
        assertEquals("http://192.0.2.1:9000", plain.url(), "no trailing slash: clients append /<bucket>");
        assertEquals("192.0.2.1:9000", plain.hostPort());
        assertTrue(plain.plainHttp());
        var tls = target(URI.create("https://s3.example.org"), "us-east-1", "a-vol", "a-db", Optional.empty());
        assertEquals("s3.example.org:443", tls.hostPort(), "the scheme's default port filled in");
    }

    /** Each bad {@code s3} value is reported with its field, and the loader never throws building the target. */
    @Test
    void theLoaderReportsEachProblemOfTheStoreWithItsField() {
        var cases = List.of(
                List.of("{\"endpoint\": \"http://192.0.2.1:9000/x\"}", "endpoint", "must not have a path"),
                List.of("{\"endpoint\": \"http://192.0.2.1:9000\", \"region\": \"US\"}", "region", "not an S3 region"),
                List.of("{\"endpoint\": \"http://192.0.2.1:9000\", \"volsyncBucket\": \"X\"}", "volsyncBucket", "not a valid S3 bucket name"),
                List.of("{\"endpoint\": \"http://192.0.2.1:9000\", \"volsyncBucket\": \"X\", \"postgresBucket\": \"volsync-backups\"}",
                        "volsyncBucket", "not a valid S3 bucket name"),
                List.of("{\"endpoint\": \"http://192.0.2.1:9000\", \"postgresBucket\": \"volsync-backups\"}", "postgresBucket", "must differ"));
        for (var c : cases) {
            var config = with(prodConfig(), "s3", c.get(0));
            var thrown = assertThrows(ConfigErrors.InvalidConfigException.class, () -> TestStacks.load(config), c.get(0));
            Consumer<String> expect = field -> assertTrue(thrown.errors().stream().anyMatch(e ->
                            e.field().equals(field) && e.message().contains(c.get(2))),
                    () -> c.get(0) + ": expected " + field + ": " + c.get(2) + "\n got: " + thrown.getMessage());
            expect.accept(c.get(1));
        }
    }

    /** With config secrets, the target's own key pair must be set before anything runs. */
    @Test
    void configSecretsMustHoldTheTargetsKeyPair() {
        var config = with(prodConfig(), "secrets", "{\"source\": \"config\"}");
        var thrown = assertThrows(ConfigErrors.InvalidConfigException.class, () -> TestStacks.load(config));
        var credentials = S3Target.Credentials.S3;
        for (var key : List.of(credentials.accessKey(), credentials.secretKey())) {
            assertTrue(thrown.errors().stream().anyMatch(e -> e.field().equals(StackConfig.NAMESPACE + ":" + key.configKey())
                    && e.message().contains("is required by secrets.source: config")), () -> key + "\n got: " + thrown.getMessage());
        }
    }

    @Test
    void theSettingsStoreIsThePrimaryTargetWithTheStackCredentials() {
        var target = TestStacks.load(prodConfig()).settings().target();
        assertEquals(S3Target.PRIMARY, target.name());
        assertEquals(S3Target.Credentials.S3, target.credentials());
    }
}
