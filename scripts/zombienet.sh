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

# The `local` chain's raw spec, as the node builds it. Zombienet customizes a plain spec by
# rewriting `session.keys` with the key set it knows (Aura, GRANDPA, BABE…), which lacks this
# runtime's executor key `infr`; a raw spec it takes as it is. Its genesis validators (Alice, Bob,
# Charlie, with their //Name keys) are the networks' validators.
spec_dir="$(mktemp -d)"
trap 'rm -rf "$spec_dir"' EXIT
OPG_LOCAL_SPEC="$spec_dir/local-raw.json"
"$OPG_NODE_BIN" build-spec --chain local --raw --disable-default-bootnode >"$OPG_LOCAL_SPEC" 2>/dev/null
export OPG_LOCAL_SPEC

tests=("$@")
((${#tests[@]})) || tests=(zombienet/*.zndsl)
for t in "${tests[@]}"; do
  echo "[zombienet] $t"
  (cd "$(dirname "$t")" && OPG_NODE_BIN="$OPG_NODE_BIN" OPG_LOCAL_SPEC="$OPG_LOCAL_SPEC" "$zombienet" -p native -l text test "$(basename "$t")")
done
