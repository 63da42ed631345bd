//! The host functions through which the runtime (in an off-chain worker) asks the node's native
//! engine to run a model ([`inference::run`]), to check a claimed output ([`inference::check`],
//! which watchers use), or to fetch a model ([`inference::fetch`]).
//!
//! On the native side each call looks for an
//! [`InferenceExt`] among the externalities' extensions; the node registers one (wrapping its
//! engine) for off-chain workers only, so in block import, block building or any runtime API call
//! the host function answers [`InferenceError::Unavailable`] instead of running anything. It
//! never panics: every failure is an [`InferenceError`].
//!
//! The node must still list [`inference::HostFunctions`] among its executor's host functions
//! (the runtime imports the function, so the WASM module must be instantiable everywhere).

// `#[runtime_interface]`'s native side names `Vec`, which a native `no_std` build (as in
// `cargo check --no-default-features`) has no prelude for; the runtime build does not need it.
#[cfg(not(feature = "std"))]
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecode},
	runtime_interface,
};

use crate::{
	commitment::{LayerHashes, ResultCommitment},
	model::ModelHash,
	schema::SchemaError,
	tensor::{InferenceInput, InferenceOutput},
};

/// Why an inference did not produce a result.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum InferenceError {
	/// No inference engine here: the host function was called outside an off-chain worker, or
	/// the node runs without an engine.
	#[codec(index = 0)]
	Unavailable,
	/// The engine does not have (and could not obtain) a model with this hash.
	#[codec(index = 1)]
	UnknownModel,
	/// The bytes found for the model do not hash to the model hash.
	#[codec(index = 2)]
	HashMismatch,
	/// The model's files are malformed (bundle layout, config, weights or tokenizer).
	#[codec(index = 3)]
	CorruptModel,
	/// The model is of a kind this engine cannot run.
	#[codec(index = 4)]
	UnsupportedKind,
	/// The model is larger than the engine's limit.
	#[codec(index = 5)]
	ModelTooLarge,
	/// The input does not fit the model (shape, dtype, text length, batch, ...).
	#[codec(index = 6)]
	BadInput(SchemaError),
	/// The input is larger than the engine's limit (for instance too many tokens).
	#[codec(index = 7)]
	InputTooLarge,
	/// The output would be larger than the engine's limit or the wire format's.
	#[codec(index = 8)]
	OutputTooLarge,
	/// The engine failed for a reason of its own (a bug or a resource problem, not the input's
	/// fault).
	#[codec(index = 9)]
	Internal,
	/// The model is not in the store and could not be fetched from any of its URIs (none
	/// reachable, or what they served did not hash to the model hash).
	#[codec(index = 10)]
	FetchFailed,
	/// The model is being fetched in the background (or waits for its turn): ask again later.
	#[codec(index = 11)]
	Fetching,
}

impl From<SchemaError> for InferenceError {
	fn from(error: SchemaError) -> Self {
		InferenceError::BadInput(error)
	}
}

impl InferenceError {
	/// Whether the error passes by itself: the model is on its way ([`InferenceError::Fetching`]).
	/// An off-chain worker asks again later rather than declining the request.
	pub fn is_transient(&self) -> bool {
		matches!(self, InferenceError::Fetching)
	}

	/// Whether the error is the request's own fault: its input does not fit what the model (or
	/// the engine's limits) can run, on any engine. An executor that declines a request for such
	/// a reason says the requester should pay for it; every other error is the executor's (its
	/// engine, its store, its network) or the model's, and only moves the request on.
	pub fn is_request_fault(&self) -> bool {
		matches!(
			self,
			InferenceError::BadInput(_)
				| InferenceError::InputTooLarge
				| InferenceError::OutputTooLarge
		)
	}
}

impl core::fmt::Display for InferenceError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			InferenceError::Unavailable => write!(f, "no inference engine in this context"),
			InferenceError::UnknownModel => write!(f, "unknown model"),
			InferenceError::HashMismatch => write!(f, "model bytes do not match the model hash"),
			InferenceError::CorruptModel => write!(f, "model files are malformed"),
			InferenceError::UnsupportedKind => write!(f, "model kind not supported"),
			InferenceError::ModelTooLarge => write!(f, "model exceeds the size limit"),
			InferenceError::BadInput(e) => write!(f, "bad input: {e:?}"),
			InferenceError::InputTooLarge => write!(f, "input exceeds the engine's limit"),
			InferenceError::OutputTooLarge => write!(f, "output exceeds the size limit"),
			InferenceError::Internal => write!(f, "internal engine error"),
			InferenceError::FetchFailed => write!(f, "model could not be fetched from its URIs"),
			InferenceError::Fetching => write!(f, "model is being fetched; ask again later"),
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for InferenceError {}

/// The result of one inference: the output, the commitment an executor submits, and the layer
/// hashes the commitment's trace root is built from.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct InferenceRun {
	/// The model's output.
	pub output: InferenceOutput,
	/// Output hash and trace root.
	pub commitment: ResultCommitment,
	/// The per-layer activation hashes, in execution order (the Merkle leaves of
	/// [`ResultCommitment::trace_root`]).
	pub layer_hashes: LayerHashes,
}

impl InferenceRun {
	/// A run from an output and its layer hashes, with the commitment computed from them.
	pub fn new(output: InferenceOutput, layer_hashes: LayerHashes) -> Self {
		let commitment = ResultCommitment::new(&output, &layer_hashes);
		InferenceRun { output, commitment, layer_hashes }
	}

	/// Whether the commitment matches the output and the layer hashes.
	pub fn is_consistent(&self) -> bool {
		self.commitment == ResultCommitment::new(&self.output, &self.layer_hashes)
	}
}

/// What keys the sampling draws of a generation besides the prompt's seed: the request's
/// [`RequestDigest`](crate::RequestDigest), so that two requests with the same seed draw
/// different tokens, and every executor of one request draws the same ones. Models that do not
/// sample ignore it.
pub type Nonce = [u8; 32];

/// What runs models natively: the node's engine (`opg_inference::Engine`), or a fake in tests.
#[cfg(not(substrate_runtime))]
pub trait InferenceBackend: Send + Sync {
	/// Runs `model` on `input`, with `nonce` keying any sampling. Must not panic on any input.
	fn run(
		&self,
		model: &ModelHash,
		input: &InferenceInput,
		nonce: &Nonce,
	) -> Result<InferenceRun, InferenceError>;

	/// Whether `output` is what `model` answers to `input` (with `nonce`). By default, one run
	/// and a comparison; an engine may check more cheaply (a generated answer with one pass over
	/// the prompt and the answer's tokens instead of one pass per token).
	fn check(
		&self,
		model: &ModelHash,
		input: &InferenceInput,
		nonce: &Nonce,
		output: &InferenceOutput,
	) -> Result<bool, InferenceError> {
		self.run(model, input, nonce).map(|run| run.output == *output)
	}

	/// Makes sure `model` is in the engine's store, fetching it from the first of `uris` that
	/// serves bytes hashing to `model`. May block for the length of a download.
	fn fetch(&self, model: &ModelHash, uris: &[Vec<u8>]) -> Result<(), InferenceError>;
}

#[cfg(not(substrate_runtime))]
sp_externalities::decl_extension! {
	/// The externalities extension that gives the [`inference`] host function its engine.
	/// Register it for off-chain workers only.
	pub struct InferenceExt(alloc::sync::Arc<dyn InferenceBackend>);
}

#[cfg(not(substrate_runtime))]
impl InferenceExt {
	/// An extension around this backend.
	pub fn new(backend: alloc::sync::Arc<dyn InferenceBackend>) -> Self {
		InferenceExt(backend)
	}
}

/// Inference host functions.
#[runtime_interface]
pub trait Inference {
	/// Runs `model` on `input` with the node's engine and returns the output with its
	/// commitment, or [`InferenceError::Unavailable`] where no engine is registered (anywhere
	/// but an off-chain worker of a node with an engine). The first version, for runtimes that
	/// predate generation: its nonce is all zeros.
	fn run(
		&mut self,
		model: PassFatPointerAndDecode<ModelHash>,
		input: PassFatPointerAndDecode<InferenceInput>,
	) -> AllocateAndReturnByCodec<Result<InferenceRun, InferenceError>> {
		use sp_externalities::ExternalitiesExt;
		match self.extension::<InferenceExt>() {
			Some(ext) => {
				let backend = ext.0.clone();
				backend.run(&model, &input, &[0; 32])
			}
			None => Err(InferenceError::Unavailable),
		}
	}

	/// Runs `model` on `input` with the node's engine, `nonce` keying any sampling (see
	/// [`Nonce`]), and returns the output with its commitment, or
	/// [`InferenceError::Unavailable`] where no engine is registered.
	#[version(2)]
	fn run(
		&mut self,
		model: PassFatPointerAndDecode<ModelHash>,
		input: PassFatPointerAndDecode<InferenceInput>,
		nonce: PassFatPointerAndDecode<Nonce>,
	) -> AllocateAndReturnByCodec<Result<InferenceRun, InferenceError>> {
		use sp_externalities::ExternalitiesExt;
		match self.extension::<InferenceExt>() {
			Some(ext) => {
				let backend = ext.0.clone();
				backend.run(&model, &input, &nonce)
			}
			None => Err(InferenceError::Unavailable),
		}
	}

	/// Whether `output` is what `model` answers to `input` (with `nonce`), checked by the node's
	/// engine as cheaply as it can ([`InferenceBackend::check`]); [`InferenceError::Unavailable`]
	/// outside an off-chain worker.
	fn check(
		&mut self,
		model: PassFatPointerAndDecode<ModelHash>,
		input: PassFatPointerAndDecode<InferenceInput>,
		nonce: PassFatPointerAndDecode<Nonce>,
		output: PassFatPointerAndDecode<InferenceOutput>,
	) -> AllocateAndReturnByCodec<Result<bool, InferenceError>> {
		use sp_externalities::ExternalitiesExt;
		match self.extension::<InferenceExt>() {
			Some(ext) => {
				let backend = ext.0.clone();
				backend.check(&model, &input, &nonce, &output)
			}
			None => Err(InferenceError::Unavailable),
		}
	}

	/// Makes sure the engine has `model`, fetching it from `uris` (tried in order) if not, and
	/// verifying what it fetched against the hash. [`InferenceError::Unavailable`] outside an
	/// off-chain worker.
	fn fetch(
		&mut self,
		model: PassFatPointerAndDecode<ModelHash>,
		uris: PassFatPointerAndDecode<Vec<Vec<u8>>>,
	) -> AllocateAndReturnByCodec<Result<(), InferenceError>> {
		use sp_externalities::ExternalitiesExt;
		match self.extension::<InferenceExt>() {
			Some(ext) => {
				let backend = ext.0.clone();
				backend.fetch(&model, &uris)
			}
			None => Err(InferenceError::Unavailable),
		}
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use crate::tensor::Tensor;
	use alloc::sync::Arc;
	use sp_core::H256;

	/// Echoes the input tensor, for one known model.
	struct Echo;

	impl InferenceBackend for Echo {
		fn run(
			&self,
			model: &ModelHash,
			input: &InferenceInput,
			_nonce: &Nonce,
		) -> Result<InferenceRun, InferenceError> {
			if *model != H256::repeat_byte(1) {
				return Err(InferenceError::UnknownModel);
			}
			match input {
				InferenceInput::Tensor(t) => {
					t.validate()?;
					let layers = vec![t.hash()].try_into().map_err(|_| InferenceError::Internal)?;
					Ok(InferenceRun::new(InferenceOutput::Tensor(t.clone()), layers))
				}
				_ => Err(SchemaError::ExpectedTensor.into()),
			}
		}

		fn fetch(&self, model: &ModelHash, _uris: &[Vec<u8>]) -> Result<(), InferenceError> {
			if *model == H256::repeat_byte(1) {
				Ok(())
			} else {
				Err(InferenceError::FetchFailed)
			}
		}
	}

	fn input() -> InferenceInput {
		InferenceInput::Tensor(Tensor::from_f32(&[1, 2], &[1.0, 2.0]).unwrap())
	}

	#[test]
	fn without_the_extension_run_is_unavailable() {
		let mut ext = sp_io::TestExternalities::default();
		ext.execute_with(|| {
			assert_eq!(
				inference::run(H256::repeat_byte(1), input(), [7; 32]),
				Err(InferenceError::Unavailable)
			);
		});
	}

	#[test]
	fn with_a_backend_registered_run_reaches_it() {
		let mut ext = sp_io::TestExternalities::default();
		ext.register_extension(InferenceExt::new(Arc::new(Echo)));
		ext.execute_with(|| {
			let run = inference::run(H256::repeat_byte(1), input(), [7; 32]).unwrap();
			assert_eq!(
				run.output,
				InferenceOutput::Tensor(Tensor::from_f32(&[1, 2], &[1.0, 2.0]).unwrap())
			);
			assert!(run.is_consistent());
			assert_eq!(run.layer_hashes.len(), 1);
			// The check is a run and a comparison, unless the backend knows better.
			assert_eq!(
				inference::check(H256::repeat_byte(1), input(), [7; 32], run.output),
				Ok(true)
			);
			let other = InferenceOutput::Tensor(Tensor::from_f32(&[1, 2], &[1.0, 3.0]).unwrap());
			assert_eq!(inference::check(H256::repeat_byte(1), input(), [7; 32], other), Ok(false));
			assert_eq!(
				inference::run(H256::repeat_byte(2), input(), [7; 32]),
				Err(InferenceError::UnknownModel)
			);
			assert_eq!(
				inference::run(H256::repeat_byte(1), InferenceInput::text("x").unwrap(), [7; 32]),
				Err(InferenceError::BadInput(SchemaError::ExpectedTensor))
			);
		});
	}

	#[test]
	fn results_round_trip_through_scale() {
		let run = Echo.run(&H256::repeat_byte(1), &input(), &[0; 32]).unwrap();
		let wire: Result<InferenceRun, InferenceError> = Ok(run);
		let decoded =
			Result::<InferenceRun, InferenceError>::decode(&mut &wire.encode()[..]).unwrap();
		assert_eq!(decoded, wire);
	}
}
