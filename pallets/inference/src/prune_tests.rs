//! Bounded state: finished requests leave the state `Retention` blocks after they finished, with
//! their results and dispute outcomes, at most `MaxQueueWork` per block, oldest first; the
//! retention is governance's; a pruned id is told apart from an unknown one, and the node's
//! off-chain index keeps how it ended.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{
	dispute_tests::{commit, committee, network, reveal},
	mock::*,
	pruned_key, DisputeOutcomes, Error, Event, GenesisConfig, PruneQueueBounds, PrunedRequest,
	RequestStatus, Requests, Results, Retention,
};
use codec::Decode;
use frame_support::{assert_noop, assert_ok, traits::BuildGenesisConfig};
use sp_runtime::{offchain::StorageKind, DispatchError};

use crate::offchain::{
	self,
	marks::{self, Journal, Swept},
};

/// The `Pruned` counts deposited so far, in order.
fn pruned_counts() -> Vec<u32> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Inference(Event::Pruned { count }) => Some(count),
			_ => None,
		})
		.collect()
}

/// A request of the dapp answered correctly and run to its end (final); its id and the block
/// it finished in.
fn finished() -> (u64, u64) {
	let id = request(&[[1.0, 2.0, 3.0, 4.0]]);
	assert_ok!(submit(correct_result(id)));
	let RequestStatus::Answered { challenge_end, .. } = status(id) else { panic!("answered") };
	run_to(challenge_end);
	assert!(matches!(status(id), RequestStatus::Final { at, .. } if at == challenge_end));
	(id, challenge_end)
}

fn retention(blocks: u64) {
	assert_ok!(Inference::set_retention(RuntimeOrigin::root(), blocks));
}

#[test]
fn a_final_request_is_pruned_retention_blocks_after_it_finished_and_not_before() {
	let mut env = new_env(FakeEngine::default());
	let (id, at, executor) = env.ext.execute_with(|| {
		list(1, PRICE);
		retention(20);
		let (id, at) = finished();
		let executor = match status(id) {
			RequestStatus::Final { executor, .. } => executor,
			other => panic!("{other:?}"),
		};
		run_to(at + 19);
		check_invariants();
		assert!(Requests::<Test>::contains_key(id) && Results::<Test>::contains_key(id));
		assert!(!Inference::is_pruned(id));
		assert!(pruned_counts().is_empty());

		run_to(at + 20);
		assert!(!Requests::<Test>::contains_key(id), "the request outlived its retention");
		assert!(!Results::<Test>::contains_key(id), "the result outlived its retention");
		assert!(
			Inference::request_details(id).is_none() && Inference::result_details(id).is_none()
		);
		assert!(Inference::is_pruned(id));
		// An id never issued is unknown, not pruned.
		assert!(!Inference::is_pruned(id + 1));
		assert_eq!(pruned_counts(), vec![1]);
		assert!(PruneQueueBounds::<Test>::get().is_empty());
		check_invariants();
		(id, at, executor)
	});
	// What the node's off-chain index keeps: how it ended and when it was pruned.
	env.ext.persist_offchain_overlay();
	let mark = env.ext.offchain_db().get(&pruned_key(id)).expect("the pruned request is indexed");
	assert_eq!(
		PrunedRequest::<AccountId, u64>::decode(&mut &mark[..]).unwrap(),
		PrunedRequest { status: RequestStatus::Final { executor, at }, pruned_at: at + 20 }
	);
}

#[test]
fn refunded_and_corrected_requests_are_pruned_with_their_dispute_outcomes() {
	network(|| {
		list(1, PRICE);
		retention(30);
		// Refunded: nobody answers through every reassignment.
		let refunded = request(&[[5.0; 4]]);
		// Corrected: a wrong result overturned by the committee.
		let id = request(&[[1.0, 2.0, 3.0, 4.0]]);
		let liar = assigned_to(id);
		let right = expected_output(&input(&[[1.0, 2.0, 3.0, 4.0]]));
		assert_ok!(submit(result_call(id, liar, wrong_output(&right))));
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(CHALLENGER), id));
		next_block();
		for m in committee(id) {
			assert_ok!(commit(id, m, &right));
		}
		for m in committee(id) {
			assert_ok!(reveal(id, m, &right));
		}
		next_block();
		let RequestStatus::Corrected { at: corrected_at, .. } = status(id) else {
			panic!("corrected: {:?}", status(id))
		};
		assert!(DisputeOutcomes::<Test>::contains_key(id));
		while !matches!(status(refunded), RequestStatus::Refunded { .. }) {
			next_block();
		}
		let RequestStatus::Refunded { at: refunded_at } = status(refunded) else { unreachable!() };
		check_invariants();

		run_to(corrected_at + 30);
		assert!(!Requests::<Test>::contains_key(id));
		assert!(!Results::<Test>::contains_key(id));
		assert!(!DisputeOutcomes::<Test>::contains_key(id), "the outcome outlived its request");
		assert_eq!(Requests::<Test>::contains_key(refunded), refunded_at > corrected_at);
		check_invariants();
		run_to(refunded_at + 30);
		assert!(!Requests::<Test>::contains_key(refunded));
		assert!(Inference::is_pruned(id) && Inference::is_pruned(refunded));
	});
}

#[test]
fn pruning_is_bounded_per_block_and_a_backlog_drains_oldest_first() {
	run_checked(new_network(FakeEngine::default(), &[ALICE, BOB], &[ALICE, BOB]), || {
		list(1, PRICE);
		// Ten results, answered together: their windows end together and are finalized at
		// `QUEUE_WORK` (4) per block, so they finish over three blocks.
		let ids: Vec<u64> = (0..10).map(|i| request_undrawn(&[[i as f32; 4]])).collect();
		draw_all();
		for &id in &ids {
			assert_ok!(submit(correct_result(id)));
		}
		run_to(System::block_number() + WINDOW + 3);
		let mut order: Vec<(u64, u64)> = ids
			.iter()
			.map(|&id| match status(id) {
				RequestStatus::Final { at, .. } => (at, id),
				other => panic!("{other:?}"),
			})
			.collect();
		order.sort();
		assert_eq!(PruneQueueBounds::<Test>::get().len(), 10);

		// A retention cut makes all ten overdue at once: they go at 4 per block, in the
		// order they finished.
		retention(1);
		for (block, expected) in [(1, 4), (2, 8), (3, 10)] {
			next_block();
			let gone: Vec<u64> = order
				.iter()
				.filter(|(_, id)| !Requests::<Test>::contains_key(id))
				.map(|(_, id)| *id)
				.collect();
			assert_eq!(gone.len(), expected, "block {block} of the backlog");
			let oldest: Vec<u64> = order[..expected].iter().map(|(_, id)| *id).collect();
			assert_eq!(
				gone.iter().copied().collect::<std::collections::BTreeSet<_>>(),
				oldest.into_iter().collect()
			);
			check_invariants();
		}
		assert_eq!(pruned_counts(), vec![4, 4, 2]);
		assert!(PruneQueueBounds::<Test>::get().is_empty());
	});
}

#[test]
fn open_requests_are_never_pruned() {
	test(|| {
		list(1, PRICE);
		retention(1);
		let answered = request(&[[1.0; 4]]);
		assert_ok!(submit(correct_result(answered)));
		let waiting = request(&[[2.0; 4]]);
		let RequestStatus::Answered { challenge_end, .. } = status(answered) else { panic!() };
		while System::block_number() + 1 < challenge_end {
			next_block();
			assert!(Requests::<Test>::contains_key(answered));
			assert!(Requests::<Test>::contains_key(waiting));
			check_invariants();
		}
		assert!(PruneQueueBounds::<Test>::get().is_empty());
		assert!(!matches!(status(waiting), RequestStatus::Refunded { .. }));
		// Once final, it goes a block later.
		run_to(challenge_end + 1);
		assert!(!Requests::<Test>::contains_key(answered));
		assert!(Requests::<Test>::contains_key(waiting));
	});
}

#[test]
fn retention_is_governance_s_and_never_zero() {
	test(|| {
		assert_eq!(Retention::<Test>::get(), RETENTION);
		assert_noop!(
			Inference::set_retention(RuntimeOrigin::signed(DAPP), 5),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Inference::set_retention(RuntimeOrigin::root(), 0),
			Error::<Test>::ZeroRetention
		);
		retention(50);
		assert_eq!(Retention::<Test>::get(), 50);
		System::assert_last_event(Event::RetentionSet { blocks: 50 }.into());

		// A longer retention holds back what is already queued.
		list(1, PRICE);
		retention(3);
		let (id, at) = finished();
		retention(10);
		run_to(at + 9);
		assert!(Requests::<Test>::contains_key(id));
		run_to(at + 10);
		assert!(!Requests::<Test>::contains_key(id));
	});
}

#[test]
fn genesis_sets_the_retention() {
	test(|| {
		GenesisConfig::<Test> { retention: Some(7) }.build();
		assert_eq!(Retention::<Test>::get(), 7);
		GenesisConfig::<Test> { retention: None }.build();
		assert_eq!(Retention::<Test>::get(), 7, "no genesis value keeps the stored one");
	});
}

fn stored(key: &[u8]) -> bool {
	sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, key).is_some()
}

#[test]
fn off_chain_marks_are_cleared_once_no_step_can_need_them() {
	test(|| {
		list(1, PRICE);
		let ids: Vec<u64> = (0..3).map(|i| request_undrawn(&[[i as f32; 4]])).collect();
		draw_all();
		let now = System::block_number();
		// A node's first sweep only starts the cursor.
		assert_eq!(marks::sweep::<Test>(now), Swept::default());
		assert_eq!(answer_worker(now).results, ids.len() as u32);
		let locks = marks::journal::<Test>(now);
		assert_eq!(locks.len(), ids.len(), "one lock per answered request, journaled");
		assert!(locks.iter().all(|key| stored(key)));

		let life = marks::lifetime::<Test>();
		assert_eq!(life, TIMEOUT + WINDOW + 2 * (COMMIT_PERIOD + REVEAL_PERIOD));
		assert_eq!(marks::sweep::<Test>(now + life - 1).cleared, 0, "swept before its lifetime");
		assert!(locks.iter().all(|key| stored(key)));
		assert_eq!(marks::sweep::<Test>(now + life), Swept { blocks: 1, cleared: 3 });
		assert!(locks.iter().all(|key| !stored(key)), "a lock outlived its lifetime");
		assert!(marks::journal::<Test>(now).is_empty(), "the journal entry outlived its marks");
	});
}

#[test]
fn a_lock_still_held_is_carried_over_and_sweeps_are_bounded() {
	test(|| {
		let now = System::block_number();
		marks::sweep::<Test>(now);
		let life = marks::lifetime::<Test>();
		let mut journal = Journal::<Test>::new(now);
		assert_ok!(offchain::lock::<Test>(now, b"held", now + 2 * life, &mut journal));
		assert_ok!(offchain::lock::<Test>(now, b"done", now, &mut journal));
		let (held, done) = {
			let keys = marks::journal::<Test>(now);
			assert!(keys.is_empty(), "journaled before the run ends");
			drop(journal);
			let keys = marks::journal::<Test>(now);
			(keys[0].clone(), keys[1].clone())
		};
		let later = now + life;
		assert_eq!(marks::sweep::<Test>(later), Swept { blocks: 1, cleared: 1 });
		assert!(stored(&held) && !stored(&done));
		assert_eq!(
			marks::journal::<Test>(later),
			vec![held.clone()],
			"carried to the sweeping block"
		);

		// A node back after a long pause catches up `SWEEP_BLOCKS` entries per run.
		let far = later + life + 3 * marks::SWEEP_BLOCKS as u64;
		let swept = marks::sweep::<Test>(far);
		assert_eq!(swept.blocks, marks::SWEEP_BLOCKS);
		assert!(stored(&held), "not reached yet");
		while marks::sweep::<Test>(far).blocks == marks::SWEEP_BLOCKS {}
		assert!(!stored(&held), "the expired lock was cleared from the entry it was carried to");
	});
}
