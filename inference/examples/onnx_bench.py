#!/usr/bin/env python3
"""The Python half of `scripts/measure.sh onnx`: onnxruntime on the workload of
`inference/examples/onnx_bench.rs` (paraphrase-MiniLM-L3-v2 in ONNX, the fixture's six texts
cycled to batch 1 and 32), tokenization included as in the engine (the `tokenizers` package, the
same tokenizer.json, truncation at 128, a batch padded to its longest text), graph output `461`.
intra_op_num_threads 1 and 2, one inter-op thread, all graph optimisations on (onnxruntime's
default). One warm-up, then the median of REPEATS runs:

    onnxruntime onnx-minilm-l3 b32 t2 median_ms 12.3456

    onnx_bench.py FIXTURES_DIR REPEATS
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def main() -> int:
    fixtures, repeats = sys.argv[1], int(sys.argv[2])
    model = os.path.join(fixtures, "minilm-l3")
    reference = json.load(open(os.path.join(model, "reference.json")))
    texts = reference["texts"]
    tokenizer = Tokenizer.from_file(os.path.join(model, "tokenizer.json"))
    tokenizer.enable_truncation(reference["max_seq_length"])
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    for threads in (1, 2):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(os.path.join(model, "model.onnx"), options, providers=["CPUExecutionProvider"])
        for batch in (1, 32):
            chosen = [texts[i % len(texts)] for i in range(batch)]

            def run():
                encodings = tokenizer.encode_batch(chosen)
                ids = np.array([e.ids for e in encodings], dtype=np.int64)
                mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
                return session.run(["461"], {"input_ids": ids, "attention_mask": mask})

            run()
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                run()
                times.append((time.perf_counter() - start) * 1e3)
            print(f"onnxruntime onnx-minilm-l3 b{batch} t{threads} median_ms {statistics.median(times):.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
