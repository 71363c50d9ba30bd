#!/bin/bash
# Restore drill for a VolSync restic repository.
#
# Runs inside the VolSync restic mover image (bash, coreutils, grep, awk, restic;
# no jq, no python) with a read-only root filesystem: everything it writes goes
# under DRILL_SCRATCH. It proves, in order, that
#   0. the repository is the one the last passing drill saw (its id) and still holds
#      the history the retention keeps (EXPECTED_REPOSITORY_ID, EXPECTED_OLDEST),
#   1. the repository opens with the password and has a recent snapshot,
#   2. the newest snapshot is not empty,
#   3. `restic check` passes, reading one rotating subset (k/N) of the pack files,
#   4. the snapshot (or, when it is bigger than DRILL_SCRATCH_BYTES, a rotating
#      sample of its files) restores with `--verify`, and what landed on disk is
#      exactly what was asked for,
#   5. every restored SQLite database passes PRAGMA integrity_check (sqlite=ok), or
#      is reported as not checked when the image has no sqlite3 (sqlite=unchecked).
# The last line of stdout is the verdict (also written to the Kubernetes
# termination log):
#   drill PASS app=<app> snapshot=<short id> time=<RFC3339> age=<n>s files=<n> bytes=<n> mode=<whole|sample> subset=<k>/<N> sqlite=<none|ok sqlite_files=<n>|unchecked sqlite_files=<n>> repository=<id> snapshots=<n> oldest=<RFC3339|none>
#   drill FAIL app=<app> reason=<reason> <detail...>
# Exit 0 on PASS, 1 on FAIL, 75 (EX_TEMPFAIL) on reason=locked: another restic
# (the app's prune) held the repository's lock for longer than DRILL_RETRY_LOCK.
# See drills/README.md for the environment contract.
set -Eeuo pipefail

APP=${DRILL_APP:-}
TERMINATION_LOG=${DRILL_TERMINATION_LOG:-/dev/termination-log}
DONE=0
ERR_LINE=
RESTORE_DIR=
CHILD=

# ---------------------------------------------------------------- verdict ----

# cleanup_restore removes restored files (restored directories may be read-only).
cleanup_restore() {
	if [[ -n $RESTORE_DIR && -e $RESTORE_DIR ]]; then
		chmod -R u+rwX "$RESTORE_DIR" 2>/dev/null || true
		rm -rf "$RESTORE_DIR" 2>/dev/null || true
	fi
}

# verdict prints the final line (last line of stdout) and the termination log.
verdict() {
	local line=$1 code=$2
	DONE=1
	cleanup_restore
	printf '%s\n' "$line"
	if [[ -n $TERMINATION_LOG && -w $TERMINATION_LOG ]]; then
		printf '%s\n' "$line" >"$TERMINATION_LOG" 2>/dev/null || true
	fi
	exit "$code"
}

# fail REASON [key=value...]: the drill failed.
fail() {
	local reason=$1
	shift
	local line="drill FAIL app=${APP:-unknown} reason=$reason"
	if (($# > 0)); then
		line+=" $*"
	fi
	verdict "$line" 1
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
on_exit() {
	local rc=$?
	if ((DONE == 0)); then
		# A bash error (set -e) or a signal: still end with a verdict line.
		DONE=1
		cleanup_restore
		local line="drill FAIL app=${APP:-unknown} reason=internal-error exit=$rc${ERR_LINE:+ line=$ERR_LINE}"
		printf '%s\n' "$line"
		if [[ -n $TERMINATION_LOG && -w $TERMINATION_LOG ]]; then
			printf '%s\n' "$line" >"$TERMINATION_LOG" 2>/dev/null || true
		fi
		exit 1
	fi
}
# on_signal SIG: the pod is being stopped (deadline, eviction, drain, kubectl
# delete). SIGTERM reaches only this script (PID 1), and bash runs a trap only
# once its foreground command has ended, so every restic runs in the background
# (run_bg) and is stopped here: on TERM restic cancels its work and removes its
# lock before it exits (restic v0.18.0 cmd/restic/cleanup.go, cmd_check.go
# `defer unlock()`). Otherwise the kubelet's SIGKILL after the grace period would
# leave check's exclusive lock in the repository, and restic removes a lock
# only in `restic unlock` (internal/restic/lock.go): the app's backups would
# fail until someone runs it.
# shellcheck disable=SC2317 # invoked by the TERM/INT traps
on_signal() {
	local sig=$1
	if [[ -n $CHILD ]]; then
		kill -TERM "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
		CHILD=
	fi
	fail terminated signal="$sig"
}
trap 'ERR_LINE=$LINENO' ERR
trap on_exit EXIT
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT

# ---------------------------------------------------------------- helpers ----

log() { printf 'drill: %s\n' "$*"; }

# one_line TEXT: TEXT as a short single line safe inside a double-quoted field.
one_line() {
	local s=${1//$'\n'/ }
	s=${s//$'\r'/ }
	s=${s//\"/\'}
	if ((${#s} > 240)); then
		s="${s:0:240}..."
	fi
	printf '%s' "$s"
}

# restic_error FILE: the message of restic's JSON exit_error in FILE (stderr of a
# --json run), else its last non-empty line.
restic_error() {
	local f=$1 msg
	msg=$(grep -o '"message_type":"exit_error"[^}]*' "$f" 2>/dev/null | head -n 1 | sed -n 's/.*"message":"\(\([^"\\]\|\\.\)*\)".*/\1/p' || true)
	msg=${msg%%\\n*}
	if [[ -z $msg ]]; then
		msg=$(grep -v '^[[:space:]]*$' "$f" 2>/dev/null | tail -n 1 || true)
	fi
	one_line "$msg"
}

# limit_output: pass lines through, but keep only the first HEAD and last TAIL
# lines of a long output, so the pod log stays readable.
limit_output() {
	awk -v head="$LOG_HEAD" -v tail="$LOG_TAIL" '
		NR <= head { print; fflush(); next }
		{ buf[NR % tail] = $0 }
		END {
			if (NR > head) {
				first = NR - tail + 1
				if (first <= head) first = head + 1
				if (first > head + 1) printf "  [... %d lines omitted ...]\n", first - head - 1
				for (i = first; i <= NR; i++) print buf[i % tail]
			}
		}'
}

# show_file FILE: print FILE through limit_output, indented.
show_file() {
	if [[ -s $1 ]]; then
		sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/^/  /' "$1" | limit_output
	fi
}

# run_bg OUT ERR COMMAND...: run COMMAND in the background with its stdout in
# OUT and its stderr in ERR (ERR "-": with stdout), and wait for it, so that a
# TERM is handled at once (on_signal). Returns COMMAND's exit status; call as
# `run_bg ... || rc=$?`.
run_bg() {
	local out=$1 err=$2 rc=0
	shift 2
	if [[ $err == - ]]; then
		"$@" >"$out" 2>&1 &
	else
		"$@" >"$out" 2>"$err" &
	fi
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	return "$rc"
}

# run_restic_logged ARGS...: run restic, then show its stdout+stderr (limited);
# returns restic's exit status. Call as `run_restic_logged ... || rc=$?`.
run_restic_logged() {
	local rc=0
	run_bg "$WORK/restic.log" - restic "${RESTIC_GLOBAL[@]}" "$@" || rc=$?
	show_file "$WORK/restic.log"
	return "$rc"
}

# locked STEP FILE: restic exits 11 when it gave up waiting for a lock
# (restic v0.18.0 cmd/restic/main.go: IsAlreadyLocked). That says nothing about
# the backups: the app's own prune (or another drill) held the repository for
# longer than --retry-lock. Its own reason and exit code 75, which the CronJob's
# podFailurePolicy ignores: Kubernetes starts the drill again (within the Job's
# deadline) instead of counting a failed drill (DrillSpecs, RestoreDrillFailed).
locked() {
	local msg
	msg=$(grep -m 1 -oE '(repository is already locked|unable to create lock)[^"\\]*' "$2" 2>/dev/null || true)
	[[ -n $msg ]] || msg=$(restic_error "$2")
	verdict "drill FAIL app=${APP:-unknown} reason=locked step=$1 retry_lock=$DRILL_RETRY_LOCK error=\"$(one_line "$msg")\"" 75
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# count_tree DIR: "<regular files> <bytes>" below DIR (symlinks not followed).
count_tree() {
	local dir=$1
	if command -v find >/dev/null 2>&1; then
		find "$dir" -type f -exec stat -c '%s' {} + 2>/dev/null |
			awk '{ n++; s += $1 } END { printf "%d %d\n", n, s }'
	else
		local n=0 s=0 f
		shopt -s globstar dotglob nullglob
		for f in "$dir"/**; do
			if [[ -f $f && ! -L $f ]]; then
				n=$((n + 1))
				s=$((s + $(stat -c '%s' "$f")))
			fi
		done
		shopt -u globstar dotglob nullglob
		printf '%d %d\n' "$n" "$s"
	fi
}

# include_pattern PATH: PATH as a literal restic include pattern. restic reads
# --include-file lines as filepath.Match globs (\ * ? [ ] special), expands
# $VAR / ${VAR} ($$ is a literal $) and trims surrounding whitespace.
include_pattern() {
	local p=$1
	p=${p//\\/\\\\}
	p=${p//\*/\\*}
	p=${p//\?/\\?}
	p=${p//\[/\\[}
	p=${p//\]/\\]}
	p=${p//\$/\$\$}
	printf '%s\n' "$p"
}

# ------------------------------------------------------------------ config ----

: "${DRILL_MAX_AGE_SECONDS:=129600}"
: "${DRILL_EVERY_DAYS:=7}"
: "${DRILL_READ_SUBSETS:=12}"
: "${DRILL_SCRATCH_BYTES:=1073741824}"
: "${DRILL_CONNECT_TIMEOUT:=300}"
: "${DRILL_SAMPLE_MAX_FILES:=1000}"
: "${DRILL_RETRY_LOCK:=10m}"
# VolSync's restic mover backs up as host "volsync" (backube/volsync v0.15.0 mover-restic/entry.sh RESTIC_HOST).
: "${DRILL_HOST:=volsync}"
: "${DRILL_KEEP_SECONDS:=0}"
: "${DRILL_KEEP_BUCKET_SECONDS:=0}"
EXPECTED_REPOSITORY_ID=${EXPECTED_REPOSITORY_ID:-}
EXPECTED_OLDEST=${EXPECTED_OLDEST:-}
LOG_HEAD=${DRILL_LOG_HEAD_LINES:-60}
LOG_TAIL=${DRILL_LOG_TAIL_LINES:-40}

if [[ -z $APP && -n ${RESTIC_REPOSITORY:-} ]]; then
	APP=${RESTIC_REPOSITORY%/}
	APP=${APP##*/}
fi
[[ -n ${RESTIC_REPOSITORY:-} ]] || fail config missing=RESTIC_REPOSITORY
[[ -n ${RESTIC_PASSWORD:-}${RESTIC_PASSWORD_FILE:-}${RESTIC_PASSWORD_COMMAND:-} ]] || fail config missing=RESTIC_PASSWORD
[[ -n ${DRILL_SCRATCH:-} ]] || fail config missing=DRILL_SCRATCH
for v in DRILL_KEEP_SECONDS DRILL_KEEP_BUCKET_SECONDS DRILL_MAX_AGE_SECONDS DRILL_EVERY_DAYS DRILL_READ_SUBSETS DRILL_SCRATCH_BYTES DRILL_CONNECT_TIMEOUT DRILL_SAMPLE_MAX_FILES LOG_HEAD LOG_TAIL; do
	is_uint "${!v}" || fail config "invalid=$v value=\"$(one_line "${!v}")\""
done
((DRILL_EVERY_DAYS >= 1)) || fail config invalid=DRILL_EVERY_DAYS value="$DRILL_EVERY_DAYS"
# restic's k/N subsets use the first byte of the pack ID: N is at most 256.
((DRILL_READ_SUBSETS >= 1 && DRILL_READ_SUBSETS <= 256)) || fail config invalid=DRILL_READ_SUBSETS value="$DRILL_READ_SUBSETS"
((LOG_TAIL >= 1)) || LOG_TAIL=1
((DRILL_SAMPLE_MAX_FILES >= 1)) || DRILL_SAMPLE_MAX_FILES=1
if [[ -n ${DRILL_NOW:-} ]]; then
	is_uint "$DRILL_NOW" || fail config invalid=DRILL_NOW value="$(one_line "$DRILL_NOW")"
	NOW=$DRILL_NOW
else
	NOW=$(date +%s)
fi

if [[ -n $EXPECTED_REPOSITORY_ID && ! $EXPECTED_REPOSITORY_ID =~ ^[0-9a-f]{64}$ ]]; then
	fail config invalid=EXPECTED_REPOSITORY_ID value="$(one_line "$EXPECTED_REPOSITORY_ID")"
fi

N=$DRILL_READ_SUBSETS
if [[ -n ${DRILL_SUBSET:-} ]]; then
	if ! is_uint "$DRILL_SUBSET" || ((DRILL_SUBSET < 1 || DRILL_SUBSET > N)); then
		fail config invalid=DRILL_SUBSET value="$(one_line "$DRILL_SUBSET")" subsets="$N"
	fi
	K=$DRILL_SUBSET
else
	K=$(((NOW / (DRILL_EVERY_DAYS * 86400)) % N + 1))
fi

# Everything restic (and this script) writes stays in the scratch volume.
mkdir -p "$DRILL_SCRATCH" 2>/dev/null || fail config "scratch=\"$(one_line "$DRILL_SCRATCH")\"" error=cannot-create
[[ -w $DRILL_SCRATCH ]] || fail config "scratch=\"$(one_line "$DRILL_SCRATCH")\"" error=not-writable
WORK=$DRILL_SCRATCH/drill-work
RESTORE_DIR=$DRILL_SCRATCH/restore
cleanup_restore
rm -rf "$WORK"
mkdir -p "$WORK" "$DRILL_SCRATCH/tmp" "$DRILL_SCRATCH/restic-cache"
export RESTIC_CACHE_DIR=$DRILL_SCRATCH/restic-cache
export TMPDIR=$DRILL_SCRATCH/tmp
export XDG_CACHE_HOME=$DRILL_SCRATCH/.cache
unset RESTIC_HOST 2>/dev/null || true

# --retry-lock: wait for a prune/check that holds the lock instead of failing.
RESTIC_GLOBAL=(--cache-dir "$RESTIC_CACHE_DIR" --retry-lock "$DRILL_RETRY_LOCK")
if [[ -n ${DRILL_CA_FILE:-} && -f $DRILL_CA_FILE ]]; then
	RESTIC_GLOBAL+=(--cacert "$DRILL_CA_FILE")
fi

command -v restic >/dev/null 2>&1 || fail config missing=restic-binary
# (a rest: URL may carry user:password@; keep that out of the log)
log "app=$APP repository=$(printf '%s' "$RESTIC_REPOSITORY" | sed 's#//[^/@]*@#//***@#') $(restic version 2>/dev/null | head -n 1)"
log "now=$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%SZ) max_age=${DRILL_MAX_AGE_SECONDS}s subset=$K/$N scratch_budget=${DRILL_SCRATCH_BYTES}B"

# ------------------------------------------------ 0. the repository's identity ----

# VolSync's restic mover runs `restic init` whenever `restic cat config` says the repository does not exist, before a
# backup and before a restore (backube/volsync v0.15.0 mover-restic/entry.sh ensure_initialized, and the `case` at its
# end): a wiped or moved bucket or prefix silently becomes a new, empty repository at the next backup, and a drill
# that only looks at the newest snapshot passes on it (docs/field-incidents-2026.md, gap 2). So the drill reads the
# repository's id (`restic cat config`: a random id written once by `restic init`) and its history (the snapshots of
# VolSync's host, the oldest one's time), prints them in the verdict, and compares them with what the program
# recorded from the last passing drill (EXPECTED_REPOSITORY_ID, EXPECTED_OLDEST; drills/README.md "Repository
# identity").
log "step 0/5: repository identity (restic --no-lock cat config; snapshots --host $DRILL_HOST)"
rc=0
run_bg "$WORK/config.json" "$WORK/config.err" \
	timeout "$DRILL_CONNECT_TIMEOUT" restic "${RESTIC_GLOBAL[@]}" --no-lock cat config || rc=$?
show_file "$WORK/config.err"
if ((rc != 0)); then
	if ((rc == 124)); then
		fail repository-unreadable exit=timeout "error=\"no answer within ${DRILL_CONNECT_TIMEOUT}s (endpoint unreachable or not answering)\""
	fi
	fail repository-unreadable exit=$rc "error=\"$(restic_error "$WORK/config.err")\""
fi
REPO_ID=$(grep -oE '"id"[[:space:]]*:[[:space:]]*"[0-9a-f]{64}"' "$WORK/config.json" | head -n 1 | grep -oE '[0-9a-f]{64}' || true)
[[ -n $REPO_ID ]] || fail repository-unreadable "error=\"no repository id in restic cat config: $(one_line "$(head -c 200 "$WORK/config.json")")\""
rc=0
run_bg "$WORK/history.json" "$WORK/history.err" \
	restic "${RESTIC_GLOBAL[@]}" --no-lock snapshots --host "$DRILL_HOST" --json || rc=$?
show_file "$WORK/history.err"
((rc == 0)) || fail repository-unreadable exit=$rc "error=\"$(restic_error "$WORK/history.err")\""
grep -q '^\[' "$WORK/history.json" ||
	fail repository-unreadable "error=\"unexpected output of restic snapshots: $(one_line "$(head -c 200 "$WORK/history.json")")\""
HISTORY=0 OLDEST_EPOCH=-1
while IFS= read -r tok; do
	t=${tok#\"time\":\"}
	t=${t%\"}
	epoch=$(date -d "$t" +%s 2>/dev/null) || fail repository-unreadable "error=\"cannot parse snapshot time $(one_line "$t")\""
	HISTORY=$((HISTORY + 1))
	if ((OLDEST_EPOCH < 0 || epoch < OLDEST_EPOCH)); then OLDEST_EPOCH=$epoch; fi
done < <(grep -oE '"time":"[^"]*"' "$WORK/history.json" || true)
if ((OLDEST_EPOCH >= 0)); then
	OLDEST=$(date -u -d "@$OLDEST_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
else
	OLDEST=none
fi
IDENTITY="repository=$REPO_ID snapshots=$HISTORY oldest=$OLDEST"
log "repository id $REPO_ID; $HISTORY snapshot(s) of host $DRILL_HOST, the oldest $OLDEST"

if [[ -n $EXPECTED_REPOSITORY_ID && $REPO_ID != "$EXPECTED_REPOSITORY_ID" ]]; then
	log "the repository's id is not the recorded $EXPECTED_REPOSITORY_ID: it was deleted and initialised again (VolSync's mover does that at the next backup or restore), or the path now names another repository. The history the recorded repository held is not here."
	fail repository-replaced expected="$EXPECTED_REPOSITORY_ID" found="$REPO_ID" snapshots="$HISTORY" oldest="$OLDEST"
fi
# The same repository, but history the retention still keeps is gone: the recorded oldest snapshot vanished although
# it is younger than DRILL_KEEP_SECONDS (the span the policy's --keep-* rules keep a snapshot for certain), and the
# oldest now lies at least DRILL_KEEP_BUCKET_SECONDS later (a snapshot that a newer one of its own hour/day/... bucket
# replaced is ordinary retention). Both come from the policy (DrillPlan); 0 turns the check off.
if [[ -n $EXPECTED_OLDEST ]] && ((DRILL_KEEP_SECONDS > 0)); then
	recorded=$(date -d "$EXPECTED_OLDEST" +%s 2>/dev/null) || fail config invalid=EXPECTED_OLDEST value="$(one_line "$EXPECTED_OLDEST")"
	if ((NOW - recorded < DRILL_KEEP_SECONDS)) && { ((HISTORY == 0)) || ((OLDEST_EPOCH - recorded >= DRILL_KEEP_BUCKET_SECONDS && OLDEST_EPOCH > recorded)); }; then
		log "the recorded oldest snapshot ($EXPECTED_OLDEST) is gone although the retention keeps it until $(date -u -d "@$((recorded + DRILL_KEEP_SECONDS))" +%Y-%m-%dT%H:%M:%SZ): snapshots were forgotten or deleted outside the policy"
		fail history-lost repository="$REPO_ID" recorded_oldest="$(date -u -d "@$recorded" +%Y-%m-%dT%H:%M:%SZ)" oldest="$OLDEST" snapshots="$HISTORY" keep="${DRILL_KEEP_SECONDS}s"
	fi
fi

# ------------------------------------------- 1. newest snapshot and its age ----

log "step 1/5: newest snapshot (restic --no-lock snapshots --latest 1 --json, all hosts and paths)"
rc=0
# --no-lock: listing snapshots changes nothing, and without a lock to wait for
# (--retry-lock outlasts the timeout) a timeout here means the store does not
# answer, never that a prune holds the repository; the later steps take locks.
run_bg "$WORK/snapshots.json" "$WORK/snapshots.err" \
	timeout "$DRILL_CONNECT_TIMEOUT" restic "${RESTIC_GLOBAL[@]}" --no-lock snapshots --latest 1 --json || rc=$?
show_file "$WORK/snapshots.err"
if ((rc != 0)); then
	if ((rc == 124)); then
		fail repository-unreadable exit=timeout "error=\"no answer within ${DRILL_CONNECT_TIMEOUT}s (endpoint unreachable or not answering)\""
	fi
	fail repository-unreadable exit=$rc "error=\"$(restic_error "$WORK/snapshots.err")\""
fi
# `--latest 1` keeps the newest snapshot of each host+paths group; pick the newest
# of those. In restic's JSON every snapshot has one top-level "time" and, after
# it, one "id" (no nested object uses those keys, and a " inside a string value
# is escaped, so the patterns cannot match inside one).
grep -q '^\[' "$WORK/snapshots.json" ||
	fail repository-unreadable "error=\"unexpected output of restic snapshots: $(one_line "$(head -c 200 "$WORK/snapshots.json")")\""
best_id='' best_time='' best_epoch=-1 cur_time='' count=0
while IFS= read -r tok; do
	case $tok in
	'"time":"'*)
		cur_time=${tok#\"time\":\"}
		cur_time=${cur_time%\"}
		;;
	'"id":"'*)
		id=${tok#\"id\":\"}
		id=${id%\"}
		[[ -n $cur_time ]] || continue
		epoch=$(date -d "$cur_time" +%s 2>/dev/null) || fail repository-unreadable "error=\"cannot parse snapshot time $(one_line "$cur_time")\""
		count=$((count + 1))
		if ((epoch > best_epoch)); then
			best_epoch=$epoch best_id=$id best_time=$cur_time
		fi
		cur_time=
		;;
	esac
done < <(grep -oE '"(time|id)":"[^"]*"' "$WORK/snapshots.json" || true)

if [[ -z $best_id ]]; then
	fail no-snapshot "error=\"the repository has no snapshot\""
fi
[[ $best_id =~ ^[0-9a-f]{64}$ ]] || fail repository-unreadable "error=\"unexpected snapshot id $(one_line "$best_id")\""
SHORT=${best_id:0:8}
SNAP_TIME=$(date -u -d "@$best_epoch" +%Y-%m-%dT%H:%M:%SZ)
AGE=$((NOW - best_epoch))
if ((AGE < 0)); then
	log "snapshot time $best_time is $((-AGE))s in the future of now (clock skew?): age counted as 0"
	AGE=0
fi
log "newest snapshot $best_id time=$best_time age=${AGE}s (newest of $count host/path groups)"
if ((AGE > DRILL_MAX_AGE_SECONDS)); then
	fail stale snapshot="$SHORT" time="$SNAP_TIME" age="${AGE}s" max_age="${DRILL_MAX_AGE_SECONDS}s"
fi

# ------------------------------------------------ 2. the snapshot's content ----

log "step 2/5: restic stats --mode restore-size $SHORT"
rc=0
run_bg "$WORK/stats.json" "$WORK/stats.err" \
	restic "${RESTIC_GLOBAL[@]}" stats --mode restore-size --json "$best_id" || rc=$?
show_file "$WORK/stats.err"
((rc != 11)) || locked stats "$WORK/stats.err"
((rc == 0)) || fail stats-failed snapshot="$SHORT" exit=$rc "error=\"$(restic_error "$WORK/stats.err")\""
TOTAL_SIZE=$(grep -oE '"total_size":[0-9]+' "$WORK/stats.json" | head -n 1 | cut -d: -f2 || true)
STAT_FILES=$(grep -oE '"total_file_count":[0-9]+' "$WORK/stats.json" | head -n 1 | cut -d: -f2 || true)
# total_file_count is omitted by restic when it is 0.
TOTAL_SIZE=${TOTAL_SIZE:-0}
STAT_FILES=${STAT_FILES:-0}
log "restore size: $TOTAL_SIZE bytes in $STAT_FILES entries (files, directories and links)"
if ((STAT_FILES == 0 || TOTAL_SIZE == 0)); then
	fail empty-snapshot snapshot="$SHORT" time="$SNAP_TIME" age="${AGE}s" entries="$STAT_FILES" bytes="$TOTAL_SIZE"
fi

# The regular files of the snapshot (for the file count, the whole-restore check
# and the sample). `restic ls --long` prints "<mode> <uid> <gid> <size> <date>
# <time> <path>"; paths start with "/", so everything from there is the path.
rc=0
run_bg "$WORK/ls.txt" "$WORK/ls.err" restic "${RESTIC_GLOBAL[@]}" ls --long "$best_id" || rc=$?
show_file "$WORK/ls.err"
((rc != 11)) || locked ls "$WORK/ls.err"
((rc == 0)) || fail list-failed snapshot="$SHORT" exit=$rc "error=\"$(restic_error "$WORK/ls.err")\""
awk '
	$1 ~ /^(-|[ugt]+)[-r][-w][-xsStT][-r][-w][-xsStT][-r][-w][-xsStT]$/ {
		line = $0
		if (sub(/^[^ ]+ +[0-9]+ +[0-9]+ +[0-9]+ [^ ]+ [^ ]+ /, "", line) && substr(line, 1, 1) == "/")
			printf "%s\t%s\n", $4, line
	}' "$WORK/ls.txt" >"$WORK/files.tsv"
read -r FILES FILE_BYTES < <(awk -F '\t' '{ n++; s += $1 } END { printf "%d %d\n", n, s }' "$WORK/files.tsv")
log "regular files: $FILES ($FILE_BYTES bytes)"
if ((FILES == 0)); then
	fail empty-snapshot snapshot="$SHORT" time="$SNAP_TIME" age="${AGE}s" files=0 bytes="$TOTAL_SIZE"
fi

# ------------------------------------------- 3. restic check, one subset ----

log "step 3/5: restic check --read-data-subset=$K/$N"
rc=0
# (restic 0.18's check takes an exclusive lock: a backup starting meanwhile fails)
run_restic_logged check --read-data-subset="$K/$N" || rc=$?
((rc != 11)) || locked check "$WORK/restic.log"
((rc == 0)) || fail check-failed snapshot="$SHORT" subset="$K/$N" exit=$rc

# ------------------------------------------------------------ 4. restore ----

# Only user.* extended attributes, as VolSync's own restore does (backube/volsync
# v0.15.0 mover-restic/entry.sh:350): setting trusted.* or security.* needs
# CAP_SYS_ADMIN, and restic ignores a metadata EPERM only when euid > 0
# (restic v0.18.0 internal/fs/node.go NodeRestoreMetadata), so a drill running as
# uid 0 would report restore-failed for a volume that restores as VolSync would.
RESTORE_XATTRS=(--include-xattr 'user.*')

if ((TOTAL_SIZE <= DRILL_SCRATCH_BYTES)); then
	MODE=whole
	WANT_FILES=$FILES
	WANT_BYTES=$FILE_BYTES
	log "step 4/5: restore the whole snapshot ($TOTAL_SIZE <= $DRILL_SCRATCH_BYTES bytes) with --verify"
	rc=0
	run_restic_logged restore --verify "${RESTORE_XATTRS[@]}" --target "$RESTORE_DIR" "$best_id" || rc=$?
else
	MODE=sample
	# Files that fit the budget, in restic's (name) order, starting at an offset
	# that moves with the subset k, so successive drills sample different parts.
	awk -F '\t' -v budget="$DRILL_SCRATCH_BYTES" -v k="$K" -v n_sub="$N" -v max="$DRILL_SAMPLE_MAX_FILES" '
		BEGIN { c = 0; picked = 0 }
		$1 > 0 && $1 <= budget + 0 && $2 != "" && $2 !~ /[ \t\r]$/ { size[c] = $1 + 0; path[c] = $2; c++ }
		END {
			if (c == 0) exit
			start = int((k - 1) * c / n_sub)
			left = budget
			for (j = 0; j < c && picked < max && left > 0; j++) {
				i = (start + j) % c
				if (size[i] <= left) { printf "%s\t%s\n", size[i], path[i]; left -= size[i]; picked++ }
			}
		}' "$WORK/files.tsv" >"$WORK/sample.tsv"
	read -r WANT_FILES WANT_BYTES < <(awk -F '\t' '{ n++; s += $1 } END { printf "%d %d\n", n, s }' "$WORK/sample.tsv")
	if ((WANT_FILES == 0)); then
		fail no-sample snapshot="$SHORT" bytes="$TOTAL_SIZE" budget="$DRILL_SCRATCH_BYTES" "error=\"no non-empty file fits the scratch budget\""
	fi
	: >"$WORK/include.txt"
	while IFS=$'\t' read -r _ p; do
		include_pattern "$p" >>"$WORK/include.txt"
	done <"$WORK/sample.tsv"
	# An include file without patterns would restore everything.
	if (($(grep -c . "$WORK/include.txt" || true) != WANT_FILES)); then
		fail internal-error "error=\"sample include list does not hold $WANT_FILES patterns\""
	fi
	log "step 4/5: restore a sample of $WANT_FILES files ($WANT_BYTES bytes; the snapshot holds $TOTAL_SIZE > $DRILL_SCRATCH_BYTES bytes) with --verify"
	cut -f 2 "$WORK/sample.tsv" | sed 's/^/  sample: /' | limit_output
	rc=0
	run_restic_logged restore --verify "${RESTORE_XATTRS[@]}" --target "$RESTORE_DIR" --include-file "$WORK/include.txt" "$best_id" || rc=$?
fi
((rc != 11)) || locked restore "$WORK/restic.log"
((rc == 0)) || fail restore-failed snapshot="$SHORT" mode=$MODE exit=$rc

GOT_FILES=0 GOT_BYTES=0
if [[ -d $RESTORE_DIR ]]; then
	read -r GOT_FILES GOT_BYTES < <(count_tree "$RESTORE_DIR")
fi
log "restored $GOT_FILES files, $GOT_BYTES bytes (asked for $WANT_FILES files, $WANT_BYTES bytes)"
if ((GOT_BYTES == 0 || GOT_FILES != WANT_FILES || GOT_BYTES != WANT_BYTES)); then
	fail restore-mismatch snapshot="$SHORT" mode=$MODE files="$GOT_FILES/$WANT_FILES" bytes="$GOT_BYTES/$WANT_BYTES"
fi

# ------------------------------------------- 5. SQLite files that restored ----

# Volumes are snapshotted live, with no quiesce hook (VolSyncSpecs): restic's bytes can be intact while an app's
# SQLite database in them is not (Home Assistant's recorder came back corrupt: shared reference
# docs/field-incidents-2026.md §C, incident 27). So every restored file that starts with the SQLite header ("SQLite
# format 3" and a NUL: sqlite.org/fileformat.html §1.3.1) gets `PRAGMA integrity_check` (sqlite.org/pragma.html),
# opened read-write like the app would, so a -wal file restored next to it is read too (scratch copies only).
# VolSync's mover image has no sqlite3: then the verdict says sqlite=unchecked, never a silent pass; drills.image
# names an image with both restic and sqlite3 (README, Restore drills). DRILL_SQLITE3 names the binary.
SQLITE3=${DRILL_SQLITE3:-sqlite3}
: >"$WORK/sqlite.txt"
if command -v find >/dev/null 2>&1; then
	find "$RESTORE_DIR" -type f -size +99c -print0 2>/dev/null
else
	shopt -s globstar dotglob nullglob
	for f in "$RESTORE_DIR"/**; do [[ -f $f && ! -L $f ]] && printf '%s\0' "$f"; done
	shopt -u globstar dotglob nullglob
fi | while IFS= read -r -d '' f; do
	# (a database file is at least one 512-byte page; the header is its first 16 bytes)
	[[ $(head -c 16 "$f" 2>/dev/null | tr '\0' '@') == 'SQLite format 3@' ]] && printf '%s\n' "$f"
done >"$WORK/sqlite.txt" || true
SQLITE_FILES=$(grep -c . "$WORK/sqlite.txt" || true)
if ((SQLITE_FILES == 0)); then
	SQLITE=none
elif ! command -v "$SQLITE3" >/dev/null 2>&1; then
	SQLITE="unchecked sqlite_files=$SQLITE_FILES"
	log "step 5/5: $SQLITE_FILES SQLite file(s) restored, NOT checked: no $SQLITE3 in this image (set drills.image to one with restic and sqlite3)"
	sed "s#^$RESTORE_DIR#  sqlite: #" "$WORK/sqlite.txt" | limit_output
else
	log "step 5/5: PRAGMA integrity_check on $SQLITE_FILES SQLite file(s) ($("$SQLITE3" -version 2>/dev/null | cut -d' ' -f1))"
	while IFS= read -r f; do
		rel=${f#"$RESTORE_DIR"}
		rc=0
		run_bg "$WORK/sqlite.out" - "$SQLITE3" -batch -bail "$f" 'PRAGMA integrity_check;' || rc=$?
		# A sound database answers exactly "ok"; otherwise up to 100 problem lines, or an error and exit 1.
		if ((rc != 0)) || [[ $(cat "$WORK/sqlite.out") != ok ]]; then
			show_file "$WORK/sqlite.out"
			fail sqlite-corrupt snapshot="$SHORT" "file=\"$(one_line "$rel")\"" exit=$rc "error=\"$(one_line "$(head -n 3 "$WORK/sqlite.out")")\""
		fi
		log "  sqlite ok: $rel"
	done <"$WORK/sqlite.txt"
	SQLITE="ok sqlite_files=$SQLITE_FILES"
fi

rm -rf "$WORK"
verdict "drill PASS app=$APP snapshot=$SHORT time=$SNAP_TIME age=${AGE}s files=$FILES bytes=$TOTAL_SIZE mode=$MODE subset=$K/$N sqlite=$SQLITE $IDENTITY" 0
