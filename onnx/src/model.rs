//! A model of kind `onnx`: a graph, its configuration, and how the chain's inputs feed it.
//!
//! **Tensor models** have one `FLOAT` graph input whose first axis may be symbolic (the batch
//! axis) and whose other axes are fixed; the whole batch runs as one pass and the configured
//! output (`FLOAT`, first axis the batch) is the result.
//!
//! **Text models** have token inputs, `input_ids` and optionally `attention_mask` and
//! `token_type_ids` (`INT64` or `INT32`, `[batch, sequence]`, both axes may be symbolic), and a
//! tokenizer in the bundle. Each text runs alone, as a batch of one with exactly its own tokens
//! (no padding), so a text's result is a function of the text only, never of its batch. The
//! configured output is either one vector per text (`[1, width]`) or one per token
//! (`[1, tokens, width]`), which [`OnnxConfig::pooling`] turns into one vector.

use alloc::{
	format,
	string::{String, ToString},
	sync::Arc,
	vec::Vec,
};

use opg_kernels::ops;
use opg_primitives::{
	tensor::{MAX_TEXT_BATCH, MAX_TEXT_BYTES},
	Dim, InputSchema, IoSchema, OutputSchema, TensorDType, TensorSchema,
};
use serde::{Deserialize, Serialize};

use crate::{
	error::OnnxError,
	graph::{Graph, InputDim},
	value::{DType, Value},
	Exec, Limits,
};

pub use opg_primitives::bundle::ONNX_FILE;
use opg_primitives::{
	bundle::{BundleView, CONFIG_FILE, TOKENIZER_FILE},
	ModelKind,
};

/// How a text model's per-token output becomes one vector per text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
	/// The output is already one vector per text.
	#[default]
	None,
	/// The mean over the tokens (`ops::mean_rows`), as sentence-transformers' mean pooling
	/// (every token is attended: there is no padding).
	Mean,
	/// The first token's vector (`[CLS]`).
	Cls,
}

/// A bundle's `config.json` for kind `onnx` (written by `opg-cli models pack --kind onnx`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnnxConfig {
	/// Always `"onnx"`.
	pub architecture: String,
	/// The graph output that is the model's result (default: the first).
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub output: Option<String>,
	/// Text models: the most tokens of a text, `[CLS]` and `[SEP]` included; longer texts are
	/// truncated to it, keeping the first tokens (and the final special token).
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub max_seq_length: Option<usize>,
	/// Text models: how a per-token output is pooled.
	#[serde(default)]
	pub pooling: Pooling,
	/// Text models: whether the pooled vector is L2-normalised (`ops::l2_normalize`, eps 1e-12).
	#[serde(default)]
	pub normalize: bool,
}

impl OnnxConfig {
	/// The configuration of a tensor model (first output).
	pub fn tensor() -> Self {
		OnnxConfig {
			architecture: "onnx".into(),
			output: None,
			max_seq_length: None,
			pooling: Pooling::None,
			normalize: false,
		}
	}

	/// Reads and checks a `config.json`.
	pub fn from_json(bytes: &[u8]) -> Result<Self, OnnxError> {
		let config: OnnxConfig = serde_json::from_slice(bytes)
			.map_err(|e| OnnxError::Malformed(format!("config.json: {e}")))?;
		if config.architecture != "onnx" {
			return Err(OnnxError::Malformed(format!(
				"config.json: architecture {:?} is not \"onnx\"",
				config.architecture
			)));
		}
		if config.max_seq_length == Some(0) {
			return Err(OnnxError::Malformed("config.json: max_seq_length is 0".into()));
		}
		Ok(config)
	}

	/// The JSON the bundle carries.
	pub fn to_json(&self) -> Vec<u8> {
		serde_json::to_vec_pretty(self).unwrap_or_default()
	}
}

/// How the chain's input reaches the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feed {
	/// One float tensor: the axes after the first (fixed), and whether the first is the batch.
	Tensor {
		/// Whether the first axis is symbolic (the batch axis).
		batch: bool,
		/// Every axis's length (the batch axis's as 1).
		dims: Vec<usize>,
	},
	/// Token ids: the position among the graph inputs of `input_ids`, and of `attention_mask`
	/// and `token_type_ids` when the graph has them.
	Text {
		/// The graph inputs, in order: which token tensor each one is.
		order: Vec<TokenInput>,
	},
}

/// The token tensors a text graph may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenInput {
	/// `input_ids`.
	Ids,
	/// `attention_mask` (all ones: a text attends to all its tokens).
	Mask,
	/// `token_type_ids` (all zeros: one segment).
	Types,
}

/// A loaded model of kind `onnx`.
#[derive(Clone, Debug)]
pub struct Model {
	/// The graph.
	pub graph: Graph,
	/// Its configuration.
	pub config: OnnxConfig,
	/// How inputs feed it.
	pub feed: Feed,
	/// The index of the result among the graph outputs.
	output: usize,
	/// The element type of the token inputs (`INT64` or `INT32`).
	token_dtype: DType,
}

impl Model {
	/// Loads the model a bundle of kind `onnx` holds: its `config.json`, its `model.onnx`, and
	/// whether it has a `tokenizer.json` (the engine and `opg-cli models pack` both load through
	/// here).
	pub fn from_bundle(view: &BundleView, limits: &Limits) -> Result<Self, OnnxError> {
		if view.kind != ModelKind::Onnx {
			return Err(OnnxError::Malformed(format!("a bundle of kind {}, not onnx", view.kind)));
		}
		let file = |name: &str| {
			view.file(name).ok_or_else(|| OnnxError::Malformed(format!("the bundle has no {name}")))
		};
		let config = OnnxConfig::from_json(file(CONFIG_FILE)?)?;
		Self::load(file(ONNX_FILE)?, config, view.file(TOKENIZER_FILE).is_some(), limits)
	}

	/// Loads a graph with its configuration; `has_tokenizer` says whether the bundle has a
	/// tokenizer (required by, and only allowed for, text models).
	pub fn load(
		onnx: &[u8],
		config: OnnxConfig,
		has_tokenizer: bool,
		limits: &Limits,
	) -> Result<Self, OnnxError> {
		let wanted = config.output.as_deref().map(|o| [o]);
		let graph = Graph::parse_for(onnx, limits, wanted.as_ref().map(|w| &w[..]))?;
		let inputs: Vec<_> = graph.inputs().cloned().collect();
		let bad = |why: String| OnnxError::BadInputs(why);
		let token = |name: &str| match name {
			"input_ids" => Some(TokenInput::Ids),
			"attention_mask" => Some(TokenInput::Mask),
			"token_type_ids" => Some(TokenInput::Types),
			_ => None,
		};
		let mut token_dtype = DType::I64;
		let feed = if inputs.iter().any(|i| token(&i.name).is_some()) {
			let order: Vec<TokenInput> = inputs
				.iter()
				.map(|i| {
					token(&i.name).ok_or_else(|| {
						bad(format!("{:?} is not a token input of a text model", i.name))
					})
				})
				.collect::<Result<_, _>>()?;
			if !order.contains(&TokenInput::Ids) {
				return Err(bad("a text model needs an input_ids input".into()));
			}
			for i in &inputs {
				if !matches!(i.dtype, DType::I64 | DType::Int32) || i.dims.len() != 2 {
					return Err(bad(format!(
						"{:?} must be INT64 or INT32 [batch, sequence]",
						i.name
					)));
				}
				if let Some(InputDim::Fixed(n)) = i.dims.first() {
					if *n != 1 {
						return Err(OnnxError::DynamicDim { input: i.name.clone(), axis: 0 });
					}
				}
				token_dtype = i.dtype;
			}
			if !has_tokenizer {
				return Err(bad("a text model's bundle needs a tokenizer.json".into()));
			}
			Feed::Text { order }
		} else {
			let [input] = &inputs[..] else {
				return Err(bad(format!(
					"{} inputs: a tensor model takes exactly one",
					inputs.len()
				)));
			};
			if input.dtype != DType::F32 {
				return Err(bad(format!(
					"{:?} is {}: a tensor model takes FLOAT",
					input.name,
					input.dtype.name()
				)));
			}
			if input.dims.is_empty()
				|| input.dims.len() > opg_primitives::tensor::MAX_TENSOR_RANK as usize
			{
				return Err(bad(format!(
					"{:?} has {} axes (1 to 6 allowed)",
					input.name,
					input.dims.len()
				)));
			}
			let mut dims = Vec::with_capacity(input.dims.len());
			let mut batch = false;
			for (axis, d) in input.dims.iter().enumerate() {
				match d {
					InputDim::Fixed(n) => dims.push(*n),
					InputDim::Symbolic(_) if axis == 0 => {
						batch = true;
						dims.push(1);
					}
					InputDim::Symbolic(_) => {
						return Err(OnnxError::DynamicDim { input: input.name.clone(), axis });
					}
				}
			}
			if has_tokenizer {
				return Err(
					bad("a tokenizer.json with a tensor model (no input_ids input)".into()),
				);
			}
			Feed::Tensor { batch, dims }
		};
		// With a configured output, the graph keeps only that one.
		let output = 0;
		if let Some(o) = graph.outputs().nth(output) {
			if o.dtype.is_some_and(|d| d != DType::F32) {
				return Err(OnnxError::BadOutput(format!("{:?} is not FLOAT", o.name)));
			}
		}
		Ok(Model { graph, config, feed, output, token_dtype })
	}

	/// The name of the result's graph output.
	pub fn output_name(&self) -> &str {
		self.graph.outputs().nth(self.output).map(|o| o.name.as_str()).unwrap_or_default()
	}

	/// Whether it takes text.
	pub fn is_text(&self) -> bool {
		matches!(self.feed, Feed::Text { .. })
	}

	/// The chain's schema of this model, inferred by running the graph on zeros (a batch of 1,
	/// and of 2 to see which output axis follows the batch) or on a two-token text.
	pub fn schema(&self, exec: &dyn Exec, max_batch: u32) -> Result<IoSchema, OnnxError> {
		let fixed = |n: usize| {
			u32::try_from(n)
				.map(Dim::Fixed)
				.map_err(|_| OnnxError::BadOutput("an axis overflows u32".into()))
		};
		let schema =
			|input: InputSchema, output: Vec<Dim>, max_batch: u32| -> Result<IoSchema, OnnxError> {
				let output = TensorSchema::new(TensorDType::F32, &output)
					.ok_or_else(|| OnnxError::BadOutput("more than 6 axes".into()))?;
				let schema = IoSchema { input, output: OutputSchema::Tensor(output), max_batch };
				schema.validate().map_err(|e| OnnxError::BadOutput(e.to_string()))?;
				Ok(schema)
			};
		match &self.feed {
			Feed::Text { .. } => {
				let vector = self.run_text(exec, &[0, 0], &mut |_, _| {})?;
				let max_bytes = MAX_TEXT_BYTES;
				schema(
					InputSchema::Text { max_bytes },
					alloc::vec![Dim::Batch, fixed(vector.len())?],
					max_batch.min(MAX_TEXT_BATCH),
				)
			}
			Feed::Tensor { batch, dims } => {
				let input_dims: Vec<Dim> = dims
					.iter()
					.enumerate()
					.map(|(i, d)| if i == 0 && *batch { Ok(Dim::Batch) } else { fixed(*d) })
					.collect::<Result<_, _>>()?;
				let input = TensorSchema::new(TensorDType::F32, &input_dims)
					.ok_or_else(|| OnnxError::BadInputs("more than 6 axes".into()))?;
				let zeros = |b: usize| {
					let mut shape = dims.clone();
					shape[0] = if *batch { b } else { shape[0] };
					let n = shape.iter().product();
					self.run_tensor(exec, shape, alloc::vec![0.0; n], &mut |_, _| {})
				};
				let (one, _) = zeros(1)?;
				if !*batch {
					let output = one.iter().map(|d| fixed(*d)).collect::<Result<_, _>>()?;
					return schema(InputSchema::Tensor(input), output, 1);
				}
				let (two, _) = zeros(2)?;
				let follows = one.len() == two.len()
					&& one.first() == Some(&1)
					&& two.first() == Some(&2)
					&& one[1..] == two[1..];
				if !follows {
					return Err(OnnxError::BadOutput(format!(
						"its shape does not follow the batch: {one:?} for a batch of 1, {two:?} for 2"
					)));
				}
				let mut output = alloc::vec![Dim::Batch];
				for d in &one[1..] {
					output.push(fixed(*d)?);
				}
				schema(InputSchema::Tensor(input), output, max_batch.max(1))
			}
		}
	}

	/// Runs a tensor model on one input tensor (the whole batch): the result's shape and values.
	pub fn run_tensor(
		&self,
		exec: &dyn Exec,
		shape: Vec<usize>,
		values: Vec<f32>,
		observe: &mut dyn FnMut(usize, &[Arc<Value>]),
	) -> Result<(Vec<usize>, Vec<f32>), OnnxError> {
		let input = Value::f32(shape, values).ok_or_else(|| OnnxError::BadRunInput {
			input: String::new(),
			why: "shape and values differ".into(),
		})?;
		let outputs = self.graph.run(exec, alloc::vec![input], observe)?;
		self.result(outputs)
	}

	fn result(&self, outputs: Vec<Arc<Value>>) -> Result<(Vec<usize>, Vec<f32>), OnnxError> {
		let out = outputs
			.into_iter()
			.nth(self.output)
			.ok_or_else(|| OnnxError::BadOutput("missing".into()))?;
		let values = out
			.as_f32()
			.ok_or_else(|| {
				OnnxError::BadOutput(format!(
					"{:?} is {}, not FLOAT",
					self.output_name(),
					out.dtype.name()
				))
			})?
			.to_vec();
		Ok((out.shape.clone(), values))
	}

	/// Runs a text model on one text's token ids (special tokens included): its vector.
	pub fn run_text(
		&self,
		exec: &dyn Exec,
		ids: &[u32],
		observe: &mut dyn FnMut(usize, &[Arc<Value>]),
	) -> Result<Vec<f32>, OnnxError> {
		let Feed::Text { order } = &self.feed else {
			return Err(OnnxError::BadInputs("not a text model".into()));
		};
		let n = ids.len();
		let tensor = |values: Vec<i64>| Value {
			dtype: self.token_dtype,
			shape: alloc::vec![1, n],
			data: crate::Data::I64(values),
		};
		let inputs = order
			.iter()
			.map(|t| match t {
				TokenInput::Ids => tensor(ids.iter().map(|i| i64::from(*i)).collect()),
				TokenInput::Mask => tensor(alloc::vec![1; n]),
				TokenInput::Types => tensor(alloc::vec![0; n]),
			})
			.collect();
		let outputs = self.graph.run(exec, inputs, observe)?;
		let (shape, mut values) = self.result(outputs)?;
		let width = *shape.last().unwrap_or(&0);
		let pooled = match (self.config.pooling, &shape[..]) {
			(Pooling::None, [1, _]) => values,
			(Pooling::Mean, [1, t, w]) if *t == n && *w > 0 => {
				let mut out = alloc::vec![0f32; *w];
				ops::mean_rows(&values, *w, &mut out).map_err(|_| OnnxError::Kernel { node: "(pooling)".into() })?;
				out
			}
			(Pooling::Cls, [1, t, w]) if *t == n && *w > 0 => {
				values.truncate(*w);
				values
			}
			(pooling, shape) => {
				return Err(OnnxError::BadOutput(format!(
					"a text model's output must be [1, width] (pooling none) or [1, tokens, width] (pooling mean or cls); \
					 got {shape:?} with pooling {pooling:?}"
				)))
			}
		};
		let mut pooled = pooled;
		if self.config.normalize && width > 0 {
			let w = pooled.len();
			ops::l2_normalize(exec.isa(), &mut pooled, 1e-12, w)
				.map_err(|_| OnnxError::Kernel { node: "(normalize)".into() })?;
		}
		Ok(pooled)
	}
}
