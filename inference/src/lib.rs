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
//! * [`models`]: the architectures, one file each ([`models::mlp`], [`models::bert`]).
//! * [`default_model`]: the embedded `digits-mlp` the dev chain serves.
//!
//! ## Determinism
//! Two honest executors must agree on the output bytes, or the dispute game punishes one of them.
//! In deterministic mode ([`EngineConfig::deterministic`], the default):
//!
//! * **Guaranteed and tested** (`tests/determinism.rs`): the same model and input give
//!   byte-identical outputs and layer hashes across runs, across processes, and across thread
//!   counts (`RAYON_NUM_THREADS` and [`EngineConfig::threads`] 1, 2, 4). candle's CPU matmul
//!   (the `gemm` crate) splits work between threads by blocks of output rows and columns, while
//!   each reduction runs through its `k` blocks in order on one thread, so the order of every
//!   floating-point sum is set by the matrix sizes and the cache blocking, not by the threads.
//!   Text inputs are padded to the model's fixed sequence length (128 for MiniLM), so an
//!   embedding never depends on the other texts of its batch: row `i` of a batch is
//!   byte-identical to text `i` run alone (also tested). There is no fast-math and no
//!   approximate kernel: GELU is the exact erf form, softmax and layer norm are candle's.
//! * **Not guaranteed**: identical bytes across *machines* whose CPUs differ. `gemm` sizes its
//!   cache blocks from the L1/L2 sizes it reads in `/sys` (there is no override), and another
//!   blocking changes the order of the partial sums of a long reduction (measured for this
//!   project, see `shared/MODELS.md`: 32K/8-way, 48K/12-way and 128K/8-way L1 gave three
//!   different MiniLM hashes; the default MLP's reductions of 64 and 32 terms are probably
//!   below one block, untested across machines). `gemm` also picks its kernel by CPU features
//!   at run time (AVX2 + FMA here); its optional `x86-v4` (AVX-512) build feature, off in this
//!   workspace, gives other bits. CPUs without FMA, ARM, and another libm's `exp`/`erf` were not
//!   tested. So validators with different CPUs may disagree in the last bits of an embedding:
//!   the chain must compare such results within a tolerance, or require one CPU family, until
//!   integer or pinned kernels land.
//! * With `deterministic = false`, a text batch is padded to its longest text (faster for short
//!   texts); embeddings then differ in the last bits (~1e-7) with the batch they are in.
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
pub use models::{bundle_from_dir, Model};
pub use store::ModelStore;
