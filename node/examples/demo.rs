//! The end-to-end demo: a dapp (Bob) asks the bundled digits MLP to classify a handwritten digit,
//! Alice's node runs it in its off-chain worker and submits the signed result, and the result
//! becomes final after the challenge window.
//!
//! ```text
//! cargo run --profile release -p opg-node --example demo                 # starts its own --dev node
//! cargo run --profile release -p opg-node --example demo -- --rpc-port 9944  # uses a running one
//! ```
//! (`scripts/demo.sh` does the first.) Prints the request, the attested output with its
//! commitment, and the block numbers of each step.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{
	chain::{request_json, submit, wait_for},
	Node,
};
use opg_primitives::{InferenceInput, Tensor};
use opg_runtime::{currency::OPG, genesis_config_presets::default_model, RuntimeCall};
use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

/// The first held-out test digit of `models/digits-mlp/fixture.json`: pixels (0..=16) and label.
fn test_digit() -> (Vec<f32>, u64) {
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/digits-mlp/fixture.json");
	let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
	let pixels = fixture["pixels"][0].as_array().unwrap();
	let pixels = pixels.iter().map(|p| p.as_f64().unwrap() as f32 / 16.0).collect();
	(pixels, fixture["labels"][0].as_u64().unwrap())
}

fn main() {
	let args: Vec<String> = std::env::args().collect();
	let port = args.iter().position(|a| a == "--rpc-port").and_then(|i| args.get(i + 1));
	let started = Instant::now();
	let node = match port {
		Some(port) => Node::attach(port.parse().expect("a port number")),
		None => {
			println!("starting opg-node --dev ...");
			let mut node = Node::start("demo", &["--dev"]);
			node.wait_rpc(Duration::from_secs(60));
			node.wait_finalized(1, Duration::from_secs(120));
			node
		}
	};

	let (pixels, label) = test_digit();
	let input = InferenceInput::Tensor(Tensor::from_f32(&[1, 64], &pixels).unwrap());
	let next_id = |node: &Node| (0u64..).find(|id| request_json(node, *id).is_none()).unwrap();
	let id = next_id(&node);
	let call = RuntimeCall::Inference(pallet_inference::Call::request {
		model: default_model::HASH.into(),
		input,
		max_fee: OPG,
	});
	let tx = submit(&node, call, Sr25519Keyring::Bob).expect("the pool accepts the request");
	println!(
		"Bob requested digits-mlp on an 8x8 image of a handwritten {label} (transaction {tx})"
	);

	let request =
		wait_for(&node, Duration::from_secs(60), "the request", || request_json(&node, id));
	let fee: u128 = request["fee"].as_str().and_then(|f| f.parse().ok()).unwrap_or_default();
	println!(
		"request #{id} in block #{}: fee {} OPG held, assigned to {} (deadline #{})",
		request["created"],
		fee as f64 / OPG as f64,
		request["status"]["executor"].as_str().unwrap_or("?"),
		request["status"]["deadline"],
	);

	let result = wait_for(&node, Duration::from_secs(120), "the result", || {
		node.rpc("inference_result", json!([id, null])).ok().filter(|v| !v.is_null())
	});
	let logits: Vec<f64> = result["output"]["values"]
		.as_array()
		.unwrap()
		.iter()
		.map(|v| v.as_f64().unwrap_or(f64::NAN))
		.collect();
	let digit = (0..logits.len()).max_by(|a, b| logits[*a].total_cmp(&logits[*b])).unwrap();
	println!(
		"result in block #{} by {}: logits {}",
		result["submittedAt"],
		result["executor"].as_str().unwrap_or("?"),
		Value::from(logits.iter().map(|l| (l * 1e3).round() / 1e3).collect::<Vec<_>>())
	);
	println!(
		"  -> the model says {digit} (the image is a {label}); output hash {}, trace root {}",
		result["outputHash"].as_str().unwrap_or("?"),
		result["traceRoot"].as_str().unwrap_or("?")
	);
	println!("  pending: final at block #{} unless challenged", result["finalAt"]);

	let at = wait_for(&node, Duration::from_secs(180), "finality of the result", || {
		let request = request_json(&node, id)?;
		(request["status"]["state"] == "Final").then(|| request["status"]["at"].clone())
	});
	println!(
		"final in block #{at}: the fee was paid to the executor ({:.0?} in all)",
		started.elapsed()
	);
}
