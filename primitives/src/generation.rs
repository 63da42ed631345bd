//! Text generation on the wire: a [`Prompt`] (the input of a `TextGeneration` model) and the
//! [`Generation`] that answers it.
//!
//! Everything a requester states is an integer, so that a request says exactly what every
//! executor computes: the temperature and top-p are in thousandths, the seed is a `u64`. The
//! sampling procedure itself (canonical softmax, top-k, top-p, and a draw keyed by the seed, the
//! request and the step) is defined by the engine (`opg_inference::models::llama::sample`).
//!
//! A request for generation is billed per token ([`crate::IoSchema::billable_units`]): the fee
//! held is the model's price times the schema's prompt bound plus the requested
//! `max_new_tokens`; what is paid on finality is the price times the tokens the answer used
//! ([`Generation::billed_units`]); the rest goes back to the requester.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::{bounded::BoundedVec, ConstU32};

use crate::{
	limits::{MAX_GENERATED_TEXT_BYTES, MAX_NEW_TOKENS},
	tensor::Text,
};

/// The generated tokens of one answer.
pub type GeneratedTokens = BoundedVec<u32, ConstU32<MAX_NEW_TOKENS>>;
/// The text of one answer, UTF-8.
pub type GeneratedText = BoundedVec<u8, ConstU32<MAX_GENERATED_TEXT_BYTES>>;

/// How the next token is chosen from the logits.
///
/// Greedy (the lowest id among the largest logits) when `temperature_milli` is 0; otherwise
/// softmax at that temperature over the `top_k` most likely tokens, cut to the smallest set whose
/// probability reaches `top_p_milli / 1000`, and one draw keyed by `(seed, request, step)`.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct Sampling {
	/// The temperature in thousandths (`0`: greedy).
	pub temperature_milli: u32,
	/// Keep the `top_k` most likely tokens (`0`: all).
	pub top_k: u32,
	/// Keep the smallest set of most likely tokens whose probability reaches `top_p`, in
	/// thousandths (`0` or `≥ 1000`: all).
	pub top_p_milli: u32,
	/// The requester's seed (the same seed in another request draws other tokens: the request
	/// is part of the draw's key).
	pub seed: u64,
}

impl Sampling {
	/// Greedy decoding: always the most likely token.
	pub const GREEDY: Sampling =
		Sampling { temperature_milli: 0, top_k: 0, top_p_milli: 0, seed: 0 };
}

/// A prompt for a text-generation model.
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
pub struct Prompt {
	/// The text, UTF-8 (at most the schema's `max_bytes`).
	pub text: Text,
	/// Whether `text` is a user's chat message, rendered with the model's own chat template
	/// (what an instruction-tuned model expects), or raw text the model continues.
	pub chat: bool,
	/// The most tokens to generate (1 to the schema's `max_new_tokens`); the answer is also
	/// billed for at most these.
	pub max_new_tokens: u32,
	/// How tokens are chosen.
	pub sampling: Sampling,
}

/// Why a generation ended.
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
pub enum StopReason {
	/// The model produced an end token (a control token such as `<|im_end|>`), which is the
	/// last of [`Generation::tokens`].
	#[codec(index = 0)]
	EndToken,
	/// [`Prompt::max_new_tokens`] were generated.
	#[codec(index = 1)]
	MaxTokens,
}

/// The answer to a [`Prompt`].
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
pub struct Generation {
	/// How many tokens the prompt was, as the model saw it (after the chat template).
	pub prompt_tokens: u32,
	/// The generated token ids, the end token included if there was one.
	pub tokens: GeneratedTokens,
	/// The generated text, UTF-8 (special tokens skipped; a character cut by
	/// `max_new_tokens` is replaced by U+FFFD).
	pub text: GeneratedText,
	/// Why it ended.
	pub stop: StopReason,
}

impl Generation {
	/// The tokens this answer is billed for: the prompt's and the generated ones.
	pub fn billed_units(&self) -> u32 {
		let generated = u32::try_from(self.tokens.len()).unwrap_or(u32::MAX);
		self.prompt_tokens.saturating_add(generated)
	}

	/// The text as a string (lossy if an engine ever sent bytes that are not UTF-8).
	pub fn text_lossy(&self) -> alloc::borrow::Cow<'_, str> {
		alloc::string::String::from_utf8_lossy(&self.text)
	}
}

/// A text-generation bundle's `config.json`: the bounds of the model's prompts and answers,
/// which make its schema ([`TextGenerationConfig::schema`]). The rest (weights, tokenizer,
/// chat template) is in its GGUF file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextGenerationConfig {
	/// The longest prompt text, in bytes (1 to the wire format's 2,048).
	pub max_prompt_bytes: u32,
	/// The most prompt tokens (after the chat template); a longer prompt is refused
	/// (`InputTooLarge`). The fee held for a request counts this many prompt tokens.
	pub max_prompt_tokens: u32,
	/// The most tokens one prompt may ask for (1 to 256).
	pub max_new_tokens: u32,
}

impl TextGenerationConfig {
	/// The schema of a model with this configuration (one prompt at a time).
	pub fn schema(&self) -> crate::IoSchema {
		crate::IoSchema {
			input: crate::InputSchema::Prompt {
				max_bytes: self.max_prompt_bytes,
				max_prompt_tokens: self.max_prompt_tokens,
			},
			output: crate::OutputSchema::Generated { max_new_tokens: self.max_new_tokens },
			max_batch: 1,
		}
	}

	/// The configuration in a bundle's `config.json`.
	#[cfg(feature = "std")]
	pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
		serde_json::from_slice(bytes)
	}
}

impl Prompt {
	/// A prompt from its parts, if the text fits the wire format.
	pub fn new(
		text: &str,
		chat: bool,
		max_new_tokens: u32,
		sampling: Sampling,
	) -> Result<Self, crate::SchemaError> {
		let text = crate::tensor::to_text(text)?;
		Ok(Prompt { text, chat, max_new_tokens, sampling })
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn billed_units_count_prompt_and_answer() {
		let answer = Generation {
			prompt_tokens: 30,
			tokens: vec![1, 2, 3].try_into().unwrap(),
			text: b"abc".to_vec().try_into().unwrap(),
			stop: StopReason::EndToken,
		};
		assert_eq!(answer.billed_units(), 33);
		assert_eq!(answer.text_lossy(), "abc");
	}

	#[test]
	fn prompts_are_bounded() {
		assert!(Prompt::new("hi", true, 8, Sampling::GREEDY).is_ok());
		let long = "x".repeat(crate::tensor::MAX_TEXT_BYTES as usize + 1);
		assert!(matches!(
			Prompt::new(&long, false, 8, Sampling::GREEDY),
			Err(crate::SchemaError::TextTooLong { .. })
		));
	}
}
