//! The embedded default MLP end to end: accuracy against the training script's fixture,
//! commitments, the host function, and typed errors for every kind of bad input or model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use common::{digit_input, digits_fixture, engine_with, rows};
use opg_inference::{default_model, store::hash_hex, Engine, EngineConfig, Limits};
use opg_primitives::{
	bundle::{bundle_hash, encode_bundle},
	inference, InferenceError, InferenceExt, InferenceInput, ModelKind, SchemaError, Tensor,
	TensorDType, H256,
};

#[test]
fn default_model_reaches_the_training_scripts_accuracy() {
	let (_dir, engine) = engine_with(1);
	let hash = default_model::install(engine.store()).unwrap();
	let fixture = digits_fixture();
	let mut correct = 0;
	let mut max_diff = 0f64;
	for (chunk, labels) in fixture.pixels.chunks(32).zip(fixture.labels.chunks(32)) {
		let run = engine.run(&hash, &digit_input(chunk)).unwrap();
		for (row, label) in rows(&run).iter().zip(labels) {
			let predicted = (0..10).max_by(|a, b| row[*a].total_cmp(&row[*b])).unwrap();
			correct += usize::from(predicted == *label);
		}
	}
	// The first rows' logits match numpy's (float64 accumulation of the same f32 weights).
	let run = engine.run(&hash, &digit_input(&fixture.pixels[..16])).unwrap();
	for (row, expected) in rows(&run).iter().zip(&fixture.logits) {
		for (a, b) in row.iter().zip(expected) {
			max_diff = max_diff.max((f64::from(*a) - b).abs());
		}
	}
	let accuracy = correct as f64 / fixture.labels.len() as f64;
	println!(
		"engine accuracy {accuracy:.4} (script: {:.4}), max |logit diff| {max_diff:.2e}",
		fixture.accuracy
	);
	assert_eq!(accuracy, fixture.accuracy, "the engine must predict exactly as numpy does");
	assert!(accuracy > 0.95);
	assert!(max_diff <= 1e-5, "logits differ from numpy by {max_diff}");
}

#[test]
fn default_model_is_pinned_and_installs_idempotently() {
	let bytes = default_model::bundle().unwrap();
	let hash = default_model::hash().unwrap();
	assert_eq!(hash, bundle_hash(&bytes));
	assert_eq!(hash_hex(&hash), default_model::HASH_HEX, "update HASH_HEX after retraining");
	let spec = default_model::spec().unwrap();
	assert_eq!(spec.model, hash);
	assert_eq!(spec.kind, ModelKind::Mlp);
	spec.schema.validate().unwrap();
	let (_dir, engine) = engine_with(1);
	assert_eq!(default_model::install(engine.store()).unwrap(), hash);
	assert_eq!(default_model::install(engine.store()).unwrap(), hash);
	assert_eq!(engine.store().list().unwrap(), vec![hash]);
	// The engine's schema for the model is the one the spec lists.
	assert_eq!(engine.model(&hash).unwrap().schema(), &spec.schema);
}

#[test]
fn runs_commit_to_output_and_trace() {
	let (_dir, engine) = engine_with(1);
	let hash = default_model::install(engine.store()).unwrap();
	let fixture = digits_fixture();
	let run = engine.run(&hash, &digit_input(&fixture.pixels[..3])).unwrap();
	assert!(run.is_consistent());
	assert_eq!(run.layer_hashes.len(), 2, "one leaf per layer");
	assert_eq!(run.output.tensor().unwrap().shape.to_vec(), vec![3, 10]);
	// The last layer's hash is the hash of the output tensor itself.
	assert_eq!(run.layer_hashes[1], run.output.tensor().unwrap().hash());
	// The model is loaded once and cached.
	assert!(Arc::ptr_eq(&engine.model(&hash).unwrap(), &engine.model(&hash).unwrap()));
}

#[test]
fn the_host_function_reaches_the_engine() {
	let (_dir, engine) = engine_with(1);
	let hash = default_model::install(engine.store()).unwrap();
	let input = digit_input(&digits_fixture().pixels[..1]);
	let expected = engine.run(&hash, &input).unwrap();
	let mut ext = sp_io::TestExternalities::default();
	ext.register_extension(InferenceExt::new(Arc::new(engine)));
	ext.execute_with(|| {
		assert_eq!(inference::run(hash, input.clone(), [0; 32]), Ok(expected));
		assert_eq!(
			inference::run(H256::repeat_byte(9), input, [0; 32]),
			Err(InferenceError::UnknownModel)
		);
	});
}

#[test]
fn missing_models_are_fetched_from_the_first_uri_that_serves_the_right_bytes() {
	// `file://` URIs from the operator's mirror: the test's directory.
	let dir = tempfile::tempdir().unwrap();
	let mut config = EngineConfig::new(dir.path().join("store"));
	config.fetch = opg_inference::FetchPolicy {
		files: opg_inference::FileAccess::Under(vec![dir.path().to_path_buf()]),
		..Default::default()
	};
	let engine = Engine::new(config).unwrap();
	let bundle = default_model::bundle().unwrap();
	let hash = bundle_hash(&bundle);
	let good = dir.path().join("digits.opgb");
	let wrong = dir.path().join("other.opgb");
	std::fs::write(&good, &bundle).unwrap();
	std::fs::write(&wrong, b"not the model").unwrap();
	let uri = |p: &std::path::Path| format!("file://{}", p.display()).into_bytes();
	let input = digit_input(&digits_fixture().pixels[..1]);

	let mut ext = sp_io::TestExternalities::default();
	ext.register_extension(InferenceExt::new(Arc::new(engine)));
	ext.execute_with(|| {
		assert_eq!(inference::run(hash, input.clone(), [0; 32]), Err(InferenceError::UnknownModel));
		// Nothing reachable, or only wrong bytes: FetchFailed, and the store stays clean.
		let missing = uri(&dir.path().join("missing.opgb"));
		assert_eq!(inference::fetch(hash, vec![missing.clone()]), Err(InferenceError::FetchFailed));
		assert_eq!(
			inference::fetch(hash, vec![uri(&wrong), vec![0xff]]),
			Err(InferenceError::FetchFailed)
		);
		assert_eq!(inference::fetch(hash, vec![]), Err(InferenceError::FetchFailed));
		assert_eq!(inference::run(hash, input.clone(), [0; 32]), Err(InferenceError::UnknownModel));
		// The bad URIs are skipped, the good one is used; then the model runs.
		assert_eq!(inference::fetch(hash, vec![missing, uri(&wrong), uri(&good)]), Ok(()));
		assert!(inference::run(hash, input.clone(), [0; 32]).is_ok());
		// Already there: no URI needed.
		assert_eq!(inference::fetch(hash, vec![]), Ok(()));
	});
}

#[test]
fn bad_inputs_get_typed_errors() {
	let (_dir, engine) = engine_with(1);
	let hash = default_model::install(engine.store()).unwrap();
	let f32s = |shape: &[u32]| {
		let n = shape.iter().product::<u32>() as usize;
		InferenceInput::Tensor(Tensor::from_f32(shape, &vec![0.5; n]).unwrap())
	};
	let bad = |e| Err(InferenceError::BadInput(e));
	assert_eq!(
		engine.run(&hash, &f32s(&[1, 63])),
		bad(SchemaError::WrongDim { axis: 1, expected: 64, found: 63 })
	);
	assert_eq!(
		engine.run(&hash, &f32s(&[64])),
		bad(SchemaError::WrongRank { expected: 2, found: 1 })
	);
	assert_eq!(
		engine.run(&hash, &f32s(&[33, 64])),
		bad(SchemaError::BatchTooLarge { max: 32, found: 33 })
	);
	assert_eq!(engine.run(&hash, &f32s(&[0, 64])), bad(SchemaError::EmptyBatch));
	let ints = Tensor::new(TensorDType::I64, &[1, 64], vec![0; 512]).unwrap();
	assert_eq!(
		engine.run(&hash, &InferenceInput::Tensor(ints)),
		bad(SchemaError::WrongDType { expected: TensorDType::F32, found: TensorDType::I64 })
	);
	assert_eq!(
		engine.run(&hash, &InferenceInput::text("7").unwrap()),
		bad(SchemaError::ExpectedTensor)
	);
	// A tensor whose data does not match its shape, as a malicious extrinsic could encode it.
	let inconsistent = Tensor {
		dtype: TensorDType::F32,
		shape: vec![1, 64].try_into().unwrap(),
		data: vec![0; 10].try_into().unwrap(),
	};
	assert_eq!(
		engine.run(&hash, &InferenceInput::Tensor(inconsistent)),
		bad(SchemaError::LengthMismatch { expected: 256, found: 10 })
	);
	// NaN and infinity are refused, by the schema check the chain makes on request too.
	let mut values = [0.5f32; 64];
	values[3] = f32::INFINITY;
	let weird = Tensor::from_f32(&[1, 64], &values).unwrap();
	assert_eq!(
		engine.run(&hash, &InferenceInput::Tensor(weird)),
		bad(SchemaError::NonFinite { index: 3 })
	);
	assert_eq!(
		engine.run(&H256::repeat_byte(7), &f32s(&[1, 64])),
		Err(InferenceError::UnknownModel)
	);
}

#[test]
fn bad_models_get_typed_errors() {
	let (_dir, engine) = engine_with(1);
	let store = engine.store();
	let config = default_model::CONFIG_JSON;
	let import = |kind, files: &[(&str, &[u8])]| {
		store.import_bytes(&encode_bundle(kind, files).unwrap()).unwrap()
	};
	let input = digit_input(&digits_fixture().pixels[..1]);

	let garbage =
		import(ModelKind::Mlp, &[("config.json", config), ("model.safetensors", b"garbage")]);
	assert_eq!(engine.run(&garbage, &input).map(|_| ()), Err(InferenceError::CorruptModel));

	let bad_config = import(
		ModelKind::Mlp,
		&[
			("config.json", b"{\"architecture\":\"mlp\"}"),
			("model.safetensors", default_model::WEIGHTS),
		],
	);
	assert_eq!(engine.run(&bad_config, &input).map(|_| ()), Err(InferenceError::CorruptModel));

	// A config whose widths the weights do not have.
	let wider = String::from_utf8(config.to_vec())
		.unwrap()
		.replace("\"out_features\": 32", "\"out_features\": 33")
		.replace("\"in_features\": 32", "\"in_features\": 33");
	let mismatched = import(
		ModelKind::Mlp,
		&[("config.json", wider.as_bytes()), ("model.safetensors", default_model::WEIGHTS)],
	);
	assert_eq!(engine.run(&mismatched, &input).map(|_| ()), Err(InferenceError::CorruptModel));

	let missing = import(ModelKind::Mlp, &[("config.json", config)]);
	assert_eq!(engine.run(&missing, &input).map(|_| ()), Err(InferenceError::CorruptModel));

	let garbage = import(
		ModelKind::Onnx,
		&[("config.json", b"{\"architecture\":\"onnx\"}"), ("model.onnx", b"...")],
	);
	assert_eq!(engine.run(&garbage, &input).map(|_| ()), Err(InferenceError::CorruptModel));
	let garbage = import(
		ModelKind::TextGeneration,
		&[("config.json", b"{\"max_prompt_bytes\": 64}"), ("model.gguf", b"...")],
	);
	assert_eq!(engine.run(&garbage, &input).map(|_| ()), Err(InferenceError::CorruptModel));

	// Bytes on disk that no longer match their name.
	let good = default_model::install(store).unwrap();
	let mut tampered = std::fs::read(store.path_of(&good)).unwrap();
	*tampered.last_mut().unwrap() ^= 0x80;
	std::fs::write(store.path_of(&good), tampered).unwrap();
	assert_eq!(engine.run(&good, &input).map(|_| ()), Err(InferenceError::HashMismatch));
}

#[test]
fn limits_are_enforced() {
	let dir = tempfile::tempdir().unwrap();
	let mut config = EngineConfig::new(dir.path());
	config.limits = Limits { max_output_bytes: 100, max_model_bytes: 1 << 20, ..Limits::default() };
	let engine = Engine::new(config).unwrap();
	let hash = default_model::install(engine.store()).unwrap();
	let fixture = digits_fixture();
	// 2 rows of 10 logits = 80 bytes: fine; 3 rows = 120 bytes: too large.
	assert!(engine.run(&hash, &digit_input(&fixture.pixels[..2])).is_ok());
	assert_eq!(
		engine.run(&hash, &digit_input(&fixture.pixels[..3])).map(|_| ()),
		Err(InferenceError::OutputTooLarge)
	);

	let small = tempfile::tempdir().unwrap();
	let mut config = EngineConfig::new(small.path());
	config.limits.max_model_bytes = 1000;
	let engine = Engine::new(config).unwrap();
	assert!(matches!(
		default_model::install(engine.store()),
		Err(opg_inference::StoreError::TooLarge { .. })
	));

	let mut config = EngineConfig::new(small.path());
	config.limits.max_input_bytes = 100;
	let engine = Engine::new(config).unwrap();
	let hash = default_model::install(engine.store()).unwrap();
	assert_eq!(
		engine.run(&hash, &digit_input(&fixture.pixels[..1])).map(|_| ()),
		Err(InferenceError::InputTooLarge)
	);
}

/// Batch invariance: every row's logits are bit-identical alone, in batches of 2 and 7, and in
/// the batch of 32 (the canonical kernels compute each row by the same operations whatever
/// batch it is in).
#[test]
fn rows_are_identical_in_every_batch() {
	let (_dir, engine) = engine_with(2);
	let hash = default_model::install(engine.store()).unwrap();
	let pixels = &digits_fixture().pixels[..32];
	let bits = |rows: Vec<Vec<f32>>| -> Vec<Vec<u32>> {
		rows.iter().map(|r| r.iter().map(|v| v.to_bits()).collect()).collect()
	};
	let run = |from: usize, n: usize| {
		bits(rows(&engine.run(&hash, &digit_input(&pixels[from..from + n])).unwrap()))
	};
	let batch32 = run(0, 32);
	for n in [1, 2, 7] {
		for from in [0, 5, 32 - n] {
			assert_eq!(run(from, n), batch32[from..from + n].to_vec(), "rows {from}..+{n}");
		}
	}
}
