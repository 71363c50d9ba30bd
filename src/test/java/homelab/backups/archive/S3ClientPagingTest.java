package homelab.backups.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import homelab.backups.config.S3Target;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ListObjectsV2 paging. The loopback S3 server cannot show it: gofakes3 v1.2.0's filesystem backend does not page
 * (backend/s3afero/multi.go answers ErrInternalPageNotImplemented and gofakes3.go retries without the page, so every
 * listing is one page whatever max-keys says). This in-process server pages as S3 documents it (IsTruncated,
 * NextContinuationToken, continuation-token), so the client's loop is tested where it matters: the newest WAL is on
 * the last page of a listing.
 */
class S3ClientPagingTest {
    private HttpServer server;
    private final List<String> tokens = new ArrayList<>();
    private final List<String> keys = IntStream.rangeClosed(1, 5).mapToObj(i -> String.format("wals/0000000100000000/0000000100000000000000%02X.gz", i)).toList();
    private boolean dropToken;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            var query = new HashMap<String, String>();
            for (var kv : Optional.ofNullable(exchange.getRequestURI().getRawQuery()).orElse("").split("&")) {
                var p = kv.split("=", 2);
                if (p.length == 2) query.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8), URLDecoder.decode(p[1], StandardCharsets.UTF_8));
            }
            tokens.add(query.getOrDefault("continuation-token", ""));
            int max = Integer.parseInt(query.getOrDefault("max-keys", "1000"));
            int start = query.containsKey("continuation-token") ? Integer.parseInt(query.get("continuation-token").substring(4)) : 0;
            var page = keys.subList(Math.min(start, keys.size()), Math.min(start + max, keys.size()));
            boolean truncated = start + max < keys.size();
            var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
            for (var key : page) {
                xml.append("<Contents><Key>").append(key).append("</Key><LastModified>2026-12-07T18:07:41.000Z</LastModified><Size>16</Size></Contents>");
            }
            xml.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
            if (truncated && !dropToken) xml.append("<NextContinuationToken>tok-").append(start + max).append("</NextContinuationToken>");
            xml.append("</ListBucketResult>");
            var body = xml.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private S3Client client() {
        var target = new S3Target(S3Target.PRIMARY, URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "us-east-1",
                "volsync-backups", "postgres-backups", true, Optional.empty(), S3Target.Credentials.S3);
        return S3Client.of(target, "k", "s");
    }

    @Test
    void followsContinuationTokensToTheLastPage() throws Exception {
        var listing = client().list("postgres-backups", "wals/", "", 10, 2, false);
        assertEquals(keys, listing.objects().stream().map(S3Client.S3Object::key).toList());
        assertEquals(List.of("", "tok-2", "tok-4"), tokens, "one request per page, each with the token the last one gave");
    }

    @Test
    void morePagesThanAllowedIsAnErrorNotAPartialAnswer() {
        var e = assertThrows(S3Client.S3Exception.class, () -> client().list("postgres-backups", "wals/", "", 2, 2, false));
        assertTrue(e.getMessage().contains("more than 2 pages of 2 keys; refusing a partial answer"), e.getMessage());
    }

    @Test
    void aTruncatedListingWithoutATokenIsAnError() {
        dropToken = true;
        var e = assertThrows(S3Client.S3Exception.class, () -> client().list("postgres-backups", "wals/", "", 10, 2, false));
        assertTrue(e.getMessage().contains("truncated listing came without a NextContinuationToken"), e.getMessage());
    }
}
