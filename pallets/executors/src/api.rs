//! What the runtime API (and the `staking_*` JSON-RPC) reports about stake: an executor's
//! stake, commission and earnings, its delegators, and a delegator's positions.

use crate::{pallet::*, stake::value_of, BalanceOf, DelegationOf, ExecutorStatus, PoolOf};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::ExecutorKey;
use scale_info::TypeInfo;
use sp_runtime::{traits::Zero, Perbill};

/// An executor's stake and terms.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ExecutorStake<AccountId, Balance, BlockNumber> {
	/// The executor.
	pub executor: AccountId,
	/// The key its node signs results with.
	pub key: ExecutorKey,
	/// Active or unbonding.
	pub status: ExecutorStatus<BlockNumber>,
	/// Its own bond.
	pub bond: Balance,
	/// The active value of its delegators' pool: counts as stake and earns.
	pub delegated: Balance,
	/// Undelegated OPG waiting to be withdrawn: slashable, earns nothing.
	pub unbonding: Balance,
	/// What the election and the draw weigh: `bond + delegated` (zero once unbonding).
	pub stake: Balance,
	/// How many delegators it has (active or unbonding).
	pub delegators: u32,
	/// The commission in force now.
	pub commission: Perbill,
	/// An announced increase and the block it applies from.
	pub next_commission: Option<(Perbill, BlockNumber)>,
	/// Everything it has been paid for its work (its own share plus commission), ever.
	pub earned: Balance,
	/// Everything its delegators have been paid into the pool, ever.
	pub delegator_rewards: Balance,
	/// Whether it validates in the current session.
	pub validator: bool,
}

/// One delegator's position with one executor, valued now.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct DelegatorPosition<AccountId, Balance, BlockNumber> {
	/// The executor delegated to.
	pub executor: AccountId,
	/// The delegator.
	pub delegator: AccountId,
	/// The value of its active points: stake that earns.
	pub active: Balance,
	/// Its share of the pool's active value.
	pub share: Perbill,
	/// The value of what it undelegated and has not withdrawn yet.
	pub unbonding: Balance,
	/// When that can be withdrawn (`None` when nothing is unbonding).
	pub unlocks_at: Option<BlockNumber>,
	/// Everything it ever delegated to this executor.
	pub delegated: Balance,
	/// Everything it ever withdrew from this executor.
	pub withdrawn: Balance,
}

/// The position type of a given runtime.
pub type DelegatorPositionOf<T> =
	DelegatorPosition<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// The stake type of a given runtime.
pub type ExecutorStakeOf<T> =
	ExecutorStake<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

impl<T: Config> Pallet<T> {
	/// The stake and terms of `executor`, if registered.
	pub fn executor_stake(executor: &T::AccountId) -> Option<ExecutorStakeOf<T>> {
		let info = Executors::<T>::get(executor)?;
		let pool = Pools::<T>::get(executor).unwrap_or_default();
		let now = frame_system::Pallet::<T>::block_number();
		let active = info.status == ExecutorStatus::Active;
		Some(ExecutorStake {
			executor: executor.clone(),
			key: info.key.clone(),
			status: info.status,
			bond: info.bond,
			delegated: pool.active,
			unbonding: pool.unbonding,
			stake: if active { Self::stake(executor) } else { Zero::zero() },
			delegators: pool.delegators,
			commission: info.commission_at(&now),
			next_commission: info.next_commission.filter(|(_, from)| *from > now),
			earned: info.earned,
			delegator_rewards: pool.rewards,
			validator: Validators::<T>::get().contains(executor),
		})
	}

	/// Every registered executor's stake, the highest first (ties: the lower account id).
	pub fn executor_stakes() -> Vec<ExecutorStakeOf<T>> {
		let mut all: Vec<_> =
			Executors::<T>::iter_keys().filter_map(|who| Self::executor_stake(&who)).collect();
		all.sort_by(|a, b| b.stake.cmp(&a.stake).then_with(|| a.executor.cmp(&b.executor)));
		all
	}

	/// Up to `limit` delegators of `executor`, in storage order, starting after `after` (a page
	/// of a long list: pass the last delegator of the previous page).
	pub fn delegators_of(
		executor: &T::AccountId,
		after: Option<T::AccountId>,
		limit: u32,
	) -> Vec<DelegatorPositionOf<T>> {
		let Some(pool) = Pools::<T>::get(executor) else { return Vec::new() };
		let iter = match after {
			Some(after) => Delegations::<T>::iter_prefix_from(
				executor,
				Delegations::<T>::hashed_key_for(executor, &after),
			),
			None => Delegations::<T>::iter_prefix(executor),
		};
		iter.take(limit as usize)
			.map(|(delegator, d)| Self::position(executor.clone(), delegator, &d, &pool))
			.collect()
	}

	/// Up to `limit` positions of `delegator`, one per executor it delegated to.
	pub fn positions_of(delegator: &T::AccountId, limit: u32) -> Vec<DelegatorPositionOf<T>> {
		Positions::<T>::iter_key_prefix(delegator)
			.take(limit as usize)
			.filter_map(|executor| {
				let d = Delegations::<T>::get(&executor, delegator)?;
				let pool = Pools::<T>::get(&executor)?;
				Some(Self::position(executor, delegator.clone(), &d, &pool))
			})
			.collect()
	}

	fn position(
		executor: T::AccountId,
		delegator: T::AccountId,
		d: &DelegationOf<T>,
		pool: &PoolOf<T>,
	) -> DelegatorPositionOf<T> {
		let active = value_of(d.points, pool.active, pool.active_points);
		let share = if pool.active_points.is_zero() {
			Perbill::zero()
		} else {
			Perbill::from_rational(d.points, pool.active_points)
		};
		DelegatorPosition {
			executor,
			delegator,
			active,
			share,
			unbonding: value_of(d.unbonding_points, pool.unbonding, pool.unbonding_points),
			unlocks_at: (!d.unbonding_points.is_zero()).then_some(d.unlocks_at),
			delegated: d.delegated,
			withdrawn: d.withdrawn,
		}
	}
}
