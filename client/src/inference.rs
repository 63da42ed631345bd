//! Inference requests: build an input that fits a model, pay for it, follow it to its final
//! result; read results; challenge one.

use std::time::Duration;

use codec::Decode;
use opg_primitives::{
	json::{tensor_from_nested, TensorJson},
	Dim, InferenceInput, InferenceOutput, InputSchema, IoSchema, Tensor,
};
use serde::Serialize;
use serde_json::Value;
use subxt::{rpcs::rpc_params, utils::H256};
use subxt_signer::sr25519::Keypair;

use crate::{
	client::{At, Included, TxStage},
	models::{ss58, Model},
	recode, runtime, AccountId, Client, Error,
};

/// A request id.
pub type RequestId = u64;

/// An input checked against a model's schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Input(pub InferenceInput);

impl Input {
	/// An input from JSON, for `schema`:
	/// - nested arrays of numbers (`[[0.1, 0.2, …]]`) in the schema's dtype; one sample without
	///   the batch axis (`[0.1, 0.2, …]`) gets a batch of one;
	/// - a tensor object `{"dtype": "F32", "shape": [1, 64], "values": […]}`;
	/// - texts, for a text model: `"a text"`, `["one", "two"]` or `{"texts": […]}`.
	pub fn from_json(schema: &IoSchema, json: &Value) -> Result<Input, Error> {
		let input_error = |e: String| Error::Input(e);
		let input = match (&schema.input, json) {
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
						.map_err(|e| input_error(format!("{e:?}")))?;
				}
				InferenceInput::Tensor(tensor)
			}
		};
		Input::checked(schema, input)
	}

	/// Texts for a text model.
	pub fn from_texts(schema: &IoSchema, items: &[String]) -> Result<Input, Error> {
		let refs: Vec<&str> = items.iter().map(String::as_str).collect();
		Input::checked(schema, texts(&refs)?)
	}

	/// `input` if it fits `schema` exactly as the chain will check it.
	pub fn checked(schema: &IoSchema, input: InferenceInput) -> Result<Input, Error> {
		schema.check(&input).map_err(|e| Error::Input(format!("{e:?}")))?;
		Ok(Input(input))
	}
}

fn strings(items: &[Value]) -> Result<Vec<&str>, Error> {
	items
		.iter()
		.map(|item| item.as_str().ok_or_else(|| Error::Input(format!("{item} is not a string"))))
		.collect()
}

fn texts(items: &[&str]) -> Result<InferenceInput, Error> {
	InferenceInput::texts(items).map_err(|e| Error::Input(format!("{e:?}")))
}

/// Where a request stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all_fields = "camelCase")]
pub enum Status {
	/// Waiting for `executor`'s result until block `deadline`.
	Assigned {
		/// The executor.
		#[serde(serialize_with = "ss58")]
		executor: AccountId,
		/// The last block it may answer in.
		deadline: u32,
		/// Reassignments so far.
		attempt: u32,
	},
	/// Answered; final at block `challenge_end` unless challenged.
	Answered {
		/// The executor.
		#[serde(serialize_with = "ss58")]
		executor: AccountId,
		/// The block the result becomes final in.
		challenge_end: u32,
	},
	/// Final and paid at block `at`.
	Final {
		/// The executor paid.
		#[serde(serialize_with = "ss58")]
		executor: AccountId,
		/// The block.
		at: u32,
	},
	/// Refunded at block `at`: nobody answered, or a dispute found no quorum.
	Refunded {
		/// The block.
		at: u32,
	},
	/// Challenged: a committee is re-running it.
	Disputed {
		/// The accused executor.
		#[serde(serialize_with = "ss58")]
		executor: AccountId,
		/// The suspended window's end.
		challenge_end: u32,
	},
	/// `executor`'s result was wrong; the committee's output is final at block `at`.
	Corrected {
		/// The executor found wrong.
		#[serde(serialize_with = "ss58")]
		executor: AccountId,
		/// The block.
		at: u32,
	},
}

impl Status {
	/// Final (paid or corrected) or refunded: nothing will change any more.
	pub fn is_settled(&self) -> bool {
		matches!(self, Status::Final { .. } | Status::Corrected { .. } | Status::Refunded { .. })
	}

	/// The block a settled request settled in.
	pub fn settled_at(&self) -> Option<u32> {
		match self {
			Status::Final { at, .. } | Status::Corrected { at, .. } | Status::Refunded { at } => {
				Some(*at)
			}
			_ => None,
		}
	}
}

impl std::fmt::Display for Status {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Status::Assigned { executor, deadline, attempt } => write!(
				f,
				"assigned to {executor} until block #{deadline} (attempt {})",
				attempt.saturating_add(1)
			),
			Status::Answered { executor, challenge_end } => write!(
				f,
				"answered by {executor}, final at block #{challenge_end} unless challenged"
			),
			Status::Final { executor, at } => write!(f, "final at block #{at}, paid to {executor}"),
			Status::Refunded { at } => write!(f, "refunded at block #{at}"),
			Status::Disputed { executor, .. } => {
				write!(f, "disputed: {executor}'s result is being re-run")
			}
			Status::Corrected { executor, at } => {
				write!(f, "corrected at block #{at}: {executor}'s result was wrong")
			}
		}
	}
}

type GeneratedStatus =
	runtime::runtime_types::pallet_inference::types::RequestStatus<AccountId, u32>;

impl From<GeneratedStatus> for Status {
	fn from(status: GeneratedStatus) -> Self {
		match status {
			GeneratedStatus::Assigned { executor, deadline, attempt } => {
				Status::Assigned { executor, deadline, attempt }
			}
			GeneratedStatus::Answered { executor, challenge_end } => {
				Status::Answered { executor, challenge_end }
			}
			GeneratedStatus::Final { executor, at } => Status::Final { executor, at },
			GeneratedStatus::Refunded { at } => Status::Refunded { at },
			GeneratedStatus::Disputed { executor, challenge_end } => {
				Status::Disputed { executor, challenge_end }
			}
			GeneratedStatus::Corrected { executor, at } => Status::Corrected { executor, at },
		}
	}
}

/// A request as the chain records it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
	/// Its id.
	pub id: RequestId,
	/// Who asked and paid.
	#[serde(serialize_with = "ss58")]
	pub requester: AccountId,
	/// The model.
	pub model: H256,
	/// The fee held (or paid, or refunded), in planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub fee: u128,
	/// The block it was made in.
	pub created: u32,
	/// Where it stands.
	pub status: Status,
	/// The model's schema when it was made.
	#[serde(skip)]
	pub schema: IoSchema,
	/// The input.
	#[serde(skip)]
	pub input: InferenceInput,
}

/// A submitted (or corrected) result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultView {
	/// The output.
	#[serde(serialize_with = "output_json")]
	pub output: InferenceOutput,
	/// blake2-256 of the output's SCALE encoding.
	pub output_hash: H256,
	/// Merkle root over the per-layer activation hashes.
	pub trace_root: H256,
	/// The block it was submitted in.
	pub submitted_at: u32,
}

fn output_json<S: serde::Serializer>(output: &InferenceOutput, s: S) -> Result<S::Ok, S::Error> {
	TensorJson::from(output.tensor()).serialize(s)
}

/// A request made, as included.
pub struct Submitted {
	/// Its id.
	pub id: RequestId,
	/// The executor drawn.
	pub executor: AccountId,
	/// The fee held.
	pub fee: u128,
	/// The last block the executor may answer in.
	pub deadline: u32,
	/// The transaction.
	pub included: Included,
}

/// Where a followed request is, for progress displays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestStage {
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
pub struct Done {
	/// The request, read at a finalized block.
	pub request: RequestView,
	/// Its result (none if refunded).
	pub result: Option<ResultView>,
	/// The finalized block it was read at.
	pub finalized_at: u64,
}

impl Client {
	/// Requests an inference of `model` on `input`, holding its price (at most `max_fee`, the
	/// model's price by default). Returns once the request is in a block, with the executor drawn.
	pub async fn request(
		&self,
		signer: &Keypair,
		model: &Model,
		input: Input,
		max_fee: Option<u128>,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Submitted, Error> {
		let call = runtime::transactions().inference().request(
			model.hash,
			recode(&input.0)?,
			max_fee.unwrap_or(model.price),
		);
		let included = self.submit(&call, signer, on_stage).await?;
		let requested = included
			.events
			.find_first::<runtime::inference::events::Requested>()
			.transpose()?
			.ok_or_else(|| Error::Decode("the request emitted no `Requested` event".into()))?;
		Ok(Submitted {
			id: requested.request,
			executor: requested.executor,
			fee: requested.fee,
			deadline: requested.deadline,
			included,
		})
	}

	/// A request at a block, if it exists there.
	pub async fn request_at(&self, at: &At, id: RequestId) -> Result<Option<RequestView>, Error> {
		let Some(value) =
			at.storage().try_fetch(runtime::storage().inference().requests(), (id,)).await?
		else {
			return Ok(None);
		};
		let request = value.decode()?;
		let input = InferenceInput::decode(&mut &request.input.0[..])
			.map_err(|e| Error::Decode(format!("request {id}'s input: {e}")))?;
		Ok(Some(RequestView {
			id,
			requester: request.requester,
			model: request.model,
			fee: request.fee,
			created: request.created,
			status: request.status.into(),
			schema: recode(&request.schema)?,
			input,
		}))
	}

	/// A request's result at a block, if it has one there.
	pub async fn result_at(&self, at: &At, id: RequestId) -> Result<Option<ResultView>, Error> {
		let Some(value) =
			at.storage().try_fetch(runtime::storage().inference().results(), (id,)).await?
		else {
			return Ok(None);
		};
		let result = value.decode()?;
		let output = InferenceOutput::decode(&mut &result.output.0[..])
			.map_err(|e| Error::Decode(format!("request {id}'s output: {e}")))?;
		Ok(Some(ResultView {
			output,
			output_hash: result.commitment.output_hash,
			trace_root: result.commitment.trace_root,
			submitted_at: result.submitted_at,
		}))
	}

	/// A request and its result at the best block.
	pub async fn request_with_result(
		&self,
		id: RequestId,
	) -> Result<(RequestView, Option<ResultView>), Error> {
		let at = self.best().await?;
		let request = self.request_at(&at, id).await?.ok_or(Error::UnknownRequest(id))?;
		Ok((request, self.result_at(&at, id).await?))
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
			let best = self.best().await?;
			let request = self.request_at(&best, id).await?.ok_or(Error::UnknownRequest(id))?;
			match &request.status {
				Status::Assigned { executor, deadline, .. } => report(RequestStage::Assigned {
					executor: executor.clone(),
					deadline: *deadline,
				}),
				Status::Answered { executor, challenge_end } => {
					let at = self
						.result_at(&best, id)
						.await?
						.map(|r| r.submitted_at)
						.unwrap_or_default();
					report(RequestStage::Answered {
						executor: executor.clone(),
						at,
						challenge_end: *challenge_end,
					})
				}
				Status::Disputed { .. } => report(RequestStage::Disputed),
				settled => {
					let at = settled.settled_at().unwrap_or_default();
					report(RequestStage::Settled { at });
					let finalized = self.finalized().await?;
					if finalized.block_number() >= u64::from(at) {
						if let Some(request) = self.request_at(&finalized, id).await? {
							if request.status.is_settled() {
								let result = self.result_at(&finalized, id).await?;
								return Ok(Done {
									request,
									result,
									finalized_at: finalized.block_number(),
								});
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

	/// The dispute of request `id` as the node's `inference_dispute` RPC shows it (open: the
	/// committee and its votes; resolved: the verdict and amounts), `null` if there is none.
	pub async fn dispute(&self, id: RequestId) -> Result<Value, Error> {
		Ok(self.rpc().request("inference_dispute", rpc_params![id]).await?)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use opg_primitives::{TensorDType, TensorSchema};
	use serde_json::json;

	fn mlp() -> IoSchema {
		IoSchema {
			input: InputSchema::Tensor(
				TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(4)]).unwrap(),
			),
			output: TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(2)]).unwrap(),
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
			output: TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(2)]).unwrap(),
			max_batch: 2,
		};
		let one = Input::from_json(&schema, &json!("hello")).unwrap();
		assert_eq!(one.0, InferenceInput::text("hello").unwrap());
		assert!(Input::from_json(&schema, &json!(["a", "b"])).is_ok());
		assert!(Input::from_json(&schema, &json!({"texts": ["a"]})).is_ok());
		assert!(Input::from_texts(&schema, &["much too long".into()]).is_err());
		assert!(Input::from_json(&schema, &json!([1, 2])).is_err());
	}

	#[test]
	fn statuses_serialize_like_the_rpc() {
		let alice = crate::keys::account(&crate::keys::from_suri("//Alice").unwrap());
		let json =
			serde_json::to_value(Status::Answered { executor: alice, challenge_end: 12 }).unwrap();
		assert_eq!(
			json,
			json!({"state": "Answered", "executor": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "challengeEnd": 12})
		);
	}
}
