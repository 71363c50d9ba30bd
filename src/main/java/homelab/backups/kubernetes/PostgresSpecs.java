package homelab.backups.kubernetes;

import homelab.backups.config.RestorePoint;
import homelab.backups.config.S3Target;
import homelab.backups.config.Settings;
import homelab.backups.plan.CnpgEngine;
import homelab.backups.plan.DatabasePlan;
import homelab.backups.plan.PgBackRestRepo;
import homelab.backups.plan.PgoEngine;
import homelab.backups.plan.RecoveryShape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The database-backup objects: CNPG's Barman Cloud plugin (or the deprecated in-tree method) and Crunchy PGO's
 * pgBackRest, plus the new clusters a restore bootstraps. Plain ordered maps, validated against the real CRDs by
 * the offline render. One section per engine; the methods at the top choose the engine's (docs/engines.md).
 */
public final class PostgresSpecs {
    public static final String CNPG_API = CnpgEngine.CLUSTER.apiVersion();
    public static final String BARMAN_API = "barmancloud.cnpg.io/v1";
    public static final String PGO_API = PgoEngine.CLUSTER.apiVersion();
    public static final String BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
    public static final String ACCESS_KEY_ID = "ACCESS_KEY_ID";
    public static final String ACCESS_SECRET_KEY = "ACCESS_SECRET_KEY";
    public static final String S3_CONF = "s3.conf";
    private static final String RECOVERY_SOURCE = "origin";

    private PostgresSpecs() {
    }

    // ---- every engine --------------------------------------------------------------------------------------

    /** The only fields this program sets on the existing cluster: the engine's backup wiring. */
    public static Map<String, Object> clusterPatch(DatabasePlan d, Settings settings) {
        return d.engine().match(cnpg -> cnpg.options().plugin() ? clusterPluginPatch(d, cnpg) : clusterLegacyPatch(d, cnpg, settings),
                pgo -> pgbackrestPatch(d, pgo, settings));
    }

    /** The new cluster a restore request creates next to the running one. */
    public static Map<String, Object> recoveryCluster(DatabasePlan d, RecoveryShape shape, Settings settings) {
        return d.engine().match(cnpg -> cnpgRecoveryCluster(d, cnpg, shape, settings),
                pgo -> pgoRecoveryCluster(d, pgo, shape, settings));
    }

    /** The throwaway cluster of a restore drill: recovered from the newest backup, archiving nothing. */
    public static Map<String, Object> drillCluster(DatabasePlan d, RecoveryShape shape, Settings settings) {
        return d.engine().match(cnpg -> cnpgDrillCluster(d, cnpg, shape, settings),
                pgo -> pgoDrillCluster(d, pgo, shape, settings));
    }

    // ---- CNPG ----------------------------------------------------------------------------------------------

    /** Where barman writes, and with which credentials (shared by ObjectStore and the legacy in-tree form). */
    static Map<String, Object> barmanConfiguration(DatabasePlan d, Settings settings) {
        var config = new LinkedHashMap<String, Object>();
        config.put("destinationPath", d.repository().url());
        config.put("endpointURL", d.repository().target().url());
        config.put("s3Credentials", Map.of(
                "accessKeyId", Map.of("name", d.credentialsSecret(), "key", ACCESS_KEY_ID),
                "secretAccessKey", Map.of("name", d.credentialsSecret(), "key", ACCESS_SECRET_KEY)));
        config.put("wal", Map.of("compression", "gzip"));
        config.put("data", Map.of("compression", "gzip"));
        if (d.repository().target().caCertificate().isPresent()) {
            config.put("endpointCA", Map.of("name", d.credentialsSecret(), "key", S3Target.CA_KEY));
        }
        return config;
    }

    /** The plugin's ObjectStore; retention lives here now, and RustFS needs boto3's relaxed checksums. */
    public static Map<String, Object> objectStore(DatabasePlan d, Settings settings) {
        var spec = new LinkedHashMap<String, Object>();
        spec.put("configuration", barmanConfiguration(d, settings));
        spec.put("retentionPolicy", settings.databases().retention());
        spec.put("instanceSidecarConfiguration", Map.of("env", List.of(
                Map.of("name", "AWS_REQUEST_CHECKSUM_CALCULATION", "value", "when_required"),
                Map.of("name", "AWS_RESPONSE_CHECKSUM_VALIDATION", "value", "when_required"))));
        return spec;
    }

    static Map<String, Object> pluginEntry(DatabasePlan d, String serverName) {
        var entry = new LinkedHashMap<String, Object>();
        entry.put("name", BARMAN_PLUGIN);
        entry.put("isWALArchiver", true);
        entry.put("parameters", Map.of("barmanObjectName", d.objectStoreName(), "serverName", serverName));
        return entry;
    }

    /** The only fields this program sets on the existing Cluster: its WAL-archiver plugin. */
    public static Map<String, Object> clusterPluginPatch(DatabasePlan d, CnpgEngine cnpg) {
        return Map.of("plugins", List.of(pluginEntry(d, cnpg.options().serverName())));
    }

    /** CNPG < 1.26: the deprecated in-tree barmanObjectStore on the existing Cluster. */
    public static Map<String, Object> clusterLegacyPatch(DatabasePlan d, CnpgEngine cnpg, Settings settings) {
        var store = barmanConfiguration(d, settings);
        store.put("serverName", cnpg.options().serverName());
        var backup = new LinkedHashMap<String, Object>();
        backup.put("barmanObjectStore", store);
        backup.put("retentionPolicy", settings.databases().retention());
        return Map.of("backup", backup);
    }

    public static Map<String, Object> scheduledBackup(DatabasePlan d, CnpgEngine cnpg) {
        var spec = new LinkedHashMap<String, Object>();
        spec.put("schedule", cnpg.schedule().text());
        spec.put("cluster", Map.of("name", d.database().name()));
        spec.put("backupOwnerReference", "self");
        spec.put("immediate", true);
        if (cnpg.options().plugin()) {
            spec.put("method", "plugin");
            spec.put("pluginConfiguration", Map.of("name", BARMAN_PLUGIN));
        } else {
            spec.put("method", "barmanObjectStore");
        }
        return spec;
    }

    /**
     * A new Cluster bootstrapped from the backup (CNPG never restores in place). It reads the running cluster's
     * archive and archives under its own serverName, so the "Expected empty archive" check passes (correction 9).
     */
    public static Map<String, Object> cnpgRecoveryCluster(DatabasePlan d, CnpgEngine cnpg, RecoveryShape shape,
                                                          Settings settings) {
        var db = d.database();
        var name = d.recoveryName().orElseThrow(() -> notRequested(d));
        var point = d.restore().orElseThrow(() -> notRequested(d)).point();
        var spec = cnpgRecovered(d, cnpg, point instanceof RestorePoint.AsOf asOf ? java.util.Optional.of(asOf)
                : java.util.Optional.empty(), db.instances(), shape, settings);
        if (cnpg.options().plugin()) {
            spec.put("plugins", List.of(pluginEntry(d, name)));
        } else {
            var target = barmanConfiguration(d, settings);
            target.put("serverName", name);
            spec.put("backup", Map.of("barmanObjectStore", target, "retentionPolicy", settings.databases().retention()));
        }
        return spec;
    }

    /**
     * The throwaway Cluster of a database restore drill: one instance recovered from the newest backup and all the WAL
     * after it, and nothing that writes: no {@code plugins} (so no WAL archiver), no {@code backup}, and no
     * ScheduledBackup is ever made for it. What makes a CNPG cluster archive: the instance's archive_command runs
     * {@code wal-archive}, which hands the segment to the plugins enabled in {@code spec.plugins} and, when none is a
     * WAL archiver, to the in-tree Barman only with {@code spec.backup.barmanObjectStore}; with neither it returns
     * "Backup not configured" (cloudnative-pg v1.28.0 pkg/management/postgres/archiver/archiver.go internalRun,
     * archiveWALViaPlugins; api/v1/cluster_funcs.go GetPluginConfigurationEnabledPluginNames,
     * GetEnabledWALArchivePluginName). The plugin's externalClusters entry is loaded for reading only (wal-restore and
     * the recovery Job: GetExternalClustersEnabledPluginNames, internal/cmd/manager/walrestore/cmd.go), and the plugin
     * archives only into the ObjectStore named by the cluster's own {@code spec.plugins} parameters
     * (cloudnative-pg/plugin-barman-cloud v0.14.0 internal/cnpgi/operator/config/config.go NewFromCluster,
     * internal/cnpgi/common/wal.go Archive). The plugin's docs say the same of this shape: "does not enable WAL
     * archiving for the restored cluster" (web/docs/usage.md, "Restoring a Cluster"). Facts: docs/database-drills.md.
     */
    public static Map<String, Object> cnpgDrillCluster(DatabasePlan d, CnpgEngine cnpg, RecoveryShape shape, Settings settings) {
        return cnpgRecovered(d, cnpg, java.util.Optional.empty(), 1, shape, settings);
    }

    /** A Cluster recovering the running cluster's backups, without any place to archive to (the callers add one). */
    private static Map<String, Object> cnpgRecovered(DatabasePlan d, CnpgEngine cnpg, java.util.Optional<RestorePoint.AsOf> point,
                                                     int instances, RecoveryShape shape, Settings settings) {
        var db = d.database();
        var recovery = new LinkedHashMap<String, Object>();
        recovery.put("source", RECOVERY_SOURCE);
        point.ifPresent(asOf -> recovery.put("recoveryTarget", Map.of("targetTime", asOf.text())));
        // The app's own database and owner (CNPG would otherwise create an empty `app` database next to the data),
        // and its credentials, so the app switches by host alone.
        shape.database().ifPresent(v -> recovery.put("database", v));
        shape.owner().ifPresent(v -> recovery.put("owner", v));
        shape.secret().ifPresent(v -> recovery.put("secret", Map.of("name", v)));

        var origin = new LinkedHashMap<String, Object>();
        origin.put("name", RECOVERY_SOURCE);
        var spec = new LinkedHashMap<String, Object>();
        spec.put("instances", instances);
        // LiveReview refuses a restore whose image it could not find; a drill's shape always names one.
        spec.put("imageName", shape.image().orElseThrow(() -> new IllegalStateException("no image for a recovered "
                + "cluster of " + d.id())));
        spec.put("storage", Map.of("size", db.storage().text()));
        spec.put("bootstrap", Map.of("recovery", recovery));
        if (cnpg.options().plugin()) {
            origin.put("plugin", Map.of("name", BARMAN_PLUGIN,
                    "parameters", Map.of("barmanObjectName", d.objectStoreName(), "serverName", cnpg.options().serverName())));
        } else {
            var source = barmanConfiguration(d, settings);
            source.put("serverName", cnpg.options().serverName());
            origin.put("barmanObjectStore", source);
        }
        spec.put("externalClusters", List.of(origin));
        return spec;
    }

    // ---- Crunchy PGO ---------------------------------------------------------------------------------------

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
    private static java.util.Optional<java.net.URI> explicitEndpoint(S3Target target, Settings settings) {
        return target.name().equals(S3Target.PRIMARY) ? settings.databases().pgbackrestEndpoint() : java.util.Optional.empty();
    }

    static Map<String, Object> repoS3(PgBackRestRepo repo, Settings settings) {
        var target = repo.repository().target();
        var s3 = new LinkedHashMap<String, Object>();
        s3.put("bucket", repo.repository().bucket());
        s3.put("endpoint", pgbackrestEndpoint(target, settings));
        s3.put("region", target.region());
        return s3;
    }

    static Map<String, String> pgbackrestGlobal(DatabasePlan d, Settings settings) {
        var encryption = d.engine().match(cnpg -> false, pgo -> pgo.options().encryption());
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
    public static Map<String, Object> pgbackrestPatch(DatabasePlan d, PgoEngine pgo, Settings settings) {
        var schedules = new LinkedHashMap<String, Object>();
        schedules.put("full", pgo.fullSchedule().text());
        pgo.options().differential().ifPresent(c -> schedules.put("differential", c.text()));
        pgo.options().incremental().ifPresent(c -> schedules.put("incremental", c.text()));
        var repos = new java.util.ArrayList<Map<String, Object>>();
        for (var r : PgBackRestRepo.of(d)) {
            var repo = new LinkedHashMap<String, Object>();
            repo.put("name", r.name());
            repo.put("s3", repoS3(r, settings));
            repo.put("schedules", schedules);
            repos.add(repo);
        }
        var pgbackrest = new LinkedHashMap<String, Object>();
        pgbackrest.put("configuration", List.of(Map.of("secret", Map.of("name", d.credentialsSecret()))));
        pgbackrest.put("global", pgbackrestGlobal(d, settings));
        pgbackrest.put("repos", List.copyOf(repos));
        return Map.of("backups", Map.of("pgbackrest", pgbackrest));
    }

    /** A new PostgresCluster created from the running cluster's pgBackRest repository, at the requested point. */
    public static Map<String, Object> pgoRecoveryCluster(DatabasePlan d, PgoEngine pgo, RecoveryShape shape,
                                                         Settings settings) {
        var point = d.restore().orElseThrow(() -> notRequested(d)).point();
        return pgoRecovered(d, pgo, point instanceof RestorePoint.AsOf asOf ? java.util.Optional.of(asOf)
                : java.util.Optional.empty(), d.database().instances(), shape, settings);
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
     */
    public static Map<String, Object> pgoDrillCluster(DatabasePlan d, PgoEngine pgo, RecoveryShape shape, Settings settings) {
        return pgoRecovered(d, pgo, java.util.Optional.empty(), 1, shape, settings);
    }

    private static Map<String, Object> pgoRecovered(DatabasePlan d, PgoEngine pgo, java.util.Optional<RestorePoint.AsOf> point,
                                                    int replicas, RecoveryShape shape, Settings settings) {
        var db = d.database();
        var source = new LinkedHashMap<String, Object>();
        source.put("stanza", "db");
        source.put("configuration", List.of(Map.of("secret", Map.of("name", d.credentialsSecret()))));
        source.put("global", pgbackrestGlobal(d, settings));
        var from = PgBackRestRepo.restoreSource(d);
        source.put("repo", Map.of("name", from.name(), "s3", repoS3(from, settings)));
        point.ifPresent(asOf -> source.put("options", List.of("--type=time", "--target=\"" + pgbackrestTime(asOf) + "\"")));
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
        var utc = asOf.time().withOffsetSameInstant(java.time.ZoneOffset.UTC);
        var pattern = utc.getNano() / 1000 == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.SSSSSS";
        return utc.format(java.time.format.DateTimeFormatter.ofPattern(pattern)) + "+00";
    }

    /** The service an app connects to on a recovered cluster. */
    public static String recoveryService(DatabasePlan d) {
        return d.engine().primaryService(d.recoveryName().orElseThrow(() -> notRequested(d)));
    }

    private static IllegalStateException notRequested(DatabasePlan d) {
        return new IllegalStateException("no restore of " + d.id() + " is requested, so there is no recovered cluster");
    }
}
