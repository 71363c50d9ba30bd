#!/usr/bin/env bash
# Builds the end-to-end test toolchain from Go modules (Go module proxy only):
#   pulumi, pulumi-language-java (our own minimal host), pulumi-resource-kubernetes,
#   kube-apiserver, kube-controller-manager, kine; and for bench/preview.sh's floor
#   pulumi-language-go (our own minimal host for prebuilt Go programs) and floor-replay.
# Binaries land in a cache directory outside the repository, keyed by the pinned
# versions and a hash of the wrapper modules; a warm run builds nothing.
#
# Usage: BIN=$(bash e2e/toolchain/build.sh | tail -1)
# Env:   HOMELAB_E2E_CACHE  cache root (default ~/.cache/homelab-backups-e2e)
#        GO                 go binary (default: go on PATH, else /usr/local/go/bin/go)
# Progress goes to stderr; the last stdout line is the bin directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---- pinned versions (keep README.md in sync) ----
PULUMI_VERSION=3.274.1                       # github.com/pulumi/pulumi/{pkg,sdk}/v3
JAVA_HOST_VERSION=0.1.0                      # our own cmd/pulumi-language-java (see its main.go)
GO_HOST_VERSION=0.1.0                        # our own cmd/pulumi-language-go (see its main.go)
# github.com/pulumi/pulumi-kubernetes/provider/v4 has no semver tags; this
# pseudo-version (commit of 2026-01-15) is the only one the proxy serves here.
K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_VERSION=${K8S_PROVIDER_MODULE_VERSION#v}   # what the plugin reports
KUBERNETES_VERSION=1.34.4                    # k8s.io/kubernetes; staging modules at v0.34.4
KINE_VERSION=0.17.5                          # github.com/k3s-io/kine

log() { printf '[e2e-toolchain] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ -n "${GO:-}" ]]; then :
elif command -v go >/dev/null 2>&1; then GO=$(command -v go)
elif [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go
else die "no go toolchain found (set GO=/path/to/go)"; fi

# Only the module proxy is reachable: never fall back to direct VCS fetches.
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
case "$GOPROXY" in *direct*) export GOPROXY=https://proxy.golang.org ;; esac
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOFLAGS="-mod=readonly -buildvcs=false"

GO_VERSION=$("$GO" env GOVERSION)

# ---- cache keys ----
# Each binary is stored under objs/<name>-<key>, where key hashes its pinned
# version(s), the Go version, this script and its wrapper module's files; the
# bin directory is keyed by the combination of those keys and holds hard links.
# So a change to one wrapper rebuilds only that binary.
hash_files() { (cd "$HERE" && find "$@" -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) \
                  | LC_ALL=C sort | xargs sha256sum build.sh); }
binkey() { # NAME VERSION-STRING MODULE-DIR...
  local name=$1 ver=$2; shift 2
  { echo "$name $ver $GO_VERSION"; hash_files "$@"; } | sha256sum | cut -c1-16
}
declare -A KEYS=(
  [pulumi]=$(binkey pulumi "$PULUMI_VERSION" pulumi/go.mod pulumi/go.sum)
  [pulumi-language-java]=$(binkey pulumi-language-java "$JAVA_HOST_VERSION" pulumi)
  [pulumi-language-go]=$(binkey pulumi-language-go "$GO_HOST_VERSION" pulumi)
  [floor-replay]=$(binkey floor-replay "$PULUMI_VERSION" pulumi)
  [pulumi-resource-kubernetes]=$(binkey pulumi-resource-kubernetes "$K8S_PROVIDER_MODULE_VERSION" kubernetes-provider)
  [kube-apiserver]=$(binkey kube-apiserver "$KUBERNETES_VERSION" kubernetes)
  [kube-controller-manager]=$(binkey kube-controller-manager "$KUBERNETES_VERSION" kubernetes)
  [kine]=$(binkey kine "$KINE_VERSION" kine)
)
KEY=$(for n in pulumi pulumi-language-java pulumi-language-go floor-replay pulumi-resource-kubernetes \
                kube-apiserver kube-controller-manager kine; do
        echo "$n=${KEYS[$n]}"; done | sha256sum | cut -c1-16)
CACHE_ROOT="${HOMELAB_E2E_CACHE:-$HOME/.cache/homelab-backups-e2e}"
OUT="$CACHE_ROOT/$KEY"
BIN="$OUT/bin"
TIMES="$CACHE_ROOT/build-times.log"
mkdir -p "$BIN"

# Fast path: everything linked already.
complete=1
for n in "${!KEYS[@]}"; do [[ -x "$BIN/$n" ]] || complete=0; done
if [[ $complete == 1 ]]; then
  log "all binaries cached in $BIN"
  echo "$BIN"
  exit 0
fi

# build NAME MODULE_DIR CGO PACKAGE LDFLAGS
build() {
  local name=$1 dir=$2 cgo=$3 pkg=$4 ldflags=$5
  local obj="$CACHE_ROOT/objs/$name-${KEYS[$name]}"
  if [[ ! -x "$obj/$name" ]]; then
    log "$name: building $pkg (in $dir)"
    local start=$SECONDS
    mkdir -p "$obj"
    (cd "$dir" && "$GO" mod download) || die "$name: go mod download failed"
    (cd "$dir" && CGO_ENABLED=$cgo "$GO" build -trimpath -ldflags "$ldflags" -o "$obj/.$name.tmp" "$pkg") \
      || die "$name: go build failed"
    mv -f "$obj/.$name.tmp" "$obj/$name"
    local took=$((SECONDS - start))
    log "$name: built in ${took}s"
    printf '%s %s key=%s %ss\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "${KEYS[$name]}" "$took" >> "$TIMES"
  else
    log "$name: cached ($obj)"
  fi
  ln -f "$obj/$name" "$BIN/$name" 2>/dev/null || cp -f "$obj/$name" "$BIN/$name"
}

total_start=$SECONDS
log "cache key $KEY ($OUT), $GO_VERSION, GOPROXY=$GOPROXY"

# 1. pulumi CLI (version only via ldflags, as upstream's release build does)
build pulumi "$HERE/pulumi" 0 github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"

# 2. Java language host (ours; same module, same pulumi sdk)
build pulumi-language-java "$HERE/pulumi" 0 ./cmd/pulumi-language-java \
  "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$JAVA_HOST_VERSION"

# 2b. Go language host (ours) and the floor program it runs (bench/preview.sh). The host sits next to
#     `pulumi`, where the engine looks for the bundled `go` language plugin.
build pulumi-language-go "$HERE/pulumi" 0 ./cmd/pulumi-language-go \
  "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$GO_HOST_VERSION"
build floor-replay "$HERE/pulumi" 0 ./cmd/floor-replay "-s -w"

# 3. Kubernetes provider: our main.go + schema/mapping copied from the module cache
if [[ ! -x "$CACHE_ROOT/objs/pulumi-resource-kubernetes-${KEYS[pulumi-resource-kubernetes]}/pulumi-resource-kubernetes" ]]; then
  src="$CACHE_ROOT/src/kubernetes-provider-${KEYS[pulumi-resource-kubernetes]}"
  rm -rf "$src" && mkdir -p "$src"
  cp "$HERE/kubernetes-provider/go.mod" "$HERE/kubernetes-provider/go.sum" \
     "$HERE/kubernetes-provider/main.go" "$src/"
  (cd "$src" && "$GO" mod download github.com/pulumi/pulumi-kubernetes/provider/v4) \
    || die "kubernetes provider module download failed"
  moddir=$(cd "$src" && "$GO" list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)
  [[ -f "$moddir/cmd/pulumi-resource-kubernetes/schema.json" ]] || die "schema.json not found in $moddir"
  cp "$moddir/cmd/pulumi-resource-kubernetes/schema.json" "$src/schema-embed.json"
  cp "$moddir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$src/terraform-mapping-embed.json"
  chmod u+w "$src"/*.json
fi
build pulumi-resource-kubernetes "$CACHE_ROOT/src/kubernetes-provider-${KEYS[pulumi-resource-kubernetes]}" 0 . \
  "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION"

# 4. kube-apiserver and kube-controller-manager (staging modules replaced by their
#    published v0.x releases). The controller-manager runs only the garbage
#    collector and namespace controllers (see e2e/cluster/README.md).
k8s_minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
K8S_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor \
 -X k8s.io/component-base/version.gitTreeState=clean"
build kube-apiserver "$HERE/kubernetes" 0 k8s.io/kubernetes/cmd/kube-apiserver "$K8S_LDFLAGS"
build kube-controller-manager "$HERE/kubernetes" 0 k8s.io/kubernetes/cmd/kube-controller-manager "$K8S_LDFLAGS"

# 5. kine (SQLite backend needs cgo)
build kine "$HERE/kine" 1 github.com/k3s-io/kine \
  "-s -w -X github.com/k3s-io/kine/pkg/version.Version=v$KINE_VERSION"

log "all binaries ready in ${BIN} ($((SECONDS - total_start))s this run)"
echo "$BIN"
