//! Weights of `pallet-inference`.
//!
//! Until `scripts/benchmark.sh` regenerates this file from the benchmarks in `benchmarking.rs`,
//! these are estimates from the storage each call touches, on ParityDB weights.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weight functions needed by `pallet-inference`.
pub trait WeightInfo {
	fn request(b: u32, ) -> Weight;
	fn submit_result(b: u32, ) -> Weight;
	fn authorize_submit_result(b: u32, ) -> Weight;
	fn on_initialize(d: u32, w: u32, ) -> Weight;
	fn challenge() -> Weight;
	fn authorize_watcher_challenge() -> Weight;
	fn commit_vote() -> Weight;
	fn authorize_commit_vote() -> Weight;
	fn reveal_vote(b: u32, ) -> Weight;
	fn authorize_reveal_vote(b: u32, ) -> Weight;
	fn set_watch_fraction() -> Weight;
	fn process_disputes(x: u32, ) -> Weight;
}

/// Weights for `pallet-inference` on the OPG runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn request(b: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 8_000)
			.saturating_add(Weight::from_parts(2_000, 1).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads_writes(8, 6))
	}
	fn submit_result(b: u32, ) -> Weight {
		Weight::from_parts(120_000_000, 8_000)
			.saturating_add(Weight::from_parts(4_000, 1).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 5))
	}
	fn authorize_submit_result(b: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 8_000)
			.saturating_add(Weight::from_parts(4_000, 1).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(3))
	}
	fn on_initialize(d: u32, w: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 1_000)
			.saturating_add(Weight::from_parts(60_000_000, 8_000).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(80_000_000, 8_000).saturating_mul(w.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads_writes(8, 6).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads_writes(6, 6).saturating_mul(w.into()))
	}
	fn challenge() -> Weight {
		Weight::from_parts(120_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 6))
	}
	fn authorize_watcher_challenge() -> Weight {
		Weight::from_parts(150_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads(10))
	}
	fn commit_vote() -> Weight {
		Weight::from_parts(90_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads_writes(4, 2))
	}
	fn authorize_commit_vote() -> Weight {
		Weight::from_parts(90_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4))
	}
	fn reveal_vote(b: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(Weight::from_parts(4_000, 1).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads_writes(5, 3))
	}
	fn authorize_reveal_vote(b: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(Weight::from_parts(4_000, 1).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(5))
	}
	fn set_watch_fraction() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn process_disputes(x: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 4_000)
			.saturating_add(Weight::from_parts(400_000_000, 40_000).saturating_mul(x.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().reads_writes(30, 30).saturating_mul(x.into()))
	}
}

// For tests.
impl WeightInfo for () {
	fn request(b: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 8_000)
			.saturating_add(Weight::from_parts(2_000, 1).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(8, 6))
	}
	fn submit_result(b: u32, ) -> Weight {
		Weight::from_parts(120_000_000, 8_000)
			.saturating_add(Weight::from_parts(4_000, 1).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(4, 5))
	}
	fn authorize_submit_result(b: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 8_000)
			.saturating_add(Weight::from_parts(4_000, 1).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
	}
	fn on_initialize(d: u32, w: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 1_000)
			.saturating_add(Weight::from_parts(60_000_000, 8_000).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(80_000_000, 8_000).saturating_mul(w.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().reads_writes(8, 6).saturating_mul(d.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(6, 6).saturating_mul(w.into()))
	}
	fn challenge() -> Weight {
		Weight::from_parts(120_000_000, 12_000)
			.saturating_add(ParityDbWeight::get().reads_writes(10, 6))
	}
	fn authorize_watcher_challenge() -> Weight {
		Weight::from_parts(150_000_000, 12_000)
			.saturating_add(ParityDbWeight::get().reads(10))
	}
	fn commit_vote() -> Weight {
		Weight::from_parts(90_000_000, 6_000)
			.saturating_add(ParityDbWeight::get().reads_writes(4, 2))
	}
	fn authorize_commit_vote() -> Weight {
		Weight::from_parts(90_000_000, 6_000)
			.saturating_add(ParityDbWeight::get().reads(4))
	}
	fn reveal_vote(b: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(Weight::from_parts(4_000, 1).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(5, 3))
	}
	fn authorize_reveal_vote(b: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(Weight::from_parts(4_000, 1).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(5))
	}
	fn set_watch_fraction() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn process_disputes(x: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 4_000)
			.saturating_add(Weight::from_parts(400_000_000, 40_000).saturating_mul(x.into()))
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().reads_writes(30, 30).saturating_mul(x.into()))
	}
}
