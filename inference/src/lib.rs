//! # OPG inference engine
//!
//! The node-side engine behind the `inference` host function of [`opg_primitives`]: it loads a
//! model from a content-addressed [`ModelStore`] by its hash (verifying the hash), keeps loaded
//! models in an LRU cache with a byte budget, runs a forward pass with [candle](candle_core) on the
//! CPU, and returns the output with its [`ResultCommitment`](opg_primitives::ResultCommitment)
//! (output hash + Merkle root over per-layer activation hashes).
//!
//! * [`Engine`] implements [`InferenceBackend`](opg_primitives::InferenceBackend): wrap it in an
//!   [`InferenceExt`](opg_primitives::InferenceExt) and register that for off-chain workers.
//! * [`ModelStore`] keeps model bundles (see [`opg_primitives::bundle`]: the one file a model hash
//!   names) in files named by hash; [`Fetcher`] downloads them (`http`, `https`, `file`) with a
//!   size limit, progress reporting and a hash check, atomically.
//! * [`models`]: the architectures, one file each ([`models::mlp`], [`models::bert`]) and one row
//!   each in [`models::ARCHITECTURES`].
//! * [`default_model`]: the embedded `digits-mlp` the dev chain serves.
//!
//! ## Determinism
//! Two honest executors must agree on the output bytes, or the dispute game punishes one of them.
//! In deterministic mode ([`EngineConfig::deterministic`], the default):
//!
//! * **Tested, on one machine** (`tests/determinism.rs`, `tests/bert.rs`, `tests/mlp.rs`): the
//!   same model and input give byte-identical outputs and layer hashes across runs, across
//!   processes, and across thread counts. The determinism test hashes every output and layer
//!   hash of the default MLP on the 450 test digits (batches of 32) and of all-MiniLM-L6-v2 on
//!   17 texts (batches of 12, 1 and 4): one digest, identical in-process with 1 and 2 engine
//!   threads and in child processes with `RAYON_NUM_THREADS` = engine threads = 1, 2 and 4
//!   (measured 2026-11-25 on a 2-core AMD EPYC, AVX2 + FMA, L1d 32K/8-way). candle's CPU matmul
//!   (the `gemm` crate) splits work between threads by blocks of output rows and columns; each
//!   output's reduction runs through its `k` blocks in order on one thread. The `k` block size
//!   (`kc`) comes from `k`, the L1 cache geometry and (only when `k` > 512) whether the product
//!   is small (`m`, `n` ≤ 64) — never from the thread count (gemm 0.19 source,
//!   `gemm-common/src/{gemm,cache}.rs`).
//! * **Text**: every text is padded to the model's fixed sequence length (128 for MiniLM), so an
//!   embedding does not depend on the other texts of its batch: row `i` of a batch is
//!   byte-identical to text `i` run alone (tested on 5 texts).
//! * **Tensors**: a row's output *does* depend, in its last bits, on the batch it is in (gemm
//!   takes a matrix-vector kernel for one row and blocked kernels for more, with other
//!   summation orders): the default MLP's rows run alone or in batches of 2 and 7 differ from
//!   the same rows in a batch of 32 by up to 2.9e-6, none bit-identical (`tests/mlp.rs`). The
//!   bytes are fixed by the whole input tensor, which is what a request commits to.
//! * No fast-math and no approximate GELU: GELU is the erf form (with candle's own `erf`), not
//!   the tanh approximation; softmax and layer norm are candle's CPU kernels, whose `exp` is
//!   the platform libm's.
//! * **Not guaranteed**: identical bytes across *machines* whose CPUs differ. `gemm` sizes its
//!   cache blocks from the L1/L2/L3 sizes it reads in `/sys` (there is no override), and
//!   another `kc` changes the order of the partial sums of a long reduction (for MiniLM the
//!   feed-forward output's `k` = 1536; measured for this project:
//!   32K/8-way, 48K/12-way and 128K/8-way L1 gave three different MiniLM hashes). The default
//!   MLP's reductions (`k` = 64 and 32) are below gemm's minimum `kc` of 512, so one block
//!   whatever the cache — but that is read from gemm's source, not tested on another machine.
//!   `gemm` also picks its kernel by CPU features at run time (AVX2 + FMA here); its optional
//!   `x86-v4` (AVX-512) build feature, off in this workspace, gives other bits. CPUs without
//!   FMA, ARM, and another libm's `exp` were not tested. So validators with different CPUs may
//!   disagree in the last bits of an embedding: the chain must compare such results within a
//!   tolerance, or require one CPU family, until integer or pinned kernels land.
//! * With `deterministic = false`, a text batch is padded to its longest text (faster for short
//!   texts); embeddings then differ in the last bits (~1e-7) with the batch they are in (against
//!   sentence-transformers: max |diff| 2.4e-7, the same as deterministic mode's 2.6e-7).
//!
//! ## Correctness
//! * all-MiniLM-L6-v2 against sentence-transformers 6.2.0 / PyTorch 2.15 (CPU, one text per
//!   batch, `models/minilm-reference.json`), 12 sentences including an empty one: 1 − min
//!   cosine 1.2e-12, max |diff| 2.57e-7 per component (the test asserts cosine ≥ 0.9999 and
//!   |diff| ≤ 1e-5).
//! * The default MLP: 97.33 % on the 450 held-out digits, exactly the training script's
//!   accuracy; logits within 2.7e-6 of numpy's (float64 accumulation of the same weights).
//!
//! ## Performance
//! Criterion benchmarks (`cargo bench -p opg-inference`) and the comparison with PyTorch
//! (`scripts/measure.sh engine`), with the figures measured so far: `docs/performance.md`.
//!
//! ## Limits
//! Every resource a request can make the engine spend is bounded ([`Limits`]): model size
//! (store, fetch and load), input size (encoded bytes, and tokens: a text longer than the model's
//! sequence length is refused with `InputTooLarge`, never truncated), output size, batch size,
//! cache memory. Bad input of every kind is a typed
//! [`InferenceError`](opg_primitives::InferenceError), never a panic; a panic inside candle is
//! caught and reported as `Internal`.

pub mod cache;
pub mod default_model;
pub mod engine;
pub mod error;
pub mod fetch;
pub mod models;
pub mod store;

pub use engine::{Engine, EngineConfig, Limits};
pub use error::{FetchError, StoreError};
pub use fetch::{FetchProgress, Fetcher};
pub use models::Model;
/// Packs a model's files from a directory into a bundle: [`opg_primitives::bundle::from_dir`].
pub use opg_primitives::bundle::from_dir as bundle_from_dir;
pub use store::ModelStore;
