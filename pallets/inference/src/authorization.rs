//! The authorization of the calls executors' off-chain workers send (`#[pallet::authorize]`):
//! [`Call::submit_results`], [`Call::decline`], [`Call::watcher_challenge`], [`Call::commit_vote`]
//! and [`Call::reveal_vote`].
//!
//! These are general transactions without a signer: no nonce, no fee. What makes them valid is
//! the executor key's signature of a statement bound to this chain and to the request itself by
//! the request's digest ([`Pallet::request_digest`]: genesis, id, requester, model, input, block),
//! checked with everything else the call would check. So each
//! authorization runs the call's own checks and is valid exactly when the call would succeed:
//! - refused with `InvalidTransaction::Custom(index of the error)` (see [`Pallet::refuse`]);
//! - valid until the last block the call can succeed in (the deadline, the end of the window or
//!   of the vote's phase), with the tag `(prefix, what it provides)` so that the pool keeps one
//!   transaction per request (and member; a batch of results provides one tag per result), at [`Config::ExecutorPriority`] (no lower than
//!   signed transactions), and propagated ([`Pallet::validity`]).
//!
//! The calls are of the `Operational` dispatch class: the part of each block kept for that class
//! takes them even when normal transactions (or a session rotation, which claims the whole
//! block's weight) have filled the rest.

use alloc::{collections::BTreeSet, vec::Vec};
use codec::{Decode, Encode};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{
	ExecutorKey, ExecutorSignature, InferenceError, InferenceOutput, RequestDigest,
	ResultCommitment, ResultStatement, H256,
};
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

#[cfg(doc)]
use crate::Call;
use crate::{
	dispute::committee::Committee, Config, Error, Pallet, RequestId, RequestOf, RequestStatus,
	Requests, SubmittedResult, LOG_TARGET,
};

impl<T: Config> Pallet<T> {
	/// The genesis hash, as executors sign it.
	pub fn genesis_hash() -> H256 {
		let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		H256::decode(&mut &hash.encode()[..]).unwrap_or_default()
	}

	/// The [`RequestDigest`] of request `id` as the chain recorded it (`None` if there is no
	/// such request): what executors sign about it.
	pub fn request_digest(id: RequestId) -> Option<RequestDigest> {
		Requests::<T>::get(id).map(|record| Self::digest_of(id, &record))
	}

	/// The [`RequestDigest`] of `record`, request `id`.
	pub(crate) fn digest_of(id: RequestId, record: &RequestOf<T>) -> RequestDigest {
		RequestDigest::new(
			&Self::genesis_hash(),
			id,
			&record.requester,
			&record.model,
			&record.input,
			&record.created,
		)
	}

	/// The statement the executor assigned to request `id` signs for a result with
	/// `commitment` (`None` unless the request is waiting for a result).
	pub fn result_statement(
		id: RequestId,
		commitment: ResultCommitment,
	) -> Option<ResultStatement<T::AccountId>> {
		let record = Requests::<T>::get(id)?;
		let RequestStatus::Assigned { executor, attempt, .. } = &record.status else {
			return None;
		};
		Some(ResultStatement {
			request: Self::digest_of(id, &record),
			attempt: *attempt,
			executor: executor.clone(),
			commitment,
		})
	}

	/// The validity of an authorized transaction: tags `(prefix, p)` for each `p` in
	/// `provides`, valid until `until` (inclusive), at [`Config::ExecutorPriority`], propagated,
	/// no weight refunded.
	pub(crate) fn validity<P: Encode>(
		prefix: &'static str,
		provides: impl IntoIterator<Item = P>,
		until: BlockNumberFor<T>,
	) -> TransactionValidityWithRefund {
		let longevity = until
			.saturating_sub(frame_system::Pallet::<T>::block_number())
			.saturating_add(1u32.into());
		let validity = provides
			.into_iter()
			.fold(ValidTransaction::with_tag_prefix(prefix), |builder, tag| {
				builder.and_provides(tag)
			})
			.priority(T::ExecutorPriority::get())
			.longevity(longevity.saturated_into::<u64>())
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Refuses the `what` transaction for `request` with `error`: the error's index in
	/// [`Error`] is the `Custom` code.
	pub(crate) fn refuse(
		request: RequestId,
		what: &str,
		error: &Error<T>,
	) -> TransactionValidityError {
		log::debug!(target: LOG_TARGET, "{what} for request {request} refused: {error:?}");
		InvalidTransaction::Custom(error.encode().first().copied().unwrap_or(u8::MAX)).into()
	}

	/// Authorization of [`Pallet::submit_results`]: valid while at least one of the results
	/// passes every check, providing one tag per such result (`("opg/result", request)`), so
	/// that the pool keeps one result per request, until the latest of their deadlines (the
	/// pool re-checks every block; a result past its own deadline then stops counting).
	/// Refused with the first result's error when none passes; a request named twice counts
	/// once.
	pub(crate) fn authorize_results(
		_source: TransactionSource,
		key: &ExecutorKey,
		results: &BoundedVec<SubmittedResult, T::MaxResultsPerBatch>,
	) -> TransactionValidityWithRefund {
		let mut seen = BTreeSet::new();
		let mut valid = Vec::new();
		let mut until: Option<BlockNumberFor<T>> = None;
		let mut first_error = None;
		for result in results.iter() {
			if !seen.insert(result.request) {
				continue;
			}
			let SubmittedResult { request, output, commitment, signature } = result;
			match Self::check_result(*request, output, commitment, key, signature) {
				Ok(checked) => {
					valid.push(*request);
					until = Some(until.map_or(checked.deadline(), |u| u.max(checked.deadline())));
				}
				Err(error) => {
					first_error.get_or_insert((*request, error));
				}
			}
		}
		let Some(until) = until else {
			let (request, error) = first_error.unwrap_or((0, Error::<T>::NoResults));
			return Err(Self::refuse(request, "result", &error));
		};
		Self::validity("opg/result", valid, until)
	}

	/// Authorization of [`Pallet::decline`]: one transaction per request (tag
	/// `("opg/decline", request)`), valid until the deadline.
	pub(crate) fn authorize_decline(
		_source: TransactionSource,
		request: &RequestId,
		reason: &InferenceError,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> TransactionValidityWithRefund {
		let (_, deadline) = Self::check_decline(*request, reason, key, signature)
			.map_err(|e| Self::refuse(*request, "decline", &e))?;
		Self::validity("opg/decline", [request], deadline)
	}

	/// Authorization of [`Pallet::watcher_challenge`]: one transaction per request (tag
	/// `("opg/challenge", request)`), valid until the end of the result's window.
	pub(crate) fn authorize_watcher_challenge(
		_source: TransactionSource,
		request: &RequestId,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> TransactionValidityWithRefund {
		Self::check_watcher_challenge(*request, key, signature)
			.map_err(|e| Self::refuse(*request, "challenge", &e))?;
		let end = match Requests::<T>::get(request).map(|r| r.status) {
			Some(RequestStatus::Answered { challenge_end, .. }) => challenge_end,
			_ => frame_system::Pallet::<T>::block_number(),
		};
		Self::validity("opg/challenge", [request], end)
	}

	/// Authorization of [`Pallet::commit_vote`]: one transaction per request and member (tag
	/// `("opg/commit", (request, key))`), valid until the end of the commit phase.
	pub(crate) fn authorize_commit(
		_source: TransactionSource,
		request: &RequestId,
		seal: &H256,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> TransactionValidityWithRefund {
		Committee::<T>::check_commit(*request, seal, key, signature)
			.map_err(|e| Self::refuse(*request, "commit", &e))?;
		Self::validity("opg/commit", [(request, key)], Committee::<T>::phase_end(*request))
	}

	/// Authorization of [`Pallet::reveal_vote`]: one transaction per request and member (tag
	/// `("opg/reveal", (request, key))`), valid until the end of the reveal phase.
	pub(crate) fn authorize_reveal(
		_source: TransactionSource,
		request: &RequestId,
		output: &InferenceOutput,
		commitment: &ResultCommitment,
		salt: &[u8; 32],
		key: &ExecutorKey,
	) -> TransactionValidityWithRefund {
		Committee::<T>::check_reveal(*request, output, commitment, salt, key)
			.map_err(|e| Self::refuse(*request, "reveal", &e))?;
		Self::validity("opg/reveal", [(request, key)], Committee::<T>::phase_end(*request))
	}
}
