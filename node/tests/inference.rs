//! End to end on `opg-node --dev` (real binary, real WASM runtime, real candle): a dapp's
//! request for the bundled digits MLP is answered by Alice's off-chain worker with exactly the
//! output `opg-inference` computes locally, and becomes final after the challenge window; then
//! all-MiniLM-L6-v2 is proposed (weights served from a `file://` URI), listed by sudo, and a text
//! request is answered the same way, the executor fetching and verifying the bundle on demand;
//! then SmolLM2-135M-Instruct answers a sampled prompt with the local engine's exact answer, and
//! is paid per token, the unused part of the fee returned.

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::{path::PathBuf, time::Duration};

use common::{
	chain::{free_balance, propose_and_list, request_json, request_nonce, submit, wait_for},
	Node,
};
use opg_inference::{bundle_from_dir, default_model, Engine, EngineConfig};
use opg_primitives::{
	Dim, InferenceInput, InferenceOutput, InputSchema, IoSchema, ModelHash, ModelKind,
	OutputSchema, Prompt, Sampling, Tensor, TensorDType, TensorSchema,
};
use opg_runtime::{currency::OPG, RuntimeCall};
use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

fn repo() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The first `n` digits of the fixture as model input (pixels / 16).
fn digits(n: usize) -> InferenceInput {
	let text = std::fs::read_to_string(repo().join("models/digits-mlp/fixture.json")).unwrap();
	let fixture: Value = serde_json::from_str(&text).unwrap();
	let rows = fixture["pixels"].as_array().unwrap();
	let values: Vec<f32> = rows[..n]
		.iter()
		.flat_map(|row| row.as_array().unwrap().iter().map(|p| p.as_f64().unwrap() as f32 / 16.0))
		.collect();
	InferenceInput::Tensor(Tensor::from_f32(&[n as u32, 64], &values).unwrap())
}

/// all-MiniLM-L6-v2's directory (fetched by scripts/fetch-models.sh); fails, never skips.
fn minilm_dir() -> PathBuf {
	common::fetched_model("all-minilm-l6-v2", &["model.safetensors"])
}

/// SmolLM2-135M-Instruct's directory (the GGUF fetched and the bundle's config.json copied by
/// scripts/fetch-models.sh); fails, never skips.
fn smollm_dir() -> PathBuf {
	common::fetched_model("smollm2-135m", &["model.gguf", "config.json"])
}

/// What the engine computes here, for comparison: the output values as JSON numbers.
fn local_output(engine: &Engine, model: &ModelHash, input: &InferenceInput) -> Vec<Value> {
	let run = engine.run(model, input).expect("local inference");
	opg_primitives::json::tensor_values(run.output.tensor().expect("a tensor"))
}

fn request_call(model: ModelHash, input: InferenceInput) -> RuntimeCall {
	RuntimeCall::Inference(pallet_inference::Call::request { model, input, max_fee: OPG })
}

/// Waits for request `id`'s result on the node and returns `(result JSON, request JSON)`.
fn wait_result(node: &Node, id: u64) -> (Value, Value) {
	let result =
		wait_for(node, Duration::from_secs(120), &format!("the result of request {id}"), || {
			node.rpc("inference_result", json!([id, null])).ok().filter(|v| !v.is_null())
		});
	(result, request_json(node, id).expect("the request"))
}

/// Waits until request `id` is final and returns the block it became final in.
fn wait_final(node: &Node, id: u64) -> u64 {
	wait_for(node, Duration::from_secs(180), &format!("request {id} to be final"), || {
		let request = request_json(node, id)?;
		(request["status"]["state"] == "Final").then(|| request["status"]["at"].as_u64().unwrap())
	})
}

#[test]
fn dev_chain_answers_requests_with_the_engines_output_and_finalizes_them() {
	let mut node = Node::start("inference", &["--dev"]);
	node.wait_rpc(Duration::from_secs(60));
	node.wait_finalized(1, Duration::from_secs(120));

	let store = tempfile::tempdir().unwrap();
	let engine = Engine::new(EngineConfig::new(store.path())).unwrap();
	let digits_model = default_model::install(engine.store()).unwrap();

	// 1. The bundled MLP, listed at genesis; Alice is the only executor.
	let alice = Sr25519Keyring::Alice.to_account_id();
	let (_, head) = node.finalized();
	let alice_before = free_balance(&node, &alice, &head).unwrap();
	let input = digits(3);
	submit(&node, request_call(digits_model, input.clone()), Sr25519Keyring::Bob)
		.expect("request accepted");
	let (result, request) = wait_result(&node, 0);
	assert_eq!(request["requester"], Sr25519Keyring::Bob.to_account_id().to_string());
	assert_eq!(result["executor"], alice.to_string());
	assert_eq!(result["output"]["shape"], json!([3, 10]));
	assert_eq!(
		result["output"]["values"].as_array().unwrap(),
		&local_output(&engine, &digits_model, &input),
		"the chain's output is byte-for-byte the local engine's"
	);
	let created = request["created"].as_u64().unwrap();
	let submitted = result["submittedAt"].as_u64().unwrap();
	eprintln!("[e2e] digits: request in #{created}, result in #{submitted}");
	assert_eq!(result["isFinal"], false);

	let final_at = wait_final(&node, 0);
	eprintln!("[e2e] digits: final in #{final_at}");
	let result = node.rpc("inference_result", json!([0, null])).unwrap();
	assert_eq!(result["isFinal"], true);
	// Alice earned the price (0.01 OPG) less the protocol's 10%, once that block is finalized.
	let head = wait_for(&node, Duration::from_secs(60), "finality of the payout", || {
		let (number, head) = node.finalized();
		(number >= final_at).then_some(head)
	});
	let fee = OPG / 100;
	assert_eq!(free_balance(&node, &alice, &head).unwrap(), alice_before + fee - fee / 10);

	// 2. all-MiniLM-L6-v2, proposed with a file:// URI and listed by sudo; the executor fetches
	// the bundle on its first request.
	let bundle = bundle_from_dir(ModelKind::BertEmbedding, &minilm_dir()).unwrap();
	let served = tempfile::tempdir().unwrap();
	let schema = IoSchema {
		input: InputSchema::Text { max_bytes: 512 },
		output: OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(384)]).unwrap(),
		),
		max_batch: 8,
	};
	let path = served.path().join("all-minilm-l6-v2.opgb");
	let minilm = propose_and_list(
		&node,
		ModelKind::BertEmbedding,
		&bundle,
		schema,
		"all-MiniLM-L6-v2",
		OPG / 100,
		&path,
	);

	let texts =
		InferenceInput::texts(&["The chain answered.", "A second, longer sentence to embed."])
			.unwrap();
	submit(&node, request_call(minilm, texts.clone()), Sr25519Keyring::Bob)
		.expect("request accepted");
	let (result, request) = wait_result(&node, 1);
	assert_eq!(result["output"]["shape"], json!([2, 384]));
	engine.store().import_bytes(&bundle).unwrap();
	assert_eq!(
		result["output"]["values"].as_array().unwrap(),
		&local_output(&engine, &minilm, &texts),
		"the chain's embeddings are byte-for-byte the local engine's"
	);
	eprintln!(
		"[e2e] minilm: request in #{}, result in #{}",
		request["created"].as_u64().unwrap(),
		result["submittedAt"].as_u64().unwrap()
	);
	let node_store =
		opg_inference::ModelStore::open(node.base.path().join("models"), u64::MAX).unwrap();
	assert!(node_store.contains(&minilm), "the executor fetched the bundle into its store");
	wait_final(&node, 1);

	// 3. SmolLM2-135M-Instruct, a text-generation model priced per token: the fee held covers
	// the prompt bound and the tokens asked for; the answer's tokens are paid, the rest returned.
	let bundle = bundle_from_dir(ModelKind::TextGeneration, &smollm_dir()).unwrap();
	let schema = opg_primitives::TextGenerationConfig::from_json(
		&std::fs::read(smollm_dir().join("config.json")).unwrap(),
	)
	.unwrap()
	.schema();
	let per_token = OPG / 10_000;
	let path = served.path().join("smollm2-135m.opgb");
	let smollm = propose_and_list(
		&node,
		ModelKind::TextGeneration,
		&bundle,
		schema,
		"smollm2-135m",
		per_token,
		&path,
	);
	let sampling = Sampling { temperature_milli: 300, top_k: 40, top_p_milli: 900, seed: 11 };
	let prompt = Prompt::new("What is the capital of France?", true, 32, sampling).unwrap();
	let input = InferenceInput::Prompt(prompt);
	submit(&node, request_call(smollm, input.clone()), Sr25519Keyring::Bob)
		.expect("request accepted");
	let (result, request) = wait_result(&node, 2);
	let held = per_token * (256 + 32);
	assert_eq!(request["fee"], held.to_string(), "the prompt bound and 32 tokens are held");
	// The answer is the local engine's, sampled with the request's digest as the nonce.
	engine.store().import_bytes(&bundle).unwrap();
	let nonce = request_nonce(&node, 2, &request, &input);
	let local = engine.run_with_nonce(&smollm, &input, &nonce).unwrap();
	let InferenceOutput::Generated(answer) = &local.output else { panic!("not an answer") };
	assert_eq!(result["output"]["type"], "Generated");
	assert_eq!(result["output"]["text"], answer.text_lossy().as_ref());
	assert_eq!(result["output"]["tokens"], json!(answer.tokens.to_vec()));
	assert_eq!(result["output"]["promptTokens"], answer.prompt_tokens);
	assert_eq!(result["outputHash"], format!("{:?}", local.commitment.output_hash));
	eprintln!(
		"[e2e] smollm: {:?} ({} prompt tokens, {} generated, {:?})",
		answer.text_lossy(),
		answer.prompt_tokens,
		answer.tokens.len(),
		answer.stop
	);
	let final_at = wait_final(&node, 2);
	let request = request_json(&node, 2).unwrap();
	let paid = per_token * u128::from(answer.billed_units());
	assert_eq!(request["fee"], paid.to_string(), "the tokens used are paid");
	let head = wait_for(&node, Duration::from_secs(60), "finality of the payout", || {
		let (number, head) = node.finalized();
		(number >= final_at).then_some(head)
	});
	// The payout is in block `final_at`: Alice's balance grows by the paid fee less the
	// protocol's 10% there.
	let (before, at) = (node.block_hash(final_at - 1).unwrap(), node.block_hash(final_at).unwrap());
	let alice_before = free_balance(&node, &alice, &before).unwrap();
	assert_eq!(free_balance(&node, &alice, &at).unwrap(), alice_before + paid - paid / 10);
	let bob = Sr25519Keyring::Bob.to_account_id();
	assert_eq!(held_fees(&node, &bob, &head), 0, "the unused fee went back to Bob");
	eprintln!(
		"[e2e] smollm: {} OPG held, {} OPG paid for {} tokens, the rest returned",
		held as f64 / OPG as f64,
		paid as f64 / OPG as f64,
		answer.billed_units()
	);

	// The engine's own timings, as the node logged them (a model's first run includes loading
	// it).
	for line in node.log().lines().filter(|l| l.contains("Ran model")) {
		eprintln!("[e2e] node: {}", line.split("🧠 ").last().unwrap_or(line));
	}
}

/// What `who` has held for inference requests at block `at`.
fn held_fees(node: &Node, who: &opg_runtime::AccountId, at: &str) -> opg_runtime::Balance {
	use codec::Decode;
	let key = pallet_balances::Holds::<opg_runtime::Runtime>::hashed_key_for(who);
	let Some(raw) = common::chain::storage(node, &key, at) else { return 0 };
	// A hold is encoded as its reason, then its amount (`IdAmount`).
	let holds =
		Vec::<(opg_runtime::RuntimeHoldReason, opg_runtime::Balance)>::decode(&mut &raw[..])
			.unwrap();
	let fee = opg_runtime::RuntimeHoldReason::Inference(pallet_inference::HoldReason::RequestFee);
	holds.iter().filter(|(id, _)| *id == fee).map(|(_, amount)| amount).sum()
}
