//! The off-chain worker: answer the requests assigned to this node's executor keys.
//!
//! For every executor key in the node's keystore that belongs to a registered executor, and
//! every request assigned to that executor, the worker:
//! 1. takes a lock in the node's persistent off-chain storage, so that the workers of the next
//!    blocks (and of sibling forks) do not run the same request again while the result is on its
//!    way; the lock expires after [`RESUBMIT_AFTER`] blocks so a dropped transaction is retried;
//! 2. runs the model through the [`opg_primitives::inference`] host function (fetching the
//!    bundle from the model's URIs first if the engine does not have it);
//! 3. signs the [`ResultStatement`] with the executor key and submits
//!    [`Call::submit_result`] as an authorized transaction.
//!
//! Failures are logged (at debug level for the expected ones) and retried after the lock
//! expires; a request nobody can answer runs out its deadline and is reassigned or refunded.

use codec::{Decode, Encode};
use frame_system::{
	offchain::{CreateAuthorizedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use opg_primitives::ExecutorSet;
use opg_primitives::{
	inference, ExecutorKey, InferenceError, InferenceInput, InferenceRun, ModelCatalog,
	ResultStatement,
};
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
	traits::Saturating,
	RuntimeAppPublic,
};

use crate::{Assigned, Call, Config, Pallet, RequestId, RequestStatus, Requests, LOG_TARGET};

/// Blocks after which a request whose result has not landed is run and submitted again.
///
/// Short on purpose: the worker of block `N` answers requests made in block `N` itself, and the
/// transaction pool may validate that submission against its view of block `N - 1` (where the
/// request does not exist yet) before it has a view of `N`, and drop it. Measured on the dev
/// chain: 1 result in 30 or so; with 2 blocks those arrive 3 blocks after the request instead
/// of 1. An included result ends the assignment, so a request is run twice only when its first
/// result was lost (or is still queued, in which case the pool keeps one of the two).
pub const RESUBMIT_AFTER: u32 = 2;

/// Most requests one worker run answers (the rest wait for the next block's worker).
pub const MAX_PER_RUN: usize = 16;

const LOCK_PREFIX: &[u8] = b"opg/inference/sent/";

/// Why a request was not answered by this run.
#[derive(Debug, PartialEq, Eq)]
pub enum Skip {
	/// Another worker (an earlier block's, or a fork's) handled it recently.
	Locked,
	/// The request is no longer waiting for this executor (or this node kept no vote for it).
	NotAssigned,
	/// The engine could not run it.
	Engine(InferenceError),
	/// The stored input does not decode (cannot happen: it was checked on request).
	BadInput,
	/// The keystore could not sign.
	Signing,
	/// The transaction pool refused the transaction.
	Submit,
}

/// The worker's entry point, called from `offchain_worker`.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let mut answered = 0usize;
	for key in ExecutorKey::all() {
		let Some(executor) = T::Executors::owner_of(&key) else { continue };
		let assigned: alloc::vec::Vec<RequestId> =
			Assigned::<T>::iter_key_prefix(&executor).take(MAX_PER_RUN).collect();
		for request in assigned {
			if answered >= MAX_PER_RUN {
				return;
			}
			match answer::<T>(now, request, &executor, &key) {
				Ok(()) => {
					answered = answered.saturating_add(1);
					log::debug!(target: LOG_TARGET, "ocw: submitted the result of request {request}");
				}
				Err(Skip::Locked) => {}
				Err(e) => {
					log::debug!(target: LOG_TARGET, "ocw: request {request} not answered: {e:?}")
				}
			}
		}
	}
}

/// Runs request `request` for `executor` and submits the signed result.
pub fn answer<T: Config>(
	now: BlockNumberFor<T>,
	request: RequestId,
	executor: &T::AccountId,
	key: &ExecutorKey,
) -> Result<(), Skip> {
	let record = Requests::<T>::get(request).ok_or(Skip::NotAssigned)?;
	match &record.status {
		RequestStatus::Assigned { executor: assigned, .. } if assigned == executor => {}
		_ => return Err(Skip::NotAssigned),
	}
	lock::<T>(now, request)?;
	let input = InferenceInput::decode(&mut &record.input[..]).map_err(|_| Skip::BadInput)?;
	let run = run_model::<T>(&record.model, input).map_err(Skip::Engine)?;
	let InferenceRun { output, commitment, .. } = run;
	let statement = ResultStatement {
		genesis: Pallet::<T>::genesis_hash(),
		request,
		commitment: commitment.clone(),
	};
	let signature = key.sign(&statement.signing_payload()).ok_or(Skip::Signing)?;
	submit::<T>(Call::submit_result { request, output, commitment, key: key.clone(), signature })
}

/// Submits `call` as an authorized transaction.
pub(crate) fn submit<T: Config>(call: Call<T>) -> Result<(), Skip> {
	let xt =
		<T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(call.into());
	SubmitTransaction::<T, Call<T>>::submit_transaction(xt).map_err(|()| Skip::Submit)
}

/// Runs the model, fetching it from its URIs first if the engine does not have it.
pub(crate) fn run_model<T: Config>(
	model: &opg_primitives::ModelHash,
	input: InferenceInput,
) -> Result<InferenceRun, InferenceError> {
	match inference::run(*model, input.clone()) {
		Err(InferenceError::UnknownModel) => {
			let uris = T::Models::listed(model).map(|m| m.uris).unwrap_or_default();
			inference::fetch(*model, uris)?;
			inference::run(*model, input)
		}
		other => other,
	}
}

/// Takes the lock `id` (a request id, or a dispute step) for this block unless a worker took it
/// less than [`RESUBMIT_AFTER`] blocks ago.
pub(crate) fn lock<T: Config>(now: BlockNumberFor<T>, id: impl Encode) -> Result<(), Skip> {
	let mut key = LOCK_PREFIX.to_vec();
	id.encode_to(&mut key);
	let storage = StorageValueRef::persistent(&key);
	let result = storage.mutate(
		|last: Result<Option<BlockNumberFor<T>>, StorageRetrievalError>| match last {
			Ok(Some(at)) if now < at.saturating_add(RESUBMIT_AFTER.into()) && now >= at => {
				Err(Skip::Locked)
			}
			_ => Ok(now),
		},
	);
	match result {
		Ok(_) => Ok(()),
		Err(MutateStorageError::ValueFunctionFailed(skip)) => Err(skip),
		Err(MutateStorageError::ConcurrentModification(_)) => Err(Skip::Locked),
	}
}
