package homelab.backups.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pinned context the kubeconfig lacks is an error, never the current context in its place. */
class KubeContextsTest {
    @TempDir
    Path tmp;

    private String kubeconfig(String name, String current, String... contexts) throws Exception {
        var text = new StringBuilder("apiVersion: v1\nkind: Config\ncurrent-context: " + current + "\ncontexts:\n");
        for (var c : contexts) text.append("- name: ").append(c).append("\n  context: {cluster: ").append(c).append(", user: u}\n");
        text.append("clusters:\n");
        for (var c : contexts) text.append("- name: ").append(c).append("\n  cluster: {server: 'https://127.0.0.1:1'}\n");
        text.append("users:\n- name: u\n  user: {token: t}\n");
        var file = tmp.resolve(name);
        Files.writeString(file, text);
        return file.toString();
    }

    @Test
    void aPinnedContextMissingFromTheKubeconfigIsAnErrorNamingIt() throws Exception {
        var file = kubeconfig("config", "dead", "dead", "other");
        var problem = KubeContexts.problem(Optional.of("admin@talos-homelab"), List.of(file), false);
        assertTrue(problem.isPresent());
        assertTrue(problem.get().contains("'admin@talos-homelab'") && problem.get().contains("dead, other")
                && problem.get().contains("homelab-backups:kubernetes.context"), problem.get());
    }

    @Test
    void aPinnedContextInAnyOfSeveralFilesIsFine() throws Exception {
        var a = kubeconfig("a", "dead", "dead");
        var b = kubeconfig("b", "x", "other");
        assertEquals(Optional.empty(), KubeContexts.problem(Optional.of("other"), List.of(a, b), false));
    }

    @Test
    void aPinnedContextWithNoKubeconfigAtAllIsAnError() {
        var problem = KubeContexts.problem(Optional.of("admin@talos-homelab"), List.of(tmp.resolve("absent").toString()), false);
        assertTrue(problem.orElseThrow().contains("there is no kubeconfig"), problem.get());
    }

    @Test
    void noKubeconfigOutsideAClusterIsSaidAsSuch() {
        var absent = List.of(tmp.resolve("absent").toString());
        assertTrue(KubeContexts.problem(Optional.empty(), absent, false).orElseThrow().startsWith("no kubeconfig found"));
        assertEquals(Optional.empty(), KubeContexts.problem(Optional.empty(), absent, true), "in a pod: in-cluster config");
    }

    @Test
    void anUnpinnedStackNeedsAUsableCurrentContext() throws Exception {
        assertEquals(Optional.empty(), KubeContexts.problem(Optional.empty(), List.of(kubeconfig("c", "dead", "dead")), false));
        var dangling = KubeContexts.problem(Optional.empty(), List.of(kubeconfig("d", "gone", "dead")), false);
        assertTrue(dangling.orElseThrow().contains("'gone' is not among its contexts"), dangling.get());
    }

    @Test
    void anUnreadableKubeconfigIsNamed() throws Exception {
        var file = tmp.resolve("broken");
        Files.writeString(file, "contexts:\n\t- name: x\n");
        var problem = KubeContexts.problem(Optional.of("x"), List.of(file.toString()), false);
        assertTrue(problem.orElseThrow().contains("cannot read the kubeconfig " + file), problem.get());
    }

    @Test
    void theLiveClusterRefusesToReadThroughAMissingContext() {
        // The process's own kubeconfig cannot hold a context of this name.
        try (var live = Fabric8LiveCluster.connect(Optional.of("no-such-context-" + System.nanoTime()))) {
            var e = assertThrows(com.pulumi.exceptions.RunException.class, () -> live.claim("ns", "pvc"));
            assertTrue(e.getMessage().contains("no-such-context-"), e.getMessage());
        }
    }
}
