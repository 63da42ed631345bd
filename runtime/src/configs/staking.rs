//! Who validates: sessions, and the rule that picks each session's validators from stake.
//!
//! ## The choice: `pallet-session` with a session manager fed by the executors' stake
//!
//! Validators and executors are the same accounts: a node that authors blocks also runs the
//! models it is assigned, and its stake answers for both. Rather than `pallet-staking` (whose
//! nominators, eras, exposure pages, reward points and bags-list election solve Polkadot's
//! problem of hundreds of validators and tens of thousands of nominators), the set is chosen by
//! [`StakeSessionManager`] (below) from the stake `pallet-executors` keeps:
//!
//! - **Stake** = an executor's own bond + the active OPG its delegators put in its pool
//!   (`pallet_executors` docs: payouts, pro-rata slashes, commission, unbonding).
//! - **The rule.** At the end of every session the [`ValidatorCount`](pallet_executors::ValidatorCount)
//!   *active* executors with the most stake that have **session keys** set (`aura`, `grandpa`,
//!   `infr`, via `author_rotateKeys` + `Session::set_keys`) are chosen; ties go to the lower
//!   account id. If the choice equals the queued set, or nobody qualifies, the set is kept (no
//!   needless GRANDPA set change). `pallet-session` applies a set chosen at the end of session `s`
//!   at the start of session `s + 2`: joining or leaving takes one to two sessions
//!   ([`SessionPeriod`] blocks each).
//! - **Work follows the set.** Only the current session's validators are drawn for requests and
//!   dispute committees, by stake; an executor voted out still answers what it was assigned,
//!   and stays slashable through its unbonding period.
//!
//! What operators and delegators should know (the limits of this choice):
//! - no nominator-style backing of several validators at once: a delegation backs one executor
//!   (delegate to several to spread risk), and its slashes are that executor's;
//! - no block-authoring rewards or inflation: executors and delegators earn from inference fees;
//! - no equivocation reports yet (Aura and GRANDPA offences are not slashed, only wrong results
//!   are), and no disabling of misbehaving validators within a session;
//! - with 3 validators GRANDPA needs all 3 online to finalize (more than 2/3); with 4, any 3.
//!
//! The dev chain keeps one validator (Alice, `ValidatorCount` 1), the local chain three.

use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::traits::ConvertInto;

use crate::{
	currency::OPG, opaque::SessionKeys, AccountId, Balance, Balances, BlockNumber, Executors,
	Runtime, RuntimeEvent,
};
use alloc::vec::Vec;

/// A session's number.
type SessionIndex = u32;

parameter_types! {
	/// Ten blocks (one minute): short, for the test networks this runtime runs today, so a new
	/// validator joins within two minutes. A public network would use hours.
	pub const SessionPeriod: BlockNumber = 10;
	pub const SessionOffset: BlockNumber = 0;
	/// Held while session keys are set: 1 OPG.
	pub const SessionKeyDeposit: Balance = OPG;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	/// Anyone may set keys; only executors are elected.
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type SessionManager = StakeSessionManager;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// Nobody is disabled within a session (no offences are reported yet).
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = SessionKeyDeposit;
}

/// The largest validator set.
pub type MaxValidators = ConstU32<32>;

/// Chooses each session's validators from the executors' stake ([`Executors::elect`]), among
/// accounts with session keys.
pub struct StakeSessionManager;

impl pallet_session::SessionManager<AccountId> for StakeSessionManager {
	fn new_session(index: SessionIndex) -> Option<Vec<AccountId>> {
		let elected =
			Executors::elect(|who| pallet_session::NextKeys::<Runtime>::contains_key(who));
		if elected.is_empty() {
			log::warn!(target: "runtime::staking", "session {index}: no executor qualifies, keeping the validators");
			return None;
		}
		let mut queued: Vec<AccountId> =
			pallet_session::QueuedKeys::<Runtime>::get().into_iter().map(|(who, _)| who).collect();
		queued.sort();
		if queued == elected {
			return None;
		}
		log::info!(target: "runtime::staking", "session {index}: validators {elected:?}");
		Some(elected)
	}

	/// The genesis validators are the ones given with their keys in the chain spec.
	fn new_session_genesis(_index: SessionIndex) -> Option<Vec<AccountId>> {
		None
	}

	fn end_session(_index: SessionIndex) {}

	fn start_session(_index: SessionIndex) {}
}
