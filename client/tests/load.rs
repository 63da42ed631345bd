//! End to end: a burst larger than an executor takes at once, on `opg-node --dev`, is answered
//! in full with nothing refunded, and the state shrinks back once the retention has passed.
//!
//! `opg-cli bench` sends 2,500 requests at once from 50 accounts. The dev chain's one executor
//! holds at most `MaxBacklog` (2,048) of them: the rest wait in the draw queue, in order, and are
//! assigned as results free the executor, so the results come in more than one block. Every
//! request must end final, every fee must come out to the planck in its `ResultFinalized`
//! event, and after a retention of a few blocks (set with sudo by the tool) the inference
//! pallet's storage must be back near where it started. Then a pruned id is answered with the
//! `PRUNED` error: when it was pruned and how it ended.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::{process::Command, time::Duration};

use opg_testkit::{workspace_binary, Node};
use serde_json::{json, Value};

/// `MaxBacklog` of the runtime (runtime/src/configs/market.rs).
const MAX_BACKLOG: u64 = 2_048;
const REQUESTS: u64 = 2_500;
const RETENTION: u64 = 5;
// The burst is more than the executor may hold.
const _: () = assert!(MAX_BACKLOG < REQUESTS);

#[test]
fn a_burst_beyond_one_executors_backlog_is_answered_in_full_and_then_pruned() {
	let mut node = Node::start("load", &["--dev"]);
	node.wait_rpc(Duration::from_secs(60));
	node.wait_finalized(1, Duration::from_secs(60));
	let url = format!("ws://127.0.0.1:{}", node.rpc_port);
	let (requests, retention) = (REQUESTS.to_string(), RETENTION.to_string());
	let output = Command::new(workspace_binary("opg-cli"))
		.args(["--url", &url, "--suri", "//Alice", "--json", "bench"])
		.args(["--requests", &requests, "--accounts", "50", "--retention", &retention])
		.args(["--timeout", "600"])
		.output()
		.expect("opg-cli runs");
	eprintln!(
		"[e2e] opg-cli bench → {}\n{}",
		output.status,
		String::from_utf8_lossy(&output.stderr)
	);
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(output.status.success(), "opg-cli bench failed: {stdout}\n{}", node.log_tail());
	let report: Value = serde_json::from_str(stdout.trim()).expect("a JSON report");
	eprintln!("[e2e] {report:#}");
	let count = |field: &str| report[field].as_u64().unwrap_or_else(|| panic!("{field}: {report}"));

	// Answered in full, nothing refunded or lost, every fee accounted for.
	assert_eq!(count("submitted"), REQUESTS);
	assert_eq!(count("answered"), REQUESTS);
	assert_eq!(count("finalized"), REQUESTS, "every request final: {report}");
	assert_eq!(count("refunded"), 0, "a request refunded: {report}");
	assert_eq!((count("unsettled"), count("feeMismatches")), (0, 0));
	let fee = |field: &str| -> u128 {
		report[field].as_str().and_then(|s| s.parse().ok()).expect("an amount as a decimal string")
	};
	assert!(fee("feesHeld") > 0);
	assert_eq!(fee("feesHeld"), fee("feesPaid"), "every held fee paid out");
	// More than one executor's backlog: the results could not all come in one block.
	let largest = count("maxResultsPerBlock");
	assert!(largest <= MAX_BACKLOG, "results per block: {largest}");

	// The state: it grew with the burst, and once the retention passed it is back where it
	// started but for a few bookkeeping values (the retention itself, queue bounds).
	let (start, peak) = (count("stateKeysStart"), count("stateKeysPeak"));
	let after = count("stateKeysAfterRetention");
	assert!(peak >= start + REQUESTS, "the requests were in the state: {start} → {peak}");
	assert!(after <= start + 8, "finished requests outlived the retention: {start} → {after}");

	// A pruned id: an error that says when, and how it ended.
	let error = node.rpc("inference_request", json!([0, null])).expect_err("request 0 was pruned");
	assert!(error.contains("was pruned at block #"), "{error}");
	assert!(error.contains("final at block #"), "{error}");
	// An id never issued is still plain null.
	assert_eq!(node.rpc("inference_request", json!([REQUESTS * 10, null])).unwrap(), json!(null));
}
