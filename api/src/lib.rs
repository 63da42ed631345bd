//! # OPG API
//!
//! The JSON the node serves and its clients read, defined once: one serde type per concept
//! ([`Model`], [`Request`], [`InferenceResult`], [`DisputeState`], [`ModelStats`],
//! [`ExecutorStake`], [`Position`]) and the JSON-RPC traits [`ModelsApi`], [`InferenceApi`] and [`StakingApi`].
//! jsonrpsee's `#[rpc(client, server)]` makes each trait two things:
//! - `…ApiServer`, implemented by the node's RPC crates (`pallets/*/rpc`) over the runtime API;
//! - `…ApiClient`, implemented for every jsonrpsee client, so a Rust caller gets typed answers:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use jsonrpsee::ws_client::WsClientBuilder;
//! use opg_api::ModelsApiClient;
//! let node = WsClientBuilder::default().build("ws://127.0.0.1:9944").await?;
//! for model in node.list(None, None, None).await? {
//!     println!("{} {} costs {} planck", model.model, model.name, model.price);
//! }
//! # Ok(()) }
//! ```
//!
//! ## The shape of the JSON
//! - Field names are camelCase; enums carry their variant in a tag (`"state"`, `"type"`, `"vote"`).
//! - Accounts are SS58 strings ([`AccountId`]), hashes and keys `0x`-hex, blocks numbers.
//! - Amounts are planck (10⁻¹⁸ OPG) as **decimal strings**, since a `u128` does not fit a JSON
//!   number: every amount field goes through [`amount`].
//! - Tensors are [`TensorJson`]: `{"dtype": "F32", "shape": [1, 10], "values": [...]}`.
//! - Every method takes an optional block hash `at` last; without it the node answers at its best
//!   block. Lists are capped by the runtime API (the caps are constants of the runtime-API crates,
//!   `pallet_*_runtime_api::MAX_*`); page with the last item of the previous page.

mod inference;
mod models;
mod staking;

pub mod amount;
#[cfg(feature = "server")]
pub mod server;

pub use inference::*;
pub use models::*;
pub use staking::*;

pub use opg_primitives::{json::TensorJson, IoSchema, ModelHash, ModelKind, RequestId, H256};

/// An account: SS58 in JSON.
pub type AccountId = sp_core::crypto::AccountId32;
/// An amount of planck (10⁻¹⁸ OPG).
pub type Balance = u128;
/// A block number.
pub type BlockNumber = u32;
/// A block hash.
pub type BlockHash = H256;

/// The error code of an RPC call whose runtime API call failed (the message says why).
pub const RUNTIME_ERROR: i32 = 1;
/// The error code of a query for a request that was pruned after the chain's retention; the
/// message says when, the data is a [`PrunedRequest`].
pub const PRUNED: i32 = 2;
