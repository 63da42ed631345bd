//! A fixed workload over every kernel, for comparing bits across CPUs, builds and the runtime's
//! WASM: [`workload`] feeds every output to a sink, which hashes them.
//!
//! Random data (a fixed xorshift generator) with edge values mixed in (±0, subnormals, ±∞, NaN,
//! huge magnitudes), odd sizes, reductions longer than 512, and every elementary function over a
//! sweep of `[-100, 100]` and of every binary exponent.

use alloc::{vec, vec::Vec};

use crate::{
	math,
	ops::{self, Activation, ShapeError},
	quant, Isa,
};

/// xorshift64*: fixed and seedable.
pub struct Rng(pub u64);

impl Rng {
	/// The next 64 random bits.
	pub fn next_u64(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}

	/// Uniform in `[-scale, scale)` (24 random bits).
	pub fn uniform(&mut self, scale: f32) -> f32 {
		((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
	}

	/// `n` uniform values.
	pub fn values(&mut self, n: usize, scale: f32) -> Vec<f32> {
		(0..n).map(|_| self.uniform(scale)).collect()
	}

	/// `n` values, one in 16 an edge value, the others uniform in `[-6, 6)`.
	pub fn edgy(&mut self, n: usize) -> Vec<f32> {
		const EDGE: [f32; 11] = [
			0.0,
			-0.0,
			1.0e-40,
			-1.0e-45,
			f32::MIN_POSITIVE,
			f32::INFINITY,
			f32::NEG_INFINITY,
			f32::NAN,
			3.0e38,
			-87.5,
			95.0,
		];
		(0..n)
			.map(|_| {
				let r = self.next_u64();
				if r.is_multiple_of(16) {
					EDGE[((r >> 8) % EDGE.len() as u64) as usize]
				} else {
					self.uniform(6.0)
				}
			})
			.collect()
	}
}

/// Runs every kernel on the fixed data with `isa`'s copies, passing each output to `sink`.
pub fn workload(isa: Isa, sink: &mut dyn FnMut(&[f32])) -> Result<(), ShapeError> {
	let mut rng = Rng(0x0123_4567_89ab_cdef);
	for (m, k, n) in [(1, 1, 1), (5, 9, 13), (7, 1537, 11), (33, 64, 70), (2, 600, 48)] {
		let x = rng.edgy(m * k);
		let w = rng.values(n * k, 1.0);
		let b = rng.edgy(n);
		let mut out = vec![0f32; m * n];
		ops::linear(isa, &x, &w, Some(&b), &mut out, k)?;
		sink(&out);
		let x = rng.values(m * k, 2.0);
		ops::linear(isa, &x, &w, None, &mut out, k)?;
		sink(&out);
	}
	for len in [3usize, 17, 385, 1031] {
		let x = rng.edgy(len);
		let y = rng.edgy(len);
		for act in [
			Activation::Relu,
			Activation::Tanh,
			Activation::Sigmoid,
			Activation::GeluErf,
			Activation::Silu,
		] {
			let mut v = x.clone();
			ops::activate(isa, &mut v, act);
			sink(&v);
		}
		let mut v = x.clone();
		ops::add_assign(isa, &mut v, &y)?;
		ops::mul_assign(isa, &mut v, &y)?;
		ops::scale(isa, &mut v, 0.176_776_7);
		sink(&v);
		let mut sum = vec![0f32; len];
		ops::add(isa, &x, &y, &mut sum)?;
		sink(&sum);
		let gamma = rng.values(len, 1.0);
		let beta = rng.values(len, 1.0);
		let wide = rng.values(len, 30.0);
		for data in [&x, &wide] {
			let mut v = data.clone();
			ops::layer_norm(isa, &mut v, &gamma, &beta, 1e-12, len)?;
			sink(&v);
			let mut v = data.clone();
			ops::rms_norm(isa, &mut v, &gamma, 1e-6, len)?;
			sink(&v);
			let mut v = data.clone();
			ops::l2_normalize(isa, &mut v, 1e-12, len)?;
			sink(&v);
			let mut v = data.clone();
			ops::softmax(isa, &mut v, len)?;
			sink(&v);
		}
	}
	let mut causal = rng.values(9 * 9, 10.0);
	ops::softmax_causal(isa, &mut causal, 9, 0)?;
	sink(&causal);
	let (positions, heads, head) = (7usize, 3usize, 12usize);
	let mut cos = vec![0f32; positions * head / 2];
	let mut sin = cos.clone();
	ops::rope_tables(10000.0, head, 1000, &mut cos, &mut sin)?;
	let mut x = rng.values(positions * heads * head, 2.0);
	ops::rope(isa, &mut x, head, &cos, &sin)?;
	sink(&cos);
	sink(&sin);
	sink(&x);
	ops::rope_interleaved(isa, &mut x, head, &cos, &sin)?;
	sink(&x);
	let p = rng.values(19, 1.0);
	let v = rng.edgy(19 * 64);
	let mut mixed = vec![0f32; 64];
	ops::weighted_rows(isa, &p, &v, 64, &mut mixed)?;
	sink(&mixed);
	// Quantized weights (random blocks, f16 scales of every magnitude a file has) times
	// activations with edge values.
	for format in [quant::QFormat::Q4_1, quant::QFormat::Q8_0] {
		let (m, n, k) = (3usize, 37usize, 576usize);
		let mut blocks = Vec::new();
		for _ in 0..n * k / quant::BLOCK {
			for _ in 0..format.block_bytes() / 2 {
				let r = rng.next_u64();
				// Halves in [2⁻¹², 2³) with random signs for the scales and offsets; random
				// bytes for the quantized values (the first one or two halves are the scales).
				let half = (0x0c00 + (r % 0x3c00) as u16) | ((r >> 20) as u16 & 0x8000);
				blocks.extend_from_slice(&half.to_le_bytes());
			}
		}
		let w = quant::QMatrix::from_blocks(format, n, k, &blocks)?;
		let x = rng.edgy(m * k);
		let q = quant::QRows::quantize(isa, &x, k)?;
		let mut out = vec![0f32; m * n];
		quant::qlinear(isa, &q, &w, 0, &mut out)?;
		sink(&out);
		let mut row = vec![0f32; k];
		w.dequantize_row(n - 1, &mut row)?;
		sink(&row);
	}
	let x = rng.values(13 * 5, 3.0);
	let mut mean = vec![0f32; 5];
	ops::mean_rows(&x, 5, &mut mean)?;
	sink(&mean);
	let mut t = vec![0f32; x.len()];
	ops::transpose(&x, 5, &mut t)?;
	sink(&t);
	let sweep: Vec<f32> = (0..20_001)
		.map(|i| -100.0 + i as f32 * 0.01)
		.chain((0..254u32).map(|e| f32::from_bits((e << 23) | 0x0040_0000)))
		.chain((0..254u32).map(|e| -f32::from_bits((e << 23) | 0x0012_3456)))
		.collect();
	let functions: [fn(f32) -> f32; 7] =
		[math::exp, math::erf, math::tanh, math::sigmoid, math::sin, math::cos, math::ln];
	for f in functions {
		let v: Vec<f32> = sweep.iter().map(|x| f(*x)).collect();
		sink(&v);
	}
	Ok(())
}

/// The little-endian bytes of every output of [`workload`], NaNs canonical: what the probe and
/// the runtime hash.
pub fn workload_bytes(isa: Isa) -> Result<Vec<u8>, ShapeError> {
	let mut bytes = Vec::new();
	workload(isa, &mut |values| {
		for v in values {
			bytes.extend_from_slice(&crate::canonical_nan(*v).to_le_bytes());
		}
	})?;
	Ok(bytes)
}
