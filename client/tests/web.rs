//! End to end: the web app (`web/`) in a real browser against a real `opg-node --dev`.
//!
//! `web/test/e2e.mjs` drives headless Chromium (Debian's, through puppeteer-core) as a user: it
//! opens the models, draws a "2" on the digits pad, asks, and watches the request become final
//! and finalized; then it puts a proposed model's listing to a referendum and votes aye on it
//! with conviction, and delegates to Alice. This test starts the node, has Bob propose that
//! model with `opg-cli`, builds the page, runs the browser, and checks the chain against what
//! the page showed: the output hash and predicted digit are `inference_result`'s, the vote is in
//! the referendum's tally, the position is Bob's. A JavaScript console error fails the run.
//! Screenshots of each step are kept in `<target>/<profile>/web-e2e/`.
//!
//! The page's packages come from `scripts/setup.sh` (`npm ci` in `web/`), Chromium from
//! Debian's `chromium` package; without them the test fails, it never skips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::{
	io::Read,
	path::PathBuf,
	process::{Command, Stdio},
	time::{Duration, Instant},
};

use opg_testkit::{node_binary, Cli, Node};
use serde_json::{json, Value};

fn repo() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The browser run's bound: a request is final after its challenge window (10 blocks of 6 s)
/// and finalized a few blocks later; governance and stake take a few blocks each.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(480);

#[test]
fn a_user_asks_votes_and_delegates_in_the_browser() {
	let started = Instant::now();
	let mut node = Node::start("web", &["--dev"]);
	node.wait_rpc(Duration::from_secs(60));
	node.wait_finalized(1, Duration::from_secs(60));
	let url = format!("ws://127.0.0.1:{}", node.rpc_port);
	let cli = Cli { url: url.clone() };

	// A model waiting for its listing: Bob packs the digits MLP with a model card (a new bundle,
	// so a new hash) and proposes it.
	let work = tempfile::tempdir().unwrap();
	let card = work.path().join("README.md");
	std::fs::write(&card, "digits MLP, proposed for the web test\n").unwrap();
	let bundle = work.path().join("digits-web.opgmodel");
	cli.pack_digits(&bundle, &card);
	let proposed = cli.propose_digits(&bundle, "digits-web", "0.5", "//Bob");
	eprintln!("[e2e] proposed {}", proposed["hash"]);

	// The page, built from `web/`.
	let web = repo().join("web");
	let build = Command::new("node").arg(web.join("build.mjs")).status().expect("node runs");
	assert!(build.success(), "the page does not build (run scripts/setup.sh for its packages)");

	// The browser run, bounded, killed by PID if it overruns.
	let artifacts = node_binary().parent().unwrap().join("web-e2e");
	let _ = std::fs::remove_dir_all(&artifacts);
	let mut browser = Command::new("node")
		.arg(web.join("test/e2e.mjs"))
		.args(["--rpc", &url, "--out", artifacts.to_str().unwrap(), "--propose", "digits-web"])
		.stdout(Stdio::piped())
		.stderr(Stdio::inherit())
		.spawn()
		.expect("node runs the browser test");
	eprintln!("[e2e] browser test pid {}", browser.id());
	let deadline = Instant::now() + BROWSER_TIMEOUT;
	let status = loop {
		if let Some(status) = browser.try_wait().unwrap() {
			break status;
		}
		if Instant::now() > deadline {
			let _ = browser.kill();
			let _ = browser.wait();
			panic!("the browser test overran {BROWSER_TIMEOUT:?}\n{}", node.log_tail());
		}
		std::thread::sleep(Duration::from_millis(200));
	};
	let mut stdout = String::new();
	browser.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
	let line = stdout.lines().last().unwrap_or_default();
	let report: Value =
		serde_json::from_str(line).unwrap_or_else(|e| panic!("no JSON report ({e}): {stdout}"));
	eprintln!("[e2e] browser report: {report:#}");
	assert_eq!(report["consoleErrors"], json!([]), "JavaScript console errors");
	assert!(
		status.success(),
		"the browser test failed: {}\n{}",
		report["failure"],
		node.log_tail()
	);

	// The page showed what the chain holds: the same output hash, final, the digit drawn.
	let id = report["request"].as_u64().unwrap();
	let result = node.rpc("inference_result", json!([id, null])).unwrap();
	assert_eq!(report["outputHash"], result["outputHash"]);
	assert_eq!(report["traceRoot"], result["traceRoot"]);
	assert_eq!(result["isFinal"], true);
	let logits: Vec<f64> = result["output"]["values"]
		.as_array()
		.unwrap()
		.iter()
		.map(|v| v.as_f64().unwrap())
		.collect();
	let argmax = (0..logits.len()).max_by(|a, b| logits[*a].total_cmp(&logits[*b])).unwrap();
	assert_eq!(argmax, 2, "the drawn 2 is classified as a 2: {logits:?}");
	assert_eq!(report["predicted"], 2);
	assert!(report["fee"].as_str().unwrap().contains("0.01 OPG held"), "{}", report["fee"]);
	let digits = cli.json(&["models", "show", "digits-mlp"]);
	let stats = node.rpc("inference_modelStats", json!([digits["model"], null])).unwrap();
	assert_eq!(stats["answered"], report["statsAnswered"]);
	assert!(stats["finalized"].as_u64().unwrap() >= 1, "{stats}");
	assert_eq!(stats["feesPaid"], "10000000000000000", "one request's fee: {stats}");

	// The vote is Bob's 100 OPG at 1× conviction, in the tally of the referendum the page made.
	let index = report["referendum"].as_u64().unwrap().to_string();
	let referendum = cli.json(&["govern", "referendum", &index]);
	assert_eq!(referendum["state"], "Ongoing", "{referendum}");
	assert_eq!(referendum["ayes"], "100000000000000000000", "{referendum}");

	// The delegation is Bob's position with Alice.
	let bob = cli.json(&["stake", "status", "--suri", "//Bob"]);
	let alice = cli.json(&["stake", "status", "--suri", "//Alice"]);
	let position = &bob["positions"][0];
	assert_eq!(position["executor"], alice["account"], "{bob}");
	assert_eq!(report["executor"], alice["account"]);
	assert_eq!(position["active"], "50000000000000000000", "{bob}");

	for shot in report["screenshots"].as_array().unwrap() {
		assert!(std::path::Path::new(shot.as_str().unwrap()).is_file(), "{shot}");
	}
	eprintln!(
		"[e2e] browser story done in {:?}: request {id} final on the page {} s after the click, \
		 screenshots in {}",
		started.elapsed(),
		report["secondsToFinal"],
		artifacts.display()
	);
	drop(node);
}
