package homelab.backups.config;

import java.net.URI;
import java.util.Optional;

/**
 * An S3 store that backups are written to, as one value: where it is, which buckets hold which repositories, how
 * clients trust it and which credentials open it. Every client (the restic/kopia movers and drills, Barman, pgBackRest,
 * the bucket provider) reads the store from the repository it writes ({@code plan/Repository}), never from the
 * settings, so a second target (an offsite copy) is a second value: docs/targets.md.
 *
 * <p>Buckets are addressed path-style ({@code <endpoint>/<bucket>/...}): RustFS on an IP address has no bucket
 * sub-domains, so the endpoint has no path of its own and every client is set up path-style.
 *
 * <p>Valid by construction: the loader reports the same problems ({@link #endpointProblem}, {@link #regionProblem},
 * {@link #bucketProblem}) with file and field before it builds one.
 *
 * @param name          the target's name; the settings' {@code s3} store is {@link #PRIMARY}
 * @param endpoint      {@code http://} or {@code https://} with a host and no path
 * @param volsyncBucket the bucket of the volume repositories (restic/kopia)
 * @param postgresBucket the bucket of the database repositories (Barman, pgBackRest); never the volume bucket
 * @param manageBuckets false when the buckets exist already and this stack must not own them
 * @param caCertificate the PEM certificate of the CA that signed an HTTPS endpoint's certificate, for every client
 *                      of the store (restic/kopia customCA, Barman endpointCA, pgBackRest's repository CA file)
 * @param credentials   the secrets that hold the store's access key pair
 */
public record S3Target(String name, URI endpoint, String region, String volsyncBucket, String postgresBucket,
                       boolean manageBuckets, Optional<String> caCertificate, Credentials credentials) {
    /** The target the settings' {@code s3} key describes: today the only one. */
    public static final String PRIMARY = "primary";
    /** The key every Secret this program writes carries the CA under. */
    public static final String CA_KEY = "ca.crt";

    /** Which of the stack's secrets hold this store's access key id and secret access key. */
    public record Credentials(SecretKey accessKey, SecretKey secretKey) {
        /** The settings' store: {@code s3AccessKey} and {@code s3SecretKey}. */
        public static final Credentials S3 = new Credentials(SecretKey.S3_ACCESS_KEY, SecretKey.S3_SECRET_KEY);

        public Credentials {
            if (accessKey == null || secretKey == null || accessKey == secretKey) {
                throw new IllegalArgumentException("an S3 target needs two distinct secrets: " + accessKey + ", " + secretKey);
            }
        }
    }

    public S3Target {
        if (name == null || !name.matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")) {
            throw new IllegalArgumentException("S3 target name '" + name + "' is not a DNS label");
        }
        require("endpoint", endpointProblem(endpoint));
        require("region", regionProblem(region));
        require("volsyncBucket", bucketProblem(volsyncBucket));
        require("postgresBucket", bucketProblem(postgresBucket));
        if (volsyncBucket.equals(postgresBucket)) throw new IllegalArgumentException(SHARED_BUCKET);
        if (caCertificate.isPresent() && "http".equals(endpoint.getScheme())) {
            throw new IllegalArgumentException("caCertificate is for an https:// endpoint; " + endpoint + " is plain HTTP");
        }
        if (credentials == null) throw new IllegalArgumentException("S3 target " + name + " has no credentials");
    }

    /** Why the volume and database buckets must differ. */
    public static final String SHARED_BUCKET =
            "must differ from volsyncBucket: restic/kopia and barman/pgBackRest must not share a bucket";

    private void require(String field, Optional<String> problem) {
        problem.ifPresent(p -> {
            throw new IllegalArgumentException("S3 target " + name + ": " + field + " " + p);
        });
    }

    /** Why {@code endpoint} cannot address a path-style store, or empty. */
    public static Optional<String> endpointProblem(URI endpoint) {
        if (endpoint == null || !"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())
                || endpoint.getHost() == null) {
            return Optional.of("'" + endpoint + "' must be an http:// or https:// URL with a host");
        }
        if (endpoint.getPath() != null && !endpoint.getPath().isEmpty() && !endpoint.getPath().equals("/")) {
            return Optional.of("'" + endpoint + "' must not have a path (buckets are addressed path-style)");
        }
        return Optional.empty();
    }

    /** Why {@code region} is not an S3 region name, or empty. */
    public static Optional<String> regionProblem(String region) {
        return region != null && region.matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") ? Optional.empty()
                : Optional.of("'" + region + "' is not an S3 region such as us-east-1 (lower-case letters, digits, '-')");
    }

    /** Why {@code name} is not an S3 bucket name, or empty. */
    public static Optional<String> bucketProblem(String name) {
        return name != null && name.length() >= 3 && name.length() <= 63 && name.matches("^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
                ? Optional.empty()
                : Optional.of("'" + name + "' is not a valid S3 bucket name (3-63 lower-case letters, digits, '.', '-')");
    }

    public boolean plainHttp() {
        return "http".equals(endpoint.getScheme());
    }

    /** {@code host:port} with the scheme's default port filled in. */
    public String hostPort() {
        int port = endpoint.getPort() != -1 ? endpoint.getPort() : plainHttp() ? 80 : 443;
        return endpoint.getHost() + ":" + port;
    }

    /** The endpoint without a trailing slash. */
    public String url() {
        var text = endpoint.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }
}
