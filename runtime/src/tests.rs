//! Tests of the real runtime, natively, in `TestExternalities`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use super::*;
use crate::currency::{EXISTENTIAL_DEPOSIT, OPG};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::Inspect, Get},
};
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;

/// Storage built from a genesis preset, the way the node builds it from a chain spec.
pub(crate) fn ext_from_preset(id: &str) -> sp_io::TestExternalities {
	let patch = genesis_config_presets::get_preset(&id.into()).expect("preset exists");
	let mut json: serde_json::Value = serde_json::from_slice(&patch).unwrap();
	// The preset is a patch over the default config: apply it like the node does.
	let mut full = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	json_merge(&mut full, std::mem::take(&mut json));
	let config: RuntimeGenesisConfig = serde_json::from_value(full).unwrap();
	config.build_storage().unwrap().into()
}

fn json_merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (k, v) in patch {
				json_merge(base.entry(k).or_insert(serde_json::Value::Null), v);
			}
		}
		(base, patch) => *base = patch,
	}
}

#[test]
fn presets_are_listed_and_build() {
	let names = genesis_config_presets::preset_names();
	assert_eq!(names.len(), 2);
	for name in [DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET] {
		assert!(names.contains(&name.into()), "{name} is listed");
		ext_from_preset(name).execute_with(|| {
			let alice = Sr25519Keyring::Alice.to_account_id();
			// Alice's free balance is her endowment less the default model's deposit and her
			// executor bond.
			let deposit = pallet_model_registry::Models::<Runtime>::iter()
				.map(|(_, m)| m.deposit)
				.sum::<Balance>();
			assert_eq!(
				Balances::free_balance(&alice),
				genesis_config_presets::ENDOWMENT - deposit - genesis_config_presets::EXECUTOR_BOND
			);
			// The validators are the executors, with their Aura key as executor key.
			let validators = pallet_aura::Authorities::<Runtime>::get();
			assert_eq!(pallet_executors::Executors::<Runtime>::count() as usize, validators.len());
			for aura in validators {
				let key =
					opg_primitives::ExecutorKey::from(sp_core::sr25519::Public::from(aura.clone()));
				assert!(pallet_executors::KeyOwner::<Runtime>::get(&key).is_some(), "{aura:?}");
			}
			pallet_executors::Pallet::<Runtime>::do_try_state().unwrap();
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice));
		});
	}
	assert!(genesis_config_presets::get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn validator_sets_match_the_presets() {
	ext_from_preset(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(Grandpa::grandpa_authorities().len(), 1);
		assert_eq!(
			pallet_session::Validators::<Runtime>::get(),
			vec![Sr25519Keyring::Alice.to_account_id()]
		);
		assert_eq!(pallet_executors::ValidatorCount::<Runtime>::get(), 1);
	});
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 3);
		assert_eq!(Grandpa::grandpa_authorities().len(), 3);
		assert_eq!(pallet_executors::Validators::<Runtime>::get().len(), 3);
		assert_eq!(pallet_executors::ValidatorCount::<Runtime>::get(), 3);
	});
}

#[test]
fn balance_transfer_moves_opg() {
	ext_from_preset(DEV_RUNTIME_PRESET).execute_with(|| {
		System::set_block_number(1);
		let alice = Sr25519Keyring::Alice.to_account_id();
		let fresh: AccountId = sp_core::crypto::AccountId32::new([7u8; 32]);
		assert_eq!(Balances::balance(&fresh), 0);

		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(alice.clone()),
			fresh.clone().into(),
			5 * OPG,
		));
		assert_eq!(Balances::balance(&fresh), 5 * OPG);
		let deposit = pallet_model_registry::Models::<Runtime>::iter()
			.map(|(_, m)| m.deposit)
			.sum::<Balance>();
		assert_eq!(
			Balances::balance(&alice),
			genesis_config_presets::ENDOWMENT
				- deposit - genesis_config_presets::EXECUTOR_BOND
				- 5 * OPG
		);
		System::assert_has_event(RuntimeEvent::Balances(pallet_balances::Event::Transfer {
			from: alice.clone(),
			to: fresh.clone(),
			amount: 5 * OPG,
		}));

		// Below the existential deposit a new account cannot be created.
		let other: AccountId = sp_core::crypto::AccountId32::new([8u8; 32]);
		assert_noop!(
			Balances::transfer_allow_death(
				RuntimeOrigin::signed(alice),
				other.into(),
				EXISTENTIAL_DEPOSIT - 1,
			),
			sp_runtime::TokenError::BelowMinimum
		);
	});
}

#[test]
fn token_has_18_decimals_and_a_deliberate_existential_deposit() {
	assert_eq!(OPG, 10u128.pow(currency::DECIMALS as u32));
	assert_eq!(EXISTENTIAL_DEPOSIT, OPG / 100);
	assert_eq!(
		<<Runtime as pallet_balances::Config>::ExistentialDeposit as Get<Balance>>::get(),
		EXISTENTIAL_DEPOSIT
	);
}

#[test]
fn default_model_constants_match_the_committed_files() {
	use genesis_config_presets::default_model;
	let config: &[u8] = include_bytes!("../../models/digits-mlp/config.json");
	let weights: &[u8] = include_bytes!("../../models/digits-mlp/model.safetensors");
	let bundle = opg_primitives::bundle::encode_bundle(
		opg_primitives::ModelKind::Mlp,
		&[("config.json", config), ("model.safetensors", weights)],
	)
	.unwrap();
	assert_eq!(opg_primitives::bundle::bundle_hash(&bundle).0, default_model::HASH);
	assert_eq!(bundle.len() as u64, default_model::BUNDLE_SIZE);
	assert_eq!(sp_io::hashing::blake2_256(config), default_model::CONFIG_HASH);
	assert!(default_model::spec().schema.validate().is_ok());
}

#[test]
fn presets_list_the_default_model_and_fund_the_treasury() {
	for name in [DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET] {
		ext_from_preset(name).execute_with(|| {
			let hash = sp_core::H256(genesis_config_presets::default_model::HASH);
			let model = ModelRegistry::listed(&hash).expect("the default model is listed");
			assert_eq!(model.owner, Sr25519Keyring::Alice.to_account_id());
			assert_eq!(Balances::balance(&configs::TreasuryAccount::get()), EXISTENTIAL_DEPOSIT);
			ModelRegistry::do_try_state().unwrap();
		});
	}
}

/// `pallet-session` claims the whole block's weight when a session ends (every
/// `SessionPeriod` blocks). The executors' transactions are `Operational`, so they still fit in
/// the part of the block kept for that class; a normal transaction does not.
#[test]
fn executor_transactions_fit_a_session_rotation_block() {
	use frame_support::dispatch::{DispatchClass, GetDispatchInfo};
	use sp_runtime::{traits::Header as _, transaction_validity::InvalidTransaction};
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		System::set_block_number(configs::SessionPeriod::get() - 1);
		let header = Header::new(
			configs::SessionPeriod::get(),
			Default::default(),
			Default::default(),
			Default::default(),
			Default::default(),
		);
		Executive::initialize_block(&header);
		let limits = configs::RuntimeBlockWeights::get();
		assert!(
			frame_system::BlockWeight::<Runtime>::get().total().all_gte(limits.max_block),
			"the rotation claims the whole block"
		);
		let key = opg_primitives::ExecutorKey::from(sp_core::sr25519::Public::from_raw([1; 32]));
		let signature =
			opg_primitives::ExecutorSignature::from(sp_core::sr25519::Signature::from_raw([0; 64]));
		let vote = RuntimeCall::Inference(pallet_inference::Call::commit_vote {
			request: 0,
			seal: Default::default(),
			key,
			signature,
		});
		let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
			dest: Sr25519Keyring::Bob.to_account_id().into(),
			value: OPG,
		});
		assert_eq!(vote.get_dispatch_info().class, DispatchClass::Operational);
		let book = |call: &RuntimeCall| {
			frame_system::CheckWeight::<Runtime>::do_prepare(&call.get_dispatch_info(), 200, 200)
		};
		assert_ok!(book(&vote));
		assert_eq!(book(&transfer), Err(InvalidTransaction::ExhaustsResources.into()));
	});
}
