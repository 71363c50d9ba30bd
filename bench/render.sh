#!/usr/bin/env bash
# Benchmark of the offline render, whole process: wall time and peak RSS for prod and for a generated
# 1000-volume inventory. Targets (SPEC): prod <= 1.0 s and <= 256 MiB; 1000 volumes <= 6 s.
# Usage: bench/render.sh [runs per case, default 5]. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
crds="$(cd .. && pwd)/shared/crds"
[ -d "$crds" ] || crds=""
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

./render --stack prod --out "$work/warmup" ${crds:+--crds "$crds"} >/dev/null   # builds the jar and the class archive

# A project with the prod settings and 1000 generated volumes.
big="$work/project"
mkdir -p "$big/stacks/bench1000"
cp Pulumi.yaml "$big/"
cp Pulumi.prod.yaml "$big/Pulumi.bench1000.yaml"
{
  echo "volumes:"
  for i in $(seq 1 1000); do
    echo "  - {app: app-$i, namespace: ns-$((i % 50)), pvc: data-$i, capacity: $((i % 20 + 1))Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}"
  done
  sed -n '/^databases:/,$p' stacks/prod/inventory.yaml
} > "$big/stacks/bench1000/inventory.yaml"

measure() { # label, then render arguments
  local label="$1"; shift
  local walls=() rss=()
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" ./render "$@" --out "$work/out" >/dev/null
    read -r w m < "$work/time"
    walls+=("$w"); rss+=("$m")
  done
  printf '%-22s wall s: %s   median %s   peak RSS MiB (max): %s\n' "$label" "${walls[*]}" \
    "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")" \
    "$(( $(printf '%s\n' "${rss[@]}" | sort -n | tail -1) / 1024 ))"
}

echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | sed -n 1p)"
measure "prod" --stack prod ${crds:+--crds "$crds"}
measure "1000 volumes" --stack bench1000 --project "$big" ${crds:+--crds "$crds"}
