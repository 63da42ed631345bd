//! The model registry: read models, propose one from a bundle file, pack a bundle.
//!
//! A bundle of kind `onnx` is checked here exactly as the engine checks it, by
//! [`opg_onnx::Model::load`], and its schema is the one [`opg_onnx::Model::schema`] infers
//! ([`onnx_schema`]): what `opg-cli models pack --kind onnx` prints and `models propose` records
//! when no schema is given.

use std::{
	panic::{catch_unwind, AssertUnwindSafe},
	path::Path,
};

use opg_api::ModelsApiClient;
pub use opg_api::{Model, ModelState, ModelStats};
use opg_onnx::OnnxConfig;
use opg_primitives::{
	bundle::{self, bundle_hash, BundleView, CONFIG_FILE, ONNX_FILE, TOKENIZER_FILE},
	Dim, InputSchema, IoSchema, ModelKind, ModelSpec, OutputSchema, TensorDType, TensorSchema,
};
use subxt::utils::H256;
use subxt_signer::sr25519::Keypair;

use crate::{
	client::{Included, TxStage},
	recode, runtime, Client, Error,
};

/// Parses a model hash in hex (with or without `0x`).
pub fn parse_hash(text: &str) -> Option<H256> {
	let bytes = sp_core::bytes::from_hex(text).ok()?;
	<[u8; 32]>::try_from(bytes).ok().map(H256)
}

impl Client {
	/// Every model in the registry (proposed, listed and delisted) at the best block, by name.
	pub async fn models(&self) -> Result<Vec<Model>, Error> {
		self.models_at(None).await
	}

	/// Every model at block `at` (the best block if `None`), by name.
	pub async fn models_at(&self, at: Option<H256>) -> Result<Vec<Model>, Error> {
		let at = match at {
			Some(at) => at,
			None => self.best_hash().await?,
		};
		let mut models: Vec<Model> = Vec::new();
		loop {
			let after = models.last().map(|m| m.model);
			let page = self.node().all(after, None, Some(at)).await?;
			if page.is_empty() {
				break;
			}
			models.extend(page);
		}
		models.sort_by(|a, b| a.name.cmp(&b.name).then(a.model.cmp(&b.model)));
		Ok(models)
	}

	/// One model by hash, if the registry has it.
	pub async fn model(&self, hash: H256) -> Result<Option<Model>, Error> {
		Ok(self.node().get(hash, None).await?)
	}

	/// A model's record of service: its requests made, answered, disputed and how they ended.
	pub async fn model_stats(&self, hash: H256) -> Result<ModelStats, Error> {
		Ok(opg_api::InferenceApiClient::model_stats(self.node(), hash, None).await?)
	}

	/// A model by hash (hex) or by name. A name must be unambiguous; a listed model wins over
	/// proposed or delisted ones of the same name.
	pub async fn resolve_model(&self, name_or_hash: &str) -> Result<Model, Error> {
		if let Some(hash) = parse_hash(name_or_hash) {
			return self
				.model(hash)
				.await?
				.ok_or_else(|| Error::UnknownModel(format!("no model has hash {name_or_hash}")));
		}
		let named: Vec<Model> =
			self.models().await?.into_iter().filter(|m| m.name == name_or_hash).collect();
		let listed: Vec<&Model> = named.iter().filter(|m| m.is_listed()).collect();
		match (named.len(), listed.as_slice()) {
			(0, _) => Err(Error::UnknownModel(format!(
				"no model is named `{name_or_hash}` (`opg-cli models list` shows them)"
			))),
			(1, _) => Ok(named
				.into_iter()
				.next()
				.ok_or_else(|| Error::UnknownModel(name_or_hash.into()))?),
			(_, [one]) => Ok((*one).clone()),
			_ => Err(Error::UnknownModel(format!(
				"{} models are named `{name_or_hash}`: give the hash",
				named.len()
			))),
		}
	}

	/// Proposes a model under a deposit (held in proportion to the bytes stored). Returns its
	/// hash once included.
	pub async fn propose_model(
		&self,
		signer: &Keypair,
		proposal: Proposal,
		on_stage: impl FnMut(&TxStage),
	) -> Result<(H256, Included), Error> {
		let hash = proposal.spec.model;
		let bounded = |bytes: Vec<u8>| {
			runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(bytes)
		};
		let call = runtime::transactions().model_registry().propose_model(
			runtime::runtime_types::pallet_model_registry::types::ModelProposal {
				spec: recode(&proposal.spec)?,
				name: bounded(proposal.name.into_bytes()),
				description: bounded(proposal.description.into_bytes()),
				price: proposal.price,
				uris: runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
					proposal.uris.into_iter().map(|uri| bounded(uri.into_bytes())).collect(),
				),
				size: proposal.size,
			},
		);
		let included = self.submit(&call, signer, on_stage).await?;
		Ok((hash, included))
	}
}

/// What a model proposal says.
#[derive(Clone, Debug)]
pub struct Proposal {
	/// Architecture, hash, config hash and schema.
	pub spec: ModelSpec,
	/// A short name.
	pub name: String,
	/// A description.
	pub description: String,
	/// Price per inference, in planck.
	pub price: u128,
	/// Where executors fetch the bundle.
	pub uris: Vec<String>,
	/// The bundle's size in bytes.
	pub size: u64,
}

impl Proposal {
	/// A proposal for the bundle file at `path`: its hash, kind, config hash and size are read
	/// from the file; the schema, name, price and URIs are the proposer's.
	pub fn from_bundle(
		path: &Path,
		schema: IoSchema,
		name: String,
		description: String,
		price: u128,
		uris: Vec<String>,
	) -> Result<Proposal, Error> {
		let bytes = std::fs::read(path)
			.map_err(|e| Error::Invalid(format!("cannot read bundle {}: {e}", path.display())))?;
		let view = BundleView::parse(&bytes).map_err(|e| {
			Error::Invalid(format!("{} is not a model bundle: {e:?}", path.display()))
		})?;
		let config_hash = view
			.config_hash()
			.ok_or_else(|| Error::Invalid(format!("{} has no config.json", path.display())))?;
		schema.validate().map_err(|e| Error::Invalid(format!("bad schema: {e}")))?;
		Ok(Proposal {
			spec: ModelSpec { kind: view.kind, model: bundle_hash(&bytes), config_hash, schema },
			name,
			description,
			price,
			uris,
			size: bytes.len() as u64,
		})
	}
}

/// Packs files into a canonical model bundle ([`bundle::pack`]); each file keeps its base name.
/// Returns the bytes and the model hash.
pub fn pack(kind: ModelKind, files: &[&Path]) -> Result<(Vec<u8>, H256), Error> {
	let named = files
		.iter()
		.map(|path| match path.file_name().and_then(|n| n.to_str()) {
			Some(name) => Ok((name, *path)),
			None => Err(Error::Invalid(format!("{} has no file name", path.display()))),
		})
		.collect::<Result<Vec<_>, Error>>()?;
	let bytes =
		bundle::pack(kind, &named).map_err(|e| Error::Invalid(format!("cannot pack: {e}")))?;
	let hash = bundle_hash(&bytes);
	Ok((bytes, hash))
}

/// The largest batch of a schema inferred by [`pack_onnx`] (and `models propose`'s default).
pub const DEFAULT_MAX_BATCH: u32 = 32;

/// Packs an ONNX model into a bundle of kind `onnx`: the graph at `graph` (any file name; the
/// bundle stores it as `model.onnx`), the tokenizer of a text model (stored as
/// `tokenizer.json`), and the `config.json` written from `config`. The bundle is checked as the
/// engine checks it and its schema inferred ([`onnx_schema`]). Returns the bytes, the model hash
/// and the schema.
pub fn pack_onnx(
	graph: &Path,
	tokenizer: Option<&Path>,
	config: &OnnxConfig,
	max_batch: u32,
) -> Result<(Vec<u8>, H256, IoSchema), Error> {
	let read = |path: &Path| {
		std::fs::read(path)
			.map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))
	};
	let graph_bytes = read(graph)?;
	let tokenizer_bytes = tokenizer.map(read).transpose()?;
	if let (Some(path), Some(bytes)) = (tokenizer, &tokenizer_bytes) {
		// The engine loads it with `tokenizers`; here it must at least be a JSON object.
		let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
			Error::Invalid(format!("{} is not a tokenizer.json (not JSON: {e})", path.display()))
		})?;
		if !json.is_object() {
			return Err(Error::Invalid(format!(
				"{} is not a tokenizer.json (not a JSON object)",
				path.display()
			)));
		}
	}
	let config_bytes = config.to_json();
	let mut files: Vec<(&str, &[u8])> =
		vec![(CONFIG_FILE, config_bytes.as_slice()), (ONNX_FILE, graph_bytes.as_slice())];
	if let Some(bytes) = &tokenizer_bytes {
		files.push((TOKENIZER_FILE, bytes.as_slice()));
	}
	let bytes = bundle::encode_bundle(ModelKind::Onnx, &files)
		.map_err(|e| Error::Invalid(format!("cannot pack: {e}")))?;
	let schema = onnx_schema(&bytes, max_batch).map_err(|e| match e {
		Error::Invalid(why) => Error::Invalid(format!("{}: {why}", graph.display())),
		other => other,
	})?;
	let hash = bundle_hash(&bytes);
	Ok((bytes, hash, schema))
}

/// The schema of a bundle of kind `text-generation`: the bounds in its `config.json`
/// ([`opg_primitives::TextGenerationConfig`]).
pub fn text_generation_schema(bundle_bytes: &[u8]) -> Result<IoSchema, Error> {
	let view = BundleView::parse(bundle_bytes)
		.map_err(|e| Error::Invalid(format!("not a model bundle: {e}")))?;
	if view.kind != ModelKind::TextGeneration {
		return Err(Error::Invalid(format!(
			"the bundle is of kind {}, not text-generation",
			view.kind
		)));
	}
	let config = view
		.file(CONFIG_FILE)
		.ok_or_else(|| Error::Invalid("the bundle has no config.json".into()))?;
	let config = opg_primitives::TextGenerationConfig::from_json(config)
		.map_err(|e| Error::Invalid(format!("config.json: {e}")))?;
	let schema = config.schema();
	schema.validate().map_err(|e| Error::Invalid(format!("config.json: {e}")))?;
	Ok(schema)
}

/// The schema of a bundle of kind `onnx` (`max_batch` the largest batch; a text model's is at
/// most [`opg_primitives::tensor::MAX_TEXT_BATCH`]): its `config.json` and graph loaded and
/// checked by [`opg_onnx::Model::load`], as the engine loads them, and the graph run on a dummy
/// input by [`opg_onnx::Model::schema`]. Any failure, a panic of the interpreter included, is
/// [`Error::Invalid`] with the reason.
pub fn onnx_schema(bundle_bytes: &[u8], max_batch: u32) -> Result<IoSchema, Error> {
	let view = BundleView::parse(bundle_bytes)
		.map_err(|e| Error::Invalid(format!("not a model bundle: {e}")))?;
	if view.kind != ModelKind::Onnx {
		return Err(Error::Invalid(format!("the bundle is of kind {}, not onnx", view.kind)));
	}
	let check = || -> Result<IoSchema, opg_onnx::OnnxError> {
		let model = opg_onnx::Model::from_bundle(&view, &opg_onnx::Limits::default())?;
		model.schema(&opg_onnx::Serial(opg_kernels::Isa::detect()), max_batch.max(1))
	};
	match catch_unwind(AssertUnwindSafe(check)) {
		Ok(Ok(schema)) => Ok(schema),
		Ok(Err(e)) => Err(Error::Invalid(e.to_string())),
		Err(_) => Err(Error::Invalid(
			"the ONNX interpreter panicked on this graph (a bug of opg-onnx: please report it)"
				.into(),
		)),
	}
}

/// Parses a tensor schema written as `f32[B,64]`: a dtype (`f32`, `f16`, `bf16`, `i64`, `u32`,
/// `i8`) and axes, `B` for the batch axis.
pub fn parse_tensor_schema(text: &str) -> Result<TensorSchema, Error> {
	let bad = |why: &str| {
		Error::Invalid(format!("`{text}` is not a tensor schema like f32[B,64]: {why}"))
	};
	let (dtype, rest) = text.trim().split_once('[').ok_or_else(|| bad("no `[`"))?;
	let axes = rest.strip_suffix(']').ok_or_else(|| bad("no closing `]`"))?;
	let dtype = match dtype.to_ascii_lowercase().as_str() {
		"f32" => TensorDType::F32,
		"f16" => TensorDType::F16,
		"bf16" => TensorDType::BF16,
		"i64" => TensorDType::I64,
		"u32" => TensorDType::U32,
		"i8" => TensorDType::I8,
		_ => return Err(bad("unknown dtype")),
	};
	let mut dims = Vec::new();
	for axis in axes.split(',').map(str::trim).filter(|a| !a.is_empty()) {
		dims.push(if axis.eq_ignore_ascii_case("b") {
			Dim::Batch
		} else {
			Dim::Fixed(axis.parse().map_err(|_| bad("an axis is neither B nor a length"))?)
		});
	}
	TensorSchema::new(dtype, &dims).ok_or_else(|| bad("too many axes"))
}

/// An input/output schema from the compact form: `input` is a tensor schema (`f32[B,64]`),
/// `text:<max bytes>` or `prompt:<max bytes>:<max prompt tokens>`; `output` a tensor schema or
/// `generated:<max new tokens>`.
pub fn parse_schema(input: &str, output: &str, max_batch: u32) -> Result<IoSchema, Error> {
	let count =
		|n: &str| n.parse::<u32>().map_err(|_| Error::Invalid(format!("`{n}` is not a count")));
	let input = if let Some(max) = input.strip_prefix("text:") {
		InputSchema::Text { max_bytes: count(max)? }
	} else if let Some(bounds) = input.strip_prefix("prompt:") {
		let (bytes, tokens) = bounds.split_once(':').ok_or_else(|| {
			Error::Invalid("a prompt input is `prompt:<max bytes>:<max prompt tokens>`".into())
		})?;
		InputSchema::Prompt { max_bytes: count(bytes)?, max_prompt_tokens: count(tokens)? }
	} else {
		InputSchema::Tensor(parse_tensor_schema(input)?)
	};
	let output = match output.strip_prefix("generated:") {
		Some(max) => OutputSchema::Generated { max_new_tokens: count(max)? },
		None => OutputSchema::Tensor(parse_tensor_schema(output)?),
	};
	let schema = IoSchema { input, output, max_batch };
	schema.validate().map_err(|e| Error::Invalid(format!("bad schema: {e}")))?;
	Ok(schema)
}

/// Shows a schema compactly: `f32[B,64] → f32[B,10] (batch ≤ 32)`.
pub fn show_schema(schema: &IoSchema) -> String {
	let tensor = |t: &TensorSchema| {
		let axes: Vec<String> = t
			.dims
			.iter()
			.map(|d| match d {
				Dim::Batch => "B".to_string(),
				Dim::Fixed(n) => n.to_string(),
			})
			.collect();
		format!("{}[{}]", format!("{:?}", t.dtype).to_lowercase(), axes.join(","))
	};
	let input = match &schema.input {
		InputSchema::Tensor(t) => tensor(t),
		InputSchema::Text { max_bytes } => format!("text (≤ {max_bytes} bytes)"),
		InputSchema::Prompt { max_bytes, max_prompt_tokens } => {
			format!("prompt (≤ {max_bytes} bytes, ≤ {max_prompt_tokens} tokens)")
		}
	};
	match &schema.output {
		OutputSchema::Tensor(t) => {
			format!("{input} → {} (batch ≤ {})", tensor(t), schema.max_batch)
		}
		OutputSchema::Generated { max_new_tokens } => {
			format!("{input} → text (≤ {max_new_tokens} tokens, billed per token)")
		}
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn schemas_parse_and_show() {
		let schema = parse_schema("f32[B,64]", "f32[B,10]", 32).unwrap();
		assert_eq!(show_schema(&schema), "f32[B,64] → f32[B,10] (batch ≤ 32)");
		let llm = parse_schema("prompt:2048:256", "generated:128", 1).unwrap();
		assert_eq!(
			show_schema(&llm),
			"prompt (≤ 2048 bytes, ≤ 256 tokens) → text (≤ 128 tokens, billed per token)"
		);
		assert!(parse_schema("prompt:2048", "generated:128", 1).is_err());
		assert!(parse_schema("prompt:2048:256", "f32[B,2]", 1).is_err());
		let text = parse_schema("text:256", "f32[B,384]", 8).unwrap();
		assert_eq!(text.input, InputSchema::Text { max_bytes: 256 });
		assert!(parse_schema("f32[64,B]", "f32[B,10]", 32).is_err(), "batch axis must come first");
		assert!(parse_schema("f33[B,64]", "f32[B,10]", 32).is_err());
		assert!(parse_schema("f32[B,64]", "f32[B,10]", 0).is_err());
		assert!(parse_tensor_schema("f32 B,64").is_err());
	}

	#[test]
	fn hashes_parse() {
		let hex = "5785e6a4f84b638bd4082278a2396a32e78fbfa3fe2be3710fc5c1e1702b4cda";
		assert_eq!(parse_hash(hex), parse_hash(&format!("0x{hex}")));
		assert_eq!(parse_hash(hex).unwrap().0[0], 0x57);
		assert!(parse_hash("digits-mlp").is_none());
		assert!(parse_hash(&hex.replace('5', "g")).is_none());
	}

	#[test]
	fn onnx_bundles_are_checked_when_packed() {
		// Garbage is refused by the ONNX loader, naming the file; nothing panics.
		let garbage = tempfile::NamedTempFile::new().unwrap();
		std::fs::write(garbage.path(), b"garbage: not an ONNX graph").unwrap();
		let error = pack_onnx(garbage.path(), None, &OnnxConfig::tensor(), DEFAULT_MAX_BATCH)
			.unwrap_err()
			.to_string();
		assert!(error.contains("not an ONNX model"), "{error}");
		assert!(error.starts_with(&garbage.path().display().to_string()), "{error}");
		// A bundle of another kind has no inferred schema.
		let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits-mlp");
		let (mlp, _) =
			pack(ModelKind::Mlp, &[&dir.join("model.safetensors"), &dir.join("config.json")])
				.unwrap();
		let error = onnx_schema(&mlp, DEFAULT_MAX_BATCH).unwrap_err().to_string();
		assert_eq!(error, "the bundle is of kind mlp, not onnx");
		assert!(onnx_schema(b"OPGMODEL", 32).is_err());
	}

	#[test]
	fn packing_matches_the_engine_bundle() {
		// The default model packed from its files has the hash the chain lists it under.
		let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits-mlp");
		let (bytes, hash) =
			pack(ModelKind::Mlp, &[&dir.join("model.safetensors"), &dir.join("config.json")])
				.unwrap();
		assert_eq!(
			format!("{hash:x}"),
			"5785e6a4f84b638bd4082278a2396a32e78fbfa3fe2be3710fc5c1e1702b4cda"
		);
		let file = tempfile::NamedTempFile::new().unwrap();
		std::fs::write(file.path(), &bytes).unwrap();
		let schema = parse_schema("f32[B,64]", "f32[B,10]", 32).unwrap();
		let proposal =
			Proposal::from_bundle(file.path(), schema, "d".into(), String::new(), 1, vec![])
				.unwrap();
		assert_eq!(proposal.spec.model, hash);
		assert_eq!(proposal.size, bytes.len() as u64);
	}
}
