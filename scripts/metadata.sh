#!/usr/bin/env bash
# Refreshes client/metadata/opg.scale, the runtime metadata opg-client's interface is generated
# from, from a dev node built from this workspace. Run it after changing the runtime's calls,
# storage, events or types (client/tests/cli.rs fails while the file is stale), then rebuild.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/build.sh"
source "$here/env.sh"
cli="$CARGO_TARGET_DIR/$OPG_PROFILE/opg-cli"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
p2p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log="$(mktemp)"
"$OPG_NODE_BIN" --dev --tmp --rpc-port "$port" --port "$p2p" --no-prometheus --no-telemetry >"$log" 2>&1 &
node=$!
trap 'kill "$node" 2>/dev/null; wait "$node" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 60); do
  if "$cli" --url "ws://127.0.0.1:$port" metadata --out "$here/../client/metadata/opg.scale" 2>/dev/null; then
    echo "[metadata] client/metadata/opg.scale refreshed; rebuild (scripts/build.sh) to regenerate the client"
    exit 0
  fi
  sleep 1
done
echo "[metadata] the dev node did not answer; its log:" >&2
tail -20 "$log" >&2
exit 1
