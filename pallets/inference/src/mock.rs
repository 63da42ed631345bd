//! A test runtime with balances, executors and inference; a catalog of models and an inference
//! engine that are fakes; and the helpers the tests share: environments, requests, results and
//! the off-chain workers' transactions.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate as pallet_inference;
use crate::{offchain, Call, HoldReason, RequestStatus, Requests, StatusOf};
use codec::{Decode, Encode};
use core::cell::RefCell;
use frame_support::{
	assert_ok, derive_impl,
	dispatch::DispatchResult,
	parameter_types,
	traits::{fungible::InspectHold, ConstU32, ConstU64},
};
use frame_system::RawOrigin;
use opg_primitives::{
	executor::KEY_TYPE, Dim, ExecutorKey, ExecutorOwners, InferenceBackend, InferenceError,
	InferenceExt, InferenceInput, InferenceOutput, InferenceRun, InputSchema, IoSchema,
	ListedModel, ModelCatalog, ModelHash, ModelKind, ModelSpec, OutputSchema, ResultCommitment,
	Tensor, TensorDType, TensorSchema, H256,
};
use sp_core::offchain::{
	testing::{OffchainState, PoolState, TestOffchainExt, TestTransactionPoolExt},
	OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use sp_runtime::{BuildStorage, Perbill};
use std::sync::{Arc, Mutex};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;
pub type Extrinsic = frame_system::mocking::MockUncheckedExtrinsic<Test>;

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
	#[runtime::pallet_index(3)]
	pub type Inference = pallet_inference;
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

impl pallet_executors::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = MinBond;
	type UnbondingPeriod = ConstU64<100>;
	type MaxExecutors = ConstU32<64>;
	type MinDelegation = MinBond;
	type DelegationUnbondingPeriod = ConstU64<100>;
	type MaxCommission = MaxCommission;
	type CommissionChangeDelay = ConstU64<100>;
	type MaxValidators = ConstU32<64>;
	type MinSelfBond = MinSelfBond;
	type Treasury = Treasury;
	type OnlyValidatorsServe = frame_support::traits::ConstBool<false>;
	type WeightInfo = ();
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extension = ();
	fn create_transaction(call: RuntimeCall, extension: ()) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_extension() {}
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const DAPP: AccountId = 10;
pub const POOR: AccountId = 11;
pub const TREASURY: AccountId = 99;
pub const ED: Balance = 1;
pub const PRICE: Balance = 100;
pub const BOND: Balance = 1_000;
pub const TIMEOUT: u64 = 5;
pub const WINDOW: u64 = 10;
/// The pool priority of the executors' transactions.
pub const EXECUTOR_PRIORITY: u64 = 1 << 60;
pub const MAX_REASSIGN: u32 = 2;
pub const REJECT_QUORUM: u32 = 2;
pub const QUEUE_WORK: u32 = 4;
/// The most results in one batch.
pub const MAX_BATCH: u32 = 5;
/// The most requests one executor holds.
pub const MAX_BACKLOG: u32 = 6;
/// The most requests waiting for their draw.
pub const MAX_WAITING: u32 = 40;
/// Long enough that no test outside `prune_tests` sees a request pruned.
pub const RETENTION: u64 = 1_000;
pub const DAVE: AccountId = 4;
pub const EVE: AccountId = 5;
pub const CHALLENGER: AccountId = 12;
/// A delegator with a large balance, for the tests of slashing economics.
pub const WHALE: AccountId = 13;
pub const CHALLENGE_BOND: Balance = 200;
pub const COMMITTEE: u32 = 3;
pub const QUORUM: u32 = 2;
pub const COMMIT_PERIOD: u64 = 3;
pub const REVEAL_PERIOD: u64 = 3;
pub const REWARD: Balance = 10;
pub const PENALTY: Balance = 5;
pub const MAX_DISPUTES: u32 = 4;

parameter_types! {
	pub const ExistentialDeposit: Balance = ED;
	pub const MinBond: Balance = BOND;
	pub const Treasury: AccountId = TREASURY;
	pub const ProtocolShare: Perbill = Perbill::from_percent(10);
	pub const WrongResultSlash: Perbill = Perbill::from_percent(10);
	pub const WinnerShare: Perbill = Perbill::from_percent(50);
	pub const DefaultWatchFraction: Perbill = Perbill::from_percent(10);
	pub const MaxCommission: Perbill = Perbill::from_percent(50);
	/// The bond at least a tenth of the stake (lowered by the tests of large pools).
	pub static MinSelfBond: Perbill = Perbill::from_percent(10);
}

/// A deterministic "randomness": blake2 of the subject, the block number and the block's seed
/// ([`set_seed`]: what the randomness pallet's seed is in the runtime, moved by each block
/// author's VRF).
pub struct TestRandomness;
impl frame_support::traits::Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		let n = System::block_number();
		let seed = SEED.with(|s| *s.borrow());
		(H256(sp_io::hashing::blake2_256(&(subject, n, seed).encode())), n)
	}
}

/// Sets the seed [`TestRandomness`] draws from, from now on.
pub fn set_seed(seed: H256) {
	SEED.with(|s| *s.borrow_mut() = seed);
}

thread_local! {
	static SEED: RefCell<H256> = const { RefCell::new(H256::zero()) };
	static MODELS: RefCell<Vec<(ModelHash, ListedModel<Balance>)>> = const { RefCell::new(vec![]) };
}

/// The listed models of the test: `list(model(1))` etc.
pub struct TestCatalog;
impl ModelCatalog<Balance> for TestCatalog {
	fn listed(model: &ModelHash) -> Option<ListedModel<Balance>> {
		MODELS.with(|m| m.borrow().iter().find(|(h, _)| h == model).map(|(_, l)| l.clone()))
	}
}

/// Lists model `n` at `price`: input `[batch, 4]` f32, output `[batch, 2]` f32, batch ≤ 4.
pub fn list(n: u8, price: Balance) {
	let schema = IoSchema {
		input: InputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(4)]).unwrap(),
		),
		output: OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(2)]).unwrap(),
		),
		max_batch: 4,
	};
	list_with(n, ModelKind::Mlp, schema, price);
}

/// The prompt bound of [`list_llm`]'s model, in tokens.
pub const LLM_PROMPT_TOKENS: u32 = 20;
/// The answer bound of [`list_llm`]'s model, in tokens.
pub const LLM_NEW_TOKENS: u32 = 8;

/// Lists model `n` as a text-generation model at `price` per token: prompts of at most 64 bytes
/// and [`LLM_PROMPT_TOKENS`] tokens, answers of at most [`LLM_NEW_TOKENS`].
pub fn list_llm(n: u8, price: Balance) {
	let schema = IoSchema {
		input: InputSchema::Prompt { max_bytes: 64, max_prompt_tokens: LLM_PROMPT_TOKENS },
		output: OutputSchema::Generated { max_new_tokens: LLM_NEW_TOKENS },
		max_batch: 1,
	};
	list_with(n, ModelKind::TextGeneration, schema, price);
}

fn list_with(n: u8, kind: ModelKind, schema: IoSchema, price: Balance) {
	let listed = ListedModel {
		spec: ModelSpec { kind, model: model(n), config_hash: model(200), schema },
		price,
		uris: vec![b"file:///nowhere".to_vec()],
	};
	MODELS.with(|m| m.borrow_mut().push((model(n), listed)));
}

/// A prompt input of `text`, asking for `max_new_tokens`.
pub fn prompt(text: &str, max_new_tokens: u32) -> InferenceInput {
	InferenceInput::Prompt(
		opg_primitives::Prompt::new(text, true, max_new_tokens, Default::default()).unwrap(),
	)
}

/// Delists model `n`.
pub fn delist(n: u8) {
	MODELS.with(|m| m.borrow_mut().retain(|(h, _)| *h != model(n)));
}

pub fn model(n: u8) -> ModelHash {
	ModelHash::repeat_byte(n)
}

impl pallet_inference::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = TestCatalog;
	type Executors = Executors;
	type Randomness = TestRandomness;
	type Treasury = Treasury;
	type ProtocolShare = ProtocolShare;
	type ResponseTimeout = ConstU64<TIMEOUT>;
	type ChallengeWindow = ConstU64<WINDOW>;
	type MaxReassignments = ConstU32<MAX_REASSIGN>;
	type RejectQuorum = ConstU32<REJECT_QUORUM>;
	type MaxInputBytes = ConstU32<256>;
	type MaxOutputBytes = ConstU32<256>;
	type MaxQueueWork = ConstU32<QUEUE_WORK>;
	type MaxResultsPerBatch = ConstU32<MAX_BATCH>;
	type MaxBacklog = ConstU32<MAX_BACKLOG>;
	type MaxWaiting = ConstU32<MAX_WAITING>;
	type ExecutorPriority = ConstU64<EXECUTOR_PRIORITY>;
	type ChallengeBond = ConstU64<CHALLENGE_BOND>;
	type CommitteeSize = ConstU32<COMMITTEE>;
	type Quorum = ConstU32<QUORUM>;
	type CommitPeriod = ConstU64<COMMIT_PERIOD>;
	type RevealPeriod = ConstU64<REVEAL_PERIOD>;
	type WrongResultSlash = WrongResultSlash;
	type CommitteeReward = ConstU64<REWARD>;
	type WinnerShare = WinnerShare;
	type MemberPenalty = ConstU64<PENALTY>;
	type MaxOpenDisputes = ConstU32<MAX_DISPUTES>;
	type DefaultWatchFraction = DefaultWatchFraction;
	type DefaultRetention = ConstU64<RETENTION>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkHelper;
}

/// Lists models in the fake catalog and registers executors, for the benchmark tests.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_inference::BenchmarkHelper<AccountId> for BenchmarkHelper {
	fn list_model(schema: IoSchema) -> ModelHash {
		let n = MODELS.with(|m| m.borrow().len()) as u8 + 100;
		list(n, PRICE);
		MODELS.with(|m| {
			if let Some((_, listed)) = m.borrow_mut().iter_mut().find(|(h, _)| *h == model(n)) {
				listed.spec.schema = schema;
			}
		});
		model(n)
	}

	fn register_executor(who: &AccountId, key: ExecutorKey) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 10 * BOND);
		// Above the minimum, so that a lost dispute leaves it active.
		Executors::do_register(*who, key, 5 * BOND).unwrap();
	}
}

/// The plain test externalities of the benchmark test suite (with a keystore).
#[cfg(feature = "runtime-benchmarks")]
pub fn new_test_ext() -> sp_io::TestExternalities {
	new_env(FakeEngine::default()).ext
}

/// A `[rows, 4]` input.
pub fn input(rows: &[[f32; 4]]) -> InferenceInput {
	let values: Vec<f32> = rows.iter().flatten().copied().collect();
	InferenceInput::Tensor(Tensor::from_f32(&[rows.len() as u32, 4], &values).unwrap())
}

/// What the fake engine computes: per row, `(sum, max)` of the 4 features.
///
/// For a prompt, the fake generator's answer with sampling nonce `nonce`: one token per byte
/// of the prompt's text (its prompt tokens), then the first three bytes of the nonce as tokens
/// (fewer if the prompt asks for fewer: stopped at the limit; else at an end token).
pub fn expected_output_with(input: &InferenceInput, nonce: &[u8; 32]) -> InferenceOutput {
	let InferenceInput::Prompt(prompt) = input else { return expected_output(input) };
	let count = prompt.max_new_tokens.min(3) as usize;
	let stop = if count == prompt.max_new_tokens as usize {
		opg_primitives::StopReason::MaxTokens
	} else {
		opg_primitives::StopReason::EndToken
	};
	InferenceOutput::Generated(opg_primitives::Generation {
		prompt_tokens: prompt.text.len() as u32,
		tokens: nonce[..count]
			.iter()
			.map(|b| u32::from(*b))
			.collect::<Vec<_>>()
			.try_into()
			.unwrap(),
		text: b"fake".to_vec().try_into().unwrap(),
		stop,
	})
}

/// What the fake engine answers to a tensor input: per row of 4, its sum and its maximum.
pub fn expected_output(input: &InferenceInput) -> InferenceOutput {
	let InferenceInput::Tensor(t) = input else { panic!("tensor input") };
	let values = t.to_f32_vec().unwrap();
	let out: Vec<f32> = values
		.chunks(4)
		.flat_map(|row| [row.iter().sum::<f32>(), row.iter().copied().fold(f32::MIN, f32::max)])
		.collect();
	InferenceOutput::Tensor(Tensor::from_f32(&[t.shape[0], 2], &out).unwrap())
}

/// `output` with its first value plus one.
pub fn wrong_output(output: &InferenceOutput) -> InferenceOutput {
	let t = match output {
		InferenceOutput::Tensor(t) => t,
		InferenceOutput::Generated(answer) => {
			let mut answer = answer.clone();
			answer.text = b"lies".to_vec().try_into().unwrap();
			return InferenceOutput::Generated(answer);
		}
	};
	let mut values = t.to_f32_vec().unwrap();
	values[0] += 1.0;
	InferenceOutput::Tensor(Tensor::from_f32(&t.shape, &values).unwrap())
}

/// The fake engine: knows model 1 and 2 after a fetch of model 2; counts runs.
#[derive(Default)]
pub struct FakeEngine {
	pub runs: Mutex<u32>,
	pub fetched: Mutex<Vec<ModelHash>>,
	/// Fails every run with this error.
	pub fail: Option<InferenceError>,
	/// Answers every run with a wrong output (the first value plus one), like a lying node.
	pub lie: bool,
	/// Each run takes this many milliseconds of the off-chain worker's clock.
	pub run_ms: u64,
	/// The off-chain worker's clock (set by [`new_network`]).
	pub clock: Mutex<Option<Arc<parking_lot::RwLock<OffchainState>>>>,
}

impl InferenceBackend for FakeEngine {
	fn run(
		&self,
		m: &ModelHash,
		input: &InferenceInput,
		nonce: &opg_primitives::Nonce,
	) -> Result<InferenceRun, InferenceError> {
		*self.runs.lock().unwrap() += 1;
		if let Some(clock) = self.clock.lock().unwrap().as_ref() {
			let mut state = clock.write();
			state.timestamp =
				state.timestamp.add(sp_core::offchain::Duration::from_millis(self.run_ms));
		}
		if let Some(error) = self.fail {
			return Err(error);
		}
		if *m != model(1) && !self.fetched.lock().unwrap().contains(m) {
			return Err(InferenceError::UnknownModel);
		}
		let mut output = expected_output_with(input, nonce);
		if self.lie {
			output = wrong_output(&output);
		}
		let layers = vec![H256::repeat_byte(7)].try_into().unwrap();
		Ok(InferenceRun::new(output, layers))
	}

	fn fetch(&self, m: &ModelHash, uris: &[Vec<u8>]) -> Result<(), InferenceError> {
		if uris.is_empty() {
			return Err(InferenceError::FetchFailed);
		}
		self.fetched.lock().unwrap().push(*m);
		Ok(())
	}
}

/// The executor key of `who` in the test keystore (seed `//executor/<who>`).
pub fn executor_key(keystore: &MemoryKeystore, who: AccountId) -> ExecutorKey {
	let public =
		keystore.sr25519_generate_new(KEY_TYPE, Some(&format!("//executor/{who}"))).unwrap();
	ExecutorKey::from(public)
}

/// `who`'s executor signature of `payload`, whichever node holds its key.
pub fn sign_as(who: AccountId, payload: &[u8]) -> opg_primitives::ExecutorSignature {
	let keystore = MemoryKeystore::new();
	let public =
		keystore.sr25519_generate_new(KEY_TYPE, Some(&format!("//executor/{who}"))).unwrap();
	let signature = keystore.sr25519_sign(KEY_TYPE, &public, payload).unwrap().unwrap();
	opg_primitives::ExecutorSignature::from(signature)
}

pub struct TestEnv {
	pub ext: sp_io::TestExternalities,
	pub pool: Arc<parking_lot::RwLock<PoolState>>,
	pub engine: Arc<FakeEngine>,
}

/// Balances, and Alice, Bob and Charlie registered as executors with keys in the keystore.
pub fn new_env(engine: FakeEngine) -> TestEnv {
	new_env_with(engine, &[ALICE, BOB, CHARLIE])
}

/// As [`new_env`], with only the keys of `local` in this node's keystore.
pub fn new_env_with(engine: FakeEngine, local: &[AccountId]) -> TestEnv {
	new_network(engine, &[ALICE, BOB, CHARLIE], local)
}

/// `executors` registered with [`BOND`] each, the keys of `local` in this node's keystore.
pub fn new_network(engine: FakeEngine, executors: &[AccountId], local: &[AccountId]) -> TestEnv {
	MODELS.with(|m| m.borrow_mut().clear());
	let everyone = MemoryKeystore::new();
	let keystore = Arc::new(MemoryKeystore::new());
	let executors: Vec<(AccountId, ExecutorKey, Balance)> =
		executors.iter().copied().map(|who| (who, executor_key(&everyone, who), BOND)).collect();
	for who in local {
		executor_key(&keystore, *who);
	}
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, 10_000),
			(BOB, 10_000),
			(CHARLIE, 10_000),
			(DAVE, 10_000),
			(EVE, 10_000),
			(CHALLENGER, 10_000),
			(WHALE, 1_000_000),
			(DAPP, 10_000),
			(POOR, 50),
			(TREASURY, ED),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_executors::GenesisConfig::<Test> { executors, validator_count: 0 }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext: sp_io::TestExternalities = storage.into();
	let (offchain, offchain_state) = TestOffchainExt::new();
	*engine.clock.lock().unwrap() = Some(offchain_state);
	let (pool_ext, pool_state) = TestTransactionPoolExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool_ext));
	ext.register_extension(KeystoreExt::new(keystore.clone()));
	let engine = Arc::new(engine);
	ext.register_extension(InferenceExt::new(engine.clone()));
	ext.execute_with(|| {
		System::set_block_number(1);
		act_for(Some(ExecutorOwners::Any));
	});
	TestEnv { ext, pool: pool_state, engine }
}

/// Configures which executors this node's off-chain worker acts for, as the node does at
/// start-up (`None`: nothing configured).
pub fn act_for(owners: Option<ExecutorOwners<AccountId>>) {
	use sp_core::offchain::StorageKind;
	let key = ExecutorOwners::<AccountId>::STORAGE_KEY;
	match owners {
		Some(owners) => {
			sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, key, &owners.encode())
		}
		None => sp_io::offchain::local_storage_clear(StorageKind::PERSISTENT, key),
	}
}

/// Both pallets' invariants hold.
pub fn check_invariants() {
	Inference::do_try_state().expect("inference invariants hold");
	Executors::do_try_state().expect("executor invariants hold");
}

/// Runs `f` in `env`, then checks both pallets' invariants.
pub fn run_checked(mut env: TestEnv, f: impl FnOnce()) {
	env.ext.execute_with(|| {
		f();
		check_invariants();
	});
}

/// Runs a test in a fresh environment and then checks both pallets' invariants.
pub fn test(f: impl FnOnce()) {
	run_checked(new_env(FakeEngine::default()), f)
}

/// Runs `on_initialize` and then `on_poll` (the draws, after the inherents) of the following
/// blocks up to and including `n`.
pub fn run_to(n: u64) {
	use frame_support::{traits::Hooks, weights::WeightMeter};
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Inference::on_initialize(next);
		Inference::on_poll(next, &mut WeightMeter::new());
	}
}

/// Moves to the next block, whose `on_poll` draws the executors queued in this one.
pub fn next_block() {
	run_to(System::block_number() + 1);
}

/// The off-chain worker's answering step, with this node's executor keys.
pub fn answer_worker(now: u64) -> offchain::answer::Answered {
	offchain::answer::run::<Test>(now, &offchain::local_executors::<Test>())
}

/// The off-chain worker's dispute duties (committees, then watching), with this node's keys.
pub fn dispute_worker(now: u64) {
	offchain::serve_disputes::<Test>(now, &offchain::local_executors::<Test>());
}

/// The inference calls of the transactions in `pool` from the `from`th on.
pub fn pool_calls(pool: &parking_lot::RwLock<PoolState>, from: usize) -> Vec<Call<Test>> {
	pool.read().transactions[from..]
		.iter()
		.map(|tx| match Extrinsic::decode(&mut &tx[..]).unwrap().function {
			RuntimeCall::Inference(call) => call,
			other => panic!("not an inference call: {other:?}"),
		})
		.collect()
}

/// The fee `who` has held for requests.
pub fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::RequestFee.into(), &who)
}

/// A request by the dapp for model 1 with `rows`, made in this block and drawn in the next
/// (the block this returns in); returns its id.
pub fn request(rows: &[[f32; 4]]) -> u64 {
	let id = request_undrawn(rows);
	next_block();
	id
}

/// Runs `f` on a branch that is then abandoned (its storage changes rolled back), as a sibling
/// fork or a chain relaunched from the same genesis would be.
pub fn on_abandoned_branch<R>(f: impl FnOnce() -> R) -> R {
	use frame_support::storage::{with_transaction, TransactionOutcome};
	with_transaction(|| TransactionOutcome::Rollback(Ok::<_, sp_runtime::DispatchError>(f())))
		.unwrap()
}

/// Moves on block by block until every queued draw is made (`MaxQueueWork` per block).
pub fn draw_all() {
	while !crate::DrawQueueBounds::<Test>::get().is_empty() {
		next_block();
	}
}

/// A request by the dapp for model 1 with `rows`, its executor not drawn yet; returns its id.
pub fn request_undrawn(rows: &[[f32; 4]]) -> u64 {
	let id = crate::NextRequestId::<Test>::get();
	assert_ok!(Inference::request(RuntimeOrigin::signed(DAPP), model(1), input(rows), PRICE));
	id
}

/// The executor request `id` is assigned to.
pub fn assigned_to(id: u64) -> AccountId {
	match Requests::<Test>::get(id).unwrap().status {
		RequestStatus::Assigned { executor, .. } => executor,
		other => panic!("request {id} is {other:?}"),
	}
}

/// Where request `id` stands.
pub fn status(id: u64) -> StatusOf<Test> {
	Requests::<Test>::get(id).unwrap().status
}

/// The commitment the fake engine makes to `output`.
pub fn commitment_of(output: &InferenceOutput) -> ResultCommitment {
	ResultCommitment::new(output, &[H256::repeat_byte(7)])
}

/// A result call for request `id` with `output`, signed by `who`'s key (in the test keystore).
pub fn result_call(id: u64, who: AccountId, output: InferenceOutput) -> Call<Test> {
	use opg_primitives::ExecutorSet;
	let key = Executors::key_of(&who).unwrap();
	let commitment = commitment_of(&output);
	// What `who` would sign: the request's current assignment if it is waiting, else attempt 0.
	let attempt = match Requests::<Test>::get(id).map(|r| r.status) {
		Some(RequestStatus::Assigned { attempt, .. }) => attempt,
		_ => 0,
	};
	let statement = opg_primitives::ResultStatement {
		request: Inference::request_digest(id)
			.unwrap_or(opg_primitives::RequestDigest(H256::zero())),
		attempt,
		executor: who,
		commitment,
	};
	let signature = sign_as(who, &statement.signing_payload());
	let result = crate::SubmittedResult { request: id, output, commitment, signature };
	Call::submit_results { key, results: vec![result].try_into().unwrap() }
}

/// The results of a [`Call::submit_results`], and its key.
pub fn results_of(call: &Call<Test>) -> (ExecutorKey, Vec<crate::SubmittedResult>) {
	match call {
		Call::submit_results { key, results } => (key.clone(), results.to_vec()),
		other => panic!("not a batch of results: {other:?}"),
	}
}

/// The correct result call for request `id` from its assigned executor.
pub fn correct_result(id: u64) -> Call<Test> {
	let record = Requests::<Test>::get(id).unwrap();
	let input = InferenceInput::decode(&mut &record.input[..]).unwrap();
	result_call(id, assigned_to(id), expected_output(&input))
}

/// A decline of request `id` for `reason`, signed by `who`'s key as its current assignment.
pub fn decline_call(id: u64, who: AccountId, reason: InferenceError) -> Call<Test> {
	use opg_primitives::ExecutorSet;
	let key = Executors::key_of(&who).unwrap();
	let attempt = match Requests::<Test>::get(id).map(|r| r.status) {
		Some(RequestStatus::Assigned { attempt, .. }) => attempt,
		_ => 0,
	};
	let statement = opg_primitives::DeclineStatement {
		request: Inference::request_digest(id)
			.unwrap_or(opg_primitives::RequestDigest(H256::zero())),
		attempt,
		executor: who,
		reason,
	};
	let signature = sign_as(who, &statement.signing_payload());
	Call::decline { request: id, reason, key, signature }
}

/// Dispatches an authorized call (a decline, a vote...) with the authorized origin.
pub fn dispatch_authorized(call: Call<Test>) -> DispatchResult {
	use frame_support::traits::UnfilteredDispatchable;
	call.dispatch_bypass_filter(RawOrigin::Authorized.into()).map(|_| ()).map_err(|e| e.error)
}

/// Dispatches a result call with the authorized origin (what `AuthorizeCall` gives it). A
/// refused result ([`crate::Event::ResultRefused`]) is returned as the error, its changes
/// rolled back, as for a transaction that is invalid: so a batch of one result reads like a
/// single result.
pub fn submit(call: Call<Test>) -> DispatchResult {
	use frame_support::{
		storage::{with_transaction, TransactionOutcome},
		traits::UnfilteredDispatchable,
	};
	assert!(matches!(call, Call::submit_results { .. }), "not a result");
	let before = System::events().len();
	with_transaction(|| {
		let dispatched = call
			.dispatch_bypass_filter(RawOrigin::Authorized.into())
			.map(|_| ())
			.map_err(|e| e.error);
		let refused = System::events()[before..].iter().find_map(|record| match record.event {
			RuntimeEvent::Inference(crate::Event::ResultRefused { error, .. }) => Some(error),
			_ => None,
		});
		match (dispatched, refused) {
			(Err(error), _) | (Ok(()), Some(error)) => TransactionOutcome::Rollback(Err(error)),
			(Ok(()), None) => TransactionOutcome::Commit(Ok(())),
		}
	})
}
