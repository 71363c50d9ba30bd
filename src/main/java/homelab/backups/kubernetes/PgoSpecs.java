package homelab.backups.kubernetes;

import homelab.backups.config.RestorePoint;
import homelab.backups.config.RestoreRequest;
import homelab.backups.config.S3Target;
import homelab.backups.config.Settings;
import homelab.backups.plan.DatabasePlan;
import homelab.backups.plan.PgBackRestRepo;
import homelab.backups.plan.PgoEngine;
import homelab.backups.plan.RecoveryShape;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Crunchy PGO's Kubernetes shape, in one place: the {@code spec.backups.pgbackrest} patch of the running
 * PostgresCluster (repositories, schedules, {@code global} options), the {@code s3.conf} its credentials Secret holds,
 * and the PostgresClusters a restore or a drill creates from the repository. Plain ordered maps, validated against the
 * real CRDs by the offline render. Every {@code repo<n>} derives from {@link PgBackRestRepo}. The other engine's shape
 * is {@link CnpgSpecs}; a caller picks one with the engine's {@code match} (docs/engines.md).
 */
public final class PgoSpecs {
    public static final String API = PgoEngine.CLUSTER.apiVersion();
    /** The credentials Secret's key (and file under /etc/pgbackrest/conf.d) that holds the repositories' key pairs. */
    public static final String S3_CONF = "s3.conf";
    /** The instance container psql runs in (a drill execs into it). */
    public static final String CONTAINER = "database";
    /**
     * What a drill may do to the cluster's pods: get them (kubectl exec reads the pod first) and list them, since PGO's
     * primary is found by label (DatabaseDrillSpecs.rules).
     */
    public static final List<String> DRILL_POD_VERBS = List.of("get", "list");

    private PgoSpecs() {
    }

    /**
     * The shape of a drill's throwaway PostgresCluster: the inventory's {@code postgresVersion}, which PGO requires, and
     * what the running cluster serves the app with ({@code serving}: the sections {@code LiveReview.pgoServing} copies
     * for a restore, read live by {@code plan.DrillServing}), so the drill recovers the cluster a restore would.
     */
    public static RecoveryShape drillShape(PgoEngine pgo, String image, Map<String, Object> serving) {
        return new RecoveryShape(Optional.of(image), Optional.of(pgo.options().postgresVersion()), Optional.empty(),
                Optional.empty(), Optional.empty(), serving);
    }

    /** The credentials Secret's data: {@code s3.conf} for every repository, and the store's CA. */
    public static Map<String, String> credentials(List<PgBackRestRepo> repos, String accessKey, String secretKey,
                                                  String cipherPass, Optional<String> ca) {
        var data = new LinkedHashMap<String, String>();
        data.put(S3_CONF, s3Conf(repos, accessKey, secretKey, cipherPass));
        ca.ifPresent(pem -> data.put(S3Target.CA_KEY, pem));
        return data;
    }

    /**
     * The pgBackRest S3 endpoint of a target: the explicit HTTPS one ({@code databases.pgbackrest.endpoint}, a TLS
     * front of the primary store), else the store's own (HTTPS, or HTTP for pgBackRest ≥ 2.58).
     */
    static String pgbackrestEndpoint(S3Target target, Settings settings) {
        var explicit = explicitEndpoint(target, settings);
        if (explicit.isPresent()) {
            var uri = explicit.get();
            return uri.getHost() + ":" + (uri.getPort() == -1 ? 443 : uri.getPort());
        }
        return target.plainHttp() ? target.url() : target.hostPort();
    }

    /** {@code databases.pgbackrest.endpoint} fronts the settings' own store, the primary target, and no other. */
    private static Optional<URI> explicitEndpoint(S3Target target, Settings settings) {
        return target.name().equals(S3Target.PRIMARY) ? settings.databases().pgbackrestEndpoint() : Optional.empty();
    }

    static Map<String, Object> repoS3(PgBackRestRepo repo, Settings settings) {
        var target = repo.repository().target();
        var s3 = new LinkedHashMap<String, Object>();
        s3.put("bucket", repo.repository().bucket());
        s3.put("endpoint", pgbackrestEndpoint(target, settings));
        s3.put("region", target.region());
        return s3;
    }

    static Map<String, String> pgbackrestGlobal(DatabasePlan d, PgoEngine pgo, Settings settings) {
        var encryption = pgo.options().encryption();
        var global = new LinkedHashMap<String, String>();
        for (var repo : PgBackRestRepo.of(d)) {
            global.put(repo.key("path"), "/" + repo.repository().path());
            global.put(repo.key("s3-uri-style"), "path");
            global.put(repo.key("retention-full"), String.valueOf(settings.databases().retentionFullDays()));
            global.put(repo.key("retention-full-type"), "time");
            if (!settings.databases().pgbackrestVerifyTls()) global.put(repo.key("storage-verify-tls"), "n");
            // The store's own CA, when pgBackRest talks to the store's HTTPS endpoint: PGO mounts the configuration
            // Secret's keys under /etc/pgbackrest/conf.d (postgres-operator docs: backups, custom configuration).
            var target = repo.repository().target();
            if (target.caCertificate().isPresent() && explicitEndpoint(target, settings).isEmpty()) {
                global.put(repo.key("storage-ca-file"), "/etc/pgbackrest/conf.d/" + S3Target.CA_KEY);
            }
            if (encryption) global.put(repo.key("cipher-type"), "aes-256-cbc");
        }
        return global;
    }

    /**
     * The {@code s3.conf} file pgBackRest reads its repository credentials from. It holds one key pair: every
     * repository must be on targets with the same credentials (a second target's own pair: docs/targets.md).
     */
    public static String s3Conf(List<PgBackRestRepo> repos, String accessKey, String secretKey, String cipherPass) {
        var pairs = repos.stream().map(r -> r.repository().target().credentials()).distinct().count();
        if (pairs != 1) throw new IllegalArgumentException("s3.conf holds one key pair; these repositories need " + pairs);
        var conf = new StringBuilder("[global]\n");
        for (var repo : repos) {
            conf.append(repo.key("s3-key")).append('=').append(accessKey).append('\n')
                    .append(repo.key("s3-key-secret")).append('=').append(secretKey).append('\n');
            if (cipherPass != null) conf.append(repo.key("cipher-pass")).append('=').append(cipherPass).append('\n');
        }
        return conf.toString();
    }

    /** The only section this program sets on the existing PostgresCluster: {@code spec.backups.pgbackrest}. */
    public static Map<String, Object> clusterPatch(DatabasePlan d, PgoEngine pgo, Settings settings) {
        var schedules = new LinkedHashMap<String, Object>();
        schedules.put("full", pgo.fullSchedule().text());
        pgo.options().differential().ifPresent(c -> schedules.put("differential", c.text()));
        pgo.options().incremental().ifPresent(c -> schedules.put("incremental", c.text()));
        var repos = new ArrayList<Map<String, Object>>();
        for (var r : PgBackRestRepo.of(d)) {
            var repo = new LinkedHashMap<String, Object>();
            repo.put("name", r.name());
            repo.put("s3", repoS3(r, settings));
            repo.put("schedules", schedules);
            repos.add(repo);
        }
        var pgbackrest = new LinkedHashMap<String, Object>();
        pgbackrest.put("configuration", List.of(Map.of("secret", Map.of("name", d.credentialsSecret()))));
        pgbackrest.put("global", pgbackrestGlobal(d, pgo, settings));
        pgbackrest.put("repos", List.copyOf(repos));
        return Map.of("backups", Map.of("pgbackrest", pgbackrest));
    }

    /** A new PostgresCluster created from the running cluster's pgBackRest repository, at the requested point. */
    public static Map<String, Object> recoveryCluster(DatabasePlan d, PgoEngine pgo, RecoveryShape shape,
                                                      Settings settings) {
        var request = d.restore().orElseThrow(() -> PostgresSpecs.notRequested(d));
        return recovered(d, pgo, restoreOptions(request), d.database().instances(), shape, settings);
    }

    /**
     * pgBackRest's restore options for a request, in {@code dataSource.pgbackrest.options}: PGO appends its own
     * ({@code --stanza}, {@code --pg1-path}, {@code --repo}, {@code --delta}) and refuses only {@code --repo},
     * {@code --stanza}, {@code --pg1-path}, {@code --target-action} and {@code --link-map} (CrunchyData/postgres-operator
     * v6.0.0 internal/controller/postgrescluster/pgbackrest.go reconcileRestoreJob), so {@code --set} and {@code --type}
     * reach {@code pgbackrest restore}. A pinned backup is {@code --set=<label>} (pgBackRest restore option "set": the
     * backup set to restore, default latest); without a time it stops where that backup became consistent,
     * {@code --type=immediate}; with one, {@code --type=time --target=...} from that set. Unpinned latest: no options,
     * the newest set and all WAL after it (type default).
     */
    static List<String> restoreOptions(RestoreRequest request) {
        var options = new ArrayList<String>();
        request.backup().ifPresent(label -> options.add("--set=" + label));
        if (request.point() instanceof RestorePoint.AsOf asOf) {
            options.add("--type=time");
            options.add("--target=\"" + pgbackrestTime(asOf) + "\"");
        } else if (request.backup().isPresent()) {
            options.add("--type=immediate");
        }
        return List.copyOf(options);
    }

    /**
     * The throwaway PostgresCluster of a database restore drill: one instance restored from the newest backup of the
     * running cluster's repository, and no {@code backups} section. Without it PGO treats backups as disabled: it sets
     * archive_command to {@code true} (WAL is thrown away, nothing is pushed) and makes no repository, stanza or backup
     * (CrunchyData/postgres-operator v6.0.0 internal/pgbackrest/postgres.go PostgreSQLParameters; internal/controller/
     * postgrescluster/controller.go Reconcile: BackupsEnabled, generatePostgresParameters; pgbackrest.go
     * ObserveBackupUniverse: "Does the cluster have a blank Backups section"). archive_command is one of PGO's
     * mandatory parameters, which overwrite spec.config and Patroni's (postgres.go generatePostgresParameters). The
     * restore itself runs from a separate configuration for the restore Job only (pgbackrest.go
     * reconcileCloudBasedDataSource, createRestoreConfig), which does not depend on backups being enabled.
     * It serves like the running cluster, as a restore's does ({@code shape.serving()}, read live: plan.DrillServing),
     * with the same exclusions ({@link #recovered}: no users, no databaseInitSQL; LiveReview.pgoServing: no
     * standby_cluster, no slots): the parameters cannot re-enable archiving, since PGO's mandatory archive_command
     * {@code true} overwrites spec.config and Patroni's parameters (v6.0.0 internal/controller/postgrescluster/
     * postgres.go generatePostgresParameters: "Overwrite the above with mandatory values").
     */
    public static Map<String, Object> drillCluster(DatabasePlan d, PgoEngine pgo, RecoveryShape shape, Settings settings) {
        return recovered(d, pgo, List.of(), 1, shape, settings);
    }

    private static Map<String, Object> recovered(DatabasePlan d, PgoEngine pgo, List<String> options,
                                                 int replicas, RecoveryShape shape, Settings settings) {
        var db = d.database();
        var source = new LinkedHashMap<String, Object>();
        source.put("stanza", "db");
        source.put("configuration", List.of(Map.of("secret", Map.of("name", d.credentialsSecret()))));
        source.put("global", pgbackrestGlobal(d, pgo, settings));
        var from = PgBackRestRepo.restoreSource(d);
        source.put("repo", Map.of("name", from.name(), "s3", repoS3(from, settings)));
        if (!options.isEmpty()) source.put("options", options);
        var instance = new LinkedHashMap<String, Object>();
        instance.put("name", "instance1");
        instance.put("replicas", replicas);
        instance.put("dataVolumeClaimSpec", Map.of("accessModes", List.of("ReadWriteOnce"),
                "resources", Map.of("requests", Map.of("storage", db.storage().text()))));
        var spec = new LinkedHashMap<String, Object>();
        spec.put("postgresVersion", shape.postgresVersion().orElse(pgo.options().postgresVersion()));
        shape.image().ifPresent(image -> spec.put("image", image));
        // The running cluster's parameters and client authentication, read live (LiveReview.pgoServing).
        spec.putAll(shape.serving());
        // No users: the restored data holds the app's roles, databases and password verifiers already. A user listed
        // here would get a new password in a new <cluster>-pguser-<user> Secret, written over the restored role's
        // (CrunchyData/postgres-operator v6.0.0 internal/controller/postgrescluster/postgres.go reconcilePostgresUsers),
        // and the app could no longer switch by host alone; with users unset PGO would add a role and a database named
        // after the new cluster into the restored data (same file, "Users are unspecified"). The CRD: "An empty list
        // creates no users". databaseInitSQL is not copied: PGO runs it once on a new cluster (reconcileDatabaseInitSQL),
        // which would apply it a second time to data that already holds its effects.
        spec.put("users", List.of());
        spec.put("instances", List.of(instance));
        spec.put("dataSource", Map.of("pgbackrest", source));
        return spec;
    }

    /**
     * A point in time as pgBackRest's {@code --target} reads it: {@code YYYY-MM-DD HH:MM:SS[.ffffff]} with a numeric
     * offset, no {@code T}, no {@code Z} (pgbackrest 2.54.2 src/command/restore/select.c.inc, src/common/type/convert.c).
     * A fraction of a second is kept to the microsecond PostgreSQL's timestamps hold: cut to whole seconds, a restore
     * "as of 02:00:03.9" would stop at 02:00:03 and drop what was committed in between.
     */
    public static String pgbackrestTime(RestorePoint.AsOf asOf) {
        var utc = asOf.time().withOffsetSameInstant(ZoneOffset.UTC);
        var pattern = utc.getNano() / 1000 == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.SSSSSS";
        return utc.format(DateTimeFormatter.ofPattern(pattern)) + "+00";
    }

}
