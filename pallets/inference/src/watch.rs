//! The off-chain worker's share of the dispute game: committee duty and watching.
//!
//! **Committee duty.** For every open dispute whose committee holds one of this node's executors:
//! in the commit phase, run the request, draw a secret salt, keep `(commitment, output, salt)`
//! in the node's persistent off-chain storage and submit the sealed vote
//! ([`Call::commit_vote`]); in the reveal phase, submit the kept vote ([`Call::reveal_vote`]).
//! The kept vote survives restarts, so a member always opens the seal it committed.
//!
//! **Watching.** Each executor's worker re-runs a sample of the other executors' results that
//! are still in their challenge window, and challenges ([`Call::watcher_challenge`]) when its
//! output hash differs. A result is sampled when `blake2(secret ‖ request)` falls below
//! [`WatchFraction`]: the secret is drawn once per node and never leaves it, so no executor can
//! tell which of its results will be checked. Each result is considered once per node.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::ExecutorSet;
use opg_primitives::{
	commitment::output_hash, vote_seal, DisputeStatement, ExecutorKey, InferenceInput,
	InferenceOutput, InferenceRun, ResultCommitment,
};
use sp_runtime::{offchain::storage::StorageValueRef, Perbill, RuntimeAppPublic};

use crate::{
	offchain::{lock, run_model, submit, Skip},
	Call, Config, DisputeDeadlines, DisputePhase, Disputes, Pallet, RequestId, RequestStatus,
	Requests, Results, Vote, WatchFraction, WindowQueue, WindowQueueBounds, LOG_TARGET,
};

/// Most results one worker run re-runs as a watcher.
pub const MAX_WATCHED_PER_RUN: usize = 8;

/// How many of the newest challenge-window entries a worker run looks at.
pub const WATCH_SCAN: u64 = 256;

const VOTE_PREFIX: &[u8] = b"opg/dispute/vote/";
const SEEN_PREFIX: &[u8] = b"opg/watch/seen/";
const SECRET_KEY: &[u8] = b"opg/watch/secret";

/// A committee member's vote, kept between its commit and its reveal.
#[derive(Encode, Decode)]
struct KeptVote {
	commitment: ResultCommitment,
	output: InferenceOutput,
	salt: [u8; 32],
}

/// The worker's entry point for disputes, called from `offchain_worker` after the answers.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let keys: Vec<(ExecutorKey, T::AccountId)> = ExecutorKey::all()
		.into_iter()
		.filter_map(|key| T::Executors::owner_of(&key).map(|owner| (key, owner)))
		.collect();
	if keys.is_empty() {
		return;
	}
	serve_committees::<T>(now, &keys);
	watch::<T>(now, &keys);
}

/// Commits or reveals for every open dispute this node's executors sit on.
fn serve_committees<T: Config>(now: BlockNumberFor<T>, keys: &[(ExecutorKey, T::AccountId)]) {
	for (_, request) in DisputeDeadlines::<T>::get() {
		let Some(dispute) = Disputes::<T>::get(request) else { continue };
		for (key, owner) in keys {
			let Some(member) = dispute.committee.iter().find(|m| m.executor == *owner) else {
				continue;
			};
			let outcome = match (&dispute.phase, &member.vote) {
				(DisputePhase::Commit { .. }, Vote::Pending) => commit::<T>(now, request, key),
				(DisputePhase::Reveal { .. }, Vote::Committed(_)) => reveal::<T>(now, request, key),
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

/// The storage key of the vote `key` keeps for `request`.
fn vote_key(request: RequestId, key: &ExecutorKey) -> Vec<u8> {
	let mut k = VOTE_PREFIX.to_vec();
	(request, key).encode_to(&mut k);
	k
}

/// Runs `request` (once: the kept vote is reused) and submits the sealed vote.
fn commit<T: Config>(
	now: BlockNumberFor<T>,
	request: RequestId,
	key: &ExecutorKey,
) -> Result<(), Skip> {
	lock::<T>(now, (b"commit", request, key))?;
	let storage_key = vote_key(request, key);
	let store = StorageValueRef::persistent(&storage_key);
	let kept = match store.get::<KeptVote>() {
		Ok(Some(kept)) => kept,
		_ => {
			let record = Requests::<T>::get(request).ok_or(Skip::NotAssigned)?;
			let input =
				InferenceInput::decode(&mut &record.input[..]).map_err(|_| Skip::BadInput)?;
			let InferenceRun { output, commitment, .. } =
				run_model::<T>(&record.model, input).map_err(Skip::Engine)?;
			let kept = KeptVote { commitment, output, salt: sp_io::offchain::random_seed() };
			store.set(&kept);
			kept
		}
	};
	let seal = vote_seal(request, key, &kept.commitment, &kept.salt);
	let statement =
		DisputeStatement::Commit { genesis: Pallet::<T>::genesis_hash(), request, seal };
	let signature = key.sign(&statement.signing_payload()).ok_or(Skip::Signing)?;
	submit::<T>(Call::commit_vote { request, seal, key: key.clone(), signature })
}

/// Submits the vote kept at commit time.
fn reveal<T: Config>(
	now: BlockNumberFor<T>,
	request: RequestId,
	key: &ExecutorKey,
) -> Result<(), Skip> {
	lock::<T>(now, (b"reveal", request, key))?;
	let storage_key = vote_key(request, key);
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

/// Whether this node re-runs `request`: `blake2(secret ‖ request)` below `fraction`.
pub fn sampled(secret: &[u8; 32], request: RequestId, fraction: Perbill) -> bool {
	let digest = sp_io::hashing::blake2_256(&(secret, request).encode());
	let draw = u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
	// draw / 2^32 < parts / 10^9, in integers.
	u64::from(draw).saturating_mul(1_000_000_000) < u64::from(fraction.deconstruct()) << 32
}

/// This node's watcher secret, drawn on first use.
fn secret() -> [u8; 32] {
	let store = StorageValueRef::persistent(SECRET_KEY);
	if let Ok(Some(secret)) = store.get::<[u8; 32]>() {
		return secret;
	}
	let secret = sp_io::offchain::random_seed();
	store.set(&secret);
	secret
}

/// Re-runs a sample of the other executors' open results; challenges a differing one.
fn watch<T: Config>(now: BlockNumberFor<T>, keys: &[(ExecutorKey, T::AccountId)]) {
	let fraction = WatchFraction::<T>::get();
	if fraction.is_zero() {
		return;
	}
	let secret = secret();
	let bounds = WindowQueueBounds::<T>::get();
	let mut ran = 0usize;
	let first = bounds.tail.saturating_sub(WATCH_SCAN).max(bounds.head);
	for position in (first..bounds.tail).rev() {
		if ran >= MAX_WATCHED_PER_RUN {
			break;
		}
		let Some((due, request)) = WindowQueue::<T>::get(position) else { continue };
		if due <= now {
			continue;
		}
		let Some(record) = Requests::<T>::get(request) else { continue };
		let RequestStatus::Answered { executor, .. } = &record.status else { continue };
		// Never this node's own results; any of its keys can sign the challenge.
		if keys.iter().any(|(_, owner)| owner == executor) {
			continue;
		}
		let Some((key, _)) = keys.first() else { return };
		let mut seen_key = SEEN_PREFIX.to_vec();
		request.encode_to(&mut seen_key);
		let seen = StorageValueRef::persistent(&seen_key);
		if let Ok(Some(true)) = seen.get::<bool>() {
			continue;
		}
		if !sampled(&secret, request, fraction) {
			seen.set(&true);
			continue;
		}
		let Some(result) = Results::<T>::get(request) else { continue };
		let Ok(input) = InferenceInput::decode(&mut &record.input[..]) else { continue };
		ran = ran.saturating_add(1);
		let run = match run_model::<T>(&record.model, input) {
			Ok(run) => run,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "watcher: cannot re-run request {request}: {e:?}");
				continue;
			}
		};
		seen.set(&true);
		if output_hash(&run.output) == result.commitment.output_hash {
			log::debug!(target: LOG_TARGET, "watcher: result of request {request} checks out");
			continue;
		}
		log::info!(
			target: LOG_TARGET,
			"watcher: result of request {request} by {executor:?} differs from this node's ({:?} vs {:?}), challenging",
			result.commitment.output_hash,
			run.commitment.output_hash,
		);
		let statement =
			DisputeStatement::Challenge { genesis: Pallet::<T>::genesis_hash(), request };
		let Some(signature) = key.sign(&statement.signing_payload()) else { continue };
		if let Err(e) =
			submit::<T>(Call::watcher_challenge { request, key: key.clone(), signature })
		{
			log::warn!(target: LOG_TARGET, "watcher: challenge of request {request} not submitted: {e:?}");
		}
	}
}
