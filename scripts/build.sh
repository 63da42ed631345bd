#!/usr/bin/env bash
# Builds everything once: the node, the runtime, the examples and every test binary, with the
# one feature set `scripts/test.sh` uses (a `cargo build -p opg-node` would unify features
# differently and rebuild much of Substrate, ~40 min on 2 cores). Sets the machine up first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
source "$here/env.sh"
cd "$here/.."
cargo test --profile "$OPG_PROFILE" --workspace --features "$OPG_FEATURES" --no-run "$@"
