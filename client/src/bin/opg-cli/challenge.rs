//! `opg-cli challenge <id>`: challenge a result in its challenge window, holding the challenge
//! bond until the verdict.

use opg_client::Error;

use crate::context::{Context, Output};

#[derive(clap::Args)]
pub struct Args {
	/// The request id.
	id: u64,
}

pub async fn run(args: Args, ctx: &Context) -> Result<Output, Error> {
	let signer = ctx.signer()?;
	let client = ctx.client().await?;
	let included = client.challenge(&signer, args.id, ctx.progress().tx()).await?;
	Output::of(&included, |included| {
		format!(
			"challenged request {} in block #{}; `opg-cli dispute {}` follows it",
			args.id, included.block_number, args.id
		)
	})
}
