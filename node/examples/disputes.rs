//! Measures the dispute game on the three-validator `local` chain with one lying executor
//! (Charlie's node runs `--dev-executor-fault wrong-output`):
//!
//! 1. **Correction time.** Watchers re-run every result (watch fraction 100%, set by sudo);
//!    requests are made until `N` of them went to Charlie. Prints the blocks from each wrong
//!    result's inclusion to its correction, and the amounts slashed and paid.
//! 2. **Catch rate.** Watch fraction back to the default 10%; `M` more requests. Prints how many
//!    of Charlie's results the honest watchers (Alice's and Bob's nodes) sampled, how many of
//!    those were challenged and corrected, and how many went unchallenged and why.
//!
//! ```text
//! scripts/measure.sh disputes [N] [M]   # default 20 wrong results, then 120 requests
//! ```
//! Everything is read back from the chain (events decoded with the runtime's own types) and from
//! the nodes' logs (which results each watcher re-ran). Figures, not pass/fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
	collections::{BTreeMap, BTreeSet},
	time::Duration,
};

use codec::Decode;
use common::{
	chain::{request_json, storage, submit, wait_for},
	LocalNetwork, Node,
};
use opg_primitives::{InferenceInput, Tensor};
use opg_runtime::{
	currency::OPG, genesis_config_presets::default_model, AccountId, Balance, Runtime, RuntimeCall,
	RuntimeEvent,
};
use pallet_inference::{Event as InferenceEvent, Verdict};
use serde_json::json;
use sp_keyring::Sr25519Keyring;
use sp_runtime::Perbill;

const SENDERS: [Sr25519Keyring; 3] =
	[Sr25519Keyring::Dave, Sr25519Keyring::Eve, Sr25519Keyring::Ferdie];

fn block_hash(node: &Node, n: u64) -> String {
	node.rpc("chain_getBlockHash", json!([n])).unwrap().as_str().unwrap().to_owned()
}

/// The inference events of block `n`.
fn events(node: &Node, n: u64) -> Vec<InferenceEvent<Runtime>> {
	// `System::Events` (the storage item is private to frame-system; its key is not).
	let key = [sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat();
	let Some(raw) = storage(node, &key, &block_hash(node, n)) else { return vec![] };
	let records =
		Vec::<frame_system::EventRecord<RuntimeEvent, opg_runtime::Hash>>::decode(&mut &raw[..])
			.expect("events decode with the runtime's types");
	records
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Inference(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn set_watch_fraction(node: &Node, fraction: Perbill) {
	let call = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::Inference(pallet_inference::Call::set_watch_fraction {
			fraction,
		})),
	});
	submit(node, call, Sr25519Keyring::Alice).expect("sudo accepted");
	let key = pallet_inference::WatchFraction::<Runtime>::hashed_key();
	wait_for(node, Duration::from_secs(60), "the watch fraction", || {
		let best = node.rpc("chain_getBlockHash", json!([])).ok()?;
		let raw = storage(node, &key, best.as_str()?)?;
		(Perbill::decode(&mut &raw[..]).ok()? == fraction).then_some(())
	});
}

/// Submits requests three per block (one per sender) from id `first` on, until `enough` says
/// stop; returns the ids made.
fn make_requests(node: &Node, first: u64, mut enough: impl FnMut(u64, &str) -> bool) -> Vec<u64> {
	let mut ids = vec![];
	let mut id = first;
	loop {
		for sender in SENDERS {
			let pixels: Vec<f32> =
				(0..64).map(|p| ((p as u64 * 7 + id) % 17) as f32 / 16.0).collect();
			let call = RuntimeCall::Inference(pallet_inference::Call::request {
				model: default_model::HASH.into(),
				input: InferenceInput::Tensor(Tensor::from_f32(&[1, 64], &pixels).unwrap()),
				max_fee: OPG,
			});
			submit(node, call, sender).expect("request accepted");
		}
		let mut stop = false;
		for _ in 0..SENDERS.len() {
			let executor = wait_for(node, Duration::from_secs(60), "the request", || {
				request_json(node, id)?["status"]["executor"].as_str().map(str::to_owned)
			});
			ids.push(id);
			stop |= enough(id, &executor);
			id += 1;
		}
		if stop {
			return ids;
		}
	}
}

/// Waits until every request in `ids` is over (final, corrected or refunded).
fn wait_over(node: &Node, ids: &[u64]) {
	for id in ids {
		wait_for(node, Duration::from_secs(300), &format!("request {id} to be over"), || {
			let state = request_json(node, *id)?["status"]["state"].as_str()?.to_owned();
			["Final", "Corrected", "Refunded"].contains(&state.as_str()).then_some(())
		});
	}
}

/// Requests each node's watcher re-ran, from its log.
fn rerun_by(node: &Node) -> BTreeSet<u64> {
	node.log()
		.lines()
		.filter_map(|line| {
			let rest = line.split("watcher: result of request ").nth(1)?;
			rest.split(' ').next()?.parse().ok()
		})
		.collect()
}

fn percentiles(mut v: Vec<u64>) -> String {
	v.sort();
	let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
	format!("median {}, p90 {}, min {}, max {} (n = {})", at(0.5), at(0.9), v[0], at(1.0), v.len())
}

#[derive(Default)]
struct Ledger {
	/// Request → block of the result and its executor.
	answered: BTreeMap<u64, (u64, AccountId)>,
	challenged: BTreeMap<u64, (u64, AccountId)>,
	resolved: BTreeMap<u64, (u64, Verdict, Balance, Balance, Balance, Balance)>,
}

impl Ledger {
	fn read(node: &Node, from: u64, to: u64) -> Ledger {
		let mut ledger = Ledger::default();
		for n in from..=to {
			for event in events(node, n) {
				match event {
					InferenceEvent::ResultSubmitted { request, executor, .. } => {
						ledger.answered.insert(request, (n, executor));
					}
					InferenceEvent::Challenged { request, challenger, .. } => {
						ledger.challenged.insert(request, (n, challenger));
					}
					InferenceEvent::DisputeResolved {
						request,
						verdict,
						slashed,
						to_winner,
						to_committee,
						to_treasury,
					} => {
						ledger.resolved.insert(
							request,
							(n, verdict, slashed, to_winner, to_committee, to_treasury),
						);
					}
					_ => {}
				}
			}
		}
		ledger
	}
}

fn opg(amount: Balance) -> String {
	format!("{}.{:02}", amount / OPG, (amount % OPG) / (OPG / 100))
}

fn main() {
	let wrong_wanted: usize = std::env::args().nth(1).map(|a| a.parse().expect("N")).unwrap_or(20);
	let sample_requests: usize =
		std::env::args().nth(2).map(|a| a.parse().expect("M")).unwrap_or(120);
	let debug = "-lruntime::inference=debug".to_owned();
	let mut net = LocalNetwork::start(|name| {
		let mut args = vec![debug.clone()];
		if name == "charlie" {
			args.extend(["--dev-executor-fault".into(), "wrong-output".into()]);
		}
		args
	});
	net.alice.wait_finalized(1, Duration::from_secs(180));
	let node = &net.alice;
	let charlie = Sr25519Keyring::Charlie.to_account_id();
	// Charlie bonds more, so that it stays an executor through every slash of the run.
	let extra = RuntimeCall::Executors(pallet_executors::Call::bond_extra { amount: 40_000 * OPG });
	submit(node, extra, Sr25519Keyring::Charlie).expect("bond_extra accepted");
	let start = common::hex_number(&node.rpc("chain_getHeader", json!([])).unwrap()["number"]);

	// 1. Correction time, every result watched.
	set_watch_fraction(node, Perbill::one());
	println!("phase 1: watch fraction 100%, requests until {wrong_wanted} go to Charlie ...");
	let mut to_charlie = 0;
	let phase1 = make_requests(node, 0, |_, executor| {
		to_charlie += usize::from(executor == charlie.to_string());
		to_charlie >= wrong_wanted
	});
	wait_over(node, &phase1);
	let end1 = common::hex_number(&node.rpc("chain_getHeader", json!([])).unwrap()["number"]);
	let ledger = Ledger::read(node, start, end1);
	let mut blocks = vec![];
	let mut amounts = BTreeMap::<String, usize>::new();
	for id in &phase1 {
		let Some((at, executor)) = ledger.answered.get(id) else { continue };
		if *executor != charlie {
			continue;
		}
		match ledger.resolved.get(id) {
			Some((resolved_at, Verdict::ExecutorWrong, slashed, winner, committee, treasury)) => {
				blocks.push(resolved_at - at);
				*amounts
					.entry(format!(
						"slashed {} OPG: {} to the challenger, {} to the committee, {} to the treasury",
						opg(*slashed),
						opg(*winner),
						opg(*committee),
						opg(*treasury)
					))
					.or_default() += 1;
			}
			other => println!("  request {id} by Charlie: not corrected ({other:?})"),
		}
	}
	println!("phase 1: {} requests, {} wrong results corrected", phase1.len(), blocks.len());
	println!(
		"  blocks from the wrong result's inclusion to its correction: {}",
		percentiles(blocks)
	);
	for (line, n) in amounts {
		println!("  {n} × {line}");
	}
	let voided = phase1
		.iter()
		.filter(|id| matches!(ledger.resolved.get(id), Some((_, Verdict::NoQuorum, ..))))
		.count();
	println!("  honest results challenged by the liar's own watcher and voided for lack of quorum: {voided}");

	// 2. Catch rate at the default 10%.
	set_watch_fraction(node, Perbill::from_percent(10));
	let first = phase1.last().map_or(0, |id| id + 1);
	let before_alice = rerun_by(&net.alice);
	let before_bob = rerun_by(&net.bob);
	println!("phase 2: watch fraction 10%, {sample_requests} requests ...");
	let mut made = 0;
	let phase2 = make_requests(node, first, |_, _| {
		made += 1;
		made >= sample_requests
	});
	wait_over(node, &phase2);
	let end2 = common::hex_number(&node.rpc("chain_getHeader", json!([])).unwrap()["number"]);
	let ledger = Ledger::read(node, end1, end2);
	let watched: BTreeSet<u64> = rerun_by(&net.alice)
		.difference(&before_alice)
		.chain(rerun_by(&net.bob).difference(&before_bob))
		.copied()
		.collect();
	let wrong: Vec<u64> = phase2
		.iter()
		.copied()
		.filter(|id| ledger.answered.get(id).is_some_and(|(_, e)| *e == charlie))
		.collect();
	let sampled: Vec<u64> = wrong.iter().copied().filter(|id| watched.contains(id)).collect();
	let caught: Vec<u64> = sampled
		.iter()
		.copied()
		.filter(|id| matches!(ledger.resolved.get(id), Some((_, Verdict::ExecutorWrong, ..))))
		.collect();
	let unchallenged = wrong.iter().filter(|id| !ledger.challenged.contains_key(id)).count();
	println!(
		"phase 2: {} requests, {} answered wrongly by Charlie; honest watchers re-ran {} of those, \
		 {} were challenged and corrected ({:.0}% of the sampled); {} went unchallenged (not in \
		 either honest watcher's sample) and became final",
		phase2.len(),
		wrong.len(),
		sampled.len(),
		caught.len(),
		100.0 * caught.len() as f64 / sampled.len().max(1) as f64,
		unchallenged,
	);
	let bond = {
		let key = pallet_executors::Executors::<Runtime>::hashed_key_for(&charlie);
		let best = node.rpc("chain_getBlockHash", json!([])).unwrap();
		let raw = storage(node, &key, best.as_str().unwrap()).unwrap();
		pallet_executors::ExecutorInfoOf::<Runtime>::decode(&mut &raw[..]).unwrap().bond
	};
	println!("Charlie's bond: 50000 OPG bonded, {} OPG left", opg(bond));
}
