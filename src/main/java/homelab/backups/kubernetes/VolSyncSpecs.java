package homelab.backups.kubernetes;

import homelab.backups.config.AccessMode;
import homelab.backups.config.CopyMethod;
import homelab.backups.config.RestorePoint;
import homelab.backups.config.S3Target;
import homelab.backups.config.Settings;
import homelab.backups.plan.VolumePlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The VolSync objects of one volume, as plain ordered maps (stable key order, so previews never show spurious
 * diffs). restic targets upstream VolSync; kopia targets the perfectra1n fork's schema.
 */
public final class VolSyncSpecs {
    public static final String API_VERSION = "volsync.backube/v1alpha1";

    private VolSyncSpecs() {
    }

    /** What the destination is asked to restore: the manual trigger (the request id) and the point. */
    public record DestinationRun(String trigger, RestorePoint point) {
    }

    public static Map<String, Object> replicationSource(VolumePlan v, Settings settings) {
        var mover = new LinkedHashMap<String, Object>();
        mover.put("repository", v.secretName());
        mover.put("copyMethod", v.copyMethod().apiName());
        if (v.copyMethod() != CopyMethod.DIRECT) {
            // The point-in-time copy is a PVC of the app's own class, cut from the app's snapshot class.
            mover.put("storageClassName", v.storageClass());
            mover.put("accessModes", modes(v.accessModes()));
            if (v.copyMethod() == CopyMethod.SNAPSHOT) mover.put("volumeSnapshotClassName", snapshotClass(v));
        }
        var restic = settings.volsync().mover() == Settings.Mover.RESTIC;
        mover.put("retain", restic ? v.policy().retain().nonZero() : v.policy().retain().allClasses());
        if (restic) mover.put("pruneIntervalDays", v.policy().pruneIntervalDays());
        cache(mover, settings);
        mover.put("moverSecurityContext", securityContext(v));
        customCa(mover, v);

        var spec = new LinkedHashMap<String, Object>();
        spec.put("sourcePVC", v.pvc());
        spec.put("trigger", Map.of("schedule", v.schedule().text()));
        spec.put(settings.volsync().mover().id(), mover);
        return spec;
    }

    /**
     * The destination in populator form (docs/design.md correction 2): {@code copyMethod: Snapshot} with capacity, access
     * modes, storage and snapshot class and no {@code destinationPVC}, so a PVC can name it in {@code dataSourceRef}.
     * It exists only while a restore needs it: VolSync starts a destination's first sync on creation and
     * provisions its volume and cache whether or not it is paused (backube/volsync v0.15.0
     * internal/controller/statemachine/machine.go doInitialState; mover/restic/mover.go Synchronize).
     */
    public static Map<String, Object> replicationDestination(VolumePlan v, Settings settings, DestinationRun run) {
        var mover = new LinkedHashMap<String, Object>();
        mover.put("repository", v.secretName());
        mover.put("copyMethod", CopyMethod.SNAPSHOT.apiName());
        mover.put("capacity", v.capacity().text());
        mover.put("accessModes", modes(v.accessModes()));
        mover.put("storageClassName", v.storageClass());
        mover.put("volumeSnapshotClassName", snapshotClass(v));
        mover.put("cleanupTempPVC", v.cleanupTempPvc());
        mover.put("cleanupCachePVC", true);
        mover.put("enableFileDeletion", true);
        cache(mover, settings);
        mover.put("moverSecurityContext", securityContext(v));
        customCa(mover, v);
        if (settings.volsync().mover() == Settings.Mover.KOPIA) {
            // The destination's name differs from the source's, so name the snapshots to restore explicitly.
            var identity = new LinkedHashMap<String, Object>();
            identity.put("sourceName", v.sourceName());
            identity.put("sourceNamespace", v.namespace());
            mover.put("sourceIdentity", identity);
        }
        if (run.point() instanceof RestorePoint.AsOf asOf) mover.put("restoreAsOf", asOf.text());
        if (run.point() instanceof RestorePoint.Previous previous) mover.put("previous", previous.n());

        var spec = new LinkedHashMap<String, Object>();
        spec.put("trigger", Map.of("manual", run.trigger()));
        spec.put(settings.volsync().mover().id(), mover);
        return spec;
    }

    /** A snapshot copy's class: the inputs refuse a snapshotted volume whose storage class has none (StackInputs). */
    private static String snapshotClass(VolumePlan v) {
        return v.snapshotClass().orElseThrow(() -> new IllegalStateException(
                v.app() + ": copyMethod Snapshot, but storage class '" + v.storageClass() + "' has no snapshot class"));
    }

    /** The kopia fork's repository maintenance, replacing restic's {@code pruneIntervalDays}. */
    public static Map<String, Object> kopiaMaintenance(VolumePlan v) {
        var spec = new LinkedHashMap<String, Object>();
        spec.put("repository", Map.of("repository", v.secretName()));
        spec.put("trigger", Map.of("schedule", v.maintenanceSchedule().orElseThrow(() -> new IllegalStateException(
                v.app() + ": Kopia maintenance is planned with every Kopia volume, but this one has no schedule")).text()));
        spec.put("podSecurityContext", securityContext(v));
        return spec;
    }

    /** An HTTPS store signed by its own CA: the mover trusts the CA kept in the repository Secret. */
    private static void customCa(Map<String, Object> mover, VolumePlan v) {
        if (v.repository().target().caCertificate().isPresent()) {
            mover.put("customCA", Map.of("secretName", v.secretName(), "key", S3Target.CA_KEY));
        }
    }

    private static void cache(Map<String, Object> mover, Settings settings) {
        var cache = settings.cache();
        mover.put("cacheCapacity", cache.capacity().text());
        cache.storageClass().ifPresent(sc -> mover.put("cacheStorageClassName", sc));
        mover.put("cacheAccessModes", modes(cache.accessModes()));
    }

    private static Map<String, Object> securityContext(VolumePlan v) {
        var ctx = new LinkedHashMap<String, Object>();
        ctx.put("runAsUser", v.mover().uid());
        ctx.put("runAsGroup", v.mover().gid());
        ctx.put("fsGroup", v.mover().fsGroup());
        return ctx;
    }

    private static List<String> modes(List<AccessMode> modes) {
        return modes.stream().map(AccessMode::apiName).toList();
    }

    /**
     * The repository Secret's data. restic and kopia name their keys differently (docs/design.md correction 1); the kopia
     * mover strips the scheme from the endpoint and needs TLS switched off explicitly for plain HTTP.
     */
    public static Map<String, String> repositorySecret(VolumePlan v, Settings.Mover mover, String accessKey,
                                                       String secretKey, String password) {
        var s3 = v.repository().target();
        var data = new LinkedHashMap<String, String>();
        switch (mover) {
            case RESTIC -> {
                data.put("RESTIC_REPOSITORY", v.repositoryUrl());
                data.put("RESTIC_PASSWORD", password);
                data.put("AWS_ACCESS_KEY_ID", accessKey);
                data.put("AWS_SECRET_ACCESS_KEY", secretKey);
                data.put("AWS_DEFAULT_REGION", s3.region());
            }
            case KOPIA -> {
                data.put("KOPIA_REPOSITORY", v.repositoryUrl());
                data.put("KOPIA_PASSWORD", password);
                data.put("AWS_ACCESS_KEY_ID", accessKey);
                data.put("AWS_SECRET_ACCESS_KEY", secretKey);
                data.put("AWS_REGION", s3.region());
                data.put("AWS_S3_ENDPOINT", s3.hostPort());
                if (s3.plainHttp()) data.put("KOPIA_S3_DISABLE_TLS", "true");
            }
        }
        s3.caCertificate().ifPresent(ca -> data.put(S3Target.CA_KEY, ca));
        return data;
    }
}
