//! Model identity: the content hash, the architecture kind and the spec the chain stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

use crate::schema::IoSchema;

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
	/// Reserved: an ONNX graph. Not run by the engine yet.
	#[codec(index = 2)]
	Onnx,
	/// Reserved: autoregressive text generation. Not run by the engine yet.
	#[codec(index = 3)]
	TextGeneration,
}

impl ModelKind {
	/// The byte that stands for this kind in a bundle header (equal to its SCALE index).
	pub const fn to_byte(self) -> u8 {
		match self {
			ModelKind::Mlp => 0,
			ModelKind::BertEmbedding => 1,
			ModelKind::Onnx => 2,
			ModelKind::TextGeneration => 3,
		}
	}

	/// The kind a bundle header byte stands for, if any.
	pub const fn from_byte(byte: u8) -> Option<Self> {
		match byte {
			0 => Some(ModelKind::Mlp),
			1 => Some(ModelKind::BertEmbedding),
			2 => Some(ModelKind::Onnx),
			3 => Some(ModelKind::TextGeneration),
			_ => None,
		}
	}

	/// Whether the engine of this release can run models of this kind.
	pub const fn is_runnable(self) -> bool {
		matches!(self, ModelKind::Mlp | ModelKind::BertEmbedding)
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
mod tests {
	use super::*;

	#[test]
	fn kind_bytes_match_scale_indices() {
		for kind in
			[ModelKind::Mlp, ModelKind::BertEmbedding, ModelKind::Onnx, ModelKind::TextGeneration]
		{
			assert_eq!(kind.encode(), vec![kind.to_byte()]);
			assert_eq!(ModelKind::from_byte(kind.to_byte()), Some(kind));
		}
		assert_eq!(ModelKind::from_byte(4), None);
	}
}
