//! Llama-architecture text generation (SmolLM2 and other llama models in GGUF files), on the
//! canonical kernels, including the quantized weights ([`opg_kernels::quant`]).
//!
//! candle reads the GGUF file (metadata and tensor table); the weights stay in their file
//! blocks (`Q4_1`, `Q8_0`) and every product with them is [`quant::qlinear`]; norms, RoPE
//! (GGUF's interleaved layout), SiLU, softmax and attention are [`opg_kernels::ops`]. The
//! tokenizer is built from the GGUF metadata (byte-level BPE, as llama.cpp's `gpt2` model with
//! the `smollm` pre-tokenizer: digits one by one, then GPT-2's split), and chat prompts are
//! rendered with the file's own Jinja chat template.
//!
//! ## The bundle
//! A `TextGeneration` bundle holds `model.gguf` (weights, tokenizer, chat template) and a
//! `config.json` ([`TextGenerationConfig`]: the prompt and answer bounds, which make the
//! schema). [`load`] serves it as a [`TextGenerator`]: a prompt is rendered (as a chat message
//! with the file's template, or raw), refused beyond the prompt bound (`InputTooLarge`), and
//! answered; one trace leaf per generated token (its logits' hash).
//!
//! ## Generation and its check
//! Every operation is row-wise (a token's row depends on its own row and, in attention, on the
//! keys and values of the positions before it, always over exactly those positions), so the
//! logits of token `t` are the same bits whether computed while generating with a key/value
//! cache or in one pass over the prompt and all generated tokens ([`Llama::check`]). A watcher
//! therefore checks an answer of `n` tokens with one prefill pass instead of `n` steps.
//!
//! ## Sampling
//! Greedy (the lowest id among the largest logits) when the temperature is 0; otherwise
//! [`Sampling`]'s canonical procedure, drawing from a counter-based generator keyed by the
//! request's seed and nonce, so each token's draw depends on nothing but its step.

#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	reason = "row and head offsets into buffers whose lengths are fixed by the model's dimensions, \
	          checked at load"
)]

use std::io::Cursor;

use blake2::{digest::consts::U32, Blake2b, Digest};
use candle_core::quantized::{gguf_file, GgmlDType};
use opg_kernels::{
	lanes,
	ops::{self, ShapeError},
	quant::{self, QFormat, QMatrix, QRows},
	Isa,
};
use opg_primitives::{
	bundle::{BundleView, CONFIG_FILE, GGUF_FILE},
	commitment::tensor_hash,
	generation::{GeneratedText, GeneratedTokens},
	limits::MAX_NEW_TOKENS,
	tensor::MAX_TEXT_BYTES,
	Generation, InferenceError, InferenceInput, IoSchema, ModelKind, Nonce, Prompt, SchemaError,
	StopReason, TensorDType, TextGenerationConfig,
};
pub use opg_primitives::Sampling;
use std::sync::Arc;
use rayon::prelude::*;
use tokenizers::{
	decoders::byte_level::ByteLevel as ByteLevelDecoder,
	models::bpe::BPE,
	pre_tokenizers::{byte_level::ByteLevel, digits::Digits, sequence::Sequence},
	AddedToken, Tokenizer,
};

use crate::{
	canonical::{in_pool, shape},
	error::{corrupt, internal},
	models::{f32_bytes, LoadOptions, Model, Output, Trace},
};

/// A GGUF file's hyperparameters (`llama.*` metadata).
#[derive(Clone, Debug, PartialEq)]
pub struct Hyper {
	/// Transformer blocks.
	pub layers: usize,
	/// Width of the residual stream.
	pub hidden: usize,
	/// Width of the feed-forward layer.
	pub ffn: usize,
	/// Query heads.
	pub heads: usize,
	/// Key/value heads (grouped-query attention: `heads / kv_heads` queries share one).
	pub kv_heads: usize,
	/// RMSNorm's epsilon.
	pub eps: f32,
	/// RoPE's base frequency.
	pub rope_theta: f32,
	/// Tokens in the vocabulary.
	pub vocab: usize,
	/// The longest context the model was trained for.
	pub context: usize,
}

impl Hyper {
	/// Width of one head.
	pub fn head_dim(&self) -> usize {
		self.hidden / self.heads
	}
}

struct Layer {
	attn_norm: Vec<f32>,
	wq: QMatrix,
	wk: QMatrix,
	wv: QMatrix,
	wo: QMatrix,
	ffn_norm: Vec<f32>,
	gate: QMatrix,
	up: QMatrix,
	down: QMatrix,
}

/// A loaded llama model and its tokenizer.
pub struct Llama {
	hyper: Hyper,
	embed: QMatrix,
	/// The output projection, when the file has its own (else the embedding is tied).
	output: Option<QMatrix>,
	norm: Vec<f32>,
	layers: Vec<Layer>,
	tokenizer: Tokenizer,
	chat_template: Option<String>,
	/// Control tokens: generation stops at any of them.
	stops: Vec<u32>,
	bos: Option<u32>,
	isa: Isa,
}

/// A key/value cache: per layer and key/value head, the keys and values of every position so
/// far (`[positions, head_dim]`).
pub struct Cache {
	keys: Vec<Vec<Vec<f32>>>,
	values: Vec<Vec<Vec<f32>>>,
	len: usize,
}

impl Cache {
	/// Positions cached.
	pub fn len(&self) -> usize {
		self.len
	}

	/// Whether no position is cached.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}
}

/// Why [`Llama::check`] refused a claimed answer without running the model: no generation
/// could have produced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
	/// An empty prompt or an empty answer.
	Empty,
	/// More tokens than `max_new_tokens`.
	TooLong,
	/// A token id outside the vocabulary.
	UnknownToken,
	/// Tokens after an end token.
	AfterEnd,
	/// Fewer than `max_new_tokens` tokens and no end token.
	EndedEarly,
}

/// Why [`Llama::check`] gave no verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckError {
	/// The claim is malformed.
	Malformed(Malformed),
	/// The engine failed (the prompt past the context, for instance).
	Engine(InferenceError),
}

impl From<InferenceError> for CheckError {
	fn from(error: InferenceError) -> Self {
		CheckError::Engine(error)
	}
}

/// The first difference [`Llama::check`] found between a claimed answer and the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
	/// The index of the first generated token that is not the model's choice.
	pub step: usize,
	/// The token claimed there.
	pub claimed: u32,
	/// The model's choice.
	pub expected: u32,
}

impl Llama {
	/// Loads a llama model from the bytes of a GGUF file.
	pub fn from_gguf(bytes: &[u8], isa: Isa) -> Result<Self, InferenceError> {
		let content = gguf_file::Content::read(&mut Cursor::new(bytes)).map_err(corrupt)?;
		let meta = Meta(&content.metadata);
		let arch = meta.string("general.architecture")?;
		if arch != "llama" {
			return Err(corrupt(format!("architecture {arch:?}, expected llama")));
		}
		let hyper = Hyper {
			layers: meta.usize("llama.block_count")?,
			hidden: meta.usize("llama.embedding_length")?,
			ffn: meta.usize("llama.feed_forward_length")?,
			heads: meta.usize("llama.attention.head_count")?,
			kv_heads: meta.usize("llama.attention.head_count_kv")?,
			eps: meta.f32("llama.attention.layer_norm_rms_epsilon")?,
			rope_theta: meta.f32("llama.rope.freq_base").unwrap_or(10_000.0),
			vocab: meta.strings("tokenizer.ggml.tokens")?.len(),
			context: meta.usize("llama.context_length")?,
		};
		let ok = hyper.layers > 0
			&& hyper.heads > 0
			&& hyper.kv_heads > 0
			&& hyper.heads.is_multiple_of(hyper.kv_heads)
			&& hyper.hidden.is_multiple_of(hyper.heads)
			&& hyper.head_dim().is_multiple_of(2)
			&& hyper.hidden.is_multiple_of(quant::BLOCK)
			&& hyper.ffn.is_multiple_of(quant::BLOCK);
		if !ok {
			return Err(corrupt(format!("unsupported dimensions {hyper:?}")));
		}
		if let Ok(dims) = meta.usize("llama.rope.dimension_count") {
			if dims != hyper.head_dim() {
				return Err(corrupt("partial rotary embeddings are not supported"));
			}
		}
		let tensors = Tensors { content: &content, bytes };
		let (h, kv) = (hyper.hidden, hyper.kv_heads * hyper.head_dim());
		let embed = tensors.quantized("token_embd.weight", hyper.vocab, h)?;
		let output = if content.tensor_infos.contains_key("output.weight") {
			Some(tensors.quantized("output.weight", hyper.vocab, h)?)
		} else {
			None
		};
		let layers = (0..hyper.layers)
			.map(|i| {
				let name = |n: &str| format!("blk.{i}.{n}.weight");
				Ok(Layer {
					attn_norm: tensors.floats(&name("attn_norm"), h)?,
					wq: tensors.quantized(&name("attn_q"), h, h)?,
					wk: tensors.quantized(&name("attn_k"), kv, h)?,
					wv: tensors.quantized(&name("attn_v"), kv, h)?,
					wo: tensors.quantized(&name("attn_output"), h, h)?,
					ffn_norm: tensors.floats(&name("ffn_norm"), h)?,
					gate: tensors.quantized(&name("ffn_gate"), hyper.ffn, h)?,
					up: tensors.quantized(&name("ffn_up"), hyper.ffn, h)?,
					down: tensors.quantized(&name("ffn_down"), h, hyper.ffn)?,
				})
			})
			.collect::<Result<Vec<_>, InferenceError>>()?;
		let norm = tensors.floats("output_norm.weight", h)?;
		let (tokenizer, stops) = tokenizer(&meta)?;
		let bos = match meta.bool("tokenizer.ggml.add_bos_token") {
			Ok(true) => Some(meta.u32("tokenizer.ggml.bos_token_id")?),
			_ => None,
		};
		let chat_template = meta.string("tokenizer.chat_template").ok().map(str::to_owned);
		Ok(Llama { hyper, embed, output, norm, layers, tokenizer, chat_template, stops, bos, isa })
	}

	/// Its hyperparameters.
	pub fn hyper(&self) -> &Hyper {
		&self.hyper
	}

	/// The memory its weights take, in bytes.
	pub fn weight_bytes(&self) -> u64 {
		let floats = |v: &Vec<f32>| v.len() * 4;
		let mut bytes = self.embed.bytes()
			+ self.output.as_ref().map_or(0, QMatrix::bytes)
			+ floats(&self.norm);
		for l in &self.layers {
			bytes += floats(&l.attn_norm) + floats(&l.ffn_norm);
			bytes += [&l.wq, &l.wk, &l.wv, &l.wo, &l.gate, &l.up, &l.down]
				.iter()
				.map(|w| w.bytes())
				.sum::<usize>();
		}
		u64::try_from(bytes).unwrap_or(u64::MAX)
	}

	/// The tokens of a prompt: as is, or (`chat`) as the one user message of a conversation
	/// rendered with the model's chat template, ready for the assistant's answer.
	pub fn encode_prompt(&self, prompt: &str, chat: bool) -> Result<Vec<u32>, InferenceError> {
		let text = if chat {
			let template = self
				.chat_template
				.as_deref()
				.ok_or_else(|| internal("the model has no chat template"))?;
			render_chat(template, prompt)?
		} else {
			prompt.to_owned()
		};
		let encoding = self.tokenizer.encode(text.as_str(), false).map_err(internal)?;
		let mut tokens: Vec<u32> = self.bos.into_iter().collect();
		tokens.extend_from_slice(encoding.get_ids());
		Ok(tokens)
	}

	/// The text of generated tokens (special tokens skipped).
	pub fn decode(&self, tokens: &[u32]) -> Result<String, InferenceError> {
		self.tokenizer.decode(tokens, true).map_err(internal)
	}

	/// Whether generation stops at this token.
	pub fn is_stop(&self, token: u32) -> bool {
		self.stops.contains(&token)
	}

	/// An empty key/value cache.
	pub fn cache(&self) -> Cache {
		let per_layer = || vec![Vec::new(); self.hyper.kv_heads];
		Cache {
			keys: (0..self.hyper.layers).map(|_| per_layer()).collect(),
			values: (0..self.hyper.layers).map(|_| per_layer()).collect(),
			len: 0,
		}
	}

	/// Runs `tokens` (at positions `cache.len()..`) through the model, extending the cache, and
	/// returns the final normalised hidden state of every token (`[tokens, hidden]`): the input
	/// of [`Llama::logits`].
	pub fn forward(&self, tokens: &[u32], cache: &mut Cache) -> Result<Vec<f32>, InferenceError> {
		let (isa, hy) = (self.isa, &self.hyper);
		let (h, d) = (hy.hidden, hy.head_dim());
		let start = cache.len;
		if start + tokens.len() > hy.context {
			return Err(InferenceError::InputTooLarge);
		}
		// The embeddings: rows of the (quantized) table, dequantized.
		let mut x = vec![0f32; tokens.len() * h];
		for (row, t) in x.chunks_exact_mut(h).zip(tokens) {
			self.embed
				.dequantize_row(*t as usize, row)
				.map_err(|_| internal(format!("token id {t} out of range")))?;
		}
		let (cos, sin) = self.rope(start, tokens.len())?;
		for (i, layer) in self.layers.iter().enumerate() {
			// Attention.
			let mut a = x.clone();
			ops::rms_norm(isa, &mut a, &layer.attn_norm, hy.eps, h).map_err(shape)?;
			let aq = QRows::quantize(isa, &a, h).map_err(shape)?;
			let mut q = qlinear(isa, &aq, &layer.wq)?;
			let mut k = qlinear(isa, &aq, &layer.wk)?;
			let v = qlinear(isa, &aq, &layer.wv)?;
			ops::rope_interleaved(isa, &mut q, d, &cos, &sin).map_err(shape)?;
			ops::rope_interleaved(isa, &mut k, d, &cos, &sin).map_err(shape)?;
			let kv = hy.kv_heads * d;
			for head in 0..hy.kv_heads {
				let (keys, values) = (&mut cache.keys[i][head], &mut cache.values[i][head]);
				for (k, v) in k.chunks_exact(kv).zip(v.chunks_exact(kv)) {
					keys.extend_from_slice(&k[head * d..(head + 1) * d]);
					values.extend_from_slice(&v[head * d..(head + 1) * d]);
				}
			}
			let context = self.attend(&q, &cache.keys[i], &cache.values[i], start)?;
			let cq = QRows::quantize(isa, &context, h).map_err(shape)?;
			let o = qlinear(isa, &cq, &layer.wo)?;
			ops::add_assign(isa, &mut x, &o).map_err(shape)?;
			// Feed-forward: down(silu(gate(n)) × up(n)).
			let mut n = x.clone();
			ops::rms_norm(isa, &mut n, &layer.ffn_norm, hy.eps, h).map_err(shape)?;
			let nq = QRows::quantize(isa, &n, h).map_err(shape)?;
			let mut g = qlinear(isa, &nq, &layer.gate)?;
			let u = qlinear(isa, &nq, &layer.up)?;
			ops::silu(isa, &mut g);
			ops::mul_assign(isa, &mut g, &u).map_err(shape)?;
			let gq = QRows::quantize(isa, &g, hy.ffn).map_err(shape)?;
			let down = qlinear(isa, &gq, &layer.down)?;
			ops::add_assign(isa, &mut x, &down).map_err(shape)?;
		}
		cache.len = start + tokens.len();
		ops::rms_norm(isa, &mut x, &self.norm, hy.eps, h).map_err(shape)?;
		Ok(x)
	}

	/// The logits (`[rows, vocab]`) of final hidden states from [`Llama::forward`].
	pub fn logits(&self, hidden: &[f32]) -> Result<Vec<f32>, InferenceError> {
		let q = QRows::quantize(self.isa, hidden, self.hyper.hidden).map_err(shape)?;
		qlinear(self.isa, &q, self.output.as_ref().unwrap_or(&self.embed))
	}

	/// The RoPE tables of positions `start..start + n`.
	fn rope(&self, start: usize, n: usize) -> Result<(Vec<f32>, Vec<f32>), InferenceError> {
		let d = self.hyper.head_dim();
		let mut cos = vec![0f32; n * d / 2];
		let mut sin = cos.clone();
		ops::rope_tables(self.hyper.rope_theta, d, start, &mut cos, &mut sin).map_err(shape)?;
		Ok((cos, sin))
	}

	/// Causal grouped-query attention of the queries `q` (`[rows, heads × d]`, at positions
	/// `start..`) over the cached keys and values (positions `0..start + rows`).
	///
	/// Per row `r` (position `p = start + r`) and head: scores `lanes::dot(q, k_j) × (1/√d)`
	/// for `j ≤ p` only, softmax over them, context `ops::weighted_rows(probabilities, v)`.
	fn attend(
		&self,
		q: &[f32],
		keys: &[Vec<f32>],
		values: &[Vec<f32>],
		start: usize,
	) -> Result<Vec<f32>, InferenceError> {
		let (isa, hy) = (self.isa, &self.hyper);
		let (h, d, group) = (hy.hidden, hy.head_dim(), hy.heads / hy.kv_heads);
		let scale = 1.0 / opg_kernels::sqrt(d as f32);
		let rows = q.len() / h;
		let one = |(r, out): (usize, &mut [f32])| -> Result<(), ShapeError> {
			let seen = start + r + 1;
			let mut scores = vec![0f32; seen];
			for head in 0..hy.heads {
				let (k, v) = (&keys[head / group], &values[head / group]);
				let qh = &q[r * h + head * d..r * h + (head + 1) * d];
				for (s, k) in scores.iter_mut().zip(k.chunks_exact(d)) {
					*s = lanes::dot(qh, k) * scale;
				}
				ops::softmax(isa, &mut scores, seen)?;
				ops::weighted_rows(
					isa,
					&scores,
					&v[..seen * d],
					d,
					&mut out[head * d..(head + 1) * d],
				)?;
			}
			Ok(())
		};
		let mut out = vec![0f32; rows * h];
		if in_pool() && rows > 1 {
			out.par_chunks_mut(h).enumerate().try_for_each(one).map_err(shape)?;
		} else {
			out.chunks_mut(h).enumerate().try_for_each(one).map_err(shape)?;
		}
		Ok(out)
	}

	/// Generates up to `max_new` tokens after `prompt` (tokens from [`Llama::encode_prompt`]),
	/// sampling with `sampling` keyed by `nonce` (the request's identity). `keep_going` is asked
	/// before each new token (with the tokens so far); generation stops early (and errs) when
	/// it says no. Each step's logits are recorded in `trace` (one leaf per generated token).
	pub fn generate(
		&self,
		prompt: &[u32],
		max_new: u32,
		sampling: &Sampling,
		nonce: &Nonce,
		trace: &mut Trace,
		mut keep_going: impl FnMut(&[u32]) -> bool,
	) -> Result<Generation, InferenceError> {
		if prompt.is_empty() {
			return Err(InferenceError::BadInput(SchemaError::EmptyBatch));
		}
		if max_new == 0 || max_new > MAX_NEW_TOKENS {
			let found = max_new;
			return Err(SchemaError::NewTokensOutOfRange { max: MAX_NEW_TOKENS, found }.into());
		}
		let mut cache = self.cache();
		let mut tokens = Vec::new();
		let mut hidden = self.forward(prompt, &mut cache)?;
		let mut stop = StopReason::MaxTokens;
		for step in 0..max_new {
			let last = &hidden[hidden.len() - self.hyper.hidden..];
			let logits = self.logits(last)?;
			trace.record_hash(logits_hash(&logits))?;
			let token = sample(&logits, sampling, nonce, step);
			tokens.push(token);
			if self.is_stop(token) {
				stop = StopReason::EndToken;
				break;
			}
			if step + 1 == max_new {
				break;
			}
			if !keep_going(&tokens) {
				return Err(internal("generation interrupted"));
			}
			hidden = self.forward(&[token], &mut cache)?;
		}
		let text = self.decode(&tokens)?;
		Ok(Generation {
			prompt_tokens: u32::try_from(prompt.len()).map_err(|_| InferenceError::InputTooLarge)?,
			tokens: GeneratedTokens::try_from(tokens).map_err(|_| InferenceError::OutputTooLarge)?,
			text: GeneratedText::try_from(text.into_bytes())
				.map_err(|_| InferenceError::OutputTooLarge)?,
			stop,
		})
	}

	/// Checks a claimed answer with one pass over the prompt and the answer's tokens (see the
	/// module docs): every claimed token must be what [`sample`] chooses from the logits before
	/// it, and generation must have stopped where it did. Returns the first mismatch, if any;
	/// [`CheckError::Malformed`] if no generation could have produced the claim.
	pub fn check(
		&self,
		prompt: &[u32],
		claimed: &[u32],
		max_new: u32,
		sampling: &Sampling,
		nonce: &Nonce,
	) -> Result<Option<Mismatch>, CheckError> {
		let malformed = |why| Err(CheckError::Malformed(why));
		if prompt.is_empty() || claimed.is_empty() {
			return malformed(Malformed::Empty);
		}
		if claimed.len() > max_new as usize {
			return malformed(Malformed::TooLong);
		}
		if claimed.iter().any(|t| *t as usize >= self.hyper.vocab) {
			return malformed(Malformed::UnknownToken);
		}
		match claimed.iter().position(|t| self.is_stop(*t)) {
			Some(at) if at + 1 != claimed.len() => return malformed(Malformed::AfterEnd),
			None if claimed.len() != max_new as usize => return malformed(Malformed::EndedEarly),
			_ => {}
		}
		let mut all = prompt.to_vec();
		all.extend_from_slice(&claimed[..claimed.len() - 1]);
		let hidden = self.forward(&all, &mut self.cache())?;
		let (h, vocab) = (self.hyper.hidden, self.hyper.vocab);
		let answer = &hidden[(prompt.len() - 1) * h..];
		// The logits of several rows at once (each row's bits are its own: rows are
		// independent), so that each block of the output weights serves all of them.
		for (chunk, rows) in answer.chunks(CHECK_ROWS * h).enumerate() {
			let logits = self.logits(rows)?;
			for (r, row) in logits.chunks_exact(vocab).enumerate() {
				let step = chunk * CHECK_ROWS + r;
				let expected = sample(row, sampling, nonce, step as u32);
				if expected != claimed[step] {
					return Ok(Some(Mismatch { step, claimed: claimed[step], expected }));
				}
			}
		}
		Ok(None)
	}
}

/// The trace leaf of one generated token: [`tensor_hash`] of its logits (`f32`, `[vocab]`).
fn logits_hash(logits: &[f32]) -> opg_primitives::H256 {
	let len = u32::try_from(logits.len()).unwrap_or(u32::MAX);
	tensor_hash(TensorDType::F32, &[len], &f32_bytes(logits))
}

/// A [`Llama`] served as a `TextGeneration` model: its GGUF file and its bounds.
pub struct TextGenerator {
	llama: Llama,
	schema: IoSchema,
	max_prompt_tokens: u32,
}

/// Loads a `TextGeneration` bundle: `config.json` ([`TextGenerationConfig`]) and `model.gguf`.
pub fn load(view: &BundleView, options: &LoadOptions) -> Result<Arc<dyn Model>, InferenceError> {
	let config = view.file(CONFIG_FILE).ok_or_else(|| corrupt("no config.json"))?;
	let config = TextGenerationConfig::from_json(config).map_err(corrupt)?;
	let gguf = view.file(GGUF_FILE).ok_or_else(|| corrupt("no model.gguf"))?;
	let llama = Llama::from_gguf(gguf, options.isa)?;
	let schema = config.schema();
	schema.validate().map_err(|e| corrupt(format!("config.json: {e}")))?;
	let longest = config.max_prompt_tokens as usize + config.max_new_tokens as usize;
	if config.max_prompt_bytes > MAX_TEXT_BYTES || longest > llama.hyper.context {
		return Err(corrupt(format!(
			"config.json: {longest} tokens of prompt and answer, the model's context is {}",
			llama.hyper.context
		)));
	}
	Ok(Arc::new(TextGenerator { llama, schema, max_prompt_tokens: config.max_prompt_tokens }))
}

impl TextGenerator {
	/// The model.
	pub fn llama(&self) -> &Llama {
		&self.llama
	}

	/// The prompt's tokens, refused beyond the model's bound.
	fn prompt_tokens(&self, prompt: &Prompt) -> Result<Vec<u32>, InferenceError> {
		let text = core::str::from_utf8(&prompt.text).map_err(|_| SchemaError::InvalidUtf8)?;
		let tokens = self.llama.encode_prompt(text, prompt.chat)?;
		if tokens.is_empty() {
			return Err(SchemaError::EmptyBatch.into());
		}
		if tokens.len() > self.max_prompt_tokens as usize {
			return Err(InferenceError::InputTooLarge);
		}
		Ok(tokens)
	}
}

impl Model for TextGenerator {
	fn kind(&self) -> ModelKind {
		ModelKind::TextGeneration
	}

	fn schema(&self) -> &IoSchema {
		&self.schema
	}

	fn weight_bytes(&self) -> u64 {
		self.llama.weight_bytes()
	}

	fn forward(&self, _: &InferenceInput, _: &mut Trace) -> Result<Output, InferenceError> {
		Err(SchemaError::ExpectedPrompt.into())
	}

	fn generate(
		&self,
		prompt: &Prompt,
		nonce: &Nonce,
		trace: &mut Trace,
	) -> Result<Generation, InferenceError> {
		let tokens = self.prompt_tokens(prompt)?;
		let (max_new, sampling) = (prompt.max_new_tokens, &prompt.sampling);
		self.llama.generate(&tokens, max_new, sampling, nonce, trace, |_| true)
	}

	/// One pass over the prompt and the answer's tokens ([`Llama::check`]), then the answer's
	/// prompt length, stop reason and text against what those tokens make.
	fn check_generation(
		&self,
		prompt: &Prompt,
		nonce: &Nonce,
		answer: &Generation,
	) -> Result<bool, InferenceError> {
		let tokens = self.prompt_tokens(prompt)?;
		if answer.prompt_tokens as usize != tokens.len() {
			return Ok(false);
		}
		let (max_new, sampling) = (prompt.max_new_tokens, &prompt.sampling);
		match self.llama.check(&tokens, &answer.tokens, max_new, sampling, nonce) {
			Ok(Some(mismatch)) => {
				log::debug!(target: "opg-inference", "generated answer differs: {mismatch:?}");
				return Ok(false);
			}
			Ok(None) => {}
			Err(CheckError::Malformed(why)) => {
				log::debug!(target: "opg-inference", "generated answer malformed: {why:?}");
				return Ok(false);
			}
			Err(CheckError::Engine(e)) => return Err(e),
		}
		let ended = answer.tokens.last().is_some_and(|t| self.llama.is_stop(*t));
		let stop = if ended { StopReason::EndToken } else { StopReason::MaxTokens };
		let text = self.llama.decode(&answer.tokens)?;
		Ok(answer.stop == stop && answer.text[..] == *text.as_bytes())
	}
}

/// Rows of logits [`Llama::check`] computes at once (16 × the vocabulary's floats: 3 MiB for
/// SmolLM2).
const CHECK_ROWS: usize = 16;

/// `x · wᵀ` with the outputs split across the current pool by weight rows.
fn qlinear(isa: Isa, x: &QRows, w: &QMatrix) -> Result<Vec<f32>, InferenceError> {
	let (m, n) = (x.rows(), w.rows());
	let mut out = vec![0f32; m * n];
	if !in_pool() || n < 64 {
		quant::qlinear(isa, x, w, 0, &mut out).map_err(shape)?;
		return Ok(out);
	}
	let tasks = rayon::current_num_threads().max(1) * 4;
	let cols = n.div_ceil(tasks).next_multiple_of(8);
	if m == 1 {
		out.par_chunks_mut(cols)
			.enumerate()
			.try_for_each(|(c, out)| quant::qlinear(isa, x, w, c * cols, out))
			.map_err(shape)?;
		return Ok(out);
	}
	let parts = (0..n.div_ceil(cols))
		.into_par_iter()
		.map(|c| {
			let width = cols.min(n - c * cols);
			let mut part = vec![0f32; m * width];
			quant::qlinear(isa, x, w, c * cols, &mut part).map(|()| (c * cols, width, part))
		})
		.collect::<Result<Vec<_>, _>>()
		.map_err(shape)?;
	for (j0, width, part) in parts {
		for (i, row) in part.chunks_exact(width).enumerate() {
			out[i * n + j0..i * n + j0 + width].copy_from_slice(row);
		}
	}
	Ok(out)
}

/// The next token from one row of logits (see [`Sampling`] and the module docs).
///
/// Greedy (temperature 0): the lowest id among the largest logits (NaN counts as `−∞`).
/// Otherwise, with `T = temperature_milli / 1000`: `z_i = logit_i / T`; candidates sorted by
/// `z` descending, then id ascending, cut to `top_k`; `e_i = exp(z_i − z_max)`
/// ([`opg_kernels::math::exp`]) and their sum `s` in that order; `p_i = e_i / s`; cut to the
/// shortest prefix whose running sum (in order) reaches `top_p`; a draw `u` in `[0, 1)` (the top
/// 24 bits of the first 8 bytes, little-endian, of blake2-256 of `"opg/sample"`, the seed
/// (`u64` LE), the nonce and the step (`u32` LE), over `2²⁴`) times the kept prefix's running
/// sum `c`; the token is the first whose running sum exceeds `u × c` (the last if none).
///
/// An empty row (no model produces one) gives token 0.
pub fn sample(logits: &[f32], sampling: &Sampling, nonce: &Nonce, step: u32) -> u32 {
	if logits.is_empty() {
		return 0;
	}
	let value = |x: f32| if x.is_nan() { f32::NEG_INFINITY } else { x };
	if sampling.temperature_milli == 0 {
		let mut best = 0usize;
		for (i, x) in logits.iter().enumerate() {
			if value(*x) > value(logits[best]) {
				best = i;
			}
		}
		return best as u32;
	}
	let t = sampling.temperature_milli as f32 / 1000.0;
	let mut z: Vec<(f32, u32)> =
		logits.iter().enumerate().map(|(i, x)| (value(*x) / t, i as u32)).collect();
	let order = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
	let k = match sampling.top_k as usize {
		0 => z.len(),
		k => k.min(z.len()),
	};
	if k < z.len() {
		z.select_nth_unstable_by(k - 1, order);
		z.truncate(k);
	}
	z.sort_unstable_by(order);
	let max = z[0].0;
	let e: Vec<f32> = z.iter().map(|(v, _)| opg_kernels::math::exp(*v - max)).collect();
	let s = e.iter().fold(0f32, |s, e| s + *e);
	let top_p = match sampling.top_p_milli {
		0 | 1000.. => f32::INFINITY,
		p => p as f32 / 1000.0,
	};
	let mut running = Vec::with_capacity(e.len());
	let mut c = 0f32;
	for e in &e {
		c += *e / s;
		running.push(c);
		if c >= top_p {
			break;
		}
	}
	let mut seed = Vec::with_capacity(54);
	seed.extend_from_slice(b"opg/sample");
	seed.extend_from_slice(&sampling.seed.to_le_bytes());
	seed.extend_from_slice(nonce);
	seed.extend_from_slice(&step.to_le_bytes());
	let hash = Blake2b::<U32>::digest(&seed);
	let bits = u64::from_le_bytes([
		hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7],
	]);
	let u = (bits >> 40) as f32 / 16_777_216.0;
	let target = u * c;
	let chosen = running.iter().position(|r| *r > target).unwrap_or(running.len() - 1);
	z[chosen].1
}

/// Renders one user message with a Jinja chat template (`add_generation_prompt` set).
fn render_chat(template: &str, prompt: &str) -> Result<String, InferenceError> {
	let mut env = minijinja::Environment::new();
	env.add_template("chat", template).map_err(corrupt)?;
	let messages = vec![minijinja::context! { role => "user", content => prompt }];
	env.get_template("chat")
		.and_then(|t| t.render(minijinja::context! { messages, add_generation_prompt => true }))
		.map_err(corrupt)
}

/// The byte-level BPE tokenizer of a GGUF file (`tokenizer.ggml.model = gpt2`), and its control
/// tokens (the stop tokens).
fn tokenizer(meta: &Meta) -> Result<(Tokenizer, Vec<u32>), InferenceError> {
	let model = meta.string("tokenizer.ggml.model")?;
	if model != "gpt2" {
		return Err(corrupt(format!("tokenizer model {model:?}, expected gpt2 (byte-level BPE)")));
	}
	let tokens = meta.strings("tokenizer.ggml.tokens")?;
	let merges = meta
		.strings("tokenizer.ggml.merges")?
		.into_iter()
		.map(|m| {
			m.split_once(' ')
				.map(|(a, b)| (a.to_owned(), b.to_owned()))
				.ok_or_else(|| corrupt(format!("merge {m:?}")))
		})
		.collect::<Result<Vec<_>, _>>()?;
	let vocab: tokenizers::models::bpe::Vocab =
		tokens.iter().enumerate().map(|(i, t)| (t.to_string(), i as u32)).collect();
	let bpe = BPE::builder().vocab_and_merges(vocab, merges).build().map_err(corrupt)?;
	let mut tokenizer = Tokenizer::new(bpe);
	let pre = meta.string("tokenizer.ggml.pre").unwrap_or("default");
	let byte_level = ByteLevel::new(false, true, true);
	match pre {
		"smollm" => tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
			Digits::new(true).into(),
			byte_level.into(),
		]))),
		"gpt2" | "default" => tokenizer.with_pre_tokenizer(Some(byte_level)),
		other => return Err(corrupt(format!("pre-tokenizer {other:?} is not supported"))),
	};
	tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
	let types = meta.i32s("tokenizer.ggml.token_type")?;
	let control: Vec<u32> =
		types.iter().enumerate().filter(|(_, t)| **t == 3).map(|(i, _)| i as u32).collect();
	let special: Vec<AddedToken> =
		control.iter().map(|i| AddedToken::from(tokens[*i as usize].to_string(), true)).collect();
	tokenizer.add_special_tokens(&special);
	Ok((tokenizer, control))
}

/// Typed reads of GGUF metadata.
struct Meta<'a>(&'a std::collections::HashMap<String, gguf_file::Value>);

impl Meta<'_> {
	fn get(&self, key: &str) -> Result<&gguf_file::Value, InferenceError> {
		self.0.get(key).ok_or_else(|| corrupt(format!("GGUF metadata has no {key}")))
	}

	fn string(&self, key: &str) -> Result<&str, InferenceError> {
		self.get(key)?.to_string().map(String::as_str).map_err(corrupt)
	}

	fn u32(&self, key: &str) -> Result<u32, InferenceError> {
		self.get(key)?.to_u32().map_err(corrupt)
	}

	fn usize(&self, key: &str) -> Result<usize, InferenceError> {
		usize::try_from(self.u32(key)?).map_err(corrupt)
	}

	fn f32(&self, key: &str) -> Result<f32, InferenceError> {
		self.get(key)?.to_f32().map_err(corrupt)
	}

	fn bool(&self, key: &str) -> Result<bool, InferenceError> {
		self.get(key)?.to_bool().map_err(corrupt)
	}

	fn strings(&self, key: &str) -> Result<Vec<&str>, InferenceError> {
		self.get(key)?
			.to_vec()
			.map_err(corrupt)?
			.iter()
			.map(|v| v.to_string().map(String::as_str).map_err(corrupt))
			.collect()
	}

	fn i32s(&self, key: &str) -> Result<Vec<i32>, InferenceError> {
		self.get(key)?
			.to_vec()
			.map_err(corrupt)?
			.iter()
			.map(|v| v.to_i32().map_err(corrupt))
			.collect()
	}
}

/// The tensors of a GGUF file, read in place from its bytes.
struct Tensors<'a> {
	content: &'a gguf_file::Content,
	bytes: &'a [u8],
}

impl Tensors<'_> {
	fn raw(
		&self,
		name: &str,
		rows: usize,
		cols: usize,
	) -> Result<(GgmlDType, &[u8]), InferenceError> {
		let info = self
			.content
			.tensor_infos
			.get(name)
			.ok_or_else(|| corrupt(format!("no tensor {name}")))?;
		let dims = info.shape.dims();
		let want: &[usize] = if rows == 1 { &[cols] } else { &[rows, cols] };
		if dims != want {
			return Err(corrupt(format!("{name}: shape {dims:?}, expected {want:?}")));
		}
		let dtype = info.ggml_dtype;
		let size = rows * cols / dtype.block_size() * dtype.type_size();
		let start = usize::try_from(self.content.tensor_data_offset.saturating_add(info.offset))
			.map_err(corrupt)?;
		let data = self
			.bytes
			.get(start..start.saturating_add(size))
			.ok_or_else(|| corrupt(format!("{name}: data past the end of the file")))?;
		Ok((dtype, data))
	}

	fn quantized(&self, name: &str, rows: usize, cols: usize) -> Result<QMatrix, InferenceError> {
		let (dtype, data) = self.raw(name, rows, cols)?;
		let format = match dtype {
			GgmlDType::Q4_1 => QFormat::Q4_1,
			GgmlDType::Q8_0 => QFormat::Q8_0,
			other => return Err(corrupt(format!("{name}: {other:?} weights are not supported"))),
		};
		QMatrix::from_blocks(format, rows, cols, data)
			.map_err(|_| corrupt(format!("{name}: blocks")))
	}

	fn floats(&self, name: &str, len: usize) -> Result<Vec<f32>, InferenceError> {
		let (dtype, data) = self.raw(name, 1, len)?;
		if dtype != GgmlDType::F32 {
			return Err(corrupt(format!("{name}: {dtype:?}, expected F32")));
		}
		Ok(data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
	}
}
