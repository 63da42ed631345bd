//! JSON-RPC of the executors pallet: `staking_executor`, `staking_executors`,
//! `staking_delegators` and `staking_positions`, answering typed JSON (amounts in planck as
//! decimal strings, commissions in parts per billion, accounts in SS58).

use std::{fmt::Display, sync::Arc};

use codec::Codec;
use jsonrpsee::{
	core::{async_trait, RpcResult},
	proc_macros::rpc,
	types::{error::ErrorObject, ErrorObjectOwned},
};
use pallet_executors_runtime_api::{DelegatorPosition, ExecutorStake, ExecutorStatus};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

pub use pallet_executors_runtime_api::StakingApi as StakingRuntimeApi;

/// The most delegators or positions one call returns (page with `after` for more).
pub const MAX_PAGE: u32 = 1024;

/// An announced commission increase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommissionChangeJson {
	/// The new commission, parts per billion.
	pub perbill: u32,
	/// The block it applies from.
	pub from: u64,
}

/// An executor's stake, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutorStakeJson {
	/// The executor (SS58).
	pub executor: String,
	/// Its node's `infr` key, hex.
	pub key: String,
	/// `Active` or `Unbonding`.
	pub state: String,
	/// While unbonding, the first block its bond can be withdrawn in.
	pub unlocks_at: Option<u64>,
	/// Its own bond.
	pub bond: String,
	/// Its delegators' active stake.
	pub delegated: String,
	/// Undelegated stake waiting to be withdrawn.
	pub unbonding: String,
	/// What the election and the draw weigh: bond + delegated (0 once unbonding).
	pub stake: String,
	/// How many delegators it has.
	pub delegators: u32,
	/// Its commission now, parts per billion of its delegators' share.
	pub commission_perbill: u32,
	/// An announced increase.
	pub next_commission: Option<CommissionChangeJson>,
	/// What it has earned (own share plus commission), ever.
	pub earned: String,
	/// What its delegators have earned, ever.
	pub delegator_rewards: String,
	/// Whether it validates in the current session.
	pub validator: bool,
}

impl<AccountId: Display, Balance: Display, BlockNumber: Into<u64>>
	From<ExecutorStake<AccountId, Balance, BlockNumber>> for ExecutorStakeJson
{
	fn from(s: ExecutorStake<AccountId, Balance, BlockNumber>) -> Self {
		let (state, unlocks_at) = match s.status {
			ExecutorStatus::Active => ("Active", None),
			ExecutorStatus::Unbonding { unlocks_at } => ("Unbonding", Some(unlocks_at.into())),
		};
		ExecutorStakeJson {
			executor: s.executor.to_string(),
			key: format!(
				"0x{}",
				AsRef::<[u8]>::as_ref(&s.key)
					.iter()
					.map(|b| format!("{b:02x}"))
					.collect::<String>()
			),
			state: state.into(),
			unlocks_at,
			bond: s.bond.to_string(),
			delegated: s.delegated.to_string(),
			unbonding: s.unbonding.to_string(),
			stake: s.stake.to_string(),
			delegators: s.delegators,
			commission_perbill: s.commission.deconstruct(),
			next_commission: s.next_commission.map(|(c, from)| CommissionChangeJson {
				perbill: c.deconstruct(),
				from: from.into(),
			}),
			earned: s.earned.to_string(),
			delegator_rewards: s.delegator_rewards.to_string(),
			validator: s.validator,
		}
	}
}

/// A delegator's position with an executor, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionJson {
	/// The executor (SS58).
	pub executor: String,
	/// The delegator (SS58).
	pub delegator: String,
	/// Its active stake's value now.
	pub active: String,
	/// Its share of the pool's active stake, parts per billion.
	pub share_perbill: u32,
	/// The value of what it undelegated and not withdrawn yet.
	pub unbonding: String,
	/// When that can be withdrawn.
	pub unlocks_at: Option<u64>,
	/// Everything it delegated to this executor, ever.
	pub delegated: String,
	/// Everything it withdrew, ever.
	pub withdrawn: String,
}

impl<AccountId: Display, Balance: Display, BlockNumber: Into<u64>>
	From<DelegatorPosition<AccountId, Balance, BlockNumber>> for PositionJson
{
	fn from(p: DelegatorPosition<AccountId, Balance, BlockNumber>) -> Self {
		PositionJson {
			executor: p.executor.to_string(),
			delegator: p.delegator.to_string(),
			active: p.active.to_string(),
			share_perbill: p.share.deconstruct(),
			unbonding: p.unbonding.to_string(),
			unlocks_at: p.unlocks_at.map(Into::into),
			delegated: p.delegated.to_string(),
			withdrawn: p.withdrawn.to_string(),
		}
	}
}

/// The `staking_*` methods.
#[rpc(server, namespace = "staking")]
pub trait StakingRpc<BlockHash, AccountId> {
	/// `executor`'s stake, commission and earnings, or null if it is not an executor.
	#[method(name = "executor")]
	fn executor(
		&self,
		executor: AccountId,
		at: Option<BlockHash>,
	) -> RpcResult<Option<ExecutorStakeJson>>;

	/// Every executor's stake, the highest first.
	#[method(name = "executors")]
	fn executors(&self, at: Option<BlockHash>) -> RpcResult<Vec<ExecutorStakeJson>>;

	/// Up to `limit` (default and most: 1024) delegators of `executor`, after `after`.
	#[method(name = "delegators")]
	fn delegators(
		&self,
		executor: AccountId,
		after: Option<AccountId>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<PositionJson>>;

	/// `delegator`'s positions, one per executor (at most 1024).
	#[method(name = "positions")]
	fn positions(
		&self,
		delegator: AccountId,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<PositionJson>>;
}

/// Serves `staking_*` from the runtime API.
pub struct Staking<C, Block, AccountId, Balance, BlockNumber> {
	client: Arc<C>,
	_types: std::marker::PhantomData<fn() -> (Block, AccountId, Balance, BlockNumber)>,
}

impl<C, Block, AccountId, Balance, BlockNumber> Staking<C, Block, AccountId, Balance, BlockNumber> {
	/// A server over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client, _types: Default::default() }
	}
}

/// Error code of a failed runtime API call.
pub const RUNTIME_ERROR: i32 = 1;

fn runtime_error(e: impl std::fmt::Debug) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(format!("{e:?}")))
}

#[async_trait]
impl<C, Block, AccountId, Balance, BlockNumber> StakingRpcServer<<Block as BlockT>::Hash, AccountId>
	for Staking<C, Block, AccountId, Balance, BlockNumber>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: StakingRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: Codec + Display + Clone + Send + Sync + serde::de::DeserializeOwned + 'static,
	Balance: Codec + Display + Send + Sync + 'static,
	BlockNumber: Codec + Into<u64> + Send + Sync + 'static,
{
	fn executor(
		&self,
		executor: AccountId,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<ExecutorStakeJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let stake = self.client.runtime_api().executor(at, executor).map_err(runtime_error)?;
		Ok(stake.map(Into::into))
	}

	fn executors(&self, at: Option<Block::Hash>) -> RpcResult<Vec<ExecutorStakeJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let all = self.client.runtime_api().executors(at).map_err(runtime_error)?;
		Ok(all.into_iter().map(Into::into).collect())
	}

	fn delegators(
		&self,
		executor: AccountId,
		after: Option<AccountId>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<Vec<PositionJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let limit = limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
		let page = self
			.client
			.runtime_api()
			.delegators(at, executor, after, limit)
			.map_err(runtime_error)?;
		Ok(page.into_iter().map(Into::into).collect())
	}

	fn positions(
		&self,
		delegator: AccountId,
		at: Option<Block::Hash>,
	) -> RpcResult<Vec<PositionJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let all =
			self.client.runtime_api().positions(at, delegator, MAX_PAGE).map_err(runtime_error)?;
		Ok(all.into_iter().map(Into::into).collect())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_runtime::Perbill;

	#[test]
	fn executor_stake_serializes_amounts_as_decimal_strings() {
		let stake = ExecutorStake::<u64, u128, u32> {
			executor: 4,
			key: sp_runtime::app_crypto::ByteArray::from_slice(&[7u8; 32]).unwrap(),
			status: ExecutorStatus::Unbonding { unlocks_at: 90 },
			bond: 1_000,
			delegated: 20_000_000_000_000_000_000_000,
			unbonding: 5,
			stake: 0,
			delegators: 2,
			commission: Perbill::from_percent(5),
			next_commission: Some((Perbill::from_percent(10), 40)),
			earned: 77,
			delegator_rewards: 33,
			validator: false,
		};
		let json = serde_json::to_value(ExecutorStakeJson::from(stake)).unwrap();
		assert_eq!(
			json,
			serde_json::json!({
				"executor": "4", "key": format!("0x{}", "07".repeat(32)), "state": "Unbonding",
				"unlocksAt": 90, "bond": "1000", "delegated": "20000000000000000000000",
				"unbonding": "5", "stake": "0", "delegators": 2, "commissionPerbill": 50_000_000,
				"nextCommission": {"perbill": 100_000_000, "from": 40}, "earned": "77",
				"delegatorRewards": "33", "validator": false
			})
		);
	}

	#[test]
	fn positions_serialize_with_their_share() {
		let p = DelegatorPosition::<u64, u128, u32> {
			executor: 4,
			delegator: 5,
			active: 300,
			share: Perbill::from_percent(75),
			unbonding: 0,
			unlocks_at: None,
			delegated: 400,
			withdrawn: 100,
		};
		assert_eq!(
			serde_json::to_value(PositionJson::from(p)).unwrap(),
			serde_json::json!({
				"executor": "4", "delegator": "5", "active": "300", "sharePerbill": 750_000_000,
				"unbonding": "0", "unlocksAt": null, "delegated": "400", "withdrawn": "100"
			})
		);
	}
}
