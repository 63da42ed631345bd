//! `Mlp`: a sequential multi-layer perceptron.
//!
//! Bundle files: `config.json` ([`MlpConfig`]) and `model.safetensors` with, for every layer
//! `name`, `name.weight` (`[out_features, in_features]`, the torch `Linear` layout) and
//! `name.bias` (`[out_features]`). Weights of any float dtype are converted to `f32` on load.
//!
//! Input: `f32` `[batch, input_dim]`; output: `f32` `[batch, out_features of the last layer]`.
//! Each layer computes `activation(x · Wᵀ + b)` with the canonical kernels ([`ops::linear`],
//! then [`ops::activate`]); its output is one trace leaf. Rows are independent: a row's output
//! is the same alone or in any batch, bit for bit.

use std::sync::Arc;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use opg_kernels::{ops, Isa};
use opg_primitives::{
	bundle::{BundleView, CONFIG_FILE, WEIGHTS_FILE},
	Dim, InferenceError, InferenceInput, InputSchema, IoSchema, ModelKind, TensorDType,
	OutputSchema, TensorSchema,
};
use serde::Deserialize;

use super::{LoadOptions, Model, Output, Trace};
use crate::{
	canonical::{par_rows_mut, Dense},
	error::{corrupt, internal},
};

/// The most layers an MLP may have.
pub const MAX_LAYERS: usize = 64;
/// The widest layer (inputs or outputs) an MLP may have.
pub const MAX_WIDTH: usize = 1 << 16;

/// An MLP's `config.json`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MlpConfig {
	/// Always `"mlp"`.
	pub architecture: String,
	/// The number of input features.
	pub input_dim: usize,
	/// The layers, in order.
	pub layers: Vec<LayerConfig>,
	/// Free text for people (ignored).
	#[serde(default)]
	pub description: Option<String>,
}

/// One fully connected layer.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayerConfig {
	/// The prefix of its tensors in the safetensors file.
	pub name: String,
	/// Inputs.
	pub in_features: usize,
	/// Outputs.
	pub out_features: usize,
	/// What follows the affine map.
	pub activation: Activation,
}

/// An elementwise activation.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
	/// `max(x, 0)`.
	Relu,
	/// `tanh(x)`.
	Tanh,
	/// `1 / (1 + e^-x)`.
	Sigmoid,
	/// `x`.
	Identity,
}

impl Activation {
	/// The canonical kernel of this activation.
	fn kernel(self) -> ops::Activation {
		match self {
			Activation::Relu => ops::Activation::Relu,
			Activation::Tanh => ops::Activation::Tanh,
			Activation::Sigmoid => ops::Activation::Sigmoid,
			Activation::Identity => ops::Activation::Identity,
		}
	}
}

impl MlpConfig {
	/// Checks the config is runnable: architecture `mlp`, 1 to [`MAX_LAYERS`] layers whose widths
	/// chain (`input_dim` → layer 0 → layer 1 …), widths from 1 to [`MAX_WIDTH`].
	pub fn validate(&self) -> Result<(), String> {
		if self.architecture != "mlp" {
			return Err(format!("architecture {:?} is not \"mlp\"", self.architecture));
		}
		if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
			return Err(format!("{} layers (1..={MAX_LAYERS} allowed)", self.layers.len()));
		}
		let mut width = self.input_dim;
		for layer in &self.layers {
			if layer.in_features != width {
				return Err(format!(
					"layer {} takes {} inputs, gets {width}",
					layer.name, layer.in_features
				));
			}
			if !(1..=MAX_WIDTH).contains(&layer.in_features)
				|| !(1..=MAX_WIDTH).contains(&layer.out_features)
			{
				return Err(format!("layer {} width out of range", layer.name));
			}
			width = layer.out_features;
		}
		Ok(())
	}
}

/// A loaded MLP.
pub struct Mlp {
	layers: Vec<(Dense, Activation)>,
	isa: Isa,
	schema: IoSchema,
	weight_bytes: u64,
}

/// Loads an MLP from its bundle.
pub fn load(view: &BundleView, options: &LoadOptions) -> Result<Arc<dyn Model>, InferenceError> {
	let config_bytes = view.file(CONFIG_FILE).ok_or_else(|| corrupt("no config.json"))?;
	let config: MlpConfig = serde_json::from_slice(config_bytes).map_err(corrupt)?;
	config.validate().map_err(corrupt)?;
	let weights = view.file(WEIGHTS_FILE).ok_or_else(|| corrupt("no model.safetensors"))?;
	let vb =
		VarBuilder::from_slice_safetensors(weights, DType::F32, &Device::Cpu).map_err(corrupt)?;
	let mut layers = Vec::with_capacity(config.layers.len());
	let mut weight_bytes: u64 = 0;
	for layer in &config.layers {
		let dense = Dense::load(vb.pp(&layer.name), layer.in_features, layer.out_features)
			.map_err(corrupt)?;
		weight_bytes = weight_bytes.saturating_add(dense.bytes());
		layers.push((dense, layer.activation));
	}
	let width = |n: usize| u32::try_from(n).map_err(|_| corrupt("width overflows u32"));
	let output_dim = config.layers.last().map(|l| l.out_features).unwrap_or_default();
	let schema = IoSchema {
		input: InputSchema::Tensor(
			TensorSchema::new(
				TensorDType::F32,
				&[Dim::Batch, Dim::Fixed(width(config.input_dim)?)],
			)
			.ok_or_else(|| corrupt("schema"))?,
		),
		output: OutputSchema::Tensor(TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(width(output_dim)?)])
			.ok_or_else(|| corrupt("schema"))?),
		max_batch: options.max_batch.max(1),
	};
	Ok(Arc::new(Mlp { layers, isa: options.isa, schema, weight_bytes }))
}

impl Model for Mlp {
	fn kind(&self) -> ModelKind {
		ModelKind::Mlp
	}

	fn schema(&self) -> &IoSchema {
		&self.schema
	}

	fn weight_bytes(&self) -> u64 {
		self.weight_bytes
	}

	fn forward(&self, input: &InferenceInput, trace: &mut Trace) -> Result<Output, InferenceError> {
		let InferenceInput::Tensor(tensor) = input else {
			return Err(InferenceError::BadInput(opg_primitives::SchemaError::ExpectedTensor));
		};
		let mut x = tensor.to_f32_vec()?;
		let batch = match tensor.shape.as_slice() {
			[b, _] => *b as usize,
			_ => return Err(internal("MLP input is not 2-D after the schema check")),
		};
		let mut width = 0;
		for (dense, activation) in &self.layers {
			x = dense.forward(self.isa, &x)?;
			width = dense.outputs();
			let act = activation.kernel();
			par_rows_mut(&mut x, width, |rows| {
				ops::activate(self.isa, rows, act);
				Ok(())
			})?;
			trace.record(&x, &[batch, width])?;
		}
		Ok(Output { shape: vec![batch, width], values: x })
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	fn config(json: &str) -> Result<(), String> {
		let c: MlpConfig = serde_json::from_str(json).map_err(|e| e.to_string())?;
		c.validate()
	}

	#[test]
	fn configs_are_validated() {
		let layer = |n: &str, i, o| {
			format!(r#"{{"name":"{n}","in_features":{i},"out_features":{o},"activation":"relu"}}"#)
		};
		let ok = format!(
			r#"{{"architecture":"mlp","input_dim":4,"layers":[{},{}]}}"#,
			layer("a", 4, 3),
			layer("b", 3, 2)
		);
		assert!(config(&ok).is_ok());
		let broken_chain = format!(
			r#"{{"architecture":"mlp","input_dim":4,"layers":[{},{}]}}"#,
			layer("a", 4, 3),
			layer("b", 4, 2)
		);
		assert!(config(&broken_chain).is_err());
		assert!(config(r#"{"architecture":"mlp","input_dim":4,"layers":[]}"#).is_err());
		assert!(config(r#"{"architecture":"cnn","input_dim":4,"layers":[]}"#).is_err());
		let zero =
			format!(r#"{{"architecture":"mlp","input_dim":0,"layers":[{}]}}"#, layer("a", 0, 3));
		assert!(config(&zero).is_err());
		let unknown_activation = r#"{"architecture":"mlp","input_dim":1,"layers":[{"name":"a","in_features":1,"out_features":1,"activation":"swish"}]}"#;
		assert!(config(unknown_activation).is_err());
	}
}
