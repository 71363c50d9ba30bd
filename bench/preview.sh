#!/usr/bin/env bash
# Benchmark of the PR preview: a no-change `pulumi preview --expect-no-changes` of the prod-size stack on the
# end-to-end rig (real engine, our Java host, the Kubernetes provider, a local API server; e2e/harness/run.sh,
# scenario a creates the stack), side by side with the floor in the same run. Per preview: whole preview wall time
# and CPU (user + sys of everything the CLI waited for), the program's lifetime (the `java -jar` JVM; for the floor,
# floor-replay), plugin discovery's JVM (`... Main packages`) and the rest, wall minus the program (the engine,
# the provider, discovery). Prints median [min-max] of each, ours minus the floor, and the targets (issue 14):
# prod no-change preview <= 3 s and no more than 1 s above the floor. Ours runs in four JVM set-ups: "ours", the jar
# as Pulumi starts it (its entry point, runtime/TunedJvm, re-executes the program with C1 only, the serial collector
# and the class-data archive beside the jar: two untimed warm-ups, the first leaves its mark, the second dumps the
# archive), "as-started", HOMELAB_BACKUPS_JVM=as-started (the program in the JVM as the host starts it, the JDK's
# defaults: what every preview was before TunedJvm), "tuned", with JDK_JAVA_OPTIONS set to C1 only and the serial
# collector (the entry point steps aside for the owner's options), and "cds", tuned plus a class-data archive that
# one untimed training preview dumps first.
#
# The floor is the same stack (same backend, stack name and state) previewed with a program that registers exactly
# the resources the state records and does no work of ours: e2e/toolchain/pulumi/cmd/floor-replay, a Go program on
# the Pulumi Go SDK that replays `pulumi stack export --show-secrets` (types, names, parents, providers, recorded
# inputs with secrets re-wrapped, dependsOn, protect/ignoreChanges/import/... as recorded; see its main.go), run by
# our minimal Go language host (cmd/pulumi-language-go). Why not Pulumi YAML: it resolves every type against the
# provider schema, which has no CRD kinds, so half of our resources cannot be written in it. The floor has no
# plugin discovery (the host reports no plugins; the engine loads the provider on first use).
#
# Usage: bench/preview.sh [previews per program, default 5]. Needs JDK 17 and Maven on PATH (the rig builds the jar
# if target/ has none), Go for the toolchain's first build. Takes a few minutes: the rig's start and scenario a, one
# untimed warm-up preview per program, then the timed previews, ours and the floor alternating (so that a change
# in the machine's load hits both alike). Run it on an otherwise idle machine. Env: BENCH_KEEP=1 keeps the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
signals="$(pwd)/e2e/harness/default-signals.py"
runs="${1:-5}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/preview.sh [runs, a positive number]" >&2; exit 2; }
out="$(mktemp -d /tmp/homelab-bench-preview.XXXXXX)"
log() { printf '[bench] %s\n' "$*" >&2; }

rig_pid=""
stop_rig() {
  if [ -n "$rig_pid" ]; then
    # The harness's own trap stops the cluster, the stand-ins and what it started, by their ids.
    kill -TERM "$rig_pid" 2>/dev/null || true
    wait "$rig_pid" 2>/dev/null || true
    rig_pid=""
  fi
  if [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$out"; else log "kept $out"; fi
}
trap stop_rig EXIT
trap 'exit 143' INT TERM

# ---- the rig: a cluster like the live one and the prod-size stack after its first up ----------------------------
log "starting the rig (e2e/harness/run.sh a); its log: $out/rig.log"
E2E_WAIT=1 bash e2e/harness/run.sh a > "$out/rig.log" 2>&1 &
rig_pid=$!
env_sh=""
deadline=$((SECONDS + 1800))
while [ -z "$env_sh" ]; do
  if ! kill -0 "$rig_pid" 2>/dev/null || grep -q '^FAIL ' "$out/rig.log" || [ $SECONDS -gt $deadline ]; then
    tail -40 "$out/rig.log" >&2; log "the rig did not come up"; exit 1
  fi
  env_sh=$(sed -n 's/^\[e2e\] waiting; source \(.*env\.sh\) .*/\1/p' "$out/rig.log" | head -1)
  [ -n "$env_sh" ] || sleep 2
done
# shellcheck source=/dev/null
source "$env_sh"                 # KUBECONFIG, PULUMI_*, PATH (the java shim, the toolchain); cd to the project
# SIGINT at its default action for every pulumi command, however this script was started: a plugin that inherited
# it ignored makes each preview wait 5 s at its end (e2e/harness/default-signals.py), for ours and the floor alike.
pulumi() { python3 "$signals" pulumi "$@"; }
work=$(dirname "$env_sh")
java_times="$work/java-times.log"
bin=$(dirname "$(type -P pulumi)")   # the binary's directory (pulumi is a function here)
for b in floor-replay pulumi-language-go; do
  [ -x "$bin/$b" ] || { log "$bin/$b missing: e2e/toolchain/build.sh builds it"; exit 1; }
done
stack=$(pulumi stack --show-name)

# ---- the floor project: same project name, same stack settings, same backend ---------------------------------------
floor="$out/floor"
mkdir -p "$floor"
pulumi stack export --show-secrets --file "$out/state.json"
log "rig up: stack $stack in $(pwd), $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["deployment"]["resources"]))' "$out/state.json") resources in state"
cp "Pulumi.$stack.yaml" "$floor/"
floor_times="$out/floor-times.log"
: > "$floor_times"
cat > "$floor/floor-program" <<SH
#!/usr/bin/env bash
# floor-replay, its lifetime recorded as the java shim records the JVM's
start=\$(date +%s.%N)
FLOOR_STATE="$out/state.json" "$bin/floor-replay" "\$@"
rc=\$?
echo "\$start \$(date +%s.%N) floor-replay" >> "$floor_times"
exit \$rc
SH
chmod +x "$floor/floor-program"
# `pulumi plugin install language go` is refused (go is a plugin the CLI bundles): the engine finds the bundled
# host next to `pulumi` in the toolchain's bin directory; the project plugin entry says so explicitly.
cat > "$floor/Pulumi.yaml" <<YAML
name: homelab-backups
runtime:
  name: go
  options:
    binary: $floor/floor-program
plugins:
  languages:
    - name: go
      path: $bin
YAML

# ---- previews ----------------------------------------------------------------------------------------------------
results="$out/results.tsv"
: > "$results"
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
# The "tuned" JVM options (what the PR workflow set before TunedJvm did it by itself).
tuned_jvm="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# "cds": the tuned options plus an application class-data archive (AppCDS, JDK 17's dynamic archive) that one
# training preview dumps at the exit of its JVMs (-XX:ArchiveClassesAtExit; discovery's JVM exits first, the
# program's last and writes the archive that stays). Both JVMs of a preview then map it; it holds only classes of
# the jar it was dumped with (the JVM ignores an archive whose jar changed). Unified logging is off for cds, as
# ./render does: a warning would go to the JVM's stdout.
cds_archive="$out/program.jsa"
cds_quiet="-Xlog:cds=off -Xlog:cds+dynamic=off"
preview() { # kind (ours|as-started|tuned|cds|floor|train) run-number (0 = warm-up, not counted)
  local kind=$1 i=$2 dir j0 f0 jvm="" entry=""
  if [ "$kind" = floor ]; then dir=$floor; else dir=$(pwd); fi
  if [ "$kind" = tuned ]; then jvm=$tuned_jvm; fi
  if [ "$kind" = cds ]; then jvm="$tuned_jvm -XX:SharedArchiveFile=$cds_archive $cds_quiet"; fi
  if [ "$kind" = train ]; then jvm="$tuned_jvm -XX:ArchiveClassesAtExit=$cds_archive $cds_quiet"; fi
  if [ "$kind" = as-started ]; then entry=as-started; fi
  j0=$(lines "$java_times"); f0=$(lines "$floor_times")
  if ! (cd "$dir" && JDK_JAVA_OPTIONS=$jvm HOMELAB_BACKUPS_JVM=$entry /usr/bin/time -f '%e %U %S' -o "$out/time" \
          python3 "$signals" pulumi preview --expect-no-changes --non-interactive --stack "$stack" > "$out/preview-$kind-$i.log" 2>&1); then
    tail -40 "$out/preview-$kind-$i.log" >&2; log "$kind preview $i failed (or planned changes)"; exit 1
  fi
  { tail -n +$((j0 + 1)) "$java_times"; tail -n +$((f0 + 1)) "$floor_times"; } > "$out/times-$kind-$i"
  python3 - "$kind" "$i" "$(tail -1 "$out/time")" "$out/times-$kind-$i" \
      "$(sed -n 's/^ *\([0-9]*\) unchanged$/\1/p' "$out/preview-$kind-$i.log")" >> "$results" <<'PY'
import sys
kind, i, (wall, user, sys_), times, same = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4], sys.argv[5] or "?"
rows = [l.split(None, 2) for l in open(times) if l.strip()]
prog = sum(float(b) - float(a) for a, b, args in rows if args.startswith("-jar") or args.strip() == "floor-replay")
disc = sum(float(b) - float(a) for a, b, args in rows if " packages" in args)
print(kind, i, wall, f"{float(user) + float(sys_):.2f}", f"{prog:.2f}", f"{disc:.2f}", same, sep="\t")
PY
  log "$(tail -1 "$results" | awk -F'\t' '{printf "%s %s: wall %s s, CPU %s s, program %s s, discovery %s s, %s unchanged", $1, ($2 == 0 ? "warm-up" : "#" $2), $3, $4, $5, $6, $7}')"
}
preview train 0
jar=$(sed -n 's/^ *binary: *//p' Pulumi.yaml)
kinds=(ours as-started tuned)
# -Xshare:on fails instead of running without the archive: proof that the JVM maps it for this jar.
if [ -f "$cds_archive" ] && java -Xshare:on -XX:SharedArchiveFile="$cds_archive" -cp "$jar" com.pulumi.bootstrap.internal.Main packages > /dev/null; then
  log "class-data archive for cds: $(stat -c %s "$cds_archive") bytes"; kinds+=(cds)
else
  log "no class-data archive that maps for $jar: the cds previews are left out"
fi
kinds+=(floor)
# The jar's own archive: a first run leaves the mark, the second dumps it (runtime/TunedJvm), both untimed.
preview ours 0
for k in "${kinds[@]}"; do preview "$k" 0; done
ls "$(dirname "$jar")"/*.jsa > /dev/null 2>&1 && log "the jar's own class-data archive: $(ls "$(dirname "$jar")"/homelab-backups-all-*.jsa)"
for i in $(seq 1 "$runs"); do
  for k in "${kinds[@]}"; do preview "$k" "$i"; done
done

# ---- the table ---------------------------------------------------------------------------------------------------
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | sed -n 1p), $(pulumi version)"
echo "stack $stack, $runs previews each (after one warm-up each), all 'pulumi preview --expect-no-changes'"
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
runs = {k: [r for r in rows if r[0] == k and r[1] != "0"] for k in ("ours", "as-started", "tuned", "cds", "floor")}
def col(kind, name):
    idx = {"wall": 2, "cpu": 3, "prog": 4, "disc": 5}
    if name == "rest":
        return [float(r[2]) - float(r[4]) for r in runs[kind]]
    if name == "engine":
        return [float(r[2]) - float(r[4]) - float(r[5]) for r in runs[kind]]
    return [float(r[idx[name]]) for r in runs[kind]]
def fmt(xs):
    return f"{statistics.median(xs):6.2f} [{min(xs):5.2f}-{max(xs):5.2f}]" if xs else "-"
def diff(xs, ys):
    return f"{statistics.median(xs) - statistics.median(ys):+.2f}" if xs and ys else "-"
lines = [("whole preview, wall", "wall"), ("whole preview, CPU", "cpu"),
         ("program lifetime", "prog"), ("plugin discovery", "disc"),
         ("wall - program", "rest"), ("wall - program - discovery", "engine")]
print("ours: the jar as Pulumi starts it (runtime/TunedJvm re-executes it tuned, with its archive); as-started:")
print("HOMELAB_BACKUPS_JVM=as-started, the JDK's defaults; tuned: JDK_JAVA_OPTIONS=-XX:TieredStopAtLevel=1")
print("-XX:+UseSerialGC; cds: tuned plus -XX:SharedArchiveFile, an AppCDS archive dumped by a training preview")
kinds = ("ours", "as-started", "tuned", "cds")
print(f"{'seconds, median [min-max]':28} " + " ".join(f"{k:>22}" for k in kinds) + f" {'floor (floor-replay)':>22} "
      + " ".join(f"{k + ' - floor':>13}" for k in kinds))
for label, name in lines:
    f = col("floor", name)
    print(f"{label:28} " + " ".join(f"{fmt(col(k, name)):>22}" for k in kinds) + f" {fmt(f):>22} "
          + " ".join(f"{diff(col(k, name), f):>13}" for k in kinds))
same = {k: sorted({r[6] for r in runs[k]}) for k in runs}
print("resources unchanged per preview: " + ", ".join(f"{k} {','.join(v) or '-'}" for k, v in same.items()))
wall_f = statistics.median(col("floor", "wall"))
for kind in [k for k in kinds if runs[k]]:
    wall = statistics.median(col(kind, "wall"))
    print(f"target ({kind}): prod no-change preview <= 3 s: {wall:.2f} s, {'met' if wall <= 3 else 'NOT met'}; "
          f"no more than 1 s above the floor: {wall - wall_f:+.2f} s, {'met' if wall - wall_f <= 1 else 'NOT met'}")
PY
log "stopping the rig"
