#!/bin/bash
# Restore check for a VolSync restic repository: would a ReplicationDestination with this restore point restore a
# snapshot? Run by a Kubernetes Job (RestoreCheckSpecs) before any ReplicationDestination exists, because VolSync's
# restic mover reports success when nothing matched ("No eligible snapshots found", exit 0; backube/volsync v0.15.0
# mover-restic/entry.sh do_restore l.334-353) and a claim whose dataSourceRef names the destination is then bound to
# the empty volume it made (docs/restore-check.md).
#
# READ-ONLY: never `restic init` (the mover does, in ensure_initialized l.91-152, even for a restore, so a wrong path
# would leave a new empty repository behind), no lock (`cat config` and `snapshots --no-lock`), no cache (--no-cache).
#
# The selection is entry.sh's select_restic_snapshot_to_restore (l.265-320) ported line for line: the snapshots
# table's lines containing /data, newest first by epoch seconds (one snapshot per second: the associative array keeps
# the last id listed for an epoch), RESTORE_AS_OF: the first not newer than it, SELECT_PREVIOUS: that many further.
# Like entry.sh it does not filter by host here (entry.sh restores the selected id; l.350).
#
# Environment: CHECK_APP (verdict), CHECK_POINT (the point as the owner wrote it, verdict), RESTORE_AS_OF,
# SELECT_PREVIOUS (as VolSync passes them to the mover), CHECK_ALLOW_EMPTY=true (a fresh start: nothing to restore is
# accepted), CHECK_CA_FILE, CHECK_TERMINATION_LOG (default /dev/termination-log), CHECK_CONNECT_TIMEOUT (seconds, 60 as
# entry.sh l.98), and the repository Secret's RESTIC_REPOSITORY, RESTIC_PASSWORD, AWS_*.
#
# The last line of stdout (and the termination log) is the verdict:
#   restore-check PASS app=<app> point=<point> snapshot=<id> time=<snapshot time, UTC>
#   restore-check PASS app=<app> point=<point> snapshot=none allow-empty=true reason=<reason>
#   restore-check FAIL app=<app> point=<point> reason=<no-eligible-snapshot|repository-missing|wrong-password|
#                      repository-unreadable|snapshots-unreadable|config|internal-error> [detail]
# Exit 0 on PASS, 1 on FAIL.
set -Euo pipefail

APP=${CHECK_APP:-unknown}
POINT=${CHECK_POINT:-latest}
TERMINATION_LOG=${CHECK_TERMINATION_LOG-/dev/termination-log}
DONE=0

verdict() {
	DONE=1
	printf '%s\n' "$1"
	if [[ -n $TERMINATION_LOG && -w $TERMINATION_LOG ]]; then
		printf '%s\n' "$1" >"$TERMINATION_LOG" 2>/dev/null || true
	fi
	exit "$2"
}

one_line() {
	local s=${1//$'\n'/ }
	s=${s//\"/\'}
	((${#s} > 200)) && s="${s:0:200}..."
	printf '%s' "$s"
}

# fail REASON [detail]: nothing would be restored, or the check cannot tell; with CHECK_ALLOW_EMPTY an empty or
# missing repository is what a fresh start accepts.
fail() {
	local reason=$1 detail=${2:-}
	if [[ ${CHECK_ALLOW_EMPTY:-false} == true && ($reason == no-eligible-snapshot || $reason == repository-missing) ]]; then
		verdict "restore-check PASS app=$APP point=$POINT snapshot=none allow-empty=true reason=$reason" 0
	fi
	verdict "restore-check FAIL app=$APP point=$POINT reason=$reason${detail:+ detail=\"$(one_line "$detail")\"}" 1
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
on_exit() {
	local rc=$?
	((DONE == 1)) && exit "$rc"
	DONE=1
	local line="restore-check FAIL app=$APP point=$POINT reason=internal-error exit=$rc"
	printf '%s\n' "$line"
	[[ -n $TERMINATION_LOG && -w $TERMINATION_LOG ]] && printf '%s\n' "$line" >"$TERMINATION_LOG" 2>/dev/null
	exit 1
}
trap on_exit EXIT

[[ -n ${RESTIC_REPOSITORY:-} ]] || fail config "RESTIC_REPOSITORY is not set"
[[ -n ${RESTIC_PASSWORD:-}${RESTIC_PASSWORD_FILE:-} ]] || fail config "RESTIC_PASSWORD is not set"
[[ -z ${SELECT_PREVIOUS:-} || $SELECT_PREVIOUS =~ ^[0-9]+$ ]] || fail config "SELECT_PREVIOUS is not a number"
if [[ -n ${RESTORE_AS_OF:-} ]]; then
	date --date="$RESTORE_AS_OF" +%s >/dev/null 2>&1 || fail config "RESTORE_AS_OF is not a time"
fi

declare -a RESTIC
RESTIC=(restic --no-cache --no-lock)
if [[ -n ${CHECK_CA_FILE:-} && -f $CHECK_CA_FILE ]]; then
	RESTIC+=(--cacert "$CHECK_CA_FILE")
fi

# ---- the repository: entry.sh ensure_initialized's test (l.95-149), without its `restic init` ----
err=$(timeout "${CHECK_CONNECT_TIMEOUT:-60}s" "${RESTIC[@]}" cat config 2>&1 >/dev/null)
rc=$?
case $rc in
0) ;;
10) fail repository-missing "restic cat config exit 10: no repository at $RESTIC_REPOSITORY" ;; # restic >= 0.17
12) fail wrong-password "$err" ;;                                                          # restic >= 0.17.1
124) fail repository-unreadable "no answer within ${CHECK_CONNECT_TIMEOUT:-60}s (entry.sh would init here; the check cannot tell)" ;;
1)
	# entry.sh l.107-128: a missing bucket gives 1 with this message.
	if [[ $err =~ .*(Is there a repository at the following location).* ]]; then
		fail repository-missing "$err"
	fi
	fail repository-unreadable "exit $rc: $err"
	;;
*) fail repository-unreadable "exit $rc: $err" ;;
esac

# ---- select_restic_snapshot_to_restore (entry.sh l.265-320) ----
if ! restic_snapshots=$("${RESTIC[@]}" -r "${RESTIC_REPOSITORY}" snapshots --no-lock 2>/dev/null); then
	fail snapshots-unreadable "restic snapshots failed"
fi

epochs=()
declare -A epochs_to_snapshots=()
IFS=$'\n'
for line in $(echo -e "${restic_snapshots}" | grep /data | awk '{print $1 "\t" $2 " " $3}'); do
	snapshot_id=$(echo -e "${line}" | cut -d$'\t' -f1)
	snapshot_ts=$(echo -e "${line}" | cut -d$'\t' -f2)
	trimmed_timestamp=$(cut -d'.' -f1 <<<"${snapshot_ts}")
	snapshot_epoch=$(date --date="${trimmed_timestamp}" +%s) || fail internal-error "unreadable snapshot time $snapshot_ts"
	epochs+=("${snapshot_epoch}")
	epochs_to_snapshots[${snapshot_epoch}]="${snapshot_id}"
done
unset IFS

# reverse_array (l.231-248): the most recent epoch first
left=0
right=$((${#epochs[@]} - 1))
while ((left < right)); do
	temp=${epochs[$left]}
	epochs[left]=${epochs[$right]}
	epochs[right]=$temp
	((left++))
	((right--))
done

offset=0
if [[ -n ${RESTORE_AS_OF:-} ]]; then
	target_epoch=$(date --date="${RESTORE_AS_OF}" +%s)
	while ((offset < ${#epochs[@]})); do
		if ((${epochs[${offset}]} <= target_epoch)); then
			break
		fi
		((offset++))
	done
fi
select_offset=${SELECT_PREVIOUS:-0}
((offset += select_offset))

if ((offset < ${#epochs[@]})); then
	selected_epoch=${epochs[${offset}]}
	verdict "restore-check PASS app=$APP point=$POINT snapshot=${epochs_to_snapshots[${selected_epoch}]} time=$(date -u --date="@${selected_epoch}" +%Y-%m-%dT%H:%M:%SZ)" 0
fi
fail no-eligible-snapshot "${#epochs[@]} snapshot(s) of /data in the repository, none at this point"
