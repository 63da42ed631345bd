//! `opg-cli balance [<account>]`: an account's free balance.

use opg_client::{units::format_opg, AccountId, Error};
use serde::Serialize;

use crate::context::{Context, Output};

#[derive(clap::Args)]
pub struct Args {
	/// SS58 address; the signer's by default.
	account: Option<String>,
}

/// An account's free balance.
#[derive(Serialize)]
struct Balance {
	account: AccountId,
	#[serde(with = "opg_client::api::amount")]
	free: u128,
}

pub async fn run(args: Args, ctx: &Context) -> Result<Output, Error> {
	let account = ctx.account(args.account.as_deref())?;
	let free = ctx.client().await?.free_balance(&account).await?;
	Output::of(&Balance { account, free }, |b| {
		format!("{}: {} free", b.account, format_opg(b.free))
	})
}
