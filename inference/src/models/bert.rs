//! `BertEmbedding`: a BERT encoder producing sentence embeddings, as sentence-transformers'
//! `Transformer → Pooling(mean) → Normalize` pipeline does (all-MiniLM-L6-v2 and its kin).
//!
//! Bundle files: `config.json` (Hugging Face `BertConfig`), `model.safetensors` (tensor names as
//! Hugging Face `BertModel` saves them, with or without a `bert.` prefix) and `tokenizer.json`.
//!
//! Layers follow candle-transformers' `bert.rs` (and the Hugging Face reference): embeddings
//! (word + position + token type, LayerNorm), then per layer self-attention (+ residual,
//! LayerNorm) and a GELU feed-forward block (+ residual, LayerNorm). Then the mean over the real
//! (unpadded) tokens and L2 normalisation. Trace leaves: the embeddings' output, each layer's
//! output, the pooled vectors, the normalised vectors.
//!
//! Tokens: the tokenizer's own padding and truncation are switched off and replaced by an
//! explicit rule. The sequence length `L` is the tokenizer's truncation length if it has one
//! (128 for MiniLM), else 128, at most `max_position_embeddings`. A text of more than `L` tokens
//! is refused with [`InferenceError::InputTooLarge`] (never silently truncated). In deterministic
//! mode every sequence is padded to `L`, so a text's embedding never depends on the other texts
//! of its batch; otherwise a batch is padded to its longest text (faster, and the embeddings
//! differ in the last bits with the padding).

use std::sync::Arc;

use candle_core::{DType, Device, Module, Tensor, D};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use opg_primitives::{
	bundle::{BundleView, CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE},
	tensor::{MAX_TEXT_BATCH, MAX_TEXT_BYTES},
	Dim, InferenceError, InferenceInput, InputSchema, IoSchema, ModelKind, SchemaError,
	TensorDType, TensorSchema,
};
use serde::Deserialize;
use tokenizers::Tokenizer;

use super::{LoadOptions, Model, Trace};
use crate::error::{corrupt, internal};

/// The sequence length used when the tokenizer names none.
pub const DEFAULT_SEQ_LEN: usize = 128;

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

struct Embeddings {
	word: Embedding,
	position: Embedding,
	token_type: Embedding,
	norm: LayerNorm,
}

impl Embeddings {
	fn load(vb: VarBuilder, cfg: &BertConfig) -> candle_core::Result<Self> {
		Ok(Embeddings {
			word: candle_nn::embedding(cfg.vocab_size, cfg.hidden_size, vb.pp("word_embeddings"))?,
			position: candle_nn::embedding(
				cfg.max_position_embeddings,
				cfg.hidden_size,
				vb.pp("position_embeddings"),
			)?,
			token_type: candle_nn::embedding(
				cfg.type_vocab_size,
				cfg.hidden_size,
				vb.pp("token_type_embeddings"),
			)?,
			norm: candle_nn::layer_norm(cfg.hidden_size, cfg.layer_norm_eps, vb.pp("LayerNorm"))?,
		})
	}

	fn forward(&self, ids: &Tensor, type_ids: &Tensor) -> candle_core::Result<Tensor> {
		let seq_len = ids.dim(1)?;
		let positions = Tensor::arange(0u32, seq_len as u32, ids.device())?;
		let x = self.word.forward(ids)?.broadcast_add(&self.token_type.forward(type_ids)?)?;
		let x = x.broadcast_add(&self.position.forward(&positions)?)?;
		self.norm.forward(&x)
	}
}

struct Layer {
	query: Linear,
	key: Linear,
	value: Linear,
	attention_out: Linear,
	attention_norm: LayerNorm,
	intermediate: Linear,
	output: Linear,
	output_norm: LayerNorm,
	heads: usize,
	head_size: usize,
	gelu: bool,
}

impl Layer {
	fn load(vb: VarBuilder, cfg: &BertConfig) -> candle_core::Result<Self> {
		let (h, i) = (cfg.hidden_size, cfg.intermediate_size);
		let attention = vb.pp("attention");
		let this = attention.pp("self");
		Ok(Layer {
			query: candle_nn::linear(h, h, this.pp("query"))?,
			key: candle_nn::linear(h, h, this.pp("key"))?,
			value: candle_nn::linear(h, h, this.pp("value"))?,
			attention_out: candle_nn::linear(h, h, attention.pp("output").pp("dense"))?,
			attention_norm: candle_nn::layer_norm(
				h,
				cfg.layer_norm_eps,
				attention.pp("output").pp("LayerNorm"),
			)?,
			intermediate: candle_nn::linear(h, i, vb.pp("intermediate").pp("dense"))?,
			output: candle_nn::linear(i, h, vb.pp("output").pp("dense"))?,
			output_norm: candle_nn::layer_norm(
				h,
				cfg.layer_norm_eps,
				vb.pp("output").pp("LayerNorm"),
			)?,
			heads: cfg.num_attention_heads,
			// `validate` checked that the heads divide `hidden_size` (so there is at least one).
			head_size: h.checked_div(cfg.num_attention_heads).unwrap_or(h),
			gelu: cfg.hidden_act == "gelu",
		})
	}

	/// `(batch, seq, heads·head_size)` → `(batch, heads, seq, head_size)`.
	fn split_heads(&self, x: &Tensor) -> candle_core::Result<Tensor> {
		let (b, s, _) = x.dims3()?;
		x.reshape((b, s, self.heads, self.head_size))?.transpose(1, 2)?.contiguous()
	}

	fn forward(&self, x: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
		let q = self.split_heads(&self.query.forward(x)?)?;
		let k = self.split_heads(&self.key.forward(x)?)?;
		let v = self.split_heads(&self.value.forward(x)?)?;
		let scale = 1.0 / (self.head_size as f64).sqrt();
		let scores = q.matmul(&k.t()?.contiguous()?)?.affine(scale, 0.0)?.broadcast_add(mask)?;
		let probs = candle_nn::ops::softmax_last_dim(&scores)?;
		let context = probs.matmul(&v)?.transpose(1, 2)?.contiguous()?.flatten_from(D::Minus2)?;
		let attended =
			self.attention_norm.forward(&self.attention_out.forward(&context)?.add(x)?)?;
		let hidden = self.intermediate.forward(&attended)?;
		let hidden = if self.gelu { hidden.gelu_erf()? } else { hidden.relu()? };
		self.output_norm.forward(&self.output.forward(&hidden)?.add(&attended)?)
	}
}

/// A loaded BERT sentence embedder.
pub struct BertEmbedder {
	embeddings: Embeddings,
	layers: Vec<Layer>,
	tokenizer: Tokenizer,
	seq_len: usize,
	deterministic: bool,
	schema: IoSchema,
	weight_bytes: u64,
}

/// Loads a BERT embedder from its bundle.
pub fn load(view: &BundleView, options: &LoadOptions) -> Result<Arc<dyn Model>, InferenceError> {
	let config_bytes = view.file(CONFIG_FILE).ok_or_else(|| corrupt("no config.json"))?;
	let cfg: BertConfig = serde_json::from_slice(config_bytes).map_err(corrupt)?;
	cfg.validate().map_err(corrupt)?;

	let tokenizer_bytes = view.file(TOKENIZER_FILE).ok_or_else(|| corrupt("no tokenizer.json"))?;
	let mut tokenizer = Tokenizer::from_bytes(tokenizer_bytes).map_err(corrupt)?;
	let seq_len = tokenizer
		.get_truncation()
		.map(|t| t.max_length)
		.unwrap_or(DEFAULT_SEQ_LEN)
		.clamp(2, cfg.max_position_embeddings);
	tokenizer.with_padding(None);
	tokenizer.with_truncation(None).map_err(corrupt)?;

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
		output: TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(hidden)])
			.ok_or_else(|| corrupt("schema"))?,
		max_batch: options.max_batch.clamp(1, MAX_TEXT_BATCH),
	};
	// All weights are kept (as f32, the checkpoint's dtype here): the file size is their footprint.
	let weight_bytes = u64::try_from(weights.len()).unwrap_or(u64::MAX);
	Ok(Arc::new(BertEmbedder {
		embeddings,
		layers,
		tokenizer,
		seq_len,
		deterministic: options.deterministic,
		schema,
		weight_bytes,
	}))
}

impl BertEmbedder {
	/// Token ids, token types and attention mask, `(batch, L)` each, per the padding rule.
	fn tokenize(&self, texts: &[&str]) -> Result<(Tensor, Tensor, Tensor), InferenceError> {
		let mut rows = Vec::with_capacity(texts.len());
		for text in texts {
			let encoding = self.tokenizer.encode(*text, true).map_err(internal)?;
			if encoding.get_ids().len() > self.seq_len {
				return Err(InferenceError::InputTooLarge);
			}
			rows.push(encoding);
		}
		let longest = rows.iter().map(|e| e.get_ids().len()).max().unwrap_or(0);
		let len = if self.deterministic { self.seq_len } else { longest.max(1) };
		let batch = rows.len();
		let mut ids = Vec::with_capacity(batch.saturating_mul(len));
		let mut types = Vec::with_capacity(ids.capacity());
		let mut mask = Vec::with_capacity(ids.capacity());
		for row in &rows {
			let pad = len.saturating_sub(row.get_ids().len());
			ids.extend(row.get_ids().iter().copied().chain(std::iter::repeat_n(0, pad)));
			types.extend(row.get_type_ids().iter().copied().chain(std::iter::repeat_n(0, pad)));
			mask.extend(
				row.get_attention_mask()
					.iter()
					.map(|m| *m as f32)
					.chain(std::iter::repeat_n(0.0, pad)),
			);
		}
		let device = Device::Cpu;
		let tensor = |v: Vec<u32>| Tensor::from_vec(v, (batch, len), &device);
		Ok((
			tensor(ids).map_err(internal)?,
			tensor(types).map_err(internal)?,
			Tensor::from_vec(mask, (batch, len), &device).map_err(internal)?,
		))
	}

	fn encode(&self, texts: &[&str], trace: &mut Trace) -> Result<Tensor, InferenceError> {
		let (ids, types, mask) = self.tokenize(texts)?;
		let (batch, len) = mask.dims2().map_err(internal)?;
		// Additive attention mask: 0 for real tokens, f32::MIN for padding, (batch, 1, 1, L).
		let additive = mask
			.ones_like()
			.and_then(|ones| ones.sub(&mask))
			.and_then(|padding| padding.affine(f64::from(f32::MIN), 0.0))
			.and_then(|m| m.reshape((batch, 1, 1, len)))
			.map_err(internal)?;
		let mut x = self.embeddings.forward(&ids, &types).map_err(internal)?;
		trace.record(&x)?;
		for layer in &self.layers {
			x = layer.forward(&x, &additive).map_err(internal)?;
			trace.record(&x)?;
		}
		// Mean over real tokens, then L2 normalisation (eps 1e-12, as torch's F.normalize).
		let pooled = (|| -> candle_core::Result<Tensor> {
			let weights = mask.unsqueeze(2)?;
			let summed = x.broadcast_mul(&weights)?.sum(1)?;
			summed.broadcast_div(&weights.sum(1)?)
		})()
		.map_err(internal)?;
		trace.record(&pooled)?;
		let normalized = (|| -> candle_core::Result<Tensor> {
			let norm = pooled.sqr()?.sum_keepdim(1)?.sqrt()?.maximum(1e-12)?;
			pooled.broadcast_div(&norm)
		})()
		.map_err(internal)?;
		trace.record(&normalized)?;
		Ok(normalized)
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

	fn forward(&self, input: &InferenceInput, trace: &mut Trace) -> Result<Tensor, InferenceError> {
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
	/// The fixed sequence length `L` (see the module docs).
	pub fn seq_len(&self) -> usize {
		self.seq_len
	}
}
