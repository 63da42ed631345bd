//! What one pallet asks of another, declared here so neither depends on the other.

use alloc::vec::Vec;

use crate::model::{ModelHash, ModelSpec};

/// A listed model as the inference pallet needs it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ListedModel<Balance> {
	/// Kind, hash, config hash and IO schema.
	pub spec: ModelSpec,
	/// The price of one inference.
	pub price: Balance,
	/// Where the bundle can be fetched (executors verify it against `spec.model`).
	pub uris: Vec<Vec<u8>>,
}

/// The models that may be requested: implemented by the model registry.
pub trait ModelCatalog<Balance> {
	/// The model if it is listed now, else `None`.
	fn listed(model: &ModelHash) -> Option<ListedModel<Balance>>;
}
