//! Staking: delegate OPG to an executor (it counts as the executor's stake and earns a share of
//! its fees, less commission), undelegate and withdraw after the unbonding delay, read an
//! executor's stake and a delegator's positions; executors set their commission.

use opg_api::StakingApiClient;
pub use opg_api::{CommissionChange, ExecutorStake, ExecutorStatus, Position};
use subxt_signer::sr25519::Keypair;

use crate::{
	chain_account,
	client::{Included, TxStage},
	runtime, AccountId, Client, Error,
};

/// Parts per billion in one percent.
const PERBILL_PER_PERCENT: u32 = 10_000_000;

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
	pub async fn stake(&self, executor: &AccountId) -> Result<Option<ExecutorStake>, Error> {
		Ok(self.node().executor(executor.clone(), None).await?)
	}

	/// Every executor's stake, the highest first.
	pub async fn stakes(&self) -> Result<Vec<ExecutorStake>, Error> {
		Ok(self.node().executors(None).await?)
	}

	/// `delegator`'s positions, one per executor.
	pub async fn positions(&self, delegator: &AccountId) -> Result<Vec<Position>, Error> {
		Ok(StakingApiClient::positions(self.node(), delegator.clone(), None).await?)
	}

	/// Delegates `amount` planck to `executor`.
	pub async fn delegate(
		&self,
		signer: &Keypair,
		executor: &AccountId,
		amount: u128,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let call = runtime::transactions().executors().delegate(chain_account(executor), amount);
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
			.undelegate(chain_account(executor), amount.unwrap_or(u128::MAX));
		self.submit(&call, signer, on_stage).await
	}

	/// Withdraws what was undelegated from `executor`, once unlocked.
	pub async fn withdraw_delegation(
		&self,
		signer: &Keypair,
		executor: &AccountId,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let call = runtime::transactions().executors().withdraw_delegation(chain_account(executor));
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
