//! End to end: `opg-cli` against a real `opg-node --dev`, as a user runs it.
//!
//! One dev chain, one story: the workspace's metadata is the node's; the registry lists the
//! default model; Bob packs and proposes a model, and also packs the same MLP exported to ONNX
//! (`--kind onnx`: pack writes its config, checks the graph as the engine does and prints the
//! inferred schema; an unsupported operator or a garbage file is refused with exit code 2) and
//! proposes it with no schema flags (the schema is inferred from the bundle); he puts both
//! listings to referenda, Alice votes both through (the two run concurrently), and both become
//! listed; Charlie requests an inference of each with `--wait` (concurrently too) and gets the
//! final results, each equal to what the engine computes here, with the same predictions; a
//! request that does not fit the schema is refused before anything is sent (exit code 2,
//! nothing charged), and one sent anyway is refused by the chain by name, with only the
//! transaction fee charged; Charlie packs SmolLM2 (`--kind text-generation`), proposes it with
//! its schema inferred, Alice lists it with the sudo key, and Charlie asks it a question with
//! `opg-cli chat … --wait`: the final answer is the engine's, paid per token; a final result
//! cannot be challenged; Ferdie delegates to Alice, sees
//! his position, undelegates part of it and cannot withdraw before the delay; Dave has the node
//! generate his session keys and bonds.
//!
//! The ONNX fixtures come from `scripts/onnx-fixtures.sh`, found through `OPG_ONNX_FIXTURES`
//! (set by `scripts/env.sh`); without them the test fails, it never skips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::{
	io::Read,
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

use opg_inference::{Engine, EngineConfig};
use opg_primitives::{bundle::bundle_hash, json::tensor_values, InferenceInput, Tensor};
use opg_testkit::{Cli, Node};
use serde_json::{json, Value};

fn repo() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The first `n` held-out digits of the fixture, scaled as the model was trained (pixels / 16).
fn digits(n: usize) -> Vec<Vec<f32>> {
	let text = std::fs::read_to_string(repo().join("models/digits-mlp/fixture.json")).unwrap();
	let fixture: Value = serde_json::from_str(&text).unwrap();
	fixture["pixels"].as_array().unwrap()[..n]
		.iter()
		.map(|row| {
			row.as_array().unwrap().iter().map(|p| p.as_f64().unwrap() as f32 / 16.0).collect()
		})
		.collect()
}

/// The ONNX fixtures of `scripts/onnx-fixtures.sh`; fails (never skips) without them.
fn onnx_fixtures() -> PathBuf {
	let dir = std::env::var_os("OPG_ONNX_FIXTURES").map(PathBuf::from).expect(
		"OPG_ONNX_FIXTURES is not set: `source scripts/env.sh` (and run scripts/onnx-fixtures.sh \
		 once) before running this test",
	);
	for file in ["digits-mlp/logits.onnx", "digits-mlp/model.onnx"] {
		assert!(
			dir.join(file).is_file(),
			"{} is missing: run scripts/onnx-fixtures.sh",
			dir.join(file).display()
		);
	}
	dir
}

/// Each row's argmax of a `[rows, classes]` output's JSON values.
fn argmax(output: &Value) -> Vec<usize> {
	let cols = output["shape"][1].as_u64().unwrap() as usize;
	let values: Vec<f64> =
		output["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
	values
		.chunks(cols)
		.map(|row| (0..cols).max_by(|a, b| row[*a].total_cmp(&row[*b])).unwrap())
		.collect()
}

fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
	let started = Instant::now();
	while !check() {
		assert!(started.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
		std::thread::sleep(Duration::from_secs(2));
	}
}

#[test]
fn a_user_proposes_lists_and_queries_a_model_with_the_cli() {
	let started = Instant::now();
	let fixtures = onnx_fixtures();
	let mut node = Node::start("cli", &["--dev"]);
	node.wait_rpc(Duration::from_secs(60));
	node.wait_finalized(1, Duration::from_secs(60));
	let cli = Cli { url: format!("ws://127.0.0.1:{}", node.rpc_port) };
	let work = tempfile::tempdir().unwrap();

	// 1. The client was generated from exactly the metadata this node serves.
	let metadata = work.path().join("opg.scale");
	cli.json(&["metadata", "--out", metadata.to_str().unwrap()]);
	assert!(
		std::fs::read(&metadata).unwrap()
			== std::fs::read(repo().join("client/metadata/opg.scale")).unwrap(),
		"client/metadata/opg.scale is stale: run scripts/metadata.sh"
	);

	// 2. The registry lists the default model.
	let models = cli.json(&["models", "list"]);
	let digits_mlp =
		models.as_array().unwrap().iter().find(|m| m["name"] == "digits-mlp").expect("digits-mlp");
	assert_eq!(digits_mlp["state"], "Listed");
	let listed = cli.run(&["models", "list"]);
	assert!(String::from_utf8_lossy(&listed.stdout).contains("f32[B,64] → f32[B,10] (batch ≤ 32)"));

	// 3. Bob packs the digits MLP with a model card (a new bundle, so a new hash) and proposes it.
	let card = work.path().join("README.md");
	std::fs::write(&card, "digits MLP, republished by Bob\n").unwrap();
	let bundle = work.path().join("digits-bob.opgmodel");
	let packed = cli.pack_digits(&bundle, &card);
	let hash = packed["hash"].as_str().unwrap().to_string();
	let uri = format!("file://{}", bundle.display());
	// A schema beyond the chain's bounds is refused before anything is sent, naming the bound.
	let too_long = cli.run(&[
		"models",
		"propose",
		bundle.to_str().unwrap(),
		"--name",
		"digits-bob",
		"--price",
		"0.5",
		"--input-schema",
		"text:4096",
		"--output-schema",
		"f32[B,10]",
		"--uri",
		&uri,
		"--suri",
		"//Bob",
	]);
	assert_eq!(too_long.status.code(), Some(2));
	let stderr = String::from_utf8_lossy(&too_long.stderr);
	assert!(stderr.contains("a text bound of 4096 bytes, it must be 1 to 2048"), "{stderr}");
	let proposed = cli.propose_digits(&bundle, "digits-bob", "0.5", "//Bob");
	assert_eq!(proposed["hash"], hash);
	let shown = cli.json(&["models", "show", "digits-bob"]);
	assert_eq!(shown["state"], "Proposed");
	assert_eq!(shown["price"], "500000000000000000");

	// Bob also packs the digits MLP exported to ONNX by skl2onnx, cut at its logits: pack writes
	// the config (`--output` names the graph output), checks the graph and prints the schema.
	let onnx_bundle = work.path().join("digits-onnx.opgmodel");
	let pack_onnx = |graph: &Path, output: &str, json: bool| {
		let mut args = vec![
			"models",
			"pack",
			"--kind",
			"onnx",
			"--out",
			onnx_bundle.to_str().unwrap(),
			graph.to_str().unwrap(),
			"--output",
			output,
		];
		if json {
			args.push("--json");
		}
		cli.run(&args)
	};
	let logits = fixtures.join("digits-mlp/logits.onnx");
	let human = pack_onnx(&logits, "add_result1", false);
	assert!(human.status.success());
	let text = String::from_utf8_lossy(&human.stdout);
	assert!(text.contains("schema f32[B,64] → f32[B,10] (batch ≤ 32)"), "{text}");
	let packed = pack_onnx(&logits, "add_result1", true);
	assert!(packed.status.success());
	let packed: Value = serde_json::from_slice(&packed.stdout).unwrap();
	let onnx_hash = packed["hash"].as_str().unwrap().to_string();
	assert!(text.starts_with(&onnx_hash), "{text}");
	// A graph the engine cannot run is refused by name, before anything is written or sent.
	let unsupported = pack_onnx(&fixtures.join("digits-mlp/model.onnx"), "label", false);
	assert_eq!(unsupported.status.code(), Some(2));
	let stderr = String::from_utf8_lossy(&unsupported.stderr);
	assert!(stderr.contains("ArrayFeatureExtractor"), "{stderr}");
	let garbage = work.path().join("garbage.onnx");
	std::fs::write(&garbage, b"garbage: not an ONNX graph\n").unwrap();
	let refused = pack_onnx(&garbage, "add_result1", false);
	assert_eq!(refused.status.code(), Some(2));
	let stderr = String::from_utf8_lossy(&refused.stderr);
	assert!(stderr.contains("not an ONNX model"), "{stderr}");
	// The bundle on disk is still the good one.
	assert_eq!(format!("{:?}", bundle_hash(&std::fs::read(&onnx_bundle).unwrap())), onnx_hash);
	// A schema that is not the graph's is refused before anything is sent.
	let onnx_uri = format!("file://{}", onnx_bundle.display());
	let mismatch = cli.run(&[
		"models",
		"propose",
		onnx_bundle.to_str().unwrap(),
		"--name",
		"digits-onnx",
		"--price",
		"0.5",
		"--input-schema",
		"f32[B,63]",
		"--output-schema",
		"f32[B,10]",
		"--uri",
		&onnx_uri,
		"--suri",
		"//Bob",
	]);
	assert_eq!(mismatch.status.code(), Some(2));
	let stderr = String::from_utf8_lossy(&mismatch.stderr);
	assert!(stderr.contains("is not the graph's, f32[B,64] → f32[B,10]"), "{stderr}");
	// Proposed with no schema flags: the schema is the one inferred from the bundle.
	let proposed = cli.json(&[
		"models",
		"propose",
		onnx_bundle.to_str().unwrap(),
		"--name",
		"digits-onnx",
		"--price",
		"0.5",
		"--uri",
		&onnx_uri,
		"--suri",
		"//Bob",
	]);
	assert_eq!(proposed["hash"], onnx_hash);
	let shown = cli.json(&["models", "show", "digits-onnx"]);
	assert_eq!(shown["state"], "Proposed");
	assert_eq!(shown["kind"], "Onnx");
	assert_eq!(shown["schema"], packed["schema"]);
	assert_eq!(shown["schema"], digits_mlp["schema"], "the MLP's schema, inferred");

	// A request for a model that is not listed is refused before sending.
	let early = cli.run(&["request", "digits-bob", "--input", "[0]", "--suri", "//Charlie"]);
	assert_eq!(early.status.code(), Some(2));

	// 4. Token holders list both: a referendum each on the listing track, Alice votes aye on
	// both; they run concurrently.
	let indexes: Vec<String> = [&hash, &onnx_hash]
		.iter()
		.map(|model| {
			let referendum = cli.json(&["govern", "propose-listing", model, "--suri", "//Bob"]);
			referendum["index"].as_u64().unwrap().to_string()
		})
		.collect();
	for index in &indexes {
		cli.json(&[
			"govern",
			"vote",
			index,
			"aye",
			"--amount",
			"500000",
			"--conviction",
			"1x",
			"--suri",
			"//Alice",
		]);
	}
	for index in &indexes {
		let ongoing = cli.json(&["govern", "referendum", index]);
		assert_eq!(ongoing["state"], "Ongoing");
		assert_eq!(ongoing["ayes"], "500000000000000000000000");
	}
	wait_until(
		"the referenda to list digits-bob and digits-onnx",
		Duration::from_secs(300),
		|| {
			[&hash, &onnx_hash]
				.iter()
				.all(|h| cli.json(&["models", "show", h])["state"] == "Listed")
		},
	);
	for index in &indexes {
		assert_eq!(cli.json(&["govern", "referendum", index])["state"], "Approved");
	}

	// 5. Charlie requests an inference of each and waits for the final answers. The two run
	// concurrently: the ONNX one is sent first, in the background, the other once the first is
	// in the node's pool (so the second takes the next nonce).
	let samples = digits(2);
	let input = serde_json::to_string(&samples).unwrap();
	let charlie = cli.json(&["balance", "--suri", "//Charlie"]);
	let charlie_before: u128 = charlie["free"].as_str().unwrap().parse().unwrap();
	let charlie_address = charlie["account"].as_str().unwrap().to_owned();
	let nonce =
		|| node.rpc("system_accountNextIndex", json!([charlie_address])).unwrap().as_u64().unwrap();
	let nonce_before = nonce();
	let onnx_args =
		["request", "digits-onnx", "--input", &input, "--wait", "--suri", "//Charlie", "--json"];
	let mut onnx_request = cli.spawn(&onnx_args);
	wait_until("Charlie's request of digits-onnx in the pool", Duration::from_secs(120), || {
		if let Some(status) = onnx_request.try_wait().unwrap() {
			let mut stderr = String::new();
			if let Some(mut pipe) = onnx_request.stderr.take() {
				pipe.read_to_string(&mut stderr).unwrap();
			}
			panic!("opg-cli {onnx_args:?} ended early ({status}): {stderr}");
		}
		nonce() > nonce_before
	});
	let answer =
		cli.json(&["request", "digits-bob", "--input", &input, "--wait", "--suri", "//Charlie"]);
	let id = answer["id"].as_u64().unwrap();
	let done = &answer["final"];
	assert_eq!(done["request"]["status"]["state"], "Final", "{answer}");
	assert!(
		done["finalizedAt"].as_u64().unwrap() >= done["request"]["status"]["at"].as_u64().unwrap()
	);
	let output = &done["result"]["output"];
	assert_eq!(output["shape"], json!([2, 10]));
	// The same numbers the engine computes here.
	let store = tempfile::tempdir().unwrap();
	let engine = Engine::new(EngineConfig::new(store.path())).unwrap();
	let model_hash = engine.store().import(&bundle).unwrap();
	assert_eq!(format!("{model_hash:?}"), hash);
	let flat: Vec<f32> = samples.concat();
	let local = engine
		.run(&model_hash, &InferenceInput::Tensor(Tensor::from_f32(&[2, 64], &flat).unwrap()))
		.unwrap();
	assert_eq!(output["values"], json!(tensor_values(local.output.tensor().unwrap())));
	// The human form of the same request, and `result`.
	let human = cli.run(&["result", &id.to_string()]);
	let text = String::from_utf8_lossy(&human.stdout);
	assert!(text.contains("final at block") && text.contains("argmax 2, 0"), "{text}");
	assert_eq!(cli.json(&["result", &id.to_string()])["result"]["output"], *output);

	// The ONNX export of the same MLP: final, the engine's numbers, the same predictions.
	let onnx_answer = cli.finish(&onnx_args, onnx_request);
	let done = &onnx_answer["final"];
	assert_eq!(done["request"]["status"]["state"], "Final", "{onnx_answer}");
	let onnx_output = &done["result"]["output"];
	assert_eq!(onnx_output["shape"], json!([2, 10]));
	let onnx_model = engine.store().import(&onnx_bundle).unwrap();
	assert_eq!(format!("{onnx_model:?}"), onnx_hash);
	let local = engine
		.run(&onnx_model, &InferenceInput::Tensor(Tensor::from_f32(&[2, 64], &flat).unwrap()))
		.unwrap();
	assert_eq!(onnx_output["values"], json!(tensor_values(local.output.tensor().unwrap())));
	assert_eq!(argmax(onnx_output), argmax(output));
	assert_eq!(argmax(output), [2, 0]);
	// Charlie paid the two prices and two transaction fees, nothing else.
	let tx_fees: u128 = [&answer, &onnx_answer]
		.iter()
		.map(|a| a["txFee"].as_str().unwrap().parse::<u128>().unwrap())
		.sum();
	assert_eq!(charlie_before - cli.free("//Charlie"), 2 * 500_000_000_000_000_000 + tx_fees);

	// 5b. Charlie packs SmolLM2 (`--kind text-generation`: its config.json and GGUF), proposes it
	// with no schema flags (the schema is its config's), Alice lists it with the sudo key, and
	// Charlie asks it a question with one command; the final answer is the engine's here.
	let llm_bundle = work.path().join("smollm2.opgmodel");
	let smollm = opg_testkit::fetched_model("smollm2-135m", &["model.gguf", "config.json"]);
	let packed = cli.json(&[
		"models",
		"pack",
		"--kind",
		"text-generation",
		"--out",
		llm_bundle.to_str().unwrap(),
		smollm.join("config.json").to_str().unwrap(),
		smollm.join("model.gguf").to_str().unwrap(),
	]);
	let llm_hash = packed["hash"].as_str().unwrap().to_owned();
	let llm_uri = format!("file://{}", llm_bundle.display());
	cli.json(&[
		"models",
		"propose",
		llm_bundle.to_str().unwrap(),
		"--name",
		"smollm2",
		"--price",
		"0.0001",
		"--uri",
		&llm_uri,
		"--suri",
		"//Charlie",
	]);
	let shown = cli.json(&["models", "show", "smollm2"]);
	assert_eq!(shown["kind"], "TextGeneration");
	assert_eq!(
		shown["schema"],
		json!({"input": {"Prompt": {"max_bytes": 2048, "max_prompt_tokens": 256}},
			"output": {"Generated": {"max_new_tokens": 128}}, "max_batch": 1})
	);
	cli.json(&["govern", "sudo-list", "smollm2", "--suri", "//Alice"]);
	let question = "What is 2 + 2? Answer with one number.";
	let asked = cli.run(&[
		"chat",
		"smollm2",
		question,
		"--max-new-tokens",
		"16",
		"--wait",
		"--suri",
		"//Charlie",
	]);
	let text = String::from_utf8_lossy(&asked.stdout);
	assert!(asked.status.success(), "{text}\n{}", String::from_utf8_lossy(&asked.stderr));
	let llm_model = engine.store().import(&llm_bundle).unwrap();
	assert_eq!(format!("{llm_model:?}"), llm_hash);
	// Greedy: the answer does not depend on the request's nonce.
	let prompt = opg_primitives::Prompt::new(question, true, 16, Default::default()).unwrap();
	let local = engine.run(&llm_model, &InferenceInput::Prompt(prompt)).unwrap();
	let answer = local.output.generation().unwrap();
	assert!(text.contains(answer.text_lossy().as_ref()), "{text} vs {:?}", answer.text_lossy());
	assert!(text.contains("final at block"), "{text}");
	let paid = 100_000_000_000_000u128 * u128::from(answer.billed_units());
	assert!(text.contains(&format!("fee paid {}", opg_client::units::format_opg(paid))), "{text}");
	eprintln!("[e2e] chat: {text}");

	// 6. Bad input: refused before sending, nothing charged, exit code 2.
	let dave_before = cli.free("//Dave");
	let bad = cli.run(&["request", "digits-mlp", "--input", "[1, 2, 3]", "--suri", "//Dave"]);
	assert_eq!(bad.status.code(), Some(2));
	let stderr = String::from_utf8_lossy(&bad.stderr);
	assert!(
		stderr.contains("input does not fit the model: axis 1 has length 3, the model takes 64"),
		"{stderr}"
	);
	assert_eq!(cli.free("//Dave"), dave_before);

	// Sent anyway, the chain refuses it by name; only the transaction fee is charged.
	let refused = cli.run(&[
		"request",
		"digits-mlp",
		"--input",
		"[[1, 2, 3]]",
		"--no-check",
		"--suri",
		"//Dave",
		"--json",
	]);
	assert_eq!(refused.status.code(), Some(1));
	let error: Value = serde_json::from_slice(&refused.stdout).unwrap();
	assert_eq!(error["chainError"]["pallet"], "Inference", "{error}");
	assert_eq!(error["chainError"]["name"], "BadInput", "{error}");
	assert!(!error["chainError"]["docs"].as_str().unwrap().is_empty(), "{error}");
	let fee: u128 = error["chainError"]["txFee"].as_str().unwrap().parse().unwrap();
	assert!(fee > 0);
	assert_eq!(dave_before - cli.free("//Dave"), fee, "only the transaction fee");

	// 7. A final result cannot be challenged: the error is named and explained.
	let late = cli.run(&["challenge", &id.to_string(), "--suri", "//Dave"]);
	assert_eq!(late.status.code(), Some(1));
	let stderr = String::from_utf8_lossy(&late.stderr);
	assert!(stderr.contains("Inference::ResultFinal"), "{stderr}");

	// 8. Alice is the dev chain's executor.
	// `--json` prints the node's `staking_executor` answer, field for field, with its pending
	// requests.
	let alice = cli.json(&["executor", "status", "--suri", "//Alice"]);
	assert_eq!(alice["state"], "Active");
	assert_eq!(alice["bond"], "10000000000000000000000");
	assert!(alice["pending"].is_array(), "{alice}");
	let alice_address = alice["executor"].as_str().unwrap().to_owned();
	let served = node.rpc("staking_executor", json!([alice_address, null])).unwrap();
	let mut printed: Vec<&String> = alice.as_object().unwrap().keys().collect();
	printed.retain(|k| *k != "pending");
	assert_eq!(printed, served.as_object().unwrap().keys().collect::<Vec<_>>());
	for same in ["executor", "key", "state", "bond", "commissionPerbill", "validator"] {
		assert_eq!(alice[same], served[same], "{same}");
	}

	// 9. Ferdie delegates 100 OPG to Alice and sees his position; Alice announces a commission
	// increase (it waits a day); Ferdie takes 40 OPG back, which waits its unbonding delay.
	let delegated = cli.json(&["stake", "delegate", &alice_address, "100", "--suri", "//Ferdie"]);
	assert_eq!(delegated["positions"][0]["executor"], alice_address.as_str());
	assert_eq!(delegated["positions"][0]["active"], "100000000000000000000");
	assert_eq!(delegated["positions"][0]["sharePerbill"], 1_000_000_000);
	let stakes = cli.json(&["stake", "executors"]);
	assert_eq!(stakes[0]["executor"], alice_address.as_str());
	assert_eq!(stakes[0]["delegated"], "100000000000000000000");
	assert_eq!(stakes[0]["stake"], "10100000000000000000000");
	assert_eq!(stakes[0]["validator"], true);
	let commission = cli.json(&["stake", "commission", "5", "--suri", "//Alice"]);
	assert_eq!(commission["executor"]["commissionPerbill"], 0, "an increase is not immediate");
	assert_eq!(commission["executor"]["nextCommission"]["perbill"], 50_000_000);
	let undelegated =
		cli.json(&["stake", "undelegate", &alice_address, "40", "--suri", "//Ferdie"]);
	let position = &undelegated["positions"][0];
	assert_eq!(position["active"], "60000000000000000000");
	assert_eq!(position["unbonding"], "40000000000000000000");
	assert!(position["unlocksAt"].as_u64().unwrap() > undelegated["block"].as_u64().unwrap());
	let early = cli.run(&["stake", "withdraw", &alice_address, "--suri", "//Ferdie"]);
	assert_eq!(early.status.code(), Some(1));
	let stderr = String::from_utf8_lossy(&early.stderr);
	assert!(stderr.contains("Executors::StillLocked"), "{stderr}");
	let status = cli.run(&["stake", "status", "--suri", "//Ferdie"]);
	let text = String::from_utf8_lossy(&status.stdout);
	assert!(text.contains("60 OPG active") && text.contains("40 OPG unbonding"), "{text}");

	// 10. Dave has the node generate session keys for him and sets them, then bonds with its
	// `infr` key and its proof of possession: an executor, but with less stake than Alice, not
	// the dev chain's validator. Without the proof the chain refuses the key.
	let keys = cli.json(&["executor", "keys", "--suri", "//Dave"]);
	let infr = keys["infr"].as_str().unwrap().to_owned();
	let proof = keys["proof"].as_str().unwrap().to_owned();
	assert_eq!(infr.len(), 66, "{keys}");
	assert_eq!(proof.len(), 130, "{keys}");
	let unproven = cli.run(&["executor", "bond", "1000", "--key", &infr, "--suri", "//Dave"]);
	assert_eq!(unproven.status.code(), Some(2), "clap requires --proof with --key");
	let bonded = cli
		.json(&["executor", "bond", "1000", "--key", &infr, "--proof", &proof, "--suri", "//Dave"]);
	assert_eq!(bonded["executor"]["key"], infr.as_str());
	let dave = cli.json(&["stake", "status", "--suri", "//Dave"]);
	assert_eq!(dave["executor"]["stake"], "1000000000000000000000");
	assert_eq!(dave["executor"]["validator"], false);
	eprintln!("[e2e] cli story done in {:?}", started.elapsed());
	drop(node);
}
