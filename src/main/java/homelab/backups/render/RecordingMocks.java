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

/**
 * Pulumi mocks that record every registration and invoke, echo inputs back as outputs, and answer the 1Password
 * {@code getItem} with placeholder values. The offline render and the tests run the real program through them.
 */
public final class RecordingMocks implements Mocks {
    /** One registered resource as the engine would receive it. */
    public record Registration(String type, String name, Map<String, Object> inputs, String provider, String importId) {
    }

    /** One read of a live object ({@code <Type>.get}): nothing is written. */
    public record Read(String type, String name, String id) {
    }

    /** One function call. */
    public record Invocation(String token, Map<String, Object> args, String provider) {
    }

    /** The value every placeholder credential carries; renders and tests check it never leaks. */
    public static final String PLACEHOLDER_PREFIX = "PLACEHOLDER-SECRET-";

    private final List<Registration> registrations = Collections.synchronizedList(new ArrayList<>());
    private final List<Invocation> invocations = Collections.synchronizedList(new ArrayList<>());
    private final List<Read> reads = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> onePasswordFields;
    private final MockCluster cluster;

    /** @param onePasswordFields field labels the fake 1Password item carries, with their values */
    public RecordingMocks(Map<String, String> onePasswordFields) {
        this(onePasswordFields, (type, id) -> Optional.empty());
    }

    /** @param cluster answers reads of live objects */
    public RecordingMocks(Map<String, String> onePasswordFields, MockCluster cluster) {
        this.onePasswordFields = Map.copyOf(onePasswordFields);
        this.cluster = cluster;
    }

    /** Placeholder credentials for every field label the settings name; live objects from {@code cluster}. */
    public static RecordingMocks withPlaceholders(Settings settings, MockCluster cluster) {
        var fields = new LinkedHashMap<String, String>();
        settings.secrets().onePassword().ifPresent(op -> op.fields().forEach((key, label) ->
                fields.put(label, placeholder(key))));
        return new RecordingMocks(fields, cluster);
    }

    public static String placeholder(SecretKey key) {
        return PLACEHOLDER_PREFIX + key.configKey();
    }

    @Override
    public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        // A read (`get`) names an id and sends no inputs; a registration always sends inputs, with or without an
        // import id.
        if (args.id != null && !args.id.isEmpty() && args.inputs.isEmpty()) {
            reads.add(new Read(args.type, args.name, args.id));
            return cluster.read(args.type, args.id)
                    .map(live -> CompletableFuture.completedFuture(ResourceResult.of(Optional.of(args.id), live)))
                    .orElseGet(() -> CompletableFuture.failedFuture(new IllegalStateException(
                            "resource '" + args.id + "' does not exist")));
        }
        registrations.add(new Registration(args.type, args.name, args.inputs, args.provider, args.id));
        var id = args.id != null && !args.id.isEmpty() ? args.id : args.name + "-id";
        return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(id), args.inputs));
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

    public List<Registration> registrations() {
        synchronized (registrations) {
            return List.copyOf(registrations);
        }
    }

    public List<Read> reads() {
        synchronized (reads) {
            return List.copyOf(reads);
        }
    }

    public List<Invocation> invocations() {
        synchronized (invocations) {
            return List.copyOf(invocations);
        }
    }
}
