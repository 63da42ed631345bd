//! The server side of `staking_*` ([`opg_api::StakingApi`]): the executors pallet's runtime API,
//! answered as [`opg_api::ExecutorStake`]s and [`opg_api::Position`]s.

use std::sync::Arc;

use jsonrpsee::core::RpcResult;
use opg_api::{
	server::RuntimeApi, AccountId, Balance, BlockHash, BlockNumber, CommissionChange,
	ExecutorStake, ExecutorStatus, Position,
};
use pallet_executors_runtime_api as runtime_api;
use runtime_api::{StakingApi, MAX_PAGE};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

pub use opg_api::StakingApiServer;

/// Serves `staking_*` from the runtime API.
pub struct Staking<C, Block>(RuntimeApi<C, Block>);

impl<C, Block> Staking<C, Block>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
{
	/// A server over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Staking(RuntimeApi::new(client))
	}
}

/// An executor's stake as the API shows it.
pub fn stake(s: runtime_api::ExecutorStake<AccountId, Balance, BlockNumber>) -> ExecutorStake {
	ExecutorStake {
		executor: s.executor,
		key: AsRef::<[u8]>::as_ref(&s.key).to_vec().into(),
		status: match s.status {
			runtime_api::ExecutorStatus::Active => ExecutorStatus::Active,
			runtime_api::ExecutorStatus::Unbonding { unlocks_at } => {
				ExecutorStatus::Unbonding { unlocks_at }
			}
		},
		bond: s.bond,
		delegated: s.delegated,
		unbonding: s.unbonding,
		stake: s.stake,
		delegators: s.delegators,
		commission_perbill: s.commission.deconstruct(),
		next_commission: s
			.next_commission
			.map(|(c, from)| CommissionChange { perbill: c.deconstruct(), from }),
		earned: s.earned,
		delegator_rewards: s.delegator_rewards,
		validator: s.validator,
	}
}

/// A delegator's position as the API shows it.
pub fn position(p: runtime_api::DelegatorPosition<AccountId, Balance, BlockNumber>) -> Position {
	Position {
		executor: p.executor,
		delegator: p.delegator,
		active: p.active,
		share_perbill: p.share.deconstruct(),
		unbonding: p.unbonding,
		unlocks_at: p.unlocks_at,
		delegated: p.delegated,
		withdrawn: p.withdrawn,
	}
}

impl<C, Block> StakingApiServer for Staking<C, Block>
where
	Block: BlockT<Hash = BlockHash>,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: StakingApi<Block, AccountId, Balance, BlockNumber>,
{
	fn executor(
		&self,
		executor: AccountId,
		at: Option<BlockHash>,
	) -> RpcResult<Option<ExecutorStake>> {
		Ok(self.0.at(at, |api, at| api.executor(at, executor))?.map(stake))
	}

	fn executors(&self, at: Option<BlockHash>) -> RpcResult<Vec<ExecutorStake>> {
		Ok(self.0.at(at, |api, at| api.executors(at))?.into_iter().map(stake).collect())
	}

	fn delegators(
		&self,
		executor: AccountId,
		after: Option<AccountId>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<Position>> {
		let limit = limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
		let page = self.0.at(at, |api, at| api.delegators(at, executor, after, limit))?;
		Ok(page.into_iter().map(position).collect())
	}

	fn positions(&self, delegator: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<Position>> {
		let all = self.0.at(at, |api, at| api.positions(at, delegator, MAX_PAGE))?;
		Ok(all.into_iter().map(position).collect())
	}
}
