//! What a model accepts and returns, and the typed errors of checking an input against it.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::{bounded::BoundedVec, ConstU32};

use crate::{
	generation::Prompt,
	limits::{MAX_BATCH, MAX_GENERATED_TEXT_BYTES, MAX_NEW_TOKENS, MAX_OUTPUT_BYTES},
	tensor::{
		InferenceInput, InferenceOutput, Tensor, TensorDType, MAX_TENSOR_RANK, MAX_TEXT_BATCH,
		MAX_TEXT_BYTES,
	},
};

// Every batch a schema may allow fits the wire format's bound on the texts of one input.
const _: () = assert!(MAX_BATCH <= MAX_TEXT_BATCH);

/// Why an input (or output) does not fit a tensor's bounds or a model's schema.
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
pub enum SchemaError {
	/// The product of the shape overflows.
	ShapeOverflow,
	/// The data length is not the shape's element count times the element size.
	LengthMismatch {
		/// Bytes the shape and dtype call for.
		expected: u32,
		/// Bytes present.
		found: u32,
	},
	/// More axes than [`MAX_TENSOR_RANK`].
	RankTooLarge {
		/// The bound.
		max: u32,
		/// The rank given.
		found: u32,
	},
	/// More data bytes than the bound.
	TooLarge {
		/// The bound.
		max: u32,
		/// The size given.
		found: u32,
	},
	/// The element type is not the one the model takes.
	WrongDType {
		/// The dtype the schema asks for.
		expected: TensorDType,
		/// The dtype given.
		found: TensorDType,
	},
	/// The number of axes is not the one the model takes.
	WrongRank {
		/// The rank the schema asks for.
		expected: u32,
		/// The rank given.
		found: u32,
	},
	/// An axis of fixed length has another length.
	WrongDim {
		/// The axis (0 = outermost).
		axis: u32,
		/// The length the schema asks for.
		expected: u32,
		/// The length given.
		found: u32,
	},
	/// The batch is empty.
	EmptyBatch,
	/// The batch is larger than the model allows.
	BatchTooLarge {
		/// The bound.
		max: u32,
		/// The batch given.
		found: u32,
	},
	/// A text is longer than the model allows.
	TextTooLong {
		/// The bound, in bytes.
		max: u32,
		/// The length given, in bytes.
		found: u32,
	},
	/// A text is not valid UTF-8.
	InvalidUtf8,
	/// The model takes text, a tensor was given.
	ExpectedText,
	/// The model takes a tensor, text was given.
	ExpectedTensor,
	/// A schema's largest batch is 0: it must be at least 1.
	ZeroMaxBatch,
	/// A text schema's bound is 0 or above [`MAX_TEXT_BYTES`].
	TextBoundOutOfRange {
		/// The largest bound allowed, in bytes.
		max: u32,
		/// The bound given.
		found: u32,
	},
	/// A tensor schema's axis is neither a positive length nor, first, the batch axis.
	BadAxis {
		/// The axis (0 = outermost).
		axis: u32,
	},
	/// An input element is NaN or infinite (no model can be asked to run on it).
	NonFinite {
		/// The element's index, row-major.
		index: u32,
	},
	/// A schema's largest batch is above [`MAX_BATCH`], the largest every engine runs.
	MaxBatchTooLarge {
		/// The largest batch allowed.
		max: u32,
		/// The batch given.
		found: u32,
	},
	/// A schema's output, at its largest batch, could encode larger than [`MAX_OUTPUT_BYTES`]
	/// (no result of such a size could be submitted).
	OutputTooLarge {
		/// The bound, in encoded bytes.
		max: u32,
		/// The largest encoded output of the schema, in bytes (saturated at `u32::MAX`).
		found: u32,
	},
	/// The model generates text from a prompt; something else was given.
	ExpectedPrompt,
	/// A prompt asks for no tokens, or for more than the model generates.
	NewTokensOutOfRange {
		/// The most tokens the model generates for one prompt.
		max: u32,
		/// The number asked for.
		found: u32,
	},
	/// A schema pairs a prompt input with a tensor output, or another input with a generated
	/// output.
	MismatchedOutput,
	/// The output is not of the kind the schema says (a tensor where text was due, or the
	/// reverse).
	WrongOutputKind,
	/// A generated answer has more tokens than its prompt asked for.
	TooManyTokens {
		/// The prompt's `max_new_tokens`.
		max: u32,
		/// The tokens in the answer.
		found: u32,
	},
	/// A text-generation schema's prompt bound is 0 tokens.
	ZeroPromptTokens,
}

impl core::fmt::Display for SchemaError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			SchemaError::ShapeOverflow => write!(f, "the shape's element count overflows"),
			SchemaError::LengthMismatch { expected, found } => {
				write!(f, "the shape and dtype call for {expected} bytes, {found} were given")
			}
			SchemaError::RankTooLarge { max, found } => {
				write!(f, "{found} axes, at most {max} are allowed")
			}
			SchemaError::TooLarge { max, found } => {
				write!(f, "{found} bytes of tensor data, at most {max} are allowed")
			}
			SchemaError::WrongDType { expected, found } => {
				write!(f, "the model takes {expected:?}, {found:?} was given")
			}
			SchemaError::WrongRank { expected, found } => {
				write!(f, "the model takes {expected} axes, {found} were given")
			}
			SchemaError::WrongDim { axis, expected, found } => {
				write!(f, "axis {axis} has length {found}, the model takes {expected}")
			}
			SchemaError::EmptyBatch => write!(f, "the batch is empty"),
			SchemaError::BatchTooLarge { max, found } => {
				write!(f, "a batch of {found}, the model takes at most {max}")
			}
			SchemaError::TextTooLong { max, found } => {
				write!(f, "a text of {found} bytes, the model takes at most {max}")
			}
			SchemaError::InvalidUtf8 => write!(f, "a text is not valid UTF-8"),
			SchemaError::ExpectedText => write!(f, "the model takes text, a tensor was given"),
			SchemaError::ExpectedTensor => write!(f, "the model takes a tensor, text was given"),
			SchemaError::ZeroMaxBatch => write!(f, "the largest batch is 0, it must be at least 1"),
			SchemaError::TextBoundOutOfRange { max, found } => {
				write!(f, "a text bound of {found} bytes, it must be 1 to {max}")
			}
			SchemaError::BadAxis { axis } => write!(
				f,
				"axis {axis} is neither a positive length nor, as the first axis, the batch axis"
			),
			SchemaError::NonFinite { index } => {
				write!(f, "input element {index} is NaN or infinite")
			}
			SchemaError::MaxBatchTooLarge { max, found } => {
				write!(f, "a largest batch of {found}, at most {max} is allowed")
			}
			SchemaError::OutputTooLarge { max, found } => write!(
				f,
				"the output could encode to {found} bytes at the largest batch, at most {max} \
				 are allowed"
			),
			SchemaError::ExpectedPrompt => write!(f, "the model takes a prompt"),
			SchemaError::NewTokensOutOfRange { max, found } => {
				write!(f, "{found} new tokens asked for, the model generates 1 to {max}")
			}
			SchemaError::MismatchedOutput => write!(
				f,
				"a prompt input goes with a generated output, and any other input with a tensor"
			),
			SchemaError::WrongOutputKind => write!(f, "the output is not of the schema's kind"),
			SchemaError::TooManyTokens { max, found } => {
				write!(f, "an answer of {found} tokens, the prompt asked for at most {max}")
			}
			SchemaError::ZeroPromptTokens => write!(f, "the prompt bound is 0 tokens"),
		}
	}
}

/// The length of one axis in a [`TensorSchema`].
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
pub enum Dim {
	/// The batch axis: any length from 1 to [`IoSchema::max_batch`]. Allowed as the first axis
	/// only.
	#[codec(index = 0)]
	Batch,
	/// Exactly this length.
	#[codec(index = 1)]
	Fixed(u32),
}

/// The dtype and shape of a tensor a model takes or returns.
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
pub struct TensorSchema {
	/// The element type.
	pub dtype: TensorDType,
	/// The axes, outermost first.
	pub dims: BoundedVec<Dim, ConstU32<MAX_TENSOR_RANK>>,
}

impl TensorSchema {
	/// A schema from a dtype and axes (`None` when there are more than [`MAX_TENSOR_RANK`]).
	pub fn new(dtype: TensorDType, dims: &[Dim]) -> Option<Self> {
		BoundedVec::try_from(dims.to_vec()).ok().map(|dims| TensorSchema { dtype, dims })
	}

	/// Checks a tensor against this schema, with the batch axis bounded by `max_batch`, and
	/// returns its batch size (1 when the schema has no batch axis).
	pub fn check(&self, tensor: &Tensor, max_batch: u32) -> Result<u32, SchemaError> {
		tensor.validate()?;
		if tensor.dtype != self.dtype {
			return Err(SchemaError::WrongDType { expected: self.dtype, found: tensor.dtype });
		}
		if tensor.shape.len() != self.dims.len() {
			return Err(SchemaError::WrongRank {
				expected: rank(self.dims.len()),
				found: rank(tensor.shape.len()),
			});
		}
		let mut batch = 1;
		for (axis, (dim, found)) in self.dims.iter().zip(tensor.shape.iter()).enumerate() {
			match dim {
				Dim::Batch => {
					batch = check_batch(*found, max_batch)?;
				}
				Dim::Fixed(expected) => {
					if expected != found {
						return Err(SchemaError::WrongDim {
							axis: rank(axis),
							expected: *expected,
							found: *found,
						});
					}
				}
			}
		}
		Ok(batch)
	}

	/// Checks a tensor against this schema with the batch axis fixed to `batch`.
	pub fn check_with_batch(&self, tensor: &Tensor, batch: u32) -> Result<(), SchemaError> {
		let found = self.check(tensor, batch)?;
		let has_batch = self.dims.first() == Some(&Dim::Batch);
		if has_batch && found != batch {
			return Err(SchemaError::WrongDim { axis: 0, expected: batch, found });
		}
		Ok(())
	}

	/// The largest SCALE encoding of an [`InferenceOutput`] of this schema with the batch axis
	/// at `batch` (saturating: a schema this large is refused anyway).
	pub fn max_encoded_output(&self, batch: u32) -> u64 {
		let elements = self.dims.iter().fold(1u64, |acc, dim| {
			let len = match dim {
				Dim::Batch => batch,
				Dim::Fixed(n) => *n,
			};
			acc.saturating_mul(u64::from(len))
		});
		let data = elements.saturating_mul(u64::from(self.dtype.size_in_bytes()));
		// The output's variant and dtype bytes, the shape (a compact length of at most one byte
		// and four bytes per axis) and the data's compact length (at most five bytes).
		let rank = u64::try_from(self.dims.len()).unwrap_or(u64::MAX);
		let overhead =
			1u64.saturating_add(1).saturating_add(1).saturating_add(rank.saturating_mul(4));
		data.saturating_add(overhead).saturating_add(5)
	}

	/// Every axis is a positive length, but the first, which may be the batch axis.
	fn validate(&self) -> Result<(), SchemaError> {
		let bad = self.dims.iter().enumerate().position(|(axis, d)| match d {
			Dim::Batch => axis > 0,
			Dim::Fixed(n) => *n == 0,
		});
		match bad {
			Some(axis) => Err(SchemaError::BadAxis { axis: rank(axis) }),
			None => Ok(()),
		}
	}
}

/// What kind of input a model takes.
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
pub enum InputSchema {
	/// A tensor of this dtype and shape.
	#[codec(index = 0)]
	Tensor(TensorSchema),
	/// A batch of UTF-8 texts, each at most `max_bytes` long.
	#[codec(index = 1)]
	Text {
		/// The longest text accepted, in bytes (at most [`MAX_TEXT_BYTES`]).
		max_bytes: u32,
	},
	/// One [`Prompt`] of at most `max_bytes` bytes of text, which the engine refuses
	/// (`InputTooLarge`) beyond `max_prompt_tokens` tokens after the chat template.
	#[codec(index = 2)]
	Prompt {
		/// The longest prompt text accepted, in bytes (at most [`MAX_TEXT_BYTES`]).
		max_bytes: u32,
		/// The most prompt tokens the model takes; also what the fee held for a request counts
		/// for its prompt ([`IoSchema::billable_units`]).
		max_prompt_tokens: u32,
	},
}

/// What a model returns.
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
pub enum OutputSchema {
	/// A tensor of this dtype and shape (its batch axis, if any, has the input's batch size).
	#[codec(index = 0)]
	Tensor(TensorSchema),
	/// A [`Generation`](crate::generation::Generation) of at most `max_new_tokens` tokens
	/// (the prompt's own `max_new_tokens` bounds each answer).
	#[codec(index = 1)]
	Generated {
		/// The most tokens one prompt may ask for (1 to [`MAX_NEW_TOKENS`]).
		max_new_tokens: u32,
	},
}

impl OutputSchema {
	/// The tensor schema, if the output is a tensor.
	pub fn tensor(&self) -> Option<&TensorSchema> {
		match self {
			OutputSchema::Tensor(schema) => Some(schema),
			OutputSchema::Generated { .. } => None,
		}
	}
}

/// The input a model accepts and the output it produces.
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
pub struct IoSchema {
	/// The accepted input.
	pub input: InputSchema,
	/// The produced output. A tensor's batch axis (if any) has the input's batch size.
	pub output: OutputSchema,
	/// The largest batch accepted (1 to [`MAX_BATCH`]).
	pub max_batch: u32,
}

impl IoSchema {
	/// Checks that the schema itself makes sense and that every engine can serve it:
	/// `1 ≤ max_batch ≤` [`MAX_BATCH`], a batch axis only as the first axis, fixed axes non-zero,
	/// text bounds within the wire format's, and an output that encodes within
	/// [`MAX_OUTPUT_BYTES`] at the largest batch.
	pub fn validate(&self) -> Result<(), SchemaError> {
		if self.max_batch == 0 {
			return Err(SchemaError::ZeroMaxBatch);
		}
		if self.max_batch > MAX_BATCH {
			return Err(SchemaError::MaxBatchTooLarge { max: MAX_BATCH, found: self.max_batch });
		}
		match &self.input {
			InputSchema::Tensor(schema) => schema.validate()?,
			InputSchema::Text { max_bytes } | InputSchema::Prompt { max_bytes, .. } => {
				if *max_bytes == 0 || *max_bytes > MAX_TEXT_BYTES {
					let (max, found) = (MAX_TEXT_BYTES, *max_bytes);
					return Err(SchemaError::TextBoundOutOfRange { max, found });
				}
			}
		}
		match (&self.input, &self.output) {
			(
				InputSchema::Prompt { max_prompt_tokens, .. },
				OutputSchema::Generated { max_new_tokens },
			) => {
				if *max_prompt_tokens == 0 {
					return Err(SchemaError::ZeroPromptTokens);
				}
				if *max_new_tokens == 0 || *max_new_tokens > MAX_NEW_TOKENS {
					let (max, found) = (MAX_NEW_TOKENS, *max_new_tokens);
					return Err(SchemaError::NewTokensOutOfRange { max, found });
				}
				// A generation's largest encoding is bounded by the wire types themselves.
				const _: () =
					assert!(MAX_NEW_TOKENS * 4 + MAX_GENERATED_TEXT_BYTES + 16 <= MAX_OUTPUT_BYTES);
				Ok(())
			}
			(InputSchema::Prompt { .. }, _) | (_, OutputSchema::Generated { .. }) => {
				Err(SchemaError::MismatchedOutput)
			}
			(_, OutputSchema::Tensor(output)) => {
				output.validate()?;
				let largest = output.max_encoded_output(self.max_batch);
				if largest > u64::from(MAX_OUTPUT_BYTES) {
					let found = u32::try_from(largest).unwrap_or(u32::MAX);
					return Err(SchemaError::OutputTooLarge { max: MAX_OUTPUT_BYTES, found });
				}
				Ok(())
			}
		}
	}

	/// The units a request with this input is billed for at most: the fee held is the model's
	/// price times these. One for a tensor or text model (billed per inference); for a
	/// text-generation model, the schema's prompt bound plus the prompt's `max_new_tokens`
	/// (billed per token: the answer's [`billed_units`](crate::InferenceOutput::billed_units)
	/// are paid, the rest refunded). Call it on an input [`IoSchema::check`] accepted.
	pub fn billable_units(&self, input: &InferenceInput) -> u32 {
		match (&self.input, input) {
			(InputSchema::Prompt { max_prompt_tokens, .. }, InferenceInput::Prompt(prompt)) => {
				max_prompt_tokens.saturating_add(prompt.max_new_tokens)
			}
			_ => 1,
		}
	}

	/// Checks an input against the schema and returns its batch size. A tensor input's
	/// floating-point elements must be finite.
	pub fn check(&self, input: &InferenceInput) -> Result<u32, SchemaError> {
		match (&self.input, input) {
			(InputSchema::Tensor(schema), InferenceInput::Tensor(tensor)) => {
				let batch = schema.check(tensor, self.max_batch)?;
				match tensor.first_non_finite() {
					Some(index) => Err(SchemaError::NonFinite { index }),
					None => Ok(batch),
				}
			}
			(InputSchema::Text { max_bytes }, InferenceInput::Text(texts)) => {
				let batch = check_batch(rank(texts.len()), self.max_batch)?;
				for text in texts {
					let found = rank(text.len());
					if found > *max_bytes {
						return Err(SchemaError::TextTooLong { max: *max_bytes, found });
					}
					core::str::from_utf8(text).map_err(|_| SchemaError::InvalidUtf8)?;
				}
				Ok(batch)
			}
			(
				InputSchema::Prompt { max_bytes, .. },
				InferenceInput::Prompt(Prompt { text, max_new_tokens, .. }),
			) => {
				let found = rank(text.len());
				if found > *max_bytes {
					return Err(SchemaError::TextTooLong { max: *max_bytes, found });
				}
				core::str::from_utf8(text).map_err(|_| SchemaError::InvalidUtf8)?;
				let max = match self.output {
					OutputSchema::Generated { max_new_tokens } => max_new_tokens,
					OutputSchema::Tensor(_) => 0,
				};
				if *max_new_tokens == 0 || *max_new_tokens > max {
					return Err(SchemaError::NewTokensOutOfRange { max, found: *max_new_tokens });
				}
				Ok(1)
			}
			(InputSchema::Prompt { .. }, _) => Err(SchemaError::ExpectedPrompt),
			(InputSchema::Text { .. }, _) => Err(SchemaError::ExpectedText),
			(InputSchema::Tensor(_), _) => Err(SchemaError::ExpectedTensor),
		}
	}

	/// Checks that an output fits the schema for this input (the output's batch axis must equal
	/// the input's batch size).
	pub fn check_output(
		&self,
		input: &InferenceInput,
		output: &InferenceOutput,
	) -> Result<(), SchemaError> {
		let batch = self.check(input)?;
		match (&self.output, output, input) {
			(OutputSchema::Tensor(schema), InferenceOutput::Tensor(tensor), _) => {
				schema.check_with_batch(tensor, batch)
			}
			(
				OutputSchema::Generated { .. },
				InferenceOutput::Generated(answer),
				InferenceInput::Prompt(prompt),
			) => {
				let found = rank(answer.tokens.len());
				if found > prompt.max_new_tokens {
					return Err(SchemaError::TooManyTokens { max: prompt.max_new_tokens, found });
				}
				core::str::from_utf8(&answer.text).map_err(|_| SchemaError::InvalidUtf8)?;
				Ok(())
			}
			_ => Err(SchemaError::WrongOutputKind),
		}
	}
}

fn check_batch(found: u32, max: u32) -> Result<u32, SchemaError> {
	match found {
		0 => Err(SchemaError::EmptyBatch),
		n if n > max => Err(SchemaError::BatchTooLarge { max, found: n }),
		n => Ok(n),
	}
}

/// A length that is bounded by a `u32` bound (saturating if it were not).
fn rank(len: usize) -> u32 {
	u32::try_from(len).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use crate::generation::{Generation, Sampling, StopReason};

	#[test]
	fn tensor_inputs_must_be_finite() {
		let schema = digits_schema();
		let mut values = [0.5f32; 64];
		let ok = InferenceInput::Tensor(Tensor::from_f32(&[1, 64], &values).unwrap());
		assert_eq!(schema.check(&ok), Ok(1));
		values[17] = f32::NAN;
		let nan = InferenceInput::Tensor(Tensor::from_f32(&[1, 64], &values).unwrap());
		assert_eq!(schema.check(&nan), Err(SchemaError::NonFinite { index: 17 }));
	}

	fn digits_schema() -> IoSchema {
		IoSchema {
			input: InputSchema::Tensor(
				TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(64)]).unwrap(),
			),
			output: OutputSchema::Tensor(
				TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(10)]).unwrap(),
			),
			max_batch: 4,
		}
	}

	fn text_schema() -> IoSchema {
		IoSchema {
			input: InputSchema::Text { max_bytes: 10 },
			output: OutputSchema::Tensor(
				TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(384)]).unwrap(),
			),
			max_batch: 2,
		}
	}

	fn f32s(shape: &[u32]) -> InferenceInput {
		let n = shape.iter().product::<u32>() as usize;
		InferenceInput::Tensor(Tensor::from_f32(shape, &vec![0.5; n]).unwrap())
	}

	#[test]
	fn tensor_inputs_are_checked() {
		let s = digits_schema();
		assert!(s.validate().is_ok());
		assert_eq!(s.check(&f32s(&[3, 64])), Ok(3));
		assert_eq!(
			s.check(&f32s(&[3, 63])),
			Err(SchemaError::WrongDim { axis: 1, expected: 64, found: 63 })
		);
		assert_eq!(s.check(&f32s(&[64])), Err(SchemaError::WrongRank { expected: 2, found: 1 }));
		assert_eq!(s.check(&f32s(&[5, 64])), Err(SchemaError::BatchTooLarge { max: 4, found: 5 }));
		assert_eq!(s.check(&f32s(&[0, 64])), Err(SchemaError::EmptyBatch));
		let ints = Tensor::new(TensorDType::I64, &[1, 64], vec![0; 512]).unwrap();
		assert_eq!(
			s.check(&InferenceInput::Tensor(ints)),
			Err(SchemaError::WrongDType { expected: TensorDType::F32, found: TensorDType::I64 })
		);
		assert_eq!(s.check(&InferenceInput::text("hi").unwrap()), Err(SchemaError::ExpectedTensor));
	}

	#[test]
	fn text_inputs_are_checked() {
		let s = text_schema();
		assert!(s.validate().is_ok());
		assert_eq!(s.check(&InferenceInput::texts(&["a", "b"]).unwrap()), Ok(2));
		assert_eq!(
			s.check(&InferenceInput::text("01234567890").unwrap()),
			Err(SchemaError::TextTooLong { max: 10, found: 11 })
		);
		assert_eq!(
			s.check(&InferenceInput::texts(&["a", "b", "c"]).unwrap()),
			Err(SchemaError::BatchTooLarge { max: 2, found: 3 })
		);
		assert_eq!(s.check(&InferenceInput::texts(&[]).unwrap()), Err(SchemaError::EmptyBatch));
		let invalid = InferenceInput::Text(
			vec![crate::tensor::Text::try_from(vec![0xff, 0xfe]).unwrap()].try_into().unwrap(),
		);
		assert_eq!(s.check(&invalid), Err(SchemaError::InvalidUtf8));
		assert_eq!(s.check(&f32s(&[1, 64])), Err(SchemaError::ExpectedText));
	}

	#[test]
	fn outputs_follow_the_input_batch() {
		let s = digits_schema();
		let input = f32s(&[2, 64]);
		let good = InferenceOutput::Tensor(Tensor::from_f32(&[2, 10], &[0.0; 20]).unwrap());
		let bad = InferenceOutput::Tensor(Tensor::from_f32(&[1, 10], &[0.0; 10]).unwrap());
		assert_eq!(s.check_output(&input, &good), Ok(()));
		assert_eq!(
			s.check_output(&input, &bad),
			Err(SchemaError::WrongDim { axis: 0, expected: 2, found: 1 })
		);
	}

	#[test]
	fn malformed_schemas_are_rejected() {
		let mut s = digits_schema();
		s.max_batch = 0;
		assert_eq!(s.validate(), Err(SchemaError::ZeroMaxBatch));
		let mut s = digits_schema();
		s.output = OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Fixed(10), Dim::Batch]).unwrap(),
		);
		assert_eq!(s.validate(), Err(SchemaError::BadAxis { axis: 1 }));
		// No schema may allow a batch an engine would refuse, for texts or tensors.
		for mut s in [text_schema(), digits_schema()] {
			s.max_batch = MAX_BATCH + 1;
			let error = SchemaError::MaxBatchTooLarge { max: MAX_BATCH, found: MAX_BATCH + 1 };
			assert_eq!(s.validate(), Err(error));
			s.max_batch = MAX_BATCH;
			assert_eq!(s.validate(), Ok(()));
		}
		// Nor an output no result could carry: 32 rows of 1,000 f32 and the encoding's few bytes
		// fit in 128 KiB, 32 rows of 1,025 do not.
		let mut s = digits_schema();
		s.max_batch = MAX_BATCH;
		s.output = OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(1000)]).unwrap(),
		);
		assert_eq!(s.validate(), Ok(()));
		s.output = OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(1025)]).unwrap(),
		);
		let found = 32 * 1025 * 4 + 3 + 8 + 5;
		let error = SchemaError::OutputTooLarge { max: MAX_OUTPUT_BYTES, found };
		assert_eq!(s.validate(), Err(error));
		let s = IoSchema { input: InputSchema::Text { max_bytes: 4096 }, ..text_schema() };
		let error = SchemaError::TextBoundOutOfRange { max: MAX_TEXT_BYTES, found: 4096 };
		assert_eq!(s.validate(), Err(error));
		// The message names the bound and the value found.
		assert_eq!(error.to_string(), "a text bound of 4096 bytes, it must be 1 to 2048");
	}

	fn llm_schema() -> IoSchema {
		IoSchema {
			input: InputSchema::Prompt { max_bytes: 16, max_prompt_tokens: 64 },
			output: OutputSchema::Generated { max_new_tokens: 8 },
			max_batch: 1,
		}
	}

	fn prompt(text: &str, max_new_tokens: u32) -> InferenceInput {
		let prompt = Prompt::new(text, true, max_new_tokens, Sampling::GREEDY).unwrap();
		InferenceInput::Prompt(prompt)
	}

	fn answer(tokens: &[u32], text: &[u8]) -> InferenceOutput {
		InferenceOutput::Generated(Generation {
			prompt_tokens: 5,
			tokens: tokens.to_vec().try_into().unwrap(),
			text: text.to_vec().try_into().unwrap(),
			stop: StopReason::MaxTokens,
		})
	}

	#[test]
	fn prompts_and_answers_are_checked() {
		let s = llm_schema();
		assert_eq!(s.validate(), Ok(()));
		assert_eq!(s.check(&prompt("hello", 8)), Ok(1));
		assert_eq!(
			s.check(&prompt("hello", 9)),
			Err(SchemaError::NewTokensOutOfRange { max: 8, found: 9 })
		);
		assert_eq!(
			s.check(&prompt("hello", 0)),
			Err(SchemaError::NewTokensOutOfRange { max: 8, found: 0 })
		);
		assert_eq!(
			s.check(&prompt("a text longer than 16", 1)),
			Err(SchemaError::TextTooLong { max: 16, found: 21 })
		);
		assert_eq!(s.check(&InferenceInput::text("hi").unwrap()), Err(SchemaError::ExpectedPrompt));
		assert_eq!(text_schema().check(&prompt("hi", 1)), Err(SchemaError::ExpectedText));
		assert_eq!(digits_schema().check(&prompt("hi", 1)), Err(SchemaError::ExpectedTensor));
		// Billing: the prompt bound plus the tokens asked for; one unit for other models.
		assert_eq!(s.billable_units(&prompt("hello", 8)), 72);
		assert_eq!(text_schema().billable_units(&InferenceInput::text("a").unwrap()), 1);
		// Answers: no more tokens than asked for, UTF-8 text, of the generated kind.
		let input = prompt("hello", 3);
		assert_eq!(s.check_output(&input, &answer(&[1, 2, 3], b"abc")), Ok(()));
		assert_eq!(
			s.check_output(&input, &answer(&[1, 2, 3, 4], b"abc")),
			Err(SchemaError::TooManyTokens { max: 3, found: 4 })
		);
		assert_eq!(s.check_output(&input, &answer(&[1], &[0xff])), Err(SchemaError::InvalidUtf8));
		let tensor = InferenceOutput::Tensor(Tensor::from_f32(&[1], &[0.0]).unwrap());
		assert_eq!(s.check_output(&input, &tensor), Err(SchemaError::WrongOutputKind));
		assert_eq!(answer(&[1, 2], b"ab").billed_units(), Some(7));
		assert_eq!(tensor.billed_units(), None);
	}

	#[test]
	fn malformed_generation_schemas_are_rejected() {
		let mut s = llm_schema();
		s.output = OutputSchema::Generated { max_new_tokens: MAX_NEW_TOKENS + 1 };
		let error =
			SchemaError::NewTokensOutOfRange { max: MAX_NEW_TOKENS, found: MAX_NEW_TOKENS + 1 };
		assert_eq!(s.validate(), Err(error));
		s.output = OutputSchema::Generated { max_new_tokens: 0 };
		assert_eq!(
			s.validate(),
			Err(SchemaError::NewTokensOutOfRange { max: MAX_NEW_TOKENS, found: 0 })
		);
		let s = IoSchema {
			input: InputSchema::Prompt { max_bytes: 16, max_prompt_tokens: 0 },
			..llm_schema()
		};
		assert_eq!(s.validate(), Err(SchemaError::ZeroPromptTokens));
		// A prompt goes with a generated answer, and only a prompt does.
		let s = IoSchema { output: digits_schema().output, ..llm_schema() };
		assert_eq!(s.validate(), Err(SchemaError::MismatchedOutput));
		let s = IoSchema { output: llm_schema().output, ..text_schema() };
		assert_eq!(s.validate(), Err(SchemaError::MismatchedOutput));
	}
}
