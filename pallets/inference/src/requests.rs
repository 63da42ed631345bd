//! Requests: the check and the held fee, the draw of an executor, deadlines, declines,
//! reassignment, the refund of a request nobody answered and the rejection of one no engine can
//! run.
//!
//! Draws are delayed by one block. A request (or a reassignment, after a decline or a missed
//! deadline) enters [`RequestStatus::Drawing`] and the [`DrawQueue`]; the next block draws its
//! executor in `on_poll`, which runs after the block's inherents (so after its author's VRF has
//! moved the seed) and before any of its transactions. The author of the block that includes a
//! request knows that block's seed while it orders and selects the transactions, but the seed
//! that draws is the next block's: another author's VRF output, which nobody else can compute
//! and its author cannot choose. What the next author could still do is not produce its block
//! (and lose its reward): the draw then waits for the following author's VRF.
//!
//! Deadlines live in a FIFO queue ([`DeadlineQueue`]): every deadline is
//! [`Config::ResponseTimeout`] blocks after it is pushed, so the queue is ordered by due block.
//! `on_initialize` pops at most [`Config::MaxQueueWork`] due entries per block; under a backlog
//! they are handled a few blocks late (the next executor then gets its full timeout), never
//! dropped. An entry whose request was answered or reassigned meanwhile is stale and skipped.
//! The draw queue works the same way, with each entry due the block after it is pushed, and
//! its work per block bounded also by the weight left in the block.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::traits::tokens::Precision;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, Randomness},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{
	DeclineStatement, ExecutorKey, ExecutorSet, ExecutorSignature, InferenceError, InferenceInput,
	ModelCatalog, ModelHash,
};
use sp_runtime::{
	traits::{Saturating, Zero},
	RuntimeAppPublic,
};

use crate::{
	queue, Assigned, Backlog, BalanceOf, Config, DeadlineQueue, DeadlineQueueBounds, DrawQueue,
	DrawQueueBounds, Error, Event, HoldReason, Missed, NextRequestId, Pallet, Rejections, Request,
	RequestId, RequestOf, RequestStatus, Requests, Stats, WeightInfo, LOG_TARGET,
};

/// What a draw did with the request at the head of the draw queue.
#[derive(PartialEq, Eq, Debug)]
enum Draw {
	/// Assigned, refunded, or no longer drawing: off the queue.
	Done,
	/// Every executor that could take it holds `MaxBacklog` requests: it waits, in order.
	Waiting,
}

impl<T: Config> Pallet<T> {
	/// Checks, holds the fee, records a request and queues the draw of its executor for the
	/// next block; returns its id.
	pub fn do_request(
		requester: T::AccountId,
		model: ModelHash,
		input: InferenceInput,
		max_fee: BalanceOf<T>,
	) -> Result<RequestId, DispatchError> {
		let listed = T::Models::listed(&model).ok_or(Error::<T>::ModelNotListed)?;
		let input = BoundedVec::<u8, T::MaxInputBytes>::try_from(input.encode())
			.map_err(|_| Error::<T>::InputTooLarge)?;
		let decoded = InferenceInput::decode(&mut &input[..]).map_err(|_| Error::<T>::BadInput)?;
		listed.spec.schema.check(&decoded).map_err(|_| Error::<T>::BadInput)?;
		// Billed per inference, or per token for text generation (the most the request could
		// use is held; the unused part goes back at payout).
		let units = listed.spec.schema.billable_units(&decoded);
		let fee = listed.price.saturating_mul(units.into());
		ensure!(fee <= max_fee, Error::<T>::FeeAboveMax);

		// Somebody must serve now, or the request could only be refunded a block later. Whom
		// the draw picks does not matter here (any seed picks somebody when anybody serves).
		ensure!(T::Executors::select(&[0; 32], &[]).is_some(), Error::<T>::NoExecutor);
		// Admission: requests beyond what the executors hold wait in the draw queue, in order;
		// the queue itself is bounded, so the state a burst can make is.
		ensure!(
			DrawQueueBounds::<T>::get().len() < u64::from(T::MaxWaiting::get()),
			Error::<T>::MarketFull
		);
		T::Currency::hold(&HoldReason::RequestFee.into(), &requester, fee)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let id = NextRequestId::<T>::get();
		let now = frame_system::Pallet::<T>::block_number();
		let draw_at = Self::queue_draw(id, now);
		NextRequestId::<T>::put(id.saturating_add(1));
		Stats::<T>::mutate(model, |stats| stats.requests = stats.requests.saturating_add(1));
		Requests::<T>::insert(
			id,
			Request {
				requester: requester.clone(),
				model,
				schema: listed.spec.schema,
				input,
				fee,
				created: now,
				status: RequestStatus::Drawing { attempt: 0, at: draw_at },
			},
		);
		log::debug!(target: LOG_TARGET, "request {id} for {model:?}, executor drawn at {draw_at:?}");
		Self::deposit_event(Event::Requested { request: id, requester, model, fee, draw_at });
		Ok(id)
	}

	/// Queues the draw of request `id`'s executor for the block after `now`; returns that block.
	fn queue_draw(id: RequestId, now: BlockNumberFor<T>) -> BlockNumberFor<T> {
		let at = now.saturating_add(1u32.into());
		queue::push::<DrawQueue<T>, DrawQueueBounds<T>, _>(at, id);
		at
	}

	/// Draws the executors of the queued requests due at `now`, oldest first, as many as
	/// `MaxQueueWork` and `meter` allow; returns how many were drawn (or refunded). Stops at the
	/// first request whose every possible executor holds [`Config::MaxBacklog`] requests: it
	/// and those behind it wait for a later block, in order.
	pub(crate) fn process_draws(
		now: BlockNumberFor<T>,
		meter: &mut frame_support::weights::WeightMeter,
	) -> u32 {
		let each = T::WeightInfo::draw();
		let Some(fits) = meter.remaining().checked_div_per_component(&each) else {
			return 0;
		};
		let max = T::MaxQueueWork::get().min(fits.try_into().unwrap_or(u32::MAX));
		// The executors found full in this block: later draws pass over them at once.
		let mut full = Vec::new();
		let mut drawn = 0u32;
		let mut tried = 0u32;
		while tried < max {
			let Some((_, id)) = queue::peek_due::<DrawQueue<T>, DrawQueueBounds<T>, _>(now) else {
				break;
			};
			tried = tried.saturating_add(1);
			if Self::assign(id, now, &mut full) == Draw::Waiting {
				break;
			}
			queue::pop_head::<DrawQueue<T>, DrawQueueBounds<T>, _>();
			drawn = drawn.saturating_add(1);
		}
		meter.consume(each.saturating_mul(tried.into()));
		drawn
	}

	/// Draws request `id`'s executor now (it is [`RequestStatus::Drawing`]): by stake, never one
	/// that already had it ([`Missed`]) nor one that holds [`Config::MaxBacklog`] requests
	/// (added to `full`). When nobody is left to draw, the request is refunded; when only full
	/// executors are, it waits.
	fn assign(id: RequestId, now: BlockNumberFor<T>, full: &mut Vec<T::AccountId>) -> Draw {
		let Some(mut record) = Requests::<T>::get(id) else { return Draw::Done };
		let RequestStatus::Drawing { attempt, .. } = record.status else { return Draw::Done };
		let missed = Missed::<T>::get(id);
		let mut exclude: Vec<T::AccountId> = missed.iter().chain(full.iter()).cloned().collect();
		// Each pass excludes one more executor, so this ends within the number that serve.
		loop {
			match Self::draw_executor(id, attempt, &exclude) {
				Some(executor) if Backlog::<T>::get(&executor) >= T::MaxBacklog::get() => {
					full.push(executor.clone());
					exclude.push(executor);
				}
				Some(executor) => {
					let deadline = now.saturating_add(T::ResponseTimeout::get());
					record.status =
						RequestStatus::Assigned { executor: executor.clone(), deadline, attempt };
					Requests::<T>::insert(id, record);
					Self::assign_to(&executor, id);
					queue::push::<DeadlineQueue<T>, DeadlineQueueBounds<T>, _>(deadline, id);
					log::debug!(target: LOG_TARGET, "request {id}: assigned to {executor:?} (attempt {attempt}), deadline {deadline:?}");
					Self::deposit_event(Event::Assigned {
						request: id,
						executor,
						attempt,
						deadline,
					});
					return Draw::Done;
				}
				None if full.iter().any(|executor| !missed.contains(executor)) => {
					log::debug!(target: LOG_TARGET, "request {id}: every executor that could take it is full; it waits");
					return Draw::Waiting;
				}
				None => {
					Missed::<T>::remove(id);
					Rejections::<T>::remove(id);
					Self::refund(id, record, now);
					return Draw::Done;
				}
			}
		}
	}

	/// Gives request `id` to `executor` ([`Assigned`], [`Backlog`]).
	fn assign_to(executor: &T::AccountId, id: RequestId) {
		Assigned::<T>::insert(executor, id, ());
		Backlog::<T>::mutate(executor, |n| *n = n.saturating_add(1));
	}

	/// Takes request `id` from `executor` ([`Assigned`], [`Backlog`]).
	pub(crate) fn unassign(executor: &T::AccountId, id: RequestId) {
		if Assigned::<T>::take(executor, id).is_some() {
			Backlog::<T>::mutate_exists(executor, |n| {
				*n = n.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
			});
		}
	}

	/// Draws an executor for attempt `attempt` of request `id`, excluding `exclude`: by stake,
	/// among the executors that serve ([`ExecutorSet::select`]), from [`Config::Randomness`] for
	/// the subject `("opg/assign", id, attempt)`.
	fn draw_executor(
		id: RequestId,
		attempt: u32,
		exclude: &[T::AccountId],
	) -> Option<T::AccountId> {
		let subject = (b"opg/assign", id, attempt).encode();
		Self::draw(&subject, (id, attempt), exclude)
	}

	/// Draws an executor by stake, not in `exclude`, with the seed `blake2(random, salt)` where
	/// `random` is [`Config::Randomness`] for `subject`. Shared by the assignment and the
	/// committee.
	pub(crate) fn draw(
		subject: &[u8],
		salt: impl Encode,
		exclude: &[T::AccountId],
	) -> Option<T::AccountId> {
		let (random, _) = T::Randomness::random(subject);
		let seed = sp_io::hashing::blake2_256(&(random, salt).encode());
		T::Executors::select(&seed, exclude)
	}

	/// Handles the deadlines due at `now` (at most `MaxQueueWork`); returns how many.
	pub(crate) fn process_deadlines(now: BlockNumberFor<T>) -> u32 {
		queue::drain_due::<DeadlineQueue<T>, DeadlineQueueBounds<T>, _>(
			now,
			T::MaxQueueWork::get(),
			|due, id| Self::expire(id, due, now),
		)
	}

	/// A deadline `due` of request `id` passed: move it on, unless it was answered (or
	/// reassigned, with a later deadline) meanwhile.
	fn expire(id: RequestId, due: BlockNumberFor<T>, now: BlockNumberFor<T>) {
		let Some(record) = Requests::<T>::get(id) else { return };
		let RequestStatus::Assigned { executor, deadline, attempt } = record.status.clone() else {
			return;
		};
		if deadline != due {
			return;
		}
		Self::move_on(id, record, executor, attempt, false, now);
	}

	/// The checks of a decline; shared by the authorization and the call. Returns the
	/// declining executor and the last block the decline can be included in (the deadline).
	pub(crate) fn check_decline(
		request: RequestId,
		reason: &InferenceError,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> Result<(T::AccountId, BlockNumberFor<T>), Error<T>> {
		let record = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
		let RequestStatus::Assigned { executor, deadline, attempt } = record.status.clone() else {
			return Err(Error::<T>::NotAssigned);
		};
		ensure!(T::Executors::owner_of(key).as_ref() == Some(&executor), Error::<T>::WrongExecutor);
		ensure!(frame_system::Pallet::<T>::block_number() <= deadline, Error::<T>::DeadlinePassed);
		let statement = DeclineStatement {
			request: Self::digest_of(request, &record),
			attempt,
			executor: executor.clone(),
			reason: *reason,
		};
		ensure!(key.verify(&statement.signing_payload(), signature), Error::<T>::BadSignature);
		Ok((executor, deadline))
	}

	/// `executor`, assigned to `request`, declined it for `reason` (checked): move it on now.
	pub(crate) fn do_decline(request: RequestId, executor: T::AccountId, reason: InferenceError) {
		let Some(record) = Requests::<T>::get(request) else { return };
		let RequestStatus::Assigned { attempt, .. } = record.status else { return };
		log::debug!(target: LOG_TARGET, "request {request}: {executor:?} declined it: {reason}");
		Self::deposit_event(Event::Declined { request, executor: executor.clone(), reason });
		let now = frame_system::Pallet::<T>::block_number();
		Self::move_on(request, record, executor, attempt, reason.is_request_fault(), now);
	}

	/// Request `id` (`record`) is no longer `executor`'s, assignment `attempt`: it missed the
	/// deadline or declined (`request_fault` when it declined for the request's own fault).
	/// Rejected when that makes [`Config::RejectQuorum`] such declines; otherwise queued for the
	/// draw of an executor that has not had it yet ([`Missed`]) in the next block, while
	/// reassignments remain; otherwise refunded.
	fn move_on(
		id: RequestId,
		mut record: RequestOf<T>,
		executor: T::AccountId,
		attempt: u32,
		request_fault: bool,
		now: BlockNumberFor<T>,
	) {
		Self::unassign(&executor, id);
		let rejections = Rejections::<T>::take(id).saturating_add(u32::from(request_fault));
		if rejections >= T::RejectQuorum::get() {
			Missed::<T>::remove(id);
			return Self::reject(id, record, now);
		}
		// Never back to an executor that already had this request.
		let mut missed = Missed::<T>::take(id);
		if attempt < T::MaxReassignments::get() && missed.try_push(executor.clone()).is_ok() {
			Missed::<T>::insert(id, missed);
			if rejections > 0 {
				Rejections::<T>::insert(id, rejections);
			}
			let draw_at = Self::queue_draw(id, now);
			record.status =
				RequestStatus::Drawing { attempt: attempt.saturating_add(1), at: draw_at };
			Requests::<T>::insert(id, record);
			log::debug!(target: LOG_TARGET, "request {id}: {executor:?} did not answer, drawing another at {draw_at:?}");
			Self::deposit_event(Event::Reassigned { request: id, from: executor, draw_at });
		} else {
			Self::refund(id, record, now);
		}
	}

	/// Closes request `id` as refunded: nobody (left) answered it.
	fn refund(id: RequestId, mut record: RequestOf<T>, now: BlockNumberFor<T>) {
		let released = Self::release_fee(id, &record);
		let requester = record.requester.clone();
		record.status = RequestStatus::Refunded { at: now };
		Self::close(id, record, now);
		log::debug!(target: LOG_TARGET, "request {id}: no answer, refunded {released:?}");
		Self::deposit_event(Event::Refunded { request: id, requester, amount: released });
	}

	/// Closes request `id` as rejected: its held fee goes to the treasury.
	fn reject(id: RequestId, mut record: RequestOf<T>, now: BlockNumberFor<T>) {
		let moved = Self::transfer_held(
			HoldReason::RequestFee,
			&record.requester,
			&T::Treasury::get(),
			record.fee,
			Precision::BestEffort,
		);
		let fee = match moved {
			Ok(()) => record.fee,
			Err(e) => {
				// Cannot happen while the hold matches the record (try_state); if it does, the
				// requester keeps the fee rather than leaving it stuck.
				log::error!(target: LOG_TARGET, "request {id}: taking the rejected fee failed: {e:?}; releasing it");
				Self::release_fee(id, &record);
				Zero::zero()
			}
		};
		let requester = record.requester.clone();
		record.status = RequestStatus::Rejected { at: now };
		Self::close(id, record, now);
		log::debug!(target: LOG_TARGET, "request {id}: rejected as unrunnable, {fee:?} to the treasury");
		Self::deposit_event(Event::Rejected { request: id, requester, fee });
	}
}
