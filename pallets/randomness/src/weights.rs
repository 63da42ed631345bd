//! Weights of `pallet_randomness`.
//!
//! **Estimated, not measured yet**: the benchmark (`benchmarking.rs`) is written and runs in the
//! unit tests; `scripts/benchmark.sh pallet_randomness` replaces this file with measured
//! figures. The estimate is deliberately generous: 1 ms for one sr25519 VRF verification in the
//! WASM runtime (schnorrkel verifies in ~0.1 ms natively), and the reads of the seed, the flag,
//! the Aura slot and its authorities (proof size for 100 authorities).

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet_randomness`.
pub trait WeightInfo {
	fn note_vrf() -> Weight;
}

/// Weights for `pallet_randomness` on a runtime with its own `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn note_vrf() -> Weight {
		Weight::from_parts(1_000_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
}

// For tests and the benchmarks' mock.
impl WeightInfo for () {
	fn note_vrf() -> Weight {
		Weight::from_parts(1_000_000_000, 4_000)
	}
}
