//! Genesis presets: `development` (one validator, Alice) and `local_testnet` (Alice, Bob,
//! Charlie). Both give the sudo key to Alice and endow the well-known dev accounts; neither is
//! fit for a public network.

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	configs::TreasuryAccount,
	currency::{EXISTENTIAL_DEPOSIT, OPG},
	opaque::SessionKeys,
	AccountId, Balance, BalancesConfig, BlockNumber, ExecutorsConfig, InferenceConfig,
	ModelRegistryConfig, OriginsConfig, Runtime, RuntimeGenesisConfig, SessionConfig, SudoConfig,
};
use frame_support::BoundedVec;
use opg_primitives::ExecutorKey;
use opg_primitives::{
	Dim, InputSchema, IoSchema, ModelHash, ModelKind, ModelSpec, OutputSchema, TensorDType,
	TensorSchema,
};

/// The chain's default model, `digits-mlp`: a 64 → 32 → 10 ReLU MLP classifying 8×8 digits
/// (`models/digits-mlp/`, trained by `scripts/train-mlp.py`, 97.3 % test accuracy). Every node
/// carries its bundle (`opg_inference::default_model`), so it is served without any download; both
/// presets list it, owned by Alice, so a new user can request an inference at once.
pub mod default_model {
	use super::*;

	/// blake2-256 of the bundle (checked against the files by a runtime test).
	pub const HASH: [u8; 32] =
		sp_core::hex2array!("5785e6a4f84b638bd4082278a2396a32e78fbfa3fe2be3710fc5c1e1702b4cda");
	/// blake2-256 of its `config.json`.
	pub const CONFIG_HASH: [u8; 32] =
		sp_core::hex2array!("69bfb7bb1524cb1bf639895b874f8067cfe24a45432c74401a14be684ba0b193");
	/// The bundle's size in bytes.
	pub const BUNDLE_SIZE: u64 = 10_398;
	/// The largest batch accepted.
	pub const MAX_BATCH: u32 = 32;
	/// The price of one inference: 0.01 OPG.
	pub const PRICE: Balance = OPG / 100;
	/// Where nodes find it: compiled into every node.
	pub const URI: &[u8] = b"opg://embedded/digits-mlp";

	/// Its spec: `f32 [batch, 64]` pixels / 16 in, `f32 [batch, 10]` logits out.
	pub fn spec() -> ModelSpec {
		let dims = |width| {
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(width)]).unwrap_or_else(
				|| TensorSchema { dtype: TensorDType::F32, dims: Default::default() },
			)
		};
		ModelSpec {
			kind: ModelKind::Mlp,
			model: ModelHash::from(HASH),
			config_hash: ModelHash::from(CONFIG_HASH),
			schema: IoSchema {
				input: InputSchema::Tensor(dims(64)),
				output: OutputSchema::Tensor(dims(10)),
				max_batch: MAX_BATCH,
			},
		}
	}

	/// The proposal the presets list.
	pub fn proposal() -> pallet_model_registry::ModelProposalOf<Runtime> {
		pallet_model_registry::ModelProposal {
			spec: spec(),
			name: BoundedVec::truncate_from(b"digits-mlp".to_vec()),
			description: BoundedVec::truncate_from(
				b"Handwritten digit classifier (8x8 pixels / 16 -> 10 logits), MLP 64-32-10, sklearn digits, 97.3% test accuracy".to_vec(),
			),
			price: PRICE,
			uris: BoundedVec::truncate_from(vec![BoundedVec::truncate_from(URI.to_vec())]),
			size: BUNDLE_SIZE,
		}
	}
}

/// What each endowed dev account holds at genesis: one million OPG.
pub const ENDOWMENT: Balance = 1_000_000 * OPG;

/// The genesis of a test network with the given validators, root key and endowed accounts.
/// The bond of each genesis executor.
pub const EXECUTOR_BOND: Balance = 10_000 * OPG;

/// A genesis validator: its account and session keys (Aura, GRANDPA, and the executor key `infr`,
/// the same sr25519 key as its Aura key, so `--alice` & co. put every key in the keystore). It is
/// also a genesis executor, bonding [`EXECUTOR_BOND`] with that `infr` key.
pub struct Validator {
	aura: AuraId,
	grandpa: GrandpaId,
	account: AccountId,
	executor_key: ExecutorKey,
}

fn testnet_genesis(
	validators: Vec<Validator>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
	fast_tracks: bool,
	retention: Option<BlockNumber>,
) -> Value {
	let mut balances: Vec<(AccountId, Balance)> =
		endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect();
	let executors: Vec<(AccountId, ExecutorKey, Balance)> = validators
		.iter()
		.map(|v| (v.account.clone(), v.executor_key.clone(), EXECUTOR_BOND))
		.collect();
	// The treasury exists from genesis, so the smallest fee can be paid into it.
	balances.push((TreasuryAccount::get(), EXISTENTIAL_DEPOSIT));
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances },
		origins: OriginsConfig { fast_tracks },
		model_registry: ModelRegistryConfig {
			models: vec![(root.clone(), default_model::proposal(), true)],
		},
		executors: ExecutorsConfig { executors, validator_count: validators.len() as u32 },
		// Aura and GRANDPA take their authorities from the session's genesis keys.
		session: SessionConfig {
			keys: validators
				.iter()
				.map(|v| {
					let keys = SessionKeys {
						aura: v.aura.clone(),
						grandpa: v.grandpa.clone(),
						infr: v.executor_key.clone(),
					};
					(v.account.clone(), v.account.clone(), keys)
				})
				.collect::<Vec<_>>(),
		},
		inference: InferenceConfig { retention },
		sudo: SudoConfig { key: Some(root) },
	})
}

/// The keys of a well-known dev validator, which is also a bonded executor.
fn authority_keys(who: Sr25519Keyring, grandpa: Ed25519Keyring) -> Validator {
	Validator {
		aura: who.public().into(),
		grandpa: grandpa.public().into(),
		account: who.to_account_id(),
		executor_key: who.public().into(),
	}
}

/// How long the dev chain keeps a finished request: an hour (the runtime's default is a day).
pub const DEV_RETENTION: BlockNumber = crate::time::HOURS;

/// The `development` preset: Alice validates alone.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		true,
		Some(DEV_RETENTION),
	)
}

/// The `local_testnet` preset: Alice, Bob and Charlie validate.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority_keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority_keys(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		false,
		None,
	)
}

/// The JSON patch of the preset `id`, or `None` for an unknown preset.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|json| json.into_bytes())
}

/// The names of the presets this runtime provides.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
