#!/usr/bin/env bash
# The long run of the property tests: every pallet's `random_calls_keep_every_invariant` with
# CALLS random calls each (default 100,000; the README's test command runs 2,000), the
# invariants checked after every call. Prints each pallet's figures: calls, blocks, successes,
# the distinct errors with their counts, and the invariant violations (0, or the test fails
# with the seed and call number that broke one).
#   scripts/property.sh [CALLS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$here/.."
export OPG_PROPERTY_CALLS="${1:-100000}"
start=$(date +%s)
cargo test --profile "$OPG_PROFILE" --workspace --features "$OPG_FEATURES" --lib \
  -- random_calls_keep_every_invariant --nocapture --test-threads 1 2>&1 | grep -E '^\[property\]|^test |panicked|FAILED|test result'
echo "[property] $OPG_PROPERTY_CALLS calls per pallet in $(( $(date +%s) - start )) s"
