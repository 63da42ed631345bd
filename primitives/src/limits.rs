//! What every engine runs: one definition of each bound, shared by the chain and the engine.
//!
//! The model registry refuses, at `propose_model`, a bundle or a schema outside these bounds, the
//! inference pallet bounds inputs and outputs by them, and the engine's default limits are at
//! least these. So a request the chain accepts is one every conforming engine can run and answer:
//! no model can be listed whose requests would only ever be refunded (costing their requesters
//! nothing but a transaction fee, and every executor a run).

/// The largest model bundle, in bytes (512 MiB): the registry's `MaxModelSize` and the engine's
/// store bound.
pub const MAX_MODEL_BYTES: u64 = 512 * 1024 * 1024;

/// The largest batch a schema may allow (`IoSchema::max_batch`), for tensors and texts alike.
pub const MAX_BATCH: u32 = 32;

/// The largest SCALE-encoded input of a request, in bytes (72 KiB): the inference pallet's
/// `MaxInputBytes`.
pub const MAX_INPUT_BYTES: u32 = 72 * 1024;

/// The largest SCALE-encoded output of a result, in bytes (128 KiB): the inference pallet's
/// `MaxOutputBytes`. A schema whose output at its largest batch could encode larger is refused.
pub const MAX_OUTPUT_BYTES: u32 = 128 * 1024;

/// The most tokens one text-generation request may ask for (`Prompt::max_new_tokens`, and a
/// schema's `OutputSchema::Generated::max_new_tokens`).
pub const MAX_NEW_TOKENS: u32 = 256;

/// The longest generated text, in bytes of UTF-8 (16 KiB: 64 bytes per token at
/// [`MAX_NEW_TOKENS`]; an engine whose answer would be longer refuses it with `OutputTooLarge`).
pub const MAX_GENERATED_TEXT_BYTES: u32 = 16 * 1024;
