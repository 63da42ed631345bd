//! Answering: run the requests assigned to this node's executors and submit their results, one
//! batch per executor.
//!
//! For every local executor, the worker takes the requests assigned to it, oldest first, and
//! for each:
//! 1. takes the request's lock, keyed by its digest and assignment, until the deadline;
//! 2. runs the model through the [`opg_primitives::inference`] host function (fetching the
//!    bundle from the model's URIs first if the engine does not have it);
//! 3. signs the [`ResultStatement`] with the executor key and adds the result to the
//!    executor's batch; or, when the engine cannot run the request, signs a
//!    [`DeclineStatement`] with the engine's error and submits [`Call::decline`], so that the
//!    request moves on at once instead of waiting out the deadline (see
//!    [`opg_primitives::InferenceError::is_request_fault`] for which reasons make the requester
//!    pay).
//!
//! The batch goes out as one [`Call::submit_results`] transaction, or several when it would
//! hold more than [`crate::Config::MaxResultsPerBatch`] results or [`BATCH_BYTES`] bytes. Then
//! each answered request's lock is shortened to [`super::RESUBMIT_AFTER`] blocks, so a result
//! that does not land is sent again.
//!
//! The work of one run is bounded by time, not by a count: the worker stops starting new runs
//! once [`ANSWER_BUDGET_MS`] have passed, sends what it has, and leaves the rest to the next
//! block's worker (the chain bounds what each executor holds by
//! [`crate::Config::MaxBacklog`]).

use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::{traits::Get, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{
	DeclineStatement, ExecutorKey, InferenceError, InferenceInput, InferenceRun, RequestDigest,
	ResultStatement,
};
use sp_runtime::RuntimeAppPublic;

use super::{lock, release_after, run_model, submit, Journal, Skip};
use crate::{
	Assigned, Call, Config, Pallet, RequestId, RequestOf, RequestStatus, Requests, SubmittedResult,
	LOG_TARGET,
};

/// How long one worker run spends starting model runs, in milliseconds (a third of a 6-second
/// slot): what is left waits for the next block's worker, so that the batch reaches the next
/// block's author in time.
pub const ANSWER_BUDGET_MS: u64 = 2_000;

/// The most encoded bytes of results one transaction carries (a block holds 5 MiB).
pub const BATCH_BYTES: usize = 512 * 1024;

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Answered {
	/// Results sent.
	pub results: u32,
	/// Declines sent.
	pub declined: u32,
	/// Result transactions sent.
	pub batches: u32,
	/// Requests left for the next block's worker when the time budget ran out.
	pub left: u32,
}

/// Answers the requests assigned to the executors of `keys`, oldest first, until the time
/// budget ([`ANSWER_BUDGET_MS`]) is spent.
pub fn run<T: Config>(now: BlockNumberFor<T>, keys: &[(ExecutorKey, T::AccountId)]) -> Answered {
	let started = sp_io::offchain::timestamp();
	let spent = || sp_io::offchain::timestamp().diff(&started).millis() >= ANSWER_BUDGET_MS;
	let mut done = Answered::default();
	let mut journal = Journal::<T>::new(now);
	for (key, executor) in keys {
		let mut assigned: Vec<RequestId> = Assigned::<T>::iter_key_prefix(executor).collect();
		assigned.sort_unstable();
		let mut batch = Batch::<T>::new(now, key.clone());
		for (position, request) in assigned.iter().enumerate() {
			if spent() {
				done.left = done.left.saturating_add(
					u32::try_from(assigned.len().saturating_sub(position)).unwrap_or(u32::MAX),
				);
				break;
			}
			match answer::<T>(now, *request, executor, key, &mut journal) {
				Ok(Answer::Result(result, lock)) => batch.push(*result, lock, &mut done),
				Ok(Answer::Declined(reason)) => {
					done.declined = done.declined.saturating_add(1);
					log::info!(target: LOG_TARGET, "ocw: declined request {request}: {reason}");
				}
				Err(Skip::Locked) => {}
				Err(e) => {
					log::debug!(target: LOG_TARGET, "ocw: request {request} not answered: {e:?}")
				}
			}
		}
		batch.send(&mut done);
	}
	if done.results > 0 || done.declined > 0 || done.left > 0 {
		log::info!(
			target: LOG_TARGET,
			"ocw: block {now:?}: sent {} results in {} transactions, {} declines; {} left for the next block",
			done.results, done.batches, done.declined, done.left,
		);
	}
	done
}

/// A request's lock: its digest and assignment.
type LockId = (RequestDigest, u32);

/// One executor's results, waiting to be sent.
struct Batch<T: Config> {
	now: BlockNumberFor<T>,
	key: ExecutorKey,
	results: Vec<SubmittedResult>,
	locks: Vec<LockId>,
	bytes: usize,
}

impl<T: Config> Batch<T> {
	fn new(now: BlockNumberFor<T>, key: ExecutorKey) -> Self {
		Self { now, key, results: Vec::new(), locks: Vec::new(), bytes: 0 }
	}

	/// Adds `result`, sending the batch first if `result` would not fit.
	fn push(&mut self, result: SubmittedResult, lock: LockId, done: &mut Answered) {
		let size = result.encoded_size();
		let full = self.results.len() >= T::MaxResultsPerBatch::get() as usize
			|| self.bytes.saturating_add(size) > BATCH_BYTES;
		if full && !self.results.is_empty() {
			self.send(done);
		}
		self.bytes = self.bytes.saturating_add(size);
		self.results.push(result);
		self.locks.push(lock);
	}

	/// Sends the batch (if it holds anything) and shortens its requests' locks, so that a
	/// transaction that does not land is sent again.
	fn send(&mut self, done: &mut Answered) {
		if self.results.is_empty() {
			return;
		}
		let results = core::mem::take(&mut self.results);
		let count = u32::try_from(results.len()).unwrap_or(u32::MAX);
		let results = BoundedVec::truncate_from(results);
		match submit::<T>(Call::submit_results { key: self.key.clone(), results }) {
			Ok(()) => {
				done.results = done.results.saturating_add(count);
				done.batches = done.batches.saturating_add(1);
			}
			Err(e) => {
				log::warn!(target: LOG_TARGET, "ocw: a batch of {count} results was not sent: {e:?}")
			}
		}
		for lock in self.locks.drain(..) {
			release_after::<T>(self.now, lock);
		}
		self.bytes = 0;
	}
}

/// What the worker made of a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
	/// Its signed result, for the batch, and the lock to shorten once the batch is sent.
	Result(alloc::boxed::Box<SubmittedResult>, LockId),
	/// A decline, sent: the engine cannot run it, for this reason.
	Declined(InferenceError),
}

/// Runs request `request` for `executor`: its signed result, or the signed decline it sent.
/// The lock it takes is noted in `journal`.
pub fn answer<T: Config>(
	now: BlockNumberFor<T>,
	request: RequestId,
	executor: &T::AccountId,
	key: &ExecutorKey,
	journal: &mut Journal<T>,
) -> Result<Answer, Skip> {
	let record = Requests::<T>::get(request).ok_or(Skip::NotAssigned)?;
	let (attempt, deadline) = match &record.status {
		RequestStatus::Assigned { executor: assigned, attempt, deadline }
			if assigned == executor =>
		{
			(*attempt, *deadline)
		}
		_ => return Err(Skip::NotAssigned),
	};
	// Locked by what is answered, never by the id alone (another branch's, or an earlier
	// chain's, request with this id is another request), and until the deadline while it runs.
	let digest = Pallet::<T>::digest_of(request, &record);
	lock::<T>(now, (digest, attempt), deadline, journal)?;
	let answer = run_and_sign::<T>(request, &record, digest, attempt, executor, key);
	if !matches!(answer, Ok(Answer::Result(..))) {
		// Sent (a decline) or failed: a later worker may retry if nothing landed. A result's
		// lock is shortened once its batch is sent.
		release_after::<T>(now, (digest, attempt));
	}
	answer
}

/// Runs `record` (request `request`, assignment `attempt`) and signs its result; or signs and
/// submits the decline when the engine cannot run it.
fn run_and_sign<T: Config>(
	request: RequestId,
	record: &RequestOf<T>,
	digest: RequestDigest,
	attempt: u32,
	executor: &T::AccountId,
	key: &ExecutorKey,
) -> Result<Answer, Skip> {
	let input = InferenceInput::decode(&mut &record.input[..]).map_err(|_| Skip::BadInput)?;
	let InferenceRun { output, commitment, .. } =
		match run_model::<T>(&record.model, input, &digest) {
			Ok(run) => run,
			// The model is on its way: run it then (the lock is shortened to `RESUBMIT_AFTER`).
			Err(reason) if reason.is_transient() => return Err(Skip::Engine(reason)),
			Err(reason) => {
				let statement = DeclineStatement {
					request: digest,
					attempt,
					executor: executor.clone(),
					reason,
				};
				let signature = key.sign(&statement.signing_payload()).ok_or(Skip::Signing)?;
				submit::<T>(Call::decline { request, reason, key: key.clone(), signature })?;
				return Ok(Answer::Declined(reason));
			}
		};
	let statement =
		ResultStatement { request: digest, attempt, executor: executor.clone(), commitment };
	let signature = key.sign(&statement.signing_payload()).ok_or(Skip::Signing)?;
	let result = SubmittedResult { request, output, commitment, signature };
	Ok(Answer::Result(alloc::boxed::Box::new(result), (digest, attempt)))
}
