//! The node's JSON-RPC methods beyond the ones every Substrate node serves.

use std::sync::Arc;

use jsonrpsee::RpcModule;
use opg_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the RPC methods need from the node.
pub struct FullDeps<C, P, S> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The node's off-chain storage, where the runtime indexes pruned requests (what
	/// `inference_request` says of a pruned id).
	pub offchain: Option<S>,
}

/// All RPC methods of the node: `system_*` account nonces, `payment_*` fee queries, and
/// `models_*` (the model registry), `inference_*` (requests and results) and `staking_*`
/// (executors' stake, delegators and their positions), whose JSON types and traits are
/// `opg-api`'s.
pub fn create_full<C, P, S>(
	deps: FullDeps<C, P, S>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	C::Api:
		pallet_model_registry_runtime_api::ModelRegistryApi<Block, AccountId, Balance, BlockNumber>,
	C::Api: pallet_inference_runtime_api::InferenceApi<Block, AccountId, Balance, BlockNumber>,
	C::Api: pallet_executors_runtime_api::StakingApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
	S: sp_core::offchain::OffchainStorage + 'static,
{
	use pallet_executors_rpc::{Staking, StakingApiServer};
	use pallet_inference_rpc::{Inference, InferenceApiServer};
	use pallet_model_registry_rpc::{Models, ModelsApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, offchain } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Models::new(client.clone()).into_rpc())?;
	module.merge(Inference::new(client.clone(), offchain).into_rpc())?;
	module.merge(Staking::new(client).into_rpc())?;

	Ok(module)
}
