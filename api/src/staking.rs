//! Stake: `staking_executor`, `staking_executors`, `staking_delegators`, `staking_positions`.

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use sp_core::Bytes;

use crate::{AccountId, Balance, BlockHash, BlockNumber};

/// Whether an executor is active or leaving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all_fields = "camelCase")]
pub enum ExecutorStatus {
	/// Bonded and drawn for work.
	Active,
	/// Leaving: drawn for nothing new; its bond can be withdrawn from block `unlocks_at`.
	Unbonding {
		/// The first block the bond can be withdrawn in.
		unlocks_at: BlockNumber,
	},
}

/// An announced commission increase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionChange {
	/// The new commission, parts per billion of the delegators' share.
	pub perbill: u32,
	/// The block it applies from.
	pub from: BlockNumber,
}

/// An executor's stake, terms and earnings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutorStake {
	/// The executor.
	pub executor: AccountId,
	/// The key its node signs results with (`infr`, sr25519), hex.
	pub key: Bytes,
	/// Active or unbonding (`"state"`, and `"unlocksAt"` while unbonding).
	#[serde(flatten)]
	pub status: ExecutorStatus,
	/// Its own bond.
	#[serde(with = "crate::amount")]
	pub bond: Balance,
	/// The active value of its delegators' pool: counts as stake and earns.
	#[serde(with = "crate::amount")]
	pub delegated: Balance,
	/// Undelegated stake waiting to be withdrawn: slashable, earns nothing.
	#[serde(with = "crate::amount")]
	pub unbonding: Balance,
	/// What the election and the draw weigh: bond + delegated (zero once unbonding).
	#[serde(with = "crate::amount")]
	pub stake: Balance,
	/// How many delegators it has (active or unbonding).
	pub delegators: u32,
	/// Its commission now, parts per billion of its delegators' share.
	pub commission_perbill: u32,
	/// An announced increase.
	pub next_commission: Option<CommissionChange>,
	/// What it has been paid for its work (own share plus commission), ever.
	#[serde(with = "crate::amount")]
	pub earned: Balance,
	/// What its delegators have been paid into the pool, ever.
	#[serde(with = "crate::amount")]
	pub delegator_rewards: Balance,
	/// Whether it validates in the current session.
	pub validator: bool,
}

/// One delegator's position with one executor, valued now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Position {
	/// The executor delegated to.
	pub executor: AccountId,
	/// The delegator.
	pub delegator: AccountId,
	/// The value of its active points: stake that earns.
	#[serde(with = "crate::amount")]
	pub active: Balance,
	/// Its share of the pool's active value, parts per billion.
	pub share_perbill: u32,
	/// The value of what it undelegated and has not withdrawn yet.
	#[serde(with = "crate::amount")]
	pub unbonding: Balance,
	/// When that can be withdrawn (null when nothing is unbonding).
	pub unlocks_at: Option<BlockNumber>,
	/// Everything it ever delegated to this executor.
	#[serde(with = "crate::amount")]
	pub delegated: Balance,
	/// Everything it ever withdrew from this executor.
	#[serde(with = "crate::amount")]
	pub withdrawn: Balance,
}

/// The `staking_*` methods.
#[rpc(client, server, namespace = "staking")]
pub trait StakingApi {
	/// `executor`'s stake, commission and earnings, or null if it is not an executor.
	#[method(name = "executor")]
	fn executor(
		&self,
		executor: AccountId,
		at: Option<BlockHash>,
	) -> RpcResult<Option<ExecutorStake>>;

	/// Every executor's stake, the highest first (ties: the lower account id).
	#[method(name = "executors")]
	fn executors(&self, at: Option<BlockHash>) -> RpcResult<Vec<ExecutorStake>>;

	/// Up to `limit` (default and most: the runtime API's cap) delegators of `executor`, after
	/// `after`.
	#[method(name = "delegators")]
	fn delegators(
		&self,
		executor: AccountId,
		after: Option<AccountId>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<Position>>;

	/// `delegator`'s positions, one per executor (at most the runtime API's cap).
	#[method(name = "positions")]
	fn positions(&self, delegator: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<Position>>;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use serde_json::json;

	#[test]
	fn an_unbonding_executor_shows_its_state_and_unlock_block() {
		let stake = ExecutorStake {
			executor: AccountId::new([4; 32]),
			key: Bytes(vec![0xab; 32]),
			status: ExecutorStatus::Unbonding { unlocks_at: 99 },
			bond: 1_000_000_000_000_000_000_000,
			delegated: 5,
			unbonding: 0,
			stake: 0,
			delegators: 1,
			commission_perbill: 50_000_000,
			next_commission: Some(CommissionChange { perbill: 100_000_000, from: 120 }),
			earned: 7,
			delegator_rewards: 3,
			validator: false,
		};
		let json = serde_json::to_value(&stake).unwrap();
		assert_eq!(json["state"], "Unbonding");
		assert_eq!(json["unlocksAt"], 99);
		assert_eq!(json["bond"], "1000000000000000000000");
		assert_eq!(json["key"], format!("0x{}", "ab".repeat(32)));
		assert_eq!(json["nextCommission"], json!({"perbill": 100_000_000, "from": 120}));
		assert_eq!(serde_json::from_value::<ExecutorStake>(json).unwrap(), stake);
		let active = ExecutorStake { status: ExecutorStatus::Active, ..stake };
		let json = serde_json::to_value(&active).unwrap();
		assert_eq!(json["state"], "Active");
		assert!(json.get("unlocksAt").is_none());
		assert_eq!(serde_json::from_value::<ExecutorStake>(json).unwrap(), active);
	}
}
