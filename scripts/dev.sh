#!/usr/bin/env bash
# Starts a development chain: one validator (Alice, also the bonded executor whose off-chain
# worker answers inference requests), blocks every 6 s, finalized by GRANDPA, JSON-RPC on
# ws://127.0.0.1:9944. Sets the machine up and builds the node first when needed.
# Extra arguments go to opg-node (e.g. `scripts/dev.sh --tmp` for a throwaway chain).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/build.sh"
source "$here/env.sh"
exec "$OPG_NODE_BIN" --dev "$@"
