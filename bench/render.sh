#!/usr/bin/env bash
# Benchmark of the offline render, whole process: wall time and peak RSS for prod and for a generated
# 1000-volume inventory, side by side with the kustomize equivalent in the same run (`kubectl kustomize` of one
# component plus one overlay per volume, generated here), and the ratios. Targets (issue 14): prod <= 0.4 s and
# <= 200 MiB; 1000 volumes <= 2.5 s and <= 256 MiB.
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
# One drill start minute per volume: the drill window grows to 1000 minutes (04:00-20:40, clear of the backups).
python3 - Pulumi.prod.yaml "$big/Pulumi.bench1000.yaml" <<'PY2'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'(homelab-backups:drills:\n(?:    .*\n|      .*\n)*?      minutes: )120', r'\g<1>1000', text)
open(sys.argv[2], "w").write(text)
PY2
{
  echo "volumes:"
  for i in $(seq 1 1000); do
    echo "  - {app: app-$i, namespace: ns-$((i % 50)), pvc: data-$i, capacity: $((i % 20 + 1))Gi, accessModes: [ReadWriteOnce], storageClass: longhorn}"
  done
  sed -n '/^databases:/,$p' stacks/prod/inventory.yaml
} > "$big/stacks/bench1000/inventory.yaml"

# The kustomize equivalent of n volumes: a component with what each volume needs (its repository Secret,
# ReplicationSource, restore-drill CronJob) and one overlay per volume naming its namespace, claim and schedule.
kustomize_tree() { # dir n
  local dir=$1 n=$2
  mkdir -p "$dir/components/volume"
  cat > "$dir/components/volume/kustomization.yaml" <<'YAML'
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [secret.yaml, source.yaml, drill.yaml]
YAML
  cat > "$dir/components/volume/secret.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: backup-repo}
stringData: {RESTIC_REPOSITORY: "s3:http://127.0.0.1:9000/volsync-backups/app", RESTIC_PASSWORD: x, AWS_ACCESS_KEY_ID: x, AWS_SECRET_ACCESS_KEY: x}
YAML
  cat > "$dir/components/volume/source.yaml" <<'YAML'
apiVersion: volsync.backube/v1alpha1
kind: ReplicationSource
metadata: {name: backup}
spec:
  sourcePVC: data
  trigger: {schedule: "0 2 * * *"}
  restic:
    repository: backup-repo
    copyMethod: Snapshot
    volumeSnapshotClassName: longhorn-snap
    pruneIntervalDays: 7
    retain: {daily: 14}
    cacheCapacity: 1Gi
    moverSecurityContext: {runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000}
YAML
  cat > "$dir/components/volume/drill.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: drill}
spec:
  schedule: "0 4 * * 0"
  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        spec:
          restartPolicy: Never
          containers:
            - {name: drill, image: "quay.io/backube/volsync:0.15.0", command: [/bin/bash, /drill/restic-drill.sh], envFrom: [{secretRef: {name: backup-repo}}]}
YAML
  local i
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources:"
    for i in $(seq 1 "$n"); do echo "  - apps/app-$i"; done
  } > "$dir/kustomization.yaml"
  for i in $(seq 1 "$n"); do
    mkdir -p "$dir/apps/app-$i"
    cat > "$dir/apps/app-$i/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ns-$((i % 50))
namePrefix: app-$i-
components: [../../components/volume]
patches:
  - target: {kind: ReplicationSource}
    patch: |-
      - {op: replace, path: /spec/sourcePVC, value: data-$i}
      - {op: replace, path: /spec/trigger/schedule, value: "$((i % 60)) 2 * * *"}
YAML
  done
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
declare -A MEDIAN RSS
measure() { # key label command...
  local key="$1" label="$2"; shift 2
  local walls=() rss=()
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
    read -r w m < "$work/time"
    walls+=("$w"); rss+=("$m")
  done
  MEDIAN[$key]=$(median "${walls[@]}")
  RSS[$key]=$(( $(printf '%s\n' "${rss[@]}" | sort -n | tail -1) / 1024 ))
  printf '%-28s wall s: %s   median %s   peak RSS MiB (max): %s\n' "$label" "${walls[*]}" "${MEDIAN[$key]}" "${RSS[$key]}"
}
ratio() { python3 -c "import sys; a, b = map(float, sys.argv[1:3]); print(f'{a / b:.1f}x' if b else 'n/a')" "$1" "$2"; }

echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | sed -n 1p)"
kustomize_tree "$work/kustomize-prod" "$(grep -c '^  - {app:' stacks/prod/inventory.yaml)"
kustomize_tree "$work/kustomize-1000" 1000
measure render-prod "render prod" ./render --stack prod ${crds:+--crds "$crds"} --out "$work/out"
measure kustomize-prod "kustomize, prod-size" kubectl kustomize "$work/kustomize-prod"
measure render-1000 "render 1000 volumes" ./render --stack bench1000 --project "$big" ${crds:+--crds "$crds"} --out "$work/out"
measure kustomize-1000 "kustomize, 1000 volumes" kubectl kustomize "$work/kustomize-1000"
echo "ratios (render / kustomize): prod wall $(ratio "${MEDIAN[render-prod]}" "${MEDIAN[kustomize-prod]}"), RSS $(ratio "${RSS[render-prod]}" "${RSS[kustomize-prod]}");" \
  "1000 volumes wall $(ratio "${MEDIAN[render-1000]}" "${MEDIAN[kustomize-1000]}"), RSS $(ratio "${RSS[render-1000]}" "${RSS[kustomize-1000]}")"
