//! The one order of every reduction: eight interleaved lanes, then a fixed tree.
//!
//! A reduction of `x[0..n]` (a sum, a dot product, a maximum) is defined as:
//!
//! 1. eight lane accumulators, all starting at the reduction's identity (`+0.0` for sums, `-∞`
//!    for maxima); element `i` goes into lane `i mod 8`, in increasing `i` (for a dot product,
//!    the element is the rounded product `a[i] * b[i]`, then added: never fused);
//! 2. the lanes combined by [`combine`]: `t_j = l_j ⊕ l_{j+4}` (j < 4), `u_j = t_j ⊕ t_{j+2}`
//!    (j < 2), result `u_0 ⊕ u_1`.
//!
//! This is what an 8-wide vector unit does naturally (one 256-bit register of accumulators, then
//! the usual halving horizontal reduction), and what 4-wide units (two registers), 16-wide units
//! (half a register) and scalar code reproduce exactly. It never depends on the vector width,
//! thread count, cache sizes or batch. Eight lanes also keep long sums accurate: each lane sums
//! `n/8` terms.
//!
//! Sums start at `+0.0` (not at the first element), so no lane ever holds `-0.0`: `+0 + -0` is
//! `+0`, and exact cancellation rounds to `+0`. Hence adding terms that are exactly zero (masked
//! positions, zero probabilities) never changes a sum's bits.

/// Lanes of every reduction.
pub const LANES: usize = 8;

/// Combines eight lane partial results by the fixed tree (see the module docs), with `op`.
#[inline(always)]
pub fn combine_with(l: [f32; LANES], op: impl Fn(f32, f32) -> f32) -> f32 {
	let [l0, l1, l2, l3, l4, l5, l6, l7] = l;
	let (t0, t1, t2, t3) = (op(l0, l4), op(l1, l5), op(l2, l6), op(l3, l7));
	let (u0, u1) = (op(t0, t2), op(t1, t3));
	op(u0, u1)
}

/// Combines eight lane sums by the fixed tree.
#[inline(always)]
pub fn combine(l: [f32; LANES]) -> f32 {
	combine_with(l, |a, b| a + b)
}

/// The canonical maximum of two values: `a` if `a > b`, else `b` (so a NaN `a` yields `b`, a
/// NaN `b` yields `b`, and of `+0`/`-0` the second).
#[inline(always)]
pub fn max(a: f32, b: f32) -> f32 {
	if a > b {
		a
	} else {
		b
	}
}

/// `Σ x[i]` in the canonical order.
#[inline(always)]
pub fn sum(x: &[f32]) -> f32 {
	let mut acc = [0f32; LANES];
	let chunks = x.chunks_exact(LANES);
	let tail = chunks.remainder();
	for chunk in chunks {
		for (a, v) in acc.iter_mut().zip(chunk) {
			*a += *v;
		}
	}
	for (a, v) in acc.iter_mut().zip(tail) {
		*a += *v;
	}
	combine(acc)
}

/// `Σ a[i]·b[i]` in the canonical order, over the shorter of the two lengths (callers pass equal
/// lengths).
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
	let mut acc = [0f32; LANES];
	let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
	let (a_tail, b_tail) = (a_chunks.remainder(), b_chunks.remainder());
	for (x, y) in a_chunks.zip(b_chunks) {
		for ((acc, x), y) in acc.iter_mut().zip(x).zip(y) {
			*acc += *x * *y;
		}
	}
	for ((acc, x), y) in acc.iter_mut().zip(a_tail).zip(b_tail) {
		*acc += *x * *y;
	}
	combine(acc)
}

/// `Σ x[i]²` in the canonical order.
#[inline(always)]
pub fn sum_squares(x: &[f32]) -> f32 {
	dot(x, x)
}

/// `Σ (x[i] − c)²` in the canonical order (each difference rounded, then squared and rounded).
#[inline(always)]
pub fn sum_squared_deviations(x: &[f32], c: f32) -> f32 {
	let mut acc = [0f32; LANES];
	let chunks = x.chunks_exact(LANES);
	let tail = chunks.remainder();
	for chunk in chunks {
		for (a, v) in acc.iter_mut().zip(chunk) {
			let d = *v - c;
			*a += d * d;
		}
	}
	for (a, v) in acc.iter_mut().zip(tail) {
		let d = *v - c;
		*a += d * d;
	}
	combine(acc)
}

/// The canonical maximum of `x` (`-∞` for an empty slice), by [`max`] in lanes and tree.
#[inline(always)]
pub fn maximum(x: &[f32]) -> f32 {
	let mut acc = [f32::NEG_INFINITY; LANES];
	let chunks = x.chunks_exact(LANES);
	let tail = chunks.remainder();
	for chunk in chunks {
		for (a, v) in acc.iter_mut().zip(chunk) {
			*a = max(*v, *a);
		}
	}
	for (a, v) in acc.iter_mut().zip(tail) {
		*a = max(*v, *a);
	}
	combine_with(acc, max)
}
