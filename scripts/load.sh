#!/usr/bin/env bash
# A bounded load test on a fresh three-validator local chain on loopback: N inference requests
# of the bundled digits MLP from M accounts, submitted at once, followed to their results and to
# finality. Prints throughput (final requests per block and per second) and latency percentiles
# (blocks and seconds from submission to result and to finality).
#
#   scripts/load.sh [N] [M]        # default 200 requests from 20 accounts
#
# The network runs on ports 19944.. / 40333.. under a temporary directory and is stopped (by
# PID) when the script ends.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requests="${1:-200}"
accounts="${2:-20}"
"$here/build.sh" >&2
source "$here/env.sh"
export OPG_LOCAL_DIR="$(mktemp -d -t opg-load-XXXXXX)" OPG_LOCAL_RPC=19944 OPG_LOCAL_P2P=40333 OPG_NO_BUILD=1
trap '"$here/local.sh" stop; rm -rf "$OPG_LOCAL_DIR"' EXIT
"$here/local.sh" start
"$CARGO_TARGET_DIR/$OPG_PROFILE/opg-cli" --url "ws://127.0.0.1:$OPG_LOCAL_RPC" --suri //Alice \
  bench --requests "$requests" --accounts "$accounts"
