//! Measures the inference path on a dev chain: blocks from a request's inclusion to its result's
//! inclusion (and to finality), and the off-chain worker's inference time, over N requests for
//! the bundled digits MLP.
//!
//! ```text
//! scripts/measure.sh latency [N]   # default 50 requests from 5 accounts, one per block on average
//! ```
//! Prints the median, 90th percentile and maximum. Figures, not pass/fail: nothing here asserts a
//! speed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::{
	chain::{request_json, submit, wait_for},
	Node,
};
use opg_primitives::{InferenceInput, Tensor};
use opg_runtime::{currency::OPG, genesis_config_presets::default_model, RuntimeCall};
use serde_json::json;
use sp_keyring::Sr25519Keyring;

fn percentiles(mut v: Vec<f64>) -> String {
	v.sort_by(f64::total_cmp);
	let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
	format!("median {:.1}, p90 {:.1}, max {:.1} (n = {})", at(0.5), at(0.9), at(1.0), v.len())
}

fn main() {
	let n: u64 = std::env::args().nth(1).map(|a| a.parse().expect("a number")).unwrap_or(50);
	let mut node = Node::start("latency", &["--dev"]);
	node.wait_rpc(Duration::from_secs(60));
	node.wait_finalized(1, Duration::from_secs(120));
	let senders = [
		Sr25519Keyring::Bob,
		Sr25519Keyring::Charlie,
		Sr25519Keyring::Dave,
		Sr25519Keyring::Eve,
		Sr25519Keyring::Ferdie,
	];
	println!("submitting {n} requests for digits-mlp from {} accounts ...", senders.len());
	for i in 0..n {
		let pixels: Vec<f32> = (0..64).map(|p| ((p as u64 * 7 + i) % 17) as f32 / 16.0).collect();
		let call = RuntimeCall::Inference(pallet_inference::Call::request {
			model: default_model::HASH.into(),
			input: InferenceInput::Tensor(Tensor::from_f32(&[1, 64], &pixels).unwrap()),
			max_fee: OPG,
		});
		submit(&node, call, senders[(i as usize) % senders.len()]).expect("request accepted");
		if i % senders.len() as u64 == senders.len() as u64 - 1 {
			// About one round of senders per block, as dapps would.
			std::thread::sleep(Duration::from_secs(6));
		}
	}
	let mut to_result = Vec::new();
	let mut to_final = Vec::new();
	for id in 0..n {
		let result = wait_for(&node, Duration::from_secs(300), "a result", || {
			node.rpc("inference_result", json!([id, null])).ok().filter(|v| !v.is_null())
		});
		let request = request_json(&node, id).unwrap();
		let created = request["created"].as_f64().unwrap();
		to_result.push(result["submittedAt"].as_f64().unwrap() - created);
		to_final.push(result["finalAt"].as_f64().unwrap() - created);
	}
	let ms: Vec<f64> = node
		.log()
		.lines()
		.filter(|l| l.contains("Ran model"))
		.filter_map(|l| l.rsplit("in ").next()?.trim().strip_suffix(" ms")?.parse().ok())
		.collect();
	println!("blocks from request to result: {}", percentiles(to_result));
	println!("blocks from request to final:  {}", percentiles(to_final));
	if !ms.is_empty() {
		println!("off-chain inference time, ms:  {}", percentiles(ms));
	}
}
