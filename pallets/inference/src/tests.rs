//! Unit tests: requests, the off-chain worker, results, payouts, deadlines, holds.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{
	mock::*, offchain, Assigned, Call, DeadlineQueueBounds, Error, Event, ModelStats,
	RequestStatus, Results, SubmittedResult,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchClass, GetDispatchInfo},
	pallet_prelude::{InvalidTransaction, TransactionSource},
	traits::Authorize,
};
use opg_primitives::{
	ExecutorSet, InferenceError, InferenceInput, InferenceOutput, ResultCommitment, Tensor, H256,
};
use sp_runtime::{DispatchError, RuntimeAppPublic};

/// The executor whose result request `id` holds.
fn executor_of(id: u64) -> AccountId {
	match status(id) {
		RequestStatus::Answered { executor, .. } => executor,
		other => panic!("request {id} is {other:?}"),
	}
}

fn other_executor(than: AccountId) -> AccountId {
	[ALICE, BOB, CHARLIE].into_iter().find(|e| *e != than).unwrap()
}

#[test]
fn request_holds_the_fee_and_assigns_an_executor() {
	test(|| {
		list(1, PRICE);
		let id = request_undrawn(&[[1.0, 2.0, 3.0, 4.0]]);
		assert_eq!(id, 0);
		assert_eq!(held(DAPP), PRICE);
		assert_eq!(Balances::free_balance(DAPP), 10_000 - PRICE);
		System::assert_last_event(
			Event::Requested {
				request: id,
				requester: DAPP,
				model: model(1),
				fee: PRICE,
				draw_at: 2,
			}
			.into(),
		);
		// Nobody is drawn in the request's own block, whatever else happens in it.
		assert_eq!(status(id), RequestStatus::Drawing { attempt: 0, at: 2 });
		assert_eq!(Assigned::<Test>::iter().count(), 0);
		next_block();
		let executor = assigned_to(id);
		assert!([ALICE, BOB, CHARLIE].contains(&executor));
		assert!(Assigned::<Test>::contains_key(executor, id));
		assert_eq!(Inference::pending(&executor, 10), vec![id]);
		System::assert_last_event(
			Event::Assigned { request: id, executor, attempt: 0, deadline: 2 + TIMEOUT }.into(),
		);
		assert_eq!(request(&[[0.0; 4], [1.0; 4]]), 1);
		assert_eq!(held(DAPP), 2 * PRICE);
	});
}

/// The attack (issue 17, item 8): the author of the block that includes a request knows that
/// block's randomness while it orders and selects the block's transactions, so with a draw in
/// the request's own block it could choose which request gets which executor (by ordering
/// them, ids being a counter) or leave out a request until a block whose seed suits it. The
/// draw is made in the next block from that block's randomness: whatever the including block's
/// seed, the same executor is drawn, and the next block's seed decides. Before the delayed draw
/// (the executor drawn in `request` itself) the first assertion failed: the drawn executor
/// changed with the including block's seed.
#[test]
fn the_author_of_the_including_block_cannot_steer_the_draw() {
	test(|| {
		list(1, PRICE);
		let draw = |including: u8, next: u8| {
			on_abandoned_branch(|| {
				set_seed(H256::repeat_byte(including));
				let id = request_undrawn(&[[1.0; 4]]);
				set_seed(H256::repeat_byte(next));
				next_block();
				assert_eq!(System::block_number(), 2);
				let executor = assigned_to(id);
				System::set_block_number(1);
				executor
			})
		};
		for next in 0..4u8 {
			let drawn: Vec<AccountId> = (0..16u8).map(|including| draw(including, next)).collect();
			assert!(
				drawn.iter().all(|e| *e == drawn[0]),
				"the including block's seed moved the draw: {drawn:?}"
			);
		}
		// The next block's seed is what draws: over a few seeds, more than one executor.
		let mut by_next: Vec<AccountId> = (0..16u8).map(|next| draw(0, next)).collect();
		by_next.sort();
		by_next.dedup();
		assert!(by_next.len() > 1, "the next block's seed does not move the draw");
	});
}

/// Draws wait for the weight: `on_poll` makes only as many as the block has weight left for
/// (and at most `MaxQueueWork`), the rest in the next block, in order, none lost.
#[test]
fn draws_are_bounded_by_the_weight_left_and_nothing_is_dropped() {
	use crate::weights::WeightInfo;
	use frame_support::{traits::Hooks, weights::WeightMeter};
	test(|| {
		list(1, PRICE);
		let ids: Vec<u64> = (0..3).map(|_| request_undrawn(&[[1.0; 4]])).collect();
		System::set_block_number(2);
		Inference::on_initialize(2);
		let each = <() as WeightInfo>::draw();
		let mut meter = WeightMeter::with_limit(each.saturating_mul(2));
		Inference::on_poll(2, &mut meter);
		assert_eq!(meter.consumed(), each.saturating_mul(2));
		let drawn = |ids: &[u64]| {
			ids.iter().filter(|id| matches!(status(**id), RequestStatus::Assigned { .. })).count()
		};
		assert_eq!(drawn(&ids), 2);
		assert!(matches!(status(ids[2]), RequestStatus::Drawing { .. }));
		// No weight at all: nothing drawn, nothing consumed.
		let mut empty = WeightMeter::with_limit(frame_support::weights::Weight::zero());
		Inference::on_poll(2, &mut empty);
		assert_eq!(drawn(&ids), 2);
		next_block();
		assert_eq!(drawn(&ids), 3);
		assert!(crate::DrawQueueBounds::<Test>::get().is_empty());
		// The late one's timeout runs from its draw.
		assert!(
			matches!(status(ids[2]), RequestStatus::Assigned { deadline, .. } if deadline == 3 + TIMEOUT)
		);
	});
}

#[test]
fn request_errors() {
	test(|| {
		list(1, PRICE);
		let origin = || RuntimeOrigin::signed(DAPP);
		assert_noop!(
			Inference::request(origin(), model(9), input(&[[0.0; 4]]), PRICE),
			Error::<Test>::ModelNotListed
		);
		// Wrong width, empty batch, batch above max, text for a tensor model.
		let wide = InferenceInput::Tensor(Tensor::from_f32(&[1, 3], &[0.0; 3]).unwrap());
		assert_noop!(Inference::request(origin(), model(1), wide, PRICE), Error::<Test>::BadInput);
		let empty = InferenceInput::Tensor(Tensor::from_f32(&[0, 4], &[]).unwrap());
		assert_noop!(Inference::request(origin(), model(1), empty, PRICE), Error::<Test>::BadInput);
		assert_noop!(
			Inference::request(origin(), model(1), input(&[[0.0; 4]; 5]), PRICE),
			Error::<Test>::BadInput
		);
		assert_noop!(
			Inference::request(origin(), model(1), InferenceInput::text("hi").unwrap(), PRICE),
			Error::<Test>::BadInput
		);
		// A poison input: NaN or infinite values, which an engine may refuse and the requester
		// would get refunded in full (issue: the attack costs only the transaction fee).
		for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
			let poison = input(&[[1.0, bad, 0.0, 0.0]]);
			assert_noop!(
				Inference::request(origin(), model(1), poison, PRICE),
				Error::<Test>::BadInput
			);
		}
		// 16 rows of 4 f32 are 256 bytes of data alone: above MaxInputBytes (256) with the
		// header, refused before the schema is looked at.
		let big = InferenceInput::Tensor(Tensor::from_f32(&[16, 4], &[0.0; 64]).unwrap());
		assert_noop!(
			Inference::request(origin(), model(1), big, PRICE),
			Error::<Test>::InputTooLarge
		);
		assert_noop!(
			Inference::request(origin(), model(1), input(&[[0.0; 4]]), PRICE - 1),
			Error::<Test>::FeeAboveMax
		);
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(POOR), model(1), input(&[[0.0; 4]]), PRICE),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Inference::request(RuntimeOrigin::none(), model(1), input(&[[0.0; 4]]), PRICE),
			DispatchError::BadOrigin
		);
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(Executors::unbond(RuntimeOrigin::signed(who)));
		}
		assert_noop!(
			Inference::request(origin(), model(1), input(&[[0.0; 4]]), PRICE),
			Error::<Test>::NoExecutor
		);
		assert_eq!(held(DAPP), 0);
	});
}

#[test]
fn offchain_worker_submits_exactly_one_correct_signed_result() {
	let mut env = new_env(FakeEngine::default());
	let pool = env.pool.clone();
	let engine = env.engine.clone();
	env.ext.execute_with(|| {
		list(1, PRICE);
		let id = request(&[[1.0, 2.0, 3.0, 4.0], [-1.0, 0.0, 5.0, 2.0]]);
		let executor = assigned_to(id);

		answer_worker(2);
		let calls = pool_calls(&pool, 0);
		assert_eq!(calls.len(), 1, "one result submitted");
		assert_eq!(*engine.runs.lock().unwrap(), 1);
		let call = calls[0].clone();
		let (key, results) = results_of(&call);
		let [SubmittedResult { request, ref output, ref commitment, .. }] = results[..] else {
			panic!("one result")
		};
		let key = &key;
		assert_eq!(request, id);
		assert_eq!(*output, expected_output(&input(&[[1.0, 2.0, 3.0, 4.0], [-1.0, 0.0, 5.0, 2.0]])));
		assert_eq!(commitment.output_hash, opg_primitives::commitment::output_hash(output));
		assert_eq!(Executors::owner_of(key), Some(executor));

		// The workers of the next blocks do not run it again while the result is on its way.
		for block in 2..2 + offchain::RESUBMIT_AFTER as u64 {
			answer_worker(block);
		}
		answer_worker(2);
		assert_eq!(pool.read().transactions.len(), 1);
		assert_eq!(*engine.runs.lock().unwrap(), 1);

		// The pool accepts it: valid, provides its request's tag.
		let valid = call.authorize(TransactionSource::Local).unwrap().unwrap().0;
		assert_eq!(valid.provides, vec![("opg/result", id).encode()]);
		assert_ok!(submit(call));
		assert!(matches!(status(id), RequestStatus::Answered { executor: e, challenge_end } if e == executor && challenge_end == 2 + WINDOW));
		assert!(Results::<Test>::contains_key(id));
		assert!(!Assigned::<Test>::contains_key(executor, id));

		// Nothing is assigned any more: a later worker submits nothing.
		answer_worker(2 + offchain::RESUBMIT_AFTER as u64);
		assert_eq!(pool.read().transactions.len(), 1);
		Inference::do_try_state().unwrap();
	});
}

#[test]
fn offchain_worker_resubmits_after_the_lock_expires() {
	let mut env = new_env(FakeEngine::default());
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		list(1, PRICE);
		request(&[[1.0; 4]]);
		answer_worker(2);
		answer_worker(2 + offchain::RESUBMIT_AFTER as u64 - 1);
		assert_eq!(pool.read().transactions.len(), 1);
		// The transaction was dropped; the request is still assigned: try again.
		answer_worker(2 + offchain::RESUBMIT_AFTER as u64);
		assert_eq!(pool.read().transactions.len(), 2);
	});
}

#[test]
fn a_run_in_progress_holds_its_lock_until_the_deadline() {
	let mut env = new_env(FakeEngine::default());
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let RequestStatus::Assigned { deadline, attempt, .. } = status(id) else {
			panic!("assigned")
		};
		// The worker of block 1 took the lock and is still running the model, blocks later.
		let digest = Inference::request_digest(id).unwrap();
		let mut journal = offchain::marks::Journal::<Test>::new(1);
		assert_eq!(offchain::lock::<Test>(1, (digest, attempt), deadline, &mut journal), Ok(()));
		for block in 2..=deadline {
			answer_worker(block);
		}
		assert!(pool.read().transactions.is_empty(), "a second run while the first one ran");
		// Once it has sent its result (or failed), a later worker may retry.
		offchain::release_after::<Test>(1, (digest, attempt));
		answer_worker(2 + offchain::RESUBMIT_AFTER as u64);
		assert_eq!(pool.read().transactions.len(), 1);
	});
}

#[test]
fn offchain_worker_fetches_a_missing_model_from_its_uris() {
	let mut env = new_env(FakeEngine::default());
	let pool = env.pool.clone();
	let engine = env.engine.clone();
	env.ext.execute_with(|| {
		list(2, PRICE);
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(DAPP),
			model(2),
			input(&[[1.0; 4]]),
			PRICE
		));
		next_block();
		answer_worker(2);
		assert_eq!(*engine.fetched.lock().unwrap(), vec![model(2)]);
		assert_eq!(pool.read().transactions.len(), 1);
	});
}

#[test]
fn offchain_worker_declines_what_the_engine_cannot_run() {
	let mut env =
		new_env(FakeEngine { fail: Some(InferenceError::Internal), ..Default::default() });
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		answer_worker(2);
		let calls = pool_calls(&pool, 0);
		assert_eq!(calls.len(), 1, "one decline, no result");
		let Call::decline { request, reason, .. } = calls[0] else { panic!("not a decline") };
		assert_eq!((request, reason), (id, InferenceError::Internal));
		// Not sent again while it is on its way.
		answer_worker(2);
		assert_eq!(pool.read().transactions.len(), 1);
	});
}

#[test]
fn a_node_acts_only_for_the_executor_accounts_it_was_configured_for() {
	// This node's keystore holds the keys of all three executors, but its operator named only
	// Alice (`--executor-account`): the worker must not sign for Bob's or Charlie's account.
	let mut env = new_env(FakeEngine::default());
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		list(1, PRICE);
		act_for(Some(opg_primitives::ExecutorOwners::Only(vec![ALICE])));
		let ids: Vec<u64> = (0..12).map(|n| request_undrawn(&[[n as f32; 4]])).collect();
		draw_all();
		let alices = ids.iter().filter(|id| assigned_to(**id) == ALICE).count();
		assert!(alices > 0 && alices < ids.len(), "the draw spreads 12 requests");
		assert_eq!(offchain::local_executors::<Test>().len(), 1);
		answer_worker(2);
		let calls = pool_calls(&pool, 0);
		let results: usize = calls
			.iter()
			.map(|call| {
				let (key, results) = results_of(call);
				assert_eq!(Executors::owner_of(&key), Some(ALICE));
				results.len()
			})
			.sum();
		assert_eq!(results, alices);
		let sent = calls.len();
		// A node that stored no configuration acts for nobody.
		act_for(None);
		assert!(offchain::local_executors::<Test>().is_empty());
		answer_worker(2 + offchain::RESUBMIT_AFTER as u64);
		assert_eq!(pool.read().transactions.len(), sent);
		// Every key, by the explicit choice (`--any-executor-key`, the dev chains' default).
		act_for(Some(opg_primitives::ExecutorOwners::Any));
		assert_eq!(offchain::local_executors::<Test>().len(), 3);
	});
}

#[test]
fn offchain_worker_ignores_requests_of_other_executors() {
	// This node holds Alice's key only; the request goes to whoever is drawn.
	let mut env = new_env_with(FakeEngine::default(), &[ALICE]);
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		list(1, PRICE);
		let ids: Vec<u64> = (0..12).map(|n| request_undrawn(&[[n as f32; 4]])).collect();
		draw_all();
		let mine = ids.iter().filter(|id| assigned_to(**id) == ALICE).count();
		assert!(mine > 0 && mine < 12, "the draw spreads 12 requests");
		answer_worker(2);
		let calls = pool_calls(&pool, 0);
		let results: Vec<SubmittedResult> = calls.iter().flat_map(|c| results_of(c).1).collect();
		assert_eq!(results.len(), mine);
		for result in results {
			assert_eq!(assigned_to(result.request), ALICE);
		}
	});
}

#[test]
fn result_errors() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0, 2.0, 3.0, 4.0]]);
		let executor = assigned_to(id);
		let good = expected_output(&input(&[[1.0, 2.0, 3.0, 4.0]]));

		assert_noop!(submit(result_call(7, executor, good.clone())), Error::<Test>::UnknownRequest);
		assert_noop!(
			submit(result_call(id, other_executor(executor), good.clone())),
			Error::<Test>::WrongExecutor
		);
		// Signed by the right key over another statement.
		let (key, results) = results_of(&result_call(id, executor, good.clone()));
		let SubmittedResult { output, commitment, .. } = results[0].clone();
		let other_signature =
			results_of(&result_call(id + 1, executor, good.clone())).1[0].signature.clone();
		let batch = |result: SubmittedResult| Call::submit_results {
			key: key.clone(),
			results: vec![result].try_into().unwrap(),
		};
		assert_noop!(
			submit(batch(SubmittedResult {
				request: id,
				output: output.clone(),
				commitment,
				signature: other_signature,
			})),
			Error::<Test>::BadSignature
		);
		// A commitment to another output, correctly signed.
		let lie =
			ResultCommitment::new(&expected_output(&input(&[[0.0; 4]])), &[H256::repeat_byte(7)]);
		let statement = Inference::result_statement(id, lie).unwrap();
		let signature = key.sign(&statement.signing_payload()).unwrap();
		assert_noop!(
			submit(batch(SubmittedResult {
				request: id,
				output: output.clone(),
				commitment: lie,
				signature,
			})),
			Error::<Test>::CommitmentMismatch
		);
		// The right output, signed, but computed under another opset than the runtime's.
		let other_opset =
			ResultCommitment { opset: opg_primitives::OPSET.wrapping_add(1), ..commitment };
		let statement = Inference::result_statement(id, other_opset).unwrap();
		let signature = key.sign(&statement.signing_payload()).unwrap();
		assert_noop!(
			submit(batch(SubmittedResult {
				request: id,
				output: output.clone(),
				commitment: other_opset,
				signature,
			})),
			Error::<Test>::UnsupportedOpset
		);
		// Outputs that do not fit the schema: wrong width, wrong batch.
		let wide = InferenceOutput::Tensor(Tensor::from_f32(&[1, 3], &[0.0; 3]).unwrap());
		assert_noop!(submit(result_call(id, executor, wide)), Error::<Test>::BadOutput);
		let two = InferenceOutput::Tensor(Tensor::from_f32(&[2, 2], &[0.0; 4]).unwrap());
		assert_noop!(submit(result_call(id, executor, two)), Error::<Test>::BadOutput);
		let _ = (output, commitment);
		assert_noop!(
			Inference::submit_results(
				RuntimeOrigin::signed(executor),
				key.clone(),
				results_of(&result_call(id, executor, good.clone())).1.try_into().unwrap()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Inference::submit_results(
				frame_system::RawOrigin::Authorized.into(),
				key,
				Default::default()
			),
			Error::<Test>::NoResults
		);

		// The good one, then a second one.
		assert_ok!(submit(result_call(id, executor, good.clone())));
		assert_noop!(submit(result_call(id, executor, good)), Error::<Test>::NotAssigned);
	});
}

#[test]
fn late_results_are_refused() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let call = correct_result(id);
		System::set_block_number(2 + TIMEOUT + 1);
		assert_noop!(submit(call), Error::<Test>::DeadlinePassed);
	});
}

#[test]
fn authorization_refuses_what_the_call_would_refuse() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let executor = assigned_to(id);
		let wrong = result_call(id, other_executor(executor), expected_output(&input(&[[1.0; 4]])));
		let code = Error::<Test>::WrongExecutor.encode()[0];
		assert_eq!(
			wrong.authorize(TransactionSource::External).unwrap(),
			Err(InvalidTransaction::Custom(code).into())
		);
		let good = correct_result(id);
		let (valid, refund) = good.authorize(TransactionSource::External).unwrap().unwrap();
		assert_eq!(refund, frame_support::weights::Weight::zero());
		assert_eq!(valid.longevity, TIMEOUT + 1);
		assert!(valid.propagate);
		// Above any signed transaction, and kept a part of every block for.
		assert_eq!(valid.priority, EXECUTOR_PRIORITY);
		assert_eq!(good.get_dispatch_info().class, DispatchClass::Operational);
	});
}

#[test]
fn a_result_is_paid_and_final_after_the_window() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let executor = assigned_to(id);
		let before = Balances::free_balance(executor);
		assert_ok!(submit(correct_result(id)));
		run_to(2 + WINDOW - 1);
		assert!(matches!(status(id), RequestStatus::Answered { .. }));
		assert_eq!(held(DAPP), PRICE);
		run_to(2 + WINDOW);
		assert_eq!(status(id), RequestStatus::Final { executor, at: 2 + WINDOW });
		assert_eq!(held(DAPP), 0);
		assert_eq!(Balances::free_balance(DAPP), 10_000 - PRICE);
		assert_eq!(Balances::free_balance(executor), before + 90);
		assert_eq!(Balances::free_balance(TREASURY), ED + 10);
		System::assert_has_event(
			Event::ResultFinalized { request: id, executor, paid: 90, protocol_fee: 10 }.into(),
		);
		assert!(Inference::result_details(id).unwrap().is_final);
	});
}

/// A model's record counts its requests as they are made, answered and finished, per model,
/// and outlives the requests: pruning them leaves it as it was.
#[test]
fn a_models_record_counts_its_requests_and_outlives_their_pruning() {
	test(|| {
		list(1, PRICE);
		list(2, PRICE);
		assert_eq!(Inference::model_stats(model(1)), ModelStats::default());
		let answered = request(&[[1.0; 4]]);
		let unanswered = request(&[[2.0; 4]]);
		let stats = Inference::model_stats(model(1));
		assert_eq!((stats.requests, stats.answered), (2, 0));
		assert_ok!(submit(correct_result(answered)));
		assert_eq!(Inference::model_stats(model(1)).answered, 1);
		// Nobody answers the other one: three deadlines, then a refund.
		run_to(2 + (MAX_REASSIGN as u64 + 1) * (TIMEOUT + 1));
		assert!(matches!(status(answered), RequestStatus::Final { .. }));
		assert!(matches!(status(unanswered), RequestStatus::Refunded { .. }));
		let record = ModelStats {
			requests: 2,
			answered: 1,
			finalized: 1,
			refunded: 1,
			fees_paid: PRICE,
			..Default::default()
		};
		assert_eq!(Inference::model_stats(model(1)), record);
		assert_eq!(Inference::model_stats(model(2)), ModelStats::default(), "per model");
		run_to(System::block_number() + RETENTION + 1);
		assert!(Inference::is_pruned(answered) && Inference::is_pruned(unanswered));
		assert_eq!(Inference::model_stats(model(1)), record);
	});
}

#[test]
fn a_delisted_model_still_gets_its_open_requests_answered() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		delist(1);
		assert_ok!(submit(correct_result(id)));
		run_to(2 + WINDOW);
		assert!(matches!(status(id), RequestStatus::Final { .. }));
	});
}

#[test]
fn missed_deadlines_reassign_then_refund_in_full() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let first = assigned_to(id);
		run_to(2 + TIMEOUT - 1);
		assert_eq!(assigned_to(id), first);
		run_to(2 + TIMEOUT);
		// The next executor is drawn in the next block, from that block's randomness.
		assert_eq!(status(id), RequestStatus::Drawing { attempt: 1, at: 3 + TIMEOUT });
		assert!(!Assigned::<Test>::contains_key(first, id));
		System::assert_has_event(
			Event::Reassigned { request: id, from: first, draw_at: 3 + TIMEOUT }.into(),
		);
		let late = result_call(id, first, expected_output(&input(&[[1.0; 4]])));
		assert_noop!(submit(late.clone()), Error::<Test>::NotAssigned);
		run_to(3 + TIMEOUT);
		let second = assigned_to(id);
		assert_ne!(second, first);
		assert!(Assigned::<Test>::contains_key(second, id));
		System::assert_has_event(
			Event::Assigned {
				request: id,
				executor: second,
				attempt: 1,
				deadline: 3 + 2 * TIMEOUT,
			}
			.into(),
		);
		// The first executor's result is still refused.
		assert_noop!(submit(late), Error::<Test>::WrongExecutor);
		run_to(4 + 2 * TIMEOUT);
		let third = assigned_to(id);
		assert_ne!(third, second);
		assert_eq!(held(DAPP), PRICE);
		// MAX_REASSIGN = 2: the third deadline refunds.
		run_to(4 + 3 * TIMEOUT);
		assert_eq!(status(id), RequestStatus::Refunded { at: 4 + 3 * TIMEOUT });
		assert_eq!(held(DAPP), 0);
		assert_eq!(Balances::free_balance(DAPP), 10_000);
		assert!(Assigned::<Test>::iter().next().is_none());
		System::assert_has_event(
			Event::Refunded { request: id, requester: DAPP, amount: PRICE }.into(),
		);
	});
}

#[test]
fn a_reassignment_never_goes_back_to_an_executor_that_missed_the_request() {
	test(|| {
		list(1, PRICE);
		// As many requests as one block expires (`MaxQueueWork`), nobody answers: each goes
		// through all three executors, once each.
		let ids: Vec<u64> = (0..QUEUE_WORK).map(|n| request_undrawn(&[[n as f32; 4]])).collect();
		draw_all();
		let mut drawn: Vec<Vec<AccountId>> = ids.iter().map(|id| vec![assigned_to(*id)]).collect();
		for round in 1..=MAX_REASSIGN as u64 {
			// Drawn in block 2, then a block after each missed deadline.
			run_to(2 + round * (TIMEOUT + 1));
			for (id, seen) in ids.iter().zip(&mut drawn) {
				seen.push(assigned_to(*id));
			}
		}
		for (id, seen) in ids.iter().zip(&drawn) {
			let mut distinct = seen.clone();
			distinct.sort();
			distinct.dedup();
			assert_eq!(
				distinct.len(),
				seen.len(),
				"request {id} went back to a missed executor: {seen:?}"
			);
		}
		assert_eq!(crate::Missed::<Test>::get(ids[0]).len(), MAX_REASSIGN as usize);
		// Answered or refunded, a request forgets who missed it.
		assert_ok!(submit(correct_result(ids[0])));
		assert!(crate::Missed::<Test>::get(ids[0]).is_empty());
		run_to(2 + (MAX_REASSIGN as u64 + 1) * (TIMEOUT + 1));
		assert_eq!(crate::Missed::<Test>::iter().count(), 0);
	});
}

#[test]
fn a_request_with_no_other_executor_is_refunded() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let first = assigned_to(id);
		for who in [ALICE, BOB, CHARLIE] {
			if who != first {
				assert_ok!(Executors::unbond(RuntimeOrigin::signed(who)));
			}
		}
		run_to(2 + TIMEOUT);
		// Nobody but the one that missed it serves: the draw finds nobody and refunds.
		run_to(3 + TIMEOUT);
		assert_eq!(status(id), RequestStatus::Refunded { at: 3 + TIMEOUT });
		assert_eq!(Balances::free_balance(DAPP), 10_000);
	});
}

#[test]
fn queue_work_per_block_is_bounded_and_nothing_is_dropped() {
	test(|| {
		list(1, PRICE);
		let ids: Vec<u64> = (0..QUEUE_WORK + 2).map(|_| request_undrawn(&[[1.0; 4]])).collect();
		draw_all();
		run_to(2 + TIMEOUT);
		let moved = |ids: &[u64]| {
			ids.iter()
				.filter(|id| !matches!(status(**id), RequestStatus::Assigned { attempt: 0, .. }))
				.count()
		};
		assert_eq!(moved(&ids), QUEUE_WORK as usize);
		run_to(3 + TIMEOUT);
		assert_eq!(moved(&ids), ids.len());
		run_to(4 + TIMEOUT);
		// The late ones got their full timeout from when they were actually reassigned (a
		// block late, and drawn the block after).
		assert!(
			matches!(status(ids[QUEUE_WORK as usize]), RequestStatus::Assigned { deadline, attempt: 1, .. } if deadline == 4 + 2 * TIMEOUT)
		);
		assert_eq!(DeadlineQueueBounds::<Test>::get().len(), ids.len() as u64);
	});
}

#[test]
fn many_requests_keep_holds_balanced_through_every_path() {
	test(|| {
		list(1, PRICE);
		for round in 0..6u64 {
			let id = request(&[[round as f32; 4]]);
			if round % 2 == 0 {
				assert_ok!(submit(correct_result(id)));
			}
			Inference::do_try_state().unwrap();
			run_to(System::block_number() + 3);
			Inference::do_try_state().unwrap();
		}
		run_to(System::block_number() + 4 * TIMEOUT + WINDOW);
		assert_eq!(held(DAPP), 0);
		let paid = 3 * PRICE;
		assert_eq!(Balances::free_balance(DAPP), 10_000 - paid);
	});
}

#[test]
fn a_result_signed_on_one_branch_is_refused_for_the_same_id_on_another() {
	test(|| {
		list(1, PRICE);
		// One branch: request 0 is one input, and its executor signs the result.
		let (id, executor, replayed) = on_abandoned_branch(|| {
			let id = request(&[[1.0; 4]]);
			(id, assigned_to(id), correct_result(id))
		});
		// Another branch: request 0 is another input, drawn for the same executor.
		assert_eq!(request(&[[2.0; 4]]), id);
		assert_eq!(assigned_to(id), executor);
		assert_noop!(submit(replayed.clone()), Error::<Test>::BadSignature);
		assert_eq!(
			replayed.authorize(TransactionSource::External).unwrap(),
			Err(InvalidTransaction::Custom(Error::<Test>::BadSignature.encode()[0]).into())
		);
		assert_ok!(submit(correct_result(id)));
	});
}

#[test]
fn a_result_statement_binds_the_assignment_and_the_executor() {
	test(|| {
		list(1, PRICE);
		let id = request(&[[1.0; 4]]);
		let first = assigned_to(id);
		let output = expected_output(&input(&[[1.0; 4]]));
		let commitment = commitment_of(&output);
		let statement = Inference::result_statement(id, commitment).unwrap();
		assert_eq!((statement.attempt, statement.executor), (0, first));
		// Reassigned after the deadline: the first executor's signature is for attempt 0.
		let signature = sign_as(first, &statement.signing_payload());
		run_to(2 + TIMEOUT + 1);
		let second = assigned_to(id);
		let Some(replayed) = Inference::result_statement(id, commitment) else {
			panic!("reassigned, still waiting")
		};
		assert_eq!((replayed.attempt, &replayed.executor), (1, &second));
		assert_ne!(replayed.signing_payload(), statement.signing_payload());
		let key = Executors::key_of(&first).unwrap();
		let results = vec![SubmittedResult { request: id, output, commitment, signature }];
		assert_noop!(
			submit(Call::submit_results { key, results: results.try_into().unwrap() }),
			Error::<Test>::WrongExecutor
		);
	});
}

#[test]
fn a_watchers_challenge_signed_on_one_branch_is_refused_on_another() {
	test(|| {
		list(1, PRICE);
		let answer = |rows: [[f32; 4]; 1]| {
			let id = request(&rows);
			assert_ok!(submit(correct_result(id)));
			id
		};
		let (id, challenge) = on_abandoned_branch(|| {
			let id = answer([[1.0; 4]]);
			let watcher = other_executor(executor_of(id));
			let key = Executors::key_of(&watcher).unwrap();
			let statement = opg_primitives::DisputeStatement::Challenge {
				request: Inference::request_digest(id).unwrap(),
			};
			let signature = sign_as(watcher, &statement.signing_payload());
			(id, Call::<Test>::watcher_challenge { request: id, key, signature })
		});
		assert_eq!(answer([[2.0; 4]]), id);
		assert_eq!(
			challenge.authorize(TransactionSource::External).unwrap(),
			Err(InvalidTransaction::Custom(Error::<Test>::BadSignature.encode()[0]).into())
		);
	});
}

#[test]
fn generation_is_billed_per_token_and_the_unused_fee_released() {
	let mut env = new_env(FakeEngine::default());
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		let per_token = 2;
		list_llm(7, per_token);
		let input = prompt("hello", 5);
		// Held: the prompt bound plus the tokens asked for, at the price per token.
		let held_fee = (LLM_PROMPT_TOKENS + 5) as Balance * per_token;
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(DAPP), model(7), input.clone(), held_fee - 1),
			Error::<Test>::FeeAboveMax
		);
		// More tokens than the model generates, or a prompt for a tensor model: refused.
		for (model_n, bad) in [(7, prompt("hello", LLM_NEW_TOKENS + 1)), (1, input.clone())] {
			list(1, PRICE);
			assert_noop!(
				Inference::request(RuntimeOrigin::signed(DAPP), model(model_n), bad, 1_000),
				Error::<Test>::BadInput
			);
		}
		let id = crate::NextRequestId::<Test>::get();
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(DAPP),
			model(7),
			input.clone(),
			held_fee
		));
		assert_eq!(held(DAPP), held_fee);
		next_block();
		let executor = assigned_to(id);

		// The worker generates with the request's digest as the sampling nonce.
		answer_worker(2);
		let calls = pool_calls(&pool, 0);
		let (_, results) = results_of(&calls[0]);
		let digest = Inference::request_digest(id).unwrap();
		let answer = expected_output_with(&input, &digest.0 .0);
		assert_eq!(results[0].output, answer);
		assert_ok!(submit(calls[0].clone()));

		// Final: the answer's 5 prompt and 3 generated tokens are paid, the rest released.
		let before = Balances::free_balance(DAPP);
		run_to(2 + WINDOW);
		assert!(matches!(status(id), RequestStatus::Final { .. }));
		let paid = 8 * per_token;
		assert_eq!(answer.billed_units(), Some(8));
		assert_eq!(held(DAPP), 0);
		assert_eq!(Balances::free_balance(DAPP), before + held_fee - paid);
		System::assert_has_event(
			Event::UnusedFeeReleased { request: id, requester: DAPP, amount: held_fee - paid }
				.into(),
		);
		let finalized = System::events().into_iter().find_map(|r| match r.event {
			RuntimeEvent::Inference(Event::ResultFinalized {
				paid,
				protocol_fee,
				executor: e,
				..
			}) => Some((e, paid + protocol_fee)),
			_ => None,
		});
		assert_eq!(finalized, Some((executor, paid)));
		assert_eq!(Inference::model_stats(model(7)).fees_paid, paid);
	});
}
