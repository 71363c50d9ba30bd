package homelab.backups.archive;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The repository's loopback S3 server (drills/test/s3server, gofakes3, built by scripts/test-tools.sh into the tools
 * cache) started on 127.0.0.1 for one test class, with {@code -access-key}/{@code -secret-key}: it verifies every
 * request's SigV4 signature as it arrived and refuses another key or a wrong signature with 403, as S3 does. Stopped by
 * its process handle. {@link #binary()} says why not when it cannot be had (a fresh
 * clone without Go): the tests are then skipped with that reason.
 */
final class LoopbackS3 implements AutoCloseable {
    static final String ACCESS_KEY = "archive-test";
    static final String SECRET_KEY = "archive-test-secret";

    /** The s3server binary, or why there is none. */
    record Binary(Optional<Path> path, String why) {}

    private static Binary binary;

    static synchronized Binary binary() {
        if (binary != null) return binary;
        try {
            var script = Path.of("scripts/test-tools.sh").toAbsolutePath();
            var pb = new ProcessBuilder("bash", "-c", "source \"$1\" && test_tools_s3server", "bash", script.toString())
                    .redirectErrorStream(false);
            var process = pb.start();
            var err = new StringBuilder();
            var errReader = new Thread(() -> {
                try {
                    err.append(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the exit status says it
                }
            });
            errReader.start();
            var out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(300, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return binary = new Binary(Optional.empty(), "scripts/test-tools.sh test_tools_s3server took over 300 s");
            }
            errReader.join();
            if (process.exitValue() != 0 || out.isEmpty() || !Files.isExecutable(Path.of(out))) {
                return binary = new Binary(Optional.empty(), "no loopback S3 server: scripts/test-tools.sh test_tools_s3server "
                        + "exited " + process.exitValue() + ": " + err.toString().trim()
                        + " (it needs Go to build drills/test/s3server; .ci/run builds it before the unit tests)");
            }
            return binary = new Binary(Optional.of(Path.of(out)), "");
        } catch (IOException e) {
            return binary = new Binary(Optional.empty(), "no loopback S3 server: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return binary = new Binary(Optional.empty(), "interrupted while building the loopback S3 server");
        }
    }

    private final Process process;
    private final Path root;
    final int port;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    LoopbackS3(Path bin, Path root, String buckets) throws Exception {
        this.root = root;
        var portFile = root.resolve("port");
        this.process = new ProcessBuilder(bin.toString(), "-listen", "127.0.0.1:0", "-root", root.resolve("s3").toString(),
                "-buckets", buckets, "-portfile", portFile.toString(), "-access-key", ACCESS_KEY, "-secret-key", SECRET_KEY)
                .redirectErrorStream(true).redirectOutput(root.resolve("s3server.log").toFile()).start();
        var deadline = Instant.now().plusSeconds(20);
        while (!Files.exists(portFile) && process.isAlive() && Instant.now().isBefore(deadline)) Thread.sleep(50);
        if (!Files.exists(portFile)) {
            process.destroyForcibly();
            throw new IllegalStateException("s3server did not start: " + Files.readString(root.resolve("s3server.log")));
        }
        this.port = Integer.parseInt(Files.readString(portFile).trim());
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Stores an object (the reader never writes: this is the test's own signed PUT). */
    void put(String bucket, String key, byte[] content) throws Exception {
        var path = SigV4.encodePath("/" + bucket + "/" + key);
        var sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        var date = SigV4.amzDate(Instant.now());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("host", "127.0.0.1:" + port);
        headers.put("x-amz-content-sha256", sha);
        headers.put("x-amz-date", date);
        var auth = SigV4.authorization("PUT", path, Map.of(), headers, sha, "us-east-1", ACCESS_KEY, SECRET_KEY);
        var response = http.send(HttpRequest.newBuilder(URI.create(endpoint() + path)).timeout(Duration.ofSeconds(20))
                .header("x-amz-content-sha256", sha).header("x-amz-date", date).header("Authorization", auth)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IllegalStateException("PUT " + key + ": " + response.statusCode() + " " + response.body());
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
