#!/usr/bin/env bash
# Refreshes client/metadata/opg.scale, the runtime metadata opg-client's interface is generated
# from, from a dev node built from this workspace. Run it after changing the runtime's calls,
# storage, events or types (client/tests/cli.rs fails while the file is stale), then rebuild.
#
# The client may not compile against the stale file this script replaces (its code may already
# use a changed call), so the workspace is built with `--keep-going` and only a failure outside
# opg-client stops the script; the metadata is read over the node's JSON-RPC with Python.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
source "$here/env.sh"
cd "$here/.."
log="$(mktemp)"
node=""
trap '[[ -n $node ]] && kill "$node" 2>/dev/null; [[ -n $node ]] && wait "$node" 2>/dev/null; rm -f "$log"' EXIT
cargo build --profile "$OPG_PROFILE" --workspace --features "$OPG_FEATURES" --keep-going 2>&1 \
  | tee "$log" || true
failed=$(grep -o 'could not compile `[^`]*`' "$log" | grep -v '`opg-client`' || true)
if [[ -n $failed ]]; then
  echo "[metadata] the node did not build: $failed" >&2
  exit 1
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
p2p=$(free_port)
"$OPG_NODE_BIN" --dev --tmp --rpc-port "$port" --port "$p2p" --no-prometheus --no-telemetry >"$log" 2>&1 &
node=$!
out="client/metadata/opg.scale"
for _ in $(seq 60); do
  # `Metadata_metadata_at_version(16)` answers an `Option<OpaqueMetadata>`: a `Some` byte, a
  # compact length, the SCALE metadata subxt's codegen reads.
  if python3 - "$port" "$out" <<'PY' 2>/dev/null; then
import json, sys, urllib.request
port, out = sys.argv[1], sys.argv[2]
body = {"id": 1, "jsonrpc": "2.0", "method": "state_call",
        "params": ["Metadata_metadata_at_version", "0x10000000"]}
request = urllib.request.Request(f"http://127.0.0.1:{port}", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
answer = bytes.fromhex(json.load(urllib.request.urlopen(request, timeout=5))["result"][2:])
assert answer[0] == 1, "the node has no v16 metadata"
mode = answer[1] & 3
width = {0: 1, 1: 2, 2: 4}[mode]
length = int.from_bytes(answer[1:1 + width], "little") >> 2
metadata = answer[1 + width:]
assert len(metadata) == length, "truncated metadata"
open(out, "wb").write(metadata)
PY
    echo "[metadata] $out refreshed; rebuild (scripts/build.sh) to regenerate the client"
    exit 0
  fi
  sleep 1
done
echo "[metadata] the dev node did not answer; its log:" >&2
tail -20 "$log" >&2
exit 1
