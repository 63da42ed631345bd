//! # OPG ONNX
//!
//! ONNX graphs run on the canonical kernels ([`opg_kernels`]), so a model exported from
//! PyTorch, scikit-learn or Keras gives the same output bits on every CPU and can be verified
//! like the engine's built-in architectures.
//!
//! * [`Graph::parse`] reads an `.onnx` file ([`proto`]: the official schema's fields, decoded
//!   by `prost`) and checks it: the IR version and the default domain's opset in range
//!   ([`graph::IR_VERSIONS`], [`graph::OPSETS`]), every node's operator in [`ops::SUPPORTED`]
//!   with attributes it understands (an unknown attribute is an error, never ignored), nodes in
//!   topological order, initializers decoded and within [`Limits`]. Every failure is a typed
//!   [`OnnxError`] naming the node, value or attribute; nothing panics on bad input.
//! * [`Graph::run`] executes the nodes in order. Each operator ([`ops::Op`]) is defined once in
//!   terms of canonical operations (IEEE `+ − × ÷ sqrt`, [`opg_kernels::math`], reductions in
//!   [`opg_kernels::lanes`] order, products by [`opg_kernels::ops::linear`]); each node's
//!   outputs are handed to an observer (the engine hashes them into the trace). Tensors larger
//!   than [`Limits::max_elements`] are refused before they are allocated.
//! * [`Model`] is what a bundle of kind `onnx` holds: the graph, its [`OnnxConfig`] and how
//!   the chain's inputs feed it (one float tensor, or token ids of a text model); its
//!   [`Model::schema`] is the input/output schema the chain records, inferred by running the
//!   graph on a dummy input. `opg-cli models pack --kind onnx` and the engine make the same
//!   checks, through this crate.
//!
//! `no_std` (with `alloc`), so that the runtime can compile the same operator definitions.
#![no_std]
#![allow(
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "tensor code: every operator checks its inputs' shapes against each other before it \
	          indexes, and element counts are bounded by `Limits::max_elements` (checked before \
	          allocating); the engine still catches a panic and reports it as an internal error"
)]

extern crate alloc;

pub mod error;
pub mod graph;
pub mod model;
pub mod ops;
pub mod proto;
pub mod value;

pub use error::OnnxError;
pub use graph::{Graph, Input, InputDim};
pub use model::{Model, OnnxConfig, Pooling};
pub use value::{DType, Data, Value};

use opg_kernels::{ops::ShapeError, Isa};

/// Bounds on what a graph may make the engine spend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
	/// The most nodes a graph may have.
	pub max_nodes: usize,
	/// The most elements of any one tensor (an initializer or a computed value).
	pub max_elements: u64,
	/// The most elements of all initializers together.
	pub max_initializer_elements: u64,
}

impl Default for Limits {
	/// 100,000 nodes, 2²⁶ elements per tensor (256 MiB of `f32`), 2²⁷ elements of weights.
	fn default() -> Self {
		Limits { max_nodes: 100_000, max_elements: 1 << 26, max_initializer_elements: 1 << 27 }
	}
}

/// How the linear maps of a graph run: the kernels' compiled copy, and optionally threads.
///
/// Any implementation must compute [`opg_kernels::ops::linear`] exactly (it may only split
/// rows between threads), so the bits never depend on it.
pub trait Exec: Sync {
	/// The compiled copy of the kernels to run.
	fn isa(&self) -> Isa;

	/// `x · wᵀ (+ bias)`, `x` `[m, k]`, `w` `[n, k]`: [`opg_kernels::ops::linear`].
	fn linear(
		&self,
		x: &[f32],
		w: &[f32],
		bias: Option<&[f32]>,
		k: usize,
	) -> Result<alloc::vec::Vec<f32>, ShapeError> {
		serial_linear(self.isa(), x, w, bias, k)
	}
}

/// [`opg_kernels::ops::linear`] on the calling thread, its output allocated.
pub fn serial_linear(
	isa: Isa,
	x: &[f32],
	w: &[f32],
	bias: Option<&[f32]>,
	k: usize,
) -> Result<alloc::vec::Vec<f32>, ShapeError> {
	if k == 0 || !x.len().is_multiple_of(k) || !w.len().is_multiple_of(k) {
		return Err(ShapeError);
	}
	let mut out = alloc::vec![0f32; (x.len() / k).saturating_mul(w.len() / k)];
	if !out.is_empty() {
		opg_kernels::ops::linear(isa, x, w, bias, &mut out, k)?;
	}
	Ok(out)
}

/// Everything on the calling thread, with this copy of the kernels.
#[derive(Clone, Copy, Debug)]
pub struct Serial(pub Isa);

impl Exec for Serial {
	fn isa(&self) -> Isa {
		self.0
	}
}
