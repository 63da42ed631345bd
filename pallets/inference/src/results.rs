//! Results: the checks of a submitted result, its challenge window, challenges (handed to the
//! dispute game) and how a request closes: final at the end of its window, or as the game's
//! verdict says ([`Market`]).
//!
//! Challenge windows live in a FIFO queue ([`WindowQueue`]) like the deadlines: every window is
//! [`Config::ChallengeWindow`] blocks long, so the queue is ordered by its end, and
//! `on_initialize` pops at most [`Config::MaxQueueWork`] ended windows per block. The window of a
//! disputed result is suspended: its entry is skipped when it comes due, and the game closes the
//! request instead.

use codec::{Decode, Encode};
use frame_support::{ensure, pallet_prelude::*, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{
	commitment::{output_hash, OPSET},
	DisputeStatement, ExecutorKey, ExecutorSet, ExecutorSignature, InferenceInput, InferenceOutput,
	ResultCommitment, ResultStatement,
};
use sp_runtime::{traits::Saturating, RuntimeAppPublic};

use crate::{
	dispute::{DisputeGame, Game, Market},
	queue, Config, Error, Event, InferenceResult, Missed, Pallet, Rejections, RequestId, RequestOf,
	RequestStatus, Requests, Results, Stats, SubmittedResult, WeightInfo, WindowQueue,
	WindowQueueBounds, LOG_TARGET,
};

/// What the checks of a challenge found: the accused executor, the end of its result's window,
/// and what the game needs to open the dispute.
type CheckedChallenge<T> = (
	<T as frame_system::Config>::AccountId,
	BlockNumberFor<T>,
	<Game<T> as DisputeGame<T>>::Opening,
);

/// A result that passed every check, ready to be recorded.
pub(crate) struct CheckedResult<T: Config> {
	executor: T::AccountId,
	deadline: BlockNumberFor<T>,
	output: BoundedVec<u8, T::MaxOutputBytes>,
}

impl<T: Config> CheckedResult<T> {
	/// The last block the result can be included in: the assignment's deadline.
	pub(crate) fn deadline(&self) -> BlockNumberFor<T> {
		self.deadline
	}
}

impl<T: Config> Pallet<T> {
	/// Every check of a result; shared by the authorization and the call.
	pub(crate) fn check_result(
		request: RequestId,
		output: &InferenceOutput,
		commitment: &ResultCommitment,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> Result<CheckedResult<T>, Error<T>> {
		let record = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
		let RequestStatus::Assigned { executor, deadline, attempt } = record.status.clone() else {
			return Err(Error::<T>::NotAssigned);
		};
		ensure!(T::Executors::owner_of(key).as_ref() == Some(&executor), Error::<T>::WrongExecutor);
		ensure!(frame_system::Pallet::<T>::block_number() <= deadline, Error::<T>::DeadlinePassed);
		ensure!(commitment.opset == OPSET, Error::<T>::UnsupportedOpset);
		let statement = ResultStatement {
			request: Self::digest_of(request, &record),
			attempt,
			executor: executor.clone(),
			commitment: *commitment,
		};
		ensure!(key.verify(&statement.signing_payload(), signature), Error::<T>::BadSignature);
		ensure!(output_hash(output) == commitment.output_hash, Error::<T>::CommitmentMismatch);
		Self::check_output_of(&record, output)?;
		let output =
			BoundedVec::try_from(output.encode()).map_err(|_| Error::<T>::OutputTooLarge)?;
		Ok(CheckedResult { executor, deadline, output })
	}

	/// The encoded size of `output` the weights count, at most [`Config::MaxOutputBytes`].
	fn output_len(output: &InferenceOutput) -> u32 {
		u32::try_from(output.encoded_size()).unwrap_or(u32::MAX).min(T::MaxOutputBytes::get())
	}

	/// The weight of [`Call::submit_results`]: every result's, as benchmarked one at a time.
	pub(crate) fn results_weight(results: &[SubmittedResult]) -> Weight {
		results.iter().fold(Weight::zero(), |total, result| {
			total.saturating_add(T::WeightInfo::submit_result(Self::output_len(&result.output)))
		})
	}

	/// The weight of the authorization of [`Call::submit_results`]: every result's checks.
	pub(crate) fn authorize_results_weight(results: &[SubmittedResult]) -> Weight {
		results.iter().fold(Weight::zero(), |total, result| {
			total.saturating_add(T::WeightInfo::authorize_submit_result(Self::output_len(
				&result.output,
			)))
		})
	}

	/// Checks and records each of `results`, signed by `key`: a result that fails a check is
	/// refused ([`Event::ResultRefused`]), the others recorded.
	pub(crate) fn do_submit_results(
		key: &ExecutorKey,
		results: alloc::vec::Vec<SubmittedResult>,
	) -> DispatchResult {
		ensure!(!results.is_empty(), Error::<T>::NoResults);
		for SubmittedResult { request, output, commitment, signature } in results {
			match Self::check_result(request, &output, &commitment, key, &signature) {
				Ok(checked) => Self::record_result(request, checked, commitment),
				Err(error) => {
					log::debug!(target: LOG_TARGET, "result of request {request} refused: {error:?}");
					Self::deposit_event(Event::ResultRefused { request, error: error.into() });
				}
			}
		}
		Ok(())
	}

	/// Whether `output` answers `record`: it fits the model's schema for the request's input.
	fn check_output_of(record: &RequestOf<T>, output: &InferenceOutput) -> Result<(), Error<T>> {
		let input =
			InferenceInput::decode(&mut &record.input[..]).map_err(|_| Error::<T>::BadInput)?;
		record.schema.check_output(&input, output).map_err(|_| Error::<T>::BadOutput)
	}

	/// Records a checked result and opens its challenge window.
	pub(crate) fn record_result(
		request: RequestId,
		checked: CheckedResult<T>,
		commitment: ResultCommitment,
	) {
		let now = frame_system::Pallet::<T>::block_number();
		let challenge_end = now.saturating_add(T::ChallengeWindow::get());
		let CheckedResult { executor, output, .. } = checked;
		Requests::<T>::mutate(request, |record| {
			if let Some(record) = record {
				record.status =
					RequestStatus::Answered { executor: executor.clone(), challenge_end };
				Stats::<T>::mutate(record.model, |s| s.answered = s.answered.saturating_add(1));
			}
		});
		Self::unassign(&executor, request);
		Missed::<T>::remove(request);
		Rejections::<T>::remove(request);
		let (output_hash, trace_root) = (commitment.output_hash, commitment.trace_root);
		Results::<T>::insert(request, InferenceResult { output, commitment, submitted_at: now });
		queue::push::<WindowQueue<T>, WindowQueueBounds<T>, _>(challenge_end, request);
		log::debug!(target: LOG_TARGET, "request {request} answered by {executor:?}, final at {challenge_end:?}");
		Self::deposit_event(Event::ResultSubmitted {
			request,
			executor,
			output_hash,
			trace_root,
			challenge_end,
		});
	}

	/// Finalizes the results whose window ended by `now` (at most `MaxQueueWork`); returns
	/// how many.
	pub(crate) fn process_windows(now: BlockNumberFor<T>) -> u32 {
		queue::drain_due::<WindowQueue<T>, WindowQueueBounds<T>, _>(
			now,
			T::MaxQueueWork::get(),
			|due, id| Self::finalize(id, due, now),
		)
	}

	/// The window of request `id` ended: pay the executor and the treasury, mark it final
	/// (unless it was disputed meanwhile).
	fn finalize(id: RequestId, due: BlockNumberFor<T>, now: BlockNumberFor<T>) {
		let Some(record) = Requests::<T>::get(id) else { return };
		let RequestStatus::Answered { executor, challenge_end } = record.status.clone() else {
			return;
		};
		if challenge_end != due {
			return;
		}
		Self::close_final(id, record, executor, now);
	}

	/// Pays `record`'s fee to `executor` and marks the request final.
	fn close_final(
		id: RequestId,
		mut record: RequestOf<T>,
		executor: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		Self::pay_fee(id, &mut record, core::slice::from_ref(&executor));
		record.status = RequestStatus::Final { executor, at: now };
		Self::close(id, record, now);
	}

	/// The executor and the window's end of `request`'s result, if `challenger` may challenge it
	/// now: answered, in its window, not `challenger`'s own.
	fn challengeable(
		request: RequestId,
		challenger: &T::AccountId,
	) -> Result<(T::AccountId, BlockNumberFor<T>), Error<T>> {
		let record = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
		let (executor, challenge_end) = match record.status {
			RequestStatus::Answered { executor, challenge_end } => (executor, challenge_end),
			RequestStatus::Disputed { .. } => return Err(Error::<T>::AlreadyDisputed),
			RequestStatus::Final { .. } | RequestStatus::Corrected { .. } => {
				return Err(Error::<T>::ResultFinal)
			}
			RequestStatus::Drawing { .. }
			| RequestStatus::Assigned { .. }
			| RequestStatus::Refunded { .. }
			| RequestStatus::Rejected { .. } => return Err(Error::<T>::NotChallengeable),
		};
		ensure!(frame_system::Pallet::<T>::block_number() < challenge_end, Error::<T>::ResultFinal);
		ensure!(*challenger != executor, Error::<T>::OwnResult);
		Ok((executor, challenge_end))
	}

	/// Every check of a challenge of `request` by `challenger` but the bond: the market's
	/// (`challengeable`), then the game's ([`DisputeGame::check_open`]). Returns the accused
	/// executor, the end of its window and what the game needs to open.
	fn check_challenge(
		request: RequestId,
		challenger: &T::AccountId,
	) -> Result<CheckedChallenge<T>, Error<T>> {
		let (executor, challenge_end) = Self::challengeable(request, challenger)?;
		// What a game needs to open: nothing for the committee (drawn in the next block), but
		// the seam keeps the slot for a game that does.
		#[allow(clippy::let_unit_value)]
		let opening = Game::<T>::check_open(request, &executor)?;
		Ok((executor, challenge_end, opening))
	}

	/// Hands the result of `request` to the dispute game, challenged by `challenger`, and marks
	/// the request disputed (its window suspended).
	pub(crate) fn do_challenge(request: RequestId, challenger: T::AccountId) -> DispatchResult {
		let (executor, challenge_end, opening) = Self::check_challenge(request, &challenger)?;
		let accused = Results::<T>::get(request).ok_or(Error::<T>::NotChallengeable)?.commitment;
		Game::<T>::open(request, challenger, executor.clone(), accused, opening)?;
		Requests::<T>::mutate(request, |record| {
			if let Some(record) = record {
				record.status = RequestStatus::Disputed { executor, challenge_end };
				Stats::<T>::mutate(record.model, |s| s.disputes = s.disputes.saturating_add(1));
			}
		});
		Ok(())
	}

	/// The executor account behind a watcher's challenge, after checking its signature, the
	/// challenge itself and that it can put up the bond.
	pub(crate) fn check_watcher_challenge(
		request: RequestId,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> Result<T::AccountId, Error<T>> {
		let watcher = T::Executors::owner_of(key).ok_or(Error::<T>::UnknownExecutor)?;
		let digest = Self::request_digest(request).ok_or(Error::<T>::UnknownRequest)?;
		let statement = DisputeStatement::Challenge { request: digest };
		ensure!(key.verify(&statement.signing_payload(), signature), Error::<T>::BadSignature);
		Self::check_challenge(request, &watcher)?;
		ensure!(Game::<T>::can_bond(&watcher), Error::<T>::CannotHoldBond);
		Ok(watcher)
	}
}

/// The market's side of the seam: how the dispute game closes a disputed request.
impl<T: Config> Market<T> for Pallet<T> {
	fn check_output(request: RequestId, output: &InferenceOutput) -> Result<(), Error<T>> {
		let record = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
		Self::check_output_of(&record, output)
	}

	fn uphold(request: RequestId, executor: &T::AccountId, now: BlockNumberFor<T>) {
		let Some(record) = Requests::<T>::get(request) else { return };
		Self::close_final(request, record, executor.clone(), now);
	}

	fn correct(
		request: RequestId,
		executor: &T::AccountId,
		output: Option<BoundedVec<u8, T::MaxOutputBytes>>,
		commitment: ResultCommitment,
		to: &[T::AccountId],
		now: BlockNumberFor<T>,
	) {
		let Some(mut record) = Requests::<T>::get(request) else { return };
		let output_hash = commitment.output_hash;
		match output {
			Some(output) => Results::<T>::insert(
				request,
				InferenceResult { output, commitment, submitted_at: now },
			),
			None => {
				log::error!(target: LOG_TARGET, "request {request}: the winning output was not stored")
			}
		}
		Self::pay_fee(request, &mut record, to);
		record.status = RequestStatus::Corrected { executor: executor.clone(), at: now };
		Self::close(request, record, now);
		Self::deposit_event(Event::ResultCorrected {
			request,
			executor: executor.clone(),
			output_hash,
		});
	}

	fn void(request: RequestId, now: BlockNumberFor<T>) {
		let Some(mut record) = Requests::<T>::get(request) else { return };
		Self::release_fee(request, &record);
		Results::<T>::remove(request);
		let (requester, amount) = (record.requester.clone(), record.fee);
		record.status = RequestStatus::Refunded { at: now };
		Self::close(request, record, now);
		Self::deposit_event(Event::Refunded { request, requester, amount });
	}
}
