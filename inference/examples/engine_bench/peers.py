#!/usr/bin/env python3
"""The Python half of `scripts/measure.sh engine`: PyTorch (CPU) and onnxruntime on the workloads
of `inference/examples/engine_bench.rs`, with the same inputs, printing the same kind of lines:

    pytorch minilm b1 t1 median_ms 12.3456
    onnxruntime mlp b32 t2 median_ms 0.0123

* minilm: all-MiniLM-L6-v2 from MODEL_DIR (transformers' BertModel, then mean pooling over the
  real tokens and L2 normalisation, as the engine), four texts of exactly 128 tokens cycled to
  batch 1 and 32 (so nothing pads); tokenization included in the time, as in the engine.
* mlp: the default model (models/digits-mlp: config.json says the layers, the weights come from
  its model.safetensors), the first 1 and 32 digits of fixture.json, pixels / 16.

Threads 1 and 2: torch.set_num_threads(T) and onnxruntime's intra_op_num_threads = T (one
inter-op thread, sequential execution). One warm-up, then the median of REPEATS runs (MiniLM) or
50 x REPEATS (MLP), as the Rust half.

The ONNX models are exports of these same modules (pooling and normalisation included) with
torch.onnx, opset 17, dynamic batch (and sequence) axes, cached in ONNX_DIR under a name with the
checkpoint's sha256 prefix: exported only when missing.

    peers.py MODEL_DIR MLP_DIR ONNX_DIR REPEATS [--export-only]
"""
import hashlib
import json
import os
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

# As engine_bench.rs: a sentence four times and a tail, exactly 128 tokens each (checked below).
TEXTS = [
    ("The cat sits on the mat while the rain falls on the old roof of the house and the children read their books by the fire in the quiet evening",
     "The cat sits on the mat"),
    ("Validators re-run the model and compare output hashes so that every honest machine agrees on the same bits and a liar is slashed when it is caught",
     "Validators"),
    ("Blockchains record transactions in an append-only ledger that every node keeps and checks block by block from the first block to the newest one",
     "Blockchains record transactions in an ledger that every"),
    ("Sentence embeddings map text to vectors so that similar meanings are close together and a search can find related documents by their distance",
     "Sentence embeddings map text to vectors so that similar meanings are close together and a search can find related"),
]
SENTENCES = [f"{s} {s} {s} {s} {tail}" for s, tail in TEXTS]
BATCHES = (1, 32)
THREADS = (1, 2)
SEQ_LEN = 128
MLP_REPEAT_FACTOR = 50
OPSET = 17


class Embedder(torch.nn.Module):
    """BERT -> mean over the real tokens -> L2 normalisation (eps 1e-12), as the engine."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        out = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)


ACTIVATIONS = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "sigmoid": torch.nn.Sigmoid,
    "identity": torch.nn.Identity,
}


def load_mlp(mlp_dir):
    with open(os.path.join(mlp_dir, "config.json")) as f:
        cfg = json.load(f)
    weights = load_file(os.path.join(mlp_dir, "model.safetensors"))
    modules = []
    for layer in cfg["layers"]:
        linear = torch.nn.Linear(layer["in_features"], layer["out_features"])
        linear.weight.data = weights[layer["name"] + ".weight"].float()
        linear.bias.data = weights[layer["name"] + ".bias"].float()
        modules += [linear, ACTIVATIONS[layer["activation"]]()]
    return torch.nn.Sequential(*modules).eval(), cfg["input_dim"]


def sha_prefix(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def export(module, args, path, input_names, dynamic_axes):
    """torch.onnx.export at opset 17, unless `path` exists; returns `path`."""
    if os.path.isfile(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = path + ".partial"
    start = time.perf_counter()
    with torch.no_grad():
        # The TorchScript exporter: the dynamo one (torch's default) targets opset >= 18.
        torch.onnx.export(
            module,
            args,
            partial,
            input_names=input_names,
            output_names=["output"],
            opset_version=OPSET,
            dynamic_axes=dynamic_axes,
            dynamo=False,
        )
    onnx.checker.check_model(partial)
    os.replace(partial, path)
    print(f"# exported {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return path


def median_ms(repeats, f):
    f()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def session(path, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def line(who, model, batch, threads, ms):
    print(f"{who} {model} b{batch} t{threads} median_ms {ms:.4f}", flush=True)


def main():
    args = [a for a in sys.argv[1:] if a != "--export-only"]
    if len(args) != 4:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    model_dir, mlp_dir, onnx_dir, repeats = args[0], args[1], args[2], max(1, int(args[3]))

    tok = AutoTokenizer.from_pretrained(model_dir)
    for text in SENTENCES:
        assert len(tok(text)["input_ids"]) == SEQ_LEN, f"not {SEQ_LEN} tokens: {text!r}"
    embedder = Embedder(AutoModel.from_pretrained(model_dir).eval()).eval()
    mlp, input_dim = load_mlp(mlp_dir)

    minilm_onnx = os.path.join(
        onnx_dir,
        f"all-minilm-l6-v2-{sha_prefix(os.path.join(model_dir, 'model.safetensors'))}"
        f"-opset{OPSET}.onnx",
    )
    mlp_onnx = os.path.join(
        onnx_dir,
        f"digits-mlp-{sha_prefix(os.path.join(mlp_dir, 'model.safetensors'))}-opset{OPSET}.onnx",
    )
    enc = tok(SENTENCES[:2], padding="max_length", max_length=SEQ_LEN, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    export(
        embedder,
        tuple(enc[n] for n in names),
        minilm_onnx,
        names,
        {**{n: {0: "batch", 1: "sequence"} for n in names}, "output": {0: "batch"}},
    )
    export(
        mlp,
        (torch.zeros(2, input_dim),),
        mlp_onnx,
        ["input"],
        {"input": {0: "batch"}, "output": {0: "batch"}},
    )
    print(
        f"# versions torch {torch.__version__} transformers {transformers.__version__} "
        f"onnx {onnx.__version__} onnxruntime {ort.__version__}",
        flush=True,
    )
    if "--export-only" in sys.argv:
        return 0

    with open(os.path.join(mlp_dir, "fixture.json")) as f:
        pixels = np.asarray(json.load(f)["pixels"], dtype=np.float32) / 16.0

    for threads in THREADS:
        torch.set_num_threads(threads)
        minilm_sess = session(minilm_onnx, threads)
        mlp_sess = session(mlp_onnx, threads)
        with torch.inference_mode():
            for batch in BATCHES:
                texts = [SENTENCES[i % len(SENTENCES)] for i in range(batch)]

                def torch_embed():
                    e = tok(texts, padding="max_length", max_length=SEQ_LEN, truncation=True,
                            return_tensors="pt")
                    return embedder(e["input_ids"], e["attention_mask"], e["token_type_ids"])

                def ort_embed():
                    e = tok(texts, padding="max_length", max_length=SEQ_LEN, truncation=True,
                            return_tensors="np")
                    return minilm_sess.run(None, {n: e[n].astype(np.int64) for n in names})[0]

                line("pytorch", "minilm", batch, threads, median_ms(repeats, torch_embed))
                line("onnxruntime", "minilm", batch, threads, median_ms(repeats, ort_embed))
                diff = np.abs(torch_embed().numpy() - ort_embed()).max()
                print(f"# check minilm b{batch} t{threads} pytorch-onnxruntime max_abs_diff "
                      f"{diff:.3e}")

            for batch in BATCHES:
                x = pixels[:batch]
                xt = torch.from_numpy(x)
                mlp_repeats = repeats * MLP_REPEAT_FACTOR
                line("pytorch", "mlp", batch, threads, median_ms(mlp_repeats, lambda: mlp(torch.from_numpy(x)).numpy()))
                line("onnxruntime", "mlp", batch, threads,
                     median_ms(mlp_repeats, lambda: mlp_sess.run(None, {"input": x})[0]))
                diff = np.abs(mlp(xt).numpy() - mlp_sess.run(None, {"input": x})[0]).max()
                print(f"# check mlp b{batch} t{threads} pytorch-onnxruntime max_abs_diff "
                      f"{diff:.3e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
