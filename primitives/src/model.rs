//! Model identity: the content hash, the architecture kind and the spec the chain stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

use core::str::FromStr;

use crate::{
	bundle::{
		CONFIG_FILE, GGUF_FILE, ONNX_FILE, SENTENCE_CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE,
	},
	schema::IoSchema,
};

/// The identity of a model: blake2-256 of its canonical artifact, the model bundle (see
/// [`crate::bundle`]), which holds the configuration, the weights and (for text models) the tokenizer.
///
/// A plain [`sp_core::H256`] alias rather than a newtype, so storage keys, events, RPC (hex in JSON)
/// and the host function all share one well-known type. Any change to any byte of any file in the
/// bundle changes this hash.
pub type ModelHash = sp_core::H256;

/// The blake2-256 of one file inside a bundle (for instance the `config.json` the chain records in
/// [`ModelSpec::config_hash`]).
pub type FileHash = sp_core::H256;

/// The architecture of a model, which tells the engine how to interpret its bundle.
///
/// The SCALE index of each variant is fixed (it is also the kind byte of a bundle header), so new
/// kinds are only ever appended.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum ModelKind {
	/// A sequential multi-layer perceptron described by a small JSON config and safetensors weights.
	#[codec(index = 0)]
	Mlp,
	/// A BERT encoder producing sentence embeddings (mean pooling + L2 normalisation, as
	/// sentence-transformers does), with a `tokenizers` tokenizer.
	#[codec(index = 1)]
	BertEmbedding,
	/// An ONNX graph (`model.onnx`, its `config.json`, and a `tokenizer.json` for a text model),
	/// run on the canonical kernels by `opg-onnx`.
	#[codec(index = 2)]
	Onnx,
	/// Autoregressive text generation: a llama-architecture model in a GGUF file
	/// (`model.gguf`: weights, tokenizer and chat template) with a small `config.json` (its
	/// prompt and answer bounds).
	#[codec(index = 3)]
	TextGeneration,
}

/// What the chain, the engine and the tools know about one [`ModelKind`]: its row in the kind
/// table, [`ModelKind::info`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct KindInfo {
	/// Its name in text: what [`Display`](core::fmt::Display) prints, [`FromStr`] reads
	/// (ignoring case) and `opg-cli models pack --kind` takes.
	pub name: &'static str,
	/// Other names [`FromStr`] accepts.
	pub aliases: &'static [&'static str],
	/// The files its bundle carries ([`crate::bundle::from_dir`] packs them); `None` for a
	/// reserved kind, which no engine runs yet.
	pub files: Option<&'static [&'static str]>,
	/// Files its bundle may carry besides those.
	pub optional: &'static [&'static str],
}

impl ModelKind {
	/// The kind table: one row per kind, the one place its name and bundle files are defined.
	pub const fn info(self) -> KindInfo {
		match self {
			ModelKind::Mlp => KindInfo {
				name: "mlp",
				aliases: &[],
				files: Some(&[CONFIG_FILE, WEIGHTS_FILE]),
				optional: &[],
			},
			ModelKind::BertEmbedding => KindInfo {
				name: "bert-embedding",
				aliases: &["bert", "bertembedding"],
				files: Some(&[CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE, SENTENCE_CONFIG_FILE]),
				optional: &[],
			},
			ModelKind::Onnx => KindInfo {
				name: "onnx",
				aliases: &[],
				files: Some(&[CONFIG_FILE, ONNX_FILE]),
				optional: &[TOKENIZER_FILE],
			},
			ModelKind::TextGeneration => KindInfo {
				name: "text-generation",
				aliases: &["llm", "llama"],
				files: Some(&[CONFIG_FILE, GGUF_FILE]),
				optional: &[],
			},
		}
	}

	/// Every kind, in SCALE index order.
	pub fn all() -> impl Iterator<Item = ModelKind> {
		(0..=u8::MAX).map_while(ModelKind::from_byte)
	}

	/// Its name in text (see [`KindInfo::name`]).
	pub const fn name(self) -> &'static str {
		self.info().name
	}

	/// The files its bundle carries; `None` for a reserved kind.
	pub const fn bundle_files(self) -> Option<&'static [&'static str]> {
		self.info().files
	}

	/// The byte that stands for this kind in a bundle header (equal to its SCALE index).
	pub const fn to_byte(self) -> u8 {
		// Kinds are only ever appended, so a variant's position is its SCALE index (tested).
		self as u8
	}

	/// The kind a bundle header byte stands for, if any.
	pub fn from_byte(byte: u8) -> Option<Self> {
		Self::decode(&mut [byte].as_slice()).ok()
	}

	/// Whether models of this kind generate text from prompts: their schema, and only theirs,
	/// takes an [`InputSchema::Prompt`](crate::InputSchema::Prompt).
	pub const fn takes_prompts(self) -> bool {
		matches!(self, ModelKind::TextGeneration)
	}

	/// Whether the engine of this release can run models of this kind: whether its bundle has
	/// a file list (`opg-inference` checks that it has an architecture for each such kind).
	pub const fn is_runnable(self) -> bool {
		self.bundle_files().is_some()
	}
}

impl core::fmt::Display for ModelKind {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(self.name())
	}
}

/// Why a text names no [`ModelKind`] (its [`Display`](core::fmt::Display) lists the names).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ParseKindError;

impl core::fmt::Display for ParseKindError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("unknown model kind (")?;
		for (i, kind) in ModelKind::all().enumerate() {
			if i > 0 {
				f.write_str(", ")?;
			}
			f.write_str(kind.name())?;
		}
		f.write_str(")")
	}
}

#[cfg(feature = "std")]
impl std::error::Error for ParseKindError {}

impl FromStr for ModelKind {
	type Err = ParseKindError;

	/// A kind by its name or an alias, ignoring case.
	fn from_str(text: &str) -> Result<Self, ParseKindError> {
		ModelKind::all()
			.find(|kind| {
				let info = kind.info();
				core::iter::once(info.name)
					.chain(info.aliases.iter().copied())
					.any(|name| name.eq_ignore_ascii_case(text))
			})
			.ok_or(ParseKindError)
	}
}

impl ModelSpec {
	/// Whether the schema is one a model of this kind can have: a prompt input for text
	/// generation ([`ModelKind::takes_prompts`]), a tensor or text input for the others. (The
	/// schema's own consistency is [`IoSchema::validate`].)
	pub fn schema_fits_kind(&self) -> bool {
		let prompt = matches!(self.schema.input, crate::InputSchema::Prompt { .. });
		prompt == self.kind.takes_prompts()
	}
}

/// What the chain records about a listed model: enough to fetch, verify and validate requests for
/// it without ever holding its weights.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct ModelSpec {
	/// The architecture.
	pub kind: ModelKind,
	/// blake2-256 of the whole bundle (config + weights + tokenizer): the model's identity.
	pub model: ModelHash,
	/// blake2-256 of the bundle's `config.json` alone, so a reader can check which configuration a
	/// listing claims without the weights.
	pub config_hash: FileHash,
	/// The inputs the model accepts and the output it produces.
	pub schema: IoSchema,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn kind_bytes_match_scale_indices() {
		let kinds: Vec<ModelKind> = ModelKind::all().collect();
		// Kinds in chain state keep their index; new ones come after.
		assert!(kinds.starts_with(&[
			ModelKind::Mlp,
			ModelKind::BertEmbedding,
			ModelKind::Onnx,
			ModelKind::TextGeneration
		]));
		for byte in 0..=u8::MAX {
			// `from_byte` knows every kind SCALE decodes (the derive covers every variant).
			assert_eq!(ModelKind::from_byte(byte), ModelKind::decode(&mut [byte].as_slice()).ok());
		}
		for kind in &kinds {
			assert_eq!(kind.encode(), vec![kind.to_byte()]);
			assert_eq!(ModelKind::from_byte(kind.to_byte()), Some(*kind));
		}
		assert_eq!(ModelKind::from_byte(u8::try_from(kinds.len()).unwrap()), None);
	}

	#[test]
	fn kinds_parse_and_display() {
		for kind in ModelKind::all() {
			assert_eq!(kind.to_string().parse::<ModelKind>(), Ok(kind));
			assert_eq!(kind.name().to_uppercase().parse::<ModelKind>(), Ok(kind));
			for alias in kind.info().aliases {
				assert_eq!(alias.parse::<ModelKind>(), Ok(kind));
			}
		}
		// The names `opg-cli models pack --kind` has always taken.
		assert_eq!("mlp".parse::<ModelKind>(), Ok(ModelKind::Mlp));
		for name in ["bert", "bert-embedding", "bertembedding", "BertEmbedding"] {
			assert_eq!(name.parse::<ModelKind>(), Ok(ModelKind::BertEmbedding), "{name}");
		}
		assert_eq!("cnn".parse::<ModelKind>(), Err(ParseKindError));
		assert!(ParseKindError
			.to_string()
			.starts_with("unknown model kind (mlp, bert-embedding, onnx, text-generation"));
		// Names are distinct, aliases included.
		let mut names: Vec<&str> = ModelKind::all()
			.flat_map(|k| [k.name()].into_iter().chain(k.info().aliases.iter().copied()))
			.collect();
		let count = names.len();
		names.sort_unstable();
		names.dedup();
		assert_eq!(names.len(), count);
	}

	#[test]
	fn runnable_kinds_have_bundle_files() {
		assert_eq!(
			ModelKind::Mlp.bundle_files(),
			Some(["config.json", "model.safetensors"].as_slice())
		);
		assert_eq!(
			ModelKind::BertEmbedding.bundle_files(),
			Some(
				["config.json", "model.safetensors", "tokenizer.json", "sentence_bert_config.json"]
					.as_slice()
			)
		);
		assert_eq!(ModelKind::Onnx.bundle_files(), Some(["config.json", "model.onnx"].as_slice()));
		assert_eq!(ModelKind::Onnx.info().optional, ["tokenizer.json"].as_slice());
		assert!(ModelKind::Mlp.is_runnable() && ModelKind::BertEmbedding.is_runnable());
		assert_eq!(
			ModelKind::TextGeneration.bundle_files(),
			Some(["config.json", "model.gguf"].as_slice())
		);
		assert!(ModelKind::Onnx.is_runnable() && ModelKind::TextGeneration.is_runnable());
	}
}
