#!/usr/bin/env bash
# The program jar of an earlier commit of this repository, for the upgrade scenario: built once from `git archive`
# of that commit (Maven offline when the local repository has its dependencies, as on the machine that built the
# current one) into the e2e cache, keyed by the commit. Prints the jar's path.
# Usage: e2e/harness/release-jar.sh COMMIT
set -euo pipefail
commit=${1:?usage: release-jar.sh COMMIT}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
full=$(git -C "$repo" rev-parse --verify "$commit^{commit}") || { echo "release-jar: $commit is not a commit of $repo" >&2; exit 1; }
cache="${HOMELAB_E2E_CACHE:-$HOME/.cache/homelab-backups-e2e}/release-jars"
jar="$cache/$full.jar"
if [ ! -s "$jar" ]; then
  src=$(mktemp -d "${TMPDIR:-/tmp}/homelab-release.XXXXXX")
  trap 'rm -rf "$src"' EXIT
  git -C "$repo" archive "$full" | tar -x -C "$src"
  echo "release-jar: building ${full:0:12} (mvn package -DskipTests)" >&2
  (cd "$src" && { mvn -B -q -o package -DskipTests >&2 2>&1 || mvn -B -q package -DskipTests >&2; })
  mkdir -p "$cache"
  cp "$src/target/homelab-backups-all.jar" "$jar.tmp" && mv -f "$jar.tmp" "$jar"
fi
echo "$jar"
