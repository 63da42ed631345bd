//! A test runtime with balances and the registry; the listing origin is root.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate as pallet_model_registry;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
	BoundedVec,
};
use frame_system::EnsureRoot;
use opg_primitives::{
	Dim, InputSchema, IoSchema, ModelHash, ModelKind, ModelSpec, OutputSchema, TensorDType,
	TensorSchema,
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

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
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type ModelRegistry = pallet_model_registry;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type Balance = Balance;
	type ExistentialDeposit = ExistentialDeposit;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const POOR: AccountId = 3;
pub const TREASURY: AccountId = 99;
pub const ED: Balance = 10;
pub const DEPOSIT_BASE: Balance = 100;
pub const DEPOSIT_PER_BYTE: Balance = 1;
pub const MAX_PRICE: Balance = 1_000;
pub const PRICE_DELAY: u64 = 10;
pub const MAX_PROPOSALS: u32 = 3;
pub const SURCHARGE: Balance = 7;

parameter_types! {
	pub const ExistentialDeposit: Balance = ED;
	pub const Treasury: AccountId = TREASURY;
	pub const DepositBase: Balance = DEPOSIT_BASE;
	pub const DepositPerByte: Balance = DEPOSIT_PER_BYTE;
	pub const MaxPrice: Balance = MAX_PRICE;
	pub const MaxModelSize: u64 = opg_primitives::limits::MAX_MODEL_BYTES;
}

impl pallet_model_registry::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ListingOrigin = EnsureRoot<AccountId>;
	type Treasury = Treasury;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type MaxPrice = MaxPrice;
	type PriceIncreaseDelay = ConstU64<PRICE_DELAY>;
	type MaxModelSize = MaxModelSize;
	type MaxModels = ConstU32<4>;
	type MaxProposals = ConstU32<MAX_PROPOSALS>;
	type ProposalSurcharge = ConstU64<SURCHARGE>;
	type MaxNameLen = ConstU32<32>;
	type MaxDescriptionLen = ConstU32<64>;
	type MaxUris = ConstU32<2>;
	type MaxUriLen = ConstU32<64>;
	type WeightInfo = ();
}

/// A model hash for tests: `n` repeated.
pub fn hash(n: u8) -> ModelHash {
	ModelHash::repeat_byte(n)
}

/// A valid proposal of an MLP over 64 f32 features returning 10 f32 scores.
pub fn proposal(n: u8) -> crate::ModelProposalOf<Test> {
	let schema = IoSchema {
		input: InputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(64)]).unwrap(),
		),
		output: OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(10)]).unwrap(),
		),
		max_batch: 16,
	};
	crate::ModelProposal {
		spec: ModelSpec { kind: ModelKind::Mlp, model: hash(n), config_hash: hash(200), schema },
		name: BoundedVec::truncate_from(b"digits-mlp".to_vec()),
		description: BoundedVec::truncate_from(b"handwritten digits".to_vec()),
		price: 50,
		uris: BoundedVec::truncate_from(vec![BoundedVec::truncate_from(
			b"https://models.example/digits".to_vec(),
		)]),
		size: 10_000,
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, 10_000), (BOB, 10_000), (POOR, 150)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext: sp_io::TestExternalities = storage.into();
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs a test and then checks the pallet's invariants.
pub fn test(f: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		f();
		ModelRegistry::do_try_state().expect("invariants hold");
	});
}
