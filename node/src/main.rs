//! The OPG node: `opg-node --help` lists its subcommands.

// `sc_cli::Error` and `sc_service::Error` are large; the node returns them as the polkadot-sdk
// templates do, once per command, not on a hot path.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod inference;
mod rpc;
mod service;
mod vrf;

fn main() {
	if let Err(error) = command::run() {
		// One clear line for operators; no backtrace for bad input.
		eprintln!("Error: {error}");
		std::process::exit(1);
	}
}
