//! SmolLM2-135M-Instruct (a Q4_1 GGUF fetched by scripts/fetch-models.sh) on the canonical
//! kernels: its tokenizer and chat template, generation against one prefill pass (bit for bit),
//! sampling, stop conditions and bounds, and greedy decoding against candle's own
//! `quantized_llama`. Fails, never skips, when the model is missing.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

mod common;

use std::sync::OnceLock;

use candle_core::{Device, Tensor};
use candle_transformers::models::quantized_llama::ModelWeights;
use opg_inference::models::{
	llama::{sample, CheckError, Llama, Malformed, Mismatch, Sampling},
	Trace,
};
use opg_kernels::Isa;
use opg_primitives::StopReason;

fn model() -> &'static Llama {
	static MODEL: OnceLock<Llama> = OnceLock::new();
	MODEL.get_or_init(|| {
		let bytes = std::fs::read(common::smollm_gguf()).unwrap();
		Llama::from_gguf(&bytes, Isa::detect()).unwrap()
	})
}

fn pool(threads: usize) -> rayon::ThreadPool {
	rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

const GREEDY: Sampling = Sampling { temperature_milli: 0, top_k: 0, top_p_milli: 0, seed: 0 };
const NONCE: [u8; 32] = [7; 32];

fn logit_bits(model: &Llama, hidden: &[f32]) -> Vec<u32> {
	model.logits(hidden).unwrap().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn tokenizer_round_trips_and_splits_digits() {
	let model = model();
	for text in [
		"The capital of France is Paris.",
		"  leading spaces, tabs\tand\nnew lines",
		"Unicode: naïve café, 東京, emoji 🙂, ∑ x²",
		"code: fn main() { println!(\"{}\", 1 + 2); }",
	] {
		let ids = model.encode_prompt(text, false).unwrap();
		assert_eq!(model.decode(&ids).unwrap(), text);
	}
	// The `smollm` pre-tokenizer splits numbers into single digits.
	let ids = model.encode_prompt("12345", false).unwrap();
	assert_eq!(ids.len(), 5);
	assert_eq!(model.decode(&ids[2..3]).unwrap(), "3");
}

#[test]
fn chat_prompts_use_the_files_template() {
	let model = model();
	let ids = model.encode_prompt("Hi there", true).unwrap();
	let text = model.decode(&ids).unwrap();
	// Special tokens are skipped by `decode`; the roles and contents are not.
	assert_eq!(
		text,
		"system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face\nuser\nHi \
		 there\nassistant\n"
	);
	// <|im_start|> and <|im_end|> are single control tokens, and <|im_end|> stops generation.
	let (start, end) = (1, 2);
	assert_eq!(ids.iter().filter(|t| **t == start).count(), 3);
	assert_eq!(ids.iter().filter(|t| **t == end).count(), 2);
	assert!(model.is_stop(end) && !model.is_stop(ids[1]));
}

#[test]
fn generation_logits_equal_one_prefill_pass_bit_for_bit() {
	let model = model();
	let prompt = model.encode_prompt("Write a haiku about the sea.", true).unwrap();
	let h = model.hyper().hidden;
	for threads in [1, 2] {
		pool(threads).install(|| {
			// Token by token with the cache, keeping each step's logits.
			let mut cache = model.cache();
			let mut hidden = model.forward(&prompt, &mut cache).unwrap();
			let mut tokens = Vec::new();
			let mut stepped = Vec::new();
			for step in 0..12 {
				let bits = logit_bits(model, &hidden[hidden.len() - h..]);
				let logits: Vec<f32> = bits.iter().map(|b| f32::from_bits(*b)).collect();
				let token = sample(&logits, &GREEDY, &NONCE, step);
				stepped.push(bits);
				tokens.push(token);
				hidden = model.forward(&[token], &mut cache).unwrap();
			}
			// One pass over the prompt and the tokens.
			let mut all = prompt.clone();
			all.extend_from_slice(&tokens[..tokens.len() - 1]);
			let prefill = model.forward(&all, &mut model.cache()).unwrap();
			for (step, want) in stepped.iter().enumerate() {
				let row = prompt.len() - 1 + step;
				let got = logit_bits(model, &prefill[row * h..(row + 1) * h]);
				assert!(got == *want, "{threads} threads: step {step}'s logits differ");
			}
			// And `generate` + `check` agree with both.
			let generation = model
				.generate(&prompt, 12, &GREEDY, &NONCE, &mut Trace::default(), |_| true)
				.unwrap();
			assert_eq!(generation.tokens, tokens);
			assert_eq!(model.check(&prompt, &tokens, 12, &GREEDY, &NONCE).unwrap(), None);
		});
	}
}

#[test]
fn sampling_is_deterministic_per_seed_and_nonce() {
	let model = model();
	let prompt = model.encode_prompt("Tell me a story about a dragon.", true).unwrap();
	let sampling = Sampling { temperature_milli: 1000, top_k: 50, top_p_milli: 950, seed: 42 };
	let run = |sampling: &Sampling, nonce: &[u8; 32]| {
		pool(2).install(|| {
			model.generate(&prompt, 16, sampling, nonce, &mut Trace::default(), |_| true).unwrap()
		})
	};
	let a = run(&sampling, &NONCE);
	assert_eq!(run(&sampling, &NONCE), a, "same seed and nonce, same answer");
	assert_eq!(model.check(&prompt, &a.tokens, 16, &sampling, &NONCE).unwrap(), None);
	let other_seed = run(&Sampling { seed: 43, ..sampling }, &NONCE);
	let other_nonce = run(&sampling, &[8; 32]);
	assert_ne!(other_seed.tokens, a.tokens, "another seed samples otherwise");
	assert_ne!(other_nonce.tokens, a.tokens, "another request samples otherwise");

	// The procedure itself, on small rows: top-k 1 is greedy; ties go to the lower id; a
	// vanishing temperature is greedy; top-p keeps the smallest prefix.
	let logits = [1.0f32, 3.0, 3.0, f32::NAN, 2.0];
	assert_eq!(sample(&logits, &GREEDY, &NONCE, 0), 1);
	for step in 0..50 {
		let top1 =
			Sampling { temperature_milli: 1500, top_k: 1, top_p_milli: 0, seed: step.into() };
		assert_eq!(sample(&logits, &top1, &NONCE, step), 1);
		let cold = Sampling { temperature_milli: 1, top_k: 0, top_p_milli: 0, seed: 9 };
		assert!([1, 2].contains(&sample(&logits, &cold, &NONCE, step)));
		let nucleus = Sampling { temperature_milli: 1000, top_k: 0, top_p_milli: 100, seed: 1 };
		assert_eq!(sample(&logits, &nucleus, &NONCE, step), 1, "0.42 ≥ 0.1: only the first");
	}
	let warm = Sampling { temperature_milli: 1000, top_k: 0, top_p_milli: 0, seed: 5 };
	assert_eq!(sample(&[], &warm, &NONCE, 0), 0, "an empty row does not panic");
	let drawn: std::collections::BTreeSet<u32> =
		(0..200).map(|step| sample(&logits, &warm, &NONCE, step)).collect();
	assert_eq!(drawn, [0, 1, 2, 4].into(), "every finite logit is drawn, NaN never");
}

#[test]
fn stop_conditions_and_malformed_claims() {
	let model = model();
	let prompt = model.encode_prompt("What is 2 + 2? Answer with one number.", true).unwrap();
	let (short, long) = pool(2).install(|| {
		let short =
			model.generate(&prompt, 3, &GREEDY, &NONCE, &mut Trace::default(), |_| true).unwrap();
		let long =
			model.generate(&prompt, 64, &GREEDY, &NONCE, &mut Trace::default(), |_| true).unwrap();
		(short, long)
	});
	assert_eq!((short.tokens.len(), short.stop), (3, StopReason::MaxTokens));
	assert_eq!(long.stop, StopReason::EndToken, "{:?}", long.text_lossy());
	assert!(model.is_stop(*long.tokens.last().unwrap()));
	assert!(long.text_lossy().contains('4'), "{:?}", long.text_lossy());
	assert_eq!(long.tokens[..3], short.tokens[..]);

	let (short, long) = (short.tokens.to_vec(), long.tokens.to_vec());
	pool(2).install(|| {
		let check = |claim: &[u32], max: u32| model.check(&prompt, claim, max, &GREEDY, &NONCE);
		assert_eq!(check(&long, 64).unwrap(), None);
		// A lie at one step is found at that step (a lie at the end token makes the answer
		// one that ran to its bound).
		let n = long.len();
		for at in [0, n / 2, n - 1] {
			let mut lie = long.clone();
			lie[at] = if lie[at] == 100 { 101 } else { 100 };
			let bound = if at == n - 1 { n as u32 } else { 64 };
			let found = check(&lie, bound).unwrap().unwrap();
			assert_eq!(found, Mismatch { step: at, claimed: lie[at], expected: long[at] });
		}
		// Malformed: empty, over the bound, tokens after the end, an early end without an end
		// token, ids outside the vocabulary.
		let refused = |claim: &[u32], max: u32| match check(claim, max) {
			Err(CheckError::Malformed(why)) => Some(why),
			_ => None,
		};
		assert_eq!(refused(&[], 64), Some(Malformed::Empty));
		assert_eq!(refused(&long, long.len() as u32 - 1), Some(Malformed::TooLong));
		let mut after_end = long.clone();
		after_end.push(100);
		assert_eq!(refused(&after_end, 64), Some(Malformed::AfterEnd));
		assert_eq!(refused(&short, 64), Some(Malformed::EndedEarly));
		assert_eq!(refused(&[u32::MAX], 1), Some(Malformed::UnknownToken));
	});
	// Past the model's context: refused before any work, with a typed error.
	let context = model.hyper().context;
	let too_long = vec![100u32; context + 1];
	assert_eq!(
		model.forward(&too_long, &mut model.cache()).err(),
		Some(opg_primitives::InferenceError::InputTooLarge)
	);
	// Interrupted generation errs (it never returns a partial answer as whole).
	assert!(model
		.generate(&prompt, 8, &GREEDY, &NONCE, &mut Trace::default(), |tokens| tokens.len() < 4)
		.is_err());
}

/// Greedy decoding against candle's stock `quantized_llama` (its own Q4_1 × Q8_1 kernels): the
/// reference generates 32 tokens for each prompt; the canonical engine, given the same prefix
/// (one prefill pass), must choose the same token at ≥ 95 % of the steps over all prompts (and
/// ≥ 90 % of each prompt's). Each divergence is printed with its logit gap (the canonical
/// logits of its own choice and of the reference's): the two quantize activations differently
/// (candle rounds each block's scale to `f16`, the canonical kernels keep it in `f32`), which
/// flips near-ties.
#[test]
fn greedy_decoding_matches_candle_quantized_llama() {
	let model = model();
	let path = common::smollm_gguf();
	let mut file = std::fs::File::open(&path).unwrap();
	let content = candle_core::quantized::gguf_file::Content::read(&mut file).unwrap();
	let mut reference = ModelWeights::from_gguf(content, &mut file, &Device::Cpu).unwrap();
	let prompts = [
		"What is the capital of France?",
		"Write a haiku about the sea.",
		"Explain photosynthesis in one sentence.",
		"List three prime numbers.",
		"What is 2 + 2?",
		"Translate 'good morning' into Spanish.",
		"Who wrote Romeo and Juliet?",
		"Give me a tip for learning to code.",
		"What colour is the sky on a clear day?",
		"Name a planet in the solar system.",
	];
	const STEPS: usize = 32;
	let (mut agree, mut total) = (0, 0);
	let h = model.hyper().hidden;
	for prompt_text in prompts {
		let prompt = model.encode_prompt(prompt_text, true).unwrap();
		reference.clear_kv_cache();
		let mut theirs = Vec::new();
		let input = Tensor::new(prompt.as_slice(), &Device::Cpu).unwrap().unsqueeze(0).unwrap();
		let mut logits = reference.forward(&input, 0).unwrap();
		for i in 0..STEPS {
			let row: Vec<f32> = logits.squeeze(0).unwrap().to_vec1().unwrap();
			let token = sample(&row, &GREEDY, &NONCE, 0);
			theirs.push(token);
			let input = Tensor::new(&[token], &Device::Cpu).unwrap().unsqueeze(0).unwrap();
			logits = reference.forward(&input, prompt.len() + i).unwrap();
		}
		let mut all = prompt.clone();
		all.extend_from_slice(&theirs[..STEPS - 1]);
		let hidden = pool(2).install(|| model.forward(&all, &mut model.cache()).unwrap());
		let mut here = 0;
		for (step, want) in theirs.iter().enumerate() {
			let row = prompt.len() - 1 + step;
			let ours = model.logits(&hidden[row * h..(row + 1) * h]).unwrap();
			let choice = sample(&ours, &GREEDY, &NONCE, 0);
			if choice == *want {
				here += 1;
			} else {
				println!(
					"{prompt_text:?} step {step}: canonical {choice} ({:?}), candle {want} ({:?}), \
					 logit gap {:.4}",
					model.decode(&[choice]).unwrap(),
					model.decode(&[*want]).unwrap(),
					ours[choice as usize] - ours[*want as usize]
				);
			}
		}
		println!("{prompt_text:?}: {here}/{STEPS} -> {:?}", model.decode(&theirs).unwrap());
		assert!(here * 100 >= STEPS * 90, "{prompt_text:?}: only {here}/{STEPS} agree");
		agree += here;
		total += STEPS;
	}
	println!("greedy agreement with candle quantized_llama: {agree}/{total}");
	assert!(agree * 100 >= total * 95, "only {agree}/{total} agree");
}

/// The SmolLM2 bundle (`models/smollm2-135m/config.json` and the fetched GGUF) in a fresh
/// engine's store.
fn llm_engine(
	threads: usize,
) -> (tempfile::TempDir, opg_inference::Engine, opg_primitives::ModelHash) {
	let config = common::repo().join("models/smollm2-135m/config.json");
	let files = [("config.json", config), ("model.gguf", common::smollm_gguf())];
	let bytes =
		opg_primitives::bundle::pack(opg_primitives::ModelKind::TextGeneration, &files).unwrap();
	let (dir, engine) = common::engine_with(threads);
	let hash = engine.store().import_bytes(&bytes).unwrap();
	(dir, engine, hash)
}

#[test]
fn the_engine_answers_prompts_and_checks_answers_in_one_pass() {
	use opg_primitives::{
		InferenceError, InferenceInput, InferenceOutput, Prompt, SchemaError, TextGenerationConfig,
	};
	let (_dir, engine, hash) = llm_engine(2);
	let served = engine.model(&hash).unwrap();
	let config = std::fs::read(common::repo().join("models/smollm2-135m/config.json")).unwrap();
	assert_eq!(*served.schema(), TextGenerationConfig::from_json(&config).unwrap().schema());

	let warm = Sampling { temperature_milli: 700, top_k: 40, top_p_milli: 900, seed: 3 };
	let prompt = Prompt::new("Name a colour.", true, 24, warm).unwrap();
	let input = InferenceInput::Prompt(prompt.clone());
	let run = engine.run_with_nonce(&hash, &input, &NONCE).unwrap();
	let InferenceOutput::Generated(answer) = &run.output else { panic!("{:?}", run.output) };
	// The same answer as the model's own generation, one trace leaf per generated token.
	let tokens = model_tokens(&prompt);
	assert_eq!(answer.prompt_tokens as usize, tokens.len());
	let direct =
		model().generate(&tokens, 24, &warm, &NONCE, &mut Trace::default(), |_| true).unwrap();
	assert_eq!(*answer, direct);
	assert_eq!(run.layer_hashes.len(), answer.tokens.len());
	assert!(run.is_consistent());
	// Another request (nonce) samples otherwise; the same one, the same bytes.
	assert_eq!(engine.run_with_nonce(&hash, &input, &NONCE).unwrap(), run);
	assert_ne!(engine.run_with_nonce(&hash, &input, &[9; 32]).unwrap().output, run.output);

	// The check: the answer agrees; a changed token, text, prompt length or stop does not; nor
	// does the answer under another nonce, or a tensor.
	assert_eq!(engine.check(&hash, &input, &NONCE, &run.output), Ok(true));
	let lie = |f: &dyn Fn(&mut opg_primitives::Generation)| {
		let mut a = answer.clone();
		f(&mut a);
		engine.check(&hash, &input, &NONCE, &InferenceOutput::Generated(a))
	};
	assert_eq!(lie(&|a| a.tokens[0] ^= 1), Ok(false));
	assert_eq!(lie(&|a| a.text = b"green".to_vec().try_into().unwrap()), Ok(false));
	assert_eq!(lie(&|a| a.prompt_tokens += 1), Ok(false));
	assert_eq!(
		lie(&|a| {
			a.stop = match a.stop {
				StopReason::EndToken => StopReason::MaxTokens,
				StopReason::MaxTokens => StopReason::EndToken,
			}
		}),
		Ok(false)
	);
	assert_eq!(engine.check(&hash, &input, &[9; 32], &run.output), Ok(false));
	let tensor = InferenceOutput::Tensor(opg_primitives::Tensor::from_f32(&[1], &[0.0]).unwrap());
	assert_eq!(engine.check(&hash, &input, &NONCE, &tensor), Ok(false));

	// Bounds, with typed errors: too many new tokens (the schema), too many prompt tokens (the
	// engine), text where a prompt is due.
	let ask = |p: Prompt| engine.run_with_nonce(&hash, &InferenceInput::Prompt(p), &NONCE);
	assert_eq!(
		ask(Prompt::new("Hi", true, 129, Sampling::GREEDY).unwrap()).map(|_| ()),
		Err(InferenceError::BadInput(SchemaError::NewTokensOutOfRange { max: 128, found: 129 }))
	);
	let long = "one two three four five six seven eight nine ten ".repeat(41);
	let long = &long[..2000];
	assert_eq!(
		ask(Prompt::new(long, false, 4, Sampling::GREEDY).unwrap()).map(|_| ()),
		Err(InferenceError::InputTooLarge)
	);
	assert_eq!(
		engine.run(&hash, &InferenceInput::text("Hi").unwrap()).map(|_| ()),
		Err(InferenceError::BadInput(SchemaError::ExpectedPrompt))
	);
}

/// The tokens the engine feeds the model for `prompt`.
fn model_tokens(prompt: &opg_primitives::Prompt) -> Vec<u32> {
	model().encode_prompt(std::str::from_utf8(&prompt.text).unwrap(), prompt.chat).unwrap()
}
