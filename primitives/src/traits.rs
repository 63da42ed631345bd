//! What one pallet asks of another, declared here so that pallets depend on these primitives
//! rather than on each other:
//!
//! - [`ModelCatalog`]: the listed models and their prices (implemented by the model registry,
//!   used by the inference pallet);
//! - [`ExecutorSet`]: who serves and who owns which executor key, and the draw of executors for
//!   work (implemented by the executors pallet, used by the inference pallet);
//! - [`StakeLedger`]: paying and slashing executors' stake (implemented by the executors pallet,
//!   used by the inference pallet's payouts and dispute game).

use alloc::vec::Vec;

use crate::{
	executor::ExecutorKey,
	model::{ModelHash, ModelSpec},
};

/// A listed model as the inference pallet needs it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ListedModel<Balance> {
	/// Kind, hash, config hash and IO schema.
	pub spec: ModelSpec,
	/// The price of one inference.
	pub price: Balance,
	/// Where the bundle can be fetched (executors verify it against `spec.model`).
	pub uris: Vec<Vec<u8>>,
}

/// The models that may be requested: implemented by the model registry.
pub trait ModelCatalog<Balance> {
	/// The model if it is listed now, else `None`.
	fn listed(model: &ModelHash) -> Option<ListedModel<Balance>>;
}

/// The executors that serve, as the inference pallet asks for them: implemented by the
/// executors pallet.
///
/// An executor *serves* when it is active (registered, not unbonding) and, in a runtime that lets
/// only the current validators serve, one of them.
pub trait ExecutorSet<AccountId> {
	/// An executor that serves, not in `exclude`, drawn with probability proportional to its
	/// stake (its bond plus its delegators' active pool) from the 32 random bytes `seed`; `None`
	/// if none is left.
	fn select(seed: &[u8; 32], exclude: &[AccountId]) -> Option<AccountId>;
	/// The executor that registered `key`, active or unbonding.
	fn owner_of(key: &ExecutorKey) -> Option<AccountId>;
	/// The key registered by `executor`.
	fn key_of(executor: &AccountId) -> Option<ExecutorKey>;
	/// How many executors serve.
	fn active_count() -> u32;
}

/// Paying and slashing an executor's stake, for the inference market and its dispute game:
/// implemented by the executors pallet.
pub trait StakeLedger<AccountId, Balance> {
	/// The executor's own bond (zero if it is not an executor).
	fn bond_of(executor: &AccountId) -> Balance;
	/// Everything a slash of `executor` can reach: its bond plus its pool (active and unbonding).
	fn stake_of(executor: &AccountId) -> Balance;
	/// Moves up to `amount` of `executor`'s stake to `to`'s free balance, pro rata from its bond
	/// and its delegators' pool; returns how much moved. An executor whose bond falls below the
	/// minimum stops taking work: it is unbonding from then on, with its full unbonding period
	/// ahead.
	fn slash(executor: &AccountId, amount: Balance, to: &AccountId) -> Balance;
	/// `executor` was just paid `amount` (already in its free balance): moves its delegators'
	/// share, less commission, into its pool. Returns the pool's part.
	fn reward(executor: &AccountId, amount: Balance) -> Balance;
}
