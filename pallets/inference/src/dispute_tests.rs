//! Unit tests of the dispute game: challenges, commit-reveal, verdicts, money, watchers.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{
	mock::*, offchain, Call, DisputeDeadlines, DisputeOutputs, DisputePhase, Disputes, Error,
	Event, HoldReason, ModelStats, RequestStatus, Results, Verdict, Vote, WatchFraction,
};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	pallet_prelude::{InvalidTransaction, TransactionSource},
	traits::{fungible::InspectHold, Authorize},
};
use frame_system::RawOrigin;
use opg_primitives::{
	vote_seal, DisputeStatement, ExecutorSet, InferenceInput, InferenceOutput, StakeLedger, H256,
};
use sp_core::offchain::testing::PoolState;
use sp_runtime::{DispatchResult, Perbill, RuntimeAppPublic};

pub(crate) const EVERYONE: [AccountId; 5] = [ALICE, BOB, CHARLIE, DAVE, EVE];

/// Five executors, all of their keys on this node; runs `f`, then both pallets' invariants.
pub(crate) fn network(f: impl FnOnce()) {
	run_checked(new_network(FakeEngine::default(), &EVERYONE, &EVERYONE), f)
}

fn bond_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &who)
}

fn the_input() -> InferenceInput {
	input(&[[1.0, 2.0, 3.0, 4.0]])
}

fn right() -> InferenceOutput {
	expected_output(&the_input())
}

fn wrong() -> InferenceOutput {
	wrong_output(&right())
}

/// A request answered by its executor with `output`; returns `(id, executor)`.
fn answered(output: InferenceOutput) -> (u64, AccountId) {
	list(1, PRICE);
	let id = request(&[[1.0, 2.0, 3.0, 4.0]]);
	let executor = assigned_to(id);
	assert_ok!(submit(result_call(id, executor, output)));
	(id, executor)
}

pub(crate) fn committee(id: u64) -> Vec<AccountId> {
	Disputes::<Test>::get(id).unwrap().committee.iter().map(|m| m.executor).collect()
}

pub(crate) fn salt(member: AccountId) -> [u8; 32] {
	[member as u8; 32]
}

pub(crate) fn commit_seal(id: u64, member: AccountId, seal: H256) -> DispatchResult {
	let key = Executors::key_of(&member).unwrap();
	let statement =
		DisputeStatement::Commit { request: Inference::request_digest(id).unwrap(), seal };
	let signature = key.sign(&statement.signing_payload()).unwrap();
	Inference::commit_vote(RawOrigin::Authorized.into(), id, seal, key, signature)
}

/// `member` commits a sealed vote for `output`.
pub(crate) fn commit(id: u64, member: AccountId, output: &InferenceOutput) -> DispatchResult {
	let key = Executors::key_of(&member).unwrap();
	commit_seal(id, member, vote_seal(id, &key, &commitment_of(output), &salt(member)))
}

/// `member` opens its vote for `output`.
pub(crate) fn reveal(id: u64, member: AccountId, output: &InferenceOutput) -> DispatchResult {
	let key = Executors::key_of(&member).unwrap();
	Inference::reveal_vote(
		RawOrigin::Authorized.into(),
		id,
		output.clone(),
		commitment_of(output),
		salt(member),
		key,
	)
}

pub(crate) fn resolved(id: u64) -> Event<Test> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Inference(e @ Event::DisputeResolved { request, .. })
				if request == id =>
			{
				Some(e)
			}
			_ => None,
		})
		.next_back()
		.expect("the dispute was resolved")
}

fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

#[test]
fn a_wrong_result_is_overturned_its_executor_slashed_and_the_result_replaced() {
	network(|| {
		let (id, liar) = answered(wrong());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block(); // the committee is drawn in the next block
		assert_eq!(bond_held(CHALLENGER), CHALLENGE_BOND);
		assert!(matches!(status(id), RequestStatus::Disputed { executor, .. } if executor == liar));
		let members = committee(id);
		assert_eq!(members.len(), COMMITTEE as usize);
		assert!(!members.contains(&liar));
		let before: Vec<Balance> = members.iter().map(|m| free(*m)).collect();
		let (treasury, challenger) = (free(TREASURY), free(CHALLENGER));

		for m in &members {
			assert_ok!(commit(id, *m, &right()));
		}
		assert!(matches!(Disputes::<Test>::get(id).unwrap().phase, DisputePhase::Reveal { .. }));
		for m in &members {
			assert_ok!(reveal(id, *m, &right()));
		}
		// Decided in the next block.
		run_to(4);

		// 10% of the liar's 1,000 bond, all from its bond: half of it paid out, 10 to each of 3
		// members and the other 20 to the challenger; 50 to the treasury. The fee: 10 to the
		// treasury, 30 to each member.
		assert_eq!(
			resolved(id),
			Event::DisputeResolved {
				request: id,
				verdict: Verdict::ExecutorWrong,
				slashed: 100,
				to_winner: 20,
				to_committee: 30,
				to_treasury: 50,
			}
		);
		assert_eq!(Executors::bond_of(&liar), BOND - 100);
		let outcome = crate::DisputeOutcomes::<Test>::get(id).unwrap();
		assert_eq!(
			(outcome.verdict, outcome.slashed, outcome.challenger, outcome.at),
			(Verdict::ExecutorWrong, 100, CHALLENGER, 4)
		);
		for (m, b) in members.iter().zip(before) {
			assert_eq!(free(*m), b + REWARD + 30);
		}
		assert_eq!(free(CHALLENGER), challenger + CHALLENGE_BOND + 20);
		assert_eq!(bond_held(CHALLENGER), 0);
		assert_eq!(free(TREASURY), treasury + 50 + 10);
		assert_eq!(held(DAPP), 0);
		assert_eq!(status(id), RequestStatus::Corrected { executor: liar, at: 4 });
		// The model's record: one request, answered, disputed, corrected, its fee paid.
		assert_eq!(
			Inference::model_stats(model(1)),
			ModelStats {
				requests: 1,
				answered: 1,
				disputes: 1,
				corrected: 1,
				fees_paid: PRICE,
				..Default::default()
			}
		);
		let result = Results::<Test>::get(id).unwrap();
		assert_eq!(InferenceOutput::decode(&mut &result.output[..]).unwrap(), right());
		assert_eq!(result.commitment, commitment_of(&right()));
		let details = Inference::result_details(id).unwrap();
		assert!(details.is_final);
		assert!(Disputes::<Test>::get(id).is_none());
		assert_eq!(DisputeOutputs::<Test>::iter_prefix(id).count(), 0);
		assert!(DisputeDeadlines::<Test>::get().is_empty());
		System::assert_has_event(
			Event::ResultCorrected {
				request: id,
				executor: liar,
				output_hash: commitment_of(&right()).output_hash,
			}
			.into(),
		);
	});
}

#[test]
fn a_right_result_is_upheld_and_the_challenger_slashed() {
	network(|| {
		let (id, executor) = answered(right());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block(); // the committee is drawn in the next block
		let members = committee(id);
		let before: Vec<Balance> = members.iter().map(|m| free(*m)).collect();
		let (treasury, executor_before, challenger) =
			(free(TREASURY), free(executor), free(CHALLENGER));
		for m in &members {
			assert_ok!(commit(id, *m, &right()));
		}
		for m in &members {
			assert_ok!(reveal(id, *m, &right()));
		}
		run_to(4);
		// The whole 200 bond: 10 to each member, half of the other 170 to the executor.
		assert_eq!(
			resolved(id),
			Event::DisputeResolved {
				request: id,
				verdict: Verdict::ExecutorRight,
				slashed: CHALLENGE_BOND,
				to_winner: 85,
				to_committee: 30,
				to_treasury: 85,
			}
		);
		assert_eq!(free(CHALLENGER), challenger);
		assert_eq!(bond_held(CHALLENGER), 0);
		assert_eq!(free(executor), executor_before + 85 + 90);
		for (m, b) in members.iter().zip(before) {
			assert_eq!(free(*m), b + REWARD);
		}
		assert_eq!(free(TREASURY), treasury + 85 + 10);
		assert_eq!(Executors::bond_of(&executor), BOND);
		assert_eq!(status(id), RequestStatus::Final { executor, at: 4 });
		assert_eq!(
			InferenceOutput::decode(&mut &Results::<Test>::get(id).unwrap().output[..]).unwrap(),
			right()
		);
	});
}

#[test]
fn minority_and_silent_members_are_penalized() {
	network(|| {
		let (id, _) = answered(wrong());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block(); // the committee is drawn in the next block
		let m = committee(id);
		// m[0] and m[1] agree; m[2] votes the liar's output.
		assert_ok!(commit(id, m[0], &right()));
		assert_ok!(commit(id, m[1], &right()));
		assert_ok!(commit(id, m[2], &wrong()));
		assert_ok!(reveal(id, m[0], &right()));
		assert_ok!(reveal(id, m[1], &right()));
		assert_ok!(reveal(id, m[2], &wrong()));
		run_to(4);
		assert!(matches!(
			resolved(id),
			Event::DisputeResolved { verdict: Verdict::ExecutorWrong, .. }
		));
		assert_eq!(Executors::bond_of(&m[2]), BOND - PENALTY);
		assert_eq!(Executors::bond_of(&m[0]), BOND);
		System::assert_has_event(
			Event::MemberPenalized { request: id, member: m[2], amount: PENALTY }.into(),
		);
	});
	network(|| {
		// m[2] never commits: after the commit phase the two others reveal; m[2] is silent.
		let (id, _) = answered(wrong());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block(); // the committee is drawn in the next block
		let m = committee(id);
		assert_ok!(commit(id, m[0], &right()));
		assert_ok!(commit(id, m[1], &right()));
		run_to(3 + COMMIT_PERIOD + 1);
		let DisputePhase::Reveal { until } = Disputes::<Test>::get(id).unwrap().phase else {
			panic!("reveal phase after the commit period")
		};
		assert_eq!(until, 3 + COMMIT_PERIOD + 1 + REVEAL_PERIOD);
		assert_noop!(commit(id, m[2], &right()), Error::<Test>::WrongPhase);
		assert_ok!(reveal(id, m[0], &right()));
		assert_ok!(reveal(id, m[1], &right()));
		// Not everybody revealed: the verdict waits for the end of the phase.
		run_to(until);
		assert!(Disputes::<Test>::contains_key(id));
		run_to(until + 1);
		assert!(matches!(
			resolved(id),
			Event::DisputeResolved { verdict: Verdict::ExecutorWrong, .. }
		));
		assert_eq!(Executors::bond_of(&m[2]), BOND - PENALTY);
	});
}

#[test]
fn a_copied_seal_cannot_be_opened() {
	network(|| {
		let (id, _) = answered(wrong());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block(); // the committee is drawn in the next block
		let m = committee(id);
		assert_ok!(commit(id, m[0], &right()));
		// m[1] copies m[0]'s seal from the chain instead of running the model.
		let Vote::Committed(seal) = Disputes::<Test>::get(id).unwrap().committee[0].vote.clone()
		else {
			panic!("committed")
		};
		assert_ok!(commit_seal(id, m[1], seal));
		assert_ok!(commit(id, m[2], &right()));
		assert_ok!(reveal(id, m[0], &right()));
		// Even with m[0]'s revealed salt and answer, m[1] cannot open the copied seal: it binds
		// m[0]'s key.
		let key1 = Executors::key_of(&m[1]).unwrap();
		assert_noop!(
			Inference::reveal_vote(
				RawOrigin::Authorized.into(),
				id,
				right(),
				commitment_of(&right()),
				salt(m[0]),
				key1,
			),
			Error::<Test>::SealMismatch
		);
		assert_ok!(reveal(id, m[2], &right()));
		run_to(3 + REVEAL_PERIOD + 1);
		assert!(matches!(
			resolved(id),
			Event::DisputeResolved { verdict: Verdict::ExecutorWrong, .. }
		));
		assert_eq!(Executors::bond_of(&m[1]), BOND - PENALTY);
	});
}

#[test]
fn vote_errors() {
	network(|| {
		let (id, liar) = answered(wrong());
		assert_noop!(commit(id, ALICE, &right()), Error::<Test>::NoDispute);
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block(); // the committee is drawn in the next block
		let m = committee(id);
		let outsider = EVERYONE.into_iter().find(|e| !m.contains(e) && *e != liar).unwrap();
		assert_noop!(commit(id, outsider, &right()), Error::<Test>::NotMember);
		assert_noop!(commit(id, liar, &right()), Error::<Test>::NotMember);
		// A signature by another key.
		let key = Executors::key_of(&m[0]).unwrap();
		let other = Executors::key_of(&m[1]).unwrap();
		let seal = H256::repeat_byte(1);
		let statement =
			DisputeStatement::Commit { request: Inference::request_digest(id).unwrap(), seal };
		let bad = other.sign(&statement.signing_payload()).unwrap();
		assert_noop!(
			Inference::commit_vote(RawOrigin::Authorized.into(), id, seal, key, bad),
			Error::<Test>::BadSignature
		);
		assert_noop!(reveal(id, m[0], &right()), Error::<Test>::WrongPhase);
		assert_ok!(commit(id, m[0], &right()));
		assert_noop!(commit(id, m[0], &right()), Error::<Test>::AlreadyCommitted);
		assert_ok!(commit(id, m[1], &right()));
		assert_ok!(commit(id, m[2], &right()));
		// Reveal phase: a different answer than the sealed one does not open the seal.
		assert_noop!(reveal(id, m[0], &wrong()), Error::<Test>::SealMismatch);
		assert_ok!(reveal(id, m[0], &right()));
		assert_noop!(reveal(id, m[0], &right()), Error::<Test>::NotCommitted);
		// Late reveals are refused, by the call and by its authorization.
		System::set_block_number(3 + REVEAL_PERIOD + 1);
		assert_noop!(reveal(id, m[1], &right()), Error::<Test>::WrongPhase);
		let key = Executors::key_of(&m[1]).unwrap();
		let call = Call::<Test>::reveal_vote {
			request: id,
			output: right(),
			commitment: commitment_of(&right()),
			salt: salt(m[1]),
			key,
		};
		assert!(matches!(
			call.authorize(TransactionSource::External),
			Some(Err(e)) if e == InvalidTransaction::Custom(Error::<Test>::WrongPhase.encode()[0]).into()
		));
	});
}

#[test]
fn no_quorum_extends_once_then_refunds_and_releases_both_bonds() {
	network(|| {
		let (id, liar) = answered(wrong());
		let dapp = free(DAPP);
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block(); // the committee is drawn in the next block
		let m = committee(id);
		let spare = EVERYONE.into_iter().find(|e| !m.contains(e) && *e != liar).unwrap();
		// m[0] and m[1] commit, m[2] does not: the reveal phase opens after the commit phase.
		assert_ok!(commit(id, m[0], &right()));
		assert_ok!(commit(id, m[1], &right()));
		let reveal_from = 3 + COMMIT_PERIOD + 1;
		run_to(reveal_from);
		let reveal_until = reveal_from + REVEAL_PERIOD;
		assert_eq!(
			Disputes::<Test>::get(id).unwrap().phase,
			DisputePhase::Reveal { until: reveal_until }
		);
		// Only m[0] reveals: one vote is no quorum. The silent m[1] and m[2] are penalized and
		// replaced by the one executor left; m[0]'s revealed vote stands.
		assert_ok!(reveal(id, m[0], &right()));
		let extended_at = reveal_until + 1;
		run_to(extended_at);
		let dispute = Disputes::<Test>::get(id).unwrap();
		assert!(dispute.extended);
		let commit_until = extended_at + COMMIT_PERIOD;
		assert_eq!(dispute.phase, DisputePhase::Commit { until: commit_until });
		System::assert_has_event(
			Event::DisputeExtended { request: id, added: vec![spare], commit_until }.into(),
		);
		assert_eq!(Executors::bond_of(&m[1]), BOND - PENALTY);
		assert_eq!(Executors::bond_of(&m[2]), BOND - PENALTY);
		assert_eq!(committee(id), vec![m[0], spare]);
		// The newcomer stays silent: still no quorum, and no second extension.
		run_to(commit_until + 1);
		assert!(matches!(
			resolved(id),
			Event::DisputeResolved { verdict: Verdict::NoQuorum, slashed: 0, .. }
		));
		assert_eq!(Executors::bond_of(&spare), BOND - PENALTY);
		assert_eq!(Executors::bond_of(&m[0]), BOND);
		assert!(matches!(status(id), RequestStatus::Refunded { .. }));
		assert!(Results::<Test>::get(id).is_none());
		assert_eq!(free(DAPP), dapp + PRICE);
		assert_eq!(held(DAPP), 0);
		assert_eq!(bond_held(CHALLENGER), 0);
		assert_eq!(free(CHALLENGER), 10_000);
		assert_eq!(Executors::bond_of(&liar), BOND);
	});
}

/// The attack (issue 17, item 8, committees): a challenger that authors the block including its
/// own challenge (a validator's watcher) knows that block's seed; with the committee drawn in
/// the challenge's block it could challenge only when the committee suited it. The committee is
/// drawn in the next block: whatever the challenge block's seed, the same committee. Before
/// the delay the first assertion failed (the committee moved with the challenge block's seed).
#[test]
fn a_challenger_cannot_choose_its_committee_by_the_challenge_blocks_seed() {
	network(|| {
		let (id, _) = answered(wrong());
		let drawn = |challenge_block: u8, next: u8| {
			on_abandoned_branch(|| {
				let at = System::block_number();
				set_seed(H256::repeat_byte(challenge_block));
				assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
				assert!(committee(id).is_empty(), "drawn in the challenge's own block");
				set_seed(H256::repeat_byte(next));
				next_block();
				let members = committee(id);
				System::set_block_number(at);
				members
			})
		};
		for next in 0..3u8 {
			let committees: Vec<Vec<AccountId>> = (0..12u8).map(|c| drawn(c, next)).collect();
			assert!(
				committees.iter().all(|c| *c == committees[0]),
				"the challenge block's seed moved the committee: {committees:?}"
			);
		}
		let mut by_next: Vec<Vec<AccountId>> = (0..12u8).map(|n| drawn(0, n)).collect();
		by_next.sort();
		by_next.dedup();
		assert!(by_next.len() > 1, "the next block's seed does not move the committee");
	});
}

#[test]
fn challenge_errors() {
	network(|| {
		list(1, PRICE);
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(CHALLENGER), 42),
			Error::<Test>::UnknownRequest
		);
		let id = request(&[[1.0; 4]]);
		let executor = assigned_to(id);
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id),
			Error::<Test>::NotChallengeable
		);
		assert_ok!(submit(result_call(id, executor, expected_output(&input(&[[1.0; 4]])))));
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(executor), id),
			Error::<Test>::OwnResult
		);
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(POOR), id),
			Error::<Test>::CannotHoldBond
		);
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(DAPP), id),
			Error::<Test>::AlreadyDisputed
		);
		// After the window the result is final.
		let late = request(&[[2.0; 4]]);
		let executor = assigned_to(late);
		assert_ok!(submit(result_call(late, executor, expected_output(&input(&[[2.0; 4]])))));
		run_to(System::block_number() + WINDOW);
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(CHALLENGER), late),
			Error::<Test>::ResultFinal
		);
		// Silence the first dispute (no votes, no quorum, refunded) before the end.
		run_to(System::block_number() + 2 * COMMIT_PERIOD + 2);
	});
	network(|| {
		// At most MAX_DISPUTES open at once.
		list(1, PRICE);
		let ids: Vec<u64> = (0..=MAX_DISPUTES).map(|n| request_undrawn(&[[n as f32; 4]])).collect();
		draw_all();
		for (n, id) in ids.into_iter().enumerate() {
			let rows = [[n as f32; 4]];
			assert_ok!(submit(result_call(id, assigned_to(id), expected_output(&input(&rows)))));
			let outcome = Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id);
			if n < MAX_DISPUTES as usize {
				assert_ok!(outcome);
			} else {
				assert_noop!(outcome, Error::<Test>::TooManyDisputes);
			}
		}
		run_to(System::block_number() + 2 * COMMIT_PERIOD + 2);
		assert!(Disputes::<Test>::iter().next().is_none());
	});
	// Two executors: one other than the accused cannot reach a quorum of two.
	let mut env = new_network(FakeEngine::default(), &[ALICE, BOB], &[ALICE, BOB]);
	env.ext.execute_with(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		assert_ok!(submit(result_call(id, assigned_to(id), expected_output(&input(&[[1.0; 4]])))));
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id),
			Error::<Test>::NoCommittee
		);
	});
}

/// Dispatches every transaction the off-chain workers put in the pool since `from`, checking its
/// authorization first; returns the calls.
fn apply_pool(pool: &parking_lot::RwLock<PoolState>, from: usize) -> Vec<Call<Test>> {
	let calls = pool_calls(pool, from);
	for call in &calls {
		call.authorize(TransactionSource::Local).expect("authorized").expect("valid");
		use frame_support::traits::UnfilteredDispatchable;
		call.clone().dispatch_bypass_filter(RawOrigin::Authorized.into()).unwrap();
	}
	calls
}

#[test]
fn committee_off_chain_workers_commit_then_reveal_what_they_ran() {
	let mut env = new_network(FakeEngine::default(), &EVERYONE, &EVERYONE);
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		WatchFraction::<Test>::put(Perbill::zero());
		let (id, liar) = answered(wrong());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block(); // the committee is drawn in the next block
				// Not in the block the dispute opened in: peers still at its parent would refuse the
				// votes (and never ask for them again).
		dispute_worker(3);
		assert!(pool.read().transactions.is_empty());
		run_to(4);
		dispute_worker(4);
		let commits = apply_pool(&pool, 0);
		assert_eq!(commits.len(), COMMITTEE as usize);
		assert!(commits
			.iter()
			.all(|c| matches!(c, Call::commit_vote { request, .. } if *request == id)));
		// All committed: the reveal phase opened; the workers of the next block reveal.
		assert!(matches!(Disputes::<Test>::get(id).unwrap().phase, DisputePhase::Reveal { .. }));
		dispute_worker(4);
		assert_eq!(pool.read().transactions.len(), COMMITTEE as usize);
		run_to(5);
		dispute_worker(5);
		let reveals = apply_pool(&pool, COMMITTEE as usize);
		assert_eq!(reveals.len(), COMMITTEE as usize);
		for call in &reveals {
			let Call::reveal_vote { output, .. } = call else { panic!("a reveal") };
			assert_eq!(*output, right());
		}
		run_to(6);
		assert!(matches!(
			resolved(id),
			Event::DisputeResolved { verdict: Verdict::ExecutorWrong, .. }
		));
		assert_eq!(status(id), RequestStatus::Corrected { executor: liar, at: 6 });
		check_invariants();
	});
}

#[test]
fn watchers_challenge_a_sampled_wrong_result_and_leave_right_ones_alone() {
	// This node holds every key but the liar's.
	let liar_env = |local: &[AccountId]| new_network(FakeEngine::default(), &EVERYONE, local);
	let mut env = liar_env(&[ALICE, BOB, CHARLIE, DAVE, EVE]);
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		assert_ok!(Inference::set_watch_fraction(RuntimeOrigin::root(), Perbill::one()));
		assert_noop!(
			Inference::set_watch_fraction(RuntimeOrigin::signed(ALICE), Perbill::one()),
			sp_runtime::DispatchError::BadOrigin
		);
		list(1, PRICE);
		// A right result: watched, not challenged.
		let good = request(&[[1.0, 2.0, 3.0, 4.0]]);
		let good_executor = assigned_to(good);
		assert_ok!(submit(result_call(good, good_executor, right())));
		// A wrong one.
		let bad = request(&[[1.0, 2.0, 3.0, 4.0]]);
		let liar = assigned_to(bad);
		assert_ok!(submit(result_call(bad, liar, wrong())));
		// Only the results of executors whose keys are not on this node are watched: every
		// executor's key is here, so nothing is watched.
		run_to(3);
		dispute_worker(3);
		assert!(pool.read().transactions.is_empty());
	});
	let mut env = liar_env(&[]);
	env.ext.execute_with(|| {
		// A node without executor keys does not watch either.
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		assert_ok!(submit(result_call(
			id,
			assigned_to(id),
			wrong_output(&expected_output(&input(&[[1.0; 4]])))
		)));
		WatchFraction::<Test>::put(Perbill::one());
		run_to(3);
		dispute_worker(3);
	});
	assert!(env.pool.read().transactions.is_empty());

	// The watcher holds one key; results of the others are sampled at 100%.
	let mut env = new_network(FakeEngine::default(), &EVERYONE, &[ALICE]);
	let pool = env.pool.clone();
	let engine = env.engine.clone();
	env.ext.execute_with(|| {
		WatchFraction::<Test>::put(Perbill::one());
		list(1, PRICE);
		let mut wrong_ids = vec![];
		let mut right_ids = vec![];
		let rows_of = |n: usize| [[n as f32, 1.0, 2.0, 3.0]];
		let ids: Vec<u64> = (0..8).map(|n| request_undrawn(&rows_of(n))).collect();
		draw_all();
		for (n, id) in ids.into_iter().enumerate() {
			let rows = rows_of(n);
			let executor = assigned_to(id);
			if executor == ALICE {
				continue;
			}
			let good = expected_output(&input(&rows));
			if n % 2 == 0 {
				assert_ok!(submit(result_call(id, executor, wrong_output(&good))));
				wrong_ids.push(id);
			} else {
				assert_ok!(submit(result_call(id, executor, good)));
				right_ids.push(id);
			}
		}
		assert!(!wrong_ids.is_empty() && !right_ids.is_empty());
		// Not in the block of the results: peers still at its parent would refuse a challenge.
		let answered_at = System::block_number();
		dispute_worker(answered_at);
		assert_eq!(*engine.runs.lock().unwrap(), 0);
		assert!(pool.read().transactions.is_empty());
		run_to(answered_at + 1);
		dispute_worker(answered_at + 1);
		let runs = *engine.runs.lock().unwrap();
		assert_eq!(
			runs as usize,
			wrong_ids.len() + right_ids.len(),
			"every other result re-run once"
		);
		let calls = apply_pool(&pool, 0);
		let challenged: Vec<u64> = calls
			.iter()
			.map(|c| match c {
				Call::watcher_challenge { request, .. } => *request,
				other => panic!("unexpected {other:?}"),
			})
			.collect();
		assert_eq!(challenged, wrong_ids.iter().rev().copied().collect::<Vec<_>>());
		for id in &wrong_ids {
			assert_eq!(Disputes::<Test>::get(id).unwrap().challenger, ALICE);
		}
		assert_eq!(bond_held(ALICE), CHALLENGE_BOND * wrong_ids.len() as u64);
		// Each result is considered once: later runs only serve the committees Alice sits on.
		let before = pool.read().transactions.len();
		run_to(answered_at + 2);
		dispute_worker(answered_at + 2);
		for call in pool_calls(&pool, before) {
			assert!(matches!(call, Call::commit_vote { .. }));
		}
		check_invariants();
	});
}

#[test]
fn sampling_follows_the_fraction() {
	let secret = [7u8; 32];
	let share = |fraction: Perbill| {
		(0..20_000u64).filter(|id| offchain::watch::sampled(&secret, *id, fraction)).count()
	};
	assert_eq!(share(Perbill::zero()), 0);
	assert_eq!(share(Perbill::one()), 20_000);
	let tenth = share(Perbill::from_percent(10));
	assert!((1_800..2_200).contains(&tenth), "10% of 20,000 sampled: {tenth}");
	// Another secret samples other requests.
	let other = (0..20_000u64)
		.filter(|id| {
			offchain::watch::sampled(&secret, *id, Perbill::from_percent(10))
				&& offchain::watch::sampled(&[8u8; 32], *id, Perbill::from_percent(10))
		})
		.count();
	assert!(other < 400, "independent samples overlap by about 1%: {other}");
}
