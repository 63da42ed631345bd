//! `opg-probe`: one digest over every output and trace of a fixed workload, for comparing the
//! engine's bits across CPUs, cache geometries, thread counts and builds
//! (`inference/tests/cross_cpu.rs` runs it natively, under `qemu-x86_64 -cpu …`, under
//! `qemu-aarch64`, and with faked cache sizes).
//!
//! ```text
//! opg-probe [--threads N] small
//! opg-probe [--threads N] full --minilm DIR
//! opg-probe [--threads N] llm --gguf FILE
//! ```
//!
//! * `small` needs no files and is fast enough for emulation: every canonical kernel on random
//!   data with edge values (±0, subnormals, ±∞, NaN, huge values) at odd sizes, the elementary
//!   functions over a sweep, a synthetic MLP (batches of 1, 7 and 32) and a synthetic BERT
//!   (4 heads of 12, a 600-wide feed-forward block so that reductions run past 512, its own
//!   small WordPiece vocabulary, texts of many lengths including one truncated) through the
//!   engine in batches of 1, 4 and 16, and a synthetic ONNX graph (convolutions with padding
//!   and groups, batch normalisation, pooling, layer normalisation, erf, matmul, pow, reduce,
//!   sqrt, div, gemm, softmax) in batches of 1, 3 and 8.
//! * `full`: the default MLP on the 450 held-out digits in batches of 1, 7 and 32, and
//!   all-MiniLM-L6-v2 on 16 texts in batches of 1, 4 and 16.
//! * `llm`: SmolLM2-135M-Instruct (its Q4_1 GGUF): a short prompt, 3 greedy tokens and 3
//!   sampled ones, every logit of every step hashed, then the same answer checked by one
//!   prefill pass. Short enough to run under emulation.
//!
//! Prints `digest=<hex>` on stdout; the ISA, thread count and time on stderr. Exit 2 on bad
//! arguments, 1 on any failure.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects, reason = "a test tool")]

use std::{path::PathBuf, process::ExitCode, time::Instant};

use blake2::{Blake2b, Digest};
use codec::Encode;
use opg_inference::{bundle_from_dir, default_model, Engine, EngineConfig};
use opg_kernels::{
	probe::{self, Rng},
	Isa,
};
use opg_primitives::{bundle::encode_bundle, InferenceInput, ModelHash, ModelKind, Tensor};

type Blake2b256 = Blake2b<blake2::digest::consts::U32>;

fn main() -> ExitCode {
	let mut args = std::env::args().skip(1);
	let mut threads = 1usize;
	let mut minilm: Option<PathBuf> = None;
	let mut gguf: Option<PathBuf> = None;
	let mut workload = None;
	while let Some(arg) = args.next() {
		match arg.as_str() {
			"--threads" => match args.next().and_then(|t| t.parse().ok()) {
				Some(t) if t > 0 => threads = t,
				_ => return usage("--threads needs a positive number"),
			},
			"--minilm" => minilm = args.next().map(PathBuf::from),
			"--gguf" => gguf = args.next().map(PathBuf::from),
			"small" | "full" | "llm" => workload = Some(arg),
			other => return usage(&format!("unknown argument {other:?}")),
		}
	}
	let start = Instant::now();
	let result = match workload.as_deref() {
		Some("small") => small(threads),
		Some("full") => match minilm {
			Some(dir) => full(threads, &dir),
			None => return usage("full needs --minilm DIR"),
		},
		Some("llm") => match gguf {
			Some(file) => llm(threads, &file),
			None => return usage("llm needs --gguf FILE"),
		},
		_ => return usage("name a workload: small, full or llm"),
	};
	match result {
		Ok(digest) => {
			eprintln!(
				"opg-probe: isa {}, {threads} threads, {:.2} s",
				Isa::detect(),
				start.elapsed().as_secs_f64()
			);
			println!("digest={digest}");
			ExitCode::SUCCESS
		}
		Err(e) => {
			eprintln!("opg-probe: {e}");
			ExitCode::FAILURE
		}
	}
}

fn usage(problem: &str) -> ExitCode {
	eprintln!(
		"opg-probe: {problem}\nusage: opg-probe [--threads N] small | full --minilm DIR | llm --gguf FILE"
	);
	ExitCode::from(2)
}

type Result<T> = std::result::Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
	e.to_string()
}

/// Everything hashed, in order.
struct Digest256(Blake2b256);

impl Digest256 {
	fn new() -> Self {
		Digest256(Blake2b256::new())
	}

	fn run(&mut self, engine: &Engine, model: &ModelHash, input: &InferenceInput) -> Result<()> {
		let run = engine.run(model, input).map_err(|e| format!("{e:?}"))?;
		self.0.update(run.output.encode());
		self.0.update(run.layer_hashes.encode());
		Ok(())
	}

	fn hex(self) -> String {
		self.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
	}
}

fn engine(threads: usize) -> Result<(tempfile_dir::Dir, Engine)> {
	let dir = tempfile_dir::Dir::new()?;
	let mut config = EngineConfig::new(dir.path().join("store"));
	config.threads = threads;
	Ok((dir, Engine::new(config).map_err(err)?))
}

/// A temporary directory without a dev-dependency (the probe is a normal binary).
mod tempfile_dir {
	use std::path::{Path, PathBuf};

	pub struct Dir(PathBuf);

	impl Dir {
		pub fn new() -> Result<Self, String> {
			let nanos = std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_nanos())
				.unwrap_or_default();
			let path =
				std::env::temp_dir().join(format!("opg-probe-{}-{nanos}", std::process::id()));
			std::fs::create_dir_all(&path).map_err(|e| e.to_string())?;
			Ok(Dir(path))
		}

		pub fn path(&self) -> &Path {
			&self.0
		}
	}

	impl Drop for Dir {
		fn drop(&mut self) {
			let _ = std::fs::remove_dir_all(&self.0);
		}
	}
}

fn tensor_input(values: &[f32], batch: usize, width: usize) -> Result<InferenceInput> {
	let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
	let shape = [batch as u32, width as u32];
	Tensor::new(opg_primitives::TensorDType::F32, &shape, data)
		.map(InferenceInput::Tensor)
		.map_err(|e| format!("{e:?}"))
}

/// The LLM workload (see the crate docs).
fn llm(threads: usize, gguf: &std::path::Path) -> Result<String> {
	use opg_inference::models::llama::{sample, Llama, Sampling};
	let bytes = std::fs::read(gguf).map_err(err)?;
	let model = Llama::from_gguf(&bytes, Isa::detect()).map_err(|e| format!("{e:?}"))?;
	let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(err)?;
	let mut digest = Digest256::new();
	let prompt =
		model.encode_prompt("The capital of France is", false).map_err(|e| format!("{e:?}"))?;
	let nonce = [0x42; 32];
	let greedy = Sampling::default();
	let warm = Sampling { temperature_milli: 800, top_k: 40, top_p_milli: 900, seed: 7 };
	let h = model.hyper().hidden;
	let mut stepped = Vec::new();
	let tokens = pool.install(|| -> Result<Vec<u32>> {
		let mut cache = model.cache();
		let mut hidden = model.forward(&prompt, &mut cache).map_err(|e| format!("{e:?}"))?;
		let mut tokens = Vec::new();
		for step in 0..6u32 {
			let logits = model.logits(&hidden[hidden.len() - h..]).map_err(|e| format!("{e:?}"))?;
			let bytes = opg_inference::models::f32_bytes(&logits);
			digest.0.update(&bytes);
			stepped.push(bytes);
			let sampling = if step < 3 { &greedy } else { &warm };
			let token = sample(&logits, sampling, &nonce, step);
			tokens.push(token);
			hidden = model.forward(&[token], &mut cache).map_err(|e| format!("{e:?}"))?;
		}
		Ok(tokens)
	})?;
	digest.0.update(tokens.encode());
	// The same tokens in one pass: every step's logits must be the same bits.
	let mut all = prompt.clone();
	all.extend_from_slice(&tokens[..tokens.len() - 1]);
	let hidden =
		pool.install(|| model.forward(&all, &mut model.cache())).map_err(|e| format!("{e:?}"))?;
	for (step, stepped) in stepped.iter().enumerate() {
		let row = prompt.len() - 1 + step;
		let logits = model.logits(&hidden[row * h..(row + 1) * h]).map_err(|e| format!("{e:?}"))?;
		if opg_inference::models::f32_bytes(&logits) != *stepped {
			return Err(format!("step {step}: the prefill pass's logits differ from generation's"));
		}
	}
	Ok(digest.hex())
}

/// The small workload (see the crate docs).
fn small(threads: usize) -> Result<String> {
	let mut digest = Digest256::new();
	let isa = Isa::detect();
	// Every kernel on its own (the same workload the runtime's WASM runs: `KernelsApi`).
	digest.0.update(probe::workload_bytes(isa).map_err(err)?);
	let (_dir, engine) = engine(threads)?;
	// A synthetic MLP: 64 → 33 (tanh) → 17 (relu) → 10 (sigmoid).
	let mut rng = Rng(0x5eed);
	let mlp = synthetic_mlp(&mut rng)?;
	let mlp = engine.store().import_bytes(&mlp).map_err(err)?;
	let inputs = rng.values(32 * 64, 1.5);
	for batch in [1usize, 7, 32] {
		for chunk in inputs.chunks(batch * 64) {
			digest.run(&engine, &mlp, &tensor_input(chunk, chunk.len() / 64, 64)?)?;
		}
	}
	// A synthetic BERT.
	let bert = synthetic_bert(&mut rng)?;
	let bert = engine.store().import_bytes(&bert).map_err(err)?;
	let texts = synthetic_texts();
	let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
	for batch in [1usize, 4, 16] {
		for chunk in texts.chunks(batch) {
			digest.run(
				&engine,
				&bert,
				&InferenceInput::texts(chunk).map_err(|e| format!("{e:?}"))?,
			)?;
		}
	}
	// A synthetic ONNX graph.
	let onnx = synthetic_onnx(&mut rng)?;
	let onnx = engine.store().import_bytes(&onnx).map_err(err)?;
	let images = rng.values(8 * 72, 2.0);
	for batch in [1usize, 3, 8] {
		for chunk in images.chunks(batch * 72) {
			let data: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
			let shape = [(chunk.len() / 72) as u32, 2, 6, 6];
			let input = Tensor::new(opg_primitives::TensorDType::F32, &shape, data)
				.map(InferenceInput::Tensor)
				.map_err(|e| format!("{e:?}"))?;
			digest.run(&engine, &onnx, &input)?;
		}
	}
	Ok(digest.hex())
}

/// A synthetic ONNX image model: `[N, 2, 6, 6]` → 5 probabilities (see the crate docs).
fn synthetic_onnx(rng: &mut Rng) -> Result<Vec<u8>> {
	use opg_onnx::proto::{
		AttributeProto, Dimension, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto,
		TensorProto, TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
	};
	let mut init = Vec::new();
	let mut weight = |name: &str, dims: &[i64], scale: f32, offset: f32| {
		let n = dims.iter().product::<i64>() as usize;
		init.push(TensorProto {
			dims: dims.to_vec(),
			data_type: 1,
			float_data: rng.values(n, scale).into_iter().map(|x| x + offset).collect(),
			name: name.into(),
			..Default::default()
		});
	};
	weight("w1", &[4, 2, 3, 3], 0.5, 0.0);
	weight("b1", &[4], 0.1, 0.0);
	weight("bn_scale", &[4], 0.2, 1.0);
	weight("bn_bias", &[4], 0.1, 0.0);
	weight("bn_mean", &[4], 0.1, 0.0);
	weight("bn_var", &[4], 0.1, 1.0);
	weight("w2", &[4, 2, 3, 3], 0.4, 0.0);
	weight("b2", &[4], 0.1, 0.0);
	weight("ln_g", &[16], 0.1, 1.0);
	weight("ln_b", &[16], 0.1, 0.0);
	weight("wm", &[16, 8], 0.4, 0.0);
	weight("wg", &[5, 8], 0.4, 0.0);
	weight("bg", &[5], 0.1, 0.0);
	init.push(TensorProto {
		dims: vec![],
		data_type: 1,
		float_data: vec![2.0],
		name: "two".into(),
		..Default::default()
	});
	init.push(TensorProto {
		dims: vec![],
		data_type: 1,
		float_data: vec![1e-6],
		name: "eps".into(),
		..Default::default()
	});
	let ints = |name: &str, v: &[i64]| AttributeProto {
		name: name.into(),
		r#type: 7,
		ints: v.to_vec(),
		..Default::default()
	};
	let int = |name: &str, v: i64| AttributeProto {
		name: name.into(),
		r#type: 2,
		i: v,
		..Default::default()
	};
	let node =
		|op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>| NodeProto {
			input: inputs.iter().map(|s| s.to_string()).collect(),
			output: vec![output.into()],
			name: output.into(),
			op_type: op.into(),
			attribute,
			..Default::default()
		};
	let nodes = vec![
		node("Conv", &["x", "w1", "b1"], "c1", vec![ints("pads", &[1, 1, 1, 1])]),
		node(
			"BatchNormalization",
			&["c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
			"bn",
			vec![],
		),
		node("Relu", &["bn"], "r", vec![]),
		node("MaxPool", &["r"], "p", vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])]),
		node("Conv", &["p", "w2", "b2"], "c2", vec![ints("pads", &[1, 1, 1, 1]), int("group", 2)]),
		node("Tanh", &["c2"], "t", vec![]),
		node("AveragePool", &["t"], "ap", vec![ints("kernel_shape", &[2, 2])]),
		node("Flatten", &["ap"], "f", vec![]),
		node("LayerNormalization", &["f", "ln_g", "ln_b"], "ln", vec![]),
		node("Erf", &["ln"], "e", vec![]),
		node("MatMul", &["e", "wm"], "mm", vec![]),
		node("Pow", &["mm", "two"], "pw", vec![]),
		node("ReduceMean", &["pw"], "rm", vec![ints("axes", &[1])]),
		node("Add", &["rm", "eps"], "ra", vec![]),
		node("Sqrt", &["ra"], "sq", vec![]),
		node("Div", &["mm", "sq"], "d", vec![]),
		node("Gemm", &["d", "wg", "bg"], "g", vec![int("transB", 1)]),
		node("Softmax", &["g"], "y", vec![]),
	];
	let dim = |d: Dimension| d;
	let info = |name: &str, dims: Vec<Dimension>| ValueInfoProto {
		name: name.into(),
		r#type: Some(TypeProto {
			tensor_type: Some(TypeProtoTensor {
				elem_type: 1,
				shape: Some(TensorShapeProto { dim: dims }),
			}),
		}),
	};
	let fixed = |n: i64| dim(Dimension { dim_value: Some(n), dim_param: None });
	let batch = Dimension { dim_value: None, dim_param: Some("N".into()) };
	let model = ModelProto {
		ir_version: 8,
		opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
		graph: Some(GraphProto {
			node: nodes,
			name: "probe".into(),
			initializer: init,
			input: vec![info("x", vec![batch.clone(), fixed(2), fixed(6), fixed(6)])],
			output: vec![info("y", vec![batch, fixed(5)])],
			..Default::default()
		}),
		..Default::default()
	};
	encode_bundle(
		ModelKind::Onnx,
		&[("config.json", br#"{"architecture":"onnx"}"#), ("model.onnx", &model.encode_to_vec())],
	)
	.map_err(|e| format!("{e:?}"))
}

/// Safetensors bytes of named `f32` tensors.
fn safetensors(tensors: &[(String, Vec<usize>, Vec<f32>)]) -> Result<Vec<u8>> {
	let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
		.iter()
		.map(|(name, shape, v)| {
			(name.clone(), shape.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect())
		})
		.collect();
	let views = bytes
		.iter()
		.map(|(name, shape, data)| {
			safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
				.map(|view| (name.clone(), view))
		})
		.collect::<std::result::Result<Vec<_>, _>>()
		.map_err(err)?;
	safetensors::tensor::serialize(views, None).map_err(err)
}

fn synthetic_mlp(rng: &mut Rng) -> Result<Vec<u8>> {
	let layers = [("a", 64usize, 33usize, "tanh"), ("b", 33, 17, "relu"), ("c", 17, 10, "sigmoid")];
	let mut tensors = Vec::new();
	let mut config_layers = Vec::new();
	for (name, i, o, act) in layers {
		tensors.push((format!("{name}.weight"), vec![o, i], rng.values(o * i, 0.4)));
		tensors.push((format!("{name}.bias"), vec![o], rng.values(o, 0.2)));
		config_layers.push(format!(
			r#"{{"name":"{name}","in_features":{i},"out_features":{o},"activation":"{act}"}}"#
		));
	}
	let config = format!(
		r#"{{"architecture":"mlp","input_dim":64,"layers":[{}]}}"#,
		config_layers.join(",")
	);
	let weights = safetensors(&tensors)?;
	encode_bundle(
		ModelKind::Mlp,
		&[("config.json", config.as_bytes()), ("model.safetensors", &weights)],
	)
	.map_err(|e| format!("{e:?}"))
}

/// The synthetic BERT's vocabulary: special tokens, letters, a few words and suffixes.
const VOCAB: &[&str] = &[
	"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "model", "chain", "block", "runs",
	"on", "every", "cpu", "same", "bits", "##s", "##ing", "##ed", "verify", "token", "text", ".",
	",", "!", "?", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q",
	"r", "s", "t", "u", "v", "w", "x", "y", "z", "##a", "##e", "##i", "##o", "##u", "##n", "##r",
	"##t", "1", "2", "3",
];

fn synthetic_tokenizer() -> String {
	let vocab: Vec<String> =
		VOCAB.iter().enumerate().map(|(i, t)| format!("{:?}:{i}", t)).collect();
	format!(
		r###"{{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
"normalizer":{{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true}},
"pre_tokenizer":{{"type":"BertPreTokenizer"}},
"post_processor":{{"type":"TemplateProcessing","single":[{{"SpecialToken":{{"id":"[CLS]","type_id":0}}}},{{"Sequence":{{"id":"A","type_id":0}}}},{{"SpecialToken":{{"id":"[SEP]","type_id":0}}}}],"pair":[{{"Sequence":{{"id":"A","type_id":0}}}},{{"Sequence":{{"id":"B","type_id":1}}}}],"special_tokens":{{"[CLS]":{{"id":"[CLS]","ids":[2],"tokens":["[CLS]"]}},"[SEP]":{{"id":"[SEP]","ids":[3],"tokens":["[SEP]"]}}}}}},
"decoder":null,
"model":{{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{{{}}}}}}}"###,
		vocab.join(",")
	)
}

fn synthetic_bert(rng: &mut Rng) -> Result<Vec<u8>> {
	let (h, inter, layers, positions) = (48usize, 600usize, 2usize, 64usize);
	let vocab = VOCAB.len();
	let mut t: Vec<(String, Vec<usize>, Vec<f32>)> = Vec::new();
	let mut add = |name: String, shape: Vec<usize>, scale: f32, offset: f32| {
		let n = shape.iter().product();
		let v = rng.values(n, scale).into_iter().map(|x| x + offset).collect();
		t.push((name, shape, v));
	};
	add("embeddings.word_embeddings.weight".into(), vec![vocab, h], 1.0, 0.0);
	add("embeddings.position_embeddings.weight".into(), vec![positions, h], 0.5, 0.0);
	add("embeddings.token_type_embeddings.weight".into(), vec![2, h], 0.5, 0.0);
	add("embeddings.LayerNorm.weight".into(), vec![h], 0.1, 1.0);
	add("embeddings.LayerNorm.bias".into(), vec![h], 0.1, 0.0);
	for l in 0..layers {
		let p = format!("encoder.layer.{l}");
		for part in ["query", "key", "value"] {
			add(format!("{p}.attention.self.{part}.weight"), vec![h, h], 0.3, 0.0);
			add(format!("{p}.attention.self.{part}.bias"), vec![h], 0.1, 0.0);
		}
		add(format!("{p}.attention.output.dense.weight"), vec![h, h], 0.2, 0.0);
		add(format!("{p}.attention.output.dense.bias"), vec![h], 0.1, 0.0);
		add(format!("{p}.attention.output.LayerNorm.weight"), vec![h], 0.1, 1.0);
		add(format!("{p}.attention.output.LayerNorm.bias"), vec![h], 0.1, 0.0);
		add(format!("{p}.intermediate.dense.weight"), vec![inter, h], 0.2, 0.0);
		add(format!("{p}.intermediate.dense.bias"), vec![inter], 0.1, 0.0);
		add(format!("{p}.output.dense.weight"), vec![h, inter], 0.05, 0.0);
		add(format!("{p}.output.dense.bias"), vec![h], 0.1, 0.0);
		add(format!("{p}.output.LayerNorm.weight"), vec![h], 0.1, 1.0);
		add(format!("{p}.output.LayerNorm.bias"), vec![h], 0.1, 0.0);
	}
	let weights = safetensors(&t)?;
	let config = format!(
		r#"{{"vocab_size":{vocab},"hidden_size":{h},"num_hidden_layers":{layers},"num_attention_heads":4,"intermediate_size":{inter},"hidden_act":"gelu","max_position_embeddings":{positions},"type_vocab_size":2,"layer_norm_eps":1e-12}}"#
	);
	let tokenizer = synthetic_tokenizer();
	encode_bundle(
		ModelKind::BertEmbedding,
		&[
			("config.json", config.as_bytes()),
			("model.safetensors", &weights),
			("tokenizer.json", tokenizer.as_bytes()),
			("sentence_bert_config.json", br#"{"max_seq_length": 40}"#),
		],
	)
	.map_err(|e| format!("{e:?}"))
}

/// 16 texts: empty, one word, unknown words, and one longer than the synthetic model's 40
/// tokens (truncated).
fn synthetic_texts() -> Vec<String> {
	let mut texts: Vec<String> = [
		"",
		"a",
		"The model runs on every CPU.",
		"same bits, same bits!",
		"verifying tokens",
		"Zebra quux 123",
		"the chain verifies every block.",
		"text",
		"Blocks, models and chains?",
		"élan naïve",
		"runs runs runs",
		"a b c d e f g h i j k l m n o p",
		"the same text",
		"1 2 3",
	]
	.iter()
	.map(|s| s.to_string())
	.collect();
	texts.push("the model runs on every cpu and gives the same bits ".repeat(3));
	texts.push("verify ".repeat(39));
	texts
}

/// The full workload (see the crate docs).
fn full(threads: usize, minilm: &std::path::Path) -> Result<String> {
	let mut digest = Digest256::new();
	let (_dir, engine) = engine(threads)?;
	let mlp = default_model::install(engine.store()).map_err(err)?;
	let fixture: serde_json::Value =
		serde_json::from_str(include_str!("../../../models/digits-mlp/fixture.json"))
			.map_err(err)?;
	let pixels: Vec<f32> = fixture["pixels"]
		.as_array()
		.ok_or("fixture: no pixels")?
		.iter()
		.flat_map(|row| row.as_array().cloned().unwrap_or_default())
		.map(|p| p.as_f64().unwrap_or(0.0) as f32 / 16.0)
		.collect();
	for batch in [1usize, 7, 32] {
		for chunk in pixels.chunks(batch * 64) {
			digest.run(&engine, &mlp, &tensor_input(chunk, chunk.len() / 64, 64)?)?;
		}
	}
	let bundle = bundle_from_dir(ModelKind::BertEmbedding, minilm).map_err(err)?;
	let bert = engine.store().import_bytes(&bundle).map_err(err)?;
	let texts = minilm_texts();
	let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
	for batch in [1usize, 4, 16] {
		for chunk in texts.chunks(batch) {
			digest.run(
				&engine,
				&bert,
				&InferenceInput::texts(chunk).map_err(|e| format!("{e:?}"))?,
			)?;
		}
	}
	Ok(digest.hex())
}

fn minilm_texts() -> Vec<String> {
	let mut texts: Vec<String> = [
		"The cat sits on the mat.",
		"A dog is playing in the garden.",
		"Validators re-run the model and compare output hashes.",
		"Blockchains record transactions in an append-only ledger.",
		"The quick brown fox jumps over the lazy dog.",
		"I love machine learning!",
		"Paris is the capital of France.",
		"Quel temps fait-il aujourd'hui ?",
		"Numbers like 3.14159 and 2,718 appear in text too.",
		"",
		"a",
		"Sentence embeddings map text to vectors so that similar meanings are close together.",
		"東京は日本の首都です。",
		"Emoji 🚀 and accents: café, naïve, Ω.",
	]
	.iter()
	.map(|s| s.to_string())
	.collect();
	texts.push("Every honest validator computes the same bits on its own CPU. ".repeat(8));
	texts.push(
		"A long text is truncated at the model's sequence limit, as sentence-transformers does. "
			.repeat(20),
	);
	texts
}
