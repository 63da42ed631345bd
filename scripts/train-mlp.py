#!/usr/bin/env python3
"""Trains the chain's default model: a 64 -> 32 -> 10 ReLU MLP on scikit-learn's bundled `digits`.

The dataset ships inside the scikit-learn wheel (sklearn/datasets/data/digits.csv.gz): nothing is
downloaded. Writes, under models/digits-mlp/:

* config.json        the MLP config opg-inference reads (layers, activations, input scaling note);
* model.safetensors  f32 weights, torch `Linear` layout (`fcN.weight` is [out, in], `fcN.bias` [out]);
* fixture.json       the held-out test set (raw pixels 0..16), its labels, the logits numpy computes
                     from the f32 weights (in float64) and the test accuracy, for the Rust tests.

Inputs to the model are pixels / 16 (0.0 ..= 1.0), row-major 8x8, as f32; outputs are 10 logits.

Usage: scripts/train-mlp.py   (uses the venv that scripts/measure.sh engine --setup-only sets up, or any
python with scikit-learn, numpy and safetensors)
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import save_file
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

SEED = 0
HIDDEN = 32
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "digits-mlp")


def main() -> int:
    digits = load_digits()
    x = digits.data.astype(np.float64)  # (1797, 64), integers 0..16
    y = digits.target
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=SEED, stratify=y
    )
    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="adam",
        alpha=1e-4,
        max_iter=1000,
        random_state=SEED,
    )
    clf.fit(x_train / 16.0, y_train)

    w1 = clf.coefs_[0].T.astype(np.float32)  # [32, 64]
    b1 = clf.intercepts_[0].astype(np.float32)
    w2 = clf.coefs_[1].T.astype(np.float32)  # [10, 32]
    b2 = clf.intercepts_[1].astype(np.float32)

    # The logits of the f32 weights on f32 inputs, accumulated in float64 (the reference the
    # Rust engine is compared with, within a tolerance).
    xt = (x_test.astype(np.float32) / np.float32(16.0)).astype(np.float64)
    hidden = np.maximum(xt @ w1.T.astype(np.float64) + b1.astype(np.float64), 0.0)
    logits = hidden @ w2.T.astype(np.float64) + b2.astype(np.float64)
    predicted = logits.argmax(axis=1)
    accuracy = float((predicted == y_test).mean())
    sk_accuracy = float(clf.score(x_test / 16.0, y_test))

    os.makedirs(OUT_DIR, exist_ok=True)
    save_file(
        {
            "fc1.weight": np.ascontiguousarray(w1),
            "fc1.bias": b1,
            "fc2.weight": np.ascontiguousarray(w2),
            "fc2.bias": b2,
        },
        os.path.join(OUT_DIR, "model.safetensors"),
    )
    config = {
        "architecture": "mlp",
        "input_dim": 64,
        "layers": [
            {"name": "fc1", "in_features": 64, "out_features": HIDDEN, "activation": "relu"},
            {"name": "fc2", "in_features": HIDDEN, "out_features": 10, "activation": "identity"},
        ],
        "description": "digits classifier: input = 8x8 pixels / 16 (f32, row-major), "
        "output = 10 logits (argmax = digit)",
    }
    with open(os.path.join(OUT_DIR, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    fixture = {
        "note": "held-out digits test set (raw pixels 0..16; the model takes pixels/16), "
        "labels, float64 logits of the f32 weights, test accuracy",
        "accuracy": accuracy,
        "pixels": x_test.astype(int).tolist(),
        "labels": y_test.astype(int).tolist(),
        "logits": [[round(float(v), 7) for v in row] for row in logits[:16]],
    }
    with open(os.path.join(OUT_DIR, "fixture.json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")

    print(f"train samples {len(y_train)}, test samples {len(y_test)}")
    print(f"test accuracy (f32 weights) {accuracy:.4f}  (sklearn float64: {sk_accuracy:.4f})")
    print(f"wrote {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
