#!/usr/bin/env bash
# A pinned PGO restore's pgBackRest options (PgoSpecs.restoreOptions) against REAL pgBackRest (Debian's, 2.45 here)
# and PostgreSQL 15 (issue 22 part 2; README: Restore a database, "Pinning the base backup").
#
#   bash databases/test/pin.sh     (from the repository root; prints ok/FAIL per case, then "N passed, M failed")
#
# A posix repository in a scratch directory (the S3 round trips are databases/test/run.sh's): three backups (full,
# full, incremental) with a row committed before each and one after, then restores into new data directories with the
# options the program renders, started and promoted as PGO's restore Job does (it adds --target-action=promote itself:
# CrunchyData/postgres-operator v6.0.0 internal/controller/postgrescluster/pgbackrest.go reconcileRestoreJob):
#   --set=<first full> --type=immediate           -> the first backup's data only, promoted
#   --set=<first full> --type=time --target=<T>   -> the first backup replayed to T (the row committed before T)
# and the labels pgBackRest gives are of the form StackInputs.PGBACKREST_LABEL accepts.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); printf 'ok %s\n' "$1"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$1"; shift; local why; for why in "$@"; do printf '    %s\n' "$why"; done; }
die() { echo "databases/test/pin.sh: $*" >&2; exit 2; }

[[ -x $PG_BIN/initdb ]] || die "need PostgreSQL in $PG_BIN (apt-get install postgresql-15)"
command -v pgbackrest >/dev/null || die "need pgbackrest (apt-get install pgbackrest)"
if [[ $EUID -eq 0 ]]; then
	unshare --user --map-user=1000 --map-group=1000 true 2>/dev/null || die "running as root needs unshare --user"
	as_pg() { unshare --user --map-user=1000 --map-group=1000 "$@"; }
else
	as_pg() { "$@"; }
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/pgbackrest-pin.XXXXXX")
chmod 0777 "$W"
SERVERS=()
cleanup() {
	local d
	for d in "${SERVERS[@]}"; do
		if [[ -f $d/postmaster.pid ]]; then as_pg "$PG_BIN/pg_ctl" -D "$d" -m fast -w stop >/dev/null 2>&1 || true; fi
	done
	[[ -n ${KEEP_DB_TEST_DIR:-} ]] || rm -rf "$W"
}
trap cleanup EXIT

cat >"$W/pgbackrest.conf" <<EOF
[global]
repo1-path=$W/repo
repo1-retention-full=9
lock-path=$W/lock
log-path=$W
spool-path=$W/spool
log-level-console=warn
start-fast=y
[db]
pg1-path=$W/data
pg1-socket-path=$W/sock
pg1-port=54780
pg1-user=postgres
EOF
export PGBACKREST_CONFIG=$W/pgbackrest.conf
mkdir -p "$W/repo" "$W/sock" "$W/spool" "$W/lock"
chmod -R 0777 "$W"

as_pg "$PG_BIN/initdb" -D "$W/data" -U postgres --auth=trust >"$W/initdb.log" 2>&1 || { cat "$W/initdb.log" >&2; exit 2; }
cat >>"$W/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$W/sock'
port = 54780
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --stanza=db archive-push %p'
fsync = off
EOF
SERVERS+=("$W/data")
as_pg "$PG_BIN/pg_ctl" -D "$W/data" -l "$W/data.log" -w start >/dev/null
sql() { as_pg psql -h "$W/sock" -p "$1" -U postgres -XAtq -v ON_ERROR_STOP=1 -c "$2"; }
backup() { as_pg pgbackrest --stanza=db --type="$1" backup 2>&1 | grep -v -E '^(WARN|HINT)' || true; }

as_pg pgbackrest --stanza=db stanza-create >/dev/null
sql 54780 "CREATE TABLE t (v int); INSERT INTO t VALUES (1)"
backup full
sql 54780 "INSERT INTO t VALUES (2)"
T=$(sql 54780 "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1
sql 54780 "INSERT INTO t VALUES (3)"
backup full
sql 54780 "INSERT INTO t VALUES (4)"
backup incr
sql 54780 "INSERT INTO t VALUES (5); SELECT pg_switch_wal()" >/dev/null
sleep 1
as_pg pgbackrest --stanza=db info --output=json >"$W/info.json"
mapfile -t LABELS < <(python3 -c "import json,sys; [print(b['label']) for b in json.load(open(sys.argv[1]))[0]['backup']]" "$W/info.json")
as_pg "$PG_BIN/pg_ctl" -D "$W/data" -m fast -w stop >/dev/null

bad=()
for label in "${LABELS[@]}"; do [[ $label =~ ^[0-9]{8}-[0-9]{6}F(_[0-9]{8}-[0-9]{6}[DI])?$ ]] || bad+=("$label"); done
if ((${#LABELS[@]} == 3 && ${#bad[@]} == 0)); then
	ok "pgBackRest's labels (${LABELS[*]}) are of the form a pin accepts"
else
	not_ok "labels of the accepted form" "${LABELS[@]}"
fi

# restore DIR PORT OPTIONS...: the restore Job's command with the program's options, then the instance started.
restore() {
	local dir=$1 port=$2
	shift 2
	mkdir -p "$dir" && chmod 0777 "$(dirname "$dir")" && chmod 0700 "$dir"
	as_pg pgbackrest --stanza=db --pg1-path="$dir" --target-action=promote "$@" restore >"$dir.restore.log" 2>&1 ||
		{ cat "$dir.restore.log" >&2; return 1; }
	sed -i "s/^port = 54780$/port = $port/" "$dir/postgresql.conf"
	SERVERS+=("$dir")
	as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir.log" -w start >/dev/null
	for _ in $(seq 60); do [[ $(sql "$port" "SELECT pg_is_in_recovery()") == f ]] && return 0; sleep 0.5; done
}
chown 1000:1000 "$W" 2>/dev/null || true

restore "$W/immediate" 54781 "--set=${LABELS[0]}" --type=immediate
rows=$(sql 54781 "SELECT string_agg(v::text, ',' ORDER BY v) FROM t")
if [[ $rows == 1 && $(sql 54781 "SELECT pg_is_in_recovery()") == f ]]; then
	ok "--set=${LABELS[0]} --type=immediate: the pinned backup's data only (rows $rows), promoted"
else
	not_ok "--set --type=immediate" "rows=$rows" "$(tail -5 "$W/immediate.log")"
fi

restore "$W/time" 54782 "--set=${LABELS[0]}" --type=time "--target=$T"
rows=$(sql 54782 "SELECT string_agg(v::text, ',' ORDER BY v) FROM t")
if [[ $rows == 1,2 ]]; then
	ok "--set=${LABELS[0]} --type=time --target=\"$T\": that backup replayed to the time (rows $rows)"
else
	not_ok "--set --type=time" "rows=$rows" "$(tail -5 "$W/time.log")"
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
