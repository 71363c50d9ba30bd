package homelab.backups.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One {@code restore.<target>} request. Its {@link #id()} is derived from the target, the point, the optional label and,
 * for a database, the optional pin, so re-running {@code pulumi up} with the same request is a no-op, while a new label
 * or another pinned backup restores again (into a new cluster: the recovered cluster's name comes from the id).
 *
 * <p>Written as {@code <point>} or {@code <point>@<label>}, e.g. {@code latest}, {@code previous:2},
 * {@code 2026-11-27T02:00:00Z}, {@code latest@retry-1}; a database's may be a mapping ({@code {point, backup,
 * serverName, label}}: {@link Pin}). The id has the form {@code r-<point slug>-<8 hex>}; a request without a pin keeps
 * the id it had before pins existed.
 *
 * @param pin a database restore's base backup and lineage, when the owner named them
 */
public record RestoreRequest(String target, RestorePoint point, Optional<String> label, Pin pin, String id) {

    /**
     * What a database restore reads, beyond its point: the base backup ({@code backup}: CNPG's Barman backup id such as
     * {@code 20261126T030000}, pgBackRest's label such as {@code 20261126-030000F}) and, CNPG only, the lineage
     * ({@code serverName}: after a rebuild the good history lies under the old serverName). Both empty: no pin.
     */
    public record Pin(Optional<String> backup, Optional<String> serverName) {
        public static final Pin NONE = new Pin(Optional.empty(), Optional.empty());

        public boolean none() {
            return backup.isEmpty() && serverName.isEmpty();
        }

        /** The pin as the id's basis and messages read it; empty without a pin. */
        String text() {
            return backup.map(b -> " backup=" + b).orElse("") + serverName.map(s -> " serverName=" + s).orElse("");
        }
    }

    public RestoreRequest {
        if (pin == null) pin = Pin.NONE;
    }

    public static RestoreRequest of(String target, RestorePoint point, Optional<String> label) {
        return of(target, point, label, Pin.NONE);
    }

    public static RestoreRequest of(String target, RestorePoint point, Optional<String> label, Pin pin) {
        // Without a pin the basis is what it always was: a request that was running keeps its id (and its cluster).
        var basis = target + "|" + point.text() + "|" + label.orElse("") + (pin.none() ? "" : "|" + pin.text());
        return new RestoreRequest(target, point, label, pin, "r-" + point.slug() + "-" + sha256(basis).substring(0, 8));
    }

    /** Whether this is {@code fresh-start}: an empty claim is accepted when the repository has no backup. */
    public boolean freshStart() {
        return point instanceof RestorePoint.FreshStart;
    }

    /** The pinned base backup, if any. */
    public Optional<String> backup() {
        return pin.backup();
    }

    /** The request as written in config (a pin shown after it: {@code latest backup=20261126T030000}). */
    public String text() {
        return point.text() + label.map(l -> "@" + l).orElse("") + pin.text();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
