//! The quantized product: every compiled copy gives the bits of the definition (written out
//! here directly, in the module docs' words), rows are batch invariant, and the `f16` widening
//! is exact for all 65,536 values.
#![allow(
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	clippy::needless_range_loop,
	reason = "the definition is written with the indices of the module docs"
)]

use opg_kernels::{
	canonical_nan,
	probe::Rng,
	quant::{f16_to_f32, qlinear, QFormat, QMatrix, QRows, BLOCK},
	Isa,
};

/// Random file blocks of `format` for an `[n, k]` matrix, with small scales (as real files
/// have) and, one in 50, an edge scale (0, subnormal, large).
fn blocks(rng: &mut Rng, format: QFormat, n: usize, k: usize) -> Vec<u8> {
	let mut bytes = Vec::new();
	for _ in 0..n * k / BLOCK {
		let half = |rng: &mut Rng| -> [u8; 2] {
			let r = rng.next_u64();
			let bits: u16 = match r % 50 {
				0 => 0,
				1 => 0x0003, // subnormal
				2 => 0x7bff, // 65504
				_ => (0x2000 + ((r >> 8) % 0x1800) as u16) | ((r >> 30) as u16 & 0x8000), // ~±0.008..2
			};
			bits.to_le_bytes()
		};
		bytes.extend_from_slice(&half(rng));
		if format == QFormat::Q4_1 {
			bytes.extend_from_slice(&half(rng));
		}
		let quants = if format == QFormat::Q4_1 { 16 } else { 32 };
		bytes.extend((0..quants).map(|_| rng.next_u64() as u8));
	}
	bytes
}

/// The module docs' definition, scalar, straight from the file bytes.
fn definition(format: QFormat, file: &[u8], n: usize, k: usize, x: &[f32]) -> Vec<f32> {
	let per_row = k / BLOCK;
	let m = x.len() / k;
	let half = |b: &[u8]| f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
	let mut out = vec![0f32; m * n];
	for i in 0..m {
		// Activation blocks.
		let mut qa = vec![0i32; k];
		let (mut da, mut sa) = (vec![0f32; per_row], vec![0f32; per_row]);
		for b in 0..per_row {
			let xs = &x[i * k + b * BLOCK..i * k + (b + 1) * BLOCK];
			let amax = xs.iter().fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m });
			let d = amax / 127.0;
			let r = if d != 0.0 { 1.0 / d } else { 0.0 };
			let mut sum = 0;
			for e in 0..BLOCK {
				let v = xs[e] * r;
				let v = if v.is_nan() { 0.0 } else { v.clamp(-127.0, 127.0) };
				let q = v.round_ties_even() as i32;
				qa[b * BLOCK + e] = q;
				sum += q;
			}
			da[b] = d;
			sa[b] = d * sum as f32;
		}
		for j in 0..n {
			let mut acc = 0f32;
			for b in 0..per_row {
				let block = &file[(j * per_row + b) * format.block_bytes()..];
				let v = match format {
					QFormat::Q4_1 => {
						let (d, mn, q) = (half(&block[0..]), half(&block[2..]), &block[4..20]);
						let int: i32 = (0..16)
							.map(|e| {
								i32::from(q[e] & 15) * qa[b * BLOCK + e]
									+ i32::from(q[e] >> 4) * qa[b * BLOCK + e + 16]
							})
							.sum();
						(d * da[b]) * int as f32 + mn * sa[b]
					}
					QFormat::Q8_0 => {
						let (d, q) = (half(&block[0..]), &block[2..34]);
						let int: i32 =
							(0..32).map(|e| i32::from(q[e] as i8) * qa[b * BLOCK + e]).sum();
						(d * da[b]) * int as f32
					}
				};
				acc += v;
			}
			out[i * n + j] = acc;
		}
	}
	out
}

fn bits(x: &[f32]) -> Vec<u32> {
	x.iter().map(|v| canonical_nan(*v).to_bits()).collect()
}

#[test]
fn qlinear_equals_its_definition_on_every_path() {
	let mut rng = Rng(0x5eed_0001);
	for format in [QFormat::Q4_1, QFormat::Q8_0] {
		for (m, n, k) in [(1, 1, 32), (1, 7, 64), (3, 5, 576), (5, 9, 1536), (2, 33, 96)] {
			let file = blocks(&mut rng, format, n, k);
			let w = QMatrix::from_blocks(format, n, k, &file).unwrap();
			let mut x = rng.edgy(m * k);
			// Some all-zero and some large blocks.
			x[..BLOCK].fill(0.0);
			let want = bits(&definition(format, &file, n, k, &x));
			for isa in Isa::available() {
				let q = QRows::quantize(isa, &x, k).unwrap();
				let mut out = vec![0f32; m * n];
				qlinear(isa, &q, &w, 0, &mut out).unwrap();
				assert_eq!(bits(&out), want, "{format:?} {m}x{n}x{k} {isa}");
				// Outputs split by weight rows give the same bits.
				if n > 2 {
					let mut part = vec![0f32; m * (n - 2)];
					qlinear(isa, &q, &w, 2, &mut part).unwrap();
					for i in 0..m {
						assert_eq!(
							bits(&part[i * (n - 2)..(i + 1) * (n - 2)]),
							want[i * n + 2..(i + 1) * n]
						);
					}
				}
			}
			// Each row alone gives its row of the batch.
			for i in 0..m {
				let isa = Isa::detect();
				let q = QRows::quantize(isa, &x[i * k..(i + 1) * k], k).unwrap();
				let mut out = vec![0f32; n];
				qlinear(isa, &q, &w, 0, &mut out).unwrap();
				assert_eq!(bits(&out), want[i * n..(i + 1) * n]);
			}
		}
	}
}

#[test]
fn qlinear_approximates_the_dequantized_product() {
	let mut rng = Rng(7);
	let (n, k) = (16, 256);
	for format in [QFormat::Q4_1, QFormat::Q8_0] {
		let file = blocks(&mut rng, format, n, k);
		let w = QMatrix::from_blocks(format, n, k, &file).unwrap();
		let x = rng.values(k, 1.0);
		let q = QRows::quantize(Isa::detect(), &x, k).unwrap();
		let mut out = vec![0f32; n];
		qlinear(Isa::detect(), &q, &w, 0, &mut out).unwrap();
		let mut row = vec![0f32; k];
		for j in 0..n {
			w.dequantize_row(j, &mut row).unwrap();
			let exact: f64 = row.iter().zip(&x).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum();
			let scale: f64 =
				row.iter().zip(&x).map(|(a, b)| (f64::from(*a) * f64::from(*b)).abs()).sum();
			// 8-bit activations: about 1/254 of each block's largest value per element.
			assert!((f64::from(out[j]) - exact).abs() <= 0.02 * scale + 1e-6, "{format:?} row {j}");
		}
	}
}

#[test]
fn bad_shapes_are_refused() {
	let file = vec![0u8; 2 * 20];
	assert!(QMatrix::from_blocks(QFormat::Q4_1, 1, 64, &file).is_ok());
	assert!(QMatrix::from_blocks(QFormat::Q4_1, 2, 64, &file).is_err());
	assert!(QMatrix::from_blocks(QFormat::Q4_1, 1, 48, &file).is_err());
	let w = QMatrix::from_blocks(QFormat::Q4_1, 1, 64, &file).unwrap();
	let x = QRows::quantize(Isa::baseline(), &[0.5; 64], 64).unwrap();
	assert!(QRows::quantize(Isa::baseline(), &[0.5; 63], 63).is_err());
	assert!(qlinear(Isa::baseline(), &x, &w, 1, &mut [0.0]).is_err());
	assert!(qlinear(Isa::baseline(), &x, &w, 0, &mut [0.0; 2]).is_err());
	assert!(qlinear(Isa::baseline(), &x, &w, 0, &mut [0.0]).is_ok());
	let mut row = vec![0f32; 64];
	assert!(w.dequantize_row(1, &mut row).is_err());
}

#[test]
fn f16_widening_is_exact() {
	for bits in 0..=u16::MAX {
		let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
		let (e, m) = (i32::from((bits >> 10) & 0x1f), f64::from(bits & 0x3ff));
		let want = match e {
			0 => sign * m * 2f64.powi(-24),
			0x1f if m == 0.0 => sign * f64::INFINITY,
			0x1f => f64::NAN,
			_ => sign * (1.0 + m / 1024.0) * 2f64.powi(e - 15),
		};
		let got = f16_to_f32(bits);
		if want.is_nan() {
			assert_eq!(got.to_bits(), 0x7fc0_0000);
		} else {
			assert_eq!(f64::from(got), want, "{bits:#06x}");
			assert_eq!(got.is_sign_negative(), bits & 0x8000 != 0, "{bits:#06x}");
		}
	}
}
