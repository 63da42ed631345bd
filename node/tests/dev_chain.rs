//! End to end: `opg-node --dev` produces and finalizes blocks and applies a signed transfer.

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::time::Duration;

use codec::Encode;
use common::{
	chain::{free_balance, hex, signed, unhex},
	Node,
};
use opg_runtime::{currency::OPG, AccountId, BalancesCall, Nonce, RuntimeCall};
use serde_json::json;
use sp_core::H256;
use sp_keyring::Sr25519Keyring;

#[test]
fn dev_chain_finalizes_blocks_and_applies_a_signed_transfer() {
	let started = std::time::Instant::now();
	let mut node = Node::start("dev", &["--dev"]);
	node.wait_rpc(Duration::from_secs(60));
	let finalized = node.wait_finalized(3, Duration::from_secs(120));
	eprintln!("[e2e] {finalized} blocks finalized {:?} after start", started.elapsed());

	// The default model is listed at genesis and served as typed JSON by `models_*`.
	let listed = node.rpc("models_list", json!([null, null, null])).expect("models_list");
	let listed = listed.as_array().expect("a JSON array");
	assert_eq!(listed.len(), 1, "one listed model: {listed:?}");
	assert_eq!(listed[0]["name"], "digits-mlp");
	assert_eq!(listed[0]["state"], "Listed");
	assert_eq!(listed[0]["kind"], "Mlp");
	let model = listed[0]["model"].as_str().expect("hex hash").to_owned();
	let one = node.rpc("models_get", json!([model, null])).expect("models_get");
	assert_eq!(one["price"], "10000000000000000", "0.01 OPG, as a decimal string");
	assert_eq!(
		node.rpc("models_get", json!([format!("0x{}", "00".repeat(32)), null])).unwrap(),
		json!(null)
	);
	assert!(
		node.rpc("models_get", json!(["0x1234", null])).is_err(),
		"a malformed hash is an RPC error"
	);

	let genesis = node.block_hash(0).expect("genesis hash");
	let genesis = H256::from_slice(&unhex(&genesis));
	let alice = Sr25519Keyring::Alice.to_account_id();
	let nonce: Nonce =
		node.rpc("system_accountNextIndex", json!([alice.to_string()])).unwrap().as_u64().unwrap()
			as Nonce;

	// An account nobody holds the key of: it only exists once the transfer lands.
	let fresh = AccountId::new([0x42; 32]);
	let (_, head) = node.finalized();
	assert_eq!(free_balance(&node, &fresh, &head), None, "the recipient starts empty");

	let amount = 3 * OPG;
	let call = RuntimeCall::Balances(BalancesCall::transfer_allow_death {
		dest: fresh.clone().into(),
		value: amount,
	});
	let xt = signed(call, Sr25519Keyring::Alice, nonce, genesis);
	let tx_hash = node
		.rpc("author_submitExtrinsic", json!([hex(&xt.encode())]))
		.expect("the pool accepts the transfer");
	eprintln!("[e2e] submitted transfer {tx_hash}");

	// The new balance appears in a later finalized block.
	let deadline = std::time::Instant::now() + Duration::from_secs(90);
	loop {
		let (number, head) = node.finalized();
		if let Some(balance) = free_balance(&node, &fresh, &head) {
			assert_eq!(balance, amount);
			assert!(number > finalized, "seen in a later block");
			break;
		}
		assert!(
			std::time::Instant::now() < deadline,
			"transfer not finalized:\n{}",
			node.log_tail()
		);
		std::thread::sleep(Duration::from_millis(500));
	}
}
