#!/bin/bash
# Restore drill for a VolSync Kopia repository (perfectra1n's VolSync fork, S3
# backend; written against kopia v0.22.3, the version that fork's mover builds).
#
# Needs only bash, coreutils and kopia (no jq, grep, sed or awk), and writes only
# under DRILL_SCRATCH (the root filesystem is read-only). It proves, in order, that
#   0. the repository is the one the last passing drill saw (its unique id) and still
#      holds the history the retention keeps (EXPECTED_REPOSITORY_ID, EXPECTED_OLDEST),
#   1. the repository connects (read-only) with the password and its newest
#      complete snapshot, over all users and hosts, is recent,
#   2. that snapshot is not empty,
#   3. `kopia snapshot verify --verify-files-percent=P` passes,
#   4. the snapshot (or, when it is bigger than DRILL_SCRATCH_BYTES, a rotating
#      sample of its files) restores, and what landed on disk is exactly what the
#      snapshot says (file count and bytes).
# The last line of stdout is the verdict (also written to the Kubernetes
# termination log):
#   drill PASS app=<app> snapshot=<short id> time=<RFC3339> age=<n>s files=<n> bytes=<n> mode=<whole|sample> subset=<P>% repository=<unique id> snapshots=<n> oldest=<RFC3339|none>
#   drill FAIL app=<app> reason=<reason> <detail...>
# Exit 0 on PASS, 1 on FAIL. See drills/README.md for the environment contract.
set -Eeuo pipefail

APP=${DRILL_APP:-}
TERMINATION_LOG=${DRILL_TERMINATION_LOG:-/dev/termination-log}
DONE=0
ERR_LINE=
RESTORE_DIR=
KOPIA_CONNECTED=0

# ---------------------------------------------------------------- verdict ----

cleanup_restore() {
	if [[ -n $RESTORE_DIR && -e $RESTORE_DIR ]]; then
		chmod -R u+rwX "$RESTORE_DIR" 2>/dev/null || true
		rm -rf "$RESTORE_DIR" 2>/dev/null || true
	fi
}

# disconnect removes the connection (config, cached credentials) from scratch.
disconnect() {
	if ((KOPIA_CONNECTED)); then
		KOPIA_CONNECTED=0
		kopia "${KOPIA_GLOBAL[@]}" repository disconnect >/dev/null 2>&1 || true
	fi
}

verdict() {
	local line=$1 code=$2
	DONE=1
	cleanup_restore
	disconnect
	printf '%s\n' "$line"
	if [[ -n $TERMINATION_LOG && -w $TERMINATION_LOG ]]; then
		printf '%s\n' "$line" >"$TERMINATION_LOG" 2>/dev/null || true
	fi
	exit "$code"
}

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
		DONE=1
		cleanup_restore
		disconnect
		local line="drill FAIL app=${APP:-unknown} reason=internal-error exit=$rc${ERR_LINE:+ line=$ERR_LINE}"
		printf '%s\n' "$line"
		if [[ -n $TERMINATION_LOG && -w $TERMINATION_LOG ]]; then
			printf '%s\n' "$line" >"$TERMINATION_LOG" 2>/dev/null || true
		fi
		exit 1
	fi
}
trap 'ERR_LINE=$LINENO' ERR
trap on_exit EXIT
trap 'fail terminated signal=TERM' TERM
trap 'fail terminated signal=INT' INT

# ---------------------------------------------------------------- helpers ----

log() { printf 'drill: %s\n' "$*"; }

one_line() {
	local s=${1//$'\n'/ }
	s=${s//$'\r'/ }
	s=${s//\"/\'}
	if ((${#s} > 240)); then
		s="${s:0:240}..."
	fi
	printf '%s' "$s"
}

# limit_output: pass lines through (indented), keeping only the first HEAD and
# the last TAIL lines of a long output.
limit_output() {
	local n=0 line i first
	local -a ring=()
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + 1))
		if ((n <= LOG_HEAD)); then
			printf '  %s\n' "$line"
		else
			ring[n % LOG_TAIL]=$line
		fi
	done
	if ((n > LOG_HEAD)); then
		first=$((n - LOG_TAIL + 1))
		((first > LOG_HEAD)) || first=$((LOG_HEAD + 1))
		if ((first > LOG_HEAD + 1)); then
			printf '  [... %d lines omitted ...]\n' $((first - LOG_HEAD - 1))
		fi
		for ((i = first; i <= n; i++)); do
			printf '  %s\n' "${ring[i % LOG_TAIL]}"
		done
	fi
}

show_file() {
	if [[ -s $1 ]]; then
		limit_output <"$1"
	fi
}

# last_error FILE: the most telling line of a kopia error output.
last_error() {
	local line best='' any=''
	while IFS= read -r line || [[ -n $line ]]; do
		[[ $line =~ [^[:space:]] ]] || continue
		any=$line
		if [[ $line == *ERROR* || $line == *rror* ]]; then
			best=$line
		fi
	done <"$1"
	one_line "${best:-$any}"
}

# run_kopia_logged ARGS...: kopia with its output visible (limited); returns
# kopia's exit status. Call as `run_kopia_logged ... || rc=$?`.
run_kopia_logged() {
	kopia "${KOPIA_GLOBAL[@]}" "$@" 2>&1 | limit_output
	return "${PIPESTATUS[0]}"
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# count_tree DIR: "<regular files> <bytes>" below DIR (symlinks not followed).
count_tree() {
	local n=0 s=0 f
	shopt -s globstar dotglob nullglob
	for f in "$1"/**; do
		if [[ -f $f && ! -L $f ]]; then
			n=$((n + 1))
			s=$((s + $(stat -c '%s' "$f")))
		fi
	done
	shopt -u globstar dotglob nullglob
	printf '%d %d\n' "$n" "$s"
}

# ------------------------------------------------------------------ config ----

: "${DRILL_MAX_AGE_SECONDS:=129600}"
: "${DRILL_EVERY_DAYS:=7}"
: "${DRILL_READ_SUBSETS:=12}"
: "${DRILL_VERIFY_PERCENT:=10}"
: "${DRILL_SCRATCH_BYTES:=1073741824}"
: "${DRILL_CONNECT_TIMEOUT:=300}"
: "${DRILL_SAMPLE_MAX_FILES:=20}"
: "${DRILL_KOPIA_CACHE_MB:=256}"
: "${DRILL_KEEP_SECONDS:=0}"
: "${DRILL_KEEP_BUCKET_SECONDS:=0}"
EXPECTED_REPOSITORY_ID=${EXPECTED_REPOSITORY_ID:-}
EXPECTED_OLDEST=${EXPECTED_OLDEST:-}
LOG_HEAD=${DRILL_LOG_HEAD_LINES:-60}
LOG_TAIL=${DRILL_LOG_TAIL_LINES:-40}

if [[ -z $APP && -n ${KOPIA_REPOSITORY:-} ]]; then
	APP=${KOPIA_REPOSITORY%/}
	APP=${APP##*/}
fi
[[ -n ${KOPIA_REPOSITORY:-} ]] || fail config missing=KOPIA_REPOSITORY
[[ -n ${KOPIA_PASSWORD:-} ]] || fail config missing=KOPIA_PASSWORD
[[ -n ${DRILL_SCRATCH:-} ]] || fail config missing=DRILL_SCRATCH
for v in DRILL_KEEP_SECONDS DRILL_KEEP_BUCKET_SECONDS DRILL_MAX_AGE_SECONDS DRILL_EVERY_DAYS DRILL_READ_SUBSETS DRILL_SCRATCH_BYTES DRILL_CONNECT_TIMEOUT DRILL_SAMPLE_MAX_FILES DRILL_KOPIA_CACHE_MB LOG_HEAD LOG_TAIL; do
	is_uint "${!v}" || fail config "invalid=$v value=\"$(one_line "${!v}")\""
done
[[ $DRILL_VERIFY_PERCENT =~ ^([0-9]+(\.[0-9]+)?|\.[0-9]+)$ ]] ||
	fail config invalid=DRILL_VERIFY_PERCENT value="\"$(one_line "$DRILL_VERIFY_PERCENT")\""
((DRILL_EVERY_DAYS >= 1)) || fail config invalid=DRILL_EVERY_DAYS value="$DRILL_EVERY_DAYS"
((DRILL_READ_SUBSETS >= 1)) || fail config invalid=DRILL_READ_SUBSETS value="$DRILL_READ_SUBSETS"
((LOG_TAIL >= 1)) || LOG_TAIL=1
((DRILL_SAMPLE_MAX_FILES >= 1)) || DRILL_SAMPLE_MAX_FILES=1
if [[ -n ${DRILL_NOW:-} ]]; then
	is_uint "$DRILL_NOW" || fail config invalid=DRILL_NOW value="\"$(one_line "$DRILL_NOW")\""
	NOW=$DRILL_NOW
else
	NOW=$(date +%s)
fi
if [[ -n $EXPECTED_REPOSITORY_ID && ! $EXPECTED_REPOSITORY_ID =~ ^[0-9a-f]{64}$ ]]; then
	fail config invalid=EXPECTED_REPOSITORY_ID value="\"$(one_line "$EXPECTED_REPOSITORY_ID")\""
fi
# Kopia has no k/N pack subsets; k only rotates which files a sample restores.
N=$DRILL_READ_SUBSETS
if [[ -n ${DRILL_SUBSET:-} ]]; then
	if ! is_uint "$DRILL_SUBSET" || ((DRILL_SUBSET < 1 || DRILL_SUBSET > N)); then
		fail config invalid=DRILL_SUBSET value="\"$(one_line "$DRILL_SUBSET")\"" subsets="$N"
	fi
	K=$DRILL_SUBSET
else
	K=$(((NOW / (DRILL_EVERY_DAYS * 86400)) % N + 1))
fi

# s3://<bucket>/<prefix>/ (the form VolSync's Kopia mover uses).
if [[ $KOPIA_REPOSITORY =~ ^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/?(.*)$ ]]; then
	BUCKET=${BASH_REMATCH[1]}
	PREFIX=${BASH_REMATCH[2]}
else
	fail config "error=\"KOPIA_REPOSITORY is not s3://<bucket>/<prefix>/: $(one_line "$KOPIA_REPOSITORY")\""
fi
while [[ $PREFIX == *//* ]]; do PREFIX=${PREFIX//\/\//\/}; done
if [[ -n $PREFIX && $PREFIX != */ ]]; then
	PREFIX+=/ # a prefix without the slash would name objects "<prefix>kopia.repository"
fi
ENDPOINT=${KOPIA_S3_ENDPOINT:-${AWS_S3_ENDPOINT:-s3.amazonaws.com}}
ENDPOINT=${ENDPOINT#http://}
ENDPOINT=${ENDPOINT#https://}
ENDPOINT=${ENDPOINT%/}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[[ -n ${AWS_ACCESS_KEY_ID:-} ]] || fail config missing=AWS_ACCESS_KEY_ID
[[ -n ${AWS_SECRET_ACCESS_KEY:-} ]] || fail config missing=AWS_SECRET_ACCESS_KEY

mkdir -p "$DRILL_SCRATCH" 2>/dev/null || fail config "scratch=\"$(one_line "$DRILL_SCRATCH")\"" error=cannot-create
[[ -w $DRILL_SCRATCH ]] || fail config "scratch=\"$(one_line "$DRILL_SCRATCH")\"" error=not-writable
WORK=$DRILL_SCRATCH/drill-work
RESTORE_DIR=$DRILL_SCRATCH/restore
KDIR=$DRILL_SCRATCH/kopia
cleanup_restore
rm -rf "$WORK" "$KDIR/repository.config" "$KDIR/repository.config.kopia-password"
mkdir -p "$WORK" "$DRILL_SCRATCH/tmp" "$KDIR/cache" "$KDIR/logs"
export TMPDIR=$DRILL_SCRATCH/tmp
export XDG_CACHE_HOME=$DRILL_SCRATCH/.cache
export XDG_CONFIG_HOME=$DRILL_SCRATCH/.config
export KOPIA_CHECK_FOR_UPDATES=false
export KOPIA_CACHE_DIRECTORY=$KDIR/cache
export KOPIA_LOG_DIR=$KDIR/logs
unset KOPIA_CONFIG_PATH 2>/dev/null || true

KOPIA_GLOBAL=(--config-file="$KDIR/repository.config" --log-dir="$KDIR/logs" --no-progress --no-auto-maintenance)

command -v kopia >/dev/null 2>&1 || fail config missing=kopia-binary
log "app=$APP repository=$KOPIA_REPOSITORY endpoint=$ENDPOINT $(kopia --version 2>/dev/null | head -n 1 || true)"
log "now=$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%SZ) max_age=${DRILL_MAX_AGE_SECONDS}s verify_percent=$DRILL_VERIFY_PERCENT sample_rotation=$K/$N scratch_budget=${DRILL_SCRATCH_BYTES}B"

# ------------------------------------------- 1. connect, newest snapshot ----

log "step 1/4: kopia repository connect s3 --readonly, kopia snapshot list --all --json"
connect=(repository connect s3 --bucket="$BUCKET" --endpoint="$ENDPOINT" --readonly
	--no-check-for-updates --cache-directory="$KDIR/cache"
	--content-cache-size-mb="$DRILL_KOPIA_CACHE_MB" --metadata-cache-size-mb="$DRILL_KOPIA_CACHE_MB")
[[ -z $PREFIX ]] || connect+=(--prefix="$PREFIX")
[[ -z $REGION ]] || connect+=(--region="$REGION")
if [[ ${KOPIA_S3_DISABLE_TLS:-} == true || ${AWS_S3_DISABLE_TLS:-} == true ]]; then
	connect+=(--disable-tls)
fi
if [[ -n ${DRILL_CA_FILE:-} && -f $DRILL_CA_FILE ]]; then
	connect+=(--root-ca-pem-path="$DRILL_CA_FILE")
fi
# The access key and secret come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
# (kopia reads them itself, so they are not on the command line), the password
# from KOPIA_PASSWORD; --no-persist-credentials keeps it out of the config.
rc=0
timeout "$DRILL_CONNECT_TIMEOUT" kopia "${KOPIA_GLOBAL[@]}" --no-persist-credentials "${connect[@]}" \
	>"$WORK/connect.log" 2>&1 || rc=$?
show_file "$WORK/connect.log"
if ((rc != 0)); then
	if ((rc == 124)); then
		fail repository-unreadable exit=timeout "error=\"no answer within ${DRILL_CONNECT_TIMEOUT}s\""
	fi
	fail repository-unreadable exit=$rc "error=\"$(last_error "$WORK/connect.log")\""
fi
KOPIA_CONNECTED=1

# The repository's identity (drills/README.md "Repository identity"): its unique id, 32 random bytes written once when
# the repository is created (kopia v0.22.3 repo/format/format_manager.go UniqueIDLengthBytes, repo/initialize.go),
# printed as uniqueIDHex by `kopia repository status --json` (cli/command_repository_status.go outputJSON; one line,
# cli/json_output.go jsonBytes). A wiped prefix that a mover initialised again has another one.
rc=0
kopia "${KOPIA_GLOBAL[@]}" repository status --json >"$WORK/status.json" 2>"$WORK/status.err" || rc=$?
show_file "$WORK/status.err"
((rc == 0)) || fail repository-unreadable exit=$rc "error=\"$(last_error "$WORK/status.err")\""
re_unique='"uniqueIDHex":"([0-9a-f]{64})"'
REPO_ID=
while IFS= read -r line || [[ -n $line ]]; do
	if [[ $line =~ $re_unique ]]; then
		REPO_ID=${BASH_REMATCH[1]}
		break
	fi
done <"$WORK/status.json"
[[ -n $REPO_ID ]] || fail repository-unreadable "error=\"no uniqueIDHex in kopia repository status --json\""
if [[ -n $EXPECTED_REPOSITORY_ID && $REPO_ID != "$EXPECTED_REPOSITORY_ID" ]]; then
	log "the repository's unique id is not the recorded $EXPECTED_REPOSITORY_ID: it was deleted and created again, or the prefix now names another repository"
	REPLACED=1
else
	REPLACED=0
fi

rc=0
kopia "${KOPIA_GLOBAL[@]}" snapshot list --all --json >"$WORK/snapshots.json" 2>"$WORK/snapshots.err" || rc=$?
show_file "$WORK/snapshots.err"
((rc == 0)) || fail repository-unreadable exit=$rc "error=\"$(last_error "$WORK/snapshots.err")\""

# kopia prints the list as "[", then one manifest per line (" {...}" and
# ",\n {...}"), then "]". Keys are matched with their quotes: inside a JSON
# string every " is escaped, so these patterns only match real keys.
re_id='^[[,]?[[:space:]]*\{"id":"([0-9a-f]+)"'
re_start='"startTime":"([^"]+)"'
re_incomplete='"incomplete":"[^"]*","rootEntry":'
re_summ='"summ":\{"size":([0-9]+),"files":([0-9]+)'
re_stats='"stats":\{"totalSize":([0-9]+),[^}]*"fileCount":([0-9]+)'
re_src='"source":\{"host":"([^"]*)","userName":"([^"]*)","path":"([^"]*)"'
best_id='' best_epoch=-1 best_start='' best_size=0 best_files=0 best_src=''
count=0 incomplete=0 oldest_epoch=-1
while IFS= read -r line || [[ -n $line ]]; do
	[[ $line =~ $re_id ]] || continue
	id=${BASH_REMATCH[1]}
	if [[ $line =~ $re_incomplete ]]; then
		incomplete=$((incomplete + 1))
		continue
	fi
	[[ $line =~ $re_start ]] || fail repository-unreadable "error=\"snapshot $id has no startTime\""
	start=${BASH_REMATCH[1]}
	epoch=$(date -d "$start" +%s 2>/dev/null) || fail repository-unreadable "error=\"cannot parse snapshot time $(one_line "$start")\""
	count=$((count + 1))
	if ((oldest_epoch < 0 || epoch < oldest_epoch)); then oldest_epoch=$epoch; fi
	if ((epoch > best_epoch)); then
		best_epoch=$epoch best_id=$id best_start=$start best_size=0 best_files=0 best_src=''
		if [[ $line =~ $re_summ ]] || [[ $line =~ $re_stats ]]; then
			best_size=${BASH_REMATCH[1]} best_files=${BASH_REMATCH[2]}
		fi
		if [[ $line =~ $re_src ]]; then
			best_src="${BASH_REMATCH[2]}@${BASH_REMATCH[1]}:${BASH_REMATCH[3]}"
		fi
	fi
done <"$WORK/snapshots.json"

if ((oldest_epoch >= 0)); then
	OLDEST=$(date -u -d "@$oldest_epoch" +%Y-%m-%dT%H:%M:%SZ)
else
	OLDEST=none
fi
IDENTITY="repository=$REPO_ID snapshots=$count oldest=$OLDEST"
log "repository unique id $REPO_ID; $count complete snapshot(s), the oldest $OLDEST"
if ((REPLACED)); then
	fail repository-replaced expected="$EXPECTED_REPOSITORY_ID" found="$REPO_ID" snapshots="$count" oldest="$OLDEST"
fi
# The same repository, but the recorded oldest snapshot vanished while the policy still keeps it (the rule and its
# numbers as in restic-drill.sh; DrillPlan derives them from the policy).
if [[ -n $EXPECTED_OLDEST ]] && ((DRILL_KEEP_SECONDS > 0)); then
	recorded=$(date -d "$EXPECTED_OLDEST" +%s 2>/dev/null) || fail config invalid=EXPECTED_OLDEST value="\"$(one_line "$EXPECTED_OLDEST")\""
	if ((NOW - recorded < DRILL_KEEP_SECONDS)) && { ((count == 0)) || ((oldest_epoch - recorded >= DRILL_KEEP_BUCKET_SECONDS && oldest_epoch > recorded)); }; then
		fail history-lost repository="$REPO_ID" recorded_oldest="$(date -u -d "@$recorded" +%Y-%m-%dT%H:%M:%SZ)" oldest="$OLDEST" snapshots="$count" keep="${DRILL_KEEP_SECONDS}s"
	fi
fi

if [[ -z $best_id ]]; then
	fail no-snapshot "error=\"the repository has no complete snapshot\"" incomplete="$incomplete"
fi
SHORT=${best_id:0:8}
SNAP_TIME=$(date -u -d "@$best_epoch" +%Y-%m-%dT%H:%M:%SZ)
AGE=$((NOW - best_epoch))
if ((AGE < 0)); then
	log "snapshot time $best_start is $((-AGE))s in the future of now (clock skew?): age counted as 0"
	AGE=0
fi
log "newest snapshot $best_id of $best_src startTime=$best_start age=${AGE}s (of $count complete snapshots, $incomplete incomplete skipped)"
if ((AGE > DRILL_MAX_AGE_SECONDS)); then
	fail stale snapshot="$SHORT" time="$SNAP_TIME" age="${AGE}s" max_age="${DRILL_MAX_AGE_SECONDS}s"
fi

# ------------------------------------------------ 2. the snapshot's content ----

log "step 2/4: snapshot holds $best_files files, $best_size bytes"
if ((best_files == 0 || best_size == 0)); then
	fail empty-snapshot snapshot="$SHORT" time="$SNAP_TIME" age="${AGE}s" files="$best_files" bytes="$best_size"
fi

# ---------------------------------------------------- 3. snapshot verify ----

log "step 3/4: kopia snapshot verify --verify-files-percent=$DRILL_VERIFY_PERCENT (all snapshots)"
rc=0
run_kopia_logged snapshot verify --verify-files-percent="$DRILL_VERIFY_PERCENT" || rc=$?
((rc == 0)) || fail verify-failed snapshot="$SHORT" percent="$DRILL_VERIFY_PERCENT" exit=$rc

# ------------------------------------------------------------ 4. restore ----

if ((best_size <= DRILL_SCRATCH_BYTES)); then
	MODE=whole
	WANT_FILES=$best_files
	WANT_BYTES=$best_size
	log "step 4/4: restore the whole snapshot ($best_size <= $DRILL_SCRATCH_BYTES bytes)"
	rc=0
	run_kopia_logged snapshot restore --mode=local "$best_id" "$RESTORE_DIR" || rc=$?
	((rc == 0)) || fail restore-failed snapshot="$SHORT" mode=$MODE exit=$rc
else
	MODE=sample
	# `kopia ls -l -r` lines: "<mode> <size> <date> <time> <zone> <object id> <path>".
	rc=0
	kopia "${KOPIA_GLOBAL[@]}" ls -l -r "$best_id" >"$WORK/ls.txt" 2>"$WORK/ls.err" || rc=$?
	show_file "$WORK/ls.err"
	((rc == 0)) || fail list-failed snapshot="$SHORT" exit=$rc "error=\"$(last_error "$WORK/ls.err")\""
	re_file='^(-|[ugt]+)[-r][-w][-x][-r][-w][-x][-r][-w][-x][[:space:]]+([0-9]+) [^ ]+ [^ ]+ [^ ]+ ([^ ]+) +(.*)$'
	sizes=() oids=() paths=()
	while IFS= read -r line || [[ -n $line ]]; do
		[[ $line =~ $re_file ]] || continue
		size=${BASH_REMATCH[2]}
		if ((size > 0 && size <= DRILL_SCRATCH_BYTES)); then
			sizes+=("$size")
			oids+=("${BASH_REMATCH[3]}")
			paths+=("${BASH_REMATCH[4]}")
		fi
	done <"$WORK/ls.txt"
	c=${#sizes[@]}
	((c > 0)) || fail no-sample snapshot="$SHORT" bytes="$best_size" budget="$DRILL_SCRATCH_BYTES" "error=\"no non-empty file fits the scratch budget\""
	# Files in kopia's (name) order from an offset that moves with k.
	start=$(((K - 1) * c / N))
	left=$DRILL_SCRATCH_BYTES
	WANT_FILES=0 WANT_BYTES=0
	mkdir -p "$RESTORE_DIR"
	log "step 4/4: restore a sample of files (the snapshot holds $best_size > $DRILL_SCRATCH_BYTES bytes)"
	for ((j = 0; j < c && WANT_FILES < DRILL_SAMPLE_MAX_FILES && left > 0; j++)); do
		i=$(((start + j) % c))
		((sizes[i] <= left)) || continue
		target=$RESTORE_DIR/$(printf 'sample-%05d' "$WANT_FILES")
		log "sample: ${paths[i]} (${sizes[i]} bytes, object ${oids[i]})"
		rc=0
		# A file's object ID restores that one file to the target path (kopia
		# finds no snapshot with that root and reads the object as a file).
		run_kopia_logged snapshot restore --mode=local "${oids[i]}" "$target" || rc=$?
		((rc == 0)) || fail restore-failed snapshot="$SHORT" mode=$MODE exit=$rc "file=\"$(one_line "${paths[i]}")\""
		if [[ ! -f $target ]] || (($(stat -c '%s' "$target") != sizes[i])); then
			fail restore-mismatch snapshot="$SHORT" mode=$MODE "file=\"$(one_line "${paths[i]}")\"" "error=\"restored file is missing or has the wrong size\""
		fi
		left=$((left - sizes[i]))
		WANT_FILES=$((WANT_FILES + 1))
		WANT_BYTES=$((WANT_BYTES + sizes[i]))
	done
fi

GOT_FILES=0 GOT_BYTES=0
if [[ -d $RESTORE_DIR ]]; then
	read -r GOT_FILES GOT_BYTES < <(count_tree "$RESTORE_DIR")
fi
log "restored $GOT_FILES files, $GOT_BYTES bytes (asked for $WANT_FILES files, $WANT_BYTES bytes)"
if ((GOT_BYTES == 0 || GOT_FILES != WANT_FILES || GOT_BYTES != WANT_BYTES)); then
	fail restore-mismatch snapshot="$SHORT" mode=$MODE files="$GOT_FILES/$WANT_FILES" bytes="$GOT_BYTES/$WANT_BYTES"
fi

rm -rf "$WORK"
verdict "drill PASS app=$APP snapshot=$SHORT time=$SNAP_TIME age=${AGE}s files=$best_files bytes=$best_size mode=$MODE subset=${DRILL_VERIFY_PERCENT}% $IDENTITY" 0
