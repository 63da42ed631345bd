//! The zombienet tests (`zombienet/*.zndsl`, native provider) under the real zombienet CLI,
//! against the node built with this test: the three validators produce and finalize blocks and
//! answer a request; on the four-node network a lying executor is caught and slashed.
//!
//! `scripts/zombienet.sh` installs the pinned CLI from the npm registry on first use. Zombienet
//! starts and stops the nodes itself; it runs in its own process group, which this test kills
//! (by the group's PID) if it is still running when the test ends.

// An end-to-end test: a failed unwrap, index or overflow is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use std::{
	os::unix::process::CommandExt,
	path::PathBuf,
	process::{Child, Command},
};

use opg_testkit::node_binary;

/// Kills the whole process group (zombienet and the nodes it started) on drop.
struct Group(Child);

impl Drop for Group {
	fn drop(&mut self) {
		if matches!(self.0.try_wait(), Ok(None)) {
			let _ =
				Command::new("kill").args(["-TERM", "--", &format!("-{}", self.0.id())]).status();
			let _ = self.0.wait();
		}
	}
}

fn run(test: &str) {
	let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
	let child = Command::new(repo.join("scripts/zombienet.sh"))
		.arg(format!("zombienet/{test}"))
		.env("OPG_NO_BUILD", "1")
		.env("OPG_NODE_BIN", node_binary())
		.current_dir(&repo)
		.process_group(0)
		.spawn()
		.expect("scripts/zombienet.sh starts");
	eprintln!("[e2e] zombienet {test} (process group {})", child.id());
	let mut group = Group(child);
	let status = group.0.wait().expect("zombienet ran");
	assert!(status.success(), "zombienet/{test} failed ({status}); its output is above");
}

/// One after the other: two networks at once would share two cores among seven nodes.
#[test]
fn zombienet_networks_pass_their_tests() {
	run("local.zndsl");
	run("lying-executor.zndsl");
}
