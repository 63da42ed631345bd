//! The off-chain marks are pruned too: the locks (`opg/inference/sent/…`), the committee's kept
//! votes (`opg/dispute/vote/…`) and the watchers' seen marks (`opg/watch/seen/…`) would otherwise
//! grow with every request, in every executor's off-chain database, forever.
//!
//! Every worker run records the keys it wrote in its block's journal entry
//! (`opg/marks/journal/<block>`, one write per run: a [`Journal`] is written when it is
//! dropped). Then [`sweep`] clears the marks of the journal entries older than
//! [`lifetime`] blocks, oldest first from a cursor (`opg/marks/cursor`), at most
//! [`SWEEP_BLOCKS`] entries and about [`SWEEP_KEYS`] keys per run. A mark outlives every use:
//! a lock holds at most until its request's deadline, a kept vote is revealed within the
//! dispute's phases, a seen mark matters while the challenge window lasts. A lock still held
//! when its entry is swept (taken again by a later run) is carried over to the sweeping block's
//! entry rather than cleared.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	offchain::{
		storage::{StorageRetrievalError, StorageValueRef},
		StorageKind,
	},
	traits::{CheckedSub, One, Saturating, Zero},
};

use super::{Held, LOCK_PREFIX};
use crate::{Config, LOG_TARGET};

const JOURNAL_PREFIX: &[u8] = b"opg/marks/journal/";
const CURSOR_KEY: &[u8] = b"opg/marks/cursor";

/// The most journal entries (blocks) one run sweeps.
pub const SWEEP_BLOCKS: u32 = 16;

/// One run stops sweeping once it has cleared this many keys (it finishes the entry it is on).
pub const SWEEP_KEYS: usize = 8_192;

/// Blocks a journal entry is kept before its marks are cleared: longer than any mark is used
/// (a deadline, a challenge window, and a dispute's commit and reveal phases twice over, for an
/// extended vote).
pub fn lifetime<T: Config>() -> BlockNumberFor<T> {
	let dispute = T::CommitPeriod::get().saturating_add(T::RevealPeriod::get());
	T::ResponseTimeout::get()
		.saturating_add(T::ChallengeWindow::get())
		.saturating_add(dispute.saturating_add(dispute))
}

fn journal_key<T: Config>(block: BlockNumberFor<T>) -> Vec<u8> {
	let mut key = JOURNAL_PREFIX.to_vec();
	block.encode_to(&mut key);
	key
}

/// The keys one worker run wrote in block `now`; appended to the block's journal entry when
/// dropped (on every path out of the run).
pub struct Journal<T: Config> {
	now: BlockNumberFor<T>,
	keys: Vec<Vec<u8>>,
}

impl<T: Config> Journal<T> {
	/// An empty journal of a run in block `now`.
	pub fn new(now: BlockNumberFor<T>) -> Self {
		Journal { now, keys: Vec::new() }
	}

	/// Records that this run wrote the mark `key`.
	pub(crate) fn note(&mut self, key: Vec<u8>) {
		self.keys.push(key);
	}
}

impl<T: Config> Drop for Journal<T> {
	fn drop(&mut self) {
		if self.keys.is_empty() {
			return;
		}
		let key = journal_key::<T>(self.now);
		let entry = StorageValueRef::persistent(&key);
		// Workers of sibling blocks at one height may append at once: retry a lost race.
		for _ in 0..4 {
			let appended =
				entry.mutate(|kept: Result<Option<Vec<Vec<u8>>>, StorageRetrievalError>| {
					let mut kept = kept.ok().flatten().unwrap_or_default();
					kept.extend(self.keys.iter().cloned());
					Ok::<_, ()>(kept)
				});
			if appended.is_ok() {
				return;
			}
		}
		log::warn!(target: LOG_TARGET, "ocw: block {:?}: {} marks not journaled (they will not be pruned)", self.now, self.keys.len());
	}
}

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
	/// Journal entries (blocks) swept.
	pub blocks: u32,
	/// Marks cleared.
	pub cleared: u32,
}

/// Clears the marks of the journal entries older than [`lifetime`] at `now`, oldest first,
/// within [`SWEEP_BLOCKS`] and [`SWEEP_KEYS`]. A lock still held (taken again by a later run) is
/// carried over to the entry of `now`.
pub fn sweep<T: Config>(now: BlockNumberFor<T>) -> Swept {
	let mut done = Swept::default();
	let cursor = StorageValueRef::persistent(CURSOR_KEY);
	// A node's first run: nothing before this block was journaled.
	let Ok(Some(mut next)) = cursor.get::<BlockNumberFor<T>>() else {
		cursor.set(&now);
		return done;
	};
	let Some(last) = now.checked_sub(&lifetime::<T>()) else { return done };
	let mut carried = Journal::<T>::new(now);
	let mut keys = 0usize;
	while next <= last && done.blocks < SWEEP_BLOCKS && keys < SWEEP_KEYS {
		let key = journal_key::<T>(next);
		let mut entry = StorageValueRef::persistent(&key);
		if let Ok(Some(marks)) = entry.get::<Vec<Vec<u8>>>() {
			keys = keys.saturating_add(marks.len());
			for mark in marks {
				match clear_if_done::<T>(&mark, now) {
					Cleared::Yes => done.cleared = done.cleared.saturating_add(1),
					Cleared::Held => carried.note(mark),
					Cleared::Gone => {}
				}
			}
			entry.clear();
		}
		next = next.saturating_add(One::one());
		done.blocks = done.blocks.saturating_add(1);
	}
	cursor.set(&next);
	if !done.cleared.is_zero() {
		log::debug!(target: LOG_TARGET, "ocw: block {now:?}: cleared {} off-chain marks of {} blocks", done.cleared, done.blocks);
	}
	done
}

/// The keys journaled in `block`'s entry (not swept yet).
pub fn journal<T: Config>(block: BlockNumberFor<T>) -> Vec<Vec<u8>> {
	StorageValueRef::persistent(&journal_key::<T>(block)).get().ok().flatten().unwrap_or_default()
}

enum Cleared {
	Yes,
	/// A lock still held.
	Held,
	/// Nothing was stored (cleared by an earlier entry).
	Gone,
}

/// Clears the mark `key`, unless it is gone already or is a lock still held.
fn clear_if_done<T: Config>(key: &[u8], now: BlockNumberFor<T>) -> Cleared {
	let stored = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, key);
	let Some(value) = stored else { return Cleared::Gone };
	if key.starts_with(LOCK_PREFIX) {
		if let Ok((_, until)) = Held::<T>::decode(&mut &value[..]) {
			if until >= now {
				return Cleared::Held;
			}
		}
	}
	sp_io::offchain::local_storage_clear(StorageKind::PERSISTENT, key);
	Cleared::Yes
}
