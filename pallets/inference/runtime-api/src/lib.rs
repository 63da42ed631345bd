//! Runtime APIs of inference: the pallet's requests, results and an executor's pending work (for
//! the `inference_*` JSON-RPC and for clients), and the canonical kernels as the runtime's WASM
//! computes them ([`KernelsApi`]).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use opg_primitives::{ModelHash, RequestId, H256};
pub use pallet_inference::{
	pruned_key, DisputeDetails, DisputeOutcome, DisputePhase, Member, ModelStats, PrunedRequest,
	RequestDetails, RequestStatus, ResultDetails, Verdict, Vote,
};

/// The most ids one `pending` call returns (the runtime caps `limit` to it).
pub const MAX_PENDING: u32 = 256;

sp_api::decl_runtime_apis! {
	/// Queries of the inference pallet.
	pub trait InferenceApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The request with this id, in any state; `None` if it was never made or was pruned
		/// ([`Self::is_pruned`]).
		fn request(id: RequestId) -> Option<RequestDetails<AccountId, Balance, BlockNumber>>;

		/// Whether this id's request finished and was pruned after the retention (the node's
		/// off-chain index keeps how it ended: [`PrunedRequest`] under [`pruned_key`]).
		fn is_pruned(id: RequestId) -> bool;

		/// The result of this request, pending or final; `None` before one is submitted.
		fn result(id: RequestId) -> Option<ResultDetails<AccountId, BlockNumber>>;

		/// The ids of the requests `executor` has to answer now, at most `limit` (capped by the
		/// runtime).
		fn pending(executor: AccountId, limit: u32) -> Vec<RequestId>;

		/// The open dispute over this request's result: committee, votes, phase; `None` when
		/// there is none (never challenged, or decided: see the request's status).
		fn dispute(id: RequestId) -> Option<DisputeDetails<AccountId, Balance, BlockNumber>>;

		/// How the dispute over this request's result ended; `None` while it is open or if
		/// there was none.
		fn dispute_outcome(id: RequestId) -> Option<DisputeOutcome<AccountId, Balance, BlockNumber>>;

		/// `model`'s record of service: its requests made, answered, challenged and how they
		/// finished (all zero for a model never requested).
		fn model_stats(model: ModelHash) -> ModelStats<Balance>;
	}

	/// The canonical kernels (`opg-kernels`) as compiled into the runtime's WASM, where they must
	/// give the engine's bits (so that the runtime can re-execute an operator step of a
	/// disputed inference).
	pub trait KernelsApi {
		/// The version of the arithmetic (`opg_kernels::OPSET`) the runtime computes.
		fn opset() -> u16;

		/// blake2-256 over the outputs of `opg_kernels::probe::workload`, run in the runtime
		/// (compare with the same digest computed natively).
		fn kernel_probe() -> H256;
	}
}
