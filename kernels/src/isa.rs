//! Which compiled copy of a kernel runs: [`Isa`].
//!
//! Every hot kernel is written once, as plain Rust over `f32` (see the crate docs), and compiled
//! several times: for the target's baseline (SSE2 on x86-64, NEON on aarch64, scalar on wasm32)
//! and, on x86-64, again with AVX, AVX2 and AVX-512F enabled, where the compiler vectorises the
//! same lane-wise loops wider. Rust never contracts `a * b + c` into a fused multiply-add and
//! never reassociates floating-point operations, so every copy computes exactly the operations
//! of the definition, in its order: the copies differ in speed only, never in bits (tested in
//! `tests/paths.rs` against the baseline, and across CPUs by the probe).
//!
//! An [`Isa`] can only be made by detecting the running CPU ([`Isa::detect`], `std`) or as the
//! [`Isa::baseline`], so a copy is never run on a CPU without its features.

/// A set of instruction-set extensions the running CPU has, naming the compiled copy of each
/// kernel to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Isa(pub(crate) Level);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Level {
	Baseline,
	#[cfg(target_arch = "x86_64")]
	Avx,
	#[cfg(target_arch = "x86_64")]
	Avx2,
	#[cfg(target_arch = "x86_64")]
	Avx512,
}

impl Isa {
	/// The target's baseline: runs everywhere the binary runs.
	pub const fn baseline() -> Self {
		Isa(Level::Baseline)
	}

	/// The widest copy the running CPU can run (`OPG_KERNELS_ISA=baseline|avx|avx2|avx512`
	/// lowers it, never raises it above what the CPU has).
	#[cfg(feature = "std")]
	pub fn detect() -> Self {
		let all = Self::available();
		let widest = all.last().copied().unwrap_or_else(Self::baseline);
		match std::env::var("OPG_KERNELS_ISA") {
			Ok(name) => all.into_iter().find(|isa| isa.name() == name).unwrap_or(widest),
			Err(_) => widest,
		}
	}

	/// Every copy the running CPU can run, narrowest (the baseline) first.
	#[cfg(feature = "std")]
	pub fn available() -> std::vec::Vec<Self> {
		#[allow(unused_mut)]
		let mut all = std::vec![Self::baseline()];
		#[cfg(target_arch = "x86_64")]
		{
			if std::is_x86_feature_detected!("avx") {
				all.push(Isa(Level::Avx));
			}
			if std::is_x86_feature_detected!("avx2") {
				all.push(Isa(Level::Avx2));
			}
			if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl")
			{
				all.push(Isa(Level::Avx512));
			}
		}
		all
	}

	/// Its name: `baseline`, `avx`, `avx2` or `avx512`.
	pub const fn name(self) -> &'static str {
		match self.0 {
			Level::Baseline => "baseline",
			#[cfg(target_arch = "x86_64")]
			Level::Avx => "avx",
			#[cfg(target_arch = "x86_64")]
			Level::Avx2 => "avx2",
			#[cfg(target_arch = "x86_64")]
			Level::Avx512 => "avx512",
		}
	}
}

impl core::fmt::Display for Isa {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(self.name())
	}
}

/// Defines `$vis fn $name(isa: Isa, args…)` that runs `$body` compiled for the baseline or, on
/// x86-64, with AVX / AVX2 / AVX-512F enabled, as `isa` says. The body is one definition; the
/// copies are the compiler's (see the module docs). Helpers the body calls must be
/// `#[inline(always)]` to be compiled into each copy.
macro_rules! multiversion {
	($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
		$(#[$meta])*
		$vis fn $name(isa: $crate::Isa, $($arg: $ty),*) $(-> $ret)? {
			#[inline(always)]
			fn generic($($arg: $ty),*) $(-> $ret)? $body

			#[cfg(target_arch = "x86_64")]
			#[target_feature(enable = "avx")]
			fn avx($($arg: $ty),*) $(-> $ret)? { generic($($arg),*) }

			#[cfg(target_arch = "x86_64")]
			#[target_feature(enable = "avx2")]
			fn avx2($($arg: $ty),*) $(-> $ret)? { generic($($arg),*) }

			#[cfg(target_arch = "x86_64")]
			#[target_feature(enable = "avx512f,avx512vl")]
			fn avx512($($arg: $ty),*) $(-> $ret)? { generic($($arg),*) }

			match isa.0 {
				$crate::isa::Level::Baseline => generic($($arg),*),
				// SAFETY: an `Isa` above the baseline is only made by `Isa::detect` and
				// `Isa::available`, after the running CPU reported the feature.
				#[cfg(target_arch = "x86_64")]
				$crate::isa::Level::Avx => {
					#[allow(unsafe_code)]
					unsafe { avx($($arg),*) }
				}
				#[cfg(target_arch = "x86_64")]
				$crate::isa::Level::Avx2 => {
					#[allow(unsafe_code)]
					unsafe { avx2($($arg),*) }
				}
				#[cfg(target_arch = "x86_64")]
				$crate::isa::Level::Avx512 => {
					#[allow(unsafe_code)]
					unsafe { avx512($($arg),*) }
				}
			}
		}
	};
}

pub(crate) use multiversion;
