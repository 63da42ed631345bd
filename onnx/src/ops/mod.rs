//! The operators: one [`Op`] variant each, its attributes parsed and checked when the graph is
//! loaded, and one function that runs it.
//!
//! Every float operation is a canonical one ([`opg_kernels`]): IEEE `+ − × ÷ sqrt`, this
//! crate's elementary functions ([`opg_kernels::math`]) and reductions in the canonical lane
//! order ([`opg_kernels::lanes`]), so a node's output bits are a function of its inputs alone.
//! Each variant's doc comment says what it computes, in that vocabulary; data-movement operators
//! (reshapes, transposes, gathers, slices, concatenations) copy elements exactly.
//!
//! The table of supported operators is [`SUPPORTED`]; the default ONNX domain only.

use alloc::{format, string::String, sync::Arc, vec::Vec};

use crate::{
	error::OnnxError,
	proto::{attribute_type, AttributeProto, NodeProto},
	value::{DType, Value},
	Exec, Limits,
};

mod elementwise;
mod linalg;
mod nn;
mod shape;

pub use elementwise::{Binary, Unary};

/// The operators this crate runs (ONNX `op_type`s of the default domain).
pub const SUPPORTED: &[&str] = &[
	"Abs",
	"Add",
	"ArgMax",
	"AveragePool",
	"BatchNormalization",
	"Cast",
	"Clip",
	"Concat",
	"Constant",
	"ConstantOfShape",
	"Conv",
	"Div",
	"Dropout",
	"Equal",
	"Erf",
	"Exp",
	"Expand",
	"Flatten",
	"Gather",
	"Gemm",
	"GlobalAveragePool",
	"Greater",
	"Identity",
	"LayerNormalization",
	"Less",
	"Log",
	"LogSoftmax",
	"MatMul",
	"Max",
	"MaxPool",
	"Min",
	"Mul",
	"Neg",
	"Not",
	"Pow",
	"Reciprocal",
	"ReduceMax",
	"ReduceMean",
	"ReduceSum",
	"Relu",
	"Reshape",
	"Shape",
	"Sigmoid",
	"Slice",
	"Softmax",
	"Sqrt",
	"Squeeze",
	"Sub",
	"Tanh",
	"Transpose",
	"Unsqueeze",
	"Where",
];

/// One node's operator with its attributes.
#[derive(Clone, Debug)]
pub enum Op {
	/// An elementwise function of one tensor (see [`Unary`]).
	Unary(Unary),
	/// An elementwise function of two tensors, numpy-broadcast (see [`Binary`]).
	Binary(Binary),
	/// `Where(cond, x, y)`: `x` where `cond`, else `y`, broadcast.
	Where,
	/// `Cast(to)`: `FLOAT → INT*` truncates toward zero (saturating; NaN → 0), `INT* → FLOAT`
	/// rounds to nearest even, `→ BOOL` is `≠ 0`, `BOOL →` is 0 or 1, `→ INT32` wraps.
	Cast(DType),
	/// `Constant`: its value.
	Constant(Arc<Value>),
	/// `ConstantOfShape(shape)`: a tensor of `shape` filled with the attribute's one value.
	ConstantOfShape(Arc<Value>),
	/// `Identity` (and inference-mode `Dropout`): its input.
	Identity,
	/// `Shape(start, end)`: the input's dimensions as `INT64`.
	Shape {
		/// The first axis reported.
		start: i64,
		/// One past the last axis reported (`None`: the rank).
		end: Option<i64>,
	},
	/// `Reshape(data, shape)`: 0 copies the input's dimension (unless `allowzero`), −1 is inferred.
	Reshape {
		/// `allowzero`.
		allow_zero: bool,
	},
	/// `Flatten(axis)`: `[prod(dims[..axis]), prod(dims[axis..])]`.
	Flatten {
		/// The axis (negative counts from the end).
		axis: i64,
	},
	/// `Transpose(perm)`: output axis `i` is input axis `perm[i]` (default: reversed).
	Transpose {
		/// The permutation, if given.
		perm: Option<Vec<i64>>,
	},
	/// `Squeeze`: removes the given axes of length 1 (all of them, by default).
	Squeeze {
		/// The axes of the attribute form (opset < 13); the input otherwise.
		axes: Option<Vec<i64>>,
	},
	/// `Unsqueeze`: inserts axes of length 1 at the given output positions.
	Unsqueeze {
		/// The axes of the attribute form (opset < 13); the input otherwise.
		axes: Option<Vec<i64>>,
	},
	/// `Concat(axis)`.
	Concat {
		/// The axis.
		axis: i64,
	},
	/// `Slice(data, starts, ends, axes, steps)` (opset ≥ 10), indices clamped as ONNX says.
	Slice,
	/// `Gather(data, indices, axis)`: negative indices count from the end; out of range is an
	/// error.
	Gather {
		/// The axis.
		axis: i64,
	},
	/// `Expand(input, shape)`: the input broadcast to `shape` (numpy rule, both ways).
	Expand,
	/// `MatMul(a, b)` (numpy semantics): every product is [`opg_kernels::ops::linear`] of a
	/// row block of `a` with `bᵀ`.
	MatMul(linalg::MatMul),
	/// `Gemm(a, b, c)`: `alpha · (a' · b') + beta · c`.
	Gemm(linalg::Gemm),
	/// `Softmax` and `LogSoftmax`.
	Softmax(nn::Softmax),
	/// `ReduceSum`, `ReduceMean`, `ReduceMax`.
	Reduce(nn::Reduce),
	/// `LayerNormalization(x, scale, bias)`.
	LayerNorm(nn::LayerNorm),
	/// `BatchNormalization` (inference mode).
	BatchNorm {
		/// `epsilon`.
		epsilon: f32,
	},
	/// `Conv` over 2-D images (NCHW).
	Conv(nn::Conv),
	/// `MaxPool` and `AveragePool` over 2-D images (NCHW).
	Pool(nn::Pool),
	/// `GlobalAveragePool`: the mean over every axis after the first two.
	GlobalAveragePool,
	/// `Clip(x, min, max)`: `x < min ? min : (x > max ? max : x)`, a missing bound unbounded.
	Clip,
	/// `ArgMax(axis, keepdims, select_last_index)`: the index of the first (or last) largest
	/// element along the axis (see [`nn::arg_max`]).
	ArgMax {
		/// The axis.
		axis: i64,
		/// Whether the axis is kept (as length 1).
		keep_dims: bool,
		/// Whether ties go to the last index.
		last: bool,
	},
}

/// What parsing a node may look at: the default domain's opset, and the initializers (so that
/// constant weights are prepared once, at load).
pub struct ParseContext<'a> {
	/// The opset of the default domain the model imports.
	pub opset: i64,
	/// The limits the graph is checked against.
	pub limits: &'a Limits,
	/// The initializer of this name, if any.
	pub initializer: &'a dyn Fn(&str) -> Option<Arc<Value>>,
}

/// A node's attributes, read once each, with typed errors; [`Attrs::finish`] rejects any
/// attribute the operator does not know.
pub(crate) struct Attrs<'a> {
	node: &'a NodeProto,
	read: Vec<&'a str>,
}

impl<'a> Attrs<'a> {
	pub(crate) fn new(node: &'a NodeProto) -> Self {
		Attrs { node, read: Vec::new() }
	}

	pub(crate) fn error(&self, attribute: &str, why: impl Into<String>) -> OnnxError {
		OnnxError::BadAttribute {
			node: node_name(self.node),
			op: self.node.op_type.clone(),
			attribute: attribute.into(),
			why: why.into(),
		}
	}

	fn get(&mut self, name: &'a str, ty: i32) -> Result<Option<&'a AttributeProto>, OnnxError> {
		self.read.push(name);
		let Some(attribute) = self.node.attribute.iter().find(|a| a.name == name) else {
			return Ok(None);
		};
		if !attribute.ref_attr_name.is_empty() {
			return Err(self.error(name, "refers to a function attribute (not supported)"));
		}
		// Old writers leave `type` unset (0); the field that is filled tells then.
		if attribute.r#type != ty && attribute.r#type != 0 {
			return Err(
				self.error(name, format!("has attribute type {}, {ty} expected", attribute.r#type))
			);
		}
		Ok(Some(attribute))
	}

	pub(crate) fn int(&mut self, name: &'a str) -> Result<Option<i64>, OnnxError> {
		Ok(self.get(name, attribute_type::INT)?.map(|a| a.i))
	}

	pub(crate) fn float(&mut self, name: &'a str) -> Result<Option<f32>, OnnxError> {
		Ok(self.get(name, attribute_type::FLOAT)?.map(|a| a.f))
	}

	pub(crate) fn ints(&mut self, name: &'a str) -> Result<Option<Vec<i64>>, OnnxError> {
		Ok(self.get(name, attribute_type::INTS)?.map(|a| a.ints.clone()))
	}

	pub(crate) fn floats(&mut self, name: &'a str) -> Result<Option<Vec<f32>>, OnnxError> {
		Ok(self.get(name, attribute_type::FLOATS)?.map(|a| a.floats.clone()))
	}

	pub(crate) fn string(&mut self, name: &'a str) -> Result<Option<String>, OnnxError> {
		match self.get(name, attribute_type::STRING)? {
			None => Ok(None),
			Some(a) => String::from_utf8(a.s.clone())
				.map(Some)
				.map_err(|_| self.error(name, "is not UTF-8")),
		}
	}

	pub(crate) fn tensor(
		&mut self,
		name: &'a str,
		limits: &Limits,
	) -> Result<Option<Value>, OnnxError> {
		match self.get(name, attribute_type::TENSOR)? {
			None => Ok(None),
			Some(a) => match &a.t {
				Some(t) => Value::from_proto(t, limits.max_elements).map(Some),
				None => Err(self.error(name, "has no tensor")),
			},
		}
	}

	/// Rejects attributes that were not read: an operator never ignores what it does not know.
	pub(crate) fn finish(self) -> Result<(), OnnxError> {
		match self.node.attribute.iter().find(|a| !self.read.contains(&a.name.as_str())) {
			Some(a) => Err(self.error(&a.name, "is not supported by this operator")),
			None => Ok(()),
		}
	}
}

/// A node's name for messages: its name, or its first output's.
pub(crate) fn node_name(node: &NodeProto) -> String {
	if !node.name.is_empty() {
		return node.name.clone();
	}
	node.output.first().cloned().unwrap_or_default()
}

impl Op {
	/// Parses and checks a node's operator and attributes.
	pub fn parse(node: &NodeProto, cx: &ParseContext) -> Result<Op, OnnxError> {
		let unsupported = || OnnxError::UnsupportedOp {
			node: node_name(node),
			op: node.op_type.clone(),
			domain: if node.domain.is_empty() || node.domain == "ai.onnx" {
				String::new()
			} else {
				format!("{}.", node.domain)
			},
		};
		if !(node.domain.is_empty() || node.domain == "ai.onnx") {
			return Err(unsupported());
		}
		let mut a = Attrs::new(node);
		let op = match node.op_type.as_str() {
			"Abs" => Op::Unary(Unary::Abs),
			"Neg" => Op::Unary(Unary::Neg),
			"Sqrt" => Op::Unary(Unary::Sqrt),
			"Reciprocal" => Op::Unary(Unary::Reciprocal),
			"Exp" => Op::Unary(Unary::Exp),
			"Log" => Op::Unary(Unary::Log),
			"Erf" => Op::Unary(Unary::Erf),
			"Tanh" => Op::Unary(Unary::Tanh),
			"Relu" => Op::Unary(Unary::Relu),
			"Sigmoid" => Op::Unary(Unary::Sigmoid),
			"Not" => Op::Unary(Unary::Not),
			"Add" => Op::Binary(Binary::Add),
			"Sub" => Op::Binary(Binary::Sub),
			"Mul" => Op::Binary(Binary::Mul),
			"Div" => Op::Binary(Binary::Div),
			"Pow" => Op::Binary(Binary::Pow),
			"Equal" => Op::Binary(Binary::Equal),
			"Greater" => Op::Binary(Binary::Greater),
			"Less" => Op::Binary(Binary::Less),
			"Max" | "Min" => {
				if node.input.len() != 2 {
					return Err(a.error("inputs", "only the two-input form is supported"));
				}
				Op::Binary(if node.op_type == "Max" { Binary::Max } else { Binary::Min })
			}
			"Where" => Op::Where,
			"Cast" => {
				let to = a.int("to")?.ok_or_else(|| a.error("to", "is required"))?;
				let to = i32::try_from(to).ok().and_then(DType::from_onnx).ok_or_else(|| {
					a.error("to", format!("casts to {to} (FLOAT, INT64, INT32, BOOL only)"))
				})?;
				a.int("saturate")?;
				Op::Cast(to)
			}
			"Constant" => {
				let value = if let Some(t) = a.tensor("value", cx.limits)? {
					t
				} else if let Some(f) = a.float("value_float")? {
					Value::f32(Vec::new(), alloc::vec![f])
						.ok_or_else(|| a.error("value_float", "bad"))?
				} else if let Some(f) = a.floats("value_floats")? {
					Value::f32(alloc::vec![f.len()], f)
						.ok_or_else(|| a.error("value_floats", "bad"))?
				} else if let Some(i) = a.int("value_int")? {
					Value::i64(Vec::new(), alloc::vec![i])
						.ok_or_else(|| a.error("value_int", "bad"))?
				} else if let Some(i) = a.ints("value_ints")? {
					Value::i64(alloc::vec![i.len()], i)
						.ok_or_else(|| a.error("value_ints", "bad"))?
				} else {
					return Err(a.error("value", "no supported value attribute"));
				};
				Op::Constant(Arc::new(value))
			}
			"ConstantOfShape" => {
				let value = match a.tensor("value", cx.limits)? {
					Some(v) if v.len() == 1 => v,
					Some(_) => return Err(a.error("value", "must hold exactly one element")),
					None => Value::f32(alloc::vec![1], alloc::vec![0.0])
						.ok_or_else(|| a.error("value", "bad"))?,
				};
				Op::ConstantOfShape(Arc::new(value))
			}
			"Identity" => Op::Identity,
			"Dropout" => {
				// Inference: the identity. A second output (the mask) is not supported.
				a.float("ratio")?;
				a.int("seed")?;
				if node.output.iter().skip(1).any(|o| !o.is_empty()) {
					return Err(a.error("outputs", "the mask output is not supported"));
				}
				if node.input.iter().skip(2).any(|i| !i.is_empty()) {
					return Err(a.error("training_mode", "is not supported (inference only)"));
				}
				Op::Identity
			}
			"Shape" => Op::Shape { start: a.int("start")?.unwrap_or(0), end: a.int("end")? },
			"Reshape" => Op::Reshape { allow_zero: a.int("allowzero")?.unwrap_or(0) != 0 },
			"Flatten" => Op::Flatten { axis: a.int("axis")?.unwrap_or(1) },
			"Transpose" => Op::Transpose { perm: a.ints("perm")? },
			"Squeeze" => Op::Squeeze { axes: if cx.opset < 13 { a.ints("axes")? } else { None } },
			"Unsqueeze" => {
				let axes = if cx.opset < 13 {
					Some(a.ints("axes")?.ok_or_else(|| a.error("axes", "is required"))?)
				} else {
					None
				};
				Op::Unsqueeze { axes }
			}
			"Concat" => {
				Op::Concat { axis: a.int("axis")?.ok_or_else(|| a.error("axis", "is required"))? }
			}
			"Slice" => Op::Slice,
			"Gather" => Op::Gather { axis: a.int("axis")?.unwrap_or(0) },
			"Expand" => Op::Expand,
			"MatMul" => Op::MatMul(linalg::MatMul::parse(node, cx)?),
			"Gemm" => Op::Gemm(linalg::Gemm::parse(node, &mut a, cx)?),
			"Softmax" | "LogSoftmax" => Op::Softmax(nn::Softmax::parse(node, &mut a, cx)?),
			"ReduceSum" | "ReduceMean" | "ReduceMax" => {
				Op::Reduce(nn::Reduce::parse(node, &mut a, cx)?)
			}
			"LayerNormalization" => Op::LayerNorm(nn::LayerNorm::parse(node, &mut a)?),
			"BatchNormalization" => {
				let epsilon = a.float("epsilon")?.unwrap_or(1e-5);
				a.float("momentum")?;
				a.int("spatial")?;
				if a.int("training_mode")?.unwrap_or(0) != 0 {
					return Err(a.error("training_mode", "only inference mode (0) is supported"));
				}
				if node.output.iter().skip(1).any(|o| !o.is_empty()) {
					return Err(
						a.error("outputs", "the running statistics outputs are not supported")
					);
				}
				Op::BatchNorm { epsilon }
			}
			"Conv" => Op::Conv(nn::Conv::parse(&mut a)?),
			"MaxPool" | "AveragePool" => Op::Pool(nn::Pool::parse(node, &mut a)?),
			"GlobalAveragePool" => Op::GlobalAveragePool,
			"Clip" => {
				if cx.opset < 11 {
					return Err(a.error("min", "the attribute form (opset < 11) is not supported"));
				}
				Op::Clip
			}
			"ArgMax" => Op::ArgMax {
				axis: a.int("axis")?.unwrap_or(0),
				keep_dims: a.int("keepdims")?.unwrap_or(1) != 0,
				last: a.int("select_last_index")?.unwrap_or(0) != 0,
			},
			_ => return Err(unsupported()),
		};
		a.finish()?;
		Ok(op)
	}

	/// Runs the operator on its inputs (`None` for an omitted optional input).
	pub fn run(
		&self,
		cx: &RunContext,
		inputs: &[Option<Arc<Value>>],
	) -> Result<Vec<Arc<Value>>, OnnxError> {
		let one = |v: Value| Ok(alloc::vec![Arc::new(v)]);
		match self {
			Op::Unary(op) => one(op.run(cx, cx.input(inputs, 0)?)?),
			Op::Binary(op) => one(op.run(cx, cx.input(inputs, 0)?, cx.input(inputs, 1)?)?),
			Op::Where => one(elementwise::where_(
				cx,
				cx.input(inputs, 0)?,
				cx.input(inputs, 1)?,
				cx.input(inputs, 2)?,
			)?),
			Op::Cast(to) => one(elementwise::cast(cx.input(inputs, 0)?, *to)),
			Op::Constant(value) => Ok(alloc::vec![value.clone()]),
			Op::ConstantOfShape(value) => {
				one(shape::constant_of_shape(cx, cx.input(inputs, 0)?, value)?)
			}
			Op::Identity => Ok(alloc::vec![cx.input_arc(inputs, 0)?]),
			Op::Shape { start, end } => one(shape::shape(cx.input(inputs, 0)?, *start, *end)),
			Op::Reshape { allow_zero } => {
				one(shape::reshape(cx, cx.input(inputs, 0)?, cx.input(inputs, 1)?, *allow_zero)?)
			}
			Op::Flatten { axis } => one(shape::flatten(cx, cx.input(inputs, 0)?, *axis)?),
			Op::Transpose { perm } => {
				one(shape::transpose(cx, cx.input(inputs, 0)?, perm.as_deref())?)
			}
			Op::Squeeze { axes } => {
				let axes = match axes {
					Some(axes) => Some(axes.clone()),
					None => cx.optional(inputs, 1).map(|v| cx.ints(v)).transpose()?,
				};
				one(shape::squeeze(cx, cx.input(inputs, 0)?, axes.as_deref())?)
			}
			Op::Unsqueeze { axes } => {
				let axes = match axes {
					Some(axes) => axes.clone(),
					None => cx.ints(cx.input(inputs, 1)?)?,
				};
				one(shape::unsqueeze(cx, cx.input(inputs, 0)?, &axes)?)
			}
			Op::Concat { axis } => {
				let values: Vec<&Value> = inputs
					.iter()
					.map(|v| v.as_deref().ok_or_else(|| cx.bad("a missing input")))
					.collect::<Result<_, _>>()?;
				one(shape::concat(cx, &values, *axis)?)
			}
			Op::Slice => one(shape::slice(cx, inputs)?),
			Op::Gather { axis } => {
				one(shape::gather(cx, cx.input(inputs, 0)?, cx.input(inputs, 1)?, *axis)?)
			}
			Op::Expand => one(shape::expand(cx, cx.input(inputs, 0)?, cx.input(inputs, 1)?)?),
			Op::MatMul(op) => one(op.run(cx, cx.input(inputs, 0)?, cx.input(inputs, 1)?)?),
			Op::Gemm(op) => one(op.run(
				cx,
				cx.input(inputs, 0)?,
				cx.input(inputs, 1)?,
				cx.optional(inputs, 2),
			)?),
			Op::Softmax(op) => one(op.run(cx, cx.input(inputs, 0)?)?),
			Op::Reduce(op) => one(op.run(cx, cx.input(inputs, 0)?, cx.optional(inputs, 1))?),
			Op::LayerNorm(op) => one(op.run(
				cx,
				cx.input(inputs, 0)?,
				cx.input(inputs, 1)?,
				cx.optional(inputs, 2),
			)?),
			Op::BatchNorm { epsilon } => one(nn::batch_norm(
				cx,
				[
					cx.input(inputs, 0)?,
					cx.input(inputs, 1)?,
					cx.input(inputs, 2)?,
					cx.input(inputs, 3)?,
					cx.input(inputs, 4)?,
				],
				*epsilon,
			)?),
			Op::Conv(op) => one(op.run(
				cx,
				cx.input(inputs, 0)?,
				cx.input(inputs, 1)?,
				cx.optional(inputs, 2),
			)?),
			Op::Pool(op) => one(op.run(cx, cx.input(inputs, 0)?)?),
			Op::GlobalAveragePool => one(nn::global_average_pool(cx, cx.input(inputs, 0)?)?),
			Op::Clip => one(elementwise::clip(
				cx,
				cx.input(inputs, 0)?,
				cx.optional(inputs, 1),
				cx.optional(inputs, 2),
			)?),
			Op::ArgMax { axis, keep_dims, last } => {
				one(nn::arg_max(cx, cx.input(inputs, 0)?, *axis, *keep_dims, *last)?)
			}
		}
	}
}

/// What running a node may use: the executor, the limits, and the node (for errors).
pub struct RunContext<'a> {
	/// How linear maps run (threads).
	pub exec: &'a dyn Exec,
	/// The size limits.
	pub limits: &'a Limits,
	/// The node's name.
	pub node: &'a str,
	/// The node's operator type.
	pub op: &'a str,
}

impl RunContext<'_> {
	/// A node-input error.
	pub(crate) fn bad(&self, why: impl Into<String>) -> OnnxError {
		OnnxError::BadNodeInput { node: self.node.into(), op: self.op.into(), why: why.into() }
	}

	/// A kernel refused its slices.
	pub(crate) fn kernel(&self) -> OnnxError {
		OnnxError::Kernel { node: self.node.into() }
	}

	/// Input `i`, which must be present.
	pub(crate) fn input<'v>(
		&self,
		inputs: &'v [Option<Arc<Value>>],
		i: usize,
	) -> Result<&'v Value, OnnxError> {
		inputs
			.get(i)
			.and_then(|v| v.as_deref())
			.ok_or_else(|| self.bad(format!("input {i} is missing")))
	}

	fn input_arc(&self, inputs: &[Option<Arc<Value>>], i: usize) -> Result<Arc<Value>, OnnxError> {
		inputs
			.get(i)
			.and_then(|v| v.clone())
			.ok_or_else(|| self.bad(format!("input {i} is missing")))
	}

	/// Input `i`, if present.
	pub(crate) fn optional<'v>(
		&self,
		inputs: &'v [Option<Arc<Value>>],
		i: usize,
	) -> Option<&'v Value> {
		inputs.get(i).and_then(|v| v.as_deref())
	}

	/// The elements of an integer tensor (axes, shapes, indices).
	pub(crate) fn ints(&self, v: &Value) -> Result<Vec<i64>, OnnxError> {
		v.as_i64()
			.map(<[i64]>::to_vec)
			.ok_or_else(|| self.bad("an integer input is not INT64/INT32"))
	}

	/// The float elements of an input.
	pub(crate) fn floats<'v>(&self, v: &'v Value) -> Result<&'v [f32], OnnxError> {
		v.as_f32().ok_or_else(|| self.bad(format!("a FLOAT input is {}", v.dtype.name())))
	}

	/// The element count of a shape a node is about to fill, checked against the limit before
	/// anything is allocated.
	pub(crate) fn output_len(&self, shape: &[usize]) -> Result<usize, OnnxError> {
		let elements =
			shape.iter().try_fold(1u64, |n, d| n.checked_mul(*d as u64)).unwrap_or(u64::MAX);
		if elements > self.limits.max_elements {
			return Err(OnnxError::TooLarge {
				what: format!("the output of node {:?}", self.node),
				elements,
				max: self.limits.max_elements,
			});
		}
		usize::try_from(elements).map_err(|_| self.bad("output too large"))
	}

	/// An axis in `-rank..rank` as an index.
	pub(crate) fn axis(&self, axis: i64, rank: usize) -> Result<usize, OnnxError> {
		let r = rank as i64;
		let a = if axis < 0 { axis + r } else { axis };
		if a < 0 || a >= r {
			return Err(self.bad(format!("axis {axis} is out of range for rank {rank}")));
		}
		Ok(a as usize)
	}
}
