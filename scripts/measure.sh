#!/usr/bin/env bash
# The project's measurements, one entry point. Each builds first (`engine` only its benchmark, the
# others everything with scripts/build.sh; the one profile and feature set of scripts/env.sh:
# $OPG_PROFILE, $OPG_FEATURES), then prints figures, not pass/fail. Figures measured so far:
# docs/performance.md.
#
#   scripts/measure.sh latency [N]           request → result → final latency (blocks) and the
#                                            off-chain workers' inference time, on a fresh dev
#                                            chain; N requests (default 50)
#   scripts/measure.sh disputes [N] [M]      the dispute game on a fresh three-validator local
#                                            chain whose third validator lies: blocks from a wrong
#                                            result to its correction over N wrong results
#                                            (default 20), then the share the watchers catch at
#                                            the default sample over M requests (default 120);
#                                            takes ~15 minutes
#   scripts/measure.sh load [N] [M] [ARGS]   a bounded load test on a fresh three-validator local
#                                            chain on loopback (ports 19944.. / 40333..): N
#                                            requests from M accounts (default 200 from 20) at
#                                            once, or `--rate R` per second; `--retention B`
#                                            sets the retention first (sudo) and measures the
#                                            state B blocks after; throughput, latency
#                                            percentiles, refunds, the fees' balance, the state
#   scripts/measure.sh engine [REPEATS]      inference on the CPU, four ways side by side: the
#                                            canonical engine (Engine::run), the stock candle
#                                            path (the pre-canonical arithmetic), PyTorch and
#                                            onnxruntime (an opset-17 ONNX export of the same
#                                            checkpoint); all-MiniLM-L6-v2 padded to 128 tokens
#                                            and the default MLP (digits-mlp), batch 1 and 32,
#                                            1 and 2 threads: medians of REPEATS runs (default
#                                            10; the MLP 50 x REPEATS) and the ratios
#                                            canonical/stock, /pytorch, /onnxruntime. REPEATS=30
#                                            takes ~5 minutes on 2 idle cores
#   scripts/measure.sh engine --setup-only   only create the Python venv
#   scripts/measure.sh onnx [REPEATS]        paraphrase-MiniLM-L3-v2 in ONNX (the fixture of
#                                            scripts/onnx-fixtures.sh): the canonical engine
#                                            against onnxruntime, batch 1 and 32, 1 and 2
#                                            threads, side by side in one run: medians of
#                                            REPEATS runs (default 10) and the ratio
#   scripts/measure.sh llm [REPEATS]         SmolLM2-135M-Instruct (Q4_1 GGUF, scripts/fetch-models.sh)
#                                            three ways side by side in one run: the canonical
#                                            engine, candle's stock quantized_llama and llama.cpp
#                                            (llama-cpp-python 0.3.36, built from its PyPI sdist
#                                            into $OPG_CACHE/llm-venv the first time, ~15 min);
#                                            prefill of a 128-token prompt, 64 decoded tokens, and
#                                            the canonical check of that answer by one pass; 1 and
#                                            2 threads; medians of REPEATS runs (default 5), tokens
#                                            per second and the ratios
#
# `engine` installs torch, transformers, sentence-transformers, onnx, onnxscript and onnxruntime
# from PyPI into $OPG_CACHE/venv (torch's default wheel, with its CUDA packages: ~6 GB the first
# time; PyPI has no CPU-only torch wheel); it builds only the benchmark (cargo build -p
# opg-inference --example engine_bench), not the workspace. Nothing is fetched from a model hub:
# the model is read from $OPG_MODELS_DIR (scripts/fetch-models.sh), the ONNX exports are cached in
# $OPG_CACHE/onnx (named by the checkpoint's sha256, exported only when missing). With
# OPG_ENGINE_BENCH=/path/to/engine_bench it runs that binary instead of building one (to compare
# two builds, or when another checkout shares $CARGO_TARGET_DIR and may overwrite the example).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"

usage() {
  echo "usage: scripts/measure.sh latency [N] | disputes [N] [M] | load [N] [M] [--rate R] [--retention B] | engine [REPEATS | --setup-only] | onnx [REPEATS] | llm [REPEATS]" >&2
  exit 2
}

# Builds the node, the examples and the tests with the one profile and feature set; the build's
# output goes to stderr so that stdout carries only the figures.
build() {
  "$here/build.sh" >&2
}

# Blocks from request to result and to finality on a dev chain (node/examples/latency.rs).
latency() {
  build
  exec "$CARGO_TARGET_DIR/$OPG_PROFILE/examples/latency" "$@"
}

# The dispute game with a lying executor (node/examples/disputes.rs).
disputes() {
  build
  exec "$CARGO_TARGET_DIR/$OPG_PROFILE/examples/disputes" "$@"
}

# `opg-cli bench` against a fresh local chain started by scripts/local.sh, stopped (by PID) and
# removed when this script ends.
load() {
  local requests="${1:-200}" accounts="${2:-20}"
  shift $(( $# < 2 ? $# : 2 ))
  build
  OPG_LOCAL_DIR="$(mktemp -d -t opg-load-XXXXXX)"
  # The pool holds a 10,000-request burst (its default is 8,192 transactions, 20 MiB).
  export OPG_LOCAL_DIR OPG_LOCAL_RPC=19944 OPG_LOCAL_P2P=40333 OPG_NO_BUILD=1 \
    OPG_LOCAL_ARGS="--pool-limit 40000 --pool-kbytes 131072"
  trap '"$here/local.sh" stop; rm -rf "$OPG_LOCAL_DIR"' EXIT
  "$here/local.sh" start
  "$CARGO_TARGET_DIR/$OPG_PROFILE/opg-cli" --url "ws://127.0.0.1:$OPG_LOCAL_RPC" --suri //Alice \
    bench --requests "$requests" --accounts "$accounts" "$@"
}

# The inference workloads, four ways in one run (inference/examples/engine_bench.rs and
# engine_bench/peers.py): the raw lines, then one table of medians and ratios.
engine() {
  local venv="$OPG_CACHE/venv" start
  if ! "$venv/bin/python" -c 'import torch, transformers, sentence_transformers, onnx, onnxscript, onnxruntime, safetensors, sklearn' 2>/dev/null; then
    echo "[measure] creating $venv with torch, transformers, sentence-transformers, onnx, onnxruntime (PyPI)" >&2
    start=$SECONDS
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet torch transformers sentence-transformers scikit-learn safetensors \
      onnx onnxscript onnxruntime
    echo "[measure] venv ready in $((SECONDS - start)) s" >&2
  fi
  [ "${1:-}" = "--setup-only" ] && return 0
  local repeats="${1:-10}"
  case "$repeats" in ''|*[!0-9]*) usage ;; esac

  # Only the benchmark's binary (not scripts/build.sh's whole workspace), unless one is given.
  "$here/setup.sh" >&2
  local bench="${OPG_ENGINE_BENCH:-}"
  if [ -z "$bench" ]; then
    (cd "$here/.." && cargo build --profile "$OPG_PROFILE" -p opg-inference --example engine_bench) >&2
    bench="$CARGO_TARGET_DIR/$OPG_PROFILE/examples/engine_bench"
  fi
  local model_dir="$OPG_MODELS_DIR/all-minilm-l6-v2" lines
  lines="$(mktemp -t opg-engine-XXXXXX)"
  # shellcheck disable=SC2064 # expanded now: $lines is local
  trap "rm -f '$lines'" EXIT
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)" | tee -a "$lines"
  # The Rust half runs its thread counts in child processes with RAYON_NUM_THREADS set.
  "$bench" "$model_dir" "$repeats" | tee -a "$lines"
  HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$venv/bin/python" \
    "$here/../inference/examples/engine_bench/peers.py" \
    "$model_dir" "$here/../models/digits-mlp" "$OPG_CACHE/onnx" "$repeats" | tee -a "$lines"

  echo
  echo "medians in ms (REPEATS=$repeats MiniLM runs, $((repeats * 50)) MLP runs per figure); ratio < 1: canonical faster"
  awk '
    !/^#/ && $5 == "median_ms" {
      w = $2 " " $3 " " $4; ms[$1, w] = $6
      if (!(w in seen)) { seen[w] = 1; order[++n] = w }
    }
    function cell(v) { return v == "" ? sprintf("%12s", "-") : sprintf("%12.4f", v) }
    function ratio(a, b) { return (a == "" || b == "" || b == 0) ? sprintf("%12s", "-") : sprintf("%11.2fx", a / b) }
    END {
      printf "%-16s%12s%12s%12s%12s%12s%12s%12s\n", "workload", "canonical", "stock", "pytorch", "onnxruntime", "can/stock", "can/pytorch", "can/onnxrt"
      for (i = 1; i <= n; i++) {
        w = order[i]; c = ms["canonical", w]
        printf "%-16s%s%s%s%s%s%s%s\n", w, cell(c), cell(ms["stock", w]), cell(ms["pytorch", w]), cell(ms["onnxruntime", w]), ratio(c, ms["stock", w]), ratio(c, ms["pytorch", w]), ratio(c, ms["onnxruntime", w])
      }
    }' "$lines"
}

# The ONNX MiniLM-L3, the canonical engine against onnxruntime (inference/examples/onnx_bench.rs
# and onnx_bench.py, in the venv of scripts/onnx-fixtures.sh).
onnx() {
  local repeats="${1:-10}" lines
  case "$repeats" in ''|*[!0-9]*) usage ;; esac
  "$here/setup.sh" >&2
  (cd "$here/.." && cargo build --profile "$OPG_PROFILE" -p opg-inference --example onnx_bench) >&2
  lines="$(mktemp -t opg-onnx-XXXXXX)"
  # shellcheck disable=SC2064 # expanded now: $lines is local
  trap "rm -f '$lines'" EXIT
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)" | tee -a "$lines"
  "$CARGO_TARGET_DIR/$OPG_PROFILE/examples/onnx_bench" "$OPG_ONNX_FIXTURES" "$repeats" | tee -a "$lines"
  "$OPG_TOOLCHAIN/onnx-venv/bin/python" "$here/../inference/examples/onnx_bench.py" \
    "$OPG_ONNX_FIXTURES" "$repeats" | tee -a "$lines"
  echo
  echo "medians in ms over $repeats runs; ratio < 1: canonical faster"
  awk '
    !/^#/ && $5 == "median_ms" { w = $3 " " $4; ms[$1, w] = $6; if (!(w in seen)) { seen[w] = 1; order[++n] = w } }
    END {
      printf "%-10s%12s%14s%12s\n", "workload", "canonical", "onnxruntime", "can/onnxrt"
      for (i = 1; i <= n; i++) { w = order[i]; printf "%-10s%12.3f%14.3f%11.2fx\n", w, ms["canonical", w], ms["onnxruntime", w], ms["canonical", w] / ms["onnxruntime", w] }
    }' "$lines"
}

# The LLM, three ways in one run (inference/examples/llm_bench.rs and llm_bench.py).
llm() {
  local repeats="${1:-5}" venv="$OPG_CACHE/llm-venv" lines start
  case "$repeats" in ''|*[!0-9]*) usage ;; esac
  "$here/setup.sh" >&2
  if ! "$venv/bin/python" -c 'import llama_cpp, numpy' 2>/dev/null; then
    echo "[measure] building llama-cpp-python 0.3.36 (llama.cpp) from PyPI into $venv" >&2
    start=$SECONDS
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$venv/bin/pip" install --quiet llama-cpp-python==0.3.36 numpy
    echo "[measure] llama-cpp-python ready in $((SECONDS - start)) s" >&2
  fi
  (cd "$here/.." && cargo build --profile "$OPG_PROFILE" -p opg-inference --example llm_bench) >&2
  local gguf="$OPG_MODELS_DIR/smollm2-135m/model.gguf"
  lines="$(mktemp -t opg-llm-XXXXXX)"
  # shellcheck disable=SC2064 # expanded now: $lines is local
  trap "rm -f '$lines'" EXIT
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)" | tee -a "$lines"
  "$CARGO_TARGET_DIR/$OPG_PROFILE/examples/llm_bench" "$gguf" "$repeats" | tee -a "$lines"
  "$venv/bin/python" "$here/../inference/examples/llm_bench.py" "$gguf" "$lines" "$repeats" | tee -a "$lines"
  echo
  echo "tokens per second (medians of $repeats runs); ratios: canonical / peer (> 1: canonical faster)"
  awk '
    !/^#/ && $4 == "median_ms" { w = $2 " " $3; tps[$1, w] = $7; if (!(w in seen)) { seen[w] = 1; order[++n] = w } }
    function cell(v) { return v == "" ? sprintf("%12s", "-") : sprintf("%12.1f", v) }
    function ratio(a, b) { return (a == "" || b == "" || b == 0) ? sprintf("%12s", "-") : sprintf("%11.2fx", a / b) }
    END {
      printf "%-12s%12s%12s%12s%12s%12s\n", "workload", "canonical", "stock", "llama.cpp", "can/stock", "can/llama"
      for (i = 1; i <= n; i++) {
        w = order[i]; c = tps["canonical", w]
        printf "%-12s%s%s%s%s%s\n", w, cell(c), cell(tps["stock", w]), cell(tps["llama.cpp", w]), ratio(c, tps["stock", w]), ratio(c, tps["llama.cpp", w])
      }
    }' "$lines"
}

what="${1:-}"
if [ $# -gt 0 ]; then shift; fi
case "$what" in
  latency) latency "$@" ;;
  disputes) disputes "$@" ;;
  load) load "$@" ;;
  engine) engine "$@" ;;
  onnx) onnx "$@" ;;
  llm) llm "$@" ;;
  *) usage ;;
esac
