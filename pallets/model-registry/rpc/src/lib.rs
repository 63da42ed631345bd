//! The server side of `models_get`, `models_list` and `models_all` ([`opg_api::ModelsApi`]): the model registry's runtime API,
//! answered as [`opg_api::Model`]s.

use std::sync::Arc;

use jsonrpsee::core::RpcResult;
use opg_api::{server::RuntimeApi, AccountId, Balance, BlockNumber, Model, ModelHash, ModelState};
use pallet_model_registry_runtime_api::{ModelDetails, ModelRegistryApi, MAX_PAGE};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

pub use opg_api::ModelsApiServer;

/// Serves `models_*` from the runtime API.
pub struct Models<C, Block>(RuntimeApi<C, Block>);

impl<C, Block> Models<C, Block>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
{
	/// A server over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Models(RuntimeApi::new(client))
	}
}

/// A page size asked for, capped at the runtime API's.
fn cap(limit: u32) -> u32 {
	limit.min(MAX_PAGE)
}

/// A model as the API shows it.
pub fn model(d: ModelDetails<AccountId, Balance, BlockNumber>) -> Model {
	let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
	Model {
		model: d.model,
		owner: d.owner,
		state: match d.state {
			pallet_model_registry_runtime_api::ModelState::Proposed => ModelState::Proposed,
			pallet_model_registry_runtime_api::ModelState::Listed => ModelState::Listed,
			pallet_model_registry_runtime_api::ModelState::Delisted => ModelState::Delisted,
		},
		kind: d.spec.kind,
		config_hash: d.spec.config_hash,
		schema: d.spec.schema,
		name: text(d.name),
		description: text(d.description),
		price: d.price,
		uris: d.uris.into_iter().map(text).collect(),
		size: d.size,
		deposit: d.deposit,
		proposed_at: d.proposed_at,
	}
}

impl<C, Block> ModelsApiServer for Models<C, Block>
where
	Block: BlockT<Hash = opg_api::BlockHash>,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ModelRegistryApi<Block, AccountId, Balance, BlockNumber>,
{
	fn get(&self, hash: ModelHash, at: Option<opg_api::BlockHash>) -> RpcResult<Option<Model>> {
		let details = self.0.at(at, |api, at| api.model(at, hash))?;
		Ok(details.map(model))
	}

	fn list(
		&self,
		start_after: Option<ModelHash>,
		limit: Option<u32>,
		at: Option<opg_api::BlockHash>,
	) -> RpcResult<Vec<Model>> {
		let limit = limit.map_or(MAX_PAGE, cap);
		let page = self.0.at(at, |api, at| api.listed_models(at, start_after, limit))?;
		Ok(page.into_iter().map(model).collect())
	}

	fn all(
		&self,
		after: Option<ModelHash>,
		limit: Option<u32>,
		at: Option<opg_api::BlockHash>,
	) -> RpcResult<Vec<Model>> {
		let page = self.0.at(at, |api, at| api.models(at, after, limit.map_or(MAX_PAGE, cap)))?;
		Ok(page.into_iter().map(model).collect())
	}
}
