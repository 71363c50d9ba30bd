package homelab.backups.support;

import homelab.backups.plan.AlertRules;
import homelab.backups.plan.AlertsPresence;
import homelab.backups.plan.StackPlan;
import homelab.backups.plan.Verification;
import homelab.backups.render.MockCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A live cluster whose statuses say what the real controllers write after backups, drills and database backups:
 * the objects {@link Verification} reads, shaped as each controller writes them (the field paths are the CRDs' in
 * ../shared/crds and the Kubernetes API's). Tests start from "everything proven" and break one thing at a time.
 */
public final class ProofWorld {
    private final StackPlan plan;
    private final Instant now;
    private final Map<String, Map<String, Object>> objects;

    private ProofWorld(StackPlan plan, Instant now, Map<String, Map<String, Object>> objects) {
        this.plan = plan;
        this.now = now;
        this.objects = objects;
    }

    public static ProofWorld allProven(StackPlan plan, Instant now) {
        var world = new ProofWorld(plan, now, new LinkedHashMap<>());
        var settings = plan.inputs().settings();
        world.put(object("coordination.k8s.io/v1", "Lease", settings.volsync().namespace(), Verification.VOLSYNC_LEASE,
                Map.of("spec", Map.of("holderIdentity", "volsync-6d4b9c7f5-x2x9q_0d1e", "renewTime", time(now.minusSeconds(3))))));
        // The alert rules a previous pulumi up installed (./verify's alerts row).
        if (settings.monitoring().enabled()) {
            world.put(object(AlertsPresence.API_VERSION, AlertsPresence.KIND, settings.monitoring().namespace(),
                    AlertRules.RULE_NAME, Map.of("spec", Map.of("groups", AlertRules.groups(plan)))));
        }
        for (var v : plan.volumes()) {
            world.put(object("volsync.backube/v1alpha1", "ReplicationSource", v.namespace(), v.sourceName(), Map.of(
                    "status", Map.of("lastSyncTime", time(now.minus(lastSyncAgo(v))),
                            "latestMoverStatus", Map.of("result", "Successful", "logs", "snapshot 3f2a1b9c saved")))));
        }
        for (var d : plan.drills()) {
            world.put(object("batch/v1", "CronJob", d.namespace(), d.cronJobName(), Map.of(
                    "status", Map.of("lastSuccessfulTime", time(now.minus(Duration.ofDays(2)))))));
            world.put(job(d.namespace(), d.cronJobName(), d.app(), now.minus(Duration.ofDays(2)).minusSeconds(300), "Complete", ""));
        }
        // Issue 22: each database's restore drill passed two days ago (its pod's verdict line as termination message).
        for (var d : plan.databaseDrills()) {
            world.put(object("batch/v1", "CronJob", d.namespace(), d.cronJobName(), Map.of(
                    "status", Map.of("lastSuccessfulTime", time(now.minus(Duration.ofDays(2)))))));
            world.databaseDrillJob(d, now.minus(Duration.ofDays(2)).minusSeconds(600), "Complete", "",
                    "db-drill PASS db=" + d.id() + " reason=ok system_id=7390582347118403612 backup=Barman_backup_cloud "
                            + "rows=5000 recovery_s=412 database=app tables=public.documents");
        }
        for (var d : plan.databases()) {
            var db = d.database();
            if (d.engine() instanceof homelab.backups.plan.CnpgEngine cnpg) {
                world.put(object("barmancloud.cnpg.io/v1", "ObjectStore", db.namespace(), d.objectStoreName(), Map.of(
                        "status", Map.of("serverRecoveryWindow", Map.of(cnpg.options().serverName(), Map.of(
                                "firstRecoverabilityPoint", time(now.minus(Duration.ofDays(14))),
                                "lastSuccessfulBackupTime", time(now.minus(Duration.ofHours(9)))))))));
                world.put(object("postgresql.cnpg.io/v1", "Cluster", db.namespace(), db.name(), Map.of(
                        "spec", Map.of("imageName", "ghcr.io/cloudnative-pg/postgresql:16.2",
                                "plugins", List.of(Map.of("name", "barman-cloud.cloudnative-pg.io", "isWALArchiver", true))),
                        "status", Map.of("conditions", List.of(Map.of("type", "ContinuousArchiving", "status", "True",
                                "reason", "ContinuousArchivingSuccess", "lastTransitionTime", time(now.minus(Duration.ofDays(1)))))))));
            } else {
                world.put(object("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", db.namespace(), db.name(), Map.of(
                        "spec", Map.of("postgresVersion", 17),
                        "status", Map.of("pgbackrest", Map.of(
                                "repos", List.of(Map.of("name", "repo1", "stanzaCreated", true)),
                                "scheduledBackups", List.of(Map.of("cronJobName", db.name() + "-repo1-full", "repo", "repo1",
                                        "type", "full", "startTime", time(now.minus(Duration.ofHours(9))),
                                        "completionTime", time(now.minus(Duration.ofHours(8))), "succeeded", 1)))))));
            }
        }
        return world;
    }

    /**
     * How long ago a proven volume last synced: half its interval, at most 3 h, so the sync is recent for every policy
     * (an hourly volume synced 3 h ago is STALE).
     */
    static Duration lastSyncAgo(homelab.backups.plan.VolumePlan v) {
        var half = v.interval().dividedBy(2);
        return half.compareTo(Duration.ofHours(3)) < 0 ? half : Duration.ofHours(3);
    }

    /** The ReplicationSource has no status yet: it never synced. */
    public ProofWorld withoutSourceStatus(String app) {
        var v = plan.volumes().stream().filter(p -> p.app().equals(app)).findFirst().orElseThrow();
        put(object("volsync.backube/v1alpha1", "ReplicationSource", v.namespace(), v.sourceName(), Map.of()));
        return this;
    }

    /** The newest drill Job failed after the last success; its pod's termination message is the script's verdict. */
    public ProofWorld failingDrill(String app) {
        var d = plan.drills().stream().filter(p -> p.app().equals(app)).findFirst().orElseThrow();
        var job = job(d.namespace(), d.cronJobName(), d.app(), now.minus(Duration.ofHours(5)), "Failed",
                "Job has reached the specified backoff limit");
        put(job);
        @SuppressWarnings("unchecked") var jobName = (String) ((Map<String, Object>) job.get("metadata")).get("name");
        put(object("v1", "Pod", d.namespace(), jobName + "-x7k2p", Map.of(
                "metadata", Map.of("labels", Map.of("batch.kubernetes.io/job-name", jobName, "job-name", jobName)),
                "status", Map.of("phase", "Failed", "containerStatuses", List.of(Map.of("name", "drill", "state",
                        Map.of("terminated", Map.of("exitCode", 1, "message",
                                "restic check --read-data-subset=3/12\ndrill FAIL app=" + app
                                        + " reason=repository check failed (subset 3/12)\n"))))))));
        return this;
    }

    /** The newest run of a database's restore drill failed after its last success, with this verdict line. */
    public ProofWorld failingDatabaseDrill(String id, String verdict) {
        var d = plan.databaseDrills().stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
        databaseDrillJob(d, now.minus(Duration.ofHours(5)), "Failed", "Job has reached the specified backoff limit", verdict);
        return this;
    }

    private void databaseDrillJob(homelab.backups.plan.DatabaseDrillPlan d, Instant started, String condition, String message,
                                  String verdict) {
        var job = job(d.namespace(), d.cronJobName(), d.id(), started, condition, message);
        @SuppressWarnings("unchecked") var meta = (Map<String, Object>) job.get("metadata");
        meta.put("labels", Map.of(homelab.backups.plan.DatabaseDrillPlan.LABEL, d.id()));
        put(job);
        var jobName = (String) meta.get("name");
        put(object("v1", "Pod", d.namespace(), jobName + "-q8d4m", Map.of(
                "metadata", Map.of("labels", Map.of("batch.kubernetes.io/job-name", jobName, "job-name", jobName)),
                "status", Map.of("phase", condition.equals("Complete") ? "Succeeded" : "Failed", "containerStatuses",
                        List.of(Map.of("name", "drill", "state", Map.of("terminated", Map.of(
                                "exitCode", condition.equals("Complete") ? 0 : 1, "message", verdict + "\n"))))))));
    }

    /** Longhorn still has a RecurringJob that creates backups. */
    public ProofWorld withLonghornBackupJob(String name) {
        put(object("longhorn.io/v1beta2", "RecurringJob", plan.inputs().settings().longhorn().namespace(), name,
                Map.of("spec", Map.of("task", "backup", "cron", "0 2 * * *", "groups", List.of("critical")))));
        return this;
    }

    public ProofWorld with(Map<String, Object> object) {
        put(object);
        return this;
    }

    public MockCluster cluster() {
        var cluster = MockCluster.asInventory(plan);
        for (var o : objects.values()) cluster = cluster.withObject(o);
        return cluster.withStatuses();
    }

    /** A Job as the CronJob controller names it ({@code <cronjob>-<scheduled unix minutes>}) and the Job controller finishes it. */
    static Map<String, Object> job(String namespace, String cronJob, String app, Instant started, String condition, String message) {
        var conditions = new ArrayList<Map<String, Object>>();
        conditions.add(Map.of("type", condition, "status", "True", "message", message));
        var status = new LinkedHashMap<String, Object>();
        status.put("startTime", time(started));
        status.put("conditions", conditions);
        if (condition.equals("Complete")) status.put("completionTime", time(started.plusSeconds(240)));
        return object("batch/v1", "Job", namespace, cronJob + "-" + started.getEpochSecond() / 60, Map.of(
                "metadata", Map.of("labels", Map.of("homelab-backups/drill", app)), "status", status));
    }

    static Map<String, Object> object(String apiVersion, String kind, String namespace, String name, Map<String, Object> body) {
        var object = new LinkedHashMap<String, Object>();
        object.put("apiVersion", apiVersion);
        object.put("kind", kind);
        var metadata = new LinkedHashMap<String, Object>();
        metadata.put("name", name);
        metadata.put("namespace", namespace);
        if (body.get("metadata") instanceof Map<?, ?> more) more.forEach((k, v) -> metadata.put((String) k, v));
        object.put("metadata", metadata);
        body.forEach((k, v) -> {
            if (!k.equals("metadata")) object.put(k, v);
        });
        return object;
    }

    private void put(Map<String, Object> object) {
        @SuppressWarnings("unchecked") var meta = (Map<String, Object>) object.get("metadata");
        objects.put(object.get("apiVersion") + "|" + object.get("kind") + "|" + meta.get("namespace") + "/" + meta.get("name"), object);
    }

    static String time(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }
}
