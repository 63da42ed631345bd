//! Neural-network operators: softmax, reductions, normalisations, convolution and pooling.

use alloc::{format, vec::Vec};

use opg_kernels::{lanes, math, ops, sqrt};

use super::{Attrs, ParseContext, RunContext};
use crate::{
	error::OnnxError,
	proto::NodeProto,
	value::{permute, Value},
};

/// Moves `axes` of `shape` to the end (in the given order), keeping the others in order:
/// the permutation and the number of rows and the row width that result.
fn to_end(shape: &[usize], axes: &[usize]) -> (Vec<usize>, usize, usize) {
	let mut perm: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
	perm.extend_from_slice(axes);
	let width: usize = axes.iter().map(|a| shape[*a]).product();
	let rows: usize = perm[..perm.len() - axes.len()].iter().map(|a| shape[*a]).product();
	(perm, rows, width)
}

/// The inverse of a permutation.
fn inverse(perm: &[usize]) -> Vec<usize> {
	let mut inv = alloc::vec![0; perm.len()];
	for (i, p) in perm.iter().enumerate() {
		inv[*p] = i;
	}
	inv
}

/// `Softmax` and `LogSoftmax` along one axis (opset ≥ 13), or over the flattened axes from
/// `axis` on (opset < 13).
///
/// Softmax: [`ops::softmax`] of each row. LogSoftmax per row: `m = lanes::maximum(x)`,
/// `s = lanes::sum(exp(x − m))`, `y = (x − m) − ln(s)` ([`math::exp`], [`math::ln`]).
#[derive(Clone, Debug)]
pub struct Softmax {
	axis: i64,
	log: bool,
	/// Opset < 13: the input is seen as `[prod(dims[..axis]), prod(dims[axis..])]`.
	coerce_2d: bool,
}

impl Softmax {
	pub(super) fn parse(
		node: &NodeProto,
		a: &mut Attrs,
		cx: &ParseContext,
	) -> Result<Self, OnnxError> {
		let coerce_2d = cx.opset < 13;
		let axis = a.int("axis")?.unwrap_or(if coerce_2d { 1 } else { -1 });
		Ok(Softmax { axis, log: node.op_type == "LogSoftmax", coerce_2d })
	}

	pub(super) fn run(&self, cx: &RunContext, x: &Value) -> Result<Value, OnnxError> {
		let v = cx.floats(x)?;
		let rank = x.shape.len();
		let row = |data: &mut [f32], width: usize| -> Result<(), OnnxError> {
			if width == 0 {
				return Ok(());
			}
			if self.log {
				for r in data.chunks_exact_mut(width) {
					let m = lanes::maximum(r);
					let e: Vec<f32> = r.iter().map(|v| math::exp(*v - m)).collect();
					let l = math::ln(lanes::sum(&e));
					r.iter_mut().for_each(|v| *v = (*v - m) - l);
				}
				Ok(())
			} else {
				ops::softmax(cx.exec.isa(), data, width).map_err(|_| cx.kernel())
			}
		};
		let axis = cx.axis(self.axis, rank.max(1))?;
		if self.coerce_2d || axis + 1 == rank {
			let width: usize = x.shape[axis.min(rank)..].iter().product();
			let mut data = v.to_vec();
			row(&mut data, width)?;
			return Value::f32(x.shape.clone(), data).ok_or_else(|| cx.kernel());
		}
		let (perm, _, width) = to_end(&x.shape, &[axis]);
		let mut data = permute(v, &x.shape, &perm);
		row(&mut data, width)?;
		let moved: Vec<usize> = perm.iter().map(|p| x.shape[*p]).collect();
		Value::f32(x.shape.clone(), permute(&data, &moved, &inverse(&perm)))
			.ok_or_else(|| cx.kernel())
	}
}

/// The reduction of a [`Reduce`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reduction {
	Sum,
	Mean,
	Max,
}

/// `ReduceSum`, `ReduceMean`, `ReduceMax` over some axes.
///
/// The reduced axes are moved last (exact); each row is then reduced by `lanes::sum`
/// (`ReduceSum`), `lanes::sum(row) / n` (`ReduceMean`, `n` the row's element count as `f32`) or
/// `lanes::maximum` (`ReduceMax`).
#[derive(Clone, Debug)]
pub struct Reduce {
	kind: Reduction,
	/// The attribute form's axes (`ReduceSum` before opset 13, the others before 18).
	axes: Option<Vec<i64>>,
	/// Whether the axes come from the second input.
	axes_input: bool,
	keep_dims: bool,
	noop_with_empty_axes: bool,
}

impl Reduce {
	pub(super) fn parse(
		node: &NodeProto,
		a: &mut Attrs,
		cx: &ParseContext,
	) -> Result<Self, OnnxError> {
		let kind = match node.op_type.as_str() {
			"ReduceSum" => Reduction::Sum,
			"ReduceMean" => Reduction::Mean,
			_ => Reduction::Max,
		};
		let axes_input = if kind == Reduction::Sum { cx.opset >= 13 } else { cx.opset >= 18 };
		let axes = if axes_input { None } else { a.ints("axes")? };
		let keep_dims = a.int("keepdims")?.unwrap_or(1) != 0;
		let noop_with_empty_axes = a.int("noop_with_empty_axes")?.unwrap_or(0) != 0;
		Ok(Reduce { kind, axes, axes_input, keep_dims, noop_with_empty_axes })
	}

	pub(super) fn run(
		&self,
		cx: &RunContext,
		x: &Value,
		axes_input: Option<&Value>,
	) -> Result<Value, OnnxError> {
		let v = cx.floats(x)?;
		let rank = x.shape.len();
		let axes = match (self.axes_input, axes_input) {
			(true, Some(a)) => cx.ints(a)?,
			(true, None) => Vec::new(),
			(false, _) => self.axes.clone().unwrap_or_default(),
		};
		if axes.is_empty() && self.noop_with_empty_axes {
			return Ok(x.clone());
		}
		let mut axes: Vec<usize> = if axes.is_empty() {
			(0..rank).collect()
		} else {
			axes.iter().map(|a| cx.axis(*a, rank)).collect::<Result<_, _>>()?
		};
		axes.sort_unstable();
		axes.dedup();
		let (perm, rows, width) = to_end(&x.shape, &axes);
		let data = permute(v, &x.shape, &perm);
		let out: Vec<f32> = if width == 0 {
			alloc::vec![match self.kind { Reduction::Sum => 0.0, Reduction::Mean => f32::NAN, Reduction::Max => f32::NEG_INFINITY }; rows]
		} else {
			data.chunks_exact(width)
				.map(|r| match self.kind {
					Reduction::Sum => lanes::sum(r),
					Reduction::Mean => lanes::sum(r) / width as f32,
					Reduction::Max => lanes::maximum(r),
				})
				.collect()
		};
		let shape: Vec<usize> = if self.keep_dims {
			x.shape
				.iter()
				.enumerate()
				.map(|(i, d)| if axes.contains(&i) { 1 } else { *d })
				.collect()
		} else {
			x.shape.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, d)| *d).collect()
		};
		Value::f32(shape, out).ok_or_else(|| cx.kernel())
	}
}

/// `LayerNormalization(x, scale, bias)` over the axes from `axis` on: [`ops::layer_norm`] of
/// each row (a missing bias is `+0`).
#[derive(Clone, Debug)]
pub struct LayerNorm {
	axis: i64,
	epsilon: f32,
}

impl LayerNorm {
	pub(super) fn parse(node: &NodeProto, a: &mut Attrs) -> Result<Self, OnnxError> {
		let axis = a.int("axis")?.unwrap_or(-1);
		let epsilon = a.float("epsilon")?.unwrap_or(1e-5);
		if a.int("stash_type")?.unwrap_or(1) != 1 {
			return Err(a.error("stash_type", "only 1 (float) is supported"));
		}
		if node.output.iter().skip(1).any(|o| !o.is_empty()) {
			return Err(a.error("outputs", "the Mean and InvStdDev outputs are not supported"));
		}
		Ok(LayerNorm { axis, epsilon })
	}

	pub(super) fn run(
		&self,
		cx: &RunContext,
		x: &Value,
		scale: &Value,
		bias: Option<&Value>,
	) -> Result<Value, OnnxError> {
		let v = cx.floats(x)?;
		let axis = cx.axis(self.axis, x.shape.len())?;
		let width: usize = x.shape[axis..].iter().product();
		let gamma = cx.floats(scale)?;
		let zeros;
		let beta = match bias {
			Some(b) => cx.floats(b)?,
			None => {
				zeros = alloc::vec![0f32; width];
				&zeros
			}
		};
		if gamma.len() != width || beta.len() != width {
			return Err(cx.bad(format!(
				"scale and bias must have the {width} elements of a normalised row"
			)));
		}
		let mut data = v.to_vec();
		if width > 0 {
			ops::layer_norm(cx.exec.isa(), &mut data, gamma, beta, self.epsilon, width)
				.map_err(|_| cx.kernel())?;
		}
		Value::f32(x.shape.clone(), data).ok_or_else(|| cx.kernel())
	}
}

/// `BatchNormalization` in inference mode, per channel `c` (axis 1):
/// `r = 1 / sqrt(var[c] + epsilon)`, `y = ((x − mean[c]) × r) × scale[c] + bias[c]`.
pub(super) fn batch_norm(
	cx: &RunContext,
	[x, scale, bias, mean, var]: [&Value; 5],
	epsilon: f32,
) -> Result<Value, OnnxError> {
	let v = cx.floats(x)?;
	let [scale, bias, mean, var] =
		[cx.floats(scale)?, cx.floats(bias)?, cx.floats(mean)?, cx.floats(var)?];
	let channels = *x.shape.get(1).ok_or_else(|| cx.bad("the input has no channel axis"))?;
	if [scale, bias, mean, var].iter().any(|p| p.len() != channels) {
		return Err(cx.bad(format!("the parameters must have {channels} elements")));
	}
	let inner: usize = x.shape[2..].iter().product();
	let mut out = v.to_vec();
	if inner > 0 {
		for (i, block) in out.chunks_exact_mut(inner).enumerate() {
			let c = i % channels;
			let r = 1.0 / sqrt(var[c] + epsilon);
			block.iter_mut().for_each(|v| *v = ((*v - mean[c]) * r) * scale[c] + bias[c]);
		}
	}
	Value::f32(x.shape.clone(), out).ok_or_else(|| cx.kernel())
}

/// How a window's padding is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AutoPad {
	NotSet,
	Valid,
	SameUpper,
	SameLower,
}

/// The geometry of a 2-D sliding window: kernel, strides, dilations, pads.
#[derive(Clone, Debug)]
struct Window {
	kernel: Option<[usize; 2]>,
	strides: [usize; 2],
	dilations: [usize; 2],
	/// `[top, left, bottom, right]`.
	pads: [usize; 4],
	auto_pad: AutoPad,
	ceil_mode: bool,
}

fn pair(
	a: &Attrs,
	name: &str,
	v: Option<Vec<i64>>,
	default: usize,
) -> Result<[usize; 2], OnnxError> {
	match v.as_deref() {
		None => Ok([default; 2]),
		Some([x, y]) if *x > 0 && *y > 0 => Ok([*x as usize, *y as usize]),
		Some(other) => {
			Err(a.error(name, format!("{other:?}: two positive values expected (2-D only)")))
		}
	}
}

impl Window {
	fn parse(a: &mut Attrs, pooling: bool) -> Result<Self, OnnxError> {
		let kernel = a.ints("kernel_shape")?;
		let kernel = match kernel {
			Some(k) => Some(pair(a, "kernel_shape", Some(k), 1)?),
			None if pooling => return Err(a.error("kernel_shape", "is required")),
			None => None,
		};
		let strides = a.ints("strides")?;
		let strides = pair(a, "strides", strides, 1)?;
		let dilations = a.ints("dilations")?;
		let dilations = pair(a, "dilations", dilations, 1)?;
		let pads = match a.ints("pads")?.as_deref() {
			None => [0; 4],
			Some(p @ [_, _, _, _]) if p.iter().all(|v| *v >= 0) => {
				[p[0] as usize, p[1] as usize, p[2] as usize, p[3] as usize]
			}
			Some(other) => {
				return Err(a.error("pads", format!("{other:?}: four non-negative values expected")))
			}
		};
		let auto_pad = match a.string("auto_pad")?.as_deref() {
			None | Some("NOTSET") => AutoPad::NotSet,
			Some("VALID") => AutoPad::Valid,
			Some("SAME_UPPER") => AutoPad::SameUpper,
			Some("SAME_LOWER") => AutoPad::SameLower,
			Some(other) => {
				return Err(a.error("auto_pad", format!("{other:?} is not a padding mode")))
			}
		};
		let ceil_mode = a.int("ceil_mode")?.unwrap_or(0) != 0;
		Ok(Window { kernel, strides, dilations, pads, auto_pad, ceil_mode })
	}

	/// Output size and the padding before, along one axis of `input` with kernel `k`.
	fn axis(
		&self,
		cx: &RunContext,
		i: usize,
		input: usize,
		k: usize,
	) -> Result<(usize, usize), OnnxError> {
		let (s, d) = (self.strides[i], self.dilations[i]);
		let span = d * (k - 1) + 1;
		let (before, after) = match self.auto_pad {
			AutoPad::NotSet => (self.pads[i], self.pads[i + 2]),
			AutoPad::Valid => (0, 0),
			AutoPad::SameUpper | AutoPad::SameLower => {
				let out = input.div_ceil(s);
				let total = ((out.max(1) - 1) * s + span).saturating_sub(input);
				let small = total / 2;
				if self.auto_pad == AutoPad::SameUpper {
					(small, total - small)
				} else {
					(total - small, small)
				}
			}
		};
		let padded = input + before + after;
		if padded < span {
			return Err(cx.bad(format!("a window of {span} does not fit an axis of {padded}")));
		}
		let mut out =
			if self.ceil_mode { (padded - span).div_ceil(s) + 1 } else { (padded - span) / s + 1 };
		// A last window that would start in the padding after the input is dropped.
		if self.ceil_mode && (out - 1) * s >= input + before {
			out -= 1;
		}
		Ok((out, before))
	}
}

/// `Conv` over NCHW images: `x [n, c, h, w]`, `w [m, c/group, kh, kw]`, `b [m]`.
///
/// Definition: for each image and group, the patch matrix `P` (`[oh·ow, (c/group)·kh·kw]`,
/// each row the window's elements in `(channel, ky, kx)` order, `+0` where the window is in the
/// padding), then [`ops::linear`]`(P, w_group, b_group)`, each output channel a dot product of
/// its weights with a patch (plus its bias, one more rounding).
#[derive(Clone, Debug)]
pub struct Conv {
	window: Window,
	group: usize,
}

impl Conv {
	pub(super) fn parse(a: &mut Attrs) -> Result<Self, OnnxError> {
		let window = Window::parse(a, false)?;
		let group = a.int("group")?.unwrap_or(1);
		if group < 1 {
			return Err(a.error("group", "must be at least 1"));
		}
		Ok(Conv { window, group: group as usize })
	}

	pub(super) fn run(
		&self,
		cx: &RunContext,
		x: &Value,
		w: &Value,
		b: Option<&Value>,
	) -> Result<Value, OnnxError> {
		let (xs, ws) = (cx.floats(x)?, cx.floats(w)?);
		let (&[n, c, h, wd], &[m, cg, kh, kw]) = (&x.shape[..], &w.shape[..]) else {
			return Err(cx.bad("only 2-D convolutions (4-D input and weights) are supported"));
		};
		let g = self.group;
		if c != cg * g || m % g != 0 || kh == 0 || kw == 0 {
			return Err(
				cx.bad(format!("input {:?}, weights {:?}, group {g} do not fit", x.shape, w.shape))
			);
		}
		if let Some(k) = self.window.kernel {
			if k != [kh, kw] {
				return Err(cx.bad("kernel_shape differs from the weights"));
			}
		}
		let bias = b.map(|b| cx.floats(b)).transpose()?;
		if bias.is_some_and(|b| b.len() != m) {
			return Err(cx.bad(format!("the bias must have {m} elements")));
		}
		let (oh, pt) = self.window.axis(cx, 0, h, kh)?;
		let (ow, pl) = self.window.axis(cx, 1, wd, kw)?;
		let len = cx.output_len(&[n, m, oh, ow])?;
		let (mg, k) = (m / g, cg * kh * kw);
		let [sh, sw] = self.window.strides;
		let [dh, dw] = self.window.dilations;
		let mut out = alloc::vec![0f32; len];
		let mut patches = alloc::vec![0f32; oh * ow * k];
		let mut t = alloc::vec![0f32; oh * ow * mg];
		for img in 0..n {
			for gi in 0..g {
				for oy in 0..oh {
					for ox in 0..ow {
						let row = &mut patches[(oy * ow + ox) * k..(oy * ow + ox + 1) * k];
						let mut at = 0;
						for ch in 0..cg {
							let plane = &xs[((img * c) + gi * cg + ch) * h * wd..][..h * wd];
							for ky in 0..kh {
								let y = (oy * sh + ky * dh) as isize - pt as isize;
								for kx in 0..kw {
									let xx = (ox * sw + kx * dw) as isize - pl as isize;
									row[at] = if y >= 0
										&& (y as usize) < h && xx >= 0 && (xx as usize)
										< wd
									{
										plane[y as usize * wd + xx as usize]
									} else {
										0.0
									};
									at += 1;
								}
							}
						}
					}
				}
				let wg = &ws[gi * mg * k..(gi + 1) * mg * k];
				let bg = bias.map(|b| &b[gi * mg..(gi + 1) * mg]);
				let y = cx.exec.linear(&patches, wg, bg, k).map_err(|_| cx.kernel())?;
				// [positions, mg] → the output's [mg, positions].
				ops::transpose(&y, mg, &mut t).map_err(|_| cx.kernel())?;
				let base = (img * m + gi * mg) * oh * ow;
				out[base..base + mg * oh * ow].copy_from_slice(&t);
			}
		}
		Value::f32(alloc::vec![n, m, oh, ow], out).ok_or_else(|| cx.kernel())
	}
}

/// `MaxPool` and `AveragePool` over NCHW images.
///
/// MaxPool: `m = −∞`, then `m = lanes::max(x, m)` over the window's elements inside the input,
/// row-major. AveragePool: the window's elements inside the input, row-major, summed by
/// `lanes::sum`, divided by their count (or, with `count_include_pad`, by the number of window
/// positions inside the padded input).
#[derive(Clone, Debug)]
pub struct Pool {
	window: Window,
	max: bool,
	count_include_pad: bool,
}

impl Pool {
	pub(super) fn parse(node: &NodeProto, a: &mut Attrs) -> Result<Self, OnnxError> {
		let max = node.op_type == "MaxPool";
		let window = Window::parse(a, true)?;
		let count_include_pad = if max {
			if a.int("storage_order")?.unwrap_or(0) != 0 {
				return Err(a.error("storage_order", "only row-major (0) is supported"));
			}
			if node.output.iter().skip(1).any(|o| !o.is_empty()) {
				return Err(a.error("outputs", "the Indices output is not supported"));
			}
			false
		} else {
			a.int("count_include_pad")?.unwrap_or(0) != 0
		};
		Ok(Pool { window, max, count_include_pad })
	}

	pub(super) fn run(&self, cx: &RunContext, x: &Value) -> Result<Value, OnnxError> {
		let xs = cx.floats(x)?;
		let [n, c, h, w] = x.shape[..] else {
			return Err(cx.bad("only 2-D pooling (4-D input) is supported"));
		};
		let [kh, kw] = self.window.kernel.ok_or_else(|| cx.bad("no kernel_shape"))?;
		let (oh, pt) = self.window.axis(cx, 0, h, kh)?;
		let (ow, pl) = self.window.axis(cx, 1, w, kw)?;
		let len = cx.output_len(&[n, c, oh, ow])?;
		let [sh, sw] = self.window.strides;
		let [dh, dw] = self.window.dilations;
		let (pb, pr) = match self.window.auto_pad {
			AutoPad::NotSet => (self.window.pads[2], self.window.pads[3]),
			_ => (0, 0),
		};
		let mut out = Vec::with_capacity(len);
		let mut window = Vec::with_capacity(kh * kw);
		for plane in xs.chunks_exact(h * w).take(n * c) {
			for oy in 0..oh {
				for ox in 0..ow {
					window.clear();
					let mut padded_count = 0usize;
					for ky in 0..kh {
						let y = (oy * sh + ky * dh) as isize - pt as isize;
						for kx in 0..kw {
							let xx = (ox * sw + kx * dw) as isize - pl as isize;
							if y < (h + pb) as isize && xx < (w + pr) as isize {
								padded_count += 1;
							}
							if y >= 0 && (y as usize) < h && xx >= 0 && (xx as usize) < w {
								window.push(plane[y as usize * w + xx as usize]);
							}
						}
					}
					out.push(if self.max {
						window.iter().fold(f32::NEG_INFINITY, |m, v| lanes::max(*v, m))
					} else {
						let count =
							if self.count_include_pad { padded_count } else { window.len() };
						lanes::sum(&window) / count as f32
					});
				}
			}
		}
		Value::f32(alloc::vec![n, c, oh, ow], out).ok_or_else(|| cx.kernel())
	}
}

/// `GlobalAveragePool`: per `[n, c]`, `lanes::sum` of the spatial elements divided by their
/// count; the spatial axes become 1.
pub(super) fn global_average_pool(cx: &RunContext, x: &Value) -> Result<Value, OnnxError> {
	let xs = cx.floats(x)?;
	if x.shape.len() < 3 {
		return Err(cx.bad("the input needs spatial axes"));
	}
	let inner: usize = x.shape[2..].iter().product();
	let out: Vec<f32> = if inner == 0 {
		alloc::vec![f32::NAN; x.shape[0] * x.shape[1]]
	} else {
		xs.chunks_exact(inner).map(|p| lanes::sum(p) / inner as f32).collect()
	};
	let mut shape = x.shape[..2].to_vec();
	shape.extend(core::iter::repeat_n(1, x.shape.len() - 2));
	Value::f32(shape, out).ok_or_else(|| cx.kernel())
}

/// `ArgMax` (floats or integers) along one axis, as `INT64`: scanning from the first element,
/// an element wins if it is `>` the best so far (or `==` too, with `select_last_index`).
pub(super) fn arg_max(
	cx: &RunContext,
	x: &Value,
	axis: i64,
	keep_dims: bool,
	last: bool,
) -> Result<Value, OnnxError> {
	let rank = x.shape.len();
	let axis = cx.axis(axis, rank)?;
	let (perm, rows, width) = to_end(&x.shape, &[axis]);
	if width == 0 {
		return Err(cx.bad("ArgMax over an empty axis"));
	}
	fn best<T: PartialOrd + Copy>(row: &[T], last: bool) -> i64 {
		let mut at = 0usize;
		for (i, v) in row.iter().enumerate().skip(1) {
			if *v > row[at] || (last && *v == row[at]) {
				at = i;
			}
		}
		at as i64
	}
	let out: Vec<i64> = match &x.data {
		crate::Data::F32(v) => {
			permute(v, &x.shape, &perm).chunks_exact(width).map(|r| best(r, last)).collect()
		}
		crate::Data::I64(v) => {
			permute(v, &x.shape, &perm).chunks_exact(width).map(|r| best(r, last)).collect()
		}
		crate::Data::Bool(_) => return Err(cx.bad("ArgMax of BOOL")),
	};
	debug_assert_eq!(out.len(), rows);
	let shape: Vec<usize> = if keep_dims {
		x.shape.iter().enumerate().map(|(i, d)| if i == axis { 1 } else { *d }).collect()
	} else {
		x.shape.iter().enumerate().filter(|(i, _)| *i != axis).map(|(_, d)| *d).collect()
	};
	Value::i64(shape, out).ok_or_else(|| cx.kernel())
}
