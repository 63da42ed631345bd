//! # opg-testkit
//!
//! Support for end-to-end tests and measuring examples: start real `opg-node` processes on
//! loopback with free ports and temporary base paths, talk JSON-RPC to them, and kill them by PID
//! whatever happens, and run `opg-cli` against them as a user would ([`Cli`]). Used by
//! `opg-node`'s and `opg-client`'s tests (a dev-dependency only).
//!
//! [`property`]: the driver of the pallets' property tests (random calls against a mock
//! runtime, invariants after each).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use std::{
	io::{Read, Write},
	net::{TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
	time::{Duration, Instant},
};

use serde_json::{json, Value};

pub mod property;

/// The node binary cargo built for these tests (same profile as the tests): `opg-node` in the
/// profile directory whose `deps/` (or `examples/`) folder this test binary runs from.
pub fn node_binary() -> PathBuf {
	workspace_binary("opg-node")
}

/// A binary of this workspace built with the running test (`opg-node`, `opg-cli`): `cargo test
/// --workspace` builds every package's binaries into the profile directory before running tests.
pub fn workspace_binary(name: &str) -> PathBuf {
	let exe = std::env::current_exe().expect("test binary path");
	let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
	let binary = profile_dir.join(name);
	assert!(
		binary.is_file(),
		"{} not built: run `scripts/test.sh` (cargo test --workspace builds it)",
		binary.display()
	);
	binary
}

/// Where `scripts/fetch-models.sh` puts the models it fetches: `$OPG_MODELS_DIR`, else
/// `~/.cache/opg/models` (what `scripts/env.sh` sets).
pub fn models_dir() -> PathBuf {
	std::env::var_os("OPG_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/opg/models")
	})
}

/// The directory of a fetched model (`all-minilm-l6-v2`, `smollm2-135m`), checked to hold
/// `files`: a test that needs it fails (never skips) when it is missing.
pub fn fetched_model(name: &str, files: &[&str]) -> PathBuf {
	let dir = models_dir().join(name);
	for file in files {
		assert!(
			dir.join(file).is_file(),
			"{name}/{file} is missing from {}: run scripts/fetch-models.sh (or scripts/setup.sh) \
			 first; the tests that need it are part of the suite and never skipped",
			models_dir().display()
		);
	}
	dir
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `N` distinct free TCP ports on 127.0.0.1: all are held until all are picked, so two of them are
/// never the same port (as two calls of [`free_port`] can be).
pub fn free_ports<const N: usize>() -> [u16; N] {
	let listeners: Vec<TcpListener> =
		(0..N).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
	core::array::from_fn(|i| listeners[i].local_addr().unwrap().port())
}

/// A running `opg-node`. Dropping it kills the process (by PID) and reaps it; the base path is a
/// temporary directory removed with it. ([`Node::attach`] makes one for a node started by someone
/// else, which is left running.)
pub struct Node {
	pub name: String,
	child: Option<Child>,
	pub rpc_port: u16,
	pub p2p_port: u16,
	pub base: tempfile::TempDir,
	log: PathBuf,
}

impl Node {
	/// Starts `opg-node` with `args` plus loopback ports, a temp base path and a log file.
	pub fn start(name: &str, args: &[&str]) -> Node {
		let [rpc, p2p] = free_ports();
		Self::start_with(name, args, rpc, p2p)
	}

	/// As [`Node::start`], with chosen ports.
	pub fn start_with(name: &str, args: &[&str], rpc_port: u16, p2p_port: u16) -> Node {
		let base = tempfile::Builder::new().prefix(&format!("opg-e2e-{name}-")).tempdir().unwrap();
		let log = base.path().join("node.log");
		let log_file = std::fs::File::create(&log).unwrap();
		let child = Command::new(node_binary())
			.args(args)
			.args(["--base-path", base.path().to_str().unwrap()])
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--port", &p2p_port.to_string()])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.stdin(Stdio::null())
			.stdout(log_file.try_clone().unwrap())
			.stderr(log_file)
			.spawn()
			.expect("opg-node starts");
		eprintln!("[e2e] started {name} (pid {}), rpc {rpc_port}, p2p {p2p_port}", child.id());
		Node { name: name.into(), child: Some(child), rpc_port, p2p_port, base, log }
	}

	/// A handle on a node someone else runs with its RPC on 127.0.0.1:`rpc_port` (no log).
	pub fn attach(rpc_port: u16) -> Node {
		let base = tempfile::tempdir().unwrap();
		let log = base.path().join("no-log");
		Node {
			name: format!("node on port {rpc_port}"),
			child: None,
			rpc_port,
			p2p_port: 0,
			base,
			log,
		}
	}

	/// The process id (0 for an attached node).
	pub fn pid(&self) -> u32 {
		self.child.as_ref().map_or(0, Child::id)
	}

	/// Whether the process has exited (with its status); never for an attached node.
	fn exited(&mut self) -> Option<std::process::ExitStatus> {
		self.child.as_mut().and_then(|c| c.try_wait().unwrap())
	}

	/// What the node has logged so far.
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	/// The last lines of the log, for failure messages.
	pub fn log_tail(&self) -> String {
		let log = self.log();
		let lines: Vec<&str> = log.lines().collect();
		lines[lines.len().saturating_sub(30)..].join("\n")
	}

	/// Calls a JSON-RPC method; `Err` carries a transport or JSON-RPC error.
	pub fn rpc(&self, method: &str, params: Value) -> Result<Value, String> {
		rpc_call(self.rpc_port, method, params)
	}

	/// Waits (bounded) until the RPC server answers.
	pub fn wait_rpc(&mut self, timeout: Duration) {
		let start = Instant::now();
		loop {
			if let Some(status) = self.exited() {
				panic!("{} exited early with {status}:\n{}", self.name, self.log_tail());
			}
			if self.rpc("system_health", json!([])).is_ok() {
				return;
			}
			assert!(
				start.elapsed() < timeout,
				"{}: RPC not up after {timeout:?}:\n{}",
				self.name,
				self.log_tail()
			);
			std::thread::sleep(Duration::from_millis(250));
		}
	}

	/// Number and hash of the finalized head.
	pub fn finalized(&self) -> (u64, String) {
		let hash = self.rpc("chain_getFinalizedHead", json!([])).unwrap();
		let header = self.rpc("chain_getHeader", json!([hash])).unwrap();
		(hex_number(&header["number"]), hash.as_str().unwrap().to_owned())
	}

	/// Number of the best block.
	pub fn best_number(&self) -> u64 {
		let header = self.rpc("chain_getHeader", json!([])).unwrap();
		hex_number(&header["number"])
	}

	/// Waits (bounded) until at least `n` blocks are finalized; returns the finalized number.
	pub fn wait_finalized(&mut self, n: u64, timeout: Duration) -> u64 {
		let start = Instant::now();
		loop {
			if let Some(status) = self.exited() {
				panic!("{} exited with {status}:\n{}", self.name, self.log_tail());
			}
			if let Ok((number, _)) = std::panic::catch_unwind(|| self.finalized()) {
				if number >= n {
					return number;
				}
			}
			assert!(
				start.elapsed() < timeout,
				"{}: fewer than {n} finalized blocks after {timeout:?}:\n{}",
				self.name,
				self.log_tail()
			);
			std::thread::sleep(Duration::from_millis(500));
		}
	}

	/// The block hash at `number` on this node's chain.
	pub fn block_hash(&self, number: u64) -> Option<String> {
		self.rpc("chain_getBlockHash", json!([number])).ok()?.as_str().map(str::to_owned)
	}

	/// The libp2p peer id derived from the node key file at `path`.
	pub fn peer_id_of_key(path: &Path) -> String {
		let out = Command::new(node_binary())
			.args(["key", "inspect-node-key", "--file", path.to_str().unwrap()])
			.output()
			.unwrap();
		assert!(out.status.success(), "inspect-node-key: {}", String::from_utf8_lossy(&out.stderr));
		String::from_utf8(out.stdout).unwrap().trim().to_owned()
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		// Kill by PID (SIGKILL), then reap so no zombie is left behind.
		if let Some(child) = self.child.as_mut() {
			let _ = child.kill();
			let _ = child.wait();
			eprintln!("[e2e] stopped {} (pid {})", self.name, child.id());
		}
	}
}

/// Parses a JSON-RPC hex quantity ("0x1a").
pub fn hex_number(v: &Value) -> u64 {
	let s = v.as_str().expect("hex string");
	u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex number")
}

/// A JSON-RPC call over plain HTTP/1.1 to 127.0.0.1:`port` (no client library needed).
pub fn rpc_call(port: u16, method: &str, params: Value) -> Result<Value, String> {
	let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
	let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
	stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
	let request = format!(
		"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	);
	stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
	let mut response = Vec::new();
	stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
	let response = String::from_utf8_lossy(&response);
	let (head, body) = response.split_once("\r\n\r\n").ok_or("malformed HTTP response")?;
	if !head.starts_with("HTTP/1.1 200") {
		return Err(format!("HTTP error: {}", head.lines().next().unwrap_or_default()));
	}
	let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
		dechunk(body)
	} else {
		body.to_owned()
	};
	let value: Value =
		serde_json::from_str(&body).map_err(|e| format!("bad JSON ({e}): {body}"))?;
	if let Some(error) = value.get("error") {
		return Err(error.to_string());
	}
	Ok(value["result"].clone())
}

/// Decodes an HTTP/1.1 chunked body.
fn dechunk(mut body: &str) -> String {
	let mut out = String::new();
	while let Some((size, rest)) = body.split_once("\r\n") {
		let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
		if size == 0 || rest.len() < size {
			break;
		}
		out.push_str(&rest[..size]);
		body = rest[size..].trim_start_matches("\r\n");
	}
	out
}

/// Alice, Bob and Charlie validating the `local` chain. Each has a node key file (a stable
/// identity), so Bob and Charlie find Alice at a known address.
pub struct LocalNetwork {
	pub alice: Node,
	pub bob: Node,
	pub charlie: Node,
	/// Alice's address, for more nodes to join with `--bootnodes`.
	pub bootnode: String,
	_keys: tempfile::TempDir,
}

impl LocalNetwork {
	/// Starts the three nodes, `extra(name)` adding arguments per node, and waits for their RPC.
	pub fn start(extra: impl Fn(&str) -> Vec<String>) -> LocalNetwork {
		let keys = tempfile::tempdir().unwrap();
		let key_file = |name: &str, byte: u8| {
			let path = keys.path().join(format!("{name}.key"));
			std::fs::write(&path, format!("{:064x}", byte)).unwrap();
			path.to_str().unwrap().to_owned()
		};
		let alice_key = key_file("alice", 1);
		let alice_peer = Node::peer_id_of_key(Path::new(&alice_key));
		let [alice_rpc, alice_p2p] = free_ports();
		let args = |name: &str, key: String, bootnode: Option<&str>| -> Vec<String> {
			let mut args: Vec<String> =
				["--chain", "local", &format!("--{name}"), "--node-key-file", &key]
					.iter()
					.map(|a| a.to_string())
					.collect();
			if let Some(bootnode) = bootnode {
				args.extend(["--bootnodes".to_owned(), bootnode.to_owned()]);
			}
			args.extend(extra(name));
			args
		};
		let alice_args = args("alice", alice_key, None);
		let mut alice = Node::start_with("alice", &as_strs(&alice_args), alice_rpc, alice_p2p);
		let bootnode = format!("/ip4/127.0.0.1/tcp/{alice_p2p}/p2p/{alice_peer}");
		let bob_args = args("bob", key_file("bob", 2), Some(&bootnode));
		let mut bob = Node::start("bob", &as_strs(&bob_args));
		let charlie_args = args("charlie", key_file("charlie", 3), Some(&bootnode));
		let mut charlie = Node::start("charlie", &as_strs(&charlie_args));
		for node in [&mut alice, &mut bob, &mut charlie] {
			node.wait_rpc(Duration::from_secs(60));
		}
		LocalNetwork { alice, bob, charlie, bootnode, _keys: keys }
	}
}

/// `opg-cli` run against one node, as a user runs it: each call logs the command, its exit
/// status and what it printed on stderr.
pub struct Cli {
	/// The node's WebSocket URL.
	pub url: String,
}

impl Cli {
	/// Runs `opg-cli` with `args` and returns its output, whatever its exit status.
	pub fn run(&self, args: &[&str]) -> Output {
		let output = Command::new(workspace_binary("opg-cli"))
			.args(["--url", &self.url])
			.args(args)
			.output()
			.expect("opg-cli runs");
		eprintln!(
			"[e2e] opg-cli {} → {}\n{}",
			args.join(" "),
			output.status,
			String::from_utf8_lossy(&output.stderr).trim_end()
		);
		output
	}

	/// Runs with `--json`, expects success, returns the JSON printed.
	pub fn json(&self, args: &[&str]) -> Value {
		let mut all = args.to_vec();
		all.push("--json");
		let output = self.run(&all);
		let stdout = String::from_utf8_lossy(&output.stdout);
		assert!(output.status.success(), "opg-cli {args:?} failed: {stdout}");
		serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
	}

	/// Starts `opg-cli` in the background (stdout and stderr piped, for [`Cli::finish`]).
	pub fn spawn(&self, args: &[&str]) -> Child {
		Command::new(workspace_binary("opg-cli"))
			.args(["--url", &self.url])
			.args(args)
			.stdout(Stdio::piped())
			.stderr(Stdio::piped())
			.spawn()
			.expect("opg-cli starts")
	}

	/// Waits for a [`Cli::spawn`]ed `--json` command, expects success, returns the JSON printed.
	pub fn finish(&self, args: &[&str], child: Child) -> Value {
		let output = child.wait_with_output().expect("opg-cli runs");
		eprintln!(
			"[e2e] opg-cli {} (in the background) → {}\n{}",
			args.join(" "),
			output.status,
			String::from_utf8_lossy(&output.stderr).trim_end()
		);
		let stdout = String::from_utf8_lossy(&output.stdout);
		assert!(output.status.success(), "opg-cli {args:?} failed: {stdout}");
		serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
	}

	/// Packs the default model's weights (`models/digits-mlp`) with `card` as its model card into
	/// `out`: a new bundle of the same MLP, so a new hash. Returns what `models pack` printed.
	pub fn pack_digits(&self, out: &Path, card: &Path) -> Value {
		let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits-mlp");
		let (config, weights) = (dir.join("config.json"), dir.join("model.safetensors"));
		let path = |p: &Path| p.to_str().expect("a UTF-8 path").to_owned();
		self.json(&[
			"models",
			"pack",
			"--kind",
			"mlp",
			"--out",
			&path(out),
			&path(&config),
			&path(&weights),
			&path(card),
		])
	}

	/// `suri` proposes `bundle` as `name` at `price` OPG, with the schema of `digits-mlp` and the
	/// bundle's file as its URI. Returns what `models propose` printed.
	pub fn propose_digits(&self, bundle: &Path, name: &str, price: &str, suri: &str) -> Value {
		let uri = format!("file://{}", bundle.display());
		let bundle = bundle.to_str().expect("a UTF-8 path");
		self.json(&[
			"models",
			"propose",
			bundle,
			"--name",
			name,
			"--price",
			price,
			"--schema-of",
			"digits-mlp",
			"--uri",
			&uri,
			"--suri",
			suri,
		])
	}

	/// `suri`'s free balance in planck.
	pub fn free(&self, suri: &str) -> u128 {
		self.json(&["balance", "--suri", suri])["free"].as_str().unwrap().parse().unwrap()
	}
}

fn as_strs(v: &[String]) -> Vec<&str> {
	v.iter().map(String::as_str).collect()
}
