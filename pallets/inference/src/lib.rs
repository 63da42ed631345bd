//! # Inference
//!
//! Paid inference requests, answered by staked executors' off-chain workers, final after a
//! challenge window; a challenged result goes to a dispute game.
//!
//! - [`Config`]
//! - [`Call`]
//! - [`Pallet`]
//!
//! ## Overview
//!
//! The pallet holds two domains that meet at a small internal interface ([`dispute`]):
//!
//! - **the market**: requests, their assignment to executors, results, deadlines, challenge
//!   windows, and the fee's payout;
//! - **the dispute game**: what becomes of a result somebody challenged. Today a committee of
//!   other executors re-runs the request and votes, commit then reveal
//!   ([`dispute::committee`]).
//!
//! Executors, their keys and their stake belong to the executors pallet, the models and their
//! prices to the model registry; this pallet knows them through
//! [`opg_primitives::ExecutorSet`], [`opg_primitives::StakeLedger`] and
//! [`opg_primitives::ModelCatalog`] ([`Config::Executors`], [`Config::Models`]).
//!
//! ## The life of a request
//!
//! ```text
//!  request ──► Drawing{at} ──next block──► Assigned{executor, deadline} ──submit_results─► Answered{challenge_end} ──window over──► Final
//!  (fee held)    ▲    │                      │                                              │                               (fee paid)
//!                │    └─ nobody serves:      │                                              └─challenge─► Disputed ─verdict─┬─► Final      (executor right)
//!                │       Refunded            │                                                                              ├─► Corrected  (executor wrong)
//!                └── deadline missed or declined: drawn again (at most MaxReassignments times)                              └─► Refunded   (no verdict)
//!                                            ├──── deadline missed or declined, nobody left: Refunded (fee released)
//!                                            └──── declined as unrunnable by RejectQuorum executors: Rejected (fee to the treasury)
//! ```
//!
//! 1. **Request** ([`Pallet::request`]). A dapp asks for a **listed** model. The input is checked
//!    against the model's schema and [`Config::MaxInputBytes`]. The fee is the model's current
//!    price (for a text-generation model, per token: the price times the schema's prompt bound
//!    plus the prompt's `max_new_tokens`, [`opg_primitives::IoSchema::billable_units`]); it
//!    must not exceed the caller's `max_fee` and is **held** from the caller
//!    ([`HoldReason::RequestFee`]) until the request closes.
//! 2. **Assignment.** The request goes to an executor drawn among those that serve (active and,
//!    where the runtime lets only validators serve, in the current validator set) with
//!    probability proportional to its **stake**: its bond plus its delegators' active pool
//!    ([`opg_primitives::ExecutorSet::select`]). The seed is `blake2_256(random, id, attempt)`
//!    with `random` from [`Config::Randomness`] for the subject `("opg/assign", id, attempt)`.
//!    In the OPG runtime that is the randomness pallet: blake2-256 of the subject and a seed
//!    that every block's author moves forward with its VRF, before the block's transactions.
//!    **The draw is made a block later** ([`RequestStatus::Drawing`], [`DrawQueue`]): the
//!    block after the one that includes the request draws it in `on_poll`, after its
//!    inherents and before its transactions ([`Event::Assigned`]). The requester cannot know
//!    that seed when it signs; the author of the including block, which knows its own seed
//!    while it orders and selects transactions, does not know the next one; the author of the
//!    drawing block cannot grind its VRF, nor change what is queued. Reassignments are drawn
//!    the same way. **Admission:** an executor holds at most [`Config::MaxBacklog`] requests
//!    ([`Backlog`]); the draw passes over a full one, and when every executor that could take
//!    the request is full, it waits in the draw queue, in order, with no deadline running. The
//!    queue holds at most [`Config::MaxWaiting`] requests ([`Error::MarketFull`] beyond).
//! 3. **Answer.** The executor's node runs the model in its **off-chain worker** through the
//!    [`opg_primitives::inference`] host function (the node's candle engine), signs a
//!    [`opg_primitives::ResultStatement`] with its executor key and submits it with the
//!    executor's other results of the block in one [`submit_results`](Pallet::submit_results),
//!    an *authorized* transaction (`#[pallet::authorize]`): no signer, no fee, no nonce. Each
//!    result is valid only from the assigned executor's key, before the deadline, with an
//!    output that fits the schema and hashes to the commitment; one that is not is refused on
//!    its own ([`Event::ResultRefused`]). The worker's work per block is bounded by time
//!    ([`offchain::answer::ANSWER_BUDGET_MS`]), not by a count.
//! 4. **Deadline.** A missed deadline reassigns the request to another executor (at most
//!    [`Config::MaxReassignments`] times, never to the one that missed it); then, or when no
//!    other executor serves, the requester is refunded in full. An executor whose engine cannot
//!    run the request does not wait for the deadline: it **declines** it
//!    ([`decline`](Pallet::decline), signed and authorized like a result) with the engine's
//!    error, and the request moves on at once. When the error is the request's own fault (an
//!    input that fits the schema but not what the model runs, such as too many tokens:
//!    [`opg_primitives::InferenceError::is_request_fault`]) and [`Config::RejectQuorum`]
//!    distinct executors have said so, the request is **rejected**: the fee goes to the
//!    treasury, so a poison request costs its requester the fee, while no executor gains by
//!    declining.
//! 5. **Challenge window.** The result is open to challenge for [`Config::ChallengeWindow`]
//!    blocks: by anyone ([`challenge`](Pallet::challenge), bonding [`Config::ChallengeBond`]),
//!    and by the executors' watchers, which re-run a secret sample ([`WatchFraction`]) of the
//!    other executors' results and challenge a differing one
//!    ([`watcher_challenge`](Pallet::watcher_challenge)). A challenge hands the result to the
//!    dispute game and suspends the window.
//! 6. **Payout.** When the window ends unchallenged, `on_initialize` pays the fee (for a
//!    per-token model, what the answer used: the rest goes back to the requester first,
//!    [`Event::UnusedFeeReleased`]): [`Config::ProtocolShare`] to the [`Config::Treasury`], the rest to the executor, whose
//!    delegators get their share less its commission
//!    ([`opg_primitives::StakeLedger::reward`]). The result stays in storage for dapps for
//!    [`Retention`] blocks, then the request is pruned (see below).
//! 7. **Verdict.** The game closes a disputed request: the executor was right (final, fee paid
//!    as in 6, the challenger's bond slashed), wrong (its stake slashed, its result replaced by
//!    the majority's, the fee to the majority: `Corrected`), or no verdict (`Refunded`).
//!
//! Deadlines, draws and challenge windows live in three FIFO queues (every entry is due a fixed
//! number of blocks after it is pushed, so the queues are ordered by due block).
//! `on_initialize` pops at most [`Config::MaxQueueWork`] due deadlines and windows per block,
//! `on_poll` as many draws within the weight left in the block: the work per block is bounded;
//! under a backlog, entries are processed a few blocks late, never dropped. The ends of the
//! disputes' phases are kept in [`DisputeDeadlines`], at most [`Config::MaxOpenDisputes`].
//!
//! The state stays bounded: a finished request (final, corrected, refunded or rejected) enters a
//! fourth queue, [`PruneQueue`], and [`Retention`] blocks later `on_initialize` removes it with
//! its result and dispute outcome (at most [`Config::MaxQueueWork`] per block). Its events stay
//! in its blocks; the node's off-chain index keeps how it ended ([`PrunedRequest`]), which the
//! RPC answers for a pruned id. The off-chain workers prune their own marks
//! ([`offchain::marks`]).
//!
//! No path loses held funds: `try_state` checks that every account's held request fees equal the
//! fees of its open (drawing, assigned, answered or disputed) requests, and its held challenge bonds the
//! bonds of its open disputes.
//!
//! ## Interface
//!
//! ### Dispatchable functions
//!
//! - [`request`](Pallet::request): a dapp asks for an inference; the fee is held.
//! - [`submit_results`](Pallet::submit_results): an executor's worker answers the requests
//!   assigned to it, many in one transaction (authorized).
//! - [`decline`](Pallet::decline): the assigned executor's worker cannot run the request and
//!   says why (authorized).
//! - [`challenge`](Pallet::challenge): anyone challenges a result in its window, with a bond.
//! - [`watcher_challenge`](Pallet::watcher_challenge): an executor's watcher challenges
//!   (authorized).
//! - [`commit_vote`](Pallet::commit_vote), [`reveal_vote`](Pallet::reveal_vote): a committee
//!   member's sealed vote and its opening (authorized).
//! - [`set_watch_fraction`](Pallet::set_watch_fraction): governance sets the watchers' sample.
//! - [`set_retention`](Pallet::set_retention): governance sets how long finished requests stay.
//!
//! ### Public functions
//!
//! - [`Pallet::request_details`], [`Pallet::result_details`], [`Pallet::pending`],
//!   [`Pallet::dispute_details`], [`Pallet::dispute_outcome`], [`Pallet::is_pruned`]: what the
//!   runtime API returns.
//! - [`Pallet::do_request`]: a request without the call (for benchmarks and other pallets).
//! - [`Pallet::request_digest`], [`Pallet::result_statement`]: what executors sign about a
//!   request (bound to the chain and to the request itself, not to its id alone).
//! - [`Pallet::do_try_state`]: the invariants.
//!
//! ## Code map
//!
//! The code follows the life of a request; `lib.rs` declares the configuration, storage, events,
//! errors, hooks and calls, whose bodies call into:
//! - `requests.rs`: the request, the draw, deadlines, reassignment and refunds;
//! - `results.rs`: the checks of a result, the challenge window, challenges, and how the game's
//!   verdict closes a request (the market's side of the seam);
//! - `payout.rs`: the fee's split between the treasury and the earners, and its release;
//! - [`dispute`]: the seam between the market and the game, and [`dispute::committee`], the game;
//! - `authorization.rs`: the validity of the authorized calls (one builder, one error code);
//! - `views.rs`: what the runtime API returns ([`RequestDetails`], [`ResultDetails`],
//!   [`DisputeDetails`], [`DisputeOutcome`]; the types are in [`types`]);
//! - `prune.rs`: finished requests leave the state after [`Retention`] blocks;
//! - `invariants.rs`: `try_state`;
//! - [`offchain`]: the executors' off-chain worker (answer, committee duty, watching);
//! - `queue.rs`: the FIFO storage queue of deadlines, draws, windows and prunes.
//!
//! Runtime API: `pallet-inference-runtime-api`; JSON-RPC `inference_request`,
//! `inference_result`, `inference_pending`, `inference_dispute`: `pallet-inference-rpc`.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod authorization;
#[cfg(test)]
mod batch_tests;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod decline_tests;
pub mod dispute;
#[cfg(test)]
mod dispute_tests;
#[cfg(any(test, feature = "std", feature = "try-runtime"))]
mod invariants;
#[cfg(test)]
mod mock;
pub mod offchain;
mod payout;
#[cfg(test)]
mod property_tests;
mod prune;
#[cfg(test)]
mod prune_tests;
mod queue;
mod requests;
mod results;
#[cfg(test)]
mod slash_tests;
#[cfg(test)]
mod tests;
pub mod types;
mod views;
pub mod weights;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;
use opg_primitives::RequestId;

/// The balance type of the currency fees are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// The request record of a given runtime.
pub type RequestOf<T> = Request<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::MaxInputBytes,
>;

/// The result record of a given runtime.
pub type ResultOf<T> =
	InferenceResult<frame_system::pallet_prelude::BlockNumberFor<T>, <T as Config>::MaxOutputBytes>;

/// The dispute record of a given runtime.
pub type DisputeOf<T> = Dispute<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::CommitteeSize,
>;

/// The status type of a given runtime.
pub type StatusOf<T> = RequestStatus<
	<T as frame_system::Config>::AccountId,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

pub(crate) const LOG_TARGET: &str = "runtime::inference";

/// What the benchmarks need from the runtime: a way to list a model and register executors,
/// which belong to other pallets.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Lists a model with this schema (at the price the runtime likes) and returns its hash.
	fn list_model(schema: opg_primitives::IoSchema) -> opg_primitives::ModelHash;
	/// Registers `who` (funding it) as an active executor with `key`.
	fn register_executor(who: &AccountId, key: opg_primitives::ExecutorKey);
	/// Takes out of the draw every executor whose key the benchmark keystore cannot sign with
	/// (genesis executors), so that every drawn executor can sign its result.
	fn retire_executors_without_local_keys() {}
}

// FRAME's pallet macro expands to `expect` in the storage and metadata code it generates.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::dispute::{committee::Committee, DisputeGame, Game};
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Mutate, MutateHold},
			Randomness,
		},
	};
	use frame_system::pallet_prelude::*;
	use opg_primitives::{
		ExecutorKey, ExecutorSet, ExecutorSignature, InferenceError, InferenceInput,
		InferenceOutput, ModelCatalog, ModelHash, ResultCommitment, StakeLedger, H256,
	};
	use sp_runtime::{traits::Zero, Perbill};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The fee of an open request, held from the requester until the request closes: paid
		/// out when the result is final (or corrected), released when no executor answered or a
		/// dispute reached no verdict.
		#[codec(index = 0)]
		RequestFee,
		/// The bond of an open challenge, held from the challenger until the verdict.
		#[codec(index = 1)]
		ChallengeBond,
	}

	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
	{
		// The market: requests, results, fees.

		/// The currency fees (and challenge bonds) are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The listed models, with their specs and prices (the model registry).
		type Models: ModelCatalog<BalanceOf<Self>>;

		/// The executors (the executors pallet): who serves and owns which key, drawn by stake
		/// ([`ExecutorSet`]); and their stake ([`StakeLedger`]), which fees reward and the dispute
		/// game slashes.
		type Executors: ExecutorSet<Self::AccountId> + StakeLedger<Self::AccountId, BalanceOf<Self>>;

		/// The source of the draws of executors, for assignments and committees (see the crate
		/// docs for its limits).
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// Where the protocol's share of fees goes.
		#[pallet::constant]
		type Treasury: Get<Self::AccountId>;

		/// The part of every fee paid to the treasury; the rest goes to the executor.
		#[pallet::constant]
		type ProtocolShare: Get<Perbill>;

		/// Blocks an executor has to get its result included, counted from the assignment.
		#[pallet::constant]
		type ResponseTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks a result stays open to challenge before it is final and paid.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;

		/// How many times a request whose executor missed the deadline is given to another one
		/// before it is refunded.
		#[pallet::constant]
		type MaxReassignments: Get<u32>;

		/// How many distinct executors must decline a request as its own fault (its input cannot
		/// run on any engine) before the requester pays: the fee goes to the treasury (never to
		/// the executors, who would gain from declining). Fewer declines only move the request
		/// on. At least 1, at most `MaxReassignments + 1`.
		#[pallet::constant]
		type RejectQuorum: Get<u32>;

		/// The largest SCALE-encoded input a request may carry, in bytes.
		#[pallet::constant]
		type MaxInputBytes: Get<u32>;

		/// The largest SCALE-encoded output a result may carry, in bytes.
		#[pallet::constant]
		type MaxOutputBytes: Get<u32>;

		/// The most due entries popped from each queue (deadlines, draws, challenge windows) per
		/// block (draws also stop when the block's weight is spent; the rest wait a block).
		#[pallet::constant]
		type MaxQueueWork: Get<u32>;

		/// The most results one [`Pallet::submit_results`] transaction carries.
		#[pallet::constant]
		type MaxResultsPerBatch: Get<u32>;

		/// The most requests assigned to one executor at once (its [`Backlog`]). A draw passes
		/// over an executor that holds this many; when every executor that could take a request
		/// does, the request waits in the draw queue, in order, and its deadline does not run.
		/// Set it to what an executor answers well within [`Config::ResponseTimeout`], so that
		/// no request is reassigned because of the queue ahead of it.
		#[pallet::constant]
		type MaxBacklog: Get<u32>;

		/// The most requests waiting for their executor's draw ([`DrawQueue`]). A request made
		/// while this many wait fails with [`Error::MarketFull`] (its fee is not held);
		/// reassignments always queue.
		#[pallet::constant]
		type MaxWaiting: Get<u32>;

		/// The pool priority of the executors' authorized transactions (results, watchers'
		/// challenges, committee votes). Set it at least as high as any signed transaction's, so
		/// that spam neither delays nor evicts them: they carry no fee, and each is valid once per
		/// request (and committee member), so the priority cannot be bought or used to flood the
		/// pool.
		/// They are also of the `Operational` class, which keeps a part of every block for them,
		/// even one that a session rotation fills.
		#[pallet::constant]
		type ExecutorPriority: Get<TransactionPriority>;

		// The dispute game (the committee).

		/// The bond a challenger puts up; slashed if the executor was right.
		#[pallet::constant]
		type ChallengeBond: Get<BalanceOf<Self>>;

		/// How many executors re-run a disputed request (fewer if fewer serve).
		#[pallet::constant]
		type CommitteeSize: Get<u32>;

		/// How many matching votes a verdict needs (and more than half of the revealed votes).
		#[pallet::constant]
		type Quorum: Get<u32>;

		/// Blocks the committee has to commit sealed votes.
		#[pallet::constant]
		type CommitPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks the committee has to reveal its votes.
		#[pallet::constant]
		type RevealPeriod: Get<BlockNumberFor<Self>>;

		/// The part of a wrong executor's stake that is slashed: its own bond first, its
		/// delegators' pool only for what the bond cannot cover (and that part to the treasury).
		#[pallet::constant]
		type WrongResultSlash: Get<Perbill>;

		/// What each committee member in the majority earns from the loser's slash (while the
		/// winner's share lasts, when the executor was wrong).
		#[pallet::constant]
		type CommitteeReward: Get<BalanceOf<Self>>;

		/// What is paid out of a loser's slash. Executor wrong: this part of what the executor
		/// loses from its own bond, the committee rewards first and the rest to the challenger.
		/// Executor right: after the committee rewards, this part of the challenger's bond to the
		/// executor. The rest goes to the treasury. Below 100%, so that a self-challenge costs.
		#[pallet::constant]
		type WinnerShare: Get<Perbill>;

		/// What a committee member loses from its stake (to the treasury) for a minority vote or
		/// no vote.
		#[pallet::constant]
		type MemberPenalty: Get<BalanceOf<Self>>;

		/// The most disputes open at once.
		#[pallet::constant]
		type MaxOpenDisputes: Get<u32>;

		// Watching, and the machinery.

		/// The share of other executors' results each executor's off-chain worker re-runs, until
		/// governance sets [`WatchFraction`].
		#[pallet::constant]
		type DefaultWatchFraction: Get<Perbill>;

		/// Blocks a finished request (final, corrected, refunded or rejected) is kept, with its
		/// result and dispute outcome, before it is pruned, until genesis or governance sets
		/// [`Retention`]. Positive.
		#[pallet::constant]
		type DefaultRetention: Get<BlockNumberFor<Self>>;

		/// Weights of the calls and hooks, from the benchmarks.
		type WeightInfo: WeightInfo;

		/// Sets up listed models and executors for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	// The market.

	/// The id the next request gets.
	#[pallet::storage]
	pub type NextRequestId<T: Config> = StorageValue<_, RequestId, ValueQuery>;

	/// Every request, open or closed, by id.
	#[pallet::storage]
	pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, RequestOf<T>>;

	/// Every submitted result, by request id.
	#[pallet::storage]
	pub type Results<T: Config> = StorageMap<_, Twox64Concat, RequestId, ResultOf<T>>;

	/// The requests each executor has to answer now (its off-chain worker reads this).
	#[pallet::storage]
	pub type Assigned<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RequestId, ()>;

	/// How many requests each executor holds in [`Assigned`] (at most [`Config::MaxBacklog`]).
	#[pallet::storage]
	pub type Backlog<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The executors that missed their deadline on a request still waiting for its result, in
	/// order: a reassignment draws among the others.
	#[pallet::storage]
	pub type Missed<T: Config> = StorageMap<
		_,
		Twox64Concat,
		RequestId,
		BoundedVec<T::AccountId, T::MaxReassignments>,
		ValueQuery,
	>;

	/// How many executors declined a request still waiting for its result as the request's own
	/// fault (always fewer than [`Config::RejectQuorum`]; cleared when the request moves on for
	/// good).
	#[pallet::storage]
	pub type Rejections<T: Config> = StorageMap<_, Twox64Concat, RequestId, u32, ValueQuery>;

	/// Deadline queue: `(due block, request)` by position.
	#[pallet::storage]
	pub type DeadlineQueue<T: Config> =
		StorageMap<_, Twox64Concat, u64, (BlockNumberFor<T>, RequestId)>;

	/// Bounds of [`DeadlineQueue`].
	#[pallet::storage]
	pub type DeadlineQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	/// Draw queue: `(block whose randomness draws the executor, request)` by position; every
	/// entry is due in the block after it is pushed.
	#[pallet::storage]
	pub type DrawQueue<T: Config> =
		StorageMap<_, Twox64Concat, u64, (BlockNumberFor<T>, RequestId)>;

	/// Bounds of [`DrawQueue`].
	#[pallet::storage]
	pub type DrawQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	/// Challenge-window queue: `(block the result becomes final, request)` by position.
	#[pallet::storage]
	pub type WindowQueue<T: Config> =
		StorageMap<_, Twox64Concat, u64, (BlockNumberFor<T>, RequestId)>;

	/// Bounds of [`WindowQueue`].
	#[pallet::storage]
	pub type WindowQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	// The dispute game (the committee).

	/// Open disputes, by request.
	#[pallet::storage]
	pub type Disputes<T: Config> = StorageMap<_, Twox64Concat, RequestId, DisputeOf<T>>;

	/// The end of every open dispute's current phase: `(last block, request)`.
	#[pallet::storage]
	pub type DisputeDeadlines<T: Config> =
		StorageValue<_, BoundedVec<(BlockNumberFor<T>, RequestId), T::MaxOpenDisputes>, ValueQuery>;

	/// Outputs revealed in open disputes that differ from the disputed one, by request and
	/// output hash (the first reveal of each output stores it).
	#[pallet::storage]
	pub type DisputeOutputs<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RequestId,
		Identity,
		H256,
		BoundedVec<u8, T::MaxOutputBytes>,
	>;

	/// How each dispute ended, by request.
	#[pallet::storage]
	pub type DisputeOutcomes<T: Config> = StorageMap<
		_,
		Twox64Concat,
		RequestId,
		DisputeOutcome<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
	>;

	#[pallet::type_value]
	pub fn DefaultWatchFraction<T: Config>() -> Perbill {
		T::DefaultWatchFraction::get()
	}

	/// The share of other executors' results each executor's off-chain worker re-runs.
	#[pallet::storage]
	pub type WatchFraction<T: Config> =
		StorageValue<_, Perbill, ValueQuery, DefaultWatchFraction<T>>;

	// Pruning.

	#[pallet::type_value]
	pub fn DefaultRetention<T: Config>() -> BlockNumberFor<T> {
		T::DefaultRetention::get()
	}

	/// Each model's record of service ([`ModelStats`]): its requests counted as they are made,
	/// answered, challenged and finished. One entry per model ever requested (the registry
	/// bounds the models), kept when its requests are pruned.
	#[pallet::storage]
	pub type Stats<T: Config> =
		StorageMap<_, Blake2_128Concat, ModelHash, ModelStats<BalanceOf<T>>, ValueQuery>;

	/// Blocks a finished request is kept before it is pruned ([`PruneQueue`]).
	#[pallet::storage]
	pub type Retention<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, DefaultRetention<T>>;

	/// Prune queue: `(block the request finished in, request)` by position, in the order
	/// requests finish. An entry is pruned once [`Retention`] blocks have passed.
	#[pallet::storage]
	pub type PruneQueue<T: Config> =
		StorageMap<_, Twox64Concat, u64, (BlockNumberFor<T>, RequestId)>;

	/// Bounds of [`PruneQueue`].
	#[pallet::storage]
	pub type PruneQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Blocks a finished request is kept ([`Retention`]); `None` keeps
		/// [`Config::DefaultRetention`].
		pub retention: Option<BlockNumberFor<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(retention) = self.retention {
				assert!(!retention.is_zero(), "the genesis retention must be positive");
				Retention::<T>::put(retention);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A request was made and its fee held; its executor is drawn in block `draw_at`
		/// ([`Event::Assigned`]).
		Requested {
			request: RequestId,
			requester: T::AccountId,
			model: ModelHash,
			fee: BalanceOf<T>,
			draw_at: BlockNumberFor<T>,
		},
		/// The request's executor was drawn (for reassignment `attempt`, 0 the first time): it
		/// must answer by `deadline`.
		Assigned {
			request: RequestId,
			executor: T::AccountId,
			attempt: u32,
			deadline: BlockNumberFor<T>,
		},
		/// The assigned executor declined the request: its engine cannot run it, for `reason`.
		/// The request moves on at once (reassigned, refunded or rejected, in the next event).
		Declined { request: RequestId, executor: T::AccountId, reason: InferenceError },
		/// Enough executors declined the request as its own fault: its `fee` went to the
		/// treasury.
		Rejected { request: RequestId, requester: T::AccountId, fee: BalanceOf<T> },
		/// An executor missed its deadline (or declined); another one is drawn in block
		/// `draw_at` ([`Event::Assigned`]).
		Reassigned { request: RequestId, from: T::AccountId, draw_at: BlockNumberFor<T> },
		/// An executor submitted a result; it is final at `challenge_end` unless challenged.
		ResultSubmitted {
			request: RequestId,
			executor: T::AccountId,
			output_hash: H256,
			trace_root: H256,
			challenge_end: BlockNumberFor<T>,
		},
		/// A result in an executor's batch was refused for `error` (the batch's other results
		/// stand): answered already, past its deadline, a bad signature or output...
		ResultRefused { request: RequestId, error: DispatchError },
		/// A result became final: `paid` went to the executor, `protocol_fee` to the treasury.
		ResultFinalized {
			request: RequestId,
			executor: T::AccountId,
			paid: BalanceOf<T>,
			protocol_fee: BalanceOf<T>,
		},
		/// A result used less of a per-token model than the fee held paid for: `amount` went
		/// back to the requester before the rest was paid.
		UnusedFeeReleased { request: RequestId, requester: T::AccountId, amount: BalanceOf<T> },
		/// No executor answered in time, or a dispute reached no verdict: the fee went back to the
		/// requester.
		Refunded { request: RequestId, requester: T::AccountId, amount: BalanceOf<T> },
		/// A result was challenged; its committee is drawn in block `draw_at`
		/// ([`Event::CommitteeDrawn`]).
		Challenged {
			request: RequestId,
			challenger: T::AccountId,
			executor: T::AccountId,
			draw_at: BlockNumberFor<T>,
		},
		/// A challenged result's committee was drawn: it re-runs the request and commits sealed
		/// votes until `commit_until`.
		CommitteeDrawn {
			request: RequestId,
			committee: alloc::vec::Vec<T::AccountId>,
			commit_until: BlockNumberFor<T>,
		},
		/// A committee member committed a sealed vote.
		VoteCommitted { request: RequestId, member: T::AccountId },
		/// Every member committed, or the commit phase ended: reveals are open until `until`.
		RevealOpened { request: RequestId, until: BlockNumberFor<T> },
		/// A committee member opened its vote.
		VoteRevealed { request: RequestId, member: T::AccountId, output_hash: H256 },
		/// No quorum: the members who did not reveal were replaced by `added`, who commit until
		/// `commit_until`.
		DisputeExtended {
			request: RequestId,
			added: alloc::vec::Vec<T::AccountId>,
			commit_until: BlockNumberFor<T>,
		},
		/// A committee member voted with the minority or not at all and lost `amount`.
		MemberPenalized { request: RequestId, member: T::AccountId, amount: BalanceOf<T> },
		/// The dispute is over. `slashed` came from the loser (the executor's stake when it was
		/// wrong, the challenger's bond when the executor was right; zero without quorum):
		/// `to_winner` to the challenger or the executor, `to_committee` to the majority,
		/// `to_treasury` to the treasury.
		DisputeResolved {
			request: RequestId,
			verdict: Verdict,
			slashed: BalanceOf<T>,
			to_winner: BalanceOf<T>,
			to_committee: BalanceOf<T>,
			to_treasury: BalanceOf<T>,
		},
		/// A wrong result was replaced by the committee's; the fee went to the majority.
		ResultCorrected { request: RequestId, executor: T::AccountId, output_hash: H256 },
		/// Governance changed the share of results watchers re-run.
		WatchFractionSet { fraction: Perbill },
		/// Governance changed how long finished requests are kept.
		RetentionSet { blocks: BlockNumberFor<T> },
		/// `count` requests that finished [`Retention`] blocks ago were removed from the state,
		/// with their results and dispute outcomes (their events stay in their blocks).
		Pruned { count: u32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The model is not listed (or unknown).
		ModelNotListed,
		/// The input does not fit the model's schema, or holds a NaN or infinite value.
		BadInput,
		/// The encoded input is larger than `MaxInputBytes`.
		InputTooLarge,
		/// The model's price is above the caller's `max_fee`.
		FeeAboveMax,
		/// The caller cannot hold the fee.
		InsufficientBalance,
		/// No executor serves.
		NoExecutor,
		/// No request has this id.
		UnknownRequest,
		/// The request is not waiting for a result.
		NotAssigned,
		/// The key is not the assigned executor's.
		WrongExecutor,
		/// The deadline has passed.
		DeadlinePassed,
		/// The signature does not match the key and statement.
		BadSignature,
		/// The output does not hash to the commitment's output hash.
		CommitmentMismatch,
		/// The output does not fit the model's schema for this input.
		BadOutput,
		/// The encoded output is larger than `MaxOutputBytes`.
		OutputTooLarge,
		/// The request has no result open to challenge (not answered yet, or refunded).
		NotChallengeable,
		/// The result is final: its challenge window is over.
		ResultFinal,
		/// The result is already disputed.
		AlreadyDisputed,
		/// An executor cannot challenge its own result.
		OwnResult,
		/// Too few executors other than the accused serve to reach the quorum.
		NoCommittee,
		/// `MaxOpenDisputes` disputes are open.
		TooManyDisputes,
		/// The challenger cannot hold the challenge bond.
		CannotHoldBond,
		/// The request is not disputed.
		NoDispute,
		/// The key's executor is not on the dispute's committee.
		NotMember,
		/// The dispute is not in the phase this vote belongs to.
		WrongPhase,
		/// The member already committed (or revealed).
		AlreadyCommitted,
		/// The member has no sealed vote to open.
		NotCommitted,
		/// The revealed vote and salt do not open the member's seal.
		SealMismatch,
		/// The key is not a registered executor's.
		UnknownExecutor,
		/// A batch of results holds none.
		NoResults,
		/// `MaxWaiting` requests are waiting for their executor's draw: try again later.
		MarketFull,
		/// The result was computed under another version of the canonical arithmetic than the
		/// one this runtime checks (`opg_primitives::OPSET`).
		UnsupportedOpset,
		/// A retention of zero blocks would prune results before anyone can read them.
		ZeroRetention,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let expired = Self::process_deadlines(now);
			let finalized = Self::process_windows(now);
			let disputes = Game::<T>::process(now);
			let pruned = Self::process_prunes(now);
			// A per-token request's payout also reads its result (`charged_fee`), which the
			// benchmark (tensor results) does not: one read per finalized result on top.
			let results_read = T::DbWeight::get().reads(u64::from(finalized));
			T::WeightInfo::on_initialize(expired, finalized)
				.saturating_add(results_read)
				.saturating_add(T::WeightInfo::process_disputes(disputes))
				.saturating_add(T::WeightInfo::prune(pruned))
		}

		/// Draws the executors of the requests queued in earlier blocks, now that this block's
		/// randomness is known and before any of its transactions.
		fn on_poll(now: BlockNumberFor<T>, meter: &mut frame_support::weights::WeightMeter) {
			Self::process_draws(now, meter);
			Game::<T>::draw_committees(now, meter);
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			offchain::run::<T>(now);
		}

		fn integrity_test() {
			assert!(!T::ResponseTimeout::get().is_zero(), "ResponseTimeout must be positive");
			assert!(!T::ChallengeWindow::get().is_zero(), "ChallengeWindow must be positive");
			assert!(T::MaxQueueWork::get() > 0, "MaxQueueWork must be positive");
			assert!(T::Quorum::get() > 0, "Quorum must be positive");
			assert!(
				T::Quorum::get() <= T::CommitteeSize::get(),
				"Quorum must not exceed CommitteeSize"
			);
			assert!(
				(1..=T::MaxReassignments::get().saturating_add(1))
					.contains(&T::RejectQuorum::get()),
				"RejectQuorum must be in 1..=MaxReassignments + 1"
			);
			assert!(!T::CommitPeriod::get().is_zero(), "CommitPeriod must be positive");
			assert!(!T::RevealPeriod::get().is_zero(), "RevealPeriod must be positive");
			assert!(!T::DefaultRetention::get().is_zero(), "DefaultRetention must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Request an inference.
		///
		/// - Origin: signed; the signer pays.
		/// - `model`: a listed model's content hash.
		/// - `input`: the input, which must fit the model's schema and [`Config::MaxInputBytes`].
		/// - `max_fee`: the most the caller agrees to pay; the fee is the model's current price,
		///   per token for a text-generation model (the most tokens the request could use are
		///   held, the unused part goes back at payout: [`Event::UnusedFeeReleased`]).
		///
		/// Holds the fee and queues the draw of an executor by stake, made in the next block
		/// (from that block's randomness, before its transactions). Emits
		/// [`Event::Requested`], and then [`Event::Assigned`] in the next block.
		///
		/// Errors: [`Error::ModelNotListed`], [`Error::InputTooLarge`], [`Error::BadInput`],
		/// [`Error::FeeAboveMax`], [`Error::NoExecutor`], [`Error::InsufficientBalance`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::request(
			(input.encoded_size() as u32).min(T::MaxInputBytes::get())
		))]
		pub fn request(
			origin: OriginFor<T>,
			model: ModelHash,
			input: InferenceInput,
			max_fee: BalanceOf<T>,
		) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			Self::do_request(requester, model, input, max_fee).map(|_| ())
		}

		/// Submit the results of requests assigned to one executor (sent by its off-chain
		/// worker: one transaction per executor per block carries all it answered).
		///
		/// - Origin: authorized (a general transaction validated by the call's own
		///   authorization, which runs every check of every result).
		/// - `key`: the executor's registered key.
		/// - `results`: at most [`Config::MaxResultsPerBatch`]; each names a request assigned to
		///   `key`'s executor and before its deadline, with the model's output (which must fit
		///   the schema and [`Config::MaxOutputBytes`], and hash to `commitment.output_hash`),
		///   its commitment (output hash and trace root), and `key`'s signature of the
		///   [`opg_primitives::ResultStatement`] `(request's digest, attempt, executor,
		///   commitment)`.
		///
		/// Each result is checked and recorded on its own: a good one opens its challenge
		/// window ([`Event::ResultSubmitted`]); one that fails a check is refused
		/// ([`Event::ResultRefused`] with the error) and the others stand. The transaction is
		/// valid while at least one of its results is, and provides one tag per valid result
		/// (`("opg/result", request)`), so the pool keeps one result per request.
		///
		/// Errors of a result (in [`Event::ResultRefused`], or, when every result fails, the
		/// transaction is invalid with the first one's): [`Error::UnknownRequest`],
		/// [`Error::NotAssigned`], [`Error::WrongExecutor`], [`Error::DeadlinePassed`],
		/// [`Error::UnsupportedOpset`], [`Error::BadSignature`], [`Error::CommitmentMismatch`],
		/// [`Error::BadOutput`], [`Error::OutputTooLarge`]. An empty batch is
		/// [`Error::NoResults`].
		#[pallet::call_index(8)]
		#[pallet::weight((Pallet::<T>::results_weight(results), DispatchClass::Operational))]
		#[pallet::authorize(Pallet::<T>::authorize_results)]
		#[pallet::weight_of_authorize(Pallet::<T>::authorize_results_weight(results))]
		pub fn submit_results(
			origin: OriginFor<T>,
			key: ExecutorKey,
			results: BoundedVec<SubmittedResult, T::MaxResultsPerBatch>,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			Self::do_submit_results(&key, results.into_inner())
		}

		/// Decline an assigned request the executor's engine cannot run (sent by its off-chain
		/// worker instead of a result).
		///
		/// - Origin: authorized, like [`Pallet::submit_results`] (the authorization runs every
		///   check of the call).
		/// - `request`: the request declined, assigned to `key`'s executor and before its
		///   deadline.
		/// - `reason`: the engine's error.
		/// - `key`: the assigned executor's registered key.
		/// - `signature`: `key`'s signature of the [`opg_primitives::DeclineStatement`]
		///   `(request's digest, attempt, executor, reason)`.
		///
		/// The request moves on at once, as if the deadline had passed, and the executor is not
		/// drawn for it again; declining costs the executor nothing but the fee it gives up.
		/// When the reason is the request's own fault
		/// ([`InferenceError::is_request_fault`]) and [`Config::RejectQuorum`] distinct
		/// executors have said so, the request is rejected instead: its fee goes to the
		/// treasury. Emits [`Event::Declined`], then [`Event::Reassigned`],
		/// [`Event::Refunded`] or [`Event::Rejected`].
		///
		/// Errors (the transaction is invalid, so never included, for each of them):
		/// [`Error::UnknownRequest`], [`Error::NotAssigned`], [`Error::WrongExecutor`],
		/// [`Error::DeadlinePassed`], [`Error::BadSignature`].
		#[pallet::call_index(7)]
		#[pallet::weight((T::WeightInfo::decline(), DispatchClass::Operational))]
		#[pallet::authorize(Pallet::<T>::authorize_decline)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_decline())]
		pub fn decline(
			origin: OriginFor<T>,
			request: RequestId,
			reason: InferenceError,
			key: ExecutorKey,
			signature: ExecutorSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let (executor, _) = Self::check_decline(request, &reason, &key, &signature)?;
			Self::do_decline(request, executor, reason);
			Ok(())
		}

		/// Challenge a result during its challenge window: the dispute game judges it again.
		///
		/// - Origin: signed by anyone but the result's executor; [`Config::ChallengeBond`] is held
		///   from the signer until the verdict.
		/// - `request`: a request whose result is in its challenge window.
		///
		/// The next block draws a committee of up to [`Config::CommitteeSize`] executors other
		/// than the accused (from that block's randomness), who re-run the request and vote
		/// (commit, then reveal); the request is disputed until the verdict. Emits
		/// [`Event::Challenged`], and [`Event::CommitteeDrawn`] in the next block.
		///
		/// Errors: [`Error::UnknownRequest`], [`Error::NotChallengeable`],
		/// [`Error::AlreadyDisputed`], [`Error::ResultFinal`], [`Error::OwnResult`],
		/// [`Error::TooManyDisputes`], [`Error::NoCommittee`], [`Error::CannotHoldBond`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::challenge())]
		pub fn challenge(origin: OriginFor<T>, request: RequestId) -> DispatchResult {
			let challenger = ensure_signed(origin)?;
			Self::do_challenge(request, challenger)
		}

		/// A watcher's challenge: an executor's off-chain worker re-ran the request and got a
		/// different output.
		///
		/// - Origin: authorized (the authorization runs every check of the call, the bond's
		///   included).
		/// - `request`: a request whose result is in its challenge window.
		/// - `key`: the watcher's registered executor key; [`Config::ChallengeBond`] is held from
		///   its executor account until the verdict.
		/// - `signature`: `key`'s signature of [`opg_primitives::DisputeStatement::Challenge`]
		///   `(request's digest)`.
		///
		/// As [`Pallet::challenge`] otherwise. Emits [`Event::Challenged`].
		///
		/// Errors (the transaction is invalid, so never included, for each of them):
		/// [`Error::UnknownExecutor`], [`Error::BadSignature`], and those of
		/// [`Pallet::challenge`].
		#[pallet::call_index(3)]
		#[pallet::weight((T::WeightInfo::challenge(), DispatchClass::Operational))]
		#[pallet::authorize(Pallet::<T>::authorize_watcher_challenge)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_watcher_challenge())]
		pub fn watcher_challenge(
			origin: OriginFor<T>,
			request: RequestId,
			key: ExecutorKey,
			signature: ExecutorSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let watcher = Self::check_watcher_challenge(request, &key, &signature)?;
			Self::do_challenge(request, watcher)
		}

		/// A committee member commits its sealed vote (sent by its off-chain worker).
		///
		/// - Origin: authorized (the authorization runs every check of the call).
		/// - `request`: a disputed request in its commit phase.
		/// - `seal`: [`opg_primitives::vote_seal`] of the request, `key`, the commitment of the
		///   member's own run and a secret salt.
		/// - `key`: the executor key of a committee member that has not committed yet.
		/// - `signature`: `key`'s signature of [`opg_primitives::DisputeStatement::Commit`]
		///   `(request's digest, seal)`.
		///
		/// Emits [`Event::VoteCommitted`], and [`Event::RevealOpened`] once every member has.
		///
		/// Errors (the transaction is invalid, so never included, for each of them):
		/// [`Error::NoDispute`], [`Error::UnknownExecutor`], [`Error::NotMember`],
		/// [`Error::WrongPhase`], [`Error::AlreadyCommitted`], [`Error::BadSignature`].
		#[pallet::call_index(4)]
		#[pallet::weight((T::WeightInfo::commit_vote(), DispatchClass::Operational))]
		#[pallet::authorize(Pallet::<T>::authorize_commit)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_commit_vote())]
		pub fn commit_vote(
			origin: OriginFor<T>,
			request: RequestId,
			seal: H256,
			key: ExecutorKey,
			signature: ExecutorSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let seat = Committee::<T>::check_commit(request, &seal, &key, &signature)?;
			Committee::<T>::record_commit(request, seat, seal);
			Ok(())
		}

		/// A committee member opens its vote (sent by its off-chain worker).
		///
		/// - Origin: authorized (the authorization runs every check of the call).
		/// - `request`: a disputed request in its reveal phase.
		/// - `output`: the member's output; it must fit the schema and [`Config::MaxOutputBytes`],
		///   and hash to `commitment.output_hash`.
		/// - `commitment`: the commitment of the member's run; its output hash is the vote.
		/// - `salt`: the secret salt of the seal.
		/// - `key`: the member's executor key. `vote_seal(request, key, commitment, salt)` must be
		///   the seal it committed; no signature is needed, as only the member knows the salt.
		///
		/// Emits [`Event::VoteRevealed`]; the verdict follows in the next block once every member
		/// has revealed, or when the reveal phase ends.
		///
		/// Errors (the transaction is invalid, so never included, for each of them):
		/// [`Error::NoDispute`], [`Error::UnknownExecutor`], [`Error::NotMember`],
		/// [`Error::WrongPhase`], [`Error::NotCommitted`], [`Error::SealMismatch`],
		/// [`Error::CommitmentMismatch`], [`Error::BadOutput`], [`Error::OutputTooLarge`].
		#[pallet::call_index(5)]
		#[pallet::weight((
			T::WeightInfo::reveal_vote(
				(output.encoded_size() as u32).min(T::MaxOutputBytes::get())
			),
			DispatchClass::Operational
		))]
		#[pallet::authorize(Pallet::<T>::authorize_reveal)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_reveal_vote(
			(output.encoded_size() as u32).min(T::MaxOutputBytes::get())
		))]
		pub fn reveal_vote(
			origin: OriginFor<T>,
			request: RequestId,
			output: InferenceOutput,
			commitment: ResultCommitment,
			salt: [u8; 32],
			key: ExecutorKey,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let checked = Committee::<T>::check_reveal(request, &output, &commitment, &salt, &key)?;
			Committee::<T>::record_reveal(request, checked, commitment);
			Ok(())
		}

		/// Set the share of other executors' results each watcher re-runs.
		///
		/// - Origin: root (governance).
		/// - `fraction`: from zero (nobody watches) to one (every result is sampled).
		///
		/// Emits [`Event::WatchFractionSet`].
		///
		/// Errors: only a bad origin.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_watch_fraction())]
		pub fn set_watch_fraction(origin: OriginFor<T>, fraction: Perbill) -> DispatchResult {
			ensure_root(origin)?;
			WatchFraction::<T>::put(fraction);
			Self::deposit_event(Event::WatchFractionSet { fraction });
			Ok(())
		}

		/// Set how long finished requests are kept before they are pruned.
		///
		/// - Origin: root (governance).
		/// - `blocks`: the retention, counted from the block a request finished in (final,
		///   corrected, refunded or rejected); applies at once to every finished request, those
		///   already waiting included. A shorter retention prunes the backlog it creates at
		///   [`Config::MaxQueueWork`] requests per block.
		///
		/// Emits [`Event::RetentionSet`].
		///
		/// Errors: [`Error::ZeroRetention`].
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_retention())]
		pub fn set_retention(origin: OriginFor<T>, blocks: BlockNumberFor<T>) -> DispatchResult {
			ensure_root(origin)?;
			ensure!(!blocks.is_zero(), Error::<T>::ZeroRetention);
			Retention::<T>::put(blocks);
			Self::deposit_event(Event::RetentionSet { blocks });
			Ok(())
		}
	}
}
