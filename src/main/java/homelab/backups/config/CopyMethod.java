package homelab.backups.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * How VolSync gets a stable copy of the source volume. {@code Snapshot} needs a CSI class with a
 * VolumeSnapshotClass; {@code Direct} reads the live volume and is the only choice for static PVs.
 */
public enum CopyMethod {
    SNAPSHOT("Snapshot"),
    CLONE("Clone"),
    DIRECT("Direct");

    private final String apiName;

    CopyMethod(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }

    /** Whether the method needs the storage class to support CSI snapshots or clones. */
    public boolean needsCsi() {
        return this != DIRECT;
    }

    public static Optional<CopyMethod> parse(String text) {
        return Arrays.stream(values()).filter(m -> m.apiName.equals(text)).findFirst();
    }
}
