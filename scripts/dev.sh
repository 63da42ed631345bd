#!/usr/bin/env bash
# Starts a development chain: one validator (Alice), blocks every 6 s, finalized by GRANDPA,
# JSON-RPC on ws://127.0.0.1:9944. Sets the machine up and builds the node first when needed.
# Extra arguments go to opg-node (e.g. `scripts/dev.sh --tmp` for a throwaway chain).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
source "$here/env.sh"
cd "$here/.."
cargo build --profile "$OPG_PROFILE" -p opg-node
exec "$OPG_NODE_BIN" --dev "$@"
