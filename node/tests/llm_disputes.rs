//! End to end on the three-validator `local` chain, Charlie's node running with the test-only
//! fault switch `--dev-executor-fault wrong-output`, for text generation: SmolLM2-135M-Instruct
//! is listed (its bundle served from a `file://` URI); a prompt assigned to Charlie gets an
//! answer whose first token is wrong (well-formed, correctly committed); a watcher on Alice's or
//! Bob's node checks it with **one pass** over the prompt and the answer's tokens (no
//! re-generation), finds it wrong and challenges it; the committee corrects it, and the answer
//! that ends up final is the one `opg-inference` generates locally with the request's digest as
//! the sampling nonce.
//!
//! (A separate network from `disputes.rs`: a slashed executor stops serving, so one network
//! catches one lie.)

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::time::Duration;

use common::chain::{
	lying_network, propose_and_list, request_json, request_nonce, submit, wait_for,
};
use opg_inference::{Engine, EngineConfig};
use opg_primitives::{InferenceInput, ModelKind, Prompt, Sampling};
use opg_runtime::{currency::OPG, RuntimeCall};
use serde_json::json;
use sp_keyring::Sr25519Keyring;

#[test]
fn a_lying_executors_answer_is_caught_by_a_one_pass_check_and_corrected() {
	let net = lying_network();
	let alice = &net.alice;
	let charlie = Sr25519Keyring::Charlie.to_account_id();

	let dir = common::fetched_model("smollm2-135m", &["model.gguf", "config.json"]);
	let bundle = opg_inference::bundle_from_dir(ModelKind::TextGeneration, &dir).unwrap();
	let config = std::fs::read(dir.join("config.json")).unwrap();
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
	let store = tempfile::tempdir().unwrap();
	let engine = Engine::new(EngineConfig::new(store.path())).unwrap();
	engine.store().import_bytes(&bundle).unwrap();
	let nonce = request_nonce(alice, id, &ended, &input);
	let expected = engine.run_with_nonce(&smollm, &input, &nonce).unwrap();
	let result = alice.rpc("inference_result", json!([id, null])).unwrap();
	assert_eq!(result["outputHash"], format!("{:?}", expected.commitment.output_hash));
	eprintln!("[e2e] corrected answer: {}", result["output"]["text"]);
	let mut checked = false;
	for node in [&net.alice, &net.bob, &net.charlie] {
		for line in
			node.log().lines().filter(|l| l.contains("Checked a result") || l.contains("Ran model"))
		{
			checked |= line.contains("Checked a result") && line.contains("differs");
			eprintln!(
				"[e2e] {}: {}",
				node.name,
				line.split("opg-inference").last().unwrap_or(line)
			);
		}
	}
	assert!(checked, "a watcher's one-pass check found Charlie's answer wrong");
	eprintln!(
		"[e2e] prompt {id}: requested in #{}, corrected in #{}",
		ended["created"], ended["status"]["at"]
	);
}
