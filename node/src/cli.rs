//! The command line of `opg-node`.

/// The subcommands besides running the node.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management (generate, inspect, insert keys into the keystore).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated in favour of `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification of `--chain` as JSON.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Benchmark pallets, blocks, storage and the machine (a node built with
	/// `--features runtime-benchmarks`, see `scripts/benchmark.sh`).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),
}

/// `opg-node [SUBCOMMAND] [OPTIONS]`: without a subcommand, runs the node.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// The directory of the content-addressed model store the inference engine loads models
	/// from and fetches them into (default: `<base path>/models`). The bundled default model is
	/// always installed there.
	#[arg(long, value_name = "DIR")]
	pub model_store: Option<std::path::PathBuf>,

	/// A directory `file://` model URIs may read from (repeat for several): the operator's
	/// mirror of model bundles. On a live chain `file://` URIs are refused elsewhere (on
	/// development and local chains any regular file may be read); devices, FIFOs and
	/// directories never are.
	#[arg(long = "model-mirror", value_name = "DIR")]
	pub model_mirrors: Vec<std::path::PathBuf>,

	/// Let model downloads connect to loopback, private and link-local addresses (tests, a
	/// mirror on the operator's own network). Without it, an `http(s)://` model URI whose host
	/// resolves to such an address is refused, so a model's URIs cannot point executors at
	/// their own networks.
	#[arg(long)]
	pub allow_private_model_hosts: bool,

	/// An executor account this node's off-chain worker acts for (SS58; repeat for several):
	/// it signs results, declines, challenges and votes with an `infr` key of the keystore only
	/// when the key's owner on chain is one of these accounts. Without it (and without
	/// `--any-executor-key`), a node on a live chain acts for no executor; on development and
	/// local chains, for every key in its keystore.
	#[arg(long = "executor-account", value_name = "SS58", value_parser = parse_account)]
	pub executor_accounts: Vec<opg_runtime::AccountId>,

	/// Act for every executor whose `infr` key is in this node's keystore, whoever owns it on
	/// chain (the default of development and local chains).
	#[arg(long, conflicts_with = "executor_accounts")]
	pub any_executor_key: bool,

	/// TEST ONLY: make this node's executor lie. `wrong-output` adds one to the first value of
	/// every output the engine computes (results, watcher re-runs and committee votes alike),
	/// with a matching commitment, so its results are well-formed and wrong. Compiled only with
	/// the `dev-fault` feature, never in release images.
	#[cfg(feature = "dev-fault")]
	#[arg(long, value_name = "FAULT", value_enum)]
	pub dev_executor_fault: Option<crate::inference::Fault>,
}

impl Cli {
	/// The engine options given on the command line.
	pub fn engine_options(&self) -> crate::inference::EngineOptions {
		crate::inference::EngineOptions {
			model_store: self.model_store.clone(),
			model_mirrors: self.model_mirrors.clone(),
			private_model_hosts: self.allow_private_model_hosts,
			executor_accounts: self.executor_accounts.clone(),
			any_executor_key: self.any_executor_key,
			#[cfg(feature = "dev-fault")]
			fault: self.dev_executor_fault,
		}
	}
}

/// An SS58 account id.
fn parse_account(s: &str) -> Result<opg_runtime::AccountId, String> {
	use sp_core::crypto::Ss58Codec;
	opg_runtime::AccountId::from_ss58check(s).map_err(|e| format!("not an SS58 account: {e:?}"))
}
