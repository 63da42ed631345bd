//! `BertEmbedding`: a BERT encoder producing sentence embeddings, as sentence-transformers'
//! `Transformer → Pooling(mean) → Normalize` pipeline does (all-MiniLM-L6-v2 and its kin).
//!
//! Bundle files: `config.json` (Hugging Face `BertConfig`), `model.safetensors` (tensor names as
//! Hugging Face `BertModel` saves them, with or without a `bert.` prefix), `tokenizer.json` and
//! `sentence_bert_config.json` (sentence-transformers' `max_seq_length`).
//!
//! Layers follow the Hugging Face reference: embeddings ((word + token type) + position,
//! LayerNorm), then per layer self-attention (+ residual, LayerNorm) and a GELU (erf) or ReLU
//! feed-forward block (+ residual, LayerNorm); then the mean over each text's tokens and L2
//! normalisation. All arithmetic is the canonical kernels' ([`opg_kernels::ops`]).
//!
//! **Tokens, without padding.** A batch's texts are packed one after another (`[tokens,
//! hidden]`, no padding) and each text attends only to its own tokens, so a text's embedding is
//! computed by exactly the operations it would be alone: a function of the text, never of its
//! batch or of a padding length. A text longer than `max_seq_length` tokens (256 for
//! all-MiniLM-L6-v2) is truncated to it, keeping the first tokens and `[SEP]`, as
//! sentence-transformers does, so every text the chain accepts (bounded in bytes) runs.
//!
//! Trace leaves: the embeddings' output and each layer's output (`[tokens, hidden]`, the packed
//! rows of every text), the pooled vectors and the normalised vectors (`[texts, hidden]`).

#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	reason = "token spans and head offsets: spans tile the packed tokens (built by `tokenize`), \
	          heads divide the hidden width (`BertConfig::validate`), and every kernel checks its \
	          slices; a panic would still be caught by the engine and reported as `Internal`"
)]

use std::sync::Arc;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use opg_kernels::{ops, Isa};
use opg_primitives::{
	bundle::{BundleView, CONFIG_FILE, SENTENCE_CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE},
	tensor::{MAX_TEXT_BATCH, MAX_TEXT_BYTES},
	Dim, InferenceError, InferenceInput, InputSchema, IoSchema, ModelKind, SchemaError,
	TensorDType, OutputSchema, TensorSchema,
};
use serde::Deserialize;
use rayon::prelude::*;
use tokenizers::Tokenizer;

use super::{text_tokenizer, LoadOptions, Model, Output, Trace};
use crate::{
	canonical::{in_pool, par_rows_mut, shape, weights, Dense, Norm},
	error::{corrupt, internal},
};

/// The fields of a Hugging Face `BertConfig` this implementation reads (others are ignored).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct BertConfig {
	/// Tokens in the vocabulary.
	pub vocab_size: usize,
	/// Width of every hidden state.
	pub hidden_size: usize,
	/// Encoder layers.
	pub num_hidden_layers: usize,
	/// Attention heads per layer (dividing `hidden_size`).
	pub num_attention_heads: usize,
	/// Width of the feed-forward block.
	pub intermediate_size: usize,
	/// The feed-forward activation: `gelu` (exact, erf-based) or `relu`.
	pub hidden_act: String,
	/// Positions the model has embeddings for.
	pub max_position_embeddings: usize,
	/// Token types (segments).
	pub type_vocab_size: usize,
	/// LayerNorm epsilon.
	pub layer_norm_eps: f64,
	/// Only `absolute` is supported.
	#[serde(default = "absolute")]
	pub position_embedding_type: String,
}

fn absolute() -> String {
	"absolute".into()
}

impl BertConfig {
	fn validate(&self) -> Result<(), String> {
		let in_range = |v: usize, max: usize| (1..=max).contains(&v);
		if !in_range(self.hidden_size, 8192)
			|| !in_range(self.num_hidden_layers, 96)
			|| !in_range(self.num_attention_heads, 256)
			|| self.hidden_size.checked_rem(self.num_attention_heads) != Some(0)
			|| !in_range(self.intermediate_size, 65536)
			|| !in_range(self.vocab_size, 1 << 20)
			|| !in_range(self.max_position_embeddings, 8192)
			|| !in_range(self.type_vocab_size, 16)
		{
			return Err("BERT config out of range".into());
		}
		if self.position_embedding_type != "absolute" {
			return Err(format!(
				"position embeddings {:?} unsupported",
				self.position_embedding_type
			));
		}
		if !matches!(self.hidden_act.as_str(), "gelu" | "relu") {
			return Err(format!("activation {:?} unsupported", self.hidden_act));
		}
		Ok(())
	}
}

/// The embeddings block: word, position and token-type tables and their LayerNorm.
struct Embeddings {
	word: Vec<f32>,
	position: Vec<f32>,
	token_type: Vec<f32>,
	norm: Norm,
}

impl Embeddings {
	fn load(vb: VarBuilder, cfg: &BertConfig) -> candle_core::Result<Self> {
		let h = cfg.hidden_size;
		let table = |rows: usize, name: &str| weights(vb.pp(name).get((rows, h), "weight")?);
		Ok(Embeddings {
			word: table(cfg.vocab_size, "word_embeddings")?,
			position: table(cfg.max_position_embeddings, "position_embeddings")?,
			token_type: table(cfg.type_vocab_size, "token_type_embeddings")?,
			norm: Norm::load(vb.pp("LayerNorm"), h, cfg.layer_norm_eps)?,
		})
	}
}

/// One encoder layer.
struct Layer {
	/// Query, key and value stacked: `[3·hidden, hidden]`.
	qkv: Dense,
	attention_out: Dense,
	attention_norm: Norm,
	intermediate: Dense,
	output: Dense,
	output_norm: Norm,
}

impl Layer {
	fn load(vb: VarBuilder, cfg: &BertConfig) -> candle_core::Result<Self> {
		let (h, i) = (cfg.hidden_size, cfg.intermediate_size);
		let attention = vb.pp("attention");
		let this = attention.pp("self");
		let qkv = [
			Dense::load(this.pp("query"), h, h)?,
			Dense::load(this.pp("key"), h, h)?,
			Dense::load(this.pp("value"), h, h)?,
		];
		Ok(Layer {
			qkv: Dense::stack(&qkv)
				.ok_or_else(|| candle_core::Error::Msg("query/key/value do not stack".into()))?,
			attention_out: Dense::load(attention.pp("output").pp("dense"), h, h)?,
			attention_norm: Norm::load(
				attention.pp("output").pp("LayerNorm"),
				h,
				cfg.layer_norm_eps,
			)?,
			intermediate: Dense::load(vb.pp("intermediate").pp("dense"), h, i)?,
			output: Dense::load(vb.pp("output").pp("dense"), i, h)?,
			output_norm: Norm::load(vb.pp("output").pp("LayerNorm"), h, cfg.layer_norm_eps)?,
		})
	}

	fn bytes(&self) -> u64 {
		[&self.qkv, &self.attention_out, &self.intermediate, &self.output]
			.iter()
			.map(|d| d.bytes())
			.fold(0, u64::saturating_add)
	}
}

/// A loaded BERT sentence embedder.
pub struct BertEmbedder {
	embeddings: Embeddings,
	layers: Vec<Layer>,
	tokenizer: Tokenizer,
	seq_len: usize,
	hidden: usize,
	heads: usize,
	gelu: bool,
	isa: Isa,
	schema: IoSchema,
	weight_bytes: u64,
}

/// Loads a BERT embedder from its bundle.
pub fn load(view: &BundleView, options: &LoadOptions) -> Result<Arc<dyn Model>, InferenceError> {
	let config_bytes = view.file(CONFIG_FILE).ok_or_else(|| corrupt("no config.json"))?;
	let cfg: BertConfig = serde_json::from_slice(config_bytes).map_err(corrupt)?;
	cfg.validate().map_err(corrupt)?;
	let sentence_bytes = view
		.file(SENTENCE_CONFIG_FILE)
		.ok_or_else(|| corrupt("no sentence_bert_config.json"))?;
	let sentence: SentenceConfig = serde_json::from_slice(sentence_bytes).map_err(corrupt)?;
	if !(2..=cfg.max_position_embeddings).contains(&sentence.max_seq_length) {
		return Err(corrupt(format!(
			"max_seq_length {} outside 2..={}",
			sentence.max_seq_length, cfg.max_position_embeddings
		)));
	}
	let seq_len = sentence.max_seq_length;

	let tokenizer_bytes = view.file(TOKENIZER_FILE).ok_or_else(|| corrupt("no tokenizer.json"))?;
	let tokenizer = text_tokenizer(tokenizer_bytes, seq_len)?;

	let weights = view.file(WEIGHTS_FILE).ok_or_else(|| corrupt("no model.safetensors"))?;
	let vb =
		VarBuilder::from_slice_safetensors(weights, DType::F32, &Device::Cpu).map_err(corrupt)?;
	let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
		vb.pp("bert")
	} else {
		vb
	};
	let embeddings = Embeddings::load(vb.pp("embeddings"), &cfg).map_err(corrupt)?;
	let layers = (0..cfg.num_hidden_layers)
		.map(|i| Layer::load(vb.pp("encoder").pp("layer").pp(i), &cfg))
		.collect::<candle_core::Result<Vec<_>>>()
		.map_err(corrupt)?;

	let hidden = u32::try_from(cfg.hidden_size).map_err(corrupt)?;
	let schema = IoSchema {
		input: InputSchema::Text { max_bytes: MAX_TEXT_BYTES },
		output: OutputSchema::Tensor(TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(hidden)])
			.ok_or_else(|| corrupt("schema"))?),
		max_batch: options.max_batch.clamp(1, MAX_TEXT_BATCH),
	};
	let tables = [&embeddings.word, &embeddings.position, &embeddings.token_type]
		.iter()
		.map(|t| u64::try_from(t.len()).unwrap_or(u64::MAX).saturating_mul(4))
		.fold(0, u64::saturating_add);
	let weight_bytes =
		layers.iter().map(Layer::bytes).fold(tables, u64::saturating_add);
	Ok(Arc::new(BertEmbedder {
		embeddings,
		layers,
		tokenizer,
		seq_len,
		hidden: cfg.hidden_size,
		heads: cfg.num_attention_heads,
		gelu: cfg.hidden_act == "gelu",
		isa: options.isa,
		schema,
		weight_bytes,
	}))
}

/// The fields of sentence-transformers' `sentence_bert_config.json` this implementation reads.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SentenceConfig {
	/// Tokens per text (with `[CLS]` and `[SEP]`); longer texts are truncated, as
	/// sentence-transformers truncates them.
	pub max_seq_length: usize,
}

/// A batch's tokens, packed one text after another.
struct Tokens {
	ids: Vec<u32>,
	types: Vec<u32>,
	spans: Vec<Span>,
}

/// The tokens of one text: where its rows start in the packed batch, and how many there are.
struct Span {
	start: usize,
	len: usize,
}

impl BertEmbedder {
	/// Token ids and token types of every text, packed one text after another, and each text's
	/// span (see the module docs: no padding, truncation at `max_seq_length`).
	fn tokenize(&self, texts: &[&str]) -> Result<Tokens, InferenceError> {
		let mut tokens = Tokens { ids: Vec::new(), types: Vec::new(), spans: Vec::new() };
		for text in texts {
			let encoding = self.tokenizer.encode(*text, true).map_err(internal)?;
			let len = encoding.get_ids().len();
			if len == 0 || len > self.seq_len {
				return Err(internal(format!("{len} tokens after truncation at {}", self.seq_len)));
			}
			tokens.spans.push(Span { start: tokens.ids.len(), len });
			tokens.ids.extend_from_slice(encoding.get_ids());
			tokens.types.extend_from_slice(encoding.get_type_ids());
		}
		Ok(tokens)
	}

	/// `x` (`[tokens, hidden]`) ← the embeddings of `ids`, `types` and positions, normalised.
	fn embed(&self, ids: &[u32], types: &[u32], spans: &[Span]) -> Result<Vec<f32>, InferenceError> {
		let (isa, h) = (self.isa, self.hidden);
		let e = &self.embeddings;
		let mut x = vec![0f32; ids.len().saturating_mul(h)];
		ops::gather(&e.word, h, ids, &mut x).map_err(|_| internal("token id out of range"))?;
		let mut t = vec![0f32; x.len()];
		ops::gather(&e.token_type, h, types, &mut t)
			.map_err(|_| internal("token type out of range"))?;
		let positions: Vec<u32> =
			spans.iter().flat_map(|s| (0..s.len).map(|p| p as u32)).collect();
		let mut p = vec![0f32; x.len()];
		ops::gather(&e.position, h, &positions, &mut p).map_err(shape)?;
		// ((word + token type) + position), then LayerNorm.
		ops::add_assign(isa, &mut x, &t).map_err(shape)?;
		ops::add_assign(isa, &mut x, &p).map_err(shape)?;
		e.norm.layer_norm(isa, &mut x)?;
		Ok(x)
	}

	/// Self-attention of every text and head: `[tokens, 3·hidden]` (queries, keys, values) →
	/// the context `[tokens, hidden]`.
	///
	/// Per text and head, with `q`, `k`, `v` its `[len, d]` slices: scores `q · kᵀ`
	/// ([`ops::linear`]) times `1 / sqrt(d)`, softmax over each row, context `p · v` (as
	/// `linear(p, vᵀ)`). No mask: a text attends to its own tokens only, as it would alone.
	fn attend(&self, qkv: &[f32], spans: &[Span]) -> Result<Vec<f32>, InferenceError> {
		let (isa, h, heads) = (self.isa, self.hidden, self.heads);
		let d = h / heads;
		let scale = 1.0 / opg_kernels::sqrt(d as f32);
		let jobs: Vec<(usize, usize)> =
			(0..spans.len()).flat_map(|s| (0..heads).map(move |head| (s, head))).collect();
		let context_of = |&(s, head): &(usize, usize)| -> Result<Vec<f32>, InferenceError> {
				let span = &spans[s];
				let rows = &qkv[span.start * 3 * h..(span.start + span.len) * 3 * h];
				let column = |part: usize| -> Vec<f32> {
					rows.chunks_exact(3 * h)
						.flat_map(|row| row[part * h + head * d..part * h + (head + 1) * d].iter())
						.copied()
						.collect()
				};
				let (q, k, v) = (column(0), column(1), column(2));
				let mut scores = vec![0f32; span.len * span.len];
				ops::linear(isa, &q, &k, None, &mut scores, d).map_err(shape)?;
				ops::scale(isa, &mut scores, scale);
				ops::softmax(isa, &mut scores, span.len).map_err(shape)?;
				let mut vt = vec![0f32; v.len()];
				ops::transpose(&v, d, &mut vt).map_err(shape)?;
				let mut context = vec![0f32; span.len * d];
				ops::linear(isa, &scores, &vt, None, &mut context, span.len).map_err(shape)?;
				Ok(context)
		};
		let contexts = if in_pool() {
			jobs.par_iter().map(context_of).collect::<Result<Vec<_>, _>>()?
		} else {
			jobs.iter().map(context_of).collect::<Result<Vec<_>, _>>()?
		};
		let tokens = qkv.len() / (3 * h);
		let mut out = vec![0f32; tokens * h];
		for (&(s, head), context) in jobs.iter().zip(&contexts) {
			let span = &spans[s];
			for (t, row) in context.chunks_exact(d).enumerate() {
				let at = (span.start + t) * h + head * d;
				out[at..at + d].copy_from_slice(row);
			}
		}
		Ok(out)
	}

	/// One encoder layer over the packed tokens, in place.
	fn layer(&self, layer: &Layer, x: &mut Vec<f32>, spans: &[Span]) -> Result<(), InferenceError> {
		let isa = self.isa;
		let qkv = layer.qkv.forward(isa, x)?;
		let context = self.attend(&qkv, spans)?;
		// attended = LayerNorm(context · Woᵀ + bo + x)
		let mut attended = layer.attention_out.forward(isa, &context)?;
		ops::add_assign(isa, &mut attended, x).map_err(shape)?;
		layer.attention_norm.layer_norm(isa, &mut attended)?;
		// x = LayerNorm(act(attended · W1ᵀ + b1) · W2ᵀ + b2 + attended)
		let mut hidden = layer.intermediate.forward(isa, &attended)?;
		let act = if self.gelu { ops::Activation::GeluErf } else { ops::Activation::Relu };
		par_rows_mut(&mut hidden, layer.intermediate.outputs(), |rows| {
			ops::activate(isa, rows, act);
			Ok(())
		})?;
		let mut out = layer.output.forward(isa, &hidden)?;
		ops::add_assign(isa, &mut out, &attended).map_err(shape)?;
		layer.output_norm.layer_norm(isa, &mut out)?;
		*x = out;
		Ok(())
	}

	fn encode(&self, texts: &[&str], trace: &mut Trace) -> Result<Output, InferenceError> {
		let (isa, h) = (self.isa, self.hidden);
		let Tokens { ids, types, spans } = self.tokenize(texts)?;
		let tokens = ids.len();
		let mut x = self.embed(&ids, &types, &spans)?;
		trace.record(&x, &[tokens, h])?;
		for layer in &self.layers {
			self.layer(layer, &mut x, &spans)?;
			trace.record(&x, &[tokens, h])?;
		}
		// Mean over each text's tokens, then L2 normalisation (eps 1e-12, as torch's F.normalize).
		let mut pooled = vec![0f32; spans.len() * h];
		for (span, out) in spans.iter().zip(pooled.chunks_exact_mut(h)) {
			ops::mean_rows(&x[span.start * h..(span.start + span.len) * h], h, out)
				.map_err(shape)?;
		}
		trace.record(&pooled, &[spans.len(), h])?;
		ops::l2_normalize(isa, &mut pooled, 1e-12, h).map_err(shape)?;
		trace.record(&pooled, &[spans.len(), h])?;
		Ok(Output { shape: vec![spans.len(), h], values: pooled })
	}
}

impl Model for BertEmbedder {
	fn kind(&self) -> ModelKind {
		ModelKind::BertEmbedding
	}

	fn schema(&self) -> &IoSchema {
		&self.schema
	}

	fn weight_bytes(&self) -> u64 {
		self.weight_bytes
	}

	fn forward(&self, input: &InferenceInput, trace: &mut Trace) -> Result<Output, InferenceError> {
		let InferenceInput::Text(texts) = input else {
			return Err(InferenceError::BadInput(SchemaError::ExpectedText));
		};
		let texts = texts
			.iter()
			.map(|t| std::str::from_utf8(t).map_err(|_| SchemaError::InvalidUtf8))
			.collect::<Result<Vec<_>, _>>()?;
		self.encode(&texts, trace)
	}
}

impl BertEmbedder {
	/// The most tokens of a text (its `max_seq_length`; see the module docs).
	pub fn seq_len(&self) -> usize {
		self.seq_len
	}
}
