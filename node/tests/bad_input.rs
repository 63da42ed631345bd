//! `opg-node` with bad input exits with a clear one-line error, never a panic.

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

mod common;

use std::{net::TcpListener, process::Command, time::Duration};

/// Runs `opg-node args` and returns (exit success, stderr+stdout).
fn run(args: &[&str]) -> (bool, String) {
	let base = tempfile::tempdir().unwrap();
	let mut child = Command::new(common::node_binary())
		.args(args)
		.args(["--base-path", base.path().to_str().unwrap(), "--no-prometheus", "--no-telemetry"])
		.stdout(std::process::Stdio::piped())
		.stderr(std::process::Stdio::piped())
		.spawn()
		.unwrap();
	// Bounded: a node that keeps running here is a failure; kill it by PID.
	let deadline = std::time::Instant::now() + Duration::from_secs(60);
	while child.try_wait().unwrap().is_none() {
		if std::time::Instant::now() > deadline {
			let _ = child.kill();
			let _ = child.wait();
			panic!("opg-node {args:?} did not exit");
		}
		std::thread::sleep(Duration::from_millis(100));
	}
	let out = child.wait_with_output().unwrap();
	let text =
		format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
	(out.status.success(), text)
}

fn assert_clear_error(text: &str, expected: &str) {
	assert!(!text.contains("panicked"), "no panic:\n{text}");
	assert!(!text.to_lowercase().contains("backtrace"), "no backtrace:\n{text}");
	let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("Error:")).collect();
	assert_eq!(errors.len(), 1, "exactly one error line:\n{text}");
	assert!(errors[0].contains(expected), "error mentions `{expected}`:\n{text}");
}

#[test]
fn unknown_chain_is_a_clear_error() {
	let (ok, text) = run(&["--chain", "no-such-chain"]);
	assert!(!ok);
	assert_clear_error(&text, "unknown chain `no-such-chain`");
}

#[test]
fn malformed_chain_spec_is_a_clear_error() {
	let dir = tempfile::tempdir().unwrap();
	let spec = dir.path().join("broken.json");
	std::fs::write(&spec, "{ \"name\": \"broken\", this is not json").unwrap();
	let (ok, text) = run(&["--chain", spec.to_str().unwrap()]);
	assert!(!ok);
	assert_clear_error(&text, "invalid chain spec");
}

#[test]
fn rpc_port_in_use_is_a_clear_error() {
	let taken = TcpListener::bind("127.0.0.1:0").unwrap();
	let port = taken.local_addr().unwrap().port().to_string();
	let (ok, text) =
		run(&["--dev", "--rpc-port", &port, "--port", &common::free_port().to_string()]);
	assert!(!ok);
	assert_clear_error(&text, &format!("port {port} (--rpc-port) is not available"));
	drop(taken);
}

#[test]
fn p2p_port_in_use_is_a_clear_error() {
	let taken = TcpListener::bind("0.0.0.0:0").unwrap();
	let port = taken.local_addr().unwrap().port().to_string();
	let (ok, text) =
		run(&["--dev", "--port", &port, "--rpc-port", &common::free_port().to_string()]);
	assert!(!ok);
	assert_clear_error(&text, &format!("port {port} (--port) is not available"));
	drop(taken);
}
