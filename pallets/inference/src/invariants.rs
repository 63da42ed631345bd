//! The invariants `try_state` checks (with `try-runtime`, and after every test): no path loses
//! held funds, and the indexes (assignments, queues, dispute deadlines, pruning) agree with the
//! records.
//! They read both sides of the seam: the market's requests and the game's disputes.

use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{CheckedAdd, Saturating, Zero};

use crate::{
	queue, Assigned, Backlog, BalanceOf, Config, DeadlineQueue, DeadlineQueueBounds,
	DisputeDeadlines, DisputeOutcomes, Disputes, DrawQueue, DrawQueueBounds, HoldReason, Missed,
	NextRequestId, Pallet, PruneQueue, PruneQueueBounds, Rejections, RequestId, RequestStatus,
	Requests, Results, WindowQueue, WindowQueueBounds,
};

impl<T: Config> Pallet<T> {
	/// Invariants: every account's held request fees equal the fees of its open (drawing,
	/// assigned, answered or disputed) requests; every drawing request is in the draw queue, due
	/// in a block after its own; every assignment is an assigned request and vice versa,
	/// and a reassigned request never went back to an executor that missed it;
	/// every answered, disputed or final request has a result and no other has; the queues hold
	/// every open deadline and window; then the pruning's ([`Self::try_state_pruning`]) and
	/// the committee game's invariants. Run by `try-runtime` and by the tests.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
		let mut open_fees = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		let mut requesters = BTreeSet::<T::AccountId>::new();
		let deadlines: BTreeSet<(BlockNumberFor<T>, RequestId)> =
			queue::items::<DeadlineQueue<T>, DeadlineQueueBounds<T>, _>().into_iter().collect();
		let draws: BTreeSet<(BlockNumberFor<T>, RequestId)> =
			queue::items::<DrawQueue<T>, DrawQueueBounds<T>, _>().into_iter().collect();
		let windows: BTreeSet<(BlockNumberFor<T>, RequestId)> =
			queue::items::<WindowQueue<T>, WindowQueueBounds<T>, _>().into_iter().collect();
		let mut assigned = 0usize;
		for (id, record) in Requests::<T>::iter() {
			ensure!(id < NextRequestId::<T>::get(), "request id beyond NextRequestId");
			requesters.insert(record.requester.clone());
			let open = match &record.status {
				RequestStatus::Drawing { at, .. } => {
					ensure!(draws.contains(&(*at, id)), "drawing request not in the draw queue");
					ensure!(*at > record.created, "a draw due in the request's own block");
					ensure!(!Results::<T>::contains_key(id), "drawing request has a result");
					true
				}
				RequestStatus::Assigned { executor, deadline, .. } => {
					assigned = assigned.saturating_add(1);
					ensure!(
						Assigned::<T>::contains_key(executor, id),
						"assigned request not in Assigned"
					);
					ensure!(
						deadlines.contains(&(*deadline, id)),
						"assigned request not in the deadline queue"
					);
					ensure!(!Results::<T>::contains_key(id), "assigned request has a result");
					true
				}
				RequestStatus::Answered { challenge_end, .. } => {
					ensure!(Results::<T>::contains_key(id), "answered request without a result");
					ensure!(
						windows.contains(&(*challenge_end, id)),
						"answered request not in the window queue"
					);
					true
				}
				RequestStatus::Disputed { .. } => {
					ensure!(Results::<T>::contains_key(id), "disputed request without a result");
					ensure!(Disputes::<T>::contains_key(id), "disputed request without a dispute");
					true
				}
				RequestStatus::Final { .. } | RequestStatus::Corrected { .. } => {
					ensure!(Results::<T>::contains_key(id), "final request without a result");
					false
				}
				RequestStatus::Refunded { .. } | RequestStatus::Rejected { .. } => {
					ensure!(!Results::<T>::contains_key(id), "refunded request with a result");
					false
				}
			};
			if open {
				let sum = open_fees.entry(record.requester.clone()).or_insert_with(Zero::zero);
				*sum = sum.checked_add(&record.fee).ok_or("fee sum overflows")?;
			}
		}
		ensure!(Assigned::<T>::iter().count() == assigned, "Assigned has stale entries");
		let mut backlogs: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		for (executor, _, ()) in Assigned::<T>::iter() {
			let n = backlogs.entry(executor).or_default();
			*n = n.saturating_add(1);
		}
		for (executor, n) in Backlog::<T>::iter() {
			ensure!(n > 0, "a zero backlog is stored");
			ensure!(backlogs.remove(&executor) == Some(n), "a backlog does not count Assigned");
			ensure!(n <= T::MaxBacklog::get(), "a backlog above MaxBacklog");
		}
		ensure!(backlogs.is_empty(), "an executor's assignments without a backlog");
		for (id, missed) in Missed::<T>::iter() {
			let (executor, attempt) = match Requests::<T>::get(id).map(|r| r.status) {
				Some(RequestStatus::Assigned { executor, attempt, .. }) => {
					(Some(executor), attempt)
				}
				Some(RequestStatus::Drawing { attempt, .. }) => (None, attempt),
				_ => return Err("missed executors kept for a request that is not waiting".into()),
			};
			ensure!(missed.len() == attempt as usize, "missed executors do not match the attempt");
			ensure!(
				executor.is_none_or(|e| !missed.contains(&e)),
				"reassigned to an executor that missed it"
			);
		}
		for (id, rejections) in Rejections::<T>::iter() {
			let attempt = match Requests::<T>::get(id).map(|r| r.status) {
				Some(
					RequestStatus::Assigned { attempt, .. }
					| RequestStatus::Drawing { attempt, .. },
				) => attempt,
				_ => return Err("rejections kept for a request that is not waiting".into()),
			};
			ensure!(
				rejections > 0 && rejections < T::RejectQuorum::get(),
				"rejections out of range"
			);
			ensure!(rejections <= attempt, "more rejections than executors that had the request");
		}
		for who in requesters {
			let held = T::Currency::balance_on_hold(&HoldReason::RequestFee.into(), &who);
			let open = open_fees.get(&who).copied().unwrap_or_else(Zero::zero);
			ensure!(held == open, "held fees do not match the open requests");
		}
		Self::try_state_pruning()?;
		Self::try_state_committee()
	}

	/// The pruning's invariants: the prune queue holds every finished request exactly once, with
	/// the block it finished in, in the order requests finished, and nothing else; a result or
	/// a dispute outcome is never left behind by its request. (That nothing is pruned before its
	/// retention, nor kept past it by more than the per-block bound explains, depends on the
	/// retention's history under governance: the unit and property tests check it.)
	fn try_state_pruning() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let queued = queue::items::<PruneQueue<T>, PruneQueueBounds<T>, _>();
		ensure!(
			queued.len() as u64 == PruneQueueBounds::<T>::get().len(),
			"the prune queue has holes"
		);
		ensure!(
			queued.windows(2).all(|w| matches!(w, [a, b] if a.0 <= b.0)),
			"prunes out of order"
		);
		let mut finished: BTreeMap<RequestId, BlockNumberFor<T>> = BTreeMap::new();
		for (at, id) in queued {
			ensure!(finished.insert(id, at).is_none(), "a request queued twice for pruning");
		}
		for (id, record) in Requests::<T>::iter() {
			ensure!(
				record.status.finished_at() == finished.remove(&id),
				"a finished request not queued for pruning at its finishing block (or an open one queued)"
			);
		}
		ensure!(finished.is_empty(), "a pruned or unknown request in the prune queue");
		for id in Results::<T>::iter_keys() {
			ensure!(Requests::<T>::contains_key(id), "a result outlived its request");
		}
		for id in DisputeOutcomes::<T>::iter_keys() {
			ensure!(Requests::<T>::contains_key(id), "a dispute outcome outlived its request");
		}
		Ok(())
	}

	/// Invariants of the committee game: every disputed request has exactly one open dispute with
	/// one deadline, no accused sits on its committee, and every challenger's held bonds equal
	/// its open disputes' bonds.
	fn try_state_committee() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let deadlines = DisputeDeadlines::<T>::get();
		let mut bonds = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		let mut count = 0usize;
		for (request, dispute) in Disputes::<T>::iter() {
			count = count.saturating_add(1);
			let record = Requests::<T>::get(request).ok_or("dispute without a request")?;
			ensure!(
				matches!(record.status, RequestStatus::Disputed { .. }),
				"open dispute on a request that is not disputed"
			);
			ensure!(
				deadlines.iter().filter(|(_, id)| *id == request).count() == 1,
				"open dispute without exactly one deadline"
			);
			ensure!(
				deadlines
					.iter()
					.any(|(until, id)| *id == request && *until == dispute.phase.until()),
				"dispute deadline does not match its phase"
			);
			ensure!(
				dispute.committee.iter().all(|m| m.executor != dispute.executor),
				"accused executor on its own committee"
			);
			let sum = bonds.entry(dispute.challenger.clone()).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(dispute.bond);
		}
		ensure!(deadlines.len() == count, "dispute deadlines without a dispute");
		for (who, bond) in bonds {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), &who) == bond,
				"held challenge bonds do not match the open disputes"
			);
		}
		Ok(())
	}
}
