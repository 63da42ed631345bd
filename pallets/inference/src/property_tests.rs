//! Property tests: random sequences of every call of the market and of the dispute game — right,
//! wrong and malformed requests, results, declines, challenges and votes, from random origins and keys —
//! interleaved with blocks (deadlines, windows, verdicts) and the off-chain workers' own
//! transactions, against the mock runtime with five executors.
//!
//! After every step: no panic, every error typed, both pallets' invariants, the total issuance
//! unchanged (fees, bonds and slashes only move), for every authorized call its authorization
//! agrees with its dispatch (valid exactly when the call succeeds), and the pruning keeps time:
//! no finished request is pruned before its retention, and none outlives it unless the block
//! pruned as many as it may (governance changes the retention at random meanwhile).
//! `OPG_PROPERTY_CALLS` sets the length of a run (`scripts/property.sh`).
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{
	dispute_tests::{commit, reveal, EVERYONE},
	mock::*,
	Call, Disputes, NextRequestId, Requests, Retention,
};
use codec::Decode;
use frame_support::{
	traits::{fungible::Inspect, Authorize, UnfilteredDispatchable},
	BoundedVec,
};
use frame_system::RawOrigin;
use opg_primitives::{
	DisputeStatement, ExecutorSet, InferenceError, InferenceInput, InferenceOutput,
	ResultCommitment, Tensor, H256,
};
use opg_testkit::property::{error_name, explore, Rng, Tally};
use sp_runtime::{transaction_validity::TransactionSource, Perbill};
use std::collections::BTreeMap;

const PALLETS: &[&str] = &["System", "Balances", "Executors", "Inference"];
const ACCOUNTS: &[AccountId] = &[ALICE, BOB, CHARLIE, DAVE, EVE, DAPP, POOR, CHALLENGER, 1_000];

fn account(rng: &mut Rng) -> AccountId {
	*rng.pick(ACCOUNTS)
}

/// A request id: mostly one that exists, sometimes one just past the last.
fn request_id(rng: &mut Rng) -> u64 {
	rng.below(NextRequestId::<Test>::get() + 2)
}

/// A tensor input: usually `[rows, 4]` f32 (with a non-finite value now and then), else of a
/// wrong shape, type or kind.
fn random_input(rng: &mut Rng) -> InferenceInput {
	let rows = 1 + rng.below(5) as usize;
	let mut values: Vec<f32> =
		(0..rows * 4).map(|_| (rng.below(2_000) as f32 - 1_000.0) / 8.0).collect();
	if rng.chance(5) {
		values[0] = *rng.pick(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY]);
	}
	match rng.below(10) {
		0 => InferenceInput::Tensor(
			Tensor::from_f32(&[rows as u32, 3], &values[..rows * 3]).unwrap(),
		),
		1 => InferenceInput::text("not a tensor").unwrap(),
		2 => {
			let len = rng.below(300) as usize;
			let bytes = rng.bytes(len);
			let raw = || {
				InferenceInput::Text(BoundedVec::truncate_from(vec![BoundedVec::truncate_from(
					bytes.clone(),
				)]))
			};
			InferenceInput::decode(&mut &bytes[..]).unwrap_or_else(|_| raw())
		}
		_ => InferenceInput::Tensor(Tensor::from_f32(&[rows as u32, 4], &values).unwrap()),
	}
}

/// A result for `id`: the right one from its executor, or a wrong, misshapen, misattributed or
/// badly signed one.
fn random_result(rng: &mut Rng, id: u64) -> Call<Test> {
	let assigned = Requests::<Test>::get(id).and_then(|r| match r.status {
		crate::RequestStatus::Assigned { executor, .. } => Some(executor),
		_ => None,
	});
	let executor = assigned.unwrap_or_else(|| *rng.pick(&EVERYONE));
	let right = Requests::<Test>::get(id)
		.and_then(|r| InferenceInput::decode(&mut &r.input[..]).ok())
		.map(|input| expected_output(&input))
		.unwrap_or_else(|| expected_output(&input(&[[1.0; 4]])));
	match rng.below(8) {
		0..=3 => result_call(id, executor, right),
		4 => result_call(id, executor, wrong_output(&right)),
		5 => result_call(id, *rng.pick(&EVERYONE), right),
		6 => {
			let (key, mut results) = results_of(&result_call(id, executor, right));
			// A commitment to another trace or opset than the one signed.
			let commitment = ResultCommitment {
				trace_root: H256(rng.array32()),
				..commitment_of(&results[0].output)
			};
			results[0].commitment = commitment;
			Call::submit_results { key, results: results.try_into().unwrap() }
		}
		_ => {
			// An output of another shape than the schema's `[batch, 2]` (or `[1, 2]`, the right
			// shape, with a signature of garbage).
			let n = 1 + rng.below(3) as usize;
			let output =
				InferenceOutput::Tensor(Tensor::from_f32(&[1, n as u32], &vec![0.5; n]).unwrap());
			let key = Executors::key_of(&executor).unwrap();
			let signature = sign_as(executor, &rng.bytes(8));
			let result = crate::SubmittedResult {
				request: id,
				commitment: commitment_of(&output),
				output,
				signature,
			};
			Call::submit_results { key, results: vec![result].try_into().unwrap() }
		}
	}
}

/// A decline of `id`: mostly from its executor, for a reason that is the request's fault or
/// not; sometimes from another executor, or signed for another reason than the one sent.
fn random_decline(rng: &mut Rng, id: u64) -> Call<Test> {
	let assigned = Requests::<Test>::get(id).and_then(|r| match r.status {
		crate::RequestStatus::Assigned { executor, .. } => Some(executor),
		_ => None,
	});
	let executor = match assigned {
		Some(executor) if rng.chance(85) => executor,
		_ => *rng.pick(&EVERYONE),
	};
	let reasons = [
		InferenceError::Internal,
		InferenceError::FetchFailed,
		InferenceError::InputTooLarge,
		InferenceError::OutputTooLarge,
		InferenceError::BadInput(opg_primitives::SchemaError::ShapeOverflow),
	];
	let reason = *rng.pick(&reasons);
	let call = decline_call(id, executor, reason);
	if rng.chance(90) {
		return call;
	}
	let Call::decline { request, key, signature, .. } = call else { unreachable!() };
	Call::decline { request, reason: *rng.pick(&reasons), key, signature }
}

/// A watcher's challenge of `id` by a random executor, signed over the request's digest or
/// over garbage.
fn random_watcher_challenge(rng: &mut Rng, id: u64) -> Call<Test> {
	let watcher = *rng.pick(&EVERYONE);
	let key = Executors::key_of(&watcher).unwrap();
	let payload = match Inference::request_digest(id) {
		Some(digest) if rng.chance(80) => {
			DisputeStatement::Challenge { request: digest }.signing_payload()
		}
		_ => rng.bytes(16),
	};
	Call::watcher_challenge { request: id, key, signature: sign_as(watcher, &payload) }
}

/// A vote on an open dispute by one of its members (or an outsider): a commit or a reveal of the
/// right or the wrong output. Dispatched through the tests' helpers, which sign as the member.
fn random_vote(rng: &mut Rng) -> Option<frame_support::dispatch::DispatchResult> {
	let (id, dispute) = Disputes::<Test>::iter().nth(rng.below(4) as usize)?;
	// A committee is empty until it is drawn, the block after the challenge.
	let member = if rng.chance(85) && !dispute.committee.is_empty() {
		rng.pick(&dispute.committee).executor
	} else {
		*rng.pick(&EVERYONE)
	};
	let record = Requests::<Test>::get(id)?;
	let right = expected_output(&InferenceInput::decode(&mut &record.input[..]).ok()?);
	let output = if rng.chance(75) { right } else { wrong_output(&right) };
	Some(if rng.chance(50) { commit(id, member, &output) } else { reveal(id, member, &output) })
}

/// Dispatches an authorized call, checking that its authorization agrees with the outcome.
fn authorized(call: Call<Test>, tally: &mut Tally) {
	let valid = call.authorize(TransactionSource::External).map(|v| v.is_ok());
	// A batch of one result: its refusal is the error (`submit`).
	let outcome = match call {
		Call::submit_results { .. } => submit(call.clone()),
		_ => call
			.clone()
			.dispatch_bypass_filter(RawOrigin::Authorized.into())
			.map(|_| ())
			.map_err(|e| e.error),
	};
	if let Some(valid) = valid {
		assert_eq!(
			valid,
			outcome.is_ok(),
			"the authorization of {call:?} says {valid}, the call did {outcome:?}"
		);
	}
	tally.record(outcome.err().map(|e| error_name(e, PALLETS)));
}

/// One step: a call, the off-chain workers' round, or the next block.
fn step(
	rng: &mut Rng,
	tally: &mut Tally,
	pool: &parking_lot::RwLock<sp_core::offchain::testing::PoolState>,
) {
	match rng.below(24) {
		0..=4 => {
			let origin = match rng.below(12) {
				0 => RuntimeOrigin::root(),
				1 => RuntimeOrigin::none(),
				_ => RuntimeOrigin::signed(if rng.chance(70) { DAPP } else { account(rng) }),
			};
			if Balances::balance(&DAPP) < 10 * PRICE {
				use frame_support::traits::{fungible::Mutate, tokens::Preservation};
				Balances::transfer(&WHALE, &DAPP, 10_000, Preservation::Preserve).unwrap();
			}
			let model = model(*rng.pick(&[1, 1, 1, 2, 9]));
			let max_fee = if rng.chance(85) { PRICE } else { rng.amount(PRICE) };
			let call = Call::<Test>::request { model, input: random_input(rng), max_fee };
			let outcome = call.dispatch_bypass_filter(origin);
			tally.record(outcome.err().map(|e| error_name(e.error, PALLETS)));
		}
		5..=8 => {
			let id = request_id(rng);
			authorized(random_result(rng, id), tally);
		}
		9 => {
			let id = request_id(rng);
			authorized(random_decline(rng, id), tally);
		}
		10 | 11 => {
			let origin =
				RuntimeOrigin::signed(if rng.chance(70) { CHALLENGER } else { account(rng) });
			let outcome =
				Call::<Test>::challenge { request: request_id(rng) }.dispatch_bypass_filter(origin);
			tally.record(outcome.err().map(|e| error_name(e.error, PALLETS)));
		}
		12 => {
			let id = request_id(rng);
			authorized(random_watcher_challenge(rng, id), tally);
		}
		13..=16 => {
			if let Some(outcome) = random_vote(rng) {
				tally.record(outcome.err().map(|e| error_name(e, PALLETS)));
			}
		}
		17 => {
			let origin = if rng.chance(50) {
				RuntimeOrigin::root()
			} else {
				RuntimeOrigin::signed(account(rng))
			};
			let call = if rng.chance(50) {
				Call::<Test>::set_watch_fraction {
					fraction: Perbill::from_parts(rng.below(1_100_000_000) as u32),
				}
			} else {
				Call::<Test>::set_retention { blocks: rng.below(40) }
			};
			let outcome = call.dispatch_bypass_filter(origin);
			tally.record(outcome.err().map(|e| error_name(e.error, PALLETS)));
		}
		18 => {
			// Bytes that decode to some call of this pallet, from a random origin.
			let len = rng.below(200) as usize;
			let bytes = rng.bytes(len);
			if let Ok(call) = Call::<Test>::decode(&mut &bytes[..]) {
				let origin = match rng.below(3) {
					0 => RawOrigin::Authorized.into(),
					1 => RuntimeOrigin::root(),
					_ => RuntimeOrigin::signed(account(rng)),
				};
				let outcome = call.dispatch_bypass_filter(origin);
				tally.record(outcome.err().map(|e| error_name(e.error, PALLETS)));
			}
		}
		19 | 20 => {
			// The off-chain workers of this block; their transactions go through the pool.
			let now = System::block_number();
			let from = pool.read().transactions.len();
			answer_worker(now);
			dispute_worker(now);
			for call in pool_calls(pool, from) {
				authorized(call, tally);
			}
		}
		_ => {
			run_to(System::block_number() + 1);
			tally.blocks += 1;
		}
	}
}

/// What the property test remembers of finished requests: the block each finished in.
#[derive(Default)]
struct Finished(BTreeMap<u64, u64>);

impl Finished {
	/// After a step: a request that left the state had finished at least `Retention` blocks
	/// ago; after a block, one still there that finished that long ago is over the block's
	/// bound.
	fn check(&mut self, seed: u64, call: u64, new_block: bool) {
		let now = System::block_number();
		let retention = Retention::<Test>::get();
		let mut pruned = 0u32;
		self.0.retain(|id, at| {
			if Requests::<Test>::contains_key(id) {
				return true;
			}
			assert!(
				now >= *at + retention,
				"seed {seed}, call {call}: request {id}, finished at {at}, pruned early at {now}"
			);
			pruned += 1;
			false
		});
		for (id, record) in Requests::<Test>::iter() {
			if let Some(at) = record.status.finished_at() {
				self.0.entry(id).or_insert(at);
			}
		}
		let overdue = self.0.values().filter(|at| **at + retention <= now).count();
		assert!(
			!new_block || overdue == 0 || pruned == QUEUE_WORK,
			"seed {seed}, call {call}: {overdue} requests outlived the retention at {now}, {pruned} pruned"
		);
	}
}

fn run(seed: u64, calls: u64) -> Tally {
	let mut tally = Tally::default();
	let mut env = new_network(FakeEngine::default(), &EVERYONE, &EVERYONE);
	let pool = env.pool.clone();
	env.ext.execute_with(|| {
		list(1, PRICE);
		list(2, 2 * PRICE);
		let issuance = Balances::total_issuance();
		let mut rng = Rng::new(seed);
		Inference::set_retention(RuntimeOrigin::root(), 1 + rng.below(30)).unwrap();
		let mut finished = Finished::default();
		while tally.calls < calls {
			let block = System::block_number();
			step(&mut rng, &mut tally, &pool);
			finished.check(seed, tally.calls, System::block_number() > block);
			if let Err(e) = Inference::do_try_state().and_then(|()| Executors::do_try_state()) {
				panic!("seed {seed}, call {}: invariant broken: {e:?}", tally.calls);
			}
			assert_eq!(Balances::total_issuance(), issuance, "seed {seed}, call {}", tally.calls);
			// Keep the pool's memory small over long runs.
			if pool.read().transactions.len() > 1_000 {
				pool.write().transactions.clear();
			}
		}
	});
	tally
}

#[test]
fn random_calls_keep_every_invariant() {
	explore("inference", 2_000, 12, run);
}
