#!/bin/bash
# Runs the restore check (drills/restore-check.sh) for real: restic v0.18.0 against the loopback S3 server
# (drills/test/s3server on 127.0.0.1), with snapshots made at known times, as the VolSync mover makes them (`restic
# backup .` in a directory whose path holds /data, host volsync).
#
#   bash drills/test/restore-check.sh        (from the repository root; tools as for drills/test/run.sh)
#
# Where the VolSync source is mirrored (VOLSYNC_MIRROR, a git dir holding tag v0.15.0), the same cases also run
# entry.sh's own select_restic_snapshot_to_restore, taken from the tag at test time, and the check must pick the same
# snapshot; without the mirror that comparison is skipped (and says so).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DRILLS=$(cd "$HERE/.." && pwd)
CHECK=$DRILLS/restore-check.sh
export TZ=UTC

PASSED=0
FAILED=0
S3PID=
ok() { PASSED=$((PASSED + 1)); printf 'ok %s\n' "$1"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$1"; shift; printf '    %s\n' "$@"; }

# shellcheck source-path=SCRIPTDIR source=../../scripts/test-tools.sh
source "$HERE/../../scripts/test-tools.sh"
RESTIC=$(test_tools_restic)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/restore-check-test.XXXXXX")
cleanup() {
	if [[ -n $S3PID ]]; then
		kill "$S3PID" 2>/dev/null || true
		wait "$S3PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
S3ROOT=$WORK/s3
S3PID=$(test_tools_start_s3 "$S3ROOT" volsync "$WORK/s3.port" "$WORK/s3.log")
PORT=$(tr -d '[:space:]' <"$WORK/s3.port")
echo "s3server: pid $S3PID on 127.0.0.1:$PORT"
BIN=$WORK/bin
mkdir -p "$BIN"
cp "$RESTIC" "$BIN/restic"
PASSWORD=check-test-password
repo_url() { printf 's3:http://127.0.0.1:%s/volsync/check-test/%s' "$PORT" "$1"; }
s3env=(AWS_ACCESS_KEY_ID=check AWS_SECRET_ACCESS_KEY=check AWS_DEFAULT_REGION=us-east-1)
srestic() { # APP ARGS...: the test's own restic (the mover's part)
	local app=$1
	shift
	env "${s3env[@]}" RESTIC_REPOSITORY="$(repo_url "$app")" RESTIC_PASSWORD=$PASSWORD \
		"$BIN/restic" --cache-dir "$WORK/setup-cache" "$@"
}
bucket_digest() { (cd "$S3ROOT" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

# ---- repositories: "three" has snapshots at three known times; "empty" is initialised with none ----
DATA=$WORK/mover/data
mkdir -p "$DATA"
srestic three init -q >/dev/null
declare -A SNAP
for t in "2026-01-01 02:00:00" "2026-01-02 02:00:00" "2026-01-03 02:00:00"; do
	echo "written before $t" >"$DATA/file"
	(cd "$DATA" && srestic three backup --host volsync --time "$t" -q .) >/dev/null
	SNAP[$t]=$(srestic three snapshots --json | python3 -c 'import json,sys; print([s["short_id"] for s in json.load(sys.stdin) if s["time"].startswith(sys.argv[1].replace(" ","T"))][0])' "$t")
done
# A snapshot of another path (not /data): entry.sh's `grep /data` never selects it.
mkdir -p "$WORK/elsewhere"
(cd "$WORK/elsewhere" && echo x >f && srestic three backup --host volsync --time "2026-01-04 02:00:00" -q .) >/dev/null
srestic empty init -q >/dev/null
echo "snapshots: ${SNAP[*]}"

# check NAME WANT_EXIT WANT_VERDICT_RE ENV...: one run of the check with the repository's env and ENV.
check() {
	local name=$1 want=$2 re=$3 rc=0 out
	shift 3
	out=$(env -i PATH="$BIN:/usr/bin:/bin" TZ=UTC HOME="$WORK/home" "${s3env[@]}" RESTIC_PASSWORD=$PASSWORD \
		CHECK_TERMINATION_LOG="$WORK/termination-log" "$@" bash "$CHECK" 2>&1) || rc=$?
	local last
	last=$(tail -n 1 <<<"$out")
	if [[ $rc == "$want" && $last =~ $re && $(cat "$WORK/termination-log" 2>/dev/null) == "$last" ]]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc (want $want), verdict: $last" "want: $re" "termination log: $(cat "$WORK/termination-log" 2>/dev/null)"
	fi
	rm -f "$WORK/termination-log"
	touch "$WORK/termination-log"
}
touch "$WORK/termination-log"
mkdir -p "$WORK/home"
chmod 0555 "$WORK/home" # the pod's root filesystem is read-only: the check writes nothing (no cache, no lock)

T1=${SNAP["2026-01-01 02:00:00"]}
T2=${SNAP["2026-01-02 02:00:00"]}
T3=${SNAP["2026-01-03 02:00:00"]}
before=$(bucket_digest)

check "latest -> the newest /data snapshot" 0 \
	"^restore-check PASS app=three point=latest snapshot=$T3 time=2026-01-03T02:00:00Z\$" \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three
check "as of a time between backups -> the one before it" 0 \
	"^restore-check PASS app=three point=2026-01-02T12:00:00Z snapshot=$T2 time=2026-01-02T02:00:00Z\$" \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three CHECK_POINT=2026-01-02T12:00:00Z RESTORE_AS_OF=2026-01-02T12:00:00Z
check "as of exactly a backup's second -> that backup (<=, entry.sh l.303)" 0 \
	"^restore-check PASS app=three point=2026-01-02T02:00:00Z snapshot=$T2 " \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three CHECK_POINT=2026-01-02T02:00:00Z RESTORE_AS_OF=2026-01-02T02:00:00Z
check "as of before the first backup -> FAIL no-eligible-snapshot" 1 \
	"^restore-check FAIL app=three point=2025-12-31T00:00:00Z reason=no-eligible-snapshot " \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three CHECK_POINT=2025-12-31T00:00:00Z RESTORE_AS_OF=2025-12-31T00:00:00Z
check "previous:2 -> the oldest of three" 0 \
	"^restore-check PASS app=three point=previous:2 snapshot=$T1 time=2026-01-01T02:00:00Z\$" \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three CHECK_POINT=previous:2 SELECT_PREVIOUS=2
check "previous:3 beyond the count -> FAIL no-eligible-snapshot" 1 \
	"^restore-check FAIL app=three point=previous:3 reason=no-eligible-snapshot " \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three CHECK_POINT=previous:3 SELECT_PREVIOUS=3
check "as of a time, then previous:1 (entry.sh adds the offsets)" 0 \
	"^restore-check PASS app=three point=x snapshot=$T1 " \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three CHECK_POINT=x RESTORE_AS_OF=2026-01-02T12:00:00Z SELECT_PREVIOUS=1
check "an initialised repository without snapshots -> FAIL no-eligible-snapshot" 1 \
	"^restore-check FAIL app=empty point=latest reason=no-eligible-snapshot " \
	RESTIC_REPOSITORY="$(repo_url empty)" CHECK_APP=empty
check "... accepted when the owner asked for a fresh start (CHECK_ALLOW_EMPTY)" 0 \
	"^restore-check PASS app=empty point=latest snapshot=none allow-empty=true reason=no-eligible-snapshot\$" \
	RESTIC_REPOSITORY="$(repo_url empty)" CHECK_APP=empty CHECK_ALLOW_EMPTY=true
check "no repository at the path -> FAIL repository-missing" 1 \
	"^restore-check FAIL app=missing point=latest reason=repository-missing " \
	RESTIC_REPOSITORY="$(repo_url missing)" CHECK_APP=missing
check "... accepted for a fresh start" 0 \
	"^restore-check PASS app=missing point=latest snapshot=none allow-empty=true reason=repository-missing\$" \
	RESTIC_REPOSITORY="$(repo_url missing)" CHECK_APP=missing CHECK_ALLOW_EMPTY=true
check "a wrong password -> FAIL wrong-password, even for a fresh start" 1 \
	"^restore-check FAIL app=three point=latest reason=wrong-password " \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three RESTIC_PASSWORD=not-the-password CHECK_ALLOW_EMPTY=true
check "a bad RESTORE_AS_OF -> FAIL config" 1 \
	"^restore-check FAIL app=three point=latest reason=config " \
	RESTIC_REPOSITORY="$(repo_url three)" CHECK_APP=three RESTORE_AS_OF=yesterday-ish
check "nothing listens (port 1) -> FAIL repository-unreadable within the timeout" 1 \
	"^restore-check FAIL app=down point=latest reason=repository-unreadable " \
	RESTIC_REPOSITORY="s3:http://127.0.0.1:1/volsync/check-test/down" CHECK_APP=down CHECK_CONNECT_TIMEOUT=5

if [[ $(bucket_digest) == "$before" ]]; then
	ok "the bucket is byte for byte as before: no repository created at the missing path, no lock, nothing written"
else
	not_ok "the bucket is byte for byte as before" "$(diff <(echo "$before") <(bucket_digest) | head -5)"
fi
if [[ ! -e $S3ROOT/buckets/volsync/check-test/missing && -z $(find "$S3ROOT" -path '*check-test/missing*' 2>/dev/null) ]]; then
	ok "no repository at the missing path (the mover's ensure_initialized would have run restic init)"
else
	not_ok "no repository at the missing path" "$(find "$S3ROOT" -path '*missing*' | head -3)"
fi

# ---- parity with entry.sh's own selection, where the VolSync source is mirrored ----
MIRROR=${VOLSYNC_MIRROR:-/work/.mirror/backube+volsync/repo}
if git -C "$MIRROR" rev-parse -q --verify 'v0.15.0^{commit}' >/dev/null 2>&1; then
	git -C "$MIRROR" show v0.15.0:mover-restic/entry.sh |
		sed -n -e '/^function error {/,/^}/p' -e '/^function trim_timestamp() {/,/^}/p' -e '/^function get_epoch_from_timestamp() {/,/^}/p' \
			-e '/^function reverse_array() {/,/^}/p' -e '/^function select_restic_snapshot_to_restore() {/,/^}/p' >"$WORK/upstream-select.sh"
	upstream() { # RESTORE_AS_OF SELECT_PREVIOUS: entry.sh v0.15.0's pick (full id) for repository "three"
		# shellcheck disable=SC2016 # expanded by the inner bash
		env "${s3env[@]}" RESTIC_REPOSITORY="$(repo_url three)" RESTIC_PASSWORD=$PASSWORD PATH="$BIN:$PATH" \
			RESTORE_AS_OF="$1" SELECT_PREVIOUS="$2" bash -c 'RESTIC=(restic --no-cache); [[ -z $RESTORE_AS_OF ]] && unset RESTORE_AS_OF; [[ -z $SELECT_PREVIOUS ]] && unset SELECT_PREVIOUS; source "$1"; select_restic_snapshot_to_restore' _ "$WORK/upstream-select.sh" 2>/dev/null
	}
	ours() {
		env -i PATH="$BIN:/usr/bin:/bin" TZ=UTC HOME="$WORK/home" "${s3env[@]}" RESTIC_PASSWORD=$PASSWORD CHECK_TERMINATION_LOG= \
			RESTIC_REPOSITORY="$(repo_url three)" ${1:+RESTORE_AS_OF=$1} ${2:+SELECT_PREVIOUS=$2} bash "$CHECK" 2>/dev/null |
			tail -n 1 | sed -n 's/.* snapshot=\([0-9a-f]*\) .*/\1/p'
	}
	mismatch=()
	for c in "|" "|1" "|2" "|3" "2026-01-02T12:00:00Z|" "2026-01-02T12:00:00Z|1" "2025-12-31T00:00:00Z|" "2026-01-03T02:00:00Z|" "2026-01-05T00:00:00Z|0"; do
		u=$(upstream "${c%%|*}" "${c#*|}" || true)
		o=$(ours "${c%%|*}" "${c#*|}" || true)
		[[ ${u:0:8} == "$o" ]] || mismatch+=("as-of='${c%%|*}' previous='${c#*|}': entry.sh '${u:0:8}', check '$o'")
	done
	if ((${#mismatch[@]} == 0)); then
		ok "the same pick as VolSync v0.15.0 entry.sh select_restic_snapshot_to_restore in 9 cases (taken from $MIRROR)"
	else
		not_ok "the same pick as entry.sh" "${mismatch[@]}"
	fi
else
	echo "skip: the entry.sh parity cases (no VolSync mirror with tag v0.15.0 at $MIRROR; set VOLSYNC_MIRROR)"
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
