//! End to end on the three-validator `local` chain, Charlie's node running with the test-only
//! fault switch `--dev-executor-fault wrong-output`: a request assigned to Charlie gets a wrong
//! (well-formed, correctly committed) result; a watcher on Alice's or Bob's node re-runs it and
//! challenges it automatically; the committee (Alice and Bob) re-runs it, commits and reveals;
//! Charlie's bond is slashed by 10% and the correct output, the one `opg-inference` computes
//! locally, ends up final. (`llm_disputes.rs` does the same for a text-generation model.)

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::time::Duration;

use codec::Decode;
use common::chain::{lying_network, request_json, storage, submit, wait_for};
use opg_inference::{default_model as engine_model, Engine, EngineConfig};
use opg_primitives::{InferenceInput, Tensor};
use opg_runtime::{
	currency::OPG, genesis_config_presets::default_model, AccountId, Balance, Runtime, RuntimeCall,
};
use serde_json::json;
use sp_keyring::Sr25519Keyring;

/// Storage at the node's best block.
fn best_storage(node: &common::Node, key: &[u8]) -> Option<Vec<u8>> {
	let best = node.rpc("chain_getBlockHash", json!([])).unwrap();
	storage(node, key, best.as_str().unwrap())
}

fn bond_of(node: &common::Node, who: &AccountId) -> Balance {
	let key = pallet_executors::Executors::<Runtime>::hashed_key_for(who);
	let raw = best_storage(node, &key).expect("an executor");
	pallet_executors::ExecutorInfoOf::<Runtime>::decode(&mut &raw[..]).unwrap().bond
}

#[test]
fn a_lying_executor_is_challenged_by_a_watcher_outvoted_slashed_and_corrected() {
	let net = lying_network();
	let alice = &net.alice;

	let charlie = Sr25519Keyring::Charlie.to_account_id();
	let bond_before = bond_of(alice, &charlie);
	assert_eq!(bond_before, 10_000 * OPG);

	// Dave requests digit classifications one at a time until one is assigned to Charlie.
	let input = InferenceInput::Tensor(Tensor::from_f32(&[1, 64], &[0.25; 64]).unwrap());
	let mut id = None;
	for n in 0..30u64 {
		let call = RuntimeCall::Inference(pallet_inference::Call::request {
			model: default_model::HASH.into(),
			input: input.clone(),
			max_fee: OPG,
		});
		submit(alice, call, Sr25519Keyring::Dave).expect("request accepted");
		let executor = wait_for(alice, Duration::from_secs(60), "the request", || {
			request_json(alice, n)?["status"]["executor"].as_str().map(str::to_owned)
		});
		if executor == charlie.to_string() {
			id = Some(n);
			break;
		}
	}
	let id = id.expect("a request assigned to Charlie within 30");
	eprintln!("[e2e] request {id} assigned to Charlie");

	// Its wrong result is challenged, voted on and corrected. Charlie's bond is read again once
	// its result is disputed: its node watches too, with the same fault, so it may already have
	// challenged an honest result of Alice's or Bob's and been penalized as a committee member
	// there (the small-committee weakness the dispute docs state).
	let mut answered_at = None;
	let mut challenged = None;
	let mut bond_disputed = None;
	let corrected_at = wait_for(alice, Duration::from_secs(240), "the correction", || {
		let request = request_json(alice, id)?;
		let status = &request["status"];
		match status["state"].as_str()? {
			"Answered" if answered_at.is_none() => {
				answered_at = status["challengeEnd"].as_u64().map(|end| end - 10)
			}
			"Disputed" => {
				answered_at = answered_at.or(status["challengeEnd"].as_u64().map(|end| end - 10));
				bond_disputed = bond_disputed.or_else(|| Some(bond_of(alice, &charlie)));
				if challenged.is_none() {
					challenged = alice
						.rpc("inference_dispute", json!([id, null]))
						.ok()
						.filter(|d| !d.is_null());
				}
			}
			"Corrected" => return status["at"].as_u64(),
			"Final" | "Refunded" => {
				panic!("request {id} ended {status} instead of being corrected")
			}
			_ => {}
		}
		None
	});
	let answered_at = answered_at.expect("the wrong result was seen on chain");
	eprintln!(
		"[e2e] wrong result in #{answered_at}, corrected in #{corrected_at}: {} blocks; dispute: {}",
		corrected_at - answered_at,
		challenged.as_ref().map(|d| d.to_string()).unwrap_or_default()
	);
	if let Some(dispute) = &challenged {
		let challenger = dispute["challenger"].as_str().unwrap();
		assert!(
			[Sr25519Keyring::Alice, Sr25519Keyring::Bob]
				.iter()
				.any(|k| k.to_account_id().to_string() == challenger),
			"a watcher (Alice's or Bob's node) challenged: {challenger}"
		);
		assert_eq!(dispute["executor"], charlie.to_string());
		assert_eq!(dispute["state"], "Open");
	}

	// The dispute's outcome stays readable.
	let outcome = alice.rpc("inference_dispute", json!([id, null])).unwrap();
	eprintln!("[e2e] outcome: {outcome}");
	assert_eq!(outcome["state"], "Resolved");
	assert_eq!(outcome["verdict"], "ExecutorWrong");
	let bond_disputed = bond_disputed.expect("the request was seen disputed");
	assert_eq!(outcome["slashed"], (bond_disputed / 10).to_string());

	// The final output is what the engine computes here.
	let dir = tempfile::tempdir().unwrap();
	let engine = Engine::new(EngineConfig::new(dir.path())).unwrap();
	let model = engine_model::install(engine.store()).unwrap();
	let expected = engine.run(&model, &input).unwrap();
	let result = alice.rpc("inference_result", json!([id, null])).unwrap();
	assert_eq!(result["isFinal"], true);
	assert_eq!(
		result["output"]["values"].as_array().unwrap(),
		&opg_primitives::json::tensor_values(expected.output.tensor().expect("a tensor"))
	);
	assert_eq!(
		result["outputHash"].as_str().unwrap(),
		format!("{:?}", expected.commitment.output_hash)
	);

	// Charlie lost 10% of its bond.
	let bond_after = bond_of(alice, &charlie);
	eprintln!("[e2e] Charlie's bond: {} OPG -> {} OPG", bond_disputed / OPG, bond_after / OPG);
	assert_eq!(bond_after, bond_disputed - bond_disputed / 10);
}
