//! # Executors
//!
//! The accounts that run inferences and validate the OPG chain, what they put at stake, and the
//! token holders who back them.
//!
//! ## Overview
//!
//! An account becomes an executor by [registering](Pallet::register) an *executor key* (key type
//! `infr`, sr25519, see [`opg_primitives::executor`]) and **bonding** at least
//! [`Config::MinBond`] OPG, held under [`HoldReason::ExecutorBond`]. The registration carries the
//! key's proof of possession for the account (its signature of `"POP_" ‖ account`, which the
//! node's `author_rotateKeysWithOwner` returns and `session.set_keys` checks too): nobody can
//! register, and so squat, a key another node holds. The key lives in the
//! keystore of the executor's node; its off-chain worker signs results, dispute votes and
//! challenges with it, so the bonded account's own key stays off the node (as a validator's stash
//! stays off its node).
//!
//! ```text
//!   register ──► Active ──unbond, a fault, a penalty below MinBond, or displaced──► Unbonding { unlocks_at }
//!               ▲ ▲  │                                                                  │   │
//!    bond_extra ┘ │  └─ set_key, set_commission                                         │   └─ withdraw (after
//!                 └──────────── bond_extra (never faulted, bond ≥ MinBond) ──────────────┘      UnbondingPeriod) ──► gone
//! ```
//!
//! The active executors are at most [`Config::MaxExecutors`]; when they are that many, a
//! newcomer with more stake than the least-staked one displaces it ([`Event::Displaced`]): the
//! set cannot be filled by cheap registrations, and unbonding ones do not hold a place.
//!
//! ## Stake: own bond plus delegations
//!
//! Any token holder may [delegate](Pallet::delegate) OPG to an active executor. Delegated OPG
//! moves into the executor's **pool**: it is held on the executor's account under
//! [`HoldReason::DelegatedStake`], which neither the executor nor anyone else can spend; only
//! this pallet moves it (back to delegators, or to whoever a slash pays). A delegation is a
//! number of *points* of the pool ([`Delegation`]); a point is worth `pool.active /
//! pool.active_points`. Rewards raise the pool's value without minting points (they compound);
//! slashes lower it. Nothing iterates delegators, so their number needs no bound.
//!
//! An executor's **stake** is its bond plus its pool's active value. Stake decides:
//! - **who validates**: at each session the [`ValidatorCount`] active executors with the most
//!   stake and with session keys set become the next validator set ([`Pallet::elect`], driven by
//!   the runtime's session manager). A set chosen at session `s` starts at `s + 2`, so joining or
//!   leaving takes one to two sessions;
//! - **who executes**: new requests (and dispute committees) are drawn among the executors that
//!   serve, the active ones that are current validators ([`Config::OnlyValidatorsServe`]), with
//!   probability proportional to stake
//!   ([`ExecutorSet::select`](opg_primitives::ExecutorSet::select)).
//!
//! **Payouts.** When an executor is paid `amount` ([`StakeLedger::reward`](opg_primitives::StakeLedger::reward)), with bond `B` and
//! pool value `A`:
//! ```text
//!   delegators_gross = floor(amount · A / (B + A))
//!   commission       = floor(commission% · delegators_gross)
//!   to the pool      = delegators_gross − commission                  (held, compounds)
//!   to the executor  = amount − to the pool                           (its free balance)
//! ```
//! Every planck of `amount` goes somewhere: rounding favours the executor.
//!
//! **Slashes: first loss on the bond.** A slash of `amount` takes the executor's own bond `B`
//! first and only the rest from the pool, its active value `A` and unbonding value `U` pro rata
//! (`P = A + U`):
//! ```text
//!   from the bond  = min(amount, B)
//!   from the pool  = min(amount − from the bond, P)
//!   from active    = floor(from the pool · A / P),   from unbonding = the rest
//! ```
//! Delegators' points are unchanged; each point is worth less. The part taken from the pool
//! always goes to [`Config::Treasury`]: delegators' funds never pay anyone the slasher names. A
//! [penalty](opg_primitives::StakeLedger::penalize) goes to the treasury whole; a
//! [fault slash](opg_primitives::StakeLedger::slash_fault) (a lost dispute) pays the slasher's
//! payees (the challenger, the committee) out of its bond part only, the rest to the treasury.
//!
//! **One fault slash per registration.** An executor's first fault ends its work at once: it
//! starts unbonding and is drawn for nothing new. Results it already gave may still be
//! disputed and lost; each such fault takes only what its slash exceeds the largest one so far
//! ([`ExecutorInfo::fault_slash`]): the largest counts, once. A new registration starts over.
//!
//! **Self-bond.** A delegation that would make the bond less than [`Config::MinSelfBond`] of the
//! stake is refused ([`Error::SelfBondTooLow`]). With `MinSelfBond` at least the market's fault
//! slash (10% of the stake in the runtime), one fault is paid from the bond alone.
//!
//! **Why lying never pays.** An attacker runs an executor with bond `B` and pool `P` and
//! controls any other accounts (challengers, even committee members). Its lie is disputed and
//! lost: the executor loses `L = min(s · (B + P), B) > 0` of its own (`s` the fault slash), and
//! the slasher pays out of `L` at most a share `w < 1` (the inference market's `WinnerShare`,
//! committee rewards included). The attacker's balance changes by at most `−(1 − w) · L < 0`,
//! however many accounts it controls; the pool's part goes to the treasury, never to it. Lies in
//! flight when the first verdict falls cost it nothing more, but pay it nothing either (payees
//! are paid from what the executor loses in that dispute, zero after the first), and the
//! executor draws no new work: twenty lies in flight cost the pool one slash, not twenty.
//!
//! **Undelegating** turns points into unbonding points worth the same; they earn nothing, stay
//! slashable (a delegator cannot escape a dispute by leaving), and are
//! [withdrawn](Pallet::withdraw_delegation) after [`Config::DelegationUnbondingPeriod`].
//!
//! **Remainders.** Converting between value and points rounds down, in the pool's favour: the
//! rounded-off planck stay in the pool, shared by the remaining points. The last delegator to
//! leave a pool takes exactly what is left, so no planck is stranded; `try_state` checks that the
//! hold always equals `active + unbonding`.
//!
//! **Commission** ([`Pallet::set_commission`]) is at most [`Config::MaxCommission`]. A decrease
//! applies at once; an increase applies [`Config::CommissionChangeDelay`] blocks later, so
//! delegators see it coming and can undelegate (unbonding points earn nothing, so an increase
//! never reaches them).
//!
//! A lost dispute [slashes](opg_primitives::StakeLedger::slash_fault) the stake and ends the
//! executor's work; an executor whose bond a penalty takes below [`Config::MinBond`] stops taking
//! work and starts unbonding too.
//!
//! ## Interface
//!
//! ### Dispatchable functions
//!
//! - [`register`](Pallet::register), [`bond_extra`](Pallet::bond_extra),
//!   [`set_key`](Pallet::set_key), [`unbond`](Pallet::unbond), [`withdraw`](Pallet::withdraw):
//!   an executor's life, from its bond to its leaving;
//! - [`set_commission`](Pallet::set_commission): an executor's cut of its delegators' share;
//! - [`delegate`](Pallet::delegate), [`undelegate`](Pallet::undelegate),
//!   [`withdraw_delegation`](Pallet::withdraw_delegation): a delegator's life;
//! - [`set_validator_count`](Pallet::set_validator_count): governance sizes the validator set.
//!
//! ### For other pallets
//!
//! Other pallets reach the executors through two traits of `opg-primitives`, which this pallet
//! implements, so that they depend on the primitives and not on this pallet:
//! - [`opg_primitives::ExecutorSet`]: the draw of an executor by stake, who owns which executor
//!   key, how many serve;
//! - [`opg_primitives::StakeLedger`]: an executor's bond and stake, its slashes and the sharing
//!   of its payouts with its delegators.
//!
//! For the runtime's sessions it offers [`Pallet::elect`] (the next validator set, for a session
//! manager) and a `OneSessionHandler` that records each session's validators ([`Validators`]).
//! For the runtime API (`pallet-executors-runtime-api`, the `staking_*` JSON-RPC):
//! [`Pallet::executor_stake`], [`Pallet::executor_stakes`], [`Pallet::delegators_of`],
//! [`Pallet::positions_of`].
//!
//! See [`Config`] for the parameters and [`Call`] for the dispatchables.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod api;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod property_tests;
mod stake;
#[cfg(test)]
mod stake_tests;
#[cfg(test)]
mod tests;
pub mod weights;

pub use api::{DelegatorPosition, DelegatorPositionOf, ExecutorStake, ExecutorStakeOf};
pub use pallet::*;
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::fungible;
use opg_primitives::{ExecutorKey, ExecutorKeyProof};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// The balance type of the currency bonds are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

const LOG_TARGET: &str = "runtime::executors";

/// Where an executor stands.
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
pub enum ExecutorStatus<BlockNumber> {
	/// Drawn for new work (where only validators serve, while it is one) and counted for the
	/// election.
	#[codec(index = 0)]
	Active,
	/// Leaving: not selected any more; the bond can be withdrawn from `unlocks_at` on.
	#[codec(index = 1)]
	Unbonding {
		/// The first block at which [`Pallet::withdraw`] succeeds.
		unlocks_at: BlockNumber,
	},
}

/// What the chain records about an executor.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ExecutorInfo<Balance, BlockNumber> {
	/// The key its node signs results with.
	pub key: ExecutorKey,
	/// The bond held from the account.
	pub bond: Balance,
	/// Active or unbonding.
	pub status: ExecutorStatus<BlockNumber>,
	/// Its cut of its delegators' share of each payout.
	pub commission: Perbill,
	/// A commission increase and the block it applies from.
	pub next_commission: Option<(Perbill, BlockNumber)>,
	/// Everything it has been paid for its work (its own share plus commission), ever.
	pub earned: Balance,
	/// The largest fault slash it suffered since it registered (zero without a fault): a later
	/// fault takes only what exceeds it.
	pub fault_slash: Balance,
}

impl<Balance, BlockNumber: PartialOrd> ExecutorInfo<Balance, BlockNumber> {
	/// The commission in force at block `now`.
	pub fn commission_at(&self, now: &BlockNumber) -> Perbill {
		match &self.next_commission {
			Some((next, from)) if now >= from => *next,
			_ => self.commission,
		}
	}
}

/// The record type of a given runtime.
pub type ExecutorInfoOf<T> =
	ExecutorInfo<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

/// The OPG delegated to one executor: an active part, which counts as stake and earns, and an
/// unbonding part, which waits to be withdrawn. Both are held on the executor's account under
/// [`HoldReason::DelegatedStake`] and both are slashable.
#[derive(
	Clone,
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
pub struct Pool<Balance> {
	/// The value of the active points.
	pub active: Balance,
	/// Active points issued.
	pub active_points: Balance,
	/// The value of the unbonding points.
	pub unbonding: Balance,
	/// Unbonding points issued.
	pub unbonding_points: Balance,
	/// How many delegations (active or unbonding) the pool has.
	pub delegators: u32,
	/// Everything ever paid into the pool as rewards.
	pub rewards: Balance,
}

/// The record type of a pool in a given runtime.
pub type PoolOf<T> = Pool<BalanceOf<T>>;

/// One delegator's position with one executor.
#[derive(
	Clone,
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
pub struct Delegation<Balance, BlockNumber> {
	/// Its active points.
	pub points: Balance,
	/// Its unbonding points.
	pub unbonding_points: Balance,
	/// When the unbonding points can be withdrawn (each undelegation restarts the wait).
	pub unlocks_at: BlockNumber,
	/// Everything it ever delegated to this executor.
	pub delegated: Balance,
	/// Everything it ever withdrew from this executor.
	pub withdrawn: Balance,
}

/// The delegation type of a given runtime.
pub type DelegationOf<T> =
	Delegation<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

// FRAME's pallet macro expands to `expect` in the storage and metadata code it generates.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::{CheckedAdd, Saturating, Zero};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// An executor's bond: slashable while the executor is registered.
		#[codec(index = 0)]
		ExecutorBond,
		/// OPG delegated to the executor holding it: its pool, owned by its delegators.
		#[codec(index = 1)]
		DelegatedStake,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency bonds are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The smallest bond an executor may have.
		#[pallet::constant]
		type MinBond: Get<BalanceOf<Self>>;

		/// Blocks between [`Pallet::unbond`] and the bond's release: long enough that every
		/// result the executor submitted is past its challenge window (and any dispute settled).
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// The most active executors. When they are that many, a newcomer (or a returning
		/// executor) with more stake than the least-staked one takes its place, which starts
		/// unbonding; unbonding executors do not count.
		#[pallet::constant]
		type MaxExecutors: Get<u32>;

		/// The smallest delegation.
		#[pallet::constant]
		type MinDelegation: Get<BalanceOf<Self>>;

		/// Blocks between [`Pallet::undelegate`] and [`Pallet::withdraw_delegation`].
		#[pallet::constant]
		type DelegationUnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// The highest commission an executor may charge.
		#[pallet::constant]
		type MaxCommission: Get<Perbill>;

		/// Blocks before a commission increase applies.
		#[pallet::constant]
		type CommissionChangeDelay: Get<BlockNumberFor<Self>>;

		/// The largest validator set [`Pallet::elect`] returns.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// The smallest part of an executor's stake (bond plus pool, active and unbonding) its
		/// own bond must be: a delegation that would take it below is refused. Slashes take the
		/// bond first, so with this at least the fault slash of the inference market, one fault
		/// is paid from the executor's own bond alone.
		#[pallet::constant]
		type MinSelfBond: Get<Perbill>;

		/// Where slashed stake goes that nobody is paid: every part of a slash taken from a pool,
		/// what the slasher did not pay out of the bond, and penalties.
		type Treasury: Get<Self::AccountId>;

		/// Whether only the current validators (as the session handler reports them) are drawn
		/// for work. `true` in a runtime whose sessions are driven by [`Pallet::elect`]; `false`
		/// where there are no sessions, and every active executor serves.
		#[pallet::constant]
		type OnlyValidatorsServe: Get<bool>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Every registered executor, by account.
	#[pallet::storage]
	pub type Executors<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, ExecutorInfoOf<T>>;

	/// Which account registered each executor key.
	#[pallet::storage]
	pub type KeyOwner<T: Config> = StorageMap<_, Blake2_128Concat, ExecutorKey, T::AccountId>;

	/// The active executors with their stake (bond plus active delegations), in registration
	/// order: the candidates of [`Pallet::elect`] and of [`ExecutorSet::select`](opg_primitives::ExecutorSet::select).
	#[pallet::storage]
	pub type Active<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, BalanceOf<T>), T::MaxExecutors>, ValueQuery>;

	/// The delegation pool of each executor that has (or had) delegators. It outlives the
	/// executor's registration until its last delegator withdraws.
	#[pallet::storage]
	pub type Pools<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, PoolOf<T>>;

	/// Delegations by executor, then delegator.
	#[pallet::storage]
	pub type Delegations<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		DelegationOf<T>,
	>;

	/// The executors each delegator has a position with (an index of [`Delegations`]).
	#[pallet::storage]
	pub type Positions<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Blake2_128Concat, T::AccountId, ()>;

	/// How many validators [`Pallet::elect`] chooses (at most [`Config::MaxValidators`]).
	#[pallet::storage]
	pub type ValidatorCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The current session's validators, as the session handler reported them.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account registered as an executor with `key`, bonding `bond`.
		Registered { executor: T::AccountId, key: ExecutorKey, bond: BalanceOf<T> },
		/// An executor added `amount` to its bond, now `bond`.
		Bonded { executor: T::AccountId, amount: BalanceOf<T>, bond: BalanceOf<T> },
		/// An unbonding executor topped its bond up and takes work again.
		Rejoined { executor: T::AccountId },
		/// The active set was full: `executor`, the least staked, starts unbonding to make room
		/// for `by`, which has more stake.
		Displaced { executor: T::AccountId, by: T::AccountId },
		/// An executor changed its key.
		KeyChanged { executor: T::AccountId, key: ExecutorKey },
		/// An executor stopped taking work; its bond unlocks at `unlocks_at`.
		Unbonding { executor: T::AccountId, unlocks_at: BlockNumberFor<T> },
		/// An executor left; `released` went back to it.
		Withdrawn { executor: T::AccountId, released: BalanceOf<T> },
		/// An executor's stake was slashed: `from_bond` of its own bond, of which `paid` went to
		/// the slasher's payees and the rest to the treasury, and `from_pool` of its delegators'
		/// pool, to the treasury. Its bond is now `bond`. `fault`: for a lost dispute (else a
		/// penalty).
		Slashed {
			executor: T::AccountId,
			from_bond: BalanceOf<T>,
			paid: BalanceOf<T>,
			from_pool: BalanceOf<T>,
			bond: BalanceOf<T>,
			fault: bool,
		},
		/// `delegator` delegated `amount` to `executor`, receiving `points`.
		Delegated {
			delegator: T::AccountId,
			executor: T::AccountId,
			amount: BalanceOf<T>,
			points: BalanceOf<T>,
		},
		/// `delegator` undelegated `amount` from `executor`; withdrawable from `unlocks_at`.
		Undelegated {
			delegator: T::AccountId,
			executor: T::AccountId,
			amount: BalanceOf<T>,
			unlocks_at: BlockNumberFor<T>,
		},
		/// `delegator` withdrew `amount` it had undelegated from `executor`.
		DelegationWithdrawn {
			delegator: T::AccountId,
			executor: T::AccountId,
			amount: BalanceOf<T>,
		},
		/// Of a payout to `executor`, `to_pool` went to its delegators (after `commission`).
		RewardShared { executor: T::AccountId, to_pool: BalanceOf<T>, commission: BalanceOf<T> },
		/// An executor's commission is `commission` from block `from` on.
		CommissionSet { executor: T::AccountId, commission: Perbill, from: BlockNumberFor<T> },
		/// Elections choose `count` validators from now on.
		ValidatorCountSet { count: u32 },
		/// The validators of the new session.
		NewValidators { validators: alloc::vec::Vec<T::AccountId> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already an executor.
		AlreadyRegistered,
		/// The account is not an executor.
		NotExecutor,
		/// Another executor registered this key.
		KeyInUse,
		/// The proof does not show that the signer's node holds the key: it must be the key's
		/// proof of possession for the signer's account.
		BadKeyProof,
		/// The bond would be below `MinBond`.
		BondTooLow,
		/// The account cannot hold that much.
		InsufficientBalance,
		/// There are `MaxExecutors` active executors, none with less stake than this one would
		/// have.
		TooManyExecutors,
		/// The executor lost a dispute: it cannot take work again under this registration.
		Faulted,
		/// The executor is unbonding.
		NotActive,
		/// The executor is not unbonding.
		NotUnbonding,
		/// The unbonding period has not passed yet.
		StillLocked,
		/// Below `MinDelegation`.
		DelegationTooLow,
		/// Executors bond more with `bond_extra` instead of delegating to themselves.
		SelfDelegation,
		/// The executor's own bond would be less than `MinSelfBond` of its stake.
		SelfBondTooLow,
		/// The account has no delegation with this executor (or nothing active in it).
		NotDelegating,
		/// Nothing is unbonding in this delegation.
		NothingUnbonding,
		/// Slashes took everything in this part of the pool; new points would be worth nothing.
		PoolWiped,
		/// The amount is too small to be worth one point.
		AmountTooSmall,
		/// Above `MaxCommission`.
		CommissionTooHigh,
		/// Zero, or above `MaxValidators`.
		BadValidatorCount,
		/// An amount overflowed.
		Overflow,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Executors at genesis: account, key, bond (held from the account).
		pub executors: alloc::vec::Vec<(T::AccountId, ExecutorKey, BalanceOf<T>)>,
		/// How many validators elections choose.
		pub validator_count: u32,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (executor, key, bond) in &self.executors {
				if let Err(e) = Pallet::<T>::do_register(executor.clone(), key.clone(), *bond) {
					panic!("genesis executor {executor:?} cannot register: {e:?}");
				}
			}
			assert!(
				self.validator_count <= T::MaxValidators::get(),
				"validator_count is above MaxValidators"
			);
			ValidatorCount::<T>::put(self.validator_count);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxExecutors::get() > 0, "MaxExecutors must be positive");
			assert!(T::MaxValidators::get() > 0, "MaxValidators must be positive");
			assert!(!T::MinBond::get().is_zero(), "MinBond must be positive");
			assert!(!T::MinDelegation::get().is_zero(), "MinDelegation must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the signer as an executor.
		///
		/// - Origin: signed; the signer becomes the executor.
		/// - `key`: the executor key its node holds (`infr`).
		/// - `bond`: held from the signer; at least [`Config::MinBond`].
		/// - `proof`: `key`'s proof of possession for the signer's account
		///   ([`opg_primitives::ExecutorKeyProof`]; the node's `author_rotateKeysWithOwner`
		///   gives it), so that nobody registers a key another node holds.
		///
		/// Emits [`Event::Registered`].
		///
		/// Errors: [`Error::BadKeyProof`], [`Error::AlreadyRegistered`], [`Error::KeyInUse`],
		/// [`Error::BondTooLow`], [`Error::TooManyExecutors`], [`Error::InsufficientBalance`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			key: ExecutorKey,
			#[pallet::compact] bond: BalanceOf<T>,
			proof: ExecutorKeyProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_key_proof(&who, &key, &proof)?;
			Self::do_register(who, key, bond)
		}

		/// Add to the signer's bond.
		///
		/// - Origin: signed by an executor, active, or unbonding without a lost dispute (after a
		///   penalty took its bond below the minimum, after [`Pallet::unbond`], or after a
		///   larger executor took its place): then it is active again once its bond is at least
		///   [`Config::MinBond`] (and there is room, see [`Config::MaxExecutors`]).
		/// - `amount`: held from the signer and added to its bond (and stake).
		///
		/// Emits [`Event::Bonded`] (and [`Event::Rejoined`]).
		///
		/// Errors: [`Error::NotExecutor`], [`Error::Faulted`], [`Error::InsufficientBalance`],
		/// [`Error::TooManyExecutors`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Executors::<T>::get(&who).ok_or(Error::<T>::NotExecutor)?;
			ensure!(info.fault_slash.is_zero(), Error::<T>::Faulted);
			let bond = info.bond.checked_add(&amount).ok_or(Error::<T>::InsufficientBalance)?;
			let rejoins = info.status != ExecutorStatus::Active && bond >= T::MinBond::get();
			if rejoins {
				Self::make_room(&who, Self::pooled(&who).saturating_add(bond))?;
			}
			T::Currency::hold(&HoldReason::ExecutorBond.into(), &who, amount)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			info.bond = bond;
			if rejoins {
				info.status = ExecutorStatus::Active;
				Active::<T>::try_mutate(|active| {
					active
						.try_push((who.clone(), Zero::zero()))
						.map_err(|_| Error::<T>::TooManyExecutors)
				})?;
			}
			Executors::<T>::insert(&who, info);
			Self::refresh_stake(&who);
			Self::deposit_event(Event::Bonded { executor: who.clone(), amount, bond });
			if rejoins {
				Self::deposit_event(Event::Rejoined { executor: who });
			}
			Ok(())
		}

		/// Replace the signer's executor key (after rotating the node's keys).
		///
		/// - Origin: signed by an executor.
		/// - `key`: the new executor key, registered by no executor.
		/// - `proof`: `key`'s proof of possession for the signer's account (as for
		///   [`Pallet::register`]).
		///
		/// Requests already assigned must then be answered with the new key. Emits
		/// [`Event::KeyChanged`].
		///
		/// Errors: [`Error::BadKeyProof`], [`Error::NotExecutor`], [`Error::KeyInUse`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_key())]
		pub fn set_key(
			origin: OriginFor<T>,
			key: ExecutorKey,
			proof: ExecutorKeyProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_key_proof(&who, &key, &proof)?;
			let mut info = Executors::<T>::get(&who).ok_or(Error::<T>::NotExecutor)?;
			ensure!(!KeyOwner::<T>::contains_key(&key), Error::<T>::KeyInUse);
			KeyOwner::<T>::remove(&info.key);
			KeyOwner::<T>::insert(&key, &who);
			info.key = key.clone();
			Executors::<T>::insert(&who, info);
			Self::deposit_event(Event::KeyChanged { executor: who, key });
			Ok(())
		}

		/// Stop taking new work; the bond unlocks after [`Config::UnbondingPeriod`].
		///
		/// - Origin: signed by an active executor.
		///
		/// Delegations stay in the pool (and slashable) until their owners undelegate. Emits
		/// [`Event::Unbonding`].
		///
		/// Errors: [`Error::NotExecutor`], [`Error::NotActive`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Executors::<T>::get(&who).ok_or(Error::<T>::NotExecutor)?;
			ensure!(info.status == ExecutorStatus::Active, Error::<T>::NotActive);
			let unlocks_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			info.status = ExecutorStatus::Unbonding { unlocks_at };
			Executors::<T>::insert(&who, info);
			Active::<T>::mutate(|active| active.retain(|(a, _)| *a != who));
			Self::deposit_event(Event::Unbonding { executor: who, unlocks_at });
			Ok(())
		}

		/// Leave: release the bond of an executor whose unbonding period has passed.
		///
		/// - Origin: signed by the unbonding executor.
		///
		/// Its pool stays until its delegators withdraw. Emits [`Event::Withdrawn`].
		///
		/// Errors: [`Error::NotExecutor`], [`Error::NotUnbonding`], [`Error::StillLocked`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Executors::<T>::get(&who).ok_or(Error::<T>::NotExecutor)?;
			let ExecutorStatus::Unbonding { unlocks_at } = info.status else {
				return Err(Error::<T>::NotUnbonding.into());
			};
			ensure!(
				frame_system::Pallet::<T>::block_number() >= unlocks_at,
				Error::<T>::StillLocked
			);
			// Whatever is held now (a slash may have taken part of the bond).
			let held = T::Currency::balance_on_hold(&HoldReason::ExecutorBond.into(), &who);
			let released = T::Currency::release(
				&HoldReason::ExecutorBond.into(),
				&who,
				held,
				Precision::BestEffort,
			)?;
			KeyOwner::<T>::remove(&info.key);
			Executors::<T>::remove(&who);
			Self::deposit_event(Event::Withdrawn { executor: who, released });
			Ok(())
		}

		/// Delegate `amount` to `executor`: it moves from the signer into the executor's pool,
		/// held there, and adds to the executor's stake.
		///
		/// - Origin: signed by any account but the executor.
		/// - `executor`: an active executor.
		/// - `amount`: at least [`Config::MinDelegation`].
		///
		/// Emits [`Event::Delegated`].
		///
		/// Errors: [`Error::NotExecutor`], [`Error::NotActive`], [`Error::SelfDelegation`],
		/// [`Error::DelegationTooLow`], [`Error::SelfBondTooLow`], [`Error::PoolWiped`],
		/// [`Error::AmountTooSmall`], [`Error::InsufficientBalance`], [`Error::Overflow`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::delegate())]
		pub fn delegate(
			origin: OriginFor<T>,
			executor: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Executors::<T>::get(&executor).ok_or(Error::<T>::NotExecutor)?;
			ensure!(info.status == ExecutorStatus::Active, Error::<T>::NotActive);
			ensure!(who != executor, Error::<T>::SelfDelegation);
			ensure!(amount >= T::MinDelegation::get(), Error::<T>::DelegationTooLow);
			let mut pool = Pools::<T>::get(&executor).unwrap_or_default();
			let stake = info
				.bond
				.checked_add(&pool.active)
				.and_then(|s| s.checked_add(&pool.unbonding))
				.and_then(|s| s.checked_add(&amount))
				.ok_or(Error::<T>::Overflow)?;
			// Rounded up, so that a stake a hair above `bond / MinSelfBond` is refused.
			let least = T::MinSelfBond::get().mul_ceil(stake);
			ensure!(info.bond >= least, Error::<T>::SelfBondTooLow);
			let points = stake::points_for(amount, pool.active, pool.active_points)
				.ok_or(Error::<T>::PoolWiped)?;
			ensure!(!points.is_zero(), Error::<T>::AmountTooSmall);
			T::Currency::transfer_and_hold(
				&HoldReason::DelegatedStake.into(),
				&who,
				&executor,
				amount,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Polite,
			)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
			let mut delegation = Delegations::<T>::get(&executor, &who).unwrap_or_default();
			if delegation == Default::default() {
				pool.delegators = pool.delegators.saturating_add(1);
				Positions::<T>::insert(&who, &executor, ());
			}
			delegation.points =
				delegation.points.checked_add(&points).ok_or(Error::<T>::Overflow)?;
			delegation.delegated = delegation.delegated.saturating_add(amount);
			pool.active = pool.active.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			pool.active_points =
				pool.active_points.checked_add(&points).ok_or(Error::<T>::Overflow)?;
			Delegations::<T>::insert(&executor, &who, delegation);
			Pools::<T>::insert(&executor, pool);
			Self::refresh_stake(&executor);
			Self::deposit_event(Event::Delegated { delegator: who, executor, amount, points });
			Ok(())
		}

		/// Undelegate up to `amount` (its value now) from `executor`; everything if `amount` is
		/// at least the delegation's value. The points become unbonding points: they stop
		/// counting as stake and earning at once, stay slashable, and can be withdrawn after
		/// [`Config::DelegationUnbondingPeriod`] (a later undelegation restarts the wait).
		///
		/// - Origin: signed by the delegator. Works whatever the executor's state.
		/// - `executor`: the executor delegated to.
		/// - `amount`: the value to undelegate.
		///
		/// Emits [`Event::Undelegated`] with the value undelegated.
		///
		/// Errors: [`Error::NotDelegating`], [`Error::AmountTooSmall`], [`Error::PoolWiped`],
		/// [`Error::Overflow`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::undelegate())]
		pub fn undelegate(
			origin: OriginFor<T>,
			executor: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut delegation =
				Delegations::<T>::get(&executor, &who).ok_or(Error::<T>::NotDelegating)?;
			ensure!(!delegation.points.is_zero(), Error::<T>::NotDelegating);
			let mut pool = Pools::<T>::get(&executor).ok_or(Error::<T>::NotDelegating)?;
			let burn =
				stake::points_to_burn(amount, delegation.points, pool.active, pool.active_points);
			let value = stake::value_of(burn, pool.active, pool.active_points);
			ensure!(!burn.is_zero(), Error::<T>::AmountTooSmall);
			// Points a slash left worthless can only be given up all at once, for nothing.
			ensure!(!value.is_zero() || burn == delegation.points, Error::<T>::AmountTooSmall);
			let minted = if value.is_zero() {
				Zero::zero()
			} else {
				stake::points_for(value, pool.unbonding, pool.unbonding_points)
					.filter(|minted| !minted.is_zero())
					.ok_or(Error::<T>::PoolWiped)?
			};
			pool.active = pool.active.saturating_sub(value);
			pool.active_points = pool.active_points.saturating_sub(burn);
			pool.unbonding = pool.unbonding.checked_add(&value).ok_or(Error::<T>::Overflow)?;
			pool.unbonding_points =
				pool.unbonding_points.checked_add(&minted).ok_or(Error::<T>::Overflow)?;
			let unlocks_at = frame_system::Pallet::<T>::block_number()
				.saturating_add(T::DelegationUnbondingPeriod::get());
			delegation.points = delegation.points.saturating_sub(burn);
			if !minted.is_zero() {
				delegation.unbonding_points = delegation.unbonding_points.saturating_add(minted);
				delegation.unlocks_at = unlocks_at;
			}
			Self::store(&executor, &who, delegation, pool);
			Self::refresh_stake(&executor);
			Self::deposit_event(Event::Undelegated {
				delegator: who,
				executor,
				amount: value,
				unlocks_at,
			});
			Ok(())
		}

		/// Withdraw what the signer undelegated from `executor`, once its wait is over: the
		/// unbonding points' value now (less than undelegated if a slash hit meanwhile).
		///
		/// - Origin: signed by the delegator.
		/// - `executor`: the executor it undelegated from.
		///
		/// Emits [`Event::DelegationWithdrawn`].
		///
		/// Errors: [`Error::NotDelegating`], [`Error::NothingUnbonding`], [`Error::StillLocked`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::withdraw_delegation())]
		pub fn withdraw_delegation(origin: OriginFor<T>, executor: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut delegation =
				Delegations::<T>::get(&executor, &who).ok_or(Error::<T>::NotDelegating)?;
			ensure!(!delegation.unbonding_points.is_zero(), Error::<T>::NothingUnbonding);
			ensure!(
				frame_system::Pallet::<T>::block_number() >= delegation.unlocks_at,
				Error::<T>::StillLocked
			);
			let mut pool = Pools::<T>::get(&executor).ok_or(Error::<T>::NotDelegating)?;
			let burn = delegation.unbonding_points;
			let value = stake::value_of(burn, pool.unbonding, pool.unbonding_points);
			if !value.is_zero() {
				T::Currency::transfer_on_hold(
					&HoldReason::DelegatedStake.into(),
					&executor,
					&who,
					value,
					Precision::Exact,
					Restriction::Free,
					Fortitude::Force,
				)?;
			}
			pool.unbonding = pool.unbonding.saturating_sub(value);
			pool.unbonding_points = pool.unbonding_points.saturating_sub(burn);
			delegation.unbonding_points = Zero::zero();
			delegation.withdrawn = delegation.withdrawn.saturating_add(value);
			Self::store(&executor, &who, delegation, pool);
			Self::deposit_event(Event::DelegationWithdrawn {
				delegator: who,
				executor,
				amount: value,
			});
			Ok(())
		}

		/// Set the signer's commission: its cut of its delegators' share of each payout.
		///
		/// - Origin: signed by an executor.
		/// - `commission`: at most [`Config::MaxCommission`]. A decrease applies at once (and
		///   cancels a pending increase); an increase applies after
		///   [`Config::CommissionChangeDelay`] blocks.
		///
		/// Emits [`Event::CommissionSet`] with the block it applies from.
		///
		/// Errors: [`Error::NotExecutor`], [`Error::CommissionTooHigh`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_commission())]
		pub fn set_commission(origin: OriginFor<T>, commission: Perbill) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Executors::<T>::get(&who).ok_or(Error::<T>::NotExecutor)?;
			ensure!(commission <= T::MaxCommission::get(), Error::<T>::CommissionTooHigh);
			let now = frame_system::Pallet::<T>::block_number();
			let current = info.commission_at(&now);
			let from = if commission <= current {
				info.commission = commission;
				info.next_commission = None;
				now
			} else {
				let from = now.saturating_add(T::CommissionChangeDelay::get());
				info.commission = current;
				info.next_commission = Some((commission, from));
				from
			};
			Executors::<T>::insert(&who, info);
			Self::deposit_event(Event::CommissionSet { executor: who, commission, from });
			Ok(())
		}

		/// Set how many validators elections choose, from the next election on.
		///
		/// - Origin: root (a referendum on the root track).
		/// - `count`: from 1 to [`Config::MaxValidators`].
		///
		/// Emits [`Event::ValidatorCountSet`].
		///
		/// Errors: [`Error::BadValidatorCount`].
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_validator_count())]
		pub fn set_validator_count(origin: OriginFor<T>, count: u32) -> DispatchResult {
			ensure_root(origin)?;
			ensure!(count > 0 && count <= T::MaxValidators::get(), Error::<T>::BadValidatorCount);
			ValidatorCount::<T>::put(count);
			Self::deposit_event(Event::ValidatorCountSet { count });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Checks and records a registration, holding the bond.
		pub fn do_register(
			who: T::AccountId,
			key: ExecutorKey,
			bond: BalanceOf<T>,
		) -> DispatchResult {
			ensure!(!Executors::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(!KeyOwner::<T>::contains_key(&key), Error::<T>::KeyInUse);
			ensure!(bond >= T::MinBond::get(), Error::<T>::BondTooLow);
			// A returning executor's pool may still hold delegations: they count again.
			let stake = bond.saturating_add(Self::pooled(&who));
			Self::make_room(&who, stake)?;
			T::Currency::hold(&HoldReason::ExecutorBond.into(), &who, bond)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Active::<T>::try_mutate(|active| {
				active.try_push((who.clone(), stake)).map_err(|_| Error::<T>::TooManyExecutors)
			})?;
			KeyOwner::<T>::insert(&key, &who);
			Executors::<T>::insert(
				&who,
				ExecutorInfo {
					key: key.clone(),
					bond,
					status: ExecutorStatus::Active,
					commission: Perbill::zero(),
					next_commission: None,
					earned: Zero::zero(),
					fault_slash: Zero::zero(),
				},
			);
			log::debug!(target: LOG_TARGET, "executor {who:?} registered, bond {bond:?}");
			Self::deposit_event(Event::Registered { executor: who, key, bond });
			Ok(())
		}

		/// Writes a delegation and its pool back, removing the delegation once it holds no
		/// points and the pool once it has no delegators (the last one out took every planck).
		fn store(
			executor: &T::AccountId,
			delegator: &T::AccountId,
			delegation: DelegationOf<T>,
			mut pool: PoolOf<T>,
		) {
			if delegation.points.is_zero() && delegation.unbonding_points.is_zero() {
				Delegations::<T>::remove(executor, delegator);
				Positions::<T>::remove(delegator, executor);
				pool.delegators = pool.delegators.saturating_sub(1);
			} else {
				Delegations::<T>::insert(executor, delegator, delegation);
			}
			if pool.delegators == 0 {
				Pools::<T>::remove(executor);
			} else {
				Pools::<T>::insert(executor, pool);
			}
		}

		/// The executor record of `who`.
		pub fn executor(who: &T::AccountId) -> Option<ExecutorInfoOf<T>> {
			Executors::<T>::get(who)
		}

		/// Checks `key`'s proof of possession for `who`: its signature of `"POP_" ‖
		/// who.encode()`, the statement `session.set_keys` checks too.
		fn check_key_proof(
			who: &T::AccountId,
			key: &ExecutorKey,
			proof: &ExecutorKeyProof,
		) -> DispatchResult {
			use sp_runtime::RuntimeAppPublic;
			ensure!(
				who.using_encoded(|owner| key.verify_proof_of_possession(owner, proof)),
				Error::<T>::BadKeyProof
			);
			Ok(())
		}

		/// The active value of `who`'s pool (zero without one).
		fn pooled(who: &T::AccountId) -> BalanceOf<T> {
			Pools::<T>::get(who).map(|p| p.active).unwrap_or_else(Zero::zero)
		}

		/// Room in the active set for `who` with `stake`: nothing to do below
		/// [`Config::MaxExecutors`]; at it, the least-staked active executor (the latest of
		/// equals) starts unbonding if `stake` is larger, else [`Error::TooManyExecutors`].
		/// Checks only when `who` is not active already.
		fn make_room(who: &T::AccountId, stake: BalanceOf<T>) -> DispatchResult {
			let active = Active::<T>::get();
			if (active.len() as u32) < T::MaxExecutors::get()
				|| active.iter().any(|(a, _)| a == who)
			{
				return Ok(());
			}
			let Some((least, least_stake)) = active.iter().rev().min_by_key(|(_, s)| *s).cloned()
			else {
				return Err(Error::<T>::TooManyExecutors.into());
			};
			ensure!(stake > least_stake, Error::<T>::TooManyExecutors);
			let unlocks_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			Executors::<T>::mutate(&least, |info| {
				if let Some(info) = info {
					info.status = ExecutorStatus::Unbonding { unlocks_at };
				}
			});
			Active::<T>::mutate(|set| set.retain(|(a, _)| *a != least));
			log::info!(target: LOG_TARGET, "executor {least:?} ({least_stake:?}) makes room for {who:?} ({stake:?}), unbonding");
			Self::deposit_event(Event::Displaced { executor: least.clone(), by: who.clone() });
			Self::deposit_event(Event::Unbonding { executor: least, unlocks_at });
			Ok(())
		}
	}
}
