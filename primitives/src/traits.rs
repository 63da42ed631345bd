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

/// What a slash took from an executor, and whom it paid.
///
/// A slash takes the executor's own bond first (first loss) and only then its delegators' pool.
/// Only the bond part pays anyone named by the slasher; the pool part, and whatever of the bond
/// part nobody was paid, goes to the treasury.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Slashed<AccountId, Balance> {
	/// Taken from the executor's own bond.
	pub from_bond: Balance,
	/// Taken from its delegators' pool (active and unbonding), all to the treasury.
	pub from_pool: Balance,
	/// Who was paid what out of `from_bond`, in the order asked (each at most what it asked).
	pub paid: Vec<(AccountId, Balance)>,
}

impl<AccountId, Balance: Default> Default for Slashed<AccountId, Balance> {
	fn default() -> Self {
		Self { from_bond: Balance::default(), from_pool: Balance::default(), paid: Vec::new() }
	}
}

/// Paying and slashing an executor's stake, for the inference market and its dispute game:
/// implemented by the executors pallet.
pub trait StakeLedger<AccountId, Balance> {
	/// The executor's own bond (zero if it is not an executor).
	fn bond_of(executor: &AccountId) -> Balance;
	/// Everything a slash of `executor` can reach: its bond plus its pool (active and unbonding).
	fn stake_of(executor: &AccountId) -> Balance;
	/// A penalty (a committee member that did not vote with the majority): up to `amount` of
	/// `executor`'s stake, its bond first, all to the treasury. An executor whose bond falls below
	/// the minimum stops taking work: it is unbonding from then on.
	fn penalize(executor: &AccountId, amount: Balance) -> Slashed<AccountId, Balance>;
	/// The slash of a fault (a lost dispute): up to `amount` of `executor`'s stake, its bond
	/// first. Faults of one executor share one slash: while it stays registered only the part of
	/// `amount` above its largest earlier fault slash is taken (the largest counts), and its
	/// first fault ends its work at once (it is unbonding from then on). `payees(from_bond)`
	/// says who is paid what out of the bond part; the rest goes to the treasury.
	fn slash_fault(
		executor: &AccountId,
		amount: Balance,
		payees: impl FnOnce(Balance) -> Vec<(AccountId, Balance)>,
	) -> Slashed<AccountId, Balance>;
	/// `executor` was just paid `amount` (already in its free balance): moves its delegators'
	/// share, less commission, into its pool. Returns the pool's part.
	fn reward(executor: &AccountId, amount: Balance) -> Balance;
}
