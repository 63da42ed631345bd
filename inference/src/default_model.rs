//! The chain's embedded default model: `digits-mlp`, a 64 → 32 → 10 ReLU MLP trained by
//! `scripts/train-mlp.py` on scikit-learn's bundled `digits` dataset (97.3 % test accuracy).
//!
//! Its files are compiled into this crate, so a node can put it into its store at startup without
//! any network: [`install`]. Input: `f32 [batch, 64]`, the 8×8 pixels (0..=16) divided by 16,
//! row-major; output: `f32 [batch, 10]` logits, whose argmax is the digit.

use opg_primitives::{
	bundle::{bundle_hash, encode_bundle, BundleError, BundleView, CONFIG_FILE, WEIGHTS_FILE},
	Dim, InputSchema, IoSchema, ModelHash, ModelKind, ModelSpec, OutputSchema, TensorDType,
	TensorSchema,
};

use crate::{error::StoreError, store::ModelStore};

/// A short name for people.
pub const NAME: &str = "digits-mlp";
/// The model's `config.json`.
pub const CONFIG_JSON: &[u8] = include_bytes!("../../models/digits-mlp/config.json");
/// The model's weights.
pub const WEIGHTS: &[u8] = include_bytes!("../../models/digits-mlp/model.safetensors");
/// The model hash of the bundle, in hex (checked against [`hash`] by a test).
pub const HASH_HEX: &str = "5785e6a4f84b638bd4082278a2396a32e78fbfa3fe2be3710fc5c1e1702b4cda";
/// The largest batch its schema accepts.
pub const MAX_BATCH: u32 = 32;

/// The canonical bundle bytes of the default model.
pub fn bundle() -> Result<Vec<u8>, BundleError> {
	encode_bundle(ModelKind::Mlp, &[(CONFIG_FILE, CONFIG_JSON), (WEIGHTS_FILE, WEIGHTS)])
}

/// The default model's hash (blake2-256 of [`bundle`]).
pub fn hash() -> Result<ModelHash, BundleError> {
	bundle().map(|bytes| bundle_hash(&bytes))
}

/// The spec a chain lists the default model with.
pub fn spec() -> Result<ModelSpec, BundleError> {
	let bytes = bundle()?;
	let view = BundleView::parse(&bytes)?;
	let f32_dims = |width| TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(width)]);
	let (Some(input), Some(output)) = (f32_dims(64), f32_dims(10)) else {
		return Err(BundleError::BadName);
	};
	Ok(ModelSpec {
		kind: view.kind,
		model: bundle_hash(&bytes),
		config_hash: view.config_hash().ok_or(BundleError::Truncated)?,
		schema: IoSchema {
			input: InputSchema::Tensor(input),
			output: OutputSchema::Tensor(output),
			max_batch: MAX_BATCH,
		},
	})
}

/// Puts the default model into a store (a no-op if it is there) and returns its hash.
pub fn install(store: &ModelStore) -> Result<ModelHash, StoreError> {
	store.import_bytes(&bundle()?)
}
