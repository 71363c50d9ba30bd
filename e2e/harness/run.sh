#!/usr/bin/env bash
# End-to-end scenarios: the real Pulumi engine, Java host and Kubernetes provider (built from Go modules) run the
# real program against a kube-apiserver on 127.0.0.1 with the real CRDs installed. Nothing leaves loopback.
#
# Usage: e2e/harness/run.sh            (env E2E_KEEP=1 keeps the work dir for inspection)
# Prints one "PASS|FAIL <scenario>" line per scenario and "N passed, M failed" last; exits non-zero on a failure.
set -euo pipefail

E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(dirname "$E2E")
CRDS=${E2E_CRDS:-$(cd "$REPO/.." && pwd)/shared/crds}
work=$(mktemp -d /tmp/homelab-e2e.XXXXXX)
log() { printf '[e2e] %s\n' "$*" >&2; }

# ---- toolchain, program jar, cluster -------------------------------------------------------------------------
BIN=$(bash "$E2E/toolchain/build.sh" | tail -1)
[ -f "$REPO/target/homelab-backups-all.jar" ] || (cd "$REPO" && mvn -B -q package -DskipTests)
export E2E_STATE_DIR="$work/cluster"
export E2E_BIN_DIR="$BIN"
KUBECONFIG=$(bash "$E2E/cluster/start.sh" "$E2E_STATE_DIR" | tail -1)
export KUBECONFIG
controllers_pid=""
cleanup() {
  if [ -n "$controllers_pid" ]; then kill "$controllers_pid" 2>/dev/null || true; fi
  pkill -f "$work/project" 2>/dev/null || true
  bash "$E2E/cluster/stop.sh" "$E2E_STATE_DIR" || true
  if [ -z "${E2E_KEEP:-}" ]; then rm -rf "$work"; else log "kept $work"; fi
}
trap cleanup EXIT

export PATH="$BIN:$PATH"
export PULUMI_HOME="$work/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_CONFIG_PASSPHRASE=e2e-only PULUMI_BACKEND_URL="file://$work/state" PULUMI_SKIP_CONFIRMATIONS=true
mkdir -p "$work/state" "$PULUMI_HOME"
# Plugins from the toolchain, never downloaded: the Java host, and the provider under every version asked for
# (4.32.0 by our explicit provider; 4.0.0 is what the served Java SDK names).
pulumi plugin install language java 0.1.0 --file "$BIN/pulumi-language-java" >/dev/null 2>&1
for v in 4.32.0 4.0.0; do pulumi plugin install resource kubernetes "$v" --file "$BIN/pulumi-resource-kubernetes" >/dev/null 2>&1; done
export PULUMI_IGNORE_AMBIENT_PLUGINS=true

k() { kubectl "$@"; }

# The CRDs ArgoCD installed (VolSync's come from its chart in a real cluster), then the pre-existing world.
for f in "$CRDS"/*.yaml; do k apply --server-side -f "$f" >/dev/null; done
k wait --for=condition=Established crd --all --timeout=60s >/dev/null
k apply -f "$E2E/world/world.yaml" >/dev/null

# The test project: the e2e stack files, the prebuilt program jar.
project="$work/project"
mkdir -p "$project"
cp -r "$E2E/stack/." "$project/"
sed -i "s|@E2E_DIR@|$E2E|g" "$project/Pulumi.e2e.yaml"
cat > "$project/Pulumi.yaml" <<YAML
name: homelab-backups
runtime:
  name: java
  options:
    binary: $REPO/target/homelab-backups-all.jar
YAML
cd "$project"
pulumi stack init e2e >/dev/null
pulumi config set --secret s3AccessKey e2e-access-key >/dev/null
pulumi config set --secret s3SecretKey e2e-secret-key >/dev/null
pulumi config set --secret resticPassword e2e-restic-password >/dev/null

events="$work/events.log" hold="$work/hold"
: > "$events"; : > "$hold"
python3 "$E2E/harness/fake_controllers.py" "$KUBECONFIG" "$events" "$hold" &
controllers_pid=$!

# ---- helpers --------------------------------------------------------------------------------------------------
passed=0 failed=0
pvc_uids() { k get pvc -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}={.metadata.uid}{"\n"}{end}' | sort; }
uid() { k get pvc "$2" -n "$1" -o jsonpath='{.metadata.uid}'; }
up() { pulumi up --yes --skip-preview --non-interactive > "$work/up.log" 2>&1 || { tail -40 "$work/up.log" >&2; return 1; }; }
preview_steps() { # the engine's planned steps as "op type name" lines
  pulumi preview --json --non-interactive 2>"$work/preview.err" \
    | jq -r '.steps[]? | "\(.op) \(.urn | split("::")[2] | split("$") | last) \(.urn | split("::")[3])"'
}
objects_fingerprint() { # name and resourceVersion of everything in the test namespaces, sorted
  for ns in nginx plex jellyfin cloudnative-pg immich volsync-system; do
    k get secrets,pvc,configmaps,replicationsources,replicationdestinations,clusters.postgresql.cnpg.io,objectstores,scheduledbackups,postgresclusters \
      -n "$ns" -o jsonpath='{range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}@{.metadata.resourceVersion}{"\n"}{end}' 2>/dev/null
  done | sort
}
scenario() { # name, function
  log "scenario: $1"
  if "$2"; then passed=$((passed + 1)); echo "PASS $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
expect() { # description, command...
  local what="$1"; shift
  if "$@"; then return 0; fi
  log "expectation failed: $what"; return 1
}

# ---- scenarios ------------------------------------------------------------------------------------------------
migrate() {
  local before after
  before=$(pvc_uids)
  up || return 1
  after=$(pvc_uids)
  expect "every PVC adopted with its UID unchanged" [ "$before" = "$after" ] &&
  expect "repository secrets" k get secret nginx-backup-repo -n nginx -o name &&
  expect "replication sources" k get replicationsource nginx-backup -n nginx -o name &&
  expect "replication sources" k get replicationsource plex-backup -n plex -o name &&
  expect "replication sources" k get replicationsource jellyfin-media-backup -n jellyfin -o name &&
  expect "populator destinations (not for the static PV)" k get replicationdestination nginx-restore -n nginx -o name &&
  expect "destination paused while idle" [ "$(k get replicationdestination plex-restore -n plex -o jsonpath='{.spec.paused}')" = "true" ] &&
  expect "snapshot class" [ "$(k get volumesnapshotclass longhorn-snap -o jsonpath='{.parameters.type}')" = "snap" ] &&
  expect "CNPG plugin wiring" [ "$(k get cluster khoj-database -n cloudnative-pg -o jsonpath='{.spec.plugins[0].name}')" = "barman-cloud.cloudnative-pg.io" ] &&
  expect "CNPG owner's fields untouched" [ "$(k get cluster khoj-database -n cloudnative-pg -o jsonpath='{.spec.storage.size}')" = "1Gi" ] &&
  expect "ObjectStore and ScheduledBackup" k get objectstore khoj-database-backups -n cloudnative-pg -o name &&
  expect "six-field schedule" [ "$(k get scheduledbackup khoj-database-daily -n cloudnative-pg -o jsonpath='{.spec.schedule}')" = "0 0 3 * * *" ] &&
  expect "PGO pgbackrest wiring" [ "$(k get postgrescluster immich -n immich -o jsonpath='{.spec.backups.pgbackrest.repos[0].name}')" = "repo1" ] &&
  expect "PGO owner's fields untouched" [ "$(k get postgrescluster immich -n immich -o jsonpath='{.spec.postgresVersion}')" = "17" ]
}

second_up_is_noop() {
  local start=$SECONDS
  pulumi preview --expect-no-changes --non-interactive > "$work/preview.log" 2>&1 || { tail -40 "$work/preview.log" >&2; return 1; }
  log "preview (no changes) took $((SECONDS - start)) s"
}

window_change_updates_only_sources() {
  pulumi config set --path 'homelab-backups:schedule.windowStart' '04:00' >/dev/null
  local steps
  steps=$(preview_steps | grep -v '^same ')
  log "planned: $(echo "$steps" | tr '\n' ';')"
  expect "only ReplicationSources change" [ -z "$(echo "$steps" | grep -v ' kubernetes:volsync.backube/v1alpha1:ReplicationSource ' | grep -v ' pulumi:pulumi:Stack ')" ] &&
  expect "they are updates" [ -n "$(echo "$steps" | grep '^update ')" ] &&
  up &&
  expect "new hour" [ "$(k get replicationsource nginx-backup -n nginx -o jsonpath='{.spec.trigger.schedule}' | cut -d' ' -f2)" = "4" ] &&
  second_up_is_noop
}

removing_an_app_keeps_its_pvc() {
  local plex_uid urn
  plex_uid=$(uid plex plex-config-pvc)
  sed -i '/app: plex,/d' stacks/e2e/inventory.yaml
  if pulumi preview --non-interactive > "$work/preview.log" 2>&1; then
    log "preview should refuse to drop a protected PVC"; return 1
  fi
  # Documented step (README: Stop backing up an app): forget the PVC, never unprotect it.
  urn=$(pulumi stack --show-urns | grep -o 'urn:pulumi:[^ ]*PersistentVolumeClaim::plex-pvc' | sed -n 1p)
  pulumi state delete --force --yes "$urn" >/dev/null
  up &&
  expect "backup objects deleted" [ -z "$(k get replicationsource,replicationdestination,secret -n plex -o name 2>/dev/null | grep -E 'plex-backup|plex-restore')" ] &&
  expect "PVC kept with its UID" [ "$(uid plex plex-config-pvc)" = "$plex_uid" ]
}

restore_one_app() {
  local nginx_uid others_before id synced created
  nginx_uid=$(uid nginx nginx-storage)
  others_before=$(pvc_uids | grep -v '^nginx/')
  pulumi config set --path 'homelab-backups:restore.nginx' latest >/dev/null
  local steps; steps=$(preview_steps | grep -v '^same ')
  log "planned: $(echo "$steps" | tr '\n' ';')"
  expect "preview replaces exactly one PVC" [ "$(echo "$steps" | grep 'PersistentVolumeClaim' | grep -c -E '^(replace|delete-replaced|create-replacement) ')" -ge 1 ] &&
  expect "and no other PVC" [ -z "$(echo "$steps" | grep 'PersistentVolumeClaim' | grep -v ' nginx-pvc$')" ] &&
  up || return 1
  id=$(k get replicationdestination nginx-restore -n nginx -o jsonpath='{.spec.trigger.manual}')
  synced=$(grep -m1 "rd-synced nginx/nginx-restore $id" "$events" | cut -d' ' -f1)
  created=$(k get pvc nginx-storage -n nginx -o jsonpath='{.metadata.creationTimestamp}')
  log "trigger $id synced at $synced, PVC created at $created"
  expect "PVC replaced (new UID)" [ "$(uid nginx nginx-storage)" != "$nginx_uid" ] &&
  expect "PVC populated from the destination" [ "$(k get pvc nginx-storage -n nginx -o jsonpath='{.spec.dataSourceRef.name}')" = "nginx-restore" ] &&
  expect "destination synced before the PVC was created" python3 -c "
import sys; from datetime import datetime
s = datetime.fromisoformat(sys.argv[1]); c = datetime.fromisoformat(sys.argv[2].replace('Z', '+00:00'))
sys.exit(0 if s.replace(microsecond=0) <= c else 1)" "$synced" "$created" &&
  expect "no other PVC touched" [ "$(pvc_uids | grep -v '^nginx/')" = "$others_before" ] &&
  second_up_is_noop &&
  pulumi config rm --path 'homelab-backups:restore.nginx' >/dev/null || return 1
  local restored_uid; restored_uid=$(uid nginx nginx-storage)
  steps=$(preview_steps | grep -v '^same ')
  log "planned after removing the request: $(echo "$steps" | tr '\n' ';')"
  # Protection comes back (a state-only update); nothing may delete or replace the PVC.
  expect "removing the request plans no PVC replace or delete" \
    [ -z "$(echo "$steps" | grep PersistentVolumeClaim | grep -E '^(replace|delete|create-replacement|delete-replaced|create) ')" ] &&
  up && expect "PVC untouched after the request is gone" [ "$(uid nginx nginx-storage)" = "$restored_uid" ] &&
  second_up_is_noop
}

bad_inventory_changes_nothing() {
  local before out
  before=$(objects_fingerprint)
  cp stacks/e2e/inventory.yaml "$work/inventory.good"
  sed -i 's/capacity: 1Gi, accessModes: \[ReadWriteOnce\]/capacty: 1Gi, accessModes: [ReadWriteOnce]/' stacks/e2e/inventory.yaml
  if out=$(pulumi preview --non-interactive 2>&1); then log "preview accepted a bad inventory"; cp "$work/inventory.good" stacks/e2e/inventory.yaml; return 1; fi
  cp "$work/inventory.good" stacks/e2e/inventory.yaml
  expect "the validation message reaches the user" grep -q "capacty: unknown key" <<< "$out" &&
  expect "API server unchanged" [ "$(objects_fingerprint)" = "$before" ]
}

interrupted_up_converges() {
  local pid
  echo "nginx/nginx-restore" > "$hold"      # VolSync "takes its time"
  pulumi config set --path 'homelab-backups:restore.nginx' 'latest@again' >/dev/null
  pulumi up --yes --skip-preview --non-interactive > "$work/interrupted.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    [ "$(k get replicationdestination nginx-restore -n nginx -o jsonpath='{.spec.paused}')" = "false" ] && break
    sleep 1
  done
  sleep 2
  pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  log "killed pulumi up mid-restore"
  expect "nothing deleted while waiting" k get pvc nginx-storage -n nginx -o name || return 1
  : > "$hold"
  # Documented recovery (README: When a restore fails): clear a stale lock if any, run up again.
  rm -rf "$work/state/.pulumi/locks"
  up &&
  expect "PVC exists and carries the new request" [ -n "$(k get pvc nginx-storage -n nginx -o jsonpath='{.metadata.annotations.homelab-backups/restore-id}')" ] &&
  second_up_is_noop
}

disaster_recovery_restores_before_backups() {
  # A rebuilt cluster: a second stack whose volume does not exist yet (own namespaces and snapshot class, so it
  # does not collide with the first stack's cluster-wide objects).
  local dr="$work/dr-project" synced pvc_created rs_created
  mkdir -p "$dr/stacks/e2e-dr"
  cp Pulumi.yaml "$dr/"
  sed -e "s|@E2E_DIR@|$E2E|g" -e 's/namespace: volsync-system/namespace: volsync-dr/' \
    -e 's/- name: longhorn-snap/- name: longhorn-snap-dr/' "$E2E/stack/Pulumi.e2e.yaml" > "$dr/Pulumi.e2e-dr.yaml"
  echo "volumes:
  - {app: notes, namespace: dr-notes, pvc: notes-data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}" \
    > "$dr/stacks/e2e-dr/inventory.yaml"
  k create namespace dr-notes >/dev/null
  (
    cd "$dr" &&
    pulumi stack init e2e-dr >/dev/null &&
    pulumi config set --secret s3AccessKey e2e-access-key >/dev/null &&
    pulumi config set --secret s3SecretKey e2e-secret-key >/dev/null &&
    pulumi config set --secret resticPassword e2e-restic-password >/dev/null &&
    pulumi config set --path 'homelab-backups:recovery.disasterRecovery' true >/dev/null &&
    up
  ) || return 1
  synced=$(grep -m1 "rd-synced dr-notes/notes-restore dr-bootstrap" "$events" | cut -d' ' -f1)
  pvc_created=$(k get pvc notes-data -n dr-notes -o jsonpath='{.metadata.creationTimestamp}')
  rs_created=$(k get replicationsource notes-backup -n dr-notes -o jsonpath='{.metadata.creationTimestamp}')
  log "dr: destination synced $synced, PVC created $pvc_created, backups created $rs_created"
  expect "PVC created from its destination" [ "$(k get pvc notes-data -n dr-notes -o jsonpath='{.spec.dataSourceRef.name}')" = "notes-restore" ] &&
  expect "destination restored before the PVC, backups after it" python3 -c "
import sys; from datetime import datetime
s = datetime.fromisoformat(sys.argv[1]).replace(microsecond=0)
p = datetime.fromisoformat(sys.argv[2].replace('Z', '+00:00')); r = datetime.fromisoformat(sys.argv[3].replace('Z', '+00:00'))
sys.exit(0 if s <= p <= r else 1)" "$synced" "$pvc_created" "$rs_created" &&
  (cd "$dr" && pulumi config set --path 'homelab-backups:recovery.disasterRecovery' false >/dev/null &&
    ! preview_steps | grep PersistentVolumeClaim | grep -qE '^(replace|delete|create-replacement|delete-replaced) ')
}

scenario "a migrate: adopt PVCs, create backups, API server accepts all" migrate
scenario "b second up is a no-op" second_up_is_noop
scenario "c schedule window change updates only ReplicationSources" window_change_updates_only_sources
scenario "d removing an app deletes its backups and keeps its PVC" removing_an_app_keeps_its_pvc
scenario "e restore one app: trigger, wait, replace only that PVC" restore_one_app
scenario "f bad inventory: preview fails, API server unchanged" bad_inventory_changes_nothing
scenario "g interrupted up converges with no PVC lost" interrupted_up_converges
scenario "h disaster recovery: restore every PVC, then start backups" disaster_recovery_restores_before_backups

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
