//! End to end on the three-validator `local` chain, Charlie's node running with the test-only
//! fault switch `--dev-executor-fault wrong-output`: a request assigned to Charlie gets a wrong
//! (well-formed, correctly committed) result; a watcher on Alice's or Bob's node re-runs it and
//! challenges it automatically; the committee (Alice and Bob) re-runs it, commits and reveals;
//! Charlie's bond is slashed by 10% and the correct output, the one `opg-inference` computes
//! locally, ends up final. Then the same for a text-generation model: Charlie's wrong answer is
//! found by a watcher's one-pass (prefill) check, challenged and corrected.

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::time::Duration;

use codec::Decode;
use common::{
	chain::{propose_and_list, request_json, request_nonce, storage, submit, wait_for},
	LocalNetwork,
};
use opg_inference::{default_model as engine_model, Engine, EngineConfig};
use opg_primitives::{InferenceInput, ModelKind, Prompt, Sampling, Tensor};
use opg_runtime::{
	currency::OPG, genesis_config_presets::default_model, AccountId, Balance, Runtime, RuntimeCall,
};
use serde_json::json;
use sp_keyring::Sr25519Keyring;
use sp_runtime::Perbill;

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
	let mut net = LocalNetwork::start(|name| {
		if name == "charlie" {
			vec!["--dev-executor-fault".into(), "wrong-output".into()]
		} else {
			vec![]
		}
	});
	let alice = &mut net.alice;
	// Past the first blocks, when a node may still count itself as syncing and skip its
	// off-chain worker: a committee member that skips its vote voids the dispute.
	alice.wait_finalized(4, Duration::from_secs(180));
	assert!(net.charlie.log().contains("TEST FAULT"), "Charlie's node runs with the fault switch");
	let alice = &net.alice;

	// Watchers re-run every result here (governance's call; 10% by default), so that the test
	// does not depend on the sample.
	let watch_all = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::Inference(pallet_inference::Call::set_watch_fraction {
			fraction: Perbill::one(),
		})),
	});
	submit(alice, watch_all, Sr25519Keyring::Alice).expect("sudo accepted");
	let fraction_key = pallet_inference::WatchFraction::<Runtime>::hashed_key();
	wait_for(alice, Duration::from_secs(60), "the watch fraction", || {
		let raw = best_storage(alice, &fraction_key)?;
		(Perbill::decode(&mut &raw[..]).ok()? == Perbill::one()).then_some(())
	});

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

	// The same for text generation: Charlie's answers start with a wrong token; a watcher
	// checks them with one pass over the prompt and the answer (no re-generation) and
	// challenges, and the answer that ends up final is the local engine's.
	let bundle = opg_inference::bundle_from_dir(ModelKind::TextGeneration, &smollm_dir()).unwrap();
	let config = std::fs::read(smollm_dir().join("config.json")).unwrap();
	let schema = opg_primitives::TextGenerationConfig::from_json(&config).unwrap().schema();
	let served = tempfile::tempdir().unwrap();
	let smollm = propose_and_list(
		alice,
		ModelKind::TextGeneration,
		&bundle,
		schema,
		"smollm2-135m",
		OPG / 10_000,
		&served.path().join("smollm2-135m.opgb"),
	);
	let first = (0u64..).find(|n| request_json(alice, *n).is_none()).unwrap();
	let mut asked = None;
	for n in first..first + 30 {
		let prompt =
			Prompt::new(&format!("Say hello to person {n}."), true, 12, Sampling::GREEDY).unwrap();
		let input = InferenceInput::Prompt(prompt);
		let call = RuntimeCall::Inference(pallet_inference::Call::request {
			model: smollm,
			input: input.clone(),
			max_fee: OPG,
		});
		submit(alice, call, Sr25519Keyring::Dave).expect("request accepted");
		let executor = wait_for(alice, Duration::from_secs(60), "the request", || {
			request_json(alice, n)?["status"]["executor"].as_str().map(str::to_owned)
		});
		if executor == charlie.to_string() {
			asked = Some((n, input));
			break;
		}
	}
	let (id, input) = asked.expect("a prompt assigned to Charlie within 30");
	eprintln!("[e2e] prompt {id} assigned to Charlie");
	let ended = wait_for(alice, Duration::from_secs(240), "the answer's correction", || {
		let request = request_json(alice, id)?;
		match request["status"]["state"].as_str()? {
			"Corrected" => Some(request),
			"Final" | "Refunded" => panic!("prompt {id} ended {} instead", request["status"]),
			_ => None,
		}
	});
	engine.store().import_bytes(&bundle).unwrap();
	let nonce = request_nonce(alice, id, &ended, &input);
	let expected = engine.run_with_nonce(&smollm, &input, &nonce).unwrap();
	let result = alice.rpc("inference_result", json!([id, null])).unwrap();
	assert_eq!(result["outputHash"], format!("{:?}", expected.commitment.output_hash));
	eprintln!("[e2e] corrected answer: {}", result["output"]["text"]);
	let checked = [&net.alice, &net.bob].iter().any(|node| {
		node.log().lines().any(|l| l.contains("Checked a result") && l.contains("differs"))
	});
	assert!(checked, "a watcher's one-pass check found Charlie's answer wrong");
}

/// SmolLM2-135M-Instruct's directory (the GGUF fetched and the bundle's config.json copied by
/// scripts/fetch-models.sh); fails, never skips.
fn smollm_dir() -> std::path::PathBuf {
	let models =
		std::env::var_os("OPG_MODELS_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| {
			std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME"))
				.join(".cache/opg/models")
		});
	let dir = models.join("smollm2-135m");
	assert!(dir.join("model.gguf").is_file(), "run scripts/fetch-models.sh first");
	dir
}
