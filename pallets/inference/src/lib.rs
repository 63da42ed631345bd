//! # Inference
//!
//! Paid inference requests, answered by bonded executors' off-chain workers, final after a
//! challenge window.
//!
//! ## Overview
//!
//! ```text
//!  request ──► Assigned{executor, deadline} ──submit_result──► Answered{challenge_end} ──window over──► Final
//!   (fee held)      │  ▲                                                                          (fee paid)
//!                   │  └── deadline missed: reassigned to another executor (≤ MaxReassignments)
//!                   └───── deadline missed, no reassignment left or no executor: Refunded (fee released)
//! ```
//!
//! 1. A dapp calls [`request`](Pallet::request) for a **listed** model (see
//!    [`opg_primitives::ModelCatalog`]). The input is checked against the model's schema and
//!    [`Config::MaxInputBytes`]. The fee is the model's current price; it must not exceed the
//!    caller's `max_fee` and is **held** from the caller ([`HoldReason::RequestFee`]).
//! 2. The request is assigned to an active executor drawn with probability proportional to its
//!    bond (see [`opg_primitives::ExecutorSet::select`]). The random seed is
//!    [`Config::Randomness`] for the subject `("opg/assign", request id, attempt)`; in the OPG
//!    runtime that is `pallet-insecure-randomness-collective-flip` (a mix of the last 81 block
//!    hashes). **Limits:** a block author can predict the draw for requests it includes and can
//!    bias it by withholding its block; that costs it its block reward and only moves work to
//!    another bonded executor, whose answer is still subject to challenge. A VRF-based source
//!    (BABE) would remove that bias.
//! 3. The executor's node runs the model in its **off-chain worker** through the
//!    [`opg_primitives::inference`] host function (the node's candle engine), signs a
//!    [`opg_primitives::ResultStatement`] with its executor key and submits
//!    [`submit_result`](Pallet::submit_result) as an *authorized* transaction
//!    (`#[pallet::authorize]`): no fee, no nonce, valid only from the assigned executor's key,
//!    before the deadline, with an output that fits the schema and hashes to the commitment.
//! 4. The result is pending for [`Config::ChallengeWindow`] blocks (the disputes pallet adds
//!    challenges). Then `on_initialize` pays the fee: [`Config::ProtocolShare`] to the
//!    [`Config::Treasury`], the rest to the executor. The result stays in storage for dapps.
//! 5. A missed deadline reassigns the request (at most [`Config::MaxReassignments`] times) and
//!    finally refunds the requester in full.
//!
//! Deadlines and challenge windows live in two FIFO queues (every entry is due a fixed number
//! of blocks after it is pushed, so the queues are ordered by due block). `on_initialize` pops at
//! most [`Config::MaxQueueWork`] due entries from each per block: the work per block is bounded;
//! under a backlog, entries are processed a few blocks late, never dropped.
//!
//! No path loses held funds: `try_state` checks that every account's held request fees equal the
//! fees of its open (assigned or answered) requests.
//!
//! Results are open to challenge during their window: see the [`dispute`] module for the game
//! (committee, commit-reveal votes, verdicts, slashing) and [`offchain`] for the executors'
//! off-chain workers (answers, committee duty, watching).
//!
//! Runtime API: `pallet-inference-runtime-api`; JSON-RPC `inference_request`,
//! `inference_result`, `inference_pending`, `inference_dispute`: `pallet-inference-rpc`.
//!
//! See [`Config`] for the parameters and [`Call`] for the dispatchables.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod dispute;
#[cfg(test)]
mod dispute_tests;
#[cfg(test)]
mod mock;
pub mod offchain;
mod queue;
#[cfg(test)]
mod tests;
pub mod types;
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

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use codec::{Decode, Encode};
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{InspectHold, Mutate, MutateHold},
			tokens::Precision,
			Randomness,
		},
	};
	use frame_system::pallet_prelude::*;
	use opg_primitives::{
		commitment::output_hash, ExecutorKey, ExecutorSignature, InferenceInput, InferenceOutput,
		ModelCatalog, ModelHash, ResultCommitment, ResultStatement, H256,
	};
	use opg_primitives::{ExecutorSet, StakeLedger};
	use sp_runtime::{
		traits::{CheckedAdd, Saturating, Zero},
		Perbill, RuntimeAppPublic,
	};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The fee of an open request, held from the requester until the result is final (paid
		/// out) or no executor answered (released).
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
		/// The currency fees are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The listed models, with their specs and prices (the model registry).
		type Models: ModelCatalog<BalanceOf<Self>>;

		/// The bonded executors (the executors pallet), whose bonds the dispute game slashes.
		type Executors: ExecutorSet<Self::AccountId> + StakeLedger<Self::AccountId, BalanceOf<Self>>;

		/// The source of the assignment draw (see the crate docs for its limits).
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

		/// The largest SCALE-encoded input a request may carry, in bytes.
		#[pallet::constant]
		type MaxInputBytes: Get<u32>;

		/// The largest SCALE-encoded output a result may carry, in bytes.
		#[pallet::constant]
		type MaxOutputBytes: Get<u32>;

		/// The most due entries popped from each queue (deadlines, challenge windows) per block.
		#[pallet::constant]
		type MaxQueueWork: Get<u32>;

		/// The bond a challenger puts up; slashed if the executor was right.
		#[pallet::constant]
		type ChallengeBond: Get<BalanceOf<Self>>;

		/// How many executors re-run a disputed request (fewer if fewer are active).
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

		/// The part of a wrong executor's bond that is slashed.
		#[pallet::constant]
		type WrongResultSlash: Get<Perbill>;

		/// What each committee member in the majority earns from the loser's slash.
		#[pallet::constant]
		type CommitteeReward: Get<BalanceOf<Self>>;

		/// The winner's part of the loser's slash, after the committee rewards (the challenger's
		/// when the executor was wrong, the executor's when it was right); the rest goes to the
		/// treasury.
		#[pallet::constant]
		type WinnerShare: Get<Perbill>;

		/// What a committee member loses (to the treasury) for a minority vote or no vote.
		#[pallet::constant]
		type MemberPenalty: Get<BalanceOf<Self>>;

		/// The most disputes open at once.
		#[pallet::constant]
		type MaxOpenDisputes: Get<u32>;

		/// The share of other executors' results each executor's off-chain worker re-runs, until
		/// governance sets [`WatchFraction`].
		#[pallet::constant]
		type DefaultWatchFraction: Get<Perbill>;

		/// Weights of the calls and hooks, from the benchmarks.
		type WeightInfo: WeightInfo;

		/// Sets up listed models and executors for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

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

	/// Deadline queue: `(due block, request)` by position.
	#[pallet::storage]
	pub type DeadlineQueue<T: Config> =
		StorageMap<_, Twox64Concat, u64, (BlockNumberFor<T>, RequestId)>;

	/// Bounds of [`DeadlineQueue`].
	#[pallet::storage]
	pub type DeadlineQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	/// Challenge-window queue: `(block the result becomes final, request)` by position.
	#[pallet::storage]
	pub type WindowQueue<T: Config> =
		StorageMap<_, Twox64Concat, u64, (BlockNumberFor<T>, RequestId)>;

	/// Bounds of [`WindowQueue`].
	#[pallet::storage]
	pub type WindowQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

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

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A request was made and its fee held; `executor` must answer by `deadline`.
		Requested {
			request: RequestId,
			requester: T::AccountId,
			model: ModelHash,
			fee: BalanceOf<T>,
			executor: T::AccountId,
			deadline: BlockNumberFor<T>,
		},
		/// An executor missed its deadline; the request went to another one.
		Reassigned {
			request: RequestId,
			from: T::AccountId,
			to: T::AccountId,
			deadline: BlockNumberFor<T>,
		},
		/// An executor submitted a result; it is final at `challenge_end` unless challenged.
		ResultSubmitted {
			request: RequestId,
			executor: T::AccountId,
			output_hash: H256,
			trace_root: H256,
			challenge_end: BlockNumberFor<T>,
		},
		/// A result became final: `paid` went to the executor, `protocol_fee` to the treasury.
		ResultFinalized {
			request: RequestId,
			executor: T::AccountId,
			paid: BalanceOf<T>,
			protocol_fee: BalanceOf<T>,
		},
		/// No executor answered: the fee went back to the requester.
		Refunded { request: RequestId, requester: T::AccountId, amount: BalanceOf<T> },
		/// A result was challenged; `committee` re-runs it and commits sealed votes until
		/// `commit_until`.
		Challenged {
			request: RequestId,
			challenger: T::AccountId,
			executor: T::AccountId,
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
		/// The dispute is over. `slashed` came from the loser (the executor's bond when it was
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
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The model is not listed (or unknown).
		ModelNotListed,
		/// The input does not fit the model's schema.
		BadInput,
		/// The encoded input is larger than `MaxInputBytes`.
		InputTooLarge,
		/// The model's price is above the caller's `max_fee`.
		FeeAboveMax,
		/// The caller cannot hold the fee.
		InsufficientBalance,
		/// No executor is active.
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
		/// Too few executors other than the accused to reach the quorum.
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
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let expired = Self::process_deadlines(now);
			let finalized = Self::process_windows(now);
			let disputes = Self::process_disputes(now);
			T::WeightInfo::on_initialize(expired, finalized)
				.saturating_add(T::WeightInfo::process_disputes(disputes))
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
			assert!(!T::CommitPeriod::get().is_zero(), "CommitPeriod must be positive");
			assert!(!T::RevealPeriod::get().is_zero(), "RevealPeriod must be positive");
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
		/// - `input`: the input, which must fit the model's schema and `MaxInputBytes`.
		/// - `max_fee`: the most the caller agrees to pay; the fee is the model's current price.
		///
		/// Holds the fee and assigns an executor. Emits [`Event::Requested`].
		///
		/// Errors: [`Error::ModelNotListed`], [`Error::BadInput`], [`Error::InputTooLarge`],
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

		/// Submit the result of an assigned request (sent by the executor's off-chain worker).
		///
		/// - Origin: authorized (a general transaction validated by the call's own
		///   authorization: the assigned executor's key signed the statement).
		/// - `request`: the request answered.
		/// - `output`: the model's output; it must fit the schema, `MaxOutputBytes`, and hash to
		///   `commitment.output_hash`.
		/// - `commitment`: output hash and trace root.
		/// - `key`, `signature`: the executor key and its signature of the
		///   [`ResultStatement`] `(genesis hash, request, commitment)`.
		///
		/// Emits [`Event::ResultSubmitted`].
		///
		/// Errors (the transaction is invalid, so never included, for each of them):
		/// [`Error::UnknownRequest`], [`Error::NotAssigned`], [`Error::WrongExecutor`],
		/// [`Error::DeadlinePassed`], [`Error::BadSignature`], [`Error::CommitmentMismatch`],
		/// [`Error::BadOutput`], [`Error::OutputTooLarge`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::submit_result(
			(output.encoded_size() as u32).min(T::MaxOutputBytes::get())
		))]
		#[pallet::authorize(Pallet::<T>::authorize_result)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_submit_result(
			(output.encoded_size() as u32).min(T::MaxOutputBytes::get())
		))]
		pub fn submit_result(
			origin: OriginFor<T>,
			request: RequestId,
			output: InferenceOutput,
			commitment: ResultCommitment,
			key: ExecutorKey,
			signature: ExecutorSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let checked = Self::check_result(request, &output, &commitment, &key, &signature)?;
			Self::record_result(request, checked, commitment);
			Ok(())
		}

		/// Challenge a result during its challenge window.
		///
		/// - Origin: signed; [`Config::ChallengeBond`] is held from the signer until the verdict.
		/// - `request`: a request whose result is in its challenge window.
		///
		/// Draws a committee of up to [`Config::CommitteeSize`] other executors, who re-run the
		/// request and vote (commit, then reveal). Emits [`Event::Challenged`].
		///
		/// Errors: [`Error::UnknownRequest`], [`Error::NotChallengeable`], [`Error::ResultFinal`],
		/// [`Error::AlreadyDisputed`], [`Error::OwnResult`], [`Error::TooManyDisputes`],
		/// [`Error::NoCommittee`], [`Error::CannotHoldBond`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::challenge())]
		pub fn challenge(origin: OriginFor<T>, request: RequestId) -> DispatchResult {
			let challenger = ensure_signed(origin)?;
			Self::do_challenge(request, challenger)
		}

		/// A watcher's challenge: an executor's off-chain worker re-ran the request and got a
		/// different output.
		///
		/// - Origin: authorized: `key` is a registered executor's key and `signature` its
		///   signature of [`opg_primitives::DisputeStatement::Challenge`]. The bond is held from the key's
		///   executor account.
		///
		/// As [`Pallet::challenge`] otherwise, with [`Error::UnknownExecutor`] and
		/// [`Error::BadSignature`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::challenge())]
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
		/// - Origin: authorized: `key` belongs to a committee member that has not committed, the
		///   dispute is in its commit phase, and `signature` is the key's signature of
		///   [`opg_primitives::DisputeStatement::Commit`].
		/// - `seal`: [`opg_primitives::vote_seal`] of the member's answer and a secret salt.
		///
		/// Emits [`Event::VoteCommitted`], and [`Event::RevealOpened`] once every member has.
		///
		/// Errors: [`Error::NoDispute`], [`Error::WrongPhase`], [`Error::UnknownExecutor`],
		/// [`Error::NotMember`], [`Error::AlreadyCommitted`], [`Error::BadSignature`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::commit_vote())]
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
			let member = Self::check_commit(request, &seal, &key, &signature)?;
			Self::record_commit(request, member, seal);
			Ok(())
		}

		/// A committee member opens its vote (sent by its off-chain worker).
		///
		/// - Origin: authorized: the dispute is in its reveal phase and
		///   `vote_seal(request, key, commitment, salt)` is the seal `key`'s member committed.
		/// - `output`: the member's output; it must fit the schema and hash to
		///   `commitment.output_hash`.
		///
		/// Emits [`Event::VoteRevealed`]; the verdict follows in the next block once every member
		/// has revealed, or when the reveal phase ends.
		///
		/// Errors: [`Error::NoDispute`], [`Error::WrongPhase`], [`Error::UnknownExecutor`],
		/// [`Error::NotMember`], [`Error::NotCommitted`], [`Error::SealMismatch`],
		/// [`Error::CommitmentMismatch`], [`Error::BadOutput`], [`Error::OutputTooLarge`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reveal_vote(
			(output.encoded_size() as u32).min(T::MaxOutputBytes::get())
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
			let checked = Self::check_reveal(request, &output, &commitment, &salt, &key)?;
			Self::record_reveal(request, checked, commitment);
			Ok(())
		}

		/// Set the share of other executors' results each watcher re-runs.
		///
		/// - Origin: root (governance).
		///
		/// Emits [`Event::WatchFractionSet`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_watch_fraction())]
		pub fn set_watch_fraction(origin: OriginFor<T>, fraction: Perbill) -> DispatchResult {
			ensure_root(origin)?;
			WatchFraction::<T>::put(fraction);
			Self::deposit_event(Event::WatchFractionSet { fraction });
			Ok(())
		}
	}

	/// A result that passed every check, ready to be recorded.
	pub(crate) struct CheckedResult<T: Config> {
		executor: T::AccountId,
		deadline: BlockNumberFor<T>,
		output: BoundedVec<u8, T::MaxOutputBytes>,
	}

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
			let decoded =
				InferenceInput::decode(&mut &input[..]).map_err(|_| Error::<T>::BadInput)?;
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

		/// Draws an executor for attempt `attempt` of request `id`, excluding `exclude`.
		fn draw_executor(
			id: RequestId,
			attempt: u32,
			exclude: &[T::AccountId],
		) -> Option<T::AccountId> {
			let subject = (b"opg/assign", id, attempt).encode();
			let (random, _) = T::Randomness::random(&subject);
			let seed = sp_io::hashing::blake2_256(&(random, id, attempt).encode());
			T::Executors::select(&seed, exclude)
		}

		/// The genesis hash, as executors sign it.
		pub fn genesis_hash() -> H256 {
			let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			H256::decode(&mut &hash.encode()[..]).unwrap_or_default()
		}

		/// Every check of a result; shared by the authorization and the call.
		pub(crate) fn check_result(
			request: RequestId,
			output: &InferenceOutput,
			commitment: &ResultCommitment,
			key: &ExecutorKey,
			signature: &ExecutorSignature,
		) -> Result<CheckedResult<T>, Error<T>> {
			let record = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
			let RequestStatus::Assigned { executor, deadline, .. } = record.status else {
				return Err(Error::<T>::NotAssigned);
			};
			ensure!(
				T::Executors::owner_of(key).as_ref() == Some(&executor),
				Error::<T>::WrongExecutor
			);
			ensure!(
				frame_system::Pallet::<T>::block_number() <= deadline,
				Error::<T>::DeadlinePassed
			);
			let statement = ResultStatement {
				genesis: Self::genesis_hash(),
				request,
				commitment: commitment.clone(),
			};
			ensure!(key.verify(&statement.signing_payload(), signature), Error::<T>::BadSignature);
			ensure!(output_hash(output) == commitment.output_hash, Error::<T>::CommitmentMismatch);
			let input =
				InferenceInput::decode(&mut &record.input[..]).map_err(|_| Error::<T>::BadInput)?;
			record.schema.check_output(&input, output).map_err(|_| Error::<T>::BadOutput)?;
			let output =
				BoundedVec::try_from(output.encode()).map_err(|_| Error::<T>::OutputTooLarge)?;
			Ok(CheckedResult { executor, deadline, output })
		}

		/// The authorization of [`Pallet::submit_result`]: valid exactly when the call would
		/// succeed; one transaction per request (tag `("opg/result", request)`).
		pub(crate) fn authorize_result(
			_source: TransactionSource,
			request: &RequestId,
			output: &InferenceOutput,
			commitment: &ResultCommitment,
			key: &ExecutorKey,
			signature: &ExecutorSignature,
		) -> TransactionValidityWithRefund {
			let checked = Self::check_result(*request, output, commitment, key, signature)
				.map_err(|e| {
					log::debug!(target: LOG_TARGET, "result for request {request} refused: {e:?}");
					InvalidTransaction::Custom(Self::error_code(&e))
				})?;
			let longevity = checked
				.deadline
				.saturating_sub(frame_system::Pallet::<T>::block_number())
				.saturating_add(1u32.into());
			let longevity: u64 = sp_runtime::SaturatedConversion::saturated_into(longevity);
			let validity = ValidTransaction::with_tag_prefix("opg/result")
				.and_provides(request)
				.longevity(longevity)
				.propagate(true)
				.build()?;
			Ok((validity, Weight::zero()))
		}

		/// The index of an error, as the `Custom` code of an invalid transaction.
		fn error_code(error: &Error<T>) -> u8 {
			let encoded = error.encode();
			encoded.first().copied().unwrap_or(u8::MAX)
		}

		/// Records a checked result and opens its challenge window.
		fn record_result(
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
				}
			});
			Assigned::<T>::remove(&executor, request);
			let (output_hash, trace_root) = (commitment.output_hash, commitment.trace_root);
			Results::<T>::insert(
				request,
				InferenceResult { output, commitment, submitted_at: now },
			);
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

		/// Handles the deadlines due at `now` (at most `MaxQueueWork`); returns how many.
		pub(crate) fn process_deadlines(now: BlockNumberFor<T>) -> u32 {
			let mut done = 0;
			while done < T::MaxQueueWork::get() {
				let Some((due, id)) =
					queue::pop_due::<DeadlineQueue<T>, DeadlineQueueBounds<T>, _>(now)
				else {
					break;
				};
				Self::expire(id, due, now);
				done = done.saturating_add(1);
			}
			done
		}

		/// A deadline `due` of request `id` passed: reassign or refund, unless it was answered
		/// (or reassigned, with a later deadline) meanwhile.
		fn expire(id: RequestId, due: BlockNumberFor<T>, now: BlockNumberFor<T>) {
			let Some(mut record) = Requests::<T>::get(id) else { return };
			let RequestStatus::Assigned { executor, deadline, attempt } = record.status.clone()
			else {
				return;
			};
			if deadline != due {
				return;
			}
			Assigned::<T>::remove(&executor, id);
			let next = attempt.saturating_add(1);
			let reassigned = if attempt < T::MaxReassignments::get() {
				Self::draw_executor(id, next, core::slice::from_ref(&executor))
			} else {
				None
			};
			match reassigned {
				Some(to) => {
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
					let released = T::Currency::release(
						&HoldReason::RequestFee.into(),
						&record.requester,
						record.fee,
						Precision::BestEffort,
					)
					.unwrap_or_else(|e| {
						log::error!(target: LOG_TARGET, "request {id}: releasing the fee failed: {e:?}");
						Zero::zero()
					});
					let requester = record.requester.clone();
					record.status = RequestStatus::Refunded { at: now };
					Requests::<T>::insert(id, record);
					log::debug!(target: LOG_TARGET, "request {id}: no answer, refunded {released:?}");
					Self::deposit_event(Event::Refunded {
						request: id,
						requester,
						amount: released,
					});
				}
			}
		}

		/// Finalizes the results whose window ended by `now` (at most `MaxQueueWork`); returns
		/// how many.
		pub(crate) fn process_windows(now: BlockNumberFor<T>) -> u32 {
			let mut done = 0;
			while done < T::MaxQueueWork::get() {
				let Some((due, id)) =
					queue::pop_due::<WindowQueue<T>, WindowQueueBounds<T>, _>(now)
				else {
					break;
				};
				Self::finalize(id, due, now);
				done = done.saturating_add(1);
			}
			done
		}

		/// The window of request `id` ended: pay the executor and the treasury, mark it final.
		fn finalize(id: RequestId, due: BlockNumberFor<T>, now: BlockNumberFor<T>) {
			let Some(mut record) = Requests::<T>::get(id) else { return };
			let RequestStatus::Answered { executor, challenge_end } = record.status.clone() else {
				return;
			};
			if challenge_end != due {
				return;
			}
			Self::pay_fee(id, &record, core::slice::from_ref(&executor));
			record.status = RequestStatus::Final { executor, at: now };
			Requests::<T>::insert(id, record);
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
		pub fn result_details(
			id: RequestId,
		) -> Option<ResultDetails<T::AccountId, BlockNumberFor<T>>> {
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

		/// Invariants: every account's held request fees equal the fees of its open requests;
		/// every assignment is an assigned request and vice versa; every answered or final request
		/// has a result; the queues hold every open deadline and window. Run by `try-runtime`
		/// and by the tests.
		#[cfg(any(test, feature = "std", feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
			let mut open_fees = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
			let mut requesters = BTreeSet::<T::AccountId>::new();
			let deadlines: BTreeSet<(BlockNumberFor<T>, RequestId)> =
				queue::items::<DeadlineQueue<T>, DeadlineQueueBounds<T>, _>().into_iter().collect();
			let windows: BTreeSet<(BlockNumberFor<T>, RequestId)> =
				queue::items::<WindowQueue<T>, WindowQueueBounds<T>, _>().into_iter().collect();
			let mut assigned = 0usize;
			for (id, record) in Requests::<T>::iter() {
				ensure!(id < NextRequestId::<T>::get(), "request id beyond NextRequestId");
				requesters.insert(record.requester.clone());
				let open = match &record.status {
					RequestStatus::Assigned { executor, deadline, .. } => {
						assigned = assigned.saturating_add(1);
						ensure!(
							Assigned::<T>::contains_key(executor, id),
							"assigned request not in Assigned"
						);
						ensure!(
							deadlines.contains(&(*deadline, id)),
							"assigned request not in the deadline queue"
						);
						ensure!(!Results::<T>::contains_key(id), "assigned request has a result");
						true
					}
					RequestStatus::Answered { challenge_end, .. } => {
						ensure!(
							Results::<T>::contains_key(id),
							"answered request without a result"
						);
						ensure!(
							windows.contains(&(*challenge_end, id)),
							"answered request not in the window queue"
						);
						true
					}
					RequestStatus::Disputed { .. } => {
						ensure!(
							Results::<T>::contains_key(id),
							"disputed request without a result"
						);
						ensure!(
							Disputes::<T>::contains_key(id),
							"disputed request without a dispute"
						);
						true
					}
					RequestStatus::Final { .. } | RequestStatus::Corrected { .. } => {
						ensure!(Results::<T>::contains_key(id), "final request without a result");
						false
					}
					RequestStatus::Refunded { .. } => {
						ensure!(!Results::<T>::contains_key(id), "refunded request with a result");
						false
					}
				};
				if open {
					let sum = open_fees.entry(record.requester.clone()).or_insert_with(Zero::zero);
					*sum = sum.checked_add(&record.fee).ok_or("fee sum overflows")?;
				}
			}
			ensure!(Assigned::<T>::iter().count() == assigned, "Assigned has stale entries");
			for who in requesters {
				let held = T::Currency::balance_on_hold(&HoldReason::RequestFee.into(), &who);
				let open = open_fees.get(&who).copied().unwrap_or_else(Zero::zero);
				ensure!(held == open, "held fees do not match the open requests");
			}
			Self::do_try_state_disputes()
		}
	}
}
