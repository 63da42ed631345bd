//! The model registry: read models, propose one from a bundle file, pack a bundle.

use std::path::Path;

use opg_primitives::{
	bundle::{self, bundle_hash, BundleView},
	Dim, InputSchema, IoSchema, ModelKind, ModelSpec, TensorDType, TensorSchema,
};
use serde::Serialize;
use subxt::utils::H256;
use subxt_signer::sr25519::Keypair;

use crate::{
	client::{At, Included, TxStage},
	recode, runtime, AccountId, Client, Error,
};

/// A model as the registry records it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
	/// blake2-256 of its bundle: its identity.
	pub hash: H256,
	/// Its name.
	pub name: String,
	/// Its description.
	pub description: String,
	/// `Proposed`, `Listed` or `Delisted`.
	pub state: String,
	/// Who proposed it (and holds the deposit).
	#[serde(serialize_with = "ss58")]
	pub owner: AccountId,
	/// Price per inference, in planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub price: u128,
	/// The deposit held from the owner, in planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub deposit: u128,
	/// Its architecture, config hash and input/output schema.
	pub spec: ModelSpec,
	/// Where executors fetch the bundle.
	pub uris: Vec<String>,
	/// The bundle's size in bytes.
	pub size: u64,
	/// The block it was proposed in.
	pub proposed_at: u32,
}

impl Model {
	/// The input/output schema.
	pub fn schema(&self) -> &IoSchema {
		&self.spec.schema
	}

	/// Whether requests may be made.
	pub fn is_listed(&self) -> bool {
		self.state == "Listed"
	}
}

pub(crate) fn ss58<S: serde::Serializer>(account: &AccountId, s: S) -> Result<S::Ok, S::Error> {
	s.serialize_str(&account.to_string())
}

type ModelInfo = runtime::runtime_types::pallet_model_registry::types::ModelInfo;

fn model_from(hash: H256, info: ModelInfo) -> Result<Model, Error> {
	use runtime::runtime_types::pallet_model_registry::types::ModelState;
	let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
	let proposal = info.proposal;
	Ok(Model {
		hash,
		name: text(proposal.name.0),
		description: text(proposal.description.0),
		state: match info.state {
			ModelState::Proposed => "Proposed",
			ModelState::Listed => "Listed",
			ModelState::Delisted => "Delisted",
		}
		.into(),
		owner: info.owner,
		price: proposal.price,
		deposit: info.deposit,
		spec: recode(&proposal.spec)?,
		uris: proposal.uris.0.into_iter().map(|uri| text(uri.0)).collect(),
		size: proposal.size,
		proposed_at: info.proposed_at,
	})
}

/// Parses a model hash in hex (with or without `0x`).
pub fn parse_hash(text: &str) -> Option<H256> {
	let hex = text.strip_prefix("0x").unwrap_or(text);
	if hex.len() != 64 {
		return None;
	}
	let mut bytes = [0u8; 32];
	for (i, byte) in bytes.iter_mut().enumerate() {
		let pair = hex.get(i.saturating_mul(2)..i.saturating_mul(2).saturating_add(2))?;
		*byte = u8::from_str_radix(pair, 16).ok()?;
	}
	Some(H256(bytes))
}

impl Client {
	/// Every model in the registry (proposed, listed and delisted), by name.
	pub async fn models(&self) -> Result<Vec<Model>, Error> {
		self.models_at(&self.best().await?).await
	}

	/// Every model at a given block.
	pub async fn models_at(&self, at: &At) -> Result<Vec<Model>, Error> {
		let mut entries =
			at.storage().iter(runtime::storage().model_registry().models(), ()).await?;
		let mut models = Vec::new();
		while let Some(entry) = entries.next().await {
			let entry = entry?;
			let (hash,) = entry.key()?.decode()?;
			models.push(model_from(hash, entry.value().decode()?)?);
		}
		models.sort_by(|a, b| a.name.cmp(&b.name).then(a.hash.cmp(&b.hash)));
		Ok(models)
	}

	/// One model by hash, if the registry has it.
	pub async fn model(&self, hash: H256) -> Result<Option<Model>, Error> {
		let at = self.best().await?;
		let info =
			at.storage().try_fetch(runtime::storage().model_registry().models(), (hash,)).await?;
		info.map(|value| model_from(hash, value.decode()?)).transpose()
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
		schema.validate().map_err(|e| Error::Invalid(format!("bad schema: {e:?}")))?;
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

/// An input/output schema from the compact form: `input` is a tensor schema (`f32[B,64]`) or
/// `text:<max bytes>`, `output` a tensor schema.
pub fn parse_schema(input: &str, output: &str, max_batch: u32) -> Result<IoSchema, Error> {
	let input = match input.strip_prefix("text:") {
		Some(max) => InputSchema::Text {
			max_bytes: max
				.parse()
				.map_err(|_| Error::Invalid(format!("`{max}` is not a byte count")))?,
		},
		None => InputSchema::Tensor(parse_tensor_schema(input)?),
	};
	let schema = IoSchema { input, output: parse_tensor_schema(output)?, max_batch };
	schema.validate().map_err(|e| Error::Invalid(format!("bad schema: {e:?}")))?;
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
	};
	format!("{input} → {} (batch ≤ {})", tensor(&schema.output), schema.max_batch)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn schemas_parse_and_show() {
		let schema = parse_schema("f32[B,64]", "f32[B,10]", 32).unwrap();
		assert_eq!(show_schema(&schema), "f32[B,64] → f32[B,10] (batch ≤ 32)");
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
