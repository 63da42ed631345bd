//! The inference market: executors, requests, and how off-chain workers submit results.
//!
//! Figures (all in blocks of 6 s):
//! - an executor's fee is shared with its delegators by stake, less its commission (at most
//!   [`MaxCommission`], 50%, raised only after [`CommissionChangeDelay`], a day); delegations
//!   are at least [`MinDelegation`] (10 OPG) and wait [`DelegationUnbondingPeriod`] (a day) to be
//!   withdrawn;
//! - an executor bonds at least [`MinExecutorBond`] (1,000 OPG) and waits
//!   [`ExecutorUnbondingPeriod`] (1 day) to get it back, far longer than any result stays open;
//! - an assigned executor has [`ResponseTimeout`] (10 blocks, 1 min) to get its result included,
//!   then the request goes to another executor (at most twice) and finally back to the requester;
//! - a result is open to challenge for [`ChallengeWindow`] (10 blocks, 1 min), then the fee is
//!   paid: [`ProtocolShare`] (10%) to the treasury, the rest to the executor;
//! - anyone may challenge a result in its window by bonding [`ChallengeBond`] (100 OPG); every
//!   executor's node also re-runs [`DefaultWatchFraction`] (10%) of the others' results and
//!   challenges on a mismatch;
//! - a committee of 3 other executors re-runs it: [`CommitPeriod`] (5 blocks) to commit sealed
//!   votes, [`RevealPeriod`] (5 blocks) to open them; 2 matching votes (and a majority of the
//!   revealed ones) decide;
//! - a wrong executor loses [`WrongResultSlash`] (10%) of its stake, from its own bond first
//!   (1,000 OPG of a 10,000 OPG bond; its bond is at least [`MinSelfBond`], 10%, of its stake,
//!   so the pool is reached only after earlier slashes): half of what it lost itself is paid out,
//!   [`CommitteeReward`] (10 OPG) to each majority member and the rest to the challenger, and the
//!   other half (with anything taken from the pool) goes to the treasury; its first lost dispute
//!   ends its work. A wrong challenger loses its whole bond: the committee rewards, half of the
//!   rest to the executor, half to the treasury. A member voting with the minority or not at all
//!   loses [`MemberPenalty`] (10 OPG);
//! - a finished request (final, corrected, refunded or rejected) is kept with its result for
//!   [`DefaultRetention`](pallet_inference::Config::DefaultRetention) (a day; an hour on the dev
//!   chain), then pruned (its events stay in its blocks);
//! - the executors' transactions (results, challenges, votes) enter the pool at
//!   [`ExecutorPriority`], never below a signed transaction, in the `Operational` class.

use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::{generic::Era, transaction_validity::TransactionPriority, Perbill};

use super::TreasuryAccount;
use crate::{
	currency::OPG, Balance, Balances, BlockNumber, Executors, ModelRegistry, Runtime, RuntimeCall,
	RuntimeHoldReason, TxExtension, UncheckedExtrinsic,
};

parameter_types! {
	pub const MinExecutorBond: Balance = 1_000 * OPG;
	pub const ExecutorUnbondingPeriod: BlockNumber = crate::time::DAYS;
	/// Delegations of at least 10 OPG.
	pub const MinDelegation: Balance = 10 * OPG;
	/// Undelegated OPG waits a day, as a leaving executor's bond does: results it backed stay
	/// slashable until their disputes are settled.
	pub const DelegationUnbondingPeriod: BlockNumber = crate::time::DAYS;
	/// Commission is at most 50% of the delegators' share.
	pub const MaxCommission: Perbill = Perbill::from_percent(50);
	/// A commission increase applies a day after it is announced.
	pub const CommissionChangeDelay: BlockNumber = crate::time::DAYS;
	/// An executor's own bond is at least a tenth of its stake, as large as the fault slash
	/// ([`WrongResultSlash`]): one lost dispute is paid from the bond alone.
	pub const MinSelfBond: Perbill = Perbill::from_percent(10);
}

impl pallet_executors::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = MinExecutorBond;
	type UnbondingPeriod = ExecutorUnbondingPeriod;
	type MaxExecutors = ConstU32<64>;
	type MinDelegation = MinDelegation;
	type DelegationUnbondingPeriod = DelegationUnbondingPeriod;
	type MaxCommission = MaxCommission;
	type CommissionChangeDelay = CommissionChangeDelay;
	type MaxValidators = super::MaxValidators;
	type MinSelfBond = MinSelfBond;
	type Treasury = TreasuryAccount;
	/// Sessions elect the validators from stake, and only they serve.
	type OnlyValidatorsServe = frame_support::traits::ConstBool<true>;
	type WeightInfo = pallet_executors::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const ProtocolShare: Perbill = Perbill::from_percent(10);
	pub const ResponseTimeout: BlockNumber = 10;
	pub const ChallengeWindow: BlockNumber = 10;
	pub const ChallengeBond: Balance = 100 * OPG;
	pub const CommitPeriod: BlockNumber = 5;
	pub const RevealPeriod: BlockNumber = 5;
	pub const WrongResultSlash: Perbill = Perbill::from_percent(10);
	pub const CommitteeReward: Balance = 10 * OPG;
	pub const WinnerShare: Perbill = Perbill::from_percent(50);
	pub const MemberPenalty: Balance = 10 * OPG;
	pub const DefaultWatchFraction: Perbill = Perbill::from_percent(10);
	/// The largest priority, as im-online's heartbeats had. A signed transaction's priority
	/// grows with its tip and saturates (with 18 decimals, a tip of a thousandth of an OPG gets
	/// there), so a tipped transaction can at most tie with an executor's, never outrank it.
	pub const ExecutorPriority: TransactionPriority = TransactionPriority::MAX;
}

impl pallet_inference::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = ModelRegistry;
	type Executors = Executors;
	/// The seed of the randomness pallet, moved by each block author's VRF.
	type Randomness = crate::Randomness;
	type Treasury = TreasuryAccount;
	type ProtocolShare = ProtocolShare;
	type ResponseTimeout = ResponseTimeout;
	type ChallengeWindow = ChallengeWindow;
	type MaxReassignments = ConstU32<2>;
	/// Two distinct executors, drawn by stake, must both say a request's input cannot run before
	/// its requester pays; the fee goes to the treasury, so neither gains by saying so.
	type RejectQuorum = ConstU32<2>;
	/// 72 KiB (`opg_primitives::limits`): a batch of 32 texts of 2 KiB, or a tensor of 18k f32.
	type MaxInputBytes = ConstU32<{ opg_primitives::limits::MAX_INPUT_BYTES }>;
	/// 128 KiB (`opg_primitives::limits`, which every listed schema's output fits): 32 MiniLM
	/// embeddings (32 × 384 f32) fit with room to spare.
	type MaxOutputBytes = ConstU32<{ opg_primitives::limits::MAX_OUTPUT_BYTES }>;
	/// Up to 2,048 due deadlines, draws and challenge windows per block (draws within the weight
	/// left): a block of a thousand results is drawn, timed and paid without a backlog.
	type MaxQueueWork = ConstU32<2048>;
	/// A thousand MLP results in one transaction are about 200 KB; the worker also splits a
	/// batch at 512 KiB.
	type MaxResultsPerBatch = ConstU32<1024>;
	/// What an executor's worker answers in far less than the 10-block deadline: measured, the
	/// digits MLP at over a thousand results per block (docs/performance.md, "Load").
	type MaxBacklog = ConstU32<2048>;
	/// A burst of 50,000 requests waits in order; beyond that, `request` fails with
	/// `MarketFull` until the queue drains.
	type MaxWaiting = ConstU32<50_000>;
	type ExecutorPriority = ExecutorPriority;
	type ChallengeBond = ChallengeBond;
	type CommitteeSize = ConstU32<3>;
	type Quorum = ConstU32<2>;
	type CommitPeriod = CommitPeriod;
	type RevealPeriod = RevealPeriod;
	type WrongResultSlash = WrongResultSlash;
	type CommitteeReward = CommitteeReward;
	type WinnerShare = WinnerShare;
	type MemberPenalty = MemberPenalty;
	type MaxOpenDisputes = ConstU32<64>;
	type DefaultWatchFraction = DefaultWatchFraction;
	/// A finished request stays a day; the dev preset keeps an hour (`genesis_config_presets`).
	type DefaultRetention = ConstU32<{ crate::time::DAYS }>;
	type WeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmark_helper::Helper;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

/// Off-chain workers submit results as general transactions authorized by the call itself
/// (`#[pallet::authorize]`): no signer, so no nonce and no fee; the other extensions only check
/// the chain (spec, genesis), the weight, and the metadata hash (off).
impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> TxExtension {
		(
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(0),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helper {
	use super::*;
	use crate::AccountId;
	use frame_support::{traits::fungible::Mutate, BoundedVec};
	use opg_primitives::{ExecutorKey, IoSchema, ModelHash, ModelKind, ModelSpec};
	use sp_runtime::traits::{BlakeTwo256, Hash as HashT};

	/// Lists models in the registry and registers executors for the inference benchmarks.
	pub struct Helper;

	impl pallet_inference::BenchmarkHelper<AccountId> for Helper {
		fn list_model(schema: IoSchema) -> ModelHash {
			let n = pallet_model_registry::Models::<Runtime>::count();
			let model = <BlakeTwo256 as HashT>::hash(&n.to_le_bytes());
			let owner: AccountId = frame_benchmarking::account("model-owner", n, 0);
			Balances::set_balance(&owner, 1_000_000 * OPG);
			let proposal = pallet_model_registry::ModelProposal {
				spec: ModelSpec { kind: ModelKind::Mlp, model, config_hash: model, schema },
				name: BoundedVec::truncate_from(b"bench".to_vec()),
				description: BoundedVec::new(),
				price: OPG,
				uris: BoundedVec::truncate_from(alloc::vec![BoundedVec::truncate_from(
					b"https://example.org/model".to_vec()
				)]),
				size: 1_000,
			};
			if let Err(e) = ModelRegistry::do_propose(owner, proposal) {
				panic!("benchmark model cannot be proposed: {e:?}");
			}
			if let Err(e) = ModelRegistry::do_list(model) {
				panic!("benchmark model cannot be listed: {e:?}");
			}
			model
		}

		fn register_executor(who: &AccountId, key: ExecutorKey) {
			Balances::set_balance(who, 1_000_000 * OPG);
			// Ten times the minimum, as genesis validators bond: a lost dispute leaves it active.
			if let Err(e) = Executors::do_register(who.clone(), key, 10 * MinExecutorBond::get()) {
				panic!("benchmark executor cannot register: {e:?}");
			}
			// Backed by a delegator, so paying it shares the fee with a pool (the costlier path).
			let delegator: AccountId = frame_benchmarking::account("delegator", 0, 0);
			if Balances::free_balance(&delegator) < 1_000 * OPG {
				Balances::set_balance(&delegator, 1_000_000_000 * OPG);
			}
			if let Err(e) = Executors::delegate(
				crate::RuntimeOrigin::signed(delegator),
				who.clone(),
				100 * MinDelegation::get(),
			) {
				panic!("benchmark delegation refused: {e:?}");
			}
			// Only the session's validators are drawn: make it one while the set has room (the
			// draw still scans every active executor).
			pallet_executors::Validators::<Runtime>::mutate(|validators| {
				let _ = validators.try_push(who.clone());
			});
		}

		fn retire_executors_without_local_keys() {
			use sp_runtime::RuntimeAppPublic;
			let foreign: alloc::vec::Vec<AccountId> =
				pallet_executors::Executors::<Runtime>::iter()
					.filter(|(_, info)| info.key.sign(&b"probe").is_none())
					.map(|(who, _)| who)
					.collect();
			for who in foreign {
				// Already unbonding is fine: it is out of the draw either way.
				let _ = Executors::unbond(crate::RuntimeOrigin::signed(who));
			}
		}
	}
}
