//! # Executors
//!
//! The accounts that run inferences for the OPG chain, and what they put at stake.
//!
//! ## Overview
//!
//! An account becomes an executor by [registering](Pallet::register) an *executor key* (key type
//! `infr`, sr25519, see [`opg_primitives::executor`]) and **bonding** at least
//! [`Config::MinBond`] OPG, held under [`HoldReason::ExecutorBond`]. The key lives in the
//! keystore of the executor's node; its off-chain worker signs results with it, so the bonded
//! account's own key stays off the node (as a validator's stash stays off its node).
//!
//! ```text
//!   register ──► Active ──unbond──► Unbonding { unlocks_at } ──withdraw (after UnbondingPeriod)──► gone
//!                 ▲  │                                                       (bond released)
//!     bond_extra ─┘  └─ set_key
//! ```
//!
//! Only active executors are [selected](ExecutorSet::select) for new work, with probability
//! proportional to their bond. An unbonding executor still answers what it was assigned, and its
//! bond stays held (and slashable by the dispute game) until it withdraws.
//!
//! A lost dispute [slashes](SlashExecutor::slash) part of the bond; an executor left with less
//! than [`Config::MinBond`] stops taking work and starts unbonding.
//!
//! Room is left for delegation: selection weighs [`ExecutorInfo::bond`] only today; delegated
//! stake would add to it.
//!
//! See [`Config`] for the parameters and [`Call`] for the dispatchables.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use pallet::*;
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::fungible;
use opg_primitives::ExecutorKey;
use scale_info::TypeInfo;

/// The balance type of the currency bonds are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

const LOG_TARGET: &str = "runtime::executors";

/// Where an executor stands.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum ExecutorStatus<BlockNumber> {
	/// Selectable for new requests.
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
}

/// The record type of a given runtime.
pub type ExecutorInfoOf<T> =
	ExecutorInfo<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

/// What other pallets (inference, disputes) ask of the executor set.
pub trait ExecutorSet<AccountId> {
	/// An active executor not in `exclude`, drawn with probability proportional to its bond from
	/// the 32 random bytes `seed`; `None` if no active executor is left.
	fn select(seed: &[u8; 32], exclude: &[AccountId]) -> Option<AccountId>;
	/// The executor that registered `key`, active or unbonding.
	fn owner_of(key: &ExecutorKey) -> Option<AccountId>;
	/// The key registered by `executor`.
	fn key_of(executor: &AccountId) -> Option<ExecutorKey>;
	/// How many executors are active.
	fn active_count() -> u32;
}

/// Slashing of executors' bonds, for the dispute game.
pub trait SlashExecutor<AccountId, Balance> {
	/// The bond `executor` has at stake (zero if it is not an executor).
	fn bond_of(executor: &AccountId) -> Balance;
	/// Moves up to `amount` of `executor`'s bond to `to`'s free balance; returns how much moved.
	/// An executor whose bond falls below the minimum stops taking work: it is unbonding from
	/// then on, with its full unbonding period ahead.
	fn slash(executor: &AccountId, amount: Balance, to: &AccountId) -> Balance;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::{CheckedAdd, Saturating, UniqueSaturatedInto, Zero};

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

		/// The most executors (active or unbonding).
		#[pallet::constant]
		type MaxExecutors: Get<u32>;

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

	/// The active executors with their bonds, in registration order: the set [`ExecutorSet::select`]
	/// draws from.
	#[pallet::storage]
	pub type Active<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, BalanceOf<T>), T::MaxExecutors>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account registered as an executor with `key`, bonding `bond`.
		Registered { executor: T::AccountId, key: ExecutorKey, bond: BalanceOf<T> },
		/// An executor added `amount` to its bond, now `bond`.
		Bonded { executor: T::AccountId, amount: BalanceOf<T>, bond: BalanceOf<T> },
		/// An executor changed its key.
		KeyChanged { executor: T::AccountId, key: ExecutorKey },
		/// An executor stopped taking work; its bond unlocks at `unlocks_at`.
		Unbonding { executor: T::AccountId, unlocks_at: BlockNumberFor<T> },
		/// An executor left; `released` went back to it.
		Withdrawn { executor: T::AccountId, released: BalanceOf<T> },
		/// `amount` of an executor's bond went to `to`; its bond is now `bond`.
		Slashed { executor: T::AccountId, amount: BalanceOf<T>, to: T::AccountId, bond: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already an executor.
		AlreadyRegistered,
		/// The account is not an executor.
		NotExecutor,
		/// Another executor registered this key.
		KeyInUse,
		/// The bond would be below `MinBond`.
		BondTooLow,
		/// The account cannot hold that much.
		InsufficientBalance,
		/// There are `MaxExecutors` executors already.
		TooManyExecutors,
		/// The executor is unbonding.
		NotActive,
		/// The executor is not unbonding.
		NotUnbonding,
		/// The unbonding period has not passed yet.
		StillLocked,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Executors at genesis: account, key, bond (held from the account).
		pub executors: alloc::vec::Vec<(T::AccountId, ExecutorKey, BalanceOf<T>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (executor, key, bond) in &self.executors {
				if let Err(e) = Pallet::<T>::do_register(executor.clone(), key.clone(), *bond) {
					panic!("genesis executor {executor:?} cannot register: {e:?}");
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxExecutors::get() > 0, "MaxExecutors must be positive");
			assert!(!T::MinBond::get().is_zero(), "MinBond must be positive");
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
		///
		/// Emits [`Event::Registered`].
		///
		/// Errors: [`Error::AlreadyRegistered`], [`Error::KeyInUse`], [`Error::BondTooLow`],
		/// [`Error::TooManyExecutors`], [`Error::InsufficientBalance`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			key: ExecutorKey,
			#[pallet::compact] bond: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, key, bond)
		}

		/// Add to the signer's bond.
		///
		/// - Origin: signed by an active executor.
		///
		/// Emits [`Event::Bonded`].
		///
		/// Errors: [`Error::NotExecutor`], [`Error::NotActive`], [`Error::InsufficientBalance`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Executors::<T>::get(&who).ok_or(Error::<T>::NotExecutor)?;
			ensure!(info.status == ExecutorStatus::Active, Error::<T>::NotActive);
			let bond = info.bond.checked_add(&amount).ok_or(Error::<T>::InsufficientBalance)?;
			T::Currency::hold(&HoldReason::ExecutorBond.into(), &who, amount)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			info.bond = bond;
			Executors::<T>::insert(&who, info);
			Active::<T>::mutate(|active| {
				if let Some(entry) = active.iter_mut().find(|(a, _)| *a == who) {
					entry.1 = bond;
				}
			});
			Self::deposit_event(Event::Bonded { executor: who, amount, bond });
			Ok(())
		}

		/// Replace the signer's executor key (after rotating the node's keys).
		///
		/// - Origin: signed by an executor.
		///
		/// Requests already assigned must then be answered with the new key. Emits
		/// [`Event::KeyChanged`].
		///
		/// Errors: [`Error::NotExecutor`], [`Error::KeyInUse`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_key())]
		pub fn set_key(origin: OriginFor<T>, key: ExecutorKey) -> DispatchResult {
			let who = ensure_signed(origin)?;
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
		/// Emits [`Event::Unbonding`].
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
		/// Emits [`Event::Withdrawn`].
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
			ensure!(frame_system::Pallet::<T>::block_number() >= unlocks_at, Error::<T>::StillLocked);
			// Whatever is held now (a slash may have taken part of the bond).
			let held = T::Currency::balance_on_hold(&HoldReason::ExecutorBond.into(), &who);
			let released =
				T::Currency::release(&HoldReason::ExecutorBond.into(), &who, held, Precision::BestEffort)?;
			KeyOwner::<T>::remove(&info.key);
			Executors::<T>::remove(&who);
			Self::deposit_event(Event::Withdrawn { executor: who, released });
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
			ensure!(Executors::<T>::count() < T::MaxExecutors::get(), Error::<T>::TooManyExecutors);
			let mut active = Active::<T>::get();
			active.try_push((who.clone(), bond)).map_err(|_| Error::<T>::TooManyExecutors)?;
			T::Currency::hold(&HoldReason::ExecutorBond.into(), &who, bond)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Active::<T>::put(active);
			KeyOwner::<T>::insert(&key, &who);
			Executors::<T>::insert(
				&who,
				ExecutorInfo { key: key.clone(), bond, status: ExecutorStatus::Active },
			);
			log::debug!(target: LOG_TARGET, "executor {who:?} registered, bond {bond:?}");
			Self::deposit_event(Event::Registered { executor: who, key, bond });
			Ok(())
		}

		/// The executor record of `who`.
		pub fn executor(who: &T::AccountId) -> Option<ExecutorInfoOf<T>> {
			Executors::<T>::get(who)
		}

		/// Invariants: the active set is exactly the active records with their bonds, keys map
		/// back to their executors, and every executor's hold is its bond. Run by `try-runtime`
		/// and by the tests.
		#[cfg(any(test, feature = "std", feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let active = Active::<T>::get();
			let mut count = 0u32;
			let mut active_records = 0u32;
			for (who, info) in Executors::<T>::iter() {
				count = count.saturating_add(1);
				ensure!(KeyOwner::<T>::get(&info.key) == Some(who.clone()), "key owner mismatch");
				let held = T::Currency::balance_on_hold(&HoldReason::ExecutorBond.into(), &who);
				ensure!(held == info.bond, "held bond does not match the record");
				if info.status == ExecutorStatus::Active {
					active_records = active_records.saturating_add(1);
					ensure!(
						active.iter().any(|(a, b)| *a == who && *b == info.bond),
						"active executor missing from the active set"
					);
				}
			}
			ensure!(count == Executors::<T>::count(), "executor count does not match the records");
			ensure!(active_records as usize == active.len(), "active set has extra entries");
			ensure!(
				KeyOwner::<T>::iter().count() == count as usize,
				"key owners do not match the records"
			);
			Ok(())
		}
	}

	impl<T: Config> ExecutorSet<T::AccountId> for Pallet<T> {
		fn select(seed: &[u8; 32], exclude: &[T::AccountId]) -> Option<T::AccountId> {
			let active = Active::<T>::get();
			let weight = |bond: &BalanceOf<T>| -> u128 { (*bond).unique_saturated_into() };
			let candidates = || active.iter().filter(|(who, _)| !exclude.contains(who));
			let total = candidates().fold(0u128, |sum, (_, bond)| sum.saturating_add(weight(bond)));
			if total == 0 {
				return None;
			}
			let mut random = [0u8; 16];
			random.copy_from_slice(seed.get(..16)?);
			let mut point = u128::from_le_bytes(random).checked_rem(total)?;
			for (who, bond) in candidates() {
				let w = weight(bond);
				if point < w {
					return Some(who.clone());
				}
				point = point.saturating_sub(w);
			}
			None
		}

		fn owner_of(key: &ExecutorKey) -> Option<T::AccountId> {
			KeyOwner::<T>::get(key)
		}

		fn key_of(executor: &T::AccountId) -> Option<ExecutorKey> {
			Executors::<T>::get(executor).map(|info| info.key)
		}

		fn active_count() -> u32 {
			Active::<T>::decode_len().unwrap_or(0) as u32
		}
	}

	impl<T: Config> SlashExecutor<T::AccountId, BalanceOf<T>> for Pallet<T> {
		fn bond_of(executor: &T::AccountId) -> BalanceOf<T> {
			Executors::<T>::get(executor).map(|info| info.bond).unwrap_or_else(Zero::zero)
		}

		fn slash(executor: &T::AccountId, amount: BalanceOf<T>, to: &T::AccountId) -> BalanceOf<T> {
			let Some(mut info) = Executors::<T>::get(executor) else { return Zero::zero() };
			let amount = amount.min(info.bond);
			if amount.is_zero() {
				return amount;
			}
			let moved = match T::Currency::transfer_on_hold(
				&HoldReason::ExecutorBond.into(),
				executor,
				to,
				amount,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			) {
				Ok(moved) => moved,
				Err(e) => {
					log::error!(target: LOG_TARGET, "slashing {executor:?} failed: {e:?}");
					return Zero::zero();
				},
			};
			info.bond = info.bond.saturating_sub(moved);
			let active = info.status == ExecutorStatus::Active;
			if active && info.bond < T::MinBond::get() {
				let unlocks_at = frame_system::Pallet::<T>::block_number()
					.saturating_add(T::UnbondingPeriod::get());
				info.status = ExecutorStatus::Unbonding { unlocks_at };
				Active::<T>::mutate(|set| set.retain(|(a, _)| a != executor));
				Self::deposit_event(Event::Unbonding { executor: executor.clone(), unlocks_at });
			} else if active {
				Active::<T>::mutate(|set| {
					if let Some(entry) = set.iter_mut().find(|(a, _)| a == executor) {
						entry.1 = info.bond;
					}
				});
			}
			let bond = info.bond;
			Executors::<T>::insert(executor, info);
			log::debug!(target: LOG_TARGET, "executor {executor:?} slashed {moved:?}, bond now {bond:?}");
			Self::deposit_event(Event::Slashed {
				executor: executor.clone(),
				amount: moved,
				to: to.clone(),
				bond,
			});
			moved
		}
	}

	/// The executor key as a session key, so `author_rotateKeys` generates it.
	impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
		type Public = opg_primitives::executor::app::Public;
	}
}
