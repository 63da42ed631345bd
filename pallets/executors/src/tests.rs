//! Unit tests: every call, every error, the selection.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{mock::*, Error, Event, ExecutorStatus, HoldReason};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use opg_primitives::{ExecutorSet, StakeLedger};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ExecutorBond.into(), &who)
}

fn register(who: AccountId, k: u8, bond: Balance) {
	assert_ok!(Executors::register(RuntimeOrigin::signed(who), key(k), bond));
}

#[test]
fn register_holds_the_bond_and_maps_the_key() {
	test(|| {
		register(ALICE, 1, 500);
		assert_eq!(held(ALICE), 500);
		assert_eq!(Executors::owner_of(&key(1)), Some(ALICE));
		assert_eq!(Executors::key_of(&ALICE), Some(key(1)));
		assert_eq!(Executors::active_count(), 1);
		System::assert_last_event(
			Event::Registered { executor: ALICE, key: key(1), bond: 500 }.into(),
		);
	});
}

#[test]
fn register_errors() {
	test(|| {
		register(ALICE, 1, 500);
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(ALICE), key(2), 500),
			Error::<Test>::AlreadyRegistered
		);
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(BOB), key(1), 500),
			Error::<Test>::KeyInUse
		);
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(BOB), key(2), MIN_BOND - 1),
			Error::<Test>::BondTooLow
		);
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(POOR), key(5), MIN_BOND),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Executors::register(RuntimeOrigin::none(), key(5), MIN_BOND),
			sp_runtime::DispatchError::BadOrigin
		);
		register(BOB, 2, 500);
		register(CHARLIE, 3, 500);
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(DAVE), key(4), 500),
			Error::<Test>::TooManyExecutors
		);
	});
}

#[test]
fn bond_extra_adds_to_bond_and_weight() {
	test(|| {
		register(ALICE, 1, 500);
		assert_ok!(Executors::bond_extra(RuntimeOrigin::signed(ALICE), 250));
		assert_eq!(held(ALICE), 750);
		assert_eq!(Executors::executor(&ALICE).unwrap().bond, 750);
		System::assert_last_event(Event::Bonded { executor: ALICE, amount: 250, bond: 750 }.into());
		assert_noop!(
			Executors::bond_extra(RuntimeOrigin::signed(BOB), 250),
			Error::<Test>::NotExecutor
		);
		assert_noop!(
			Executors::bond_extra(RuntimeOrigin::signed(ALICE), 1_000_000),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Executors::unbond(RuntimeOrigin::signed(ALICE)));
		assert_noop!(
			Executors::bond_extra(RuntimeOrigin::signed(ALICE), 1),
			Error::<Test>::NotActive
		);
	});
}

#[test]
fn set_key_moves_the_key() {
	test(|| {
		register(ALICE, 1, 500);
		register(BOB, 2, 500);
		assert_noop!(
			Executors::set_key(RuntimeOrigin::signed(ALICE), key(2)),
			Error::<Test>::KeyInUse
		);
		assert_noop!(
			Executors::set_key(RuntimeOrigin::signed(CHARLIE), key(9)),
			Error::<Test>::NotExecutor
		);
		assert_ok!(Executors::set_key(RuntimeOrigin::signed(ALICE), key(9)));
		assert_eq!(Executors::owner_of(&key(9)), Some(ALICE));
		assert_eq!(Executors::owner_of(&key(1)), None);
		System::assert_last_event(Event::KeyChanged { executor: ALICE, key: key(9) }.into());
	});
}

#[test]
fn unbond_then_withdraw_after_the_period() {
	test(|| {
		register(ALICE, 1, 500);
		assert_noop!(
			Executors::withdraw(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NotUnbonding
		);
		assert_ok!(Executors::unbond(RuntimeOrigin::signed(ALICE)));
		let unlocks_at = 1 + UNBONDING;
		assert_eq!(
			Executors::executor(&ALICE).unwrap().status,
			ExecutorStatus::Unbonding { unlocks_at }
		);
		assert_eq!(Executors::active_count(), 0);
		assert_eq!(Executors::select(&[7; 32], &[]), None);
		// Still answerable: the key still maps to the executor, and the bond is still held.
		assert_eq!(Executors::owner_of(&key(1)), Some(ALICE));
		assert_eq!(held(ALICE), 500);
		assert_noop!(Executors::unbond(RuntimeOrigin::signed(ALICE)), Error::<Test>::NotActive);
		System::set_block_number(unlocks_at - 1);
		assert_noop!(Executors::withdraw(RuntimeOrigin::signed(ALICE)), Error::<Test>::StillLocked);
		System::set_block_number(unlocks_at);
		assert_ok!(Executors::withdraw(RuntimeOrigin::signed(ALICE)));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), 10_000);
		assert_eq!(Executors::owner_of(&key(1)), None);
		System::assert_last_event(Event::Withdrawn { executor: ALICE, released: 500 }.into());
		assert_noop!(Executors::withdraw(RuntimeOrigin::signed(ALICE)), Error::<Test>::NotExecutor);
		// The key is free again.
		register(BOB, 1, 500);
	});
}

#[test]
fn select_is_weighted_by_bond_and_honours_exclusions() {
	test(|| {
		assert_eq!(Executors::select(&[0; 32], &[]), None);
		register(ALICE, 1, 100);
		register(BOB, 2, 300);
		let mut counts = [0u32; 2];
		for n in 0u32..4_000 {
			let seed = sp_io::hashing::blake2_256(&n.to_le_bytes());
			match Executors::select(&seed, &[]).unwrap() {
				ALICE => counts[0] += 1,
				BOB => counts[1] += 1,
				other => panic!("selected a non-executor {other}"),
			}
		}
		// Expected 1000 / 3000; a 5-sigma band is about ±140.
		assert!((860..=1140).contains(&counts[0]), "alice picked {} times", counts[0]);
		assert_eq!(counts[0] + counts[1], 4_000);
		for n in 0u32..50 {
			let seed = sp_io::hashing::blake2_256(&n.to_le_bytes());
			assert_eq!(Executors::select(&seed, &[BOB]), Some(ALICE));
		}
		assert_eq!(Executors::select(&[1; 32], &[ALICE, BOB]), None);
	});
}

#[test]
fn slash_moves_bond_and_chills_below_the_minimum() {
	test(|| {
		register(ALICE, 1, 250);
		register(BOB, 2, 500);
		let free_dave = Balances::free_balance(DAVE);
		// A slash within the bond keeps Alice active with the smaller bond in the draw.
		assert_eq!(Executors::slash(&ALICE, 100, &DAVE), 100);
		assert_eq!(held(ALICE), 150);
		assert_eq!(Executors::bond_of(&ALICE), 150);
		assert_eq!(Balances::free_balance(DAVE), free_dave + 100);
		assert!(crate::Active::<Test>::get().contains(&(ALICE, 150)));
		System::assert_last_event(
			Event::Slashed { executor: ALICE, amount: 100, from_bond: 100, to: DAVE, bond: 150 }
				.into(),
		);
		// Below MinBond: out of the draw, unbonding, the rest still held and slashable.
		assert_eq!(Executors::slash(&ALICE, 100, &DAVE), 100);
		assert_eq!(Executors::bond_of(&ALICE), 50);
		assert_eq!(
			Executors::executor(&ALICE).unwrap().status,
			ExecutorStatus::Unbonding { unlocks_at: 1 + UNBONDING }
		);
		assert_eq!(Executors::active_count(), 1);
		// Never more than the bond; nothing from a non-executor.
		assert_eq!(Executors::slash(&ALICE, 1_000, &DAVE), 50);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Executors::slash(&CHARLIE, 10, &DAVE), 0);
		assert_eq!(Balances::free_balance(DAVE), free_dave + 250);
	});
}
