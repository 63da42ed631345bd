//! Elementwise operators: unary functions, broadcast binary functions, `Where` and `Cast`.

use alloc::{format, vec::Vec};

use opg_kernels::{lanes, math, ops, sqrt};

use super::RunContext;
use crate::{
	error::OnnxError,
	value::{broadcast_indices, broadcast_shape, DType, Data, Value},
};

/// An elementwise function of one tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unary {
	/// `|x|` (the sign bit cleared); integers: wrapping.
	Abs,
	/// `−x` (the sign bit flipped); integers: wrapping.
	Neg,
	/// `sqrt(x)`, correctly rounded.
	Sqrt,
	/// `1 / x`.
	Reciprocal,
	/// [`math::exp`].
	Exp,
	/// [`math::ln`].
	Log,
	/// [`math::erf`].
	Erf,
	/// [`math::tanh`].
	Tanh,
	/// `x < 0 ? +0 : x` ([`relu_one`]).
	Relu,
	/// [`math::sigmoid`].
	Sigmoid,
	/// Boolean negation.
	Not,
}

impl Unary {
	/// `x[i] = op(x[i])` over floats: the kernels' multiversioned loops where there is one.
	fn float(self, cx: &RunContext, v: &mut [f32]) -> Result<(), OnnxError> {
		let isa = cx.exec.isa();
		match self {
			Unary::Abs => v.iter_mut().for_each(|x| *x = x.abs()),
			Unary::Neg => v.iter_mut().for_each(|x| *x = -*x),
			Unary::Sqrt => v.iter_mut().for_each(|x| *x = sqrt(*x)),
			Unary::Reciprocal => v.iter_mut().for_each(|x| *x = 1.0 / *x),
			Unary::Exp => ops::exp(isa, v),
			Unary::Log => ops::ln(isa, v),
			Unary::Erf => ops::erf(isa, v),
			Unary::Tanh => ops::tanh(isa, v),
			Unary::Relu => ops::relu(isa, v),
			Unary::Sigmoid => ops::sigmoid(isa, v),
			Unary::Not => return Err(cx.bad("Not takes BOOL, FLOAT given")),
		}
		Ok(())
	}

	pub(super) fn run(self, cx: &RunContext, x: &Value) -> Result<Value, OnnxError> {
		let data = match (&x.data, self) {
			(Data::F32(v), _) => {
				let mut v = v.clone();
				self.float(cx, &mut v)?;
				Data::F32(v)
			}
			(Data::I64(v), Unary::Abs) => Data::I64(v.iter().map(|x| x.wrapping_abs()).collect()),
			(Data::I64(v), Unary::Neg) => Data::I64(v.iter().map(|x| x.wrapping_neg()).collect()),
			(Data::I64(v), Unary::Relu) => Data::I64(v.iter().map(|x| (*x).max(0)).collect()),
			(Data::Bool(v), Unary::Not) => Data::Bool(v.iter().map(|x| !x).collect()),
			(_, op) => return Err(cx.bad(format!("{op:?} does not take {}", x.dtype.name()))),
		};
		Ok(Value { dtype: x.dtype, shape: x.shape.clone(), data })
	}
}

/// An elementwise function of two tensors, broadcast by numpy's rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
	/// `a + b`; integers: wrapping.
	Add,
	/// `a − b`; integers: wrapping.
	Sub,
	/// `a × b`; integers: wrapping.
	Mul,
	/// `a ÷ b`; integers: truncated toward zero, a zero divisor is an error.
	Div,
	/// [`pow`] (floats only).
	Pow,
	/// `a > b ? a : b` ([`lanes::max`]).
	Max,
	/// `a < b ? a : b`.
	Min,
	/// `a == b` (`BOOL`; a NaN equals nothing).
	Equal,
	/// `a > b` (`BOOL`).
	Greater,
	/// `a < b` (`BOOL`).
	Less,
}

/// `x^y`, defined as: `y = 1 → x`; `y = 2 → x·x`; `y = 3 → (x·x)·x`; `y = 0.5 → sqrt(x)`;
/// `y = 0 → 1`; `y = −1 → 1/x`; otherwise `x > 0 → exp(y·ln x)` ([`math::powf_pos`]);
/// `x = 0 → (y > 0 ? +0 : +∞)`; `x < 0` with an integer `y` → `±powf_pos(−x, y)` (negative for
/// odd `y`); anything else NaN.
pub fn pow(x: f32, y: f32) -> f32 {
	if y == 1.0 {
		x
	} else if y == 2.0 {
		x * x
	} else if y == 3.0 {
		(x * x) * x
	} else if y == 0.5 {
		sqrt(x)
	} else if y == 0.0 {
		1.0
	} else if y == -1.0 {
		1.0 / x
	} else if x > 0.0 {
		math::powf_pos(x, y)
	} else if x == 0.0 {
		if y > 0.0 {
			0.0
		} else {
			f32::INFINITY
		}
	} else if x < 0.0 && y.abs() < 16_777_216.0 && (y as i32) as f32 == y {
		let r = math::powf_pos(-x, y);
		if (y as i32) % 2 != 0 {
			-r
		} else {
			r
		}
	} else {
		f32::NAN
	}
}

/// Whether `shape` without its leading 1s is the trailing part of `out`.
fn is_suffix(shape: &[usize], out: &[usize]) -> bool {
	let lead = shape.iter().take_while(|d| **d == 1).count();
	let rest = &shape[lead..];
	rest.len() <= out.len() && out[out.len() - rest.len()..] == *rest
}

/// Applies `f` to the broadcast pairs of `a` and `b`.
fn zip_broadcast<T: Copy, U>(
	a: &[T],
	a_shape: &[usize],
	b: &[T],
	b_shape: &[usize],
	out_shape: &[usize],
	f: impl Fn(T, T) -> U,
) -> Vec<U> {
	if a_shape == b_shape {
		return a.iter().zip(b).map(|(x, y)| f(*x, *y)).collect();
	}
	if b.len() == 1 && a_shape == out_shape {
		let y = b[0];
		return a.iter().map(|x| f(*x, y)).collect();
	}
	if a.len() == 1 && b_shape == out_shape {
		let x = a[0];
		return b.iter().map(|y| f(x, *y)).collect();
	}
	// One operand repeats whole along the leading axes (a bias, a mask): index modulo its size.
	if a_shape == out_shape && is_suffix(b_shape, out_shape) && !b.is_empty() {
		let mut out = Vec::with_capacity(a.len());
		for chunk in a.chunks_exact(b.len()) {
			out.extend(chunk.iter().zip(b).map(|(x, y)| f(*x, *y)));
		}
		return out;
	}
	if b_shape == out_shape && is_suffix(a_shape, out_shape) && !a.is_empty() {
		let mut out = Vec::with_capacity(b.len());
		for chunk in b.chunks_exact(a.len()) {
			out.extend(a.iter().zip(chunk).map(|(x, y)| f(*x, *y)));
		}
		return out;
	}
	let ia = broadcast_indices(a_shape, out_shape);
	let ib = broadcast_indices(b_shape, out_shape);
	ia.iter().zip(&ib).map(|(i, j)| f(a[*i], b[*j])).collect()
}

impl Binary {
	pub(super) fn run(self, cx: &RunContext, a: &Value, b: &Value) -> Result<Value, OnnxError> {
		let shape = broadcast_shape(&a.shape, &b.shape).ok_or_else(|| {
			cx.bad(format!("shapes {:?} and {:?} do not broadcast", a.shape, b.shape))
		})?;
		cx.output_len(&shape)?;
		// One monomorphised loop per operator (a closure, not a `dyn`, so it inlines and
		// vectorises).
		macro_rules! z {
			($x:expr, $y:expr, $f:expr) => {
				zip_broadcast($x, &a.shape, $y, &b.shape, &shape, $f)
			};
		}
		let (dtype, data) = match (&a.data, &b.data) {
			(Data::F32(x), Data::F32(y)) => match self {
				Binary::Add => (DType::F32, Data::F32(z!(x, y, |p, q| p + q))),
				Binary::Sub => (DType::F32, Data::F32(z!(x, y, |p, q| p - q))),
				Binary::Mul => (DType::F32, Data::F32(z!(x, y, |p, q| p * q))),
				Binary::Div => (DType::F32, Data::F32(z!(x, y, |p, q| p / q))),
				Binary::Pow => (DType::F32, Data::F32(z!(x, y, pow))),
				Binary::Max => (DType::F32, Data::F32(z!(x, y, lanes::max))),
				Binary::Min => {
					(DType::F32, Data::F32(z!(x, y, |p: f32, q: f32| if p < q { p } else { q })))
				}
				Binary::Equal => (DType::Bool, Data::Bool(z!(x, y, |p, q| p == q))),
				Binary::Greater => (DType::Bool, Data::Bool(z!(x, y, |p, q| p > q))),
				Binary::Less => (DType::Bool, Data::Bool(z!(x, y, |p, q| p < q))),
			},
			(Data::I64(x), Data::I64(y)) => {
				let zi = |f: &dyn Fn(i64, i64) -> i64| {
					Data::I64(zip_broadcast(x, &a.shape, y, &b.shape, &shape, f))
				};
				let cmp = |f: &dyn Fn(i64, i64) -> bool| {
					Data::Bool(zip_broadcast(x, &a.shape, y, &b.shape, &shape, f))
				};
				match self {
					Binary::Add => (a.dtype, zi(&i64::wrapping_add)),
					Binary::Sub => (a.dtype, zi(&i64::wrapping_sub)),
					Binary::Mul => (a.dtype, zi(&i64::wrapping_mul)),
					Binary::Div => {
						if y.contains(&0) {
							return Err(cx.bad("integer division by zero"));
						}
						(a.dtype, zi(&i64::wrapping_div))
					}
					Binary::Max => (a.dtype, zi(&i64::max)),
					Binary::Min => (a.dtype, zi(&i64::min)),
					Binary::Equal => (DType::Bool, cmp(&|p, q| p == q)),
					Binary::Greater => (DType::Bool, cmp(&|p, q| p > q)),
					Binary::Less => (DType::Bool, cmp(&|p, q| p < q)),
					Binary::Pow => return Err(cx.bad("integer Pow is not supported")),
				}
			}
			(Data::Bool(x), Data::Bool(y)) if self == Binary::Equal => (
				DType::Bool,
				Data::Bool(zip_broadcast(x, &a.shape, y, &b.shape, &shape, |p, q| p == q)),
			),
			_ => {
				return Err(cx.bad(format!(
					"{self:?} of {} and {}",
					a.dtype.name(),
					b.dtype.name()
				)))
			}
		};
		Ok(Value { dtype, shape, data })
	}
}

/// `Where(cond, x, y)`.
pub(super) fn where_(
	cx: &RunContext,
	cond: &Value,
	x: &Value,
	y: &Value,
) -> Result<Value, OnnxError> {
	let Data::Bool(c) = &cond.data else {
		return Err(cx.bad("the condition is not BOOL"));
	};
	let shape = broadcast_shape(&cond.shape, &x.shape)
		.and_then(|s| broadcast_shape(&s, &y.shape))
		.ok_or_else(|| cx.bad("shapes do not broadcast"))?;
	cx.output_len(&shape)?;
	let ic = broadcast_indices(&cond.shape, &shape);
	let ix = broadcast_indices(&x.shape, &shape);
	let iy = broadcast_indices(&y.shape, &shape);
	fn pick<T: Copy>(
		c: &[bool],
		x: &[T],
		y: &[T],
		ic: &[usize],
		ix: &[usize],
		iy: &[usize],
	) -> Vec<T> {
		ic.iter().zip(ix).zip(iy).map(|((i, j), k)| if c[*i] { x[*j] } else { y[*k] }).collect()
	}
	let data = match (&x.data, &y.data) {
		(Data::F32(a), Data::F32(b)) => Data::F32(pick(c, a, b, &ic, &ix, &iy)),
		(Data::I64(a), Data::I64(b)) => Data::I64(pick(c, a, b, &ic, &ix, &iy)),
		(Data::Bool(a), Data::Bool(b)) => Data::Bool(pick(c, a, b, &ic, &ix, &iy)),
		_ => return Err(cx.bad("x and y have different element types")),
	};
	Ok(Value { dtype: x.dtype, shape, data })
}

/// `Clip(x, min, max)` (floats or integers; bounds are one-element tensors).
pub(super) fn clip(
	cx: &RunContext,
	x: &Value,
	min: Option<&Value>,
	max: Option<&Value>,
) -> Result<Value, OnnxError> {
	let one = |b: Option<&Value>| -> Result<Option<Data>, OnnxError> {
		match b {
			Some(b) if b.len() == 1 && b.dtype == x.dtype => Ok(Some(b.data.clone())),
			Some(_) => Err(cx.bad("a bound must be one element of the input's type")),
			None => Ok(None),
		}
	};
	fn clamp<T: PartialOrd + Copy>(v: &[T], lo: T, hi: T) -> Vec<T> {
		v.iter()
			.map(|x| {
				if *x < lo {
					lo
				} else if *x > hi {
					hi
				} else {
					*x
				}
			})
			.collect()
	}
	let data = match (&x.data, one(min)?, one(max)?) {
		(Data::F32(v), lo, hi) => {
			let bound = |b: Option<Data>, none: f32| match b {
				Some(Data::F32(b)) => b[0],
				_ => none,
			};
			Data::F32(clamp(v, bound(lo, f32::NEG_INFINITY), bound(hi, f32::INFINITY)))
		}
		(Data::I64(v), lo, hi) => {
			let bound = |b: Option<Data>, none: i64| match b {
				Some(Data::I64(b)) => b[0],
				_ => none,
			};
			Data::I64(clamp(v, bound(lo, i64::MIN), bound(hi, i64::MAX)))
		}
		(Data::Bool(_), ..) => return Err(cx.bad("Clip of BOOL")),
	};
	Ok(Value { dtype: x.dtype, shape: x.shape.clone(), data })
}

/// `Cast(to)` (see [`super::Op::Cast`]).
pub(super) fn cast(x: &Value, to: DType) -> Value {
	let wrap = |v: i64| if to == DType::Int32 { i64::from(v as i32) } else { v };
	let data = match (&x.data, to) {
		(Data::F32(v), DType::F32) => Data::F32(v.clone()),
		(Data::F32(v), DType::I64 | DType::Int32) => {
			Data::I64(v.iter().map(|x| wrap(*x as i64)).collect())
		}
		(Data::F32(v), DType::Bool) => Data::Bool(v.iter().map(|x| *x != 0.0).collect()),
		(Data::I64(v), DType::F32) => Data::F32(v.iter().map(|x| *x as f32).collect()),
		(Data::I64(v), DType::I64 | DType::Int32) => {
			Data::I64(v.iter().map(|x| wrap(*x)).collect())
		}
		(Data::I64(v), DType::Bool) => Data::Bool(v.iter().map(|x| *x != 0).collect()),
		(Data::Bool(v), DType::F32) => {
			Data::F32(v.iter().map(|x| if *x { 1.0 } else { 0.0 }).collect())
		}
		(Data::Bool(v), DType::I64 | DType::Int32) => {
			Data::I64(v.iter().map(|x| i64::from(*x)).collect())
		}
		(Data::Bool(v), DType::Bool) => Data::Bool(v.clone()),
	};
	Value { dtype: to, shape: x.shape.clone(), data }
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pow_special_cases() {
		assert_eq!(pow(3.0, 2.0), 9.0);
		assert_eq!(pow(-3.0, 2.0), 9.0);
		assert_eq!(pow(4.0, 0.5), 2.0);
		assert_eq!(pow(0.0, 3.5), 0.0);
		assert_eq!(pow(0.0, -1.5), f32::INFINITY);
		assert!(pow(-2.0, 0.5).is_nan());
		assert!((pow(-2.0, 5.0) + 32.0).abs() < 1e-4);
		assert!((pow(2.0, 10.0) - 1024.0).abs() < 1e-3);
	}
}
