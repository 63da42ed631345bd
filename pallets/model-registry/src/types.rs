//! The records the registry stores and the proposal a user submits.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use opg_primitives::ModelSpec;
use scale_info::TypeInfo;

/// Where a model stands. A rejected proposal is removed (its event stays), so it has no state.
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
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ModelState {
	/// Proposed, waiting for governance. The owner may withdraw it.
	#[codec(index = 0)]
	Proposed,
	/// Listed: dapps may request inferences from it.
	#[codec(index = 1)]
	Listed,
	/// Delisted by governance: no new requests. It may be listed again, or removed by its owner.
	#[codec(index = 2)]
	Delisted,
}

/// A URI where a model's bundle can be fetched (`https://…`, `file://…`, `ipfs://…`).
pub type Uri<T> = BoundedVec<u8, <T as crate::Config>::MaxUriLen>;
/// The URIs of a model.
pub type Uris<T> = BoundedVec<Uri<T>, <T as crate::Config>::MaxUris>;

/// What a proposer submits: the model's spec plus what users need to know and pay.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[scale_info(skip_type_params(MaxName, MaxDescription, MaxUris, MaxUriLen))]
#[serde(bound(
	serialize = "Balance: serde::Serialize",
	deserialize = "Balance: serde::Deserialize<'de>"
))]
#[codec(mel_bound(Balance: MaxEncodedLen))]
pub struct ModelProposal<Balance, MaxName, MaxDescription, MaxUris, MaxUriLen>
where
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxName: Get<u32>,
	MaxDescription: Get<u32>,
	MaxUris: Get<u32>,
	MaxUriLen: Get<u32>,
{
	/// Architecture, content hash, config hash, input/output schema.
	pub spec: ModelSpec,
	/// A short human-readable name (UTF-8).
	pub name: BoundedVec<u8, MaxName>,
	/// What the model does, its license, its source (UTF-8).
	pub description: BoundedVec<u8, MaxDescription>,
	/// The price of one inference, in the chain's token.
	pub price: Balance,
	/// Where executors can fetch the bundle; they verify it against `spec.model`.
	pub uris: BoundedVec<BoundedVec<u8, MaxUriLen>, MaxUris>,
	/// The size of the bundle in bytes.
	pub size: u64,
}

/// The proposal type of a given runtime.
pub type ModelProposalOf<T> = ModelProposal<
	crate::BalanceOf<T>,
	<T as crate::Config>::MaxNameLen,
	<T as crate::Config>::MaxDescriptionLen,
	<T as crate::Config>::MaxUris,
	<T as crate::Config>::MaxUriLen,
>;

/// What the registry stores about a model.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound(T: crate::Config))]
pub struct ModelInfo<T: crate::Config> {
	/// Who proposed it and holds its deposit.
	pub owner: T::AccountId,
	/// Where it stands.
	pub state: ModelState,
	/// The proposal, as last updated by the owner.
	pub proposal: ModelProposalOf<T>,
	/// The deposit held from the owner for the bytes stored here.
	pub deposit: crate::BalanceOf<T>,
	/// The block it was proposed in.
	pub proposed_at: frame_system::pallet_prelude::BlockNumberFor<T>,
}

/// A model as the runtime API returns it: the record, unbounded, with its hash.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ModelDetails<AccountId, Balance, BlockNumber> {
	/// The content hash (the model's identity).
	pub model: opg_primitives::ModelHash,
	/// Who proposed it.
	pub owner: AccountId,
	/// Where it stands.
	pub state: ModelState,
	/// Architecture, config hash and schema.
	pub spec: ModelSpec,
	/// Name (UTF-8).
	pub name: alloc::vec::Vec<u8>,
	/// Description (UTF-8).
	pub description: alloc::vec::Vec<u8>,
	/// Price per inference.
	pub price: Balance,
	/// Where to fetch the bundle.
	pub uris: alloc::vec::Vec<alloc::vec::Vec<u8>>,
	/// Bundle size in bytes.
	pub size: u64,
	/// The deposit held for the record.
	pub deposit: Balance,
	/// The block it was proposed in.
	pub proposed_at: BlockNumber,
}

/// The details of a given runtime.
pub type ModelDetailsOf<T> = ModelDetails<
	<T as frame_system::Config>::AccountId,
	crate::BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

impl<T: crate::Config> ModelInfo<T> {
	/// The record as the runtime API returns it.
	pub fn details(self) -> ModelDetailsOf<T> {
		let ModelProposal { spec, name, description, price, uris, size } = self.proposal;
		ModelDetails {
			model: spec.model,
			owner: self.owner,
			state: self.state,
			spec,
			name: name.into_inner(),
			description: description.into_inner(),
			price,
			uris: uris.into_iter().map(|uri| uri.into_inner()).collect(),
			size,
			deposit: self.deposit,
			proposed_at: self.proposed_at,
		}
	}
}

/// The lowest price governance lets a model of some kind ask: `base` plus `per_mib` for every
/// started MiB of its bundle (a bigger model costs its executors more to hold and run).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct PriceFloor<Balance> {
	/// The floor of any model of the kind.
	pub base: Balance,
	/// What each started MiB of bundle adds.
	pub per_mib: Balance,
}

impl<Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy> PriceFloor<Balance> {
	/// The floor of a bundle of `size` bytes.
	pub fn for_size(&self, size: u64) -> Balance {
		let mib = size.div_ceil(1 << 20);
		let mib: Balance = u32::try_from(mib).unwrap_or(u32::MAX).into();
		self.base.saturating_add(self.per_mib.saturating_mul(mib))
	}
}
