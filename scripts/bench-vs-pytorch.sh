#!/usr/bin/env bash
# Runs the same all-MiniLM-L6-v2 workload (sequence length 128, batch 1 and 32, mean pooling +
# L2 normalisation, one thread) in candle (opg-inference) and in PyTorch on the CPU, in the same
# run, and prints the medians and the candle/PyTorch ratio.
#
#   scripts/bench-vs-pytorch.sh [REPEATS]     (default 10)
#   scripts/bench-vs-pytorch.sh --setup-only  (only create the Python venv)
#
# PyTorch comes from PyPI into $OPG_CACHE/venv (torch's default wheel, with its CUDA packages:
# several GB the first time; nothing is fetched from a model hub, the model is read from
# $OPG_MODELS_DIR, see scripts/fetch-models.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
log() { printf '[bench-vs-pytorch] %s\n' "$*" >&2; }

venv="$OPG_CACHE/venv"
if ! "$venv/bin/python" -c 'import torch, transformers, sentence_transformers' 2>/dev/null; then
  log "creating $venv with torch, transformers, sentence-transformers (PyPI)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch transformers sentence-transformers scikit-learn safetensors
fi
[ "${1:-}" = "--setup-only" ] && exit 0
repeats="${1:-10}"

"$here/fetch-models.sh" >&2
model_dir="$OPG_MODELS_DIR/all-minilm-l6-v2"

log "building the candle side (release)"
(cd "$here/.." && nice -n 10 cargo build --quiet --release -p opg-inference --example minilm_bench)
candle="$(RAYON_NUM_THREADS=1 "$CARGO_TARGET_DIR/release/examples/minilm_bench" "$model_dir" "$repeats")"

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
for batch in 1 32; do
  c="$(awk -v b="b$batch" '$1=="candle" && $2==b {print $4}' <<<"$candle")"
  p="$(awk -v b="b$batch" '$1=="pytorch" && $2==b {print $4}' <<<"$torch_out")"
  awk -v b="$batch" -v c="$c" -v p="$p" 'BEGIN { printf "batch %s: candle %.2f ms, pytorch %.2f ms, candle/pytorch %.2fx\n", b, c, p, c/p }'
done
