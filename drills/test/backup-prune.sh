#!/usr/bin/env bash
# drills/cnpg-backup-prune.sh against a real kube-apiserver (e2e/cluster: kube-apiserver v1.34.4 on kine, loopback
# only) with real kubectl, as the ServiceAccount the prod render binds: the Role, RoleBinding and the CronJob's
# environment are read from the committed render snapshot (src/test/resources/render-snapshot/prod), so what is tested
# is what prod gets. Prints ok/FAIL per case and "N passed, M failed".
#
# The CNPG Backup CRD here is a stand-in with the fields the script reads, as cloudnative-pg v1.28.0
# config/crd/bases/postgresql.cnpg.io_backups.yaml has them (spec.cluster.name, spec.method with its default
# barmanObjectStore, status.phase, status.stoppedAt), without the status subresource so a test can write a status
# at create. Objects are created now; the script's clock (PRUNE_NOW) is moved 60 days ahead, and each Backup's age is
# set through status.stoppedAt (the script takes the later of creation and stoppedAt).
#
# Usage: bash drills/test/backup-prune.sh      (env E2E_BIN_DIR: the toolchain's bin, else e2e/toolchain/build.sh)
# shellcheck disable=SC2016  # the bash -c bodies below expand their own arguments
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SCRIPT=$ROOT/drills/cnpg-backup-prune.sh
SNAP=$ROOT/src/test/resources/render-snapshot/prod/wave2-storage/cloudnative-pg
DB=khoj-database
NS=cloudnative-pg
SA=$DB-backup-prune

WORK=$(mktemp -d /tmp/backup-prune-test.XXXXXX)
STATE=$WORK/cluster
cleanup() {
	bash "$ROOT/e2e/cluster/stop.sh" "$STATE" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
quiet() { "$@" >/dev/null; }

KC=$(E2E_KCM_CONTROLLERS=none bash "$ROOT/e2e/cluster/start.sh" "$STATE" 2>"$WORK/start.log" | tail -1) || {
	cat "$WORK/start.log" >&2
	echo "0 passed, 1 failed (the API server did not start)"
	exit 1
}
admin() { kubectl --kubeconfig "$KC" "$@"; }

# ---- the world: the CRDs, the namespace, the rendered ServiceAccount, Role and RoleBinding ----
cat >"$WORK/crds.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: backups.postgresql.cnpg.io}
spec:
  group: postgresql.cnpg.io
  names: {kind: Backup, listKind: BackupList, plural: backups, singular: backup}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                cluster: {type: object, properties: {name: {type: string}}}
                method: {type: string, default: barmanObjectStore, enum: [barmanObjectStore, volumeSnapshot, plugin]}
              x-kubernetes-preserve-unknown-fields: true
            status: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
# Longhorn's Backup: the other "backup" of the homelab (docs/field-incidents-2026.md #24); the prune must not reach it.
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: backups.longhorn.io}
spec:
  group: longhorn.io
  names: {kind: Backup, listKind: BackupList, plural: backups, singular: backup}
  scope: Namespaced
  versions:
    - name: v1beta2
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
EOF
admin apply -f "$WORK/crds.yaml" >/dev/null
admin wait --for=condition=Established crd/backups.postgresql.cnpg.io crd/backups.longhorn.io --timeout=60s >/dev/null
admin create namespace "$NS" >/dev/null
admin create namespace other >/dev/null
for kind in ServiceAccount Role RoleBinding; do
	grep -v '^#' "$SNAP/$kind-$SA.yaml" | admin apply -f - >/dev/null
done

# The CronJob's environment, as rendered.
eval "$(python3 - "$SNAP/CronJob-$SA.yaml" <<'EOF'
import shlex, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
for e in job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]:
    if e["name"] != "HOME":
        print("export %s=%s" % (e["name"], shlex.quote(e["value"])))
EOF
)"
[[ $PRUNE_CLUSTER == "$DB" && $PRUNE_METHOD == plugin && -n $PRUNE_KEEP_SECONDS && -n $PRUNE_KEEP_COMPLETED ]] \
	|| { echo "the rendered CronJob's environment is not what this test expects: $PRUNE_CLUSTER $PRUNE_METHOD"; exit 1; }

# ---- the Backups ----
base=$(date -u +%s)
day=86400
export PRUNE_NOW=$((base + 60 * day))
cutoff=$((PRUNE_NOW - PRUNE_KEEP_SECONDS))
at() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# backup NAME CLUSTER METHOD PHASE STOPPED(epoch or "" or raw text)
objects=$WORK/backups.yaml
: >"$objects"
backup() {
	local name=$1 cluster=$2 method=$3 phase=$4 stopped=$5 status=""
	if [[ -n $phase ]]; then
		status="status: {phase: $phase"
		if [[ $stopped =~ ^[0-9]+$ ]]; then status+=", stoppedAt: '$(at "$stopped")'"; elif [[ -n $stopped ]]; then status+=", stoppedAt: '$stopped'"; fi
		status+="}"
	fi
	cat >>"$objects" <<EOF
---
apiVersion: postgresql.cnpg.io/v1
kind: Backup
metadata: {name: $name, namespace: $NS, labels: {cnpg.io/cluster: $cluster}}
spec: {cluster: {name: $cluster}, method: $method}
$status
EOF
}
old() { echo $((cutoff - $1 * day)); }   # N days before the cutoff
new() { echo $((cutoff + $1 * day)); }   # N days inside the window
keep_n=$PRUNE_KEEP_COMPLETED
# Two completed inside the window: kept, and they take two of the newest-N places.
backup c-new-1 "$DB" plugin completed "$(new 2)"
backup c-new-2 "$DB" plugin completed "$(new 4)"
# Old completed ones c-old-01 (oldest) .. c-old-NN: the newest (keep_n - 2) stay, the rest go.
old_count=$((keep_n + 3))
for ((i = 1; i <= old_count; i++)); do
	backup "$(printf 'c-old-%02d' "$i")" "$DB" plugin completed "$(old $((old_count + 1 - i)))"
done
backup f-old "$DB" plugin failed "$(old 3)"                # failed, old: goes
backup f-new "$DB" plugin failed "$(new 1)"                # failed, in the window: stays
backup running-old "$DB" plugin running ""                 # never a running one
backup pending-old "$DB" plugin pending ""                 # never a pending one
backup no-status "$DB" plugin "" ""                        # no phase yet: stays
backup walfail "$DB" barmanObjectStore walArchivingFailing "$(old 30)"  # not done: stays
backup snapshot-old "$DB" volumeSnapshot completed "$(old 40)"   # may own its VolumeSnapshots: never
backup snapshot-newest "$DB" volumeSnapshot completed "$(new 6)"  # the newest completed of all: takes no newest-N place
backup legacy-old "$DB" barmanObjectStore failed "$(old 40)"     # another method than this program's: stays
backup unreadable "$DB" plugin completed "yesterday"             # a time it cannot read: stays
backup other-cluster paperless-database plugin completed "$(old 50)"   # another cluster's: stays
backup held "$DB" plugin failed "$(old 20)"                      # already being deleted: left alone
admin apply -f "$objects" >/dev/null
admin -n "$NS" patch backups.postgresql.cnpg.io held --type=merge -p '{"metadata":{"finalizers":["test.homelab/hold"]}}' >/dev/null
admin -n "$NS" delete backups.postgresql.cnpg.io held --wait=false >/dev/null
# A Longhorn Backup of the same name as a doomed CNPG one, and a CNPG Backup in another namespace.
printf 'apiVersion: longhorn.io/v1beta2\nkind: Backup\nmetadata: {name: c-old-01, namespace: %s}\n' "$NS" | admin apply -f - >/dev/null
sed "s/namespace: $NS/namespace: other/" <(printf -- '---\napiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata: {name: c-old-01, namespace: %s}\nspec: {cluster: {name: %s}, method: plugin}\nstatus: {phase: completed, stoppedAt: "%s"}\n' "$NS" "$DB" "$(at "$(old 10)")") | admin apply -f - >/dev/null

expected_deleted=()
for ((i = 1; i <= old_count - (keep_n - 2); i++)); do expected_deleted+=("$(printf 'c-old-%02d' "$i")"); done
expected_deleted+=(f-old)

# ---- run it as the rendered ServiceAccount ----
mkdir -p "$WORK/as-sa" "$WORK/home"
cat >"$WORK/as-sa/kubectl" <<EOF
#!/bin/sh
exec $(command -v kubectl) --kubeconfig "$KC" --as=system:serviceaccount:$NS:$SA "\$@"
EOF
chmod +x "$WORK/as-sa/kubectl"
run_prune() { PATH="$WORK/as-sa:$PATH" HOME=$WORK/home PRUNE_DB=$DB PRUNE_TERMINATION_LOG=$WORK/termination bash "$SCRIPT"; }

names() { admin -n "$1" get "$2" -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}' | sort; }
before=$(names "$NS" backups.postgresql.cnpg.io)
set +e
out=$(run_prune 2>"$WORK/log1")
code=$?
set -e
verdict=$(tail -1 <<<"$out")
check "first run exits 0 ($verdict)" test "$code" -eq 0
total=$(grep -c "" <<<"$(grep -v other-cluster <<<"$before")")
check "the verdict counts this cluster's Backups and what it deleted" \
	test "$verdict" = "backup-prune OK db=$DB cluster=$DB backups=$total deleted=${#expected_deleted[@]} kept=$((total - ${#expected_deleted[@]})) cutoff=$(at "$cutoff")"
check "the termination log holds the verdict" test "$(cat "$WORK/termination")" = "$verdict"
after=$(names "$NS" backups.postgresql.cnpg.io)
gone=$(comm -23 <(echo "$before") <(echo "$after") | tr '\n' ' ')
want=$(printf '%s\n' "${expected_deleted[@]}" | sort | tr '\n' ' ')
check "exactly the done, old, own-method Backups beyond the newest $keep_n completed are gone: [$gone]" test "$gone" = "$want"
for kept in c-new-1 c-new-2 "$(printf 'c-old-%02d' "$old_count")" f-new running-old pending-old no-status walfail snapshot-old snapshot-newest legacy-old unreadable other-cluster held; do
	grep -qx "$kept" <<<"$after" || bad "$kept was deleted"
done
ok "every Backup that must stay is there"
check "the newest $keep_n completed Backups of the cluster are kept" \
	test "$(grep -cE '^c-(new|old)-' <<<"$after")" -eq "$keep_n"
check "Longhorn's Backup of the same name is untouched" quiet admin -n "$NS" get backups.longhorn.io c-old-01
check "the same name in another namespace is untouched" quiet admin -n other get backups.postgresql.cnpg.io c-old-01

set +e
out=$(run_prune 2>"$WORK/log2")
code=$?
set -e
check "a second run deletes nothing ($(tail -1 <<<"$out"))" \
	bash -c '[[ $0 -eq 0 && $1 == *" deleted=0 "* ]]' "$code" "$(tail -1 <<<"$out")"

# ---- the Role: what the ServiceAccount can and cannot do ----
can() { admin auth can-i "$@" --as="system:serviceaccount:$NS:$SA" -n "${NSX:-$NS}" 2>/dev/null; }
for allowed in "list backups.postgresql.cnpg.io" "delete backups.postgresql.cnpg.io"; do
	# shellcheck disable=SC2086
	if [[ $(can $allowed || true) == yes ]]; then ok "it may $allowed"; else bad "it may not $allowed"; fi
done
for denied in "get backups.postgresql.cnpg.io" "create backups.postgresql.cnpg.io" "patch backups.postgresql.cnpg.io" "delete backups.longhorn.io" \
	"delete clusters.postgresql.cnpg.io" "delete scheduledbackups.postgresql.cnpg.io" "get secrets"; do
	# shellcheck disable=SC2086
	if [[ $(can $denied || true) == no ]]; then ok "it may not $denied"; else bad "it may $denied"; fi
done
if [[ $(NSX=other can delete backups.postgresql.cnpg.io || true) == no ]]; then ok "it may not delete Backups in another namespace"; else bad "it may delete Backups in another namespace"; fi

# ---- failures are failures ----
set +e
out=$(PATH="$WORK/as-sa:$PATH" HOME=$WORK/home PRUNE_DB=$DB PRUNE_NAMESPACE=other PRUNE_TERMINATION_LOG=$WORK/t2 bash "$SCRIPT" 2>/dev/null)
code=$?
set -e
check "refused by the API server (another namespace): FAIL reason=api, exit 1 ($(tail -1 <<<"$out"))" \
	bash -c '[[ $0 -eq 1 && $1 == "backup-prune FAIL db='"$DB"' reason=api deleted=0 "* ]]' "$code" "$(tail -1 <<<"$out")"
set +e
out=$(PATH="$WORK/as-sa:$PATH" HOME=$WORK/home PRUNE_DB=$DB PRUNE_METHOD=volumeSnapshot PRUNE_TERMINATION_LOG=$WORK/t3 bash "$SCRIPT" 2>/dev/null)
code=$?
set -e
check "a volumeSnapshot method is refused: FAIL reason=config ($(tail -1 <<<"$out"))" \
	bash -c '[[ $0 -eq 1 && $1 == *"reason=config"* ]]' "$code" "$(tail -1 <<<"$out")"

admin -n "$NS" patch backups.postgresql.cnpg.io held --type=merge -p '{"metadata":{"finalizers":[]}}' >/dev/null 2>&1 || true
echo "$passed passed, $failed failed"
((failed == 0))
