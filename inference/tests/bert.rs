//! all-MiniLM-L6-v2 (fetched by scripts/fetch-models.sh) against sentence-transformers' own
//! embeddings, and its text-input errors. Fails, never skips, when the model is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{engine_with, minilm_dir, minilm_long_reference, minilm_reference, rows};
use opg_inference::{bundle_from_dir, Engine, EngineConfig};
use opg_primitives::{
	tensor::MAX_TEXT_BYTES, InferenceError, InferenceInput, ModelHash, ModelKind, SchemaError,
	Tensor,
};

fn minilm(engine: &Engine) -> ModelHash {
	let bundle = bundle_from_dir(ModelKind::BertEmbedding, &minilm_dir()).unwrap();
	engine.store().import_bytes(&bundle).unwrap()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
	let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
	let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
	dot / (norm(a) * norm(b))
}

/// Tolerances: the canonical kernels vs PyTorch, both f32 on the CPU, differ in summation order
/// and in their elementary functions only.
const MIN_COSINE: f64 = 0.99999;
const MAX_ABS_DIFF: f32 = 1e-5;

#[test]
fn embeddings_match_sentence_transformers() {
	let (_dir, engine) = engine_with(1);
	let hash = minilm(&engine);
	let reference = minilm_reference();
	let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
	let batch = engine.run(&hash, &InferenceInput::texts(&texts).unwrap()).unwrap();
	let (mut min_cos, mut max_diff) = (1f64, 0f32);
	for (i, (ours, theirs)) in rows(&batch).iter().zip(&reference.embeddings).enumerate() {
		assert_eq!(ours.len(), 384);
		let cos = cosine(ours, theirs);
		let diff = ours.iter().zip(theirs).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
		assert!(cos >= MIN_COSINE, "sentence {i} {:?}: cosine {cos}", texts[i]);
		assert!(diff <= MAX_ABS_DIFF, "sentence {i} {:?}: max abs diff {diff}", texts[i]);
		min_cos = min_cos.min(cos);
		max_diff = max_diff.max(diff);
	}
	println!(
		"canonical engine vs {}: {} sentences, min cosine {min_cos:.9} (1 - cos {:.1e}), max |diff| \
		 {max_diff:.2e}",
		reference.generator,
		texts.len(),
		1.0 - min_cos
	);
}

/// Texts up to and past the model's 256-token limit (sentence-transformers truncates the 405-token
/// one to 256, and so does the engine), one per run and all in one batch.
#[test]
fn long_texts_match_sentence_transformers() {
	let (_dir, engine) = engine_with(2);
	let hash = minilm(&engine);
	let reference = minilm_long_reference();
	let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
	let batch = rows(&engine.run(&hash, &InferenceInput::texts(&texts).unwrap()).unwrap());
	let (mut min_cos, mut max_diff) = (1f64, 0f32);
	for (i, text) in texts.iter().enumerate() {
		let alone = rows(&engine.run(&hash, &InferenceInput::text(text).unwrap()).unwrap());
		assert_eq!(alone[0], batch[i], "text {i} differs alone and in the batch");
		let theirs = &reference.embeddings[i];
		let cos = cosine(&alone[0], theirs);
		let diff = alone[0].iter().zip(theirs).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
		assert!(cos >= MIN_COSINE, "text {i}: cosine {cos}");
		assert!(diff <= MAX_ABS_DIFF, "text {i}: max abs diff {diff}");
		min_cos = min_cos.min(cos);
		max_diff = max_diff.max(diff);
	}
	println!(
		"long texts (198, 256, 405 tokens) vs sentence-transformers: min cosine {min_cos:.9}, \
		 max |diff| {max_diff:.2e}"
	);
}

#[test]
fn a_text_embeds_the_same_alone_or_in_a_batch() {
	let (_dir, engine) = engine_with(2);
	let hash = minilm(&engine);
	let reference = minilm_reference();
	let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).take(5).collect();
	let batch = rows(&engine.run(&hash, &InferenceInput::texts(&texts).unwrap()).unwrap());
	for (i, text) in texts.iter().enumerate() {
		let alone = rows(&engine.run(&hash, &InferenceInput::text(text).unwrap()).unwrap());
		assert_eq!(
			alone[0].iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
			batch[i].iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
			"row {i} differs from the text run alone"
		);
	}
}

#[test]
fn runs_commit_to_every_layer() {
	let (_dir, engine) = engine_with(1);
	let hash = minilm(&engine);
	let run = engine.run(&hash, &InferenceInput::text("hello world").unwrap()).unwrap();
	assert!(run.is_consistent());
	// Embeddings, 6 encoder layers, pooled, normalised.
	assert_eq!(run.layer_hashes.len(), 9);
	assert_eq!(run.layer_hashes[8], run.output.tensor().unwrap().hash());
	assert_eq!(run.output.tensor().unwrap().shape.to_vec(), vec![1, 384]);
}

#[test]
fn text_errors_are_typed() {
	let (_dir, engine) = engine_with(1);
	let hash = minilm(&engine);
	// 300 words: more tokens than max_seq_length (256): truncated to 256, as
	// sentence-transformers does: equal to the first 254 words alone.
	let long = "word ".repeat(300);
	let cut = "word ".repeat(254);
	let embed =
		|text: &str| rows(&engine.run(&hash, &InferenceInput::text(text).unwrap()).unwrap());
	assert_eq!(embed(&long), embed(&cut));
	assert_ne!(embed(&long), embed(&"word ".repeat(253)));
	let too_many_bytes = "x".repeat(MAX_TEXT_BYTES as usize + 1);
	assert!(matches!(InferenceInput::text(&too_many_bytes), Err(SchemaError::TextTooLong { .. })));
	let tensor = InferenceInput::Tensor(Tensor::from_f32(&[1, 2], &[0.0, 1.0]).unwrap());
	assert_eq!(
		engine.run(&hash, &tensor).map(|_| ()),
		Err(InferenceError::BadInput(SchemaError::ExpectedText))
	);
	let invalid =
		InferenceInput::Text(vec![vec![0xc3, 0x28].try_into().unwrap()].try_into().unwrap());
	assert_eq!(
		engine.run(&hash, &invalid).map(|_| ()),
		Err(InferenceError::BadInput(SchemaError::InvalidUtf8))
	);
	assert_eq!(
		engine.run(&hash, &InferenceInput::texts(&[]).unwrap()).map(|_| ()),
		Err(InferenceError::BadInput(SchemaError::EmptyBatch))
	);

	let dir = tempfile::tempdir().unwrap();
	let mut config = EngineConfig::new(dir.path());
	config.limits.max_batch = 2;
	let small = Engine::new(config).unwrap();
	let hash = minilm(&small);
	assert_eq!(
		small.run(&hash, &InferenceInput::texts(&["a", "b", "c"]).unwrap()).map(|_| ()),
		Err(InferenceError::BadInput(SchemaError::BatchTooLarge { max: 2, found: 3 }))
	);
}
