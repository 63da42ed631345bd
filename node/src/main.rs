//! The OPG node: `opg-node --help` lists its subcommands.

mod chain_spec;
mod cli;
mod command;
mod inference;
mod rpc;
mod service;

fn main() {
	if let Err(error) = command::run() {
		// One clear line for operators; no backtrace for bad input.
		eprintln!("Error: {error}");
		std::process::exit(1);
	}
}
