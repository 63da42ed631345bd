//! Watching: each executor's worker checks a sample of the other executors' results that are
//! still in their challenge window (from the block after the result's, see [`super::settled`]),
//! with its engine ([`opg_primitives::inference::check`]: a re-run, or for a generated answer
//! one pass over the prompt and the answer's tokens), and challenges
//! ([`Call::watcher_challenge`]) when the output is not its engine's. A result is sampled
//! when `blake2(secret ‖ request)` falls below [`WatchFraction`]: the secret is drawn once per
//! node and never leaves it, so no executor can tell which of its results will be checked. Each
//! result is considered once per node.

use codec::{Decode, Encode};
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{DisputeStatement, ExecutorKey, InferenceInput, InferenceOutput};
use sp_runtime::{
	offchain::storage::StorageValueRef, traits::Saturating, Perbill, RuntimeAppPublic,
};

use super::{check_model, settled, submit, Journal};
use crate::{
	Call, Config, Pallet, RequestId, RequestStatus, Requests, Results, WatchFraction, WindowQueue,
	WindowQueueBounds, LOG_TARGET,
};

/// Most results one worker run re-runs as a watcher.
pub const MAX_WATCHED_PER_RUN: usize = 8;

/// How many of the newest challenge-window entries a worker run looks at.
pub const WATCH_SCAN: u64 = 256;

const SEEN_PREFIX: &[u8] = b"opg/watch/seen/";
const SECRET_KEY: &[u8] = b"opg/watch/secret";

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

/// Re-runs a sample of the results of executors other than those of `keys` that are still in
/// their window; challenges a differing one.
pub fn run<T: Config>(now: BlockNumberFor<T>, keys: &[(ExecutorKey, T::AccountId)]) {
	let fraction = WatchFraction::<T>::get();
	if fraction.is_zero() {
		return;
	}
	let secret = secret();
	let mut journal = Journal::<T>::new(now);
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
		let RequestStatus::Answered { executor, challenge_end } = &record.status else { continue };
		// Answered in this very block: peers still at the parent would refuse the challenge.
		if !settled::<T>(challenge_end.saturating_sub(T::ChallengeWindow::get()), now) {
			continue;
		}
		// Never this node's own results; any of its keys can sign the challenge.
		if keys.iter().any(|(_, owner)| owner == executor) {
			continue;
		}
		let Some((key, _)) = keys.first() else { return };
		let digest = Pallet::<T>::digest_of(request, &record);
		let mut seen_key = SEEN_PREFIX.to_vec();
		digest.encode_to(&mut seen_key);
		let seen = StorageValueRef::persistent(&seen_key);
		if let Ok(Some(true)) = seen.get::<bool>() {
			continue;
		}
		if !sampled(&secret, request, fraction) {
			seen.set(&true);
			journal.note(seen_key.clone());
			continue;
		}
		let Some(result) = Results::<T>::get(request) else { continue };
		let Ok(input) = InferenceInput::decode(&mut &record.input[..]) else { continue };
		ran = ran.saturating_add(1);
		let Ok(output) = InferenceOutput::decode(&mut &result.output[..]) else { continue };
		let agrees = match check_model::<T>(&record.model, input, &digest, &output) {
			Ok(agrees) => agrees,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "watcher: cannot check request {request}: {e:?}");
				continue;
			}
		};
		seen.set(&true);
		journal.note(seen_key.clone());
		if agrees {
			log::debug!(target: LOG_TARGET, "watcher: result of request {request} checks out");
			continue;
		}
		log::info!(
			target: LOG_TARGET,
			"watcher: result of request {request} by {executor:?} (output {:?}) is not this node's, challenging",
			result.commitment.output_hash,
		);
		let statement = DisputeStatement::Challenge { request: digest };
		let Some(signature) = key.sign(&statement.signing_payload()) else { continue };
		if let Err(e) =
			submit::<T>(Call::watcher_challenge { request, key: key.clone(), signature })
		{
			log::warn!(target: LOG_TARGET, "watcher: challenge of request {request} not submitted: {e:?}");
		}
	}
}
