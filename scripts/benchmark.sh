#!/usr/bin/env bash
# Measures the weights of the project's pallets and writes each pallet's `src/weights.rs`.
#
#   scripts/benchmark.sh                     # every pallet of the project
#   scripts/benchmark.sh pallet_model_registry
#
# Builds opg-node with `--features runtime-benchmarks` (a second build of the runtime and the
# FRAME crates, ~20 min cold; the normal node binary is rebuilt by the next plain build), then
# runs `opg-node benchmark pallet` on the dev chain with the template scripts/frame-weight-template.hbs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
source "$here/env.sh"
cd "$here/.."

declare -A dirs=(
  [pallet_model_registry]=pallets/model-registry
  [pallet_executors]=pallets/executors
  [pallet_inference]=pallets/inference
)
pallets=("$@")
((${#pallets[@]})) || pallets=("${!dirs[@]}")

cargo build --profile "$OPG_PROFILE" -p opg-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/$OPG_PROFILE/opg-node"
for pallet in "${pallets[@]}"; do
  dir="${dirs[$pallet]:?unknown pallet $pallet}"
  echo "[benchmark] $pallet -> $dir/src/weights.rs"
  "$node" benchmark pallet \
    --chain dev \
    --pallet "$pallet" \
    --extrinsic '*' \
    --steps 50 \
    --repeat 20 \
    --wasm-execution compiled \
    --heap-pages 4096 \
    --template scripts/frame-weight-template.hbs \
    --output "$dir/src/weights.rs"
done
