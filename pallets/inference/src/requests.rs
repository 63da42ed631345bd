//! Requests: the check and the held fee, the draw of an executor, deadlines, declines,
//! reassignment, the refund of a request nobody answered and the rejection of one no engine can
//! run.
//!
//! Deadlines live in a FIFO queue ([`DeadlineQueue`]): every deadline is
//! [`Config::ResponseTimeout`] blocks after it is pushed, so the queue is ordered by due block.
//! `on_initialize` pops at most [`Config::MaxQueueWork`] due entries per block; under a backlog
//! they are handled a few blocks late (the next executor then gets its full timeout), never
//! dropped. An entry whose request was answered or reassigned meanwhile is stale and skipped.

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
	queue, Assigned, BalanceOf, Config, DeadlineQueue, DeadlineQueueBounds, Error, Event,
	HoldReason, Missed, NextRequestId, Pallet, Rejections, Request, RequestId, RequestOf,
	RequestStatus, Requests, LOG_TARGET,
};

impl<T: Config> Pallet<T> {
	/// Checks, holds the fee, assigns and records a request; returns its id.
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
		let fee = listed.price;
		ensure!(fee <= max_fee, Error::<T>::FeeAboveMax);

		let id = NextRequestId::<T>::get();
		let executor = Self::draw_executor(id, 0, &[]).ok_or(Error::<T>::NoExecutor)?;
		T::Currency::hold(&HoldReason::RequestFee.into(), &requester, fee)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let now = frame_system::Pallet::<T>::block_number();
		let deadline = now.saturating_add(T::ResponseTimeout::get());
		NextRequestId::<T>::put(id.saturating_add(1));
		Requests::<T>::insert(
			id,
			Request {
				requester: requester.clone(),
				model,
				schema: listed.spec.schema,
				input,
				fee,
				created: now,
				status: RequestStatus::Assigned {
					executor: executor.clone(),
					deadline,
					attempt: 0,
				},
			},
		);
		Assigned::<T>::insert(&executor, id, ());
		queue::push::<DeadlineQueue<T>, DeadlineQueueBounds<T>, _>(deadline, id);
		log::debug!(target: LOG_TARGET, "request {id} for {model:?} assigned to {executor:?}, deadline {deadline:?}");
		Self::deposit_event(Event::Requested {
			request: id,
			requester,
			model,
			fee,
			executor,
			deadline,
		});
		Ok(id)
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
	/// Rejected when that makes [`Config::RejectQuorum`] such declines; otherwise reassigned to
	/// an executor that has not had it yet ([`Missed`]) while reassignments remain; otherwise
	/// refunded.
	fn move_on(
		id: RequestId,
		mut record: RequestOf<T>,
		executor: T::AccountId,
		attempt: u32,
		request_fault: bool,
		now: BlockNumberFor<T>,
	) {
		Assigned::<T>::remove(&executor, id);
		let rejections = Rejections::<T>::take(id).saturating_add(u32::from(request_fault));
		if rejections >= T::RejectQuorum::get() {
			Missed::<T>::remove(id);
			return Self::reject(id, record, now);
		}
		let next = attempt.saturating_add(1);
		// Never back to an executor that already had this request.
		let mut missed = Missed::<T>::take(id);
		let reassigned =
			if attempt < T::MaxReassignments::get() && missed.try_push(executor.clone()).is_ok() {
				Self::draw_executor(id, next, &missed)
			} else {
				None
			};
		match reassigned {
			Some(to) => {
				Missed::<T>::insert(id, missed);
				if rejections > 0 {
					Rejections::<T>::insert(id, rejections);
				}
				let deadline = now.saturating_add(T::ResponseTimeout::get());
				record.status =
					RequestStatus::Assigned { executor: to.clone(), deadline, attempt: next };
				Requests::<T>::insert(id, record);
				Assigned::<T>::insert(&to, id, ());
				queue::push::<DeadlineQueue<T>, DeadlineQueueBounds<T>, _>(deadline, id);
				log::debug!(target: LOG_TARGET, "request {id}: {executor:?} did not answer, reassigned to {to:?}");
				Self::deposit_event(Event::Reassigned {
					request: id,
					from: executor,
					to,
					deadline,
				});
			}
			None => {
				let released = Self::release_fee(id, &record);
				let requester = record.requester.clone();
				record.status = RequestStatus::Refunded { at: now };
				Requests::<T>::insert(id, record);
				log::debug!(target: LOG_TARGET, "request {id}: no answer, refunded {released:?}");
				Self::deposit_event(Event::Refunded { request: id, requester, amount: released });
			}
		}
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
		Requests::<T>::insert(id, record);
		log::debug!(target: LOG_TARGET, "request {id}: rejected as unrunnable, {fee:?} to the treasury");
		Self::deposit_event(Event::Rejected { request: id, requester, fee });
	}
}
