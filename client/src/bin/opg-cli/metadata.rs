//! `opg-cli metadata --out <file>`: the node's runtime metadata (SCALE, version 16), as
//! `client/metadata/opg.scale` holds it.

use std::path::PathBuf;

use opg_client::Error;
use serde::Serialize;

use crate::context::{Context, Output};

#[derive(clap::Args)]
pub struct Args {
	/// Where to write.
	#[arg(long, short)]
	out: PathBuf,
}

/// The metadata written.
#[derive(Serialize)]
struct Written {
	file: PathBuf,
	bytes: usize,
}

pub async fn run(args: Args, ctx: &Context) -> Result<Output, Error> {
	let metadata = ctx.client().await?.metadata().await?;
	std::fs::write(&args.out, &metadata)
		.map_err(|e| Error::Invalid(format!("cannot write {}: {e}", args.out.display())))?;
	Output::of(&Written { file: args.out, bytes: metadata.len() }, |w| {
		format!("{} bytes to {}", w.bytes, w.file.display())
	})
}
