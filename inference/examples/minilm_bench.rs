//! The candle half of `scripts/measure.sh engine`: all-MiniLM-L6-v2 at sequence length 128,
//! batch 1 and 32, one engine thread; prints `candle b<batch> median_ms <ms>` lines.
//!
//! `cargo run --release -p opg-inference --example minilm_bench -- [model dir] [repeats]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::{path::PathBuf, time::Instant};

use opg_inference::{bundle_from_dir, Engine, EngineConfig};
use opg_primitives::{InferenceInput, ModelKind};

const SENTENCES: &[&str] = &[
	"The cat sits on the mat.",
	"Validators re-run the model and compare output hashes.",
	"Blockchains record transactions in an append-only ledger.",
	"Sentence embeddings map text to vectors so that similar meanings are close together.",
];

fn main() {
	let mut args = std::env::args().skip(1);
	let model_dir = PathBuf::from(args.next().expect("usage: minilm_bench MODEL_DIR [REPEATS]"));
	let repeats: usize = args.next().map(|r| r.parse().unwrap()).unwrap_or(10);
	let store = tempfile::tempdir().unwrap();
	let engine = Engine::new(EngineConfig::new(store.path())).unwrap();
	let bundle = bundle_from_dir(ModelKind::BertEmbedding, &model_dir).unwrap();
	let hash = engine.store().import_bytes(&bundle).unwrap();
	for batch in [1usize, 32] {
		let texts: Vec<&str> = SENTENCES.iter().copied().cycle().take(batch).collect();
		let input = InferenceInput::texts(&texts).unwrap();
		engine.run(&hash, &input).unwrap(); // warm-up
		let mut times: Vec<f64> = (0..repeats)
			.map(|_| {
				let start = Instant::now();
				engine.run(&hash, &input).unwrap();
				start.elapsed().as_secs_f64() * 1000.0
			})
			.collect();
		times.sort_by(f64::total_cmp);
		println!("candle b{batch} median_ms {:.2}", times[times.len() / 2]);
	}
}
