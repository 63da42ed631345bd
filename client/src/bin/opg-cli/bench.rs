//! `opg-cli bench --requests N --accounts M`: a load test, with throughput and latency
//! percentiles.

use std::time::Duration;

use opg_client::{
	bench::{BenchConfig, BenchReport, Percentiles},
	Error, Input,
};

use crate::context::{read_json, Context, Output};

#[derive(clap::Args)]
pub struct Args {
	/// Requests in all.
	#[arg(long, default_value_t = 100)]
	requests: u32,
	/// Sending accounts (funded by --suri).
	#[arg(long, default_value_t = 10)]
	accounts: u32,
	/// The model.
	#[arg(long, default_value = "digits-mlp")]
	model: String,
	/// The input (as for `request`); a fixed pseudo-random sample by default.
	#[arg(long)]
	input: Option<String>,
	/// Give up after this many seconds.
	#[arg(long, default_value_t = 900)]
	timeout: u64,
}

pub async fn run(args: Args, ctx: &Context) -> Result<Output, Error> {
	let funder = ctx.signer()?;
	let client = ctx.client().await?;
	let model = client.resolve_model(&args.model).await?;
	let input = match &args.input {
		Some(text) => Input::from_json(&model.schema, &read_json(text)?)?,
		None => Input::sample(&model.schema)?,
	};
	let config = BenchConfig {
		requests: args.requests,
		accounts: args.accounts,
		funder,
		model,
		input,
		timeout: Duration::from_secs(args.timeout),
	};
	let progress = ctx.progress();
	let report = client.bench(config, |line| progress.stage(format!("[bench] {line}"))).await?;
	Output::of(&report, show)
}

fn percentiles(name: &str, unit: &str, p: &Percentiles) -> String {
	format!(
		"  {name:<26} p50 {:>7.2}  p90 {:>7.2}  p99 {:>7.2}  max {:>7.2} {unit}  (n = {})\n",
		p.p50, p.p90, p.p99, p.max, p.n
	)
}

fn show(report: &BenchReport) -> String {
	let mut text = format!(
		"{} requests: {} answered, {} final, {} corrected, {} refunded\n",
		report.submitted, report.answered, report.finalized, report.corrected, report.refunded
	);
	text.push_str(&format!(
		"throughput: {:.2} final requests per block, {:.3} per second ({} blocks, {:.1} s)\n",
		report.final_per_block, report.final_per_second, report.blocks, report.seconds
	));
	text.push_str(&format!(
		"largest block: {} requests, {} results\nlatency from submission:\n",
		report.max_requests_per_block, report.max_results_per_block
	));
	text.push_str(&percentiles("to result (blocks)", "", &report.result_blocks));
	text.push_str(&percentiles("to result (seconds)", "s", &report.result_seconds));
	text.push_str(&percentiles("to paid (blocks)", "", &report.final_blocks));
	text.push_str(&percentiles("to paid + finalized (s)", "s", &report.final_seconds));
	text
}
