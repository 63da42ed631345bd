//! `opg-cli bench --requests N --accounts M [--rate R] [--retention B]`: a load test (a burst,
//! or R requests per second), with throughput, latency percentiles, the fees' balance and the
//! state's size.

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
	/// Requests per second, for a sustained load (all at once without it).
	#[arg(long)]
	rate: Option<f64>,
	/// First set the chain's retention of finished requests to this many blocks (with sudo,
	/// from --suri), and measure the state again that long after the run.
	#[arg(long)]
	retention: Option<u32>,
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
		rate: args.rate,
		retention: args.retention,
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
		"{} requests: {} answered, {} final, {} corrected, {} refunded, {} rejected, {} unsettled\n",
		report.submitted,
		report.answered,
		report.finalized,
		report.corrected,
		report.refunded,
		report.rejected,
		report.unsettled
	);
	text.push_str(&format!(
		"fees: {} held = {} paid + {} refunded + {} rejected{} ({} requests off)\n",
		report.fees_held,
		report.fees_paid,
		report.fees_refunded,
		report.fees_rejected,
		if report.corrected > 0 { " + corrected" } else { "" },
		report.fee_mismatches
	));
	text.push_str(&format!(
		"throughput: {:.2} final requests per block, {:.3} per second ({} blocks, {:.1} s)\n",
		report.final_per_block, report.final_per_second, report.blocks, report.seconds
	));
	text.push_str(&format!(
		"per block: {:.1} requests in (largest {}), {:.1} results (largest {})\n",
		report.requests_per_block,
		report.max_requests_per_block,
		report.results_per_block,
		report.max_results_per_block
	));
	text.push_str(&format!(
		"state: {} inference keys at the start, {} at the peak, {} at the end{}\n",
		report.state_keys_start,
		report.state_keys_peak,
		report.state_keys_end,
		report
			.state_keys_after_retention
			.map(|keys| format!(", {keys} after the retention"))
			.unwrap_or_default()
	));
	text.push_str(&format!("submitted in {:.1} s\n", report.submit_seconds));
	text.push_str(&percentiles("included → result (blocks)", "", &report.result_after_inclusion));
	text.push_str("latency from submission:\n");
	text.push_str(&percentiles("to result (blocks)", "", &report.result_blocks));
	text.push_str(&percentiles("to result (seconds)", "s", &report.result_seconds));
	text.push_str(&percentiles("to paid (blocks)", "", &report.final_blocks));
	text.push_str(&percentiles("to paid + finalized (s)", "s", &report.final_seconds));
	text
}
