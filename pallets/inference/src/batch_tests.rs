//! The market at scale: results in batches (one transaction per executor carries many, and a bad
//! one does not sink the others), the off-chain worker's time budget, and admission (an
//! executor holds at most `MaxBacklog` requests; the rest wait in the draw queue, in order, with
//! no deadline running; a full queue refuses new requests).
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{
	mock::*, offchain, Backlog, Call, DrawQueueBounds, Error, Event, RequestStatus, Results,
	SubmittedResult,
};
use frame_support::{
	assert_noop, assert_ok,
	pallet_prelude::{InvalidTransaction, TransactionSource},
	traits::Authorize,
};
use opg_primitives::{InferenceOutput, ResultCommitment, Tensor};
use sp_runtime::DispatchError;

/// The `ResultRefused` events deposited so far, as `(request, error)`.
fn refused() -> Vec<(u64, DispatchError)> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Inference(Event::ResultRefused { request, error }) => {
				Some((request, error))
			}
			_ => None,
		})
		.collect()
}

/// `error` as an event carries it (without its name).
fn refusal(request: u64, error: Error<Test>) -> (u64, DispatchError) {
	(request, DispatchError::from(error).stripped())
}

/// `n` requests for model 1, each with its own input, drawn (`n` at most what the executors
/// hold); their ids.
fn requests(n: usize) -> Vec<u64> {
	let ids = (0..n).map(|i| request_undrawn(&[[i as f32; 4]])).collect();
	draw_all();
	ids
}

/// Alice's correct result for request `id`.
fn good(id: u64) -> SubmittedResult {
	results_of(&correct_result(id)).1.remove(0)
}

#[test]
fn a_batch_records_its_good_results_and_refuses_each_bad_one_alone() {
	run_checked(new_network(FakeEngine::default(), &[ALICE], &[ALICE]), || {
		list(1, PRICE);
		let ids = requests(4);
		let key = results_of(&correct_result(ids[0])).0;
		let goods: Vec<SubmittedResult> = ids.iter().map(|id| good(*id)).collect();
		let good = |id: u64| goods[ids.iter().position(|i| *i == id).unwrap()].clone();
		// Signed and committed, but not the schema's shape.
		let wide = InferenceOutput::Tensor(Tensor::from_f32(&[1, 3], &[0.0; 3]).unwrap());
		let bad_output = results_of(&result_call(ids[1], ALICE, wide)).1.remove(0);
		let mut bad_signature = good(ids[2]);
		bad_signature.signature = good(ids[3]).signature;
		let mut other_opset = good(ids[3]);
		other_opset.commitment =
			ResultCommitment { opset: opg_primitives::OPSET + 1, ..other_opset.commitment };
		let results = vec![
			good(ids[0]),
			SubmittedResult { request: 99, ..good(ids[0]) },
			bad_output,
			good(ids[0]),
			bad_signature,
			other_opset,
			good(ids[3]),
		];
		// Too many for one batch of the mock (`MAX_BATCH`): the call cannot even be built.
		assert!(
			frame_support::BoundedVec::<_, frame_support::traits::ConstU32<MAX_BATCH>>::try_from(
				results.clone()
			)
			.is_err()
		);
		let (first, second) = results.split_at(MAX_BATCH as usize);
		let batch = |results: &[SubmittedResult]| Call::submit_results {
			key: key.clone(),
			results: results.to_vec().try_into().unwrap(),
		};

		// The pool takes the batch for its good results only: one tag each, the duplicate once.
		let valid = batch(first).authorize(TransactionSource::External).unwrap().unwrap().0;
		use codec::Encode;
		assert_eq!(valid.provides, vec![("opg/result", ids[0]).encode()]);
		assert_ok!(dispatch_authorized(batch(first)));
		assert_ok!(dispatch_authorized(batch(second)));

		assert!(matches!(status(ids[0]), RequestStatus::Answered { .. }));
		assert!(matches!(status(ids[3]), RequestStatus::Answered { .. }));
		assert!(matches!(status(ids[1]), RequestStatus::Assigned { .. }));
		assert!(matches!(status(ids[2]), RequestStatus::Assigned { .. }));
		assert_eq!(Results::<Test>::iter().count(), 2);
		assert_eq!(
			refused(),
			vec![
				refusal(99, Error::UnknownRequest),
				refusal(ids[1], Error::BadOutput),
				refusal(ids[0], Error::NotAssigned),
				refusal(ids[2], Error::BadSignature),
				refusal(ids[3], Error::UnsupportedOpset),
			]
		);

		// A batch with no good result is invalid, with its first result's error.
		let stale = batch(&[good(ids[0]), SubmittedResult { request: 99, ..good(ids[0]) }]);
		let not_assigned = Error::<Test>::NotAssigned.encode()[0];
		assert_eq!(
			stale.authorize(TransactionSource::External).unwrap(),
			Err(InvalidTransaction::Custom(not_assigned).into())
		);
		// So is an empty one.
		let empty = Call::<Test>::submit_results { key, results: Default::default() };
		assert!(empty.authorize(TransactionSource::External).unwrap().is_err());
		assert_noop!(dispatch_authorized(empty), Error::<Test>::NoResults);
	});
}

#[test]
fn a_batch_in_the_pool_stays_valid_while_one_of_its_results_is() {
	run_checked(new_network(FakeEngine::default(), &[ALICE], &[ALICE]), || {
		list(1, PRICE);
		let ids = requests(2);
		let key = results_of(&correct_result(ids[0])).0;
		let both = Call::<Test>::submit_results {
			key,
			results: vec![good(ids[0]), good(ids[1])].try_into().unwrap(),
		};
		// The first result lands in another transaction; the pool re-checks the batch.
		assert_ok!(submit(correct_result(ids[0])));
		let valid = both.authorize(TransactionSource::External).unwrap().unwrap().0;
		use codec::Encode;
		assert_eq!(valid.provides, vec![("opg/result", ids[1]).encode()]);
		assert_ok!(dispatch_authorized(both));
		assert!(matches!(status(ids[1]), RequestStatus::Answered { .. }));
		assert_eq!(refused(), vec![refusal(ids[0], Error::NotAssigned)]);
	});
}

#[test]
fn the_worker_sends_one_batch_per_executor_split_at_the_batch_bound() {
	let env = new_network(FakeEngine::default(), &[ALICE], &[ALICE]);
	let pool = env.pool.clone();
	run_checked(env, || {
		list(1, PRICE);
		let ids = requests(MAX_BACKLOG as usize);
		let done = answer_worker(System::block_number());
		assert_eq!((done.results, done.batches, done.left), (MAX_BACKLOG, 2, 0));
		let calls = pool_calls(&pool, 0);
		let sizes: Vec<usize> = calls.iter().map(|call| results_of(call).1.len()).collect();
		assert_eq!(sizes, vec![MAX_BATCH as usize, MAX_BACKLOG as usize - MAX_BATCH as usize]);
		// Oldest first, each request once.
		let sent: Vec<u64> =
			calls.iter().flat_map(|call| results_of(call).1).map(|r| r.request).collect();
		assert_eq!(sent, ids);
		for call in calls {
			assert_ok!(dispatch_authorized(call));
		}
		assert!(refused().is_empty());
		assert!(ids.iter().all(|id| matches!(status(*id), RequestStatus::Answered { .. })));
		assert_eq!(Backlog::<Test>::get(ALICE), 0);
	});
}

#[test]
fn the_worker_stops_at_its_time_budget_and_the_next_block_answers_the_rest() {
	// Each run takes 40% of the budget: runs start at 0, 40% and 80% of it, then it is spent.
	let run_ms = offchain::answer::ANSWER_BUDGET_MS * 2 / 5;
	let env = new_network(FakeEngine { run_ms, ..Default::default() }, &[ALICE], &[ALICE]);
	let pool = env.pool.clone();
	let engine = env.engine.clone();
	run_checked(env, || {
		list(1, PRICE);
		let ids = requests(5);
		let done = answer_worker(System::block_number());
		assert_eq!((done.results, done.batches, done.left), (3, 1, 2));
		assert_eq!(*engine.runs.lock().unwrap(), 3);
		let first = pool_calls(&pool, 0);
		let answered: Vec<u64> = results_of(&first[0]).1.iter().map(|r| r.request).collect();
		assert_eq!(answered, ids[..3], "the oldest first");
		for call in first {
			assert_ok!(dispatch_authorized(call));
		}
		// The next block's worker answers the two left, within their deadlines.
		next_block();
		let done = answer_worker(System::block_number());
		assert_eq!((done.results, done.left), (2, 0));
		for call in pool_calls(&pool, 1) {
			assert_ok!(dispatch_authorized(call));
		}
		assert!(ids.iter().all(|id| matches!(status(*id), RequestStatus::Answered { .. })));
	});
}

#[test]
fn a_full_executor_is_passed_over_and_the_rest_wait_in_order_without_a_deadline() {
	run_checked(new_network(FakeEngine::default(), &[ALICE, BOB], &[ALICE, BOB]), || {
		list(1, PRICE);
		let capacity = 2 * MAX_BACKLOG as usize;
		let ids: Vec<u64> = (0..capacity + 3).map(|i| request_undrawn(&[[i as f32; 4]])).collect();
		// `QUEUE_WORK` draws per block: until both executors are full.
		for _ in 0..capacity.div_ceil(QUEUE_WORK as usize) + 2 {
			next_block();
		}
		assert_eq!(Backlog::<Test>::get(ALICE), MAX_BACKLOG);
		assert_eq!(Backlog::<Test>::get(BOB), MAX_BACKLOG);
		assert!(ids[..capacity]
			.iter()
			.all(|id| matches!(status(*id), RequestStatus::Assigned { .. })));
		let waiting = &ids[capacity..];
		assert!(waiting.iter().all(|id| matches!(status(*id), RequestStatus::Drawing { .. })));
		assert_eq!(DrawQueueBounds::<Test>::get().len(), 3);

		// Waiting does not run a deadline: past many timeouts, still waiting, nothing refunded,
		// as long as the executors answer what they hold.
		let now = System::block_number();
		for id in &ids[..capacity] {
			assert_ok!(submit(correct_result(*id)));
		}
		System::reset_events();
		// Each answer makes room; the next block draws the waiting ones, oldest first.
		next_block();
		let drawn: Vec<u64> = System::events()
			.into_iter()
			.filter_map(|record| match record.event {
				RuntimeEvent::Inference(Event::Assigned { request, .. }) => Some(request),
				_ => None,
			})
			.collect();
		assert_eq!(drawn, waiting);
		assert!(now > TIMEOUT, "the waiting requests waited past a timeout");
		assert!(System::events().iter().all(|record| !matches!(
			record.event,
			RuntimeEvent::Inference(Event::Refunded { .. } | Event::Reassigned { .. })
		)));
	});
}

#[test]
fn a_request_waits_behind_full_executors_rather_than_being_refunded() {
	// Request `id`'s executor declines it; the only other executor is full: it waits.
	run_checked(new_network(FakeEngine::default(), &[ALICE, BOB], &[ALICE, BOB]), || {
		list(1, PRICE);
		// Both executors full: 12 requests, `QUEUE_WORK` drawn per block.
		let ids = requests(2 * MAX_BACKLOG as usize);
		assert_eq!(Backlog::<Test>::get(ALICE), MAX_BACKLOG);
		assert_eq!(Backlog::<Test>::get(BOB), MAX_BACKLOG);
		let id = ids[0];
		let first = assigned_to(id);
		assert_ok!(dispatch_authorized(decline_call(
			id,
			first,
			opg_primitives::InferenceError::Internal
		)));
		// The other executor is full, `first` may not have it again: it waits, it is not
		// refunded, block after block.
		for _ in 0..2 {
			next_block();
			assert!(
				matches!(status(id), RequestStatus::Drawing { attempt: 1, .. }),
				"{:?}",
				status(id)
			);
		}
		assert_eq!(held(DAPP), PRICE * ids.len() as u64);
		// The other executor answers one: the next block gives it the waiting request.
		let other = if first == ALICE { BOB } else { ALICE };
		let answered = ids.iter().copied().find(|i| *i != id && assigned_to(*i) == other).unwrap();
		assert_ok!(submit(correct_result(answered)));
		next_block();
		assert_eq!(assigned_to(id), other);
	});
}

#[test]
fn a_full_draw_queue_refuses_new_requests_and_holds_nothing() {
	test(|| {
		list(1, PRICE);
		for i in 0..MAX_WAITING {
			request_undrawn(&[[i as f32; 4]]);
		}
		let held_before = held(DAPP);
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(DAPP), model(1), input(&[[0.0; 4]]), PRICE),
			Error::<Test>::MarketFull
		);
		assert_eq!(held(DAPP), held_before);
		// Once the queue moves, requests are taken again.
		next_block();
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(DAPP),
			model(1),
			input(&[[0.0; 4]]),
			PRICE
		));
	});
}
