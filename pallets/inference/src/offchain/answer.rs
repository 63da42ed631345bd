//! Answering: run the requests assigned to this node's executors and submit their results.
//!
//! For every local executor and every request assigned to it, the worker:
//! 1. takes the request's lock, keyed by its digest and assignment, until the deadline;
//! 2. runs the model through the [`opg_primitives::inference`] host function (fetching the
//!    bundle from the model's URIs first if the engine does not have it);
//! 3. signs the [`ResultStatement`] with the executor key and submits [`Call::submit_result`];
//!    or, when the engine cannot run the request, signs a [`DeclineStatement`] with the engine's
//!    error and submits [`Call::decline`], so that the request moves on at once instead of
//!    waiting out the deadline (see [`opg_primitives::InferenceError::is_request_fault`] for
//!    which reasons make the requester pay);
//! 4. shortens the lock to [`super::RESUBMIT_AFTER`] blocks, so a result that does not land is
//!    sent again.

use codec::Decode;
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{
	DeclineStatement, ExecutorKey, InferenceError, InferenceInput, InferenceRun, RequestDigest,
	ResultStatement,
};
use sp_runtime::RuntimeAppPublic;

use super::{lock, release_after, run_model, submit, Skip};
use crate::{
	Assigned, Call, Config, Pallet, RequestId, RequestOf, RequestStatus, Requests, LOG_TARGET,
};

/// Most requests one worker run answers (the rest wait for the next block's worker).
pub const MAX_PER_RUN: usize = 16;

/// Answers up to [`MAX_PER_RUN`] requests assigned to the executors of `keys`.
pub fn run<T: Config>(now: BlockNumberFor<T>, keys: &[(ExecutorKey, T::AccountId)]) {
	let mut answered = 0usize;
	for (key, executor) in keys {
		let assigned: alloc::vec::Vec<RequestId> =
			Assigned::<T>::iter_key_prefix(executor).take(MAX_PER_RUN).collect();
		for request in assigned {
			if answered >= MAX_PER_RUN {
				return;
			}
			match answer::<T>(now, request, executor, key) {
				Ok(Answer::Result) => {
					answered = answered.saturating_add(1);
					log::debug!(target: LOG_TARGET, "ocw: submitted the result of request {request}");
				}
				Ok(Answer::Declined(reason)) => {
					answered = answered.saturating_add(1);
					log::info!(target: LOG_TARGET, "ocw: declined request {request}: {reason}");
				}
				Err(Skip::Locked) => {}
				Err(e) => {
					log::debug!(target: LOG_TARGET, "ocw: request {request} not answered: {e:?}")
				}
			}
		}
	}
}

/// What the worker sent for a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
	/// Its result.
	Result,
	/// A decline: the engine cannot run it, for this reason.
	Declined(InferenceError),
}

/// Runs request `request` for `executor` and submits the signed result (or decline).
pub fn answer<T: Config>(
	now: BlockNumberFor<T>,
	request: RequestId,
	executor: &T::AccountId,
	key: &ExecutorKey,
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
	lock::<T>(now, (digest, attempt), deadline)?;
	let sent = run_and_submit::<T>(request, &record, digest, attempt, executor, key);
	release_after::<T>(now, (digest, attempt));
	sent
}

/// Runs `record` (request `request`, assignment `attempt`) and submits the signed result, or
/// the signed decline when the engine cannot run it.
fn run_and_submit<T: Config>(
	request: RequestId,
	record: &RequestOf<T>,
	digest: RequestDigest,
	attempt: u32,
	executor: &T::AccountId,
	key: &ExecutorKey,
) -> Result<Answer, Skip> {
	let input = InferenceInput::decode(&mut &record.input[..]).map_err(|_| Skip::BadInput)?;
	let InferenceRun { output, commitment, .. } = match run_model::<T>(&record.model, input) {
		Ok(run) => run,
		// The model is on its way: run it then (the lock is shortened to `RESUBMIT_AFTER`).
		Err(reason) if reason.is_transient() => return Err(Skip::Engine(reason)),
		Err(reason) => {
			let statement =
				DeclineStatement { request: digest, attempt, executor: executor.clone(), reason };
			let signature = key.sign(&statement.signing_payload()).ok_or(Skip::Signing)?;
			submit::<T>(Call::decline { request, reason, key: key.clone(), signature })?;
			return Ok(Answer::Declined(reason));
		}
	};
	let statement =
		ResultStatement { request: digest, attempt, executor: executor.clone(), commitment };
	let signature = key.sign(&statement.signing_payload()).ok_or(Skip::Signing)?;
	submit::<T>(Call::submit_result { request, output, commitment, key: key.clone(), signature })?;
	Ok(Answer::Result)
}
