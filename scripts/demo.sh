#!/usr/bin/env bash
# The end-to-end demo: starts `opg-node --dev` (or uses the node at `--rpc-port N`), has Bob
# request the bundled digits MLP, and prints the request, the result Alice's off-chain worker
# computed and signed, and the blocks in which it was requested, answered and made final.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/build.sh"
source "$here/env.sh"
exec "$CARGO_TARGET_DIR/$OPG_PROFILE/examples/demo" "$@"
