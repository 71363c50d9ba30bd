#!/usr/bin/env bash
# Benchmark of plugin discovery alone: the JVM the Java language host starts before every preview and update,
# `java -cp <program jar> com.pulumi.bootstrap.internal.Main packages` (upstream's executor_jar.go and our e2e host
# run exactly this), which lists every entry of the jar to find com/<ns>/<name>/plugin.json. Per jar: its size and
# entries, what discovery printed, and the median [min-max] wall and CPU (user + sys) of N runs; the jars' runs are
# interleaved, so that a change in the machine's load hits them alike. Run it on an otherwise idle machine; no test
# asserts timings.
#
# Usage: bench/discovery.sh [runs, default 5] [jar...]   (default: target/homelab-backups-all.jar, built if missing)
# Env:   JDK_JAVA_OPTIONS, when set, applies here too (discovery is a plain `java -cp` the host starts; TunedJvm is not involved).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/discovery.sh [runs, a positive number] [jar...]" >&2; exit 2; }
shift || true
jars=("$@")
if [ ${#jars[@]} -eq 0 ]; then
  jars=(target/homelab-backups-all.jar)
  [ -f "${jars[0]}" ] || mvn -B -q package -DskipTests >&2
fi
out="$(mktemp -d /tmp/homelab-bench-discovery.XXXXXX)"
trap 'rm -rf "$out"' EXIT

for j in "${jars[@]}"; do
  [ -f "$j" ] || { echo "bench/discovery.sh: no jar $j" >&2; exit 2; }
  java -cp "$j" com.pulumi.bootstrap.internal.Main packages > "$out/plugins" 2>/dev/null || true   # untimed warm-up
  printf '%s\t%s\t%s\t%s\n' "$j" "$(stat -c %s "$j")" "$(unzip -Z1 "$j" | wc -l)" \
    "$(python3 -c 'import json,sys; print(",".join(p["name"] + " " + p["version"] for p in json.load(open(sys.argv[1]))))' "$out/plugins" 2>/dev/null || echo "NO PLUGINS")" \
    >> "$out/jars"
done
for i in $(seq "$runs"); do
  for j in "${jars[@]}"; do
    /usr/bin/time -f '%e %U %S' -o "$out/time" java -cp "$j" com.pulumi.bootstrap.internal.Main packages > /dev/null 2>&1
    printf '%s\t%s\n' "$j" "$(cat "$out/time")" >> "$out/times"
  done
done
python3 - "$out/jars" "$out/times" <<'EOF'
import statistics, sys
jars = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
times = {}
for l in open(sys.argv[2]):
    jar, t = l.rstrip("\n").split("\t")
    e, u, s = map(float, t.split())
    times.setdefault(jar, []).append((e, u + s))
fmt = lambda xs: f"{statistics.median(xs):5.2f} [{min(xs):.2f}-{max(xs):.2f}]"
print(f"{'jar':40} {'MB':>6} {'entries':>8} {'wall s, median [min-max]':>26} {'CPU s':>20}  plugins")
for jar, size, entries, plugins in jars:
    w = [x[0] for x in times[jar]]; c = [x[1] for x in times[jar]]
    print(f"{jar:40} {int(size) / 1e6:6.1f} {entries:>8} {fmt(w):>26} {fmt(c):>20}  {plugins}")
EOF
