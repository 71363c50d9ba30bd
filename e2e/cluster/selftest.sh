#!/usr/bin/env bash
# Self-test of the loopback cluster: start, list namespaces, install a CRD from
# shared/crds, create a valid object, check that the server rejects an unknown
# field and a wrong type (strict field validation / OpenAPI schema), stop, and
# check nothing is left running. Repeats ROUNDS times (default 2).
#
# Usage: e2e/cluster/selftest.sh [ROUNDS]
# Env:   E2E_BIN_DIR (as for start.sh), E2E_CRD (CRD file; default: volsync
#        ReplicationDestination from ../shared/crds next to the repository)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=${1:-2}
CRD=${E2E_CRD:-}
if [[ -z "$CRD" ]]; then
  for c in "$HERE/../../../shared/crds" /work/shared/crds; do
    if [[ -f "$c/volsync.backube_replicationdestinations.yaml" ]]; then
      CRD="$c/volsync.backube_replicationdestinations.yaml"; break
    fi
  done
fi
[[ -f "$CRD" ]] || { echo "CRD file not found (set E2E_CRD)" >&2; exit 1; }
export E2E_BIN_DIR=${E2E_BIN_DIR:-$(bash "$HERE/../toolchain/build.sh" | tail -1)}

pass=0 fail=0
check() { # DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@" >/tmp/selftest.$$ 2>&1; then echo "ok   - $d"; pass=$((pass+1))
  else echo "FAIL - $d"; sed 's/^/       /' /tmp/selftest.$$; fail=$((fail+1)); fi
}
rejects() { # expect the command to fail with a message matching PATTERN
  local pattern=$1; shift
  local out
  if out=$("$@" 2>&1); then echo "unexpectedly accepted: $out"; return 1; fi
  grep -qE "$pattern" <<<"$out" || { echo "rejected, but not as expected: $out"; return 1; }
}

established() { # kubectl wait fails if .status.conditions is not there yet: poll
  for _ in $(seq 1 60); do
    [[ $(k get "$1" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}') == True ]] && return 0
    sleep 0.5
  done
  return 1
}
fg_delete() { # what pulumi-kubernetes does on delete
  k create configmap fg-test >/dev/null
  k delete configmap fg-test --cascade=foreground --timeout=30s
}
ns_delete() {
  k create namespace ns-test >/dev/null && k -n ns-test create configmap x >/dev/null
  k delete namespace ns-test --timeout=60s
}
no_leftovers() {
  ! pgrep -f -- "--cert-dir=$1/apiserver-certs" && ! pgrep -f -- "sqlite://$1/kine" \
    && ! pgrep -f -- "--kubeconfig=$1/kubeconfig"
}

for round in $(seq 1 "$ROUNDS"); do
  STATE=$(mktemp -d /tmp/homelab-e2e-cluster.XXXXXX)
  echo "# round $round (state $STATE)"
  t0=$SECONDS
  KC=$(bash "$HERE/start.sh" "$STATE" | tail -1)
  echo "# started in $((SECONDS - t0))s"
  k() { kubectl --kubeconfig "$KC" "$@"; }
  check "kubectl get ns lists default" bash -c "kubectl --kubeconfig '$KC' get ns -o name | grep -qx namespace/default"
  check "CRD applies" k apply -f "$CRD"
  check "CRD becomes Established" established crd/replicationdestinations.volsync.backube
  check "valid ReplicationDestination is created" k apply -f - <<'EOF'
apiVersion: volsync.backube/v1alpha1
kind: ReplicationDestination
metadata: {name: sample, namespace: default}
spec:
  trigger: {manual: restore-once}
  restic: {repository: restic-secret, copyMethod: Direct, capacity: 1Gi, accessModes: [ReadWriteOnce]}
EOF
  bad_unknown='{"apiVersion":"volsync.backube/v1alpha1","kind":"ReplicationDestination","metadata":{"name":"bad-unknown","namespace":"default"},"spec":{"restic":{"repository":"r","copyMethod":"Direct","notAField":true}}}'
  bad_type='{"apiVersion":"volsync.backube/v1alpha1","kind":"ReplicationDestination","metadata":{"name":"bad-type","namespace":"default"},"spec":{"restic":{"repository":"r","copyMethod":"Direct","cleanupTempPVC":"yes"}}}'
  check "unknown field rejected (kubectl apply --validate=strict)" \
    rejects 'unknown field "spec.restic.notAField"' k apply --validate=strict -f - <<<"$bad_unknown"
  check "unknown field rejected (server-side apply)" \
    rejects 'notAField: field not declared in schema' k apply --server-side --validate=strict -f - <<<"$bad_unknown"
  check "unknown field rejected (POST ?fieldValidation=Strict)" \
    rejects 'unknown field' k create --raw "/apis/volsync.backube/v1alpha1/namespaces/default/replicationdestinations?fieldValidation=Strict" -f - <<<"$bad_unknown"
  check "wrong type rejected by the CRD schema" \
    rejects 'must be of type boolean' k apply -f - <<<"$bad_type"
  check "foreground delete completes (garbage collector)" fg_delete
  check "namespace deletion completes (namespace controller)" ns_delete
  check "stop.sh stops everything" bash "$HERE/stop.sh" "$STATE"
  check "no process of this state dir left" no_leftovers "$STATE"
  rm -rf "$STATE"
done
rm -f /tmp/selftest.$$
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
