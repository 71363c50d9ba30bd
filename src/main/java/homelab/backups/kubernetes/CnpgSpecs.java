package homelab.backups.kubernetes;

import homelab.backups.config.RestorePoint;
import homelab.backups.config.RestoreRequest;
import homelab.backups.config.S3Target;
import homelab.backups.config.Settings;
import homelab.backups.plan.CnpgEngine;
import homelab.backups.plan.DatabasePlan;
import homelab.backups.plan.RecoveryShape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CloudNativePG's Kubernetes shape, in one place: the Barman Cloud plugin's ObjectStore (or the deprecated in-tree
 * {@code barmanObjectStore}), the patch of the running Cluster, its ScheduledBackup, the Secret's keys Barman reads,
 * and the Clusters a restore or a drill bootstraps. Plain ordered maps, validated against the real CRDs by the
 * offline render. The other engine's shape is {@link PgoSpecs}; a caller picks one with the engine's {@code match}
 * (docs/engines.md).
 */
public final class CnpgSpecs {
    public static final String API = CnpgEngine.CLUSTER.apiVersion();
    public static final String BARMAN_API = CnpgEngine.BARMAN_API;
    public static final String BARMAN_PLUGIN = CnpgEngine.BARMAN_PLUGIN;
    /** The credentials Secret's keys that {@code s3Credentials} points Barman at. */
    public static final String ACCESS_KEY_ID = "ACCESS_KEY_ID";
    public static final String ACCESS_SECRET_KEY = "ACCESS_SECRET_KEY";
    /** The name of the {@code externalClusters} entry a recovered Cluster reads the running one's backups through. */
    private static final String RECOVERY_SOURCE = "origin";
    /** The instance container psql runs in (a drill execs into it). */
    public static final String CONTAINER = "postgres";
    /**
     * What a drill may do to the cluster's pods: get them (kubectl exec reads the pod first). The primary is named in
     * the Cluster's {@code status.currentPrimary}, so no list (DatabaseDrillSpecs.rules).
     */
    public static final List<String> DRILL_POD_VERBS = List.of("get");

    private CnpgSpecs() {
    }

    /** The only fields this program sets on the existing Cluster: the plugin, or the in-tree store before CNPG 1.26. */
    public static Map<String, Object> clusterPatch(DatabasePlan d, CnpgEngine cnpg, Settings settings) {
        return cnpg.options().plugin() ? clusterPluginPatch(d, cnpg) : clusterLegacyPatch(d, cnpg, settings);
    }

    /** The shape of a drill's throwaway Cluster: the app's own database and owner, as a restore recovers them (recovered). */
    public static RecoveryShape drillShape(CnpgEngine cnpg, String image) {
        return new RecoveryShape(Optional.of(image), Optional.empty(), cnpg.options().appDatabase(), cnpg.options().appOwner(),
                Optional.empty(), Map.of());
    }

    /** The credentials Secret's data: the key pair under the two keys Barman reads, and the store's CA. */
    public static Map<String, String> credentials(String accessKey, String secretKey, Optional<String> ca) {
        var data = new LinkedHashMap<String, String>();
        data.put(ACCESS_KEY_ID, accessKey);
        data.put(ACCESS_SECRET_KEY, secretKey);
        ca.ifPresent(pem -> data.put(S3Target.CA_KEY, pem));
        return data;
    }

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
    static Map<String, Object> clusterPluginPatch(DatabasePlan d, CnpgEngine cnpg) {
        return Map.of("plugins", List.of(pluginEntry(d, cnpg.options().serverName())));
    }

    /** CNPG < 1.26: the deprecated in-tree barmanObjectStore on the existing Cluster. */
    static Map<String, Object> clusterLegacyPatch(DatabasePlan d, CnpgEngine cnpg, Settings settings) {
        var store = barmanConfiguration(d, settings);
        store.put("serverName", cnpg.options().serverName());
        var backup = new LinkedHashMap<String, Object>();
        backup.put("barmanObjectStore", store);
        backup.put("retentionPolicy", settings.databases().retention());
        return Map.of("backup", backup);
    }

    /**
     * The daily base backup. {@code immediate: true} asks CNPG for a first base backup as soon as the ScheduledBackup
     * exists, so that a newly wired cluster is restorable the same day (a WAL archive without a base backup restores
     * nothing). That is safe only because the run that registers it has read the archive first: {@code plan/Lineage}
     * registers this object only when {@code <repository>/<serverName>} is empty or holds base backups of the live
     * cluster's own system identifier, and withholds it (or stops the run) otherwise, so an immediate backup of an
     * empty, re-created cluster never lands in the lineage that holds the good history (field incidents 17, 18). The
     * one run that does not read the archive is the offline render, which applies nothing: {@code pulumi preview} and
     * {@code up} always read it ({@code App.stack}, {@code components/ArchiveAccess.reading}).
     */
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
    public static Map<String, Object> recoveryCluster(DatabasePlan d, CnpgEngine cnpg, RecoveryShape shape,
                                                      Settings settings) {
        var db = d.database();
        var name = d.recoveryName().orElseThrow(() -> PostgresSpecs.notRequested(d));
        var request = d.restore().orElseThrow(() -> PostgresSpecs.notRequested(d));
        var spec = recovered(d, cnpg, Optional.of(request), db.instances(), shape, settings);
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
    public static Map<String, Object> drillCluster(DatabasePlan d, CnpgEngine cnpg, RecoveryShape shape, Settings settings) {
        return recovered(d, cnpg, Optional.empty(), 1, shape, settings);
    }

    /**
     * {@code bootstrap.recovery.recoveryTarget} of a restore request (cloudnative-pg v1.28.0 api/v1/cluster_types.go
     * RecoveryTarget): a pinned base backup is {@code backupID}, which the Barman Cloud plugin looks up in the lineage's
     * catalog as is (plugin-barman-cloud v0.14.0 internal/cnpgi/restore/restore.go loadBackupObjectFromExternalCluster
     * → barman-cloud pkg/catalog/catalog.go FindBackupInfo: "always use the backup ID provided by the user"); without a
     * time it stops at the backup's consistent end with {@code targetImmediate: true} (PostgreSQL
     * {@code recovery_target = immediate}: api/v1/cluster_funcs.go BuildPostgresOptions), which CNPG's webhook accepts
     * only together with a backupID (internal/webhook/v1/cluster_webhook.go validateRecoveryTarget, "BackupID is
     * missing"). A time is {@code targetTime}, exclusive of the other targets (validateTargetExclusiveness) but not of
     * backupID. Unpinned {@code latest}: no target, the catalog's newest backup and all WAL after it.
     */
    static Map<String, Object> recoveryTarget(RestoreRequest request) {
        var target = new LinkedHashMap<String, Object>();
        request.backup().ifPresent(id -> target.put("backupID", id));
        if (request.point() instanceof RestorePoint.AsOf asOf) {
            target.put("targetTime", asOf.text());
        } else if (request.backup().isPresent()) {
            target.put("targetImmediate", true);
        }
        return target;
    }

    /** A Cluster recovering the running cluster's backups, without any place to archive to (the callers add one). */
    private static Map<String, Object> recovered(DatabasePlan d, CnpgEngine cnpg, Optional<RestoreRequest> request,
                                                 int instances, RecoveryShape shape, Settings settings) {
        var db = d.database();
        var recovery = new LinkedHashMap<String, Object>();
        recovery.put("source", RECOVERY_SOURCE);
        request.map(CnpgSpecs::recoveryTarget).filter(t -> !t.isEmpty()).ifPresent(t -> recovery.put("recoveryTarget", t));
        // The app's own database and owner (CNPG would otherwise create an empty `app` database next to the data),
        // and its credentials, so the app switches by host alone.
        shape.database().ifPresent(v -> recovery.put("database", v));
        shape.owner().ifPresent(v -> recovery.put("owner", v));
        shape.secret().ifPresent(v -> recovery.put("secret", Map.of("name", v)));

        // The lineage read: the inventory's, or the one the request names (after a rebuild the good history lies
        // under the old serverName: field-incidents §C 17).
        var lineage = request.flatMap(r -> r.pin().serverName()).orElse(cnpg.options().serverName());
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
                    "parameters", Map.of("barmanObjectName", d.objectStoreName(), "serverName", lineage)));
        } else {
            var source = barmanConfiguration(d, settings);
            source.put("serverName", lineage);
            origin.put("barmanObjectStore", source);
        }
        spec.put("externalClusters", List.of(origin));
        return spec;
    }

}
