//! The result commitment: what an executor binds itself to when it submits a result.
//!
//! * **Output hash**: blake2-256 of the SCALE encoding of the [`InferenceOutput`] (its canonical
//!   bytes: variant index, dtype, compact-length shape, compact-length little-endian data).
//! * **Trace root**: the root of a binary Merkle tree over the *layer hashes* of the forward pass,
//!   in execution order. A layer hash is [`tensor_hash`] of that layer's output activation (f32,
//!   its full shape), so it is defined like a tensor hash in the wire format even when the
//!   activation is larger than a wire tensor may be. A later dispute game bisects over these
//!   leaves down to the first layer two executors disagree on.
//!
//! ## The tree
//! * leaf `i` = `blake2_256(0x00 ‖ layer_hash[i])`;
//! * inner node = `blake2_256(0x01 ‖ left ‖ right)`; the prefixes keep a leaf from ever being taken
//!   for an inner node (second-preimage resistance);
//! * levels are built pairwise left to right; an odd node out at the end of a level is **promoted
//!   unchanged** to the next level (not duplicated, so no two leaf lists share a root);
//! * the root of a single leaf is that leaf's hash; the root of no leaves is `H256::zero()`.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::{bounded::BoundedVec, ConstU32, H256};
use sp_crypto_hashing::blake2_256;

use crate::tensor::{InferenceOutput, TensorDType};

/// The most layer hashes one trace may have.
pub const MAX_TRACE_LEAVES: u32 = 256;
/// The most siblings a Merkle proof may have (enough for `2^32` leaves).
pub const MAX_PROOF_DEPTH: u32 = 32;

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// The layer hashes of a forward pass, in execution order.
pub type LayerHashes = BoundedVec<H256, ConstU32<MAX_TRACE_LEAVES>>;

/// blake2-256 of the SCALE encoding of a tensor with these parts (equal to
/// [`crate::tensor::Tensor::hash`] when the parts fit a wire tensor). Used for layer hashes.
pub fn tensor_hash(dtype: TensorDType, shape: &[u32], data: &[u8]) -> H256 {
	H256(blake2_256(&(dtype, shape, data).encode()))
}

/// blake2-256 of the canonical output bytes (the SCALE encoding of the output).
pub fn output_hash(output: &InferenceOutput) -> H256 {
	H256(blake2_256(&output.encode()))
}

/// The Merkle leaf of a layer hash.
pub fn leaf_hash(layer_hash: &H256) -> H256 {
	// The SCALE encoding of `(u8, H256)` is the prefix byte followed by the 32 hash bytes.
	H256(blake2_256(&(LEAF_PREFIX, layer_hash).encode()))
}

/// The Merkle node over two children.
pub fn node_hash(left: &H256, right: &H256) -> H256 {
	H256(blake2_256(&(NODE_PREFIX, left, right).encode()))
}

/// One level up: pairs hashed left to right, an odd node out promoted unchanged.
fn next_level(level: &[H256]) -> Vec<H256> {
	level
		.chunks(2)
		.map(|pair| match pair {
			[left, right] => node_hash(left, right),
			[single] => *single,
			_ => H256::zero(),
		})
		.collect()
}

/// The trace root over these layer hashes (see the module docs for the tree).
pub fn merkle_root(layer_hashes: &[H256]) -> H256 {
	let mut level: Vec<H256> = layer_hashes.iter().map(leaf_hash).collect();
	while level.len() > 1 {
		level = next_level(&level);
	}
	level.first().copied().unwrap_or_else(H256::zero)
}

/// A proof that a layer hash is leaf `leaf_index` of a trace of `leaf_count` leaves.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct MerkleProof {
	/// The position of the leaf, from 0.
	pub leaf_index: u32,
	/// The number of leaves of the tree.
	pub leaf_count: u32,
	/// The sibling at each level where the node has one, bottom up (levels where the node is
	/// promoted have none).
	pub siblings: BoundedVec<H256, ConstU32<MAX_PROOF_DEPTH>>,
}

/// The proof for leaf `index` of the tree over `layer_hashes` (`None` when out of range).
pub fn merkle_proof(layer_hashes: &[H256], index: u32) -> Option<MerkleProof> {
	let leaf_count = u32::try_from(layer_hashes.len()).ok()?;
	if index >= leaf_count {
		return None;
	}
	let mut level: Vec<H256> = layer_hashes.iter().map(leaf_hash).collect();
	let mut position = usize::try_from(index).ok()?;
	let mut siblings = Vec::new();
	while level.len() > 1 {
		if let Some(sibling) = level.get(position ^ 1) {
			siblings.push(*sibling);
		}
		level = next_level(&level);
		position /= 2;
	}
	Some(MerkleProof { leaf_index: index, leaf_count, siblings: siblings.try_into().ok()? })
}

/// Whether `proof` shows `layer_hash` to be the leaf it names under `root`.
pub fn verify_proof(root: &H256, layer_hash: &H256, proof: &MerkleProof) -> bool {
	if proof.leaf_index >= proof.leaf_count {
		return false;
	}
	let mut node = leaf_hash(layer_hash);
	let (mut position, mut width) = (proof.leaf_index, proof.leaf_count);
	let mut siblings = proof.siblings.iter();
	while width > 1 {
		let sibling = position ^ 1;
		if sibling < width {
			let Some(hash) = siblings.next() else { return false };
			node = if position % 2 == 0 { node_hash(&node, hash) } else { node_hash(hash, &node) };
		}
		position /= 2;
		width = width.div_ceil(2);
	}
	siblings.next().is_none() && node == *root
}

/// What an executor commits to for one inference.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct ResultCommitment {
	/// [`output_hash`] of the output.
	pub output_hash: H256,
	/// [`merkle_root`] of the layer hashes.
	pub trace_root: H256,
	/// The arithmetic the pass was computed with ([`OPSET`] of this release's kernels): a
	/// result is checkable by re-running it under the same opset.
	pub opset: u16,
}

/// The version of the canonical arithmetic this release computes ([`opg_kernels::OPSET`]).
pub const OPSET: u16 = opg_kernels::OPSET;

impl ResultCommitment {
	/// The commitment to an output and the layer hashes of the pass that produced it, under
	/// this release's [`OPSET`].
	pub fn new(output: &InferenceOutput, layer_hashes: &[H256]) -> Self {
		ResultCommitment {
			output_hash: output_hash(output),
			trace_root: merkle_root(layer_hashes),
			opset: OPSET,
		}
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;
	use crate::tensor::Tensor;

	fn hashes(n: u8) -> Vec<H256> {
		(0..n).map(H256::repeat_byte).collect()
	}

	#[test]
	fn tensor_hash_is_hash_of_wire_encoding() {
		let t = Tensor::from_f32(&[1, 2], &[1.0, 2.0]).unwrap();
		assert_eq!(t.hash(), H256(blake2_256(&t.encode())));
		assert_eq!(tensor_hash(t.dtype, &t.shape, &t.data), t.hash());
		let out = InferenceOutput::Tensor(t);
		assert_eq!(output_hash(&out), H256(blake2_256(&out.encode())));
	}

	#[test]
	fn small_trees_have_the_documented_shape() {
		assert_eq!(merkle_root(&[]), H256::zero());
		let h = hashes(3);
		assert_eq!(merkle_root(&h[..1]), leaf_hash(&h[0]));
		let (l0, l1, l2) = (leaf_hash(&h[0]), leaf_hash(&h[1]), leaf_hash(&h[2]));
		assert_eq!(merkle_root(&h[..2]), node_hash(&l0, &l1));
		// The odd leaf is promoted, not duplicated.
		assert_eq!(merkle_root(&h), node_hash(&node_hash(&l0, &l1), &l2));
	}

	#[test]
	fn roots_differ_by_order_and_length() {
		let h = hashes(4);
		let mut swapped = h.clone();
		swapped.swap(1, 2);
		assert_ne!(merkle_root(&h), merkle_root(&swapped));
		assert_ne!(merkle_root(&h[..3]), merkle_root(&h));
	}

	#[test]
	fn proofs_verify_for_every_leaf_of_every_size() {
		for n in 1..=17u8 {
			let h = hashes(n);
			let root = merkle_root(&h);
			for i in 0..n as u32 {
				let proof = merkle_proof(&h, i).unwrap();
				assert!(verify_proof(&root, &h[i as usize], &proof), "n={n} i={i}");
				assert!(!verify_proof(&root, &H256::repeat_byte(0xee), &proof));
				let mut wrong = proof.clone();
				wrong.leaf_index = (i + 1) % n as u32;
				if n > 1 {
					assert!(!verify_proof(&root, &h[i as usize], &wrong), "n={n} i={i}");
				}
			}
			assert!(merkle_proof(&h, n as u32).is_none());
		}
	}
}
