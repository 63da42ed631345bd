//! `Onnx`: an ONNX graph run by `opg-onnx` on the canonical kernels.
//!
//! Bundle files: `config.json` ([`OnnxConfig`]: which graph output is the result; for a text
//! model its `max_seq_length`, pooling and normalisation), `model.onnx`, and for a text model
//! `tokenizer.json`. `opg-cli models pack --kind onnx` writes the config and makes the same
//! checks as this loader ([`opg_onnx::Model::load`], one definition).
//!
//! A tensor model runs the whole batch in one pass. A text model runs each text alone, on
//! exactly its own tokens (truncated at `max_seq_length`, no padding), so a text's vector never
//! depends on its batch. The schema is the one [`opg_onnx::Model::schema`] infers.
//!
//! Trace leaves: the `FLOAT` or `INT64` outputs of the layer-boundary steps
//! ([`opg_onnx::Graph::traced_steps`]: normalisations and the result where the graph has
//! normalisations, else every step but reshapes and the like) hashed as layer activations are
//! ([`tensor_hash`]), in execution order (text after text); when there are more than
//! [`MAX_TRACE_LEAVES`], consecutive hashes are grouped, each leaf the blake2-256 of its
//! group's hashes, groups of `ceil(n / MAX_TRACE_LEAVES)`.

use std::sync::Arc;

use opg_kernels::Isa;
use opg_onnx::{Data, Exec, Value};
use opg_primitives::{
	bundle::{BundleView, TOKENIZER_FILE},
	commitment::{tensor_hash, MAX_TRACE_LEAVES},
	InferenceError, InferenceInput, IoSchema, ModelKind, TensorDType, H256,
};
use rayon::prelude::*;
use blake2::{digest::consts::U32, Blake2b, Digest};
use tokenizers::Tokenizer;

use super::{text_tokenizer, LoadOptions, Model, Output, Trace};
use crate::{
	canonical::{in_pool, linear},
	error::{corrupt, internal},
};

/// The longest text a text model takes when its config names no `max_seq_length`.
pub const DEFAULT_MAX_SEQ_LENGTH: usize = 512;

/// The engine's executor: the detected kernels, rows split across the engine's pool.
struct EngineExec(Isa);

impl Exec for EngineExec {
	fn isa(&self) -> Isa {
		self.0
	}

	fn linear(
		&self,
		x: &[f32],
		w: &[f32],
		bias: Option<&[f32]>,
		k: usize,
	) -> Result<Vec<f32>, opg_kernels::ShapeError> {
		linear(self.0, x, w, bias, k).map_err(|_| opg_kernels::ShapeError)
	}
}

/// A loaded ONNX model.
pub struct OnnxModel {
	model: opg_onnx::Model,
	tokenizer: Option<(Tokenizer, usize)>,
	/// Which steps are hashed into the trace.
	traced: Vec<bool>,
	isa: Isa,
	schema: IoSchema,
	weight_bytes: u64,
}

/// Loads an ONNX model from its bundle.
pub fn load(view: &BundleView, options: &LoadOptions) -> Result<Arc<dyn Model>, InferenceError> {
	let model = opg_onnx::Model::from_bundle(view, &opg_onnx::Limits::default()).map_err(corrupt)?;
	let tokenizer = match view.file(TOKENIZER_FILE) {
		Some(bytes) => {
			let max = model.config.max_seq_length.unwrap_or(DEFAULT_MAX_SEQ_LENGTH);
			Some((text_tokenizer(bytes, max)?, max))
		}
		None => None,
	};
	let exec = EngineExec(options.isa);
	let schema = model.schema(&exec, options.max_batch.max(1)).map_err(corrupt)?;
	let weight_bytes = (model.graph.weight_elements()).saturating_mul(4);
	let traced = model.graph.traced_steps();
	Ok(Arc::new(OnnxModel { model, tokenizer, traced, isa: options.isa, schema, weight_bytes }))
}

/// The layer hash of a node's output (floats and integers; booleans are not hashed).
fn hash_value(value: &Value) -> Option<H256> {
	let shape: Vec<u32> = value.shape.iter().map(|d| u32::try_from(*d).ok()).collect::<Option<_>>()?;
	match &value.data {
		Data::F32(v) => Some(tensor_hash(TensorDType::F32, &shape, &super::f32_bytes(v))),
		Data::I64(v) => {
			let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
			Some(tensor_hash(TensorDType::I64, &shape, &bytes))
		}
		Data::Bool(_) => None,
	}
}

/// Appends the hashes of a traced step's outputs ([`opg_onnx::Graph::traced_steps`]).
fn observer<'a>(traced: &'a [bool], hashes: &'a mut Vec<H256>) -> impl FnMut(usize, &[Arc<Value>]) + 'a {
	move |i, outputs| {
		if traced.get(i).copied().unwrap_or(false) {
			hashes.extend(outputs.iter().filter_map(|v| hash_value(v)));
		}
	}
}

/// Records node hashes as trace leaves, grouped when there are too many (see the module docs).
fn record(trace: &mut Trace, hashes: &[H256]) -> Result<(), InferenceError> {
	let group = hashes.len().div_ceil(MAX_TRACE_LEAVES as usize).max(1);
	for chunk in hashes.chunks(group) {
		let leaf = if group == 1 {
			chunk.first().copied().unwrap_or_default()
		} else {
			let mut hasher = Blake2b::<U32>::new();
			chunk.iter().for_each(|h| hasher.update(h.0));
			H256(hasher.finalize().into())
		};
		trace.record_hash(leaf)?;
	}
	Ok(())
}

impl OnnxModel {
	fn run_texts(&self, texts: &[&str]) -> Result<(Vec<f32>, Vec<H256>), InferenceError> {
		let (tokenizer, max) = self.tokenizer.as_ref().ok_or_else(|| internal("no tokenizer"))?;
		let exec = EngineExec(self.isa);
		let one = |text: &&str| -> Result<(Vec<f32>, Vec<H256>), InferenceError> {
			let encoding = tokenizer.encode(*text, true).map_err(internal)?;
			let ids = encoding.get_ids();
			if ids.is_empty() || ids.len() > *max {
				return Err(internal(format!("{} tokens after truncation at {max}", ids.len())));
			}
			let mut hashes = Vec::new();
			let vector = self.model.run_text(&exec, ids, &mut observer(&self.traced, &mut hashes)).map_err(internal)?;
			Ok((vector, hashes))
		};
		let runs: Vec<(Vec<f32>, Vec<H256>)> = if in_pool() && texts.len() > 1 {
			texts.par_iter().map(one).collect::<Result<_, _>>()?
		} else {
			texts.iter().map(one).collect::<Result<_, _>>()?
		};
		let width = runs.first().map_or(0, |(v, _)| v.len());
		if runs.iter().any(|(v, _)| v.len() != width) {
			return Err(internal("texts gave vectors of different widths"));
		}
		let mut values = Vec::with_capacity(width.saturating_mul(runs.len()));
		let mut hashes = Vec::new();
		for (v, h) in runs {
			values.extend(v);
			hashes.extend(h);
		}
		Ok((values, hashes))
	}
}

impl Model for OnnxModel {
	fn kind(&self) -> ModelKind {
		ModelKind::Onnx
	}

	fn schema(&self) -> &IoSchema {
		&self.schema
	}

	fn weight_bytes(&self) -> u64 {
		self.weight_bytes
	}

	fn forward(&self, input: &InferenceInput, trace: &mut Trace) -> Result<Output, InferenceError> {
		match input {
			InferenceInput::Tensor(tensor) => {
				let values = tensor.to_f32_vec()?;
				let shape: Vec<usize> = tensor.shape.iter().map(|d| *d as usize).collect();
				let mut hashes = Vec::new();
				let (shape, values) = self
					.model
					.run_tensor(&EngineExec(self.isa), shape, values, &mut observer(&self.traced, &mut hashes))
					.map_err(internal)?;
				record(trace, &hashes)?;
				Ok(Output { shape, values })
			}
			InferenceInput::Text(texts) => {
				let texts: Vec<&str> = texts
					.iter()
					.map(|t| std::str::from_utf8(t).map_err(|_| InferenceError::BadInput(opg_primitives::SchemaError::InvalidUtf8)))
					.collect::<Result<_, _>>()?;
				let (values, hashes) = self.run_texts(&texts)?;
				record(trace, &hashes)?;
				let width = values.len().checked_div(texts.len()).unwrap_or(0);
				Ok(Output { shape: vec![texts.len(), width], values })
			}
			InferenceInput::Prompt(_) => Err(opg_primitives::SchemaError::ExpectedTensor.into()),
		}
	}
}
