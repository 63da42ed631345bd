//! `opg-cli request <model> --input … [--wait]`: pay for an inference; with `--wait`, follow it
//! to its final result.

use std::time::Duration;

use opg_client::{
	inference::show_output,
	units::{format_opg, parse_opg},
	Done, Error, Input, Model, RequestStage, Submitted,
};
use serde::Serialize;

use crate::context::{read_json, Context, Output};

#[derive(clap::Args)]
pub struct Args {
	/// The model: its name or hash.
	model: String,
	/// The input as JSON, or @file: nested arrays (`[[0.1, …]]`), one sample (`[0.1, …]`),
	/// a tensor object `{"dtype","shape","values"}`, strings for a text model, or a prompt for
	/// a text-generation model (`"a question"` or `{"text", "maxNewTokens", …}`; see `chat`).
	#[arg(long, conflicts_with = "text", required_unless_present = "text")]
	input: Option<String>,
	/// A text for a text model (repeat for a batch).
	#[arg(long)]
	text: Vec<String>,
	/// The most to pay (OPG); by default the model's price (per token for a text-generation
	/// model: times the prompt bound plus the tokens asked for).
	#[arg(long)]
	max_fee: Option<String>,
	/// Wait for the result and its finality.
	#[arg(long)]
	wait: bool,
	/// Give up waiting after this many seconds.
	#[arg(long, default_value_t = 600)]
	timeout: u64,
	/// Send even if the input does not fit the model's schema (the chain refuses it).
	#[arg(long, hide = true)]
	no_check: bool,
}

/// A request made and, with `--wait`, how it ended.
#[derive(Serialize)]
struct Requested {
	#[serde(flatten)]
	submitted: Submitted,
	#[serde(rename = "final", skip_serializing_if = "Option::is_none")]
	done: Option<Done>,
}

pub async fn run(args: Args, ctx: &Context) -> Result<Output, Error> {
	let max_fee = args.max_fee.as_deref().map(parse_opg).transpose()?;
	let client = ctx.client().await?;
	let model = client.resolve_model(&args.model).await?;
	let input = match &args.input {
		Some(text) if args.no_check => Input::unchecked(&model.schema, &read_json(text)?)?,
		Some(text) => Input::from_json(&model.schema, &read_json(text)?)?,
		None => Input::from_texts(&model.schema, &args.text)?,
	};
	let follow = args.wait.then_some(Duration::from_secs(args.timeout));
	send(ctx, &model, input, max_fee, follow, args.no_check).await
}

/// Sends a request of `model` on `input` and, with `follow`, waits (at most that long) for its
/// final result: what `request` and `chat` share.
pub async fn send(
	ctx: &Context,
	model: &Model,
	input: Input,
	max_fee: Option<u128>,
	follow: Option<Duration>,
	no_check: bool,
) -> Result<Output, Error> {
	let signer = ctx.signer()?;
	let client = ctx.client().await?;
	if !model.is_listed() && !no_check {
		return Err(Error::UnknownModel(format!(
			"{} is {:?}, not listed: requests are refused",
			model.name, model.state
		)));
	}
	let progress = ctx.progress();
	let submitted = client.request(&signer, model, input, max_fee, progress.tx()).await?;
	let made = format!(
		"request {} in block #{}: {} held, executor drawn in block #{}",
		submitted.id,
		submitted.included.block_number,
		format_opg(submitted.fee),
		submitted.draw_at
	);
	let done = if let Some(timeout) = follow {
		progress.stage(made.clone());
		let id = submitted.id;
		let stage = |stage: &RequestStage| {
			progress.stage(match stage {
				RequestStage::Drawing { at } => {
					format!("request {id}: its executor is drawn in block #{at}")
				}
				RequestStage::Assigned { executor, deadline } => {
					format!("request {id}: waiting for {executor}'s result (deadline #{deadline})")
				}
				RequestStage::Answered { at, challenge_end, .. } => format!(
					"request {id}: result in block #{at}, challenge window until #{challenge_end}"
				),
				RequestStage::Disputed => format!("request {id}: challenged, being decided"),
				RequestStage::Settled { at } => {
					format!("request {id}: final in block #{at}, waiting for finality")
				}
			})
		};
		Some(client.wait_final(id, timeout, stage).await?)
	} else {
		None
	};
	Output::of(&Requested { submitted, done }, |r| {
		let Some(done) = &r.done else { return made };
		let mut text = format!(
			"{made}\nrequest {}: {} (finalized #{}), fee paid {}\n",
			done.request.id,
			done.request.status,
			done.finalized_at,
			format_opg(done.request.fee)
		);
		match &done.result {
			Some(result) => {
				text.push_str(&format!("output   {}\n", show_output(&result.output)));
				text.push_str(&format!("hash     {:?}\n", result.output_hash));
				text.push_str(&format!("trace    {:?}\n", result.trace_root));
				text.push_str(&format!("opset    {}\n", result.opset));
			}
			None => text.push_str("no result: the fee was refunded\n"),
		}
		text
	})
}
