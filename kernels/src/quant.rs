//! Block-quantized weights (GGUF's `Q4_1` and `Q8_0`) and the canonical product with them.
//!
//! A quantized matrix `w` (`[n, k]`, `k` a multiple of [`BLOCK`]) stores each row as blocks of
//! 32 weights sharing one scale `d` (and, for `Q4_1`, one offset `m`). The product `x · wᵀ` is
//! not the float dot product with the dequantized weights: as in llama.cpp and candle, each row
//! of `x` is first quantized to 8-bit blocks ([`QRows`]), the weights and activations of a block
//! are multiplied as exact integers, and only the per-block results are combined in `f32`. That
//! is both the fast way (integer SIMD) and an easy one to make canonical: an integer sum has one
//! value whatever the order, so only the few float operations per block need an order, and they
//! have the one written below.
//!
//! ## Definitions
//! * A weight's value ([`QMatrix::dequantize_row`]): `Q4_1`: `d × q + m` with `q` in `0..16`;
//!   `Q8_0`: `d × q` with `q` in `-128..128`. `d` and `m` are the file's `f16` values, widened
//!   exactly ([`f16_to_f32`]).
//! * Activations ([`QRows::quantize`]), per block of 32 values `x_e` of a row:
//!   `a = max |x_e|` (NaN skipped, starting at `+0`), `d = a / 127`, `r = 1 / d` (`r = 0` when
//!   `d = 0`), `q_e = round(clamp(x_e × r, −127, 127))` with ties to even and NaN to 0, and
//!   `s = d × Σ q_e` (the integer sum, exact in `f32`).
//! * The product ([`qlinear`]), output `(i, j)`: `acc = +0`, then for each block `b` in
//!   increasing order `acc = acc + v_b` with `I_b = Σ_e qw_e × qa_e` (exact integer):
//!   `Q4_1`: `v_b = (dw_b × da_b) × I_b + mw_b × s_b`; `Q8_0`: `v_b = (dw_b × da_b) × I_b`.
//!   Every integer is below `2²⁴` in magnitude, so its conversion to `f32` is exact.
//!
//! Rows of `x` are independent (batch invariance), and outputs may be computed in any order or
//! thread: only the order of each output's own blocks is fixed.

use alloc::{vec, vec::Vec};

use crate::{isa::multiversion, ops::ShapeError, Isa};

/// Weights per block, in every format.
pub const BLOCK: usize = 32;

/// A block-quantized format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QFormat {
	/// 4-bit weights with a scale and an offset per block (GGUF type 3): 20 bytes per block
	/// (`d: f16`, `m: f16`, 16 bytes of nibbles: byte `e` holds weight `e` in its low nibble and
	/// weight `e + 16` in its high nibble).
	Q4_1,
	/// 8-bit weights with a scale per block (GGUF type 8): 34 bytes per block (`d: f16`, 32
	/// signed bytes).
	Q8_0,
}

impl QFormat {
	/// Bytes of one block in the GGUF layout.
	pub const fn block_bytes(self) -> usize {
		match self {
			QFormat::Q4_1 => 20,
			QFormat::Q8_0 => 34,
		}
	}

	/// Bytes of the quantized values of one block (after its scale and offset).
	const fn quant_bytes(self) -> usize {
		match self {
			QFormat::Q4_1 => 16,
			QFormat::Q8_0 => 32,
		}
	}
}

/// An IEEE 754 binary16 value, widened exactly to binary32 (every `f16` is an `f32`); a NaN
/// becomes the canonical NaN.
pub fn f16_to_f32(bits: u16) -> f32 {
	let sign = u32::from(bits >> 15) << 31;
	let exponent = u32::from((bits >> 10) & 0x1f);
	let mantissa = u32::from(bits & 0x3ff);
	let magnitude = match (exponent, mantissa) {
		(0, 0) => 0,
		// Subnormal: m × 2⁻²⁴, exact in f32.
		(0, m) => (m as f32 / 16_777_216.0).to_bits(),
		(0x1f, 0) => 0x7f80_0000,
		(0x1f, _) => return crate::CANONICAL_NAN,
		(e, m) => ((e + 112) << 23) | (m << 13),
	};
	f32::from_bits(sign | magnitude)
}

/// A quantized weight matrix `[n, k]`, unpacked from its file layout into separate arrays (the
/// scales widened to `f32`), so the hot loop reads the quantized values contiguously.
#[derive(Clone, Debug, PartialEq)]
pub struct QMatrix {
	format: QFormat,
	n: usize,
	k: usize,
	/// `d` of every block, row-major (`n × k / 32`).
	scales: Vec<f32>,
	/// `m` of every block (`Q4_1`; empty for `Q8_0`).
	mins: Vec<f32>,
	/// The quantized values, blocks in order, [`QFormat::quant_bytes`] each.
	quants: Vec<u8>,
}

impl QMatrix {
	/// A matrix of `n` rows of `k` weights from the file's blocks (`n × k / 32` of them, in row
	/// order, `format.block_bytes()` each).
	pub fn from_blocks(
		format: QFormat,
		n: usize,
		k: usize,
		bytes: &[u8],
	) -> Result<Self, ShapeError> {
		if k == 0 || !k.is_multiple_of(BLOCK) {
			return Err(ShapeError);
		}
		let blocks = n.checked_mul(k / BLOCK).ok_or(ShapeError)?;
		if bytes.len() != blocks.checked_mul(format.block_bytes()).ok_or(ShapeError)? {
			return Err(ShapeError);
		}
		let half = |b: &[u8], at: usize| f16_to_f32(u16::from_le_bytes([b[at], b[at + 1]]));
		let mut scales = Vec::with_capacity(blocks);
		let mut mins = Vec::new();
		let mut quants = Vec::with_capacity(blocks * format.quant_bytes());
		for block in bytes.chunks_exact(format.block_bytes()) {
			scales.push(half(block, 0));
			match format {
				QFormat::Q4_1 => {
					mins.push(half(block, 2));
					quants.extend_from_slice(&block[4..]);
				}
				QFormat::Q8_0 => quants.extend_from_slice(&block[2..]),
			}
		}
		Ok(QMatrix { format, n, k, scales, mins, quants })
	}

	/// Its format.
	pub fn format(&self) -> QFormat {
		self.format
	}

	/// Rows (outputs).
	pub fn rows(&self) -> usize {
		self.n
	}

	/// Columns (inputs).
	pub fn cols(&self) -> usize {
		self.k
	}

	/// The memory it takes, in bytes.
	pub fn bytes(&self) -> usize {
		(self.scales.len() + self.mins.len()) * 4 + self.quants.len()
	}

	/// Row `j`'s weights as `f32` (see the module docs: `d × q + m`, or `d × q`).
	pub fn dequantize_row(&self, j: usize, out: &mut [f32]) -> Result<(), ShapeError> {
		if j >= self.n || out.len() != self.k {
			return Err(ShapeError);
		}
		let per_row = self.k / BLOCK;
		for (b, out) in out.chunks_exact_mut(BLOCK).enumerate() {
			let block = j * per_row + b;
			let d = self.scales[block];
			let qb = self.format.quant_bytes();
			let q = &self.quants[block * qb..(block + 1) * qb];
			match self.format {
				QFormat::Q4_1 => {
					let m = self.mins[block];
					for e in 0..16 {
						out[e] = d * f32::from(q[e] & 15) + m;
						out[e + 16] = d * f32::from(q[e] >> 4) + m;
					}
				}
				QFormat::Q8_0 => {
					for (o, q) in out.iter_mut().zip(q) {
						*o = d * f32::from(*q as i8);
					}
				}
			}
		}
		Ok(())
	}
}

/// Rows of activations quantized to 8-bit blocks (see the module docs), ready for [`qlinear`].
#[derive(Clone, Debug, PartialEq)]
pub struct QRows {
	k: usize,
	/// `d` of every block.
	scales: Vec<f32>,
	/// `s = d × Σ q` of every block.
	sums: Vec<f32>,
	/// The quantized values.
	quants: Vec<i8>,
}

impl QRows {
	/// Quantizes `x` (`[m, k]`, `k` a multiple of 32).
	pub fn quantize(isa: Isa, x: &[f32], k: usize) -> Result<Self, ShapeError> {
		if k == 0 || !k.is_multiple_of(BLOCK) || !x.len().is_multiple_of(k) {
			return Err(ShapeError);
		}
		let blocks = x.len() / BLOCK;
		let mut rows = QRows {
			k,
			scales: vec![0.0; blocks],
			sums: vec![0.0; blocks],
			quants: vec![0; x.len()],
		};
		quantize_blocks(isa, x, &mut rows.scales, &mut rows.sums, &mut rows.quants);
		Ok(rows)
	}

	/// Rows.
	pub fn rows(&self) -> usize {
		self.quants.len() / self.k
	}
}

/// `round(v)` to the nearest integer, ties to even, for `|v| ≤ 2²²`: `(v + 1.5·2²³) − 1.5·2²³`
/// (two correctly rounded additions, the second exact).
#[inline(always)]
fn round_even(v: f32) -> f32 {
	const MAGIC: f32 = 12_582_912.0;
	(v + MAGIC) - MAGIC
}

multiversion! {
	/// The activation quantization of the module docs, block by block.
	fn quantize_blocks(x: &[f32], scales: &mut [f32], sums: &mut [f32], quants: &mut [i8]) {
		for (((x, q), d_out), s_out) in x
			.chunks_exact(BLOCK)
			.zip(quants.chunks_exact_mut(BLOCK))
			.zip(scales.iter_mut())
			.zip(sums.iter_mut())
		{
			let mut amax = 0f32;
			for v in x {
				let a = v.abs();
				if a > amax {
					amax = a;
				}
			}
			let d = amax / 127.0;
			let r = if d != 0.0 { 1.0 / d } else { 0.0 };
			let mut sum = 0i32;
			for (q, v) in q.iter_mut().zip(x) {
				let v = *v * r;
				let v = if v.is_nan() { 0.0 } else { v.clamp(-127.0, 127.0) };
				*q = round_even(v) as i8;
				sum += i32::from(*q);
			}
			*d_out = d;
			*s_out = d * sum as f32;
		}
	}
}

/// `out = x · wᵀ` for the weight rows `j0 .. j0 + c`, where `c = out.len() / x.rows()`: `out`
/// is `[x.rows(), c]` (so the caller may split the outputs of one row across threads by weight
/// rows, or the rows of `x`). Definition: the module docs.
pub fn qlinear(
	isa: Isa,
	x: &QRows,
	w: &QMatrix,
	j0: usize,
	out: &mut [f32],
) -> Result<(), ShapeError> {
	let m = x.rows();
	if x.k != w.k || m == 0 || !out.len().is_multiple_of(m) {
		return Err(ShapeError);
	}
	let c = out.len() / m;
	if j0.checked_add(c).is_none_or(|end| end > w.n) {
		return Err(ShapeError);
	}
	#[cfg(target_arch = "x86_64")]
	// Two rows or more (a prompt's prefill, a check pass): the AVX2 copy, which shares each
	// unpacked weight block among up to four rows; one row (a generated token): the compiler's
	// vectorisation of the portable copy, measured faster there (80 against 62 tokens/s on
	// SmolLM2-135M).
	if matches!(isa.0, crate::isa::Level::Avx2 | crate::isa::Level::Avx512) && m > 1 {
		// SAFETY: an `Isa` of these levels is only made after the running CPU reported AVX2
		// (`Isa::detect`, `Isa::available`; every AVX-512 CPU has AVX2); the slices' lengths
		// were checked above and by the constructors of `x` and `w`.
		#[allow(unsafe_code)]
		unsafe {
			match w.format {
				QFormat::Q4_1 => avx2::q4_1(x, w, j0, out, c),
				QFormat::Q8_0 => avx2::q8_0(x, w, j0, out, c),
			}
		}
		return Ok(());
	}
	match w.format {
		QFormat::Q4_1 => qlinear_q4_1(isa, x, w, j0, out, c),
		QFormat::Q8_0 => qlinear_q8_0(isa, x, w, j0, out, c),
	}
	Ok(())
}

/// The AVX2 copy of [`qlinear`]: each block's integer dot product with `vpmaddubsw` (unsigned
/// weights × signed activations, adjacent pairs summed to 16 bits, which cannot overflow here:
/// `2 × 15 × 127` for `Q4_1`, `2 × 128 × 127` for `Q8_0` with the sign moved to the
/// activation) and `vpmaddwd`, then summed across the register: the exact integer `I_b` of the
/// definition, so the same bits as the portable copy. Up to four rows of `x` share each
/// unpacked block of weights.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
	use core::arch::x86_64::*;

	use super::{QMatrix, QRows, BLOCK};

	/// The sum of the eight 32-bit lanes.
	#[inline(always)]
	unsafe fn hsum(v: __m256i) -> i32 {
		let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
		let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
		let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
		_mm_cvtsi128_si32(s)
	}

	#[inline(always)]
	unsafe fn load(a: &[i8]) -> __m256i {
		debug_assert!(a.len() >= 32);
		_mm256_loadu_si256(a.as_ptr().cast())
	}

	/// A `Q4_1` block's 16 bytes of nibbles as 32 bytes: the low nibbles (weights 0..16), then
	/// the high ones (16..32).
	#[inline(always)]
	unsafe fn unpack(q: &[u8]) -> __m256i {
		debug_assert!(q.len() >= 16);
		let bytes = _mm_loadu_si128(q.as_ptr().cast());
		let mask = _mm_set1_epi8(0x0f);
		let lo = _mm_and_si128(bytes, mask);
		let hi = _mm_and_si128(_mm_srli_epi16::<4>(bytes), mask);
		_mm256_set_m128i(hi, lo)
	}

	/// The four sums of the eight 32-bit lanes of `p[0..4]`.
	#[inline(always)]
	unsafe fn hsum4(p: [__m256i; 4]) -> [i32; 4] {
		let h = _mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3]));
		let s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256::<1>(h));
		let mut out = [0i32; 4];
		_mm_storeu_si128(out.as_mut_ptr().cast(), s);
		out
	}

	/// One weight block as 32 unsigned bytes, and how to give an activation block the sign the
	/// weights lost (`Q8_0`: `|w| × (a × sign(w))`; `Q4_1`'s weights are unsigned already).
	trait Format {
		const QUANT_BYTES: usize;
		unsafe fn weights(q: &[u8]) -> (__m256i, __m256i);
		unsafe fn signed(a: __m256i, sign: __m256i) -> __m256i;
		/// The block's value `v_b` (the module docs), from its integer dot product `int`.
		fn value(w: &QMatrix, block: usize, xd: f32, int: i32, xs: f32) -> f32;
	}

	struct Q41;
	impl Format for Q41 {
		const QUANT_BYTES: usize = 16;
		#[inline(always)]
		unsafe fn weights(q: &[u8]) -> (__m256i, __m256i) {
			let w = unpack(q);
			(w, w)
		}
		#[inline(always)]
		unsafe fn signed(a: __m256i, _: __m256i) -> __m256i {
			a
		}
		#[inline(always)]
		fn value(w: &QMatrix, block: usize, xd: f32, int: i32, xs: f32) -> f32 {
			super::q4_1_value(w.scales[block], xd, int, w.mins[block], xs)
		}
	}

	struct Q80;
	impl Format for Q80 {
		const QUANT_BYTES: usize = 32;
		#[inline(always)]
		unsafe fn weights(q: &[u8]) -> (__m256i, __m256i) {
			debug_assert!(q.len() >= 32);
			let w = _mm256_loadu_si256(q.as_ptr().cast());
			(_mm256_sign_epi8(w, w), w)
		}
		#[inline(always)]
		unsafe fn signed(a: __m256i, sign: __m256i) -> __m256i {
			_mm256_sign_epi8(a, sign)
		}
		#[inline(always)]
		fn value(w: &QMatrix, block: usize, xd: f32, int: i32, _: f32) -> f32 {
			super::q8_0_value(w.scales[block], xd, int)
		}
	}

	/// Rows `i0 .. i0 + R` of `x` against weight rows `j0 + jj .. j0 + jj + C`: the integer dot
	/// products of `C` weight rows at once, reduced together ([`hsum4`] for four).
	#[inline(always)]
	unsafe fn tile<F: Format, const R: usize, const C: usize>(
		x: &QRows,
		w: &QMatrix,
		i0: usize,
		row0: usize,
		out: &mut [[f32; C]; R],
	) {
		let (k, per_row) = (w.k, w.k / BLOCK);
		let ones = _mm256_set1_epi16(1);
		for b in 0..per_row {
			let ws: [(__m256i, __m256i); C] = core::array::from_fn(|c| {
				F::weights(&w.quants[(row0 + c * per_row + b) * F::QUANT_BYTES..])
			});
			for (r, out) in out.iter_mut().enumerate() {
				let i = i0 + r;
				let a = load(&x.quants[i * k + b * BLOCK..]);
				let (xd, xs) = (x.scales[i * per_row + b], x.sums[i * per_row + b]);
				let p: [__m256i; C] = core::array::from_fn(|c| {
					_mm256_madd_epi16(_mm256_maddubs_epi16(ws[c].0, F::signed(a, ws[c].1)), ones)
				});
				let ints: [i32; C] = match <[__m256i; 4]>::try_from(&p[..]) {
					Ok(four) => {
						let s = hsum4(four);
						core::array::from_fn(|c| s[c])
					}
					Err(_) => core::array::from_fn(|c| hsum(p[c])),
				};
				for c in 0..C {
					out[c] += F::value(w, row0 + c * per_row + b, xd, ints[c], xs);
				}
			}
		}
	}

	#[inline(always)]
	unsafe fn run<F: Format>(x: &QRows, w: &QMatrix, j0: usize, out: &mut [f32], c: usize) {
		let per_row = w.k / BLOCK;
		let m = out.len() / c;
		let mut i0 = 0;
		while i0 < m {
			macro_rules! rows {
				($r:literal) => {{
					let mut jj = 0;
					while jj + 4 <= c {
						let mut acc = [[0f32; 4]; $r];
						tile::<F, $r, 4>(x, w, i0, (j0 + jj) * per_row, &mut acc);
						for (r, acc) in acc.iter().enumerate() {
							out[(i0 + r) * c + jj..(i0 + r) * c + jj + 4].copy_from_slice(acc);
						}
						jj += 4;
					}
					while jj < c {
						let mut acc = [[0f32; 1]; $r];
						tile::<F, $r, 1>(x, w, i0, (j0 + jj) * per_row, &mut acc);
						for (r, acc) in acc.iter().enumerate() {
							out[(i0 + r) * c + jj] = acc[0];
						}
						jj += 1;
					}
					i0 += $r;
				}};
			}
			match m - i0 {
				1 => rows!(1),
				2 => rows!(2),
				3 => rows!(3),
				_ => rows!(4),
			}
		}
	}

	#[target_feature(enable = "avx2")]
	pub(super) unsafe fn q4_1(x: &QRows, w: &QMatrix, j0: usize, out: &mut [f32], c: usize) {
		run::<Q41>(x, w, j0, out, c)
	}

	#[target_feature(enable = "avx2")]
	pub(super) unsafe fn q8_0(x: &QRows, w: &QMatrix, j0: usize, out: &mut [f32], c: usize) {
		run::<Q80>(x, w, j0, out, c)
	}
}

/// `v_b` of a `Q4_1` block (module docs): `(dw × da) × I + mw × s`.
#[inline(always)]
fn q4_1_value(wd: f32, xd: f32, int: i32, wm: f32, xs: f32) -> f32 {
	(wd * xd) * int as f32 + wm * xs
}

/// `v_b` of a `Q8_0` block (module docs): `(dw × da) × I`.
#[inline(always)]
fn q8_0_value(wd: f32, xd: f32, int: i32) -> f32 {
	(wd * xd) * int as f32
}

/// `Σ_e qw_e × qa_e` of one `Q4_1` block (16 bytes of nibbles) and 32 activations.
#[inline(always)]
fn dot_q4(qw: &[u8], qa: &[i8]) -> i32 {
	let (lo, hi) = qa.split_at(16);
	let mut s = 0i32;
	for ((w, a), b) in qw.iter().zip(lo).zip(hi) {
		s += i32::from(*w & 15) * i32::from(*a) + i32::from(*w >> 4) * i32::from(*b);
	}
	s
}

/// `Σ_e qw_e × qa_e` of one `Q8_0` block.
#[inline(always)]
fn dot_q8(qw: &[u8], qa: &[i8]) -> i32 {
	let mut s = 0i32;
	for (w, a) in qw.iter().zip(qa) {
		s += i32::from(*w as i8) * i32::from(*a);
	}
	s
}

multiversion! {
	fn qlinear_q4_1(x: &QRows, w: &QMatrix, j0: usize, out: &mut [f32], c: usize) {
		let per_row = w.k / BLOCK;
		for (i, out) in out.chunks_exact_mut(c).enumerate() {
			let xa = &x.quants[i * w.k..(i + 1) * w.k];
			let xd = &x.scales[i * per_row..(i + 1) * per_row];
			let xs = &x.sums[i * per_row..(i + 1) * per_row];
			for (jj, o) in out.iter_mut().enumerate() {
				let row = (j0 + jj) * per_row;
				let wq = &w.quants[row * 16..(row + per_row) * 16];
				let wd = &w.scales[row..row + per_row];
				let wm = &w.mins[row..row + per_row];
				let mut acc = 0f32;
				for b in 0..per_row {
					let int = dot_q4(&wq[b * 16..b * 16 + 16], &xa[b * BLOCK..b * BLOCK + BLOCK]);
					acc += q4_1_value(wd[b], xd[b], int, wm[b], xs[b]);
				}
				*o = acc;
			}
		}
	}
}

multiversion! {
	fn qlinear_q8_0(x: &QRows, w: &QMatrix, j0: usize, out: &mut [f32], c: usize) {
		let per_row = w.k / BLOCK;
		for (i, out) in out.chunks_exact_mut(c).enumerate() {
			let xa = &x.quants[i * w.k..(i + 1) * w.k];
			let xd = &x.scales[i * per_row..(i + 1) * per_row];
			for (jj, o) in out.iter_mut().enumerate() {
				let row = (j0 + jj) * per_row;
				let wq = &w.quants[row * BLOCK..(row + per_row) * BLOCK];
				let wd = &w.scales[row..row + per_row];
				let mut acc = 0f32;
				for b in 0..per_row {
					let int = dot_q8(&wq[b * BLOCK..b * BLOCK + BLOCK], &xa[b * BLOCK..b * BLOCK + BLOCK]);
					acc += q8_0_value(wd[b], xd[b], int);
				}
				*o = acc;
			}
		}
	}
}
