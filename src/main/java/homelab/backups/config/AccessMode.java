package homelab.backups.config;

import java.util.Arrays;
import java.util.Optional;

/** PVC access modes, by their API names; the short forms (RWO, RWX, ...) are accepted in the inventory. */
public enum AccessMode {
    READ_WRITE_ONCE("ReadWriteOnce", "RWO"),
    READ_WRITE_MANY("ReadWriteMany", "RWX"),
    READ_ONLY_MANY("ReadOnlyMany", "ROX"),
    READ_WRITE_ONCE_POD("ReadWriteOncePod", "RWOP");

    private final String apiName;
    private final String shortName;

    AccessMode(String apiName, String shortName) {
        this.apiName = apiName;
        this.shortName = shortName;
    }

    public String apiName() {
        return apiName;
    }

    public static Optional<AccessMode> parse(String text) {
        return Arrays.stream(values())
                .filter(m -> m.apiName.equals(text) || m.shortName.equals(text))
                .findFirst();
    }
}
