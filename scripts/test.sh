#!/usr/bin/env bash
# Runs every test of the project: unit tests of all crates, the runtime tests, and the end-to-end
# tests that start real opg-node processes (dev chain, three-validator local network).
# Sets the machine up first (idempotent). One build profile serves the node and all tests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
source "$here/env.sh"
cd "$here/.."
start=$(date +%s)
# Two groups, each built with its own feature set: the chain (runtime, node, pallets, primitives)
# and the candle engine. Until the node embeds the engine, building both in one cargo call would
# unify features across the two dependency trees (getrandom, zerocopy, ...) and rebuild most of
# Substrate for nothing.
status=0
cargo test --profile "$OPG_PROFILE" --workspace --exclude opg-inference --no-fail-fast "$@" || status=1
cargo test --profile "$OPG_PROFILE" -p opg-inference --no-fail-fast "$@" || status=1
if ((status)); then
  echo "[test] FAILED (see above) after $(( $(date +%s) - start )) s" >&2
  exit 1
fi
echo "[test] all tests passed in $(( $(date +%s) - start )) s"
