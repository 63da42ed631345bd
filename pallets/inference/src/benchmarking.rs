//! Benchmarks of every call and of the worst-case `on_initialize`.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use super::*;
use crate::dispute::{DisputeGame, Game};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::UnfilteredDispatchable;
use frame_support::BoundedVec;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{fungible::Mutate, Authorize, Get, Hooks},
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use opg_primitives::ExecutorSet;
use opg_primitives::{
	vote_seal, DeclineStatement, Dim, DisputeStatement, ExecutorKey, InferenceError,
	InferenceInput, InferenceOutput, InputSchema, IoSchema, ModelHash, OutputSchema,
	ResultCommitment, Tensor, TensorDType, TensorSchema, H256,
};
use sp_runtime::{
	traits::{Bounded, Saturating},
	RuntimeAppPublic,
};

/// Elements of `f32` that fit in `bytes` of SCALE-encoded tensor input or output (minus the
/// enum tag, dtype, shape and length prefixes).
fn elements_for(bytes: u32) -> u32 {
	(bytes.saturating_sub(16) / 4).max(1)
}

/// A model whose input and output are `[1, n]` f32 rows.
fn list_model<T: Config>(input_elements: u32, output_elements: u32) -> ModelHash {
	let schema = IoSchema {
		input: InputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(input_elements)]).unwrap(),
		),
		output: OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(output_elements)])
				.unwrap(),
		),
		max_batch: 1,
	};
	T::BenchmarkHelper::list_model(schema)
}

fn row(n: u32) -> Tensor {
	let values: Vec<f32> = (0..n).map(|i| i as f32).collect();
	Tensor::from_f32(&[1, n], &values).unwrap()
}

/// Registers executors (keys in the benchmark keystore) until `n` are active, the most the
/// selection scans (64 in the runtime); returns the new accounts.
fn executors<T: Config>(n: u32) -> Vec<T::AccountId> {
	T::BenchmarkHelper::retire_executors_without_local_keys();
	(T::Executors::active_count()..n)
		.map(|i| {
			let who: T::AccountId = account("executor", i, 0);
			let key = ExecutorKey::generate_pair(None);
			T::BenchmarkHelper::register_executor(&who, key);
			who
		})
		.collect()
}

fn requester<T: Config>() -> T::AccountId {
	let who: T::AccountId = account("dapp", 0, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 4u32.into());
	who
}

/// A signed result call for request `id` from its assigned executor, with output `output`.
fn result_call<T: Config>(id: RequestId, output: InferenceOutput) -> Call<T> {
	let RequestStatus::Assigned { executor, .. } = Requests::<T>::get(id).unwrap().status else {
		panic!("assigned")
	};
	let key = T::Executors::key_of(&executor).unwrap();
	let commitment = ResultCommitment::new(&output, &[H256::repeat_byte(1)]);
	let statement = Pallet::<T>::result_statement(id, commitment).unwrap();
	let signature = key.sign(&statement.signing_payload()).unwrap();
	let result = SubmittedResult { request: id, output, commitment, signature };
	Call::submit_results { key, results: alloc::vec![result].try_into().unwrap() }
}

/// A signed decline of request `id` by its assigned executor, for `reason`.
fn decline_call<T: Config>(id: RequestId, reason: InferenceError) -> Call<T> {
	let record = Requests::<T>::get(id).unwrap();
	let RequestStatus::Assigned { executor, attempt, .. } = record.status.clone() else {
		panic!("assigned")
	};
	let key = T::Executors::key_of(&executor).unwrap();
	let statement = DeclineStatement {
		request: Pallet::<T>::request_digest(id).unwrap(),
		attempt,
		executor,
		reason,
	};
	let signature = key.sign(&statement.signing_payload()).unwrap();
	Call::decline { request: id, reason, key, signature }
}

/// A request by `who` for `model` on `row(1)`, with its executor drawn: the next block's draws
/// are made at once. Returns its id.
fn drawn<T: Config>(who: &T::AccountId, model: ModelHash) -> RequestId {
	let id = Pallet::<T>::do_request(
		who.clone(),
		model,
		InferenceInput::Tensor(row(1)),
		BalanceOf::<T>::max_value(),
	)
	.unwrap();
	draw_next_block::<T>();
	assert!(matches!(Requests::<T>::get(id).unwrap().status, RequestStatus::Assigned { .. }));
	id
}

/// Moves to the next block and makes its draws (what `on_poll` does).
fn draw_next_block<T: Config>() {
	let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
	frame_system::Pallet::<T>::set_block_number(next);
	Pallet::<T>::process_draws(next, &mut frame_support::weights::WeightMeter::new());
}

/// A request for a one-element model, assigned to a keystore-backed executor; returns its id.
fn assigned<T: Config>() -> RequestId {
	executors::<T>(EXECUTORS);
	let model = list_model::<T>(1, 1);
	drawn::<T>(&requester::<T>(), model)
}

/// A request for a model with `[1, n]` output, answered by its (keystore-backed) executor with
/// `row(n)`; returns its id. The result is in its challenge window.
fn answered<T: Config>(n: u32) -> RequestId {
	executors::<T>(EXECUTORS);
	let model = list_model::<T>(1, n);
	let id = drawn::<T>(&requester::<T>(), model);
	dispatch::<T>(result_call::<T>(id, InferenceOutput::Tensor(row(n))));
	id
}

/// A funded account that challenges `id`.
fn challenged<T: Config>(id: RequestId) -> T::AccountId {
	let who: T::AccountId = account("challenger", id as u32, 0);
	T::Currency::set_balance(&who, T::ChallengeBond::get().saturating_mul(10u32.into()));
	Pallet::<T>::challenge(RawOrigin::Signed(who.clone()).into(), id).unwrap();
	// The committee is drawn in the next block.
	let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
	frame_system::Pallet::<T>::set_block_number(next);
	Game::<T>::draw_committees(next, &mut frame_support::weights::WeightMeter::new());
	who
}

/// `row(n)` plus one everywhere: the committee's (different) answer.
fn other_row(n: u32) -> InferenceOutput {
	let values: Vec<f32> = (0..n).map(|i| i as f32 + 1.0).collect();
	InferenceOutput::Tensor(Tensor::from_f32(&[1, n], &values).unwrap())
}

fn salt(seat: usize) -> [u8; 32] {
	[seat as u8; 32]
}

/// The commit call of committee seat `seat` voting `output`.
fn commit_call<T: Config>(id: RequestId, seat: usize, output: &InferenceOutput) -> Call<T> {
	let member = Disputes::<T>::get(id).unwrap().committee[seat].executor.clone();
	let key = T::Executors::key_of(&member).unwrap();
	let commitment = ResultCommitment::new(output, &[H256::repeat_byte(2)]);
	let seal = vote_seal(id, &key, &commitment, &salt(seat));
	let statement =
		DisputeStatement::Commit { request: Pallet::<T>::request_digest(id).unwrap(), seal };
	let signature = key.sign(&statement.signing_payload()).unwrap();
	Call::commit_vote { request: id, seal, key, signature }
}

/// The reveal call of committee seat `seat` voting `output`.
fn reveal_call<T: Config>(id: RequestId, seat: usize, output: &InferenceOutput) -> Call<T> {
	let member = Disputes::<T>::get(id).unwrap().committee[seat].executor.clone();
	let key = T::Executors::key_of(&member).unwrap();
	let commitment = ResultCommitment::new(output, &[H256::repeat_byte(2)]);
	Call::reveal_vote { request: id, output: output.clone(), commitment, salt: salt(seat), key }
}

fn dispatch<T: Config>(call: Call<T>) {
	call.dispatch_bypass_filter(RawOrigin::Authorized.into()).unwrap();
}

/// Every committee member commits and reveals `output`.
fn votes<T: Config>(id: RequestId, output: &InferenceOutput) {
	let seats = Disputes::<T>::get(id).unwrap().committee.len();
	for seat in 0..seats {
		dispatch::<T>(commit_call::<T>(id, seat, output));
	}
	for seat in 0..seats {
		dispatch::<T>(reveal_call::<T>(id, seat, output));
	}
}

/// Active executors in every benchmark: the selection scans them all. 63, not the runtime's 64:
/// the dev chain's genesis executor keeps its place while it unbonds (its key is not in the
/// benchmark keystore, so it is taken out of the draw).
const EXECUTORS: u32 = 63;

/// Every committee member of `id` commits; all but the last vote the disputed output `row(n)`
/// and reveal it; returns the last member's reveal of a different output.
fn last_reveal<T: Config>(id: RequestId, n: u32) -> Call<T> {
	let accused = InferenceOutput::Tensor(row(n));
	let other = other_row(n);
	let seats = Disputes::<T>::get(id).unwrap().committee.len();
	for seat in 0..seats - 1 {
		dispatch::<T>(commit_call::<T>(id, seat, &accused));
	}
	dispatch::<T>(commit_call::<T>(id, seats - 1, &other));
	for seat in 0..seats - 1 {
		dispatch::<T>(reveal_call::<T>(id, seat, &accused));
	}
	reveal_call::<T>(id, seats - 1, &other)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn request(b: Linear<32, { T::MaxInputBytes::get() }>) {
		executors::<T>(EXECUTORS);
		let n = elements_for(b);
		let model = list_model::<T>(n, 1);
		let who = requester::<T>();
		let input = InferenceInput::Tensor(row(n));
		#[extrinsic_call]
		_(RawOrigin::Signed(who), model, input, BalanceOf::<T>::max_value());
		assert_eq!(NextRequestId::<T>::get(), 1);
	}

	/// One result of `b` output bytes in a batch: a batch's weight is the sum of its results'.
	#[benchmark]
	fn submit_result(b: Linear<32, { T::MaxOutputBytes::get() }>) {
		executors::<T>(EXECUTORS);
		let n = elements_for(b);
		let model = list_model::<T>(1, n);
		let id = drawn::<T>(&requester::<T>(), model);
		let Call::submit_results { key, results } =
			result_call::<T>(id, InferenceOutput::Tensor(row(n)))
		else {
			unreachable!()
		};
		#[block]
		{
			Pallet::<T>::submit_results(RawOrigin::Authorized.into(), key, results).unwrap();
		}
		assert!(Results::<T>::contains_key(id));
	}

	#[benchmark]
	fn authorize_submit_result(b: Linear<32, { T::MaxOutputBytes::get() }>) {
		executors::<T>(EXECUTORS);
		let n = elements_for(b);
		let model = list_model::<T>(1, n);
		let id = drawn::<T>(&requester::<T>(), model);
		let call = result_call::<T>(id, InferenceOutput::Tensor(row(n)));
		#[block]
		{
			call.authorize(TransactionSource::External).unwrap().unwrap();
		}
	}

	/// The worst case: the request moves on to another executor, drawn among all of them.
	#[benchmark]
	fn decline() {
		let id = assigned::<T>();
		let Call::decline { request: declined, reason, key, signature } =
			decline_call::<T>(id, InferenceError::Internal)
		else {
			unreachable!()
		};
		#[extrinsic_call]
		_(RawOrigin::Authorized, declined, reason, key, signature);
		assert!(matches!(
			Requests::<T>::get(id).unwrap().status,
			RequestStatus::Drawing { attempt: 1, .. }
		));
	}

	/// One delayed draw (the weight `on_poll` charges per draw): a reassignment, so that the
	/// draw excludes an executor that missed the request, among all of them.
	#[benchmark]
	fn draw() {
		let id = assigned::<T>();
		dispatch::<T>(decline_call::<T>(id, InferenceError::Internal));
		let now = frame_system::Pallet::<T>::block_number() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::process_draws(now, &mut frame_support::weights::WeightMeter::new());
		}
		assert!(matches!(
			Requests::<T>::get(id).unwrap().status,
			RequestStatus::Assigned { attempt: 1, .. }
		));
	}

	#[benchmark]
	fn authorize_decline() {
		let id = assigned::<T>();
		let call = decline_call::<T>(id, InferenceError::Internal);
		#[block]
		{
			call.authorize(TransactionSource::External).unwrap().unwrap();
		}
	}

	/// `d` deadlines reassigned and `w` results finalized and paid in one block.
	#[benchmark]
	fn on_initialize(
		d: Linear<0, { T::MaxQueueWork::get() }>,
		w: Linear<0, { T::MaxQueueWork::get() }>,
	) {
		executors::<T>(EXECUTORS);
		let model = list_model::<T>(1, 1);
		let who = requester::<T>();
		// Results submitted at `target - window` and requests drawn at `target - timeout` are
		// both due at `target`.
		let start = frame_system::Pallet::<T>::block_number();
		let (window, timeout) = (T::ChallengeWindow::get(), T::ResponseTimeout::get());
		let target = start + 1u32.into() + window.max(timeout);
		let requests = |n: u32, drawn_at: BlockNumberFor<T>| {
			frame_system::Pallet::<T>::set_block_number(drawn_at - 1u32.into());
			let ids: Vec<RequestId> = (0..n)
				.map(|_| {
					Pallet::<T>::do_request(
						who.clone(),
						model,
						InferenceInput::Tensor(row(1)),
						BalanceOf::<T>::max_value(),
					)
					.unwrap()
				})
				.collect();
			draw_next_block::<T>();
			ids
		};
		for id in requests(w, target - window) {
			dispatch::<T>(result_call::<T>(id, InferenceOutput::Tensor(row(1))));
		}
		requests(d, target - timeout);
		let now = target;
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
		assert_eq!(DeadlineQueueBounds::<T>::get().len(), d as u64);
		assert!(WindowQueueBounds::<T>::get().is_empty());
	}

	#[benchmark]
	fn challenge() {
		let id = answered::<T>(1);
		let who: T::AccountId = account("challenger", 0, 0);
		T::Currency::set_balance(&who, T::ChallengeBond::get().saturating_mul(10u32.into()));
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);
		assert!(Disputes::<T>::contains_key(id));
	}

	#[benchmark]
	fn authorize_watcher_challenge() {
		let id = answered::<T>(1);
		let RequestStatus::Answered { executor, .. } = Requests::<T>::get(id).unwrap().status
		else {
			panic!("answered")
		};
		let watcher = T::Executors::select(&[7u8; 32], &[executor]).unwrap();
		let key = T::Executors::key_of(&watcher).unwrap();
		let statement =
			DisputeStatement::Challenge { request: Pallet::<T>::request_digest(id).unwrap() };
		let signature = key.sign(&statement.signing_payload()).unwrap();
		let call = Call::<T>::watcher_challenge { request: id, key, signature };
		#[block]
		{
			call.authorize(TransactionSource::External).unwrap().unwrap();
		}
	}

	/// The last member's commit, which opens the reveal phase.
	#[benchmark]
	fn commit_vote() {
		let id = answered::<T>(1);
		challenged::<T>(id);
		let output = other_row(1);
		let seats = Disputes::<T>::get(id).unwrap().committee.len();
		for seat in 0..seats - 1 {
			dispatch::<T>(commit_call::<T>(id, seat, &output));
		}
		let Call::commit_vote { request: req, seal, key, signature } =
			commit_call::<T>(id, seats - 1, &output)
		else {
			unreachable!()
		};
		#[extrinsic_call]
		_(RawOrigin::Authorized, req, seal, key, signature);
		assert!(matches!(Disputes::<T>::get(id).unwrap().phase, DisputePhase::Reveal { .. }));
	}

	#[benchmark]
	fn authorize_commit_vote() {
		let id = answered::<T>(1);
		challenged::<T>(id);
		let call = commit_call::<T>(id, 0, &other_row(1));
		#[block]
		{
			call.authorize(TransactionSource::External).unwrap().unwrap();
		}
	}

	/// The last member's reveal of a `b`-byte output: the first that differs from the disputed
	/// one (so it is stored), and the last reveal (so the verdict is scheduled).
	#[benchmark]
	fn reveal_vote(b: Linear<32, { T::MaxOutputBytes::get() }>) {
		let n = elements_for(b);
		let id = answered::<T>(n);
		challenged::<T>(id);
		let call = last_reveal::<T>(id, n);
		let Call::reveal_vote { request: req, output: out, commitment, salt, key } = call else {
			unreachable!()
		};
		#[extrinsic_call]
		_(RawOrigin::Authorized, req, out, commitment, salt, key);
		assert!(Disputes::<T>::get(id)
			.unwrap()
			.committee
			.iter()
			.all(|m| matches!(m.vote, Vote::Revealed(_))));
		assert!(DisputeOutputs::<T>::iter_prefix(id).next().is_some());
	}

	#[benchmark]
	fn authorize_reveal_vote(b: Linear<32, { T::MaxOutputBytes::get() }>) {
		let n = elements_for(b);
		let id = answered::<T>(n);
		challenged::<T>(id);
		let call = last_reveal::<T>(id, n);
		#[block]
		{
			call.authorize(TransactionSource::External).unwrap().unwrap();
		}
	}

	#[benchmark]
	fn set_watch_fraction() {
		#[extrinsic_call]
		_(RawOrigin::Root, sp_runtime::Perbill::from_percent(50));
		assert_eq!(WatchFraction::<T>::get(), sp_runtime::Perbill::from_percent(50));
	}

	#[benchmark]
	fn set_retention() {
		let blocks: BlockNumberFor<T> = 100u32.into();
		#[extrinsic_call]
		_(RawOrigin::Root, blocks);
		assert_eq!(Retention::<T>::get(), blocks);
	}

	/// `p` finished requests pruned in one block, each with the largest input (the record
	/// `take` reads) and a result.
	#[benchmark]
	fn prune(p: Linear<0, { T::MaxQueueWork::get() }>) {
		let template = answered::<T>(1);
		let mut record = Requests::<T>::get(template).unwrap();
		let result = Results::<T>::get(template).unwrap();
		let RequestStatus::Answered { executor, .. } = record.status.clone() else {
			panic!("answered")
		};
		let finished = frame_system::Pallet::<T>::block_number();
		record.input =
			BoundedVec::truncate_from(alloc::vec![7u8; T::MaxInputBytes::get() as usize]);
		record.status = RequestStatus::Final { executor, at: finished };
		let first = NextRequestId::<T>::get();
		for id in first..first + u64::from(p) {
			Pallet::<T>::close(id, record.clone(), finished);
			Results::<T>::insert(id, result.clone());
		}
		NextRequestId::<T>::put(first + u64::from(p));
		let now = finished + Retention::<T>::get();
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::process_prunes(now);
		}
		assert!(PruneQueueBounds::<T>::get().is_empty());
		assert!(p == 0 || Pallet::<T>::is_pruned(first));
	}

	/// `x` disputes decided in one block, each against the executor (the most transfers: the
	/// slash to every member, the challenger and the treasury, the fee to every member, the
	/// result replaced).
	#[benchmark]
	fn process_disputes(x: Linear<1, { T::MaxOpenDisputes::get() }>) {
		let output = other_row(1);
		let ids: Vec<RequestId> = (0..x)
			.map(|_| {
				let id = answered::<T>(1);
				challenged::<T>(id);
				votes::<T>(id, &output);
				id
			})
			.collect();
		// Every member revealed in this block: the verdicts are due in the next.
		let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
		#[block]
		{
			Game::<T>::process(next);
		}
		for id in ids {
			assert!(matches!(
				Requests::<T>::get(id).unwrap().status,
				RequestStatus::Corrected { .. }
			));
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
