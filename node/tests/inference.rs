//! End to end on `opg-node --dev` (real binary, real WASM runtime, real candle): a dapp's
//! request for the bundled digits MLP is answered by Alice's off-chain worker with exactly the
//! output `opg-inference` computes locally, and becomes final after the challenge window; then
//! all-MiniLM-L6-v2 is proposed (weights served from a `file://` URI), listed by sudo, and a text
//! request is answered the same way, the executor fetching and verifying the bundle on demand.

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::{path::PathBuf, time::Duration};

use common::{
	chain::{free_balance, request_json, submit, wait_for},
	Node,
};
use opg_inference::{bundle_from_dir, default_model, Engine, EngineConfig};
use opg_primitives::{
	bundle::{bundle_hash, BundleView},
	Dim, InferenceInput, InputSchema, IoSchema, ModelHash, ModelKind, ModelSpec, Tensor,
	TensorDType, TensorSchema,
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
	let models = std::env::var_os("OPG_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/opg/models")
	});
	let dir = models.join("all-minilm-l6-v2");
	assert!(dir.join("model.safetensors").is_file(), "run scripts/fetch-models.sh first");
	dir
}

/// What the engine computes here, for comparison: the output values as JSON numbers.
fn local_output(engine: &Engine, model: &ModelHash, input: &InferenceInput) -> Vec<Value> {
	let run = engine.run(model, input).expect("local inference");
	opg_primitives::json::tensor_values(run.output.tensor())
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
	let minilm = bundle_hash(&bundle);
	let config_hash = BundleView::parse(&bundle).unwrap().config_hash().unwrap();
	let served = tempfile::tempdir().unwrap();
	let path = served.path().join("all-minilm-l6-v2.opgb");
	std::fs::write(&path, &bundle).unwrap();
	let schema = IoSchema {
		input: InputSchema::Text { max_bytes: 512 },
		output: TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(384)]).unwrap(),
		max_batch: 8,
	};
	let proposal = pallet_model_registry::ModelProposal {
		spec: ModelSpec { kind: ModelKind::BertEmbedding, model: minilm, config_hash, schema },
		name: b"all-MiniLM-L6-v2".to_vec().try_into().unwrap(),
		description: b"Sentence embeddings, 384 dimensions".to_vec().try_into().unwrap(),
		price: OPG / 100,
		uris: vec![format!("file://{}", path.display()).into_bytes().try_into().unwrap()]
			.try_into()
			.unwrap(),
		size: bundle.len() as u64,
	};
	let propose =
		RuntimeCall::ModelRegistry(pallet_model_registry::Call::propose_model { proposal });
	submit(&node, propose, Sr25519Keyring::Alice).expect("proposal accepted");
	wait_for(&node, Duration::from_secs(60), "the proposal", || {
		let model = node.rpc("models_get", json!([minilm, null])).ok()?;
		(!model.is_null()).then_some(())
	});
	let list = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::ModelRegistry(pallet_model_registry::Call::list_model {
			model: minilm,
		})),
	});
	submit(&node, list, Sr25519Keyring::Alice).expect("listing accepted");
	wait_for(&node, Duration::from_secs(60), "the listing", || {
		let model = node.rpc("models_get", json!([minilm, null])).ok()?;
		(model["state"] == "Listed").then_some(())
	});

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
	// The engine's own timings, as the node logged them (first MiniLM run includes loading it).
	for line in node.log().lines().filter(|l| l.contains("Ran model")) {
		eprintln!("[e2e] node: {}", line.split("🧠 ").last().unwrap_or(line));
	}
}
