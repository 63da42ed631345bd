//! JSON-RPC of the inference pallet: `inference_request`, `inference_result` and
//! `inference_pending`, answering typed JSON: tensors decoded per dtype into numbers, texts as
//! strings, amounts as decimal strings, hashes as hex. Never SCALE bytes.

use std::{fmt::Display, sync::Arc};

use codec::Codec;
use jsonrpsee::{
	core::{async_trait, RpcResult},
	proc_macros::rpc,
	types::{error::ErrorObject, ErrorObjectOwned},
};
use opg_primitives::{InferenceInput, InferenceOutput, IoSchema, ModelHash, RequestId, H256};
use pallet_inference_runtime_api::{
	DisputeDetails, DisputeOutcome, DisputePhase, RequestDetails, RequestStatus, ResultDetails,
	Vote,
};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

pub use pallet_inference_runtime_api::InferenceApi as InferenceRuntimeApi;

/// The most ids `inference_pending` returns.
pub const MAX_PENDING: u32 = 256;

pub use opg_primitives::json::{tensor_values, TensorJson};

/// A request's input as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum InputJson {
	/// A tensor.
	Tensor(TensorJson),
	/// A batch of texts (lossy UTF-8).
	Text { texts: Vec<String> },
}

impl From<&InferenceInput> for InputJson {
	fn from(input: &InferenceInput) -> Self {
		match input {
			InferenceInput::Tensor(t) => InputJson::Tensor(t.into()),
			InferenceInput::Text(texts) => InputJson::Text {
				texts: texts.iter().map(|t| String::from_utf8_lossy(t).into_owned()).collect(),
			},
		}
	}
}

/// Where a request stands, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum StatusJson {
	/// Waiting for `executor` until block `deadline`.
	#[serde(rename_all = "camelCase")]
	Assigned { executor: String, deadline: u64, attempt: u32 },
	/// Answered; final at block `challengeEnd` unless challenged.
	#[serde(rename_all = "camelCase")]
	Answered { executor: String, challenge_end: u64 },
	/// Final and paid at block `at`.
	Final { executor: String, at: u64 },
	/// Refunded at block `at`: nobody answered, or a dispute found no quorum.
	Refunded { at: u64 },
	/// Challenged; a committee is re-running it.
	#[serde(rename_all = "camelCase")]
	Disputed { executor: String, challenge_end: u64 },
	/// Final at block `at` with the committee's output: `executor`'s was wrong.
	Corrected { executor: String, at: u64 },
}

impl<AccountId: Display, BlockNumber: Into<u64>> From<RequestStatus<AccountId, BlockNumber>>
	for StatusJson
{
	fn from(s: RequestStatus<AccountId, BlockNumber>) -> Self {
		match s {
			RequestStatus::Assigned { executor, deadline, attempt } => StatusJson::Assigned {
				executor: executor.to_string(),
				deadline: deadline.into(),
				attempt,
			},
			RequestStatus::Answered { executor, challenge_end } => StatusJson::Answered {
				executor: executor.to_string(),
				challenge_end: challenge_end.into(),
			},
			RequestStatus::Final { executor, at } => {
				StatusJson::Final { executor: executor.to_string(), at: at.into() }
			}
			RequestStatus::Refunded { at } => StatusJson::Refunded { at: at.into() },
			RequestStatus::Disputed { executor, challenge_end } => StatusJson::Disputed {
				executor: executor.to_string(),
				challenge_end: challenge_end.into(),
			},
			RequestStatus::Corrected { executor, at } => {
				StatusJson::Corrected { executor: executor.to_string(), at: at.into() }
			}
		}
	}
}

/// A request, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestJson {
	/// Its id.
	pub id: RequestId,
	/// Who asked (SS58).
	pub requester: String,
	/// The model, hex.
	pub model: ModelHash,
	/// The model's schema at request time.
	pub schema: IoSchema,
	/// The input.
	pub input: InputJson,
	/// Fee in planck, decimal string.
	pub fee: String,
	/// Block it was made in.
	pub created: u64,
	/// Where it stands.
	pub status: StatusJson,
}

impl<AccountId: Display, Balance: Display, BlockNumber: Into<u64>>
	From<RequestDetails<AccountId, Balance, BlockNumber>> for RequestJson
{
	fn from(d: RequestDetails<AccountId, Balance, BlockNumber>) -> Self {
		RequestJson {
			id: d.id,
			requester: d.requester.to_string(),
			model: d.model,
			schema: d.schema,
			input: (&d.input).into(),
			fee: d.fee.to_string(),
			created: d.created.into(),
			status: d.status.into(),
		}
	}
}

/// A result, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultJson {
	/// The request answered.
	pub id: RequestId,
	/// Who answered (SS58).
	pub executor: String,
	/// The output tensor.
	pub output: TensorJson,
	/// blake2-256 of the SCALE-encoded output, hex.
	pub output_hash: H256,
	/// Merkle root of the per-layer activation hashes, hex.
	pub trace_root: H256,
	/// Block it was included in.
	pub submitted_at: u64,
	/// Whether it is final.
	pub is_final: bool,
	/// Block it becomes (or became) final in.
	pub final_at: u64,
}

impl<AccountId: Display, BlockNumber: Into<u64>> From<ResultDetails<AccountId, BlockNumber>>
	for ResultJson
{
	fn from(d: ResultDetails<AccountId, BlockNumber>) -> Self {
		let InferenceOutput::Tensor(ref tensor) = d.output;
		ResultJson {
			id: d.id,
			executor: d.executor.to_string(),
			output: tensor.into(),
			output_hash: d.commitment.output_hash,
			trace_root: d.commitment.trace_root,
			submitted_at: d.submitted_at.into(),
			is_final: d.is_final,
			final_at: d.final_at.into(),
		}
	}
}

/// A committee member's vote, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "vote", rename_all = "camelCase")]
pub enum VoteJson {
	/// Nothing yet.
	Pending,
	/// Sealed.
	Committed { seal: H256 },
	/// Opened.
	#[serde(rename_all = "camelCase")]
	Revealed { output_hash: H256, trace_root: H256 },
}

/// A committee member, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberJson {
	/// The executor (SS58).
	pub executor: String,
	/// Its vote so far.
	#[serde(flatten)]
	pub vote: VoteJson,
}

/// An open dispute, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisputeJson {
	/// The disputed request.
	pub request: RequestId,
	/// Who challenged (SS58).
	pub challenger: String,
	/// The challenger's bond in planck, decimal string.
	pub bond: String,
	/// The accused executor (SS58).
	pub executor: String,
	/// The disputed output hash, hex.
	pub accused_output_hash: H256,
	/// Block of the challenge.
	pub opened: u64,
	/// Whether the vote was extended once for lack of quorum.
	pub extended: bool,
	/// `"commit"` or `"reveal"`.
	pub phase: String,
	/// Last block of the phase.
	pub phase_ends: u64,
	/// The committee.
	pub committee: Vec<MemberJson>,
}

impl<AccountId: Display, Balance: Display, BlockNumber: Into<u64>>
	From<DisputeDetails<AccountId, Balance, BlockNumber>> for DisputeJson
{
	fn from(d: DisputeDetails<AccountId, Balance, BlockNumber>) -> Self {
		let (phase, phase_ends) = match d.phase {
			DisputePhase::Commit { until } => ("commit", until),
			DisputePhase::Reveal { until } => ("reveal", until),
		};
		DisputeJson {
			request: d.request,
			challenger: d.challenger.to_string(),
			bond: d.bond.to_string(),
			executor: d.executor.to_string(),
			accused_output_hash: d.accused.output_hash,
			opened: d.opened.into(),
			extended: d.extended,
			phase: phase.into(),
			phase_ends: phase_ends.into(),
			committee: d
				.committee
				.into_iter()
				.map(|m| MemberJson {
					executor: m.executor.to_string(),
					vote: match m.vote {
						Vote::Pending => VoteJson::Pending,
						Vote::Committed(seal) => VoteJson::Committed { seal },
						Vote::Revealed(c) => VoteJson::Revealed {
							output_hash: c.output_hash,
							trace_root: c.trace_root,
						},
					},
				})
				.collect(),
		}
	}
}

/// How a dispute ended, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeJson {
	/// Who challenged (SS58).
	pub challenger: String,
	/// The accused executor (SS58).
	pub executor: String,
	/// `ExecutorWrong`, `ExecutorRight` or `NoQuorum`.
	pub verdict: String,
	/// Taken from the loser, in planck (decimal string).
	pub slashed: String,
	/// Of which to the winner.
	pub to_winner: String,
	/// Of which to the committee's majority.
	pub to_committee: String,
	/// Of which to the treasury.
	pub to_treasury: String,
	/// Block of the verdict.
	pub at: u64,
}

impl<AccountId: Display, Balance: Display, BlockNumber: Into<u64>>
	From<DisputeOutcome<AccountId, Balance, BlockNumber>> for OutcomeJson
{
	fn from(o: DisputeOutcome<AccountId, Balance, BlockNumber>) -> Self {
		OutcomeJson {
			challenger: o.challenger.to_string(),
			executor: o.executor.to_string(),
			verdict: format!("{:?}", o.verdict),
			slashed: o.slashed.to_string(),
			to_winner: o.to_winner.to_string(),
			to_committee: o.to_committee.to_string(),
			to_treasury: o.to_treasury.to_string(),
			at: o.at.into(),
		}
	}
}

/// A dispute, open or resolved, as JSON (tag `state`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum DisputeStateJson {
	/// The committee is voting.
	Open(DisputeJson),
	/// Decided.
	Resolved(OutcomeJson),
}

/// The `inference_*` methods.
#[rpc(server, namespace = "inference")]
pub trait InferenceRpc<BlockHash, AccountId> {
	/// The request with this id, or null.
	#[method(name = "request")]
	fn request(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<RequestJson>>;

	/// The result of this request (pending or final), or null if none was submitted.
	#[method(name = "result")]
	fn result(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<ResultJson>>;

	/// The ids of the requests `executor` (SS58) has to answer now (at most 256).
	#[method(name = "pending")]
	fn pending(&self, executor: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<RequestId>>;

	/// The dispute over this request's result: while open, its committee, votes and phase;
	/// once decided, the verdict and the money moved; null if it was never challenged.
	#[method(name = "dispute")]
	fn dispute(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<DisputeStateJson>>;
}

/// Serves `inference_*` from the runtime API.
pub struct Inference<C, Block, AccountId, Balance, BlockNumber> {
	client: Arc<C>,
	_types: std::marker::PhantomData<fn() -> (Block, AccountId, Balance, BlockNumber)>,
}

impl<C, Block, AccountId, Balance, BlockNumber>
	Inference<C, Block, AccountId, Balance, BlockNumber>
{
	/// A server over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client, _types: Default::default() }
	}
}

/// Error code of a failed runtime API call.
pub const RUNTIME_ERROR: i32 = 1;

fn runtime_error(e: impl std::fmt::Debug) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(format!("{e:?}")))
}

#[async_trait]
impl<C, Block, AccountId, Balance, BlockNumber>
	InferenceRpcServer<<Block as BlockT>::Hash, AccountId>
	for Inference<C, Block, AccountId, Balance, BlockNumber>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: InferenceRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: Codec + Display + Clone + Send + Sync + serde::de::DeserializeOwned + 'static,
	Balance: Codec + Display + Send + Sync + 'static,
	BlockNumber: Codec + Into<u64> + Send + Sync + 'static,
{
	fn request(&self, id: RequestId, at: Option<Block::Hash>) -> RpcResult<Option<RequestJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let details = self.client.runtime_api().request(at, id).map_err(runtime_error)?;
		Ok(details.map(Into::into))
	}

	fn result(&self, id: RequestId, at: Option<Block::Hash>) -> RpcResult<Option<ResultJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let details = self.client.runtime_api().result(at, id).map_err(runtime_error)?;
		Ok(details.map(Into::into))
	}

	fn pending(&self, executor: AccountId, at: Option<Block::Hash>) -> RpcResult<Vec<RequestId>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().pending(at, executor, MAX_PENDING).map_err(runtime_error)
	}

	fn dispute(
		&self,
		id: RequestId,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<DisputeStateJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let api = self.client.runtime_api();
		if let Some(open) = api.dispute(at, id).map_err(runtime_error)? {
			return Ok(Some(DisputeStateJson::Open(open.into())));
		}
		let outcome = api.dispute_outcome(at, id).map_err(runtime_error)?;
		Ok(outcome.map(|o| DisputeStateJson::Resolved(o.into())))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use opg_primitives::Tensor;

	#[test]
	fn inputs_serialize_with_a_type_tag() {
		let text = InputJson::from(&InferenceInput::texts(&["hi", "there"]).unwrap());
		assert_eq!(
			serde_json::to_value(text).unwrap(),
			serde_json::json!({"type": "Text", "texts": ["hi", "there"]})
		);
		let tensor =
			InputJson::from(&InferenceInput::Tensor(Tensor::from_f32(&[1, 1], &[0.5]).unwrap()));
		assert_eq!(
			serde_json::to_value(tensor).unwrap(),
			serde_json::json!({"type": "Tensor", "dtype": "F32", "shape": [1, 1], "values": [0.5]})
		);
	}

	#[test]
	fn statuses_serialize_with_a_state_tag() {
		let s: StatusJson =
			RequestStatus::<u64, u32>::Answered { executor: 5, challenge_end: 12 }.into();
		assert_eq!(
			serde_json::to_value(s).unwrap(),
			serde_json::json!({"state": "Answered", "executor": "5", "challengeEnd": 12})
		);
		let s: StatusJson = RequestStatus::<u64, u32>::Corrected { executor: 7, at: 30 }.into();
		assert_eq!(
			serde_json::to_value(s).unwrap(),
			serde_json::json!({"state": "Corrected", "executor": "7", "at": 30})
		);
	}

	#[test]
	fn disputes_serialize_with_their_votes() {
		use opg_primitives::ResultCommitment;
		use pallet_inference_runtime_api::Member;
		let commitment = ResultCommitment {
			output_hash: H256::repeat_byte(1),
			trace_root: H256::repeat_byte(2),
		};
		let d = DisputeDetails::<u64, u128, u32> {
			request: 4,
			challenger: 9,
			bond: 100,
			executor: 3,
			accused: commitment.clone(),
			opened: 20,
			extended: false,
			phase: DisputePhase::Reveal { until: 27 },
			committee: vec![
				Member { executor: 1, vote: Vote::Revealed(commitment) },
				Member { executor: 2, vote: Vote::Pending },
			],
		};
		let json = serde_json::to_value(DisputeStateJson::Open(d.into())).unwrap();
		assert_eq!(json["state"], "Open");
		assert_eq!(json["phase"], "reveal");
		assert_eq!(json["phaseEnds"], 27);
		assert_eq!(json["bond"], "100");
		assert_eq!(json["committee"][0]["vote"], "revealed");
		assert_eq!(json["committee"][0]["executor"], "1");
		assert_eq!(json["committee"][1], serde_json::json!({"executor": "2", "vote": "pending"}));
		let outcome = pallet_inference_runtime_api::DisputeOutcome::<u64, u128, u32> {
			challenger: 9,
			executor: 3,
			verdict: pallet_inference_runtime_api::Verdict::ExecutorWrong,
			slashed: 1_000,
			to_winner: 490,
			to_committee: 20,
			to_treasury: 490,
			at: 31,
		};
		assert_eq!(
			serde_json::to_value(DisputeStateJson::Resolved(outcome.into())).unwrap(),
			serde_json::json!({
				"state": "Resolved", "challenger": "9", "executor": "3", "verdict": "ExecutorWrong",
				"slashed": "1000", "toWinner": "490", "toCommittee": "20", "toTreasury": "490", "at": 31
			})
		);
	}
}
