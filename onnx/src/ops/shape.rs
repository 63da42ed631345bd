//! Data movement: shapes, reshapes, transposes, gathers, slices, concatenations, expansions.
//! Every element is copied exactly.

use alloc::{format, vec::Vec};

use super::RunContext;
use crate::{
	error::OnnxError,
	value::{broadcast_indices, broadcast_shape, element_count, offsets, permute, Data, Value},
};

/// Applies a generic expression to whichever element vector a [`Data`] holds.
macro_rules! each {
	($data:expr, $v:ident => $body:expr) => {
		match $data {
			Data::F32($v) => Data::F32($body),
			Data::I64($v) => Data::I64($body),
			Data::Bool($v) => Data::Bool($body),
		}
	};
}

/// The same elements under another shape.
fn reshaped(x: &Value, shape: Vec<usize>) -> Value {
	Value { dtype: x.dtype, shape, data: x.data.clone() }
}

/// Dimensions given as an `INT64` tensor, each ≥ 0.
fn dims(cx: &RunContext, v: &Value) -> Result<Vec<usize>, OnnxError> {
	cx.ints(v)?
		.into_iter()
		.map(|d| usize::try_from(d).map_err(|_| cx.bad(format!("negative dimension {d}"))))
		.collect()
}

pub(super) fn constant_of_shape(
	cx: &RunContext,
	shape: &Value,
	value: &Value,
) -> Result<Value, OnnxError> {
	let shape = dims(cx, shape)?;
	let n = cx.output_len(&shape)?;
	let data = each!(&value.data, v => alloc::vec![v[0]; n]);
	Ok(Value { dtype: value.dtype, shape, data })
}

pub(super) fn shape(x: &Value, start: i64, end: Option<i64>) -> Value {
	let rank = x.shape.len() as i64;
	let clamp = |a: i64| (if a < 0 { a + rank } else { a }).clamp(0, rank) as usize;
	let (s, e) = (clamp(start), clamp(end.unwrap_or(rank)));
	let dims: Vec<i64> =
		x.shape.get(s..e.max(s)).unwrap_or(&[]).iter().map(|d| *d as i64).collect();
	let n = dims.len();
	Value { dtype: crate::value::DType::I64, shape: alloc::vec![n], data: Data::I64(dims) }
}

pub(super) fn reshape(
	cx: &RunContext,
	x: &Value,
	shape: &Value,
	allow_zero: bool,
) -> Result<Value, OnnxError> {
	let requested = cx.ints(shape)?;
	let mut out = Vec::with_capacity(requested.len());
	let mut infer = None;
	for (i, d) in requested.iter().enumerate() {
		match *d {
			-1 if infer.is_none() => {
				infer = Some(i);
				out.push(1);
			}
			0 if !allow_zero => {
				out.push(*x.shape.get(i).ok_or_else(|| cx.bad("0 copies an axis the input lacks"))?)
			}
			d if d >= 0 => out.push(d as usize),
			d => return Err(cx.bad(format!("bad dimension {d} in the new shape"))),
		}
	}
	let known = element_count(&out).ok_or_else(|| cx.bad("shape overflows"))?;
	if let Some(i) = infer {
		if known == 0 || !x.len().is_multiple_of(known) {
			return Err(cx.bad(format!("cannot infer -1: {} elements into {requested:?}", x.len())));
		}
		out[i] = x.len() / known;
	} else if known != x.len() {
		return Err(cx.bad(format!("{} elements into shape {requested:?}", x.len())));
	}
	Ok(reshaped(x, out))
}

pub(super) fn flatten(cx: &RunContext, x: &Value, axis: i64) -> Result<Value, OnnxError> {
	let rank = x.shape.len();
	let a = if axis < 0 { axis + rank as i64 } else { axis };
	if a < 0 || a > rank as i64 {
		return Err(cx.bad(format!("axis {axis} out of range for rank {rank}")));
	}
	let (outer, inner) = x.shape.split_at(a as usize);
	Ok(reshaped(x, alloc::vec![outer.iter().product(), inner.iter().product()]))
}

pub(super) fn transpose(
	cx: &RunContext,
	x: &Value,
	perm: Option<&[i64]>,
) -> Result<Value, OnnxError> {
	let rank = x.shape.len();
	let perm: Vec<usize> = match perm {
		Some(p) => p.iter().map(|a| cx.axis(*a, rank)).collect::<Result<_, _>>()?,
		None => (0..rank).rev().collect(),
	};
	let mut seen = alloc::vec![false; rank];
	for p in &perm {
		if core::mem::replace(&mut seen[*p], true) {
			return Err(cx.bad(format!("{perm:?} is not a permutation")));
		}
	}
	if perm.len() != rank {
		return Err(cx.bad(format!("{perm:?} is not a permutation of {rank} axes")));
	}
	let shape = perm.iter().map(|p| x.shape[*p]).collect();
	let data = each!(&x.data, v => permute(v, &x.shape, &perm));
	Ok(Value { dtype: x.dtype, shape, data })
}

pub(super) fn squeeze(
	cx: &RunContext,
	x: &Value,
	axes: Option<&[i64]>,
) -> Result<Value, OnnxError> {
	let rank = x.shape.len();
	let shape = match axes {
		None => x.shape.iter().copied().filter(|d| *d != 1).collect(),
		Some(axes) => {
			let axes: Vec<usize> =
				axes.iter().map(|a| cx.axis(*a, rank)).collect::<Result<_, _>>()?;
			if let Some(a) = axes.iter().find(|a| x.shape[**a] != 1) {
				return Err(cx.bad(format!("axis {a} has length {}, not 1", x.shape[*a])));
			}
			x.shape.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, d)| *d).collect()
		}
	};
	Ok(reshaped(x, shape))
}

pub(super) fn unsqueeze(cx: &RunContext, x: &Value, axes: &[i64]) -> Result<Value, OnnxError> {
	let rank = x.shape.len() + axes.len();
	let mut axes: Vec<usize> = axes.iter().map(|a| cx.axis(*a, rank)).collect::<Result<_, _>>()?;
	axes.sort_unstable();
	if axes.windows(2).any(|w| w[0] == w[1]) {
		return Err(cx.bad("repeated axis"));
	}
	let mut dims = x.shape.iter();
	let shape = (0..rank)
		.map(|i| if axes.contains(&i) { 1 } else { dims.next().copied().unwrap_or(1) })
		.collect();
	Ok(reshaped(x, shape))
}

pub(super) fn concat(cx: &RunContext, values: &[&Value], axis: i64) -> Result<Value, OnnxError> {
	let first = values.first().ok_or_else(|| cx.bad("no inputs"))?;
	let rank = first.shape.len();
	let axis = cx.axis(axis, rank)?;
	let mut shape = first.shape.clone();
	shape[axis] = 0;
	for v in values {
		let same = v.dtype == first.dtype
			&& v.shape.len() == rank
			&& v.shape.iter().zip(&first.shape).enumerate().all(|(i, (a, b))| i == axis || a == b);
		if !same {
			return Err(cx.bad(format!(
				"cannot concatenate {:?} and {:?} on axis {axis}",
				first.shape, v.shape
			)));
		}
		shape[axis] += v.shape[axis];
	}
	cx.output_len(&shape)?;
	let outer: usize = first.shape[..axis].iter().product();
	fn join<T: Copy>(parts: &[(&[T], usize)], outer: usize) -> Vec<T> {
		let mut out = Vec::with_capacity(parts.iter().map(|(p, _)| p.len()).sum());
		for o in 0..outer {
			for (p, block) in parts {
				out.extend_from_slice(&p[o * block..(o + 1) * block]);
			}
		}
		out
	}
	let block = |v: &Value| v.shape[axis..].iter().product::<usize>();
	let data = match &first.data {
		Data::F32(_) => Data::F32(join(
			&values.iter().filter_map(|v| v.as_f32().map(|d| (d, block(v)))).collect::<Vec<_>>(),
			outer,
		)),
		Data::I64(_) => Data::I64(join(
			&values.iter().filter_map(|v| v.as_i64().map(|d| (d, block(v)))).collect::<Vec<_>>(),
			outer,
		)),
		Data::Bool(_) => Data::Bool(join(
			&values
				.iter()
				.filter_map(|v| match &v.data {
					Data::Bool(d) => Some((d.as_slice(), block(v))),
					_ => None,
				})
				.collect::<Vec<_>>(),
			outer,
		)),
	};
	Ok(Value { dtype: first.dtype, shape, data })
}

/// `Slice` (opset ≥ 10: starts, ends, axes, steps as inputs).
pub(super) fn slice(
	cx: &RunContext,
	inputs: &[Option<alloc::sync::Arc<Value>>],
) -> Result<Value, OnnxError> {
	let x = cx.input(inputs, 0)?;
	let starts = cx.ints(cx.input(inputs, 1)?)?;
	let ends = cx.ints(cx.input(inputs, 2)?)?;
	let rank = x.shape.len();
	let axes: Vec<usize> = match cx.optional(inputs, 3) {
		Some(a) => cx.ints(a)?.into_iter().map(|a| cx.axis(a, rank)).collect::<Result<_, _>>()?,
		None => (0..starts.len()).collect(),
	};
	let steps = match cx.optional(inputs, 4) {
		Some(s) => cx.ints(s)?,
		None => alloc::vec![1; starts.len()],
	};
	if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
		return Err(cx.bad("starts, ends, axes and steps differ in length"));
	}
	// Per axis: first index, step, count.
	let mut plan: Vec<(i64, i64, usize)> = x.shape.iter().map(|d| (0, 1, *d)).collect();
	for (((start, end), axis), step) in starts.iter().zip(&ends).zip(&axes).zip(&steps) {
		let d = x.shape[*axis] as i64;
		let norm = |v: i64| if v < 0 { v.saturating_add(d) } else { v };
		let (s, e) = (norm(*start), norm(*end));
		let (s, count) = match *step {
			0 => return Err(cx.bad("a step of 0")),
			st if st > 0 => {
				let (s, e) = (s.clamp(0, d), e.clamp(0, d));
				(s, if e > s { ((e - s) + st - 1) / st } else { 0 })
			}
			st => {
				let (s, e) = (s.clamp(0, d - 1), e.clamp(-1, d - 1));
				(s, if s > e { ((s - e) + (-st) - 1) / (-st) } else { 0 })
			}
		};
		plan[*axis] = (s, *step, count as usize);
	}
	let shape: Vec<usize> = plan.iter().map(|(_, _, c)| *c).collect();
	cx.output_len(&shape)?;
	let strides = crate::value::strides(&x.shape);
	// The source index of every output element: from the first index of each axis, `step`
	// elements of it at a time.
	let base: isize =
		plan.iter().zip(&strides).map(|((s, _, _), str)| *s as isize * *str as isize).sum();
	let steps: Vec<isize> =
		plan.iter().zip(&strides).map(|((_, st, _), str)| *st as isize * *str as isize).collect();
	let indices = offsets(&shape, &steps, base);
	let data = each!(&x.data, v => indices.iter().map(|i| v[*i]).collect());
	Ok(Value { dtype: x.dtype, shape, data })
}

pub(super) fn gather(
	cx: &RunContext,
	x: &Value,
	indices: &Value,
	axis: i64,
) -> Result<Value, OnnxError> {
	let axis = cx.axis(axis, x.shape.len())?;
	let ids = cx.ints(indices)?;
	let dim = x.shape[axis];
	let ids: Vec<usize> = ids
		.iter()
		.map(|i| {
			let j = if *i < 0 { *i + dim as i64 } else { *i };
			if j < 0 || j >= dim as i64 {
				Err(cx.bad(format!("index {i} is out of range for an axis of {dim}")))
			} else {
				Ok(j as usize)
			}
		})
		.collect::<Result<_, _>>()?;
	let mut shape = x.shape[..axis].to_vec();
	shape.extend_from_slice(&indices.shape);
	shape.extend_from_slice(&x.shape[axis + 1..]);
	cx.output_len(&shape)?;
	let outer: usize = x.shape[..axis].iter().product();
	let inner: usize = x.shape[axis + 1..].iter().product();
	fn take<T: Copy>(v: &[T], ids: &[usize], outer: usize, dim: usize, inner: usize) -> Vec<T> {
		let mut out = Vec::with_capacity(outer * ids.len() * inner);
		for o in 0..outer {
			for id in ids {
				let at = (o * dim + id) * inner;
				out.extend_from_slice(&v[at..at + inner]);
			}
		}
		out
	}
	let data = each!(&x.data, v => take(v, &ids, outer, dim, inner));
	Ok(Value { dtype: x.dtype, shape, data })
}

pub(super) fn expand(cx: &RunContext, x: &Value, shape: &Value) -> Result<Value, OnnxError> {
	let target = dims(cx, shape)?;
	let shape = broadcast_shape(&x.shape, &target)
		.ok_or_else(|| cx.bad(format!("{:?} does not broadcast to {target:?}", x.shape)))?;
	cx.output_len(&shape)?;
	let idx = broadcast_indices(&x.shape, &shape);
	let data = each!(&x.data, v => idx.iter().map(|i| v[*i]).collect());
	Ok(Value { dtype: x.dtype, shape, data })
}
