//! `opg-cli`: the OPG appchain from the command line. `opg-cli --help` lists the commands.
//!
//! One command per file, each a thin layer over the `opg_client` library: it parses its
//! arguments, calls the library, and returns one [`Output`] — a typed value that prints as text
//! for people or, with `--json`, as exactly the JSON the value serializes to (for data read from
//! the node: exactly what the node's RPC serves). Progress goes to stderr. Exit codes: 0 success,
//! 1 the chain or the node refused (the error is named, with its documentation), 2 bad arguments
//! or input (nothing was sent).

mod balance;
mod bench;
mod challenge;
mod chat;
mod context;
mod dispute;
mod executor;
mod govern;
mod metadata;
mod models;
mod request;
mod result;
mod stake;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use opg_client::Error;
use serde_json::{json, Value};

use context::{Context, Global, Output};

#[derive(Parser)]
#[command(
	name = "opg-cli",
	version,
	about = "Use the OPG appchain: models, inferences, executors, staking, governance"
)]
struct Cli {
	#[command(flatten)]
	global: Global,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// The model registry.
	#[command(subcommand)]
	Models(models::Command),
	/// Request an inference; with --wait, follow it to its final result.
	Request(request::Args),
	/// Ask a text-generation model; with --wait, print its final answer.
	Chat(chat::Args),
	/// A request, its status and its result.
	Result(result::Args),
	/// Challenge a result in its challenge window (holds the challenge bond until the verdict).
	Challenge(challenge::Args),
	/// The dispute of a request: committee and votes, or the verdict and amounts.
	Dispute(dispute::Args),
	/// Executors: bond OPG and a node key to answer requests.
	#[command(subcommand)]
	Executor(executor::Command),
	/// Staking: delegate OPG to an executor, undelegate, withdraw; stakes and positions.
	#[command(subcommand)]
	Stake(stake::Command),
	/// Governance of listings (OpenGov referenda) and sudo on dev chains.
	#[command(subcommand)]
	Govern(govern::Command),
	/// An account's free balance.
	Balance(balance::Args),
	/// A load test: N requests from M accounts, with throughput and latency percentiles.
	Bench(bench::Args),
	/// Write the node's runtime metadata (SCALE, version 16) to a file.
	Metadata(metadata::Args),
}

async fn run(command: Command, ctx: &Context) -> Result<Output, Error> {
	match command {
		Command::Models(command) => models::run(command, ctx).await,
		Command::Request(args) => request::run(args, ctx).await,
		Command::Chat(args) => chat::run(args, ctx).await,
		Command::Result(args) => result::run(args, ctx).await,
		Command::Challenge(args) => challenge::run(args, ctx).await,
		Command::Dispute(args) => dispute::run(args, ctx).await,
		Command::Executor(command) => executor::run(command, ctx).await,
		Command::Stake(command) => stake::run(command, ctx).await,
		Command::Govern(command) => govern::run(command, ctx).await,
		Command::Balance(args) => balance::run(args, ctx).await,
		Command::Bench(args) => bench::run(args, ctx).await,
		Command::Metadata(args) => metadata::run(args, ctx).await,
	}
}

fn main() -> ExitCode {
	let Cli { global, command } = Cli::parse();
	let json = global.json;
	let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
		Ok(runtime) => runtime,
		Err(e) => {
			eprintln!("error: cannot start: {e}");
			return ExitCode::FAILURE;
		}
	};
	let outcome = runtime.block_on(async {
		let ctx = Context::new(global);
		let outcome = run(command, &ctx).await;
		ctx.progress().done();
		outcome
	});
	match outcome {
		Ok(output) => {
			output.print(json);
			ExitCode::SUCCESS
		}
		Err(error) => {
			let code = match error {
				Error::Input(_) | Error::Invalid(_) | Error::UnknownModel(_) => 2,
				_ => 1,
			};
			if json {
				let detail = match error.chain() {
					Some(chain) => json!({
						"pallet": chain.pallet,
						"name": chain.name,
						"docs": chain.docs,
						"txFee": chain.fee.to_string(),
					}),
					None => Value::Null,
				};
				let pruned = match &error {
					Error::Pruned(pruned) => json!(pruned),
					_ => Value::Null,
				};
				println!(
					"{}",
					json!({"error": error.to_string(), "chainError": detail, "pruned": pruned})
				);
			}
			eprintln!("error: {error}");
			ExitCode::from(code)
		}
	}
}
