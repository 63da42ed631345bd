//! The off-chain worker: what an executor's node does every block, with the executor keys in its
//! keystore that belong to registered executors the node was configured to act for
//! ([`ExecutorOwners`]: `--executor-account`, or every key on development chains).
//!
//! 1. **Answer** ([`answer`]): run the requests assigned to those executors and submit their
//!    signed results, many per transaction ([`Call::submit_results`]).
//! 2. **Serve on committees** ([`committee`]): for every open dispute whose committee holds one
//!    of them, commit a sealed vote, then reveal it ([`Call::commit_vote`],
//!    [`Call::reveal_vote`]).
//! 3. **Watch** ([`watch`]): re-run a secret sample of the other executors' results still in
//!    their challenge window and challenge a differing one ([`Call::watcher_challenge`]).
//!
//! Every transaction is an authorized one (`#[pallet::authorize]`, see `authorization.rs`): no
//! signer, no fee. Each step takes a lock in the node's persistent off-chain storage first, so
//! that the workers of the next blocks do not repeat it while it runs or while its transaction is
//! on its way. Locks are keyed by the request's digest ([`crate::Pallet::request_digest`]), never
//! by its id alone: on a sibling fork or a relaunched chain the same id is another request. An
//! answer holds its lock until the assignment's deadline while the model runs (a run may outlast
//! several blocks), then for [`RESUBMIT_AFTER`] blocks once its transaction is sent; the other
//! steps for [`RESUBMIT_AFTER`] blocks. So a dropped transaction is retried. Failures are logged
//! (at debug level for the expected ones) and retried after the lock expires; a request nobody
//! can answer runs out its deadline and is reassigned or refunded. Locks, kept votes and seen
//! marks are journaled per block and cleared once no step can need them ([`marks`]).

use alloc::vec::Vec;
use codec::Encode;
use frame_system::{
	offchain::{CreateAuthorizedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use opg_primitives::{
	inference, ExecutorKey, ExecutorOwners, ExecutorSet, InferenceError, InferenceInput,
	InferenceOutput, InferenceRun, ModelCatalog, RequestDigest,
};
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
	traits::Saturating,
	RuntimeAppPublic,
};

use crate::{Call, Config};

pub mod answer;
pub mod committee;
pub mod marks;
pub mod watch;

use marks::Journal;

/// Blocks after which a request whose result has not landed is run and submitted again.
///
/// Short on purpose: the worker of block `N` answers requests made in block `N` itself, and the
/// transaction pool may validate that submission against its view of block `N - 1` (where the
/// request does not exist yet) before it has a view of `N`, and drop it. Measured on the dev
/// chain: 1 result in 30 or so; with 2 blocks those arrive 3 blocks after the request instead
/// of 1. An included result ends the assignment, so a request is run twice only when its first
/// result was lost (or is still queued, in which case the pool keeps one of the two).
pub const RESUBMIT_AFTER: u32 = 2;

pub(crate) const LOCK_PREFIX: &[u8] = b"opg/inference/sent/";

/// Why a request was not answered (or a vote or challenge not sent) by this run.
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

/// The worker's entry point, called from `offchain_worker`: answer, then the dispute duties,
/// then prune old marks ([`marks`]).
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let keys = local_executors::<T>();
	answer::run::<T>(now, &keys);
	serve_disputes::<T>(now, &keys);
	marks::sweep::<T>(now);
}

/// The dispute duties of this node's executors `keys`: serve on committees, then watch (nothing
/// on a node without executor keys).
pub fn serve_disputes<T: Config>(now: BlockNumberFor<T>, keys: &[(ExecutorKey, T::AccountId)]) {
	if keys.is_empty() {
		return;
	}
	committee::run::<T>(now, keys);
	watch::run::<T>(now, keys);
}

/// The executor keys in this node's keystore that belong to registered executors the node acts
/// for ([`ExecutorOwners`], which the node stores at start-up; none when it stored nothing), with
/// their executors.
pub fn local_executors<T: Config>() -> Vec<(ExecutorKey, T::AccountId)> {
	let owners = StorageValueRef::persistent(ExecutorOwners::<T::AccountId>::STORAGE_KEY)
		.get::<ExecutorOwners<T::AccountId>>()
		.ok()
		.flatten()
		.unwrap_or(ExecutorOwners::Only(Vec::new()));
	ExecutorKey::all()
		.into_iter()
		.filter_map(|key| T::Executors::owner_of(&key).map(|owner| (key, owner)))
		.filter(|(key, owner)| {
			let allowed = owners.allows(owner);
			if !allowed {
				log::debug!(target: crate::LOG_TARGET, "ocw: not acting for key {key:?} of {owner:?}: not an executor account of this node");
			}
			allowed
		})
		.collect()
}

/// Whether the worker of block `now` may send a transaction that depends on state written in
/// block `written`: only when its parent already held it (`written < now`).
///
/// A transaction that is valid only from `now` on is refused by every peer that validates it
/// before importing `now` (always the case for this node's own peers when this node authored
/// `now`: its worker runs before they have the block), and a peer does not ask again for a
/// transaction it refused. Only this node's own blocks could then include it, and one of those
/// may be full (a session rotation) or past the deadline. Measured on the four-node lying-executor
/// network: a dispute opened in the committee member's own block lost every commit that way.
/// Results are the exception (see [`RESUBMIT_AFTER`]): answering in the block of the request
/// saves a block on every request.
pub(crate) fn settled<T: Config>(written: BlockNumberFor<T>, now: BlockNumberFor<T>) -> bool {
	written < now
}

/// Submits `call` as an authorized transaction.
pub(crate) fn submit<T: Config>(call: Call<T>) -> Result<(), Skip> {
	let xt =
		<T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(call.into());
	SubmitTransaction::<T, Call<T>>::submit_transaction(xt).map_err(|()| Skip::Submit)
}

/// Runs the model for request `digest` (its sampling nonce, see [`opg_primitives::Nonce`]),
/// fetching it from its URIs first if the engine does not have it.
pub(crate) fn run_model<T: Config>(
	model: &opg_primitives::ModelHash,
	input: InferenceInput,
	digest: &RequestDigest,
) -> Result<InferenceRun, InferenceError> {
	with_model::<T, _, _>(model, || inference::run(*model, input.clone(), digest.0 .0))
}

/// Whether `output` is the model's answer to request `digest` (see [`inference::check`]: a
/// generated answer is checked with one pass over its tokens), fetching the model first if the
/// engine does not have it.
pub(crate) fn check_model<T: Config>(
	model: &opg_primitives::ModelHash,
	input: InferenceInput,
	digest: &RequestDigest,
	output: &InferenceOutput,
) -> Result<bool, InferenceError> {
	with_model::<T, _, _>(model, || {
		inference::check(*model, input.clone(), digest.0 .0, output.clone())
	})
}

/// `call`, and again after a fetch if the engine did not have the model.
fn with_model<T: Config, R, F: Fn() -> Result<R, InferenceError>>(
	model: &opg_primitives::ModelHash,
	call: F,
) -> Result<R, InferenceError> {
	match call() {
		Err(InferenceError::UnknownModel) => {
			let uris = T::Models::listed(model).map(|m| m.uris).unwrap_or_default();
			inference::fetch(*model, uris)?;
			call()
		}
		other => other,
	}
}

/// The storage key of the lock `id`.
fn lock_key(id: &impl Encode) -> Vec<u8> {
	let mut key = LOCK_PREFIX.to_vec();
	id.encode_to(&mut key);
	key
}

/// What a lock holds: the block it was taken at and the last block it holds.
pub(crate) type Held<T> = (BlockNumberFor<T>, BlockNumberFor<T>);

/// Takes the lock `id` (a request's assignment, or a dispute step) from `now` until `until`
/// (inclusive), unless another worker holds it: one that took it at or before `now`, until `now`
/// or later. (A lock taken at a later block is a sibling fork's, or a relaunched chain's: it does
/// not hold here.) A lock taken is noted in `journal`, so that it is pruned later.
pub(crate) fn lock<T: Config>(
	now: BlockNumberFor<T>,
	id: impl Encode,
	until: BlockNumberFor<T>,
	journal: &mut Journal<T>,
) -> Result<(), Skip> {
	let key = lock_key(&id);
	let storage = StorageValueRef::persistent(&key);
	let result =
		storage.mutate(|held: Result<Option<Held<T>>, StorageRetrievalError>| match held {
			Ok(Some((taken, held_until))) if taken <= now && now <= held_until => Err(Skip::Locked),
			_ => Ok((now, until)),
		});
	match result {
		Ok(_) => {
			journal.note(key);
			Ok(())
		}
		Err(MutateStorageError::ValueFunctionFailed(skip)) => Err(skip),
		Err(MutateStorageError::ConcurrentModification(_)) => Err(Skip::Locked),
	}
}

/// Takes the lock `id` for the usual [`RESUBMIT_AFTER`] blocks.
pub(crate) fn lock_briefly<T: Config>(
	now: BlockNumberFor<T>,
	id: impl Encode,
	journal: &mut Journal<T>,
) -> Result<(), Skip> {
	lock::<T>(now, id, now.saturating_add(RESUBMIT_AFTER.saturating_sub(1).into()), journal)
}

/// Shortens the lock `id`, taken at `now`, to the usual [`RESUBMIT_AFTER`] blocks: the work is
/// done (its transaction sent, or failed), so a later worker may retry if nothing landed.
pub(crate) fn release_after<T: Config>(now: BlockNumberFor<T>, id: impl Encode) {
	StorageValueRef::persistent(&lock_key(&id))
		.set(&(now, now.saturating_add(RESUBMIT_AFTER.saturating_sub(1).into())));
}
