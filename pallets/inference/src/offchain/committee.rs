//! Committee duty: for every open dispute whose committee holds one of this node's executors,
//! from the block after its phase began (see [`settled`]): in the commit phase, run the
//! request, draw a secret salt, keep `(commitment, output, salt)` in the node's persistent
//! off-chain storage and submit the sealed vote ([`Call::commit_vote`]); in the reveal phase,
//! submit the kept vote ([`Call::reveal_vote`]). The kept vote survives restarts, so a member
//! always opens the seal it committed.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{
	vote_seal, DisputeStatement, ExecutorKey, InferenceInput, InferenceOutput, InferenceRun,
	RequestDigest, ResultCommitment,
};
use sp_runtime::{offchain::storage::StorageValueRef, RuntimeAppPublic};

use super::{lock_briefly, run_model, settled, submit, Journal, Skip};
use crate::{
	dispute::committee::Committee, Call, Config, DisputeDeadlines, DisputePhase, Disputes, Pallet,
	RequestId, Requests, Vote, LOG_TARGET,
};

const VOTE_PREFIX: &[u8] = b"opg/dispute/vote/";

/// A committee member's vote, kept between its commit and its reveal.
#[derive(Encode, Decode)]
struct KeptVote {
	commitment: ResultCommitment,
	output: InferenceOutput,
	salt: [u8; 32],
}

/// Commits or reveals for every open dispute the executors of `keys` sit on.
pub fn run<T: Config>(now: BlockNumberFor<T>, keys: &[(ExecutorKey, T::AccountId)]) {
	let mut journal = Journal::<T>::new(now);
	for (_, request) in DisputeDeadlines::<T>::get() {
		let Some(dispute) = Disputes::<T>::get(request) else { continue };
		for (key, owner) in keys {
			let Some(member) = dispute.committee.iter().find(|m| m.executor == *owner) else {
				continue;
			};
			if !settled::<T>(Committee::<T>::phase_began(&dispute), now) {
				continue;
			}
			let outcome = match (&dispute.phase, &member.vote) {
				(DisputePhase::Commit { .. }, Vote::Pending) => {
					commit::<T>(now, request, key, &mut journal)
				}
				(DisputePhase::Reveal { .. }, Vote::Committed(_)) => {
					reveal::<T>(now, request, key, &mut journal)
				}
				_ => continue,
			};
			match outcome {
				Ok(()) => {
					log::debug!(target: LOG_TARGET, "ocw: vote sent for disputed request {request}")
				}
				Err(Skip::Locked) => {}
				Err(e) => {
					log::warn!(target: LOG_TARGET, "ocw: no vote for disputed request {request}: {e:?}")
				}
			}
		}
	}
}

/// The storage key of the vote `key` keeps for the request of `digest`.
fn vote_key(digest: &RequestDigest, key: &ExecutorKey) -> Vec<u8> {
	let mut k = VOTE_PREFIX.to_vec();
	(digest, key).encode_to(&mut k);
	k
}

/// Runs `request` (once: the kept vote is reused) and submits the sealed vote.
fn commit<T: Config>(
	now: BlockNumberFor<T>,
	request: RequestId,
	key: &ExecutorKey,
	journal: &mut Journal<T>,
) -> Result<(), Skip> {
	let record = Requests::<T>::get(request).ok_or(Skip::NotAssigned)?;
	let digest = Pallet::<T>::digest_of(request, &record);
	lock_briefly::<T>(now, (b"commit", digest, key), journal)?;
	let storage_key = vote_key(&digest, key);
	let store = StorageValueRef::persistent(&storage_key);
	let kept = match store.get::<KeptVote>() {
		Ok(Some(kept)) => kept,
		_ => {
			let input =
				InferenceInput::decode(&mut &record.input[..]).map_err(|_| Skip::BadInput)?;
			let InferenceRun { output, commitment, .. } =
				run_model::<T>(&record.model, input, &digest).map_err(Skip::Engine)?;
			let kept = KeptVote { commitment, output, salt: sp_io::offchain::random_seed() };
			store.set(&kept);
			journal.note(storage_key.clone());
			kept
		}
	};
	let seal = vote_seal(request, key, &kept.commitment, &kept.salt);
	let statement = DisputeStatement::Commit { request: digest, seal };
	let signature = key.sign(&statement.signing_payload()).ok_or(Skip::Signing)?;
	submit::<T>(Call::commit_vote { request, seal, key: key.clone(), signature })
}

/// Submits the vote kept at commit time.
fn reveal<T: Config>(
	now: BlockNumberFor<T>,
	request: RequestId,
	key: &ExecutorKey,
	journal: &mut Journal<T>,
) -> Result<(), Skip> {
	let digest = Pallet::<T>::request_digest(request).ok_or(Skip::NotAssigned)?;
	lock_briefly::<T>(now, (b"reveal", digest, key), journal)?;
	let storage_key = vote_key(&digest, key);
	let kept = StorageValueRef::persistent(&storage_key)
		.get::<KeptVote>()
		.ok()
		.flatten()
		.ok_or(Skip::NotAssigned)?;
	submit::<T>(Call::reveal_vote {
		request,
		output: kept.output,
		commitment: kept.commitment,
		salt: kept.salt,
		key: key.clone(),
	})
}
