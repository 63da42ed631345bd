//! A least-recently-used cache of loaded models with a byte budget.

use std::{collections::HashMap, sync::Arc};

use opg_primitives::ModelHash;

use crate::models::Model;

struct Entry {
	model: Arc<dyn Model>,
	bytes: u64,
	last_used: u64,
}

/// Loaded models, keyed by hash, whose [`Model::weight_bytes`] add up to at most the budget.
/// Inserting evicts the least recently used models until the new one fits; a model larger than
/// the whole budget is not cached at all (it is loaded for each run).
pub struct ModelCache {
	budget: u64,
	used: u64,
	clock: u64,
	entries: HashMap<ModelHash, Entry>,
}

impl ModelCache {
	/// An empty cache of `budget` bytes.
	pub fn new(budget: u64) -> Self {
		ModelCache { budget, used: 0, clock: 0, entries: HashMap::new() }
	}

	/// The cached model with this hash, marked as just used.
	pub fn get(&mut self, hash: &ModelHash) -> Option<Arc<dyn Model>> {
		self.clock = self.clock.wrapping_add(1);
		let clock = self.clock;
		self.entries.get_mut(hash).map(|entry| {
			entry.last_used = clock;
			entry.model.clone()
		})
	}

	/// Caches a model, evicting others as needed. Returns the hashes evicted.
	pub fn insert(&mut self, hash: ModelHash, model: Arc<dyn Model>) -> Vec<ModelHash> {
		let bytes = model.weight_bytes();
		let mut evicted = Vec::new();
		if bytes > self.budget {
			return evicted;
		}
		if let Some(old) = self.entries.remove(&hash) {
			self.used = self.used.saturating_sub(old.bytes);
		}
		while self.used.saturating_add(bytes) > self.budget {
			let Some(oldest) =
				self.entries.iter().min_by_key(|(_, e)| e.last_used).map(|(h, _)| *h)
			else {
				break;
			};
			if let Some(entry) = self.entries.remove(&oldest) {
				self.used = self.used.saturating_sub(entry.bytes);
			}
			evicted.push(oldest);
		}
		self.clock = self.clock.wrapping_add(1);
		self.used = self.used.saturating_add(bytes);
		self.entries.insert(hash, Entry { model, bytes, last_used: self.clock });
		evicted
	}

	/// Bytes of the cached models.
	pub fn used_bytes(&self) -> u64 {
		self.used
	}

	/// Whether this hash is cached (without marking it used).
	pub fn contains(&self, hash: &ModelHash) -> bool {
		self.entries.contains_key(hash)
	}

	/// The number of cached models.
	pub fn len(&self) -> usize {
		self.entries.len()
	}

	/// Whether nothing is cached.
	pub fn is_empty(&self) -> bool {
		self.entries.is_empty()
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use crate::models::Trace;
	use opg_primitives::{
		Dim, InferenceError, InferenceInput, InputSchema, IoSchema, ModelKind, TensorDType,
		TensorSchema, H256,
	};

	/// A model that only has a size (the cache's concern) and a schema.
	struct Fake(u64, IoSchema);

	fn fake(bytes: u64) -> Arc<Fake> {
		let output = TensorSchema::new(TensorDType::F32, &[Dim::Batch]).unwrap();
		let output = opg_primitives::OutputSchema::Tensor(output);
		let schema = IoSchema { input: InputSchema::Text { max_bytes: 16 }, output, max_batch: 1 };
		Arc::new(Fake(bytes, schema))
	}

	impl Model for Fake {
		fn kind(&self) -> ModelKind {
			ModelKind::Mlp
		}
		fn schema(&self) -> &IoSchema {
			&self.1
		}
		fn weight_bytes(&self) -> u64 {
			self.0
		}
		fn forward(
			&self,
			_: &InferenceInput,
			_: &mut Trace,
		) -> Result<crate::models::Output, InferenceError> {
			Err(InferenceError::Internal)
		}
	}

	fn h(n: u8) -> H256 {
		H256::repeat_byte(n)
	}

	#[test]
	fn evicts_least_recently_used_within_budget() {
		let mut cache = ModelCache::new(100);
		assert!(cache.insert(h(1), fake(40)).is_empty());
		assert!(cache.insert(h(2), fake(40)).is_empty());
		assert!(cache.get(&h(1)).is_some()); // 2 is now the least recently used
		assert_eq!(cache.insert(h(3), fake(40)), vec![h(2)]);
		assert!(cache.contains(&h(1)) && cache.contains(&h(3)) && !cache.contains(&h(2)));
		assert_eq!(cache.used_bytes(), 80);
		// Too big for the budget: not cached, nothing evicted.
		assert!(cache.insert(h(4), fake(101)).is_empty());
		assert!(!cache.contains(&h(4)));
		// Re-inserting replaces without double counting.
		cache.insert(h(1), fake(10));
		assert_eq!(cache.used_bytes(), 50);
		assert_eq!(cache.len(), 2);
	}
}
