//! A FIFO queue in storage: items by position in a map, head and tail in a value.
//!
//! Used for deadlines, draws and challenge windows. Every item is pushed with a due block that is a
//! fixed number of blocks after the block it is pushed in, so the queue is ordered by due block
//! and popping stops at the first item not yet due.

use frame_support::storage::{StorageMap, StorageValue};

use crate::{QueueBounds, RequestId};

/// Appends `(due, id)`.
pub(crate) fn push<Items, Bounds, B>(due: B, id: RequestId)
where
	Items: StorageMap<u64, (B, RequestId)>,
	Bounds: StorageValue<QueueBounds, Query = QueueBounds>,
	B: codec::FullCodec,
{
	let mut bounds = Bounds::get();
	Items::insert(bounds.tail, (due, id));
	bounds.tail = bounds.tail.saturating_add(1);
	Bounds::put(bounds);
}

/// The oldest item, if it is due at `now`; it stays queued (see [`pop_head`]).
pub(crate) fn peek_due<Items, Bounds, B>(now: B) -> Option<(B, RequestId)>
where
	Items: StorageMap<u64, (B, RequestId), Query = Option<(B, RequestId)>>,
	Bounds: StorageValue<QueueBounds, Query = QueueBounds>,
	B: codec::FullCodec + PartialOrd,
{
	let bounds = Bounds::get();
	if bounds.is_empty() {
		return None;
	}
	Items::get(bounds.head).filter(|(due, _)| *due <= now)
}

/// Removes the oldest item (the one [`peek_due`] returned).
pub(crate) fn pop_head<Items, Bounds, B>()
where
	Items: StorageMap<u64, (B, RequestId), Query = Option<(B, RequestId)>>,
	Bounds: StorageValue<QueueBounds, Query = QueueBounds>,
	B: codec::FullCodec,
{
	let mut bounds = Bounds::get();
	if bounds.is_empty() {
		return;
	}
	Items::remove(bounds.head);
	bounds.head = bounds.head.saturating_add(1);
	Bounds::put(bounds);
}

/// Removes and returns the oldest item if it is due at `now`.
pub(crate) fn pop_due<Items, Bounds, B>(now: B) -> Option<(B, RequestId)>
where
	Items: StorageMap<u64, (B, RequestId), Query = Option<(B, RequestId)>>,
	Bounds: StorageValue<QueueBounds, Query = QueueBounds>,
	B: codec::FullCodec + PartialOrd,
{
	let mut bounds = Bounds::get();
	if bounds.is_empty() {
		return None;
	}
	let Some((due, id)) = Items::get(bounds.head) else {
		// A hole (cannot happen: items are only removed here); skip it rather than stall.
		bounds.head = bounds.head.saturating_add(1);
		Bounds::put(bounds);
		return None;
	};
	if due > now {
		return None;
	}
	Items::remove(bounds.head);
	bounds.head = bounds.head.saturating_add(1);
	Bounds::put(bounds);
	Some((due, id))
}

/// Pops the items due at `now`, oldest first, at most `max` of them, handing each to `f` as
/// `(due, id)`; returns how many.
pub(crate) fn drain_due<Items, Bounds, B>(now: B, max: u32, mut f: impl FnMut(B, RequestId)) -> u32
where
	Items: StorageMap<u64, (B, RequestId), Query = Option<(B, RequestId)>>,
	Bounds: StorageValue<QueueBounds, Query = QueueBounds>,
	B: codec::FullCodec + PartialOrd + Copy,
{
	let mut done = 0u32;
	while done < max {
		let Some((due, id)) = pop_due::<Items, Bounds, B>(now) else { break };
		f(due, id);
		done = done.saturating_add(1);
	}
	done
}

/// Every queued item, oldest first (for invariant checks).
#[cfg(any(test, feature = "std", feature = "try-runtime"))]
pub(crate) fn items<Items, Bounds, B>() -> alloc::vec::Vec<(B, RequestId)>
where
	Items: StorageMap<u64, (B, RequestId), Query = Option<(B, RequestId)>>,
	Bounds: StorageValue<QueueBounds, Query = QueueBounds>,
	B: codec::FullCodec,
{
	let bounds = Bounds::get();
	(bounds.head..bounds.tail).filter_map(Items::get).collect()
}
