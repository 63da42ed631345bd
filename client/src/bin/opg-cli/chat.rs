//! `opg-cli chat <model> "prompt" [--wait]`: ask a text-generation model; with `--wait`, print
//! the answer once it is final.

use std::time::Duration;

use opg_client::{units::parse_opg, Error, Input};
use opg_primitives::Sampling;

use crate::{
	context::{Context, Output},
	request,
};

#[derive(clap::Args)]
pub struct Args {
	/// The model: its name or hash (a text-generation model).
	model: String,
	/// The prompt: a user's chat message (or, with --raw, text the model continues).
	prompt: String,
	/// Send the prompt as raw text for the model to continue, not as a chat message.
	#[arg(long)]
	raw: bool,
	/// The most tokens to generate (the model's most by default). The fee held counts them,
	/// the unused part comes back at payout.
	#[arg(long)]
	max_new_tokens: Option<u32>,
	/// Sampling temperature (0: greedy, the default). Stated in thousandths on chain.
	#[arg(long, default_value_t = 0.0)]
	temperature: f64,
	/// Keep only the k most likely tokens (0: all).
	#[arg(long, default_value_t = 0)]
	top_k: u32,
	/// Keep the smallest set of most likely tokens whose probability reaches p (1: all).
	#[arg(long, default_value_t = 1.0)]
	top_p: f64,
	/// The seed of the sampling draws (with the request's own identity).
	#[arg(long, default_value_t = 0)]
	seed: u64,
	/// The most to pay (OPG); by default the model's price per token times the most tokens.
	#[arg(long)]
	max_fee: Option<String>,
	/// Wait for the answer and its finality.
	#[arg(long)]
	wait: bool,
	/// Give up waiting after this many seconds.
	#[arg(long, default_value_t = 600)]
	timeout: u64,
}

/// A fraction in thousandths, checked.
fn milli(name: &str, value: f64, max: f64) -> Result<u32, Error> {
	if !(0.0..=max).contains(&value) {
		return Err(Error::Input(format!("--{name} must be between 0 and {max}")));
	}
	// In range, so the rounded product fits.
	Ok((value * 1000.0).round() as u32)
}

pub async fn run(args: Args, ctx: &Context) -> Result<Output, Error> {
	let sampling = Sampling {
		temperature_milli: milli("temperature", args.temperature, 100.0)?,
		top_k: args.top_k,
		top_p_milli: milli("top-p", args.top_p, 1.0)?,
		seed: args.seed,
	};
	let max_fee = args.max_fee.as_deref().map(parse_opg).transpose()?;
	let client = ctx.client().await?;
	let model = client.resolve_model(&args.model).await?;
	let input =
		Input::prompt(&model.schema, &args.prompt, !args.raw, args.max_new_tokens, sampling)?;
	let follow = args.wait.then_some(Duration::from_secs(args.timeout));
	request::send(ctx, &model, input, max_fee, follow, false).await
}
