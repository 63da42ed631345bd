//! # OPG runtime
//!
//! The state transition function of the OPG appchain, compiled to WASM and run by every node.
//!
//! ## Overview
//! - Consensus: Aura block production with GRANDPA finality; validators change at session
//!   boundaries, chosen by stake (own bond plus delegations) — see `configs::staking`.
//! - Native token **OPG** with 18 decimals ([`currency`]), held by `pallet-balances`; fees by
//!   `pallet-transaction-payment`.
//! - `pallet-sudo` exists for the `development` and `local_testnet` presets only: both give the
//!   root key to Alice. A public network's chain spec must set no sudo key (and a later runtime
//!   upgrade removes the pallet once governance can do what sudo does).
//!
//! The runtime is split as the polkadot-sdk solochain template does: pallet configuration in
//! [`configs`], runtime APIs in [`apis`], genesis presets in [`genesis_config_presets`].
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-generated code trips lints meant for hand-written code.
#![allow(clippy::arithmetic_side_effects)]
// `#[frame_support::runtime]` expands to a `#[recursion_limit]`-heavy type: this keeps it compiling.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod governance;

use alloc::vec::Vec;
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Amounts of OPG, the native token. One OPG is `10^18` of the smallest unit (planck).
pub mod currency {
	use super::Balance;

	/// Number of decimals of OPG.
	pub const DECIMALS: u8 = 18;
	/// The ticker shown by wallets.
	pub const TOKEN_SYMBOL: &str = "OPG";
	/// One OPG.
	pub const OPG: Balance = 1_000_000_000_000_000_000;
	/// A thousandth of an OPG.
	pub const MILLI_OPG: Balance = OPG / 1_000;
	/// A millionth of an OPG.
	pub const MICRO_OPG: Balance = OPG / 1_000_000;

	/// The smallest balance an account may hold: 0.01 OPG.
	///
	/// Chosen so that keeping an account alive costs about what its storage item (~100 bytes)
	/// costs in storage deposits elsewhere on the chain, and so that dust accounts are reaped: an
	/// account created with less than this is refused, one that falls below it is removed.
	pub const EXISTENTIAL_DEPOSIT: Balance = 10 * MILLI_OPG;
}

/// Block times and derived durations.
pub mod time {
	use super::BlockNumber;

	/// Target time between two blocks. Aura slots have this length; it cannot change after genesis.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;
	/// The length of an Aura slot.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

	/// Blocks in a minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks in an hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks in a day.
	pub const DAYS: BlockNumber = HOURS * 24;
}

/// An index to a block.
pub type BlockNumber = u32;
/// A transaction signature: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;
/// An account is identified by the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance of OPG in planck (`10^-18` OPG).
pub type Balance = u128;
/// The number of transactions an account has sent.
pub type Nonce = u32;
/// A hash of data on the chain.
pub type Hash = sp_core::H256;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// The keys a validator registers: Aura for authoring, GRANDPA for finality, and the
		/// executor key (`infr`) its off-chain worker signs results with.
		pub struct SessionKeys {
			pub aura: Aura,
			pub grandpa: Grandpa,
			pub infr: Executors,
		}
	}
}

/// The version of this runtime. `spec_version` must increase with every runtime upgrade.
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("opg"),
	impl_name: alloc::borrow::Cow::Borrowed("opg-node"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The address format of extrinsics.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The checks and payments applied to every transaction.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);
/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run at the next runtime upgrade, besides the pallets' own.
type Migrations = ();

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	/// Declared before the session pallet: its `on_initialize` reads the slot's author before a
	/// session change replaces the authorities.
	#[runtime::pallet_index(7)]
	pub type Randomness = pallet_randomness;

	// Governance: OpenGov.
	#[runtime::pallet_index(10)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(11)]
	pub type Scheduler = pallet_scheduler;

	#[runtime::pallet_index(12)]
	pub type Referenda = pallet_referenda;

	#[runtime::pallet_index(13)]
	pub type ConvictionVoting = pallet_conviction_voting;

	#[runtime::pallet_index(14)]
	pub type Origins = crate::governance::origins::pallet_custom_origins;

	// The AI model market.
	#[runtime::pallet_index(20)]
	pub type ModelRegistry = pallet_model_registry;

	#[runtime::pallet_index(21)]
	pub type Executors = pallet_executors;

	#[runtime::pallet_index(22)]
	pub type Inference = pallet_inference;

	#[runtime::pallet_index(23)]
	pub type Session = pallet_session;
}

#[cfg(test)]
mod staking_tests;
#[cfg(test)]
mod tests;
