//! Requests, results and disputes: `inference_request`, `inference_result`, `inference_pending`,
//! `inference_dispute`.

use std::fmt;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use opg_primitives::{InferenceInput, InferenceOutput, StopReason, Tensor};
use serde::{Deserialize, Serialize};

use crate::{
	AccountId, Balance, BlockHash, BlockNumber, IoSchema, ModelHash, RequestId, TensorJson, H256,
};

/// A request's input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Input {
	/// A tensor.
	Tensor(TensorJson),
	/// A batch of texts (UTF-8, lossy).
	Text {
		/// The texts.
		texts: Vec<String>,
	},
	/// A prompt for a text-generation model (`opg_primitives::Prompt`).
	Prompt {
		/// The prompt (UTF-8, lossy).
		text: String,
		/// Whether it is a chat message (rendered with the model's chat template).
		chat: bool,
		/// The most tokens to generate.
		max_new_tokens: u32,
		/// The sampling temperature in thousandths (0: greedy).
		temperature_milli: u32,
		/// Top-k (0: all tokens).
		top_k: u32,
		/// Top-p in thousandths (0 or ≥ 1000: all tokens).
		top_p_milli: u32,
		/// The requester's seed.
		seed: u64,
	},
}

impl From<&InferenceInput> for Input {
	fn from(input: &InferenceInput) -> Self {
		match input {
			InferenceInput::Tensor(t) => Input::Tensor(t.into()),
			InferenceInput::Text(texts) => Input::Text {
				texts: texts.iter().map(|t| String::from_utf8_lossy(t).into_owned()).collect(),
			},
			InferenceInput::Prompt(p) => Input::Prompt {
				text: String::from_utf8_lossy(&p.text).into_owned(),
				chat: p.chat,
				max_new_tokens: p.max_new_tokens,
				temperature_milli: p.sampling.temperature_milli,
				top_k: p.sampling.top_k,
				top_p_milli: p.sampling.top_p_milli,
				seed: p.sampling.seed,
			},
		}
	}
}

/// A result's output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Output {
	/// A tensor (its fields beside the tag: `dtype`, `shape`, `values`).
	Tensor(TensorJson),
	/// A text-generation model's answer.
	Generated {
		/// The generated text.
		text: String,
		/// The generated token ids (the end token included, if it stopped at one).
		tokens: Vec<u32>,
		/// The prompt's length in tokens, after the chat template.
		prompt_tokens: u32,
		/// Why it stopped: `EndToken` or `MaxTokens`.
		stop: StopReason,
	},
}

impl From<&InferenceOutput> for Output {
	fn from(output: &InferenceOutput) -> Self {
		match output {
			InferenceOutput::Tensor(t) => Output::Tensor(t.into()),
			InferenceOutput::Generated(g) => Output::Generated {
				text: g.text_lossy().into_owned(),
				tokens: g.tokens.to_vec(),
				prompt_tokens: g.prompt_tokens,
				stop: g.stop,
			},
		}
	}
}

/// Where a request stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all_fields = "camelCase")]
pub enum RequestStatus {
	/// Waiting for its executor to be drawn in block `at` (the block after the one that
	/// included the request, or that moved it on), from that block's randomness.
	Drawing {
		/// Reassignments so far (0: the first executor).
		attempt: u32,
		/// The block whose randomness draws the executor.
		at: BlockNumber,
	},
	/// Waiting for `executor`'s result until block `deadline`.
	Assigned {
		/// The executor drawn.
		executor: AccountId,
		/// The last block it may answer in.
		deadline: BlockNumber,
		/// Reassignments so far.
		attempt: u32,
	},
	/// Answered; final at block `challenge_end` unless challenged.
	Answered {
		/// The executor that answered.
		executor: AccountId,
		/// The block the result becomes final in.
		challenge_end: BlockNumber,
	},
	/// Final and paid at block `at`.
	Final {
		/// The executor paid.
		executor: AccountId,
		/// The block.
		at: BlockNumber,
	},
	/// Refunded at block `at`: nobody answered, or a dispute found no quorum.
	Refunded {
		/// The block.
		at: BlockNumber,
	},
	/// Challenged: the dispute game is deciding it.
	Disputed {
		/// The accused executor.
		executor: AccountId,
		/// The suspended challenge window's end.
		challenge_end: BlockNumber,
	},
	/// `executor`'s result was wrong; the corrected output is final at block `at`.
	Corrected {
		/// The executor found wrong.
		executor: AccountId,
		/// The block.
		at: BlockNumber,
	},
	/// Rejected at block `at`: enough executors declined it as unrunnable (its input does not
	/// fit what the model can run); the fee went to the treasury.
	Rejected {
		/// The block.
		at: BlockNumber,
	},
}

impl RequestStatus {
	/// Final (paid or corrected), refunded or rejected: nothing will change any more.
	pub fn is_settled(&self) -> bool {
		self.settled_at().is_some()
	}

	/// The block a settled request settled in.
	pub fn settled_at(&self) -> Option<BlockNumber> {
		match self {
			RequestStatus::Final { at, .. }
			| RequestStatus::Corrected { at, .. }
			| RequestStatus::Refunded { at }
			| RequestStatus::Rejected { at } => Some(*at),
			_ => None,
		}
	}
}

impl fmt::Display for RequestStatus {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			RequestStatus::Drawing { attempt, at } => write!(
				f,
				"waiting for its executor, drawn at block #{at} (attempt {})",
				attempt.saturating_add(1)
			),
			RequestStatus::Assigned { executor, deadline, attempt } => write!(
				f,
				"assigned to {executor} until block #{deadline} (attempt {})",
				attempt.saturating_add(1)
			),
			RequestStatus::Answered { executor, challenge_end } => write!(
				f,
				"answered by {executor}, final at block #{challenge_end} unless challenged"
			),
			RequestStatus::Final { executor, at } => {
				write!(f, "final at block #{at}, paid to {executor}")
			}
			RequestStatus::Refunded { at } => write!(f, "refunded at block #{at}"),
			RequestStatus::Rejected { at } => {
				write!(f, "rejected at block #{at}: executors could not run it; the fee went to the treasury")
			}
			RequestStatus::Disputed { executor, .. } => {
				write!(f, "disputed: {executor}'s result is being re-run")
			}
			RequestStatus::Corrected { executor, at } => {
				write!(f, "corrected at block #{at}: {executor}'s result was wrong")
			}
		}
	}
}

/// A request for an inference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
	/// Its id.
	pub id: RequestId,
	/// Who asked and paid.
	pub requester: AccountId,
	/// The model.
	pub model: ModelHash,
	/// The model's schema when the request was made.
	pub schema: IoSchema,
	/// The input.
	pub input: Input,
	/// The fee held (or paid, or refunded).
	#[serde(with = "crate::amount")]
	pub fee: Balance,
	/// The block it was made in.
	pub created: BlockNumber,
	/// Where it stands.
	pub status: RequestStatus,
}

/// A submitted (or corrected) result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InferenceResult {
	/// The request answered.
	pub id: RequestId,
	/// Who answered.
	pub executor: AccountId,
	/// The output: a tensor, or a generated answer.
	pub output: Output,
	/// blake2-256 of the output's SCALE encoding.
	pub output_hash: H256,
	/// The Merkle root over the per-layer activation hashes.
	pub trace_root: H256,
	/// The version of the canonical arithmetic it was computed under.
	pub opset: u16,
	/// The block it was submitted in.
	pub submitted_at: BlockNumber,
	/// Whether it is final.
	pub is_final: bool,
	/// The block it becomes (or became) final in.
	pub final_at: BlockNumber,
}

impl InferenceResult {
	/// The output as a tensor (`None` for a generated answer).
	pub fn tensor(&self) -> Option<Result<Tensor, opg_primitives::json::JsonTensorError>> {
		match &self.output {
			Output::Tensor(t) => Some(Tensor::try_from(t)),
			Output::Generated { .. } => None,
		}
	}
}

/// A committee member's vote so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "vote", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Vote {
	/// Nothing yet.
	Pending,
	/// Sealed: the hash of its commitment and a salt.
	Committed {
		/// The seal.
		seal: H256,
	},
	/// Opened.
	Revealed {
		/// The output hash it computed.
		output_hash: H256,
		/// The trace root it computed.
		trace_root: H256,
	},
}

/// A member of a dispute's committee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
	/// The executor.
	pub executor: AccountId,
	/// Its vote so far.
	#[serde(flatten)]
	pub vote: Vote,
}

/// The phase of an open dispute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DisputePhase {
	/// The committee is drawn at the phase's end (the block after the challenge).
	Drawing,
	/// Members submit sealed votes.
	Commit,
	/// Members open them.
	Reveal,
}

/// An open dispute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dispute {
	/// The disputed request.
	pub request: RequestId,
	/// Who challenged.
	pub challenger: AccountId,
	/// The challenger's bond, held until the verdict.
	#[serde(with = "crate::amount")]
	pub bond: Balance,
	/// The accused executor.
	pub executor: AccountId,
	/// The disputed output hash.
	pub accused_output_hash: H256,
	/// The block of the challenge.
	pub opened: BlockNumber,
	/// Whether the vote was extended once for lack of quorum.
	pub extended: bool,
	/// The phase.
	pub phase: DisputePhase,
	/// The phase's last block.
	pub phase_ends: BlockNumber,
	/// The committee.
	pub committee: Vec<Member>,
}

/// How a dispute was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
	/// The executor's result was wrong: it is slashed, the challenger rewarded.
	ExecutorWrong,
	/// The executor's result was right: the challenger is slashed.
	ExecutorRight,
	/// No decision: the request was refunded.
	NoQuorum,
}

/// How a dispute ended, and the money it moved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisputeOutcome {
	/// Who challenged.
	pub challenger: AccountId,
	/// The accused executor.
	pub executor: AccountId,
	/// The verdict.
	pub verdict: Verdict,
	/// Taken from the loser.
	#[serde(with = "crate::amount")]
	pub slashed: Balance,
	/// Of which to the winner.
	#[serde(with = "crate::amount")]
	pub to_winner: Balance,
	/// Of which to the committee's majority.
	#[serde(with = "crate::amount")]
	pub to_committee: Balance,
	/// Of which to the treasury.
	#[serde(with = "crate::amount")]
	pub to_treasury: Balance,
	/// The block of the verdict.
	pub at: BlockNumber,
}

/// A dispute, open or decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum DisputeState {
	/// Being decided.
	Open(Dispute),
	/// Decided.
	Resolved(DisputeOutcome),
}

/// A model's record of service: its requests made, answered, challenged and how they finished,
/// counted by the chain as they happen (kept after the requests themselves are pruned).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelStats {
	/// The model.
	pub model: ModelHash,
	/// Requests made.
	pub requests: u64,
	/// Results submitted and accepted.
	pub answered: u64,
	/// Requests final with their result unchallenged or upheld.
	pub finalized: u64,
	/// Challenges opened.
	pub disputes: u64,
	/// Requests whose result a dispute found wrong and corrected.
	pub corrected: u64,
	/// Requests refunded (nobody answered in time, or a dispute without quorum).
	pub refunded: u64,
	/// Requests rejected as unrunnable.
	pub rejected: u64,
	/// The fees of the final and corrected requests.
	#[serde(with = "crate::amount")]
	pub fees_paid: Balance,
}

/// What a node knows of a request that was pruned: it finished more than the chain's retention
/// ago, so its record, result and dispute outcome left the state (its events stay in its
/// blocks, and an archive node answers for a block before the pruning). The data of a
/// [`PRUNED`](crate::PRUNED) error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrunedRequest {
	/// The request's id.
	pub id: RequestId,
	/// How it ended, if this node imported the block that pruned it (an opg-node indexes every
	/// pruning it imports; not one it skipped by warp sync).
	pub status: Option<RequestStatus>,
	/// The block that pruned it (with `status`).
	pub pruned_at: Option<BlockNumber>,
}

impl fmt::Display for PrunedRequest {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "request {} was pruned", self.id)?;
		if let Some(at) = self.pruned_at {
			write!(f, " at block #{at}")?;
		}
		match &self.status {
			Some(status) => write!(f, " ({status})")?,
			None => write!(f, " (it finished more than the chain's retention ago)")?,
		}
		write!(f, "; its events stay in its blocks, and an archive node keeps its state")
	}
}

/// The `inference_*` methods. `inference_request`, `inference_result` and `inference_dispute`
/// answer an id whose request was pruned with the error [`PRUNED`](crate::PRUNED), its data a
/// [`PrunedRequest`]; an id never issued gets null.
#[rpc(client, server, namespace = "inference")]
pub trait InferenceApi {
	/// The request with this id, in any state, or null. (`get_request` in Rust: jsonrpsee's
	/// clients have a `request` method of their own.)
	#[method(name = "request")]
	fn get_request(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<Request>>;

	/// The result of this request (pending or final), or null if none was submitted.
	#[method(name = "result")]
	fn result(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<InferenceResult>>;

	/// The ids of the requests `executor` has to answer now (at most the runtime API's cap).
	#[method(name = "pending")]
	fn pending(&self, executor: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<RequestId>>;

	/// The dispute over this request's result: while open, its committee, votes and phase; once
	/// decided, the verdict and the money moved; null if it was never challenged.
	#[method(name = "dispute")]
	fn dispute(&self, id: RequestId, at: Option<BlockHash>) -> RpcResult<Option<DisputeState>>;

	/// `model`'s record of service (all zero for a model never requested, listed or not).
	#[method(name = "modelStats")]
	fn model_stats(&self, model: ModelHash, at: Option<BlockHash>) -> RpcResult<ModelStats>;
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use serde_json::json;

	fn alice() -> AccountId {
		AccountId::new([1; 32])
	}

	#[test]
	fn inputs_carry_a_type_tag() {
		let text = Input::from(&InferenceInput::texts(&["hi", "there"]).unwrap());
		assert_eq!(
			serde_json::to_value(text).unwrap(),
			json!({"type": "Text", "texts": ["hi", "there"]})
		);
		let tensor =
			Input::from(&InferenceInput::Tensor(Tensor::from_f32(&[1, 1], &[0.5]).unwrap()));
		assert_eq!(
			serde_json::to_value(tensor).unwrap(),
			json!({"type": "Tensor", "dtype": "F32", "shape": [1, 1], "values": [0.5]})
		);
	}

	#[test]
	fn a_results_output_reads_back_as_the_tensor() {
		let tensor = Tensor::from_f32(&[1, 2], &[0.5, -1.0]).unwrap();
		let result = InferenceResult {
			id: 1,
			executor: alice(),
			output: Output::Tensor((&tensor).into()),
			output_hash: H256::zero(),
			trace_root: H256::zero(),
			opset: 1,
			submitted_at: 3,
			is_final: false,
			final_at: 13,
		};
		let json = serde_json::to_value(&result).unwrap();
		assert_eq!(json["output"]["values"], json!([0.5, -1.0]), "{json}");
		let read: InferenceResult = serde_json::from_value(json).unwrap();
		assert_eq!(read.tensor().unwrap().unwrap(), tensor);
	}

	#[test]
	fn prompts_and_answers_read_as_camel_case_json() {
		let sampling = opg_primitives::Sampling {
			temperature_milli: 700,
			top_k: 40,
			top_p_milli: 900,
			seed: 7,
		};
		let prompt = opg_primitives::Prompt::new("Hi?", true, 16, sampling).unwrap();
		let input = Input::from(&InferenceInput::Prompt(prompt));
		assert_eq!(
			serde_json::to_value(&input).unwrap(),
			json!({"type": "Prompt", "text": "Hi?", "chat": true, "maxNewTokens": 16,
				"temperatureMilli": 700, "topK": 40, "topPMilli": 900, "seed": 7})
		);
		let answer = opg_primitives::Generation {
			prompt_tokens: 12,
			tokens: vec![28, 2].try_into().unwrap(),
			text: b"Hello".to_vec().try_into().unwrap(),
			stop: StopReason::EndToken,
		};
		let output = Output::from(&InferenceOutput::Generated(answer));
		assert_eq!(
			serde_json::to_value(&output).unwrap(),
			json!({"type": "Generated", "text": "Hello", "tokens": [28, 2], "promptTokens": 12,
				"stop": "EndToken"})
		);
		let read: Output = serde_json::from_value(serde_json::to_value(&output).unwrap()).unwrap();
		assert_eq!(read, output);
	}

	#[test]
	fn statuses_carry_a_state_tag_and_read_back() {
		let s = RequestStatus::Answered { executor: alice(), challenge_end: 12 };
		let json = serde_json::to_value(&s).unwrap();
		assert_eq!(
			json,
			json!({"state": "Answered", "executor": alice().to_string(), "challengeEnd": 12})
		);
		assert_eq!(serde_json::from_value::<RequestStatus>(json).unwrap(), s);
		assert!(!s.is_settled());
		assert_eq!(RequestStatus::Refunded { at: 9 }.settled_at(), Some(9));
		let drawing = RequestStatus::Drawing { attempt: 1, at: 4 };
		let json = serde_json::to_value(&drawing).unwrap();
		assert_eq!(json, json!({"state": "Drawing", "attempt": 1, "at": 4}));
		assert!(!drawing.is_settled());
		assert_eq!(drawing.to_string(), "waiting for its executor, drawn at block #4 (attempt 2)");
	}

	#[test]
	fn a_pruned_request_says_when_and_how_it_ended() {
		let known = PrunedRequest {
			id: 5,
			status: Some(RequestStatus::Refunded { at: 40 }),
			pruned_at: Some(640),
		};
		let json = serde_json::to_value(&known).unwrap();
		assert_eq!(
			json,
			json!({"id": 5, "status": {"state": "Refunded", "at": 40}, "prunedAt": 640})
		);
		assert_eq!(serde_json::from_value::<PrunedRequest>(json).unwrap(), known);
		assert_eq!(
			known.to_string(),
			"request 5 was pruned at block #640 (refunded at block #40); its events stay in its \
			 blocks, and an archive node keeps its state"
		);
		let unindexed = PrunedRequest { id: 6, status: None, pruned_at: None };
		assert_eq!(
			unindexed.to_string(),
			"request 6 was pruned (it finished more than the chain's retention ago); its events \
			 stay in its blocks, and an archive node keeps its state"
		);
	}

	#[test]
	fn disputes_show_their_votes_and_read_back() {
		let open = DisputeState::Open(Dispute {
			request: 4,
			challenger: alice(),
			bond: 100,
			executor: alice(),
			accused_output_hash: H256::repeat_byte(1),
			opened: 20,
			extended: false,
			phase: DisputePhase::Reveal,
			phase_ends: 27,
			committee: vec![
				Member {
					executor: alice(),
					vote: Vote::Revealed {
						output_hash: H256::repeat_byte(1),
						trace_root: H256::repeat_byte(2),
					},
				},
				Member { executor: alice(), vote: Vote::Pending },
			],
		});
		let json = serde_json::to_value(&open).unwrap();
		assert_eq!(json["state"], "Open");
		assert_eq!(json["phase"], "reveal");
		assert_eq!(json["phaseEnds"], 27);
		assert_eq!(json["bond"], "100");
		assert_eq!(json["committee"][0]["vote"], "revealed");
		assert_eq!(json["committee"][0]["traceRoot"], format!("{:?}", H256::repeat_byte(2)));
		assert_eq!(
			json["committee"][1],
			json!({"executor": alice().to_string(), "vote": "pending"})
		);
		assert_eq!(serde_json::from_value::<DisputeState>(json).unwrap(), open);
	}
}
