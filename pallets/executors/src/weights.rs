//! Weights of `pallet-executors`.
//!
//! Until `scripts/benchmark.sh` regenerates this file from the benchmarks in `benchmarking.rs`,
//! these are estimates from the storage each call touches, on ParityDB weights.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weight functions needed by `pallet-executors`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn bond_extra() -> Weight;
	fn set_key() -> Weight;
	fn unbond() -> Weight;
	fn withdraw() -> Weight;
}

/// Weights for `pallet-executors` on the OPG runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 6_000).saturating_add(T::DbWeight::get().reads_writes(6, 6))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(50_000_000, 6_000).saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn set_key() -> Weight {
		Weight::from_parts(30_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(2, 3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(30_000_000, 6_000).saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
	fn withdraw() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(4, 5))
	}
}

// For tests.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 6_000).saturating_add(ParityDbWeight::get().reads_writes(6, 6))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(50_000_000, 6_000).saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
	fn set_key() -> Weight {
		Weight::from_parts(30_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(2, 3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(30_000_000, 6_000).saturating_add(ParityDbWeight::get().reads_writes(2, 2))
	}
	fn withdraw() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(4, 5))
	}
}
