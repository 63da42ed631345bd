//! Runtime API of the executors pallet: who has what at stake, on what terms, and who backs
//! whom — for the `staking_*` JSON-RPC and for clients.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_executors::{DelegatorPosition, ExecutorStake, ExecutorStatus};

/// The most delegators or positions one call returns (the runtime caps `limit` to it).
pub const MAX_PAGE: u32 = 1024;

sp_api::decl_runtime_apis! {
	/// Queries of the executors pallet about stake.
	pub trait StakingApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// `executor`'s bond, delegated stake, commission and earnings; `None` if it is not an
		/// executor.
		fn executor(executor: AccountId) -> Option<ExecutorStake<AccountId, Balance, BlockNumber>>;

		/// Every executor's stake, the highest first.
		fn executors() -> Vec<ExecutorStake<AccountId, Balance, BlockNumber>>;

		/// Up to `limit` (capped by the runtime) delegators of `executor`, starting after
		/// `after`, with the value of their positions.
		fn delegators(
			executor: AccountId,
			after: Option<AccountId>,
			limit: u32,
		) -> Vec<DelegatorPosition<AccountId, Balance, BlockNumber>>;

		/// Up to `limit` (capped by the runtime) positions of `delegator`, one per executor.
		fn positions(delegator: AccountId, limit: u32) -> Vec<DelegatorPosition<AccountId, Balance, BlockNumber>>;
	}
}
