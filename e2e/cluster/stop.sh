#!/usr/bin/env bash
# Stops the processes started by e2e/cluster/start.sh for one state dir
# (kube-controller-manager, kube-apiserver, then kine), using their pid files. Leaves the state
# dir (certs, SQLite data, logs) in place; delete it for a clean slate.
#
# Usage: e2e/cluster/stop.sh [STATE_DIR]     (or env E2E_STATE_DIR)
set -euo pipefail

STATE=${1:-${E2E_STATE_DIR:-}}
[[ -n "$STATE" ]] || { echo "usage: $0 STATE_DIR (or set E2E_STATE_DIR)" >&2; exit 2; }
[[ -d "$STATE" ]] || { echo "[e2e-cluster] $STATE does not exist; nothing to stop" >&2; exit 0; }
STATE=$(cd "$STATE" && pwd)

log() { printf '[e2e-cluster] %s\n' "$*" >&2; }

# Only signal a pid that still runs our binary with this state dir on its command line
# (guards against a recycled pid).
ours() {
  local pid=$1 name=$2
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  local cmd
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline")
  [[ "$cmd" == *"/$name "* && "$cmd" == *"$STATE"* ]]
}

status=0
for name in kube-controller-manager kube-apiserver kine; do
  pidfile="$STATE/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid=$(cat "$pidfile")
  if ours "$pid" "$name"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      ours "$pid" "$name" || break
      sleep 0.1
    done
    if ours "$pid" "$name"; then
      log "$name did not exit after 10s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    if ours "$pid" "$name"; then log "ERROR: $name (pid $pid) still running"; status=1; continue; fi
  fi
  rm -f "$pidfile"
done
exit $status
