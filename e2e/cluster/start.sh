#!/usr/bin/env bash
# Starts a loopback-only Kubernetes API server for end-to-end tests:
#   kine (etcd API on SQLite) + kube-apiserver, both bound to 127.0.0.1, plus a
#   kube-controller-manager running the real PV binder, PV-protection,
#   PVC-protection, garbage-collector and namespace controllers (no listening
#   port). No scheduler, no kubelet, no other controllers (see README.md).
#
# Usage: e2e/cluster/start.sh [STATE_DIR]     (or env E2E_STATE_DIR)
# Env:   E2E_BIN_DIR   directory with kine and kube-apiserver
#                      (default: built/cached by e2e/toolchain/build.sh)
#        E2E_KCM_CONTROLLERS   controllers for kube-controller-manager
#                      (default: the volume controllers, garbage collector,
#                      namespace and CronJob controllers; "none" runs no
#                      controller-manager)
#        E2E_CLUSTER_FRESH=1   wipe the SQLite data of an existing state dir
# Writes $STATE_DIR/kubeconfig (admin, system:masters client cert), pid files,
# logs and $STATE_DIR/env; prints the kubeconfig path as the last stdout line.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${1:-${E2E_STATE_DIR:-}}
[[ -n "$STATE" ]] || { echo "usage: $0 STATE_DIR (or set E2E_STATE_DIR)" >&2; exit 2; }
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

log() { printf '[e2e-cluster] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for p in kine kube-apiserver kube-controller-manager; do
  if [[ -f "$STATE/$p.pid" ]] && kill -0 "$(cat "$STATE/$p.pid")" 2>/dev/null; then
    die "$p already running (pid $(cat "$STATE/$p.pid")) for $STATE; run e2e/cluster/stop.sh $STATE first"
  fi
done

BIN=${E2E_BIN_DIR:-}
if [[ -z "$BIN" ]]; then
  BIN=$(bash "$HERE/../toolchain/build.sh" | tail -1)
fi
# Names from k8s.io/kubernetes v1.34.4 cmd/kube-controller-manager/names/controller_names.go.
KCM_CONTROLLERS=${E2E_KCM_CONTROLLERS:-persistentvolume-binder-controller,persistentvolume-protection-controller,persistentvolumeclaim-protection-controller,garbage-collector-controller,namespace-controller,cronjob-controller}
for b in kine kube-apiserver kube-controller-manager; do [[ -x "$BIN/$b" ]] || die "$BIN/$b missing"; done
command -v openssl >/dev/null || die "openssl not found"
KUBECTL=${KUBECTL:-kubectl}

# A free loopback TCP port (bind to port 0 and read back what the kernel chose).
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  else
    local p
    for _ in $(seq 1 100); do
      p=$((20000 + RANDOM % 20000))
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    die "no free port found"
  fi
}

# ---- certificates (generated once per state dir) ----
PKI="$STATE/pki"
if [[ ! -f "$PKI/admin.crt" ]]; then
  log "generating certificates in $PKI"
  rm -rf "$PKI" && mkdir -p "$PKI" && chmod 700 "$PKI"
  (
    cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=homelab-e2e-ca" 2>/dev/null
    cat > server.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.crt 2>/dev/null
    cat > client.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EOF
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr \
      -subj "/O=system:masters/CN=homelab-e2e-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
  )
fi

# ---- kine ----
mkdir -p "$STATE/kine"
if [[ "${E2E_CLUSTER_FRESH:-0}" == 1 ]]; then rm -f "$STATE"/kine/state.db*; fi
KINE_PORT=$(free_port)
log "starting kine on 127.0.0.1:$KINE_PORT"
setsid "$BIN/kine" \
  --listen-address "127.0.0.1:$KINE_PORT" \
  --endpoint "sqlite://$STATE/kine/state.db?_journal_mode=WAL&_busy_timeout=30000&_synchronous=NORMAL&_txlock=immediate&cache=shared" \
  --metrics-bind-address 0 \
  </dev/null >"$STATE/kine.log" 2>&1 &
echo $! > "$STATE/kine.pid"

cleanup_on_error() {
  log "startup failed; stopping what was started (logs in $STATE/*.log)"
  tail -n 20 "$STATE/kube-apiserver.log" 2>/dev/null >&2 || true
  bash "$HERE/stop.sh" "$STATE" >&2 || true
}
trap cleanup_on_error ERR

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$KINE_PORT") 2>/dev/null; then break; fi
  kill -0 "$(cat "$STATE/kine.pid")" 2>/dev/null || { cat "$STATE/kine.log" >&2; false; }
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$KINE_PORT") 2>/dev/null || { log "kine did not listen"; false; }

# ---- kube-apiserver ----
API_PORT=$(free_port)
log "starting kube-apiserver on https://127.0.0.1:$API_PORT"
setsid "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$KINE_PORT" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$API_PORT" \
  --cert-dir="$STATE/apiserver-certs" \
  --tls-cert-file="$PKI/server.crt" \
  --tls-private-key-file="$PKI/server.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --authorization-mode=RBAC \
  --anonymous-auth=false \
  --disable-admission-plugins=ServiceAccount \
  --endpoint-reconciler-type=none \
  --allow-privileged=true \
  --profiling=false \
  --enable-priority-and-fairness=false \
  </dev/null >"$STATE/kube-apiserver.log" 2>&1 &
echo $! > "$STATE/kube-apiserver.pid"

# ---- kubeconfig (self-contained: CA and client cert embedded) ----
b64() { base64 -w0 < "$1"; }
cat > "$STATE/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: homelab-e2e
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: homelab-e2e-admin
  user:
    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")
contexts:
- name: homelab-e2e
  context:
    cluster: homelab-e2e
    user: homelab-e2e-admin
    namespace: default
current-context: homelab-e2e
EOF
chmod 600 "$STATE/kubeconfig"
cat > "$STATE/env" <<EOF
KUBECONFIG=$STATE/kubeconfig
E2E_API_SERVER=https://127.0.0.1:$API_PORT
E2E_KINE_ENDPOINT=http://127.0.0.1:$KINE_PORT
EOF

# ---- wait for /readyz ----
log "waiting for /readyz"
ready=0
for _ in $(seq 1 240); do
  kill -0 "$(cat "$STATE/kube-apiserver.pid")" 2>/dev/null || { log "kube-apiserver exited"; false; }
  if "$KUBECTL" --kubeconfig "$STATE/kubeconfig" get --raw /readyz >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.5
done
[[ $ready == 1 ]] || { log "kube-apiserver not ready after 120s"; false; }
# RBAC bootstrap roles and the default namespace are created by post-start hooks.
for _ in $(seq 1 60); do
  "$KUBECTL" --kubeconfig "$STATE/kubeconfig" get namespace default >/dev/null 2>&1 && break
  sleep 0.5
done

# ---- kube-controller-manager: the real controllers of a live cluster's storage ----
# persistentvolume-binder: binds claims to volumes, marks the claim for the external
#   (CSI) provisioner, releases volumes of deleted claims (pv_controller.go).
# persistentvolume(claim)-protection: removes the pv-/pvc-protection finalizers
#   only when no pod uses the claim / the volume is not bound.
# garbage-collector: pulumi-kubernetes deletes with propagationPolicy=Foreground,
#   which puts a foregroundDeletion finalizer on the object that only the garbage
#   collector removes; it also deletes what VolSync's objects own.
# namespace: finishes namespace deletion (empties it, drops the "kubernetes" finalizer).
if [[ "$KCM_CONTROLLERS" != none ]]; then
  log "starting kube-controller-manager (controllers: $KCM_CONTROLLERS)"
  setsid "$BIN/kube-controller-manager" \
    --kubeconfig="$STATE/kubeconfig" \
    --controllers="$KCM_CONTROLLERS" \
    --secure-port=0 \
    --leader-elect=false \
    --use-service-account-credentials=false \
    --service-account-private-key-file="$PKI/sa.key" \
    --root-ca-file="$PKI/ca.crt" \
    --profiling=false \
    </dev/null >"$STATE/kube-controller-manager.log" 2>&1 &
  echo $! > "$STATE/kube-controller-manager.pid"
  sleep 1
  kill -0 "$(cat "$STATE/kube-controller-manager.pid")" 2>/dev/null || { log "kube-controller-manager exited"; tail -n 20 "$STATE/kube-controller-manager.log" >&2; false; }
fi
trap - ERR
log "ready: kube-apiserver $("$KUBECTL" --kubeconfig "$STATE/kubeconfig" get --raw /version | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p') at https://127.0.0.1:$API_PORT"
echo "$STATE/kubeconfig"
