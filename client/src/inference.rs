//! Inference requests: build an input that fits a model, pay for it, follow it to its final
//! result; read results and disputes; challenge a result; show an output.

use std::time::Duration;

use opg_api::InferenceApiClient;
pub use opg_api::{DisputeState, InferenceResult, Output, Request, RequestId, RequestStatus};
use opg_primitives::{
	json::{tensor_from_nested, TensorJson},
	Dim, InferenceInput, InputSchema, IoSchema, Prompt, Sampling, StopReason, Tensor,
};
use serde::Serialize;
use serde_json::{json, Value};
use subxt::utils::H256;
use subxt_signer::sr25519::Keypair;

use crate::{
	client::{Included, TxStage},
	models::Model,
	recode, runtime, AccountId, Client, Error,
};

/// An input checked against a model's schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Input(pub InferenceInput);

impl Input {
	/// An input from JSON, for `schema`:
	/// - nested arrays of numbers (`[[0.1, 0.2, …]]`) in the schema's dtype; one sample without
	///   the batch axis (`[0.1, 0.2, …]`) gets a batch of one;
	/// - a tensor object `{"dtype": "F32", "shape": [1, 64], "values": […]}`;
	/// - texts, for a text model: `"a text"`, `["one", "two"]` or `{"texts": […]}`;
	/// - a prompt, for a text-generation model: `"a question"` (a chat message, answered
	///   greedily with the model's most tokens) or `{"text": …, "chat": true, "maxNewTokens": 64,
	///   "temperatureMilli": 700, "topK": 40, "topPMilli": 900, "seed": 1}` (all but `text`
	///   optional).
	pub fn from_json(schema: &IoSchema, json: &Value) -> Result<Input, Error> {
		let input_error = |e: String| Error::Input(e);
		let input = match (&schema.input, json) {
			(InputSchema::Prompt { .. }, Value::String(text)) => {
				return Input::prompt(schema, text, true, None, Sampling::GREEDY)
			}
			(InputSchema::Prompt { .. }, Value::Object(object)) => {
				let text = object
					.get("text")
					.and_then(Value::as_str)
					.ok_or_else(|| input_error("a prompt object needs a \"text\" string".into()))?;
				let number = |key: &str| -> Result<Option<u64>, Error> {
					match object.get(key) {
						None => Ok(None),
						Some(v) => v.as_u64().map(Some).ok_or_else(|| {
							input_error(format!("\"{key}\" is not a non-negative integer"))
						}),
					}
				};
				let small = |key: &str| -> Result<Option<u32>, Error> {
					number(key)?
						.map(|n| {
							u32::try_from(n)
								.map_err(|_| input_error(format!("\"{key}\" is too large")))
						})
						.transpose()
				};
				let chat = match object.get("chat") {
					None => true,
					Some(v) => v
						.as_bool()
						.ok_or_else(|| input_error("\"chat\" is not a boolean".into()))?,
				};
				let sampling = Sampling {
					temperature_milli: small("temperatureMilli")?.unwrap_or(0),
					top_k: small("topK")?.unwrap_or(0),
					top_p_milli: small("topPMilli")?.unwrap_or(0),
					seed: number("seed")?.unwrap_or(0),
				};
				return Input::prompt(schema, text, chat, small("maxNewTokens")?, sampling);
			}
			(InputSchema::Prompt { .. }, _) => {
				return Err(input_error(
					"a text-generation model takes a prompt: a string or {\"text\": …}".into(),
				))
			}
			(InputSchema::Text { .. }, Value::String(text)) => texts(&[text.as_str()])?,
			(InputSchema::Text { .. }, Value::Array(items)) => texts(&strings(items)?)?,
			(InputSchema::Text { .. }, Value::Object(object)) => match object.get("texts") {
				Some(Value::Array(items)) => texts(&strings(items)?)?,
				_ => {
					return Err(input_error(
						"a text model takes a string or a list of strings".into(),
					))
				}
			},
			(InputSchema::Text { .. }, _) => {
				return Err(input_error("a text model takes a string or a list of strings".into()))
			}
			(InputSchema::Tensor(_), Value::Object(_)) => {
				let tensor: TensorJson = serde_json::from_value(json.clone()).map_err(|e| {
					input_error(format!("not a tensor object {{dtype, shape, values}}: {e}"))
				})?;
				InferenceInput::Tensor(
					Tensor::try_from(&tensor).map_err(|e| input_error(e.to_string()))?,
				)
			}
			(InputSchema::Tensor(tensor_schema), _) => {
				let mut tensor = tensor_from_nested(tensor_schema.dtype, json)
					.map_err(|e| input_error(e.to_string()))?;
				// One sample without its batch axis.
				if tensor_schema.dims.first() == Some(&Dim::Batch)
					&& tensor.shape.len().saturating_add(1) == tensor_schema.dims.len()
				{
					let mut shape = vec![1u32];
					shape.extend(tensor.shape.iter().copied());
					tensor = Tensor::new(tensor.dtype, &shape, tensor.data.into_inner())
						.map_err(|e| input_error(e.to_string()))?;
				}
				InferenceInput::Tensor(tensor)
			}
		};
		Input::checked(schema, input)
	}

	/// A prompt for a text-generation model: `text`, as a chat message or raw, asking for
	/// `max_new_tokens` (the model's most by default), sampled with `sampling`.
	pub fn prompt(
		schema: &IoSchema,
		text: &str,
		chat: bool,
		max_new_tokens: Option<u32>,
		sampling: Sampling,
	) -> Result<Input, Error> {
		let most = match schema.output {
			opg_primitives::OutputSchema::Generated { max_new_tokens } => max_new_tokens,
			opg_primitives::OutputSchema::Tensor(_) => {
				return Err(Error::Input("the model does not generate text".into()))
			}
		};
		let prompt = Prompt::new(text, chat, max_new_tokens.unwrap_or(most), sampling)
			.map_err(|e| Error::Input(e.to_string()))?;
		Input::checked(schema, InferenceInput::Prompt(prompt))
	}

	/// Texts for a text model.
	pub fn from_texts(schema: &IoSchema, items: &[String]) -> Result<Input, Error> {
		let refs: Vec<&str> = items.iter().map(String::as_str).collect();
		Input::checked(schema, texts(&refs)?)
	}

	/// `input` if it fits `schema` exactly as the chain will check it.
	pub fn checked(schema: &IoSchema, input: InferenceInput) -> Result<Input, Error> {
		schema.check(&input).map_err(|e| Error::Input(e.to_string()))?;
		Ok(Input(input))
	}

	/// The input as given, *not* checked against the schema: to see the chain refuse it.
	pub fn unchecked(schema: &IoSchema, json: &Value) -> Result<Input, Error> {
		match &schema.input {
			InputSchema::Tensor(tensor) => Ok(Input(InferenceInput::Tensor(
				tensor_from_nested(tensor.dtype, json).map_err(|e| Error::Input(e.to_string()))?,
			))),
			InputSchema::Text { .. } | InputSchema::Prompt { .. } => Input::from_json(schema, json),
		}
	}

	/// A fixed input that fits `schema`, for load tests and examples: one sample of values in
	/// 0..17 (pixel intensities, as the digits model takes), or one sentence for a text model.
	pub fn sample(schema: &IoSchema) -> Result<Input, Error> {
		match &schema.input {
			InputSchema::Text { .. } => Input::from_texts(schema, &["a benchmark sentence".into()]),
			InputSchema::Prompt { .. } => {
				Input::prompt(schema, "What is 2 + 2?", true, Some(8), Sampling::GREEDY)
			}
			InputSchema::Tensor(tensor) => {
				let shape: Vec<u32> = tensor
					.dims
					.iter()
					.map(|d| if let Dim::Fixed(n) = d { *n } else { 1 })
					.collect();
				let count: u64 = shape.iter().map(|&d| u64::from(d)).product();
				let values: Vec<Value> =
					(0..count).map(|i| json!(i.wrapping_mul(7).wrapping_add(3) % 17)).collect();
				Input::from_json(
					schema,
					&json!({"dtype": tensor.dtype, "shape": shape, "values": values}),
				)
			}
		}
	}
}

/// An output for people: a generated answer's text, then its tokens and why it stopped; a tensor
/// in one line ([`show_tensor`]).
pub fn show_output(output: &Output) -> String {
	match output {
		Output::Tensor(tensor) => show_tensor(tensor),
		Output::Generated { text, tokens, prompt_tokens, stop } => {
			let stop = match stop {
				StopReason::EndToken => "ended",
				StopReason::MaxTokens => "cut at max tokens",
			};
			format!("{text}\n({prompt_tokens} prompt tokens, {} generated, {stop})", tokens.len())
		}
	}
}

/// A tensor in one line: dtype, shape and its first 12 values; for a `[batch, classes]` output
/// also each row's argmax (a classifier's answer): `F32[1, 10] [0.1, …]  argmax 2`.
pub fn show_tensor(output: &TensorJson) -> String {
	let shown: Vec<String> = output
		.values
		.iter()
		.take(12)
		.map(|v| match v.as_f64() {
			Some(x) if v.is_f64() => format!("{x:.4}"),
			_ => v.to_string(),
		})
		.collect();
	let more = if output.values.len() > 12 { ", …" } else { "" };
	let mut text = format!("{:?}{:?} [{}{more}]", output.dtype, output.shape, shown.join(", "));
	let argmax = argmax_rows(output);
	if !argmax.is_empty() {
		let argmax: Vec<String> = argmax.iter().map(usize::to_string).collect();
		text.push_str(&format!("  argmax {}", argmax.join(", ")));
	}
	text
}

/// Each row's argmax of a `[rows, classes]` output with more than one class (empty otherwise).
pub fn argmax_rows(output: &TensorJson) -> Vec<usize> {
	let [rows, cols] = output.shape[..] else { return Vec::new() };
	let (rows, cols) = (rows as usize, cols as usize);
	if cols < 2 {
		return Vec::new();
	}
	output
		.values
		.chunks(cols)
		.take(rows)
		.filter_map(|row| {
			row.iter()
				.enumerate()
				.filter_map(|(i, v)| v.as_f64().map(|x| (i, x)))
				.max_by(|a, b| a.1.total_cmp(&b.1))
				.map(|(i, _)| i)
		})
		.collect()
}

fn strings(items: &[Value]) -> Result<Vec<&str>, Error> {
	items
		.iter()
		.map(|item| item.as_str().ok_or_else(|| Error::Input(format!("{item} is not a string"))))
		.collect()
}

fn texts(items: &[&str]) -> Result<InferenceInput, Error> {
	InferenceInput::texts(items).map_err(|e| Error::Input(e.to_string()))
}

/// A request made, as included.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
	/// Its id.
	pub id: RequestId,
	/// The fee held.
	#[serde(with = "opg_api::amount")]
	pub fee: u128,
	/// The block whose randomness draws the executor: the next one. Nobody, the author of the
	/// including block neither, knows that randomness when the request is included.
	pub draw_at: u32,
	/// The transaction.
	#[serde(flatten)]
	pub included: Included,
}

/// Where a followed request is, for progress displays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestStage {
	/// Waiting for the draw of its executor in block `at`.
	Drawing {
		/// The block.
		at: u32,
	},
	/// Waiting for the executor's result.
	Assigned {
		/// The executor.
		executor: AccountId,
		/// Its last block.
		deadline: u32,
	},
	/// A result is on chain, in its challenge window.
	Answered {
		/// The executor.
		executor: AccountId,
		/// The block it was submitted in.
		at: u32,
		/// The block it becomes final in.
		challenge_end: u32,
	},
	/// The result was challenged; a committee is voting.
	Disputed,
	/// Settled in block `at`; waiting for that block to be finalized.
	Settled {
		/// The block.
		at: u32,
	},
}

/// A request followed to the end.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Done {
	/// The request, read at a finalized block.
	pub request: Request,
	/// Its result (none if refunded).
	pub result: Option<InferenceResult>,
	/// The finalized block it was read at.
	pub finalized_at: u64,
}

impl Client {
	/// Requests an inference of `model` on `input`, holding its fee (at most `max_fee`; by
	/// default the model's price times the input's billable units: one, or for a
	/// text-generation model the most tokens the request could use, of which the unused part
	/// comes back at payout). Returns once the request is in a block; its executor is drawn in
	/// the next one ([`Client::wait_final`] reports it).
	pub async fn request(
		&self,
		signer: &Keypair,
		model: &Model,
		input: Input,
		max_fee: Option<u128>,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Submitted, Error> {
		let call = runtime::transactions().inference().request(
			model.model,
			recode(&input.0)?,
			max_fee.unwrap_or_else(|| model.fee_for(&input.0)),
		);
		let included = self.submit(&call, signer, on_stage).await?;
		let requested = included
			.events
			.find_first::<runtime::inference::events::Requested>()
			.transpose()?
			.ok_or_else(|| Error::Decode("the request emitted no `Requested` event".into()))?;
		Ok(Submitted {
			id: requested.request,
			fee: requested.fee,
			draw_at: requested.draw_at,
			included,
		})
	}

	/// Request `id` at block `at` (the best block if `None`), if it exists there.
	pub async fn request_at(
		&self,
		id: RequestId,
		at: Option<H256>,
	) -> Result<Option<Request>, Error> {
		Ok(self.node().get_request(id, at).await?)
	}

	/// Request `id`'s result at block `at` (the best block if `None`), if it has one there.
	pub async fn result_at(
		&self,
		id: RequestId,
		at: Option<H256>,
	) -> Result<Option<InferenceResult>, Error> {
		Ok(self.node().result(id, at).await?)
	}

	/// A request and its result, read at one block (the best).
	pub async fn request_with_result(
		&self,
		id: RequestId,
	) -> Result<(Request, Option<InferenceResult>), Error> {
		let at = Some(self.best_hash().await?);
		let request = self.request_at(id, at).await?.ok_or(Error::UnknownRequest(id))?;
		Ok((request, self.result_at(id, at).await?))
	}

	/// The ids of the requests `executor` has to answer now.
	pub async fn pending(&self, executor: &AccountId) -> Result<Vec<RequestId>, Error> {
		Ok(self.node().pending(executor.clone(), None).await?)
	}

	/// Follows request `id` until it is settled (final, corrected or refunded) in a finalized
	/// block, reporting each stage once. Gives up after `timeout`.
	pub async fn wait_final(
		&self,
		id: RequestId,
		timeout: Duration,
		mut on_stage: impl FnMut(&RequestStage),
	) -> Result<Done, Error> {
		let mut last: Option<RequestStage> = None;
		let mut report = |stage: RequestStage| {
			if last.as_ref() != Some(&stage) {
				on_stage(&stage);
				last = Some(stage);
			}
		};
		let started = std::time::Instant::now();
		loop {
			let best = Some(self.best_hash().await?);
			let request = self.request_at(id, best).await?.ok_or(Error::UnknownRequest(id))?;
			match &request.status {
				RequestStatus::Drawing { at, .. } => report(RequestStage::Drawing { at: *at }),
				RequestStatus::Assigned { executor, deadline, .. } => {
					report(RequestStage::Assigned {
						executor: executor.clone(),
						deadline: *deadline,
					})
				}
				RequestStatus::Answered { executor, challenge_end } => {
					let at =
						self.result_at(id, best).await?.map(|r| r.submitted_at).unwrap_or_default();
					report(RequestStage::Answered {
						executor: executor.clone(),
						at,
						challenge_end: *challenge_end,
					})
				}
				RequestStatus::Disputed { .. } => report(RequestStage::Disputed),
				settled => {
					let at = settled.settled_at().unwrap_or_default();
					report(RequestStage::Settled { at });
					// One block: its hash and number read together, so both name the same block.
					let (finalized, finalized_at) = self.finalized_block().await?;
					if finalized_at >= u64::from(at) {
						if let Some(request) = self.request_at(id, Some(finalized)).await? {
							if request.status.is_settled() {
								let result = self.result_at(id, Some(finalized)).await?;
								return Ok(Done { request, result, finalized_at });
							}
						}
					}
				}
			}
			if started.elapsed() > timeout {
				return Err(Error::Timeout(timeout.as_secs(), format!("request {id} to be final")));
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// Challenges request `id`'s result, holding the challenge bond until the verdict.
	pub async fn challenge(
		&self,
		signer: &Keypair,
		id: RequestId,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		self.submit(&runtime::transactions().inference().challenge(id), signer, on_stage).await
	}

	/// The dispute over request `id`'s result: open (the committee and its votes) or resolved
	/// (the verdict and the amounts moved); `None` if it was never challenged.
	pub async fn dispute(&self, id: RequestId) -> Result<Option<DisputeState>, Error> {
		Ok(self.node().dispute(id, None).await?)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use opg_primitives::{OutputSchema, TensorDType, TensorSchema};
	use serde_json::json;

	fn mlp() -> IoSchema {
		IoSchema {
			input: InputSchema::Tensor(
				TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(4)]).unwrap(),
			),
			output: OutputSchema::Tensor(
				TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(2)]).unwrap(),
			),
			max_batch: 2,
		}
	}

	#[test]
	fn tensor_inputs_in_every_form() {
		let schema = mlp();
		let nested = Input::from_json(&schema, &json!([[1, 2, 3, 4]])).unwrap();
		let flat = Input::from_json(&schema, &json!([1, 2, 3, 4])).unwrap();
		let object = Input::from_json(
			&schema,
			&json!({"dtype": "F32", "shape": [1, 4], "values": [1, 2, 3, 4]}),
		)
		.unwrap();
		assert_eq!(nested, flat);
		assert_eq!(nested, object);
		let InferenceInput::Tensor(t) = nested.0 else { panic!("a tensor") };
		assert_eq!(t.to_f32_vec().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
		assert_eq!(t.shape.to_vec(), vec![1, 4]);
	}

	#[test]
	fn inputs_that_do_not_fit_are_refused_before_sending() {
		let schema = mlp();
		for bad in [
			json!([1, 2, 3]),                                                 // wrong width
			json!([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]),                // batch too large
			json!("a text"),                                                  // text for a tensor model
			json!([["a", "b", "c", "d"]]),                                    // not numbers
			json!({"dtype": "I64", "shape": [1, 4], "values": [1, 2, 3, 4]}), // wrong dtype
		] {
			assert!(matches!(Input::from_json(&schema, &bad), Err(Error::Input(_))), "{bad}");
		}
	}

	#[test]
	fn text_inputs() {
		let schema = IoSchema {
			input: InputSchema::Text { max_bytes: 8 },
			output: OutputSchema::Tensor(
				TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(2)]).unwrap(),
			),
			max_batch: 2,
		};
		let one = Input::from_json(&schema, &json!("hello")).unwrap();
		assert_eq!(one.0, InferenceInput::text("hello").unwrap());
		assert!(Input::from_json(&schema, &json!(["a", "b"])).is_ok());
		assert!(Input::from_json(&schema, &json!({"texts": ["a"]})).is_ok());
		assert!(Input::from_texts(&schema, &["much too long".into()]).is_err());
		assert!(Input::from_json(&schema, &json!([1, 2])).is_err());
	}
}
