//! Declines: an executor that cannot run a request says why, and the request moves on at once;
//! a poison request (one no engine can run) costs its requester the fee once
//! [`REJECT_QUORUM`] executors have declined it as its own fault.
//!
//! The attack these close (issue 17, item 6): an input the chain accepts but no engine can run
//! (too many tokens for the model, say) used to run out every executor's deadline and then be
//! refunded in full, so flooding the market with them cost only transaction fees, and tied up
//! `MaxReassignments + 1` executors' deadlines per request.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{mock::*, Call, Error, Event, Rejections, RequestStatus};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchClass, GetDispatchInfo},
	pallet_prelude::TransactionSource,
	traits::Authorize,
};
use opg_primitives::{InferenceError, SchemaError};

/// A reason that is the request's fault: the input has more tokens than the model takes.
const TOO_MANY_TOKENS: InferenceError = InferenceError::InputTooLarge;

#[test]
fn a_poison_request_costs_its_requester_the_fee_once_enough_executors_decline_it() {
	// The whole path through the off-chain workers: every executor's engine refuses the input.
	let mut env = new_env(FakeEngine { fail: Some(TOO_MANY_TOKENS), ..Default::default() });
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		list(1, PRICE);
		let treasury = Balances::free_balance(TREASURY);
		let executors = [ALICE, BOB, CHARLIE].map(Balances::free_balance);
		let id = request(&[[1.0; 4]]);
		let mut decliners = Vec::new();
		for n in 0..REJECT_QUORUM as usize {
			if n > 0 {
				// The next executor is drawn in the block after the decline.
				assert!(matches!(status(id), RequestStatus::Drawing { attempt: 1, at: 3 }));
				next_block();
			}
			let executor = assigned_to(id);
			answer_worker(System::block_number());
			let calls = pool_calls(&pool, n);
			let [call] = &calls[..] else { panic!("one decline per worker run: {calls:?}") };
			assert!(matches!(call, Call::decline { reason: TOO_MANY_TOKENS, .. }), "{call:?}");
			assert_ok!(dispatch_authorized(call.clone()));
			System::assert_has_event(
				Event::Declined { request: id, executor, reason: TOO_MANY_TOKENS }.into(),
			);
			decliners.push(executor);
			check_invariants();
		}
		// Two distinct executors said so, before any deadline: the requester pays.
		assert_ne!(decliners[0], decliners[1]);
		assert_eq!(status(id), RequestStatus::Rejected { at: 3 });
		assert_eq!(held(DAPP), 0);
		assert_eq!(Balances::free_balance(DAPP), 10_000 - PRICE);
		assert_eq!(Balances::free_balance(TREASURY), treasury + PRICE, "to the treasury");
		assert_eq!([ALICE, BOB, CHARLIE].map(Balances::free_balance), executors, "nothing to them");
		System::assert_has_event(
			Event::Rejected { request: id, requester: DAPP, fee: PRICE }.into(),
		);
		assert_eq!(Rejections::<Test>::iter().count(), 0);
		assert_eq!(crate::Missed::<Test>::iter().count(), 0);
		// The model's record: rejected, no fee counted as paid for its service.
		let stats = Inference::model_stats(model(1));
		assert_eq!((stats.requests, stats.answered, stats.rejected, stats.fees_paid), (1, 0, 1, 0));
		// A rejected request is settled: nothing is assigned, the deadline entry is stale.
		run_to(3 + TIMEOUT);
		assert_eq!(status(id), RequestStatus::Rejected { at: 3 });
		check_invariants();
	});
}

#[test]
fn an_executor_fault_decline_moves_the_request_on_at_once_and_never_charges_the_requester() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let mut seen = Vec::new();
		// Every executor declines for its own engine's fault: reassigned in the next block each
		// time, then refunded in full, no deadline waited for.
		for n in 0..=MAX_REASSIGN {
			if n > 0 {
				next_block();
			}
			let executor = assigned_to(id);
			assert!(!seen.contains(&executor), "back to an executor that declined");
			seen.push(executor);
			assert_ok!(dispatch_authorized(decline_call(id, executor, InferenceError::Internal)));
			check_invariants();
		}
		assert_eq!(status(id), RequestStatus::Refunded { at: 2 + u64::from(MAX_REASSIGN) });
		assert_eq!(Balances::free_balance(DAPP), 10_000);
		assert_eq!(Rejections::<Test>::iter().count(), 0);
	});
}

#[test]
fn one_request_fault_decline_is_not_enough_and_a_result_clears_it() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let first = assigned_to(id);
		let reason = InferenceError::BadInput(SchemaError::ShapeOverflow);
		assert_ok!(dispatch_authorized(decline_call(id, first, reason)));
		assert_eq!(Rejections::<Test>::get(id), 1);
		next_block();
		let second = assigned_to(id);
		assert_ne!(second, first);
		System::assert_has_event(
			Event::Assigned { request: id, executor: second, attempt: 1, deadline: 3 + TIMEOUT }
				.into(),
		);
		// The second executor can run it after all: the first one's claim counts for nothing.
		assert_ok!(submit(correct_result(id)));
		assert_eq!(Rejections::<Test>::iter().count(), 0);
		run_to(3 + WINDOW);
		assert!(matches!(status(id), RequestStatus::Final { executor, .. } if executor == second));
	});
}

#[test]
fn a_request_fault_decline_after_executor_fault_ones_still_needs_the_quorum() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		assert_ok!(dispatch_authorized(decline_call(
			id,
			assigned_to(id),
			InferenceError::Internal
		)));
		next_block();
		assert_ok!(dispatch_authorized(decline_call(id, assigned_to(id), TOO_MANY_TOKENS)));
		assert_eq!(Rejections::<Test>::get(id), 1);
		next_block();
		// The last executor (MAX_REASSIGN = 2), drawn in block 4, times out: one such decline
		// is not two, refund.
		run_to(4 + TIMEOUT);
		assert_eq!(status(id), RequestStatus::Refunded { at: 4 + TIMEOUT });
		assert_eq!(Balances::free_balance(DAPP), 10_000);
	});
}

#[test]
fn decline_errors() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let executor = assigned_to(id);
		let other = [ALICE, BOB, CHARLIE].into_iter().find(|e| *e != executor).unwrap();
		let reason = InferenceError::Internal;
		assert_noop!(
			dispatch_authorized(decline_call(id + 1, executor, reason)),
			Error::<Test>::UnknownRequest
		);
		assert_noop!(
			dispatch_authorized(decline_call(id, other, reason)),
			Error::<Test>::WrongExecutor
		);
		// Signed for another reason than the one sent.
		let Call::decline { request: req, key, signature, .. } = decline_call(id, executor, reason)
		else {
			unreachable!()
		};
		let forged = Call::decline { request: req, reason: TOO_MANY_TOKENS, key, signature };
		assert_noop!(dispatch_authorized(forged.clone()), Error::<Test>::BadSignature);
		// The authorization refuses what the call refuses; what it accepts is operational.
		assert!(forged.authorize(TransactionSource::External).unwrap().is_err());
		let call = decline_call(id, executor, reason);
		let valid = call.authorize(TransactionSource::External).unwrap().unwrap().0;
		assert_eq!(valid.priority, EXECUTOR_PRIORITY);
		assert_eq!(call.get_dispatch_info().class, DispatchClass::Operational);
		// Once answered, a decline is refused.
		assert_ok!(submit(correct_result(id)));
		assert_noop!(dispatch_authorized(call), Error::<Test>::NotAssigned);
		// So is a decline after the deadline.
		let late = request(&[[2.0; 4]]);
		let call = decline_call(late, assigned_to(late), reason);
		System::set_block_number(System::block_number() + TIMEOUT + 1);
		assert_noop!(dispatch_authorized(call), Error::<Test>::DeadlinePassed);
	});
}
