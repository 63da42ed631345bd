//! The model registry: `models_get`, `models_list`, `models_all`.

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};

use crate::{AccountId, Balance, BlockHash, BlockNumber, IoSchema, ModelHash, ModelKind};

/// Where a model stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelState {
	/// Proposed, waiting for governance.
	Proposed,
	/// Listed: dapps may request inferences from it.
	Listed,
	/// Delisted by governance: no new requests.
	Delisted,
}

/// A model in the registry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
	/// The content hash of its bundle: the model's identity.
	pub model: ModelHash,
	/// Who proposed it and holds its deposit.
	pub owner: AccountId,
	/// Where it stands.
	pub state: ModelState,
	/// Its architecture.
	pub kind: ModelKind,
	/// The hash of the bundle's `config.json`.
	pub config_hash: ModelHash,
	/// The input it accepts and the output it produces.
	pub schema: IoSchema,
	/// Its name (UTF-8, lossy).
	pub name: String,
	/// What it does, its license, its source (UTF-8, lossy).
	pub description: String,
	/// The price of one inference; of one token (prompt or answer) for a text-generation model.
	#[serde(with = "crate::amount")]
	pub price: Balance,
	/// Where its bundle can be fetched.
	pub uris: Vec<String>,
	/// The bundle's size in bytes.
	pub size: u64,
	/// The deposit held from the owner for the record.
	#[serde(with = "crate::amount")]
	pub deposit: Balance,
	/// The block it was proposed in.
	pub proposed_at: BlockNumber,
}

impl Model {
	/// Whether dapps may request inferences from it.
	pub fn is_listed(&self) -> bool {
		self.state == ModelState::Listed
	}

	/// The fee a request with `input` holds: the price times the input's billable units (one,
	/// or for a text-generation model the prompt bound plus the tokens asked for; the unused
	/// part comes back at payout).
	pub fn fee_for(&self, input: &opg_primitives::InferenceInput) -> Balance {
		self.price.saturating_mul(self.schema.billable_units(input).into())
	}
}

/// The `models_*` methods.
#[rpc(client, server, namespace = "models")]
pub trait ModelsApi {
	/// The model with this content hash, in any state, or null.
	#[method(name = "get")]
	fn get(&self, model: ModelHash, at: Option<BlockHash>) -> RpcResult<Option<Model>>;

	/// Listed models in storage order, after `start_after`, at most `limit` (default and most:
	/// the runtime API's cap).
	#[method(name = "list")]
	fn list(
		&self,
		start_after: Option<ModelHash>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<Model>>;

	/// Models in any state (proposed, listed, delisted) in storage order, after `start_after`,
	/// at most `limit` (default and most: the runtime API's cap).
	#[method(name = "all")]
	fn all(
		&self,
		start_after: Option<ModelHash>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<Model>>;
}
