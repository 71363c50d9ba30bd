#!/usr/bin/env bash
# Tests scripts/fetch-crds against a loopback HTTP server laid out like raw.githubusercontent.com
# (<owner>/<repo>/<commit>/<path>), filled from the real CRDs (../shared/crds, or $CRDS_DIR) and, for Longhorn,
# a synthesised longhorn.yaml holding the three CRD documents among other objects; and scripts/dump-crds
# against a fake kubectl on PATH. No traffic leaves 127.0.0.1.   Usage: scripts/test/fetch-crds-test.sh
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)
fetch="$project/scripts/fetch-crds"
dump="$project/scripts/dump-crds"
lock="$project/crds/crds.lock.yaml"
crds=${CRDS_DIR:-$project/../shared/crds}
if [ ! -d "$crds" ]; then
  echo "fetch-crds tests: skipped, no CRD files at $crds (set CRDS_DIR)"
  exit 0
fi
crds=$(cd "$crds" && pwd)

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
sha() { python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

# --- the served tree -------------------------------------------------------------------------------------------
srv="$tmp/srv"
python3 - "$lock" "$crds" "$srv" "$tmp/test.lock.yaml" <<'EOF'
import hashlib, os, re, sys, yaml
lock, crds, srv, test_lock = sys.argv[1:]
text = open(lock, encoding="utf-8").read()
entries = yaml.safe_load(text)["crds"]
sources = {}
for e in entries:
    path = e["url"].removeprefix("https://raw.githubusercontent.com/")
    data = open(os.path.join(crds, e["file"]), "rb").read()
    if e.get("extract"):
        sources.setdefault(path, []).append(data)
    else:
        os.makedirs(os.path.dirname(os.path.join(srv, path)), exist_ok=True)
        open(os.path.join(srv, path), "wb").write(data)
other = [b"# Source: longhorn/templates/serviceaccount.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n"
         b"  name: longhorn-service-account\n  namespace: longhorn-system\n",
         # a non-CRD object with the same metadata.name: extraction must match the kind too
         b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings.longhorn.io\n  namespace: longhorn-system\n"
         b"data:\n  a: \"1\"\n"]
for path, docs in sources.items():
    body = b"---\n" + other[0] + b"---\n" + b"---\n".join(docs) + b"---\n" + other[1]
    os.makedirs(os.path.dirname(os.path.join(srv, path)), exist_ok=True)
    open(os.path.join(srv, path), "wb").write(body)
    # The synthesised file is not upstream's: a copy of the lock expects its sha256 as sourceSha256.
    old = {e["sourceSha256"] for e in entries if e.get("url", "").endswith(path) and e.get("sourceSha256")}
    for o in old:
        text = text.replace(o, hashlib.sha256(body).hexdigest())
open(test_lock, "w", encoding="utf-8").write(text)
EOF
test_lock="$tmp/test.lock.yaml"
count=$(python3 -c 'import sys,yaml; print(len(yaml.safe_load(open(sys.argv[1]))["crds"]))' "$lock")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$srv" >"$tmp/http.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
export CRDS_MIRROR="http://127.0.0.1:$port"
gets() { grep -c '"GET ' "$tmp/http.log"; }

# run NAME ARGS...: fetch-crds with its stdout in $tmp/NAME.out, stderr in $tmp/NAME.err, status in $rc
run() { local name=$1; shift; "$fetch" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; rc=$?; }
same_as_crds() { # every lock file in DIR, byte-identical to the real CRDs
  local dir=$1 f
  while IFS= read -r f; do cmp -s "$dir/$f" "$crds/$f" || { echo "  differs or missing: $f"; return 1; }; done \
    < <(python3 -c 'import sys,yaml; [print(e["file"]) for e in yaml.safe_load(open(sys.argv[1]))["crds"]]' "$lock")
}

# --- fetch-crds ------------------------------------------------------------------------------------------------
dest="$tmp/dest"
run first --lock "$test_lock" --dest "$dest"
check "fresh fetch exits 0" test "$rc" = 0
check "last stdout line is the destination" test "$(tail -n1 "$tmp/first.out")" = "$dest"
check "all $count files, byte-identical to the CRDs and with the lock's sha256" same_as_crds "$dest"
check "kopia-fork/ layout kept" test -f "$dest/kopia-fork/volsync.backube_kopiamaintenances.yaml"
check "longhorn.yaml downloaded once for its three CRDs" \
  test "$(grep -c 'GET /longhorn/longhorn/' "$tmp/http.log")" = 1
check "only the lock's files in the destination (no temporary files left)" \
  test "$(find "$dest" -type f | wc -l)" = "$count"

before=$(gets)
run again --lock "$test_lock" --dest "$dest"
check "second run exits 0" test "$rc" = 0
check "second run downloads nothing" test "$(gets)" = "$before"
check "second run says all verified" grep -q "0 downloaded, $count already verified" "$tmp/again.err"

check "... and warns about nothing" sh -c "! grep -q warning '$tmp/again.err'"
printf 'kind: ConfigMap\n' >"$dest/kopia-fork/stray.yaml"
run stray --lock "$test_lock" --dest "$dest"
check "a yaml file the lock does not list is warned about (the render would read it)" \
  grep -q "warning: kopia-fork/stray.yaml is not in the lock" "$tmp/stray.err"
rm "$dest/kopia-fork/stray.yaml"

printf 'tampered\n' >>"$dest/postgresql.cnpg.io_scheduledbackups.yaml"
run heal --lock "$test_lock" --dest "$dest"
check "a cached file that no longer verifies is downloaded again" test "$rc" = 0
check "... and is correct afterwards" cmp -s "$dest/postgresql.cnpg.io_scheduledbackups.yaml" "$crds/postgresql.cnpg.io_scheduledbackups.yaml"
check "... and only it was downloaded" grep -q "1 downloaded, $((count - 1)) already verified" "$tmp/heal.err"

xdg="$tmp/xdg"
XDG_CACHE_HOME="$xdg" run default --lock "$test_lock"
expected_dir="$xdg/homelab-backups/crds/$(sha "$test_lock" | cut -c1-12)"
check "default destination is \$XDG_CACHE_HOME/homelab-backups/crds/<lock sha256 prefix>" \
  test "$rc" = 0 -a "$(tail -n1 "$tmp/default.out")" = "$expected_dir"
check "... holding the files" same_as_crds "$expected_dir"

# The real lock with the synthesised longhorn.yaml: its sourceSha256 (upstream's) does not match.
run real --dest "$tmp/dest-real"
check "real lock vs synthesised longhorn.yaml: refused (exit 1)" test "$rc" = 1
check "... naming the Longhorn file and the source sha256" \
  grep -q "sha256 mismatch for longhorn.io_settings.yaml: the downloaded .*/deploy/longhorn.yaml has" "$tmp/real.err"
check "... nothing on stdout" test ! -s "$tmp/real.out"
check "... no Longhorn file kept" test ! -e "$tmp/dest-real/longhorn.io_settings.yaml"
check "... and no other file either: the destination is not created (a partial cache would shadow other schemas)" \
  test ! -e "$tmp/dest-real"

# Corrupt one served file.
victim=$(find "$srv/backube" -name volsync.backube_replicationsources.yaml)
cp "$victim" "$tmp/victim.orig"
printf '# one more line\n' >>"$victim"
expected=$(sha "$tmp/victim.orig")
actual=$(sha "$victim")
run corrupt --lock "$test_lock" --dest "$tmp/dest-corrupt"
check "corrupted upstream file: exit 1" test "$rc" = 1
check "... stderr names the file, the expected and the actual sha256" \
  grep -q "sha256 mismatch for volsync.backube_replicationsources.yaml (replicationsources.volsync.backube): expected $expected, got $actual" "$tmp/corrupt.err"
check "... the bad file is not kept" test ! -e "$tmp/dest-corrupt/volsync.backube_replicationsources.yaml"
check "... nothing on stdout" test ! -s "$tmp/corrupt.out"
check "... and no partial destination is left" test ! -e "$tmp/dest-corrupt"
# A verified copy already in the destination is trusted, not re-downloaded, even when upstream changed.
run corrupt-cached --lock "$test_lock" --dest "$dest"
check "a verified cached copy is kept when the server's copy is corrupted" test "$rc" = 0
cp "$tmp/victim.orig" "$victim"

# A CRD changed inside the served longhorn.yaml, whose own sha256 the lock copy is told: the extracted sha256 catches it.
lh=$(find "$srv/longhorn" -name longhorn.yaml)
cp "$lh" "$tmp/lh.orig"
python3 - "$lh" "$test_lock" <<'EOF'
import hashlib, sys
lh, lock = sys.argv[1:]
data = open(lh, "rb").read()
old = hashlib.sha256(data).hexdigest()
new_data = data.replace(b"name: backuptargets.longhorn.io\n", b"name: backuptargets.longhorn.io\n  labels: {x: y}\n", 1)
open(lh, "wb").write(new_data)
text = open(lock).read().replace(old, hashlib.sha256(new_data).hexdigest())
open(lock + ".lh", "w").write(text)
EOF
run lh --lock "$test_lock.lh" --dest "$tmp/dest-lh"
check "a changed CRD inside longhorn.yaml (source sha256 updated): exit 1" test "$rc" = 1
check "... naming the extracted file" grep -q "sha256 mismatch for longhorn.io_backuptargets.yaml (backuptargets.longhorn.io): expected" "$tmp/lh.err"
check "... and no partial destination is left" test ! -e "$tmp/dest-lh"
cp "$tmp/lh.orig" "$lh"

rm "$(find "$srv/prometheus-operator" -name '*.yaml')"
run missing --lock "$test_lock" --dest "$tmp/dest-missing"
check "a file the server does not have (404): exit 1, naming the URL" \
  sh -c "[ $rc = 1 ] && grep -q 'could not download http://127.0.0.1:$port/prometheus-operator/' '$tmp/missing.err'"

# Offline: a mirror on a loopback port nobody listens on (connection refused, as an unresolvable host is).
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
start=$(date +%s)
CRDS_MIRROR="http://127.0.0.1:$closed" run offline --lock "$test_lock" --dest "$tmp/dest-offline"
took=$(( $(date +%s) - start ))
check "offline: exit 1 within seconds (took ${took}s)" sh -c "[ $rc = 1 ] && [ $took -le 15 ]"
check "... one download tried, not one per file and retry" test "$(grep -c 'could not download' "$tmp/offline.err")" = 1
check "... saying it cannot reach the host" grep -q "cannot reach http://127.0.0.1:$closed" "$tmp/offline.err"
check "... no destination created (an empty cache would shadow other schemas)" test ! -e "$tmp/dest-offline"
check "... no work directory left beside it" sh -c "! ls -d '$tmp'/dest-offline.fetch.* 2>/dev/null"
check "... nothing on stdout" test ! -s "$tmp/offline.out"
cp -r "$dest" "$tmp/dest-kept"
printf 'tampered\n' >>"$tmp/dest-kept/postgresql.cnpg.io_scheduledbackups.yaml"
CRDS_MIRROR="http://127.0.0.1:$closed" run offline-cached --lock "$test_lock" --dest "$tmp/dest-kept"
check "offline with a cache to heal: exit 1, the verified files stay" \
  sh -c "[ $rc = 1 ] && cmp -s '$tmp/dest-kept/volsync.backube_replicationsources.yaml' '$crds/volsync.backube_replicationsources.yaml'"

sed 's#/5ca54dab3f4183a335ba9722ad42d5b253f54b63/#/main/#' "$test_lock" >"$tmp/unpinned.lock.yaml"
run unpinned --lock "$tmp/unpinned.lock.yaml" --dest "$tmp/dest-unpinned"
check "a lock with a branch instead of a 40-hex commit is refused (exit 2)" \
  sh -c "[ $rc = 2 ] && grep -q 'url must be' '$tmp/unpinned.err'"

run nolock --lock "$tmp/absent.yaml" --dest "$tmp/dest-x"
check "a missing lock: exit 2" test "$rc" = 2

# --- dump-crds against a fake kubectl ---------------------------------------------------------------------------
bin="$tmp/bin"
mkdir -p "$bin"
cat >"$bin/kubectl" <<EOF
#!/usr/bin/env bash
# Fake kubectl: answers get crd NAME -o json from the real CRD files, with cluster-specific fields added.
printf '%s\n' "\$*" >>"$tmp/kubectl.log"
exec python3 - "$crds" "$lock" "\$@" <<'PYEOF'
import json, os, sys, yaml
crds, lock, args = sys.argv[1], sys.argv[2], sys.argv[3:]
if os.environ.get("FAKE_KUBECTL_FAIL"):
    print("error: You must be logged in to the server (Unauthorized)", file=sys.stderr); sys.exit(1)
name = args[args.index("crd") + 1]
fork = os.environ.get("FAKE_KUBECTL_FORK") == "1"
files = {}  # name -> file, from the lock (the fork's copy when the fake cluster runs the fork)
for e in yaml.load(open(lock), Loader=yaml.CSafeLoader)["crds"]:
    if e["file"].startswith("kopia-fork/") == fork or e["name"] not in files:
        files[e["name"]] = e["file"]
if not fork:
    files.pop("kopiamaintenances.volsync.backube", None)
files.pop("postgresclusters.postgres-operator.crunchydata.com", None)  # an operator this cluster does not run
have = {name: yaml.load(open(os.path.join(crds, files[name])), Loader=yaml.CSafeLoader)} if name in files else {}
if name not in have:
    sys.exit(0)  # --ignore-not-found
doc = have[name]
doc["metadata"].update(uid="0b7c", resourceVersion="123", creationTimestamp="2026-01-01T00:00:00Z", generation=4,
                       managedFields=[{"manager": "kubectl"}])
doc["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
doc["status"] = {"acceptedNames": {"kind": "X"}, "storedVersions": ["v1"]}
json.dump(doc, sys.stdout)
PYEOF
EOF
chmod +x "$bin/kubectl"

# compare DIR FILE...: each dumped file parses to the real CRD (the fake's additions all stripped)
compare() {
  local dir=$1; shift
  python3 - "$dir" "$crds" "$@" <<'EOF'
import sys, yaml
dir, crds, files = sys.argv[1], sys.argv[2], sys.argv[3:]
bad = 0
for f in files:
    load = lambda p: yaml.load(open(p), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    got, want = load(f"{dir}/{f}"), load(f"{crds}/{f}")
    if got != want:
        print("  differs:", f); bad = 1
sys.exit(bad)
EOF
}
live="$tmp/live"
PATH="$bin:$PATH" "$dump" --context homelab --dest "$live" >"$tmp/dump.out" 2>"$tmp/dump.err"; rc=$?
check "dump-crds exits 0" test "$rc" = 0
check "... prints the directory last" test "$(tail -n1 "$tmp/dump.out")" = "$live"
check "... passes --context to kubectl" grep -q -- "--context homelab get crd replicationsources.volsync.backube -o json" "$tmp/kubectl.log"
check "... strips status, uid, resourceVersion, creationTimestamp, generation, managedFields, last-applied" \
  compare "$live" volsync.backube_replicationsources.yaml longhorn.io_settings.yaml postgresql.cnpg.io_clusters.yaml
check "... keeps other annotations" grep -q "controller-gen.kubebuilder.io/version" "$live/postgresql.cnpg.io_clusters.yaml"
check "... skips and lists a CRD the cluster lacks" \
  sh -c "[ ! -e '$live/postgres-operator.crunchydata.com_postgresclusters.yaml' ] && grep -q 'skipped: postgresclusters.postgres-operator.crunchydata.com' '$tmp/dump.err'"
check "... leaves kopia-fork/ empty without the fork's kopiamaintenances" test ! -e "$live/kopia-fork/volsync.backube_replicationsources.yaml"
check "... the render's files are all CRDs" \
  python3 -c 'import sys,glob,yaml; sys.exit(any(yaml.load(open(f),Loader=yaml.CSafeLoader)["kind"]!="CustomResourceDefinition" for f in glob.glob(sys.argv[1]+"/**/*.yaml",recursive=True)))' "$live"

FAKE_KUBECTL_FORK=1 PATH="$bin:$PATH" "$dump" --dest "$live" >"$tmp/dump2.out" 2>"$tmp/dump2.err"; rc=$?
check "with the Kopia fork: kopia-fork/ gets the cluster's CRDs" \
  sh -c "[ $rc = 0 ] && [ -f '$live/kopia-fork/volsync.backube_kopiamaintenances.yaml' ]"
check "... the same as the fork's files" compare "$live" kopia-fork/volsync.backube_replicationsources.yaml kopia-fork/volsync.backube_kopiamaintenances.yaml
PATH="$bin:$PATH" "$dump" --dest "$live" >/dev/null 2>&1
check "a later dump without the fork removes the stale kopia-fork/ files" test ! -e "$live/kopia-fork/volsync.backube_kopiamaintenances.yaml"

FAKE_KUBECTL_FAIL=1 PATH="$bin:$PATH" "$dump" --dest "$tmp/live-fail" >"$tmp/dump3.out" 2>"$tmp/dump3.err"; rc=$?
check "kubectl failing: exit 1 with its message, nothing on stdout" \
  sh -c "[ $rc = 1 ] && grep -q Unauthorized '$tmp/dump3.err' && [ ! -s '$tmp/dump3.out' ]"

echo "fetch-crds tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
