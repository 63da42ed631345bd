//! JSON-RPC of the model registry: `models_get` and `models_list`, answering typed JSON (names as
//! text, amounts as decimal strings, hashes as hex), never SCALE bytes.

use std::{fmt::Display, sync::Arc};

use codec::Codec;
use jsonrpsee::{
	core::{async_trait, RpcResult},
	proc_macros::rpc,
	types::{error::ErrorObject, ErrorObjectOwned},
};
use opg_primitives::{IoSchema, ModelHash, ModelKind};
use pallet_model_registry_runtime_api::{ModelDetails, ModelState};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

pub use pallet_model_registry_runtime_api::ModelRegistryApi as ModelRegistryRuntimeApi;

/// The most models `models_list` returns in one page.
pub const MAX_PAGE: u32 = 100;

/// A model, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelJson {
	/// Content hash, hex.
	pub model: ModelHash,
	/// Owner (SS58).
	pub owner: String,
	/// `Proposed`, `Listed` or `Delisted`.
	pub state: ModelState,
	/// Architecture.
	pub kind: ModelKind,
	/// Hash of the bundle's config.json, hex.
	pub config_hash: ModelHash,
	/// Accepted input and produced output.
	pub schema: IoSchema,
	/// Name.
	pub name: String,
	/// Description.
	pub description: String,
	/// Price per inference in planck, as a decimal string (u128 does not fit a JSON number).
	pub price: String,
	/// Where to fetch the bundle.
	pub uris: Vec<String>,
	/// Bundle size in bytes.
	pub size: u64,
	/// Deposit held for the record in planck, decimal string.
	pub deposit: String,
	/// Block it was proposed in.
	pub proposed_at: u64,
}

impl<AccountId: Display, Balance: Display, BlockNumber: Into<u64>>
	From<ModelDetails<AccountId, Balance, BlockNumber>> for ModelJson
{
	fn from(d: ModelDetails<AccountId, Balance, BlockNumber>) -> Self {
		let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
		ModelJson {
			model: d.model,
			owner: d.owner.to_string(),
			state: d.state,
			kind: d.spec.kind,
			config_hash: d.spec.config_hash,
			schema: d.spec.schema,
			name: text(d.name),
			description: text(d.description),
			price: d.price.to_string(),
			uris: d.uris.into_iter().map(text).collect(),
			size: d.size,
			deposit: d.deposit.to_string(),
			proposed_at: d.proposed_at.into(),
		}
	}
}

/// The `models_*` methods.
#[rpc(client, server, namespace = "models")]
pub trait ModelsApi<BlockHash> {
	/// The model with this content hash (any state), or null.
	#[method(name = "get")]
	fn get(&self, model: ModelHash, at: Option<BlockHash>) -> RpcResult<Option<ModelJson>>;

	/// Listed models, at most `limit` (default and maximum 100), after `start_after`.
	#[method(name = "list")]
	fn list(
		&self,
		start_after: Option<ModelHash>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<ModelJson>>;
}

/// Serves `models_*` from the runtime API of a chain with these block, account, balance and
/// block number types.
pub struct Models<C, Block, AccountId, Balance, BlockNumber> {
	client: Arc<C>,
	_types: std::marker::PhantomData<fn() -> (Block, AccountId, Balance, BlockNumber)>,
}

impl<C, Block, AccountId, Balance, BlockNumber> Models<C, Block, AccountId, Balance, BlockNumber> {
	/// A server over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client, _types: Default::default() }
	}
}

/// Error code of a failed runtime API call.
pub const RUNTIME_ERROR: i32 = 1;

fn runtime_error(e: impl std::fmt::Debug) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(format!("{e:?}")))
}

#[async_trait]
impl<C, Block, AccountId, Balance, BlockNumber> ModelsApiServer<<Block as BlockT>::Hash>
	for Models<C, Block, AccountId, Balance, BlockNumber>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ModelRegistryRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: Codec + Display + Send + Sync + 'static,
	Balance: Codec + Display + Send + Sync + 'static,
	BlockNumber: Codec + Into<u64> + Send + Sync + 'static,
{
	fn get(&self, model: ModelHash, at: Option<Block::Hash>) -> RpcResult<Option<ModelJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let details = self.client.runtime_api().model(at, model).map_err(runtime_error)?;
		Ok(details.map(Into::into))
	}

	fn list(
		&self,
		start_after: Option<ModelHash>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<Vec<ModelJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let limit = limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
		let page = self
			.client
			.runtime_api()
			.listed_models(at, start_after, limit)
			.map_err(runtime_error)?;
		Ok(page.into_iter().map(Into::into).collect())
	}
}
