//! Executors' keys and what they sign.
//!
//! An executor is an account that bonds OPG to run inferences. It registers an *executor key*
//! (key type `infr`, sr25519) which lives in its node's keystore, like Aura and GRANDPA keys: the
//! node's off-chain worker signs results with it, so the bonded account's own key never has to be
//! on the node. The key is part of the runtime's session keys, so `author_rotateKeys` and
//! `author_insertKey` (type `infr`) set it up.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{crypto::KeyTypeId, H256};

use crate::commitment::ResultCommitment;

/// The key type of executor keys in a node's keystore.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"infr");

/// The application crypto of executor keys: sr25519 under [`KEY_TYPE`].
pub mod app {
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::KEY_TYPE);
}

/// An executor's public key.
pub type ExecutorKey = app::Public;
/// A signature by an executor key.
pub type ExecutorSignature = app::Signature;

/// The id of an inference request, assigned by the chain in order.
pub type RequestId = u64;

/// What an executor signs when it submits a result: which chain, which request, and the
/// commitment (output hash and trace root). The output itself is bound through its hash.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ResultStatement {
	/// The chain's genesis hash, so a signature cannot be replayed on another chain.
	pub genesis: H256,
	/// The request answered.
	pub request: RequestId,
	/// The output hash and trace root.
	pub commitment: ResultCommitment,
}

impl ResultStatement {
	/// Domain separation: the bytes signed are this tag followed by the SCALE encoding.
	pub const TAG: &'static [u8] = b"opg/result/v1";

	/// The exact bytes an executor key signs.
	pub fn signing_payload(&self) -> alloc::vec::Vec<u8> {
		let mut bytes = Self::TAG.to_vec();
		self.encode_to(&mut bytes);
		bytes
	}
}
