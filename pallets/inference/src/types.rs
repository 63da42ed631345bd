//! The records of requests, results and disputes, and what the runtime API returns about them.
//!
//! Their paths (`pallet_inference::types::…`) are part of the runtime metadata: clients decode
//! by them. The crate root re-exports every type.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use opg_primitives::{IoSchema, ModelHash, ResultCommitment, H256};
use scale_info::TypeInfo;

/// Where a request stands.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum RequestStatus<AccountId, BlockNumber> {
	/// Waiting for its executor to be drawn in block `at`, after that block's randomness is
	/// known and before its transactions (`on_poll`), for assignment `attempt` (0 for the
	/// first executor). A draw is never made in the block that decided it (the request's, or
	/// the decline's or missed deadline's), whose author knows the seed while it orders the
	/// transactions.
	#[codec(index = 7)]
	Drawing { attempt: u32, at: BlockNumber },
	/// Waiting for `executor`'s result until `deadline` (inclusive). `attempt` counts the
	/// reassignments so far (0 for the first executor).
	#[codec(index = 0)]
	Assigned { executor: AccountId, deadline: BlockNumber, attempt: u32 },
	/// `executor` answered; the result can be challenged until `challenge_end` (inclusive of
	/// the block before; it is finalized in block `challenge_end`).
	#[codec(index = 1)]
	Answered { executor: AccountId, challenge_end: BlockNumber },
	/// The result is final and the fee was paid to `executor` (and the treasury).
	#[codec(index = 2)]
	Final { executor: AccountId, at: BlockNumber },
	/// No executor answered in time, or a dispute found no quorum; the fee went back to the
	/// requester.
	#[codec(index = 3)]
	Refunded { at: BlockNumber },
	/// `executor`'s result was challenged; a committee is re-running the request. The window
	/// that would have ended at `challenge_end` is suspended.
	#[codec(index = 4)]
	Disputed { executor: AccountId, challenge_end: BlockNumber },
	/// The committee found `executor`'s result wrong: the stored result is the committee's,
	/// final at `at`, and the fee went to the committee's majority.
	#[codec(index = 5)]
	Corrected { executor: AccountId, at: BlockNumber },
	/// [`crate::Config::RejectQuorum`] distinct executors declined the request as its own fault
	/// (an input no engine can run, [`opg_primitives::InferenceError::is_request_fault`]): the fee
	/// went to the treasury at `at`, so a poison request costs its requester the fee.
	#[codec(index = 6)]
	Rejected { at: BlockNumber },
}

impl<AccountId, BlockNumber: Copy> RequestStatus<AccountId, BlockNumber> {
	/// The block the request finished in, if it did (final, corrected, refunded or rejected):
	/// from then on nothing changes it until it is pruned.
	pub fn finished_at(&self) -> Option<BlockNumber> {
		match self {
			RequestStatus::Final { at, .. }
			| RequestStatus::Corrected { at, .. }
			| RequestStatus::Refunded { at }
			| RequestStatus::Rejected { at } => Some(*at),
			RequestStatus::Drawing { .. }
			| RequestStatus::Assigned { .. }
			| RequestStatus::Answered { .. }
			| RequestStatus::Disputed { .. } => None,
		}
	}

	/// Whether the request finished ([`Self::finished_at`]).
	pub fn is_finished(&self) -> bool {
		self.finished_at().is_some()
	}
}

/// An inference request.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxInput))]
#[codec(mel_bound(AccountId: MaxEncodedLen, Balance: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct Request<AccountId, Balance, BlockNumber, MaxInput>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxInput: Get<u32>,
{
	/// Who asked and paid.
	pub requester: AccountId,
	/// The model asked.
	pub model: ModelHash,
	/// The model's input/output schema when the request was made (outputs are checked against it
	/// even if the model is delisted meanwhile).
	pub schema: IoSchema,
	/// The SCALE-encoded [`opg_primitives::InferenceInput`].
	pub input: BoundedVec<u8, MaxInput>,
	/// The fee held from the requester: the model's price when the request was made, times the
	/// request's billable units (one, or for a text-generation model its most tokens,
	/// [`opg_primitives::IoSchema::billable_units`]). Once paid, what was paid: the unused
	/// part of a per-token fee goes back to the requester at payout.
	pub fee: Balance,
	/// The block the request was made in.
	pub created: BlockNumber,
	/// Where it stands.
	pub status: RequestStatus<AccountId, BlockNumber>,
}

/// A submitted result.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxOutput))]
#[codec(mel_bound(BlockNumber: MaxEncodedLen))]
pub struct InferenceResult<BlockNumber, MaxOutput>
where
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxOutput: Get<u32>,
{
	/// The SCALE-encoded [`opg_primitives::InferenceOutput`] (its hash is
	/// `commitment.output_hash`).
	pub output: BoundedVec<u8, MaxOutput>,
	/// Output hash and trace root, signed by the executor.
	pub commitment: ResultCommitment,
	/// The block the result was included in.
	pub submitted_at: BlockNumber,
}

/// One result in an executor's batch ([`crate::Call::submit_results`]): the request answered,
/// the output, its commitment, and the executor key's signature of the request's
/// [`opg_primitives::ResultStatement`]. Every entry stands alone: one that fails its checks is
/// refused ([`crate::Event::ResultRefused`]) without touching the others.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct SubmittedResult {
	/// The request answered.
	pub request: opg_primitives::RequestId,
	/// The model's output.
	pub output: opg_primitives::InferenceOutput,
	/// Output hash and trace root.
	pub commitment: ResultCommitment,
	/// The batch key's signature of `(request's digest, attempt, executor, commitment)`.
	pub signature: opg_primitives::ExecutorSignature,
}

/// Head and tail of a storage queue: items `head..tail` are stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct QueueBounds {
	/// Index of the oldest item.
	pub head: u64,
	/// Index the next item gets.
	pub tail: u64,
}

impl QueueBounds {
	/// How many items are queued.
	pub fn len(&self) -> u64 {
		self.tail.saturating_sub(self.head)
	}

	/// Whether no item is queued.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// A request as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RequestDetails<AccountId, Balance, BlockNumber> {
	/// The request's id.
	pub id: opg_primitives::RequestId,
	/// Who asked and paid.
	pub requester: AccountId,
	/// The model asked.
	pub model: ModelHash,
	/// The model's schema at request time.
	pub schema: IoSchema,
	/// The input, decoded.
	pub input: opg_primitives::InferenceInput,
	/// The fee held (or paid, or refunded).
	pub fee: Balance,
	/// The block the request was made in.
	pub created: BlockNumber,
	/// Where it stands.
	pub status: RequestStatus<AccountId, BlockNumber>,
}

/// A result as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ResultDetails<AccountId, BlockNumber> {
	/// The request answered.
	pub id: opg_primitives::RequestId,
	/// Who answered.
	pub executor: AccountId,
	/// The output, decoded.
	pub output: opg_primitives::InferenceOutput,
	/// Output hash and trace root.
	pub commitment: ResultCommitment,
	/// The block the result was included in.
	pub submitted_at: BlockNumber,
	/// Whether it is final (past its challenge window and paid).
	pub is_final: bool,
	/// The block in which it becomes (or became) final.
	pub final_at: BlockNumber,
}

/// A committee member's vote in a dispute.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum Vote {
	/// Nothing yet.
	#[codec(index = 0)]
	Pending,
	/// A sealed vote ([`opg_primitives::vote_seal`]).
	#[codec(index = 1)]
	Committed(H256),
	/// The opened vote: the commitment of the member's own run.
	#[codec(index = 2)]
	Revealed(ResultCommitment),
}

/// A member of a dispute's committee.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Member<AccountId> {
	/// The executor.
	pub executor: AccountId,
	/// Its vote so far.
	pub vote: Vote,
}

/// Where a dispute stands.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum DisputePhase<BlockNumber> {
	/// The committee is drawn in block `at`, the block after the challenge, from that block's
	/// randomness (before its transactions): neither the challenger nor the author of the
	/// block that includes the challenge can know it.
	#[codec(index = 2)]
	Drawing { at: BlockNumber },
	/// Members commit sealed votes until `until` (inclusive).
	#[codec(index = 0)]
	Commit { until: BlockNumber },
	/// Members open their seals until `until` (inclusive); the verdict follows.
	#[codec(index = 1)]
	Reveal { until: BlockNumber },
}

impl<BlockNumber: Copy> DisputePhase<BlockNumber> {
	/// The last block of the phase.
	pub fn until(&self) -> BlockNumber {
		match self {
			DisputePhase::Drawing { at: until }
			| DisputePhase::Commit { until }
			| DisputePhase::Reveal { until } => *until,
		}
	}
}

/// An open dispute over a result.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxCommittee))]
#[codec(mel_bound(AccountId: MaxEncodedLen, Balance: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct Dispute<AccountId, Balance, BlockNumber, MaxCommittee>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxCommittee: Get<u32>,
{
	/// Who challenged; its bond is held.
	pub challenger: AccountId,
	/// The challenge bond held from the challenger.
	pub bond: Balance,
	/// The executor whose result is disputed.
	pub executor: AccountId,
	/// The disputed result's commitment.
	pub accused: ResultCommitment,
	/// The block of the challenge.
	pub opened: BlockNumber,
	/// Whether the vote was already extended once for lack of quorum.
	pub extended: bool,
	/// The current phase and its end.
	pub phase: DisputePhase<BlockNumber>,
	/// The re-executing committee, never containing `executor`.
	pub committee: BoundedVec<Member<AccountId>, MaxCommittee>,
}

/// How a dispute ended.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Verdict {
	/// The committee's majority output differs from the executor's: the executor is slashed and
	/// its result replaced.
	#[codec(index = 0)]
	ExecutorWrong,
	/// The majority agrees with the executor: the challenger's bond is slashed and the result is
	/// final.
	#[codec(index = 1)]
	ExecutorRight,
	/// No output reached the quorum, even after one extension: the requester is refunded, the
	/// challenger's bond released and neither side slashed.
	#[codec(index = 2)]
	NoQuorum,
}

/// How a dispute ended; kept for dapps and clients.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct DisputeOutcome<AccountId, Balance, BlockNumber> {
	/// Who challenged.
	pub challenger: AccountId,
	/// The accused executor.
	pub executor: AccountId,
	/// The verdict.
	pub verdict: Verdict,
	/// Taken from the loser (the executor's stake, or the challenger's bond).
	pub slashed: Balance,
	/// Of which to the winner (the challenger, or the executor).
	pub to_winner: Balance,
	/// Of which to the committee's majority.
	pub to_committee: Balance,
	/// Of which to the treasury.
	pub to_treasury: Balance,
	/// The block of the verdict.
	pub at: BlockNumber,
}

/// A dispute as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct DisputeDetails<AccountId, Balance, BlockNumber> {
	/// The disputed request.
	pub request: opg_primitives::RequestId,
	/// Who challenged.
	pub challenger: AccountId,
	/// The challenger's held bond.
	pub bond: Balance,
	/// The accused executor.
	pub executor: AccountId,
	/// The disputed result's commitment.
	pub accused: ResultCommitment,
	/// The block of the challenge.
	pub opened: BlockNumber,
	/// Whether the vote was extended for lack of quorum.
	pub extended: bool,
	/// The current phase.
	pub phase: DisputePhase<BlockNumber>,
	/// The committee and its votes so far (sealed votes show only their seal).
	pub committee: alloc::vec::Vec<Member<AccountId>>,
}

/// What a node that indexes off-chain data (every opg-node does) keeps of a pruned request, under
/// [`pruned_key`]: how it ended and when it was pruned. The RPC answers a pruned id with it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PrunedRequest<AccountId, BlockNumber> {
	/// How the request ended (final, corrected, refunded or rejected, with its block).
	pub status: RequestStatus<AccountId, BlockNumber>,
	/// The block that removed it from the state.
	pub pruned_at: BlockNumber,
}

/// The prefix of the off-chain index keys of pruned requests ([`PrunedRequest`]).
pub const PRUNED_PREFIX: &[u8] = b"opg/inference/pruned/";

/// The off-chain index key (in the persistent off-chain storage) of pruned request `id`.
pub fn pruned_key(id: opg_primitives::RequestId) -> alloc::vec::Vec<u8> {
	[PRUNED_PREFIX, &id.to_le_bytes()].concat()
}

/// A model's record of service: what its requests came to, counted as they happen. Kept per
/// model ([`crate::Stats`]), also after its requests are pruned; the runtime API's
/// `model_stats` returns it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct ModelStats<Balance> {
	/// Requests made.
	pub requests: u64,
	/// Results submitted and accepted (a corrected result counts once, for its first answer).
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
	/// The fees of final and corrected requests: what the model's requesters paid.
	pub fees_paid: Balance,
}
