//! The tensor wire format, and the inputs and outputs of an inference (a tensor, texts, or a
//! prompt and its generated answer, [`crate::generation`]).
//!
//! A [`Tensor`] is a dtype, a shape (row-major, outermost axis first) and its elements as
//! little-endian bytes, densely packed in row-major order. Every field is bounded so a tensor can sit
//! in runtime storage; [`Tensor::validate`] checks what the types alone cannot (that the data length
//! is the product of the shape times the element size).

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::{bounded::BoundedVec, ConstU32, H256};

use crate::{
	generation::{Generation, Prompt},
	schema::SchemaError,
};

/// The largest rank (number of axes) a tensor may have.
pub const MAX_TENSOR_RANK: u32 = 6;
/// The largest tensor, in bytes of data (256 KiB), for inputs and outputs alike.
pub const MAX_TENSOR_BYTES: u32 = 256 * 1024;
/// The longest text of a text input, in bytes of UTF-8.
pub const MAX_TEXT_BYTES: u32 = 2048;
/// The most texts one text input may carry (the batch).
pub const MAX_TEXT_BATCH: u32 = 32;

/// The shape of a tensor: one length per axis, outermost first.
pub type Shape = BoundedVec<u32, ConstU32<MAX_TENSOR_RANK>>;
/// The bytes of a tensor.
pub type TensorData = BoundedVec<u8, ConstU32<MAX_TENSOR_BYTES>>;
/// One text, as UTF-8 bytes.
pub type Text = BoundedVec<u8, ConstU32<MAX_TEXT_BYTES>>;
/// A batch of texts.
pub type TextBatch = BoundedVec<Text, ConstU32<MAX_TEXT_BATCH>>;

/// The element type of a tensor. Every multi-byte type is stored little-endian.
#[derive(
	Clone,
	Copy,
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
pub enum TensorDType {
	/// IEEE 754 binary32.
	#[codec(index = 0)]
	F32,
	/// IEEE 754 binary16.
	#[codec(index = 1)]
	F16,
	/// bfloat16 (the upper half of a binary32).
	#[codec(index = 2)]
	BF16,
	/// Two's complement 64-bit integer.
	#[codec(index = 3)]
	I64,
	/// Unsigned 32-bit integer.
	#[codec(index = 4)]
	U32,
	/// Two's complement 8-bit integer.
	#[codec(index = 5)]
	I8,
}

impl TensorDType {
	/// The size of one element in bytes.
	pub const fn size_in_bytes(self) -> u32 {
		match self {
			TensorDType::F32 | TensorDType::U32 => 4,
			TensorDType::F16 | TensorDType::BF16 => 2,
			TensorDType::I64 => 8,
			TensorDType::I8 => 1,
		}
	}
}

/// A dense tensor in the wire format: `dtype`, `shape`, and `data` holding the elements in
/// row-major order as little-endian bytes.
///
/// The SCALE encoding of a tensor is canonical (one byte string per tensor), which is what
/// [`Tensor::hash`] and the result commitment hash.
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
pub struct Tensor {
	/// The element type.
	pub dtype: TensorDType,
	/// The length of each axis, outermost first. An empty shape is a scalar (one element).
	pub shape: Shape,
	/// The elements, little-endian, row-major.
	pub data: TensorData,
}

/// The number of elements of a tensor of this shape, or `None` when it does not fit in a `u32`.
pub fn element_count(shape: &[u32]) -> Option<u32> {
	shape.iter().try_fold(1u32, |acc, dim| acc.checked_mul(*dim))
}

/// The number of data bytes of a tensor of this dtype and shape, or `None` when it does not fit in
/// a `u32`.
pub fn byte_len(dtype: TensorDType, shape: &[u32]) -> Option<u32> {
	element_count(shape)?.checked_mul(dtype.size_in_bytes())
}

impl Tensor {
	/// A tensor from its parts, checked: rank and size within bounds, and `data` exactly as long
	/// as `shape` and `dtype` say.
	pub fn new(dtype: TensorDType, shape: &[u32], data: Vec<u8>) -> Result<Self, SchemaError> {
		let found_rank = u32::try_from(shape.len()).unwrap_or(u32::MAX);
		let shape = Shape::try_from(shape.to_vec())
			.map_err(|_| SchemaError::RankTooLarge { max: MAX_TENSOR_RANK, found: found_rank })?;
		let found_len = u32::try_from(data.len()).unwrap_or(u32::MAX);
		let data = TensorData::try_from(data)
			.map_err(|_| SchemaError::TooLarge { max: MAX_TENSOR_BYTES, found: found_len })?;
		let tensor = Tensor { dtype, shape, data };
		tensor.validate()?;
		Ok(tensor)
	}

	/// An `F32` tensor of this shape from its values.
	pub fn from_f32(shape: &[u32], values: &[f32]) -> Result<Self, SchemaError> {
		let mut data = Vec::with_capacity(values.len().saturating_mul(4));
		for value in values {
			data.extend_from_slice(&value.to_le_bytes());
		}
		Self::new(TensorDType::F32, shape, data)
	}

	/// Checks that the data length equals the product of the shape times the element size.
	pub fn validate(&self) -> Result<(), SchemaError> {
		let expected = byte_len(self.dtype, &self.shape).ok_or(SchemaError::ShapeOverflow)?;
		let found = u32::try_from(self.data.len()).unwrap_or(u32::MAX);
		if expected != found {
			return Err(SchemaError::LengthMismatch { expected, found });
		}
		Ok(())
	}

	/// The index of the first NaN or infinite element of a floating-point tensor (`F32`,
	/// `F16`, `BF16`: the exponent bits all set), `None` when every element is finite or the
	/// dtype is an integer one.
	pub fn first_non_finite(&self) -> Option<u32> {
		let (width, exponent): (usize, u32) = match self.dtype {
			TensorDType::F32 => (4, 0x7F80_0000),
			TensorDType::F16 => (2, 0x7C00),
			TensorDType::BF16 => (2, 0x7F80),
			_ => return None,
		};
		self.data
			.chunks_exact(width)
			.map(|c| c.iter().rev().fold(0u32, |bits, b| bits << 8 | u32::from(*b)))
			.position(|bits| bits & exponent == exponent)
			.map(|i| u32::try_from(i).unwrap_or(u32::MAX))
	}

	/// The number of elements this tensor's shape describes (`None` when it overflows a `u32`).
	pub fn element_count(&self) -> Option<u32> {
		element_count(&self.shape)
	}

	/// The values of an `F32` tensor.
	pub fn to_f32_vec(&self) -> Result<Vec<f32>, SchemaError> {
		if self.dtype != TensorDType::F32 {
			return Err(SchemaError::WrongDType { expected: TensorDType::F32, found: self.dtype });
		}
		self.validate()?;
		Ok(self
			.data
			.chunks_exact(4)
			.filter_map(|c| <[u8; 4]>::try_from(c).ok())
			.map(f32::from_le_bytes)
			.collect())
	}

	/// blake2-256 of the tensor's SCALE encoding (see [`crate::commitment::tensor_hash`]).
	pub fn hash(&self) -> H256 {
		crate::commitment::tensor_hash(self.dtype, &self.shape, &self.data)
	}
}

/// A text as the wire format bounds it ([`MAX_TEXT_BYTES`]).
pub fn to_text(text: &str) -> Result<Text, SchemaError> {
	let found = u32::try_from(text.len()).unwrap_or(u32::MAX);
	Text::try_from(text.as_bytes().to_vec())
		.map_err(|_| SchemaError::TextTooLong { max: MAX_TEXT_BYTES, found })
}

/// What a request asks a model to run on.
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
pub enum InferenceInput {
	/// A tensor, for models that take numbers (an MLP).
	#[codec(index = 0)]
	Tensor(Tensor),
	/// A batch of UTF-8 texts, for models with a tokenizer (a sentence embedder). Output row `i`
	/// belongs to text `i`.
	#[codec(index = 1)]
	Text(TextBatch),
	/// A prompt, for text-generation models.
	#[codec(index = 2)]
	Prompt(Prompt),
}

impl InferenceInput {
	/// A text input of one text, if it fits the bounds.
	pub fn text(text: &str) -> Result<Self, SchemaError> {
		Self::texts(&[text])
	}

	/// A text input of several texts, if they fit the bounds.
	pub fn texts(texts: &[&str]) -> Result<Self, SchemaError> {
		let batch = texts.iter().map(|text| to_text(text)).collect::<Result<Vec<_>, _>>()?;
		let found = u32::try_from(texts.len()).unwrap_or(u32::MAX);
		TextBatch::try_from(batch)
			.map(InferenceInput::Text)
			.map_err(|_| SchemaError::BatchTooLarge { max: MAX_TEXT_BATCH, found })
	}
}

/// What a model returns.
///
/// Its SCALE encoding is the canonical output bytes that [`crate::commitment::output_hash`]
/// hashes, so two executors agree on a result exactly when they agree on these bytes.
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
pub enum InferenceOutput {
	/// A tensor (logits of a classifier, embeddings of a sentence embedder, ...).
	#[codec(index = 0)]
	Tensor(Tensor),
	/// The answer of a text-generation model.
	#[codec(index = 1)]
	Generated(Generation),
}

impl InferenceOutput {
	/// The output tensor, if the output is one.
	pub fn tensor(&self) -> Option<&Tensor> {
		match self {
			InferenceOutput::Tensor(tensor) => Some(tensor),
			InferenceOutput::Generated(_) => None,
		}
	}

	/// The generated answer, if the output is one.
	pub fn generation(&self) -> Option<&Generation> {
		match self {
			InferenceOutput::Generated(generation) => Some(generation),
			InferenceOutput::Tensor(_) => None,
		}
	}

	/// The units this output is billed for, when the model is billed per unit (the tokens of a
	/// generation, see [`Generation::billed_units`]); `None` for an output billed as one
	/// inference.
	pub fn billed_units(&self) -> Option<u32> {
		self.generation().map(Generation::billed_units)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;

	#[test]
	fn first_non_finite_reads_each_float_width() {
		let f32s = |v: &[f32]| Tensor::from_f32(&[rank(v.len())], v).unwrap();
		assert_eq!(f32s(&[0.0, -1.5, f32::MAX, f32::MIN_POSITIVE / 2.0]).first_non_finite(), None);
		assert_eq!(f32s(&[0.0, 1.0, f32::NAN]).first_non_finite(), Some(2));
		assert_eq!(f32s(&[f32::NEG_INFINITY, 1.0]).first_non_finite(), Some(0));
		// Little-endian halves: 0x7C00 is +inf in F16, 0x7BFF its largest finite value;
		// 0x7FC0 is a NaN in BF16, 0x7F7F its largest finite value.
		let halves = |dtype, words: &[u16]| {
			let data = words.iter().flat_map(|w| w.to_le_bytes()).collect();
			Tensor::new(dtype, &[rank(words.len())], data).unwrap()
		};
		assert_eq!(halves(TensorDType::F16, &[0x7BFF, 0x0001]).first_non_finite(), None);
		assert_eq!(halves(TensorDType::F16, &[0x3C00, 0x7C00]).first_non_finite(), Some(1));
		assert_eq!(halves(TensorDType::BF16, &[0x7F7F, 0xFF7F]).first_non_finite(), None);
		assert_eq!(halves(TensorDType::BF16, &[0x7FC0]).first_non_finite(), Some(0));
		// Integers have no non-finite values, whatever their bits.
		let ints = Tensor::new(TensorDType::I64, &[1], i64::MAX.to_le_bytes().to_vec()).unwrap();
		assert_eq!(ints.first_non_finite(), None);
	}

	fn rank(len: usize) -> u32 {
		u32::try_from(len).unwrap()
	}

	#[test]
	fn new_checks_length_against_shape() {
		assert!(Tensor::new(TensorDType::F32, &[2, 3], vec![0; 24]).is_ok());
		assert_eq!(
			Tensor::new(TensorDType::F32, &[2, 3], vec![0; 23]),
			Err(SchemaError::LengthMismatch { expected: 24, found: 23 })
		);
		assert_eq!(
			Tensor::new(TensorDType::I64, &[u32::MAX, 2], vec![]),
			Err(SchemaError::ShapeOverflow)
		);
		assert_eq!(
			Tensor::new(TensorDType::I8, &[1; 7], vec![0]),
			Err(SchemaError::RankTooLarge { max: MAX_TENSOR_RANK, found: 7 })
		);
		let too_big = (MAX_TENSOR_BYTES + 1) as usize;
		assert_eq!(
			Tensor::new(TensorDType::I8, &[too_big as u32], vec![0; too_big]),
			Err(SchemaError::TooLarge { max: MAX_TENSOR_BYTES, found: MAX_TENSOR_BYTES + 1 })
		);
		// A scalar has one element.
		assert!(Tensor::new(TensorDType::U32, &[], vec![1, 0, 0, 0]).is_ok());
	}

	#[test]
	fn f32_round_trips_little_endian() {
		let t = Tensor::from_f32(&[2], &[1.0, -2.5]).unwrap();
		assert_eq!(&t.data[..4], &1.0f32.to_le_bytes());
		assert_eq!(t.to_f32_vec().unwrap(), vec![1.0, -2.5]);
		let decoded = Tensor::decode(&mut &t.encode()[..]).unwrap();
		assert_eq!(decoded, t);
	}

	#[test]
	fn decoded_tensor_may_be_inconsistent_until_validated() {
		let bad = Tensor {
			dtype: TensorDType::F32,
			shape: Shape::try_from(vec![4]).unwrap(),
			data: TensorData::try_from(vec![0u8; 3]).unwrap(),
		};
		let decoded = Tensor::decode(&mut &bad.encode()[..]).unwrap();
		assert!(decoded.validate().is_err());
		assert!(decoded.to_f32_vec().is_err());
	}

	#[test]
	fn text_inputs_are_bounded() {
		assert!(InferenceInput::text("hello").is_ok());
		let long = "x".repeat(MAX_TEXT_BYTES as usize + 1);
		assert!(matches!(InferenceInput::text(&long), Err(SchemaError::TextTooLong { .. })));
		let many = vec!["a"; MAX_TEXT_BATCH as usize + 1];
		assert!(matches!(InferenceInput::texts(&many), Err(SchemaError::BatchTooLarge { .. })));
	}
}
