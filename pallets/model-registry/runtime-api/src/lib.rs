//! Runtime API of the model registry: what the node (and its `models_*` RPC) may ask the runtime.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use opg_primitives::ModelHash;
pub use pallet_model_registry::{ModelDetails, ModelState};

/// The most models one `listed_models` call returns (the runtime caps `limit` to it).
pub const MAX_PAGE: u32 = 100;

sp_api::decl_runtime_apis! {
	/// Queries of the model registry.
	///
	/// Version 2 added [`ModelRegistryApi::models`] (every state).
	#[api_version(2)]
	pub trait ModelRegistryApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The model with this content hash, in any state.
		fn model(model: ModelHash) -> Option<ModelDetails<AccountId, Balance, BlockNumber>>;

		/// Listed models in storage order, at most `limit` (capped by the runtime), starting
		/// after `start_after`.
		fn listed_models(
			start_after: Option<ModelHash>,
			limit: u32,
		) -> Vec<ModelDetails<AccountId, Balance, BlockNumber>>;

		/// Models in any state (proposed, listed, delisted) in storage order, at most `limit`
		/// (capped by the runtime), starting after `start_after`.
		#[api_version(2)]
		fn models(
			start_after: Option<ModelHash>,
			limit: u32,
		) -> Vec<ModelDetails<AccountId, Balance, BlockNumber>>;
	}
}
