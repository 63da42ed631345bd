//! End to end: stake decides who validates. On the three-validator `local` chain, a fourth node
//! (Dave's) starts as a validator with fresh session keys (`author_rotateKeysWithOwner`), Dave
//! sets them and registers as an executor with the minimum bond, and Eve delegates enough OPG to
//! him that he has the most stake. At the next elections he replaces the least-staked
//! validator: the chain's session, Aura and GRANDPA sets include him, the network keeps
//! finalizing with his node voting, requests are assigned to him and his node answers them, and
//! when they are final his delegator's pool has earned its share of the fees.

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::time::Duration;

use codec::{Decode, Encode};
use common::{
	chain::{request_json, submit, unhex, wait_for},
	LocalNetwork, Node,
};
use opg_primitives::{InferenceInput, Tensor};
use opg_runtime::{
	currency::OPG, genesis_config_presets::default_model, opaque::SessionKeys, RuntimeCall,
};
use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

/// `staking_executor(who)` at the best block.
fn stake_of(node: &Node, who: &str) -> Value {
	node.rpc("staking_executor", json!([who, null])).expect("staking_executor answers")
}

#[test]
fn a_fourth_node_gains_delegated_stake_joins_the_validators_and_answers_requests() {
	let mut net = LocalNetwork::start(|_| vec![]);
	net.alice.wait_finalized(1, Duration::from_secs(180));

	// Dave's node: a validator (with a stable network key, as validators need) and no session
	// keys from any seed; its operator generates them.
	let key_dir = tempfile::tempdir().unwrap();
	let node_key = key_dir.path().join("dave.key");
	std::fs::write(&node_key, format!("{:064x}", 4)).unwrap();
	let mut dave_node = Node::start(
		"dave",
		&[
			"--chain",
			"local",
			"--validator",
			"--name",
			"Dave",
			"--node-key-file",
			node_key.to_str().unwrap(),
			"--bootnodes",
			&net.bootnode,
		],
	);
	dave_node.wait_rpc(Duration::from_secs(60));
	dave_node.wait_finalized(1, Duration::from_secs(120));
	let alice = &net.alice;
	let dave = Sr25519Keyring::Dave;
	let dave_id = dave.to_account_id();
	let owner = common::chain::hex(dave_id.as_ref());
	let generated = dave_node
		.rpc("author_rotateKeysWithOwner", json!([owner]))
		.expect("the node generates session keys with a proof for Dave's account");
	let keys_raw = unhex(generated["keys"].as_str().expect("keys"));
	let proof = unhex(generated["proof"].as_str().expect("proof"));
	let keys = SessionKeys::decode(&mut &keys_raw[..]).expect("the runtime's session keys");
	// One proof of possession per key, in the keys' order: the last is the `infr` key's, which
	// registering as an executor needs.
	let (_, _, infr_proof) = <(
		sp_core::sr25519::Signature,
		sp_core::ed25519::Signature,
		opg_primitives::ExecutorKeyProof,
	)>::decode(&mut &proof[..])
	.expect("a proof per session key");
	eprintln!("[e2e] Dave's node generated its keys: infr {:?}", keys.infr);

	// Dave sets them and registers with the node's `infr` key and a bond of 2,500 OPG (against
	// 10,000 for each genesis validator): not enough to be elected.
	let set_keys =
		RuntimeCall::Session(pallet_session::Call::set_keys { keys: keys.clone(), proof });
	submit(alice, set_keys, dave).expect("set_keys accepted");
	wait_for(alice, Duration::from_secs(60), "Dave's keys", || {
		let key = pallet_session::NextKeys::<opg_runtime::Runtime>::hashed_key_for(&dave_id);
		let best = alice.rpc("chain_getBlockHash", json!([])).unwrap();
		common::chain::storage(alice, &key, best.as_str().unwrap())
	});
	let register = RuntimeCall::Executors(pallet_executors::Call::register {
		key: keys.infr.clone(),
		bond: 2_500 * OPG,
		proof: infr_proof,
	});
	submit(alice, register, dave).expect("register accepted");
	let dave_ss58 = dave_id.to_string();
	let registered = wait_for(alice, Duration::from_secs(60), "Dave's registration", || {
		Some(stake_of(alice, &dave_ss58)).filter(|s| !s.is_null())
	});
	assert_eq!(registered["stake"], (2_500 * OPG).to_string());
	assert_eq!(registered["validator"], false);

	// Eve delegates 20,000 OPG (a 2,500 bond allows a pool of up to 22,500: `MinSelfBond` is
	// 10%): Dave now has the most stake.
	let delegate = RuntimeCall::Executors(pallet_executors::Call::delegate {
		executor: dave_id.clone(),
		amount: 20_000 * OPG,
	});
	submit(alice, delegate, Sr25519Keyring::Eve).expect("delegate accepted");
	let backed = wait_for(alice, Duration::from_secs(60), "Eve's delegation", || {
		Some(stake_of(alice, &dave_ss58)).filter(|s| s["delegators"] == 1)
	});
	assert_eq!(backed["stake"], (22_500 * OPG).to_string());
	let positions = alice
		.rpc("staking_positions", json!([Sr25519Keyring::Eve.to_account_id().to_string(), null]))
		.unwrap();
	assert_eq!(positions[0]["executor"], dave_ss58);
	assert_eq!(positions[0]["active"], (20_000 * OPG).to_string());
	assert_eq!(positions[0]["sharePerbill"], 1_000_000_000);
	let delegated_at = alice.best_number();

	// Within two sessions (10 blocks each) Dave validates.
	let joined = wait_for(alice, Duration::from_secs(300), "Dave in the validator set", || {
		Some(stake_of(alice, &dave_ss58)).filter(|s| s["validator"] == true)
	});
	assert_eq!(joined["stake"], (22_500 * OPG).to_string());
	let joined_at = alice.best_number();
	eprintln!("[e2e] Dave validates from block #{joined_at} (delegated at #{delegated_at})");
	assert!(
		joined_at - delegated_at <= 3 * 10,
		"one to two sessions, not {}",
		joined_at - delegated_at
	);
	let executors = alice.rpc("staking_executors", json!([null])).unwrap();
	let validators: Vec<&str> = executors
		.as_array()
		.unwrap()
		.iter()
		.filter(|e| e["validator"] == true)
		.map(|e| e["executor"].as_str().unwrap())
		.collect();
	assert_eq!(validators.len(), 3, "{executors}");
	assert_eq!(executors[0]["executor"], dave_ss58, "the most stake first: {executors}");
	let left = executors
		.as_array()
		.unwrap()
		.iter()
		.find(|e| e["validator"] == false)
		.map(|e| e["executor"].as_str().unwrap().to_owned())
		.unwrap();
	eprintln!("[e2e] validators now {validators:?}; {left} left the set");

	// The new set finalizes: GRANDPA's three voters now include Dave's node (and GRANDPA needs
	// all three of them).
	net.alice.wait_finalized(joined_at + 3, Duration::from_secs(120));
	let alice = &net.alice;
	let raw = alice.rpc("state_call", json!(["GrandpaApi_grandpa_authorities", "0x"])).unwrap();
	let authorities =
		Vec::<([u8; 32], u64)>::decode(&mut &unhex(raw.as_str().unwrap())[..]).unwrap();
	let dave_grandpa: [u8; 32] = keys.grandpa.encode().try_into().unwrap();
	assert_eq!(authorities.len(), 3);
	assert!(authorities.iter().any(|(key, _)| *key == dave_grandpa), "Dave's GRANDPA key votes");
	eprintln!("[e2e] block #{} finalized by the new set", alice.finalized().0);

	// Work follows the set: requests go to Dave (never to the validator that left), and Dave's
	// node answers them with its new `infr` key.
	let input = InferenceInput::Tensor(Tensor::from_f32(&[1, 64], &[0.25; 64]).unwrap());
	let first = (0u64..).find(|id| request_json(alice, *id).is_none()).unwrap();
	let mut to_dave = Vec::new();
	let mut next = first;
	for _batch in 0..5 {
		for _ in 0..4 {
			let call = RuntimeCall::Inference(pallet_inference::Call::request {
				model: default_model::HASH.into(),
				input: input.clone(),
				max_fee: OPG,
			});
			submit(alice, call, Sr25519Keyring::Ferdie).expect("request accepted");
		}
		for id in next..next + 4 {
			let executor = wait_for(alice, Duration::from_secs(60), "the request", || {
				request_json(alice, id)?["status"]["executor"].as_str().map(str::to_owned)
			});
			assert_ne!(executor, left, "request {id} went to a validator that left the set");
			if executor == dave_ss58 {
				to_dave.push(id);
			}
		}
		next += 4;
		if !to_dave.is_empty() {
			break;
		}
	}
	assert!(!to_dave.is_empty(), "no request was assigned to Dave in {} draws", next - first);
	for id in &to_dave {
		let result = wait_for(alice, Duration::from_secs(120), "Dave's result", || {
			alice.rpc("inference_result", json!([id, null])).ok().filter(|v| !v.is_null())
		});
		assert_eq!(result["executor"], dave_ss58, "request {id}");
	}
	// The `infr` key these results were signed with exists only in Dave's node's keystore (it
	// generated it above): Dave's node computed them.

	// Once final, the fee is shared: Eve's pool earned its part (Dave charges no commission).
	let last = *to_dave.last().unwrap();
	wait_for(alice, Duration::from_secs(180), "Dave's results final", || {
		Some(())
			.filter(|()| request_json(alice, last).is_some_and(|r| r["status"]["state"] == "Final"))
	});
	let paid = stake_of(alice, &dave_ss58);
	let rewards: u128 = paid["delegatorRewards"].as_str().unwrap().parse().unwrap();
	let earned: u128 = paid["earned"].as_str().unwrap().parse().unwrap();
	eprintln!("[e2e] Dave earned {earned}, Eve's pool {rewards} (planck)");
	assert!(rewards > 0 && earned > 0, "{paid}");
	assert!(
		rewards > earned,
		"20,000 delegated against a 2,500 bond: the pool's share is larger: {paid}"
	);
	drop(dave_node);
}
