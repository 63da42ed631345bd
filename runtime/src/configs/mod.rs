//! Configuration of every pallet in the runtime.
//!
//! Figures that matter to users (fees, existential deposit, block time) are set here and
//! explained where they are set.

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		ConstantMultiplier, Weight,
	},
};
use frame_support::{traits::tokens::imbalance::ResolveTo, PalletId};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
	traits::{AccountIdConversion, One},
	Perbill,
};
use sp_version::RuntimeVersion;

mod market;
pub use market::*;
mod staking;
pub use staking::*;

use super::{
	currency::{EXISTENTIAL_DEPOSIT, MICRO_OPG, MILLI_OPG, OPG},
	time::SLOT_DURATION,
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	System, VERSION,
};

/// Up to 75% of a block is for normal transactions; the rest is kept for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// The largest block, in bytes.
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// Two seconds of compute in a six-second block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAX_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	/// The generic Substrate SS58 prefix, until OPG registers its own.
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores its state in ParityDB.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

/// The current block's author for the randomness pallet: the Aura authority of the current
/// slot (`authorities[slot % n]`, as Aura's own slot claim), with its sr25519 key, which signs
/// the block's VRF.
pub struct AuraSlotAuthor;

impl pallet_randomness::SlotAuthor for AuraSlotAuthor {
	fn author() -> Option<(u64, sp_core::sr25519::Public)> {
		let slot = u64::from(pallet_aura::CurrentSlot::<Runtime>::get());
		let authorities = pallet_aura::Authorities::<Runtime>::get();
		let count = u64::try_from(authorities.len()).ok().filter(|n| *n > 0)?;
		let index = usize::try_from(slot.checked_rem(count)?).ok()?;
		let author = authorities.get(index)?;
		Some((slot, author.clone().into_inner()))
	}
}

impl pallet_randomness::Config for Runtime {
	type SlotAuthor = AuraSlotAuthor;
	type WeightInfo = pallet_randomness::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = RandomnessBenchmarkHelper;
}

/// The benchmark's VRF (the randomness pallet's vector: WASM cannot sign one).
#[cfg(feature = "runtime-benchmarks")]
pub struct RandomnessBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_randomness::BenchmarkHelper for RandomnessBenchmarkHelper {
	fn vrf() -> ([u8; 32], u64, sp_core::sr25519::Public, pallet_randomness::AuthorVrf) {
		pallet_randomness::benchmark_vrf()
	}
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	/// Equivocation reports need historical session proofs; until then they are not accepted.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

/// Fee per unit of ref-time weight: one full second of block compute (`10^12` weight) costs 1 OPG.
pub const FEE_PER_REF_TIME: Balance = OPG / WEIGHT_REF_TIME_PER_SECOND as Balance;
/// Fee per byte of an extrinsic: one micro-OPG. A balance transfer costs about 0.0004 OPG in all.
pub const FEE_PER_BYTE: Balance = MICRO_OPG;

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Transaction fees go to the treasury.
	type OnChargeTransaction = FungibleAdapter<Balances, ResolveTo<TreasuryAccount, Balances>>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = ConstantMultiplier<Balance, ConstU128<FEE_PER_REF_TIME>>;
	type LengthToFee = ConstantMultiplier<Balance, ConstU128<FEE_PER_BYTE>>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The treasury's pallet id: its account receives transaction fees, slashed deposits and the
	/// protocol's share of inference fees.
	pub const TreasuryPalletId: PalletId = PalletId(*b"opg/trsy");
	/// The treasury account, derived from [`TreasuryPalletId`].
	pub TreasuryAccount: AccountId = TreasuryPalletId::get().into_account_truncating();
}

parameter_types! {
	/// A model record costs 1 OPG plus 0.01 OPG per byte stored (about 6 OPG for a typical one).
	pub const ModelDepositBase: Balance = OPG;
	pub const ModelDepositPerByte: Balance = 10 * MILLI_OPG;
	/// No model may ask more than 1,000 OPG per inference.
	pub const MaxModelPrice: Balance = 1_000 * OPG;
	/// Bundles up to 512 MiB, what every engine loads (`opg_primitives::limits`): executors keep
	/// loaded models in memory.
	pub const MaxModelSize: u64 = opg_primitives::limits::MAX_MODEL_BYTES;
	/// Each waiting proposal adds 10 OPG to the next one's deposit (returned on listing): the
	/// 256 proposals that fill the queue hold about 326,000 OPG on top of their deposits.
	pub const ModelProposalSurcharge: Balance = 10 * OPG;
}

impl pallet_model_registry::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ListingOrigin = crate::governance::ListingOrigin;
	type Treasury = TreasuryAccount;
	type DepositBase = ModelDepositBase;
	type DepositPerByte = ModelDepositPerByte;
	type MaxPrice = MaxModelPrice;
	/// A day, as commission increases wait.
	type PriceIncreaseDelay = ConstU32<{ crate::time::DAYS }>;
	type MaxModelSize = MaxModelSize;
	type MaxModels = ConstU32<1024>;
	type MaxProposals = ConstU32<256>;
	type ProposalSurcharge = ModelProposalSurcharge;
	type MaxNameLen = ConstU32<64>;
	type MaxDescriptionLen = ConstU32<512>;
	type MaxUris = ConstU32<4>;
	type MaxUriLen = ConstU32<256>;
	type WeightInfo = pallet_model_registry::weights::SubstrateWeight<Runtime>;
}
