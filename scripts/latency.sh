#!/usr/bin/env bash
# Measures request → result → final latency (in blocks) and the off-chain workers' inference
# time on a fresh dev chain: `scripts/latency.sh [N]` (default 50 requests).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/build.sh"
source "$here/env.sh"
exec "$CARGO_TARGET_DIR/$OPG_PROFILE/examples/latency" "$@"
