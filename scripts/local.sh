#!/usr/bin/env bash
# The three-validator `local` chain (Alice, Bob, Charlie) on this machine, in the background.
#
#   scripts/local.sh start     # fresh chain; RPC on ws://127.0.0.1:9944, :9945, :9946
#   scripts/local.sh status    # best and finalized block of each node
#   scripts/local.sh stop      # kill the three nodes (by PID) and keep their logs
#
# OPG_LOCAL_DIR (default ~/.cache/opg/local) holds the base paths, network keys, logs and PIDs;
# OPG_LOCAL_RPC (default 9944) and OPG_LOCAL_P2P (default 30333) are the first ports;
# OPG_LOCAL_ARGS adds flags to every node.
# `start` builds the node first (scripts/build.sh) unless OPG_NO_BUILD=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
dir="${OPG_LOCAL_DIR:-$OPG_CACHE/local}"
rpc="${OPG_LOCAL_RPC:-9944}"
p2p="${OPG_LOCAL_P2P:-30333}"
names=(alice bob charlie)

rpc_call() { # port method
  curl -s -m 2 -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":[]}" "http://127.0.0.1:$1"
}

stop() {
  for name in "${names[@]}"; do
    pidfile="$dir/$name.pid"
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      echo "[local] stopped $name (pid $pid)"
    fi
    rm -f "$pidfile"
  done
}

status() {
  for i in 0 1 2; do
    port=$((rpc + i))
    best="$(rpc_call "$port" chain_getHeader | python3 -c 'import sys,json; print(int(json.load(sys.stdin)["result"]["number"],16))' 2>/dev/null || echo down)"
    fin_hash="$(rpc_call "$port" chain_getFinalizedHead | python3 -c 'import sys,json; print(json.load(sys.stdin)["result"])' 2>/dev/null || true)"
    fin=down
    if [ -n "$fin_hash" ]; then
      fin="$(curl -s -m 2 -H 'Content-Type: application/json' \
        -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"chain_getHeader\",\"params\":[\"$fin_hash\"]}" "http://127.0.0.1:$port" \
        | python3 -c 'import sys,json; print(int(json.load(sys.stdin)["result"]["number"],16))' 2>/dev/null || echo down)"
    fi
    echo "[local] ${names[$i]}: ws://127.0.0.1:$port best $best finalized $fin"
  done
}

start() {
  [ "${OPG_NO_BUILD:-0}" = 1 ] || "$here/build.sh" >&2
  stop
  mkdir -p "$dir"
  for name in "${names[@]}"; do
    rm -rf "$dir/$name"
    [ -f "$dir/$name.key" ] || "$OPG_NODE_BIN" key generate-node-key --file "$dir/$name.key" 2>/dev/null
  done
  boot="/ip4/127.0.0.1/tcp/$p2p/p2p/$("$OPG_NODE_BIN" key inspect-node-key --file "$dir/alice.key")"
  for i in 0 1 2; do
    name="${names[$i]}"
    args=(--chain local "--$name" --base-path "$dir/$name" --node-key-file "$dir/$name.key"
      --port $((p2p + i)) --rpc-port $((rpc + i)) --no-prometheus --no-telemetry --no-mdns)
    [ "$i" -eq 0 ] || args+=(--bootnodes "$boot")
    # Extra node flags, e.g. a larger transaction pool for load tests (scripts/measure.sh load).
    # shellcheck disable=SC2206
    args+=(${OPG_LOCAL_ARGS:-})
    "$OPG_NODE_BIN" "${args[@]}" >"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
    echo "[local] started $name (pid $!), rpc ws://127.0.0.1:$((rpc + i)), log $dir/$name.log"
  done
  for _ in $(seq 120); do
    if rpc_call "$rpc" chain_getFinalizedHead | grep -q '"result":"0x' && \
       [ "$(status | grep -c 'finalized [1-9]')" -eq 3 ]; then
      status
      echo "[local] up: try \`opg-cli --url ws://127.0.0.1:$rpc models list\`"
      return 0
    fi
    sleep 1
  done
  echo "[local] the network did not finalize a block within 2 minutes; logs in $dir" >&2
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: scripts/local.sh start|status|stop" >&2; exit 2 ;;
esac
