# shellcheck shell=bash
# Kopia drill cases, sourced by run.sh (uses its helpers, $WORK, $DATA, $NS...).
# kopia itself is not installable here (the Go module proxy refuses
# github.com/kopia/kopia), so these run kopia-drill.sh against kopia-stub.sh,
# which mimics the output formats of kopia v0.22.3. See drills/README.md.

KROOT=$WORK/kopia-repos
KBIN=$WORK/kopia-bin
mkdir -p "$KBIN"
printf '#!/bin/bash\nexec bash %q "$@"\n' "$HERE/kopia-stub.sh" >"$KBIN/kopia"
chmod +x "$KBIN/kopia"
KOPIA_PASSWORD_OK=kopia-drill-password
KOPIA_ENDPOINT=127.0.0.1:$PORT

# kfix APP: an empty stub repository for APP at s3://volsync/$NS/APP/.
kfix() {
	local d=$KROOT/volsync/$NS/$1/
	mkdir -p "$d/snap"
	: >"$d/kopia.repository"
	printf '%s\n' "$KOPIA_PASSWORD_OK" >"$d/password"
	[[ -s $d/unique-id ]] || od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$d/unique-id"
	printf '%s' "$d"
}

# kman ID HOST EPOCH SIZE FILES [INCOMPLETE]: one manifest as kopia's JSON prints it.
kman() {
	local id=$1 host=$2 t size=$4 files=$5 inc=${6:-}
	t=$(date -u -d "@$3" +%Y-%m-%dT%H:%M:%S.123456789Z)
	printf '{"id":"%s","source":{"host":"%s","userName":"volsync","path":"/data"},' "$id" "$host"
	# a description that looks like keys, to show the parser only matches real ones
	printf '"description":"not \\"startTime\\":\\"1999-01-01T00:00:00Z\\" nor \\"summ\\":{\\"size\\":1,\\"files\\":1}",'
	printf '"startTime":"%s","endTime":"%s",' "$t" "$t"
	printf '"stats":{"totalSize":%d,"excludedTotalSize":0,"fileCount":%d,"cachedFiles":0,"nonCachedFiles":%d,"dirCount":2,"excludedFileCount":0,"excludedDirCount":0,"ignoredErrorCount":0,"errorCount":0},' "$size" "$files" "$files"
	[[ -z $inc ]] || printf '"incomplete":"%s",' "$inc"
	printf '"rootEntry":{"name":"data","type":"d","mode":"0755","mtime":"%s","obj":"k0123456789abcdef0123456789abcdef","summ":{"size":%d,"files":%d,"symlinks":0,"dirs":2,"maxTime":"%s","numFailed":0}},"retentionReason":["latest-1","daily-1"]}' \
		"$t" "$size" "$files" "$t"
}

# klist DIR MANIFEST...: DIR/snapshots.json in kopia's list layout.
klist() {
	local d=$1 sep=$'\n '
	shift
	{
		printf '['
		for m in "$@"; do
			printf '%s%s' "$sep" "$m"
			sep=$',\n '
		done
		printf '\n]'
	} >"$d/snapshots.json"
}

# kopia_case ID NAME WANT_RC REGEX VAR=VALUE...: run the kopia drill against the
# stub in $WORK/cases/kopia-ID and check it.
kopia_case() {
	local id=$1 name=$2 want_rc=$3 regex=$4
	shift 4
	local dir=$WORK/cases/kopia-$id
	run_drill "$dir" "$DRILLS/kopia-drill.sh" \
		PATH="$KBIN:/usr/local/bin:/usr/bin:/bin" KOPIA_STUB_ROOT="$KROOT" \
		KOPIA_STUB_ENDPOINT="$KOPIA_ENDPOINT" KOPIA_STUB_PLAIN_HTTP=true \
		KOPIA_PASSWORD="$KOPIA_PASSWORD_OK" AWS_REGION=us-east-1 AWS_S3_ENDPOINT="http://$KOPIA_ENDPOINT" \
		KOPIA_S3_DISABLE_TLS=true DRILL_VERIFY_PERCENT=5 "$@"
	check_drill "kopia(stub) $name" "$dir" "$want_rc" "$regex"
}
krepo() { printf 's3://volsync/%s/%s/' "$NS" "$1"; }

now=$(date +%s)
KSNAP='snapshot=[0-9a-f]{8} time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z age=[0-9]+s'
OLD=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
NEW=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
INC=cccccccccccccccccccccccccccccccc

# whole: the newest of two sources (an older one from another host), plus a
# newer incomplete checkpoint that must be skipped.
d=$(kfix whole)
cp -a "$DATA/whole/." "$d/snap/$NEW/"
cp -a "$DATA/whole/." "$d/snap/$OLD/"
klist "$d" "$(kman $OLD other-host $((now - 7200)) "$WHOLE_BYTES" "$WHOLE_FILES")" \
	"$(kman $NEW volsync $((now - 600)) "$WHOLE_BYTES" "$WHOLE_FILES")" \
	"$(kman $INC volsync $((now - 60)) 1 1 checkpoint)"
kopia_case whole "whole restore fits scratch -> PASS mode=whole" 0 \
	"^drill PASS app=whole snapshot=bbbbbbbb time=[^ ]+ age=(59[0-9]|6[0-9][0-9])s files=$WHOLE_FILES bytes=$WHOLE_BYTES mode=whole subset=5% $IDENT\$" \
	KOPIA_REPOSITORY="$(krepo whole)" DRILL_APP=whole
if grep -q "restored $WHOLE_FILES files, $WHOLE_BYTES bytes" "$WORK/cases/kopia-whole/stdout"; then
	ok "kopia(stub) whole restore restored every file"
else
	not_ok "kopia(stub) whole restore restored every file" "see $WORK/cases/kopia-whole/stdout"
fi

# sample: k = 1..4 of 4 must between them restore every file once.
d=$(kfix sample)
cp -a "$DATA/sample/." "$d/snap/$NEW/"
klist "$d" "$(kman $NEW volsync $((now - 600)) "$SAMPLE_BYTES" "$SAMPLE_FILES")"
: >"$WORK/ksampled"
for k in 1 2 3 4; do
	kopia_case sample-$k "bigger than scratch -> PASS mode=sample (rotation $k/4)" 0 \
		"^drill PASS app=sample $KSNAP files=$SAMPLE_FILES bytes=$SAMPLE_BYTES mode=sample subset=5% $IDENT\$" \
		KOPIA_REPOSITORY="$(krepo sample)" DRILL_APP=sample DRILL_SCRATCH_BYTES=35000 DRILL_READ_SUBSETS=4 DRILL_SUBSET=$k
	sed -n 's/^drill: sample: \(.*\) ([0-9]* bytes, object [0-9a-f]*)$/\1/p' \
		"$WORK/cases/kopia-sample-$k/stdout" >>"$WORK/ksampled"
done
if [[ $(sort -u "$WORK/ksampled" | wc -l) == "$SAMPLE_FILES" && $(wc -l <"$WORK/ksampled") == "$SAMPLE_FILES" ]]; then
	ok "kopia(stub) samples rotate over all files, awkward names included"
else
	not_ok "kopia(stub) samples rotate over all files, awkward names included" "sampled: $(sort "$WORK/ksampled" | tr '\n' '|')"
fi

d=$(kfix none)
klist "$d"
kopia_case none "no snapshot -> FAIL no-snapshot" 1 '^drill FAIL app=none reason=no-snapshot .*incomplete=0$' \
	KOPIA_REPOSITORY="$(krepo none)" DRILL_APP=none

d=$(kfix only-incomplete)
klist "$d" "$(kman $INC volsync $((now - 60)) 1 1 checkpoint)"
kopia_case only-incomplete "only an incomplete checkpoint -> FAIL no-snapshot" 1 '^drill FAIL app=only-incomplete reason=no-snapshot .*incomplete=1$' \
	KOPIA_REPOSITORY="$(krepo only-incomplete)" DRILL_APP=only-incomplete

d=$(kfix empty)
mkdir -p "$d/snap/$NEW/lost+found"
klist "$d" "$(kman $NEW volsync $((now - 600)) 0 0)"
kopia_case empty "empty snapshot -> FAIL empty-snapshot" 1 "^drill FAIL app=empty reason=empty-snapshot $KSNAP files=0 bytes=0\$" \
	KOPIA_REPOSITORY="$(krepo empty)" DRILL_APP=empty

kopia_case stale "stale snapshot -> FAIL stale" 1 "^drill FAIL app=whole reason=stale $KSNAP max_age=86400s\$" \
	KOPIA_REPOSITORY="$(krepo whole)" DRILL_APP=whole DRILL_MAX_AGE_SECONDS=86400 DRILL_NOW=$((now + 2 * 86400))

kopia_case wrong-password "wrong password -> FAIL repository-unreadable" 1 \
	'^drill FAIL app=whole reason=repository-unreadable exit=1 error=".*invalid repository password' \
	KOPIA_REPOSITORY="$(krepo whole)" DRILL_APP=whole KOPIA_PASSWORD=not-the-password

kopia_case missing "no repository at the prefix -> FAIL repository-unreadable" 1 \
	'^drill FAIL app=missing reason=repository-unreadable exit=1 error=".*not initialized' \
	KOPIA_REPOSITORY="$(krepo missing)" DRILL_APP=missing

kopia_case plain-http "plain HTTP without KOPIA_S3_DISABLE_TLS -> FAIL repository-unreadable" 1 \
	'^drill FAIL app=whole reason=repository-unreadable exit=1 ' \
	KOPIA_REPOSITORY="$(krepo whole)" DRILL_APP=whole KOPIA_S3_DISABLE_TLS=

d=$(kfix verify-bad)
cp -a "$DATA/whole/." "$d/snap/$NEW/"
klist "$d" "$(kman $NEW volsync $((now - 600)) "$WHOLE_BYTES" "$WHOLE_FILES")"
: >"$d/verify-fails"
kopia_case verify-bad "verify finds damage -> FAIL verify-failed" 1 "^drill FAIL app=verify-bad reason=verify-failed snapshot=bbbbbbbb percent=5 exit=1\$" \
	KOPIA_REPOSITORY="$(krepo verify-bad)" DRILL_APP=verify-bad

d=$(kfix restore-bad)
cp -a "$DATA/whole/." "$d/snap/$NEW/"
klist "$d" "$(kman $NEW volsync $((now - 600)) "$WHOLE_BYTES" "$WHOLE_FILES")"
: >"$d/restore-fails"
kopia_case restore-bad "restore error -> FAIL restore-failed" 1 "^drill FAIL app=restore-bad reason=restore-failed snapshot=bbbbbbbb mode=whole exit=1\$" \
	KOPIA_REPOSITORY="$(krepo restore-bad)" DRILL_APP=restore-bad

d=$(kfix short)
cp -a "$DATA/sample/." "$d/snap/$NEW/"
klist "$d" "$(kman $NEW volsync $((now - 600)) "$SAMPLE_BYTES" "$SAMPLE_FILES")"
: >"$d/restore-truncates"
kopia_case short "restored file has the wrong size -> FAIL restore-mismatch" 1 "^drill FAIL app=short reason=restore-mismatch snapshot=bbbbbbbb mode=sample " \
	KOPIA_REPOSITORY="$(krepo short)" DRILL_APP=short DRILL_SCRATCH_BYTES=35000

# a manifest whose summary claims one file more than the snapshot holds
d=$WORK/kopia-repos-lying/volsync/$NS/whole
mkdir -p "$d"
cp -a "$KROOT/volsync/$NS/whole/." "$d/"
klist "$d" "$(kman $NEW volsync $((now - 600)) "$WHOLE_BYTES" $((WHOLE_FILES + 1)))"
kopia_case lying "summary disagrees with the restored tree -> FAIL restore-mismatch" 1 \
	"^drill FAIL app=whole reason=restore-mismatch snapshot=bbbbbbbb mode=whole files=$WHOLE_FILES/$((WHOLE_FILES + 1)) " \
	KOPIA_REPOSITORY="$(krepo whole)" DRILL_APP=whole KOPIA_STUB_ROOT="$WORK/kopia-repos-lying"

# Repository identity: the unique id of `kopia repository status --json` and the complete snapshots' history.
d=$(kfix kident)
cp -a "$DATA/whole/." "$d/snap/$NEW/"
cp -a "$DATA/whole/." "$d/snap/$OLD/"
klist "$d" "$(kman $OLD volsync $((now - 5 * 86400)) "$WHOLE_BYTES" "$WHOLE_FILES")" \
	"$(kman $NEW volsync $((now - 600)) "$WHOLE_BYTES" "$WHOLE_FILES")"
KID=$(cat "$d/unique-id")
KOLDEST=$(date -u -d "@$((now - 5 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
kopia_case ident-same "the recorded repository -> PASS, its unique id and history in the verdict" 0 \
	"^drill PASS app=kident $KSNAP files=$WHOLE_FILES bytes=$WHOLE_BYTES mode=whole subset=5% repository=$KID snapshots=2 oldest=$KOLDEST\$" \
	KOPIA_REPOSITORY="$(krepo kident)" DRILL_APP=kident EXPECTED_REPOSITORY_ID="$KID" EXPECTED_OLDEST="$KOLDEST" \
	DRILL_KEEP_SECONDS=$((13 * 86400)) DRILL_KEEP_BUCKET_SECONDS=86400
OTHER_ID=$(printf 'e%.0s' $(seq 1 64))
kopia_case ident-replaced "another unique id than the recorded one -> FAIL repository-replaced" 1 \
	"^drill FAIL app=kident reason=repository-replaced expected=$OTHER_ID found=$KID snapshots=2 oldest=$KOLDEST\$" \
	KOPIA_REPOSITORY="$(krepo kident)" DRILL_APP=kident EXPECTED_REPOSITORY_ID="$OTHER_ID"
klist "$d" "$(kman $NEW volsync $((now - 600)) "$WHOLE_BYTES" "$WHOLE_FILES")"
kopia_case ident-history "the recorded oldest snapshot gone inside the keep span -> FAIL history-lost" 1 \
	"^drill FAIL app=kident reason=history-lost repository=$KID recorded_oldest=$KOLDEST oldest=[0-9T:Z-]+ snapshots=1 keep=$((13 * 86400))s\$" \
	KOPIA_REPOSITORY="$(krepo kident)" DRILL_APP=kident EXPECTED_REPOSITORY_ID="$KID" EXPECTED_OLDEST="$KOLDEST" \
	DRILL_KEEP_SECONDS=$((13 * 86400)) DRILL_KEEP_BUCKET_SECONDS=86400
