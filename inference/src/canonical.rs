//! The engine's side of the canonical kernels: weights as plain `f32` buffers, and the kernels
//! of [`opg_kernels::ops`] run over rows in the engine's thread pool.
//!
//! candle loads the checkpoint (safetensors through a `VarBuilder`) and hands over each weight
//! as a contiguous row-major `f32` buffer; every arithmetic operation of a forward pass is then
//! an [`opg_kernels`] operator. Work is split across threads by whole rows only, and each row's
//! result is computed by the same operations whatever thread or chunk it lands in, so the bits
//! never depend on the thread count (nor on the batch: rows are independent).

#![allow(
	clippy::arithmetic_side_effects,
	reason = "row counts and chunk sizes of slices whose lengths were checked against their widths"
)]

use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;
use opg_kernels::{
	ops::{self, ShapeError},
	Isa,
};
use opg_primitives::InferenceError;
use rayon::prelude::*;

use crate::error::internal;

/// A kernel was handed slices that do not fit (a bug in a model, never bad input).
pub(crate) fn shape(error: ShapeError) -> InferenceError {
	internal(error)
}

/// A weight tensor as a contiguous row-major `f32` buffer.
pub(crate) fn weights(tensor: Tensor) -> candle_core::Result<Vec<f32>> {
	tensor.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()
}

/// A fully connected layer: `y = x · Wᵀ + b` ([`ops::linear`]).
pub(crate) struct Dense {
	/// `[outputs, inputs]`, the torch `Linear` layout.
	weight: Vec<f32>,
	bias: Option<Vec<f32>>,
	inputs: usize,
	outputs: usize,
}

impl Dense {
	/// Loads `weight` (`[outputs, inputs]`) and, if present in the checkpoint, `bias`.
	pub(crate) fn load(vb: VarBuilder, inputs: usize, outputs: usize) -> candle_core::Result<Self> {
		let weight = weights(vb.get((outputs, inputs), "weight")?)?;
		let bias = weights(vb.get(outputs, "bias")?)?;
		Ok(Dense { weight, bias: Some(bias), inputs, outputs })
	}

	/// Stacks layers with the same inputs into one (their outputs side by side): each output is
	/// still its own dot product, so the bits are those of the layers run apart.
	pub(crate) fn stack(layers: &[Dense]) -> Option<Self> {
		let inputs = layers.first()?.inputs;
		if layers.iter().any(|l| l.inputs != inputs || l.bias.is_none()) {
			return None;
		}
		Some(Dense {
			weight: layers.iter().flat_map(|l| l.weight.iter().copied()).collect(),
			bias: Some(layers.iter().flat_map(|l| l.bias.iter().flatten().copied()).collect()),
			inputs,
			outputs: layers.iter().map(|l| l.outputs).sum(),
		})
	}

	/// Its outputs.
	pub(crate) fn outputs(&self) -> usize {
		self.outputs
	}

	/// `x` (`[rows, inputs]`) → `[rows, outputs]`, rows split across the current pool.
	pub(crate) fn forward(&self, isa: Isa, x: &[f32]) -> Result<Vec<f32>, InferenceError> {
		linear(isa, x, &self.weight, self.bias.as_deref(), self.inputs)
	}

	/// The bytes of its parameters.
	pub(crate) fn bytes(&self) -> u64 {
		let params = self.weight.len().saturating_add(self.bias.as_ref().map_or(0, Vec::len));
		u64::try_from(params).unwrap_or(u64::MAX).saturating_mul(4)
	}
}

/// A normalisation's learned scale and shift.
pub(crate) struct Norm {
	pub(crate) gamma: Vec<f32>,
	pub(crate) beta: Vec<f32>,
	pub(crate) eps: f32,
}

impl Norm {
	/// Loads a torch `LayerNorm` (`weight`, `bias`).
	pub(crate) fn load(vb: VarBuilder, width: usize, eps: f64) -> candle_core::Result<Self> {
		Ok(Norm {
			gamma: weights(vb.get(width, "weight")?)?,
			beta: weights(vb.get(width, "bias")?)?,
			eps: eps as f32,
		})
	}

	/// Layer normalisation of each row of `x`, in place, rows split across the pool.
	pub(crate) fn layer_norm(&self, isa: Isa, x: &mut [f32]) -> Result<(), InferenceError> {
		let width = self.gamma.len();
		par_rows_mut(x, width, |rows| {
			ops::layer_norm(isa, rows, &self.gamma, &self.beta, self.eps, width)
		})
	}
}

/// Whether this thread is one of a rayon pool's (the engine's, when it has more than one
/// thread): work is split across threads there, and runs on the calling thread otherwise.
pub(crate) fn in_pool() -> bool {
	rayon::current_thread_index().is_some()
}

/// Rows per task so that every thread of the current pool gets work (a multiple of 4, the
/// kernels' tile height, for speed only).
fn rows_per_task(rows: usize) -> usize {
	let tasks = rayon::current_num_threads().saturating_mul(2).max(1);
	rows.div_ceil(tasks).next_multiple_of(4).max(4)
}

/// `x · wᵀ (+ bias)` with the rows of `x` split across the current pool.
pub(crate) fn linear(
	isa: Isa,
	x: &[f32],
	w: &[f32],
	bias: Option<&[f32]>,
	k: usize,
) -> Result<Vec<f32>, InferenceError> {
	if k == 0 || !x.len().is_multiple_of(k) || !w.len().is_multiple_of(k) {
		return Err(shape(ShapeError));
	}
	let (m, n) = (x.len() / k, w.len() / k);
	let mut out = vec![0f32; m.saturating_mul(n)];
	if m == 0 || n == 0 {
		return Ok(out);
	}
	if !in_pool() {
		ops::linear(isa, x, w, bias, &mut out, k).map_err(shape)?;
		return Ok(out);
	}
	let chunk = rows_per_task(m);
	out.par_chunks_mut(chunk.saturating_mul(n))
		.zip(x.par_chunks(chunk.saturating_mul(k)))
		.try_for_each(|(out, x)| ops::linear(isa, x, w, bias, out, k))
		.map_err(shape)?;
	Ok(out)
}

/// Runs a row kernel over the rows of `x` (of `width`), rows split across the current pool.
pub(crate) fn par_rows_mut(
	x: &mut [f32],
	width: usize,
	f: impl Fn(&mut [f32]) -> Result<(), ShapeError> + Sync + Send,
) -> Result<(), InferenceError> {
	if width == 0 || !x.len().is_multiple_of(width) {
		return Err(shape(ShapeError));
	}
	if !in_pool() {
		return f(x).map_err(shape);
	}
	let chunk = rows_per_task(x.len() / width).saturating_mul(width);
	x.par_chunks_mut(chunk.max(1)).try_for_each(f).map_err(shape)
}
