#!/bin/bash
# Prunes one CNPG cluster's Backup objects (backups.postgresql.cnpg.io: always the full resource name, since a plain
# "backup" is Longhorn's in the homelab, docs/field-incidents-2026.md #24). CNPG's ScheduledBackup makes one a day
# and nothing removes the failed ones or those of a re-created cluster; the owner's cluster reached 1.3k+ and its API
# server was overloaded (#23, cloudnative-pg#8599).
#
# Deleting a Backup object deletes NO backup data (docs/database-drills.md "Pruning Backup objects", read in
# cloudnative-pg v1.28.0 and plugin-barman-cloud v0.14.0): CNPG sets no finalizer on a Backup and its controller
# returns on one that is gone (internal/controller/backup_controller.go Reconcile, IsNotFound); the plugin's only
# controller reconciles ObjectStores (internal/controller/objectstore_controller.go), and its sidecar removes
# object-store data only by the ObjectStore's retentionPolicy, then deletes the Backup objects whose backups left the
# catalog - data first, object after, never the other way (internal/cnpgi/instance/retention.go maintenance).
# Exception: a volumeSnapshot Backup may own its VolumeSnapshots (snapshotOwnerReference: backup), so only Backups of
# PRUNE_METHOD are ever deleted.
#
# Runs in the CronJob's pod (bash and kubectl: the database drills' image) as nobody, read-only root. It lists the
# namespace's Backups once and deletes a Backup only when ALL hold:
#   - spec.cluster.name is PRUNE_CLUSTER and spec.method is PRUNE_METHOD,
#   - status.phase is completed or failed (CNPG's IsDone): never one that is pending, running or unknown,
#   - it is not already being deleted,
#   - the later of metadata.creationTimestamp and status.stoppedAt is older than PRUNE_KEEP_SECONDS (the recovery
#     window) before now; a timestamp it cannot read keeps the Backup,
#   - it is not one of the newest PRUNE_KEEP_COMPLETED completed Backups of the cluster (of PRUNE_METHOD), whatever
#     their age.
# The last line of stdout is the verdict, also written to the Kubernetes termination log:
#   backup-prune OK db=<id> cluster=<name> backups=<n> deleted=<n> kept=<n> cutoff=<RFC 3339>
#   backup-prune FAIL db=<id> reason=<config|api> deleted=<n> [detail...]
# Exit 0 on OK, 1 on FAIL (the Job fails: kubectl get jobs -n <ns> -l homelab-backups/backup-prune=<id>).
#
# Environment (BackupPruneSpecs.environment): PRUNE_DB, PRUNE_NAMESPACE, PRUNE_CLUSTER, PRUNE_METHOD (plugin |
# barmanObjectStore), PRUNE_KEEP_SECONDS, PRUNE_KEEP_COMPLETED, HOME; for tests PRUNE_NOW (epoch seconds) and
# PRUNE_TERMINATION_LOG.
set -Eeuo pipefail

DB=${PRUNE_DB:-}
NS=${PRUNE_NAMESPACE:-}
CLUSTER=${PRUNE_CLUSTER:-}
METHOD=${PRUNE_METHOD:-}
KEEP_SECONDS=${PRUNE_KEEP_SECONDS:-}
KEEP_COMPLETED=${PRUNE_KEEP_COMPLETED:-}
NOW=${PRUNE_NOW:-$(date -u +%s)}
TERMINATION_LOG=${PRUNE_TERMINATION_LOG:-/dev/termination-log}
RESOURCE=backups.postgresql.cnpg.io
# Names per kubectl delete: one request each, a short command line.
BATCH=50
DELETED=0

log() { printf '%s backup-prune: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

verdict() {
	trap - ERR
	printf '%s\n' "$1"
	printf '%s\n' "$1" >"$TERMINATION_LOG" 2>/dev/null || true
	exit "$2"
}

fail() {
	local reason=$1
	shift
	verdict "backup-prune FAIL db=${DB:--} reason=$reason deleted=$DELETED $*" 1
}

trap 'fail script-error "line=$LINENO"' ERR

# ------------------------------------------------------------------ config ----
[[ -n $DB && -n $NS && -n $CLUSTER ]] || fail config "PRUNE_DB, PRUNE_NAMESPACE and PRUNE_CLUSTER are required"
[[ $METHOD == plugin || $METHOD == barmanObjectStore ]] || fail config "PRUNE_METHOD=$METHOD (plugin or barmanObjectStore)"
[[ $KEEP_SECONDS =~ ^[1-9][0-9]*$ ]] || fail config "PRUNE_KEEP_SECONDS=$KEEP_SECONDS"
[[ $KEEP_COMPLETED =~ ^[1-9][0-9]*$ ]] || fail config "PRUNE_KEEP_COMPLETED=$KEEP_COMPLETED"
[[ $NOW =~ ^[0-9]+$ ]] || fail config "PRUNE_NOW=$NOW"
# The API server writes timestamps as RFC 3339 in UTC to the second (metav1.Time), so they compare as text.
CUTOFF=$(date -u -d "@$((NOW - KEEP_SECONDS))" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null) || fail config "date cannot compute the cutoff"
TIME_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# ------------------------------------------------------------------- list -----
# One line per Backup: name|cluster|method|phase|created|stopped|deleting ("|" is in no name, method, phase or time;
# jsonpath prints a missing field as nothing).
FIELDS='{range .items[*]}{.metadata.name}{"|"}{.spec.cluster.name}{"|"}{.spec.method}{"|"}{.status.phase}{"|"}{.metadata.creationTimestamp}{"|"}{.status.stoppedAt}{"|"}{.metadata.deletionTimestamp}{"\n"}{end}'
if ! listing=$(kubectl --namespace "$NS" get "$RESOURCE" -o "jsonpath=$FIELDS" 2>&1); then
	fail api "listing $RESOURCE in $NS: $(printf '%s' "$listing" | tr '\n' ' ' | cut -c1-300)"
fi

total=0
kept=0
completed=()   # "time|name" of completed Backups of PRUNE_METHOD
failed=()      # "time|name" of failed Backups of PRUNE_METHOD
while IFS='|' read -r name cluster method phase created stopped deleting; do
	[[ -n $name ]] || continue
	[[ $cluster == "$CLUSTER" ]] || continue
	total=$((total + 1))
	if [[ -n $deleting ]]; then
		kept=$((kept + 1)); continue   # already going
	fi
	# The later of the two times: a backup that ended inside the window is kept.
	when=$created
	if [[ -n $stopped && $stopped > $when ]]; then when=$stopped; fi
	if [[ ! $when =~ $TIME_RE ]]; then
		log "keeping $name: cannot read its time ('$created', '$stopped')"
		kept=$((kept + 1)); continue
	fi
	case $phase in
		completed)
			# Another method's completed Backup is never deleted, so it takes none of the newest-N places.
			if [[ $method == "$METHOD" ]]; then completed+=("$when|$name"); else kept=$((kept + 1)); fi ;;
		failed)
			if [[ $method == "$METHOD" ]]; then failed+=("$when|$name"); else kept=$((kept + 1)); fi ;;
		*)
			kept=$((kept + 1)) ;;      # pending, started, running, finalizing, walArchivingFailing, or no phase yet
	esac
done <<<"$listing"

doomed=()
# Newest first: the first KEEP_COMPLETED completed Backups stay.
if ((${#completed[@]} > 0)); then
	i=0
	while IFS='|' read -r when name; do
		i=$((i + 1))
		if ((i <= KEEP_COMPLETED)) || [[ ! $when < $CUTOFF ]]; then
			kept=$((kept + 1))
		else
			doomed+=("$name")
		fi
	done < <(printf '%s\n' "${completed[@]}" | sort -r)
fi
for entry in ${failed[@]+"${failed[@]}"}; do
	when=${entry%%|*}
	if [[ $when < $CUTOFF ]]; then doomed+=("${entry#*|}"); else kept=$((kept + 1)); fi
done

# ----------------------------------------------------------------- delete -----
log "cluster $CLUSTER: $total Backups, ${#doomed[@]} to delete (done, $METHOD, before $CUTOFF, beyond the newest $KEEP_COMPLETED completed)"
for ((start = 0; start < ${#doomed[@]}; start += BATCH)); do
	names=("${doomed[@]:start:BATCH}")
	if ! out=$(kubectl --namespace "$NS" delete "$RESOURCE" --ignore-not-found --wait=false "${names[@]}" 2>&1); then
		fail api "deleting $RESOURCE in $NS: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
	fi
	printf '%s\n' "$out" >&2
	DELETED=$((DELETED + ${#names[@]}))
done

verdict "backup-prune OK db=$DB cluster=$CLUSTER backups=$total deleted=$DELETED kept=$kept cutoff=$CUTOFF" 0
