#!/usr/bin/env bash
# Database round trips with the real tools and the settings the program renders (issue 22, part 5): a PostgreSQL 15
# cluster is backed up to a loopback S3 server, restored into a NEW data directory, started, and compared; then the
# same through the WAL archive to a point in time after the base backup. Once with Barman Cloud (what the CNPG
# plugin's sidecar runs), once with pgBackRest (what PGO runs).
#
#   bash databases/test/run.sh            (from the repository root; prints ok/FAIL per case, then "N passed, M failed")
#
# Why: a "completed" backup is not a restorable one. RustFS once could not serve multipart objects and every Barman
# base backup (data.tar.gz is uploaded in parts) was unrestorable, found only at recovery (shared reference
# docs/field-incidents-2026.md §C, incident 16). So the base backups here are large enough to be uploaded in several parts,
# and the test counts the parts from the S3 requests themselves.
#
# What the settings come from: ./render --stack prod (the ObjectStore, the Cluster patch, the PGO backups.pgbackrest
# patch; databases/test/rendered-settings.py reads them) and the program's own code for what a render does not show
# (the restore --target string and s3.conf: databases/test/Rendered.java). Only the endpoint is swapped for the
# loopback server, keeping its rendered form. What it does not prove: no operator runs here (CNPG, the plugin and PGO
# orchestration are not exercised), and the S3 server is gofakes3, not RustFS.
#
# Tools (versions pinned; .ci/run installs the Debian packages):
#   PostgreSQL 15.18   Debian bookworm postgresql-15=15.18-0+deb12u1 (/usr/lib/postgresql/15/bin)
#   pgBackRest 2.45    Debian bookworm pgbackrest=2.45-1 (speaks only HTTPS to S3 before 2.58: served through
#                      databases/test/s3proxy with a CA made here by openssl)
#   barman-cloud 3.19.1  databases/test/requirements.txt (plugin-barman-cloud v0.14.0's sidecar pins) in a venv in
#                      ${HOMELAB_TOOLS:-$HOME/.cache/homelab-backups-tools}/barman-cloud-<sha>
#   s3server           drills/test/s3server via scripts/test-tools.sh; s3proxy built the same way
# Every server listens on 127.0.0.1 or a unix socket in the scratch directory and is stopped by pid on exit.
# PostgreSQL refuses to run as root: as root, its commands run in a user namespace (unshare --map-user) as uid 1000,
# which keeps the tools cache under /root readable. KEEP_DB_TEST_DIR=1 keeps the scratch directory;
# DB_TEST_RENDER=DIR uses an existing render (default: render into the scratch directory).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_VERSION=15.18
PGBACKREST_VERSION=2.45
BARMAN_VERSION=3.19.1

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
note() { printf '    %s\n' "$*"; }
die() {
	echo "databases/test/run.sh: $*" >&2
	exit 2
}

# ------------------------------------------------------------------ tools ----

# shellcheck source-path=SCRIPTDIR source=../../scripts/test-tools.sh
source "$REPO/scripts/test-tools.sh"
test_tools_s3server >/dev/null

proxy_bin() {
	local src=$HERE/s3proxy key bin go
	key=$(cat "$src/main.go" "$src/go.mod" | sha256sum | cut -c1-16)
	bin=$TEST_TOOLS_DIR/s3proxy-$key
	if [[ ! -x $bin ]]; then
		go=$(test_tools_go) || return
		echo "s3proxy: building $bin" >&2
		mkdir -p "$TEST_TOOLS_DIR"
		(cd "$src" && GOFLAGS=-mod=mod "$go" build -trimpath -o "$bin.tmp.$$" .) >&2 || return
		mv "$bin.tmp.$$" "$bin"
	fi
	echo "$bin"
}
PROXYBIN=$(proxy_bin)

barman_venv() {
	local key dir
	key=$(sha256sum <"$HERE/requirements.txt" | cut -c1-16)
	dir=$TEST_TOOLS_DIR/barman-cloud-$BARMAN_VERSION-$key
	if [[ ! -x $dir/bin/barman-cloud-backup ]]; then
		echo "barman-cloud: pip install -r databases/test/requirements.txt into $dir" >&2
		# A venv records its own path, so it is built where it will live (and removed if the install fails).
		rm -rf "$dir"
		python3 -m venv "$dir" >&2 || return
		"$dir/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt" >&2 || { rm -rf "$dir"; return 1; }
	fi
	echo "$dir"
}
VENV=$(barman_venv) || die "could not install barman-cloud"
"$VENV/bin/barman-cloud-backup" --version 2>&1 | grep -qx "barman-cloud-backup $BARMAN_VERSION" ||
	die "$VENV: not barman-cloud-backup $BARMAN_VERSION"
pgbackrest version | grep -qx "pgBackRest $PGBACKREST_VERSION" || die "need pgBackRest $PGBACKREST_VERSION (apt-get install pgbackrest=2.45-1)"
"$PG_BIN/postgres" --version | grep -q " $PG_VERSION " || die "need PostgreSQL $PG_VERSION in $PG_BIN"
command -v openssl >/dev/null || die "need openssl"

# PostgreSQL's server side runs as a non-root uid (it refuses root).
if [[ $EUID -eq 0 ]]; then
	unshare --user --map-user=1000 --map-group=1000 true 2>/dev/null ||
		die "running as root needs unshare --user (or run as a non-root user)"
	as_pg() { unshare --user --map-user=1000 --map-group=1000 "$@"; }
else
	as_pg() { "$@"; }
fi

# ---------------------------------------------------------------- scratch ----

WORK=$(mktemp -d "${TMPDIR:-/tmp}/db-test.XXXXXX")
SOCK=$WORK/sock
mkdir -p "$SOCK" "$WORK/home"
PIDS=()
PGDATAS=()
cleanup() {
	local d pid
	# pgBackRest's asynchronous archive-push runs on in the background (it retries a store it cannot reach), and a
	# stopping PostgreSQL waits for its archive_command: `stop --force` writes the stanza's stop file (every later
	# pgBackRest command fails at once) and ends the processes holding its locks, by the pids in its lock files.
	if [[ -n ${PGBACKREST_CONFIG:-} ]]; then
		as_pg pgbackrest --stanza=db stop --force >/dev/null 2>&1 || true
	fi
	for d in "${PGDATAS[@]}"; do
		if [[ -f $d/postmaster.pid ]]; then
			pid=$(head -1 "$d/postmaster.pid")
			# fast shutdown, then immediate shutdown (SIGQUIT: the postmaster stops its children itself)
			kill -INT "$pid" 2>/dev/null || true
			for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -QUIT "$pid" 2>/dev/null || true
			for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		fi
	done
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [[ ${KEEP_DB_TEST_DIR:-} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# The tools see only what this test gives them: no AWS profile or config of the machine's user.
export HOME=$WORK/home AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_CA_BUNDLE PGHOST PGPORT PGUSER PGDATABASE
export AWS_ACCESS_KEY_ID=db-test AWS_SECRET_ACCESS_KEY=db-test-secret

# ----------------------------------------------------------- the settings ----

if [[ -n ${DB_TEST_RENDER:-} ]]; then
	RENDER=$DB_TEST_RENDER
else
	RENDER=$WORK/render
	(cd "$REPO" && ./render --stack prod --out "$RENDER") >"$WORK/render.log" 2>&1 || { cat "$WORK/render.log" >&2; die "render failed"; }
fi
eval "$(python3 "$HERE/rendered-settings.py" "$RENDER")"
rendered() { java -cp "$REPO/target/homelab-backups-all.jar" "$HERE/Rendered.java" "$@"; }
# The program's archive reader (homelab.backups.archive.ArchiveProbe) on what the tools wrote.
probe() { java -cp "$REPO/target/homelab-backups-all.jar" homelab.backups.archive.ArchiveProbe "$@"; }
# probe_matches CASE DIR LISTED SYSID PROBE_ARGS...: the reader must list exactly the backups the tool listed, each
# DONE with the cluster's system identifier, and a newest WAL between the last segment the archiver had archived
# before the read and the segment being written after it. Not "equal to last_archived_wal": the archive moves while
# it is read. This run saw it: the fingerprint query after the last switch sets hint bits on the freshly inserted
# rows, which with data checksums writes full-page images (PostgreSQL 15 bufmgr.c MarkBufferDirtyHint), and the
# archiver uploaded the next segments while the reader listed them (pg_waldump --stats=record of those segments:
# 100% XLOG/FPI_FOR_HINT, 4080 records in two segments). A read-only query moves a live cluster's archive.
probe_matches() {
	local name=$1 dir=$2 listed=$3 sid=$4 before after out probed tip
	shift 4
	before=$(sql "$dir" "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver;")
	out=$(probe "$@" 2>&1) || true
	after=$(sql "$dir" "SELECT pg_walfile_name(pg_current_wal_lsn());")
	probed=$(awk '$1 == "backup" { print $2 }' <<<"$out" | sort | xargs)
	tip=$(awk '$1 == "wal" { print $2 }' <<<"$out")
	if [[ -n $listed && $probed == "$listed" && -n $before && -n $tip && $tip != none && ! $tip < $before && ! $tip > $after ]] &&
		! awk -v s="$sid" '$1 == "backup" && ($3 != s || $4 != "DONE") { bad = 1 } END { exit !bad }' <<<"$out"; then
		ok "$name"
		note "backups $probed (the tool lists $listed), system identifier $sid, newest WAL $tip (archived before: $before, writing after: $after)"
	else
		not_ok "$name" "the tool lists: $listed; pg_controldata: $sid; last archived before the read: $before; writing after: $after" \
			"ArchiveProbe:" "$out"
	fi
}

BARMAN_BUCKET=${BARMAN_DESTINATION#s3://}
BARMAN_BUCKET=${BARMAN_BUCKET%%/*}
BUCKETS=$BARMAN_BUCKET
[[ $PGBR_BUCKET == "$BARMAN_BUCKET" ]] || BUCKETS+=",$PGBR_BUCKET"

# ------------------------------------------------------------ S3 servers ----

S3PID=$(test_tools_start_s3 "$WORK/s3" "$BUCKETS" "$WORK/s3.port" "$WORK/s3.log") || die "s3server did not start"
PIDS+=("$S3PID")
S3PORT=$(cat "$WORK/s3.port")

# A CA and a server certificate for 127.0.0.1, made for this run only.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=db-test-ca -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$WORK/tls.key" -out "$WORK/tls.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$WORK/tls.ext"
openssl x509 -req -in "$WORK/tls.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial -days 1 \
	-extfile "$WORK/tls.ext" -out "$WORK/tls.crt" 2>/dev/null

start_proxy() { # NAME [TLS flags...]: prints the port
	local name=$1 pid
	shift
	"$PROXYBIN" -upstream "http://127.0.0.1:$S3PORT" -portfile "$WORK/$name.port" -log "$WORK/$name.requests" "$@" \
		>"$WORK/$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 1 100); do
		[[ -s $WORK/$name.port ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -s $WORK/$name.port ]] || { cat "$WORK/$name.log" >&2; die "s3proxy $name did not start"; }
}
# Barman talks to the store the way the ObjectStore says (http://, RustFS's plain port); pgBackRest over TLS.
[[ $BARMAN_ENDPOINT_SCHEME == http ]] || die "the rendered ObjectStore endpoint is $BARMAN_ENDPOINT_SCHEME://: this test serves http"
start_proxy barman
start_proxy pgbackrest -cert "$WORK/tls.crt" -key "$WORK/tls.key"
BARMAN_URL=http://127.0.0.1:$(cat "$WORK/barman.port")
PGBR_PORT=$(cat "$WORK/pgbackrest.port")

# ------------------------------------------------------------- PostgreSQL ----

NEXT_PORT=54300
pg_init() { # DIR ARCHIVE_COMMAND: a new cluster with WAL archiving, on a unix socket only
	mkdir -p "$1"
	as_pg "$PG_BIN/initdb" -D "$1" -U postgres --auth=trust --data-checksums >"$1.initdb.log" 2>&1 || { cat "$1.initdb.log" >&2; return 1; }
	cat >>"$1/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$SOCK'
		port = $NEXT_PORT
		wal_level = replica
		archive_mode = on
		archive_command = '$2'
		shared_buffers = 32MB
		fsync = off
		# Both tools start their backup after a regular (spread) checkpoint, as the plugin and PGO run them; a spread
		# checkpoint takes 0.9 × checkpoint_timeout (4.5 min). The server writes it at once here instead.
		checkpoint_completion_target = 0
	EOF
	NEXT_PORT=$((NEXT_PORT + 1))
}
pg_port() { sed -n 's/^port = \([0-9]*\)$/\1/p' "$1/postgresql.conf" | tail -1; }
pg_start() { # DIR
	PGDATAS+=("$1")
	as_pg "$PG_BIN/pg_ctl" -D "$1" -l "$1.log" -w -t 300 start >/dev/null || { tail -20 "$1.log" >&2; return 1; }
}
pg_stop() { as_pg "$PG_BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null; }
sql() { # DIR SQL
	psql -h "$SOCK" -p "$(pg_port "$1")" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 -c "$2"
}
sysid() { "$PG_BIN/pg_controldata" "$1" | sed -n 's/^Database system identifier: *//p'; }

# Rows in three phases: "base" (in the base backup), "after-base" (only in the WAL, before the target time) and
# "after-target" (after it: a point-in-time restore must not bring them back). The payload is random hex, so the
# gzip-compressed base backup stays above the part sizes the tools use with our settings: barman-cloud-backup's is
# max(5 MiB, 2 × --max-archive-size / 10000) = 20.5 MiB with the plugin's default 100GB (barman 3.19.1
# barman/cloud.py CloudUploadController, cloud_providers/aws_s3.py), pgBackRest's repo-storage-upload-chunk-size.
ROWS=${DB_TEST_ROWS:-350000}
load_base() {
	sql "$1" "CREATE TABLE items (id bigint PRIMARY KEY, phase text NOT NULL, payload text NOT NULL);
		INSERT INTO items SELECT g, 'base', md5(g::text || random()::text) || md5(random()::text) || md5(random()::text)
		FROM generate_series(1, $ROWS) g;"
}
insert_phase() { # DIR PHASE FIRST_ID COUNT
	sql "$1" "INSERT INTO items SELECT g, '$2', md5(random()::text) FROM generate_series($3, $3 + $4 - 1) g;"
}
# count and md5 of each phase's rows, in id order: "base=N:md5 after-base=N:md5 after-target=N:md5"
fingerprint() {
	sql "$1" "SELECT string_agg(p || '=' || coalesce(n, 0) || ':' || coalesce(h, '-'), ' ' ORDER BY o) FROM
		(VALUES (1, 'base'), (2, 'after-base'), (3, 'after-target')) v(o, p) LEFT JOIN
		(SELECT phase, count(*) n, md5(string_agg(id || ':' || payload, ',' ORDER BY id)) h FROM items GROUP BY phase) s
		ON s.phase = v.p;"
}
# Switches to a new WAL segment and waits until the archiver has archived it (or failed).
archive_now() { # DIR
	local seg
	seg=$(sql "$1" "SELECT pg_walfile_name(pg_switch_wal());")
	for _ in $(seq 1 600); do
		[[ $(sql "$1" "SELECT coalesce(last_archived_wal, '') >= '$seg' FROM pg_stat_archiver;") == t ]] && return 0
		sleep 0.1
	done
	echo "WAL $seg not archived: $(sql "$1" "SELECT failed_count, last_failed_wal FROM pg_stat_archiver;")" >&2
	tail -5 "$1.log" >&2
	return 1
}
# The time of the point-in-time target: half a second into the next whole second after the after-base rows committed,
# to the microsecond (the rendered --target keeps the fraction; the tools must read it), and the after-target rows a
# second later. Not sooner: pgBackRest picks a backup set whose stop time, in whole seconds, is before the target, and
# a target in the second the backup stopped finds none ("unable to find backup set with stop time less than").
next_second() {
	local now
	now=$(date +%s.%N)
	sleep "$(awk -v n="$now" 'BEGIN { printf "%.3f", int(n) + 1.5 - n }')"
	date -u +%Y-%m-%dT%H:%M:%S.%6NZ
}
wait_promoted() { # DIR
	for _ in $(seq 1 1200); do
		[[ $(sql "$1" "SELECT pg_is_in_recovery();" 2>/dev/null) == f ]] && return 0
		sleep 0.1
	done
	tail -20 "$1.log" >&2
	return 1
}
# Multipart uploads seen by the proxy: "<max part number> <object>" for each object uploaded in parts.
parts() { # REQUESTS_FILE
	sed -n 's/^PUT \([^?]*\)?\(.*&\)\{0,1\}partNumber=\([0-9]*\).* 200$/\3 \1/p' "$1" | sort -k2,2 -k1,1n |
		awk '{ max[$2] = $1 } END { for (k in max) print max[k], k }' | sort -rn
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
seconds_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1fs", e - s }'; }

compare() { # CASE ORIG_SYSID ORIG_PRINT NEW_DIR EXPECTED_PRINT
	local got_sysid got
	got_sysid=$(sysid "$4")
	got=$(fingerprint "$4")
	if [[ $got_sysid == "$2" && $got == "$5" ]]; then
		ok "$1"
		# shellcheck disable=SC2001 # a regular expression, not a ${//} pattern
		note "system identifier $got_sysid; rows $(sed 's/:[0-9a-f-]*//g' <<<"$got")"
	else
		not_ok "$1" "system identifier: want $2, got $got_sysid" "rows: want $5" "      got  $got"
	fi
}

# Expected fingerprint of a restore: the phases it should hold, the others empty.
expect() { # FULL_PRINT PHASES...
	local full=$1 out=() w p
	shift
	for w in $full; do
		p=${w%%=*}
		if [[ " $* " == *" $p "* ]]; then out+=("$w"); else out+=("$p=0:-"); fi
	done
	echo "${out[*]}"
}

# ---------------------------------------------------------------- Barman ----

barman_cases() {
	local dir=$WORK/barman-src opts=() walopts=() start id size backup_prefix
	# The ObjectStore's sidecar environment (the boto3 checksum settings RustFS needs), exactly as rendered.
	local kv
	for kv in $BARMAN_ENV; do export "${kv?}"; done
	# The plugin's command lines (cloudnative-pg/barman-cloud, as vendored by plugin-barman-cloud v0.14.0:
	# pkg/archiver/command.go BarmanCloudWalArchiveOptions, pkg/backup/backup.go GetBarmanCloudBackupOptions,
	# pkg/command/commandbuilder.go CloudWalRestoreOptions): --<compression>, --endpoint-url, --cloud-provider aws-s3
	# (s3Credentials), then destinationPath and serverName.
	[[ -n $BARMAN_WAL_COMPRESSION ]] && walopts+=("--$BARMAN_WAL_COMPRESSION")
	[[ -n $BARMAN_DATA_COMPRESSION ]] && opts+=("--$BARMAN_DATA_COMPRESSION")
	local cloud=(--endpoint-url "$BARMAN_URL" --cloud-provider aws-s3)
	pg_init "$dir" "$VENV/bin/barman-cloud-wal-archive ${walopts[*]} ${cloud[*]} $BARMAN_DESTINATION $BARMAN_SERVER %p" || return 1
	pg_start "$dir" || return 1
	load_base "$dir"
	archive_now "$dir" || { not_ok "barman: WAL archived with barman-cloud-wal-archive"; return 1; }

	start=$(date +%s.%N)
	if ! as_pg "$VENV/bin/barman-cloud-backup" --user postgres --name db-test-base --host "$SOCK" --port "$(pg_port "$dir")" \
		"${opts[@]}" "${cloud[@]}" "$BARMAN_DESTINATION" "$BARMAN_SERVER" >"$WORK/barman-backup.log" 2>&1; then
		not_ok "barman: barman-cloud-backup" "$(tail -5 "$WORK/barman-backup.log")"
		return 1
	fi
	id=$(as_pg "$VENV/bin/barman-cloud-backup-list" --format json "${cloud[@]}" "$BARMAN_DESTINATION" "$BARMAN_SERVER" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["backups_list"][-1]["backup_id"])')
	backup_prefix=/$BARMAN_BUCKET/${BARMAN_DESTINATION#s3://"$BARMAN_BUCKET"/}/$BARMAN_SERVER/base/$id/
	size=$(find "$WORK/s3" -path "*/${BARMAN_DESTINATION#s3://}/$BARMAN_SERVER/base/$id/data.tar.gz" -type f -printf '%s\n' | head -1)
	local data_parts
	data_parts=$(parts "$WORK/barman.requests" | awk -v k="${backup_prefix}data.tar.gz" '$2 == k { print $1 }')
	if [[ ${data_parts:-0} -ge 2 ]]; then
		ok "barman: base backup $id uploaded in parts"
		note "data.tar.gz $(mib "${size:-0}") in $data_parts parts under s3://${backup_prefix#/} ($(seconds_since "$start"))"
	else
		not_ok "barman: base backup $id uploaded in parts" "data.tar.gz ${size:-?} bytes, parts: ${data_parts:-none}"
	fi

	local sid full target pitr t_start
	sid=$(sysid "$dir")
	insert_phase "$dir" after-base 1000001 5000
	target=$(next_second)
	sleep 1.1
	insert_phase "$dir" after-target 2000001 5000
	archive_now "$dir" || { not_ok "barman: WAL archived with barman-cloud-wal-archive"; return 1; }
	full=$(fingerprint "$dir")

	# The archive reader (S3ArchiveLookup, through ArchiveProbe) must see what barman-cloud wrote: the backups
	# barman-cloud-backup-list lists, each with pg_controldata's system identifier, and the newest archived WAL.
	local listed
	listed=$(as_pg "$VENV/bin/barman-cloud-backup-list" --format json "${cloud[@]}" "$BARMAN_DESTINATION" "$BARMAN_SERVER" |
		python3 -c 'import json,sys; print(" ".join(sorted(b["backup_id"] for b in json.load(sys.stdin)["backups_list"])))')
	probe_matches "barman: the archive reader sees barman-cloud's backups, system identifier and newest WAL" "$dir" "$listed" "$sid" \
		--endpoint "$BARMAN_URL" --bucket "$BARMAN_BUCKET" barman "${BARMAN_DESTINATION#s3://"$BARMAN_BUCKET"/}" "$BARMAN_SERVER"
	# CNPG writes recovery_target_time from targetTime through its ConvertToPostgresFormat (RFC 3339 to
	# "2006-01-02 15:04:05.000000+00:00": PostgreSQL 15 rejects the "T…Z" form, which this test saw).
	pitr=$(rendered target "$target" | sed -n 1p | python3 -c 'import sys, datetime
t = datetime.datetime.fromisoformat(sys.stdin.read().strip().replace("Z", "+00:00"))
print(t.strftime("%Y-%m-%d %H:%M:%S.%f") + t.strftime("%z")[:3] + ":" + t.strftime("%z")[3:])')

	# Restore as the plugin does (barman-cloud-restore into an empty directory; WAL with barman-cloud-wal-restore
	# as restore_command), into a new data directory; it archives nothing itself.
	restore_barman() { # NEW_DIR TARGET_SETTINGS...
		local new=$1
		shift
		as_pg "$VENV/bin/barman-cloud-restore" "${cloud[@]}" "$BARMAN_DESTINATION" "$BARMAN_SERVER" "$id" "$new" \
			>"$new.restore.log" 2>&1 || { tail -5 "$new.restore.log" >&2; return 1; }
		chmod 0700 "$new"
		touch "$new/recovery.signal"
		rm -f "$new/postmaster.pid"
		{
			echo "port = $NEXT_PORT"
			echo "archive_mode = off"
			echo "restore_command = '$VENV/bin/barman-cloud-wal-restore ${cloud[*]} $BARMAN_DESTINATION $BARMAN_SERVER %f %p'"
			echo "recovery_target_action = promote"
			printf '%s\n' "$@"
		} >>"$new/postgresql.conf"
		NEXT_PORT=$((NEXT_PORT + 1))
		pg_start "$new" && wait_promoted "$new"
	}

	t_start=$(date +%s.%N)
	if restore_barman "$WORK/barman-base" "recovery_target = 'immediate'"; then
		compare "barman: restore of the base backup into a new data directory" "$sid" "$full" "$WORK/barman-base" \
			"$(expect "$full" base)"
		note "barman-cloud-restore + recovery to the backup's end: $(seconds_since "$t_start")"
		pg_stop "$WORK/barman-base"
	else
		not_ok "barman: restore of the base backup into a new data directory" "$(tail -3 "$WORK/barman-base.log" 2>/dev/null)"
	fi

	t_start=$(date +%s.%N)
	if restore_barman "$WORK/barman-pitr" "recovery_target_time = '$pitr'"; then
		compare "barman: point-in-time restore through the WAL archive (targetTime $pitr)" "$sid" "$full" "$WORK/barman-pitr" \
			"$(expect "$full" base after-base)"
		note "restore + WAL replay to $pitr: $(seconds_since "$t_start")"
		pg_stop "$WORK/barman-pitr"
	else
		not_ok "barman: point-in-time restore through the WAL archive (targetTime $pitr)" "$(tail -3 "$WORK/barman-pitr.log" 2>/dev/null)"
	fi
	pg_stop "$dir"
}

# ------------------------------------------------------------ pgBackRest ----

pgbackrest_cases() {
	local dir=$WORK/pgbr-src conf=$WORK/pgbackrest sid full target pitr start t_start
	mkdir -p "$conf/conf.d" "$conf/spool" "$conf/log" "$conf/lock"
	# The configuration PGO writes (CrunchyData/postgres-operator v5.8.9 internal/pgbackrest/config.go
	# populatePGInstanceConfigurationMap, getExternalRepoConfigs): archive-async with a spool path, the repository's
	# type/bucket/endpoint/region from repos[].s3, then spec.backups.pgbackrest.global verbatim; the stanza "db".
	# The endpoint keeps the rendered host:port form, with the loopback TLS port. lock-path and log-path are the
	# test's scratch directory (not /tmp/pgbackrest, which another run could hold).
	{
		echo "[global]"
		echo "archive-async=y"
		echo "spool-path=$conf/spool"
		echo "log-path=$conf/log"
		echo "lock-path=$conf/lock"
		echo "$PGBR_REPO-type=s3"
		echo "$PGBR_REPO-s3-bucket=$PGBR_BUCKET"
		echo "$PGBR_REPO-s3-endpoint=127.0.0.1:$PGBR_PORT"
		echo "$PGBR_REPO-s3-region=$PGBR_REGION"
		echo "$PGBR_GLOBAL"
		echo
		echo "[db]"
		echo "pg1-path=$dir"
		echo "pg1-port=$NEXT_PORT"
		echo "pg1-socket-path=$SOCK"
		# PGO runs pgBackRest as the OS user postgres, whose role it connects as; here the OS user differs.
		echo "pg1-user=postgres"
	} >"$conf/pgbackrest.conf"
	# The repository Secret's s3.conf, as the program writes it; PGO projects it under /etc/pgbackrest/conf.d.
	rendered s3conf "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$conf/conf.d/s3.conf"
	export PGBACKREST_CONFIG=$conf/pgbackrest.conf PGBACKREST_CONFIG_INCLUDE_PATH=$conf/conf.d
	# PGO's archive_command (internal/pgbackrest/postgres.go), byte for byte.
	pg_init "$dir" 'pgbackrest --stanza=db archive-push "%p"' || return 1
	pg_start "$dir" || return 1
	if ! as_pg pgbackrest --stanza=db stanza-create >"$WORK/pgbr-stanza.log" 2>&1; then
		not_ok "pgbackrest: stanza-create over TLS" "$(tail -5 "$WORK/pgbr-stanza.log")"
		return 1
	fi
	load_base "$dir"
	start=$(date +%s.%N)
	if ! as_pg pgbackrest --stanza=db backup --type=full >"$WORK/pgbr-backup.log" 2>&1; then
		not_ok "pgbackrest: full backup over TLS" "$(tail -5 "$WORK/pgbr-backup.log")"
		return 1
	fi
	local top multi
	top=$(parts "$WORK/pgbackrest.requests" | head -1)
	multi=$(parts "$WORK/pgbackrest.requests" | wc -l)
	if [[ -n $top && ${top%% *} -ge 2 ]]; then
		ok "pgbackrest: full backup uploaded large files in parts"
		note "$multi file(s) in parts, the largest in ${top%% *} parts: ${top#* } ($(seconds_since "$start"))"
	else
		not_ok "pgbackrest: full backup uploaded large files in parts" "no multipart upload seen"
	fi

	sid=$(sysid "$dir")
	insert_phase "$dir" after-base 1000001 5000
	target=$(next_second)
	sleep 1.1
	insert_phase "$dir" after-target 2000001 5000
	archive_now "$dir" || { not_ok "pgbackrest: WAL archived with archive-push"; return 1; }
	full=$(fingerprint "$dir")
	pitr=$(rendered target "$target" | sed -n 2p)

	# The archive reader on the stanza, over TLS with the test's CA (S3Target.caCertificate's path): the backups
	# `pgbackrest info` lists, pg_controldata's system identifier, the newest archived WAL.
	local listed probed probe_out probe_status
	PGBR_PATH=$(sed -n "s|^$PGBR_REPO-path=/*||p" <<<"$PGBR_GLOBAL")
	listed=$(as_pg pgbackrest --stanza=db info --output=json |
		python3 -c 'import json,sys; print(" ".join(sorted(b["label"] for s in json.load(sys.stdin) for b in s["backup"])))')
	probe_matches "pgbackrest: the archive reader sees the stanza's backups, system identifier and newest WAL (TLS, the test's CA)" \
		"$dir" "$listed" "$sid" --endpoint "https://127.0.0.1:$PGBR_PORT" --region "$PGBR_REGION" --bucket "$PGBR_BUCKET" \
		--ca "$WORK/ca.crt" pgbackrest "$PGBR_PATH" db
	# Without the target's CA the same read must fail on the certificate, saying so (never read as empty).
	probe_out=$(probe --endpoint "https://127.0.0.1:$PGBR_PORT" --region "$PGBR_REGION" --bucket "$PGBR_BUCKET" \
		pgbackrest "$PGBR_PATH" db 2>&1) && probe_status=0 || probe_status=$?
	if [[ $probe_status -eq 1 && $probe_out == "unreadable "*"TLS with 127.0.0.1:$PGBR_PORT failed"* ]]; then
		ok "pgbackrest: without the target's CA the archive reader refuses the store's certificate"
	else
		not_ok "pgbackrest: without the target's CA the archive reader refuses the store's certificate" \
			"ArchiveProbe exited $probe_status:" "$probe_out"
	fi
	PGBR_SYSID=$sid
	PGBR_LISTED=$listed

	restore_pgbr() { # NEW_DIR OPTIONS...
		local new=$1
		shift
		mkdir -p "$new"
		as_pg pgbackrest --stanza=db restore --pg1-path="$new" "$@" >"$new.restore.log" 2>&1 || { tail -5 "$new.restore.log" >&2; return 1; }
		chmod 0700 "$new"
		{ echo "port = $NEXT_PORT"; echo "archive_mode = off"; } >>"$new/postgresql.conf"
		NEXT_PORT=$((NEXT_PORT + 1))
		pg_start "$new" && wait_promoted "$new"
	}

	t_start=$(date +%s.%N)
	if restore_pgbr "$WORK/pgbr-base" --type=immediate --target-action=promote; then
		compare "pgbackrest: restore of the full backup into a new data directory" "$sid" "$full" "$WORK/pgbr-base" \
			"$(expect "$full" base)"
		note "pgbackrest restore --type=immediate: $(seconds_since "$t_start")"
		pg_stop "$WORK/pgbr-base"
	else
		not_ok "pgbackrest: restore of the full backup into a new data directory" "$(tail -3 "$WORK/pgbr-base.log" 2>/dev/null)"
	fi

	# PGO's restore options: the rendered ["--type=time", "--target=\"<time>\""], which PGO's restore Job passes
	# through a shell, plus the --target-action=promote PGO adds when a target is set
	# (internal/controller/postgrescluster/pgbackrest.go, v5.8.9).
	local options=(--type=time "--target=$pitr" --target-action=promote)
	t_start=$(date +%s.%N)
	if restore_pgbr "$WORK/pgbr-pitr" "${options[@]}"; then
		compare "pgbackrest: point-in-time restore through the WAL archive (--target=\"$pitr\")" "$sid" "$full" "$WORK/pgbr-pitr" \
			"$(expect "$full" base after-base)"
		note "restore + WAL replay to $pitr: $(seconds_since "$t_start")"
		pg_stop "$WORK/pgbr-pitr"
	else
		not_ok "pgbackrest: point-in-time restore through the WAL archive (--target=\"$pitr\")" "$(tail -3 "$WORK/pgbr-pitr.log" 2>/dev/null)"
	fi
	pg_stop "$dir"
}

# pgBackRest's own lineage check: a rebuilt cluster (a new initdb, as Argo CD re-creating a PostgresCluster would
# make) pointed at the same repository and stanza. pgBackRest must refuse stanza-create, check and backup, and the
# stanza must still hold only the first cluster's backups. docs/archives.md quotes the refusals this prints.
pgbackrest_lineage_case() {
	local new=$WORK/pgbr-rebuilt cmd out failed=() refused=() probe_out probed
	[[ -n ${PGBR_SYSID:-} ]] || { not_ok "pgbackrest: a rebuilt cluster is refused by the stanza" "the backup case did not run"; return 1; }
	pg_init "$new" "pgbackrest --stanza=db --pg1-path=$new archive-push \"%p\"" || return 1
	pg_start "$new" || return 1
	local opts=(--stanza=db "--pg1-path=$new" "--pg1-port=$(pg_port "$new")") new_sid want
	new_sid=$(sysid "$new")
	# The refusals pgBackRest 2.45 prints (release/2.45 src/command/check/common.c checkStanzaInfoPg for stanza-create
	# and check, src/command/backup/backup.c backupInit for backup): a refusal for another reason fails the case.
	for cmd in stanza-create check "backup --type=full"; do
		want="ERROR: [028]: backup and archive info files exist but do not match the database"
		[[ $cmd == backup* ]] && want="ERROR: [051]: PostgreSQL version 15, system-id $new_sid do not match stanza version 15, system-id $PGBR_SYSID"
		# shellcheck disable=SC2086 # cmd is a command and its options
		if out=$(as_pg pgbackrest "${opts[@]}" $cmd 2>&1); then
			failed+=("pgbackrest $cmd succeeded on a cluster with system identifier $new_sid: $out")
		elif ! grep -qF "$want" <<<"$out"; then
			failed+=("pgbackrest $cmd failed, but not with '$want':" "$out")
		else
			refused+=("$cmd: $(grep -E '(ERROR|HINT):' <<<"$out" | sed 's/^.*\(ERROR\|HINT\):/\1:/' | paste -sd' ')")
		fi
	done
	probe_out=$(probe --endpoint "https://127.0.0.1:$PGBR_PORT" --region "$PGBR_REGION" --bucket "$PGBR_BUCKET" --ca "$WORK/ca.crt" \
		pgbackrest "$PGBR_PATH" db 2>&1) || true
	probed=$(awk '$1 == "backup" { print $2 }' <<<"$probe_out" | sort | xargs)
	if [[ $probed != "$PGBR_LISTED" ]] || awk -v s="$PGBR_SYSID" '$1 == "backup" && $3 != s { bad = 1 } END { exit !bad }' <<<"$probe_out"; then
		failed+=("the stanza changed: before $PGBR_LISTED of $PGBR_SYSID, now:" "$probe_out")
	fi
	if [[ ${#failed[@]} -eq 0 ]]; then
		ok "pgbackrest: a rebuilt cluster (system identifier $new_sid) is refused by the stanza of $PGBR_SYSID"
		for out in "${refused[@]}"; do note "$out"; done
	else
		not_ok "pgbackrest: a rebuilt cluster is refused by the stanza" "${failed[@]}" "${refused[@]}"
	fi
	pg_stop "$new"
}

T0=$(date +%s.%N)
barman_cases || true
note "barman cases: $(seconds_since "$T0")"
T0=$(date +%s.%N)
pgbackrest_cases || true
pgbackrest_lineage_case || true
note "pgbackrest cases: $(seconds_since "$T0")"

printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[[ $FAILED -eq 0 ]]
