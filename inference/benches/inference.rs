//! Criterion benchmarks: the default MLP and all-MiniLM-L6-v2 at batch 1 and 32 (MiniLM on texts
//! of 128 tokens: the engine never pads, so the text sets the length), and cold load times.
//!
//! `cargo bench -p opg-inference` (needs scripts/fetch-models.sh for MiniLM). One engine thread
//! and `RAYON_NUM_THREADS=1` give single-core figures comparable with `scripts/measure.sh engine`.
// A benchmark: a panic is a failed run, and its sizes are small constants.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use std::{path::PathBuf, time::Duration};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use opg_inference::{bundle_from_dir, default_model, Engine, EngineConfig};
use opg_primitives::{InferenceInput, ModelHash, ModelKind, Tensor};

fn engine(dir: &std::path::Path) -> Engine {
	let threads =
		std::env::var("OPG_ENGINE_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(1);
	let mut config = EngineConfig::new(dir);
	config.threads = threads;
	Engine::new(config).unwrap()
}

fn minilm_dir() -> PathBuf {
	let models = std::env::var_os("OPG_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/opg/models")
	});
	let dir = models.join("all-minilm-l6-v2");
	assert!(
		dir.join("model.safetensors").is_file(),
		"{} missing: run scripts/fetch-models.sh",
		dir.display()
	);
	dir
}

/// 126 one-token words: with `[CLS]` and `[SEP]`, 128 tokens.
fn text_of_128_tokens() -> String {
	"word ".repeat(126)
}

fn mlp(c: &mut Criterion) {
	let dir = tempfile::tempdir().unwrap();
	let engine = engine(dir.path());
	let hash = default_model::install(engine.store()).unwrap();
	let mut group = c.benchmark_group("mlp");
	for batch in [1u32, 32] {
		let values: Vec<f32> = (0..batch * 64).map(|i| (i % 17) as f32 / 16.0).collect();
		let input = InferenceInput::Tensor(Tensor::from_f32(&[batch, 64], &values).unwrap());
		group.bench_with_input(BenchmarkId::new("run", batch), &input, |b, input| {
			b.iter(|| engine.run(&hash, input).unwrap())
		});
	}
	group.bench_function("cold_load", |b| {
		b.iter(|| {
			let fresh = self::engine(dir.path());
			fresh.model(&hash).unwrap()
		})
	});
	group.finish();
}

fn minilm(c: &mut Criterion) {
	let dir = tempfile::tempdir().unwrap();
	let engine = engine(dir.path());
	let bundle = bundle_from_dir(ModelKind::BertEmbedding, &minilm_dir()).unwrap();
	let hash: ModelHash = engine.store().import_bytes(&bundle).unwrap();
	let mut group = c.benchmark_group("minilm_seq128");
	// Flat sampling: batch 32 takes over a second per run, so every sample is a few runs
	// rather than criterion's linear 1, 2, … 10.
	group
		.sampling_mode(SamplingMode::Flat)
		.sample_size(10)
		.warm_up_time(Duration::from_secs(2))
		.measurement_time(Duration::from_secs(10));
	for batch in [1usize, 32] {
		let text = text_of_128_tokens();
		let texts: Vec<&str> = std::iter::repeat_n(text.as_str(), batch).collect();
		let input = InferenceInput::texts(&texts).unwrap();
		group.bench_with_input(BenchmarkId::new("run", batch), &input, |b, input| {
			b.iter(|| engine.run(&hash, input).unwrap())
		});
	}
	group.bench_function("cold_load", |b| {
		b.iter(|| {
			let fresh = self::engine(dir.path());
			fresh.model(&hash).unwrap()
		})
	});
	group.finish();
}

criterion_group!(benches, mlp, minilm);
criterion_main!(benches);
