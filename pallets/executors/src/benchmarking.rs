//! Benchmarks of every call, with the active set full (worst case for its updates).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use sp_runtime::traits::{Bounded, One, Saturating, Zero};

fn key(n: u32) -> ExecutorKey {
	let mut raw = [0u8; 32];
	raw[..4].copy_from_slice(&n.to_le_bytes());
	ExecutorKey::from(sp_application_crypto::sr25519::Public::from_raw(raw))
}

/// A key generated in the keystore, with its proof of possession for `who` (what a node's
/// `author_rotateKeysWithOwner` gives).
fn proven_key<T: Config>(who: &T::AccountId) -> (ExecutorKey, ExecutorKeyProof) {
	use codec::Encode;
	use sp_runtime::RuntimeAppPublic;
	let mut key = ExecutorKey::generate_pair(None);
	let proof = key.generate_proof_of_possession(&who.encode()).unwrap();
	(key, proof)
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
		Pallet::<T>::do_register(funded::<T>(1_000 + n), key(1_000 + n), T::MinBond::get())
			.unwrap();
	}
}

fn delegator<T: Config>(n: u32) -> T::AccountId {
	let who: T::AccountId = account("delegator", n, 0);
	T::Currency::set_balance(&who, T::MinDelegation::get().saturating_mul(1_000u32.into()));
	who
}

/// A delegator `n` with ten times the minimum delegated to `executor`.
fn delegated<T: Config>(n: u32, executor: &T::AccountId) -> T::AccountId {
	let who = delegator::<T>(n);
	let amount = T::MinDelegation::get().saturating_mul(10u32.into());
	Pallet::<T>::delegate(RawOrigin::Signed(who.clone()).into(), executor.clone(), amount).unwrap();
	who
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		fill::<T>(1);
		let who = funded::<T>(0);
		let (key, proof) = proven_key::<T>(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key, T::MinBond::get(), proof);
		assert!(Executors::<T>::contains_key(&who));
	}

	#[benchmark]
	fn bond_extra() {
		fill::<T>(1);
		let who = funded::<T>(0);
		Pallet::<T>::do_register(who.clone(), key(0), T::MinBond::get()).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::MinBond::get());
		assert_eq!(
			Executors::<T>::get(&who).unwrap().bond,
			T::MinBond::get().saturating_mul(2u32.into())
		);
	}

	#[benchmark]
	fn set_key() {
		let who = funded::<T>(0);
		Pallet::<T>::do_register(who.clone(), key(0), T::MinBond::get()).unwrap();
		let (new, proof) = proven_key::<T>(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), new.clone(), proof);
		assert_eq!(KeyOwner::<T>::get(new), Some(who));
	}

	#[benchmark]
	fn unbond() {
		fill::<T>(1);
		let who = funded::<T>(0);
		Pallet::<T>::do_register(who.clone(), key(0), T::MinBond::get()).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(matches!(
			Executors::<T>::get(&who).unwrap().status,
			ExecutorStatus::Unbonding { .. }
		));
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

	#[benchmark]
	fn delegate() {
		fill::<T>(1);
		let executor = funded::<T>(0);
		Pallet::<T>::do_register(executor.clone(), key(0), T::MinBond::get()).unwrap();
		// A pool with a delegator already: the points are computed, not one per planck.
		delegated::<T>(1, &executor);
		let who = delegator::<T>(2);
		let amount = T::MinDelegation::get().saturating_mul(3u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), executor.clone(), amount);
		assert!(Delegations::<T>::contains_key(&executor, &who));
	}

	#[benchmark]
	fn undelegate() {
		fill::<T>(1);
		let executor = funded::<T>(0);
		Pallet::<T>::do_register(executor.clone(), key(0), T::MinBond::get()).unwrap();
		let who = delegated::<T>(1, &executor);
		let other = delegated::<T>(2, &executor);
		// Both parts of the pool in use.
		Pallet::<T>::undelegate(
			RawOrigin::Signed(other).into(),
			executor.clone(),
			T::MinDelegation::get(),
		)
		.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), executor.clone(), T::MinDelegation::get());
		assert!(!Delegations::<T>::get(&executor, &who).unwrap().unbonding_points.is_zero());
	}

	#[benchmark]
	fn withdraw_delegation() {
		let executor = funded::<T>(0);
		Pallet::<T>::do_register(executor.clone(), key(0), T::MinBond::get()).unwrap();
		let who = delegated::<T>(1, &executor);
		Pallet::<T>::undelegate(
			RawOrigin::Signed(who.clone()).into(),
			executor.clone(),
			BalanceOf::<T>::max_value(),
		)
		.unwrap();
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number()
				+ T::DelegationUnbondingPeriod::get()
				+ One::one(),
		);
		// The last one out: the delegation, its position and the pool are removed.
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), executor.clone());
		assert!(!Pools::<T>::contains_key(&executor));
	}

	#[benchmark]
	fn set_commission() {
		let who = funded::<T>(0);
		Pallet::<T>::do_register(who.clone(), key(0), T::MinBond::get()).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::MaxCommission::get());
		assert!(Executors::<T>::get(&who).unwrap().next_commission.is_some());
	}

	#[benchmark]
	fn set_validator_count() {
		#[extrinsic_call]
		_(RawOrigin::Root, T::MaxValidators::get());
		assert_eq!(ValidatorCount::<T>::get(), T::MaxValidators::get());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
