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

use crate::{commitment::ResultCommitment, host::InferenceError, model::ModelHash};

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
/// An executor key's proof of possession for an account: its signature of `"POP_" ‖ account`
/// (SCALE-encoded), what `author_rotateKeysWithOwner` returns for the `infr` key (and what
/// `session.set_keys` checks for every session key). Registering a key needs it, so nobody can
/// register a key someone else's node holds.
pub type ExecutorKeyProof = app::ProofOfPossession;

/// The executor accounts a node's off-chain worker acts for: it signs with an `infr` key of its
/// keystore only when the key's owner on chain is one of them.
///
/// The node writes it at start-up into its persistent off-chain storage under
/// [`ExecutorOwners::STORAGE_KEY`] (from `--executor-account`, or `--any-executor-key`); a worker
/// that finds nothing there acts for no key. So keys that happen to be in a keystore (a shared
/// keystore, a key inserted for another operator's account) are never used for an account the
/// operator did not name.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum ExecutorOwners<AccountId> {
	/// Every executor whose key is in the keystore (the default of development chains).
	#[codec(index = 0)]
	Any,
	/// Only these executor accounts.
	#[codec(index = 1)]
	Only(alloc::vec::Vec<AccountId>),
}

impl<AccountId: PartialEq> ExecutorOwners<AccountId> {
	/// Where in the persistent off-chain storage the node keeps it.
	pub const STORAGE_KEY: &'static [u8] = b"opg/executor/owners";

	/// Whether the worker may act for the executor `owner`.
	pub fn allows(&self, owner: &AccountId) -> bool {
		match self {
			ExecutorOwners::Any => true,
			ExecutorOwners::Only(accounts) => accounts.contains(owner),
		}
	}
}

/// The id of an inference request, assigned by the chain in order.
pub type RequestId = u64;

/// Which request, exactly: the blake2-256 of `"opg/request/v1" ‖ genesis ‖ id ‖ requester ‖ model
/// ‖ blake2_256(input) ‖ created`, SCALE-encoded.
///
/// Request ids are a counter: on a sibling fork, or on a relaunched chain with the same genesis,
/// request 100 can be another requester's, another model's or another input. Everything an
/// executor signs about a request names it by this digest, so a statement made for one request
/// is worthless for any other, on any branch.
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
)]
pub struct RequestDigest(pub H256);

impl RequestDigest {
	/// Domain separation of the digest.
	pub const TAG: &'static [u8] = b"opg/request/v1";

	/// The digest of request `id` of the chain `genesis`, made by `requester` for `model` with
	/// the SCALE-encoded `input` in block `created`.
	pub fn new(
		genesis: &H256,
		id: RequestId,
		requester: &impl Encode,
		model: &ModelHash,
		input: &[u8],
		created: &impl Encode,
	) -> Self {
		let input_hash = sp_crypto_hashing::blake2_256(input);
		Self(H256(sp_crypto_hashing::blake2_256(
			&(Self::TAG, genesis, id, requester, model, input_hash, created).encode(),
		)))
	}
}

/// What an executor signs when it submits a result: the request (by its [`RequestDigest`]),
/// which assignment of it, the executor account it answers as, and the commitment (output hash
/// and trace root). The output itself is bound through its hash.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ResultStatement<AccountId> {
	/// The request answered (the chain's genesis is inside).
	pub request: RequestDigest,
	/// The assignment answered: 0 for the first executor, one more per reassignment.
	pub attempt: u32,
	/// The executor account the result is submitted for (the key's owner on chain).
	pub executor: AccountId,
	/// The output hash and trace root.
	pub commitment: ResultCommitment,
}

impl<AccountId: Encode> ResultStatement<AccountId> {
	/// Domain separation: the bytes signed are this tag followed by the SCALE encoding.
	pub const TAG: &'static [u8] = b"opg/result/v2";

	/// The exact bytes an executor key signs.
	pub fn signing_payload(&self) -> alloc::vec::Vec<u8> {
		let mut bytes = Self::TAG.to_vec();
		self.encode_to(&mut bytes);
		bytes
	}
}

/// What an executor signs when it declines a request it cannot run: the request (by its
/// [`RequestDigest`]), which assignment, the executor account, and why (the engine's error; see
/// [`InferenceError::is_request_fault`]).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct DeclineStatement<AccountId> {
	/// The request declined (the chain's genesis is inside).
	pub request: RequestDigest,
	/// The assignment declined: 0 for the first executor, one more per reassignment.
	pub attempt: u32,
	/// The executor account that declines (the key's owner on chain).
	pub executor: AccountId,
	/// Why the executor cannot run it.
	pub reason: InferenceError,
}

impl<AccountId: Encode> DeclineStatement<AccountId> {
	/// Domain separation: the bytes signed are this tag followed by the SCALE encoding.
	pub const TAG: &'static [u8] = b"opg/decline/v1";

	/// The exact bytes an executor key signs.
	pub fn signing_payload(&self) -> alloc::vec::Vec<u8> {
		let mut bytes = Self::TAG.to_vec();
		self.encode_to(&mut bytes);
		bytes
	}
}

/// What executors sign in the dispute game, naming the disputed request by its
/// [`RequestDigest`] (which holds the chain's genesis).
///
/// A committee member's vote is sealed first ([`vote_seal`]) and opened later, so no member can
/// see, let alone copy, another's answer before committing to its own. Reveals need no signature:
/// only the holder of the salt can open a seal, and the seal binds the member's key.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum DisputeStatement {
	/// A watcher challenges the result of `request`.
	#[codec(index = 0)]
	Challenge {
		/// The challenged request.
		request: RequestDigest,
	},
	/// A committee member commits to a sealed vote on `request`.
	#[codec(index = 1)]
	Commit {
		/// The disputed request.
		request: RequestDigest,
		/// [`vote_seal`] of the member's answer.
		seal: H256,
	},
}

impl DisputeStatement {
	/// Domain separation: the bytes signed are this tag followed by the SCALE encoding.
	pub const TAG: &'static [u8] = b"opg/dispute/v2";

	/// The exact bytes an executor key signs.
	pub fn signing_payload(&self) -> alloc::vec::Vec<u8> {
		let mut bytes = Self::TAG.to_vec();
		self.encode_to(&mut bytes);
		bytes
	}
}

/// The seal of a committee member's vote: `blake2_256("opg/vote/v1" ‖ request ‖ member key ‖
/// commitment ‖ salt)`. The member's key is inside, so a seal copied from another member cannot
/// be opened by the copier; the 32-byte secret salt keeps the vote hidden until it is revealed.
pub fn vote_seal(
	request: RequestId,
	member: &ExecutorKey,
	commitment: &ResultCommitment,
	salt: &[u8; 32],
) -> H256 {
	H256(sp_crypto_hashing::blake2_256(
		&(b"opg/vote/v1", request, member, commitment, salt).encode(),
	))
}
