//! Accuracy of `opg_kernels::math` against a float64 reference (the `libm` crate's f64
//! functions), over dense sweeps of binary32 bit patterns, plus the special values.
//!
//! The error of a result is counted in ulps at the correctly rounded result: the number of
//! binary32 steps between the result and the reference rounded to binary32 (so subnormal results
//! count subnormal steps; 0 means correctly rounded). The fractional error against the float64
//! value itself (`|got − ref| / ulp(ref)`) is printed too.
//!
//! `cargo test --profile release -p opg-kernels --test accuracy -- --nocapture` prints the
//! measured figures. The default sweeps take every `STRIDE`-th bit pattern (a stride prime to
//! every power of two, so all significand residues are visited), with every pattern in the
//! critical sub-ranges; `-- --ignored exhaustive` sweeps every pattern (tens of minutes on two
//! cores; `exp`'s figure in the docs of `math.rs` comes from it, the others from the default
//! sweeps).
#![allow(
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	clippy::cast_possible_truncation,
	clippy::float_cmp
)]

use opg_kernels::math;
use std::sync::Mutex;

/// Stride of the default sweeps.
const STRIDE: u32 = 101;

/// The position of `x` in the ordered sequence of binary32 values (−0 and +0 both at 0).
fn ordinal(x: f32) -> i64 {
	let b = x.to_bits();
	let mag = i64::from(b & 0x7fff_ffff);
	if b >> 31 == 1 {
		-mag
	} else {
		mag
	}
}

/// Binary32 steps between `a` and `b`.
fn steps(a: f32, b: f32) -> u64 {
	(ordinal(a) - ordinal(b)).unsigned_abs()
}

/// The spacing of binary32 at `|v|` (subnormal spacing below the normal range).
fn ulp_at(v: f64) -> f64 {
	let a = v.abs();
	if a < f64::from(f32::MIN_POSITIVE) {
		return 2f64.powi(-149);
	}
	let e = ((a.to_bits() >> 52) as i32) - 1023;
	2f64.powi(e - 23)
}

#[derive(Clone, Copy, Debug, Default)]
struct Stats {
	/// Max binary32 steps from the correctly rounded reference.
	max_steps: u64,
	/// An argument where it occurs.
	worst_x: f32,
	/// Max |got − ref| / ulp(ref).
	max_ulp: f64,
	/// Max |got − ref|.
	max_abs: f64,
	/// Results not correctly rounded.
	misrounded: u64,
	count: u64,
	/// Arguments whose result has the wrong class (NaN, infinity) or breaks a symmetry — must
	/// stay 0.
	class_errors: u64,
	/// The last such argument.
	class_x: f32,
}

impl Stats {
	fn add(&mut self, x: f32, got: f32, reference: f64) {
		self.count += 1;
		if reference.is_nan() || got.is_nan() {
			if reference.is_nan() != got.is_nan() {
				self.fail(x);
			}
			return;
		}
		let want = reference as f32;
		let d = steps(got, want);
		if d > 0 {
			self.misrounded += 1;
		}
		if d > self.max_steps {
			self.max_steps = d;
			self.worst_x = x;
		}
		if want.is_infinite() || got.is_infinite() {
			if got != want {
				self.fail(x);
			}
			return;
		}
		let err = (f64::from(got) - reference).abs();
		self.max_abs = self.max_abs.max(err);
		self.max_ulp = self.max_ulp.max(err / ulp_at(reference));
	}

	fn fail(&mut self, x: f32) {
		self.class_errors += 1;
		self.class_x = x;
	}

	fn merge(&mut self, o: &Stats) {
		if o.max_steps > self.max_steps {
			self.max_steps = o.max_steps;
			self.worst_x = o.worst_x;
		}
		if o.class_errors > 0 {
			self.class_x = o.class_x;
		}
		self.max_ulp = self.max_ulp.max(o.max_ulp);
		self.max_abs = self.max_abs.max(o.max_abs);
		self.misrounded += o.misrounded;
		self.count += o.count;
		self.class_errors += o.class_errors;
	}

	fn report(&self, name: &str) {
		println!(
			"{name:<44} max {:>2} ulp (vs f64: {:.3} ulp, abs {:.2e}) at x = {:e} ({:#010x}); \
			 {:.4}% not correctly rounded; {} args",
			self.max_steps,
			self.max_ulp,
			self.max_abs,
			self.worst_x,
			self.worst_x.to_bits(),
			100.0 * self.misrounded as f64 / self.count.max(1) as f64,
			self.count,
		);
	}
}

/// Sweeps the bit patterns `from..=to` with `stride` (the last one always included), in
/// parallel, calling `visit(x, &mut stats)` for each.
fn sweep_bits(from: u32, to: u32, stride: u32, visit: impl Fn(f32, &mut Stats) + Sync) -> Stats {
	let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8) as u64;
	let n = (u64::from(to - from)) / u64::from(stride) + 1;
	let chunk = n.div_ceil(threads);
	let total = Mutex::new(Stats::default());
	std::thread::scope(|s| {
		for t in 0..threads {
			let (visit, total) = (&visit, &total);
			s.spawn(move || {
				let mut st = Stats::default();
				let (i0, i1) = (t * chunk, ((t + 1) * chunk).min(n));
				for i in i0..i1 {
					let b = u64::from(from) + i * u64::from(stride);
					visit(f32::from_bits(b as u32), &mut st);
				}
				if t + 1 == threads && (u64::from(to - from)) % u64::from(stride) != 0 {
					visit(f32::from_bits(to), &mut st);
				}
				total.lock().unwrap().merge(&st);
			});
		}
	});
	total.into_inner().unwrap()
}

/// Sweeps `f` against `reference` over the binary32 values in `[lo, hi]` (same sign or
/// spanning 0), every `stride`-th pattern.
fn sweep(
	lo: f32,
	hi: f32,
	stride: u32,
	f: impl Fn(f32) -> f32 + Sync,
	reference: impl Fn(f64) -> f64 + Sync,
) -> Stats {
	let visit = |x: f32, st: &mut Stats| st.add(x, f(x), reference(f64::from(x)));
	let mut st = Stats::default();
	if lo < 0.0 || lo.to_bits() == 0x8000_0000 {
		// Negative part: patterns from -0 up to lo's.
		let top = if hi < 0.0 { hi.to_bits() } else { 0x8000_0000 };
		st.merge(&sweep_bits(top, lo.to_bits(), stride, visit));
	}
	if hi >= 0.0 {
		let bottom = if lo > 0.0 { lo.to_bits() } else { 0 };
		st.merge(&sweep_bits(bottom, hi.to_bits(), stride, visit));
	}
	st
}

fn check(name: &str, st: &Stats, bound: u64) {
	st.report(name);
	assert_eq!(st.class_errors, 0, "{name}: wrong class or symmetry at {:e}", st.class_x);
	assert!(st.max_steps <= bound, "{name}: {} ulp > {bound} at {:e}", st.max_steps, st.worst_x);
}

// ---- float64 references ----

fn sigmoid64(x: f64) -> f64 {
	if x < 0.0 {
		let e = libm::exp(x);
		e / (1.0 + e)
	} else {
		1.0 / (1.0 + libm::exp(-x))
	}
}

fn gelu64(x: f64) -> f64 {
	0.5 * x * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

const MAX: f32 = f32::MAX;

fn run_exp(stride: u32) {
	let st = sweep(-104.0, 89.0, stride, math::exp, libm::exp);
	check("exp  [-104, 89]", &st, 1);
	// Every pattern where the result is subnormal or about to overflow.
	let st = sweep(-104.0, -87.0, 1, math::exp, libm::exp);
	check("exp  [-104, -87] (subnormal results), all", &st, 1);
	let st = sweep(88.0, 89.0, 1, math::exp, libm::exp);
	check("exp  [88, 89] (overflow boundary), all", &st, 1);
	let st = sweep(-1.0, 1.0, stride.min(31), math::exp, libm::exp);
	check("exp  [-1, 1]", &st, 1);
}

fn run_ln(stride: u32) {
	let st = sweep(f32::from_bits(1), MAX, stride, math::ln, libm::log);
	check("ln   (0, MAX]", &st, 1);
	let st = sweep(0.5, 2.0, stride.min(3), math::ln, libm::log);
	check("ln   [0.5, 2]", &st, 1);
	let st = sweep(f32::from_bits(1), f32::from_bits(0x007f_ffff), stride, math::ln, libm::log);
	check("ln   subnormals", &st, 1);
}

fn run_erf(stride: u32) {
	let odd = |x: f32, st: &mut Stats| {
		let y = math::erf(x);
		st.add(x, y, libm::erf(f64::from(x)));
		if math::erf(-x).to_bits() != (-y).to_bits() {
			st.fail(x);
		}
	};
	let st = sweep_bits(0, MAX.to_bits(), stride, odd);
	check("erf  [0, MAX] (and erf(-x) = -erf(x))", &st, 2);
	let st = sweep(0.0, 0.875, stride, math::erf, libm::erf);
	check("erf  [0, 0.875) (polynomial)", &st, 1);
	let st = sweep(0.5, 4.0, stride.min(5), math::erf, libm::erf);
	check("erf  [0.5, 4]", &st, 2);
}

fn run_tanh(stride: u32) {
	let odd = |x: f32, st: &mut Stats| {
		let y = math::tanh(x);
		st.add(x, y, libm::tanh(f64::from(x)));
		if math::tanh(-x).to_bits() != (-y).to_bits() {
			st.fail(x);
		}
	};
	let st = sweep_bits(0, MAX.to_bits(), stride, odd);
	check("tanh [0, MAX] (and tanh(-x) = -tanh(x))", &st, 2);
	let st = sweep(0.25, 2.0, stride.min(5), math::tanh, libm::tanh);
	check("tanh [0.25, 2]", &st, 2);
}

fn run_sigmoid(stride: u32) {
	let st = sweep(-MAX, MAX, stride, math::sigmoid, sigmoid64);
	check("sigmoid [-MAX, MAX]", &st, 2);
	let st = sweep(-105.0, 20.0, stride.min(31), math::sigmoid, sigmoid64);
	check("sigmoid [-105, 20]", &st, 2);
	let silu64 = |x: f64| x * sigmoid64(x);
	let st = sweep(-87.0, MAX, stride, math::silu, silu64);
	check("silu [-87, MAX]", &st, 3);
	// Below, sigmoid(x) is subnormal (its absolute error ≤ 1 subnormal ulp) and x · sigmoid(x)
	// multiplies that error by |x|.
	let st = sweep(-MAX, -87.0, stride, math::silu, silu64);
	st.report("silu [-MAX, -87] (sigmoid subnormal)");
	assert_eq!(st.class_errors, 0);
	assert!(st.max_abs < 1e-40, "silu abs error {}", st.max_abs);
}

fn run_gelu(stride: u32) {
	let st = sweep(0.0, MAX, stride, math::gelu_erf, gelu64);
	check("gelu_erf [0, MAX]", &st, 2);
	let st = sweep(-1.0, 0.0, stride.min(31), math::gelu_erf, gelu64);
	check("gelu_erf [-1, 0]", &st, 3);
	// Below -1, 1 + erf cancels: report, and bound the absolute error.
	let st = sweep(-MAX, -1.0, stride, math::gelu_erf, gelu64);
	st.report("gelu_erf [-MAX, -1] (cancellation in 1 + erf)");
	assert_eq!(st.class_errors, 0);
	assert!(st.max_abs < 1e-7, "gelu abs error {}", st.max_abs);
	let visit = |x: f32, s: &mut Stats| {
		let r = gelu64(f64::from(x));
		if r.abs() > 1e-30 {
			s.add(x, math::gelu_erf(x), r);
		}
	};
	let st = sweep_bits((-1.0f32).to_bits(), (-20.0f32).to_bits(), stride, visit);
	st.report("gelu_erf [-20, -1] where |gelu| > 1e-30");
}

fn run_sin_cos(stride: u32) {
	let lim = 131072.0f32; // 2^17
	let both = |x: f32, st: &mut Stats| {
		let (s, c) = math::sin_cos(x);
		assert_eq!(s.to_bits(), math::sin(x).to_bits());
		assert_eq!(c.to_bits(), math::cos(x).to_bits());
		st.add(x, s, libm::sin(f64::from(x)));
		st.add(x, c, libm::cos(f64::from(x)));
		let (sn, cn) = math::sin_cos(-x);
		if sn.to_bits() != (-s).to_bits() || cn.to_bits() != c.to_bits() {
			st.fail(x);
		}
	};
	let st = sweep_bits(0, lim.to_bits(), stride, both);
	check("sin, cos [0, 2^17) (and odd/even)", &st, 1);
	let st = sweep_bits(0.5f32.to_bits(), 8.0f32.to_bits(), stride.min(5), both);
	check("sin, cos [0.5, 8]", &st, 1);
	let st = sweep_bits(lim.to_bits(), 2147483648.0f32.to_bits(), stride.max(61), both);
	check("sin, cos [2^17, 2^31)", &st, 1);
	let beyond = sweep_bits(2147483648.0f32.to_bits(), MAX.to_bits(), stride.max(61) * 5, both);
	beyond.report("sin, cos [2^31, MAX] (outside the stated range)");
	assert_eq!(beyond.class_errors, 0);
	// RoPE angles: positions 0..8192 times frequencies 10000^(-2i/128).
	let mut rope = Stats::default();
	for i in 0..64 {
		let freq = math::powf_pos(10000.0, -(2 * i) as f32 / 128.0);
		for pos in 0..8192 {
			both(pos as f32 * freq, &mut rope);
		}
	}
	check("sin, cos at RoPE angles (8192 pos x 64 freq)", &rope, 1);
}

fn run_powf(stride: u32) {
	// RoPE tables: theta^(-2i/d).
	let mut rope = Stats::default();
	for theta in [10000.0f32, 500000.0, 1000000.0] {
		for d in [32u32, 64, 80, 96, 128, 256] {
			for i in 0..d / 2 {
				let y = -((2 * i) as f32) / d as f32;
				rope.add(y, math::powf_pos(theta, y), libm::pow(f64::from(theta), f64::from(y)));
			}
		}
	}
	check("powf_pos RoPE tables (theta 1e4..1e6)", &rope, 12);
	// A general grid: base in (0, MAX], y in [-2, 2].
	let mut grid = Stats::default();
	let ys: Vec<f32> = (-64..=64).map(|k| k as f32 / 32.0).collect();
	let base_stride = stride.max(61) * 4099;
	let bases = sweep_bits(1, MAX.to_bits(), base_stride, |b, st| {
		for &y in &ys {
			let r = libm::pow(f64::from(b), f64::from(y));
			if r < f64::from(MAX) && r > 1e-30 {
				st.add(b, math::powf_pos(b, y), r);
			}
		}
	});
	grid.merge(&bases);
	grid.report("powf_pos base in (0, MAX], y in [-2, 2] (no bound)");
	assert_eq!(grid.class_errors, 0);
}

#[test]
fn exp_accuracy() {
	run_exp(STRIDE);
}

#[test]
fn ln_accuracy() {
	run_ln(STRIDE);
}

#[test]
fn erf_accuracy() {
	run_erf(STRIDE);
}

#[test]
fn tanh_accuracy() {
	run_tanh(STRIDE);
}

#[test]
fn sigmoid_silu_accuracy() {
	run_sigmoid(STRIDE);
}

#[test]
fn gelu_accuracy() {
	run_gelu(STRIDE);
}

#[test]
fn sin_cos_accuracy() {
	run_sin_cos(STRIDE);
}

#[test]
fn powf_pos_accuracy() {
	run_powf(STRIDE);
}

/// Every bit pattern (minutes on a few cores): `-- --ignored exhaustive --nocapture`.
#[test]
#[ignore]
fn exhaustive() {
	run_exp(1);
	run_ln(1);
	run_erf(1);
	run_tanh(1);
	run_sigmoid(1);
	run_gelu(1);
	run_sin_cos(1);
	run_powf(1);
}

fn same(a: f32, b: f32) -> bool {
	a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[track_caller]
fn is(got: f32, want: f32) {
	assert!(same(got, want), "got {got:e} ({:#010x}), want {want:e}", got.to_bits());
}

/// Within 1 step of the correctly rounded `want`.
#[track_caller]
fn near(got: f32, want: f64) {
	assert!(steps(got, want as f32) <= 1, "got {got:e}, want {want:e}");
}

#[test]
fn special_values() {
	// The constants math.rs takes from core (fit_math.py prints these bits).
	assert_eq!(core::f32::consts::LOG2_E.to_bits(), 0x3fb8_aa3b);
	assert_eq!(core::f32::consts::SQRT_2.to_bits(), 0x3fb5_04f3);
	assert_eq!(core::f32::consts::FRAC_PI_4.to_bits(), 0x3f49_0fdb);
	assert_eq!(core::f32::consts::FRAC_PI_2.to_bits(), 0x3fc9_0fdb);
	let (inf, nan) = (f32::INFINITY, f32::NAN);
	let min_sub = f32::from_bits(1);
	// exp
	is(math::exp(0.0), 1.0);
	is(math::exp(-0.0), 1.0);
	is(math::exp(inf), inf);
	is(math::exp(-inf), 0.0);
	is(math::exp(nan), nan);
	is(math::exp(88.72283), 3.4027985e38); // correctly rounded: 3.4027983e38 (1 ulp)
	is(math::exp(88.72284), inf);
	is(math::exp(89.0), inf);
	is(math::exp(MAX), inf);
	is(math::exp(-MAX), 0.0);
	is(math::exp(-103.972), min_sub); // e^x just above 2^-150
	is(math::exp(-103.973), 0.0); // just below
							   // ln(2^-126) = -87.336544...: the last normal result and the first subnormal one.
	assert!(math::exp(-87.33654) >= f32::MIN_POSITIVE);
	assert!(math::exp(-87.33655) < f32::MIN_POSITIVE);
	is(math::exp(1.0), core::f32::consts::E);
	is(math::exp(min_sub), 1.0);
	// ln
	is(math::ln(1.0), 0.0);
	is(math::ln(0.0), -inf);
	is(math::ln(-0.0), -inf);
	is(math::ln(-1.0), nan);
	is(math::ln(-min_sub), nan);
	is(math::ln(-inf), nan);
	is(math::ln(inf), inf);
	is(math::ln(nan), nan);
	for x in [min_sub, f32::from_bits(0x007f_ffff), f32::MIN_POSITIVE, MAX] {
		near(math::ln(x), libm::log(f64::from(x)));
	}
	is(math::ln(core::f32::consts::E), 1.0);
	is(math::ln(2.0), core::f32::consts::LN_2);
	// erf
	is(math::erf(0.0), 0.0);
	is(math::erf(-0.0), -0.0);
	is(math::erf(inf), 1.0);
	is(math::erf(-inf), -1.0);
	is(math::erf(nan), nan);
	is(math::erf(min_sub), min_sub); // 1.128 · 2^-149 rounds to 2^-149
	is(math::erf(4.0), 1.0);
	is(math::erf(-4.0), -1.0);
	is(math::erf(3.919206), 1.0);
	assert!(math::erf(3.9192057) < 1.0);
	// tanh
	is(math::tanh(0.0), 0.0);
	is(math::tanh(-0.0), -0.0);
	is(math::tanh(inf), 1.0);
	is(math::tanh(-inf), -1.0);
	is(math::tanh(nan), nan);
	is(math::tanh(min_sub), min_sub);
	is(math::tanh(-min_sub), -min_sub);
	is(math::tanh(10.0), 1.0);
	is(math::tanh(MAX), 1.0);
	// sigmoid, silu
	is(math::sigmoid(0.0), 0.5);
	is(math::sigmoid(-0.0), 0.5);
	is(math::sigmoid(inf), 1.0);
	is(math::sigmoid(-inf), 0.0);
	is(math::sigmoid(nan), nan);
	is(math::sigmoid(MAX), 1.0);
	is(math::sigmoid(-MAX), 0.0);
	near(math::sigmoid(-100.0), libm::exp(-100.0)); // subnormal, e^-100
	is(math::sigmoid(20.0), 1.0);
	is(math::silu(0.0), 0.0);
	is(math::silu(-0.0), -0.0);
	is(math::silu(inf), inf);
	is(math::silu(-inf), -0.0);
	is(math::silu(nan), nan);
	is(math::silu(-MAX), -0.0);
	is(math::silu(MAX), MAX);
	// gelu
	is(math::gelu_erf(0.0), 0.0);
	is(math::gelu_erf(-0.0), -0.0);
	is(math::gelu_erf(inf), inf);
	is(math::gelu_erf(-inf), -0.0);
	is(math::gelu_erf(nan), nan);
	is(math::gelu_erf(MAX), MAX);
	is(math::gelu_erf(-10.0), -0.0);
	// sin, cos
	is(math::sin(0.0), 0.0);
	is(math::sin(-0.0), -0.0);
	is(math::cos(0.0), 1.0);
	is(math::cos(-0.0), 1.0);
	is(math::sin(min_sub), min_sub);
	is(math::sin(-min_sub), -min_sub);
	is(math::cos(min_sub), 1.0);
	for v in [inf, -inf, nan] {
		is(math::sin(v), nan);
		is(math::cos(v), nan);
	}
	let s = math::sin(MAX);
	let c = math::cos(MAX);
	assert!((s * s + c * c - 1.0).abs() < 1e-6, "sin²+cos² of MAX");
	// powf_pos
	is(math::powf_pos(1.0, 123.0), 1.0);
	is(math::powf_pos(7.0, 0.0), 1.0);
	is(math::powf_pos(2.0, 10.0), 1024.0);
	is(math::powf_pos(inf, 1.0), inf);
	is(math::powf_pos(inf, -1.0), 0.0);
	is(math::powf_pos(0.0, 1.0), 0.0);
	is(math::powf_pos(0.0, -1.0), inf);
	is(math::powf_pos(0.0, 0.0), nan);
	is(math::powf_pos(-2.0, 2.0), nan);
}
