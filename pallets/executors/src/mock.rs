//! A test runtime with balances and the executors pallet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate as pallet_executors;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use opg_primitives::{ExecutorKey, ExecutorKeyProof};
use sp_runtime::{BuildStorage, Perbill};

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
	pub type Executors = pallet_executors;
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
pub const CHARLIE: AccountId = 3;
pub const DAVE: AccountId = 4;
pub const POOR: AccountId = 5;
pub const EVE: AccountId = 6;
pub const FERDIE: AccountId = 7;
pub const MIN_BOND: Balance = 100;
pub const UNBONDING: u64 = 10;
pub const MIN_DELEGATION: Balance = 10;
pub const DELEGATION_UNBONDING: u64 = 5;
pub const COMMISSION_DELAY: u64 = 7;
pub const TREASURY: AccountId = 99;

parameter_types! {
	pub const ExistentialDeposit: Balance = 1;
	pub const MinBond: Balance = MIN_BOND;
	pub const UnbondingPeriod: u64 = UNBONDING;
	pub const MinDelegation: Balance = MIN_DELEGATION;
	pub const MaxCommission: Perbill = Perbill::from_percent(50);
	pub const Treasury: AccountId = TREASURY;
	/// The bond at least a tenth of the stake (lowered by the tests of large pools).
	pub static MinSelfBond: Perbill = Perbill::from_percent(10);
	/// Flipped by the tests of the validators-only draw.
	pub static OnlyValidatorsServe: bool = false;
}

impl pallet_executors::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = MinBond;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxExecutors = ConstU32<3>;
	type MinDelegation = MinDelegation;
	type DelegationUnbondingPeriod = ConstU64<DELEGATION_UNBONDING>;
	type MaxCommission = MaxCommission;
	type CommissionChangeDelay = ConstU64<COMMISSION_DELAY>;
	type MaxValidators = ConstU32<2>;
	type MinSelfBond = MinSelfBond;
	type Treasury = Treasury;
	type OnlyValidatorsServe = OnlyValidatorsServe;
	type WeightInfo = ();
}

/// The key pair of test executor key `n` (seeded with `n` repeated).
fn pair(n: u8) -> sp_core::sr25519::Pair {
	use sp_core::Pair;
	sp_core::sr25519::Pair::from_seed(&[n; 32])
}

/// An executor key for tests.
pub fn key(n: u8) -> ExecutorKey {
	use sp_core::Pair;
	ExecutorKey::from(pair(n).public())
}

/// Key `n`'s proof of possession for `who` (what the node's `author_rotateKeysWithOwner` gives).
pub fn proof(n: u8, who: AccountId) -> ExecutorKeyProof {
	use codec::Encode;
	use sp_core::proof_of_possession::ProofOfPossessionGenerator;
	ExecutorKeyProof::from(pair(n).generate_proof_of_possession(&who.encode()))
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, 10_000),
			(BOB, 10_000),
			(CHARLIE, 10_000),
			(DAVE, 10_000),
			(EVE, 10_000),
			(FERDIE, 10_000),
			(POOR, 50),
			(TREASURY, 1),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_executors::GenesisConfig::<Test> { executors: vec![], validator_count: 2 }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext: sp_io::TestExternalities = storage.into();
	// Benchmarks generate executor keys in a keystore.
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs a test and then checks the pallet's invariants.
pub fn test(f: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		f();
		Executors::do_try_state().expect("invariants hold");
	});
}
