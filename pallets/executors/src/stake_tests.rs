//! Unit tests of stake: delegation, commission, payouts, first-loss slashes, unbonding, the
//! election and the validators-only draw. Every test ends with `do_try_state` (see `mock::test`).
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{
	mock::*, Active, Delegations, Error, Event, HoldReason, Pool, Pools, Positions, ValidatorCount,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{InspectHold, Mutate},
		OneSessionHandler,
	},
};
use opg_primitives::{ExecutorSet, StakeLedger};
use sp_runtime::{DispatchError, Perbill};

fn pooled(executor: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::DelegatedStake.into(), &executor)
}

fn register(who: AccountId, k: u8, bond: Balance) {
	assert_ok!(Executors::register(RuntimeOrigin::signed(who), key(k), bond, proof(k, who)));
}

fn delegate(who: AccountId, executor: AccountId, amount: Balance) {
	assert_ok!(Executors::delegate(RuntimeOrigin::signed(who), executor, amount));
}

fn undelegate(who: AccountId, executor: AccountId, amount: Balance) {
	assert_ok!(Executors::undelegate(RuntimeOrigin::signed(who), executor, amount));
}

/// Pays `executor` `amount` as the inference pallet does: into its free balance, then shared.
fn pay(executor: AccountId, amount: Balance) -> Balance {
	Balances::mint_into(&executor, amount).unwrap();
	Executors::reward(&executor, amount)
}

fn pool(executor: AccountId) -> Pool<Balance> {
	Pools::<Test>::get(executor).unwrap()
}

fn value(executor: AccountId, delegator: AccountId) -> (Balance, Balance) {
	Executors::delegation_value(&executor, &delegator).unwrap()
}

#[test]
fn delegating_moves_funds_into_the_executors_pool_and_adds_stake() {
	test(|| {
		register(ALICE, 1, 1_000);
		delegate(BOB, ALICE, 1_000);
		System::assert_last_event(
			Event::Delegated { delegator: BOB, executor: ALICE, amount: 1_000, points: 1_000 }
				.into(),
		);
		assert_eq!(Balances::free_balance(BOB), 9_000);
		assert_eq!(pooled(ALICE), 1_000);
		assert_eq!(Executors::stake(&ALICE), 2_000);
		assert_eq!(Active::<Test>::get().into_inner(), vec![(ALICE, 2_000)]);
		assert!(Positions::<Test>::contains_key(BOB, ALICE));
		assert_eq!(Executors::bond_of(&ALICE), 1_000);
		assert_eq!(Executors::stake_of(&ALICE), 2_000);
		// A second delegation to the same executor adds to the same position.
		delegate(BOB, ALICE, 500);
		assert_eq!(Delegations::<Test>::get(ALICE, BOB).unwrap().points, 1_500);
		assert_eq!(Delegations::<Test>::get(ALICE, BOB).unwrap().delegated, 1_500);
		assert_eq!(pool(ALICE).delegators, 1);
		// The executor cannot spend what it holds for its delegators.
		assert_eq!(Balances::free_balance(ALICE), 10_000 - 1_000);
	});
}

#[test]
fn delegate_errors() {
	test(|| {
		assert_noop!(
			Executors::delegate(RuntimeOrigin::signed(BOB), ALICE, 100),
			Error::<Test>::NotExecutor
		);
		register(ALICE, 1, 1_000);
		assert_noop!(
			Executors::delegate(RuntimeOrigin::signed(ALICE), ALICE, 100),
			Error::<Test>::SelfDelegation
		);
		assert_noop!(
			Executors::delegate(RuntimeOrigin::signed(BOB), ALICE, MIN_DELEGATION - 1),
			Error::<Test>::DelegationTooLow
		);
		// All of POOR's 50 would reap its account.
		assert_noop!(
			Executors::delegate(RuntimeOrigin::signed(POOR), ALICE, 50),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Executors::delegate(RuntimeOrigin::none(), ALICE, 100),
			DispatchError::BadOrigin
		);
		assert_ok!(Executors::unbond(RuntimeOrigin::signed(ALICE)));
		assert_noop!(
			Executors::delegate(RuntimeOrigin::signed(BOB), ALICE, 100),
			Error::<Test>::NotActive
		);
		assert_noop!(
			Executors::undelegate(RuntimeOrigin::signed(BOB), ALICE, 100),
			Error::<Test>::NotDelegating
		);
		assert_noop!(
			Executors::withdraw_delegation(RuntimeOrigin::signed(BOB), ALICE),
			Error::<Test>::NotDelegating
		);
	});
}

#[test]
fn payouts_split_by_stake_with_commission_applied_after_its_delay() {
	test(|| {
		register(ALICE, 1, 1_000);
		delegate(BOB, ALICE, 1_000);
		// An increase waits CommissionChangeDelay blocks.
		assert_ok!(Executors::set_commission(
			RuntimeOrigin::signed(ALICE),
			Perbill::from_percent(10)
		));
		System::assert_last_event(
			Event::CommissionSet {
				executor: ALICE,
				commission: Perbill::from_percent(10),
				from: 1 + COMMISSION_DELAY,
			}
			.into(),
		);
		// Block 1, commission still 0: half of 100 (stake 1000 of 2000) goes to the pool.
		let alice_free = Balances::free_balance(ALICE);
		assert_eq!(pay(ALICE, 100), 50);
		assert_eq!(Balances::free_balance(ALICE), alice_free + 50);
		assert_eq!(pool(ALICE).active, 1_050);
		assert_eq!(value(ALICE, BOB), (1_050, 0));
		assert_eq!(Executors::stake(&ALICE), 2_050);
		assert_eq!(Executors::executor(&ALICE).unwrap().earned, 50);
		// From block 8: gross = floor(100 · 1050 / 2050) = 51, commission = floor(10% · 51) = 5.
		System::set_block_number(1 + COMMISSION_DELAY);
		assert_eq!(pay(ALICE, 100), 46);
		System::assert_last_event(
			Event::RewardShared { executor: ALICE, to_pool: 46, commission: 5 }.into(),
		);
		assert_eq!(Executors::executor(&ALICE).unwrap().commission, Perbill::from_percent(10));
		assert_eq!(Executors::executor(&ALICE).unwrap().next_commission, None);
		assert_eq!(Executors::executor(&ALICE).unwrap().earned, 50 + 54);
		assert_eq!(pool(ALICE).active, 1_096);
		assert_eq!(pool(ALICE).rewards, 96);
		assert_eq!(pooled(ALICE), 1_096);
		// A decrease applies at once; above the maximum is refused.
		assert_ok!(Executors::set_commission(
			RuntimeOrigin::signed(ALICE),
			Perbill::from_percent(5)
		));
		assert_eq!(Executors::executor(&ALICE).unwrap().commission, Perbill::from_percent(5));
		assert_noop!(
			Executors::set_commission(RuntimeOrigin::signed(ALICE), Perbill::from_percent(51)),
			Error::<Test>::CommissionTooHigh
		);
		assert_noop!(
			Executors::set_commission(RuntimeOrigin::signed(BOB), Perbill::zero()),
			Error::<Test>::NotExecutor
		);
	});
}

#[test]
fn a_pending_increase_is_cancelled_by_a_decrease() {
	test(|| {
		register(ALICE, 1, 1_000);
		assert_ok!(Executors::set_commission(
			RuntimeOrigin::signed(ALICE),
			Perbill::from_percent(10)
		));
		System::set_block_number(1 + COMMISSION_DELAY);
		// 10% is in force; 20% is announced; 5% is a decrease from 10%: at once, and the
		// announced increase is gone.
		assert_ok!(Executors::set_commission(
			RuntimeOrigin::signed(ALICE),
			Perbill::from_percent(20)
		));
		assert_eq!(
			Executors::executor(&ALICE).unwrap().next_commission,
			Some((Perbill::from_percent(20), 1 + 2 * COMMISSION_DELAY))
		);
		assert_ok!(Executors::set_commission(
			RuntimeOrigin::signed(ALICE),
			Perbill::from_percent(5)
		));
		System::set_block_number(100);
		let info = Executors::executor(&ALICE).unwrap();
		assert_eq!(info.commission_at(&100), Perbill::from_percent(5));
		assert_eq!(info.next_commission, None);
		// An increase from 0% is an increase, even if lower than one announced before.
		register(BOB, 2, 1_000);
		assert_ok!(Executors::set_commission(
			RuntimeOrigin::signed(BOB),
			Perbill::from_percent(20)
		));
		assert_ok!(Executors::set_commission(RuntimeOrigin::signed(BOB), Perbill::from_percent(3)));
		let info = Executors::executor(&BOB).unwrap();
		assert_eq!(info.commission_at(&100), Perbill::zero());
		assert_eq!(info.next_commission, Some((Perbill::from_percent(3), 100 + COMMISSION_DELAY)));
	});
}

#[test]
fn payouts_without_delegators_all_go_to_the_executor() {
	test(|| {
		register(ALICE, 1, 1_000);
		assert_eq!(pay(ALICE, 77), 0);
		assert_eq!(Executors::executor(&ALICE).unwrap().earned, 77);
		// Not an executor: nothing to share.
		assert_eq!(Executors::reward(&BOB, 10), 0);
	});
}

#[test]
fn undelegated_funds_wait_their_delay_and_the_last_one_out_takes_the_remainder() {
	test(|| {
		register(ALICE, 1, 1_000);
		delegate(BOB, ALICE, 1_000);
		delegate(CHARLIE, ALICE, 500);
		// gross = floor(200 · 1500 / 2500) = 120: the pool is worth 1620 for 1500 points.
		assert_eq!(pay(ALICE, 200), 120);
		assert_eq!(value(ALICE, BOB), (1_080, 0));
		assert_eq!(value(ALICE, CHARLIE), (540, 0));
		// 100 of Bob's value: ceil(100 · 1500 / 1620) = 93 points, worth floor(93 · 1620 / 1500) = 100.
		undelegate(BOB, ALICE, 100);
		System::assert_last_event(
			Event::Undelegated {
				delegator: BOB,
				executor: ALICE,
				amount: 100,
				unlocks_at: 1 + DELEGATION_UNBONDING,
			}
			.into(),
		);
		assert_eq!(Delegations::<Test>::get(ALICE, BOB).unwrap().points, 907);
		assert_eq!(
			pool(ALICE),
			Pool {
				active: 1_520,
				active_points: 1_407,
				unbonding: 100,
				unbonding_points: 100,
				delegators: 2,
				rewards: 120,
			}
		);
		// Unbonding value no longer counts as stake, nor earns.
		assert_eq!(Executors::stake(&ALICE), 2_520);
		assert_eq!(Executors::stake_of(&ALICE), 2_620);
		assert_noop!(
			Executors::withdraw_delegation(RuntimeOrigin::signed(BOB), ALICE),
			Error::<Test>::StillLocked
		);
		System::set_block_number(1 + DELEGATION_UNBONDING);
		assert_ok!(Executors::withdraw_delegation(RuntimeOrigin::signed(BOB), ALICE));
		System::assert_last_event(
			Event::DelegationWithdrawn { delegator: BOB, executor: ALICE, amount: 100 }.into(),
		);
		assert_eq!(Balances::free_balance(BOB), 9_000 + 100);
		assert_noop!(
			Executors::withdraw_delegation(RuntimeOrigin::signed(BOB), ALICE),
			Error::<Test>::NothingUnbonding
		);
		// Everything: floor(907 · 1520 / 1407) = 979; Charlie, last out, takes the remaining 541.
		undelegate(BOB, ALICE, Balance::MAX);
		assert_eq!(value(ALICE, BOB), (0, 979));
		assert_eq!(value(ALICE, CHARLIE), (541, 0));
		undelegate(CHARLIE, ALICE, 10_000);
		assert_noop!(
			Executors::undelegate(RuntimeOrigin::signed(CHARLIE), ALICE, 1),
			Error::<Test>::NotDelegating
		);
		System::set_block_number(1 + 2 * DELEGATION_UNBONDING);
		assert_ok!(Executors::withdraw_delegation(RuntimeOrigin::signed(BOB), ALICE));
		assert_ok!(Executors::withdraw_delegation(RuntimeOrigin::signed(CHARLIE), ALICE));
		// 1000 + 500 delegated, 120 earned: 1620 paid out, to the planck.
		assert_eq!(Balances::free_balance(BOB), 9_000 + 100 + 979);
		assert_eq!(Balances::free_balance(CHARLIE), 9_500 + 541);
		assert_eq!(Pools::<Test>::get(ALICE), None);
		assert_eq!(pooled(ALICE), 0);
		assert!(!Positions::<Test>::contains_key(BOB, ALICE));
		assert_eq!(Executors::stake(&ALICE), 1_000);
	});
}

#[test]
fn a_slash_takes_the_bond_first_then_active_and_unbonding_stake_pro_rata() {
	test(|| {
		register(ALICE, 1, 1_000);
		delegate(BOB, ALICE, 600);
		delegate(CHARLIE, ALICE, 400);
		undelegate(CHARLIE, ALICE, 400);
		let treasury = Balances::free_balance(TREASURY);
		assert_eq!(Executors::stake_of(&ALICE), 2_000);
		// Within the bond: the pool is untouched.
		assert_eq!(Executors::penalize(&ALICE, 100).from_bond, 100);
		assert_eq!(value(ALICE, BOB), (600, 0));
		assert_eq!(Executors::stake(&ALICE), 1_500);
		// Beyond it: 900 from the bond, then 100 from the pool, 60 active and 40 unbonding.
		let taken = Executors::penalize(&ALICE, 1_000);
		assert_eq!((taken.from_bond, taken.from_pool), (900, 100));
		System::assert_has_event(
			Event::Slashed {
				executor: ALICE,
				from_bond: 900,
				paid: 0,
				from_pool: 100,
				bond: 0,
				fault: false,
			}
			.into(),
		);
		assert_eq!(Balances::free_balance(TREASURY), treasury + 1_100);
		assert_eq!(Executors::bond_of(&ALICE), 0);
		assert_eq!(value(ALICE, BOB), (540, 0));
		assert_eq!(value(ALICE, CHARLIE), (0, 360));
		// Points are unchanged, each worth less; the bond below the minimum: out of the draw.
		assert_eq!(Delegations::<Test>::get(ALICE, BOB).unwrap().points, 600);
		assert!(Active::<Test>::get().is_empty());
		// Charlie cannot escape by having undelegated: he withdraws what is left.
		System::set_block_number(1 + DELEGATION_UNBONDING);
		assert_ok!(Executors::withdraw_delegation(RuntimeOrigin::signed(CHARLIE), ALICE));
		assert_eq!(Balances::free_balance(CHARLIE), 10_000 - 400 + 360);
		assert_eq!(Delegations::<Test>::get(ALICE, CHARLIE), None);
	});
}

#[test]
fn a_slash_takes_at_most_the_whole_stake_and_chills_a_small_bond() {
	test(|| {
		register(ALICE, 1, 100);
		delegate(BOB, ALICE, 900);
		let treasury = Balances::free_balance(TREASURY);
		let taken = Executors::penalize(&ALICE, 20_000);
		assert_eq!((taken.from_bond, taken.from_pool), (100, 900));
		assert_eq!(Balances::free_balance(TREASURY), treasury + 1_000);
		assert_eq!(Executors::stake_of(&ALICE), 0);
		assert_eq!(Executors::active_count(), 0);
		assert_eq!(value(ALICE, BOB), (0, 0));
		// Worthless points can be given back all at once, for nothing, which clears the pool.
		undelegate(BOB, ALICE, 1);
		assert_eq!(Delegations::<Test>::get(ALICE, BOB), None);
		assert_eq!(Pools::<Test>::get(ALICE), None);
	});
}

#[test]
fn the_bond_stays_at_least_the_self_bond_share_of_the_stake() {
	test(|| {
		register(ALICE, 1, 1_000);
		// A 1,000 bond carries at most 10,000 of stake: 9,000 delegated.
		delegate(BOB, ALICE, 5_000);
		assert_noop!(
			Executors::delegate(RuntimeOrigin::signed(CHARLIE), ALICE, 4_001),
			Error::<Test>::SelfBondTooLow
		);
		delegate(CHARLIE, ALICE, 4_000);
		// Unbonding value still counts: it is slashable.
		undelegate(BOB, ALICE, 5_000);
		assert_noop!(
			Executors::delegate(RuntimeOrigin::signed(DAVE), ALICE, MIN_DELEGATION),
			Error::<Test>::SelfBondTooLow
		);
		// A larger bond makes room.
		assert_ok!(Executors::bond_extra(RuntimeOrigin::signed(ALICE), 200));
		delegate(DAVE, ALICE, 1_000);
		// With the share lowered (as a runtime may), the ratio binds no more.
		MinSelfBond::set(Perbill::zero());
		delegate(EVE, ALICE, 9_000);
		MinSelfBond::set(Perbill::from_percent(10));
	});
}

#[test]
fn delegations_outlive_the_executor_and_count_again_if_it_returns() {
	test(|| {
		register(ALICE, 1, 1_000);
		delegate(BOB, ALICE, 300);
		assert_ok!(Executors::unbond(RuntimeOrigin::signed(ALICE)));
		System::set_block_number(1 + UNBONDING);
		assert_ok!(Executors::withdraw(RuntimeOrigin::signed(ALICE)));
		assert_eq!(pooled(ALICE), 300);
		assert_eq!(Executors::stake_of(&ALICE), 0);
		register(ALICE, 1, 200);
		assert_eq!(Active::<Test>::get().into_inner(), vec![(ALICE, 500)]);
		undelegate(BOB, ALICE, 300);
		assert_eq!(Active::<Test>::get().into_inner(), vec![(ALICE, 200)]);
	});
}

#[test]
fn the_election_takes_the_most_staked_executors_with_keys() {
	test(|| {
		assert_eq!(Executors::elect(|_| true), Vec::<AccountId>::new());
		register(CHARLIE, 3, 300);
		register(ALICE, 1, 1_000);
		register(BOB, 2, 500);
		assert_eq!(ValidatorCount::<Test>::get(), 2);
		assert_eq!(Executors::elect(|_| true), vec![ALICE, BOB]);
		// Delegations lift Charlie above Bob.
		delegate(EVE, CHARLIE, 800);
		assert_eq!(Executors::elect(|_| true), vec![ALICE, CHARLIE]);
		// Without session keys, no seat.
		assert_eq!(Executors::elect(|who| *who != CHARLIE), vec![ALICE, BOB]);
		// Ties go to the lower account id.
		delegate(FERDIE, BOB, 600);
		assert_eq!(Executors::stake(&BOB), Executors::stake(&CHARLIE));
		assert_ok!(Executors::set_validator_count(RuntimeOrigin::root(), 1));
		System::assert_last_event(Event::ValidatorCountSet { count: 1 }.into());
		assert_eq!(Executors::elect(|who| *who != ALICE), vec![BOB]);
		// Unbonding executors are not candidates.
		assert_ok!(Executors::unbond(RuntimeOrigin::signed(ALICE)));
		assert_eq!(Executors::elect(|_| true), vec![BOB]);
		assert_noop!(
			Executors::set_validator_count(RuntimeOrigin::root(), 0),
			Error::<Test>::BadValidatorCount
		);
		assert_noop!(
			Executors::set_validator_count(RuntimeOrigin::root(), 3),
			Error::<Test>::BadValidatorCount
		);
		assert_noop!(
			Executors::set_validator_count(RuntimeOrigin::signed(ALICE), 1),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn only_the_sessions_validators_are_drawn_when_configured() {
	test(|| {
		OnlyValidatorsServe::set(true);
		register(ALICE, 1, 1_000);
		register(BOB, 2, 1_000);
		// No session yet: nobody serves.
		assert_eq!(Executors::active_count(), 0);
		assert_eq!(Executors::select(&[3; 32], &[]), None);
		Executors::on_genesis_session([(&ALICE, key(1))].into_iter());
		assert_eq!(Executors::active_count(), 1);
		for n in 0u32..20 {
			let seed = sp_io::hashing::blake2_256(&n.to_le_bytes());
			assert_eq!(Executors::select(&seed, &[]), Some(ALICE));
		}
		Executors::on_new_session(true, [(&BOB, key(2))].into_iter(), [(&BOB, key(2))].into_iter());
		System::assert_last_event(Event::NewValidators { validators: vec![BOB] }.into());
		assert_eq!(Executors::select(&[3; 32], &[]), Some(BOB));
		assert_eq!(Executors::select(&[3; 32], &[BOB]), None);
		OnlyValidatorsServe::set(false);
	});
}

#[test]
fn the_draw_weighs_delegated_stake() {
	test(|| {
		register(ALICE, 1, 100);
		register(BOB, 2, 100);
		delegate(CHARLIE, BOB, 200);
		let mut alice = 0u32;
		for n in 0u32..4_000 {
			let seed = sp_io::hashing::blake2_256(&n.to_le_bytes());
			if Executors::select(&seed, &[]) == Some(ALICE) {
				alice += 1;
			}
		}
		// Expected 1000 of 4000 (stake 100 vs 300); a 5-sigma band is about ±140.
		assert!((860..=1140).contains(&alice), "alice picked {alice} times");
	});
}

#[test]
fn the_runtime_api_reports_stake_delegators_and_positions() {
	test(|| {
		register(ALICE, 1, 1_000);
		register(BOB, 2, 3_000);
		assert_eq!(Executors::executor_stake(&CHARLIE), None);
		delegate(CHARLIE, ALICE, 1_000);
		delegate(DAVE, ALICE, 3_000);
		delegate(EVE, ALICE, 1_000);
		delegate(DAVE, BOB, 500);
		// 500 · 5000 / 6000 = 416 to the pool (no commission yet).
		assert_eq!(pay(ALICE, 500), 416);
		undelegate(EVE, ALICE, 100);
		assert_ok!(Executors::set_commission(
			RuntimeOrigin::signed(ALICE),
			Perbill::from_percent(10)
		));
		Executors::on_new_session(
			true,
			[(&ALICE, key(1))].into_iter(),
			[(&ALICE, key(1))].into_iter(),
		);

		let alice = Executors::executor_stake(&ALICE).unwrap();
		assert_eq!((alice.bond, alice.delegated, alice.unbonding), (1_000, 5_316, 100));
		assert_eq!(alice.stake, 6_316);
		assert_eq!(alice.delegators, 3);
		assert_eq!(alice.commission, Perbill::zero());
		assert_eq!(alice.next_commission, Some((Perbill::from_percent(10), 1 + COMMISSION_DELAY)));
		assert_eq!((alice.earned, alice.delegator_rewards), (84, 416));
		assert!(alice.validator);
		assert!(!Executors::executor_stake(&BOB).unwrap().validator);
		// Highest stake first.
		let all: Vec<_> =
			Executors::executor_stakes().into_iter().map(|s| (s.executor, s.stake)).collect();
		assert_eq!(all, vec![(ALICE, 6_316), (BOB, 3_500)]);

		// Delegators, paged: every one exactly once, whatever the page size.
		let everyone = Executors::delegators_of(&ALICE, None, 10);
		assert_eq!(everyone.len(), 3);
		let mut paged = Vec::new();
		let mut after = None;
		loop {
			let page = Executors::delegators_of(&ALICE, after, 2);
			if page.is_empty() {
				break;
			}
			after = page.last().map(|p| p.delegator);
			paged.extend(page);
		}
		assert_eq!(paged, everyone);
		// Each value rounds down: the positions add up to the pool less under a planck each (the
		// remainder stays in the pool; the last one out takes it).
		let sum = everyone.iter().map(|p| p.active).sum::<Balance>();
		assert!(sum <= 5_316 && 5_316 - sum < everyone.len() as Balance, "{sum}");
		let dave = everyone.iter().find(|p| p.delegator == DAVE).unwrap();
		// 3,000 of the 4,907 active points (Eve gave up 93 of her 1,000).
		assert_eq!(dave.share, Perbill::from_rational(3_000u64, 4_907u64));
		assert_eq!(dave.unlocks_at, None);
		let eve = everyone.iter().find(|p| p.delegator == EVE).unwrap();
		assert_eq!(eve.unbonding, 100);
		assert_eq!(eve.unlocks_at, Some(1 + DELEGATION_UNBONDING));
		assert_eq!((eve.delegated, eve.withdrawn), (1_000, 0));
		assert!(Executors::delegators_of(&CHARLIE, None, 10).is_empty());

		// A delegator's positions, one per executor.
		let mut positions: Vec<_> = Executors::positions_of(&DAVE, 10)
			.into_iter()
			.map(|p| (p.executor, p.active))
			.collect();
		positions.sort();
		assert_eq!(positions, vec![(ALICE, value(ALICE, DAVE).0), (BOB, 500)]);
		assert_eq!(Executors::positions_of(&DAVE, 1).len(), 1);
	});
}
