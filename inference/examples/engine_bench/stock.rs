//! The stock candle path, kept for `engine_bench` only: the forward code of
//! `inference/src/models/{bert,mlp}.rs` as it was before the canonical kernels (commit 3f01cd1),
//! i.e. candle-nn `Linear` / `LayerNorm` / `Embedding`, candle's matmul (the `gemm` crate),
//! `softmax_last_dim` and `gelu_erf`: exactly that arithmetic, without the engine's store, trace,
//! schema checks or limits. Loaded from the same bundle files with
//! `VarBuilder::from_slice_safetensors`.
//!
//! Threads: candle's CPU matmul asks `gemm` for `RAYON_NUM_THREADS` threads (read from the
//! environment at every call, candle-core 0.11 `utils::get_num_threads`; 1 means no
//! parallelism), and gemm runs its tasks with `into_par_iter` in the *current* rayon pool. So the
//! caller sets `RAYON_NUM_THREADS` = T and runs this code inside `ThreadPool::install` of a
//! T-thread pool (engine_bench does both).

use candle_core::{DType, Device, Module, Tensor, D};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use serde_json::Value;
use tokenizers::Tokenizer;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn field(config: &Value, name: &str) -> Result<usize> {
	config[name]
		.as_u64()
		.and_then(|v| usize::try_from(v).ok())
		.ok_or_else(|| format!("config.json: no {name}").into())
}

struct Embeddings {
	word: Embedding,
	position: Embedding,
	token_type: Embedding,
	norm: LayerNorm,
}

impl Embeddings {
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
	fn load(
		vb: VarBuilder,
		h: usize,
		i: usize,
		heads: usize,
		eps: f64,
		gelu: bool,
	) -> Result<Self> {
		let attention = vb.pp("attention");
		let this = attention.pp("self");
		Ok(Layer {
			query: candle_nn::linear(h, h, this.pp("query"))?,
			key: candle_nn::linear(h, h, this.pp("key"))?,
			value: candle_nn::linear(h, h, this.pp("value"))?,
			attention_out: candle_nn::linear(h, h, attention.pp("output").pp("dense"))?,
			attention_norm: candle_nn::layer_norm(h, eps, attention.pp("output").pp("LayerNorm"))?,
			intermediate: candle_nn::linear(h, i, vb.pp("intermediate").pp("dense"))?,
			output: candle_nn::linear(i, h, vb.pp("output").pp("dense"))?,
			output_norm: candle_nn::layer_norm(h, eps, vb.pp("output").pp("LayerNorm"))?,
			heads,
			head_size: h / heads,
			gelu,
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

/// BERT → mean pooling over the real tokens → L2 normalisation, every text padded to `seq_len`
/// (the engine's deterministic mode).
pub struct Bert {
	embeddings: Embeddings,
	layers: Vec<Layer>,
	tokenizer: Tokenizer,
	seq_len: usize,
}

impl Bert {
	/// Loads `config.json`, `tokenizer.json` and `model.safetensors` of a model directory.
	pub fn load(dir: &std::path::Path) -> Result<Self> {
		let cfg: Value = serde_json::from_slice(&std::fs::read(dir.join("config.json"))?)?;
		let (h, i) = (field(&cfg, "hidden_size")?, field(&cfg, "intermediate_size")?);
		let heads = field(&cfg, "num_attention_heads")?;
		let max_positions = field(&cfg, "max_position_embeddings")?;
		let eps = cfg["layer_norm_eps"].as_f64().ok_or("config.json: no layer_norm_eps")?;
		let gelu = cfg["hidden_act"].as_str() == Some("gelu");

		let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))?;
		let seq_len =
			tokenizer.get_truncation().map(|t| t.max_length).unwrap_or(128).clamp(2, max_positions);
		tokenizer.with_padding(None);
		tokenizer.with_truncation(None)?;

		let weights = std::fs::read(dir.join("model.safetensors"))?;
		let vb = VarBuilder::from_slice_safetensors(&weights, DType::F32, &Device::Cpu)?;
		let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
			vb.pp("bert")
		} else {
			vb
		};
		let e = vb.pp("embeddings");
		let embeddings = Embeddings {
			word: candle_nn::embedding(field(&cfg, "vocab_size")?, h, e.pp("word_embeddings"))?,
			position: candle_nn::embedding(max_positions, h, e.pp("position_embeddings"))?,
			token_type: candle_nn::embedding(
				field(&cfg, "type_vocab_size")?,
				h,
				e.pp("token_type_embeddings"),
			)?,
			norm: candle_nn::layer_norm(h, eps, e.pp("LayerNorm"))?,
		};
		let layers = (0..field(&cfg, "num_hidden_layers")?)
			.map(|n| Layer::load(vb.pp("encoder").pp("layer").pp(n), h, i, heads, eps, gelu))
			.collect::<Result<Vec<_>>>()?;
		Ok(Bert { embeddings, layers, tokenizer, seq_len })
	}

	/// The embeddings of `texts`, row-major `(batch, hidden)`.
	pub fn embed(&self, texts: &[&str]) -> Result<Vec<f32>> {
		let (batch, len) = (texts.len(), self.seq_len);
		let (mut ids, mut types, mut mask) = (Vec::new(), Vec::new(), Vec::new());
		for text in texts {
			let row = self.tokenizer.encode(*text, true)?;
			let pad = len.checked_sub(row.get_ids().len()).ok_or("text longer than seq_len")?;
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
		let ids = Tensor::from_vec(ids, (batch, len), &device)?;
		let types = Tensor::from_vec(types, (batch, len), &device)?;
		let mask = Tensor::from_vec(mask, (batch, len), &device)?;
		// Additive attention mask: 0 for real tokens, f32::MIN for padding, (batch, 1, 1, L).
		let additive = mask
			.ones_like()?
			.sub(&mask)?
			.affine(f64::from(f32::MIN), 0.0)?
			.reshape((batch, 1, 1, len))?;
		let mut x = self.embeddings.forward(&ids, &types)?;
		for layer in &self.layers {
			x = layer.forward(&x, &additive)?;
		}
		let weights = mask.unsqueeze(2)?;
		let pooled = x.broadcast_mul(&weights)?.sum(1)?.broadcast_div(&weights.sum(1)?)?;
		let norm = pooled.sqr()?.sum_keepdim(1)?.sqrt()?.maximum(1e-12)?;
		Ok(pooled.broadcast_div(&norm)?.flatten_all()?.to_vec1()?)
	}
}

/// A sequential MLP (`config.json` as in `models/digits-mlp/`): `activation(x · Wᵀ + b)` per
/// layer.
pub struct Mlp {
	layers: Vec<(Linear, String)>,
	input_dim: usize,
}

impl Mlp {
	/// Loads an MLP from its `config.json` and `model.safetensors` bytes.
	pub fn load(config: &[u8], weights: &[u8]) -> Result<Self> {
		let cfg: Value = serde_json::from_slice(config)?;
		let vb = VarBuilder::from_slice_safetensors(weights, DType::F32, &Device::Cpu)?;
		let mut layers = Vec::new();
		for layer in cfg["layers"].as_array().ok_or("config.json: no layers")? {
			let name = layer["name"].as_str().ok_or("layer without a name")?;
			let linear = candle_nn::linear(
				field(layer, "in_features")?,
				field(layer, "out_features")?,
				vb.pp(name),
			)?;
			let activation = layer["activation"].as_str().ok_or("layer without activation")?;
			layers.push((linear, activation.to_string()));
		}
		Ok(Mlp { layers, input_dim: field(&cfg, "input_dim")? })
	}

	/// The outputs for `values` (row-major `(batch, input_dim)`), row-major.
	pub fn forward(&self, values: &[f32]) -> Result<Vec<f32>> {
		let batch = values.len() / self.input_dim;
		let mut x = Tensor::from_vec(values.to_vec(), (batch, self.input_dim), &Device::Cpu)?;
		for (linear, activation) in &self.layers {
			let y = linear.forward(&x)?;
			x = match activation.as_str() {
				"relu" => y.relu()?,
				"tanh" => y.tanh()?,
				"sigmoid" => candle_nn::ops::sigmoid(&y)?,
				"identity" => y,
				other => return Err(format!("activation {other:?}").into()),
			};
		}
		Ok(x.flatten_all()?.to_vec1()?)
	}
}
