//! End to end: three validators (Alice, Bob, Charlie) on the `local` chain finalize the same blocks.

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::time::{Duration, Instant};

use common::LocalNetwork;

#[test]
fn three_validators_finalize_the_same_chain() {
	let mut net = LocalNetwork::start(|_| vec![]);
	let LocalNetwork { alice, bob, charlie, .. } = &mut net;
	// GRANDPA with three voters needs all three: finality proves the network formed.
	let target = alice.wait_finalized(3, Duration::from_secs(180));
	let deadline = Instant::now() + Duration::from_secs(60);
	let hashes = loop {
		let hashes: Vec<Option<String>> = [&alice, &bob, &charlie]
			.iter()
			.map(|n| if n.finalized().0 >= target { n.block_hash(target) } else { None })
			.collect();
		if hashes.iter().all(Option::is_some) {
			break hashes;
		}
		assert!(Instant::now() < deadline, "not all nodes finalized #{target}: {hashes:?}");
		std::thread::sleep(Duration::from_millis(500));
	};
	eprintln!("[e2e] block #{target} finalized by all three: {hashes:?}");
	assert!(
		hashes.windows(2).all(|w| w[0] == w[1]),
		"same finalized hash on every node: {hashes:?}"
	);

	// Every validator authored: the chain is produced by the three in turn.
	let genesis: Vec<_> = [&alice, &bob, &charlie].iter().map(|n| n.block_hash(0)).collect();
	assert!(genesis.windows(2).all(|w| w[0] == w[1]), "one genesis: {genesis:?}");

	requests_are_answered_by_the_assigned_validators_nodes(alice);
}

/// Dave requests digit classifications until requests have gone to Bob and to Charlie; every
/// request is answered by the executor it was assigned to. Each node holds only its own `infr`
/// key (`--bob` inserts Bob's keys only), so an answer from Bob was computed by Bob's node.
fn requests_are_answered_by_the_assigned_validators_nodes(alice: &common::Node) {
	use common::chain::{request_json, submit, wait_for};
	use opg_primitives::{InferenceInput, Tensor};
	use opg_runtime::{currency::OPG, genesis_config_presets::default_model, RuntimeCall};
	use serde_json::json;
	use sp_keyring::Sr25519Keyring;
	use std::collections::BTreeMap;

	let names: BTreeMap<String, &str> = [
		(Sr25519Keyring::Alice, "alice"),
		(Sr25519Keyring::Bob, "bob"),
		(Sr25519Keyring::Charlie, "charlie"),
	]
	.into_iter()
	.map(|(k, n)| (k.to_account_id().to_string(), n))
	.collect();
	let input = InferenceInput::Tensor(Tensor::from_f32(&[1, 64], &[0.5; 64]).unwrap());
	let mut assigned = BTreeMap::<u64, String>::new();
	let mut next = 0u64;
	for _batch in 0..4 {
		for _ in 0..6 {
			let call = RuntimeCall::Inference(pallet_inference::Call::request {
				model: default_model::HASH.into(),
				input: input.clone(),
				max_fee: OPG,
			});
			submit(alice, call, Sr25519Keyring::Dave).expect("request accepted");
		}
		for id in next..next + 6 {
			let executor = wait_for(alice, Duration::from_secs(60), "the request", || {
				let request = request_json(alice, id)?;
				request["status"]["executor"].as_str().map(str::to_owned)
			});
			assigned.insert(id, executor);
		}
		next += 6;
		let who: Vec<&str> = assigned.values().filter_map(|e| names.get(e).copied()).collect();
		if who.contains(&"bob") && who.contains(&"charlie") {
			break;
		}
	}
	eprintln!("[e2e] assignments: {:?}", assigned.values().map(|e| names[e]).collect::<Vec<_>>());
	for (id, executor) in &assigned {
		let result = wait_for(alice, Duration::from_secs(120), "a result", || {
			alice.rpc("inference_result", json!([id, null])).ok().filter(|v| !v.is_null())
		});
		// A missed deadline would reassign; with three live validators none is missed.
		assert_eq!(&result["executor"].as_str().unwrap().to_owned(), executor, "request {id}");
	}
	let answered: Vec<&str> = assigned.values().map(|e| names[e]).collect();
	assert!(answered.contains(&"bob") && answered.contains(&"charlie"), "{answered:?}");
}
