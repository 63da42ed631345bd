//! The Rust half of `scripts/measure.sh onnx`: paraphrase-MiniLM-L3-v2 in ONNX (the fixture of
//! scripts/onnx-fixtures.sh) through the canonical engine (`Engine::run`, tokenization included),
//! batch 1 and 32, 1 and 2 threads, printing one line per figure:
//!
//! ```text
//! canonical onnx-minilm-l3 b32 t2 median_ms 123.4567
//! ```
//!
//! The texts are the fixture's six, cycled to the batch. One warm-up, then the median of REPEATS
//! runs.
//!
//! ```text
//! onnx_bench FIXTURES_DIR [REPEATS]
//! ```
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

use std::time::Instant;

use opg_inference::{Engine, EngineConfig};
use opg_primitives::{bundle::encode_bundle, InferenceInput, ModelKind};

fn main() {
	let mut args = std::env::args().skip(1);
	let dir =
		std::path::PathBuf::from(args.next().expect("usage: onnx_bench FIXTURES_DIR [REPEATS]"));
	let repeats: usize = args.next().map_or(10, |r| r.parse().expect("REPEATS"));
	let model = dir.join("minilm-l3");
	let reference: serde_json::Value =
		serde_json::from_slice(&std::fs::read(model.join("reference.json")).unwrap()).unwrap();
	let texts: Vec<String> = reference["texts"]
		.as_array()
		.unwrap()
		.iter()
		.map(|t| t.as_str().unwrap().to_string())
		.collect();
	let config = format!(
		r#"{{"architecture":"onnx","output":"461","max_seq_length":{}}}"#,
		reference["max_seq_length"]
	);
	let graph = std::fs::read(model.join("model.onnx")).unwrap();
	let tokenizer = std::fs::read(model.join("tokenizer.json")).unwrap();
	let bundle = encode_bundle(
		ModelKind::Onnx,
		&[
			("config.json", config.as_bytes()),
			("model.onnx", &graph),
			("tokenizer.json", &tokenizer),
		],
	)
	.unwrap();
	for threads in [1usize, 2] {
		let store =
			std::env::temp_dir().join(format!("opg-onnx-bench-{}-{threads}", std::process::id()));
		let mut config = EngineConfig::new(&store);
		config.threads = threads;
		let engine = Engine::new(config).unwrap();
		let hash = engine.store().import_bytes(&bundle).unwrap();
		for batch in [1usize, 32] {
			let chosen: Vec<&str> = texts.iter().cycle().take(batch).map(String::as_str).collect();
			let input = InferenceInput::texts(&chosen).unwrap();
			engine.run(&hash, &input).unwrap();
			let mut times: Vec<f64> = (0..repeats)
				.map(|_| {
					let start = Instant::now();
					engine.run(&hash, &input).unwrap();
					start.elapsed().as_secs_f64() * 1e3
				})
				.collect();
			times.sort_by(f64::total_cmp);
			println!(
				"canonical onnx-minilm-l3 b{batch} t{threads} median_ms {:.4}",
				times[times.len() / 2]
			);
		}
		let _ = std::fs::remove_dir_all(&store);
	}
}
