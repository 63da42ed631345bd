#!/usr/bin/env bash
# The project's measurements, one entry point. Each builds first with scripts/build.sh (the one
# profile and feature set of scripts/env.sh: $OPG_PROFILE, $OPG_FEATURES), then prints figures,
# not pass/fail. Figures measured so far: docs/performance.md.
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
#   scripts/measure.sh load [N] [M]          a bounded load test on a fresh three-validator local
#                                            chain on loopback (ports 19944.. / 40333..): N
#                                            requests from M accounts (default 200 from 20),
#                                            throughput and latency percentiles
#   scripts/measure.sh engine [REPEATS]      candle (opg-inference) against PyTorch on the CPU,
#                                            all-MiniLM-L6-v2, sequence length 128, batch 1 and 32,
#                                            one thread: medians of REPEATS runs (default 10)
#   scripts/measure.sh engine --setup-only   only create the Python venv
#
# `engine` installs PyTorch from PyPI into $OPG_CACHE/venv (torch's default wheel, with its CUDA
# packages: several GB the first time); nothing is fetched from a model hub: the model is read
# from $OPG_MODELS_DIR (scripts/fetch-models.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"

usage() {
  echo "usage: scripts/measure.sh latency [N] | disputes [N] [M] | load [N] [M] | engine [REPEATS | --setup-only]" >&2
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
  build
  OPG_LOCAL_DIR="$(mktemp -d -t opg-load-XXXXXX)"
  export OPG_LOCAL_DIR OPG_LOCAL_RPC=19944 OPG_LOCAL_P2P=40333 OPG_NO_BUILD=1
  trap '"$here/local.sh" stop; rm -rf "$OPG_LOCAL_DIR"' EXIT
  "$here/local.sh" start
  "$CARGO_TARGET_DIR/$OPG_PROFILE/opg-cli" --url "ws://127.0.0.1:$OPG_LOCAL_RPC" --suri //Alice \
    bench --requests "$requests" --accounts "$accounts"
}

# The same MiniLM workload in candle (inference/examples/minilm_bench.rs) and in PyTorch, in one
# run: the medians and the candle/PyTorch ratio.
engine() {
  local venv="$OPG_CACHE/venv"
  if ! "$venv/bin/python" -c 'import torch, transformers, sentence_transformers' 2>/dev/null; then
    echo "[measure] creating $venv with torch, transformers, sentence-transformers (PyPI)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet torch transformers sentence-transformers scikit-learn safetensors
  fi
  [ "${1:-}" = "--setup-only" ] && return 0
  local repeats="${1:-10}"

  build
  "$here/fetch-models.sh" >&2
  local model_dir="$OPG_MODELS_DIR/all-minilm-l6-v2"
  local candle torch_out
  candle="$(RAYON_NUM_THREADS=1 "$CARGO_TARGET_DIR/$OPG_PROFILE/examples/minilm_bench" "$model_dir" "$repeats")"

  torch_out="$(HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=1 "$venv/bin/python" - "$model_dir" "$repeats" <<'PY'
import sys, time, statistics
import torch
from transformers import AutoModel, AutoTokenizer
model_dir, repeats = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModel.from_pretrained(model_dir).eval()
sentences = [
    "The cat sits on the mat.",
    "Validators re-run the model and compare output hashes.",
    "Blockchains record transactions in an append-only ledger.",
    "Sentence embeddings map text to vectors so that similar meanings are close together.",
]
def embed(texts):
    enc = tok(texts, padding="max_length", max_length=128, truncation=True, return_tensors="pt")
    out = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    pooled = (out * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)
with torch.inference_mode():
    for batch in (1, 32):
        texts = [sentences[i % len(sentences)] for i in range(batch)]
        embed(texts)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            embed(texts)
            times.append((time.perf_counter() - start) * 1000)
        print(f"pytorch b{batch} median_ms {statistics.median(times):.2f}")
print(f"# torch {torch.__version__}", file=sys.stderr)
PY
)"

  printf '%s\n%s\n' "$candle" "$torch_out"
  local batch c p
  for batch in 1 32; do
    c="$(awk -v b="b$batch" '$1=="candle" && $2==b {print $4}' <<<"$candle")"
    p="$(awk -v b="b$batch" '$1=="pytorch" && $2==b {print $4}' <<<"$torch_out")"
    awk -v b="$batch" -v c="$c" -v p="$p" 'BEGIN { printf "batch %s: candle %.2f ms, pytorch %.2f ms, candle/pytorch %.2fx\n", b, c, p, c/p }'
  done
}

what="${1:-}"
if [ $# -gt 0 ]; then shift; fi
case "$what" in
  latency) latency "$@" ;;
  disputes) disputes "$@" ;;
  load) load "$@" ;;
  engine) engine "$@" ;;
  *) usage ;;
esac
