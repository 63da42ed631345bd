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
cargo test --profile "$OPG_PROFILE" --workspace --no-fail-fast "$@"
echo "[test] all tests passed in $(( $(date +%s) - start )) s"
