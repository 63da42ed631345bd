//! ONNX models through the engine, against onnxruntime (the fixtures of
//! scripts/onnx-fixtures.sh, made by `scripts/setup.sh`: a skl2onnx export of the repository's
//! digits MLP, a small CNN made with the `onnx` helper API, and paraphrase-MiniLM-L3-v2 as
//! shipped in ONNX on PyPI). Fails, never skips, when the fixtures are missing.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

mod common;

use std::path::PathBuf;

use common::{engine_with, rows};
use opg_inference::{default_model, Engine};
use opg_primitives::{
	bundle::encode_bundle, InferenceError, InferenceInput, ModelHash, ModelKind, Tensor,
};
use serde_json::Value as Json;

fn fixtures() -> PathBuf {
	let dir = std::env::var_os("OPG_ONNX_FIXTURES").map(PathBuf::from).expect(
		"OPG_ONNX_FIXTURES is not set: run the tests through scripts/test.sh (or source \
		 scripts/env.sh after scripts/setup.sh)",
	);
	assert!(
		dir.join("manifest.json").is_file(),
		"no ONNX fixtures in {}: run scripts/onnx-fixtures.sh",
		dir.display()
	);
	dir
}

fn reference(model: &str) -> Json {
	serde_json::from_slice(&std::fs::read(fixtures().join(model).join("reference.json")).unwrap())
		.unwrap()
}

/// Imports an ONNX bundle: `config` as its config.json, the graph, and optionally a tokenizer.
fn onnx_bundle(engine: &Engine, config: &str, graph: &[u8], tokenizer: Option<&[u8]>) -> ModelHash {
	let mut files = vec![("config.json", config.as_bytes()), ("model.onnx", graph)];
	if let Some(t) = tokenizer {
		files.push(("tokenizer.json", t));
	}
	engine.store().import_bytes(&encode_bundle(ModelKind::Onnx, &files).unwrap()).unwrap()
}

fn floats(t: &Json) -> Vec<f32> {
	t["data"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()
}

fn output<'a>(outputs: &'a Json, name: &str) -> &'a Json {
	outputs.as_array().unwrap().iter().find(|t| t["name"] == name).unwrap()
}

fn argmax(row: &[f32]) -> usize {
	row.iter().enumerate().fold(0, |best, (i, v)| if *v > row[best] { i } else { best })
}

/// Runs a `[rows, width]` float input in batches of 32; the output rows.
fn run_rows(engine: &Engine, hash: &ModelHash, input: &[f32], width: usize) -> Vec<Vec<f32>> {
	let mut out = Vec::new();
	for chunk in input.chunks(32 * width) {
		let n = (chunk.len() / width) as u32;
		let tensor = Tensor::from_f32(&[n, width as u32], chunk).unwrap();
		out.extend(rows(&engine.run(hash, &InferenceInput::Tensor(tensor)).unwrap()));
	}
	out
}

fn max_diff(a: &[Vec<f32>], b: &[f32]) -> f32 {
	a.iter().flatten().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn the_digits_mlp_exported_by_skl2onnx_matches_onnxruntime_and_the_mlp_kind() {
	let (_dir, engine) = engine_with(1);
	let reference = reference("digits-mlp");
	let input = floats(&reference["inputs"][0]);
	let labels: Vec<usize> = reference["labels"]
		.as_array()
		.unwrap()
		.iter()
		.map(|l| l.as_u64().unwrap() as usize)
		.collect();

	// The exporter's graph cut at the logits.
	let graph = std::fs::read(fixtures().join("digits-mlp/logits.onnx")).unwrap();
	let logits_model =
		onnx_bundle(&engine, r#"{"architecture":"onnx","output":"add_result1"}"#, &graph, None);
	let logits = run_rows(&engine, &logits_model, &input, 64);
	let ort = floats(output(&reference["logits_model"]["outputs"], "add_result1"));
	let diff = max_diff(&logits, &ort);
	assert!(diff <= 1e-5, "logits {diff:e} from onnxruntime");

	// The MLP kind of the same weights: the same predictions, the same logits within 1e-5.
	let mlp = default_model::install(engine.store()).unwrap();
	let native = run_rows(&engine, &mlp, &input, 64);
	let flat: Vec<f32> = native.iter().flatten().copied().collect();
	let vs_mlp = max_diff(&logits, &flat);
	assert!(vs_mlp <= 1e-5, "logits {vs_mlp:e} from the MLP kind's");
	let predictions: Vec<usize> = logits.iter().map(|r| argmax(r)).collect();
	assert_eq!(predictions, native.iter().map(|r| argmax(r)).collect::<Vec<_>>());
	let accuracy = predictions.iter().zip(&labels).filter(|(p, l)| p == l).count() as f64
		/ labels.len() as f64;

	// The whole export, its `probabilities` output (its `label` output needs ai.onnx.ml).
	let graph = std::fs::read(fixtures().join("digits-mlp/model.onnx")).unwrap();
	let full =
		onnx_bundle(&engine, r#"{"architecture":"onnx","output":"probabilities"}"#, &graph, None);
	let probabilities = run_rows(&engine, &full, &input, 64);
	let ort = floats(output(&reference["outputs"], "probabilities"));
	let pdiff = max_diff(&probabilities, &ort);
	assert!(pdiff <= 1e-5, "probabilities {pdiff:e} from onnxruntime");
	let ort_labels: Vec<usize> = output(&reference["outputs"], "label")["data"]
		.as_array()
		.unwrap()
		.iter()
		.map(|l| l.as_u64().unwrap() as usize)
		.collect();
	assert_eq!(probabilities.iter().map(|r| argmax(r)).collect::<Vec<_>>(), ort_labels);
	println!(
		"digits-mlp (skl2onnx): logits {diff:.2e} from onnxruntime, {vs_mlp:.2e} from the MLP kind \
		 (bit-identical: {}), probabilities {pdiff:.2e}; accuracy {accuracy:.4}",
		logits == native
	);
	// Rows are independent: a row alone gives the bits it gives in a batch.
	let alone = run_rows(&engine, &logits_model, &input[64 * 7..64 * 8], 64);
	assert_eq!(alone[0], logits[7]);
}

#[test]
fn a_small_cnn_matches_onnxruntime() {
	let (_dir, engine) = engine_with(2);
	let reference = reference("cnn");
	let graph = std::fs::read(fixtures().join("cnn/model.onnx")).unwrap();
	let hash = onnx_bundle(&engine, r#"{"architecture":"onnx"}"#, &graph, None);
	let x = &reference["inputs"][0];
	let shape: Vec<u32> =
		x["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as u32).collect();
	let tensor = Tensor::from_f32(&shape, &floats(x)).unwrap();
	let run = engine.run(&hash, &InferenceInput::Tensor(tensor)).unwrap();
	let diff = max_diff(&rows(&run), &floats(output(&reference["outputs"], "logits")));
	assert!(diff <= 1e-5, "cnn logits {diff:e} from onnxruntime");
	println!("cnn: {diff:.2e} from onnxruntime, {} trace leaves", run.layer_hashes.len());
	// The schema inferred from the graph: a batch of [1, 8, 8] images, 10 logits each.
	let model = engine.model(&hash).unwrap();
	use opg_primitives::Dim;
	assert_eq!(
		model.schema().output.tensor().unwrap().dims.to_vec(),
		vec![Dim::Batch, Dim::Fixed(10)]
	);
	let opg_primitives::InputSchema::Tensor(input) = &model.schema().input else {
		panic!("a tensor model")
	};
	assert_eq!(input.dims.to_vec(), vec![Dim::Batch, Dim::Fixed(1), Dim::Fixed(8), Dim::Fixed(8)]);
}

#[test]
fn paraphrase_minilm_l3_in_onnx_matches_onnxruntime_and_is_batch_invariant() {
	let (_dir, engine) = engine_with(2);
	let reference = reference("minilm-l3");
	let dir = fixtures().join("minilm-l3");
	let config = format!(
		r#"{{"architecture":"onnx","output":"461","max_seq_length":{}}}"#,
		reference["max_seq_length"]
	);
	let hash = onnx_bundle(
		&engine,
		&config,
		&std::fs::read(dir.join("model.onnx")).unwrap(),
		Some(&std::fs::read(dir.join("tokenizer.json")).unwrap()),
	);
	let mut alone: std::collections::HashMap<String, Vec<f32>> = Default::default();
	let mut worst = 0f32;
	for case in reference["cases"].as_array().unwrap() {
		let texts: Vec<&str> =
			case["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
		let run = engine.run(&hash, &InferenceInput::texts(&texts).unwrap()).unwrap();
		let ours = rows(&run);
		let diff = max_diff(&ours, &floats(output(&case["outputs"], "461")));
		assert!(diff <= 1e-4, "{texts:?}: {diff:e} from onnxruntime");
		worst = worst.max(diff);
		for (text, vector) in texts.iter().zip(&ours) {
			assert_eq!(vector.len(), 384);
			match alone.get(*text) {
				None => {
					alone.insert(text.to_string(), vector.clone());
				}
				Some(first) => assert_eq!(first, vector, "{text:?}: not the bits it has alone"),
			}
		}
	}
	println!(
		"paraphrase-MiniLM-L3-v2 (ONNX): at most {worst:.2e} from onnxruntime over {} texts",
		alone.len()
	);
}

#[test]
fn bundles_the_engine_cannot_run_are_corrupt_models() {
	let (_dir, engine) = engine_with(1);
	let input = common::digit_input(&[vec![0; 64]]);
	let digits = std::fs::read(fixtures().join("digits-mlp/model.onnx")).unwrap();
	let minilm = fixtures().join("minilm-l3");
	let tokenizer = std::fs::read(minilm.join("tokenizer.json")).unwrap();
	let cases: Vec<(&str, ModelHash)> = vec![
		// The `label` output needs ai.onnx.ml's ArrayFeatureExtractor.
		(
			"an unsupported op",
			onnx_bundle(&engine, r#"{"architecture":"onnx","output":"label"}"#, &digits, None),
		),
		(
			"a garbage graph",
			onnx_bundle(&engine, r#"{"architecture":"onnx"}"#, b"\x08\x07garbage", None),
		),
		(
			"a truncated graph",
			onnx_bundle(&engine, r#"{"architecture":"onnx"}"#, &digits[..digits.len() / 2], None),
		),
		(
			"no such output",
			onnx_bundle(&engine, r#"{"architecture":"onnx","output":"nope"}"#, &digits, None),
		),
		("a bad config", onnx_bundle(&engine, r#"{"architecture":"mlp"}"#, &digits, None)),
		(
			"a tensor model with a tokenizer",
			onnx_bundle(
				&engine,
				r#"{"architecture":"onnx","output":"probabilities"}"#,
				&digits,
				Some(&tokenizer),
			),
		),
		(
			"a text model without its tokenizer",
			onnx_bundle(
				&engine,
				r#"{"architecture":"onnx","output":"461"}"#,
				&std::fs::read(minilm.join("model.onnx")).unwrap(),
				None,
			),
		),
	];
	for (what, hash) in cases {
		assert_eq!(
			engine.run(&hash, &input).map(|_| ()),
			Err(InferenceError::CorruptModel),
			"{what}"
		);
	}
}
