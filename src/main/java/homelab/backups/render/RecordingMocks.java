package homelab.backups.render;

import com.pulumi.test.Mocks;
import homelab.backups.config.SecretKey;
import homelab.backups.config.Settings;
import homelab.backups.secrets.onepassword.OnePassword;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Pulumi mocks that record every registration and invoke, echo inputs back as outputs, and answer the 1Password
 * {@code getItem} with placeholder values. The offline render and the tests run the real program through them.
 */
public final class RecordingMocks implements Mocks {
    /** One registered resource as the engine would receive it. */
    public record Registration(String type, String name, Map<String, Object> inputs, String provider, String importId) {
    }

    /** One function call. */
    public record Invocation(String token, Map<String, Object> args, String provider) {
    }

    /** The value every placeholder credential carries; renders and tests check it never leaks. */
    public static final String PLACEHOLDER_PREFIX = "PLACEHOLDER-SECRET-";

    private final List<Registration> registrations = Collections.synchronizedList(new ArrayList<>());
    private final List<Invocation> invocations = Collections.synchronizedList(new ArrayList<>());
    public static final String DESTINATION_TYPE = "kubernetes:volsync.backube/v1alpha1:ReplicationDestination";

    private final Map<String, String> onePasswordFields;
    private final UnaryOperator<Map<String, Object>> destinationStatus;

    /** @param onePasswordFields field labels the fake 1Password item carries, with their values */
    public RecordingMocks(Map<String, String> onePasswordFields) {
        this(onePasswordFields, RecordingMocks::restored);
    }

    /** @param destinationStatus what VolSync reports on a ReplicationDestination, from its inputs */
    public RecordingMocks(Map<String, String> onePasswordFields, UnaryOperator<Map<String, Object>> destinationStatus) {
        this.onePasswordFields = Map.copyOf(onePasswordFields);
        this.destinationStatus = destinationStatus;
    }

    /** The same mocks, with VolSync reporting {@code status} on every destination. */
    public RecordingMocks reporting(UnaryOperator<Map<String, Object>> status) {
        return new RecordingMocks(onePasswordFields, status);
    }

    /**
     * What VolSync reports once a restore of the requested trigger found its snapshot: the offline render assumes
     * restores succeed ({@code pulumi up} checks the real status). The log lines are what each mover's log filter
     * keeps (backube/volsync v0.15.0 internal/controller/mover/restic/logfilter.go; the Kopia fork's kopia/logfilter.go);
     * the restic line is restic 0.18.0's, as captured in src/test/resources/mover-logs/restic-0.18.0/restore-latest.log, the
     * kopia lines as composed from kopia v0.22.3's source in src/test/resources/mover-logs/kopia-0.22.3/restore-latest.log.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> restored(Map<String, Object> destination) {
        var spec = (Map<String, Object>) destination.get("spec");
        var trigger = ((Map<String, Object>) spec.get("trigger")).get("manual");
        var logs = spec.containsKey("kopia")
                ? "Connected to repository.\nRestored 42 files, 7 directories and 0 symbolic links (1.2 MB)."
                : "restoring snapshot 4a1b2c3d of [/data] at 2026-11-30 02:07:11.123456789 +0000 UTC by root@volsync to .\n"
                        + "Restic completed in 12s";
        return status(String.valueOf(trigger), logs);
    }

    /** A destination status after the mover of {@code trigger} finished with these (filtered) log lines. */
    public static Map<String, Object> status(String trigger, String logs) {
        return Map.of("lastManualSync", trigger,
                "latestMoverStatus", Map.of("result", "Successful", "logs", logs),
                "latestImage", Map.of("apiGroup", "snapshot.storage.k8s.io", "kind", "VolumeSnapshot", "name", "restored"));
    }

    /** Placeholder credentials for every field label the settings name. */
    public static RecordingMocks withPlaceholders(Settings settings) {
        var fields = new LinkedHashMap<String, String>();
        settings.secrets().onePassword().ifPresent(op -> op.fields().forEach((key, label) ->
                fields.put(label, placeholder(key))));
        return new RecordingMocks(fields);
    }

    public static String placeholder(SecretKey key) {
        return PLACEHOLDER_PREFIX + key.configKey();
    }

    @Override
    public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        registrations.add(new Registration(args.type, args.name, args.inputs, args.provider, args.id));
        var id = args.id != null && !args.id.isEmpty() ? args.id : args.name + "-id";
        var outputs = args.inputs;
        if (DESTINATION_TYPE.equals(args.type)) {
            outputs = new LinkedHashMap<>(args.inputs);
            outputs.put("status", destinationStatus.apply(args.inputs));
        }
        return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(id), outputs));
    }

    @Override
    public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
        invocations.add(new Invocation(args.token, new LinkedHashMap<>(args.args), args.provider));
        if (!OnePassword.GET_ITEM.equals(args.token)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("unexpected invoke " + args.token));
        }
        var fields = new ArrayList<Map<String, Object>>();
        onePasswordFields.forEach((label, value) -> fields.add(Map.of("id", label, "label", label, "value", value)));
        return CompletableFuture.completedFuture(Map.of(
                "id", "placeholder-item", "title", String.valueOf(args.args.get("title")),
                "sections", List.of(Map.of("id", "s3", "label", "credentials", "fields", fields))));
    }

    /**
     * Reorders what was recorded, as another run's timing could have: for tests that prove an output does not depend
     * on the order in which the engine received registrations and calls.
     */
    void reorder(UnaryOperator<List<Registration>> registrationOrder, UnaryOperator<List<Invocation>> invocationOrder) {
        synchronized (registrations) {
            var reordered = registrationOrder.apply(new ArrayList<>(registrations));
            registrations.clear();
            registrations.addAll(reordered);
        }
        synchronized (invocations) {
            var reordered = invocationOrder.apply(new ArrayList<>(invocations));
            invocations.clear();
            invocations.addAll(reordered);
        }
    }

    public List<Registration> registrations() {
        synchronized (registrations) {
            return List.copyOf(registrations);
        }
    }

    public List<Invocation> invocations() {
        synchronized (invocations) {
            return List.copyOf(invocations);
        }
    }
}
