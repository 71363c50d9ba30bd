#!/usr/bin/env bash
# End-to-end scenarios: the real Pulumi engine, Java host and Kubernetes provider (built from Go modules) run the
# real program against a kube-apiserver on 127.0.0.1 whose world looks like the live cluster's: the prod inventory's
# claims and 3 database clusters, created the way Argo CD creates them, bound by the real PV binder to volumes a
# CSI stand-in provisions, in use by pods, protected by the real PVC/PV-protection controllers. What cannot run here
# (Longhorn's CSI driver, the snapshot controller, VolSync) is played by e2e/standins, each behaviour cited to its
# source; the volumes hold real files (a directory each) and VolSync's movers run the real restic 0.18.0 against an S3
# server on 127.0.0.1. Nothing leaves loopback.
#
# Usage: e2e/harness/run.sh [scenario letter...]   (default: all; env E2E_KEEP=1 keeps the work dir; E2E_WAIT=1
#        leaves the cluster and stand-ins running after the scenarios until the script is interrupted)
# Prints one "PASS|FAIL <scenario>" line per scenario and "N passed, M failed" last; exits non-zero on a failure.
set -euo pipefail

E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(dirname "$E2E")
CRDS=${E2E_CRDS:-$(cd "$REPO/.." && pwd)/shared/crds}
ONLY=" $* "
work=$(mktemp -d /tmp/homelab-e2e.XXXXXX)
log() { printf '[e2e] %s\n' "$*" >&2; }

# ---- toolchain, program jar, cluster -------------------------------------------------------------------------
BIN=$(bash "$E2E/toolchain/build.sh" | tail -1)
[ -f "$REPO/target/homelab-backups-all.jar" ] || (cd "$REPO" && mvn -B -q package -DskipTests)
export E2E_STATE_DIR="$work/cluster"
export E2E_BIN_DIR="$BIN"
standins_pid=""
started_pids=()
cleanup() {
  if [ -n "$standins_pid" ]; then kill "$standins_pid" 2>/dev/null || true; fi
  # Only what this script started, by process id (and their children, which the language host starts).
  for pid in "${started_pids[@]}"; do pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; done
  bash "$E2E/cluster/stop.sh" "$E2E_STATE_DIR" || true
  if [ -z "${E2E_KEEP:-}" ]; then rm -rf "$work"; else log "kept $work"; fi
}
trap cleanup EXIT
trap 'exit 143' INT TERM   # so that an interrupted run still stops what it started
KUBECONFIG=$(bash "$E2E/cluster/start.sh" "$E2E_STATE_DIR" | tail -1)
export KUBECONFIG

export PATH="$BIN:$PATH"
# Every pulumi command runs with SIGINT at its default action: started in the background (as CI may start this
# suite), the engine's plugins would inherit it ignored and each command wait 5 s for them (default-signals.py).
pulumi() { python3 "$E2E/harness/default-signals.py" pulumi "$@"; }
export PULUMI_HOME="$work/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_CONFIG_PASSPHRASE=e2e-only PULUMI_BACKEND_URL="file://$work/state" PULUMI_SKIP_CONFIRMATIONS=true
mkdir -p "$work/state" "$PULUMI_HOME"
# Plugins from the toolchain, never downloaded: the Java host, and the provider under every version asked for
# (4.32.0 by our explicit provider; 4.0.0 is what the served Java SDK names).
pulumi plugin install language java 0.1.0 --file "$BIN/pulumi-language-java" >/dev/null 2>&1
for v in 4.32.0 4.0.0; do pulumi plugin install resource kubernetes "$v" --file "$BIN/pulumi-resource-kubernetes" >/dev/null 2>&1; done
export PULUMI_IGNORE_AMBIENT_PLUGINS=true

# A `java` in front of the real one records how long each JVM the language host starts lives: the program
# (`-jar`) and plugin discovery (`... Main packages`), for the preview timings below.
mkdir -p "$work/shim"
real_java=$(command -v java)
cat > "$work/shim/java" <<SHIM
#!/usr/bin/env bash
start=\$(date +%s.%N)
"$real_java" "\$@"
rc=\$?
echo "\$start \$(date +%s.%N) \$*" >> "$work/java-times.log"
exit \$rc
SHIM
chmod +x "$work/shim/java"
export PATH="$work/shim:$PATH"

k() { kubectl "$@"; }
# Stopping an app: its pod goes away. No kubelet runs here to confirm the termination of a scheduled pod, so the
# harness deletes it the way the kubelet's confirmation would (grace period 0); until then PVC protection counts it.
stop_app() {
  k get pod -n "$1" "$2" -o json 2>/dev/null | jq 'del(.metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.managedFields, .status)' > "$work/pod-$1-$2.json" || true
  k delete pod -n "$1" "$2" --ignore-not-found --grace-period=0 --force >/dev/null 2>&1
}
start_app() { # what the app's controller does after a scale-up (an app with no running pod stays so)
  if [ -s "$work/pod-$1-$2.json" ]; then k create -f "$work/pod-$1-$2.json" >/dev/null; fi
}

# ---- the world before the migration ---------------------------------------------------------------------------
# The CRDs of everything Argo CD installed before (snapshot, CNPG and its Barman plugin, PGO, Longhorn, Prometheus
# operator). VolSync's are not among them: the program's Helm release installs them (as the real chart does).
for f in "$CRDS"/*.yaml; do
  case "$(basename "$f")" in volsync.*) continue ;; esac
  k apply --server-side -f "$f" >/dev/null
done
# kubectl 1.32's wait errors at once ("accessor error: <nil>") on a CRD whose status has no conditions yet, which
# a loaded machine sees right after the apply: ask again until every CRD reports Established.
for _ in $(seq 1 60); do k wait --for=condition=Established crd --all --timeout=60s >/dev/null 2>&1 && break; sleep 1; done
k wait --for=condition=Established crd --all --timeout=60s >/dev/null

# The real backup tools: restic 0.18.0 (what the mover image vendors) and the loopback S3 server the repositories live
# in (scripts/test-tools.sh, shared with the drill tests; built once into the tools cache).
# shellcheck source-path=SCRIPTDIR source=../../scripts/test-tools.sh
source "$REPO/scripts/test-tools.sh"
RESTIC=$(test_tools_restic)
S3_ROOT="$work/s3"
S3_BUCKET=volsync-backups
# The database bucket too: preview and up read each database's archive before anything is registered (docs/lineage.md),
# and the e2e stack does not manage its buckets.
S3_PG_BUCKET=postgres-backups
# Scenario o's second stack has clusters of the same names in other namespaces: its own database bucket, or its
# clusters would share the first stack's archives (which plan/Lineage refuses, as it should).
S3_PG_BUCKET_SSA=postgres-backups-ssa
s3_pid=$(test_tools_start_s3 "$S3_ROOT" "$S3_BUCKET,$S3_PG_BUCKET,$S3_PG_BUCKET_SSA" "$work/s3.port" "$work/s3.log") || exit 1
started_pids+=("$s3_pid")
S3_ENDPOINT="http://127.0.0.1:$(cat "$work/s3.port")"
log "S3 server pid $s3_pid at $S3_ENDPOINT, objects under $S3_ROOT"

standins="$work/standins"
mkdir -p "$standins"
: > "$standins/hold"
# The database stand-in uploads Barman's layout of each base backup to the S3 server (databases.py).
E2E_S3_ENDPOINT="$S3_ENDPOINT" python3 "$E2E/standins/run.py" "$KUBECONFIG" "$standins" "$RESTIC" 2>>"$standins/errors.log" &
standins_pid=$!
events="$standins/events.log"
python3 "$E2E/world/world.py" "$KUBECONFIG" "$REPO/stacks/prod/inventory.yaml" "$standins" --apply csa >&2

# The stand-in VolSync chart, with the VolSync CRDs as templates behind manageCRDs, keep-annotated, as upstream's.
chart="$work/charts/volsync"
mkdir -p "$chart"
cp -r "$E2E/charts/volsync/." "$chart/"
for crd in replicationsources replicationdestinations; do
  { echo '{{- if .Values.manageCRDs }}'
    sed 's|^    controller-gen.kubebuilder.io/version: .*|&\n    helm.sh/resource-policy: keep|' "$CRDS/volsync.backube_$crd.yaml"
    echo '{{- end }}'; } > "$chart/templates/volsync.backube_$crd.yaml"
done

# The test project: the e2e stack's settings, the prod inventory, the prebuilt program jar.
project="$work/project"
new_project() { # dir stack settings-file inventory-file
  mkdir -p "$1/stacks/$2"
  sed -e "s|@CHART_DIR@|$chart|g" -e "s|@S3_ENDPOINT@|$S3_ENDPOINT|g" "$3" > "$1/Pulumi.$2.yaml"
  cp "$4" "$1/stacks/$2/inventory.yaml"
  cat > "$1/Pulumi.yaml" <<YAML
name: homelab-backups
runtime:
  name: java
  options:
    binary: $REPO/target/homelab-backups-all.jar
YAML
  (cd "$1" && pulumi stack init "$2" >/dev/null &&
    pulumi config set --secret s3AccessKey e2e-access-key >/dev/null &&
    pulumi config set --secret s3SecretKey e2e-secret-key >/dev/null &&
    pulumi config set --secret resticPassword e2e-restic-password >/dev/null)
}
new_project "$project" e2e "$E2E/stack/Pulumi.e2e.yaml" "$REPO/stacks/prod/inventory.yaml"
cd "$project"

# ---- helpers --------------------------------------------------------------------------------------------------
passed=0 failed=0 skipped=0
app_namespaces() { python3 -c "import sys,yaml; d=yaml.safe_load(open(sys.argv[1])); print(' '.join(sorted({x['namespace'] for x in d.get('volumes',[])+d.get('databases',[])})))" "$1"; }
NAMESPACES="$(app_namespaces "$REPO/stacks/prod/inventory.yaml") longhorn-system"
BACKED_UP=$(python3 -c "import sys,yaml; print(sum(1 for v in yaml.safe_load(open(sys.argv[1]))['volumes'] if 'exclude' not in v))" "$REPO/stacks/prod/inventory.yaml")
drop_app() { # removes one volume from the stack's inventory (the entry may span lines)
  python3 - "$1" stacks/e2e/inventory.yaml <<'PY'
import sys, yaml
app, path = sys.argv[1:3]
inv = yaml.safe_load(open(path))
inv["volumes"] = [v for v in inv["volumes"] if v["app"] != app]
yaml.safe_dump(inv, open(path, "w"), sort_keys=False)
PY
}
pvc_uids() { k get pvc -A -l '!app.kubernetes.io/created-by' -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}={.metadata.uid}{"\n"}{end}' | grep -v ' vs-prime-' | sort; }
uid() { k get pvc "$2" -n "$1" -o jsonpath='{.metadata.uid}'; }
fingerprint() { python3 "$E2E/harness/fingerprint.py" "$KUBECONFIG" $NAMESPACES > "$1"; }
unchanged() { python3 "$E2E/harness/fingerprint.py" --diff "$@" >&2; }   # before after [--only RE] [--except RE]
content() { # what the claim's volume holds (its files on disk), as "files token"
  local pv; pv=$(k get pvc "$2" -n "$1" -o jsonpath='{.spec.volumeName}')
  python3 "$E2E/standins/store.py" content "$standins" "$pv"
}
digest() { # sha256 of every file of the claim's volume, one "sha256  path" line each
  python3 "$E2E/standins/store.py" digest "$standins" "$(k get pvc "$2" -n "$1" -o jsonpath='{.spec.volumeName}')"
}
repo() { # namespace app restic-args...: the real restic on an app's repository, as the mover sees it
  local ns=$1 app=$2; shift 2
  RESTIC_REPOSITORY="s3:$S3_ENDPOINT/$S3_BUCKET/$ns/$app" RESTIC_PASSWORD=e2e-restic-password AWS_ACCESS_KEY_ID=e2e-access-key \
    AWS_SECRET_ACCESS_KEY=e2e-secret-key AWS_DEFAULT_REGION=us-east-1 "$RESTIC" --no-cache "$@"
}
repo_tokens() { # namespace app: the token each snapshot of the app's repository holds, oldest first (restic dump)
  local id
  for id in $(repo "$1" "$2" snapshots --json 2>/dev/null | jq -r 'sort_by(.time) | .[].short_id'); do
    repo "$1" "$2" dump "$id" /token.txt 2>/dev/null   # `backup .` stores the directory's files at the tree's root
  done | tr '\n' ' ' | sed 's/ $//'
}
bucket_digest() { (cd "$S3_ROOT" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
up() { pulumi up --yes --skip-preview --non-interactive > "$work/up.log" 2>&1 || { tail -40 "$work/up.log" >&2; return 1; }; }
app_writes() { # namespace claim token: the app writes new data into its volume (the stand-in applies it)
  echo "$1/$2 200 $3" >> "$standins/writes"
  for _ in $(seq 1 30); do grep -q "app-wrote $1/$2 $3" "$events" && return 0; sleep 0.5; done
  log "the write to $1/$2 was not applied"; return 1
}
pv_of() { k get pvc "$2" -n "$1" -o jsonpath='{.spec.volumeName}'; }
pv_content() { python3 "$E2E/standins/store.py" content "$standins" "$1" | cut -d' ' -f2-; }
preview_steps() { # the engine's planned steps as "op type name" lines
  pulumi preview --json --non-interactive 2>"$work/preview.err" \
    | jq -r '.steps[]? | "\(.op) \(.urn | split("::")[2] | split("$") | last) \(.urn | split("::")[3])"'
}
changes() { grep -v -E '^(same|read) '; }
backups_settled() { # every ReplicationSource finished a sync and none is running (real restic: seconds each)
  local deadline=$((SECONDS + ${1:-300})) out
  while [ $SECONDS -lt $deadline ]; do
    out=$(k get replicationsources -A -o json | jq -r '.items[] | select((.status.lastSyncTime // "") == "" or (.status.lastSyncStartTime // "") != "") | .metadata.name')
    [ -z "$out" ] && return 0
    sleep 1
  done
  log "backups still running: $(echo "$out" | tr '\n' ' ')"; return 1
}
no_changes() {
  local start=$SECONDS
  : > "$work/java-times.log"
  pulumi preview --expect-no-changes --non-interactive > "$work/preview.log" 2>&1 || { tail -40 "$work/preview.log" >&2; return 1; }
  local took=$((SECONDS - start))
  log "preview (no changes) took ${took} s; $(python3 - "$work/java-times.log" <<'PY'
import sys
rows = [l.split(None, 2) for l in open(sys.argv[1]) if l.strip()]
prog = [float(b) - float(a) for a, b, args in rows if args.startswith("-jar")]
disc = [float(b) - float(a) for a, b, args in rows if " packages" in args]
print(f"program JVM {sum(prog):.2f} s, plugin discovery {sum(disc):.2f} s")
PY
)"
}
scenario() { # letter, name, function
  if [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $1 "* ]]; then skipped=$((skipped + 1)); return; fi
  log "scenario $1: $2"
  if "$3"; then passed=$((passed + 1)); echo "PASS $1 $2"; else failed=$((failed + 1)); echo "FAIL $1 $2"; after_failure; fi
}
after_failure() { # a failed scenario may leave its restore requests set: the next one starts without them (a failure
  # stays one FAIL instead of every later scenario's refusal); what it left in the cluster stays, for the log.
  local left
  left=$(pulumi config get homelab-backups:restore 2>/dev/null) || return 0
  log "after the failure: removing the restore requests it left ($left)"
  pulumi config rm homelab-backups:restore >/dev/null 2>&1 || true
}
expect() { # description, command...
  local what="$1"; shift
  if "$@"; then return 0; fi
  log "expectation failed: $what"; return 1
}
# Order of writes, exactly: storage revisions (e2e/harness/revisions.py), not timestamps stored to the second.
revision() { python3 "$E2E/harness/revisions.py" "$E2E_STATE_DIR/kine/state.db" "$@"; }   # created KEY | first KEY FIELD VALUE
before() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }

fingerprint "$work/world-before.json"
k get pvc -A -o json | jq -S '[.items[] | {k: "\(.metadata.namespace)/\(.metadata.name)", labels: .metadata.labels, annotations: .metadata.annotations, spec: .spec}]' > "$work/pvcs-before.json"

# ---- scenarios ------------------------------------------------------------------------------------------------
migrate() {
  local before steps
  before=$(pvc_uids)
  expect "VolSync is not installed before the first up" [ -z "$(k get crd -o name | grep volsync.backube)" ] || return 1
  steps=$(preview_steps)
  log "first preview: $(echo "$steps" | changes | cut -d' ' -f1 | sort | uniq -c | tr '\n' ' ')"
  expect "preview imports every backed-up PVC ($BACKED_UP)" [ "$(echo "$steps" | grep -c '^import kubernetes:core/v1:PersistentVolumeClaim ')" = "$BACKED_UP" ] &&
  expect "preview plans no replace or delete of anything" [ -z "$(echo "$steps" | grep -E '^(replace|create-replacement|delete-replaced|delete|import-replacement) ')" ] &&
  up || return 1
  expect "every PVC adopted with its UID unchanged" [ "$before" = "$(pvc_uids)" ] &&
  expect "the others' labels, annotations and spec untouched" diff <(k get pvc -A -o json | jq -S --slurpfile b "$work/pvcs-before.json" \
      '[.items[] | {k: "\(.metadata.namespace)/\(.metadata.name)", labels: .metadata.labels, annotations: .metadata.annotations, spec: .spec}] | map(select(.k as $k | $b[0] | map(.k) | index($k)))') "$work/pvcs-before.json" &&
  expect "the release installed the VolSync CRDs" [ "$(k get crd replicationsources.volsync.backube -o jsonpath='{.metadata.annotations.meta\.helm\.sh/release-name}')" = volsync ] &&
  expect "a replication source per backed-up volume" [ "$(k get replicationsources -A -o name | wc -l)" = "$BACKED_UP" ] &&
  expect "snapshot class" [ "$(k get volumesnapshotclass longhorn-snap -o jsonpath='{.parameters.type}')" = "snap" ] &&
  expect "CNPG plugin wiring" [ "$(k get cluster khoj-database -n cloudnative-pg -o jsonpath='{.spec.plugins[0].name}')" = "barman-cloud.cloudnative-pg.io" ] &&
  expect "CNPG owner's fields untouched" [ "$(k get cluster khoj-database -n cloudnative-pg -o jsonpath='{.spec.imageName}')" = "ghcr.io/cloudnative-pg/postgresql:16.2" ] &&
  expect "six-field schedule" [ "$(k get scheduledbackup khoj-database-daily -n cloudnative-pg -o jsonpath='{.spec.schedule}')" = "0 0 3 * * *" ] &&
  expect "PGO pgbackrest wiring" [ "$(k get postgrescluster immich -n immich -o jsonpath='{.spec.backups.pgbackrest.repos[0].name}')" = "repo1" ] &&
  expect "PGO owner's fields untouched" [ "$(k get postgrescluster immich -n immich -o jsonpath='{.spec.image}')" = "ghcr.io/waifulabs/crunchydata-vectorchord:ubi9-17.7-2550" ] &&
  expect "every source made its first backup at once (VolSync syncs on creation)" backups_settled &&
  expect "no destination without a restore, so no standing destination volume (VolSync provisions one for any destination, paused or not)" \
    [ -z "$(ours replicationdestinations; ours pvc | grep -- '-dest$')" ] &&
  expect "nginx's repository (real restic, in the loopback S3 server) holds nginx's data" [ "$(repo_tokens nginx-example nginx)" = "nginx@world" ]
}

second_up_is_noop() {
  no_changes && up && expect "the second up changed nothing" grep -q "unchanged" "$work/up.log" && no_changes &&
  # runtime/TunedJvm: the program runs in the JVM its jar sets up, whose class-data archive a run of this build made.
  expect "the jar's class-data archive, made by a run of this build, is beside it" \
    [ -n "$(find "$REPO/target" -maxdepth 1 -name 'homelab-backups-all-*.jsa' -newer "$REPO/target/homelab-backups-all.jar")" ]
}

window_change_updates_only_sources() {
  pulumi config set --path 'homelab-backups:schedule.windowStart' '04:00' >/dev/null
  local steps
  steps=$(preview_steps | changes)
  log "planned: $(echo "$steps" | cut -d' ' -f1,2 | sort | uniq -c | tr '\n' ';')"
  # ... and the alert rules, whose descriptions name each schedule.
  expect "only ReplicationSources change" [ -z "$(echo "$steps" | grep -v ' kubernetes:volsync.backube/v1alpha1:ReplicationSource ' | grep -v ' pulumi:pulumi:Stack ' | grep -v '^update kubernetes:monitoring.coreos.com/v1:PrometheusRule wave3-proof-alert-rules$')" ] &&
  expect "they are updates" [ -n "$(echo "$steps" | grep '^update ')" ] &&
  up &&
  expect "new hour" [ "$(k get replicationsource nginx-backup -n nginx-example -o jsonpath='{.spec.trigger.schedule}' | cut -d' ' -f2)" = "4" ] &&
  no_changes
}

size_mismatch_stops_before_any_change() {
  local out
  backups_settled || return 1
  fingerprint "$work/fp-before.json"
  cp stacks/e2e/inventory.yaml "$work/inventory.good"
  sed -i 's/pvc: fizzy-data, capacity: 5Gi/pvc: fizzy-data, capacity: 6Gi/' stacks/e2e/inventory.yaml
  if out=$(pulumi preview --non-interactive 2>&1); then log "preview accepted an inventory the live PVC disagrees with"; cp "$work/inventory.good" stacks/e2e/inventory.yaml; return 1; fi
  echo "$out" > "$work/mismatch-preview.log"
  local up_out=""
  up_out=$(pulumi up --yes --skip-preview --non-interactive 2>&1) && { log "up accepted the mismatch"; cp "$work/inventory.good" stacks/e2e/inventory.yaml; return 1; }
  cp "$work/inventory.good" stacks/e2e/inventory.yaml
  fingerprint "$work/fp-after.json"
  log "preview said: $(grep -m1 'volumes (fizzy)' <<< "$out")"
  expect "the error names the app, the field and both sizes" grep -q "volumes (fizzy): capacity: the live PVC fizzy/fizzy-data requests 5Gi; the inventory says 6Gi" <<< "$out" &&
  expect "no replace was planned" [ -z "$(grep -E '\+-|replace' <<< "$out" | grep -v 'no PVC was touched')" ] &&
  expect "up refuses the same way" grep -q "volumes (fizzy): capacity" <<< "$up_out" &&
  expect "nothing in the apps' world changed" unchanged "$work/fp-before.json" "$work/fp-after.json" &&
  no_changes
}

removing_an_app_keeps_its_pvc() {
  local nestmtx_uid urn
  nestmtx_uid=$(uid nestmtx nestmtx-storage-pvc)
  drop_app nestmtx
  if pulumi preview --non-interactive > "$work/preview.log" 2>&1; then
    log "preview should refuse to drop a protected PVC"; return 1
  fi
  # Documented step (README: Stop backing up an app): forget the PVC, never unprotect it.
  urn=$(pulumi stack --show-urns | grep -o 'urn:pulumi:[^ ]*PersistentVolumeClaim::nestmtx-pvc' | sed -n 1p)
  pulumi state delete --force --yes "$urn" >/dev/null
  up &&
  expect "backup objects deleted" [ -z "$(k get replicationsource,replicationdestination,secret -n nestmtx -o name 2>/dev/null | grep -E 'nestmtx-backup|nestmtx-restore')" ] &&
  expect "PVC kept with its UID" [ "$(uid nestmtx nestmtx-storage-pvc)" = "$nestmtx_uid" ] &&
  expect "PVC still bound to its volume" [ "$(k get pvc nestmtx-storage-pvc -n nestmtx -o jsonpath='{.status.phase}')" = Bound ]
}

restore_one_app() {
  local nginx_uid old_pv others_before id synced created steps
  backups_settled || return 1
  nginx_uid=$(uid nginx-example nginx-storage)
  old_pv=$(pv_of nginx-example nginx-storage)
  others_before=$(pvc_uids | grep -v '^nginx-example/')
  # What Argo CD applies from Git (client-side apply keeps it in last-applied-configuration): the undo re-creates it.
  k get pvc nginx-storage -n nginx-example -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}' > "$work/nginx-pvc-git.json"
  # What last night's backup read (real files, sha256 each); then the app wrote more: the restore brings back the
  # backup, the old volume keeps the rest.
  digest nginx-example nginx-storage > "$work/nginx-backed-up.sha256"
  app_writes nginx-example nginx-storage nginx@day2 || return 1
  # README: Restore a volume, "Before": stop the app (its pod keeps the claim in use; PVC protection would hold the delete).
  stop_app nginx-example nginx-example-0
  pulumi config set --path 'homelab-backups:restore.nginx' latest >/dev/null
  steps=$(preview_steps | changes)
  log "planned: $(echo "$steps" | tr '\n' ';')"
  expect "preview replaces exactly one PVC" [ "$(echo "$steps" | grep 'PersistentVolumeClaim' | grep -c -E '^(replace|delete-replaced|create-replacement) ')" -ge 1 ] &&
  expect "and no other PVC" [ -z "$(echo "$steps" | grep 'PersistentVolumeClaim' | grep -v ' nginx-pvc$')" ] &&
  expect "the destination is created for this restore" [ -n "$(echo "$steps" | grep '^create kubernetes:volsync.backube/v1alpha1:ReplicationDestination nginx-destination$')" ] &&
  up || return 1
  id=$(k get replicationdestination nginx-restore -n nginx-example -o jsonpath='{.spec.trigger.manual}')
  synced=$(revision first /registry/volsync.backube/replicationdestinations/nginx-example/nginx-restore status.lastManualSync "$id" || true)
  created=$(revision created /registry/persistentvolumeclaims/nginx-example/nginx-storage || true)
  log "trigger $id synced at revision $synced, PVC created at revision $created; restored: $(content nginx-example nginx-storage); old volume $old_pv: $(k get pv "$old_pv" -o jsonpath='{.status.phase} {.spec.persistentVolumeReclaimPolicy}') $(pv_content "$old_pv")"
  expect "PVC replaced (new UID)" [ "$(uid nginx-example nginx-storage)" != "$nginx_uid" ] &&
  expect "PVC populated from the destination" [ "$(k get pvc nginx-storage -n nginx-example -o jsonpath='{.spec.dataSourceRef.name}')" = "nginx-restore" ] &&
  expect "bound by the real binder to the volume the populator filled" [ -n "$(k get pv "$(pv_of nginx-example nginx-storage)" -o jsonpath='{.metadata.annotations.volsync\.backube/populated-from}')" ] &&
  expect "it holds what was backed up" [ "$(content nginx-example nginx-storage | cut -d' ' -f2)" = "nginx@world" ] &&
  expect "every file, byte for byte (sha256 of each file, restored by the real restic)" diff "$work/nginx-backed-up.sha256" <(digest nginx-example nginx-storage) >&2 &&
  expect "the destination's report is restic 0.18.0's own restore line" \
    grep -qE '^restoring snapshot [0-9a-f]{8} of \[.*/data\] at .* by root@volsync to \.$' <<< "$(k get replicationdestination nginx-restore -n nginx-example -o jsonpath='{.status.latestMoverStatus.logs}')" &&
  expect "destination synced before the PVC was created (storage revisions)" before "$synced" "$created" &&
  expect "the old volume was kept (Retain) and still holds the newer data" \
    [ "$(k get pv "$old_pv" -o jsonpath='{.status.phase} {.spec.persistentVolumeReclaimPolicy}')" = "Released Retain" ] &&
  expect "..." [ "$(pv_content "$old_pv")" = "nginx@day2" ] &&
  expect "no other PVC touched" [ "$(pvc_uids | grep -v '^nginx-example/')" = "$others_before" ] &&
  start_app nginx-example nginx-example-0 &&
  no_changes || return 1
  echo "$old_pv" > "$work/nginx-old-pv"
  pulumi config rm --path 'homelab-backups:restore.nginx' >/dev/null || return 1
  local restored_uid; restored_uid=$(uid nginx-example nginx-storage)
  steps=$(preview_steps | changes)
  log "planned after removing the request: $(echo "$steps" | tr '\n' ';')"
  # Protection comes back (a state-only update); the destination goes; nothing may delete or replace the PVC.
  expect "removing the request plans no PVC replace or delete" \
    [ -z "$(echo "$steps" | grep PersistentVolumeClaim | grep -E '^(replace|delete|create-replacement|delete-replaced|create) ')" ] &&
  expect "and deletes the destination" [ -n "$(echo "$steps" | grep '^delete kubernetes:volsync.backube/v1alpha1:ReplicationDestination nginx-destination$')" ] &&
  up && expect "PVC untouched after the request is gone" [ "$(uid nginx-example nginx-storage)" = "$restored_uid" ] &&
  expect "the destination and its volumes are gone" [ -z "$(ours replicationdestinations; ours pvc | grep -- '-dest$')" ] &&
  expect "the old volume is still kept" [ "$(k get pv "$old_pv" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Retain ] &&
  no_changes
}

undo_a_restore() {
  # README "Undo a restore": back to the volume the restore kept.
  local old_pv restored_pv
  old_pv=$(cat "$work/nginx-old-pv" 2>/dev/null) || { log "needs scenario f"; return 1; }
  restored_pv=$(pv_of nginx-example nginx-storage)
  stop_app nginx-example nginx-example-0
  k delete pvc nginx-storage -n nginx-example --wait=true >/dev/null &&
  k patch pv "$old_pv" --type json -p '[{"op":"remove","path":"/spec/claimRef/uid"},{"op":"remove","path":"/spec/claimRef/resourceVersion"}]' >/dev/null &&
  k apply --field-manager=argocd-controller -f "$work/nginx-pvc-git.json" >/dev/null || return 1   # Argo CD syncs it from Git
  for _ in $(seq 1 60); do [ "$(k get pvc nginx-storage -n nginx-example -o jsonpath='{.status.phase}')" = Bound ] && break; sleep 1; done
  start_app nginx-example nginx-example-0
  pulumi refresh --yes --skip-preview --non-interactive > "$work/refresh.log" 2>&1 || { tail -20 "$work/refresh.log" >&2; return 1; }
  log "undo: PVC bound to $(pv_of nginx-example nginx-storage) (kept $old_pv, restored $restored_pv), holds $(content nginx-example nginx-storage)"
  expect "the PVC is bound to the kept volume again" [ "$(pv_of nginx-example nginx-storage)" = "$old_pv" ] &&
  expect "with the data written after the backup" [ "$(content nginx-example nginx-storage | cut -d' ' -f2)" = "nginx@day2" ] &&
  expect "the restored copy was deleted with its claim (its class deletes released volumes)" [ -z "$(k get pv "$restored_pv" -o name 2>/dev/null)" ] || return 1
  # Restore-before-bind: the claim has a new UID, but it is bound to the volume the restore kept (recorded on the
  # source), so it is the undo, not a claim re-created empty: up records it and goes on.
  up && expect "the source records the claim of the undo" [ "$(recorded_uid nginx-example nginx-backup)" = "$(uid nginx-example nginx-storage)" ] &&
  no_changes
}

release_the_kept_volume() {
  # README "Release the kept volume": once the restored data is good, give the kept volume back to Longhorn.
  local kept
  backups_settled || return 1
  stop_app fizzy fizzy-0
  pulumi config set --path 'homelab-backups:restore.fizzy' latest >/dev/null
  kept=$(pv_of fizzy fizzy-data)
  up || return 1
  start_app fizzy fizzy-0
  expect "fizzy's old volume was kept" [ "$(k get pv "$kept" -o jsonpath='{.status.phase} {.spec.persistentVolumeReclaimPolicy}')" = "Released Retain" ] || return 1
  k patch pv "$kept" -p '{"spec":{"persistentVolumeReclaimPolicy":"Delete"}}' >/dev/null
  for _ in $(seq 1 30); do [ -z "$(k get pv "$kept" -o name 2>/dev/null)" ] && break; sleep 1; done
  expect "released: the provisioner deleted it" [ -z "$(k get pv "$kept" -o name 2>/dev/null)" ] &&
  pulumi config rm --path 'homelab-backups:restore.fizzy' >/dev/null && up && no_changes
}

# The restore check (issue 21): what its Job's pod reported (the kubelet's termination message: the verdict line), and
# whether a key was ever written to the API server's storage.
check_verdict() { # namespace app
  local job; job=$(k get job -n "$1" -l "homelab-backups/restore-check=$2" -o jsonpath='{.items[-1:].metadata.name}')
  [ -n "$job" ] && k get pod -n "$1" -l "batch.kubernetes.io/job-name=$job" -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.message}'
}
never_stored() { ! revision first "$1" metadata.name "${1##*/}" >/dev/null 2>&1; }
repositories() { (cd "$S3_ROOT" && find . -name config -type f | sort); }

restore_of_nothing_keeps_the_pvc() {
  # The repository holds one backup: previous:3 is inside the retention, but matches no snapshot. VolSync's mover would
  # report success with nothing restored; the restore check refuses before any ReplicationDestination exists.
  local uid_before pv out verdict repos_before khoj_before job
  backups_settled || return 1
  uid_before=$(uid khoj khoj-config-pvc)
  pv=$(pv_of khoj khoj-config-pvc)
  stop_app khoj khoj-server-0
  repos_before=$(repositories)
  khoj_before=$(cd "$S3_ROOT" && find . -path '*/khoj/*' -type f -print0 | sort -z | xargs -0 -r sha256sum)
  pulumi config set --path 'homelab-backups:restore.khoj' previous:3 >/dev/null
  if out=$(pulumi up --yes --skip-preview --non-interactive 2>&1); then log "up restored nothing and went on"; return 1; fi
  echo "$out" > "$work/empty-restore.log"
  verdict=$(check_verdict khoj khoj)
  job=$(k get job -n khoj -l homelab-backups/restore-check=khoj -o jsonpath='{.items[0].metadata.name}')
  log "up said: $(grep -m1 -E "$job|restore-check FAIL" <<< "$out" | cut -c1-240); the check's pod said: $verdict"
  expect "the check Job refused: no eligible snapshot for previous:3 (real restic 0.18.0, entry.sh's selection)" \
    grep -q "^restore-check FAIL app=khoj point=previous:3 reason=no-eligible-snapshot" <<< "$verdict" &&
  expect "up stops at the check Job, which names the app" grep -q "khoj-restore-check-[0-9a-f]\{8\}" <<< "$out" &&
  expect "... with the Job's failure" grep -q "BackoffLimitExceeded" <<< "$out" &&
  expect "... and the check's verdict line" grep -q "restore-check FAIL app=khoj point=previous:3 reason=no-eligible-snapshot" <<< "$out" &&
  expect "no ReplicationDestination ever existed (storage)" never_stored /registry/volsync.backube/replicationdestinations/khoj/khoj-restore &&
  expect "no destination volume or cache was provisioned (volsync-khoj-restore-dest, volsync-dst-khoj-restore-cache)" \
    [ -z "$(k get pvc -n khoj -o name | grep -- '-khoj-restore-')" ] &&
  expect "no repository was created or written: same repositories, khoj's objects byte for byte" [ "$(repositories)" = "$repos_before" ] &&
  expect "..." [ "$(cd "$S3_ROOT" && find . -path '*/khoj/*' -type f -print0 | sort -z | xargs -0 -r sha256sum)" = "$khoj_before" ] &&
  expect "the PVC is untouched: same UID" [ "$(uid khoj khoj-config-pvc)" = "$uid_before" ] &&
  expect "no deletion timestamp" [ -z "$(k get pvc khoj-config-pvc -n khoj -o jsonpath='{.metadata.deletionTimestamp}')" ] &&
  expect "its data is there" [ "$(content khoj khoj-config-pvc | cut -d' ' -f2)" = "khoj@world" ] &&
  expect "and its volume's reclaim policy was not touched" [ "$(k get pv "$pv" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Delete ] &&
  pulumi config rm --path 'homelab-backups:restore.khoj' >/dev/null && up &&
  expect "the check Job goes with the request; the PVC stays" [ -z "$(k get job -n khoj -l homelab-backups/restore-check -o name)" ] &&
  expect "..." [ "$(uid khoj khoj-config-pvc)" = "$uid_before" ] &&
  start_app khoj khoj-server-0 && no_changes
}

# Issue 22 part 1: a database restore drill run for real (drills/db-drill.sh from its ConfigMap, the real kubectl as the
# drill's ServiceAccount against the API server): it creates the throwaway cluster from its manifest, waits for it,
# checks it and deletes it. The stand-in plays CNPG (the throwaway recovers the system of the archive's newest
# backup, read from the Barman layout in the S3 server) and answers the in-pod psql (database_restores.py).
database_drill_runs_for_real() {
  local verdict running throwaway=khoj-database-drill
  running=$(k get cluster khoj-database -n cloudnative-pg -o jsonpath='{.status.systemID}')
  verdict=$(drill_once cloudnative-pg/khoj-database-db-drill real)
  log "drill: $verdict"
  expect "the drill passes on a cluster recovered from the archive, with the running cluster's system identifier" \
    grep -q "^db-drill PASS db=khoj-database reason=ok system_id=$running .* database=khoj " <<< "$verdict" &&
  expect "and deletes its throwaway cluster" [ -z "$(k get cluster "$throwaway" -n cloudnative-pg -o name --ignore-not-found)" ] || return 1
  # The archive's newest backup brings back another system (an Argo-CD-rebuilt cluster wrote it: field-incidents §C 18).
  echo "cloudnative-pg/khoj-database 7499999999999999999" > "$standins/db-recover-as"
  verdict=$(drill_once cloudnative-pg/khoj-database-db-drill real)
  : > "$standins/db-recover-as"
  log "drill: $verdict"
  expect "a recovered cluster of another system fails the drill: system-identifier" \
    grep -q "^db-drill FAIL db=khoj-database reason=system-identifier system_id=7499999999999999999 " <<< "$verdict" &&
  expect "its throwaway cluster deleted all the same" [ -z "$(k get cluster "$throwaway" -n cloudnative-pg -o name --ignore-not-found)" ] &&
  expect "the running cluster untouched" [ "$(k get cluster khoj-database -n cloudnative-pg -o jsonpath='{.status.systemID}')" = "$running" ]
}

restore_while_in_use_is_refused() {
  local uid_before out
  uid_before=$(uid karakeep data-pvc)
  pulumi config set --path 'homelab-backups:restore.karakeep' latest >/dev/null
  if out=$(pulumi preview --non-interactive 2>&1); then log "preview accepted a restore of a PVC in use"; return 1; fi
  local up_out; up_out=$(pulumi up --yes --skip-preview --non-interactive 2>&1) && { log "up accepted it"; return 1; }
  log "preview said: $(grep -m1 'RESTORE refused' <<< "$out" | cut -c1-240)"
  expect "the user is told plainly what to stop" grep -q "volumes (karakeep): pvc: RESTORE refused: the PVC karakeep/data-pvc is in use by pod karakeep-web-0. Stop the app first" <<< "$out" &&
  expect "up refuses the same way" grep -q "RESTORE refused" <<< "$up_out" &&
  expect "nothing was created or deleted" [ -z "$(ours replicationdestinations | grep '^karakeep/')" ] &&
  expect "the PVC is untouched" [ "$(uid karakeep data-pvc)" = "$uid_before" ] &&
  pulumi config rm --path 'homelab-backups:restore.karakeep' >/dev/null && no_changes
}

database_restores_that_can_start() {
  local when cnpg pgo out job verdict bad
  # A night of backups first: PGO's first full backup comes at its cron time (CNPG's first came with the migration,
  # immediate), and a restore is validated against what each archive holds (plan/RestoreValidation). The time to
  # restore to lies after both (a time before the oldest completed backup is refused).
  database_nights || return 1
  sleep 2
  when=$(date -u -d '-1 second' +%Y-%m-%dT%H:%M:%SZ)
  # Validated before anything is registered: a time in the future, one older than the recovery window.
  pulumi config set --path 'homelab-backups:restore.khoj-database' "$(date -u -d '+1 year' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
  out=$(pulumi preview --non-interactive 2>&1) && { log "preview accepted a database restore in the future"; return 1; }
  expect "a database restore time in the future is refused at preview" grep -q "restore: khoj-database: .* lies in the future" <<< "$out" || return 1
  pulumi config set --path 'homelab-backups:restore.khoj-database' "$(date -u -d '-1 year' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
  out=$(pulumi preview --non-interactive 2>&1) && { log "preview accepted a database restore beyond its recovery window"; return 1; }
  expect "one older than the recovery window too" grep -q "older than the database backups reach" <<< "$out" || return 1
  # Validated against the archive it reads (the stand-ins upload Barman's and pgBackRest's layouts to the S3 server):
  # a pin to a backup the lineage does not hold, and a time before its oldest completed backup.
  pulumi config rm --path 'homelab-backups:restore.khoj-database' >/dev/null
  pulumi config set --path 'homelab-backups:restore.khoj-database.backup' 20200101T000000 >/dev/null
  out=$(pulumi preview --non-interactive 2>&1) && { log "preview accepted a pin to a backup the archive does not hold"; return 1; }
  expect "a pin to a backup the archive does not hold is refused at preview, listing the ones there" \
    grep -q "RESTORE refused: the pinned backup 20200101T000000" <<< "$out" || return 1
  pulumi config rm --path 'homelab-backups:restore.khoj-database' >/dev/null
  pulumi config set --path 'homelab-backups:restore.khoj-database' "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
  out=$(pulumi preview --non-interactive 2>&1) && { log "preview accepted a time before the oldest backup"; return 1; }
  expect "a time before the archive's oldest completed backup is refused at preview" \
    grep -q "RESTORE refused: .* is before the end of the oldest" <<< "$out" || { log "$(grep -m3 RESTORE <<< "$out")"; return 1; }
  pulumi config set --path 'homelab-backups:restore.khoj-database' "$when" >/dev/null
  pulumi config set --path 'homelab-backups:restore.immich-postgres' "$when" >/dev/null
  # up creates each recovered cluster and then awaits its check Job (db-drill.sh in check mode, run for real by the
  # stand-in against the API server): it returns only once both passed.
  up || return 1
  expect "up read the archives (no NOT VALIDATED warning): the requests were checked against what they hold" \
    fails grep -q "NOT VALIDATED" "$work/up.log" || return 1
  cnpg=$(k get clusters.postgresql.cnpg.io -n cloudnative-pg -o name | grep -m1 khoj-database-restore- | cut -d/ -f2)
  pgo=$(k get postgresclusters -n immich -o name | grep -m1 immich-restore- | cut -d/ -f2)
  log "recovered clusters: cloudnative-pg/$cnpg, immich/$pgo"
  expect "the API server accepted a CNPG recovery cluster" [ -n "$cnpg" ] &&
  expect "on the backed-up cluster's image (read from the live Cluster)" [ "$(k get cluster "$cnpg" -n cloudnative-pg -o jsonpath='{.spec.imageName}')" = ghcr.io/cloudnative-pg/postgresql:16.2 ] &&
  expect "with the app's database, owner and credentials" [ "$(k get cluster "$cnpg" -n cloudnative-pg -o jsonpath='{.spec.bootstrap.recovery.database}/{.spec.bootstrap.recovery.owner}/{.spec.bootstrap.recovery.secret.name}')" = khoj/khoj_admin/khoj-app-secret ] &&
  expect "at the requested time" [ "$(k get cluster "$cnpg" -n cloudnative-pg -o jsonpath='{.spec.bootstrap.recovery.recoveryTarget.targetTime}')" = "$when" ] &&
  expect "the API server accepted a PGO recovery cluster" [ -n "$pgo" ] &&
  expect "on the vector-extension image and the same major version" [ "$(k get postgrescluster "$pgo" -n immich -o jsonpath='{.spec.image} {.spec.postgresVersion}')" = "ghcr.io/waifulabs/crunchydata-vectorchord:ubi9-17.7-2550 17" ] &&
  expect "with a target pgBackRest reads" [ "$(k get postgrescluster "$pgo" -n immich -o jsonpath='{.spec.dataSource.pgbackrest.options[1]}')" = "--target=\"$(date -u -d "$when" '+%Y-%m-%d %H:%M:%S')+00\"" ] &&
  expect "serving the app as the running cluster does: VectorChord preloaded, its connection limit (read live)" \
    [ "$(k get postgrescluster "$pgo" -n immich -o jsonpath='{.spec.config.parameters.shared_preload_libraries} {.spec.patroni.dynamicConfiguration.postgresql.parameters.max_connections}')" = "vchord.so 500" ] &&
  expect "and none of what would harm a recovered cluster: no synchronous_mode, no users (their passwords would be reset), no init SQL run again" \
    [ "$(k get postgrescluster "$pgo" -n immich -o jsonpath='{.spec.patroni.dynamicConfiguration.synchronous_mode}|{.spec.users}|{.spec.databaseInitSQL}')" = "|[]|" ] &&
  for job in "$cnpg-check/cloudnative-pg" "$pgo-check/immich"; do
    verdict=$(k get pods -n "${job#*/}" -l "batch.kubernetes.io/job-name=${job%/*}" -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.message}')
    log "check ${job%/*}: $verdict"
    expect "the awaited check of ${job%/*} passed, on the system of the backup it recovers" [ "$(k get job "${job%/*}" -n "${job#*/}" -o jsonpath='{.status.succeeded}')" = 1 ] &&
    expect "with its verdict line as the termination message" grep -q "^db-restore-check PASS db=.* reason=ok system_id=7[0-9]\{18\} " <<< "$verdict" || return 1
  done
  expect "the check ran before up returned (up awaits the Job)" grep -q "db-restore-check cloudnative-pg/$cnpg-check exit 0" "$events" &&
  expect "the check created and deleted nothing: the recovered cluster is still there" [ -n "$(k get cluster "$cnpg" -n cloudnative-pg -o name)" ] || return 1
  verify --json > "$work/verify-k.json" 2>/dev/null || true
  expect "./verify shows the database restore PROVEN by the check's PASS" \
    [ "$(jq -r '.checks[] | select(.check == "restore" and .item == "khoj-database") | .state' "$work/verify-k.json")" = PROVEN ] &&
  expect "naming the verdict" jq -e '.checks[] | select(.check == "restore" and .item == "khoj-database") | .detail | startswith("db-restore-check PASS")' "$work/verify-k.json" >/dev/null || return 1
  # A lineage whose newest backup is another system's (an Argo-CD-rebuilt cluster wrote it: field-incidents §C 18):
  # the recovered cluster comes up Ready, but the awaited check fails and up stops with its verdict.
  echo "cloudnative-pg/khoj-database 7499999999999999999" > "$standins/db-recover-as"
  pulumi config set --path 'homelab-backups:restore.khoj-database' "latest@other-system" >/dev/null
  if pulumi up --yes --skip-preview --non-interactive > "$work/up-wrong-system.log" 2>&1; then
    log "up returned although the recovered cluster is another system"; : > "$standins/db-recover-as"; return 1
  fi
  : > "$standins/db-recover-as"
  bad=$(k get clusters.postgresql.cnpg.io -n cloudnative-pg -o name | grep khoj-database-restore- | cut -d/ -f2 | grep -v "^$cnpg$" | head -1)
  log "up stopped: $(grep -m1 'db-restore-check FAIL' "$work/up-wrong-system.log")"
  expect "up stops with the check's FAIL verdict: system-identifier, both identifiers" \
    grep -q "db-restore-check FAIL db=khoj-database reason=system-identifier system_id=7499999999999999999 .*expected=7[0-9]\{18\}" "$work/up-wrong-system.log" &&
  verify --json > "$work/verify-k2.json" 2>/dev/null || true
  expect "./verify shows that restore FAILING with the verdict" \
    [ "$(jq -r '.checks[] | select(.check == "restore" and .item == "khoj-database") | .state' "$work/verify-k2.json")" = FAILING ] || return 1
  pulumi config rm --path 'homelab-backups:restore.khoj-database' >/dev/null &&
  pulumi config rm --path 'homelab-backups:restore.immich-postgres' >/dev/null && up &&
  expect "removing the requests keeps the recovered clusters (the app may run on them by now)" \
    [ -n "$(k get cluster "$cnpg" -n cloudnative-pg -o name 2>/dev/null)" ] && [ -n "$(k get postgrescluster "$pgo" -n immich -o name 2>/dev/null)" ] &&
  expect "and takes their check Jobs away" [ -z "$(k get jobs -A -l homelab-backups/db-restore-check -o name)" ] &&
  no_changes &&
  k delete cluster "$cnpg" -n cloudnative-pg >/dev/null && k delete postgrescluster "$pgo" -n immich >/dev/null &&   # README: once switched or not needed
  { [ -z "$bad" ] || k delete cluster "$bad" -n cloudnative-pg >/dev/null; }
}

bad_inventory_changes_nothing() {
  local out
  backups_settled || return 1
  fingerprint "$work/fp-before.json"
  cp stacks/e2e/inventory.yaml "$work/inventory.good"
  # A misspelt key in nginx's entry (earlier scenarios may have rewritten the file in block style: edit the YAML).
  python3 - stacks/e2e/inventory.yaml <<'PY'
import sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
inv["volumes"] = [{("capacty" if k == "capacity" else k): v for k, v in e.items()} if e["app"] == "nginx" else e
                  for e in inv["volumes"]]
yaml.safe_dump(inv, open(sys.argv[1], "w"), sort_keys=False)
PY
  if out=$(pulumi preview --non-interactive 2>&1); then log "preview accepted a bad inventory"; cp "$work/inventory.good" stacks/e2e/inventory.yaml; return 1; fi
  cp "$work/inventory.good" stacks/e2e/inventory.yaml
  fingerprint "$work/fp-after.json"
  expect "the validation message reaches the user" grep -q "capacty: unknown key" <<< "$out" &&
  expect "API server unchanged" unchanged "$work/fp-before.json" "$work/fp-after.json"
}

interrupted_up_converges() {
  local pid
  echo "nginx-example/nginx-restore" > "$standins/hold"      # VolSync "takes its time"
  stop_app nginx-example nginx-example-0
  pulumi config set --path 'homelab-backups:restore.nginx' 'latest@again' >/dev/null
  # The binary itself (not the pulumi function), so that $! is the engine, whose children are killed with it.
  command pulumi up --yes --skip-preview --non-interactive > "$work/interrupted.log" 2>&1 &
  pid=$!
  started_pids+=("$pid")
  for _ in $(seq 1 120); do
    [ "$(k get replicationdestination nginx-restore -n nginx-example -o jsonpath='{.spec.trigger.manual}')" != "$(k get replicationdestination nginx-restore -n nginx-example -o jsonpath='{.status.lastManualSync}')" ] && break
    sleep 1
  done
  sleep 2
  pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  log "killed pulumi up mid-restore"
  expect "nothing deleted while waiting" k get pvc nginx-storage -n nginx-example -o name >/dev/null || return 1
  : > "$standins/hold"
  # Documented recovery (README: When a restore fails): clear a stale lock if any, run up again.
  rm -rf "$work/state/.pulumi/locks"
  up &&
  expect "PVC exists and carries the new request" [ -n "$(k get pvc nginx-storage -n nginx-example -o jsonpath='{.metadata.annotations.homelab-backups/restore-id}')" ] &&
  expect "and is bound" [ "$(k get pvc nginx-storage -n nginx-example -o jsonpath='{.status.phase}')" = Bound ] &&
  no_changes && pulumi config rm --path 'homelab-backups:restore.nginx' >/dev/null && up &&
  start_app nginx-example nginx-example-0
}

# A second stack in the same cluster: its own VolSync namespace and snapshot class, and the CRDs the first stack's
# release installed (manageCRDs: false, as with any VolSync installed once per cluster).
second_settings() { # stack-name suffix > settings file (the alert rules are the first stack's: one PrometheusRule name)
  sed -e 's/namespace: volsync-system/namespace: volsync-'"$1"'/' -e 's/- name: longhorn-snap/- name: longhorn-snap-'"$1"'/' \
    -e 's/^    enabled: true$/    enabled: false/' \
    -e 's|      version: 0.15.0|      version: 0.15.0\n    values:\n      manageCRDs: false|' "$E2E/stack/Pulumi.e2e.yaml"
}

seed_repository() { # namespace app token: a backup in the app's repository, as the mover makes it (`backup .` in /data)
  local dir="$work/seed-$1-$2/data"
  mkdir -p "$dir" &&
  python3 -c "import sys; sys.path.insert(0, sys.argv[1]); from store import materialize; materialize(sys.argv[2], 5, sys.argv[3])" \
    "$E2E/standins" "$dir" "$3" &&
  repo "$1" "$2" init -q >/dev/null && (cd "$dir" && repo "$1" "$2" backup --host volsync -q . >/dev/null)
}

disaster_recovery_restores_before_backups() {
  # A rebuilt cluster: a second stack whose volume does not exist yet.
  local dr="$work/dr-project" synced pvc_created rs_created
  second_settings dr > "$work/Pulumi.dr.yaml"
  echo "volumes:
  - {app: notes, namespace: dr-notes, pvc: notes-data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}" > "$work/dr-inventory.yaml"
  new_project "$dr" e2e-dr "$work/Pulumi.dr.yaml" "$work/dr-inventory.yaml"
  k create namespace dr-notes >/dev/null
  # What the lost cluster's mover backed up (issue 21: disaster recovery requires the same evidence as a restore).
  seed_repository dr-notes notes notes@before-the-disaster || return 1
  (cd "$dr" && pulumi config set --path 'homelab-backups:recovery.disasterRecovery' true >/dev/null && up) || return 1
  expect "the restore check passed on the backup" grep -q "^restore-check PASS app=notes point=latest snapshot=[0-9a-f]\{8\} " <<< "$(check_verdict dr-notes notes)" &&
  expect "the recovered volume holds the backup" [ "$(content dr-notes notes-data | cut -d' ' -f2)" = "notes@before-the-disaster" ] || return 1
  synced=$(revision first /registry/volsync.backube/replicationdestinations/dr-notes/notes-restore status.lastManualSync dr-bootstrap || true)
  pvc_created=$(revision created /registry/persistentvolumeclaims/dr-notes/notes-data || true)
  rs_created=$(revision created /registry/volsync.backube/replicationsources/dr-notes/notes-backup || true)
  log "dr: destination synced at revision $synced, PVC created at $pvc_created, backups created at $rs_created"
  expect "PVC created from its destination" [ "$(k get pvc notes-data -n dr-notes -o jsonpath='{.spec.dataSourceRef.name}')" = "notes-restore" ] &&
  expect "and bound" [ "$(k get pvc notes-data -n dr-notes -o jsonpath='{.status.phase}')" = Bound ] &&
  expect "destination restored before the PVC (storage revisions)" before "$synced" "$pvc_created" &&
  expect "backups created after the PVC (storage revisions)" before "$pvc_created" "$rs_created" &&
  (cd "$dr" && pulumi config set --path 'homelab-backups:recovery.disasterRecovery' false >/dev/null &&
    ! preview_steps | grep PersistentVolumeClaim | grep -qE '^(replace|delete|create-replacement|delete-replaced) ')
}

server_side_applied_world_is_adopted() {
  # Argo CD with ServerSideApply=true (the homelab's setting): a second copy of the prod world, applied server-side.
  local ssa="$work/ssa-project" before steps
  python3 "$E2E/world/world.py" "$KUBECONFIG" "$REPO/stacks/prod/inventory.yaml" "$standins" --apply ssa --prefix ssa- \
    --skip-platform --out-inventory "$work/ssa-inventory.yaml" >&2 || return 1
  expect "the claims are owned by argocd-controller through Apply" [ "$(k get pvc nginx-storage -n ssa-nginx-example --show-managed-fields -o json | jq -r '[.metadata.managedFields[] | select(.manager == "argocd-controller") | .operation] | join(",")')" = Apply ] || return 1
  second_settings ssa | sed "s|^    manageBuckets: false\$|    manageBuckets: false\n    postgresBucket: $S3_PG_BUCKET_SSA|" > "$work/Pulumi.ssa.yaml"
  expect "the second stack archives its databases in a bucket of its own" grep -q "postgresBucket: $S3_PG_BUCKET_SSA" "$work/Pulumi.ssa.yaml" || return 1
  new_project "$ssa" e2e-ssa "$work/Pulumi.ssa.yaml" "$work/ssa-inventory.yaml"
  before=$(pvc_uids | grep '^ssa-')
  steps=$(cd "$ssa" && preview_steps)
  log "ssa preview: $(echo "$steps" | changes | cut -d' ' -f1 | sort | uniq -c | tr '\n' ' ')"
  expect "$BACKED_UP imports" [ "$(echo "$steps" | grep -c '^import kubernetes:core/v1:PersistentVolumeClaim ')" = "$BACKED_UP" ] &&
  expect "no replace" [ -z "$(echo "$steps" | grep -E '^(replace|create-replacement|delete-replaced|delete|import-replacement) ')" ] &&
  (cd "$ssa" && up) &&
  expect "UIDs unchanged" [ "$before" = "$(pvc_uids | grep '^ssa-')" ] &&
  expect "argocd-controller still owns what it applied" [ "$(k get pvc nginx-storage -n ssa-nginx-example --show-managed-fields -o json | jq -r '[.metadata.managedFields[] | select(.manager == "argocd-controller")] | length')" = 1 ] &&
  (cd "$ssa" && no_changes)
}

# ---- real bytes: restic 0.18.0 picks the snapshot, restores every file, and initialises a lost repository --------
# A stack of its own (one app, its own namespace and VolSync) whose policy also keeps everything of the last 2 days
# (restic's --keep-within), so that two backups made minutes apart both survive `forget`.
real_restic_selects_restores_and_initialises() {
  local p="$work/prev-project" source_urn v1 uid_before out pv
  second_settings prev > "$work/Pulumi.prev.yaml"
  cat >> "$work/Pulumi.prev.yaml" <<'YAML'
  homelab-backups:policies:
    keep-recent:
      window: {start: "02:00", minutes: 60}
      retain: {daily: 7, within: 2d}
YAML
  echo "volumes:
  - {app: notes, namespace: prev-notes, pvc: notes-data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn, policy: keep-recent}" > "$work/prev-inventory.yaml"
  # What Argo CD applies: the app's claim, bound by the real binder to a volume the CSI stand-in provisions; the app
  # writes its first data.
  k create namespace prev-notes >/dev/null
  k apply --field-manager=argocd-controller -f - >/dev/null <<'YAML' || return 1
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: notes-data, namespace: prev-notes}
spec: {accessModes: [ReadWriteOnce], storageClassName: longhorn, resources: {requests: {storage: 1Gi}}}
YAML
  for _ in $(seq 1 60); do [ "$(k get pvc notes-data -n prev-notes -o jsonpath='{.status.phase}')" = Bound ] && break; sleep 1; done
  app_writes prev-notes notes-data notes@v1 || return 1
  v1=$(digest prev-notes notes-data)
  new_project "$p" e2e-prev "$work/Pulumi.prev.yaml" "$work/prev-inventory.yaml"
  (cd "$p" && up) || return 1
  wait_synced prev-notes notes-backup || return 1
  # The app writes again; the source is made anew (its first sync runs at once): a second backup.
  app_writes prev-notes notes-data notes@v2 || return 1
  source_urn=$(cd "$p" && pulumi stack --show-urns | grep -o 'urn:pulumi:[^ ]*ReplicationSource::notes-source' | sed -n 1p)
  (cd "$p" && pulumi up --yes --skip-preview --non-interactive --target "$source_urn" --replace "$source_urn" > "$work/up.log" 2>&1) ||
    { tail -30 "$work/up.log" >&2; return 1; }
  wait_synced prev-notes notes-backup || return 1
  log "repository prev-notes/notes (real restic): $(repo prev-notes notes snapshots --compact 2>&1 | grep -c volsync) snapshots holding $(repo_tokens prev-notes notes)"
  expect "two backups of real files, the older first" [ "$(repo_tokens prev-notes notes)" = "notes@v1 notes@v2" ] || return 1
  app_writes prev-notes notes-data notes@v3 || return 1
  uid_before=$(uid prev-notes notes-data)
  (cd "$p" && pulumi config set --path 'homelab-backups:restore.notes' previous:1 >/dev/null && up) || return 1
  log "previous:1 restored $(content prev-notes notes-data); destination said: $(k get replicationdestination notes-restore -n prev-notes -o jsonpath='{.status.latestMoverStatus.logs}' | grep '^restoring' | cut -c1-100)"
  expect "previous:1 is the backup before the latest" [ "$(content prev-notes notes-data | cut -d' ' -f2)" = "notes@v1" ] &&
  expect "every file restored byte for byte (sha256 of each file, as written before the first backup)" diff <(echo "$v1") <(digest prev-notes notes-data) >&2 &&
  expect "the PVC was replaced by the restore" [ "$(uid prev-notes notes-data)" != "$uid_before" ] || return 1
  (cd "$p" && pulumi config rm --path 'homelab-backups:restore.notes' >/dev/null && up) || return 1
  # The repository deleted from the bucket (a wiped or moved prefix): VolSync's mover would run `restic init`, find no
  # snapshot and exit 0; the restore check (read-only) refuses first, and no repository is created.
  rm -rf "$S3_ROOT/buckets/$S3_BUCKET/prev-notes/notes"
  uid_before=$(uid prev-notes notes-data)
  pv=$(pv_of prev-notes notes-data)
  v1=$(digest prev-notes notes-data)
  if out=$(cd "$p" && pulumi config set --path 'homelab-backups:restore.notes' latest >/dev/null && pulumi up --yes --skip-preview --non-interactive 2>&1); then
    log "up replaced the PVC from a repository that was deleted"; return 1
  fi
  log "the check said: $(check_verdict prev-notes notes)"
  expect "the restore check found no repository" grep -q "^restore-check FAIL app=notes point=latest reason=repository-missing" <<< "$(check_verdict prev-notes notes)" &&
  expect "up stops at it" grep -q "notes-restore-check-[0-9a-f]\{8\}" <<< "$out" &&
  expect "no destination exists, so no mover ran restic init" [ -z "$(k get replicationdestination -n prev-notes -o name)" ] &&
  expect "no repository was created at the path" [ -z "$(find "$S3_ROOT/buckets/$S3_BUCKET/prev-notes" -path '*prev-notes/notes*' 2>/dev/null)" ] &&
  expect "the PVC is the same claim on the same volume" [ "$(uid prev-notes notes-data) $(pv_of prev-notes notes-data)" = "$uid_before $pv" ] &&
  expect "with every file as it was" diff <(echo "$v1") <(digest prev-notes notes-data) >&2 &&
  (cd "$p" && pulumi config rm --path 'homelab-backups:restore.notes' >/dev/null && up && no_changes)
}
wait_synced() { # namespace source: the source (new, or made anew) finished its sync (real restic takes seconds)
  local now
  for _ in $(seq 1 120); do
    now=$(k get replicationsource "$2" -n "$1" -o jsonpath='{.status.lastSyncTime}|{.status.lastSyncStartTime}' 2>/dev/null)
    [ -n "${now%%|*}" ] && [ -z "${now#*|}" ] && return 0
    sleep 1
  done
  log "$1/$2 did not sync: $(k get replicationsource "$2" -n "$1" -o jsonpath='{.status}')"; return 1
}

# ---- proof: ./verify and the Longhorn retirement gate -----------------------------------------------------------
verify() { "$REPO/verify" --stack e2e --project "$project" "$@"; }
drills_pass() { # every drill CronJob of the stack runs once and passes (what its scheduled minute would do)
  k get cronjobs -A -l homelab-backups/drill -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} pass{"\n"}{end}' \
    | grep -v -E '^(dr-notes|ssa-)' >> "$standins/drill-run"
  # Issue 22: the database restore drills too (the stand-in plays their verdict line only).
  k get cronjobs -A -l homelab-backups/db-drill -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} pass{"\n"}{end}' \
    | grep -v -E '^(dr-notes|ssa-)' >> "$standins/drill-run"
}
drills_recorded() { # the real CronJob controller has recorded a success for every drill that passed
  local deadline=$((SECONDS + ${1:-60})) missing
  while [ $SECONDS -lt $deadline ]; do
    missing=$( (k get cronjobs -A -l homelab-backups/drill -o json; k get cronjobs -A -l homelab-backups/db-drill -o json) | jq -r '.items[] | select((.status.lastSuccessfulTime // "") == "") | "\(.metadata.namespace)/\(.metadata.name)"' | grep -v -E '^(dr-notes|ssa-)' || true)
    [ -z "$missing" ] && return 0
    sleep 1
  done
  log "no recorded success for: $(echo "$missing" | tr '\n' ' ')"; return 1
}
database_nights() { # one night of scheduled database backups passes
  printf '%s\n' cloudnative-pg/khoj-database cloudnative-pg/paperless-database immich/immich >> "$standins/db-backup"
  for _ in $(seq 1 30); do
    [ -n "$(k get postgrescluster immich -n immich -o jsonpath='{.status.pgbackrest.scheduledBackups}')" ] &&
      [ -n "$(k get objectstore -n cloudnative-pg -o jsonpath='{.items[*].status.serverRecoveryWindow}')" ] && return 0
    sleep 1
  done
  log "the database stand-in recorded no backup"; return 1
}
fails() { ! "$@" > "$work/fails.log" 2>&1; }
rows() { jq -r '.checks[] | "\(.check) \(.item) \(.state)"' "$1"; }
LONGHORN_BACKUP_JOBS="critical-daily-backup important-daily-backup standard-weekly-backup weekly-full-backup"

exclude_uncovered() { # reason < namespace/pvc lines: each listed in the stack's inventory as excluded, as it lives
  local key n=0
  while read -r key; do
    [ -n "$key" ] || continue
    n=$((n + 1))
    k get pvc -n "${key%%/*}" "${key#*/}" -o json | python3 -c '
import json, sys, yaml
pvc, app, reason, path = json.load(sys.stdin), sys.argv[1], sys.argv[2], sys.argv[3]
inv = yaml.safe_load(open(path))
inv["volumes"].append({"app": app, "namespace": pvc["metadata"]["namespace"], "pvc": pvc["metadata"]["name"],
                       "capacity": pvc["spec"]["resources"]["requests"]["storage"], "accessModes": pvc["spec"]["accessModes"],
                       "storageClass": pvc["spec"].get("storageClassName") or "", "exclude": {"reason": reason}})
yaml.safe_dump(inv, open(path, "w"), sort_keys=False)' "uncovered-$n" "$1" stacks/e2e/inventory.yaml || return 1
  done
}

verify_reports_the_testing_plan() {
  local rc
  backups_settled || return 1
  drills_pass
  # (real drills since issue 21: seconds each, one after another)
  database_nights && drills_recorded 600 || return 1
  # Longhorn still backs up: everything of ours is proven, the retirement is not.
  rc=0; verify --json > "$work/verify-1.json" || rc=$?
  log "verify (Longhorn jobs still there): exit $rc; not proven: $(jq -r '[.checks[] | select(.state != "PROVEN") | "\(.check) \(.item) \(.state)"] | join(", ")' "$work/verify-1.json")"
  expect "exit 1 while Longhorn's recurring backups run" [ "$rc" = 1 ] &&
  expect "every backup, drill, database and WAL row PROVEN" [ -z "$(rows "$work/verify-1.json" | grep -v ' PROVEN$' | grep -v -E '^(longhorn|egress|coverage) ')" ] &&
  # The coverage ledger: what no inventory of this stack covers. Scenario e stopped backing up nestmtx (its PVC stays),
  # scenario o's second world keeps PVCs that its own stack excludes: each is NOT COVERED here, and keeps the
  # retirement refused, until the owner lists it with a reason.
  expect "nestmtx's PVC, no longer backed up, is NOT COVERED" jq -e '.coverage.notCovered | index("nestmtx/nestmtx-storage-pvc")' "$work/verify-1.json" >/dev/null &&
  expect "every NOT COVERED PVC is one an earlier scenario left so" [ -z "$(jq -r '.coverage.notCovered[]' "$work/verify-1.json" | grep -v -E '^(nestmtx/nestmtx-storage-pvc|ssa-[^/]+/.+)$')" ] &&
  expect "the coverage row is FAILING" grep -q '^coverage live PVCs FAILING$' <(rows "$work/verify-1.json") &&
  expect "egress to the store OK: the world has no network policy" [ "$(rows "$work/verify-1.json" | grep '^egress ' | grep -c ' OK$')" -ge 1 ] &&
  expect "no egress row BLOCKED or UNKNOWN" [ -z "$(rows "$work/verify-1.json" | grep '^egress ' | grep -v ' OK$')" ] &&
  expect "a row per backed-up app and drill" [ "$(rows "$work/verify-1.json" | grep -c -E '^(backup|drill) ')" = $((2 * $(ours replicationsources | wc -l))) ] &&
  expect "and per database, with its WAL archive and its restore drill" [ "$(rows "$work/verify-1.json" | grep -c -E '^(database|wal) ')" = 9 ] &&
  expect "the VolSync controller is seen running" grep -q '^volsync controller PROVEN$' <(rows "$work/verify-1.json") &&
  expect "the Longhorn row names the recurring backup jobs" jq -e '.checks[] | select(.check == "longhorn") | .detail | contains("critical-daily-backup")' "$work/verify-1.json" >/dev/null || return 1
  # The owner's answer (README: ./verify, coverage): list each uncovered PVC in the inventory with a reason.
  jq -r '.coverage.notCovered[]' "$work/verify-1.json" | exclude_uncovered "covered elsewhere (e2e: an earlier scenario's)" || return 1
  # README Migration runbook 5.1: the RecurringJobs go (Argo CD prunes them once recurring-jobs.yaml leaves Git).
  k delete recurringjob -n longhorn-system $LONGHORN_BACKUP_JOBS >/dev/null || return 1
  rc=0; verify > "$work/verify-proven.txt" || rc=$?
  sed 's/^/[e2e]   /' "$work/verify-proven.txt" >&2
  expect "exit 0 once everything is proven" [ "$rc" = 0 ] &&
  expect "the last line says Longhorn's backups may be retired" grep -q "^Longhorn backups may be retired:" <(tail -1 "$work/verify-proven.txt") || return 1
  # One app whose backups were just set up (its source re-created; VolSync has not synced it yet) and a failed drill.
  echo "nginx-example/nginx-backup" > "$standins/hold"
  # `up --replace`: every named child is deleted before its replacement is created (created first, the
  # "replacement" would be the object itself, upserted, and deleting "the original" would delete it).
  local source_urn old_uid; source_urn=$(pulumi stack --show-urns | grep -o 'urn:pulumi:[^ ]*ReplicationSource::nginx-source' | sed -n 1p)
  [ -n "$source_urn" ] || { log "no nginx-source in the stack"; return 1; }
  old_uid=$(k get replicationsource nginx-backup -n nginx-example -o jsonpath='{.metadata.uid}')
  pulumi up --yes --skip-preview --non-interactive --target "$source_urn" --replace "$source_urn" > "$work/up.log" 2>&1 ||
    { tail -30 "$work/up.log" >&2; return 1; }
  expect "the replaced source exists, a new object" [ -n "$(k get replicationsource nginx-backup -n nginx-example -o jsonpath='{.metadata.uid}')" ] &&
  expect "..." [ "$(k get replicationsource nginx-backup -n nginx-example -o jsonpath='{.metadata.uid}')" != "$old_uid" ] &&
  expect "and not yet synced" [ -z "$(k get replicationsource nginx-backup -n nginx-example -o jsonpath='{.status.lastSyncTime}')" ] || return 1
  echo "immich/immich-drill fail check-failed exit=3 subset=5/12" >> "$standins/drill-run"
  for _ in $(seq 1 30); do grep -q "drill-failed immich/immich-drill" "$events" && break; sleep 0.5; done
  rc=0; verify > "$work/verify-unproven.txt" || rc=$?
  sed 's/^/[e2e]   /' "$work/verify-unproven.txt" >&2
  verify --json > "$work/verify-2.json" || true
  expect "exit 1 when something is not proven" [ "$rc" = 1 ] &&
  expect "nginx never backed up" grep -q '^backup nginx NEVER$' <(rows "$work/verify-2.json") &&
  expect "immich's drill failing, its verdict shown" jq -e '.checks[] | select(.check == "drill" and .item == "immich" and .state == "FAILING") | .detail | contains("drill FAIL app=immich reason=check-failed")' "$work/verify-2.json" >/dev/null &&
  expect "nothing else unproven" [ "$(rows "$work/verify-2.json" | grep -v ' PROVEN$' | grep -v '^egress .* OK$' | sort | tr '\n' ',')" = "backup nginx NEVER,drill immich FAILING," ] &&
  expect "the verdict names both" grep -q 'may NOT be retired: 2 check(s) not proven: backup nginx NEVER, drill immich FAILING' "$work/verify-unproven.txt"
}

retirement_is_gated_on_the_proof() {
  local out steps target_before
  target_before=$(k get backuptarget default -n longhorn-system -o jsonpath='{.spec.backupTargetURL} {.spec.credentialSecret}')
  fingerprint "$work/fp-before.json"
  pulumi config set --path 'homelab-backups:longhorn.retireBackups' true >/dev/null
  if out=$(pulumi preview --non-interactive 2>&1); then log "preview accepted the retirement with nginx and immich unproven"; return 1; fi
  echo "$out" > "$work/retire-refused.log"
  log "refused: $(grep -m1 'retireBackups refused' <<< "$out")"
  expect "the refusal lists what is not proven" grep -q 'backup nginx (nginx-example): NEVER' <<< "$out" &&
  expect "..." grep -q 'drill immich (immich): FAILING' <<< "$out" &&
  expect "up refuses too" fails pulumi up --yes --skip-preview --non-interactive &&
  expect "the BackupTarget untouched" [ "$(k get backuptarget default -n longhorn-system -o jsonpath='{.spec.backupTargetURL} {.spec.credentialSecret}')" = "$target_before" ] &&
  fingerprint "$work/fp-after.json" && expect "nothing in the apps' world changed" unchanged "$work/fp-before.json" "$work/fp-after.json" || return 1
  # Proven: VolSync syncs nginx (hold released) and immich's next drill passes.
  : > "$standins/hold"
  # (the drill runs for real, for seconds: wait for this run's verdict, not an earlier one's event)
  log "immich's drill: $(drill_once immich/immich-drill)"
  backups_settled
  sleep 2   # the CronJob controller records the success
  verify > "$work/verify-3.txt" || { cat "$work/verify-3.txt" >&2; log "not proven after the fixes"; return 1; }
  steps=$(preview_steps | changes)
  log "planned: $(echo "$steps" | tr '\n' ';')"
  # Besides the patch: each drill CronJob records the repository its passing drill saw (issue 21 part 3, the ratchet
  # of plan/RepositoryIdentity), an update of its env only.
  expect "the drills' CronJobs record the repositories their drills saw" grep -q -E '^update kubernetes:batch/v1:CronJob immich-drill$' <<< "$steps" &&
  expect "the preview plans only the BackupTarget patch" [ "$(echo "$steps" | grep -v ' pulumi:pulumi:Stack ' | grep -v -E '^update kubernetes:batch/v1:CronJob [a-z0-9-]+-drill$' | cut -d' ' -f1,3 | tr '\n' ',')" = "create wave3-proof-longhorn-backup-target," ] &&
  up &&
  expect "the default BackupTarget has no target URL and no credential secret" [ "$(k get backuptarget default -n longhorn-system -o jsonpath='{.spec.backupTargetURL}|{.spec.credentialSecret}|{.spec.pollInterval}')" = "||300s" ] &&
  expect "and still exists" k get backuptarget default -n longhorn-system -o name >/dev/null &&
  expect "Argo CD's other fields on it kept" [ -n "$(k get backuptarget default -n longhorn-system -o jsonpath='{.metadata.annotations.argocd\.argoproj\.io/tracking-id}')" ] &&
  no_changes
}

ours() { # namespace/name of the objects of the main stack's namespaces (not the second stacks' dr-notes, ssa-*)
  k get "$@" -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}' 2>/dev/null | grep -v -E '^(dr-notes|ssa-)' || true
}

rollback_removes_the_program() {
  # The design's rollback plan, as README "Take the program back out" gives it.
  backups_settled || return 1
  fingerprint "$work/before-rollback.json"
  bucket_digest > "$work/bucket-before-rollback.txt"
  pulumi stack --show-urns | grep -oE 'urn:pulumi:[^ ]+PersistentVolumeClaim::[^ ]+' | while read -r urn; do
    pulumi state delete --force --yes "$urn" >/dev/null
  done
  pulumi destroy --yes --skip-preview --non-interactive > "$work/destroy.log" 2>&1 || { tail -30 "$work/destroy.log" >&2; return 1; }
  for _ in $(seq 1 60); do   # the garbage collector removes what VolSync's objects owned
    [ -z "$(ours pvc -l app.kubernetes.io/created-by=volsync; ours volumesnapshots)" ] && break
    sleep 1
  done
  fingerprint "$work/world-after.json"
  expect "no VolSync object left" [ -z "$(ours replicationsources,replicationdestinations)" ] &&
  expect "no drill CronJob, script or alert rule left" [ -z "$(ours cronjobs,configmaps -l homelab-backups/drill; k get prometheusrule -n prometheus-stack -o name)" ] &&
  expect "no mover claim or snapshot left" [ -z "$(ours pvc -l app.kubernetes.io/created-by=volsync; ours volumesnapshots)" ] &&
  expect "volsync-system and the snapshot class gone" [ -z "$(k get namespace volsync-system -o name 2>/dev/null; k get volumesnapshotclass longhorn-snap -o name 2>/dev/null)" ] &&
  expect "the CNPG cluster is back to what Argo CD applied" [ -z "$(k get cluster khoj-database -n cloudnative-pg -o jsonpath='{.spec.plugins}')" ] &&
  expect "every PVC and PV left exactly as it was (UIDs, claims, labels, annotations, spec), every pod and Longhorn's own backup objects too" \
    unchanged "$work/before-rollback.json" "$work/world-after.json" --except '^(secrets|clusters|postgresclusters)' &&
  expect "what the program created in the apps' namespaces is gone: its Secrets, its patches of the database clusters" \
    unchanged "$work/world-before.json" "$work/world-after.json" --only '^(secrets|clusters|postgresclusters)' &&
  expect "the repositories are left as they are (every object in the bucket, byte for byte)" diff "$work/bucket-before-rollback.txt" <(bucket_digest) >&2 &&
  expect "the stack is empty" [ "$(pulumi stack --show-urns | grep -c 'urn:pulumi:' || true)" -le 1 ]
}

# ---- upgrade: a stack made by the last release, previewed and applied by this one -----------------------------------
# Every change of a child's name, parent or type must carry an alias (ProdStackTest pins the URNs); this proves it on
# a real engine: the last release migrates the world (after the rollback the world is as before the migration), then
# this program previews that stack. A rename would be a create and a delete. Nothing else may move, no PVC or PV.
UPGRADE_FROM=d66b19fdf5fbc3b05ac548f41da588cd323b0009   # the last commit that landed (session 8) before this release
# This release changes how the program's JVM starts (runtime/TunedJvm), nothing the program registers: at most the
# stack's outputs, and nothing is created.
UPGRADE_CHANGES='^(update|replace|create-replacement|delete-replaced) pulumi:pulumi:Stack .*$'
UPGRADE_CREATES='^$'
use_jar() { sed -i "s|^    binary: .*|    binary: $1|" Pulumi.yaml; }
upgrade_from_the_last_release_changes_nothing() {
  local old before steps
  old=$(bash "$E2E/harness/release-jar.sh" "$UPGRADE_FROM") || return 1
  before=$(pvc_uids)
  pulumi config set --path 'homelab-backups:longhorn.retireBackups' false >/dev/null   # scenario q left it on
  use_jar "$old"
  up || { use_jar "$REPO/target/homelab-backups-all.jar"; return 1; }
  log "the release ${UPGRADE_FROM:0:12} migrated the world: $(pulumi stack --show-urns | grep -c 'urn:pulumi:') URNs"
  use_jar "$REPO/target/homelab-backups-all.jar"
  steps=$(preview_steps | changes)
  log "this program's preview of that stack: $(echo "$steps" | cut -d' ' -f1,2 | sort | uniq -c | tr '\n' ';')"
  expect "no create or delete (a rename without an alias would be both), no import" [ -z "$(echo "$steps" | grep -E '^(create|delete|import|import-replacement) ' | grep -v -E "$UPGRADE_CREATES")" ] &&
  expect "only the content this release changes on purpose" [ -z "$(echo "$steps" | grep -v -E "$UPGRADE_CHANGES" | grep -v -E "$UPGRADE_CREATES")" ] &&
  expect "no PVC or PV in the plan" [ -z "$(echo "$steps" | grep -E 'PersistentVolume(Claim)?(Patch)? ')" ] &&
  up && expect "no PVC was re-created (UIDs unchanged)" [ "$before" = "$(pvc_uids)" ] &&
  expect "then nothing is left to change" no_changes
}

argo_cd_self_heal_holds_a_restore() {
  # Issue 21, part 5 (README: Restore a volume): the Argo CD Application that tracks khoj's PVC syncs automatically
  # with selfHeal and prune (khoj: an app whose PVC is still the one Argo CD applied; a PVC an earlier restore made
  # anew carries no tracking annotation until Argo CD syncs it again). A restore is refused at preview and at up, naming the Application and the command that
  # pauses it, and nothing changes; once it is paused, the same request restores.
  local tracking app out uid_before
  backups_settled || return 1
  tracking=$(k get pvc khoj-config-pvc -n khoj -o jsonpath='{.metadata.annotations.argocd\.argoproj\.io/tracking-id}')
  app=${tracking%%:*}
  [ -n "$app" ] || { log "khoj's PVC carries no Argo CD tracking annotation"; return 1; }
  k apply -f "$E2E/world/argocd-application-crd.yaml" >/dev/null &&
    k wait --for=condition=Established crd/applications.argoproj.io --timeout=60s >/dev/null || return 1
  k get namespace argocd >/dev/null 2>&1 || k create namespace argocd >/dev/null || return 1
  k apply --field-manager=argocd-applicationset-controller -f - >/dev/null <<APP || return 1
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: $app, namespace: argocd}
spec:
  project: my-apps
  source: {repoURL: https://github.com/mitchross/talos-argocd-proxmox.git, path: my-apps/ai/khoj, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: khoj}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [ServerSideApply=true, CreateNamespace=true]
APP
  stop_app khoj khoj-server-0
  uid_before=$(uid khoj khoj-config-pvc)
  fingerprint "$work/fp-argo-before.json"
  pulumi config set --path 'homelab-backups:restore.khoj' latest >/dev/null
  if out=$(pulumi preview --non-interactive 2>&1); then log "preview accepted a restore while Argo CD self-heals the PVC"; return 1; fi
  echo "$out" > "$work/argo-refused.log"
  log "refused: $(grep -m1 -o 'RESTORE refused: the PVC khoj/khoj-config-pvc is tracked by[^,]*' <<< "$out")"
  expect "the preview names the Application" grep -q "tracked by the Argo CD Application argocd/$app" <<< "$out" &&
  expect "and says why" grep -q "syncs automatically with selfHeal and prune" <<< "$out" &&
  expect "and the command that pauses it" grep -qF "kubectl -n argocd patch application $app --type merge -p '{\"spec\":{\"syncPolicy\":{\"automated\":null}}}'" <<< "$out" &&
  expect "up refuses too" fails pulumi up --yes --skip-preview --non-interactive &&
  expect "the PVC is the same object" [ "$(uid khoj khoj-config-pvc)" = "$uid_before" ] &&
  expect "no destination was created" [ -z "$(k get replicationdestination -n khoj -o name)" ] &&
  fingerprint "$work/fp-argo-after.json" && expect "nothing in the apps' world changed" unchanged "$work/fp-argo-before.json" "$work/fp-argo-after.json" || return 1
  # README: pause it, then up with the request unchanged.
  k -n argocd patch application "$app" --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}' >/dev/null || return 1
  up &&
  expect "paused, the restore replaced the PVC" [ "$(uid khoj khoj-config-pvc)" != "$uid_before" ] &&
  expect "from its destination" [ "$(k get pvc khoj-config-pvc -n khoj -o jsonpath='{.spec.dataSourceRef.name}')" = khoj-restore ] || return 1
  pulumi config rm --path 'homelab-backups:restore.khoj' >/dev/null && up && start_app khoj khoj-server-0
}

onto_the_contract() {
  # Issue 21, part 1 (README "Restore-before-bind: the Git side"): an adopted PVC cannot gain the contract's
  # dataSourceRef (immutable), so it goes onto the contract through the restore path, one app at a time: Argo CD
  # paused and the app stopped, a fresh manual backup, restore.<app>: latest, then the rendered patch committed to Git,
  # which Argo CD then applies onto the live PVC with no change, Argo CD resumed, the request removed.
  local ns=homepage-dashboard pvc=homepage-config-pvc app=homepage-dashboard pod=homepage-dashboard-0
  local argo tracking uid_before git rendered newest id spec_before rv out
  backups_settled || return 1
  # The Git side, as ./render writes it for this stack (the program's own render, offline).
  rendered="$work/render-u"
  java -cp "$REPO/target/homelab-backups-all.jar" homelab.backups.render.Render --stack e2e --project "$project" --out "$rendered" \
    > "$work/render-u.log" 2>&1 || { tail -20 "$work/render-u.log" >&2; return 1; }
  expect "the render names the Git side's folder" grep -q "the Git side of restore-before-bind (.* PVC patches, the order in gitops/index.txt)" "$work/render-u.log" &&
  expect "the index lists the app, its PVC and its patch" grep -qE "^[0-9]+ +$app +$ns +$pvc +ReplicationDestination/$app-restore +gitops/$ns/$pvc.restore-before-bind.yaml" "$rendered/gitops/index.txt" || return 1
  # The app's Git directory as Argo CD reads it: its PVC manifest (what Argo CD applied: last-applied-configuration)
  # and a kustomization, to which the owner adds the rendered patch file and its patches: entry.
  git="$work/git-$app"; mkdir -p "$git"
  k get pvc "$pvc" -n "$ns" -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}' > "$git/pvc.yaml"
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - pvc.yaml\n' > "$git/kustomization.yaml"
  k kustomize "$git" > "$work/$app-git-before.yaml" || return 1
  cp "$rendered/gitops/$ns/$pvc.restore-before-bind.yaml" "$git/" &&
  sed -n '/^patches:/,$p' "$rendered/gitops/$ns/kustomization-patches.yaml" >> "$git/kustomization.yaml" &&
  k kustomize "$git" > "$work/$app-git-contract.yaml" || return 1
  expect "the patched manifest is the Git manifest plus the dataSourceRef and the two Argo CD annotations" python3 - "$work/$app-git-before.yaml" "$work/$app-git-contract.yaml" <<'PY'
import sys, yaml
before, after = (yaml.safe_load(open(f)) for f in sys.argv[1:3])
added = {k: v for k, v in after["metadata"]["annotations"].items() if k not in (before["metadata"].get("annotations") or {})}
assert added == {"argocd.argoproj.io/sync-options": "Prune=false,Delete=false", "argocd.argoproj.io/compare-options": "ServerSideDiff=false"}, added
spec = dict(after["spec"]); ref = spec.pop("dataSourceRef")
assert spec == before["spec"], (spec, before["spec"])
assert ref == {"apiGroup": "volsync.backube", "kind": "ReplicationDestination", "name": "homepage-dashboard-restore"}, ref
PY
  [ $? -eq 0 ] || return 1
  # Why the runbook exists: the API server refuses the patched manifest on the live, adopted PVC (dataSourceRef is
  # immutable once created), which is what Argo CD would run into if the patch were committed first.
  if out=$(k apply --server-side --force-conflicts --field-manager=argocd-controller --dry-run=server -f "$work/$app-git-contract.yaml" 2>&1); then
    log "the API server accepted a dataSourceRef on a live PVC: $out"; return 1
  fi
  log "before the migration, Argo CD's apply would be refused: $(echo "$out" | head -1 | cut -c1-200)"
  expect "refused as immutable" grep -q "immutable" <<< "$out" || return 1
  # 1. Pause Argo CD's automated sync (README "Restore a volume", Before 1) and stop the app.
  tracking=$(k get pvc "$pvc" -n "$ns" -o jsonpath='{.metadata.annotations.argocd\.argoproj\.io/tracking-id}')
  argo=${tracking%%:*}
  [ -n "$argo" ] || { log "$pvc carries no Argo CD tracking annotation"; return 1; }
  k apply -f "$E2E/world/argocd-application-crd.yaml" >/dev/null &&
    k wait --for=condition=Established crd/applications.argoproj.io --timeout=60s >/dev/null || return 1
  k get namespace argocd >/dev/null 2>&1 || k create namespace argocd >/dev/null || return 1
  k apply --field-manager=argocd-applicationset-controller -f - >/dev/null <<APP || return 1
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: $argo, namespace: argocd}
spec:
  project: my-apps
  source: {repoURL: https://github.com/mitchross/talos-argocd-proxmox.git, path: my-apps/media/homepage-dashboard, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: $ns}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [ServerSideApply=true, CreateNamespace=true]
APP
  k -n argocd patch application "$argo" --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}' >/dev/null || return 1
  app_writes "$ns" "$pvc" "$app@contract" || return 1    # what the app wrote since last night's backup
  stop_app "$ns" "$pod"
  uid_before=$(uid "$ns" "$pvc")
  digest "$ns" "$pvc" > "$work/$app-quiesced.sha256"
  # 2. A fresh backup of the quiesced volume: a manual trigger on its ReplicationSource, until VolSync reports it in
  #    status.lastManualSync; then the trigger is removed, so the schedule applies again.
  k patch replicationsource "$app-backup" -n "$ns" --type merge -p '{"spec":{"trigger":{"manual":"onto-contract"}}}' >/dev/null || return 1
  for _ in $(seq 1 120); do [ "$(k get replicationsource "$app-backup" -n "$ns" -o jsonpath='{.status.lastManualSync}')" = onto-contract ] && break; sleep 1; done
  expect "the manual backup finished" [ "$(k get replicationsource "$app-backup" -n "$ns" -o jsonpath='{.status.lastManualSync}')" = onto-contract ] &&
  k patch replicationsource "$app-backup" -n "$ns" --type json -p '[{"op":"remove","path":"/spec/trigger/manual"}]' >/dev/null &&
  expect "the manual trigger is gone again, the schedule kept" [ -z "$(k get replicationsource "$app-backup" -n "$ns" -o jsonpath='{.spec.trigger.manual}')" ] &&
  expect "..." [ -n "$(k get replicationsource "$app-backup" -n "$ns" -o jsonpath='{.spec.trigger.schedule}')" ] || return 1
  newest=$(repo "$ns" "$app" snapshots --json 2>/dev/null | jq -r 'sort_by(.time) | last | .short_id')
  expect "the newest snapshot holds what the app wrote before it stopped" [ "$(repo_tokens "$ns" "$app" | awk '{print $NF}')" = "$app@contract" ] || return 1
  # 3. restore.<app>: latest, pulumi up: the PVC is re-created with the contract's dataSourceRef.
  pulumi config set --path "homelab-backups:restore.$app" latest >/dev/null && up || return 1
  id=$(k get replicationdestination "$app-restore" -n "$ns" -o jsonpath='{.status.latestMoverStatus.logs}')
  log "restored $(content "$ns" "$pvc") from snapshot $newest; PVC $(uid "$ns" "$pvc") (was $uid_before)"
  expect "the PVC was re-created" [ "$(uid "$ns" "$pvc")" != "$uid_before" ] &&
  expect "from the fresh backup's snapshot (restic's own restore line)" grep -q "^restoring snapshot $newest of " <<< "$id" &&
  expect "every file byte for byte" diff "$work/$app-quiesced.sha256" <(digest "$ns" "$pvc") >&2 &&
  expect "the live dataSourceRef is exactly the rendered patch's" [ "$(k get pvc "$pvc" -n "$ns" -o json | jq -cS .spec.dataSourceRef)" = \
    "$(python3 -c 'import sys,yaml,json; print(json.dumps(yaml.safe_load(open(sys.argv[1]))["spec"]["dataSourceRef"], sort_keys=True, separators=(",", ":")))' "$rendered/gitops/$ns/$pvc.restore-before-bind.yaml")" ] || return 1
  start_app "$ns" "$pod"
  # 4. Commit the patch: Argo CD applies the patched Git manifest onto the live PVC (server-side apply, its field
  #    manager): accepted, nothing in the spec changes, the same object; its server-side diff then finds nothing.
  spec_before=$(k get pvc "$pvc" -n "$ns" -o json | jq -cS .spec)
  uid_before=$(uid "$ns" "$pvc")
  k apply --server-side --force-conflicts --field-manager=argocd-controller -f "$work/$app-git-contract.yaml" > "$work/argo-apply-u.log" 2>&1 ||
    { log "Argo CD's apply of the patched manifest was refused: $(cat "$work/argo-apply-u.log")"; return 1; }
  rv=$(k get pvc "$pvc" -n "$ns" -o jsonpath='{.metadata.resourceVersion}')
  k apply --server-side --force-conflicts --field-manager=argocd-controller -f "$work/$app-git-contract.yaml" >/dev/null || return 1   # the next sync
  expect "Argo CD's apply changed nothing in the spec" [ "$(k get pvc "$pvc" -n "$ns" -o json | jq -cS .spec)" = "$spec_before" ] &&
  expect "and the PVC is the same object, bound" [ "$(uid "$ns" "$pvc") $(k get pvc "$pvc" -n "$ns" -o jsonpath='{.status.phase}')" = "$uid_before Bound" ] &&
  expect "it carries the contract's annotations now" [ "$(k get pvc "$pvc" -n "$ns" -o jsonpath='{.metadata.annotations.argocd\.argoproj\.io/compare-options}')" = ServerSideDiff=false ] &&
  expect "a second sync is a no-op (same resourceVersion)" [ "$(k get pvc "$pvc" -n "$ns" -o jsonpath='{.metadata.resourceVersion}')" = "$rv" ] &&
  expect "Argo CD's server-side diff (a dry-run apply) finds no difference" k diff --server-side --force-conflicts --field-manager=argocd-controller -f "$work/$app-git-contract.yaml" &&
  no_changes || return 1
  # 5. Resume Argo CD, remove the request: the destination goes, the PVC stays as it is (Bound, dataSourceRef kept).
  k -n argocd patch application "$argo" --type merge -p '{"spec":{"syncPolicy":{"automated":{"prune":true,"selfHeal":true}}}}' >/dev/null &&
  pulumi config rm --path "homelab-backups:restore.$app" >/dev/null && up || return 1
  expect "the PVC stays, on the contract" [ "$(k get pvc "$pvc" -n "$ns" -o jsonpath='{.status.phase} {.spec.dataSourceRef.name}')" = "Bound $app-restore" ] &&
  expect "its destination is gone" [ -z "$(k get replicationdestination -n "$ns" -o name)" ] &&
  expect "a second preview shows no changes" no_changes || return 1
  # 6. The contract at work: the PVC deleted by hand and re-created by Argo CD from the patched Git manifest waits
  #    Pending for its destination (none exists without a request); ./verify shows it WAITING FOR DATA and the
  #    Longhorn retirement gate names it. Its volume is kept (Retain) so that this test can give it back.
  local pv
  stop_app "$ns" "$pod"
  pv=$(pv_of "$ns" "$pvc")
  k patch pv "$pv" -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}' >/dev/null &&
  k delete pvc "$pvc" -n "$ns" --wait=true >/dev/null &&
  k apply --server-side --force-conflicts --field-manager=argocd-controller -f "$work/$app-git-contract.yaml" >/dev/null || return 1
  for _ in $(seq 1 10); do
    [ "$(k get pvc "$pvc" -n "$ns" -o jsonpath='{.status.phase}|{.spec.volumeName}')" = "Pending|" ] || { log "the re-created claim did not wait: $(k get pvc "$pvc" -n "$ns" -o jsonpath='{.status.phase} {.spec.volumeName}')"; return 1; }
    sleep 1
  done
  expect "no volume was provisioned for it, and no populator claim made" [ -z "$(k get pvc -n "$ns" -o name | grep vs-prime-)" ] &&
  expect "the populator says why it waits" grep -q "replicationdestination $app-restore not found" <<< "$(k get events -n "$ns" -o jsonpath='{range .items[*]}{.message}{"\n"}{end}')" || return 1
  verify --json > "$work/verify-u.json" 2> "$work/verify-u.err"
  verify > "$work/verify-u.txt" 2>&1
  log "verify: $(jq -r '.checks[] | select(.check == "claim") | "\(.check) \(.item) \(.state): \(.detail)"' "$work/verify-u.json" | cut -c1-220)"
  expect "./verify's ledger has it WAITING FOR DATA" [ "$(jq -r --arg k "$ns/$pvc" '.coverage.pvcs[] | select("\(.namespace)/\(.pvc)" == $k) | .status' "$work/verify-u.json")" = "WAITING FOR DATA" ] &&
  expect "since it was created, waiting for its destination" [ "$(jq -r --arg p "$pvc" --arg n "$ns" '.coverage.pvcs[] | select(.pvc == $p and .namespace == $n) | "\(.waitingSince != null) \(.waitsFor)"' "$work/verify-u.json")" = \
    "true its dataSourceRef waits for the ReplicationDestination $ns/$app-restore, which only a restore request creates" ] &&
  expect "with the config value that resolves it" jq -e --arg p "$pvc" --arg n "$ns" '.coverage.pvcs[] | select(.pvc == $p and .namespace == $n) | .resolution | contains("restore.homepage-dashboard")' "$work/verify-u.json" >/dev/null &&
  expect "listed under waitingForData" jq -e --arg k "$ns/$pvc" '.coverage.waitingForData == [$k]' "$work/verify-u.json" >/dev/null &&
  expect "the retirement gate names it" grep -q "claim $app FAILING" <<< "$(jq -r .longhornRetirement.verdict "$work/verify-u.json")" &&
  expect "the table says so too" grep -q "WAITING FOR DATA" "$work/verify-u.txt" || return 1
  # Given back the way README "Undo a restore" does: the kept volume's claimRef without its old UID; the real binder
  # binds the waiting claim to it although the claim has a dataSourceRef (it never looks at one), and the populator
  # leaves a bound claim alone (docs/restore-before-bind.md §2, §4).
  k patch pv "$pv" --type json -p '[{"op":"remove","path":"/spec/claimRef/uid"},{"op":"remove","path":"/spec/claimRef/resourceVersion"}]' >/dev/null || return 1
  for _ in $(seq 1 60); do [ "$(k get pvc "$pvc" -n "$ns" -o jsonpath='{.status.phase}')" = Bound ] && break; sleep 1; done
  expect "the binder bound the claim with the contract to the kept volume" [ "$(pv_of "$ns" "$pvc")" = "$pv" ] &&
  expect "with its data" [ "$(content "$ns" "$pvc" | cut -d' ' -f2)" = "$app@contract" ] &&
  expect "and the populator made no claim for it" [ -z "$(k get pvc -n "$ns" -o name | grep vs-prime-)" ] &&
  k patch pv "$pv" -p '{"spec":{"persistentVolumeReclaimPolicy":"Delete"}}' >/dev/null || return 1
  start_app "$ns" "$pod"
  # The program does not take a claim it did not fill on trust: bound by hand like this, it is FILLED and refused
  # until the owner says (ClaimStateTest); this scenario runs last, so the world is left as it is.
}

# ---- issue 21 part 2: disaster recovery of two apps, one of whose repositories is empty ---------------------------
disaster_recovery_refuses_an_empty_repository() {
  local d="$work/ab-project" out
  second_settings ab > "$work/Pulumi.ab.yaml"
  echo "volumes:
  - {app: notes, namespace: ab-notes, pvc: notes-data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}
  - {app: blank, namespace: ab-blank, pvc: blank-data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}" > "$work/ab-inventory.yaml"
  new_project "$d" e2e-ab "$work/Pulumi.ab.yaml" "$work/ab-inventory.yaml"
  k create namespace ab-notes >/dev/null && k create namespace ab-blank >/dev/null || return 1
  seed_repository ab-notes notes notes@ab || return 1
  # blank's repository is empty: initialised, never backed up (a wrong prefix, a wiped bucket after its re-init).
  repo ab-blank blank init -q >/dev/null || return 1
  local blank_before; blank_before=$(cd "$S3_ROOT" && find . -path '*ab-blank/blank*' -type f -print0 | sort -z | xargs -0 -r sha256sum)
  if out=$(cd "$d" && pulumi config set --path 'homelab-backups:recovery.disasterRecovery' true >/dev/null &&
           pulumi up --yes --skip-preview --non-interactive 2>&1); then
    log "disaster recovery populated an app from an empty repository"; return 1
  fi
  echo "$out" > "$work/ab-up.log"
  log "up said: $(grep -m1 -E 'blank-restore-check|restore-check FAIL' <<< "$out" | cut -c1-240); blank's check: $(check_verdict ab-blank blank)"
  expect "up stops naming the app (its check Job)" grep -q "blank-restore-check-[0-9a-f]\{8\}" <<< "$out" &&
  expect "... and the reason" grep -q "restore-check FAIL app=blank point=latest reason=no-eligible-snapshot" <<< "$out" &&
  expect "blank's PVC was never created" never_stored /registry/persistentvolumeclaims/ab-blank/blank-data &&
  expect "nor its ReplicationDestination" never_stored /registry/volsync.backube/replicationdestinations/ab-blank/blank-restore &&
  expect "nor its backups (an empty volume never becomes the newest backup)" [ -z "$(k get replicationsource -n ab-blank -o name)" ] &&
  expect "its repository is byte for byte as before" [ "$(cd "$S3_ROOT" && find . -path '*ab-blank/blank*' -type f -print0 | sort -z | xargs -0 -r sha256sum)" = "$blank_before" ] &&
  expect "notes' check passed on its backup" grep -q "^restore-check PASS app=notes point=latest " <<< "$(check_verdict ab-notes notes)" || return 1
  # notes runs alongside: the engine lets what is in flight finish. Whatever it got to, never an empty volume.
  if [ -n "$(k get pvc notes-data -n ab-notes -o name 2>/dev/null)" ]; then
    for _ in $(seq 1 60); do [ "$(k get pvc notes-data -n ab-notes -o jsonpath='{.status.phase}')" = Bound ] && break; sleep 1; done
    expect "notes' PVC, if created, holds its backup" [ "$(content ab-notes notes-data | cut -d' ' -f2)" = "notes@ab" ]
  fi
}

# ---- repository identity: a wiped repository caught by the drill and ./verify (issue 21 part 3) ------------------
drill_env() { # namespace cronjob var: the value the drill container's env gives it
  k get cronjob "$2" -n "$1" -o json | jq -r --arg v "$3" '.spec.jobTemplate.spec.template.spec.containers[0].env[] | select(.name == $v) | .value'
}
drill_once() { # namespace/cronjob [pass|real]: the drill runs once for real (the stand-in runs its script); prints its verdict
  local n; n=$(grep -c " drill-\(passed\|failed\) $1-" "$events" || true)
  echo "$1 ${2:-pass}" >> "$standins/drill-run"
  for _ in $(seq 1 480); do
    [ "$(grep -c " drill-\(passed\|failed\) $1-" "$events" || true)" -gt "$n" ] && break
    sleep 0.5
  done
  grep " drill-\(passed\|failed\) $1-" "$events" | tail -1 | sed 's/^.* drill-\(passed\|failed\) [^ ]* //'
}
wiped_repository_is_caught_by_the_drill() {
  local id1 id2 verdict rc out source_urn retire
  backups_settled || return 1
  # A passing drill prints the repository it saw; the next up records it on the CronJob.
  verdict=$(drill_once nginx-example/nginx-drill)
  log "drill: $verdict"
  id1=$(repo nginx-example nginx cat config | jq -r .id)
  expect "the real drill passed and names the repository" grep -q "^drill PASS app=nginx .* repository=$id1 snapshots=[0-9]* oldest=" <<< "$verdict" || return 1
  up || return 1
  expect "the CronJob records the repository the drill saw" [ "$(drill_env nginx-example nginx-drill EXPECTED_REPOSITORY_ID)" = "$id1" ] &&
  expect "and its oldest snapshot" [ -n "$(drill_env nginx-example nginx-drill EXPECTED_OLDEST)" ] || return 1
  # The prefix is wiped; the next backup (the source made anew syncs at once) runs the real mover, whose
  # ensure_initialized runs `restic init` on a missing repository (backube/volsync v0.15.0 mover-restic/entry.sh).
  rm -rf "$S3_ROOT/buckets/$S3_BUCKET/nginx-example/nginx"
  source_urn=$(pulumi stack --show-urns | grep -o 'urn:pulumi:[^ ]*ReplicationSource::nginx-source' | sed -n 1p)
  pulumi up --yes --skip-preview --non-interactive --target "$source_urn" --replace "$source_urn" > "$work/up.log" 2>&1 ||
    { tail -30 "$work/up.log" >&2; return 1; }
  wait_synced nginx-example nginx-backup || return 1
  id2=$(repo nginx-example nginx cat config | jq -r .id)
  expect "the mover initialised a new repository (another id) and backed up into it" [ -n "$id2" ] && [ "$id2" != "$id1" ] &&
  expect "..." [ "$(repo nginx-example nginx snapshots --json | jq length)" = 1 ] || return 1
  # The next drill fails on it, for the real reason.
  verdict=$(drill_once nginx-example/nginx-drill)
  log "drill: $verdict"
  expect "the drill fails repository-replaced with both ids" grep -q "^drill FAIL app=nginx reason=repository-replaced expected=$id1 found=$id2 snapshots=1 " <<< "$verdict" || return 1
  sleep 2
  rc=0; verify --json > "$work/verify-replaced.json" || rc=$?
  verify > "$work/verify-replaced.txt" || true
  grep -E '^drill +nginx|retired' "$work/verify-replaced.txt" | sed 's/^/[e2e]   /' >&2
  expect "./verify exits 1" [ "$rc" = 1 ] &&
  expect "its drill row is REPLACED, not FAILING or STALE" grep -q '^drill nginx REPLACED$' <(rows "$work/verify-replaced.json") &&
  expect "with both ids and the acknowledgement" jq -e --arg a "$id1" --arg b "$id2" '.checks[] | select(.check == "drill" and .item == "nginx") | .detail | (contains($a) and contains($b) and contains("drills.acceptRepository.nginx: " + $b))' "$work/verify-replaced.json" >/dev/null &&
  expect "the verdict refuses the retirement naming it" grep -q 'may NOT be retired: .*drill nginx REPLACED' "$work/verify-replaced.txt" || return 1
  # The retirement gate: scenario q retired Longhorn's backups in this world already, so it does not refuse the up
  # (that would bring no Longhorn backup back, and would block the acknowledgement below): it warns, naming the row.
  retire=$(pulumi config get --path 'homelab-backups:longhorn.retireBackups' 2>/dev/null || true)
  pulumi config set --path 'homelab-backups:longhorn.retireBackups' true >/dev/null
  if [ -z "$(k get backuptarget default -n longhorn-system -o jsonpath='{.spec.backupTargetURL}')" ]; then
    out=$(pulumi preview --non-interactive 2>&1) || { echo "$out" | tail -30 >&2; return 1; }
    expect "a retirement already applied warns naming the replaced repository" \
      grep -q 'LONGHORN RETIRED BUT NOT PROVEN: .*drill nginx REPLACED' <<< "$out" || return 1
  else
    if out=$(pulumi preview --non-interactive 2>&1); then log "preview accepted the retirement with a replaced repository"; return 1; fi
    expect "the retirement refused naming the replaced repository" grep -q 'drill nginx (nginx-example): REPLACED: repository replaced: the repository is '"$id2" <<< "$out" || return 1
  fi
  # The owner acknowledges the re-initialisation (it was meant, here): the up that records it is not refused.
  pulumi config set --path 'homelab-backups:drills.acceptRepository.nginx' "$id2" >/dev/null
  out=$(pulumi preview --non-interactive 2>&1) || { echo "$out" | tail -30 >&2; return 1; }
  expect "the preview reports the acknowledgement" grep -q "REPOSITORY ACKNOWLEDGED drills.acceptRepository.nginx: the drill of nginx will expect repository $id2 instead of the recorded $id1" <<< "$out" || return 1
  if [ "$retire" = true ]; then :; elif [ -n "$retire" ]; then pulumi config set --path 'homelab-backups:longhorn.retireBackups' "$retire" >/dev/null
  else pulumi config rm --path 'homelab-backups:longhorn.retireBackups' >/dev/null; fi
  up || return 1
  expect "the CronJob expects the new repository" [ "$(drill_env nginx-example nginx-drill EXPECTED_REPOSITORY_ID)" = "$id2" ] &&
  expect "and none of the old one's history" [ -z "$(drill_env nginx-example nginx-drill EXPECTED_OLDEST)" ] || return 1
  verdict=$(drill_once nginx-example/nginx-drill)
  log "drill: $verdict"
  expect "the next drill passes on it" grep -q "^drill PASS app=nginx .* repository=$id2 " <<< "$verdict" || return 1
  sleep 2
  verify --json > "$work/verify-acknowledged.json" || true
  expect "./verify: the drill row PROVEN again" grep -q '^drill nginx PROVEN$' <(rows "$work/verify-acknowledged.json") &&
  up && no_changes
}

# ---- restore-before-bind (issue 21): a claim re-created behind the program's back ------------------------------
stop_claim_users() { # namespace claim: stops every pod that mounts the claim (remembered for start_claim_users)
  local p
  for p in $(k get pods -n "$1" -o json | jq -r --arg c "$2" '.items[] | select([.spec.volumes[]?.persistentVolumeClaim.claimName] | index($c)) | .metadata.name'); do
    stop_app "$1" "$p"; echo "$p"
  done > "$work/users-$1-$2"
}
start_claim_users() { local p; for p in $(cat "$work/users-$1-$2" 2>/dev/null); do start_app "$1" "$p"; done; }
argo_recreate() { # namespace claim [destination]: what Argo CD does after a prune, a deleted Application or a hand
  # delete under self-heal: the claim is gone, and Argo CD applies its Git manifest anew (client-side apply, as the
  # world's). With a destination, Git carries the restore-before-bind dataSourceRef (README: When a claim is re-created).
  local git="$work/git-$1-$2.json"
  k get pvc "$2" -n "$1" -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}' > "$git" || return 1
  [ -s "$git" ] || { log "$1/$2 has no last-applied-configuration"; return 1; }
  if [ -n "${3:-}" ]; then
    jq --arg rd "$3" '.spec.dataSourceRef = {apiGroup: "volsync.backube", kind: "ReplicationDestination", name: $rd}' "$git" > "$git.tmp" && mv "$git.tmp" "$git"
  fi
  k delete pvc "$2" -n "$1" --wait=true --timeout=120s >/dev/null || return 1
  k apply --field-manager=argocd-controller -f "$git" >/dev/null
}
recorded_uid() { k get replicationsource "$2" -n "$1" -o json 2>/dev/null | jq -r '.metadata.annotations["homelab-backups/claim-uid"] // ""'; }
phase() { k get pvc "$2" -n "$1" -o jsonpath='{.status.phase}'; }
wait_phase() { # namespace claim phase
  for _ in $(seq 1 60); do [ "$(phase "$1" "$2")" = "$3" ] && return 0; sleep 1; done
  log "$1/$2 is $(phase "$1" "$2"), not $3"; return 1
}
populator_event() { # namespace claim reason: the Warning VolSync's populator recorded on the claim (within 30 s)
  for _ in $(seq 1 30); do
    k get events -n "$1" -o json | jq -e --arg c "$2" --arg r "$3" '[.items[] | select(.involvedObject.name == $c and .reason == $r and .type == "Warning")] | length > 0' >/dev/null && return 0
    sleep 1
  done
  return 1
}
snapshots() { repo "$1" "$2" snapshots --json 2>/dev/null | jq length; }

waiting_claim_is_filled_on_request() {
  local ns=n8n pvc=n8n-data app=n8n held new out since count tokens
  backups_settled || return 1
  held=$(uid $ns $pvc)
  expect "the source records the claim the program adopted" [ "$(recorded_uid $ns $app-backup)" = "$held" ] || return 1
  digest $ns $pvc > "$work/x-backed-up.sha256"
  count=$(snapshots $ns $app); tokens=$(repo_tokens $ns $app)
  stop_claim_users $ns $pvc
  argo_recreate $ns $pvc $app-restore || return 1
  new=$(uid $ns $pvc); since=$(k get pvc $pvc -n $ns -o jsonpath='{.metadata.creationTimestamp}')
  expect "VolSync's populator leaves the claim Pending with a Warning: its destination does not exist" \
    populator_event $ns $pvc VolSyncPopulatorReplicationDestinationMissing &&
  expect "..." [ "$(phase $ns $pvc)" = Pending ] || return 1
  out=$(pulumi preview --non-interactive 2>&1) || { echo "$out" | tail -30 >&2; log "preview failed on a waiting claim"; return 1; }
  echo "$out" > "$work/x-preview.log"
  log "preview said: $(grep -m1 -o 'WAITING n8n.*' <<< "$out" | cut -c1-300)"
  expect "preview reports the waiting claim: app, PVC, UID, since when" grep -qF "WAITING n8n: the PVC n8n/n8n-data (UID $new) was created at $since" <<< "$out" &&
  expect "and both resolutions" grep -qF "restore.n8n' latest" <<< "$out" && expect "..." grep -qF "fresh-start" <<< "$out" &&
  up || return 1
  expect "up leaves the claim Pending, as it was" [ "$(phase $ns $pvc) $(uid $ns $pvc)" = "Pending $new" ] &&
  expect "its ReplicationSource paused" [ "$(k get replicationsource $app-backup -n $ns -o jsonpath='{.spec.paused}')" = true ] &&
  expect "still naming the claim the program held" [ "$(recorded_uid $ns $app-backup)" = "$held" ] &&
  expect "no new snapshot in the repository" [ "$(snapshots $ns $app)" = "$count" ] &&
  expect "no destination yet" [ -z "$(k get replicationdestination -n $ns -o name)" ] || return 1
  pulumi config set --path 'homelab-backups:restore.n8n' latest >/dev/null
  up || return 1
  # The populator binds the claim to the volume it filled after the destination's sync; up returns when the
  # destination reports it, the bind follows within seconds (volsync v0.15.0 internal/controller/volumepopulator_controller.go).
  wait_phase $ns $pvc Bound || true
  log "filled: $(phase $ns $pvc) $(uid $ns $pvc), holds $(content $ns $pvc)"
  expect "the claim Argo CD made is bound, never replaced (same UID)" [ "$(phase $ns $pvc) $(uid $ns $pvc)" = "Bound $new" ] &&
  expect "by the populator, from the destination" [ -n "$(k get pv "$(pv_of $ns $pvc)" -o jsonpath='{.metadata.annotations.volsync\.backube/populated-from}')" ] &&
  expect "every file, byte for byte, as backed up (real restic)" diff "$work/x-backed-up.sha256" <(digest $ns $pvc) >&2 &&
  expect "the source records the new claim" [ "$(recorded_uid $ns $app-backup)" = "$new" ] &&
  expect "and backs up again" [ -z "$(k get replicationsource $app-backup -n $ns -o jsonpath='{.spec.paused}')" ] &&
  expect "the repository's history is as it was" [ "$(repo_tokens $ns $app)" = "$tokens" ] || return 1
  pulumi config rm --path 'homelab-backups:restore.n8n' >/dev/null && up &&
  expect "the request gone, the claim stays" [ "$(uid $ns $pvc)" = "$new" ] &&
  start_claim_users $ns $pvc && no_changes
}

re_created_claim_stops_the_program() {
  local ns=paperless-ngx pvc=paperless-data-pvc app=paperless-ngx held new out up_out
  backups_settled || return 1
  held=$(uid $ns $pvc)
  stop_claim_users $ns $pvc
  argo_recreate $ns $pvc || return 1   # Git without the contract: it binds to a new, empty volume at once
  wait_phase $ns $pvc Bound || return 1
  start_claim_users $ns $pvc
  app_writes $ns $pvc paperless@new || return 1   # and the app starts on it, writing new bytes
  new=$(uid $ns $pvc)
  fingerprint "$work/fp-y-before.json"
  if out=$(pulumi preview --non-interactive 2>&1); then log "preview went on with a re-created claim"; return 1; fi
  if up_out=$(pulumi up --yes --skip-preview --non-interactive 2>&1); then log "up went on with a re-created claim"; return 1; fi
  log "preview said: $(grep -m1 -o 'RE-CREATED paperless-ngx.*' <<< "$out" | cut -c1-300)"
  local said="RE-CREATED paperless-ngx: the PVC paperless-ngx/paperless-data-pvc is not the claim this program adopted (UID $held): it has UID $new"
  expect "preview stops naming the app, the PVC and both UIDs" grep -qF "$said" <<< "$out" &&
  expect "with both resolutions" grep -qF "restore.paperless-ngx' fresh-start" <<< "$out" &&
  expect "up stops the same way" grep -qF "$said" <<< "$up_out" &&
  fingerprint "$work/fp-y-after.json" && expect "nothing in the apps' world changed" unchanged "$work/fp-y-before.json" "$work/fp-y-after.json" &&
  expect "the source still records the claim the program adopted" [ "$(recorded_uid $ns $app-backup)" = "$held" ] || return 1
  pulumi config set --path 'homelab-backups:restore.paperless-ngx' fresh-start >/dev/null
  up || return 1
  expect "fresh-start accepts the live claim: the source records its UID" [ "$(recorded_uid $ns $app-backup)" = "$new" ] &&
  expect "the claim and its bytes as the app wrote them" [ "$(uid $ns $pvc) $(content $ns $pvc | cut -d' ' -f2)" = "$new paperless@new" ] &&
  pulumi config rm --path 'homelab-backups:restore.paperless-ngx' >/dev/null && up && no_changes
}

disaster_recovery_fills_claims_argo_created_first() {
  local one="$work/z1-project" two="$work/z2-project" out good_uid empty_uid
  # Before the disaster: a stack backs up app "good" (real files, real restic).
  second_settings z1 > "$work/Pulumi.z1.yaml"
  printf 'volumes:\n  - {app: good, namespace: z-good, pvc: good-data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}\n' > "$work/z1-inventory.yaml"
  k create namespace z-good >/dev/null
  printf '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"good-data","namespace":"z-good"},"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"longhorn","resources":{"requests":{"storage":"1Gi"}}}}' \
    | k apply --field-manager=argocd-controller -f - >/dev/null || return 1
  wait_phase z-good good-data Bound && app_writes z-good good-data good@v1 || return 1
  digest z-good good-data > "$work/z-good.sha256"
  new_project "$one" e2e-z1 "$work/Pulumi.z1.yaml" "$work/z1-inventory.yaml"
  (cd "$one" && up) && wait_synced z-good good-backup || return 1
  expect "good's repository holds its data" [ "$(repo_tokens z-good good)" = "good@v1" ] || return 1
  # The disaster, then the rebuilt cluster: Argo CD syncs the apps from Git first. Their claims carry the
  # restore-before-bind dataSourceRef and wait, Pending. App "empty" never had a backup.
  k delete namespace z-good --wait=true --timeout=180s >/dev/null || return 1
  local a n
  for a in good empty; do
    n=z-$a
    k create namespace $n >/dev/null
    printf '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"%s-data","namespace":"%s"},"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"longhorn","resources":{"requests":{"storage":"1Gi"}},"dataSourceRef":{"apiGroup":"volsync.backube","kind":"ReplicationDestination","name":"%s-restore"}}}' $a $n $a \
      | k apply --field-manager=argocd-controller -f - >/dev/null || return 1
  done
  expect "both claims wait (the populator's Warning)" populator_event z-good good-data VolSyncPopulatorReplicationDestinationMissing &&
  expect "..." populator_event z-empty empty-data VolSyncPopulatorReplicationDestinationMissing &&
  expect "..." [ "$(phase z-good good-data) $(phase z-empty empty-data)" = "Pending Pending" ] || return 1
  good_uid=$(uid z-good good-data); empty_uid=$(uid z-empty empty-data)
  second_settings z2 > "$work/Pulumi.z2.yaml"
  printf 'volumes:\n  - {app: good, namespace: z-good, pvc: good-data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}\n  - {app: empty, namespace: z-empty, pvc: empty-data, capacity: 1Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}\n' > "$work/z2-inventory.yaml"
  new_project "$two" e2e-z2 "$work/Pulumi.z2.yaml" "$work/z2-inventory.yaml"
  # Disaster recovery per app and per namespace.
  (cd "$two" && pulumi config set --path 'homelab-backups:recovery.disasterRecovery[0]' good >/dev/null &&
    pulumi config set --path 'homelab-backups:recovery.disasterRecovery[1]' namespace:z-empty >/dev/null) || return 1
  out=$(cd "$two" && pulumi preview --non-interactive 2>&1) || { echo "$out" | tail -30 >&2; return 1; }
  expect "preview says each waiting claim is filled where it waits" grep -qF "FILL good: the waiting PVC z-good/good-data" <<< "$out" &&
  expect "..." grep -qF "FILL empty: the waiting PVC z-empty/empty-data" <<< "$out" || return 1
  if out=$(cd "$two" && pulumi up --yes --skip-preview --non-interactive 2>&1); then log "up accepted an empty restore"; return 1; fi
  echo "$out" > "$work/z-up.log"
  log "up said: $(grep -m1 -o 'restore-check FAIL app=empty.*' <<< "$out" | cut -c1-300)"
  # The restore check (RestoreCheck) refuses before the empty app's destination exists: VolSync's populator has
  # nothing to bind the claim to, so it stays Pending (volumepopulator_controller.go reconcilePVCPrime at v0.15.0).
  expect "up stops naming the app whose repository is empty, at its restore check" \
    grep -qE "restore-check FAIL app=empty point=latest reason=(no-eligible-snapshot|repository-missing)" <<< "$out" &&
  expect "no destination was created for it" [ -z "$(k get replicationdestination -n z-empty -o name 2>/dev/null)" ] &&
  expect "the empty claim still waits, unbound (20 s later too)" [ "$(phase z-empty empty-data) $(sleep 20; phase z-empty empty-data)" = "Pending Pending" ] &&
  expect "no backups of the empty claim" [ -z "$(k get replicationsource empty-backup -n z-empty -o name 2>/dev/null)" ] || return 1
  (cd "$two" && pulumi config set --path 'homelab-backups:restore.empty' fresh-start >/dev/null && up) || return 1
  # The refused up stopped before good's destination (its check ran beside empty's), so this up filled it: the
  # populator binds the claim once the destination has its latestImage, beside the up's last steps.
  wait_phase z-good good-data Bound && wait_phase z-empty empty-data Bound || return 1
  expect "the good claim, as Argo CD made it (same UID), bound" [ "$(uid z-good good-data) $(phase z-good good-data)" = "$good_uid Bound" ] &&
  expect "with every file, byte for byte, as backed up before the disaster" diff "$work/z-good.sha256" <(digest z-good good-data) >&2 &&
  expect "fresh-start: the empty claim bound" [ "$(uid z-empty empty-data) $(phase z-empty empty-data)" = "$empty_uid Bound" ] &&
  expect "empty: nothing the app wrote" [ -z "$(content z-empty empty-data | cut -d' ' -f2)" ] &&
  expect "and backed up from now on, recorded" [ "$(recorded_uid z-empty empty-backup)" = "$empty_uid" ] &&
  expect "the good claim recorded too" [ "$(recorded_uid z-good good-backup)" = "$good_uid" ] || return 1
  (cd "$two" && pulumi config rm --path 'homelab-backups:restore.empty' >/dev/null &&
    pulumi config set --path 'homelab-backups:recovery.disasterRecovery' false >/dev/null && up && no_changes)
}

# Issue 22 part 3 (docs/lineage.md): Argo CD re-creates a database cluster from the same manifest — a new initdb, a new
# system identifier — while its archive holds the old cluster's base backups. Preview and up stop (LINEAGE) before
# anything is registered; then the two ways out: a restore (the empty cluster's wiring withheld, the recovered cluster
# created), and a new lineage recorded in the inventory (serverName).
lineage_of_a_re_created_cluster_is_kept() {
  local ns=cloudnative-pg name=khoj-database lineage old_id new_id manifest out up_out before_archive before_backups
  lineage="$S3_ROOT/buckets/$S3_PG_BUCKET/cnpg/$name/$name"
  for _ in $(seq 1 60); do [ -n "$(find "$lineage/base" -name backup.info 2>/dev/null)" ] && break; sleep 1; done
  old_id=$(k get cluster "$name" -n "$ns" -o jsonpath='{.status.systemID}')
  expect "the wired cluster reports a system identifier" [ -n "$old_id" ] &&
  expect "its base backup is in the archive, in Barman's layout, with its identifier" \
    grep -q "^systemid=$old_id$" $(find "$lineage/base" -name backup.info | head -1) || return 1
  # What Argo CD applied (client-side apply keeps it), applied again after the delete: a prune and a re-sync.
  manifest=$(k get cluster "$name" -n "$ns" -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}')
  expect "the manifest Argo CD applied" [ -n "$manifest" ] || return 1
  k delete cluster "$name" -n "$ns" --wait=true >/dev/null
  echo "$manifest" | k apply --field-manager=argocd-controller -f - >/dev/null
  for _ in $(seq 1 60); do new_id=$(k get cluster "$name" -n "$ns" -o jsonpath='{.status.systemID}'); [ -n "$new_id" ] && break; sleep 1; done
  log "re-created $ns/$name: system identifier $old_id -> $new_id"
  expect "the re-created cluster is a new system" [ -n "$new_id" ] && [ "$new_id" != "$old_id" ] || return 1
  before_archive=$(cd "$S3_ROOT/buckets/$S3_PG_BUCKET" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
  before_backups=$(grep -cE "cnpg-backup $ns/$name( |\$)" "$events" || true)
  fingerprint "$work/fp-before.json"
  if out=$(pulumi preview --non-interactive 2>&1); then log "preview accepted the re-created cluster"; echo "$out" | tail -20 >&2; return 1; fi
  echo "$out" > "$work/lineage-preview.log"
  if up_out=$(pulumi up --yes --skip-preview --non-interactive 2>&1); then log "up accepted the re-created cluster"; return 1; fi
  echo "$up_out" > "$work/lineage-up.log"
  fingerprint "$work/fp-after.json"
  log "preview said: $(grep -m1 -o 'LINEAGE: [^.]*' <<< "$out")"
  expect "preview names the cluster, both identifiers, the archive and both ways out" \
    grep -q "LINEAGE: the CNPG Cluster $ns/$name (system identifier $new_id, created " <<< "$out" &&
  expect "... the archive's identifier" grep -q "s3://$S3_PG_BUCKET/cnpg/$name/$name holds (system identifier $old_id" <<< "$out" &&
  expect "... the restore" grep -q "restore.$name' latest" <<< "$out" &&
  expect "... a fresh serverName the store shows empty" grep -q "set serverName: $name-v2 on the database in the inventory (s3://$S3_PG_BUCKET/cnpg/$name/$name-v2 is empty)" <<< "$out" &&
  expect "up refuses the same way" grep -q "LINEAGE: the CNPG Cluster $ns/$name" <<< "$up_out" &&
  # (the engine's summary: "1 unchanged, 1 errored", the stack itself; the error's own lines are "- " bullets)
  expect "nothing was registered: no create, update, delete or replace" [ -z "$(grep -E '^ +([-+~]+ +)?[0-9]+ (to )?(create|update|delete|replace)' <<< "$up_out")" ] &&
  expect "the re-created Cluster is not wired (no spec.plugins)" [ -z "$(k get cluster "$name" -n "$ns" -o jsonpath='{.spec.plugins}')" ] &&
  expect "the archive is byte for byte as before" [ "$(cd "$S3_ROOT/buckets/$S3_PG_BUCKET" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)" = "$before_archive" ] &&
  expect "no backup of the empty cluster was taken" [ "$(grep -cE "cnpg-backup $ns/$name( |\$)" "$events" || true)" = "$before_backups" ] &&
  expect "nothing in the apps' world changed" unchanged "$work/fp-before.json" "$work/fp-after.json" || return 1

  # Way out 1, the data matters: restore. The recovered cluster is created; the empty one's wiring is withheld.
  pulumi config set --path "homelab-backups:restore.$name" latest >/dev/null
  up || return 1
  local recovered
  recovered=$(k get clusters.postgresql.cnpg.io -n "$ns" -o name | grep -m1 "$name-restore-" | cut -d/ -f2)
  log "recovered: $ns/$recovered"
  expect "up warned that the empty cluster's backups are withheld" grep -q "LINEAGE $name: backups of $ns/$name withheld" "$work/up.log" &&
  expect "the recovered cluster exists, reading the old lineage" [ "$(k get cluster "$recovered" -n "$ns" -o jsonpath='{.spec.externalClusters[0].plugin.parameters.serverName}')" = "$name" ] &&
  expect "and archiving under its own serverName" [ "$(k get cluster "$recovered" -n "$ns" -o jsonpath='{.spec.plugins[0].parameters.serverName}')" = "$recovered" ] &&
  expect "the empty cluster is still not wired" [ -z "$(k get cluster "$name" -n "$ns" -o jsonpath='{.spec.plugins}')" ] &&
  expect "its ScheduledBackup is gone (no immediate backup into the old lineage)" [ -z "$(k get scheduledbackup "$name-daily" -n "$ns" -o name 2>/dev/null)" ] &&
  expect "no backup of the empty cluster was taken" [ "$(grep -cE "cnpg-backup $ns/$name( |\$)" "$events" || true)" = "$before_backups" ] || return 1
  local old_lineage_now
  old_lineage_now=$(cd "$S3_ROOT/buckets/$S3_PG_BUCKET" && find "./cnpg/$name/$name" -type f -print0 | sort -z | xargs -0 -r sha256sum)
  expect "the old lineage unchanged by the restore" [ "$old_lineage_now" = "$(grep " ./cnpg/$name/$name/" <<< "$before_archive")" ] || return 1

  # Way out 2, a deliberate new lineage recorded in Git: serverName on the database; the restore request removed.
  python3 - stacks/e2e/inventory.yaml "$name" <<'PY'
import sys, yaml
path, name = sys.argv[1:3]
inv = yaml.safe_load(open(path))
for d in inv["databases"]:
    if d["name"] == name:
        d["serverName"] = name + "-v2"
yaml.safe_dump(inv, open(path, "w"), sort_keys=False)
PY
  pulumi config rm --path "homelab-backups:restore.$name" >/dev/null
  up || return 1
  for _ in $(seq 1 60); do [ -n "$(find "$lineage-v2/base" -name backup.info 2>/dev/null)" ] && break; sleep 1; done
  expect "the re-created cluster is wired into the new lineage" [ "$(k get cluster "$name" -n "$ns" -o jsonpath='{.spec.plugins[0].parameters.serverName}')" = "$name-v2" ] &&
  expect "its first base backup went there, with its own identifier" grep -q "^systemid=$new_id$" $(find "$lineage-v2/base" -name backup.info | head -1) &&
  expect "the old lineage is still as it was" [ "$(cd "$S3_ROOT/buckets/$S3_PG_BUCKET" && find "./cnpg/$name/$name" -type f -print0 | sort -z | xargs -0 -r sha256sum)" = "$old_lineage_now" ] &&
  expect "the recovered cluster is kept (forgotten, not deleted)" [ -n "$(k get cluster "$recovered" -n "$ns" -o name 2>/dev/null)" ] &&
  no_changes &&
  k delete cluster "$recovered" -n "$ns" >/dev/null
}

scenario a "migrate: adopt the live PVCs (an import each, 0 replaces), install VolSync, first backups" migrate
scenario b "second up is a no-op; no-change preview timed" second_up_is_noop
scenario c "schedule window change updates only ReplicationSources" window_change_updates_only_sources
scenario d "inventory disagrees with a live PVC's size: preview and up fail naming the field, nothing changes" size_mismatch_stops_before_any_change
scenario e "removing an app deletes its backups and keeps its PVC" removing_an_app_keeps_its_pvc
scenario f "restore one app: destination created, trigger, wait, old volume kept, only that PVC replaced with the backup" restore_one_app
scenario g "undo a restore: the PVC back on the kept volume, with its newer data" undo_a_restore
scenario h "release the kept volume after a restore" release_the_kept_volume
scenario i "a restore that finds no snapshot is refused by its check Job before any ReplicationDestination exists: no destination, no volume, no repository written, the PVC untouched" restore_of_nothing_keeps_the_pvc
scenario j "a restore of a PVC in use is refused before anything changes" restore_while_in_use_is_refused
scenario k "database restores: a future or too-old time refused at preview; clusters that can start, accepted by the API server, and up returns only after each awaited check PASSes (./verify PROVEN); a recovered cluster of another system stops up with the FAIL verdict" database_restores_that_can_start
scenario ad "a database restore drill run for real: the throwaway recovered, checked (same system identifier) and deleted; one that recovers another system fails system-identifier" database_drill_runs_for_real
scenario l "bad inventory: preview fails, API server unchanged" bad_inventory_changes_nothing
scenario m "interrupted up converges with no PVC lost" interrupted_up_converges
scenario n "disaster recovery: restore a missing PVC from its backup (checked first), then start backups" disaster_recovery_restores_before_backups
scenario o "adoption of server-side-applied PVCs (Argo CD ServerSideApply=true)" server_side_applied_world_is_adopted
scenario p "./verify: the testing plan proven row by row, then one app never synced and one drill failed" verify_reports_the_testing_plan
scenario q "Longhorn retirement: refused while anything is unproven, then only the default BackupTarget patched" retirement_is_gated_on_the_proof
scenario r "rollback: the program taken back out, every PVC, PV and repository left as it is" rollback_removes_the_program
scenario s "upgrade: a stack the last release made, previewed and applied by this program: no rename, no PVC, only the content this release changes on purpose" upgrade_from_the_last_release_changes_nothing
scenario t "real restic: previous:1 restores the backup before the latest, every file byte for byte; a repository deleted from the bucket is refused by the restore check, not re-created, and the PVC is kept" real_restic_selects_restores_and_initialises
scenario ab "disaster recovery with one app's repository empty: up stops naming it, its PVC and destination never created, its repository untouched" disaster_recovery_refuses_an_empty_repository
scenario w "Argo CD self-heal holds a restore: refused at preview and up naming the Application and its pause command, nothing changed; paused, it restores" argo_cd_self_heal_holds_a_restore
scenario x "restore-before-bind: an Argo-CD-like re-create with the contract waits Pending, reported and paused; restore.<app>: latest fills it in place, byte for byte" waiting_claim_is_filled_on_request
scenario y "a claim re-created without the contract stops preview and up naming both UIDs, nothing changed; fresh-start accepts it" re_created_claim_stops_the_program
scenario z "disaster recovery of claims Argo CD created first: the good one filled with its bytes, the one with an empty repository refused until fresh-start" disaster_recovery_fills_claims_argo_created_first
scenario v "repository identity: a wiped repository re-initialised by the real mover fails the next real drill repository-replaced; ./verify shows REPLACED and refuses the retirement; acknowledged, the drill passes" wiped_repository_is_caught_by_the_drill
scenario ac "an Argo-CD-like re-created database cluster: preview and up refuse LINEAGE before touching the archive; a restore withholds its wiring; a new serverName starts a new lineage" lineage_of_a_re_created_cluster_is_kept
scenario u "onto the contract: Argo CD paused, a fresh manual backup, restore latest re-creates the PVC with the rendered patch's dataSourceRef, byte for byte; Argo CD's apply of the patched Git manifest changes nothing; the request removed, no changes; then deleted and re-created from Git it waits Pending, ./verify shows it WAITING FOR DATA and the gate names it, and the binder gives it its kept volume" onto_the_contract

echo "$passed passed, $failed failed${skipped:+, $skipped skipped}"
if [ -n "${E2E_WAIT:-}" ]; then
  printf 'export KUBECONFIG=%s PULUMI_HOME=%s PULUMI_BACKEND_URL=%s PULUMI_CONFIG_PASSPHRASE=e2e-only PATH=%s:$PATH PULUMI_IGNORE_AMBIENT_PLUGINS=true PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_SKIP_CONFIRMATIONS=true; cd %s\n' \
    "$KUBECONFIG" "$PULUMI_HOME" "$PULUMI_BACKEND_URL" "$work/shim:$BIN" "$project" > "$work/env.sh"
  log "waiting; source $work/env.sh to use the cluster and the stack"
  while true; do sleep 5; done
fi
[ "$failed" -eq 0 ]
