//! Unit tests: every call, every error, the selection.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{mock::*, Error, Event, ExecutorStatus, HoldReason};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use opg_primitives::{ExecutorSet, Slashed, StakeLedger};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ExecutorBond.into(), &who)
}

fn register(who: AccountId, k: u8, bond: Balance) {
	assert_ok!(Executors::register(RuntimeOrigin::signed(who), key(k), bond, proof(k, who)));
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
			Executors::register(RuntimeOrigin::signed(ALICE), key(2), 500, proof(2, ALICE)),
			Error::<Test>::AlreadyRegistered
		);
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(BOB), key(1), 500, proof(1, BOB)),
			Error::<Test>::KeyInUse
		);
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(BOB), key(2), MIN_BOND - 1, proof(2, BOB)),
			Error::<Test>::BondTooLow
		);
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(POOR), key(5), MIN_BOND, proof(5, POOR)),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Executors::register(RuntimeOrigin::none(), key(5), MIN_BOND, proof(5, 0)),
			sp_runtime::DispatchError::BadOrigin
		);
		register(BOB, 2, 500);
		register(CHARLIE, 3, 500);
		// MaxExecutors = 3 active: a fourth needs more stake than the least-staked one.
		assert_noop!(
			Executors::register(RuntimeOrigin::signed(DAVE), key(4), 500, proof(4, DAVE)),
			Error::<Test>::TooManyExecutors
		);
	});
}

#[test]
fn a_full_active_set_takes_a_larger_newcomer_and_unbonding_executors_hold_no_place() {
	test(|| {
		// The attack: fill every place with the minimum bond, then leave (unbond) at once.
		for (who, k) in [(ALICE, 1), (BOB, 2), (CHARLIE, 3)] {
			register(who, k, MIN_BOND);
			assert_ok!(Executors::unbond(RuntimeOrigin::signed(who)));
		}
		// Nobody is active: an honest executor registers.
		register(DAVE, 4, 500);
		register(EVE, 5, 200);
		register(FERDIE, 6, 300);
		assert_eq!(Executors::active_count(), 3);
		// Full: Alice comes back with more stake than the least (Eve, 200) and takes her place.
		assert_noop!(
			Executors::bond_extra(RuntimeOrigin::signed(ALICE), 100),
			Error::<Test>::TooManyExecutors
		);
		assert_ok!(Executors::bond_extra(RuntimeOrigin::signed(ALICE), 150));
		System::assert_has_event(Event::Displaced { executor: EVE, by: ALICE }.into());
		System::assert_has_event(Event::Rejoined { executor: ALICE }.into());
		assert!(matches!(
			Executors::executor(&EVE).unwrap().status,
			ExecutorStatus::Unbonding { .. }
		));
		let mut active: Vec<AccountId> =
			crate::Active::<Test>::get().into_iter().map(|(a, _)| a).collect();
		active.sort();
		assert_eq!(active, vec![ALICE, DAVE, FERDIE]);
	});
}

#[test]
fn an_executor_out_on_a_penalty_tops_up_and_rejoins_but_a_faulted_one_cannot() {
	test(|| {
		register(ALICE, 1, 150);
		register(BOB, 2, 500);
		// A penalty takes Alice below the minimum: she stops taking work...
		Executors::penalize(&ALICE, 100);
		assert!(matches!(
			Executors::executor(&ALICE).unwrap().status,
			ExecutorStatus::Unbonding { .. }
		));
		// ...tops up, and is back (not enough first: the bond stays below the minimum).
		assert_ok!(Executors::bond_extra(RuntimeOrigin::signed(ALICE), 10));
		assert!(!crate::Active::<Test>::get().iter().any(|(a, _)| *a == ALICE));
		assert_ok!(Executors::bond_extra(RuntimeOrigin::signed(ALICE), 50));
		assert_eq!(Executors::executor(&ALICE).unwrap().status, ExecutorStatus::Active);
		assert!(crate::Active::<Test>::get().contains(&(ALICE, 110)));
		System::assert_last_event(Event::Rejoined { executor: ALICE }.into());
		// A lost dispute is final for this registration.
		Executors::slash_fault(&BOB, 10, |_| vec![]);
		assert_noop!(
			Executors::bond_extra(RuntimeOrigin::signed(BOB), 1_000),
			Error::<Test>::Faulted
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
		// Unbonding, a top-up takes it back (see the rejoin tests).
		assert_ok!(Executors::unbond(RuntimeOrigin::signed(ALICE)));
		assert_ok!(Executors::bond_extra(RuntimeOrigin::signed(ALICE), 1));
		assert_eq!(Executors::executor(&ALICE).unwrap().status, ExecutorStatus::Active);
	});
}

#[test]
fn a_key_cannot_be_registered_without_its_proof_of_possession() {
	test(|| {
		register(ALICE, 1, 500);
		// Bob squats key 2, which Charlie's node holds: with Charlie's proof (public once
		// Charlie registers or sets session keys), or with none, it is refused.
		for proof in [proof(2, CHARLIE), proof(3, BOB)] {
			assert_noop!(
				Executors::register(RuntimeOrigin::signed(BOB), key(2), 500, proof.clone()),
				Error::<Test>::BadKeyProof
			);
			assert_noop!(
				Executors::set_key(RuntimeOrigin::signed(ALICE), key(2), proof),
				Error::<Test>::BadKeyProof
			);
		}
		assert_ok!(Executors::register(
			RuntimeOrigin::signed(CHARLIE),
			key(2),
			500,
			proof(2, CHARLIE)
		));
		assert_eq!(Executors::owner_of(&key(2)), Some(CHARLIE));
	});
}

#[test]
fn set_key_moves_the_key() {
	test(|| {
		register(ALICE, 1, 500);
		register(BOB, 2, 500);
		assert_noop!(
			Executors::set_key(RuntimeOrigin::signed(ALICE), key(2), proof(2, ALICE)),
			Error::<Test>::KeyInUse
		);
		assert_noop!(
			Executors::set_key(RuntimeOrigin::signed(CHARLIE), key(9), proof(9, CHARLIE)),
			Error::<Test>::NotExecutor
		);
		assert_ok!(Executors::set_key(RuntimeOrigin::signed(ALICE), key(9), proof(9, ALICE)));
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
fn penalties_take_the_bond_to_the_treasury_and_chill_below_the_minimum() {
	test(|| {
		register(ALICE, 1, 250);
		register(BOB, 2, 500);
		let treasury = Balances::free_balance(TREASURY);
		let penalized = |amount| Executors::penalize(&ALICE, amount);
		// A penalty within the bond keeps Alice active with the smaller bond in the draw.
		assert_eq!(penalized(100), Slashed { from_bond: 100, from_pool: 0, paid: vec![] });
		assert_eq!(held(ALICE), 150);
		assert_eq!(Executors::bond_of(&ALICE), 150);
		assert_eq!(Balances::free_balance(TREASURY), treasury + 100);
		assert!(crate::Active::<Test>::get().contains(&(ALICE, 150)));
		System::assert_last_event(
			Event::Slashed {
				executor: ALICE,
				from_bond: 100,
				paid: 0,
				from_pool: 0,
				bond: 150,
				fault: false,
			}
			.into(),
		);
		// Below MinBond: out of the draw, unbonding, the rest still held and slashable.
		assert_eq!(penalized(100).from_bond, 100);
		assert_eq!(Executors::bond_of(&ALICE), 50);
		assert_eq!(
			Executors::executor(&ALICE).unwrap().status,
			ExecutorStatus::Unbonding { unlocks_at: 1 + UNBONDING }
		);
		assert_eq!(Executors::active_count(), 1);
		// Never more than the bond; nothing from a non-executor.
		assert_eq!(penalized(1_000).from_bond, 50);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Executors::penalize(&CHARLIE, 10), Slashed::default());
		assert_eq!(Balances::free_balance(TREASURY), treasury + 250);
	});
}

#[test]
fn a_fault_pays_only_from_the_bond_counts_once_and_ends_the_work() {
	test(|| {
		register(ALICE, 1, 1_000);
		register(BOB, 2, 1_000);
		assert_ok!(Executors::delegate(RuntimeOrigin::signed(CHARLIE), ALICE, 600));
		assert_ok!(Executors::delegate(RuntimeOrigin::signed(DAVE), ALICE, 400));
		assert_ok!(Executors::undelegate(RuntimeOrigin::signed(DAVE), ALICE, 400));
		let (treasury, eve, ferdie) = (
			Balances::free_balance(TREASURY),
			Balances::free_balance(EVE),
			Balances::free_balance(FERDIE),
		);
		// 1,500 of a 2,000 stake: the whole bond, then 500 of the pool (300 active, 200
		// unbonding). The payees ask for 1,200 of the 1,000 the bond lost: Ferdie gets the last
		// 200 of it; the pool's part goes to the treasury.
		let mut offered = None;
		let taken = Executors::slash_fault(&ALICE, 1_500, |from_bond| {
			offered = Some(from_bond);
			vec![(EVE, 800), (FERDIE, 400)]
		});
		assert_eq!(offered, Some(1_000));
		assert_eq!(
			taken,
			Slashed { from_bond: 1_000, from_pool: 500, paid: vec![(EVE, 800), (FERDIE, 200)] }
		);
		assert_eq!(Balances::free_balance(EVE), eve + 800);
		assert_eq!(Balances::free_balance(FERDIE), ferdie + 200);
		assert_eq!(Balances::free_balance(TREASURY), treasury + 500);
		assert_eq!(Executors::delegation_value(&ALICE, &CHARLIE), Some((300, 0)));
		assert_eq!(Executors::delegation_value(&ALICE, &DAVE), Some((0, 200)));
		System::assert_has_event(
			Event::Slashed {
				executor: ALICE,
				from_bond: 1_000,
				paid: 1_000,
				from_pool: 500,
				bond: 0,
				fault: true,
			}
			.into(),
		);
		// Its first fault ends its work.
		assert!(matches!(
			Executors::executor(&ALICE).unwrap().status,
			ExecutorStatus::Unbonding { .. }
		));
		assert_eq!(Executors::select(&[0; 32], &[]), Some(BOB));
		// A smaller fault later takes nothing and pays nothing; a larger one only the excess.
		let again = Executors::slash_fault(&ALICE, 1_200, |from_bond| vec![(EVE, from_bond)]);
		assert_eq!(again, Slashed { from_bond: 0, from_pool: 0, paid: vec![(EVE, 0)] });
		let more = Executors::slash_fault(&ALICE, 1_600, |_| vec![]);
		assert_eq!(more, Slashed { from_bond: 0, from_pool: 100, paid: vec![] });
		assert_eq!(Executors::executor(&ALICE).unwrap().fault_slash, 1_600);
		assert_eq!(Balances::free_balance(TREASURY), treasury + 600);
		// Penalties are not faults: they are taken whole.
		assert_eq!(Executors::penalize(&ALICE, 10).from_pool, 10);
	});
}
