//! Support for the end-to-end tests: the process harness of `opg-testkit` (nodes on loopback,
//! killed by PID) and [`chain`], talking to the runtime with its own types.
#![allow(dead_code, unused_imports)]

pub use opg_testkit::*;

pub mod chain;
