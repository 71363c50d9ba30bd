package homelab.backups.render.schema;

import java.util.Comparator;

/**
 * One way a custom resource breaks its CRD schema.
 *
 * @param object  e.g. {@code volsync.backube/v1alpha1 ReplicationSource nginx/nginx-backup}
 * @param path    JSON path of the offending value, e.g. {@code $.spec.restic.copyMethod}
 * @param message human-readable reason
 */
public record SchemaViolation(String object, String path, String message) {

    static final Comparator<SchemaViolation> ORDER = Comparator.comparing(SchemaViolation::object)
            .thenComparing(SchemaViolation::path)
            .thenComparing(SchemaViolation::message);

    @Override
    public String toString() {
        return object + ": " + path + ": " + message;
    }
}
