//! The server side of `inference_*` ([`opg_api::InferenceApi`]): the inference pallet's runtime
//! API, answered as typed JSON (tensors decoded per dtype into numbers, texts as strings).

use std::sync::Arc;

use jsonrpsee::core::RpcResult;
use opg_api::{
	server::RuntimeApi, AccountId, Balance, BlockHash, BlockNumber, Dispute, DisputeOutcome,
	DisputePhase, DisputeState, InferenceResult, Member, Request, RequestId, RequestStatus,
	Verdict, Vote,
};
use opg_primitives::InferenceOutput;
use pallet_inference_runtime_api as runtime_api;
use runtime_api::{InferenceApi, MAX_PENDING};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

pub use opg_api::InferenceApiServer;

/// Serves `inference_*` from the runtime API.
pub struct Inference<C, Block>(RuntimeApi<C, Block>);

impl<C, Block> Inference<C, Block>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
{
	/// A server over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Inference(RuntimeApi::new(client))
	}
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
	let InferenceOutput::Tensor(ref tensor) = d.output;
	InferenceResult {
		id: d.id,
		executor: d.executor,
		output: tensor.into(),
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

impl<C, Block> InferenceApiServer for Inference<C, Block>
where
	Block: BlockT<Hash = BlockHash>,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: InferenceApi<Block, AccountId, Balance, BlockNumber>,
{
	fn get_request(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<Request>> {
		Ok(self.0.at(at, |api, at| api.request(at, id))?.map(request))
	}

	fn result(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<InferenceResult>> {
		Ok(self.0.at(at, |api, at| api.result(at, id))?.map(result))
	}

	fn pending(&self, executor: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<RequestId>> {
		self.0.at(at, |api, at| api.pending(at, executor, MAX_PENDING))
	}

	fn dispute(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<DisputeState>> {
		let (open, outcome_) = self.0.at(at, |api, at| {
			let open = api.dispute(at, id)?;
			let decided = if open.is_none() { api.dispute_outcome(at, id)? } else { None };
			Ok::<_, sp_api::ApiError>((open, decided))
		})?;
		Ok(match (open, outcome_) {
			(Some(open), _) => Some(DisputeState::Open(dispute(open))),
			(None, Some(decided)) => Some(DisputeState::Resolved(outcome(decided))),
			(None, None) => None,
		})
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use opg_primitives::{ResultCommitment, H256};

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
