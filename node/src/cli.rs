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
			#[cfg(feature = "dev-fault")]
			fault: self.dev_executor_fault,
		}
	}
}
