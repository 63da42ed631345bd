//! Every compiled copy of every kernel ([`Isa::available`]) gives the bits of the baseline, and
//! the baseline gives the bits of the definition, on random shapes (odd sizes, reductions longer
//! than 512) and on edge values (±0, subnormals, ±∞, NaN, huge and tiny magnitudes).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use opg_kernels::{
	canonical_nan,
	lanes::{self, combine},
	ops::{self, Activation},
	Isa,
};

/// xorshift64*: a fixed, seedable generator (no dependency).
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}

	fn below(&mut self, n: usize) -> usize {
		(self.next() % n as u64) as usize
	}

	/// Mostly ordinary values, some edge values.
	fn value(&mut self) -> f32 {
		const EDGE: [f32; 12] = [
			0.0,
			-0.0,
			f32::MIN_POSITIVE,
			-1.0e-40, // subnormal
			1.0e-45,  // smallest subnormal
			f32::INFINITY,
			f32::NEG_INFINITY,
			f32::NAN,
			3.0e38,
			-3.0e38,
			1.0e-30,
			88.0,
		];
		match self.below(50) {
			0 => EDGE[self.below(EDGE.len())],
			_ => ((self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 8.0,
		}
	}

	fn values(&mut self, n: usize, edges: bool) -> Vec<f32> {
		(0..n)
			.map(
				|_| {
					if edges {
						self.value()
					} else {
						((self.next() >> 40) as f32 / 16777216.0) - 0.5
					}
				},
			)
			.collect()
	}
}

fn bits(x: &[f32]) -> Vec<u32> {
	x.iter().map(|v| canonical_nan(*v).to_bits()).collect()
}

fn shapes(rng: &mut Rng) -> Vec<(usize, usize, usize)> {
	let mut all =
		vec![(1, 1, 1), (1, 7, 3), (3, 8, 4), (5, 9, 13), (2, 513, 5), (7, 1536, 9), (65, 31, 67)];
	for _ in 0..20 {
		all.push((1 + rng.below(9), 1 + rng.below(700), 1 + rng.below(80)));
	}
	all
}

/// The definition of `linear`, written out directly: one `lanes::dot` per output.
fn linear_definition(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize) -> Vec<f32> {
	let mut out = Vec::new();
	for row in x.chunks_exact(k) {
		for (j, wr) in w.chunks_exact(k).enumerate() {
			let s = lanes::dot(row, wr);
			out.push(match bias {
				Some(b) => s + b[j],
				None => s,
			});
		}
	}
	out
}

#[test]
fn lanes_combine_in_the_documented_order() {
	let l = [1.0e8f32, 1.0, -1.0e8, 1.0, 3.0, 5.0, 7.0, 9.0];
	let t = [l[0] + l[4], l[1] + l[5], l[2] + l[6], l[3] + l[7]];
	let u = [t[0] + t[2], t[1] + t[3]];
	assert_eq!(combine(l).to_bits(), (u[0] + u[1]).to_bits());
	// Lane i mod 8, in order: 17 elements put x[16] into lane 0 after x[0] and x[8].
	let x: Vec<f32> = (0..17).map(|i| 1.0 + i as f32 * 0.1).collect();
	let mut lanes_by_hand = [0f32; 8];
	for (i, v) in x.iter().enumerate() {
		lanes_by_hand[i % 8] += v;
	}
	assert_eq!(lanes::sum(&x).to_bits(), combine(lanes_by_hand).to_bits());
	// Sums start at +0: a sum of negative zeros is +0.
	assert_eq!(lanes::sum(&[-0.0, -0.0]).to_bits(), 0.0f32.to_bits());
}

#[test]
fn linear_equals_its_definition_on_every_path() {
	let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
	for (m, k, n) in shapes(&mut rng) {
		for edges in [false, true] {
			let x = rng.values(m * k, edges);
			let w = rng.values(n * k, edges);
			let b = rng.values(n, edges);
			for bias in [None, Some(b.as_slice())] {
				let want = bits(&linear_definition(&x, &w, bias, k));
				for isa in Isa::available() {
					let mut out = vec![0f32; m * n];
					ops::linear(isa, &x, &w, bias, &mut out, k).unwrap();
					assert_eq!(bits(&out), want, "linear {m}×{k}×{n} on {isa} (edges {edges})");
				}
			}
		}
	}
}

#[test]
fn rows_are_batch_invariant() {
	let mut rng = Rng(7);
	let (m, k, n) = (9, 384, 37);
	let x = rng.values(m * k, false);
	let w = rng.values(n * k, false);
	let isa = Isa::detect();
	let mut batch = vec![0f32; m * n];
	ops::linear(isa, &x, &w, None, &mut batch, k).unwrap();
	for i in 0..m {
		let mut alone = vec![0f32; n];
		ops::linear(isa, &x[i * k..(i + 1) * k], &w, None, &mut alone, k).unwrap();
		assert_eq!(bits(&alone), bits(&batch[i * n..(i + 1) * n]), "row {i}");
	}
}

/// Runs `f` on a copy of `x` for every path and checks all agree with the baseline.
fn same_on_every_path(name: &str, x: &[f32], f: impl Fn(Isa, &mut Vec<f32>)) {
	let mut want = x.to_vec();
	f(Isa::baseline(), &mut want);
	for isa in Isa::available() {
		let mut got = x.to_vec();
		f(isa, &mut got);
		assert_eq!(bits(&got), bits(&want), "{name} on {isa}, {} values", x.len());
	}
}

#[test]
fn elementwise_and_row_kernels_agree_on_every_path() {
	let mut rng = Rng(42);
	for len in [1usize, 3, 8, 17, 64, 385, 1536, 4099] {
		for edges in [false, true] {
			let x = rng.values(len, edges);
			let y = rng.values(len, edges);
			for act in [
				Activation::Relu,
				Activation::Tanh,
				Activation::Sigmoid,
				Activation::GeluErf,
				Activation::Silu,
			] {
				same_on_every_path(&format!("{act:?}"), &x, |isa, v| ops::activate(isa, v, act));
			}
			same_on_every_path("erf", &x, |isa, v| ops::erf(isa, v));
			same_on_every_path("exp", &x, |isa, v| ops::exp(isa, v));
			same_on_every_path("ln", &x, |isa, v| ops::ln(isa, v));
			same_on_every_path("add_assign", &x, |isa, v| ops::add_assign(isa, v, &y).unwrap());
			same_on_every_path("mul_assign", &x, |isa, v| ops::mul_assign(isa, v, &y).unwrap());
			same_on_every_path("scale", &x, |isa, v| ops::scale(isa, v, 0.176_776_7));
			same_on_every_path("add", &x, |isa, v| {
				let mut out = vec![0f32; v.len()];
				ops::add(isa, v, &y, &mut out).unwrap();
				*v = out;
			});
			// Row kernels on rows of a width that divides len.
			for width in [1usize, len] {
				let gamma = rng.values(width, false);
				let beta = rng.values(width, false);
				same_on_every_path("layer_norm", &x, |isa, v| {
					ops::layer_norm(isa, v, &gamma, &beta, 1e-12, width).unwrap()
				});
				same_on_every_path("rms_norm", &x, |isa, v| {
					ops::rms_norm(isa, v, &gamma, 1e-6, width).unwrap()
				});
				same_on_every_path("l2_normalize", &x, |isa, v| {
					ops::l2_normalize(isa, v, 1e-12, width).unwrap()
				});
				same_on_every_path("softmax", &x, |isa, v| ops::softmax(isa, v, width).unwrap());
				same_on_every_path("softmax_causal", &x, |isa, v| {
					ops::softmax_causal(isa, v, width, 2).unwrap()
				});
			}
		}
	}
}

#[test]
fn causal_softmax_equals_the_softmax_of_the_prefix() {
	let mut rng = Rng(3);
	let width = 37;
	let x = rng.values(width * 5, false);
	let mut causal = x.clone();
	ops::softmax_causal(Isa::detect(), &mut causal, width, 0).unwrap();
	for r in 0..5 {
		let mut prefix = x[r * width..r * width + r + 1].to_vec();
		ops::softmax(Isa::detect(), &mut prefix, r + 1).unwrap();
		assert_eq!(bits(&causal[r * width..r * width + r + 1]), bits(&prefix), "row {r}");
		assert!(causal[r * width + r + 1..(r + 1) * width].iter().all(|v| v.to_bits() == 0));
	}
}

#[test]
fn rope_agrees_on_every_path_and_rotates() {
	let (positions, heads, head) = (5, 3, 8);
	let mut cos = vec![0f32; positions * head / 2];
	let mut sin = cos.clone();
	ops::rope_tables(10000.0, head, 0, &mut cos, &mut sin).unwrap();
	// Position 0 is the identity rotation.
	assert!(cos[..head / 2].iter().all(|c| *c == 1.0) && sin[..head / 2].iter().all(|s| *s == 0.0));
	let mut rng = Rng(11);
	let x = rng.values(positions * heads * head, false);
	same_on_every_path("rope", &x, |isa, v| ops::rope(isa, v, head, &cos, &sin).unwrap());
}

#[test]
fn interleaved_rope_is_the_half_rope_of_the_permuted_pairs() {
	let (positions, heads, head) = (4, 2, 8);
	let mut cos = vec![0f32; positions * head / 2];
	let mut sin = cos.clone();
	ops::rope_tables(100000.0, head, 3, &mut cos, &mut sin).unwrap();
	let mut rng = Rng(12);
	let x = rng.values(positions * heads * head, true);
	same_on_every_path("rope_interleaved", &x, |isa, v| {
		ops::rope_interleaved(isa, v, head, &cos, &sin).unwrap()
	});
	// Pair (2i, 2i+1) of the interleaved layout is pair (i, i + h) of the half layout.
	let half = head / 2;
	let permute = |v: &[f32], to_half: bool| -> Vec<f32> {
		let mut out = v.to_vec();
		for (o, h) in out.chunks_exact_mut(head).zip(v.chunks_exact(head)) {
			for i in 0..half {
				if to_half {
					(o[i], o[i + half]) = (h[2 * i], h[2 * i + 1]);
				} else {
					(o[2 * i], o[2 * i + 1]) = (h[i], h[i + half]);
				}
			}
		}
		out
	};
	let mut interleaved = x.clone();
	ops::rope_interleaved(Isa::detect(), &mut interleaved, head, &cos, &sin).unwrap();
	let mut halves = permute(&x, true);
	ops::rope(Isa::detect(), &mut halves, head, &cos, &sin).unwrap();
	assert_eq!(bits(&interleaved), bits(&permute(&halves, false)));
}

#[test]
fn weighted_rows_equal_linear_with_the_transpose() {
	let mut rng = Rng(13);
	for (rows, width) in [(1, 1), (3, 64), (9, 64), (17, 5), (130, 64)] {
		let p = rng.values(rows, false);
		let v = rng.values(rows * width, true);
		let mut vt = vec![0f32; v.len()];
		ops::transpose(&v, width, &mut vt).unwrap();
		let mut want = vec![0f32; width];
		ops::linear(Isa::baseline(), &p, &vt, None, &mut want, rows).unwrap();
		for isa in Isa::available() {
			let mut got = vec![0f32; width];
			ops::weighted_rows(isa, &p, &v, width, &mut got).unwrap();
			assert_eq!(bits(&got), bits(&want), "{rows}x{width} on {isa}");
		}
	}
	assert!(ops::weighted_rows(Isa::baseline(), &[1.0; 2], &[1.0; 6], 2, &mut [0.0; 2]).is_err());
}

#[test]
fn mean_gather_transpose() {
	let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
	let mut mean = [0f32; 2];
	ops::mean_rows(&x, 2, &mut mean).unwrap();
	assert_eq!(mean, [3.0, 4.0]);
	let mut t = [0f32; 6];
	ops::transpose(&x, 2, &mut t).unwrap();
	assert_eq!(t, [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
	let mut rows = [0f32; 4];
	ops::gather(&x, 2, &[2, 0], &mut rows).unwrap();
	assert_eq!(rows, [5.0, 6.0, 1.0, 2.0]);
	assert!(ops::gather(&x, 2, &[3], &mut rows[..2]).is_err(), "an id out of range is refused");
	assert!(ops::linear(Isa::baseline(), &x, &x, None, &mut rows, 4).is_err(), "6 is not 4·m");
}
