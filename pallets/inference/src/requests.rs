//! Requests: the check and the held fee, the draw of an executor, deadlines, reassignment and
//! the refund of a request nobody answered.
//!
//! Deadlines live in a FIFO queue ([`DeadlineQueue`]): every deadline is
//! [`Config::ResponseTimeout`] blocks after it is pushed, so the queue is ordered by due block.
//! `on_initialize` pops at most [`Config::MaxQueueWork`] due entries per block; under a backlog
//! they are handled a few blocks late (the next executor then gets its full timeout), never
//! dropped. An entry whose request was answered or reassigned meanwhile is stale and skipped.

use codec::{Decode, Encode};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, Randomness},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{ExecutorSet, InferenceInput, ModelCatalog, ModelHash};
use sp_runtime::traits::Saturating;

use crate::{
	queue, Assigned, BalanceOf, Config, DeadlineQueue, DeadlineQueueBounds, Error, Event,
	HoldReason, Missed, NextRequestId, Pallet, Request, RequestId, RequestStatus, Requests,
	LOG_TARGET,
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

	/// A deadline `due` of request `id` passed: reassign (to an executor that has not missed it
	/// yet, [`Missed`]) or refund, unless it was answered (or reassigned, with a later deadline)
	/// meanwhile.
	fn expire(id: RequestId, due: BlockNumberFor<T>, now: BlockNumberFor<T>) {
		let Some(mut record) = Requests::<T>::get(id) else { return };
		let RequestStatus::Assigned { executor, deadline, attempt } = record.status.clone() else {
			return;
		};
		if deadline != due {
			return;
		}
		Assigned::<T>::remove(&executor, id);
		let next = attempt.saturating_add(1);
		// Never back to an executor that already missed this request.
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
				let deadline = now.saturating_add(T::ResponseTimeout::get());
				record.status =
					RequestStatus::Assigned { executor: to.clone(), deadline, attempt: next };
				Requests::<T>::insert(id, record);
				Assigned::<T>::insert(&to, id, ());
				queue::push::<DeadlineQueue<T>, DeadlineQueueBounds<T>, _>(deadline, id);
				log::debug!(target: LOG_TARGET, "request {id}: {executor:?} missed its deadline, reassigned to {to:?}");
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
}
