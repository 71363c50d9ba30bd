package homelab.backups.archive;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3 requests in the Authorization header, as AWS documents it ("Signature Calculations
 * for the Authorization Header: Transferring Payload in a Single Chunk", Amazon S3 API reference): a canonical
 * request (method, URI, sorted query, sorted lower-case headers, signed header names, payload hash), the string to
 * sign over its SHA-256 with the scope {@code <date>/<region>/s3/aws4_request}, and an HMAC chain from the secret key.
 * Pure: the caller gives the time and every header it sends that must be signed. {@code SigV4Test} checks it against
 * AWS's published examples and against botocore's signer.
 */
final class SigV4 {
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private SigV4() {}

    /** {@code x-amz-date}'s form of {@code time}. */
    static String amzDate(Instant time) {
        return STAMP.format(time);
    }

    /**
     * The Authorization header's value.
     *
     * @param path    the request's path, already URI-encoded as it is sent (S3 encodes it once; '/' stays)
     * @param query   the query parameters, not encoded
     * @param headers every signed header (names in any case), {@code host}, {@code x-amz-date} and
     *                {@code x-amz-content-sha256} among them
     */
    static String authorization(String method, String path, Map<String, String> query, Map<String, String> headers,
                                String payloadSha256, String region, String accessKey, String secretKey) {
        var canonicalHeaders = new TreeMap<String, String>();
        headers.forEach((k, v) -> canonicalHeaders.put(k.toLowerCase(Locale.ROOT), v.trim().replaceAll(" +", " ")));
        var amzDate = canonicalHeaders.get("x-amz-date");
        if (amzDate == null || amzDate.length() != 16) throw new IllegalArgumentException("x-amz-date is required: " + amzDate);
        var signedHeaders = String.join(";", canonicalHeaders.keySet());
        var canonicalRequest = String.join("\n",
                method,
                path.isEmpty() ? "/" : path,
                canonicalQuery(query),
                canonicalHeaders.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue() + "\n").collect(Collectors.joining()),
                signedHeaders,
                payloadSha256);
        var date = amzDate.substring(0, 8);
        var scope = date + "/" + region + "/s3/aws4_request";
        var stringToSign = String.join("\n", "AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest));
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        var signature = HexFormat.of().formatHex(hmac(key, stringToSign));
        return "AWS4-HMAC-SHA256 Credential=" + accessKey + "/" + scope + ",SignedHeaders=" + signedHeaders
                + ",Signature=" + signature;
    }

    /** The query as signed and as sent: names and values encoded, sorted by name then value. */
    static String canonicalQuery(Map<String, String> query) {
        return query.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .sorted()
                .collect(Collectors.joining("&"));
    }

    /** A key's path as S3 signs it and as it is sent: every byte but the unreserved ones and '/' percent-encoded. */
    static String encodePath(String path) {
        var segments = path.split("/", -1);
        var out = new StringBuilder();
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) out.append('/');
            out.append(encode(segments[i]));
        }
        return out.toString();
    }

    /** RFC 3986 percent-encoding of everything but A-Z a-z 0-9 - _ . ~ (upper-case hex), as SigV4 specifies. */
    static String encode(String value) {
        var out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
