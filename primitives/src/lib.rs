//! # OPG primitives
//!
//! The one definition of every fact the OPG chain's runtime, node, inference engine and client
//! share about models and inferences (`no_std`; `std` adds serde and error traits):
//!
//! * [`model`]: a model's identity ([`ModelHash`], blake2-256 of its canonical bundle), its
//!   architecture ([`ModelKind`], with its row in the kind table: name and bundle files,
//!   [`KindInfo`]) and what the chain records about it ([`ModelSpec`]);
//! * [`bundle`]: the canonical single-file packing of a model's files, the artifact the hash names;
//! * [`tensor`]: the wire format of tensors ([`Tensor`]: dtype, shape, little-endian data, all
//!   bounded) and of inputs ([`InferenceInput`]: a tensor, a batch of texts or a prompt) and
//!   outputs ([`InferenceOutput`]: a tensor or a generated answer);
//! * [`generation`]: text generation's [`Prompt`] (with integer [`Sampling`] parameters) and
//!   [`Generation`], billed per token;
//! * [`schema`]: what a model accepts and returns ([`IoSchema`], [`OutputSchema`]) and the typed [`SchemaError`]s of
//!   checking a request against it;
//! * [`commitment`]: the [`ResultCommitment`] an executor submits: the hash of the canonical output
//!   bytes, a Merkle root over per-layer activation hashes (with proofs for the dispute game) and
//!   the [`OPSET`] (version of the canonical arithmetic, `opg-kernels`) it was computed under;
//! * [`host`]: the `inference` host functions ([`inference::run`], [`inference::check`]), its [`InferenceError`]s, and on
//!   the native side the [`InferenceBackend`] trait and the [`InferenceExt`] extension;
//! * [`executor`]: executors' `infr` key type, the request id ([`RequestId`]) and the statements
//!   an executor signs (results, dispute votes);
//! * [`traits`]: what the pallets ask of each other ([`ModelCatalog`], [`ExecutorSet`],
//!   [`StakeLedger`]), so that they depend on these primitives and not on each other;
//! * `json` (`std`): tensors as JSON, both ways, for RPC answers and clients.
//!
//! Every type that crosses the chain boundary is SCALE-encodable with a bounded
//! `MaxEncodedLen`; no function here panics on bad data.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod bundle;
pub mod commitment;
pub mod executor;
pub mod generation;
pub mod host;
#[cfg(feature = "std")]
pub mod json;
pub mod limits;
pub mod model;
pub mod schema;
pub mod tensor;
pub mod traits;

pub use commitment::{LayerHashes, MerkleProof, ResultCommitment, OPSET};
pub use executor::{
	vote_seal, DeclineStatement, DisputeStatement, ExecutorKey, ExecutorKeyProof, ExecutorOwners,
	ExecutorSignature, RequestDigest, RequestId, ResultStatement,
};
pub use generation::{Generation, Prompt, Sampling, StopReason, TextGenerationConfig};
pub use host::{inference, InferenceError, InferenceRun, Nonce};
#[cfg(not(substrate_runtime))]
pub use host::{InferenceBackend, InferenceExt};
pub use model::{FileHash, KindInfo, ModelHash, ModelKind, ModelSpec, ParseKindError};
pub use schema::{Dim, InputSchema, IoSchema, OutputSchema, SchemaError, TensorSchema};
/// The 32-byte hash type of model hashes, file hashes, layer hashes and commitments.
pub use sp_core::H256;
pub use tensor::{InferenceInput, InferenceOutput, Tensor, TensorDType};
pub use traits::{ExecutorSet, ListedModel, ModelCatalog, Slashed, StakeLedger};
