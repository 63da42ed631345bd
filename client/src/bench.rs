//! A bounded load generator: `requests` inference requests from `accounts` accounts, as one
//! burst or at a sustained rate, followed block by block to their results, payment and
//! finality. Reports throughput, latency percentiles, what each request cost and how the state
//! grew; used by `opg-cli bench` and `scripts/measure.sh load`.
//!
//! Each account sends its share with consecutive nonces, all accounts at once: as fast as the
//! node accepts them (a burst), or each request at its turn at `rate` per second. A request's
//! times are counted from the moment the node accepted it into its pool:
//! - **result**: the block that includes the executor's result (`ResultSubmitted`);
//! - **final**: the block that pays it (`ResultFinalized`, after the challenge window), and the
//!   moment that block is finalized by GRANDPA.
//!
//! Nothing may be lost: every request must end final, corrected, refunded or rejected, and the
//! fee its `Requested` event held must come out to the planck in its closing event (paid to the
//! executor plus the treasury's share, refunded, or taken by the treasury); the report counts
//! the requests that did not ([`BenchReport::unsettled`], [`BenchReport::fee_mismatches`]).
//! The state is the number of storage keys of the inference pallet, sampled at the start, every
//! few blocks (the peak), at the end, and, with a `retention`, once that many blocks have passed
//! after the last request settled, when every finished request should have been pruned.

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
	/// Requests per second, for a sustained load; `None` sends them all at once.
	pub rate: Option<f64>,
	/// Set the chain's retention of finished requests to this many blocks first (with `sudo`
	/// from `funder`: dev and local chains), and measure the state again that long after the
	/// run.
	pub retention: Option<u32>,
}

/// The most requests one run sends.
pub const MAX_REQUESTS: u32 = 100_000;

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
	/// Requests rejected as unrunnable.
	pub rejected: usize,
	/// Requests that did not end (final, corrected, refunded or rejected) by the timeout, or
	/// whose `Requested` event was never seen: lost, if the run did not time out.
	pub unsettled: usize,
	/// The fees held by the requests (`Requested`), in planck (amounts are decimal strings in
	/// JSON).
	#[serde(with = "opg_api::amount")]
	pub fees_held: u128,
	/// Paid to executors and the treasury (`ResultFinalized`).
	#[serde(with = "opg_api::amount")]
	pub fees_paid: u128,
	/// Refunded (`Refunded`).
	#[serde(with = "opg_api::amount")]
	pub fees_refunded: u128,
	/// Taken by the treasury from rejected requests (`Rejected`).
	#[serde(with = "opg_api::amount")]
	pub fees_rejected: u128,
	/// Settled requests whose closing amounts differ from the fee they held (corrected ones,
	/// whose fee goes to the committee, are not counted).
	pub fee_mismatches: usize,
	/// Blocks from the first request's block to the last payment's block.
	pub blocks: u64,
	/// Seconds from the first submission to the last payment's finality.
	pub seconds: f64,
	/// Requests included per block with requests in it (the largest block).
	pub max_requests_per_block: usize,
	/// Results included per block with results in it (the largest block).
	pub max_results_per_block: usize,
	/// Requests included per block, over the blocks that include any.
	pub requests_per_block: f64,
	/// Results included per block, over the blocks that include any.
	pub results_per_block: f64,
	/// Storage keys of the inference pallet before the first request.
	pub state_keys_start: u64,
	/// The most keys seen during the run.
	pub state_keys_peak: u64,
	/// Keys once every request settled.
	pub state_keys_end: u64,
	/// Keys `retention` blocks after the last request settled (with a `retention`).
	pub state_keys_after_retention: Option<u64>,
	/// Final requests per block, over `blocks`.
	pub final_per_block: f64,
	/// Final requests per second, over `seconds`.
	pub final_per_second: f64,
	/// Seconds from the first submission to the last one's acceptance by the node.
	pub submit_seconds: f64,
	/// Blocks from submission (the best block then) to the result's block.
	pub result_blocks: Percentiles,
	/// Blocks from the block that included the request to the result's block (1: answered
	/// in the next block; the draw and the run take one block, the transaction the next).
	pub result_after_inclusion: Percentiles,
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
	/// The block that included the request.
	included: Option<u64>,
	result: Option<(Instant, u64)>,
	paid_block: Option<u64>,
	final_at: Option<Instant>,
	refunded: bool,
	corrected: bool,
	rejected: bool,
	/// The fee held, and what came out of it.
	held: u128,
	out: u128,
}

impl Track {
	fn settled(&self) -> bool {
		self.final_at.is_some() || self.refunded || self.rejected
	}
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
		if config.requests == 0 || config.requests > MAX_REQUESTS || config.accounts == 0 {
			return Err(Error::Invalid(format!(
				"bench: 1 to {MAX_REQUESTS} requests from at least one account"
			)));
		}
		if config.rate.is_some_and(|rate| !(rate.is_finite() && rate > 0.0)) {
			return Err(Error::Invalid("bench: the rate must be a positive number".into()));
		}
		if let Some(blocks) = config.retention {
			self.sudo_set_retention(&config.funder, blocks).await?;
			progress(&format!("retention of finished requests set to {blocks} blocks"));
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
		let state_keys_start = self.pallet_keys("Inference", None).await?;
		let started = Instant::now();
		let first_block = best.load(Ordering::Relaxed);
		let requests = config.requests as usize;
		let senders = accounts.len();
		let rate = config.rate;
		// Every request's track, in submission order; each sender's in nonce order, which is
		// the order of its `Requested` events.
		let mut tracks: Vec<Track> = (0..requests).map(|_| Track::default()).collect();
		let mut by_sender: HashMap<[u8; 32], VecDeque<usize>> = HashMap::new();
		for index in 0..requests {
			if let Some(account) = accounts.get(index.checked_rem(senders).unwrap_or_default()) {
				by_sender.entry(*keys::account(account).as_ref()).or_default().push_back(index);
			}
		}
		// Transactions are mortal from the block they are signed at: a long run signs from a
		// recent block, fetched once for every sender (the node answers each fetch with runtime
		// calls, and has few instances to spare).
		let signing_block = tokio::sync::Mutex::new((Instant::now(), self.finalized().await?));
		let submissions =
			accounts.iter().zip(nonces).enumerate().map(|(slot, (account, first_nonce))| {
				let (call, best, signing_block) = (&call, &best, &signing_block);
				async move {
					let mut submitted = Vec::new();
					let mut at = signing_block.lock().await.1.clone();
					for (k, index) in (slot..requests).step_by(senders).enumerate() {
						if let Some(rate) = rate {
							let due = Duration::from_secs_f64(index as f64 / rate);
							let due = started.checked_add(due).unwrap_or_else(Instant::now);
							tokio::time::sleep_until(due.into()).await;
							let mut latest = signing_block.lock().await;
							if latest.0.elapsed() > Duration::from_secs(30) {
								*latest = (Instant::now(), self.finalized().await?);
							}
							at = latest.1.clone();
						}
						let params = DefaultExtrinsicParamsBuilder::<crate::Config>::new()
							.nonce(first_nonce.saturating_add(k as u64))
							.build();
						let signed = at.transactions().create_signed(call, account, params).await?;
						signed.submit().await?;
						submitted.push((index, Instant::now(), best.load(Ordering::Relaxed)));
					}
					Ok::<_, Error>(submitted)
				}
			});
		let submit_all = async {
			let mut all = Vec::with_capacity(requests);
			for submitted in futures::future::join_all(submissions).await {
				all.extend(submitted?);
			}
			Ok::<_, Error>(all)
		};

		// 3. Follow the best chain block by block until every request is settled.
		let mut by_id: BTreeMap<RequestId, usize> = BTreeMap::new();
		let mut next_block = first_block.saturating_add(1);
		let mut requests_per_block = 0usize;
		let mut results_per_block = 0usize;
		let (mut request_blocks, mut requested_total) = (0usize, 0usize);
		let (mut result_blocks, mut answered_total) = (0usize, 0usize);
		let mut state_keys_peak = state_keys_start;
		let mut last_settled_block = first_block;
		let mut paid_blocks: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
		let deadline = Instant::now().checked_add(config.timeout).unwrap_or_else(Instant::now);
		let mut last_report = Instant::now();
		let follow = async {
			loop {
				let settled = tracks.iter().filter(|t| t.settled()).count();
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
									track.held = e.fee;
									track.included = Some(next_block);
								}
								requested = requested.saturating_add(1);
							}
						} else if let Some(Ok(e)) =
							event.decode_fields_as::<runtime::inference::events::ResultSubmitted>()
						{
							if let Some(track) =
								by_id.get(&e.request).and_then(|i| tracks.get_mut(*i))
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
									track.out = e.paid.saturating_add(e.protocol_fee);
								}
								paid_blocks.entry(next_block).or_default().push(index);
								last_settled_block = next_block;
							}
						} else if let Some(Ok(e)) =
							event.decode_fields_as::<runtime::inference::events::Refunded>()
						{
							if let Some(track) =
								by_id.get(&e.request).and_then(|i| tracks.get_mut(*i))
							{
								track.refunded = true;
								track.out = e.amount;
								last_settled_block = next_block;
							}
						} else if let Some(Ok(e)) =
							event.decode_fields_as::<runtime::inference::events::Rejected>()
						{
							if let Some(track) =
								by_id.get(&e.request).and_then(|i| tracks.get_mut(*i))
							{
								track.rejected = true;
								track.out = e.fee;
								last_settled_block = next_block;
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
								last_settled_block = next_block;
							}
						}
					}
					requests_per_block = requests_per_block.max(requested);
					results_per_block = results_per_block.max(answered);
					if requested > 0 {
						request_blocks = request_blocks.saturating_add(1);
						requested_total = requested_total.saturating_add(requested);
					}
					if answered > 0 {
						result_blocks = result_blocks.saturating_add(1);
						answered_total = answered_total.saturating_add(answered);
					}
					if next_block % 10 == 0 {
						state_keys_peak =
							state_keys_peak.max(self.pallet_keys("Inference", None).await?);
					}
					next_block = next_block.saturating_add(1);
				}
				// GRANDPA finality of the paying blocks.
				let finalized = self.finalized_number().await?;
				let now = Instant::now();
				let done: Vec<u64> =
					paid_blocks.range(..=finalized).map(|(block, _)| *block).collect();
				for block in done {
					for index in paid_blocks.remove(&block).unwrap_or_default() {
						if let Some(track) = tracks.get_mut(index) {
							track.final_at.get_or_insert(now);
						}
					}
				}
				tokio::time::sleep(Duration::from_millis(200)).await;
			}
			Ok::<_, Error>(())
		};
		let (submitted, ()) = futures::future::try_join(submit_all, follow).await?;
		poller.abort();
		for (index, at, block) in submitted {
			if let Some(track) = tracks.get_mut(index) {
				track.submitted = Some((at, block));
			}
		}
		let mut report = report(&tracks, started);
		report.max_requests_per_block = requests_per_block;
		report.max_results_per_block = results_per_block;
		report.requests_per_block = mean(requested_total, request_blocks);
		report.results_per_block = mean(answered_total, result_blocks);
		report.state_keys_start = state_keys_start;
		report.state_keys_end = self.pallet_keys("Inference", None).await?;
		report.state_keys_peak = state_keys_peak.max(report.state_keys_end);
		if let Some(blocks) = config.retention {
			// Pruned `blocks` after they finished, at most `MaxQueueWork` per block: a few
			// blocks more for the backlog.
			let target = last_settled_block.saturating_add(u64::from(blocks)).saturating_add(3);
			progress(&format!("waiting for block {target}, when every finished request is pruned"));
			while self.best_number().await? < target {
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
			report.state_keys_after_retention = Some(self.pallet_keys("Inference", None).await?);
		}
		Ok(report)
	}

	/// Sets the chain's retention of finished requests with the sudo key (dev and local chains).
	pub async fn sudo_set_retention(&self, sudo: &Keypair, blocks: u32) -> Result<(), Error> {
		use runtime::runtime_types::{
			opg_runtime::RuntimeCall, pallet_inference::pallet::Call as InferenceCall,
		};
		let call = RuntimeCall::Inference(InferenceCall::set_retention { blocks });
		let included =
			self.submit(&runtime::transactions().sudo().sudo(call), sudo, |_| {}).await?;
		if let Some(sudid) =
			included.events.find_first::<runtime::sudo::events::Sudid>().transpose()?
		{
			if let Err(dispatch) = sudid.sudo_result {
				return Err(Error::Invalid(format!("sudo: set_retention failed: {dispatch:?}")));
			}
		}
		Ok(())
	}
}

fn mean(total: usize, count: usize) -> f64 {
	if count == 0 {
		0.0
	} else {
		total as f64 / count as f64
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
	let after_inclusion = tracks
		.iter()
		.filter_map(|t| Some(t.result?.1.saturating_sub(t.included?) as f64))
		.collect();
	let last_submitted = tracks.iter().filter_map(|t| t.submitted.map(|(at, _)| at)).max();
	let final_seconds =
		tracks.iter().filter_map(|t| t.final_at.and_then(|at| since(t, at))).collect();
	let finalized = tracks.iter().filter(|t| t.final_at.is_some()).count();
	let first_block =
		tracks.iter().filter_map(|t| t.submitted.map(|(_, b)| b)).min().unwrap_or_default();
	let last_paid = tracks.iter().filter_map(|t| t.paid_block).max().unwrap_or(first_block);
	let last_final = tracks.iter().filter_map(|t| t.final_at).max().unwrap_or(started);
	let blocks = last_paid.saturating_sub(first_block);
	let seconds = last_final.saturating_duration_since(started).as_secs_f64();
	let sum = |f: fn(&Track) -> bool| tracks.iter().filter(|t| f(t)).map(|t| t.out).sum::<u128>();
	BenchReport {
		submitted: tracks.len(),
		answered: tracks.iter().filter(|t| t.result.is_some()).count(),
		finalized,
		refunded: tracks.iter().filter(|t| t.refunded).count(),
		corrected: tracks.iter().filter(|t| t.corrected).count(),
		rejected: tracks.iter().filter(|t| t.rejected).count(),
		unsettled: tracks.iter().filter(|t| !t.settled() || t.id.is_none()).count(),
		fees_held: tracks.iter().map(|t| t.held).sum(),
		fees_paid: sum(|t| t.paid_block.is_some() && !t.corrected),
		fees_refunded: sum(|t| t.refunded),
		fees_rejected: sum(|t| t.rejected),
		fee_mismatches: tracks
			.iter()
			.filter(|t| t.settled() && !t.corrected && t.out != t.held)
			.count(),
		blocks,
		seconds,
		max_requests_per_block: 0,
		max_results_per_block: 0,
		requests_per_block: 0.0,
		results_per_block: 0.0,
		state_keys_start: 0,
		state_keys_peak: 0,
		state_keys_end: 0,
		state_keys_after_retention: None,
		final_per_block: if blocks > 0 { finalized as f64 / blocks as f64 } else { 0.0 },
		final_per_second: if seconds > 0.0 { finalized as f64 / seconds } else { 0.0 },
		submit_seconds: last_submitted
			.map(|at| at.saturating_duration_since(started).as_secs_f64())
			.unwrap_or_default(),
		result_blocks: Percentiles::of(result_blocks),
		result_after_inclusion: Percentiles::of(after_inclusion),
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
