#!/bin/bash
# A stand-in for the kopia CLI, for testing kopia-drill.sh where kopia itself
# cannot be installed (the Go module proxy does not serve github.com/kopia/kopia
# here). It answers only the commands the drill uses, with the output formats of
# kopia v0.22.3 as read from its source (cli/command_snapshot_list.go,
# cli/json_output.go, cli/command_ls.go, snapshot/manifest.go). It proves the
# drill's flag building, parsing and decisions, not kopia's own behaviour.
#
# A "repository" is a directory $KOPIA_STUB_ROOT/<bucket>/<prefix> holding:
#   kopia.repository   marker        password        the repository password
#   unique-id          the repository's unique id (64 hex digits: 32 random bytes,
#                      kopia v0.22.3 repo/format/format_manager.go UniqueIDLengthBytes)
#   snapshots.json     `snapshot list --all --json` output
#   snap/<id>/         each snapshot's files
#   verify-fails, restore-fails, restore-truncates   optional failure switches
# The endpoint must equal $KOPIA_STUB_ENDPOINT and --disable-tls must be given
# when $KOPIA_STUB_PLAIN_HTTP is true.
set -euo pipefail

die() {
	printf 'ERROR %s\n' "$*" >&2
	exit 1
}

config='' words=() flags=()
for a in "$@"; do
	case $a in
	--config-file=*) config=${a#--config-file=} ;;
	--version) echo "0.22.3 build: kopia-stub" && exit 0 ;;
	-*) flags+=("$a") ;;
	*) words+=("$a") ;;
	esac
done
has_flag() {
	local f
	for f in "${flags[@]}"; do [[ $f == "$1" ]] && return 0; done
	return 1
}
flag_value() {
	local f
	for f in "${flags[@]}"; do
		if [[ $f == "$1="* ]]; then
			printf '%s' "${f#"$1"=}"
			return 0
		fi
	done
	return 1
}
[[ -n $config ]] || die "the drill must pass --config-file"
has_flag --no-auto-maintenance || die "the drill must pass --no-auto-maintenance"

# oid_of SNAPSHOT RELPATH: a stable fake object ID ("k..." for directories).
oid_of() { printf '%s' "$1/$2" | sha256sum | cut -c1-32; }

repo_dir() {
	[[ -f $config ]] || die "not connected to a repository (no $config)"
	local d
	d=$(cat "$config")
	[[ -d $d ]] || die "repository gone"
	printf '%s' "$d"
}

cmd="${words[*]:0:3}"
case $cmd in
"repository connect s3")
	has_flag --readonly || die "the drill must connect --readonly"
	has_flag --no-persist-credentials || die "the drill must pass --no-persist-credentials"
	has_flag --no-check-for-updates || die "the drill must pass --no-check-for-updates"
	bucket=$(flag_value --bucket) || die "required flag --bucket not provided"
	prefix=$(flag_value --prefix || true)
	endpoint=$(flag_value --endpoint) || die "no --endpoint"
	[[ $endpoint == "${KOPIA_STUB_ENDPOINT:-}" ]] || die "can't connect to storage: dial tcp $endpoint: connection refused"
	if [[ ${KOPIA_STUB_PLAIN_HTTP:-} == true ]] && ! has_flag --disable-tls; then
		die "can't connect to storage: http: server gave HTTP response to HTTPS client"
	fi
	[[ -n ${AWS_ACCESS_KEY_ID:-} && -n ${AWS_SECRET_ACCESS_KEY:-} ]] || die "required flag --access-key not provided"
	dir=$KOPIA_STUB_ROOT/$bucket/$prefix
	[[ -f $dir/kopia.repository ]] || die "error connecting to repository: repository not initialized in the provided storage"
	[[ ${KOPIA_PASSWORD:-} == "$(cat "$dir/password")" ]] || die "error connecting to repository: invalid repository password"
	mkdir -p "$(dirname "$config")"
	printf '%s\n' "$dir" >"$config"
	echo "Connected to repository."
	;;
"repository status"*)
	# cli/command_repository_status.go outputJSON: RepositoryStatus marshalled by
	# cli/json_output.go jsonBytes (json.Marshal: one line, no indent), uniqueIDHex
	# = hex.EncodeToString(dr.UniqueID()).
	dir=$(repo_dir)
	has_flag --json || die "the drill must ask for --json"
	printf '{"configFile":"%s","uniqueIDHex":"%s","clientOptions":{"hostname":"drill","username":"drill","readonly":true},"storage":{"type":"s3","config":{"bucket":"volsync"}},"contentFormat":{"hash":"BLAKE2B-256-128"},"objectFormat":{"splitter":"DYNAMIC-4M-BUZHASH"},"blobRetention":{}}\n' \
		"$config" "$(cat "$dir/unique-id")"
	;;
"repository disconnect"*)
	rm -f "$config"
	;;
"snapshot list"*)
	dir=$(repo_dir)
	has_flag --all || die "the drill must list --all"
	has_flag --json || die "the drill must list --json"
	cat "$dir/snapshots.json"
	;;
"snapshot verify"*)
	dir=$(repo_dir)
	flag_value --verify-files-percent >/dev/null || die "no --verify-files-percent"
	if [[ -f $dir/verify-fails ]]; then
		echo "ERROR error processing snapshot: object abcd: unexpected content error: invalid checksum" >&2
		die "encountered 1 errors"
	fi
	echo "Finished processing 42 objects."
	;;
"snapshot restore"*)
	dir=$(repo_dir)
	src=${words[2]:-} target=${words[3]:-}
	[[ -n $src && -n $target ]] || die "restore needs a source and a target"
	[[ $(flag_value --mode || true) == local ]] || die "the drill must restore --mode=local"
	[[ ! -f $dir/restore-fails ]] || die "error restoring: copy file: unable to open object: invalid checksum"
	if [[ -d $dir/snap/$src ]]; then
		mkdir -p "$target"
		cp -a "$dir/snap/$src/." "$target/"
		echo "Restored $(find "$target" -type f | wc -l) files."
	else
		found=''
		for s in "$dir"/snap/*/; do
			s=${s%/}
			while IFS= read -r -d '' f; do
				rel=${f#"$s"/}
				if [[ $(oid_of "$(basename "$s")" "$rel") == "$src" ]]; then
					found=$f
					break 2
				fi
			done < <(find "$s" -type f -print0)
		done
		[[ -n $found ]] || die "unable to get filesystem entry: object $src not found"
		if [[ -f $dir/restore-truncates ]]; then
			head -c 1 "$found" >"$target"
		else
			cp "$found" "$target"
		fi
		echo "Restored 1 files."
	fi
	;;
"ls "* | "list "*)
	dir=$(repo_dir)
	{ has_flag -l && has_flag -r; } || die "the drill must list -l -r"
	id=${words[1]:-}
	[[ -d $dir/snap/$id ]] || die "unable to get filesystem directory entry: snapshot $id not found"
	(cd "$dir/snap/$id" && find . -mindepth 1 -print0 | sort -z) | while IFS= read -r -d '' p; do
		rel=${p#./}
		f=$dir/snap/$id/$rel
		if [[ -L $f ]]; then
			printf 'Lrwxrwxrwx %12s %s %-34s %s\n' 0 "2026-01-02 03:04:05 UTC" "$(oid_of "$id" "$rel")" "$rel"
		elif [[ -d $f ]]; then
			printf '%s %12s %s %-34s %s/\n' "$(stat -c %A "$f")" 0 "2026-01-02 03:04:05 UTC" "k$(oid_of "$id" "$rel")" "$rel"
		else
			printf '%s %12s %s %-34s %s\n' "$(stat -c %A "$f")" "$(stat -c %s "$f")" "2026-01-02 03:04:05 UTC" "$(oid_of "$id" "$rel")" "$rel"
		fi
	done
	;;
*)
	die "kopia-stub: unsupported command: $*"
	;;
esac
