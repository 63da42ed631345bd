//! # OPG canonical kernels
//!
//! The arithmetic of OPG inference, defined once. Every operator the engine's models use is a
//! function here with an exact evaluation order, so that its output bits are a function of its
//! inputs alone: the same on every CPU, with any number of threads, in any batch, natively in
//! the engine (`opg-inference`) and compiled to WASM in the runtime (which is what lets the
//! runtime re-execute one step of a disputed inference).
//!
//! ## The rules every definition follows
//! * **Operations**: only IEEE 754 binary32 `+`, `−`, `×`, `÷` and `sqrt` (all correctly rounded,
//!   round to nearest even, on every target), comparisons and selections, and exact conversions.
//!   **Never a fused multiply-add**: `a * b + c` is two roundings everywhere (Rust never
//!   contracts it, and no kernel calls `mul_add`), because SSE2, AVX without FMA and WASM have
//!   no FMA and emulating one would be slow.
//! * **Integers**: quantized weights ([`quant`]: GGUF's `Q4_1` and `Q8_0`) are multiplied by
//!   8-bit activations as exact integers, block by block; an exact integer sum has one value in
//!   any order, so only the few float operations per block have an order to define.
//! * **Reductions** (sums, dot products, maxima) have one order, [`lanes`]: eight interleaved
//!   lanes, then a fixed tree. Not the vector width, not the thread count, not a cache size.
//! * **Elementary functions** (`exp`, `erf`, `tanh`, …) are this crate's own ([`math`]), made of
//!   the operations above, never the platform's libm; their accuracy is measured against a
//!   float64 reference over a dense sweep (`tests/accuracy.rs`).
//! * **Rows are independent**: row `i` of a batch is computed from row `i` of the input and the
//!   weights only, by the same operations as that row alone (batch invariance).
//! * **NaN**: a NaN's payload is not defined by IEEE 754 arithmetic and differs between CPUs;
//!   whether a value is NaN is. Kernels never branch on NaN payloads, and everything that leaves
//!   the engine (outputs and trace hashes) goes through [`canonical_nan`], which maps every NaN
//!   to `0x7fc0_0000`.
//! * **Subnormals** are kept: no target flushes them to zero (Rust never sets FTZ/DAZ on x86-64
//!   or aarch64, and WASM has none), and no kernel does.
//!
//! ## Fast paths
//! Each hot kernel is plain Rust, compiled several times ([`Isa`]): the target's baseline and,
//! on x86-64, with AVX, AVX2 and AVX-512F enabled. The compiler vectorises the lane-wise loops;
//! since it may neither fuse nor reassociate, every copy gives the bits of the definition
//! (`tests/paths.rs` checks every copy the CPU can run against the baseline on random shapes and
//! edge values). Threads are the caller's: split rows across threads, never a reduction.
//!
//! ## Versions
//! [`OPSET`] names this set of definitions. Changing any kernel's order or any constant of
//! [`math`] changes bits, so it must come with a new [`OPSET`]; a result records the opset it
//! was computed under, and an engine keeps the old definition for as long as results made under
//! it can still be checked.
#![no_std]
#![allow(
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "numeric kernels: every public entry checks the lengths of its slices against its \
	          dimensions (ShapeError), and the index arithmetic inside stays within them"
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod isa;
pub mod lanes;
pub mod math;
pub mod ops;
pub mod probe;
pub mod quant;

pub use isa::Isa;
pub use ops::ShapeError;

/// The version of the arithmetic defined by this crate (see the crate docs, "Versions").
pub const OPSET: u16 = 1;

/// The square root, correctly rounded (IEEE 754 requires it of every target: the hardware's
/// instruction on x86-64, aarch64 and wasm32).
#[inline(always)]
pub fn sqrt(x: f32) -> f32 {
	libm::sqrtf(x)
}

/// The canonical quiet NaN every NaN becomes on the way out of the engine.
pub const CANONICAL_NAN: f32 = f32::from_bits(0x7fc0_0000);

/// `x`, or [`CANONICAL_NAN`] if `x` is any NaN.
#[inline(always)]
pub fn canonical_nan(x: f32) -> f32 {
	if x.is_nan() {
		CANONICAL_NAN
	} else {
		x
	}
}
