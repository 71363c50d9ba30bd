package homelab.backups.kubernetes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Which kubeconfig context the live reads would use, decided before any client exists: a pinned context that the
 * kubeconfig does not have is an error, never a silent fall-back to the current context (fabric8's
 * {@code Config.autoConfigure(context)} falls back), so the program can never check one cluster and change another.
 */
public final class KubeContexts {
    /** Where the context is pinned, for messages. */
    static final String SETTING = "homelab-backups:kubernetes.context";

    private KubeContexts() {
    }

    /** What the kubeconfig files say: every context name, and the first current-context. */
    record Kubeconfig(List<Path> files, java.util.SortedSet<String> contexts, Optional<String> current,
                      List<String> unreadable) {
    }

    /** The files fabric8 reads (KUBECONFIG, the kubeconfig system property, else ~/.kube/config), as they are. */
    static Kubeconfig read(Collection<String> fileNames) {
        var files = new ArrayList<Path>();
        var contexts = new TreeSet<String>();
        var unreadable = new ArrayList<String>();
        Optional<String> current = Optional.empty();
        for (var name : fileNames) {
            if (name == null || name.isBlank()) continue;
            var path = Path.of(name);
            if (!Files.isRegularFile(path)) continue;
            files.add(path);
            try {
                var root = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(path));
                if (!(root instanceof Map<?, ?> map)) continue;
                if (current.isEmpty() && map.get("current-context") instanceof String c && !c.isEmpty()) current = Optional.of(c);
                if (map.get("contexts") instanceof List<?> list) {
                    for (var entry : list) {
                        if (entry instanceof Map<?, ?> e && e.get("name") instanceof String n) contexts.add(n);
                    }
                }
            } catch (IOException | RuntimeException e) {
                unreadable.add(path + " (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
            }
        }
        return new Kubeconfig(List.copyOf(files), contexts, current, List.copyOf(unreadable));
    }

    /**
     * Why {@code context} (the stack's pinned one, or empty for the current one) cannot be used with these kubeconfig
     * files; empty when it can.
     *
     * @param inCluster whether the process runs in a pod (KUBERNETES_SERVICE_HOST set), where no kubeconfig is normal
     */
    static Optional<String> problem(Optional<String> context, Collection<String> fileNames, boolean inCluster) {
        var kubeconfig = read(fileNames);
        var searched = fileNames.isEmpty() ? "no kubeconfig file named" : String.join(", ", fileNames);
        if (!kubeconfig.unreadable().isEmpty()) {
            return Optional.of("cannot read the kubeconfig " + String.join(", ", kubeconfig.unreadable())
                    + ": fix the file, or point KUBECONFIG at a readable one");
        }
        if (context.isPresent()) {
            if (kubeconfig.files().isEmpty()) {
                return Optional.of(SETTING + " pins the context '" + context.get() + "', but there is no kubeconfig (looked "
                        + "for " + searched + "): set KUBECONFIG to the file that holds that context");
            }
            if (!kubeconfig.contexts().contains(context.get())) {
                return Optional.of("the kubeconfig context '" + context.get() + "' (" + SETTING + ") is not in "
                        + kubeconfig.files().stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse("")
                        + " (its contexts: " + (kubeconfig.contexts().isEmpty() ? "none" : String.join(", ", kubeconfig.contexts()))
                        + "): fix the setting or the kubeconfig; the current context is never used in its place");
            }
            return Optional.empty();
        }
        if (kubeconfig.files().isEmpty()) {
            if (inCluster) return Optional.empty();
            return Optional.of("no kubeconfig found (looked for " + searched + ") and not running inside a cluster: set "
                    + "KUBECONFIG, and pin the homelab's context with " + SETTING);
        }
        if (kubeconfig.current().isEmpty()) {
            return Optional.of("the kubeconfig " + kubeconfig.files().get(0) + " has no current-context and the stack "
                    + "pins none: set " + SETTING + " (its contexts: " + String.join(", ", kubeconfig.contexts()) + ")");
        }
        if (!kubeconfig.contexts().contains(kubeconfig.current().get())) {
            return Optional.of("the kubeconfig's current-context '" + kubeconfig.current().get() + "' is not among its "
                    + "contexts (" + String.join(", ", kubeconfig.contexts()) + "): pin one with " + SETTING);
        }
        return Optional.empty();
    }

    /** {@link #problem} for this process's kubeconfig files. */
    public static Optional<String> problem(Optional<String> context) {
        List<String> names;
        try {
            names = List.copyOf(io.fabric8.kubernetes.client.Config.getKubeconfigFilenames());
        } catch (RuntimeException e) {
            names = List.of();
        }
        return problem(context, names, System.getenv("KUBERNETES_SERVICE_HOST") != null);
    }

    /** Throws the program's error (no stack trace) when {@code context} cannot be used. */
    public static void require(Optional<String> context) {
        problem(context).ifPresent(p -> {
            throw new com.pulumi.exceptions.RunException(p);
        });
    }
}
