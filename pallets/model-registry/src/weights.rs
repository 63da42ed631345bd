//! Weights of `pallet-model-registry`.
//!
//! Until `scripts/benchmark.sh` regenerates this file from the benchmarks in
//! `benchmarking.rs`, these are estimates from the storage each call touches (one read and one
//! write of the model record, one balance hold), on ParityDB weights.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weight functions needed by `pallet-model-registry`.
pub trait WeightInfo {
	fn propose_model() -> Weight;
	fn list_model() -> Weight;
	fn reject_model() -> Weight;
	fn delist_model() -> Weight;
	fn set_price() -> Weight;
	fn set_uris() -> Weight;
	fn remove_model() -> Weight;
}

/// Weights for `pallet-model-registry` on the OPG runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn propose_model() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn list_model() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
	fn reject_model() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn delist_model() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn set_price() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn set_uris() -> Weight {
		Weight::from_parts(50_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn remove_model() -> Weight {
		Weight::from_parts(50_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
}

// For tests.
impl WeightInfo for () {
	fn propose_model() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
	fn list_model() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(2, 2))
	}
	fn reject_model() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
	fn delist_model() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
	fn set_price() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(1, 1))
	}
	fn set_uris() -> Weight {
		Weight::from_parts(50_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(3, 3))
	}
	fn remove_model() -> Weight {
		Weight::from_parts(50_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(3, 3))
	}
}
