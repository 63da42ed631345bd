#!/usr/bin/env bash
# The web app next to a dev chain: starts a throwaway `opg-node --dev --tmp` (JSON-RPC on
# ws://127.0.0.1:9944) and serves the page on http://127.0.0.1:8080. Ctrl-C stops both.
#
#   scripts/web.sh                          # a dev chain and the page
#   scripts/web.sh --rpc ws://127.0.0.1:9945 # only the page, for a node that is already running
#   OPG_WEB_PORT=8081 scripts/web.sh        # another port for the page
#
# Sets the machine up and builds the node first when needed (scripts/build.sh), builds the page
# (web/build.mjs: one bundle from the npm packages of web/package-lock.json, nothing fetched by
# the page at run time).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${OPG_WEB_PORT:-8080}"
rpc=""
if [ "${1:-}" = "--rpc" ]; then
  rpc="${2:?--rpc needs a ws:// URL}"
  "$here/setup.sh"
else
  "$here/build.sh"
fi
source "$here/env.sh"
node "$here/../web/build.mjs"
if [ -z "$rpc" ]; then
  rpc="ws://127.0.0.1:9944"
  "$OPG_NODE_BIN" --dev --tmp --rpc-port 9944 &
  node_pid=$!
  trap 'kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null' EXIT
  echo "[web] opg-node --dev (pid $node_pid) on $rpc"
fi
node "$here/../web/serve.mjs" --port "$port" --rpc "$rpc"
