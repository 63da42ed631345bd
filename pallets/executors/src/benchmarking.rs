//! Benchmarks of every call, with the active set full (worst case for its updates).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use sp_runtime::traits::{One, Saturating};

fn key(n: u32) -> ExecutorKey {
	let mut raw = [0u8; 32];
	raw[..4].copy_from_slice(&n.to_le_bytes());
	ExecutorKey::from(sp_application_crypto::sr25519::Public::from_raw(raw))
}

fn funded<T: Config>(n: u32) -> T::AccountId {
	let who: T::AccountId = account("executor", n, 0);
	// Enough for many bonds, small enough that 64 funded accounts cannot overflow the issuance.
	T::Currency::set_balance(&who, T::MinBond::get().saturating_mul(1_000u32.into()));
	who
}

/// Registers executors until only `free` more fit (genesis executors count).
fn fill<T: Config>(free: u32) {
	let count = T::MaxExecutors::get().saturating_sub(free).saturating_sub(Executors::<T>::count());
	for n in 0..count {
		Pallet::<T>::do_register(funded::<T>(1_000 + n), key(1_000 + n), T::MinBond::get()).unwrap();
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		fill::<T>(1);
		let who = funded::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key(0), T::MinBond::get());
		assert!(Executors::<T>::contains_key(&who));
	}

	#[benchmark]
	fn bond_extra() {
		fill::<T>(1);
		let who = funded::<T>(0);
		Pallet::<T>::do_register(who.clone(), key(0), T::MinBond::get()).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::MinBond::get());
		assert_eq!(Executors::<T>::get(&who).unwrap().bond, T::MinBond::get().saturating_mul(2u32.into()));
	}

	#[benchmark]
	fn set_key() {
		let who = funded::<T>(0);
		Pallet::<T>::do_register(who.clone(), key(0), T::MinBond::get()).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key(1));
		assert_eq!(KeyOwner::<T>::get(key(1)), Some(who));
	}

	#[benchmark]
	fn unbond() {
		fill::<T>(1);
		let who = funded::<T>(0);
		Pallet::<T>::do_register(who.clone(), key(0), T::MinBond::get()).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(matches!(Executors::<T>::get(&who).unwrap().status, ExecutorStatus::Unbonding { .. }));
	}

	#[benchmark]
	fn withdraw() {
		let who = funded::<T>(0);
		Pallet::<T>::do_register(who.clone(), key(0), T::MinBond::get()).unwrap();
		Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into()).unwrap();
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + T::UnbondingPeriod::get() + One::one(),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Executors::<T>::contains_key(&who));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
