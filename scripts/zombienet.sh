#!/usr/bin/env bash
# Runs the zombienet tests (native provider) against the node this repository builds:
#
#   scripts/zombienet.sh                      # every zombienet/*.zndsl
#   scripts/zombienet.sh zombienet/local.zndsl
#
# Installs the pinned zombienet CLI (zombienet/package.json and its lock file) from the npm
# registry into ~/.cache/opg/zombienet on first use; builds the node like scripts/build.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "${OPG_NO_BUILD:-0}" = 1 ] || "$here/build.sh"
source "$here/env.sh"
cd "$here/.."

cli_dir="$OPG_CACHE/zombienet"
mkdir -p "$cli_dir"
if ! cmp -s zombienet/package-lock.json "$cli_dir/package-lock.json" || [[ ! -x "$cli_dir/node_modules/.bin/zombienet" ]]; then
  cp zombienet/package.json zombienet/package-lock.json "$cli_dir/"
  (cd "$cli_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
zombienet="$cli_dir/node_modules/.bin/zombienet"

tests=("$@")
((${#tests[@]})) || tests=(zombienet/*.zndsl)
for t in "${tests[@]}"; do
  echo "[zombienet] $t"
  (cd "$(dirname "$t")" && OPG_NODE_BIN="$OPG_NODE_BIN" "$zombienet" -p native -l text test "$(basename "$t")")
done
