#!/usr/bin/env bash
# The real backup tools the tests run, built once from Go modules into the tools cache (outside the repository) and
# shared by the drill tests (drills/test/run.sh) and the end-to-end world's movers (e2e/harness/run.sh):
#
#   restic 0.18.0   go install github.com/restic/restic/cmd/restic@v0.18.0 — the version VolSync 0.15.0's mover
#                   image vendors (backube/volsync v0.15.0 mover-restic/SOURCE_VERSIONS: v0.18.0 d401ad6c)
#   s3server        go build of drills/test/s3server (gofakes3 on a directory; listens on 127.0.0.1 only),
#                   rebuilt when its source changes
#
#   source scripts/test-tools.sh; restic=$(test_tools_restic); s3server=$(test_tools_s3server)
#   test_tools_start_s3 ROOT BUCKETS PORTFILE LOG   starts the server, prints its pid once the port is written
#
# Progress goes to stderr; each function prints one path (or pid) on stdout. HOMELAB_TOOLS overrides the cache.
TEST_TOOLS_DIR=${HOMELAB_TOOLS:-$HOME/.cache/homelab-backups-tools}
TEST_TOOLS_RESTIC_VERSION=0.18.0
TEST_TOOLS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

test_tools_go() {
	local go
	go=$(command -v go || true)
	[[ -z $go && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
	[[ -n $go ]] || { echo "test-tools: no go on PATH or in /usr/local/go/bin" >&2; return 2; }
	echo "$go"
}

test_tools_restic() {
	local dir=$TEST_TOOLS_DIR/restic-$TEST_TOOLS_RESTIC_VERSION go
	if [[ -x $dir/restic ]] && "$dir/restic" version 2>/dev/null | grep -q "^restic $TEST_TOOLS_RESTIC_VERSION "; then
		echo "restic $TEST_TOOLS_RESTIC_VERSION: cached in $dir" >&2
	else
		go=$(test_tools_go) || return
		echo "restic $TEST_TOOLS_RESTIC_VERSION: go install into $dir (a minute or two)" >&2
		mkdir -p "$dir"
		GOBIN=$dir GOFLAGS=-buildvcs=false "$go" install "github.com/restic/restic/cmd/restic@v$TEST_TOOLS_RESTIC_VERSION" >&2 || return
	fi
	echo "$dir/restic"
}

test_tools_s3server() {
	local src=$TEST_TOOLS_REPO/drills/test/s3server key bin go
	key=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)
	bin=$TEST_TOOLS_DIR/s3server-$key
	if [[ -x $bin ]]; then
		echo "s3server: cached in $bin" >&2
	else
		go=$(test_tools_go) || return
		echo "s3server: building $bin" >&2
		mkdir -p "$TEST_TOOLS_DIR"
		(cd "$src" && "$go" build -trimpath -o "$bin.tmp.$$" .) >&2 || return
		mv "$bin.tmp.$$" "$bin"
		find "$TEST_TOOLS_DIR" -maxdepth 1 -name 's3server-*' ! -name "s3server-$key" -type f -delete 2>/dev/null || true
	fi
	echo "$bin"
}

# test_tools_start_s3 ROOT BUCKETS PORTFILE LOG: starts the S3 server on 127.0.0.1 (the kernel picks the port, written
# to PORTFILE once listening) and prints its pid; the caller stops it by that pid.
test_tools_start_s3() {
	local bin pid
	bin=$(test_tools_s3server) || return
	mkdir -p "$1"
	rm -f "$3" # a port file left by an earlier server would be read as this one's
	"$bin" -listen 127.0.0.1:0 -root "$1" -buckets "$2" -portfile "$3" >"$4" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		[[ -s $3 ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ ! -s $3 ]]; then
		echo "test-tools: s3server did not start:" >&2
		cat "$4" >&2
		kill "$pid" 2>/dev/null
		return 2
	fi
	echo "$pid"
}
