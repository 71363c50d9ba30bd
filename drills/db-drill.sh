#!/bin/bash
# Restore drill of one PostgreSQL database (CNPG through the Barman Cloud plugin, or Crunchy PGO through pgBackRest).
#
# Runs in the drill CronJob's pod (bash and kubectl; docker.io/alpine/k8s pinned by digest) as nobody, with a
# read-only root filesystem: it writes only under $HOME. It
#   1. deletes a leftover throwaway cluster of an earlier run (same name, same owner label) and waits for it to go,
#   2. reads the running cluster's system identifier (psql inside its primary pod, read-only transactions),
#   3. creates the throwaway cluster from $DRILL_MANIFEST: recovered from the newest backup and the WAL after it,
#      with no WAL archiving and no backups of its own (PostgresSpecs.cnpgDrillCluster / pgoDrillCluster),
#   4. waits for it to be ready, at most DRILL_READY_SECONDS, and records how long that took,
#   5. checks the recovered cluster: promoted, the SAME system identifier as the running cluster (a cluster
#      re-created with initdb has another one: its archive is not the running cluster's history), the app's database
#      there, with tables, and rows in the tables DRILL_TABLES names (or, by default, in its largest table),
#   6. deletes the throwaway cluster, always (also on failure, on the deadline's SIGTERM, on a script error).
# In check mode (DRILL_MODE=check: the awaited check of a database restore, plan/DatabaseRestoreCheck) it creates and
# deletes nothing (the recovered cluster DRILL_CLUSTER is the app's from now on) and runs steps 4 and 5 only, against
# DRILL_EXPECT_SYSTEM_ID (the system of the backup the restore reads, from the archive) or, without it, the running
# cluster's; its verdict line starts with db-restore-check instead of db-drill.
# The last line of stdout is the verdict, also written to the Kubernetes termination log:
#   db-drill PASS db=<id> reason=ok system_id=<id> backup=<label> rows=<n> recovery_s=<n> database=<name> tables=<list>
#   db-drill FAIL db=<id> reason=<reason> system_id=<id|-> backup=<label|-> rows=<n|-> recovery_s=<n|-> [detail...]
# Reasons: config, api, leftover, source-unreadable, no-image, create, not-ready, recovered-unreadable,
# still-in-recovery, system-identifier, no-database, no-tables, missing-table, no-data, deadline, script-error.
# Exit 0 on PASS, 1 on FAIL.
#
# Environment (DatabaseDrillSpecs.environment): DRILL_DB, DRILL_ENGINE (cnpg|pgo), DRILL_NAMESPACE, DRILL_SOURCE (the
# running cluster), DRILL_CLUSTER (the throwaway one), DRILL_MANIFEST, DRILL_READY_SECONDS, DRILL_CONTAINER (the
# instance container psql runs in), optional DRILL_DATABASE (the app's database; default: the largest one other
# than postgres) and DRILL_TABLES (space-separated [schema.]table names, validated by the inventory loader), HOME;
# check mode: DRILL_MODE=check, optional DRILL_EXPECT_SYSTEM_ID and DRILL_EXPECT_BACKUP (the pinned backup, shown in
# the verdict), and no DRILL_MANIFEST.
#
# Everything that talks to the cluster is in the functions of the "cluster" section below; databases/test/drill.sh
# sources this file, replaces those functions with local psql on real PostgreSQL servers, and runs main.
set -Eeuo pipefail

DB=${DRILL_DB:-}
ENGINE=${DRILL_ENGINE:-}
NS=${DRILL_NAMESPACE:-}
SOURCE=${DRILL_SOURCE:-}
CLUSTER=${DRILL_CLUSTER:-}
MANIFEST=${DRILL_MANIFEST:-}
READY_SECONDS=${DRILL_READY_SECONDS:-}
CONTAINER=${DRILL_CONTAINER:-}
DATABASE=${DRILL_DATABASE:-}
TABLES=${DRILL_TABLES:-}
POLL_SECONDS=${DRILL_POLL_SECONDS:-10}
TERMINATION_LOG=${DRILL_TERMINATION_LOG:-/dev/termination-log}
LIVE_IMAGE=@live-image@
MODE=${DRILL_MODE:-drill}
EXPECT_SYSTEM_ID=${DRILL_EXPECT_SYSTEM_ID:-}
EXPECT_BACKUP=${DRILL_EXPECT_BACKUP:-}
if [[ $MODE == check ]]; then WORD="db-restore-check"; else WORD="db-drill"; fi

DONE=0
# Set once the configuration is checked: before that, CLUSTER might name the running cluster, and nothing is deleted.
CLEANUP=0
SYSTEM_ID=-
BACKUP=-
ROWS=-
RECOVERY_S=-

# ---------------------------------------------------------------- verdict ----

# verdict LINE CODE: deletes the throwaway cluster, then prints the final line (stdout and termination log).
verdict() {
	local line=$1 code=$2
	DONE=1
	trap - EXIT TERM INT ERR
	cleanup
	printf '%s\n' "$line"
	if [[ -n $TERMINATION_LOG && -w $TERMINATION_LOG ]]; then
		printf '%s\n' "$line" >"$TERMINATION_LOG" 2>/dev/null || true
	fi
	exit "$code"
}

# fail REASON [key=value...]
fail() {
	local reason=$1
	shift
	local line="$WORD FAIL db=${DB:-unknown} reason=$reason system_id=$SYSTEM_ID backup=$BACKUP rows=$ROWS recovery_s=$RECOVERY_S"
	(($# > 0)) && line+=" $*"
	verdict "$line" 1
}

log() { printf '%s %s: %s\n' "$(date -u +%H:%M:%S)" "$WORD" "$*" >&2; }

# cleanup deletes the throwaway cluster by its name, whether or not this run created it: the name is the drill's own
# (the loader refuses an inventory database of that name) and the Role may delete nothing else.
cleanup() {
	((CLEANUP)) || return 0
	[[ -n $CLUSTER && -n $NS ]] || return 0
	throwaway_delete || log "could not delete $CLUSTER: it is deleted at the start of the next run"
}

on_exit() {
	local code=$?
	((DONE)) && return
	fail script-error "exit=$code"
}
trap on_exit EXIT
trap 'fail deadline "the Job reached activeDeadlineSeconds"' TERM INT

# ---------------------------------------------------------------- cluster ----
# The only place kubectl is used.

kind() {
	if [[ $ENGINE == cnpg ]]; then echo clusters.postgresql.cnpg.io; else echo postgresclusters.postgres-operator.crunchydata.com; fi
}

k() { kubectl --namespace "$NS" "$@"; }

# cluster_get NAME JSONPATH: a field of a cluster; fails when the cluster cannot be read.
cluster_get() { k get "$(kind)" "$1" -o "jsonpath=$2"; }

# throwaway_state: prints present or absent; fails when the API does not say which.
throwaway_state() {
	local out
	if out=$(k get "$(kind)" "$CLUSTER" -o name 2>&1); then
		echo present
	elif [[ $out == *NotFound* || $out == *"not found"* ]]; then
		echo absent
	else
		log "reading $CLUSTER: $out"
		return 1
	fi
}

throwaway_delete() { k delete "$(kind)" "$CLUSTER" --ignore-not-found --wait=false >/dev/null; }

throwaway_create() { k create -f "$1" >/dev/null; }

# throwaway_ready: 0 once the recovered cluster serves (CNPG: condition Ready; PGO: a ready instance).
throwaway_ready() {
	local out
	if [[ $ENGINE == cnpg ]]; then
		out=$(cluster_get "$CLUSTER" '{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) || return 1
		[[ $out == True ]]
	else
		out=$(cluster_get "$CLUSTER" '{.status.instances[*].readyReplicas}' 2>/dev/null) || return 1
		[[ $out =~ [1-9] ]]
	fi
}

# primary_pod CLUSTER: CNPG reports its primary in status.currentPrimary; Patroni labels PGO's role=master
# (CrunchyData/postgres-operator v6.0.0 internal/naming/labels.go RolePatroniLeader).
primary_pod() {
	if [[ $ENGINE == cnpg ]]; then
		cluster_get "$1" '{.status.currentPrimary}'
	else
		k get pods -l "postgres-operator.crunchydata.com/cluster=$1,postgres-operator.crunchydata.com/role=master" \
			-o 'jsonpath={.items[0].metadata.name}'
	fi
}

# live_image: the image the running cluster runs (CNPG spec.imageName, PGO spec.image), empty when it names none.
live_image() {
	if [[ $ENGINE == cnpg ]]; then cluster_get "$SOURCE" '{.spec.imageName}'; else cluster_get "$SOURCE" '{.spec.image}'; fi
}

# psql_in POD DATABASE SQL: psql as the instance's local superuser, unaligned, tuples only, read-only transactions.
psql_in() {
	k exec "$1" -c "$CONTAINER" -- env PGOPTIONS='-c default_transaction_read_only=on' \
		psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$2" -c "$3"
}

# ----------------------------------------------------------------- checks ----
# Plain SQL through psql_in; what databases/test/drill.sh runs against real PostgreSQL.

SYSID_SQL='SELECT system_identifier FROM pg_control_system()'

# system_id POD
system_id() { psql_in "$1" postgres "$SYSID_SQL"; }

# backup_used POD: the label of the base backup the recovered data directory came from. PostgreSQL renames
# backup_label to backup_label.old once recovery has read it (src/backend/access/transam/xlogrecovery.c), and
# pg_read_file reads it as superuser; "-" when there is none.
backup_used() {
	local label
	label=$(psql_in "$1" postgres "SELECT pg_read_file('backup_label.old')" 2>/dev/null | sed -n 's/^LABEL: //p' | head -1) || true
	label=$(printf '%s' "$label" | tr -c 'A-Za-z0-9._:-' '_' | cut -c1-80)
	printf '%s' "${label:--}"
}

# check_recovered POD EXPECTED_SYSTEM_ID [WHOSE]: the checks of step 5; calls fail or returns with ROWS and the PASS
# detail set. WHOSE says where the expected identifier comes from (the failure names it).
check_recovered() {
	local pod=$1 expected=$2 whose=${3:-the running cluster} recovering db count table n tables_seen=
	SYSTEM_ID=$(system_id "$pod") || fail recovered-unreadable "pod=$pod"
	BACKUP=$(backup_used "$pod")
	recovering=$(psql_in "$pod" postgres 'SELECT pg_is_in_recovery()') || fail recovered-unreadable "pod=$pod"
	[[ $recovering == f ]] || fail still-in-recovery "pod=$pod"
	if [[ $SYSTEM_ID != "$expected" ]]; then
		fail system-identifier "expected=$expected" "(the recovered data is not the history of $whose)"
	fi
	if [[ -n $DATABASE ]]; then
		db=$(psql_in "$pod" postgres "SELECT datname FROM pg_database WHERE datname = '$DATABASE'") || fail recovered-unreadable
	else
		db=$(psql_in "$pod" postgres "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate
			AND datname <> 'postgres' ORDER BY pg_database_size(datname) DESC, datname LIMIT 1") || fail recovered-unreadable
	fi
	[[ -n $db ]] || fail no-database "database=${DATABASE:-any}"
	count=$(psql_in "$pod" "$db" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		AND n.nspname NOT LIKE 'pg_toast%'") || fail recovered-unreadable "database=$db"
	((count > 0)) || fail no-tables "database=$db"
	ROWS=0
	if [[ -n $TABLES ]]; then
		for table in $TABLES; do
			[[ $(psql_in "$pod" "$db" "SELECT to_regclass('$table') IS NOT NULL") == t ]] ||
				fail missing-table "database=$db" "table=$table"
			n=$(psql_in "$pod" "$db" "SELECT count(*) FROM $table") || fail recovered-unreadable "database=$db" "table=$table"
			((n > 0)) || fail no-data "database=$db" "table=$table"
			ROWS=$((ROWS + n))
			tables_seen+=${tables_seen:+,}$table
		done
	else
		table=$(psql_in "$pod" "$db" "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'
			AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
			ORDER BY pg_total_relation_size(c.oid) DESC, 1 LIMIT 1") || fail recovered-unreadable "database=$db"
		[[ -n $table ]] || fail no-tables "database=$db"
		n=$(psql_in "$pod" "$db" "SELECT count(*) FROM $table") || fail recovered-unreadable "database=$db" "table=$table"
		((n > 0)) || fail no-data "database=$db" "table=$table" "(the largest table is empty)"
		ROWS=$n
		tables_seen=$table
	fi
	PASS_DETAIL="database=$db tables=$tables_seen"
}

# ------------------------------------------------------------------- main ----

# check_main: the awaited check of a database restore (DRILL_MODE=check). Creates and deletes nothing: steps 4 and 5
# against the recovered cluster, expecting the archive's system (or the running cluster's).
check_main() {
	local missing=() name start pod expected whose
	for name in DB ENGINE NS SOURCE CLUSTER READY_SECONDS CONTAINER; do
		[[ -n ${!name} ]] || missing+=("DRILL_$name")
	done
	((${#missing[@]} == 0)) || fail config "missing=${missing[*]}"
	[[ $ENGINE == cnpg || $ENGINE == pgo ]] || fail config "engine=$ENGINE"
	[[ $CLUSTER != "$SOURCE" ]] || fail config "the recovered cluster is the running one"
	if [[ -n $EXPECT_SYSTEM_ID ]]; then
		[[ $EXPECT_SYSTEM_ID =~ ^[0-9]{1,20}$ ]] || fail config "expected system identifier '$EXPECT_SYSTEM_ID'"
		expected=$EXPECT_SYSTEM_ID
		whose="the backup ${EXPECT_BACKUP:-the restore reads} (the archive's system)"
	else
		pod=$(primary_pod "$SOURCE") || pod=
		[[ -n $pod ]] || fail source-unreadable "cluster=$SOURCE (no primary pod; the archive was not read either)"
		expected=$(system_id "$pod") || expected=
		[[ -n $expected ]] || fail source-unreadable "cluster=$SOURCE pod=$pod"
		whose="the running cluster $SOURCE"
	fi
	log "expecting system identifier $expected ($whose); waiting up to ${READY_SECONDS}s for $CLUSTER"
	start=$(date +%s)
	until throwaway_ready; do
		RECOVERY_S=$(($(date +%s) - start))
		((RECOVERY_S < READY_SECONDS)) || fail not-ready "cluster=$CLUSTER (not ready after ${READY_SECONDS}s: kubectl describe $(kind) $CLUSTER, and its recovery Job's log)"
		sleep "$POLL_SECONDS"
	done
	RECOVERY_S=$(($(date +%s) - start))
	pod=$(primary_pod "$CLUSTER") || pod=
	[[ -n $pod ]] || fail recovered-unreadable "cluster=$CLUSTER (no primary pod)"
	check_recovered "$pod" "$expected" "$whose"
	verdict "$WORD PASS db=$DB reason=ok system_id=$SYSTEM_ID backup=$BACKUP rows=$ROWS recovery_s=$RECOVERY_S cluster=$CLUSTER $PASS_DETAIL${EXPECT_BACKUP:+ pinned=$EXPECT_BACKUP}" 0
}

main() {
	[[ $MODE == check ]] && check_main
	[[ $MODE == drill ]] || fail config "DRILL_MODE=$MODE (drill or check)"
	local missing=() name state waited=0 image start pod expected manifest
	for name in DB ENGINE NS SOURCE CLUSTER MANIFEST READY_SECONDS CONTAINER; do
		[[ -n ${!name} ]] || missing+=("DRILL_$name")
	done
	((${#missing[@]} == 0)) || fail config "missing=${missing[*]}"
	[[ $ENGINE == cnpg || $ENGINE == pgo ]] || fail config "engine=$ENGINE"
	[[ $CLUSTER != "$SOURCE" ]] || fail config "the throwaway cluster is the running one"
	[[ -r $MANIFEST ]] || fail config "manifest=$MANIFEST"
	grep -q "\"name\": \"$CLUSTER\"," "$MANIFEST" || fail config "the manifest does not create $CLUSTER"
	CLEANUP=1

	# 1. A leftover of an earlier run (a killed pod, a node lost) goes first: the name is the drill's own.
	state=$(throwaway_state) || fail api "reading the throwaway cluster $CLUSTER"
	if [[ $state == present ]]; then
		log "deleting the leftover throwaway cluster $CLUSTER"
		throwaway_delete || fail api "deleting the leftover $CLUSTER"
		while state=$(throwaway_state) && [[ $state == present ]]; do
			((waited < 600)) || fail leftover "the leftover $CLUSTER was not gone after 600s"
			sleep "$POLL_SECONDS"
			waited=$((waited + POLL_SECONDS))
		done
		[[ $state == absent ]] || fail api "reading the throwaway cluster $CLUSTER"
	fi

	# 2. The running cluster's identity.
	pod=$(primary_pod "$SOURCE") || pod=
	[[ -n $pod ]] || fail source-unreadable "cluster=$SOURCE (no primary pod)"
	expected=$(system_id "$pod") || expected=
	[[ -n $expected ]] || fail source-unreadable "cluster=$SOURCE pod=$pod"
	log "running cluster $SOURCE: system identifier $expected"

	# 3. The throwaway cluster, with the running cluster's image when the inventory names none.
	manifest=$MANIFEST
	if grep -q "\"$LIVE_IMAGE\"" "$MANIFEST"; then
		image=$(live_image) || fail api "reading the image of $SOURCE"
		manifest=$HOME/cluster.json
		if [[ -n $image ]]; then
			sed "s|\"$LIVE_IMAGE\"|\"$image\"|" "$MANIFEST" >"$manifest"
		elif [[ $ENGINE == pgo ]]; then
			# PGO then runs its default image for postgresVersion, as it does for the running cluster.
			grep -v "\"$LIVE_IMAGE\"" "$MANIFEST" >"$manifest"
		else
			fail no-image "cluster=$SOURCE (set image in the inventory)"
		fi
	fi
	start=$(date +%s)
	throwaway_create "$manifest" || fail create "cluster=$CLUSTER"
	log "created $CLUSTER; waiting up to ${READY_SECONDS}s for it to recover"

	# 4. Ready within the bound.
	until throwaway_ready; do
		RECOVERY_S=$(($(date +%s) - start))
		((RECOVERY_S < READY_SECONDS)) || fail not-ready "cluster=$CLUSTER (not ready after ${READY_SECONDS}s: kubectl describe $(kind) $CLUSTER, and its recovery Job's log)"
		sleep "$POLL_SECONDS"
	done
	RECOVERY_S=$(($(date +%s) - start))
	log "$CLUSTER ready after ${RECOVERY_S}s"

	# 5. What came back.
	pod=$(primary_pod "$CLUSTER") || pod=
	[[ -n $pod ]] || fail recovered-unreadable "cluster=$CLUSTER (no primary pod)"
	check_recovered "$pod" "$expected"

	# 6. verdict deletes the throwaway cluster.
	verdict "db-drill PASS db=$DB reason=ok system_id=$SYSTEM_ID backup=$BACKUP rows=$ROWS recovery_s=$RECOVERY_S $PASS_DETAIL" 0
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
