//! Architectures: one file each, behind the [`Model`] trait.
//!
//! To add an architecture: write `models/<name>.rs` with a `FILES` list and a
//! `load(&BundleView, &LoadOptions) -> Result<Arc<dyn Model>, InferenceError>`, and add its
//! [`ModelKind`] to [`load`] and [`bundle_files`] below.

pub mod bert;
pub mod mlp;

use std::{fs, io, path::Path, sync::Arc};

use candle_core::{DType, Tensor};
use opg_primitives::H256;
use opg_primitives::{
	bundle::{encode_bundle, BundleView},
	commitment::{tensor_hash, MAX_TRACE_LEAVES},
	InferenceError, InferenceInput, IoSchema, ModelKind, TensorDType,
};

use crate::error::internal;

/// What a loader needs besides the bundle.
#[derive(Clone, Debug)]
pub struct LoadOptions {
	/// The largest batch the model will accept (its schema's `max_batch`).
	pub max_batch: u32,
	/// Deterministic mode: inputs are shaped only by themselves, never by their batch (for
	/// text: every sequence is padded to the model's fixed length).
	pub deterministic: bool,
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
	/// in `trace`, and returns the output (`f32`, shape as the schema says).
	fn forward(&self, input: &InferenceInput, trace: &mut Trace) -> Result<Tensor, InferenceError>;
}

/// Loads a model of the bundle's kind.
pub fn load(view: &BundleView, options: &LoadOptions) -> Result<Arc<dyn Model>, InferenceError> {
	match view.kind {
		ModelKind::Mlp => mlp::load(view, options),
		ModelKind::BertEmbedding => bert::load(view, options),
		ModelKind::Onnx | ModelKind::TextGeneration => Err(InferenceError::UnsupportedKind),
	}
}

/// The files a bundle of this kind carries (`None` for kinds the engine cannot run).
pub fn bundle_files(kind: ModelKind) -> Option<&'static [&'static str]> {
	match kind {
		ModelKind::Mlp => Some(mlp::FILES),
		ModelKind::BertEmbedding => Some(bert::FILES),
		ModelKind::Onnx | ModelKind::TextGeneration => None,
	}
}

/// Packs the files a model of this kind needs from a directory (for instance an unpacked
/// sentence-transformers model) into canonical bundle bytes.
pub fn bundle_from_dir(kind: ModelKind, dir: &Path) -> io::Result<Vec<u8>> {
	let names = bundle_files(kind)
		.ok_or_else(|| io::Error::new(io::ErrorKind::Unsupported, "model kind not supported"))?;
	let mut contents = Vec::with_capacity(names.len());
	for name in names {
		let data = fs::read(dir.join(name))
			.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.join(name).display())))?;
		contents.push((*name, data));
	}
	let files: Vec<(&str, &[u8])> = contents.iter().map(|(n, d)| (*n, d.as_slice())).collect();
	encode_bundle(kind, &files).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// The layer hashes of one forward pass (the leaves of the trace Merkle tree).
///
/// A layer hash is [`tensor_hash`] of the layer's output activation as `f32`, its full shape,
/// little-endian bytes, row-major: the same definition as a wire tensor's hash.
#[derive(Debug, Default)]
pub struct Trace {
	hashes: Vec<H256>,
}

impl Trace {
	/// Records a layer's output activation.
	pub fn record(&mut self, activation: &Tensor) -> Result<(), InferenceError> {
		if self.hashes.len() >= MAX_TRACE_LEAVES as usize {
			return Err(internal("trace has too many layers"));
		}
		let shape: Vec<u32> = activation
			.dims()
			.iter()
			.map(|d| u32::try_from(*d).map_err(|_| internal("activation dimension overflows u32")))
			.collect::<Result<_, _>>()?;
		let values = activation
			.to_dtype(DType::F32)
			.and_then(|t| t.flatten_all())
			.and_then(|t| t.to_vec1::<f32>())
			.map_err(internal)?;
		let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
		self.hashes.push(tensor_hash(TensorDType::F32, &shape, &bytes));
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
