//! The engine's own errors (store, fetch) and how they map to the chain's [`InferenceError`].

use std::io;

use opg_primitives::{bundle::BundleError, InferenceError, ModelHash};

/// Why the model store could not import, find or return a model.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// A file system error.
	#[error("model store I/O: {0}")]
	Io(#[from] io::Error),
	/// The store has no model with this hash.
	#[error("model {0:?} is not in the store")]
	NotFound(ModelHash),
	/// The stored (or offered) bytes hash to something else than expected.
	#[error("hash mismatch: expected {expected:?}, found {found:?}")]
	HashMismatch {
		/// The hash asked for.
		expected: ModelHash,
		/// The hash of the bytes.
		found: ModelHash,
	},
	/// The model is larger than the store's limit.
	#[error("model of {size} bytes exceeds the limit of {max} bytes")]
	TooLarge {
		/// Its size in bytes.
		size: u64,
		/// The limit.
		max: u64,
	},
	/// The bytes are not a well-formed model bundle.
	#[error("not a model bundle: {0}")]
	Bundle(#[from] BundleError),
}

/// Why a model could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
	/// The URI's scheme is not `http`, `https` or `file`.
	#[error("unsupported URI scheme in {0:?} (expected http://, https:// or file://)")]
	UnsupportedScheme(String),
	/// The fetch policy refuses this source (a `file://` path outside the mirror directories or
	/// not a regular file; see [`crate::fetch::FetchPolicy`]).
	#[error("refused by the fetch policy: {0}")]
	Forbidden(String),
	/// The HTTP request failed (connection, status, TLS, timeout, or a host that resolves only
	/// to private addresses).
	#[error("HTTP: {0}")]
	Http(String),
	/// A file system or stream error.
	#[error("I/O: {0}")]
	Io(#[from] io::Error),
	/// The download exceeded the size limit (it was aborted there).
	#[error("download exceeds the limit of {max} bytes")]
	TooLarge {
		/// The limit.
		max: u64,
	},
	/// The downloaded bytes do not hash to the expected model hash.
	#[error("downloaded bytes hash to {found:?}, expected {expected:?}")]
	HashMismatch {
		/// The hash asked for.
		expected: ModelHash,
		/// The hash of the bytes.
		found: ModelHash,
	},
	/// Storing the download failed.
	#[error(transparent)]
	Store(#[from] StoreError),
}

impl From<StoreError> for InferenceError {
	fn from(error: StoreError) -> Self {
		match error {
			StoreError::NotFound(_) => InferenceError::UnknownModel,
			StoreError::Io(e) if e.kind() == io::ErrorKind::NotFound => {
				InferenceError::UnknownModel
			}
			StoreError::Io(_) => InferenceError::Internal,
			StoreError::HashMismatch { .. } => InferenceError::HashMismatch,
			StoreError::TooLarge { .. } => InferenceError::ModelTooLarge,
			StoreError::Bundle(_) => InferenceError::CorruptModel,
		}
	}
}

/// A candle error while loading a model: the model's files are at fault.
pub(crate) fn corrupt(error: impl std::fmt::Display) -> InferenceError {
	log::warn!(target: "opg-inference", "corrupt model: {error}");
	InferenceError::CorruptModel
}

/// A candle error while running a model whose input was already checked: the engine is at fault.
pub(crate) fn internal(error: impl std::fmt::Display) -> InferenceError {
	log::error!(target: "opg-inference", "inference failed: {error}");
	InferenceError::Internal
}
