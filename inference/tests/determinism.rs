//! Deterministic mode: byte-identical outputs and traces across runs, processes and thread counts.
//!
//! The test runs the workload in-process (twice with one engine thread, once with two), then
//! re-runs itself (this test binary, this one test) as child processes with `RAYON_NUM_THREADS`
//! (candle's thread count for its matmuls) and the engine's own pool set to 1, 2 and 4, and
//! compares the digest each child prints. The workload is the default MLP on
//! the digits test set and all-MiniLM-L6-v2 on the reference sentences (so this test also needs
//! scripts/fetch-models.sh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::process::Command;

use codec::Encode;
use common::{digit_input, digits_fixture, engine_with, minilm_dir, minilm_reference};
use opg_inference::{bundle_from_dir, default_model};
use opg_primitives::{InferenceInput, ModelKind};

const CHILD: &str = "OPG_DETERMINISM_CHILD";
const THREADS: &str = "OPG_ENGINE_THREADS";

/// blake2-256 over every run's output and layer hashes, in hex.
fn digest(threads: usize) -> String {
	let (_dir, engine) = engine_with(threads, true);
	let mut all = Vec::new();
	let mlp = default_model::install(engine.store()).unwrap();
	for chunk in digits_fixture().pixels.chunks(32) {
		let run = engine.run(&mlp, &digit_input(chunk)).unwrap();
		all.extend(run.output.encode());
		all.extend(run.layer_hashes.encode());
	}
	let bundle = bundle_from_dir(ModelKind::BertEmbedding, &minilm_dir()).unwrap();
	let bert = engine.store().import_bytes(&bundle).unwrap();
	let reference = minilm_reference();
	let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
	for batch in [&texts[..], &texts[..1], &texts[3..7]] {
		let run = engine.run(&bert, &InferenceInput::texts(batch).unwrap()).unwrap();
		all.extend(run.output.encode());
		all.extend(run.layer_hashes.encode());
	}
	opg_inference::store::hash_hex(&opg_primitives::bundle::bundle_hash(&all))
}

#[test]
fn identical_across_runs_processes_and_thread_counts() {
	// As a child process (started below): compute the digest with the thread count asked for,
	// print it, and stop there.
	if std::env::var_os(CHILD).is_some() {
		let threads = std::env::var(THREADS).unwrap().parse().unwrap();
		println!("DIGEST={}", digest(threads));
		return;
	}
	let here = digest(1);
	assert_eq!(digest(1), here, "two runs in one process differ");
	assert_eq!(digest(2), here, "engine pools of 1 and 2 threads differ");
	for threads in ["1", "2", "4"] {
		let output = Command::new(std::env::current_exe().unwrap())
			.args([
				"--exact",
				"identical_across_runs_processes_and_thread_counts",
				"--nocapture",
				"--test-threads=1",
			])
			.env(CHILD, "1")
			.env(THREADS, threads)
			.env("RAYON_NUM_THREADS", threads)
			.output()
			.unwrap();
		let stdout = String::from_utf8_lossy(&output.stdout);
		assert!(
			output.status.success(),
			"child failed: {stdout}{}",
			String::from_utf8_lossy(&output.stderr)
		);
		let child = stdout
			.split("DIGEST=")
			.nth(1)
			.and_then(|rest| rest.split_whitespace().next())
			.unwrap_or_else(|| panic!("no digest from the child: {stdout}"));
		assert_eq!(child, here, "a child process with {threads} threads differs");
	}
	println!("digest {here} identical in-process (1, 2 threads) and in children (1, 2, 4 threads)");
}
