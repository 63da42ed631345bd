"""The llama.cpp half of `scripts/measure.sh llm`: SmolLM2-135M-Instruct (the same Q4_1 GGUF) in
llama.cpp through llama-cpp-python, on the prompt tokens llm_bench.rs printed (its
`# prompt_tokens` line, read from the file given), with 1 and 2 threads: prefill (one pass over
the prompt) and decode (64 greedy tokens after it, one at a time), the median of REPEATS runs.
Prints lines in llm_bench.rs's format, for `llama.cpp`.

usage: llm_bench.py MODEL.gguf LINES_FILE [REPEATS]
"""

import statistics
import sys
import time

import numpy as np
from llama_cpp import Llama

DECODE_TOKENS = 64


def main() -> None:
    model_path, lines_path = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    prompt = None
    with open(lines_path, encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("# prompt_tokens "):
                prompt = [int(t) for t in line.split()[2:]]
    if not prompt:
        sys.exit("no '# prompt_tokens' line in " + lines_path)
    for threads in (1, 2):
        llm = Llama(
            model_path=model_path,
            n_ctx=512,
            n_batch=512,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )

        def prefill() -> float:
            llm.reset()
            start = time.perf_counter()
            llm.eval(prompt)
            return (time.perf_counter() - start) * 1000

        def decode() -> float:
            llm.reset()
            llm.eval(prompt)
            start = time.perf_counter()
            for _ in range(DECODE_TOKENS):
                token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
                llm.eval([token])
            return (time.perf_counter() - start) * 1000

        for name, run, tokens in (("prefill", prefill, len(prompt)), ("decode", decode, DECODE_TOKENS)):
            run()
            ms = statistics.median(run() for _ in range(repeats))
            print(f"llama.cpp {name} t{threads} median_ms {ms:.3f} tokens_per_s {tokens * 1000 / ms:.1f}", flush=True)


if __name__ == "__main__":
    main()
