package homelab.backups.plan;

import java.util.Map;
import java.util.Optional;

/**
 * What a cluster recovered from a backup must be, to start at all: the backed-up cluster's image (its PostgreSQL
 * major version and its extensions - a data directory of another major version does not start, nor does a
 * {@code shared_preload_libraries} entry the image lacks, docs/field-findings.md §4) and, for CNPG, the app's database and
 * owner, which CNPG would otherwise replace by an empty {@code app} database (cloudnative-pg docs/src/recovery.md).
 *
 * @param image           the image to run; empty only for PGO, whose operator then picks its default for the version
 * @param postgresVersion PGO: the backed-up cluster's major version
 * @param database        CNPG: {@code bootstrap.recovery.database}
 * @param owner           CNPG: {@code bootstrap.recovery.owner}
 * @param secret          CNPG: the backed-up cluster's owner credentials ({@code bootstrap.initdb.secret}), so the app
 *                        can switch to the recovered cluster by its host alone
 * @param serving         PGO: the sections of the backed-up cluster's spec, read live, that the recovered cluster needs
 *                        to serve the app as it did (its server parameters and client authentication), keyed as in the
 *                        spec; empty when the running cluster sets none or is gone ({@link LiveReview#pgoServing})
 */
public record RecoveryShape(Optional<String> image, Optional<Integer> postgresVersion, Optional<String> database,
                            Optional<String> owner, Optional<String> secret, Map<String, Object> serving) {
    public RecoveryShape {
        serving = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(serving));
    }
}
