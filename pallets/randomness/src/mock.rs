//! A test runtime with the randomness pallet; the slot's author is set by the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate as pallet_randomness;
use frame_support::{derive_impl, parameter_types};
use sp_core::{
	crypto::{Pair as _, VrfSecret},
	sr25519,
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Randomness = pallet_randomness;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	/// The current slot and its author (`None`: no authority).
	pub static CurrentAuthor: Option<(u64, sr25519::Public)> = None;
}

pub struct TestAuthor;
impl crate::SlotAuthor for TestAuthor {
	fn author() -> Option<(u64, sr25519::Public)> {
		CurrentAuthor::get()
	}
}

impl pallet_randomness::Config for Test {
	type SlotAuthor = TestAuthor;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestAuthor;
}

/// A dev key by name (`//Alice`, ...).
pub fn key(name: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(name, None).unwrap()
}

/// `pair`'s VRF over the current seed at `slot`.
pub fn vrf_of(pair: &sr25519::Pair, slot: u64) -> crate::AuthorVrf {
	let transcript = crate::vrf_transcript(&crate::Seed::<Test>::get(), slot);
	crate::AuthorVrf::from_signature(&pair.vrf_sign(&transcript.into_sign_data()))
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper for TestAuthor {
	fn vrf() -> ([u8; 32], u64, sr25519::Public, crate::AuthorVrf) {
		crate::benchmark_vrf()
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	CurrentAuthor::set(None);
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
