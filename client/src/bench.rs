//! A bounded load generator: `requests` inference requests from `accounts` accounts, submitted
//! at once, followed block by block to their results and to finality. Prints throughput and
//! latency percentiles; used by `opg-cli bench` and `scripts/measure.sh load`.
//!
//! Each account sends its share with consecutive nonces, all accounts at once, so the requests
//! enter the pool as fast as the node accepts them (the load is a burst bounded by `requests`). A request's times are counted from the
//! moment the node accepted it into its pool:
//! - **result**: the block that includes the executor's result (`ResultSubmitted`);
//! - **final**: the block that pays it (`ResultFinalized`, after the challenge window), and the
//!   moment that block is finalized by GRANDPA.

use std::{
	collections::{BTreeMap, HashMap, VecDeque},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use serde::Serialize;
use subxt::config::DefaultExtrinsicParamsBuilder;
use subxt_signer::sr25519::Keypair;

use crate::{inference::RequestId, keys, recode, runtime, units::OPG, Client, Error, Input, Model};

/// What to run.
pub struct BenchConfig {
	/// Requests in all (at most 10,000).
	pub requests: u32,
	/// Accounts sending them (derived as `//opg-bench//<i>`, funded by `funder`).
	pub accounts: u32,
	/// The account that funds the senders (a dev account on dev and local chains).
	pub funder: Keypair,
	/// The model.
	pub model: Model,
	/// The input of every request.
	pub input: Input,
	/// Give up on requests not final after this long.
	pub timeout: Duration,
}

/// Percentiles of a sample.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Percentiles {
	/// Sample size.
	pub n: usize,
	/// Median.
	pub p50: f64,
	/// 90th percentile.
	pub p90: f64,
	/// 99th percentile.
	pub p99: f64,
	/// Largest.
	pub max: f64,
}

impl Percentiles {
	/// Nearest-rank percentiles of `values`.
	pub fn of(mut values: Vec<f64>) -> Percentiles {
		values.sort_by(f64::total_cmp);
		let rank = |p: f64| -> f64 {
			if values.is_empty() {
				return 0.0;
			}
			let index = ((p * values.len() as f64).ceil() as usize)
				.clamp(1, values.len())
				.saturating_sub(1);
			values.get(index).copied().unwrap_or_default()
		};
		Percentiles {
			n: values.len(),
			p50: rank(0.5),
			p90: rank(0.9),
			p99: rank(0.99),
			max: rank(1.0),
		}
	}
}

/// What a run measured.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BenchReport {
	/// Requests submitted.
	pub submitted: usize,
	/// Requests answered.
	pub answered: usize,
	/// Requests final and paid.
	pub finalized: usize,
	/// Requests refunded (no answer in time).
	pub refunded: usize,
	/// Requests corrected by a dispute.
	pub corrected: usize,
	/// Blocks from the first request's block to the last payment's block.
	pub blocks: u64,
	/// Seconds from the first submission to the last payment's finality.
	pub seconds: f64,
	/// Requests included per block with requests in it (the largest block).
	pub max_requests_per_block: usize,
	/// Results included per block with results in it (the largest block).
	pub max_results_per_block: usize,
	/// Final requests per block, over `blocks`.
	pub final_per_block: f64,
	/// Final requests per second, over `seconds`.
	pub final_per_second: f64,
	/// Blocks from submission (the best block then) to the result's block.
	pub result_blocks: Percentiles,
	/// Seconds from submission to the result's block being seen.
	pub result_seconds: Percentiles,
	/// Blocks from submission to the paying block.
	pub final_blocks: Percentiles,
	/// Seconds from submission to the paying block being finalized by GRANDPA.
	pub final_seconds: Percentiles,
}

#[derive(Default)]
struct Track {
	submitted: Option<(Instant, u64)>,
	id: Option<RequestId>,
	result: Option<(Instant, u64)>,
	paid_block: Option<u64>,
	final_at: Option<Instant>,
	refunded: bool,
	corrected: bool,
}

/// The sender accounts of a run: `//opg-bench//0`, `//opg-bench//1`, ….
pub fn bench_accounts(count: u32) -> Result<Vec<Keypair>, Error> {
	(0..count).map(|i| keys::from_suri(&format!("//opg-bench//{i}"))).collect()
}

impl Client {
	/// Runs a load test (see the module docs) and reports what it measured; `progress` gets a
	/// line now and then.
	pub async fn bench(
		&self,
		config: BenchConfig,
		mut progress: impl FnMut(&str),
	) -> Result<BenchReport, Error> {
		if config.requests == 0 || config.requests > 10_000 || config.accounts == 0 {
			return Err(Error::Invalid(
				"bench: 1 to 10,000 requests from at least one account".into(),
			));
		}
		let accounts = bench_accounts(config.accounts.min(config.requests))?;

		// 1. Fund the senders: each gets its fees plus 10 OPG for transaction fees.
		let per_account = u128::from(config.requests.div_ceil(accounts.len() as u32));
		let need = config.model.price.saturating_mul(per_account).saturating_add(10 * OPG);
		let mut funder_nonce = self.next_nonce(&keys::account(&config.funder)).await?;
		let mut funding = Vec::new();
		for account in &accounts {
			let who = keys::account(account);
			let free = self.free_balance(&who).await?;
			if free >= need {
				continue;
			}
			let call = runtime::transactions().balances().transfer_keep_alive(
				subxt::utils::MultiAddress::Id(crate::chain_account(&who)),
				need.saturating_sub(free).saturating_add(OPG),
			);
			funding.push(self.sign_and_submit(&call, &config.funder, Some(funder_nonce)).await?);
			funder_nonce = funder_nonce.saturating_add(1);
		}
		progress(&format!("funding {} of {} sender accounts", funding.len(), accounts.len()));
		for progress_stream in funding {
			progress_stream
				.wait_for_finalized_success()
				.await
				.map_err(|e| Error::Rejected(e.to_string()))?;
		}

		// 2. Submit every request at once, each account with consecutive nonces.
		let call = runtime::transactions().inference().request(
			config.model.model,
			recode(&config.input.0)?,
			config.model.price,
		);
		let mut nonces = Vec::with_capacity(accounts.len());
		for account in &accounts {
			nonces.push(self.next_nonce(&keys::account(account)).await?);
		}
		// The best block's number, kept current by a background poll: the block each request
		// was submitted at.
		let best = Arc::new(AtomicU64::new(self.best_number().await?));
		let poller = {
			let (client, best) = (self.clone(), best.clone());
			tokio::spawn(async move {
				loop {
					if let Ok(number) = client.best_number().await {
						best.store(number, Ordering::Relaxed);
					}
					tokio::time::sleep(Duration::from_millis(100)).await;
				}
			})
		};
		let at = self.finalized().await?;
		let started = Instant::now();
		let first_block = best.load(Ordering::Relaxed);
		let requests = config.requests as usize;
		let senders = accounts.len();
		let submissions =
			accounts.iter().zip(nonces).enumerate().map(|(slot, (account, first_nonce))| {
				let (at, call, best) = (&at, &call, &best);
				async move {
					let mut submitted = Vec::new();
					for (k, _) in (slot..requests).step_by(senders).enumerate() {
						let params = DefaultExtrinsicParamsBuilder::<crate::Config>::new()
							.nonce(first_nonce.saturating_add(k as u64))
							.build();
						let signed = at.transactions().create_signed(call, account, params).await?;
						signed.submit().await?;
						submitted.push((Instant::now(), best.load(Ordering::Relaxed)));
					}
					Ok::<_, Error>(submitted)
				}
			});
		let mut tracks: Vec<Track> = Vec::new();
		let mut by_sender: HashMap<[u8; 32], VecDeque<usize>> = HashMap::new();
		for (account, submitted) in
			accounts.iter().zip(futures::future::join_all(submissions).await)
		{
			for submitted in submitted? {
				by_sender
					.entry(*keys::account(account).as_ref())
					.or_default()
					.push_back(tracks.len());
				tracks.push(Track { submitted: Some(submitted), ..Track::default() });
			}
		}
		poller.abort();
		progress(&format!(
			"submitted {} requests from {} accounts in {:.1} s",
			tracks.len(),
			accounts.len(),
			started.elapsed().as_secs_f64()
		));

		// 3. Follow the best chain block by block until every request is settled.
		let mut by_id: BTreeMap<RequestId, usize> = BTreeMap::new();
		let mut next_block = first_block.saturating_add(1);
		let mut requests_per_block = 0usize;
		let mut results_per_block = 0usize;
		let mut paid_blocks: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
		let deadline = Instant::now().checked_add(config.timeout).unwrap_or_else(Instant::now);
		let mut last_report = Instant::now();
		loop {
			let settled = tracks.iter().filter(|t| t.final_at.is_some() || t.refunded).count();
			if settled == tracks.len() {
				break;
			}
			if Instant::now() > deadline {
				progress(&format!("timed out with {} of {} settled", settled, tracks.len()));
				break;
			}
			if last_report.elapsed() > Duration::from_secs(15) {
				progress(&format!("block {next_block}: {settled} of {} settled", tracks.len()));
				last_report = Instant::now();
			}
			let best = self.best_number().await?;
			while next_block <= best {
				let at = self.api().at_block(next_block).await?;
				let seen = Instant::now();
				let events = at.events().fetch().await?;
				let (mut requested, mut answered) = (0usize, 0usize);
				for event in events.iter() {
					let event = event?;
					if let Some(Ok(e)) =
						event.decode_fields_as::<runtime::inference::events::Requested>()
					{
						if let Some(index) =
							by_sender.get_mut(&e.requester.0).and_then(VecDeque::pop_front)
						{
							by_id.insert(e.request, index);
							if let Some(track) = tracks.get_mut(index) {
								track.id = Some(e.request);
							}
							requested = requested.saturating_add(1);
						}
					} else if let Some(Ok(e)) =
						event.decode_fields_as::<runtime::inference::events::ResultSubmitted>()
					{
						if let Some(track) = by_id.get(&e.request).and_then(|i| tracks.get_mut(*i))
						{
							track.result.get_or_insert((seen, next_block));
							answered = answered.saturating_add(1);
						}
					} else if let Some(Ok(e)) =
						event.decode_fields_as::<runtime::inference::events::ResultFinalized>()
					{
						if let Some(&index) = by_id.get(&e.request) {
							if let Some(track) = tracks.get_mut(index) {
								track.paid_block = Some(next_block);
							}
							paid_blocks.entry(next_block).or_default().push(index);
						}
					} else if let Some(Ok(e)) =
						event.decode_fields_as::<runtime::inference::events::Refunded>()
					{
						if let Some(track) = by_id.get(&e.request).and_then(|i| tracks.get_mut(*i))
						{
							track.refunded = true;
						}
					} else if let Some(Ok(e)) =
						event.decode_fields_as::<runtime::inference::events::ResultCorrected>()
					{
						if let Some(&index) = by_id.get(&e.request) {
							if let Some(track) = tracks.get_mut(index) {
								track.corrected = true;
								track.paid_block = Some(next_block);
							}
							paid_blocks.entry(next_block).or_default().push(index);
						}
					}
				}
				requests_per_block = requests_per_block.max(requested);
				results_per_block = results_per_block.max(answered);
				next_block = next_block.saturating_add(1);
			}
			// GRANDPA finality of the paying blocks.
			let finalized = self.finalized_number().await?;
			let now = Instant::now();
			let done: Vec<u64> = paid_blocks.range(..=finalized).map(|(block, _)| *block).collect();
			for block in done {
				for index in paid_blocks.remove(&block).unwrap_or_default() {
					if let Some(track) = tracks.get_mut(index) {
						track.final_at.get_or_insert(now);
					}
				}
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
		let mut report = report(&tracks, started);
		report.max_requests_per_block = requests_per_block;
		report.max_results_per_block = results_per_block;
		Ok(report)
	}
}

fn report(tracks: &[Track], started: Instant) -> BenchReport {
	let since = |t: &Track, at: Instant| {
		t.submitted.map(|(s, _)| at.saturating_duration_since(s).as_secs_f64())
	};
	let blocks_since =
		|t: &Track, block: u64| t.submitted.map(|(_, b)| block.saturating_sub(b) as f64);
	let result_seconds =
		tracks.iter().filter_map(|t| t.result.and_then(|(at, _)| since(t, at))).collect();
	let result_blocks =
		tracks.iter().filter_map(|t| t.result.and_then(|(_, b)| blocks_since(t, b))).collect();
	let final_blocks =
		tracks.iter().filter_map(|t| t.paid_block.and_then(|b| blocks_since(t, b))).collect();
	let final_seconds =
		tracks.iter().filter_map(|t| t.final_at.and_then(|at| since(t, at))).collect();
	let finalized = tracks.iter().filter(|t| t.final_at.is_some()).count();
	let first_block =
		tracks.iter().filter_map(|t| t.submitted.map(|(_, b)| b)).min().unwrap_or_default();
	let last_paid = tracks.iter().filter_map(|t| t.paid_block).max().unwrap_or(first_block);
	let last_final = tracks.iter().filter_map(|t| t.final_at).max().unwrap_or(started);
	let blocks = last_paid.saturating_sub(first_block);
	let seconds = last_final.saturating_duration_since(started).as_secs_f64();
	BenchReport {
		submitted: tracks.len(),
		answered: tracks.iter().filter(|t| t.result.is_some()).count(),
		finalized,
		refunded: tracks.iter().filter(|t| t.refunded).count(),
		corrected: tracks.iter().filter(|t| t.corrected).count(),
		blocks,
		seconds,
		max_requests_per_block: 0,
		max_results_per_block: 0,
		final_per_block: if blocks > 0 { finalized as f64 / blocks as f64 } else { 0.0 },
		final_per_second: if seconds > 0.0 { finalized as f64 / seconds } else { 0.0 },
		result_blocks: Percentiles::of(result_blocks),
		result_seconds: Percentiles::of(result_seconds),
		final_blocks: Percentiles::of(final_blocks),
		final_seconds: Percentiles::of(final_seconds),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn nearest_rank_percentiles() {
		let p = Percentiles::of((1..=100).map(f64::from).collect());
		assert_eq!((p.n, p.p50, p.p90, p.p99, p.max), (100, 50.0, 90.0, 99.0, 100.0));
		let one = Percentiles::of(vec![7.0]);
		assert_eq!((one.p50, one.p99), (7.0, 7.0));
		assert_eq!(Percentiles::of(vec![]), Percentiles::default());
		let p = Percentiles::of(vec![3.0, 1.0, 2.0]);
		assert_eq!((p.p50, p.p90, p.max), (2.0, 3.0, 3.0));
	}
}
