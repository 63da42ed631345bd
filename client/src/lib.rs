//! # opg-client
//!
//! A Rust client of the OPG appchain: what a dapp needs to list models, pay for an inference and
//! get its attested answer, challenge a wrong one, bond as an executor, delegate stake to one and
//! take part in governance. `opg-cli` (this crate's binary) is a thin command line over it.
//!
//! One WebSocket connection serves both directions:
//! - **Reads** go through the node's typed JSON-RPC (`models_*`, `inference_*`, `staking_*`):
//!   the traits and types of [`api`] (`opg-api`), the very types the node serializes, so what a
//!   dapp reads is what the node serves, field for field.
//! - **Writes** are transactions built with [`subxt`] from the chain's interface ([`runtime`]),
//!   generated at compile time from `metadata/opg.scale`, the metadata of the runtime built in this
//!   workspace (`client/tests/cli.rs` checks that a node built from this workspace serves exactly
//!   these bytes; `scripts/metadata.sh` refreshes them). subxt checks every call against the
//!   node's metadata before sending it, so a stale interface cannot silently send wrong calls.
//!
//! ```no_run
//! # async fn demo() -> Result<(), opg_client::Error> {
//! use opg_client::{keys, Client, Input};
//! let client = Client::connect("ws://127.0.0.1:9944").await?;
//! let bob = keys::from_suri("//Bob")?;
//! let model = client.resolve_model("digits-mlp").await?;
//! let input = Input::from_json(&model.schema, &serde_json::json!(vec![vec![0.0f32; 64]]))?;
//! let submitted = client.request(&bob, &model, input, None, |_| {}).await?;
//! let done = client.wait_final(submitted.id, std::time::Duration::from_secs(600), |_| {}).await?;
//! if let Some(result) = done.result {
//!     println!("{}", opg_client::inference::show_output(&result.output));
//! }
//! # Ok(()) }
//! ```
//!
//! Modules: [`client`] (connection, transactions with progress, errors by name), [`models`],
//! [`inference`], [`executors`], [`staking`] (delegations), [`governance`], [`bench`] (a load
//! generator), [`units`] (OPG amounts) and [`keys`] (signers).

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
pub use inference::{Done, Input, RequestStage, Submitted};
pub use models::Model;
/// The node's JSON types and RPC traits, as the node serves them.
pub use opg_api as api;

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

/// An account: 32 bytes, shown in SS58 (prefix 42); the type of `opg-api`'s JSON.
pub type AccountId = opg_api::AccountId;

/// The account as subxt's generated calls take it.
pub(crate) fn chain_account(who: &AccountId) -> subxt::utils::AccountId32 {
	subxt::utils::AccountId32(*who.as_ref())
}

/// Re-encodes a value of one type as another with the same SCALE encoding: a type of
/// `opg-primitives` as the type subxt generated for it from the metadata, or back.
pub fn recode<A: codec::Encode, B: codec::Decode>(value: &A) -> Result<B, Error> {
	let bytes = value.encode();
	B::decode(&mut &bytes[..]).map_err(|e| Error::Decode(format!("re-encoding a chain type: {e}")))
}
