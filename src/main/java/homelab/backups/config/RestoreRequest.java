package homelab.backups.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One {@code restore.<target>} request. Its {@link #id()} is derived from the target, the point and the optional
 * label, so re-running {@code pulumi up} with the same request is a no-op, while a new label restores again.
 *
 * <p>Written as {@code <point>} or {@code <point>@<label>}, e.g. {@code latest}, {@code previous:2},
 * {@code 2026-11-27T02:00:00Z}, {@code latest@retry-1}. The id has the form {@code r-<point slug>-<8 hex>}.
 */
public record RestoreRequest(String target, RestorePoint point, Optional<String> label, String id) {

    public static RestoreRequest of(String target, RestorePoint point, Optional<String> label) {
        var basis = target + "|" + point.text() + "|" + label.orElse("");
        return new RestoreRequest(target, point, label, "r-" + point.slug() + "-" + sha256(basis).substring(0, 8));
    }

    /** Whether this is {@code fresh-start}: an empty claim is accepted when the repository has no backup. */
    public boolean freshStart() {
        return point instanceof RestorePoint.FreshStart;
    }

    /** The request as written in config. */
    public String text() {
        return point.text() + label.map(l -> "@" + l).orElse("");
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
