//! `opg-cli result <id>`: a request, its status and its result.

use opg_client::{
	inference::{show_output, InferenceResult, Request},
	units::format_opg,
	Error,
};
use serde::Serialize;

use crate::context::{Context, Output};

#[derive(clap::Args)]
pub struct Args {
	/// The request id.
	id: u64,
}

/// A request and its result, read at one block.
#[derive(Serialize)]
struct Answer {
	request: Request,
	result: Option<InferenceResult>,
}

pub async fn run(args: Args, ctx: &Context) -> Result<Output, Error> {
	let (request, result) = ctx.client().await?.request_with_result(args.id).await?;
	Output::of(&Answer { request, result }, |Answer { request, result }| {
		let mut text = format!(
			"request {} by {} of model {:?}: {}\nfee      {}\n",
			request.id,
			request.requester,
			request.model,
			request.status,
			format_opg(request.fee)
		);
		match result {
			Some(result) => {
				text.push_str(&format!("output   {}\n", show_output(&result.output)));
				text.push_str(&format!(
					"hash     {:?} (submitted in #{})\n",
					result.output_hash, result.submitted_at
				));
			}
			None => text.push_str("no result yet\n"),
		}
		text
	})
}
