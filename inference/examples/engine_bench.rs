//! The Rust half of `scripts/measure.sh engine`: the canonical engine (`Engine::run`) against the
//! stock candle path (`engine_bench/stock.rs`, the pre-canonical-kernels arithmetic), side by
//! side on the same inputs:
//!
//! * `minilm`: all-MiniLM-L6-v2 on texts of exactly 128 tokens (four, cycled), batch 1 and 32,
//!   tokenization and pooling included;
//! * `mlp`: the default model (`digits-mlp`, 64 → 32 → 10), batch 1 and 32 (the first rows of
//!   `models/digits-mlp/fixture.json`, pixels / 16).
//!
//! Each workload runs with 1 and 2 threads: one child process per thread count (this binary
//! again, with `--child T`) with `RAYON_NUM_THREADS` = T, because candle's matmul reads its thread
//! count from that variable; in it the engine has `EngineConfig { threads: T }` and the stock
//! path runs inside a T-thread rayon pool (see stock.rs). Per workload: one warm-up each, then
//! the median of REPEATS runs (MiniLM) or 50 × REPEATS runs (MLP, microseconds per run), the
//! canonical and the stock runs alternating (one by one for MiniLM, by 50 for the MLP). Prints
//!
//! ```text
//! canonical minilm b1 t1 median_ms 12.345
//! stock minilm b1 t1 median_ms 12.345
//! # check minilm b1 t1 canonical-stock max_abs_diff 0.000e0
//! ```
//!
//! `cargo run --release -p opg-inference --example engine_bench -- MODEL_DIR [REPEATS] [--threads 1,2]`
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

#[path = "engine_bench/stock.rs"]
mod stock;

use std::{
	path::{Path, PathBuf},
	process::Command,
	time::Instant,
};

use opg_inference::{bundle_from_dir, default_model, Engine, EngineConfig};
use opg_primitives::{tensor::Tensor, InferenceInput, InferenceRun, ModelKind};

/// The texts (cycled to the batch size), as the PyTorch and onnxruntime peers use them: each a
/// sentence four times and a tail, exactly 128 tokens with `[CLS]` and `[SEP]` (checked below),
/// so that every contestant runs sequences of 128 tokens and none pads.
const TEXTS: [(&str, &str); 4] = [
	(
		"The cat sits on the mat while the rain falls on the old roof of the house and the children read their books by the fire in the quiet evening",
		"The cat sits on the mat",
	),
	(
		"Validators re-run the model and compare output hashes so that every honest machine agrees on the same bits and a liar is slashed when it is caught",
		"Validators",
	),
	(
		"Blockchains record transactions in an append-only ledger that every node keeps and checks block by block from the first block to the newest one",
		"Blockchains record transactions in an ledger that every",
	),
	(
		"Sentence embeddings map text to vectors so that similar meanings are close together and a search can find related documents by their distance",
		"Sentence embeddings map text to vectors so that similar meanings are close together and a search can find related",
	),
];
/// Tokens per text.
const SEQ_LEN: usize = 128;

fn sentences() -> Vec<String> {
	TEXTS.iter().map(|(s, tail)| format!("{s} {s} {s} {s} {tail}")).collect()
}
const BATCHES: [usize; 2] = [1, 32];
/// MLP runs per MiniLM run (and per block of alternation).
const MLP_REPEAT_FACTOR: usize = 50;
const DIGITS_FIXTURE: &str =
	include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/digits-mlp/fixture.json"));

fn usage() -> ! {
	eprintln!("usage: engine_bench MODEL_DIR [REPEATS] [--threads 1,2]");
	std::process::exit(2)
}

fn main() {
	let args: Vec<String> = std::env::args().skip(1).collect();
	let mut positional = Vec::new();
	let (mut threads, mut child) = (vec![1usize, 2], None::<usize>);
	let mut it = args.iter();
	while let Some(arg) = it.next() {
		match arg.as_str() {
			"--threads" => {
				let list = it.next().unwrap_or_else(|| usage());
				threads = list.split(',').map(|t| t.parse().unwrap_or_else(|_| usage())).collect();
			}
			"--child" => child = Some(it.next().unwrap_or_else(|| usage()).parse().unwrap()),
			_ => positional.push(arg.clone()),
		}
	}
	let model_dir = PathBuf::from(positional.first().unwrap_or_else(|| usage()));
	let repeats: usize = positional.get(1).map(|r| r.parse().unwrap()).unwrap_or(10).max(1);

	if let Some(t) = child {
		let env = std::env::var("RAYON_NUM_THREADS").ok();
		assert_eq!(env, Some(t.to_string()), "--child {t} needs RAYON_NUM_THREADS={t}");
		return run(&model_dir, repeats, t);
	}
	let exe = std::env::current_exe().unwrap();
	for t in threads {
		let status = Command::new(&exe)
			.arg(&model_dir)
			.arg(repeats.to_string())
			.args(["--child", &t.to_string()])
			.env("RAYON_NUM_THREADS", t.to_string())
			.status()
			.unwrap();
		assert!(status.success(), "engine_bench --child {t} failed: {status}");
	}
}

/// Milliseconds of each of `n` calls of `f`.
fn timed(n: usize, f: &mut impl FnMut()) -> Vec<f64> {
	(0..n)
		.map(|_| {
			let start = Instant::now();
			f();
			start.elapsed().as_secs_f64() * 1000.0
		})
		.collect()
}

fn median(mut times: Vec<f64>) -> f64 {
	times.sort_by(f64::total_cmp);
	times[times.len() / 2]
}

/// The medians in milliseconds of `rounds × block` calls of `canonical` and of `stock` (the latter
/// inside `pool`), after one warm-up call each. The two alternate in blocks of `block` calls, so
/// a change in the machine's load (2 shared cores) hits both alike.
fn medians(
	pool: &rayon::ThreadPool,
	rounds: usize,
	block: usize,
	mut canonical: impl FnMut(),
	mut stock: impl FnMut() + Send,
) -> (f64, f64) {
	canonical();
	pool.install(&mut stock);
	let (mut a, mut b) = (Vec::new(), Vec::new());
	for _ in 0..rounds {
		a.extend(timed(block, &mut canonical));
		b.extend(pool.install(|| timed(block, &mut stock)));
	}
	(median(a), median(b))
}

fn output_values(run: &InferenceRun) -> Vec<f32> {
	run.output.tensor().expect("a tensor").to_f32_vec().unwrap()
}

fn report(model: &str, batch: usize, t: usize, canonical: f64, stock: f64, a: &[f32], b: &[f32]) {
	assert_eq!(a.len(), b.len(), "{model} b{batch}: output lengths differ");
	let diff = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
	println!("canonical {model} b{batch} t{t} median_ms {canonical:.4}");
	println!("stock {model} b{batch} t{t} median_ms {stock:.4}");
	println!("# check {model} b{batch} t{t} canonical-stock max_abs_diff {diff:.3e}");
}

fn run(model_dir: &Path, repeats: usize, t: usize) {
	let store = tempfile::tempdir().unwrap();
	let engine =
		Engine::new(EngineConfig { threads: t, ..EngineConfig::new(store.path()) }).unwrap();
	let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap();

	// MiniLM.
	let bundle = bundle_from_dir(ModelKind::BertEmbedding, model_dir).unwrap();
	let hash = engine.store().import_bytes(&bundle).unwrap();
	let bert = stock::Bert::load(model_dir).unwrap();
	let sentences = sentences();
	let tokenizer = tokenizers::Tokenizer::from_file(model_dir.join("tokenizer.json")).unwrap();
	for text in &sentences {
		let mut tokenizer = tokenizer.clone();
		tokenizer.with_truncation(None).unwrap();
		let tokens = tokenizer.encode(text.as_str(), true).unwrap().get_ids().len();
		assert_eq!(tokens, SEQ_LEN, "a benchmark text is not {SEQ_LEN} tokens: {text:?}");
	}
	for batch in BATCHES {
		let texts: Vec<&str> = sentences.iter().map(String::as_str).cycle().take(batch).collect();
		let input = InferenceInput::texts(&texts).unwrap();
		let (canonical, stock) = medians(
			&pool,
			repeats,
			1,
			|| {
				engine.run(&hash, &input).unwrap();
			},
			|| {
				bert.embed(&texts).unwrap();
			},
		);
		let a = output_values(&engine.run(&hash, &input).unwrap());
		let b = pool.install(|| bert.embed(&texts).unwrap());
		report("minilm", batch, t, canonical, stock, &a, &b);
	}

	// The default MLP.
	let hash = default_model::install(engine.store()).unwrap();
	let mlp = stock::Mlp::load(default_model::CONFIG_JSON, default_model::WEIGHTS).unwrap();
	let fixture: serde_json::Value = serde_json::from_str(DIGITS_FIXTURE).unwrap();
	let pixels = fixture["pixels"].as_array().unwrap();
	for batch in BATCHES {
		let values: Vec<f32> = pixels[..batch]
			.iter()
			.flat_map(|row| {
				row.as_array().unwrap().iter().map(|p| p.as_f64().unwrap() as f32 / 16.0)
			})
			.collect();
		let features = (values.len() / batch) as u32;
		let input =
			InferenceInput::Tensor(Tensor::from_f32(&[batch as u32, features], &values).unwrap());
		let (canonical, stock) = medians(
			&pool,
			repeats,
			MLP_REPEAT_FACTOR,
			|| {
				engine.run(&hash, &input).unwrap();
			},
			|| {
				mlp.forward(&values).unwrap();
			},
		);
		let a = output_values(&engine.run(&hash, &input).unwrap());
		let b = pool.install(|| mlp.forward(&values).unwrap());
		report("mlp", batch, t, canonical, stock, &a, &b);
	}
}
