//! Bounded state: a request that finished (final, corrected, refunded or rejected) is queued for
//! pruning ([`PruneQueue`]) and removed, with its result and dispute outcome, [`Retention`]
//! blocks later, at most [`Config::MaxQueueWork`] per block. Its events stay in its blocks and an
//! archive node keeps its state; every opg-node also indexes off-chain how it ended
//! ([`PrunedRequest`]), which the RPC answers for a pruned id.

use codec::Encode;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::CheckedSub, Saturating};

use crate::{
	pruned_key, queue, BalanceOf, Config, DisputeOutcomes, Event, ModelStats, NextRequestId,
	Pallet, PruneQueue, PruneQueueBounds, PrunedRequest, RequestId, RequestOf, RequestStatus,
	Requests, Results, Retention, Stats, LOG_TARGET,
};

impl<T: Config> Pallet<T> {
	/// Stores `record` of request `id`, which finished at `now` (its status is final,
	/// corrected, refunded or rejected), and queues it for pruning.
	pub(crate) fn close(id: RequestId, record: RequestOf<T>, now: BlockNumberFor<T>) {
		debug_assert!(record.status.is_finished(), "request {id} closed while open");
		Stats::<T>::mutate(record.model, |stats| {
			let paid = |stats: &mut ModelStats<BalanceOf<T>>| {
				stats.fees_paid = stats.fees_paid.saturating_add(record.fee);
			};
			match record.status {
				RequestStatus::Final { .. } => {
					stats.finalized = stats.finalized.saturating_add(1);
					paid(stats);
				}
				RequestStatus::Corrected { .. } => {
					stats.corrected = stats.corrected.saturating_add(1);
					paid(stats);
				}
				RequestStatus::Refunded { .. } => stats.refunded = stats.refunded.saturating_add(1),
				RequestStatus::Rejected { .. } => stats.rejected = stats.rejected.saturating_add(1),
				_ => {}
			}
		});
		Requests::<T>::insert(id, record);
		queue::push::<PruneQueue<T>, PruneQueueBounds<T>, _>(now, id);
	}

	/// Prunes the requests that finished [`Retention`] blocks before `now` or earlier (at most
	/// [`Config::MaxQueueWork`]); returns how many.
	pub(crate) fn process_prunes(now: BlockNumberFor<T>) -> u32 {
		let Some(cutoff) = now.checked_sub(&Retention::<T>::get()) else { return 0 };
		let count = queue::drain_due::<PruneQueue<T>, PruneQueueBounds<T>, _>(
			cutoff,
			T::MaxQueueWork::get(),
			|_, id| Self::prune(id, now),
		);
		if count > 0 {
			Self::deposit_event(Event::Pruned { count });
		}
		count
	}

	/// Removes request `id` with its result and dispute outcome, and indexes off-chain how it
	/// ended.
	fn prune(id: RequestId, now: BlockNumberFor<T>) {
		let Some(record) = Requests::<T>::take(id) else {
			log::error!(target: LOG_TARGET, "request {id}: queued for pruning but not stored");
			return;
		};
		Results::<T>::remove(id);
		DisputeOutcomes::<T>::remove(id);
		let mark = PrunedRequest { status: record.status, pruned_at: now };
		sp_io::offchain_index::set(&pruned_key(id), &mark.encode());
	}

	/// Whether `id` was a request that finished and was pruned (an id never issued is not).
	pub fn is_pruned(id: RequestId) -> bool {
		id < NextRequestId::<T>::get() && !Requests::<T>::contains_key(id)
	}
}
