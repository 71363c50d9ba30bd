#!/usr/bin/env bash
# The database restore drill's checks (drills/db-drill.sh) against REAL PostgreSQL 15 (issue 22, parts 1 and 5).
#
#   bash databases/test/drill.sh       (from the repository root; prints ok/FAIL per case, then "N passed, M failed")
#
# The drill script is sourced and its cluster functions (the only ones that run kubectl: throwaway_state,
# throwaway_delete, throwaway_create, throwaway_ready, primary_pod, live_image, psql_in) are replaced by stubs: a
# "pod" is a PostgreSQL server on a unix socket here, psql_in runs the drill's SQL on it with the same flags and the
# same read-only PGOPTIONS, and "creating the throwaway cluster" records the manifest the drill would create. So the
# SQL, the decisions and the verdict line are the drill's own, run on real servers; what is not exercised is kubectl
# and an operator recovering a cluster (README: Database restore drills, "What the tests prove").
#
# The servers: "source" (initdb, the app's data), "recovered" (pg_basebackup of source, started: the same system
# identifier, as a recovery from source's backups has, and a backup_label.old), "other" (its own initdb with the same
# tables and rows: what an Argo-CD-re-created cluster's backups hold) and "empty" (a base backup of a cluster whose
# app tables are empty). All listen on unix sockets in the scratch directory only and are stopped by pid on exit.
# Each case runs the drill in a subshell with its own environment and stubs (SC2030/SC2031), and the stubs are called
# by the sourced script, not here (SC2317).
# shellcheck disable=SC2030,SC2031,SC2317
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DRILL=$REPO/drills/db-drill.sh

PASSED=0
FAILED=0
ok() {
	PASSED=$((PASSED + 1))
	printf 'ok %s\n' "$1"
}
not_ok() {
	FAILED=$((FAILED + 1))
	printf 'FAIL %s\n' "$1"
	shift
	local why
	for why in "$@"; do printf '    %s\n' "$why"; done
}
die() {
	echo "databases/test/drill.sh: $*" >&2
	exit 2
}

[[ -x $PG_BIN/initdb ]] || die "need PostgreSQL in $PG_BIN (apt-get install postgresql-15)"
command -v psql >/dev/null || die "need psql"
if [[ $EUID -eq 0 ]]; then
	unshare --user --map-user=1000 --map-group=1000 true 2>/dev/null ||
		die "running as root needs unshare --user (or run as a non-root user)"
	as_pg() { unshare --user --map-user=1000 --map-group=1000 "$@"; }
else
	as_pg() { "$@"; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/db-drill-test.XXXXXX")
chmod 0777 "$WORK"
SOCK=$WORK/sock
mkdir -p "$SOCK" "$WORK/home"
chmod 0777 "$SOCK"
PGDATAS=()
cleanup() {
	local d pid
	for d in "${PGDATAS[@]}"; do
		if [[ -f $d/postmaster.pid ]]; then
			pid=$(head -1 "$d/postmaster.pid")
			kill -INT "$pid" 2>/dev/null || true
		fi
	done
	for d in "${PGDATAS[@]}"; do
		for _ in $(seq 50); do [[ -f $d/postmaster.pid ]] || break; sleep 0.1; done
	done
	[[ -n ${KEEP_DB_TEST_DIR:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

NEXT_PORT=54400
declare -A PORT
pg_conf() { # DIR
	cat >>"$1/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$SOCK'
		port = $NEXT_PORT
		wal_level = replica
		shared_buffers = 16MB
		fsync = off
	EOF
	NEXT_PORT=$((NEXT_PORT + 1))
}
pg_init() { # NAME
	local dir=$WORK/$1
	as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; return 1; }
	pg_conf "$dir"
}
pg_start() { # NAME
	local dir=$WORK/$1
	PGDATAS+=("$dir")
	PORT[$1]=$(sed -n 's/^port = \([0-9]*\)$/\1/p' "$dir/postgresql.conf" | tail -1)
	as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir.log" -w -t 120 start >/dev/null || { tail -20 "$dir.log" >&2; return 1; }
}
sql() { # NAME DATABASE SQL
	psql -h "$SOCK" -p "${PORT[$1]}" -U postgres -d "$2" -XAtq -v ON_ERROR_STOP=1 -c "$3"
}
# clone FROM NAME: a base backup of FROM, started as its own server (recovery from the backup, then promotion).
clone() {
	local dir=$WORK/$2
	as_pg "$PG_BIN/pg_basebackup" -h "$SOCK" -p "${PORT[$1]}" -U postgres -D "$dir" -X stream -c fast \
		-l "drill-test base backup of $1" >"$dir.basebackup.log" 2>&1 || { cat "$dir.basebackup.log" >&2; return 1; }
	# The copied configuration names the source's port: the clone gets its own.
	pg_conf "$dir"
	pg_start "$2"
}
app_data() { # NAME: the app's database, a large table with rows, a small one, and a third left empty
	sql "$1" postgres "CREATE DATABASE notes"
	sql "$1" notes "CREATE TABLE public.documents (id bigint PRIMARY KEY, body text);
		INSERT INTO public.documents SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 5000) g;
		CREATE SCHEMA app; CREATE TABLE app.tags (id int, name text); INSERT INTO app.tags VALUES (1, 'a'), (2, 'b');
		CREATE TABLE public.audit (id int)"
}

pg_init source
pg_start source
app_data source
clone source recovered

pg_init other
pg_start other
app_data other

pg_init empty-source
pg_start empty-source
sql empty-source postgres "CREATE DATABASE notes"
sql empty-source notes "CREATE TABLE public.documents (id bigint PRIMARY KEY, body text); CREATE TABLE app_log (line text)"
clone empty-source empty

# ------------------------------------------------------------------ stubs ----

# run_drill RECOVERED_POD [VAR=value...]: the drill's main with the cluster stubbed; prints its output, then its exit
# code on the last line. The source cluster's pod is always "source".
run_drill() {
	local recovered=$1
	shift
	(
		export DRILL_DB=notes-db DRILL_ENGINE=cnpg DRILL_NAMESPACE=apps DRILL_SOURCE=notes DRILL_CLUSTER=notes-drill
		export DRILL_MANIFEST=$WORK/cluster.json DRILL_READY_SECONDS=30 DRILL_CONTAINER=postgres DRILL_POLL_SECONDS=1
		export DRILL_TERMINATION_LOG=$WORK/termination-log HOME=$WORK/home
		unset DRILL_DATABASE DRILL_TABLES
		for assignment in "$@"; do export "${assignment?}"; done
		# shellcheck source-path=SCRIPTDIR source=../../drills/db-drill.sh
		source "$DRILL"
		STUB_RECOVERED=$recovered
		throwaway_state() { if [[ -f $WORK/throwaway ]]; then echo present; else echo absent; fi; }
		throwaway_delete() { echo "delete $CLUSTER" >>"$WORK/calls"; rm -f "$WORK/throwaway"; }
		throwaway_create() { echo "create $1" >>"$WORK/calls"; cp "$1" "$WORK/throwaway"; }
		throwaway_ready() { [[ -f $WORK/throwaway ]]; }
		primary_pod() { if [[ $1 == "$SOURCE" ]]; then echo source; else echo "$STUB_RECOVERED"; fi; }
		live_image() { echo "${STUB_LIVE_IMAGE:-}"; }
		# The drill's own flags and read-only transactions, on a server here instead of in a pod.
		psql_in() {
			PGOPTIONS='-c default_transaction_read_only=on' \
				psql -h "$SOCK" -p "${PORT[$1]}" -U postgres -X -A -t -q -v ON_ERROR_STOP=1 -d "$2" -c "$3"
		}
		main
	) 2>"$WORK/stderr" && echo "exit=0" || echo "exit=$?"
}

verdict_of() { grep '^db-drill ' <<<"$1" | tail -1; }

manifest() { # IMAGE: the shape DatabaseDrillSpecs.manifest writes (Gson, one key per line)
	printf '{\n  "kind": "Cluster",\n  "metadata": {\n    "name": "notes-drill",\n    "namespace": "apps"\n  },\n  "spec": {\n    "imageName": "%s",\n    "instances": 1\n  }\n}\n' "$1" >"$WORK/cluster.json"
}

# ------------------------------------------------------------------ cases ----

SOURCE_ID=$(sql source postgres "SELECT system_identifier FROM pg_control_system()")
OTHER_ID=$(sql other postgres "SELECT system_identifier FROM pg_control_system()")
[[ $SOURCE_ID != "$OTHER_ID" ]] || die "two initdb runs gave one system identifier"
[[ $(sql recovered postgres "SELECT system_identifier FROM pg_control_system()") == "$SOURCE_ID" ]] ||
	die "the base backup's clone has another system identifier"

manifest "ghcr.io/cloudnative-pg/postgresql:15.18"
: >"$WORK/calls"
: >"$WORK/termination-log"   # the kubelet's file: the script writes its verdict only into one that exists
out=$(run_drill recovered)
line=$(verdict_of "$out")
if [[ $out == *exit=0 && $line == "db-drill PASS db=notes-db reason=ok system_id=$SOURCE_ID backup=drill-test_base_backup_of_source rows=5000 recovery_s="* &&
	$line == *" database=notes tables=public.documents" && $(cat "$WORK/termination-log") == "$line" ]]; then
	ok "same system identifier: PASS, the largest table's rows, the backup's label, the verdict in the termination log"
else
	not_ok "same system identifier" "$out" "$(cat "$WORK/stderr")"
fi
if [[ $(tail -1 "$WORK/calls") == "delete notes-drill" && ! -f $WORK/throwaway ]]; then
	ok "the throwaway cluster is deleted after a pass"
else
	not_ok "the throwaway cluster is deleted after a pass" "$(cat "$WORK/calls")"
fi

: >"$WORK/calls"
out=$(run_drill other)
line=$(verdict_of "$out")
if [[ $out == *exit=1 && $line == "db-drill FAIL db=notes-db reason=system-identifier system_id=$OTHER_ID "*"expected=$SOURCE_ID"* ]]; then
	ok "another cluster's data (its own initdb, same tables and rows): FAIL system-identifier"
else
	not_ok "another cluster's data: FAIL system-identifier" "$out" "$(cat "$WORK/stderr")"
fi
if [[ $(tail -1 "$WORK/calls") == "delete notes-drill" && ! -f $WORK/throwaway ]]; then
	ok "the throwaway cluster is deleted after a failure"
else
	not_ok "the throwaway cluster is deleted after a failure" "$(cat "$WORK/calls")"
fi

# The empty cluster's own backup: its system identifier is its source's, so run it as the drill of that source.
EMPTY_ID=$(sql empty-source postgres "SELECT system_identifier FROM pg_control_system()")
empty_drill() {
	(
		PORT[source]=${PORT[empty-source]}
		run_drill empty
	)
}
out=$(empty_drill)
line=$(verdict_of "$out")
if [[ $out == *exit=1 && $line == "db-drill FAIL db=notes-db reason=no-data system_id=$EMPTY_ID "*"database=notes table=public."* ]]; then
	ok "an empty recovered database (tables, no rows): FAIL no-data"
else
	not_ok "an empty recovered database: FAIL no-data" "$out" "$(cat "$WORK/stderr")"
fi

out=$(run_drill recovered "DRILL_TABLES=app.tags public.documents" DRILL_DATABASE=notes)
line=$(verdict_of "$out")
if [[ $out == *exit=0 && $line == *" reason=ok "*" rows=5002 "*" tables=app.tags,public.documents" ]]; then
	ok "drill.tables: the rows of every named table are counted"
else
	not_ok "drill.tables counted" "$out" "$(cat "$WORK/stderr")"
fi

out=$(run_drill recovered "DRILL_TABLES=public.documents public.audit")
if [[ $(verdict_of "$out") == *" reason=no-data "*"table=public.audit"* ]]; then
	ok "drill.tables: an empty named table fails no-data, whatever the others hold"
else
	not_ok "drill.tables: an empty named table" "$out"
fi

out=$(run_drill recovered "DRILL_TABLES=public.invoices")
if [[ $(verdict_of "$out") == *" reason=missing-table "*"table=public.invoices"* ]]; then
	ok "drill.tables: a table the recovered database lacks fails missing-table"
else
	not_ok "drill.tables: a missing table" "$out"
fi

out=$(run_drill recovered DRILL_DATABASE=billing)
if [[ $(verdict_of "$out") == *" reason=no-database "*"database=billing"* ]]; then
	ok "the app's database missing from the recovered cluster: FAIL no-database"
else
	not_ok "a missing app database" "$out"
fi

# Data safety: a throwaway name equal to the running cluster's is refused before anything is deleted.
: >"$WORK/calls"
out=$(run_drill recovered DRILL_CLUSTER=notes)
if [[ $(verdict_of "$out") == *" reason=config "* && ! -s $WORK/calls ]]; then
	ok "DRILL_CLUSTER naming the running cluster: FAIL config, nothing deleted or created"
else
	not_ok "DRILL_CLUSTER naming the running cluster" "$out" "$(cat "$WORK/calls")"
fi
: >"$WORK/calls"
out=$(run_drill recovered DRILL_CLUSTER=other-drill)
if [[ $(verdict_of "$out") == *" reason=config "* && ! -s $WORK/calls ]]; then
	ok "a manifest that does not create DRILL_CLUSTER: FAIL config, nothing deleted or created"
else
	not_ok "a manifest of another cluster" "$out" "$(cat "$WORK/calls")"
fi

# Read-only: psql_in's transactions cannot write on the running cluster.
if ! PGOPTIONS='-c default_transaction_read_only=on' psql -h "$SOCK" -p "${PORT[source]}" -U postgres -X -A -t -q \
	-v ON_ERROR_STOP=1 -d notes -c "INSERT INTO app.tags VALUES (3, 'c')" 2>/dev/null; then
	ok "the drill's psql sessions are read-only"
else
	not_ok "the drill's psql sessions are read-only"
fi

# A leftover from an earlier run is deleted before anything else.
manifest "ghcr.io/cloudnative-pg/postgresql:15.18"
echo leftover >"$WORK/throwaway"
: >"$WORK/calls"
out=$(run_drill recovered)
if [[ $(head -1 "$WORK/calls") == "delete notes-drill" && $(sed -n 2p "$WORK/calls") == "create $WORK/cluster.json" && $out == *exit=0 ]]; then
	ok "a leftover throwaway cluster is deleted before the drill creates its own"
else
	not_ok "a leftover is deleted first" "$(cat "$WORK/calls")" "$out"
fi

# The image: the running cluster's, when the inventory names none.
manifest "@live-image@"
: >"$WORK/calls"
out=$(run_drill recovered STUB_LIVE_IMAGE=ghcr.io/cloudnative-pg/postgresql:15.18)
if [[ $out == *exit=0 ]] && grep -q '"imageName": "ghcr.io/cloudnative-pg/postgresql:15.18",' "$WORK/home/cluster.json"; then
	ok "no image in the inventory: the running cluster's image goes into the manifest"
else
	not_ok "the live image" "$out"
fi
: >"$WORK/calls"
out=$(run_drill recovered)
if [[ $(verdict_of "$out") == *" reason=no-image "* ]] && ! grep -q create "$WORK/calls"; then
	ok "no image anywhere (CNPG): FAIL no-image, nothing created"
else
	not_ok "no image anywhere" "$out"
fi

# The bound: a cluster that never becomes ready.
manifest "ghcr.io/cloudnative-pg/postgresql:15.18"
out=$(
	run_drill_never() {
		(
			export DRILL_DB=notes-db DRILL_ENGINE=pgo DRILL_NAMESPACE=apps DRILL_SOURCE=notes DRILL_CLUSTER=notes-drill
			export DRILL_MANIFEST=$WORK/cluster.json DRILL_READY_SECONDS=2 DRILL_CONTAINER=database DRILL_POLL_SECONDS=1
			export DRILL_TERMINATION_LOG=$WORK/termination-log HOME=$WORK/home
			# shellcheck source-path=SCRIPTDIR source=../../drills/db-drill.sh
			source "$DRILL"
			throwaway_state() { echo absent; }
			throwaway_delete() { echo "delete $CLUSTER" >>"$WORK/calls"; }
			throwaway_create() { echo "create $1" >>"$WORK/calls"; }
			throwaway_ready() { return 1; }
			primary_pod() { echo source; }
			psql_in() { psql -h "$SOCK" -p "${PORT[$1]}" -U postgres -X -A -t -q -v ON_ERROR_STOP=1 -d "$2" -c "$3"; }
			main
		) 2>/dev/null && echo "exit=0" || echo "exit=$?"
	}
	: >"$WORK/calls"
	run_drill_never
)
if [[ $(verdict_of "$out") == *" reason=not-ready "* && $out == *exit=1 && $(tail -1 "$WORK/calls") == "delete notes-drill" ]]; then
	ok "not ready within DRILL_READY_SECONDS: FAIL not-ready, and the cluster is deleted"
else
	not_ok "not ready within the bound" "$out" "$(cat "$WORK/calls")"
fi

# ------------------------------------------------------------ check mode ----
# The awaited check of a database restore (DRILL_MODE=check, plan/DatabaseRestoreCheck): the recovered cluster
# exists already (Pulumi created it); nothing is created or deleted, whatever the verdict.
check_verdict() { grep '^db-restore-check ' <<<"$1" | tail -1; }
run_check() { # RECOVERED_POD [VAR=value...]
	local recovered=$1
	shift
	run_drill "$recovered" DRILL_MODE=check DRILL_MANIFEST= DRILL_CLUSTER=notes-restore-abc123 "$@"
}
echo recovered-by-pulumi >"$WORK/throwaway"
: >"$WORK/calls"
out=$(run_check recovered "DRILL_EXPECT_SYSTEM_ID=$SOURCE_ID" DRILL_EXPECT_BACKUP=20261126T030000)
line=$(check_verdict "$out")
if [[ $out == *exit=0 && $line == "db-restore-check PASS db=notes-db reason=ok system_id=$SOURCE_ID "*" rows=5000 "*"cluster=notes-restore-abc123 database=notes tables=public.documents pinned=20261126T030000" &&
	! -s $WORK/calls && -f $WORK/throwaway ]]; then
	ok "check mode, the archive's system identifier: PASS, nothing created or deleted"
else
	not_ok "check mode: same system identifier" "$out" "$(cat "$WORK/calls")" "$(cat "$WORK/stderr")"
fi
out=$(run_check other "DRILL_EXPECT_SYSTEM_ID=$SOURCE_ID")
line=$(check_verdict "$out")
if [[ $out == *exit=1 && $line == "db-restore-check FAIL db=notes-db reason=system-identifier system_id=$OTHER_ID "*"expected=$SOURCE_ID"* &&
	! -s $WORK/calls && -f $WORK/throwaway ]]; then
	ok "check mode, another system (a rebuilt cluster's backup): FAIL system-identifier, the recovered cluster kept"
else
	not_ok "check mode: another system identifier" "$out" "$(cat "$WORK/calls")"
fi
out=$(run_check empty "DRILL_EXPECT_SYSTEM_ID=$EMPTY_ID")
if [[ $out == *exit=1 && $(check_verdict "$out") == "db-restore-check FAIL db=notes-db reason=no-data system_id=$EMPTY_ID "* ]]; then
	ok "check mode, an empty recovered database of the expected system: FAIL no-data"
else
	not_ok "check mode: empty" "$out"
fi
out=$(run_check recovered)
if [[ $out == *exit=0 && $(check_verdict "$out") == "db-restore-check PASS "*"system_id=$SOURCE_ID "* ]]; then
	ok "check mode without the archive's word: the running cluster's system identifier, PASS"
else
	not_ok "check mode: the running cluster's identifier" "$out" "$(cat "$WORK/stderr")"
fi
out=$(run_check other)
if [[ $out == *exit=1 && $(check_verdict "$out") == *"reason=system-identifier "*"expected=$SOURCE_ID"*"the running cluster notes"* ]]; then
	ok "check mode without the archive's word: another system than the running cluster's, FAIL"
else
	not_ok "check mode: another system than the running cluster" "$out"
fi
out=$(run_check recovered DRILL_EXPECT_SYSTEM_ID=12ab)
if [[ $(check_verdict "$out") == *"reason=config "* && ! -s $WORK/calls ]]; then
	ok "check mode: a malformed expected identifier is a config failure"
else
	not_ok "check mode: malformed identifier" "$out"
fi
rm -f "$WORK/throwaway"
out=$(run_check recovered DRILL_READY_SECONDS=2 "DRILL_EXPECT_SYSTEM_ID=$SOURCE_ID")
if [[ $out == *exit=1 && $(check_verdict "$out") == *"reason=not-ready "* && ! -s $WORK/calls ]]; then
	ok "check mode: a recovered cluster not ready within the bound fails not-ready, nothing deleted"
else
	not_ok "check mode: not ready" "$out" "$(cat "$WORK/calls")"
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
