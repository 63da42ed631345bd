//! Staking: delegate OPG to an executor (it counts as the executor's stake and earns a share of
//! its fees, less commission), undelegate and withdraw after the unbonding delay, read an
//! executor's stake and a delegator's positions; executors set their commission.

use serde::Serialize;
use subxt_signer::sr25519::Keypair;

use crate::{
	client::{Included, TxStage},
	models::ss58,
	runtime, AccountId, Client, Error,
};

/// Parts per billion in one percent.
const PERBILL_PER_PERCENT: u32 = 10_000_000;

/// An executor's stake and terms.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StakeView {
	/// The executor.
	#[serde(serialize_with = "ss58")]
	pub executor: AccountId,
	/// `Active` or `Unbonding`.
	pub state: String,
	/// Its own bond, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub bond: u128,
	/// Its delegators' active stake, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub delegated: u128,
	/// Undelegated stake waiting to be withdrawn, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub unbonding: u128,
	/// What elections and the draw weigh: bond + delegated (0 once unbonding), planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub stake: u128,
	/// How many delegators.
	pub delegators: u32,
	/// Commission now, parts per billion.
	pub commission_perbill: u32,
	/// An announced increase: parts per billion, from block.
	pub next_commission: Option<(u32, u32)>,
	/// Earned by the executor (own share plus commission), ever, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub earned: u128,
	/// Earned by its delegators, ever, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub delegator_rewards: u128,
	/// Whether it validates this session.
	pub validator: bool,
}

/// A delegator's position with an executor, valued now.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionView {
	/// The executor.
	#[serde(serialize_with = "ss58")]
	pub executor: AccountId,
	/// The delegator.
	#[serde(serialize_with = "ss58")]
	pub delegator: AccountId,
	/// Active stake's value, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub active: u128,
	/// Share of the executor's pool, parts per billion.
	pub share_perbill: u32,
	/// Undelegated and not withdrawn yet, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub unbonding: u128,
	/// The first block `unbonding` can be withdrawn in.
	pub unlocks_at: Option<u32>,
	/// Delegated to this executor, ever, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub delegated: u128,
	/// Withdrawn from this executor, ever, planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub withdrawn: u128,
}

type RawStake = runtime::runtime_types::pallet_executors::api::ExecutorStake<AccountId, u128, u32>;
type RawPosition =
	runtime::runtime_types::pallet_executors::api::DelegatorPosition<AccountId, u128, u32>;

impl From<RawStake> for StakeView {
	fn from(s: RawStake) -> Self {
		use runtime::runtime_types::pallet_executors::ExecutorStatus;
		StakeView {
			executor: s.executor,
			state: match s.status {
				ExecutorStatus::Active => "Active".into(),
				ExecutorStatus::Unbonding { unlocks_at } => {
					format!("Unbonding (until #{unlocks_at})")
				}
			},
			bond: s.bond,
			delegated: s.delegated,
			unbonding: s.unbonding,
			stake: s.stake,
			delegators: s.delegators,
			commission_perbill: s.commission.0,
			next_commission: s.next_commission.map(|(c, from)| (c.0, from)),
			earned: s.earned,
			delegator_rewards: s.delegator_rewards,
			validator: s.validator,
		}
	}
}

impl From<RawPosition> for PositionView {
	fn from(p: RawPosition) -> Self {
		PositionView {
			executor: p.executor,
			delegator: p.delegator,
			active: p.active,
			share_perbill: p.share.0,
			unbonding: p.unbonding,
			unlocks_at: p.unlocks_at,
			delegated: p.delegated,
			withdrawn: p.withdrawn,
		}
	}
}

/// Parses a commission in percent (`5`, `2.5`, `0.0000001`) into parts per billion: at most 7
/// decimals, at most 100.
pub fn parse_percent(text: &str) -> Result<u32, Error> {
	let bad = |why: &str| Error::Invalid(format!("`{text}` is not a percentage: {why}"));
	let clean = text.trim().trim_end_matches('%').trim();
	let (whole, fraction) = clean.split_once('.').unwrap_or((clean, ""));
	if whole.is_empty() || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
		return Err(bad("digits and one decimal point"));
	}
	if fraction.len() > 7 {
		return Err(bad("more than 7 decimals (parts per billion)"));
	}
	let whole: u32 = whole.parse().map_err(|_| bad("too large"))?;
	let fraction: u32 = format!("{fraction:0<7}").parse().map_err(|_| bad("bad decimals"))?;
	let perbill = whole
		.checked_mul(PERBILL_PER_PERCENT)
		.and_then(|p| p.checked_add(fraction))
		.filter(|p| *p <= 100 * PERBILL_PER_PERCENT)
		.ok_or_else(|| bad("above 100"))?;
	Ok(perbill)
}

/// Shows parts per billion as a percentage without trailing zeros: `5%`, `2.5%`.
pub fn format_percent(perbill: u32) -> String {
	let whole = perbill / PERBILL_PER_PERCENT;
	let fraction = perbill % PERBILL_PER_PERCENT;
	if fraction == 0 {
		format!("{whole}%")
	} else {
		format!("{whole}.{}%", format!("{fraction:07}").trim_end_matches('0'))
	}
}

impl Client {
	/// `executor`'s stake and terms; `None` if it is not an executor.
	pub async fn stake(&self, executor: &AccountId) -> Result<Option<StakeView>, Error> {
		let at = self.best().await?;
		let call = runtime::runtime_apis().staking_api().executor(executor.clone());
		Ok(at.runtime_apis().call(call).await?.map(Into::into))
	}

	/// Every executor's stake, the highest first.
	pub async fn stakes(&self) -> Result<Vec<StakeView>, Error> {
		let at = self.best().await?;
		let all = at.runtime_apis().call(runtime::runtime_apis().staking_api().executors()).await?;
		Ok(all.into_iter().map(Into::into).collect())
	}

	/// `delegator`'s positions, one per executor.
	pub async fn positions(&self, delegator: &AccountId) -> Result<Vec<PositionView>, Error> {
		let at = self.best().await?;
		let call = runtime::runtime_apis().staking_api().positions(delegator.clone(), 1024);
		Ok(at.runtime_apis().call(call).await?.into_iter().map(Into::into).collect())
	}

	/// Delegates `amount` planck to `executor`.
	pub async fn delegate(
		&self,
		signer: &Keypair,
		executor: &AccountId,
		amount: u128,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let call = runtime::transactions().executors().delegate(executor.clone(), amount);
		self.submit(&call, signer, on_stage).await
	}

	/// Undelegates `amount` planck (everything with `None`) from `executor`; it can be withdrawn
	/// after the unbonding delay.
	pub async fn undelegate(
		&self,
		signer: &Keypair,
		executor: &AccountId,
		amount: Option<u128>,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let call = runtime::transactions()
			.executors()
			.undelegate(executor.clone(), amount.unwrap_or(u128::MAX));
		self.submit(&call, signer, on_stage).await
	}

	/// Withdraws what was undelegated from `executor`, once unlocked.
	pub async fn withdraw_delegation(
		&self,
		signer: &Keypair,
		executor: &AccountId,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let call = runtime::transactions().executors().withdraw_delegation(executor.clone());
		self.submit(&call, signer, on_stage).await
	}

	/// Sets the signer's commission (parts per billion): lower at once, higher after the delay.
	pub async fn set_commission(
		&self,
		signer: &Keypair,
		perbill: u32,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		use runtime::runtime_types::sp_arithmetic::per_things::Perbill;
		let call = runtime::transactions().executors().set_commission(Perbill(perbill));
		self.submit(&call, signer, on_stage).await
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn percentages_parse_exactly_and_show_without_trailing_zeros() {
		assert_eq!(parse_percent("5").unwrap(), 50_000_000);
		assert_eq!(parse_percent("2.5%").unwrap(), 25_000_000);
		assert_eq!(parse_percent("0.0000001").unwrap(), 1);
		assert_eq!(parse_percent("100").unwrap(), 1_000_000_000);
		assert!(parse_percent("100.0000001").is_err());
		assert!(parse_percent("0.00000001").is_err());
		assert!(parse_percent("-1").is_err());
		assert!(parse_percent("").is_err());
		assert_eq!(format_percent(50_000_000), "5%");
		assert_eq!(format_percent(25_000_000), "2.5%");
		assert_eq!(format_percent(1), "0.0000001%");
		assert_eq!(format_percent(0), "0%");
	}
}
