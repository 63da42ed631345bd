//! # opg-client
//!
//! A Rust client of the OPG appchain, built on [`subxt`]: what a dapp needs to list models, pay
//! for an inference and get its attested answer, challenge a wrong one, bond as an executor,
//! delegate stake to one and take part in governance. `opg-cli` (this crate's binary) is a thin command line over it.
//!
//! The chain's interface ([`runtime`]) is generated at compile time from `metadata/opg.scale`, the
//! metadata of the runtime built in this workspace (`node/tests/cli.rs` checks that a node built
//! from this workspace serves exactly these bytes; `scripts/metadata.sh` refreshes them). A
//! stale interface cannot silently send wrong calls: subxt checks every call and storage entry
//! against the node's metadata before using it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), opg_client::Error> {
//! use opg_client::{keys, Client, Input};
//! let client = Client::connect("ws://127.0.0.1:9944").await?;
//! let bob = keys::from_suri("//Bob")?;
//! let model = client.resolve_model("digits-mlp").await?;
//! let input = Input::from_json(model.schema(), &serde_json::json!(vec![vec![0.0f32; 64]]))?;
//! let submitted = client.request(&bob, &model, input, None, |_| {}).await?;
//! let done = client.wait_final(submitted.id, std::time::Duration::from_secs(600), |_| {}).await?;
//! println!("{:?}", done.result.map(|r| r.output));
//! # Ok(()) }
//! ```
//!
//! Modules: [`client`] (connection, transactions with progress, errors by name), [`models`],
//! [`inference`], [`executors`], [`staking`] (delegations), [`governance`], [`bench`] (a load generator), [`units`] (OPG
//! amounts) and [`keys`] (signers).

pub mod bench;
pub mod client;
pub mod executors;
pub mod governance;
pub mod inference;
pub mod keys;
pub mod models;
pub mod staking;
pub mod units;

mod error;

pub use client::{Client, Included, TxStage};
pub use error::{ChainError, Error};
pub use inference::{Done, Input, RequestStage, RequestView, ResultView, Status, Submitted};
pub use models::Model;

/// The chain's calls, storage, events, constants and runtime APIs, generated from the metadata of
/// this workspace's runtime.
/// Besides subxt's own derives, every type derives SCALE `Encode`/`Decode`, so that the types of
/// `opg-primitives` convert to and from them ([`recode`]).
#[subxt::subxt(
	runtime_metadata_path = "metadata/opg.scale",
	derive_for_all_types = "::subxt::ext::codec::Encode, ::subxt::ext::codec::Decode"
)]
pub mod runtime {}

/// The chain's configuration as subxt sees it: the runtime's address, signature, header and
/// transaction extensions are those of the Polkadot relay chain (`MultiAddress<AccountId32, ()>`,
/// `MultiSignature`, `u32` block numbers, BLAKE2-256).
pub type Config = subxt::PolkadotConfig;

/// An account: 32 bytes, shown in SS58 (prefix 42).
pub type AccountId = subxt::utils::AccountId32;

/// Re-encodes a value of one type as another with the same SCALE encoding: a type of
/// `opg-primitives` as the type subxt generated for it from the metadata, or back.
pub fn recode<A: codec::Encode, B: codec::Decode>(value: &A) -> Result<B, Error> {
	let bytes = value.encode();
	B::decode(&mut &bytes[..]).map_err(|e| Error::Decode(format!("re-encoding a chain type: {e}")))
}
