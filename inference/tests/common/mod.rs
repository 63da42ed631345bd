//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use opg_inference::{Engine, EngineConfig};
use serde::Deserialize;

/// The repository root.
pub fn repo() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// An engine over a fresh temporary store, with `threads` threads.
pub fn engine_with(threads: usize) -> (tempfile::TempDir, Engine) {
	let dir = tempfile::tempdir().unwrap();
	let mut config = EngineConfig::new(dir.path().join("store"));
	config.threads = threads;
	(dir, Engine::new(config).unwrap())
}

/// The unpacked all-MiniLM-L6-v2 directory; fails the test (never skips it) when it is missing.
pub fn minilm_dir() -> PathBuf {
	let models = std::env::var_os("OPG_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/opg/models")
	});
	let dir = models.join("all-minilm-l6-v2");
	assert!(
		dir.join("model.safetensors").is_file(),
		"all-MiniLM-L6-v2 is missing from {}: run scripts/fetch-models.sh (or scripts/setup.sh) \
		 first; these tests are part of the suite and are never skipped",
		dir.display()
	);
	dir
}

/// The SmolLM2-135M-Instruct GGUF file; fails the test (never skips it) when it is missing.
pub fn smollm_gguf() -> PathBuf {
	let models = std::env::var_os("OPG_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/opg/models")
	});
	let file = models.join("smollm2-135m/model.gguf");
	assert!(
		file.is_file(),
		"SmolLM2-135M-Instruct is missing ({}): run scripts/fetch-models.sh (or scripts/setup.sh) \
		 first; these tests are part of the suite and are never skipped",
		file.display()
	);
	file
}

/// `models/digits-mlp/fixture.json`, written by scripts/train-mlp.py.
#[derive(Deserialize)]
pub struct DigitsFixture {
	pub accuracy: f64,
	pub pixels: Vec<Vec<u32>>,
	pub labels: Vec<usize>,
	pub logits: Vec<Vec<f64>>,
}

pub fn digits_fixture() -> DigitsFixture {
	let text = std::fs::read_to_string(repo().join("models/digits-mlp/fixture.json")).unwrap();
	serde_json::from_str(&text).unwrap()
}

/// `models/minilm-reference.json`, written by scripts/reference-embeddings.py.
#[derive(Deserialize)]
pub struct MiniLmReference {
	pub generator: String,
	pub sentences: Vec<String>,
	pub embeddings: Vec<Vec<f32>>,
}

pub fn minilm_reference() -> MiniLmReference {
	let text = std::fs::read_to_string(repo().join("models/minilm-reference.json")).unwrap();
	serde_json::from_str(&text).unwrap()
}

/// `models/minilm-long-reference.json` (scripts/reference-embeddings.py): texts of 198, 256 and
/// 405 tokens (the last truncated to 256 by sentence-transformers).
pub fn minilm_long_reference() -> MiniLmReference {
	let text = std::fs::read_to_string(repo().join("models/minilm-long-reference.json")).unwrap();
	serde_json::from_str(&text).unwrap()
}

/// Digit pixels (0..=16) as the model's input values (pixels / 16).
pub fn digit_input(rows: &[Vec<u32>]) -> opg_primitives::InferenceInput {
	let values: Vec<f32> = rows.iter().flatten().map(|p| *p as f32 / 16.0).collect();
	let tensor = opg_primitives::Tensor::from_f32(&[rows.len() as u32, 64], &values).unwrap();
	opg_primitives::InferenceInput::Tensor(tensor)
}

/// The `f32` rows of an output.
pub fn rows(run: &opg_primitives::InferenceRun) -> Vec<Vec<f32>> {
	let tensor = run.output.tensor().expect("a tensor output");
	let width = tensor.shape[1] as usize;
	tensor.to_f32_vec().unwrap().chunks(width).map(<[f32]>::to_vec).collect()
}
