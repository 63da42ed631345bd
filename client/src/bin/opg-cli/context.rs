//! What every command shares: the global options, the connection (made on first use), the
//! signer (resolved only by commands that sign), progress on stderr, and the [`Output`].

use std::{
	io::{IsTerminal, Write},
	path::PathBuf,
	sync::{Arc, Mutex},
	time::Duration,
};

use opg_client::{keys, AccountId, Client, Error, TxStage};
use serde::Serialize;
use serde_json::Value;
use subxt_signer::sr25519::Keypair;
use tokio::sync::OnceCell;

/// The options every command takes.
#[derive(clap::Args)]
pub struct Global {
	/// The node's WebSocket RPC.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	pub url: String,
	/// Print JSON on stdout instead of text.
	#[arg(long, global = true)]
	pub json: bool,
	/// The signing account's secret URI (`//Alice` on dev chains, or a mnemonic).
	#[arg(long, global = true, conflicts_with = "keyfile")]
	pub suri: Option<String>,
	/// A key file: a secret URI on one line, or a polkadot.js JSON export.
	#[arg(long, global = true)]
	pub keyfile: Option<PathBuf>,
	/// The password of a polkadot.js key file.
	#[arg(long, global = true)]
	pub password: Option<String>,
}

/// A command's context.
pub struct Context {
	global: Global,
	client: OnceCell<Client>,
	progress: Progress,
}

impl Context {
	/// A context for these options; nothing is connected or read yet.
	pub fn new(global: Global) -> Context {
		let progress = Progress::new(global.json);
		Context { global, client: OnceCell::new(), progress }
	}

	/// The connection to the node, made on first use.
	pub async fn client(&self) -> Result<&Client, Error> {
		self.client
			.get_or_try_init(|| async {
				self.progress.stage(format!("connecting to {}", self.global.url));
				Client::connect(&self.global.url).await
			})
			.await
	}

	/// The signer from `--suri` or `--keyfile`. Commands that sign resolve it before they
	/// connect, so a missing or bad key fails without touching the node.
	pub fn signer(&self) -> Result<Keypair, Error> {
		match (&self.global.suri, &self.global.keyfile) {
			(Some(suri), _) => keys::from_suri(suri),
			(None, Some(path)) => keys::from_file(path, self.global.password.as_deref()),
			(None, None) => {
				Err(Error::Invalid("this command signs: give --suri or --keyfile".into()))
			}
		}
	}

	/// The account given (SS58), or the signer's.
	pub fn account(&self, given: Option<&str>) -> Result<AccountId, Error> {
		match given {
			Some(text) => parse_account(text),
			None => Ok(keys::account(&self.signer()?)),
		}
	}

	/// Progress on stderr.
	pub fn progress(&self) -> &Progress {
		&self.progress
	}
}

/// An SS58 address.
pub fn parse_account(text: &str) -> Result<AccountId, Error> {
	use sp_core::crypto::Ss58Codec;
	AccountId::from_ss58check(text)
		.map_err(|_| Error::Invalid(format!("`{text}` is not an SS58 address")))
}

/// JSON given inline or as `@file`.
pub fn read_json(text: &str) -> Result<Value, Error> {
	let source = match text.strip_prefix('@') {
		Some(path) => std::fs::read_to_string(path)
			.map_err(|e| Error::Invalid(format!("cannot read {path}: {e}")))?,
		None => text.to_string(),
	};
	serde_json::from_str(&source).map_err(|e| Error::Input(format!("not JSON: {e}")))
}

/// What a command answers: one value, shown as text or as its JSON.
pub struct Output {
	json: Value,
	text: String,
}

impl Output {
	/// `value`, shown as `text(value)` for people and as its serialization with `--json`.
	pub fn of<T: Serialize>(value: &T, text: impl FnOnce(&T) -> String) -> Result<Output, Error> {
		let json = serde_json::to_value(value)
			.map_err(|e| Error::Decode(format!("cannot show the answer as JSON: {e}")))?;
		Ok(Output { json, text: text(value) })
	}

	/// Prints the JSON (one value, one line) or the text.
	pub fn print(&self, json: bool) {
		if json {
			println!("{}", self.json);
		} else if !self.text.is_empty() {
			println!("{}", self.text.trim_end());
		}
	}
}

/// A transaction's outcome with what the command read after it: `{"block", "blockHash",
/// "txFee", …}`.
#[derive(Serialize)]
pub struct After<'a, T: Serialize> {
	/// The transaction.
	#[serde(flatten)]
	pub included: &'a opg_client::Included,
	/// What was read after it.
	#[serde(flatten)]
	pub then: T,
}

/// Progress on stderr: a spinner on a terminal, one line per stage otherwise; silent with --json.
#[derive(Clone)]
pub struct Progress {
	line: Arc<Mutex<String>>,
	quiet: bool,
	tty: bool,
}

impl Progress {
	fn new(quiet: bool) -> Progress {
		let progress = Progress {
			line: Arc::new(Mutex::new(String::new())),
			quiet,
			tty: std::io::stderr().is_terminal(),
		};
		if !quiet && progress.tty {
			let line = progress.line.clone();
			tokio::spawn(async move {
				const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
				for frame in FRAMES.iter().cycle() {
					let text = line.lock().map(|l| l.clone()).unwrap_or_default();
					if !text.is_empty() {
						eprint!("\r\x1b[2K{frame} {text}");
					}
					tokio::time::sleep(Duration::from_millis(100)).await;
				}
			});
		}
		progress
	}

	/// Reports a stage.
	pub fn stage(&self, text: String) {
		if self.quiet {
			return;
		}
		if !self.tty {
			eprintln!("[opg-cli] {text}");
		}
		if let Ok(mut line) = self.line.lock() {
			*line = text;
		}
	}

	/// Reports a transaction's stages.
	pub fn tx(&self) -> impl FnMut(&TxStage) + '_ {
		|stage| {
			self.stage(match stage {
				TxStage::Signed => "signed, sending".into(),
				TxStage::InPool => "in pool".into(),
				TxStage::InBlock { number, .. } => format!("in block #{number}"),
			})
		}
	}

	/// Clears the spinner line (before the answer is printed).
	pub fn done(&self) {
		if !self.quiet && self.tty {
			if let Ok(mut line) = self.line.lock() {
				line.clear();
			}
			eprint!("\r\x1b[2K");
			let _ = std::io::stderr().flush();
		}
	}
}
