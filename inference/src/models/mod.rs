//! Architectures: one file each, behind the [`Model`] trait, and one row each in
//! [`ARCHITECTURES`].
//!
//! To add an architecture: its [`ModelKind`] (a variant and its row in [`ModelKind::info`], with
//! its name and bundle files, in `opg-primitives`), a file `models/<module>.rs` with a
//! `load(&BundleView, &LoadOptions) -> Result<Arc<dyn Model>, InferenceError>`, and a row
//! `<module>: <Kind>` in the `architectures!` list below (which declares the module too).

use std::sync::Arc;

use opg_kernels::{canonical_nan, Isa};
use opg_primitives::H256;
use opg_primitives::{
	bundle::BundleView,
	commitment::{tensor_hash, MAX_TRACE_LEAVES},
	Generation, InferenceError, InferenceInput, IoSchema, ModelKind, Nonce, Prompt, TensorDType,
};

use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::error::{corrupt, internal};

/// Declares each architecture's module and its row in [`ARCHITECTURES`].
macro_rules! architectures {
	($($module:ident: $kind:ident),* $(,)?) => {
		$(pub mod $module;)*

		/// The architectures the engine runs: one row each, its kind and its loader.
		pub const ARCHITECTURES: &[Architecture] =
			&[$(Architecture { kind: ModelKind::$kind, load: $module::load }),*];
	};
}

architectures! {
	mlp: Mlp,
	bert: BertEmbedding,
	onnx: Onnx,
	llama: TextGeneration,
}

/// How an architecture builds a runnable model from a bundle.
pub type Loader = fn(&BundleView, &LoadOptions) -> Result<Arc<dyn Model>, InferenceError>;

/// One architecture: the kind of bundle it runs and how it loads one.
#[derive(Clone, Copy, Debug)]
pub struct Architecture {
	/// The kind of its bundles.
	pub kind: ModelKind,
	/// Builds a runnable model from a bundle of [`Architecture::kind`].
	pub load: Loader,
}

/// The architecture that runs bundles of this kind, if the engine has one.
pub fn architecture(kind: ModelKind) -> Option<&'static Architecture> {
	ARCHITECTURES.iter().find(|architecture| architecture.kind == kind)
}

/// What a loader needs besides the bundle.
#[derive(Clone, Debug)]
pub struct LoadOptions {
	/// The largest batch the model will accept (its schema's `max_batch`).
	pub max_batch: u32,
	/// The compiled copy of the canonical kernels to run (any gives the same bits).
	pub isa: Isa,
}

/// What a forward pass returns: row-major `f32` values and their shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
	/// The dimensions, outermost first.
	pub shape: Vec<usize>,
	/// The values, row-major (`shape`'s product of them).
	pub values: Vec<f32>,
}

/// A loaded model, ready to run.
pub trait Model: Send + Sync {
	/// The architecture.
	fn kind(&self) -> ModelKind;
	/// The inputs it accepts and the output it produces.
	fn schema(&self) -> &IoSchema;
	/// The memory its weights take, in bytes (what the cache budget counts).
	fn weight_bytes(&self) -> u64;
	/// Runs the model on an input that [`Model::schema`] accepted, recording each layer's output
	/// in `trace`, and returns the output (`f32`, shape as the schema says). A text-generation
	/// model answers prompts with [`Model::generate`] instead.
	fn forward(&self, input: &InferenceInput, trace: &mut Trace) -> Result<Output, InferenceError>;

	/// Answers a prompt that [`Model::schema`] accepted, `nonce` keying the sampling, recording
	/// each generated token's step in `trace` (text-generation models only).
	fn generate(
		&self,
		_prompt: &Prompt,
		_nonce: &Nonce,
		_trace: &mut Trace,
	) -> Result<Generation, InferenceError> {
		Err(InferenceError::UnsupportedKind)
	}

	/// Whether `answer` is exactly what [`Model::generate`] answers to `prompt` with `nonce`,
	/// checked as cheaply as the model can (text-generation models only).
	fn check_generation(
		&self,
		_prompt: &Prompt,
		_nonce: &Nonce,
		_answer: &Generation,
	) -> Result<bool, InferenceError> {
		Err(InferenceError::UnsupportedKind)
	}
}

/// Loads a model of the bundle's kind.
pub fn load(view: &BundleView, options: &LoadOptions) -> Result<Arc<dyn Model>, InferenceError> {
	let architecture = architecture(view.kind).ok_or(InferenceError::UnsupportedKind)?;
	(architecture.load)(view, options)
}

/// The layer hashes of one forward pass (the leaves of the trace Merkle tree).
///
/// A layer hash is [`tensor_hash`] of the layer's output activation as `f32`, its full shape,
/// little-endian bytes, row-major, every NaN canonical ([`canonical_nan`]): the same definition
/// as a wire tensor's hash.
#[derive(Debug, Default)]
pub struct Trace {
	hashes: Vec<H256>,
}

impl Trace {
	/// Records a layer's output activation: `values`, row-major, of `shape`.
	pub fn record(&mut self, values: &[f32], shape: &[usize]) -> Result<(), InferenceError> {
		if self.hashes.len() >= MAX_TRACE_LEAVES as usize {
			return Err(internal("trace has too many layers"));
		}
		if shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d)) != Some(values.len()) {
			return Err(internal("activation shape does not match its values"));
		}
		let shape: Vec<u32> = shape
			.iter()
			.map(|d| u32::try_from(*d).map_err(|_| internal("activation dimension overflows u32")))
			.collect::<Result<_, _>>()?;
		self.hashes.push(tensor_hash(TensorDType::F32, &shape, &f32_bytes(values)));
		Ok(())
	}

	/// Records a leaf that is already a hash (see the architecture's docs for what it covers).
	pub fn record_hash(&mut self, hash: H256) -> Result<(), InferenceError> {
		if self.hashes.len() >= MAX_TRACE_LEAVES as usize {
			return Err(internal("trace has too many layers"));
		}
		self.hashes.push(hash);
		Ok(())
	}

	/// The layer hashes recorded so far, in order.
	pub fn hashes(&self) -> &[H256] {
		&self.hashes
	}

	/// Takes the recorded hashes.
	pub fn into_hashes(self) -> Vec<H256> {
		self.hashes
	}
}

/// A `tokenizers` tokenizer for one text at a time: no padding, texts longer than `max_length`
/// tokens truncated on the right (keeping the first tokens and the closing special token), as
/// sentence-transformers truncates.
pub(crate) fn text_tokenizer(bytes: &[u8], max_length: usize) -> Result<Tokenizer, InferenceError> {
	let mut tokenizer = Tokenizer::from_bytes(bytes).map_err(corrupt)?;
	tokenizer.with_padding(None);
	tokenizer
		.with_truncation(Some(TruncationParams {
			max_length,
			strategy: TruncationStrategy::LongestFirst,
			direction: TruncationDirection::Right,
			stride: 0,
		}))
		.map_err(corrupt)?;
	Ok(tokenizer)
}

/// Little-endian bytes of `values`, every NaN canonical ([`canonical_nan`]).
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
	values.iter().flat_map(|v| canonical_nan(*v).to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_runnable_kind_has_one_architecture() {
		for kind in ModelKind::all() {
			let rows = ARCHITECTURES.iter().filter(|a| a.kind == kind).count();
			assert_eq!(rows, usize::from(kind.is_runnable()), "{kind}");
		}
	}
}
