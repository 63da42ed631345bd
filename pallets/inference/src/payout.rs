//! Payouts: a request's held fee, split between the treasury and whoever earned it, or released
//! back to the requester.
//!
//! The fee is held from the requester ([`HoldReason::RequestFee`]) from the request until the
//! request closes, and then moves exactly once:
//! - **paid** ([`Pallet::pay_fee`]) when the result is final (its window ended unchallenged, or
//!   the dispute game upheld it) or corrected (to the dispute's majority). A model billed per
//!   token (text generation) was held the price times the most tokens the request could use;
//!   the part the answer did not use goes back to the requester first. Then the
//!   [`Config::ProtocolShare`] to the [`Config::Treasury`], the rest in equal parts to the
//!   earners, the division's remainder to the treasury. Each earner's delegators get their share
//!   of its part, less commission ([`StakeLedger::reward`]);
//! - **released** ([`Pallet::release_fee`]) when nobody answered in time or the dispute reached no
//!   verdict.

use codec::Decode;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
	},
};
use opg_primitives::{InferenceInput, InferenceOutput, StakeLedger};
use sp_runtime::traits::{Saturating, Zero};

use crate::{
	BalanceOf, Config, Event, HoldReason, Pallet, RequestId, RequestOf, Results, LOG_TARGET,
};

/// How a fee is divided: `each` earner's part and the treasury's (the protocol share plus the
/// division's remainder).
pub(crate) struct FeeSplit<Balance> {
	/// What each earner gets.
	pub each: Balance,
	/// What the treasury gets.
	pub to_treasury: Balance,
}

impl<T: Config> Pallet<T> {
	/// The split of `fee` between `earners` earners and the treasury: the protocol share to the
	/// treasury, the rest in equal parts, the remainder to the treasury (all of it without
	/// earners).
	pub(crate) fn fee_split(fee: BalanceOf<T>, earners: u32) -> FeeSplit<BalanceOf<T>> {
		// A `Perbill` of a balance is at most the balance: it cannot overflow.
		#[allow(clippy::arithmetic_side_effects)]
		let protocol_fee = T::ProtocolShare::get() * fee;
		let rest = fee.saturating_sub(protocol_fee);
		let each = rest.checked_div(&earners.into()).unwrap_or_default();
		let to_treasury = fee.saturating_sub(each.saturating_mul(earners.into()));
		FeeSplit { each, to_treasury }
	}

	/// What `record`'s requester pays of its held fee, given the result stored for `request`:
	/// all of it, but for a model billed per unit (tokens: [`IoSchema::billable_units`]), where
	/// the held fee is the price times the most units the request could use, and the requester
	/// pays the price times the units the result used
	/// ([`InferenceOutput::billed_units`]).
	///
	/// [`IoSchema::billable_units`]: opg_primitives::IoSchema::billable_units
	pub(crate) fn charged_fee(request: RequestId, record: &RequestOf<T>) -> BalanceOf<T> {
		let Ok(input) = InferenceInput::decode(&mut &record.input[..]) else { return record.fee };
		let units = record.schema.billable_units(&input);
		if units <= 1 {
			// Billed per inference: the result is not even read.
			return record.fee;
		}
		let used = Results::<T>::get(request)
			.and_then(|result| InferenceOutput::decode(&mut &result.output[..]).ok())
			.and_then(|output| output.billed_units());
		let Some(used) = used.filter(|used| *used < units) else { return record.fee };
		// The fee held is exactly the price times `units`.
		let price = record.fee.checked_div(&units.into()).unwrap_or_default();
		price.saturating_mul(used.into())
	}

	/// Pays `record`'s held fee: first the part its result did not use goes back to the
	/// requester ([`Pallet::charged_fee`], [`Event::UnusedFeeReleased`]; `record.fee` becomes
	/// what is paid), then the protocol share to the treasury, the rest in equal parts to `to`,
	/// the division's remainder to the treasury. Emits [`Event::ResultFinalized`] when `to` is
	/// the one executor.
	pub(crate) fn pay_fee(request: RequestId, record: &mut RequestOf<T>, to: &[T::AccountId]) {
		let charged = Self::charged_fee(request, record);
		let unused = record.fee.saturating_sub(charged);
		if !unused.is_zero() {
			let released = T::Currency::release(
				&HoldReason::RequestFee.into(),
				&record.requester,
				unused,
				Precision::BestEffort,
			)
			.unwrap_or_else(|e| {
				log::error!(target: LOG_TARGET, "request {request}: releasing the unused fee failed: {e:?}");
				Zero::zero()
			});
			record.fee = record.fee.saturating_sub(released);
			Self::deposit_event(Event::UnusedFeeReleased {
				request,
				requester: record.requester.clone(),
				amount: released,
			});
		}
		let FeeSplit { each, to_treasury } = Self::fee_split(record.fee, to.len() as u32);
		let pay = |who: &T::AccountId, amount: BalanceOf<T>| {
			Self::transfer_held(
				HoldReason::RequestFee,
				&record.requester,
				who,
				amount,
				Precision::Exact,
			)
		};
		// What has moved so far: if a transfer fails, only the rest of this fee is released.
		let mut moved: BalanceOf<T> = Zero::zero();
		let mut failure = None;
		for who in to {
			match pay(who, each) {
				Ok(()) => {
					moved = moved.saturating_add(each);
					// The executor's delegators get their share (less commission) of what it
					// earned.
					T::Executors::reward(who, each);
				}
				Err(e) => {
					failure = Some(e);
					break;
				}
			}
		}
		if failure.is_none() {
			match pay(&T::Treasury::get(), to_treasury) {
				Ok(()) => moved = moved.saturating_add(to_treasury),
				Err(e) => failure = Some(e),
			}
		}
		if let Some(e) = failure {
			// Cannot happen while the hold matches the record (try_state); if it does, the
			// requester gets back what is left of this fee (never another request's), rather
			// than leaving it stuck.
			let rest = record.fee.saturating_sub(moved);
			log::error!(target: LOG_TARGET, "request {request}: paying the fee failed after {moved:?}: {e:?}; releasing the other {rest:?}");
			let reason = HoldReason::RequestFee.into();
			let still_held = T::Currency::balance_on_hold(&reason, &record.requester).min(rest);
			let _ =
				T::Currency::release(&reason, &record.requester, still_held, Precision::BestEffort);
		}
		if let [executor] = to {
			log::debug!(target: LOG_TARGET, "request {request} final, paid {each:?} to {executor:?}");
			Self::deposit_event(Event::ResultFinalized {
				request,
				executor: executor.clone(),
				paid: each,
				protocol_fee: to_treasury,
			});
		}
	}

	/// Moves `amount` held from `from` under `reason` to `to`'s free balance (nothing for zero).
	pub(crate) fn transfer_held(
		reason: HoldReason,
		from: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
		precision: Precision,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::transfer_on_hold(
			&reason.into(),
			from,
			to,
			amount,
			precision,
			Restriction::Free,
			Fortitude::Force,
		)
		.map(|_| ())
	}

	/// Releases `record`'s held fee back to its requester; returns how much was released.
	pub(crate) fn release_fee(request: RequestId, record: &RequestOf<T>) -> BalanceOf<T> {
		T::Currency::release(
			&HoldReason::RequestFee.into(),
			&record.requester,
			record.fee,
			Precision::BestEffort,
		)
		.unwrap_or_else(|e| {
			log::error!(target: LOG_TARGET, "request {request}: releasing the fee failed: {e:?}");
			Zero::zero()
		})
	}
}
