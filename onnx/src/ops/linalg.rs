//! `MatMul` and `Gemm`: every product is [`opg_kernels::ops::linear`] (`x · wᵀ`), the second
//! factor transposed first (exact data movement); constant second factors are transposed once,
//! when the graph is loaded.

use alloc::{format, sync::Arc, vec::Vec};

use opg_kernels::ops;

use super::{Attrs, ParseContext, RunContext};
use crate::{
	error::OnnxError,
	proto::NodeProto,
	value::{broadcast_indices, broadcast_shape, Value},
};

/// `w = bᵀ` of a 2-D `b` (`[k, n]` → `[n, k]`).
fn transposed(b: &[f32], n: usize) -> Option<Vec<f32>> {
	let mut w = alloc::vec![0f32; b.len()];
	ops::transpose(b, n, &mut w).ok()?;
	Some(w)
}

/// A constant second factor, transposed: `[n, k]` row-major.
#[derive(Clone, Debug)]
pub struct Prepared {
	w: Arc<Vec<f32>>,
	k: usize,
	n: usize,
}

/// `MatMul` (numpy semantics, `FLOAT`).
#[derive(Clone, Debug, Default)]
pub struct MatMul {
	/// The second factor, when it is a 2-D initializer.
	prepared: Option<Prepared>,
}

impl MatMul {
	pub(super) fn parse(node: &NodeProto, cx: &ParseContext) -> Result<Self, OnnxError> {
		let prepared = node.input.get(1).and_then(|name| (cx.initializer)(name)).and_then(|b| {
			let [k, n] = b.shape[..] else { return None };
			let w = transposed(b.as_f32()?, n)?;
			Some(Prepared { w: Arc::new(w), k, n })
		});
		Ok(MatMul { prepared })
	}

	pub(super) fn run(&self, cx: &RunContext, a: &Value, b: &Value) -> Result<Value, OnnxError> {
		let x = cx.floats(a)?;
		let y = cx.floats(b)?;
		if a.shape.is_empty() || b.shape.is_empty() {
			return Err(cx.bad("MatMul of a scalar"));
		}
		// 1-D factors are promoted to matrices, and the added axis removed from the result.
		let a_shape: Vec<usize> =
			if a.shape.len() == 1 { alloc::vec![1, a.shape[0]] } else { a.shape.clone() };
		let b_shape: Vec<usize> =
			if b.shape.len() == 1 { alloc::vec![b.shape[0], 1] } else { b.shape.clone() };
		let (a_batch, a_mat) = a_shape.split_at(a_shape.len() - 2);
		let (b_batch, b_mat) = b_shape.split_at(b_shape.len() - 2);
		let (m, k) = (a_mat[0], a_mat[1]);
		let (k2, n) = (b_mat[0], b_mat[1]);
		if k != k2 {
			return Err(cx.bad(format!("inner dimensions differ: {:?} · {:?}", a.shape, b.shape)));
		}
		let batch = broadcast_shape(a_batch, b_batch).ok_or_else(|| {
			cx.bad(format!("batch axes do not broadcast: {:?} · {:?}", a.shape, b.shape))
		})?;
		let mut shape = batch.clone();
		if a.shape.len() > 1 {
			shape.push(m);
		}
		if b.shape.len() > 1 {
			shape.push(n);
		}
		let len = cx.output_len(&shape)?;
		let linear = |x: &[f32], w: &[f32]| cx.exec.linear(x, w, None, k).map_err(|_| cx.kernel());
		// A constant matrix, or any 2-D `b`: all of `a`'s rows in one product.
		if b.shape.len() == 2 {
			let owned;
			let w: &[f32] = match &self.prepared {
				Some(p) if p.k == k && p.n == n => &p.w,
				_ => {
					owned = transposed(y, n).ok_or_else(|| cx.kernel())?;
					&owned
				}
			};
			let out = linear(x, w)?;
			return Value::f32(shape, out).ok_or_else(|| cx.kernel());
		}
		let ia = broadcast_indices(a_batch, &batch);
		let ib = broadcast_indices(b_batch, &batch);
		let mut out = Vec::with_capacity(len);
		let mut last: Option<(usize, Vec<f32>)> = None;
		for (i, j) in ia.iter().zip(&ib) {
			let xs = &x[i * m * k..(i + 1) * m * k];
			let w = match &last {
				Some((at, w)) if at == j => w,
				_ => {
					let w =
						transposed(&y[j * k * n..(j + 1) * k * n], n).ok_or_else(|| cx.kernel())?;
					&last.insert((*j, w)).1
				}
			};
			out.extend(linear(xs, w)?);
		}
		Value::f32(shape, out).ok_or_else(|| cx.kernel())
	}
}

/// `Gemm`: `alpha · (a' · b') + beta · c` with `a' = transA ? aᵀ : a`, `b' = transB ? bᵀ : b`.
///
/// Definition: `d[i][j] = lanes::dot(a'[i], b'ᵀ[j])` ([`ops::linear`]); then `d × alpha` when
/// `alpha ≠ 1`; then `+ (beta × c)` (or `+ c` when `beta = 1`), `c` broadcast to `[m, n]`.
#[derive(Clone, Debug)]
pub struct Gemm {
	alpha: f32,
	beta: f32,
	trans_a: bool,
	trans_b: bool,
	/// `b'ᵀ` (`[n, k]`), when `b` is an initializer.
	prepared: Option<Prepared>,
}

impl Gemm {
	pub(super) fn parse(
		node: &NodeProto,
		a: &mut Attrs,
		cx: &ParseContext,
	) -> Result<Self, OnnxError> {
		let alpha = a.float("alpha")?.unwrap_or(1.0);
		let beta = a.float("beta")?.unwrap_or(1.0);
		let trans_a = a.int("transA")?.unwrap_or(0) != 0;
		let trans_b = a.int("transB")?.unwrap_or(0) != 0;
		a.int("broadcast")?;
		let prepared = node.input.get(1).and_then(|name| (cx.initializer)(name)).and_then(|b| {
			let [r, c] = b.shape[..] else { return None };
			let y = b.as_f32()?;
			// b' is [k, n]; linear wants b'ᵀ = [n, k].
			if trans_b {
				Some(Prepared { w: Arc::new(y.to_vec()), k: c, n: r })
			} else {
				Some(Prepared { w: Arc::new(transposed(y, c)?), k: r, n: c })
			}
		});
		Ok(Gemm { alpha, beta, trans_a, trans_b, prepared })
	}

	pub(super) fn run(
		&self,
		cx: &RunContext,
		a: &Value,
		b: &Value,
		c: Option<&Value>,
	) -> Result<Value, OnnxError> {
		let (x, y) = (cx.floats(a)?, cx.floats(b)?);
		let (&[ar, ac], &[br, bc]) = (&a.shape[..], &b.shape[..]) else {
			return Err(cx.bad("Gemm takes 2-D a and b"));
		};
		let (m, k) = if self.trans_a { (ac, ar) } else { (ar, ac) };
		let (k2, n) = if self.trans_b { (bc, br) } else { (br, bc) };
		if k != k2 {
			return Err(cx.bad(format!("inner dimensions differ: {:?} · {:?}", a.shape, b.shape)));
		}
		cx.output_len(&[m, n])?;
		let at;
		let x: &[f32] = if self.trans_a {
			at = transposed(x, ac).ok_or_else(|| cx.kernel())?;
			&at
		} else {
			x
		};
		let owned;
		let w: &[f32] = match &self.prepared {
			Some(p) if p.k == k && p.n == n => &p.w,
			_ if self.trans_b => y,
			_ => {
				owned = transposed(y, bc).ok_or_else(|| cx.kernel())?;
				&owned
			}
		};
		let c_values = c.map(|c| cx.floats(c)).transpose()?;
		// `+ c` inside the product (one rounding after the dot, as the definition) when nothing
		// scales and `c` is one row.
		let row_bias = match (c, c_values) {
			(Some(c), Some(values))
				if self.alpha == 1.0
					&& self.beta == 1.0
					&& values.len() == n
					&& c.shape.last() == Some(&n) =>
			{
				Some(values)
			}
			_ => None,
		};
		let mut out = cx.exec.linear(x, w, row_bias, k).map_err(|_| cx.kernel())?;
		if row_bias.is_none() {
			if self.alpha != 1.0 {
				out.iter_mut().for_each(|v| *v *= self.alpha);
			}
			if let (Some(c), Some(values)) = (c, c_values) {
				if broadcast_shape(&c.shape, &[m, n]).as_deref() != Some(&[m, n][..]) {
					return Err(
						cx.bad(format!("c of {:?} does not broadcast to [{m}, {n}]", c.shape))
					);
				}
				let idx = broadcast_indices(&c.shape, &[m, n]);
				for (o, i) in out.iter_mut().zip(idx) {
					let cv = if self.beta == 1.0 { values[i] } else { self.beta * values[i] };
					*o += cv;
				}
			}
		}
		Value::f32(alloc::vec![m, n], out).ok_or_else(|| cx.kernel())
	}
}
