//! The economics of a lost dispute, played by an attacker: an executor that lies on purpose and
//! challenges itself from a second account, with a large delegators' pool behind it.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{
	dispute_tests::{commit, committee, network, resolved, reveal},
	mock::*,
	Event, RequestStatus, Verdict,
};
use frame_support::{assert_ok, traits::fungible::Inspect};
use opg_primitives::InferenceOutput;

/// The attacker's executor (its bond is [`BOND`]) and the pool its delegator puts behind it.
const LIAR: AccountId = ALICE;
const POOL: Balance = 99 * BOND;

/// Everything `who` owns, free and held.
fn worth(who: AccountId) -> Balance {
	Balances::total_balance(&who)
}

fn pool_value() -> Balance {
	Executors::delegation_value(&LIAR, &WHALE)
		.map(|(active, unbonding)| active + unbonding)
		.unwrap()
}

/// New requests until one is assigned to `executor` (the others are answered correctly by
/// theirs); returns its id and the right output. `n` numbers the inputs.
fn request_for(executor: AccountId, n: &mut u32) -> (u64, InferenceOutput) {
	loop {
		let rows = [[*n as f32; 4]];
		*n += 1;
		let id = request(&rows);
		let right = expected_output(&input(&rows));
		if assigned_to(id) == executor {
			return (id, right);
		}
		assert_ok!(submit(result_call(id, assigned_to(id), right)));
	}
}

/// `LIAR` answers requests with wrong outputs and its second account challenges each; the
/// committees vote the right outputs, and the verdicts fall in the next block.
fn lie_and_self_challenge(lies: usize) -> Vec<u64> {
	list(1, PRICE);
	// The review's scenario, a 1% self-bond: `MinSelfBond` (10% in the runtime) would refuse
	// this pool, yet even with it lying must not pay.
	MinSelfBond::set(sp_runtime::Perbill::from_percent(1));
	assert_ok!(Executors::delegate(RuntimeOrigin::signed(WHALE), LIAR, POOL));
	let mut n = 0;
	let disputed: Vec<(u64, InferenceOutput)> = (0..lies)
		.map(|_| {
			let (id, right) = request_for(LIAR, &mut n);
			assert_ok!(submit(result_call(id, LIAR, wrong_output(&right))));
			assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
			(id, right)
		})
		.collect();
	// Every committee is drawn in the block after its challenge.
	next_block();
	for (id, right) in &disputed {
		for member in committee(*id) {
			assert_ok!(commit(*id, member, right));
		}
		for member in committee(*id) {
			assert_ok!(reveal(*id, member, right));
		}
	}
	run_to(System::block_number() + 1);
	disputed
		.into_iter()
		.map(|(id, _)| {
			assert!(matches!(
				resolved(id),
				Event::DisputeResolved { verdict: Verdict::ExecutorWrong, .. }
			));
			assert!(matches!(status(id), RequestStatus::Corrected { executor: LIAR, .. }));
			id
		})
		.collect()
}

/// What the liar owns itself: its account, less the pool held on it.
fn liar_own() -> Balance {
	worth(LIAR) - Executors::delegation_value(&LIAR, &WHALE).map_or(0, |(a, u)| a + u)
}

#[test]
fn a_self_challenged_lie_costs_the_attacker_and_pays_it_nothing_from_the_pool() {
	network(|| {
		let (liar_before, challenger_before, treasury_before) =
			(liar_own(), worth(CHALLENGER), worth(TREASURY));
		lie_and_self_challenge(1);
		let own_loss = liar_before - liar_own();
		let reward = worth(CHALLENGER) - challenger_before;
		let pool_loss = POOL - pool_value();
		assert!(
			reward < own_loss,
			"the lie paid: the liar lost {own_loss} of its own, its second account won {reward} \
			 (the pool lost {pool_loss})"
		);
		assert!(
			reward <= WinnerShare::get() * own_loss,
			"the challenger won {reward}, more than its share of the {own_loss} the liar lost"
		);
		assert!(
			worth(TREASURY) - treasury_before >= pool_loss,
			"the pool's {pool_loss} went to someone other than the treasury"
		);
	});
}

#[test]
fn lies_in_flight_cost_the_pool_at_most_one_slash_and_the_liar_gets_no_new_work() {
	network(|| {
		let stake = BOND + POOL;
		let before = liar_own() + worth(CHALLENGER);
		lie_and_self_challenge(MAX_DISPUTES as usize);
		let pool_loss = POOL - pool_value();
		assert!(
			pool_loss <= WrongResultSlash::get() * stake,
			"{MAX_DISPUTES} lies in flight took {pool_loss} of the pool: more than one slash"
		);
		let after = liar_own() + worth(CHALLENGER);
		assert!(after < before, "{MAX_DISPUTES} lies took the attacker from {before} to {after}");
		// Out of the draw from its first lost dispute on.
		for n in 1_000..1_020 {
			let rows = [[n as f32; 4]];
			let id = request(&rows);
			assert_ne!(assigned_to(id), LIAR, "a convicted liar drew new work");
			assert_ok!(submit(correct_result(id)));
		}
	});
}
