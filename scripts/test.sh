#!/usr/bin/env bash
# Runs every test of the project: unit tests of all crates, the runtime tests, and the end-to-end
# tests that start real opg-node processes (dev chain, three-validator local network).
# Sets the machine up first (idempotent). One build profile serves the node and all tests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$here/.."
start=$(date +%s)
# Formatting and clippy first: a lint failure fails the run.
"$here/check.sh"
# The web app's unit tests (Node's test runner; its browser test is client/tests/web.rs).
(cd web && npm test --silent)
# The arm64 build of opg-probe, which inference/tests/cross_cpu.rs runs under qemu-aarch64 (the
# cross toolchain comes from setup.sh).
cross_start=$(date +%s)
cargo build --profile "$OPG_PROFILE" --target aarch64-unknown-linux-gnu -p opg-inference --bin opg-probe
export OPG_PROBE_AARCH64="$CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/$OPG_PROFILE/opg-probe"
echo "[test] arm64 opg-probe built in $(( $(date +%s) - cross_start )) s"
# One cargo call for the whole workspace, so there is exactly one feature set to keep warm (the
# node embeds the candle engine; building a subset with `-p` would unify features differently
# and rebuild much of Substrate).
status=0
cargo test --profile "$OPG_PROFILE" --workspace --features "$OPG_FEATURES" --no-fail-fast "$@" || status=1
if ((status)); then
  echo "[test] FAILED (see above) after $(( $(date +%s) - start )) s" >&2
  exit 1
fi
echo "[test] all tests passed in $(( $(date +%s) - start )) s"
