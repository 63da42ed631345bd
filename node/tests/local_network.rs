//! End to end: three validators (Alice, Bob, Charlie) on the `local` chain finalize the same blocks.

mod common;

use std::time::{Duration, Instant};

use common::Node;

#[test]
fn three_validators_finalize_the_same_chain() {
	// Validators need a stable network identity: each gets a node key file. Alice's peer id is
	// derived from hers so the others can find her at a known address.
	let keys = tempfile::tempdir().unwrap();
	let key_file = |name: &str, byte: u8| {
		let path = keys.path().join(format!("{name}.key"));
		std::fs::write(&path, format!("{:064x}", byte)).unwrap();
		path
	};
	let (alice_key, bob_key, charlie_key) =
		(key_file("alice", 1), key_file("bob", 2), key_file("charlie", 3));
	let alice_peer = Node::peer_id_of_key(&alice_key);
	let alice_p2p = common::free_port();

	let mut alice = Node::start_with(
		"alice",
		&["--chain", "local", "--alice", "--node-key-file", alice_key.to_str().unwrap()],
		common::free_port(),
		alice_p2p,
	);
	let bootnode = format!("/ip4/127.0.0.1/tcp/{alice_p2p}/p2p/{alice_peer}");
	let (bob_key, charlie_key) = (bob_key.to_str().unwrap(), charlie_key.to_str().unwrap());
	let mut bob = Node::start(
		"bob",
		&["--chain", "local", "--bob", "--node-key-file", bob_key, "--bootnodes", &bootnode],
	);
	let mut charlie = Node::start(
		"charlie",
		&["--chain", "local", "--charlie", "--node-key-file", charlie_key, "--bootnodes", &bootnode],
	);

	for node in [&mut alice, &mut bob, &mut charlie] {
		node.wait_rpc(Duration::from_secs(60));
	}
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
	assert!(hashes.windows(2).all(|w| w[0] == w[1]), "same finalized hash on every node: {hashes:?}");

	// Every validator authored: the chain is produced by the three in turn.
	let genesis: Vec<_> = [&alice, &bob, &charlie].iter().map(|n| n.block_hash(0)).collect();
	assert!(genesis.windows(2).all(|w| w[0] == w[1]), "one genesis: {genesis:?}");
}
