//! Stake: the point arithmetic of pools, payouts, first-loss slashes, the election of validators,
//! and the draw of executors for work. The formulas are in the crate docs.

use crate::{pallet::*, BalanceOf, ExecutorStatus, LOG_TARGET};
use alloc::vec::Vec;
use frame_support::{
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		Get, OneSessionHandler,
	},
	BoundedVec,
};
use opg_primitives::{ExecutorKey, ExecutorSet, Slashed, StakeLedger};

/// A slash's report in a given runtime.
type SlashedOf<T> = Slashed<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{CheckedAdd, Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero},
	Rounding,
};

/// `a · b / c` rounded as asked, in 128 bits; `None` if `c` is zero or the result overflows.
fn mul_div<B>(a: B, b: B, c: B, rounding: Rounding) -> Option<B>
where
	B: UniqueSaturatedInto<u128> + UniqueSaturatedFrom<u128>,
{
	multiply_by_rational_with_rounding(
		a.unique_saturated_into(),
		b.unique_saturated_into(),
		c.unique_saturated_into(),
		rounding,
	)
	.map(B::unique_saturated_from)
}

/// Points worth `amount` in a pool part holding `value` for `points`: one point per planck in an
/// empty part, otherwise `floor(amount · points / value)`. `None` if slashes left points worth
/// nothing (`value` zero, `points` not).
pub(crate) fn points_for<B>(amount: B, value: B, points: B) -> Option<B>
where
	B: UniqueSaturatedInto<u128> + UniqueSaturatedFrom<u128> + Zero + Copy,
{
	if points.is_zero() {
		return Some(amount);
	}
	if value.is_zero() {
		return None;
	}
	mul_div(amount, points, value, Rounding::Down)
}

/// The value of `burn` of `points` points in a part holding `value`: exactly `value` for all of
/// them (the last one out takes the remainders), otherwise `floor(burn · value / points)`.
pub(crate) fn value_of<B>(burn: B, value: B, points: B) -> B
where
	B: UniqueSaturatedInto<u128> + UniqueSaturatedFrom<u128> + Zero + Copy + PartialOrd,
{
	if burn >= points {
		return value;
	}
	mul_div(burn, value, points, Rounding::Down).unwrap_or_else(Zero::zero)
}

/// The points of a delegation (`held` of them) to give up for `amount` of value: all if `amount`
/// reaches their value, otherwise `ceil(amount · points / value)` (never more than `held`), so the
/// delegator receives at least `amount` less one planck of rounding.
pub(crate) fn points_to_burn<B>(amount: B, held: B, value: B, points: B) -> B
where
	B: UniqueSaturatedInto<u128> + UniqueSaturatedFrom<u128> + Zero + Copy + PartialOrd + Ord,
{
	if value.is_zero() || amount >= value_of(held, value, points) {
		return held;
	}
	mul_div(amount, points, value, Rounding::Up).unwrap_or(held).min(held)
}

impl<T: Config> Pallet<T> {
	/// The stake the draw and the election weigh: bond plus the pool's active value.
	pub fn stake(who: &T::AccountId) -> BalanceOf<T> {
		let bond = Executors::<T>::get(who).map(|info| info.bond).unwrap_or_else(Zero::zero);
		let pooled = Pools::<T>::get(who).map(|pool| pool.active).unwrap_or_else(Zero::zero);
		bond.saturating_add(pooled)
	}

	/// Writes `who`'s current stake into the active set (if it is active).
	pub(crate) fn refresh_stake(who: &T::AccountId) {
		let stake = Self::stake(who);
		Active::<T>::mutate(|active| {
			if let Some(entry) = active.iter_mut().find(|(a, _)| a == who) {
				entry.1 = stake;
			}
		});
	}

	/// The next validator set: the [`ValidatorCount`] active executors with the most stake among
	/// those `has_keys` accepts (ties: the lower account id first), sorted by account. Empty if
	/// none qualifies.
	pub fn elect(has_keys: impl Fn(&T::AccountId) -> bool) -> Vec<T::AccountId> {
		let mut candidates: Vec<(T::AccountId, BalanceOf<T>)> =
			Active::<T>::get().into_iter().filter(|(who, _)| has_keys(who)).collect();
		candidates.sort_by(|(a, sa), (b, sb)| sb.cmp(sa).then_with(|| a.cmp(b)));
		let mut elected: Vec<T::AccountId> = candidates
			.into_iter()
			.take(ValidatorCount::<T>::get().min(T::MaxValidators::get()) as usize)
			.map(|(who, _)| who)
			.collect();
		elected.sort();
		elected
	}

	/// Whether `who` is drawn for work: active, and a validator where only validators serve.
	fn serves(who: &T::AccountId, validators: &[T::AccountId]) -> bool {
		!T::OnlyValidatorsServe::get() || validators.contains(who)
	}

	/// What a delegation is worth now: `(active value, unbonding value)`.
	pub fn delegation_value(
		executor: &T::AccountId,
		delegator: &T::AccountId,
	) -> Option<(BalanceOf<T>, BalanceOf<T>)> {
		let delegation = Delegations::<T>::get(executor, delegator)?;
		let pool = Pools::<T>::get(executor)?;
		Some((
			value_of(delegation.points, pool.active, pool.active_points),
			value_of(delegation.unbonding_points, pool.unbonding, pool.unbonding_points),
		))
	}

	/// Invariants, run by `try-runtime` and by the tests:
	/// - the active set is exactly the active records, each with its stake;
	/// - keys map back to their executors; every executor's bond hold is its bond;
	/// - every pool's hold is `active + unbonding`, its points are the sum of its delegations'
	///   points, and its delegator count and the delegators' index match the delegations;
	/// - no part of a pool has value without points;
	/// - the validators reported by the session are at most `MaxValidators` (by type).
	#[cfg(any(test, feature = "std", feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::ensure;
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
				let stake = Self::stake(&who);
				ensure!(
					active.iter().any(|(a, s)| *a == who && *s == stake),
					"active executor missing from the active set, or with a stale stake"
				);
			}
		}
		ensure!(count == Executors::<T>::count(), "executor count does not match the records");
		ensure!(active_records as usize == active.len(), "active set has extra entries");
		ensure!(
			KeyOwner::<T>::iter().count() == count as usize,
			"key owners do not match the records"
		);
		let mut positions = 0usize;
		for (executor, pool) in Pools::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::DelegatedStake.into(), &executor);
			ensure!(
				pool.active.checked_add(&pool.unbonding) == Some(held),
				"pool hold is not active + unbonding"
			);
			let (mut points, mut unbonding_points, mut delegators) =
				(BalanceOf::<T>::zero(), BalanceOf::<T>::zero(), 0u32);
			for (delegator, d) in Delegations::<T>::iter_prefix(&executor) {
				ensure!(
					!(d.points.is_zero() && d.unbonding_points.is_zero()),
					"an empty delegation is kept"
				);
				ensure!(Positions::<T>::contains_key(&delegator, &executor), "missing position");
				points = points.saturating_add(d.points);
				unbonding_points = unbonding_points.saturating_add(d.unbonding_points);
				delegators = delegators.saturating_add(1);
			}
			ensure!(points == pool.active_points, "active points do not add up");
			ensure!(unbonding_points == pool.unbonding_points, "unbonding points do not add up");
			ensure!(delegators == pool.delegators && delegators > 0, "delegator count mismatch");
			ensure!(
				!pool.active_points.is_zero() || pool.active.is_zero(),
				"active value without points"
			);
			ensure!(
				!pool.unbonding_points.is_zero() || pool.unbonding.is_zero(),
				"unbonding value without points"
			);
			positions = positions.saturating_add(delegators as usize);
		}
		ensure!(Positions::<T>::iter().count() == positions, "positions without delegations");
		ensure!(Delegations::<T>::iter().count() == positions, "delegations without a pool");
		Ok(())
	}

	/// A slash of up to `amount` (see the crate docs): the bond first, then the pool pro rata
	/// between its active and unbonding parts. For a `fault`, only what exceeds the executor's
	/// largest earlier fault slash, and the executor stops taking work. `payees(from_bond)` are
	/// paid from the bond part in order, each while it lasts; the rest of it and all of the pool
	/// part go to the treasury. Books and reports what moved.
	fn do_slash(
		executor: &T::AccountId,
		amount: BalanceOf<T>,
		fault: bool,
		payees: impl FnOnce(BalanceOf<T>) -> Vec<(T::AccountId, BalanceOf<T>)>,
	) -> SlashedOf<T> {
		let Some(mut info) = Executors::<T>::get(executor) else { return Slashed::default() };
		let mut pool = Pools::<T>::get(executor).unwrap_or_default();
		let amount = if fault {
			let beyond = amount.saturating_sub(info.fault_slash);
			info.fault_slash = info.fault_slash.max(amount);
			beyond
		} else {
			amount
		};
		let from_bond = amount.min(info.bond);
		let pooled = pool.active.saturating_add(pool.unbonding);
		let from_pool = amount.saturating_sub(from_bond).min(pooled);
		let from_active = mul_div(from_pool, pool.active, pooled, Rounding::Down)
			.unwrap_or_else(Zero::zero)
			.min(pool.active);
		let treasury = T::Treasury::get();
		let mut left = from_bond;
		let mut paid = Vec::new();
		for (to, asked) in payees(from_bond) {
			let moved = Self::take(HoldReason::ExecutorBond, executor, &to, asked.min(left));
			left = left.saturating_sub(moved);
			paid.push((to, moved));
		}
		let paid_total =
			paid.iter().fold(BalanceOf::<T>::zero(), |sum, (_, moved)| sum.saturating_add(*moved));
		let moved_bond = paid_total.saturating_add(Self::take(
			HoldReason::ExecutorBond,
			executor,
			&treasury,
			left,
		));
		let moved_pool = Self::take(HoldReason::DelegatedStake, executor, &treasury, from_pool);
		// The pool's hold moved as one amount; book it on the parts in the same proportion.
		let moved_active = moved_pool.min(from_active);
		pool.active = pool.active.saturating_sub(moved_active);
		pool.unbonding = pool.unbonding.saturating_sub(moved_pool.saturating_sub(moved_active));
		if Pools::<T>::contains_key(executor) {
			Pools::<T>::insert(executor, pool);
		}
		info.bond = info.bond.saturating_sub(moved_bond);
		let active = info.status == ExecutorStatus::Active;
		if active && (fault || info.bond < T::MinBond::get()) {
			let unlocks_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			info.status = ExecutorStatus::Unbonding { unlocks_at };
			Active::<T>::mutate(|set| set.retain(|(a, _)| a != executor));
			log::info!(target: LOG_TARGET, "executor {executor:?} out of work (fault: {fault}), unbonding until {unlocks_at:?}");
			Self::deposit_event(Event::Unbonding { executor: executor.clone(), unlocks_at });
		}
		let bond = info.bond;
		let still_active = info.status == ExecutorStatus::Active;
		Executors::<T>::insert(executor, info);
		if still_active {
			Self::refresh_stake(executor);
		}
		if !moved_bond.is_zero() || !moved_pool.is_zero() {
			log::debug!(
				target: LOG_TARGET,
				"executor {executor:?} slashed {moved_bond:?} of its bond ({paid_total:?} paid out) and {moved_pool:?} of its pool, bond now {bond:?}"
			);
			Self::deposit_event(Event::Slashed {
				executor: executor.clone(),
				from_bond: moved_bond,
				paid: paid_total,
				from_pool: moved_pool,
				bond,
				fault,
			});
		}
		Slashed { from_bond: moved_bond, from_pool: moved_pool, paid }
	}

	/// Takes `amount` held under `reason` on `executor` to `to`; returns what moved.
	fn take(
		reason: HoldReason,
		executor: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		T::Currency::transfer_on_hold(
			&reason.into(),
			executor,
			to,
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_else(|e| {
			log::error!(target: LOG_TARGET, "slashing {executor:?} ({reason:?}) failed: {e:?}");
			Zero::zero()
		})
	}
}

impl<T: Config> ExecutorSet<T::AccountId> for Pallet<T> {
	fn select(seed: &[u8; 32], exclude: &[T::AccountId]) -> Option<T::AccountId> {
		let active = Active::<T>::get();
		let validators = Validators::<T>::get();
		let weight = |stake: &BalanceOf<T>| -> u128 { (*stake).unique_saturated_into() };
		let candidates = || {
			active
				.iter()
				.filter(|(who, _)| !exclude.contains(who) && Self::serves(who, &validators))
		};
		let total = candidates().fold(0u128, |sum, (_, stake)| sum.saturating_add(weight(stake)));
		if total == 0 {
			return None;
		}
		let mut random = [0u8; 16];
		random.copy_from_slice(seed.get(..16)?);
		let mut point = u128::from_le_bytes(random).checked_rem(total)?;
		for (who, stake) in candidates() {
			let w = weight(stake);
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
		let validators = Validators::<T>::get();
		Active::<T>::get().iter().filter(|(who, _)| Self::serves(who, &validators)).count() as u32
	}
}

impl<T: Config> StakeLedger<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn bond_of(executor: &T::AccountId) -> BalanceOf<T> {
		Executors::<T>::get(executor).map(|info| info.bond).unwrap_or_else(Zero::zero)
	}

	fn stake_of(executor: &T::AccountId) -> BalanceOf<T> {
		let Some(info) = Executors::<T>::get(executor) else { return Zero::zero() };
		let pool = Pools::<T>::get(executor).unwrap_or_default();
		info.bond.saturating_add(pool.active).saturating_add(pool.unbonding)
	}

	fn penalize(executor: &T::AccountId, amount: BalanceOf<T>) -> SlashedOf<T> {
		Self::do_slash(executor, amount, false, |_| Vec::new())
	}

	fn slash_fault(
		executor: &T::AccountId,
		amount: BalanceOf<T>,
		payees: impl FnOnce(BalanceOf<T>) -> Vec<(T::AccountId, BalanceOf<T>)>,
	) -> SlashedOf<T> {
		Self::do_slash(executor, amount, true, payees)
	}

	fn reward(executor: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		let Some(mut info) = Executors::<T>::get(executor) else { return Zero::zero() };
		let mut pool = Pools::<T>::get(executor).unwrap_or_default();
		let now = frame_system::Pallet::<T>::block_number();
		let mut to_pool = BalanceOf::<T>::zero();
		let mut commission = BalanceOf::<T>::zero();
		if !pool.active.is_zero() && !pool.active_points.is_zero() {
			let gross =
				mul_div(amount, pool.active, info.bond.saturating_add(pool.active), Rounding::Down)
					.unwrap_or_else(Zero::zero);
			commission = info.commission_at(&now).mul_floor(gross);
			to_pool = gross.saturating_sub(commission);
			if !to_pool.is_zero() {
				if let Err(e) =
					T::Currency::hold(&HoldReason::DelegatedStake.into(), executor, to_pool)
				{
					// The executor keeps it: paid, not lost.
					log::error!(target: LOG_TARGET, "moving {to_pool:?} into {executor:?}'s pool failed: {e:?}");
					to_pool = Zero::zero();
				}
			}
			pool.active = pool.active.saturating_add(to_pool);
			pool.rewards = pool.rewards.saturating_add(to_pool);
			Pools::<T>::insert(executor, pool);
		}
		// Materialize a commission increase that is due.
		info.commission = info.commission_at(&now);
		if matches!(info.next_commission, Some((_, from)) if now >= from) {
			info.next_commission = None;
		}
		info.earned = info.earned.saturating_add(amount.saturating_sub(to_pool));
		Executors::<T>::insert(executor, info);
		if !to_pool.is_zero() {
			Self::refresh_stake(executor);
			Self::deposit_event(Event::RewardShared {
				executor: executor.clone(),
				to_pool,
				commission,
			});
		}
		to_pool
	}
}

/// The executor key as a session key, so `author_rotateKeys` generates it.
impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = opg_primitives::executor::app::Public;
}

/// The session pallet reports each session's validators here; only they are drawn for work
/// (where [`Config::OnlyValidatorsServe`]). The `infr` session key itself is not used: results
/// are checked against the key registered with [`Pallet::register`] (or [`Pallet::set_key`]).
impl<T: Config> OneSessionHandler<T::AccountId> for Pallet<T> {
	type Key = opg_primitives::executor::app::Public;

	fn on_genesis_session<'a, I>(validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
	{
		Self::note_validators(validators.map(|(who, _)| who.clone()).collect());
	}

	fn on_new_session<'a, I>(changed: bool, validators: I, _queued: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
	{
		if changed {
			let validators: Vec<T::AccountId> = validators.map(|(who, _)| who.clone()).collect();
			Self::deposit_event(Event::NewValidators { validators: validators.clone() });
			Self::note_validators(validators);
		}
	}

	fn on_disabled(_validator_index: u32) {}
}

impl<T: Config> Pallet<T> {
	fn note_validators(validators: Vec<T::AccountId>) {
		log::info!(target: LOG_TARGET, "validators: {validators:?}");
		Validators::<T>::put(BoundedVec::truncate_from(validators));
	}
}
