#!/usr/bin/env bash
# Smoke test of the self-built Pulumi engine + Java host + Kubernetes provider
# against the loopback API server (e2e/cluster). Everything it creates lives in
# a scratch directory under /tmp (removed at the end unless KEEP=1); nothing is
# written to the repository.
#
# Steps: start cluster -> write a tiny Maven program (com.pulumi:pulumi 1.36.1,
# com.pulumi:kubernetes 4.0.0) that creates one ConfigMap through an explicit
# Provider pinned with CustomResourceOptions.version("4.32.0") -> pulumi login
# file:// -> plugin install --file -> stack init -> up -> kubectl check ->
# preview --expect-no-changes -> destroy -> kubectl check -> stop cluster.
#
# Usage: e2e/toolchain/engine-smoke.sh      (env: E2E_BIN_DIR, KEEP=1)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${E2E_BIN_DIR:-$(bash "$HERE/build.sh" | tail -1)}
export E2E_BIN_DIR=$BIN
WORK=$(mktemp -d /tmp/homelab-e2e-smoke.XXXXXX)
PROVIDER_VERSION=4.32.0   # what the program asks for; the plugin is installed under this version

log() { printf '[engine-smoke] %s\n' "$*" >&2; }
finish() {
  local rc=$?
  bash "$HERE/../cluster/stop.sh" "$WORK/cluster" || true
  if [[ "${KEEP:-0}" == 1 || $rc != 0 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  [[ $rc == 0 ]] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
}
trap finish EXIT

KC=$(bash "$HERE/../cluster/start.sh" "$WORK/cluster" | tail -1)

# ---- the program ----
P="$WORK/prog"
mkdir -p "$P/src/main/java/smoke"
cat > "$P/Pulumi.yaml" <<'EOF'
name: e2e-smoke
runtime: java
EOF
cat > "$P/pom.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>smoke</groupId>
  <artifactId>e2e-smoke</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <mainClass>smoke.App</mainClass>
    <mainArgs></mainArgs>
  </properties>
  <dependencies>
    <dependency><groupId>com.pulumi</groupId><artifactId>pulumi</artifactId><version>1.36.1</version></dependency>
    <dependency><groupId>com.pulumi</groupId><artifactId>kubernetes</artifactId><version>4.0.0</version></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.14.1</version></plugin>
      <plugin>
        <groupId>org.codehaus.mojo</groupId><artifactId>exec-maven-plugin</artifactId><version>3.6.3</version>
        <configuration><mainClass>${mainClass}</mainClass><commandlineArgs>${mainArgs}</commandlineArgs></configuration>
      </plugin>
    </plugins>
  </build>
</project>
EOF
cat > "$P/src/main/java/smoke/App.java" <<EOF
package smoke;

import com.pulumi.Pulumi;
import com.pulumi.kubernetes.Provider;
import com.pulumi.kubernetes.ProviderArgs;
import com.pulumi.kubernetes.core.v1.ConfigMap;
import com.pulumi.kubernetes.core.v1.ConfigMapArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.CustomResourceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

public class App {
    public static void main(String[] args) {
        Pulumi.run(ctx -> {
            String kubeconfig;
            try {
                kubeconfig = Files.readString(Path.of(System.getenv("E2E_KUBECONFIG")));
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
            var provider = new Provider("e2e", ProviderArgs.builder().kubeconfig(kubeconfig).build(),
                    CustomResourceOptions.builder().version("$PROVIDER_VERSION").build());
            var cm = new ConfigMap("smoke", ConfigMapArgs.builder()
                    .metadata(ObjectMetaArgs.builder().name("smoke").namespace("default").build())
                    .data(Map.of("hello", "world"))
                    .build(),
                    CustomResourceOptions.builder().provider(provider).build());
            ctx.export("configMapName", cm.metadata().applyValue(m -> m.name().orElse("")));
        });
    }
}
EOF

# ---- engine environment: nothing from the network, nothing from ~/.pulumi ----
export PULUMI_HOME="$WORK/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true   # only the plugins installed below
export PULUMI_CONFIG_PASSPHRASE=test
export E2E_KUBECONFIG="$KC"
unset KUBECONFIG
pulumi() { "$BIN/pulumi" --non-interactive "$@"; }
mkdir -p "$WORK/backend"
pulumi login "file://$WORK/backend" >&2
pulumi plugin install language java 0.1.0 --file "$BIN/pulumi-language-java" >&2
pulumi plugin install resource kubernetes "$PROVIDER_VERSION" --file "$BIN/pulumi-resource-kubernetes" >&2

cd "$P"
log "compiling the program once (Maven)"
mvn -B -q compile >&2
pulumi stack init dev >&2
t=$SECONDS; pulumi up --yes >&2; log "up: $((SECONDS - t))s"
[[ $(kubectl --kubeconfig "$KC" get configmap smoke -o jsonpath='{.data.hello}') == world ]] \
  || { log "ConfigMap not found after up"; exit 1; }
t=$SECONDS; pulumi preview --expect-no-changes >&2; log "preview --expect-no-changes: $((SECONDS - t))s"
t=$SECONDS; pulumi destroy --yes >&2; log "destroy: $((SECONDS - t))s"
if kubectl --kubeconfig "$KC" get configmap smoke >/dev/null 2>&1; then log "ConfigMap still there after destroy"; exit 1; fi
pulumi stack rm dev --yes >&2
log "engine smoke test passed"
