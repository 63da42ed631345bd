//! The server side of `inference_*` ([`opg_api::InferenceApi`]): the inference pallet's runtime
//! API, answered as typed JSON (tensors decoded per dtype into numbers, texts as strings). An id
//! whose request was pruned is answered with the error [`opg_api::PRUNED`], and how it ended
//! from the node's off-chain index when the node has it.

use std::sync::Arc;

use codec::Decode;
use jsonrpsee::{core::RpcResult, types::ErrorObjectOwned};
use opg_api::{
	server::RuntimeApi, AccountId, Balance, BlockHash, BlockNumber, Dispute, DisputeOutcome,
	DisputePhase, DisputeState, InferenceResult, Member, ModelHash, ModelStats, PrunedRequest,
	Request, RequestId, RequestStatus, Verdict, Vote, PRUNED,
};
use pallet_inference_runtime_api as runtime_api;
use runtime_api::{InferenceApi, MAX_PENDING};
use sp_api::{ApiRef, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
use sp_runtime::traits::Block as BlockT;

pub use opg_api::InferenceApiServer;

/// Serves `inference_*` from the runtime API, and what a pruned request was from the node's
/// off-chain storage `S` (where the runtime's off-chain index writes).
pub struct Inference<C, Block, S> {
	api: RuntimeApi<C, Block>,
	offchain: Option<S>,
}

impl<C, Block, S> Inference<C, Block, S>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	S: OffchainStorage,
{
	/// A server over `client`, reading pruned requests from `offchain` (the backend's
	/// off-chain storage; `None`: pruned ids are answered without how they ended).
	pub fn new(client: Arc<C>, offchain: Option<S>) -> Self {
		Inference { api: RuntimeApi::new(client), offchain }
	}

	/// What this node indexed of pruned request `id`.
	fn pruned_mark(
		&self,
		id: RequestId,
	) -> Option<runtime_api::PrunedRequest<AccountId, BlockNumber>> {
		let bytes = self.offchain.as_ref()?.get(STORAGE_PREFIX, &runtime_api::pruned_key(id))?;
		runtime_api::PrunedRequest::decode(&mut &bytes[..]).ok()
	}
}

/// The error answering a query for pruned request `id`, with what the node indexed of it.
pub fn pruned_error(
	id: RequestId,
	mark: Option<runtime_api::PrunedRequest<AccountId, BlockNumber>>,
) -> ErrorObjectOwned {
	let pruned = PrunedRequest {
		id,
		status: mark.as_ref().map(|m| status(m.status.clone())),
		pruned_at: mark.map(|m| m.pruned_at),
	};
	ErrorObjectOwned::owned(PRUNED, pruned.to_string(), Some(pruned))
}

/// A request's status as the API shows it.
pub fn status(s: runtime_api::RequestStatus<AccountId, BlockNumber>) -> RequestStatus {
	use runtime_api::RequestStatus as S;
	match s {
		S::Drawing { attempt, at } => RequestStatus::Drawing { attempt, at },
		S::Assigned { executor, deadline, attempt } => {
			RequestStatus::Assigned { executor, deadline, attempt }
		}
		S::Answered { executor, challenge_end } => {
			RequestStatus::Answered { executor, challenge_end }
		}
		S::Final { executor, at } => RequestStatus::Final { executor, at },
		S::Refunded { at } => RequestStatus::Refunded { at },
		S::Disputed { executor, challenge_end } => {
			RequestStatus::Disputed { executor, challenge_end }
		}
		S::Corrected { executor, at } => RequestStatus::Corrected { executor, at },
		S::Rejected { at } => RequestStatus::Rejected { at },
	}
}

/// A request as the API shows it.
pub fn request(d: runtime_api::RequestDetails<AccountId, Balance, BlockNumber>) -> Request {
	Request {
		id: d.id,
		requester: d.requester,
		model: d.model,
		schema: d.schema,
		input: (&d.input).into(),
		fee: d.fee,
		created: d.created,
		status: status(d.status),
	}
}

/// A result as the API shows it.
pub fn result(d: runtime_api::ResultDetails<AccountId, BlockNumber>) -> InferenceResult {
	InferenceResult {
		id: d.id,
		executor: d.executor,
		output: (&d.output).into(),
		output_hash: d.commitment.output_hash,
		trace_root: d.commitment.trace_root,
		opset: d.commitment.opset,
		submitted_at: d.submitted_at,
		is_final: d.is_final,
		final_at: d.final_at,
	}
}

/// An open dispute as the API shows it.
pub fn dispute(d: runtime_api::DisputeDetails<AccountId, Balance, BlockNumber>) -> Dispute {
	let (phase, phase_ends) = match d.phase {
		runtime_api::DisputePhase::Drawing { at } => (DisputePhase::Drawing, at),
		runtime_api::DisputePhase::Commit { until } => (DisputePhase::Commit, until),
		runtime_api::DisputePhase::Reveal { until } => (DisputePhase::Reveal, until),
	};
	let vote = |vote| match vote {
		runtime_api::Vote::Pending => Vote::Pending,
		runtime_api::Vote::Committed(seal) => Vote::Committed { seal },
		runtime_api::Vote::Revealed(c) => {
			Vote::Revealed { output_hash: c.output_hash, trace_root: c.trace_root }
		}
	};
	Dispute {
		request: d.request,
		challenger: d.challenger,
		bond: d.bond,
		executor: d.executor,
		accused_output_hash: d.accused.output_hash,
		opened: d.opened,
		extended: d.extended,
		phase,
		phase_ends,
		committee: d
			.committee
			.into_iter()
			.map(|m| Member { executor: m.executor, vote: vote(m.vote) })
			.collect(),
	}
}

/// A decided dispute as the API shows it.
pub fn outcome(o: runtime_api::DisputeOutcome<AccountId, Balance, BlockNumber>) -> DisputeOutcome {
	DisputeOutcome {
		challenger: o.challenger,
		executor: o.executor,
		verdict: match o.verdict {
			runtime_api::Verdict::ExecutorWrong => Verdict::ExecutorWrong,
			runtime_api::Verdict::ExecutorRight => Verdict::ExecutorRight,
			runtime_api::Verdict::NoQuorum => Verdict::NoQuorum,
		},
		slashed: o.slashed,
		to_winner: o.to_winner,
		to_committee: o.to_committee,
		to_treasury: o.to_treasury,
		at: o.at,
	}
}

impl<C, Block, S> Inference<C, Block, S>
where
	Block: BlockT<Hash = BlockHash>,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: InferenceApi<Block, AccountId, Balance, BlockNumber>,
	S: OffchainStorage,
{
	/// `query`'s answer at `at`, unless it is `None` for a request pruned there (asked at the
	/// same block): then the [`PRUNED`] error.
	fn unless_pruned<R>(
		&self,
		id: RequestId,
		at: Option<BlockHash>,
		query: impl FnOnce(&ApiRef<'_, C::Api>, BlockHash) -> Result<Option<R>, sp_api::ApiError>,
	) -> RpcResult<Option<R>> {
		let (answer, pruned) = self.api.at(at, |api, at| {
			let answer = query(&api, at)?;
			let pruned = answer.is_none() && api.is_pruned(at, id)?;
			Ok::<_, sp_api::ApiError>((answer, pruned))
		})?;
		if pruned {
			return Err(pruned_error(id, self.pruned_mark(id)));
		}
		Ok(answer)
	}
}

impl<C, Block, S> InferenceApiServer for Inference<C, Block, S>
where
	Block: BlockT<Hash = BlockHash>,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: InferenceApi<Block, AccountId, Balance, BlockNumber>,
	S: OffchainStorage + 'static,
{
	fn get_request(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<Request>> {
		self.unless_pruned(id, at, |api, at| Ok(api.request(at, id)?.map(request)))
	}

	fn result(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<InferenceResult>> {
		self.unless_pruned(id, at, |api, at| Ok(api.result(at, id)?.map(result)))
	}

	fn pending(&self, executor: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<RequestId>> {
		self.api.at(at, |api, at| api.pending(at, executor, MAX_PENDING))
	}

	fn dispute(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<DisputeState>> {
		self.unless_pruned(id, at, |api, at| {
			if let Some(open) = api.dispute(at, id)? {
				return Ok(Some(DisputeState::Open(dispute(open))));
			}
			Ok(api.dispute_outcome(at, id)?.map(|decided| DisputeState::Resolved(outcome(decided))))
		})
	}

	fn model_stats(&self, model: ModelHash, at: Option<BlockHash>) -> RpcResult<ModelStats> {
		let s = self.api.at(at, |api, at| api.model_stats(at, model))?;
		Ok(ModelStats {
			model,
			requests: s.requests,
			answered: s.answered,
			finalized: s.finalized,
			disputes: s.disputes,
			corrected: s.corrected,
			refunded: s.refunded,
			rejected: s.rejected,
			fees_paid: s.fees_paid,
		})
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use opg_primitives::{ResultCommitment, H256};

	#[test]
	fn a_pruned_id_is_an_error_that_says_how_it_ended() {
		let who = AccountId::new([7; 32]);
		let mark = runtime_api::PrunedRequest {
			status: runtime_api::RequestStatus::Final { executor: who.clone(), at: 90 },
			pruned_at: 690,
		};
		let error = pruned_error(3, Some(mark));
		assert_eq!(error.code(), PRUNED);
		assert!(error
			.message()
			.starts_with("request 3 was pruned at block #690 (final at block #90"));
		let data: PrunedRequest = serde_json::from_str(error.data().unwrap().get()).unwrap();
		assert_eq!(
			data,
			PrunedRequest {
				id: 3,
				status: Some(RequestStatus::Final { executor: who, at: 90 }),
				pruned_at: Some(690)
			}
		);
		// A node that did not import the pruning block still says it was pruned.
		let error = pruned_error(4, None);
		assert_eq!(error.code(), PRUNED);
		let data: PrunedRequest = serde_json::from_str(error.data().unwrap().get()).unwrap();
		assert_eq!((data.status, data.pruned_at), (None, None));
	}

	#[test]
	fn a_dispute_keeps_its_committee_phase_and_votes() {
		let commitment = ResultCommitment {
			output_hash: H256::repeat_byte(1),
			trace_root: H256::repeat_byte(2),
			opset: opg_primitives::OPSET,
		};
		let who = |b: u8| AccountId::new([b; 32]);
		let d = runtime_api::DisputeDetails::<AccountId, Balance, BlockNumber> {
			request: 4,
			challenger: who(9),
			bond: 100,
			executor: who(3),
			accused: commitment,
			opened: 20,
			extended: false,
			phase: runtime_api::DisputePhase::Reveal { until: 27 },
			committee: vec![
				runtime_api::Member {
					executor: who(1),
					vote: runtime_api::Vote::Revealed(commitment),
				},
				runtime_api::Member { executor: who(2), vote: runtime_api::Vote::Pending },
			],
		};
		let d = dispute(d);
		assert_eq!((d.phase, d.phase_ends), (DisputePhase::Reveal, 27));
		assert_eq!(d.accused_output_hash, H256::repeat_byte(1));
		assert_eq!(
			d.committee[0].vote,
			Vote::Revealed { output_hash: H256::repeat_byte(1), trace_root: H256::repeat_byte(2) }
		);
		assert_eq!(d.committee[1], Member { executor: who(2), vote: Vote::Pending });
	}
}
