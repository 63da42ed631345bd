//! What the runtime API (`pallet-inference-runtime-api`, and through it the `inference_*`
//! JSON-RPC) reports: requests, results, an executor's pending work and disputes, with inputs and
//! outputs decoded. The types are in [`crate::types`].

use codec::Decode;
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{InferenceInput, InferenceOutput, ModelHash};

use crate::{
	Assigned, BalanceOf, Config, DisputeDetails, DisputeOutcome, DisputeOutcomes, Disputes,
	ModelStats, Pallet, RequestDetails, RequestId, RequestStatus, Requests, ResultDetails, Results,
	Stats,
};

impl<T: Config> Pallet<T> {
	/// `model`'s record of service (all zero for a model never requested).
	pub fn model_stats(model: ModelHash) -> ModelStats<BalanceOf<T>> {
		Stats::<T>::get(model)
	}

	/// The request `id` as the runtime API returns it.
	pub fn request_details(
		id: RequestId,
	) -> Option<RequestDetails<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let record = Requests::<T>::get(id)?;
		let input = InferenceInput::decode(&mut &record.input[..]).ok()?;
		Some(RequestDetails {
			id,
			requester: record.requester,
			model: record.model,
			schema: record.schema,
			input,
			fee: record.fee,
			created: record.created,
			status: record.status,
		})
	}

	/// The result of request `id` as the runtime API returns it.
	pub fn result_details(id: RequestId) -> Option<ResultDetails<T::AccountId, BlockNumberFor<T>>> {
		let result = Results::<T>::get(id)?;
		let record = Requests::<T>::get(id)?;
		let output = InferenceOutput::decode(&mut &result.output[..]).ok()?;
		let (executor, is_final, final_at) = match record.status {
			RequestStatus::Answered { executor, challenge_end }
			| RequestStatus::Disputed { executor, challenge_end } => (executor, false, challenge_end),
			RequestStatus::Final { executor, at } => (executor, true, at),
			// The committee's output replaced the executor's; `executor` is who was wrong.
			RequestStatus::Corrected { executor, at } => (executor, true, at),
			_ => return None,
		};
		Some(ResultDetails {
			id,
			executor,
			output,
			commitment: result.commitment,
			submitted_at: result.submitted_at,
			is_final,
			final_at,
		})
	}

	/// The open requests assigned to `executor`, at most `limit`.
	pub fn pending(executor: &T::AccountId, limit: u32) -> alloc::vec::Vec<RequestId> {
		Assigned::<T>::iter_key_prefix(executor).take(limit as usize).collect()
	}

	/// How the dispute of `request` ended, for the runtime API.
	pub fn dispute_outcome(
		request: RequestId,
	) -> Option<DisputeOutcome<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		DisputeOutcomes::<T>::get(request)
	}

	/// The open dispute of `request`, for the runtime API.
	pub fn dispute_details(
		request: RequestId,
	) -> Option<DisputeDetails<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let d = Disputes::<T>::get(request)?;
		Some(DisputeDetails {
			request,
			challenger: d.challenger,
			bond: d.bond,
			executor: d.executor,
			accused: d.accused,
			opened: d.opened,
			extended: d.extended,
			phase: d.phase,
			committee: d.committee.into_inner(),
		})
	}
}
