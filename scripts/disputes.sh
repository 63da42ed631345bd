#!/usr/bin/env bash
# Measures the dispute game on a fresh three-validator local chain whose third validator lies
# (`--dev-executor-fault wrong-output`): blocks from a wrong result to its correction over N
# wrong results (default 20), then the share of wrong results the watchers catch at the default
# 10% sample over M requests (default 120). `scripts/disputes.sh [N] [M]`; takes ~15 minutes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/build.sh"
source "$here/env.sh"
exec "$CARGO_TARGET_DIR/$OPG_PROFILE/examples/disputes" "$@"
