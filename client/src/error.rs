//! The client's errors. A transaction that fails on chain is a [`ChainError`]: the pallet, the
//! error's name and its documentation, all read from the metadata.

use subxt::error::DispatchError;

/// An error the chain returned for a dispatched transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainError {
	/// The pallet (`Inference`), or `Runtime` for errors outside any pallet.
	pub pallet: String,
	/// The error's name (`InputMismatch`, `BadOrigin`, `Token::FundsUnavailable`, ...).
	pub name: String,
	/// The error's documentation, from the metadata (may be empty).
	pub docs: String,
	/// The transaction fee the failed transaction paid, in planck.
	pub fee: u128,
}

impl ChainError {
	/// Resolves a dispatch error against the metadata it was decoded with; `fee` is what the
	/// failed transaction paid.
	pub fn from_dispatch(error: &DispatchError, fee: u128) -> ChainError {
		match error {
			DispatchError::Module(module) => match module.details() {
				Ok(details) => ChainError {
					pallet: details.pallet.name().to_string(),
					name: details.variant.name.clone(),
					docs: details.variant.docs.join("\n").trim().to_string(),
					fee,
				},
				Err(_) => ChainError {
					pallet: "Runtime".into(),
					name: module.details_string(),
					docs: "an error of a pallet this client does not know".into(),
					fee,
				},
			},
			// `Token(FundsUnavailable)` is shown as `Token::FundsUnavailable`.
			other => ChainError {
				pallet: "Runtime".into(),
				name: format!("{other:?}").replace('(', "::").replace(')', ""),
				docs: other.to_string(),
				fee,
			},
		}
	}
}

impl std::fmt::Display for ChainError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "{}::{}", self.pallet, self.name)?;
		if !self.docs.is_empty() {
			write!(f, ": {}", self.docs)?;
		}
		Ok(())
	}
}

/// Everything that can go wrong in the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The node could not be reached.
	#[error("cannot connect to {url}: {reason}")]
	Connect {
		/// The URL tried.
		url: String,
		/// Why.
		reason: String,
	},
	/// The transaction was dispatched and failed (its fee was paid).
	#[error("the chain refused the transaction: {0}")]
	Chain(ChainError),
	/// The node did not accept the transaction into its pool (nothing was paid), or dropped it.
	#[error("the node rejected the transaction: {0}")]
	Rejected(String),
	/// A model name or hash that the registry does not know, or that is ambiguous.
	#[error("{0}")]
	UnknownModel(String),
	/// A request id the chain does not know.
	#[error("request {0} does not exist")]
	UnknownRequest(u64),
	/// Input that does not fit the model's schema (checked before anything is sent).
	#[error("input does not fit the model: {0}")]
	Input(String),
	/// A bad argument (amount, key, file, ...).
	#[error("{0}")]
	Invalid(String),
	/// The chain's data did not decode as expected (a client built for another runtime?).
	#[error("cannot decode chain data: {0}")]
	Decode(String),
	/// A transport or subxt error.
	#[error(transparent)]
	Subxt(Box<subxt::Error>),
	/// The request finished more than the chain's retention ago and was pruned from the state
	/// (the node's `inference_*` answered [`opg_api::PRUNED`]).
	#[error("{0}")]
	Pruned(opg_api::PrunedRequest),
	/// A call of the node's own JSON-RPC (`models_*`, `inference_*`, `staking_*`) failed.
	#[error("the node's RPC failed: {0}")]
	Rpc(jsonrpsee::core::client::Error),
	/// Waiting took longer than allowed.
	#[error("timed out after {0} s: {1}")]
	Timeout(u64, String),
}

impl Error {
	/// The chain error, if the chain refused a dispatched transaction.
	pub fn chain(&self) -> Option<&ChainError> {
		match self {
			Error::Chain(error) => Some(error),
			_ => None,
		}
	}
}

macro_rules! from_subxt {
	($($ty:ty),* $(,)?) => {$(
		impl From<$ty> for Error {
			fn from(e: $ty) -> Self {
				Error::Subxt(Box::new(e.into()))
			}
		}
	)*};
}

from_subxt!(
	subxt::Error,
	subxt::error::OnlineClientError,
	subxt::error::OnlineClientAtBlockError,
	subxt::error::StorageError,
	subxt::error::StorageValueError,
	subxt::error::StorageKeyError,
	subxt::error::RuntimeApiError,
	subxt::error::EventsError,
	subxt::error::ConstantError,
	subxt::error::BlocksError,
);

impl From<subxt::error::ExtrinsicError> for Error {
	fn from(e: subxt::error::ExtrinsicError) -> Self {
		// The node refusing a transaction at submission comes back as an RPC error.
		Error::Rejected(e.to_string())
	}
}

impl From<subxt::rpcs::Error> for Error {
	fn from(e: subxt::rpcs::Error) -> Self {
		Error::Subxt(Box::new(subxt::Error::BackendError(e.into())))
	}
}

impl From<jsonrpsee::core::client::Error> for Error {
	/// An `inference_*` answer for a pruned request is [`Error::Pruned`]; anything else
	/// [`Error::Rpc`].
	fn from(error: jsonrpsee::core::client::Error) -> Self {
		if let jsonrpsee::core::client::Error::Call(call) = &error {
			if call.code() == opg_api::PRUNED {
				if let Some(pruned) = call.data().and_then(|d| serde_json::from_str(d.get()).ok()) {
					return Error::Pruned(pruned);
				}
			}
		}
		Error::Rpc(error)
	}
}
