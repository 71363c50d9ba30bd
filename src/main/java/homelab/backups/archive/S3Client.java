package homelab.backups.archive;

import homelab.backups.config.S3Target;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The smallest S3 client the archive reader needs: ListObjectsV2 and GetObject, signed with SigV4, path-style
 * ({@code <endpoint>/<bucket>/<key>}) as every other client of the store is set up ({@link S3Target}: RustFS on an
 * IP address has no bucket sub-domains). HTTP/1.1 only. An https endpoint trusts the target's CA certificate in
 * addition to the JDK's. Every failure is an {@link S3Exception} whose message names the endpoint, the bucket, the
 * key or prefix, the HTTP status and S3's error Code and Message.
 */
public final class S3Client {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    /** A request to the store failed; the message says where and what came back. */
    public static final class S3Exception extends IOException {
        private final int status;
        private final String code;

        S3Exception(String message, int status, String code, Throwable cause) {
            super(message, cause);
            this.status = status;
            this.code = code;
        }

        /** The HTTP status, 0 when no answer came. */
        public int status() {
            return status;
        }

        /** S3's error Code ({@code NoSuchKey}, {@code AccessDenied}, ...), or empty. */
        public String code() {
            return code;
        }
    }

    /** One object of a listing. */
    public record S3Object(String key, long size, Instant lastModified) {}

    /** A whole listing (every page): the objects and the common prefixes under the delimiter. */
    public record Listing(List<S3Object> objects, List<String> prefixes) {}

    private final URI endpoint;
    private final String hostHeader;
    private final String region;
    private final String accessKey;
    private final String secretKey;
    private final HttpClient http;
    private final Clock clock;

    S3Client(URI endpoint, String region, Optional<String> caPem, String accessKey, String secretKey, Clock clock) {
        var text = endpoint.toString();
        this.endpoint = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.region = region;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.clock = clock;
        // The Host header the JDK sends (it may not be set by hand): the port only when it is not the scheme's default.
        int port = endpoint.getPort();
        boolean https = "https".equals(endpoint.getScheme());
        this.hostHeader = port == -1 || https && port == 443 || !https && port == 80
                ? endpoint.getHost() : endpoint.getHost() + ":" + port;
        var builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (caPem.isPresent()) builder.sslContext(trusting(caPem.get()));
        this.http = builder.build();
    }

    /** A client for the target's store with this key pair. */
    public static S3Client of(S3Target target, String accessKey, String secretKey) {
        if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
            throw new IllegalArgumentException("S3 target " + target.name() + ": the access key and secret key are required");
        }
        return new S3Client(target.endpoint(), target.region(), target.caCertificate(), accessKey, secretKey, Clock.systemUTC());
    }

    /** The endpoint, as messages name it. */
    public String endpoint() {
        return endpoint.toString();
    }

    /**
     * Every object and common prefix under {@code prefix} (ListObjectsV2, following continuation tokens), up to
     * {@code maxPages} pages of 1000; more is an error rather than a partial answer.
     */
    public Listing list(String bucket, String prefix, String delimiter, int maxPages) throws S3Exception {
        return list(bucket, prefix, delimiter, maxPages, 0, false);
    }

    /** Whether anything at all is stored under {@code prefix}: one request for at most one key. */
    public boolean any(String bucket, String prefix) throws S3Exception {
        var first = list(bucket, prefix, "", 1, 1, true);
        return !first.objects().isEmpty() || !first.prefixes().isEmpty();
    }

    /**
     * The listing in pages of {@code pageSize} keys ({@code max-keys}; 0: the store's default, 1000 on S3), following
     * continuation tokens unless {@code firstPageOnly}.
     */
    Listing list(String bucket, String prefix, String delimiter, int maxPages, int pageSize, boolean firstPageOnly)
            throws S3Exception {
        int maxKeys = pageSize;
        var objects = new ArrayList<S3Object>();
        var prefixes = new ArrayList<String>();
        String token = null;
        for (int page = 0; page < maxPages; page++) {
            var query = new TreeMap<String, String>();
            query.put("list-type", "2");
            query.put("prefix", prefix);
            if (!delimiter.isEmpty()) query.put("delimiter", delimiter);
            if (token != null) query.put("continuation-token", token);
            if (maxKeys > 0) query.put("max-keys", Integer.toString(maxKeys));
            var what = "listing s3://" + bucket + "/" + prefix;
            var body = send(bucket, "", query, what, 16 * 1024 * 1024);
            var root = parseXml(body, what);
            for (var contents : children(root, "Contents")) {
                var key = text(contents, "Key");
                var size = text(contents, "Size");
                var modified = text(contents, "LastModified");
                try {
                    objects.add(new S3Object(key, Long.parseLong(size), Instant.parse(modified)));
                } catch (RuntimeException e) {
                    throw new S3Exception(where(what) + ": the listing's entry for '" + key + "' has Size '" + size
                            + "' and LastModified '" + modified + "', which do not parse", 200, "", e);
                }
            }
            for (var common : children(root, "CommonPrefixes")) prefixes.add(text(common, "Prefix"));
            if (firstPageOnly || !"true".equals(text(root, "IsTruncated"))) return new Listing(List.copyOf(objects), List.copyOf(prefixes));
            token = text(root, "NextContinuationToken");
            if (token.isEmpty()) throw new S3Exception(where(what) + ": a truncated listing came without a NextContinuationToken", 200, "", null);
        }
        throw new S3Exception(where("listing s3://" + bucket + "/" + prefix) + ": more than " + maxPages
                + " pages of " + (pageSize > 0 ? pageSize : 1000) + " keys; refusing a partial answer", 200, "", null);
    }

    /** The object's bytes, or empty when the store answers 404 NoSuchKey; larger than {@code maxBytes} is an error. */
    public Optional<byte[]> get(String bucket, String key, int maxBytes) throws S3Exception {
        try {
            return Optional.of(send(bucket, key, Map.of(), "reading s3://" + bucket + "/" + key, maxBytes));
        } catch (S3Exception e) {
            if (e.status() == 404 && "NoSuchKey".equals(e.code())) return Optional.empty();
            throw e;
        }
    }

    private String where(String what) {
        return endpoint + ": " + what;
    }

    private byte[] send(String bucket, String key, Map<String, String> query, String what, int maxBytes) throws S3Exception {
        var path = SigV4.encodePath("/" + bucket + (key.isEmpty() ? "/" : "/" + key));
        var amzDate = SigV4.amzDate(clock.instant());
        var signed = new LinkedHashMap<String, String>();
        signed.put("host", hostHeader);
        signed.put("x-amz-content-sha256", SigV4.EMPTY_SHA256);
        signed.put("x-amz-date", amzDate);
        var authorization = SigV4.authorization("GET", path, query, signed, SigV4.EMPTY_SHA256, region, accessKey, secretKey);
        var canonicalQuery = SigV4.canonicalQuery(query);
        var uri = URI.create(endpoint + path + (canonicalQuery.isEmpty() ? "" : "?" + canonicalQuery));
        var request = HttpRequest.newBuilder(uri).GET().timeout(REQUEST_TIMEOUT)
                .header("x-amz-content-sha256", SigV4.EMPTY_SHA256)
                .header("x-amz-date", amzDate)
                .header("Authorization", authorization)
                .build();
        HttpResponse<InputStream> response;
        var hostPort = endpoint.getHost() + ":" + (endpoint.getPort() != -1 ? endpoint.getPort()
                : "https".equals(endpoint.getScheme()) ? 443 : 80);
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new S3Exception(where(what) + ": no connection to " + hostPort + " within " + CONNECT_TIMEOUT.toSeconds() + "s", 0, "", e);
        } catch (HttpTimeoutException e) {
            throw new S3Exception(where(what) + ": no answer from " + hostPort + " within " + REQUEST_TIMEOUT.toSeconds() + "s", 0, "", e);
        } catch (ConnectException e) {
            throw new S3Exception(where(what) + ": cannot connect to " + hostPort + " (" + describe(e) + ")", 0, "", e);
        } catch (SSLException e) {
            throw new S3Exception(where(what) + ": TLS with " + hostPort + " failed (" + describe(e) + ")", 0, "", e);
        } catch (IOException e) {
            throw new S3Exception(where(what) + ": the request to " + hostPort + " failed (" + describe(e) + ")", 0, "", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new S3Exception(where(what) + ": interrupted", 0, "", e);
        }
        byte[] body;
        try (var in = response.body()) {
            body = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw new S3Exception(where(what) + ": reading the answer from " + hostPort + " failed (" + describe(e) + ")",
                    response.statusCode(), "", e);
        }
        int status = response.statusCode();
        if (status != 200) {
            var code = "";
            var message = "";
            try {
                var root = parseXml(body.length > maxBytes ? new byte[0] : body, what);
                code = text(root, "Code");
                message = text(root, "Message");
            } catch (S3Exception notXml) {
                // a proxy's HTML page or an empty body (HEAD-like 404s): the status says it
            }
            throw new S3Exception(where(what) + ": HTTP " + status
                    + (code.isEmpty() ? "" : " " + code) + (message.isEmpty() ? "" : " (" + message + ")")
                    + hint(status, code), status, code, null);
        }
        if (body.length > maxBytes) {
            throw new S3Exception(where(what) + ": larger than the " + maxBytes + " bytes this reader accepts", status, "", null);
        }
        return body;
    }

    private static String hint(int status, String code) {
        if (status == 403) return ": the access key or secret key is wrong, or the key may not read this bucket";
        if ("NoSuchBucket".equals(code)) return ": the bucket does not exist";
        return "";
    }

    private static String describe(Throwable e) {
        var parts = new ArrayList<String>();
        for (var t = e; t != null && parts.size() < 3; t = t.getCause()) {
            var m = t.getMessage();
            parts.add(m == null || m.isBlank() ? t.getClass().getSimpleName() : m);
        }
        return String.join(": ", parts);
    }

    private Element parseXml(byte[] body, String what) throws S3Exception {
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            var builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(new ByteArrayInputStream(body)).getDocumentElement();
        } catch (Exception e) {
            var start = new String(body, 0, Math.min(body.length, 120), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
            throw new S3Exception(where(what) + ": the answer is not S3's XML (" + describe(e) + "), it starts '" + start + "'", 0, "", e);
        }
    }

    private static List<Element> children(Element parent, String name) {
        var out = new ArrayList<Element>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(localName(e))) out.add(e);
        }
        return out;
    }

    private static String text(Element parent, String name) {
        var found = children(parent, name);
        return found.isEmpty() ? "" : found.get(0).getTextContent();
    }

    private static String localName(Element e) {
        var n = e.getTagName();
        int colon = n.indexOf(':');
        return colon < 0 ? n : n.substring(colon + 1);
    }

    /** The JDK's trusted CAs and the target's own CA (a homelab's RustFS certificate is signed by a private CA). */
    private static SSLContext trusting(String pem) {
        try {
            var certs = new ArrayList<X509Certificate>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) throw new IllegalArgumentException("the S3 target's CA certificate cannot be used: the PEM holds no certificate");
            var own = KeyStore.getInstance(KeyStore.getDefaultType());
            own.load(null, null);
            for (int i = 0; i < certs.size(); i++) own.setCertificateEntry("target-ca-" + i, certs.get(i));
            var ownTm = trustManager(own);
            var jdkTm = trustManager(null);
            var both = new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] chain, String auth) throws CertificateException {
                    jdkTm.checkClientTrusted(chain, auth);
                }

                public void checkServerTrusted(X509Certificate[] chain, String auth) throws CertificateException {
                    try {
                        ownTm.checkServerTrusted(chain, auth);
                    } catch (CertificateException notOurs) {
                        jdkTm.checkServerTrusted(chain, auth);
                    }
                }

                public X509Certificate[] getAcceptedIssuers() {
                    var all = new ArrayList<>(List.of(jdkTm.getAcceptedIssuers()));
                    all.addAll(certs);
                    return all.toArray(new X509Certificate[0]);
                }
            };
            var context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {both}, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("the S3 target's CA certificate cannot be used: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (var tm : factory.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) return x;
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }
}
