//! What every RPC server of the node shares (feature `server`): the runtime API at the block a
//! caller asked for (the best block by default), and one error for a failed runtime API call.

use std::{fmt::Debug, marker::PhantomData, sync::Arc};

use jsonrpsee::{core::RpcResult, types::ErrorObject};
use sp_api::{ApiRef, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

use crate::RUNTIME_ERROR;

/// A node's client, seen by an RPC server that answers from the runtime API.
pub struct RuntimeApi<C, Block> {
	client: Arc<C>,
	_block: PhantomData<fn() -> Block>,
}

impl<C, Block> RuntimeApi<C, Block>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
{
	/// Answers from `client`'s runtime API.
	pub fn new(client: Arc<C>) -> Self {
		RuntimeApi { client, _block: PhantomData }
	}

	/// Calls `query` on the runtime API at `at` (the best block if `None`); a failed call is an
	/// RPC error with code [`RUNTIME_ERROR`] and the reason as its data.
	pub fn at<R, E: Debug>(
		&self,
		at: Option<Block::Hash>,
		query: impl FnOnce(ApiRef<'_, C::Api>, Block::Hash) -> Result<R, E>,
	) -> RpcResult<R> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		query(self.client.runtime_api(), at).map_err(|e| {
			ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(format!("{e:?}")))
		})
	}
}
