//! # Model registry
//!
//! The list of AI models the OPG chain serves, and who decides what is on it.
//!
//! ## Overview
//!
//! Anyone may [propose](Pallet::propose_model) a model by the content hash of its bundle
//! (blake2-256, see [`opg_primitives::ModelHash`]) with its architecture, config hash,
//! input/output schema, a price per inference, and the URIs where executors can fetch it. A
//! **deposit** proportional to the bytes the record takes in storage is held from the proposer
//! ([`HoldReason::ProposalDeposit`]): `DepositBase + DepositPerByte × bytes`.
//!
//! Only the [`Config::ListingOrigin`] (a governance track of token holders, or root) moves a model
//! between states:
//!
//! ```text
//!   propose_model ──► Proposed ──list_model──► Listed ──delist_model──► Delisted
//!                       │  ▲                     ▲                         │
//!       reject_model ◄──┘  └─ remove_model       └────────list_model───────┘
//!      (record removed;       (owner withdraws;                  remove_model (owner)
//!       deposit released       deposit released)
//!       or slashed)
//! ```
//!
//! **Room and surcharge.** At most [`Config::MaxProposals`] proposals wait for governance, and
//! each waiting one raises the deposit of the next by [`Config::ProposalSurcharge`] (returned
//! when the model is listed). Listed and delisted models have their own room,
//! [`Config::MaxModels`]. So flooding the queue costs a held sum that grows with the square of
//! the proposals sent, all of it slashable when governance rejects them as spam, and it can never
//! keep governance from listing the models already proposed.
//!
//! **The deposit is a bond.** It stays held for as long as the record exists, listed or not: it
//! pays for the storage, and governance can slash it to the treasury when it rejects a proposal as
//! spam or delists a model for cause (`slash = true`). It goes back to the owner when governance
//! rejects without slashing, or when the owner withdraws a proposal or removes a delisted model.
//!
//! The owner may change the [price](Pallet::set_price): at most [`Config::MaxPrice`], never zero
//! nor below the floor governance sets for the model's kind and size
//! ([`set_price_floor`](Pallet::set_price_floor)); a decrease applies at once, an increase after
//! [`Config::PriceIncreaseDelay`] blocks, so that dapps see it coming; requests made earlier keep
//! the price they paid. The owner may change the [URIs](Pallet::set_uris) until the model is
//! listed (the deposit follows the new size); then they are frozen, since executors fetch the
//! bundle from them, and only the listing origin may change them.
//!
//! Runtime API: `pallet-model-registry-runtime-api`; JSON-RPC `models_get`, `models_list`:
//! `pallet-model-registry-rpc`.
//!
//! See [`Config`] for the parameters and [`Call`] for the dispatchables.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;
use opg_primitives::ModelHash;

/// The balance type of the currency the deposit is held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

const LOG_TARGET: &str = "runtime::model-registry";

// FRAME's pallet macro expands to `expect` in the storage and metadata code it generates.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use codec::Encode;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	use opg_primitives::ModelKind;
	use sp_runtime::traits::{CheckedAdd, One, Saturating, Zero};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a model's record in the registry.
		#[codec(index = 0)]
		ProposalDeposit,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Who may list, reject and delist models: a governance track, or root.
		type ListingOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Where slashed deposits go.
		#[pallet::constant]
		type Treasury: Get<Self::AccountId>;

		/// The part of every deposit that does not depend on size.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// The deposit per byte of the stored record.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// The highest price per inference a model may ask.
		#[pallet::constant]
		type MaxPrice: Get<BalanceOf<Self>>;

		/// Blocks a price increase waits before it applies (decreases apply at once), so that a
		/// dapp sees it coming; requests made meanwhile pay the old price.
		#[pallet::constant]
		type PriceIncreaseDelay: Get<BlockNumberFor<Self>>;

		/// The largest bundle a model may have, in bytes (executors must hold it in memory).
		#[pallet::constant]
		type MaxModelSize: Get<u64>;

		/// The most models the registry holds once governance has listed them (listed or
		/// delisted). Waiting proposals have their own room ([`Config::MaxProposals`]), so that
		/// a flood of proposals can never fill the registry.
		#[pallet::constant]
		type MaxModels: Get<u32>;

		/// The most proposals waiting for governance at once.
		#[pallet::constant]
		type MaxProposals: Get<u32>;

		/// What each waiting proposal adds to the deposit of a new one: the `n`th waiting
		/// proposal holds `n × ProposalSurcharge` on top of its size's deposit, until governance
		/// lists it (then the surcharge goes back to the owner), rejects it (slashed with the
		/// rest when governance says so), or the owner withdraws it. Filling the whole queue
		/// takes `MaxProposals × (MaxProposals − 1) / 2 × ProposalSurcharge` held on top of the
		/// deposits, slashed with them when governance rejects the proposals as spam; a normal
		/// queue of a few proposals costs a few surcharges, returned on listing.
		#[pallet::constant]
		type ProposalSurcharge: Get<BalanceOf<Self>>;

		/// The longest name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// The longest description, in bytes.
		#[pallet::constant]
		type MaxDescriptionLen: Get<u32>;

		/// The most URIs per model.
		#[pallet::constant]
		type MaxUris: Get<u32>;

		/// The longest URI, in bytes.
		#[pallet::constant]
		type MaxUriLen: Get<u32>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Every model in the registry, by content hash.
	#[pallet::storage]
	pub type Models<T: Config> = CountedStorageMap<_, Blake2_128Concat, ModelHash, ModelInfo<T>>;

	/// The lowest price of a model, by kind ([`PriceFloor`]; none set: no floor but the price
	/// must not be zero), set by the listing origin.
	#[pallet::storage]
	pub type PriceFloors<T: Config> =
		StorageMap<_, Twox64Concat, ModelKind, PriceFloor<BalanceOf<T>>, OptionQuery>;

	/// Price increases waiting for [`Config::PriceIncreaseDelay`]: the new price and the block
	/// from which it applies.
	#[pallet::storage]
	pub type PendingPrices<T: Config> =
		StorageMap<_, Blake2_128Concat, ModelHash, (BalanceOf<T>, BlockNumberFor<T>), OptionQuery>;

	/// How many models are [`ModelState::Listed`].
	#[pallet::storage]
	pub type ListedCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// How many models are [`ModelState::Proposed`]: waiting for governance.
	#[pallet::storage]
	pub type ProposedCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was proposed and its deposit held.
		ModelProposed { model: ModelHash, owner: T::AccountId, deposit: BalanceOf<T> },
		/// Governance listed a model: requests are open.
		ModelListed { model: ModelHash },
		/// Governance rejected a proposal; its record is gone. `slashed` went to the treasury, the
		/// rest of the deposit back to the owner.
		ModelRejected { model: ModelHash, owner: T::AccountId, slashed: BalanceOf<T> },
		/// Governance delisted a model: no new requests. `slashed` went to the treasury.
		ModelDelisted { model: ModelHash, slashed: BalanceOf<T> },
		/// The owner changed the price of future requests (a decrease, or an increase whose delay
		/// is over).
		PriceChanged { model: ModelHash, old: BalanceOf<T>, new: BalanceOf<T> },
		/// The owner raised the price: `new` applies to requests from block `at`.
		PriceIncreaseScheduled { model: ModelHash, new: BalanceOf<T>, at: BlockNumberFor<T> },
		/// The listing origin set the price floor of a kind of model.
		PriceFloorSet { kind: ModelKind, floor: PriceFloor<BalanceOf<T>> },
		/// The owner (before listing) or the listing origin changed the URIs; the deposit now is
		/// `deposit`.
		UrisChanged { model: ModelHash, deposit: BalanceOf<T> },
		/// The owner removed a proposed or delisted model; `released` went back to it.
		ModelRemoved { model: ModelHash, owner: T::AccountId, released: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A model with this content hash is already in the registry.
		AlreadyProposed,
		/// No model with this content hash is in the registry.
		UnknownModel,
		/// Only the model's owner may do this.
		NotOwner,
		/// The model is not `Proposed` (or `Delisted`, for listing).
		NotListable,
		/// The model is not `Proposed`.
		NotProposed,
		/// The model is not `Listed`.
		NotListed,
		/// A listed model cannot be removed; governance must delist it first.
		StillListed,
		/// The input/output schema is malformed or beyond what every engine serves: its largest
		/// batch is 0 or above `MAX_BATCH` (32); a text input's bound is 0 or above
		/// `MAX_TEXT_BYTES` (2,048 bytes); a tensor axis is 0 long, or is the batch axis but not
		/// the first; or its output at the largest batch could encode larger than
		/// `MAX_OUTPUT_BYTES` (128 KiB, the largest result) (`opg_primitives::IoSchema::validate`
		/// says which, with the value found; the bounds are `opg_primitives::limits`).
		InvalidSchema,
		/// The engine cannot run models of this kind yet.
		UnsupportedKind,
		/// The name is empty or not UTF-8.
		InvalidName,
		/// The price is above `MaxPrice`.
		PriceTooHigh,
		/// The price is zero, or below the floor of the model's kind and size
		/// ([`PriceFloors`]).
		PriceBelowFloor,
		/// The bundle is empty or larger than `MaxModelSize`.
		InvalidSize,
		/// A model needs at least one URI.
		NoUri,
		/// The model is listed: only the listing origin may change its URIs.
		UrisFrozen,
		/// The registry holds `MaxModels` listed or delisted models: listing another needs room.
		TooManyModels,
		/// `MaxProposals` proposals are waiting for governance.
		TooManyProposals,
		/// The proposer's free balance cannot cover the deposit.
		InsufficientBalance,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Models in the registry at genesis: owner, proposal, and whether it is listed. The
		/// deposit is held from the owner as for any proposal.
		pub models: alloc::vec::Vec<(T::AccountId, ModelProposalOf<T>, bool)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (owner, proposal, listed) in &self.models {
				let model = proposal.spec.model;
				if let Err(e) = Pallet::<T>::do_propose(owner.clone(), proposal.clone()) {
					panic!("genesis model {model:?} cannot be proposed: {e:?}");
				}
				if *listed {
					if let Err(e) = Pallet::<T>::do_list(model) {
						panic!("genesis model {model:?} cannot be listed: {e:?}");
					}
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxModels::get() > 0, "MaxModels must be positive");
			assert!(T::MaxProposals::get() > 0, "MaxProposals must be positive");
			assert!(T::MaxUris::get() > 0, "MaxUris must be positive");
			assert!(
				T::DepositBase::get() >= T::Currency::minimum_balance(),
				"DepositBase must be at least the existential deposit, so a slash can create the treasury account"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Propose a model for listing.
		///
		/// - Origin: signed; the signer becomes the owner.
		/// - `proposal`: the model's spec (kind, content hash, config hash, schema), name,
		///   description, price per inference, URIs and bundle size.
		///
		/// Holds `DepositBase + DepositPerByte × bytes + ProposalSurcharge × waiting proposals`
		/// from the signer. Emits [`Event::ModelProposed`].
		///
		/// Errors: [`Error::AlreadyProposed`], [`Error::InvalidSchema`],
		/// [`Error::UnsupportedKind`], [`Error::InvalidName`], [`Error::PriceTooHigh`],
		/// [`Error::InvalidSize`], [`Error::NoUri`], [`Error::TooManyProposals`],
		/// [`Error::InsufficientBalance`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::propose_model())]
		pub fn propose_model(origin: OriginFor<T>, proposal: ModelProposalOf<T>) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_propose(owner, proposal)
		}

		/// List a proposed (or delisted) model: dapps may request inferences from it.
		///
		/// - Origin: [`Config::ListingOrigin`].
		///
		/// The deposit stays held as a bond, less the proposal's surcharge, which goes back to the
		/// owner. Emits [`Event::ModelListed`].
		///
		/// Errors: [`Error::UnknownModel`], [`Error::NotListable`], [`Error::TooManyModels`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::list_model())]
		pub fn list_model(origin: OriginFor<T>, model: ModelHash) -> DispatchResult {
			T::ListingOrigin::ensure_origin(origin)?;
			Self::do_list(model)
		}

		/// Reject a proposal and remove it from the registry.
		///
		/// - Origin: [`Config::ListingOrigin`].
		/// - `slash`: whether the deposit goes to the treasury (spam) or back to the owner.
		///
		/// Emits [`Event::ModelRejected`].
		///
		/// Errors: [`Error::UnknownModel`], [`Error::NotProposed`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reject_model())]
		pub fn reject_model(origin: OriginFor<T>, model: ModelHash, slash: bool) -> DispatchResult {
			T::ListingOrigin::ensure_origin(origin)?;
			let info = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(info.state == ModelState::Proposed, Error::<T>::NotProposed);
			let slashed = if slash {
				Self::slash_deposit(&info.owner, info.deposit)?
			} else {
				Self::release_deposit(&info.owner, info.deposit)?;
				Zero::zero()
			};
			Models::<T>::remove(model);
			PendingPrices::<T>::remove(model);
			ProposedCount::<T>::mutate(|n| *n = n.saturating_sub(1));
			Self::deposit_event(Event::ModelRejected { model, owner: info.owner, slashed });
			Ok(())
		}

		/// Delist a listed model: no new requests (running ones complete).
		///
		/// - Origin: [`Config::ListingOrigin`].
		/// - `slash`: whether the deposit goes to the treasury (delisted for cause).
		///
		/// Emits [`Event::ModelDelisted`].
		///
		/// Errors: [`Error::UnknownModel`], [`Error::NotListed`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::delist_model())]
		pub fn delist_model(origin: OriginFor<T>, model: ModelHash, slash: bool) -> DispatchResult {
			T::ListingOrigin::ensure_origin(origin)?;
			let mut info = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(info.state == ModelState::Listed, Error::<T>::NotListed);
			let slashed = if slash {
				let slashed = Self::slash_deposit(&info.owner, info.deposit)?;
				info.deposit = Zero::zero();
				slashed
			} else {
				Zero::zero()
			};
			info.state = ModelState::Delisted;
			Models::<T>::insert(model, info);
			ListedCount::<T>::mutate(|n| *n = n.saturating_sub(1));
			Self::deposit_event(Event::ModelDelisted { model, slashed });
			Ok(())
		}

		/// Change the price of future inferences of one's model.
		///
		/// - Origin: signed by the owner.
		/// - `price`: at most [`Config::MaxPrice`], at least the floor of the model's kind and
		///   size ([`PriceFloors`]) and never zero.
		///
		/// A decrease applies at once ([`Event::PriceChanged`]) and cancels a pending increase;
		/// an increase applies [`Config::PriceIncreaseDelay`] blocks later
		/// ([`Event::PriceIncreaseScheduled`]; a later call replaces it), so a dapp sees it
		/// coming. Requests already made keep the price they paid.
		///
		/// Errors: [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::PriceTooHigh`],
		/// [`Error::PriceBelowFloor`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(
			origin: OriginFor<T>,
			model: ModelHash,
			price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(price <= T::MaxPrice::get(), Error::<T>::PriceTooHigh);
			Models::<T>::try_mutate(model, |info| {
				let info = info.as_mut().ok_or(Error::<T>::UnknownModel)?;
				ensure!(info.owner == who, Error::<T>::NotOwner);
				ensure!(price >= Self::floor_of(&info.proposal), Error::<T>::PriceBelowFloor);
				let now = frame_system::Pallet::<T>::block_number();
				// An increase that is due by now is the price from which this one is measured.
				if let Some((due, at)) = PendingPrices::<T>::get(model) {
					if at <= now {
						info.proposal.price = due;
					}
				}
				let current = info.proposal.price;
				if price > current {
					let at = now.saturating_add(T::PriceIncreaseDelay::get());
					PendingPrices::<T>::insert(model, (price, at));
					Self::deposit_event(Event::PriceIncreaseScheduled { model, new: price, at });
				} else {
					PendingPrices::<T>::remove(model);
					info.proposal.price = price;
					Self::deposit_event(Event::PriceChanged { model, old: current, new: price });
				}
				Ok(())
			})
		}

		/// Replace the URIs of a model: the owner's before it is listed (or once delisted), the
		/// listing origin's at any time.
		///
		/// - Origin: signed by the owner, while the model is not listed; or
		///   [`Config::ListingOrigin`]. Once listed, the URIs are frozen for the owner: executors
		///   fetch the bundle from them, so an owner who could point them at a stalling or internal
		///   address after the vote could stall every executor.
		///
		/// The owner's change adjusts the deposit to the new size of the record (more is held, or
		/// the difference released), unless governance slashed it; the listing origin's leaves
		/// it as it is. Emits [`Event::UrisChanged`].
		///
		/// Errors: [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::UrisFrozen`],
		/// [`Error::NoUri`], [`Error::InsufficientBalance`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_uris())]
		pub fn set_uris(origin: OriginFor<T>, model: ModelHash, uris: Uris<T>) -> DispatchResult {
			let owner = match T::ListingOrigin::try_origin(origin) {
				Ok(_) => None,
				Err(origin) => Some(ensure_signed(origin)?),
			};
			ensure!(!uris.is_empty(), Error::<T>::NoUri);
			Models::<T>::try_mutate(model, |maybe_info| {
				let info = maybe_info.as_mut().ok_or(Error::<T>::UnknownModel)?;
				// The part of the deposit that is not for the record's size: a proposal's
				// surcharge, kept as it is.
				let surcharge = info.deposit.saturating_sub(Self::deposit_for(info));
				info.proposal.uris = uris;
				if let Some(who) = owner {
					ensure!(info.owner == who, Error::<T>::NotOwner);
					ensure!(info.state != ModelState::Listed, Error::<T>::UrisFrozen);
					// A slashed (zero) deposit stays zero: the model is delisted and only
					// removable.
					if !info.deposit.is_zero() {
						let new = Self::deposit_for(info).saturating_add(surcharge);
						if new > info.deposit {
							Self::hold_deposit(&who, new.saturating_sub(info.deposit))?;
						} else {
							Self::release_deposit(&who, info.deposit.saturating_sub(new))?;
						}
						info.deposit = new;
					}
				}
				Self::deposit_event(Event::UrisChanged { model, deposit: info.deposit });
				Ok(())
			})
		}

		/// Remove one's model: withdraw a proposal, or clear a delisted model. Releases what is
		/// left of the deposit.
		///
		/// - Origin: signed by the owner.
		///
		/// Emits [`Event::ModelRemoved`].
		///
		/// Errors: [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::StillListed`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::remove_model())]
		pub fn remove_model(origin: OriginFor<T>, model: ModelHash) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(info.owner == who, Error::<T>::NotOwner);
			ensure!(info.state != ModelState::Listed, Error::<T>::StillListed);
			Self::release_deposit(&who, info.deposit)?;
			Models::<T>::remove(model);
			PendingPrices::<T>::remove(model);
			if info.state == ModelState::Proposed {
				ProposedCount::<T>::mutate(|n| *n = n.saturating_sub(1));
			}
			Self::deposit_event(Event::ModelRemoved { model, owner: who, released: info.deposit });
			Ok(())
		}

		/// Set the price floor of a kind of model: a model of kind `kind` and a bundle of `size`
		/// bytes may not ask less than `floor.base + floor.per_mib × ⌈size / MiB⌉`.
		///
		/// - Origin: [`Config::ListingOrigin`].
		///
		/// Applies to proposals and price changes from now on, and to the price every request
		/// pays: a listed model priced below a raised floor is sold at the floor. Emits
		/// [`Event::PriceFloorSet`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_price_floor())]
		pub fn set_price_floor(
			origin: OriginFor<T>,
			kind: ModelKind,
			floor: PriceFloor<BalanceOf<T>>,
		) -> DispatchResult {
			T::ListingOrigin::ensure_origin(origin)?;
			PriceFloors::<T>::insert(kind, floor);
			Self::deposit_event(Event::PriceFloorSet { kind, floor });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Checks and records a proposal, holding its deposit.
		pub fn do_propose(owner: T::AccountId, proposal: ModelProposalOf<T>) -> DispatchResult {
			let model = proposal.spec.model;
			ensure!(!Models::<T>::contains_key(model), Error::<T>::AlreadyProposed);
			let waiting = ProposedCount::<T>::get();
			ensure!(waiting < T::MaxProposals::get(), Error::<T>::TooManyProposals);
			proposal.spec.schema.validate().map_err(|_| Error::<T>::InvalidSchema)?;
			ensure!(proposal.spec.schema_fits_kind(), Error::<T>::InvalidSchema);
			ensure!(proposal.spec.kind.is_runnable(), Error::<T>::UnsupportedKind);
			ensure!(
				!proposal.name.is_empty() && core::str::from_utf8(&proposal.name).is_ok(),
				Error::<T>::InvalidName
			);
			ensure!(proposal.price <= T::MaxPrice::get(), Error::<T>::PriceTooHigh);
			ensure!(proposal.price >= Self::floor_of(&proposal), Error::<T>::PriceBelowFloor);
			ensure!(
				proposal.size > 0 && proposal.size <= T::MaxModelSize::get(),
				Error::<T>::InvalidSize
			);
			ensure!(!proposal.uris.is_empty(), Error::<T>::NoUri);

			let mut info = ModelInfo::<T> {
				owner: owner.clone(),
				state: ModelState::Proposed,
				proposal,
				deposit: Zero::zero(),
				proposed_at: frame_system::Pallet::<T>::block_number(),
			};
			info.deposit = Self::deposit_for(&info)
				.saturating_add(T::ProposalSurcharge::get().saturating_mul(waiting.into()));
			Self::hold_deposit(&owner, info.deposit)?;
			let deposit = info.deposit;
			Models::<T>::insert(model, info);
			ProposedCount::<T>::put(waiting.saturating_add(1));
			log::debug!(target: LOG_TARGET, "model {model:?} proposed by {owner:?}, deposit {deposit:?}");
			Self::deposit_event(Event::ModelProposed { model, owner, deposit });
			Ok(())
		}

		/// Moves a proposed or delisted model to `Listed`; a proposal's surcharge goes back to
		/// its owner.
		pub fn do_list(model: ModelHash) -> DispatchResult {
			Models::<T>::try_mutate(model, |info| {
				let info = info.as_mut().ok_or(Error::<T>::UnknownModel)?;
				ensure!(
					matches!(info.state, ModelState::Proposed | ModelState::Delisted),
					Error::<T>::NotListable
				);
				if info.state == ModelState::Proposed {
					let waiting = ProposedCount::<T>::get();
					let governed = Models::<T>::count().saturating_sub(waiting);
					ensure!(governed < T::MaxModels::get(), Error::<T>::TooManyModels);
					let surcharge = info.deposit.saturating_sub(Self::deposit_for(info));
					Self::release_deposit(&info.owner, surcharge)?;
					info.deposit = info.deposit.saturating_sub(surcharge);
					ProposedCount::<T>::put(waiting.saturating_sub(1));
				}
				info.state = ModelState::Listed;
				ListedCount::<T>::mutate(|n| *n = n.saturating_add(1));
				Self::deposit_event(Event::ModelListed { model });
				Ok(())
			})
		}

		/// The lowest price `proposal` may ask: its kind's floor for its size, and never zero.
		pub fn floor_of(proposal: &ModelProposalOf<T>) -> BalanceOf<T> {
			Self::kind_floor(proposal).max(One::one())
		}

		/// The floor governance set for `proposal`'s kind at its size (zero when none is set).
		fn kind_floor(proposal: &ModelProposalOf<T>) -> BalanceOf<T> {
			PriceFloors::<T>::get(proposal.spec.kind)
				.map(|floor| floor.for_size(proposal.size))
				.unwrap_or_else(Zero::zero)
		}

		/// The price a request for `model` (recorded as `info`) pays now: the owner's price, or a
		/// scheduled increase once due, and at least the kind's floor.
		pub fn price_of(model: &ModelHash, info: &ModelInfo<T>) -> BalanceOf<T> {
			let now = frame_system::Pallet::<T>::block_number();
			let price = match PendingPrices::<T>::get(model) {
				Some((due, at)) if at <= now => due,
				_ => info.proposal.price,
			};
			price.max(Self::kind_floor(&info.proposal))
		}

		/// The record of `info` as the runtime API returns it, at the price requests pay now.
		pub fn details_of(info: ModelInfo<T>) -> ModelDetailsOf<T> {
			let price = Self::price_of(&info.proposal.spec.model, &info);
			ModelDetails { price, ..info.details() }
		}

		/// The deposit a record costs: `DepositBase + DepositPerByte × encoded bytes`.
		pub fn deposit_for(info: &ModelInfo<T>) -> BalanceOf<T> {
			let bytes: BalanceOf<T> = (info.encoded_size() as u32).into();
			T::DepositBase::get().saturating_add(T::DepositPerByte::get().saturating_mul(bytes))
		}

		fn hold_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			T::Currency::hold(&HoldReason::ProposalDeposit.into(), who, amount)
				.map_err(|_| Error::<T>::InsufficientBalance.into())
		}

		fn release_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			T::Currency::release(&HoldReason::ProposalDeposit.into(), who, amount, Precision::Exact)
				.map(|_| ())
		}

		/// Moves a held deposit to the treasury; returns the amount moved.
		fn slash_deposit(
			who: &T::AccountId,
			amount: BalanceOf<T>,
		) -> Result<BalanceOf<T>, DispatchError> {
			T::Currency::transfer_on_hold(
				&HoldReason::ProposalDeposit.into(),
				who,
				&T::Treasury::get(),
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)
		}

		/// The model `model` if it is listed: what the inference pallet asks before a request.
		pub fn listed(model: &ModelHash) -> Option<ModelInfo<T>> {
			Models::<T>::get(model).filter(|info| info.state == ModelState::Listed)
		}

		/// Listed models in hash-key order, at most `limit`, starting after `start_after`.
		pub fn listed_page(
			start_after: Option<ModelHash>,
			limit: u32,
		) -> alloc::vec::Vec<(ModelHash, ModelInfo<T>)> {
			let iter = match start_after {
				Some(hash) => Models::<T>::iter_from(Models::<T>::hashed_key_for(hash)),
				None => Models::<T>::iter(),
			};
			iter.filter(|(_, info)| info.state == ModelState::Listed).take(limit as usize).collect()
		}

		/// Invariants: the counters match the records, and every owner's held deposit equals the
		/// sum of the deposits of its records. Run by `try-runtime` and by the tests (also the
		/// runtime's, hence available with `std`).
		#[cfg(any(test, feature = "std", feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;
			let mut count = 0u32;
			let mut listed = 0u32;
			let mut proposed = 0u32;
			let mut deposits = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
			for (hash, info) in Models::<T>::iter() {
				count = count.saturating_add(1);
				ensure!(info.proposal.spec.model == hash, "record stored under another hash");
				match info.state {
					ModelState::Listed => listed = listed.saturating_add(1),
					ModelState::Proposed => proposed = proposed.saturating_add(1),
					ModelState::Delisted => {}
				}
				let sum = deposits.entry(info.owner.clone()).or_insert_with(Zero::zero);
				*sum = sum.checked_add(&info.deposit).ok_or("deposit sum overflows")?;
			}
			ensure!(count == Models::<T>::count(), "model count does not match the records");
			ensure!(
				proposed == ProposedCount::<T>::get(),
				"proposed count does not match the records"
			);
			ensure!(proposed <= T::MaxProposals::get(), "more proposals than MaxProposals");
			ensure!(
				count.saturating_sub(proposed) <= T::MaxModels::get(),
				"more governed models than MaxModels"
			);
			ensure!(listed == ListedCount::<T>::get(), "listed count does not match the records");
			for (model, (price, _)) in PendingPrices::<T>::iter() {
				let info = Models::<T>::get(model).ok_or("pending price of a removed model")?;
				ensure!(price > info.proposal.price, "a pending price that is no increase");
			}
			for (owner, sum) in deposits {
				let held =
					T::Currency::balance_on_hold(&HoldReason::ProposalDeposit.into(), &owner);
				ensure!(held == sum, "held deposits do not match the records");
			}
			Ok(())
		}
	}

	impl<T: Config> opg_primitives::ModelCatalog<BalanceOf<T>> for Pallet<T> {
		fn listed(model: &ModelHash) -> Option<opg_primitives::ListedModel<BalanceOf<T>>> {
			Self::listed(model).map(|info| opg_primitives::ListedModel {
				price: Self::price_of(model, &info),
				spec: info.proposal.spec,
				uris: info.proposal.uris.into_iter().map(|uri| uri.into_inner()).collect(),
			})
		}
	}
}
