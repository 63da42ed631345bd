//! The operators, over row-major `f32` slices.
//!
//! Each operator's doc comment is its definition: the operations, in order, that produce each
//! output element (reductions in the order of [`lanes`](crate::lanes)). Operators that work on
//! rows take the row width and treat a slice as `len / width` rows; rows are always computed
//! independently, so callers may split rows across threads. Every operator checks its slices
//! against its dimensions and returns [`ShapeError`] rather than panicking.

use crate::{
	isa::multiversion,
	lanes::{self, combine, LANES},
	math, Isa,
};

/// A slice whose length does not match the dimensions it was passed with, or an index out of
/// range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapeError;

impl core::fmt::Display for ShapeError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("a kernel's slice lengths do not match its dimensions")
	}
}

/// `Ok(rows)` if `len` is a whole number of rows of `width` (`width` ≥ 1).
fn rows(len: usize, width: usize) -> Result<usize, ShapeError> {
	if width == 0 || !len.is_multiple_of(width) {
		return Err(ShapeError);
	}
	Ok(len / width)
}

fn check(ok: bool) -> Result<(), ShapeError> {
	if ok {
		Ok(())
	} else {
		Err(ShapeError)
	}
}

// ---------------------------------------------------------------------------------------------
// Linear maps.

/// `out = x · wᵀ (+ bias)`: `x` is `[m, k]`, `w` is `[n, k]` (the torch `Linear` layout: each
/// output's weights contiguous), `bias` is `[n]`, `out` is `[m, n]`.
///
/// Definition: `out[i][j] = lanes::dot(x[i], w[j])`, then `+ bias[j]` (one more rounding) when
/// there is a bias. Every product of two matrices in the engine is this operator (an `A · B`
/// is `A · (Bᵀ)ᵀ`: the caller transposes `B`, which is exact data movement).
///
/// Every copy computes tiles of outputs at once (4 rows × 3 columns, 4 × 4 with AVX-512: the
/// shapes measured fastest; each output its own eight lane accumulators over the whole of `k`), which changes the order in which outputs are
/// computed, never the order of any output's reduction.
pub fn linear(
	isa: Isa,
	x: &[f32],
	w: &[f32],
	bias: Option<&[f32]>,
	out: &mut [f32],
	k: usize,
) -> Result<(), ShapeError> {
	let m = rows(x.len(), k)?;
	let n = rows(w.len(), k)?;
	check(out.len() == m * n)?;
	if let Some(bias) = bias {
		check(bias.len() == n)?;
	}
	let args = Linear { x, w, bias, m, n, k };
	match isa.0 {
		crate::isa::Level::Baseline => args.run::<4, 3>(out),
		// SAFETY (all three): an `Isa` above the baseline is only made after the running CPU
		// reported the feature (`Isa::detect`, `Isa::available`).
		#[cfg(target_arch = "x86_64")]
		crate::isa::Level::Avx => {
			#[allow(unsafe_code)]
			unsafe {
				linear_avx(&args, out)
			}
		}
		#[cfg(target_arch = "x86_64")]
		crate::isa::Level::Avx2 => {
			#[allow(unsafe_code)]
			unsafe {
				linear_avx2(&args, out)
			}
		}
		#[cfg(target_arch = "x86_64")]
		crate::isa::Level::Avx512 => {
			#[allow(unsafe_code)]
			unsafe {
				linear_avx512(&args, out)
			}
		}
	}
	Ok(())
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn linear_avx(args: &Linear, out: &mut [f32]) {
	args.run::<4, 3>(out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn linear_avx2(args: &Linear, out: &mut [f32]) {
	args.run::<4, 3>(out)
}

/// With AVX-512VL the 8-lane accumulators can use all 32 vector registers: 4 × 4 tiles.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
fn linear_avx512(args: &Linear, out: &mut [f32]) {
	args.run::<4, 4>(out)
}

/// The checked arguments of [`linear`].
struct Linear<'a> {
	x: &'a [f32],
	w: &'a [f32],
	bias: Option<&'a [f32]>,
	m: usize,
	n: usize,
	k: usize,
}

/// Rows of `x` and of `w` per block: a block of each (`64 × k` floats, 384 KiB for `k` = 1536)
/// stays in the L2 cache while the tiles pass over them.
const BLOCK_M: usize = 64;
const BLOCK_N: usize = 64;

impl Linear<'_> {
	#[inline(always)]
	fn run<const MR: usize, const NR: usize>(&self, out: &mut [f32]) {
		let mut i0 = 0;
		while i0 < self.m {
			let i1 = (i0 + BLOCK_M).min(self.m);
			let mut j0 = 0;
			while j0 < self.n {
				let j1 = (j0 + BLOCK_N).min(self.n);
				let mut i = i0;
				while i + MR <= i1 {
					self.columns::<MR, NR>(out, i, j0, j1);
					i += MR;
				}
				// The last 1 to 3 rows as one shorter tile (each loaded chunk of `w` serves
				// them all), not row by row.
				match i1 - i {
					3 => self.columns::<3, NR>(out, i, j0, j1),
					2 => self.columns::<2, NR>(out, i, j0, j1),
					1 => self.columns::<1, NR>(out, i, j0, j1),
					_ => {
						while i < i1 {
							self.columns::<1, NR>(out, i, j0, j1);
							i += 1;
						}
					}
				}
				j0 = j1;
			}
			i0 = i1;
		}
	}

	#[inline(always)]
	fn columns<const MR: usize, const NR: usize>(
		&self,
		out: &mut [f32],
		i: usize,
		j0: usize,
		j1: usize,
	) {
		let mut j = j0;
		while j + NR <= j1 {
			self.tile::<MR, NR>(out, i, j);
			j += NR;
		}
		while j < j1 {
			self.tile::<MR, 1>(out, i, j);
			j += 1;
		}
	}

	/// Outputs `[i, i + MR) × [j, j + NR)`.
	#[inline(always)]
	fn tile<const MR: usize, const NR: usize>(&self, out: &mut [f32], i: usize, j: usize) {
		let k = self.k;
		let xs: [&[f32]; MR] = core::array::from_fn(|r| &self.x[(i + r) * k..(i + r + 1) * k]);
		let ws: [&[f32]; NR] = core::array::from_fn(|c| &self.w[(j + c) * k..(j + c + 1) * k]);
		let full = k / LANES;
		// Each cut to exactly `full` chunks, so the compiler drops the bounds checks below.
		let xc: [&[[f32; LANES]]; MR] =
			core::array::from_fn(|r| &xs[r].as_chunks::<LANES>().0[..full]);
		let wc: [&[[f32; LANES]]; NR] =
			core::array::from_fn(|c| &ws[c].as_chunks::<LANES>().0[..full]);
		let mut acc = [[[0f32; LANES]; NR]; MR];
		for q in 0..full {
			let xv: [[f32; LANES]; MR] = core::array::from_fn(|r| xc[r][q]);
			for c in 0..NR {
				let wv = wc[c][q];
				for r in 0..MR {
					for l in 0..LANES {
						acc[r][c][l] += xv[r][l] * wv[l];
					}
				}
			}
		}
		// The last `k mod 8` elements, as one more chunk padded with zeros: lanes past the tail
		// get `+0 · +0 = +0` added, which leaves them unchanged (a lane is never `-0`: see
		// `lanes`), so this is the definition's tail, and every index into `acc` stays constant
		// (the accumulators stay in registers).
		let tail = full * LANES;
		if tail < k {
			let pad = |row: &[f32]| -> [f32; LANES] {
				let mut v = [0f32; LANES];
				for (v, x) in v.iter_mut().zip(&row[tail..]) {
					*v = *x;
				}
				v
			};
			let xv: [[f32; LANES]; MR] = core::array::from_fn(|r| pad(xs[r]));
			let wv: [[f32; LANES]; NR] = core::array::from_fn(|c| pad(ws[c]));
			for c in 0..NR {
				for r in 0..MR {
					for l in 0..LANES {
						acc[r][c][l] += xv[r][l] * wv[c][l];
					}
				}
			}
		}
		for r in 0..MR {
			for c in 0..NR {
				let s = combine(acc[r][c]);
				out[(i + r) * self.n + j + c] = match self.bias {
					Some(bias) => s + bias[j + c],
					None => s,
				};
			}
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Elementwise.

multiversion! {
	/// `out[i] = a[i] + b[i]`.
	pub fn add(a: &[f32], b: &[f32], out: &mut [f32]) -> Result<(), ShapeError> {
		check(a.len() == b.len() && out.len() == a.len())?;
		for ((o, a), b) in out.iter_mut().zip(a).zip(b) {
			*o = *a + *b;
		}
		Ok(())
	}
}

multiversion! {
	/// `x[i] = x[i] + b[i]` (a residual connection).
	pub fn add_assign(x: &mut [f32], b: &[f32]) -> Result<(), ShapeError> {
		check(x.len() == b.len())?;
		for (x, b) in x.iter_mut().zip(b) {
			*x += *b;
		}
		Ok(())
	}
}

multiversion! {
	/// `x[i] = x[i] × b[i]`.
	pub fn mul_assign(x: &mut [f32], b: &[f32]) -> Result<(), ShapeError> {
		check(x.len() == b.len())?;
		for (x, b) in x.iter_mut().zip(b) {
			*x *= *b;
		}
		Ok(())
	}
}

multiversion! {
	/// `x[i] = x[i] × s`.
	pub fn scale(x: &mut [f32], s: f32) {
		for x in x.iter_mut() {
			*x *= s;
		}
	}
}

/// An elementwise activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
	/// `if x < 0 { +0 } else { x }` (NaN stays NaN, `-0` stays `-0`).
	Relu,
	/// [`math::tanh`].
	Tanh,
	/// [`math::sigmoid`].
	Sigmoid,
	/// [`math::gelu_erf`] (the exact, erf form).
	GeluErf,
	/// [`math::silu`].
	Silu,
	/// `x`.
	Identity,
}

/// `x[i] = act(x[i])`.
pub fn activate(isa: Isa, x: &mut [f32], act: Activation) {
	match act {
		Activation::Relu => relu(isa, x),
		Activation::Tanh => tanh(isa, x),
		Activation::Sigmoid => sigmoid(isa, x),
		Activation::GeluErf => gelu_erf(isa, x),
		Activation::Silu => silu(isa, x),
		Activation::Identity => {}
	}
}

/// The canonical ReLU of one value (see [`Activation::Relu`]).
#[inline(always)]
pub fn relu_one(x: f32) -> f32 {
	if x < 0.0 {
		0.0
	} else {
		x
	}
}

multiversion! {
	/// `x[i] = relu(x[i])` ([`Activation::Relu`]).
	pub fn relu(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = relu_one(*x);
		}
	}
}

multiversion! {
	/// `x[i] = tanh(x[i])` ([`math::tanh`]).
	pub fn tanh(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = math::tanh(*x);
		}
	}
}

multiversion! {
	/// `x[i] = sigmoid(x[i])` ([`math::sigmoid`]).
	pub fn sigmoid(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = math::sigmoid(*x);
		}
	}
}

multiversion! {
	/// `x[i] = gelu(x[i])` ([`math::gelu_erf`]).
	pub fn gelu_erf(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = math::gelu_erf(*x);
		}
	}
}

multiversion! {
	/// `x[i] = silu(x[i])` ([`math::silu`]).
	pub fn silu(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = math::silu(*x);
		}
	}
}

multiversion! {
	/// `x[i] = erf(x[i])` ([`math::erf`]).
	pub fn erf(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = math::erf(*x);
		}
	}
}

multiversion! {
	/// `x[i] = exp(x[i])` ([`math::exp`]).
	pub fn exp(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = math::exp(*x);
		}
	}
}

multiversion! {
	/// `x[i] = ln(x[i])` ([`math::ln`]).
	pub fn ln(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = math::ln(*x);
		}
	}
}

multiversion! {
	/// `x[i] = canonical_nan(x[i])` ([`crate::canonical_nan`]).
	pub fn canonicalize(x: &mut [f32]) {
		for x in x.iter_mut() {
			*x = crate::canonical_nan(*x);
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Normalisation.

multiversion! {
	/// Layer normalisation of each row of `width`, in place.
	///
	/// Per row: `μ = lanes::sum(x) / w`; `σ² = lanes::sum_squared_deviations(x, μ) / w`;
	/// `r = 1 / sqrt(σ² + eps)`; `x[i] = ((x[i] − μ) × r) × gamma[i] + beta[i]`.
	pub fn layer_norm(
		x: &mut [f32],
		gamma: &[f32],
		beta: &[f32],
		eps: f32,
		width: usize,
	) -> Result<(), ShapeError> {
		rows(x.len(), width)?;
		check(gamma.len() == width && beta.len() == width)?;
		let n = width as f32;
		for row in x.chunks_exact_mut(width) {
			let mean = lanes::sum(row) / n;
			let var = lanes::sum_squared_deviations(row, mean) / n;
			let r = 1.0 / libm::sqrtf(var + eps);
			for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
				*x = ((*x - mean) * r) * *g + *b;
			}
		}
		Ok(())
	}
}

multiversion! {
	/// RMS normalisation of each row of `width`, in place (llama's RMSNorm).
	///
	/// Per row: `r = 1 / sqrt(lanes::sum_squares(x) / w + eps)`; `x[i] = (x[i] × r) × gamma[i]`.
	pub fn rms_norm(x: &mut [f32], gamma: &[f32], eps: f32, width: usize) -> Result<(), ShapeError> {
		rows(x.len(), width)?;
		check(gamma.len() == width)?;
		let n = width as f32;
		for row in x.chunks_exact_mut(width) {
			let r = 1.0 / libm::sqrtf(lanes::sum_squares(row) / n + eps);
			for (x, g) in row.iter_mut().zip(gamma) {
				*x = (*x * r) * *g;
			}
		}
		Ok(())
	}
}

multiversion! {
	/// L2 normalisation of each row of `width`, in place (torch's `F.normalize`).
	///
	/// Per row: `d = sqrt(lanes::sum_squares(x))`, `d = max(d, eps)` ([`lanes::max`]),
	/// `x[i] = x[i] / d`.
	pub fn l2_normalize(x: &mut [f32], eps: f32, width: usize) -> Result<(), ShapeError> {
		rows(x.len(), width)?;
		for row in x.chunks_exact_mut(width) {
			let d = lanes::max(libm::sqrtf(lanes::sum_squares(row)), eps);
			for x in row.iter_mut() {
				*x /= d;
			}
		}
		Ok(())
	}
}

// ---------------------------------------------------------------------------------------------
// Softmax.

/// Softmax of the first `valid` entries of one row, in place; the entries after them become
/// `+0`.
///
/// Definition: `m = lanes::maximum(x[..valid])`; `e[i] = exp(x[i] − m)` ([`math::exp`]) for
/// `i < valid`, `+0` after; `s = lanes::sum(e)`; `x[i] = e[i] / s`.
#[inline(always)]
fn softmax_row(row: &mut [f32], valid: usize) {
	let valid = valid.min(row.len());
	let (live, masked) = row.split_at_mut(valid);
	let m = lanes::maximum(live);
	for x in live.iter_mut() {
		*x = math::exp(*x - m);
	}
	for x in masked.iter_mut() {
		*x = 0.0;
	}
	let s = lanes::sum(live);
	for x in live.iter_mut() {
		*x /= s;
	}
}

multiversion! {
	/// Softmax of each row of `width`, in place (definition: the masked form with every entry
	/// valid; see [`softmax_causal`]).
	pub fn softmax(x: &mut [f32], width: usize) -> Result<(), ShapeError> {
		rows(x.len(), width)?;
		for row in x.chunks_exact_mut(width) {
			softmax_row(row, width);
		}
		Ok(())
	}
}

multiversion! {
	/// Causal softmax of each row of `width`, in place: row `r` sees its first `offset + r + 1`
	/// entries (the keys up to its own position, after `offset` cached positions); the rest
	/// become `+0`.
	///
	/// Definition per row: `m = lanes::maximum(x[..valid])`; `e[i] = exp(x[i] − m)` for
	/// `i < valid`, `+0` after; `s = lanes::sum(e[..valid])`; `x[i] = e[i] / s`. Since sums
	/// start at `+0` and zero terms never change them, this equals the softmax of the valid
	/// prefix alone, bit for bit.
	pub fn softmax_causal(x: &mut [f32], width: usize, offset: usize) -> Result<(), ShapeError> {
		rows(x.len(), width)?;
		for (r, row) in x.chunks_exact_mut(width).enumerate() {
			softmax_row(row, offset.saturating_add(r).saturating_add(1));
		}
		Ok(())
	}
}

// ---------------------------------------------------------------------------------------------
// Pooling, gathering, positions.

/// Mean over the rows of `x` (`[t, width]`, `t` ≥ 1) into `out` (`[width]`).
///
/// Definition: `out[d] = s / t` where `s` is the canonical sum ([`lanes`]) of the column
/// `x[0][d], x[1][d], …, x[t−1][d]`.
pub fn mean_rows(x: &[f32], width: usize, out: &mut [f32]) -> Result<(), ShapeError> {
	let t = rows(x.len(), width)?;
	check(t > 0 && out.len() == width)?;
	for (d, o) in out.iter_mut().enumerate() {
		let mut acc = [0f32; LANES];
		for (i, row) in x.chunks_exact(width).enumerate() {
			acc[i % LANES] += row[d];
		}
		*o = combine(acc) / t as f32;
	}
	Ok(())
}

/// Copies row `ids[i]` of `table` (`[vocab, width]`) to row `i` of `out` (`[ids.len(), width]`);
/// an id out of range is a [`ShapeError`] (nothing is clamped).
pub fn gather(table: &[f32], width: usize, ids: &[u32], out: &mut [f32]) -> Result<(), ShapeError> {
	let vocab = rows(table.len(), width)?;
	check(out.len() == ids.len() * width)?;
	for (row, id) in out.chunks_exact_mut(width).zip(ids) {
		let id = *id as usize;
		check(id < vocab)?;
		row.copy_from_slice(&table[id * width..(id + 1) * width]);
	}
	Ok(())
}

/// The rotary position embedding tables (llama's RoPE, "half" layout) for positions
/// `start..start + cos.len() / (head / 2)`: `cos`/`sin` are `[positions, head / 2]`.
///
/// Definition: `f[i] = math::powf_pos(theta, −(2i / head))` where `2i / head` is one rounded
/// division of the exact integers as `f32`; `a = p × f[i]` with `p` the position as `f32`
/// (exact below 2²⁴); `cos[p][i] = math::cos(a)`, `sin[p][i] = math::sin(a)`.
pub fn rope_tables(
	theta: f32,
	head: usize,
	start: usize,
	cos: &mut [f32],
	sin: &mut [f32],
) -> Result<(), ShapeError> {
	check(head >= 2 && head.is_multiple_of(2))?;
	let half = head / 2;
	rows(cos.len(), half)?;
	check(sin.len() == cos.len())?;
	for (p, (c_row, s_row)) in
		cos.chunks_exact_mut(half).zip(sin.chunks_exact_mut(half)).enumerate()
	{
		let pos = (start + p) as f32;
		for (i, (c, s)) in c_row.iter_mut().zip(s_row.iter_mut()).enumerate() {
			let exponent = -((2 * i) as f32 / head as f32);
			let angle = pos * math::powf_pos(theta, exponent);
			*c = math::cos(angle);
			*s = math::sin(angle);
		}
	}
	Ok(())
}

/// The checks of the RoPE kernels: `x` (of `len`) is whole heads at every position of the
/// tables; returns `head / 2` and the values per position.
#[inline(always)]
fn rope_shape(
	len: usize,
	head: usize,
	cos: &[f32],
	sin: &[f32],
) -> Result<(usize, usize), ShapeError> {
	check(head >= 2 && head.is_multiple_of(2))?;
	let half = head / 2;
	let positions = rows(cos.len(), half)?;
	check(sin.len() == cos.len() && positions > 0)?;
	let per_position = rows(len, positions)?;
	rows(per_position, head)?;
	Ok((half, per_position))
}

multiversion! {
	/// Applies rotary position embeddings in place to `x` (`[positions, heads, head]`) with
	/// tables from [`rope_tables`] (`[positions, head / 2]`).
	///
	/// Definition, for each position and head, with `h = head / 2`, `a = x[i]`, `b = x[i + h]`:
	/// `x[i] = (a × cos[i]) − (b × sin[i])`, `x[i + h] = (b × cos[i]) + (a × sin[i])`.
	pub fn rope(x: &mut [f32], head: usize, cos: &[f32], sin: &[f32]) -> Result<(), ShapeError> {
		let (half, per_position) = rope_shape(x.len(), head, cos, sin)?;
		for ((xp, c), s) in
			x.chunks_exact_mut(per_position).zip(cos.chunks_exact(half)).zip(sin.chunks_exact(half))
		{
			for h in xp.chunks_exact_mut(head) {
				let (lo, hi) = h.split_at_mut(half);
				for (((a, b), c), s) in lo.iter_mut().zip(hi.iter_mut()).zip(c).zip(s) {
					let (x0, x1) = (*a, *b);
					*a = (x0 * *c) - (x1 * *s);
					*b = (x1 * *c) + (x0 * *s);
				}
			}
		}
		Ok(())
	}
}

multiversion! {
	/// Applies rotary position embeddings in place, "interleaved" layout (GGUF llama, GPT-J):
	/// the pairs are adjacent. `x` is `[positions, heads, head]`, the tables those of
	/// [`rope_tables`].
	///
	/// Definition, for each position and head, with `a = x[2i]`, `b = x[2i + 1]`:
	/// `x[2i] = (a × cos[i]) − (b × sin[i])`, `x[2i + 1] = (b × cos[i]) + (a × sin[i])`.
	pub fn rope_interleaved(
		x: &mut [f32],
		head: usize,
		cos: &[f32],
		sin: &[f32],
	) -> Result<(), ShapeError> {
		let (half, per_position) = rope_shape(x.len(), head, cos, sin)?;
		for ((xp, c), s) in
			x.chunks_exact_mut(per_position).zip(cos.chunks_exact(half)).zip(sin.chunks_exact(half))
		{
			for h in xp.chunks_exact_mut(head) {
				for ((pair, c), s) in h.chunks_exact_mut(2).zip(c).zip(s) {
					let (x0, x1) = (pair[0], pair[1]);
					pair[0] = (x0 * *c) - (x1 * *s);
					pair[1] = (x1 * *c) + (x0 * *s);
				}
			}
		}
		Ok(())
	}
}

multiversion! {
	/// `out = Σ_j p[j] × v[j]`: the rows of `v` (`[p.len(), width]`) weighted by `p` and summed
	/// (attention's probabilities times its values).
	///
	/// Definition: `out[d]` is the canonical dot product ([`lanes::dot`]) of `p` with column `d`
	/// of `v`: row `j` goes to lane `j mod 8`, in increasing `j`, then the lanes' tree. The same
	/// bits as `linear(p, vᵀ)`.
	pub fn weighted_rows(p: &[f32], v: &[f32], width: usize, out: &mut [f32]) -> Result<(), ShapeError> {
		check(rows(v.len(), width)? == p.len() && out.len() == width)?;
		// Lane `l`'s accumulators of every column, contiguous: `acc[l × width + d]`.
		let mut acc = alloc::vec![0f32; LANES * width];
		for (j, (p, row)) in p.iter().zip(v.chunks_exact(width)).enumerate() {
			let lane = &mut acc[(j % LANES) * width..(j % LANES + 1) * width];
			for (a, v) in lane.iter_mut().zip(row) {
				*a += *p * *v;
			}
		}
		for (d, o) in out.iter_mut().enumerate() {
			*o = combine(core::array::from_fn(|l| acc[l * width + d]));
		}
		Ok(())
	}
}

/// Transposes `x` (`[r, c]`) into `out` (`[c, r]`): exact data movement.
pub fn transpose(x: &[f32], c: usize, out: &mut [f32]) -> Result<(), ShapeError> {
	let r = rows(x.len(), c)?;
	check(out.len() == x.len())?;
	for (i, row) in x.chunks_exact(c).enumerate() {
		for (j, v) in row.iter().enumerate() {
			out[j * r + i] = *v;
		}
	}
	Ok(())
}
