//! # Randomness
//!
//! A random seed that every block moves forward with a **VRF output of the block's author**, and
//! the [`Randomness`](frame_support::traits::Randomness) the other pallets draw from.
//!
//! - [`Config`]
//! - [`Call`]
//! - [`Pallet`]
//!
//! ## Overview
//!
//! Each block carries one mandatory inherent, [`note_vrf`](Pallet::note_vrf): the author's
//! sr25519 VRF signature over the transcript of ([`Seed`], slot) ([`vrf_transcript`]), made with
//! the key it authors with (the Aura key of the slot, [`Config::SlotAuthor`]). The runtime
//! checks the proof against that key and sets the seed to `blake2_256(seed ‖ output)`
//! ([`next_seed`]). A block without the inherent, with a proof by another key or over another
//! input, is invalid.
//!
//! [`Pallet`] implements [`Randomness`](frame_support::traits::Randomness): `random(subject)` is
//! `blake2_256(subject ‖ seed)`.
//!
//! ## What it guarantees, and what not
//!
//! - **Nobody can compute the seed of block `n` before block `n` exists**, except its author:
//!   the VRF output is a function of the author's secret key, of the previous seed and of the
//!   slot. A participant that commits to something in block `n − 1` (a request, say) cannot know
//!   the randomness of block `n` when it commits.
//! - **The author cannot grind it.** The VRF output is unique for a key and an input: unlike a
//!   block hash (whose sr25519 seal is randomized, and whose content the author chooses), it
//!   does not change when the author re-signs or reorders its block. The author's only choice is
//!   to publish its block or to withhold it and lose its slot (and its reward) — a bias of at most
//!   one bit per slot, paid for.
//! - **The author of block `n` knows block `n`'s seed before anyone else**, so a draw that must
//!   be secret from the author too should use the seed of a later block than the one the
//!   subject was committed in (the inference pallet draws executors in the block *after* the
//!   request, before any transaction of that block runs).
//!
//! ## Interface
//!
//! - [`note_vrf`](Pallet::note_vrf): the mandatory inherent (unsigned, `ensure_none`).
//! - [`Pallet::seed`]: the current seed; [`Pallet::random`] through the `Randomness` trait.
//! - [`vrf_transcript`], [`next_seed`], [`VRF_OUTPUT_CONTEXT`]: what node and runtime agree on
//!   (the node's inherent data provider signs [`vrf_transcript`]).
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use pallet::*;
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::sr25519::{
	self,
	vrf::{VrfPreOutput, VrfProof, VrfSignature, VrfTranscript},
};
use sp_inherents::InherentIdentifier;

/// The identifier of the VRF inherent's data.
pub const INHERENT_IDENTIFIER: InherentIdentifier = *b"opg/vrf0";

/// The context the VRF output bytes are derived with.
pub const VRF_OUTPUT_CONTEXT: &[u8] = b"opg/randomness/output";

const LOG_TARGET: &str = "runtime::randomness";

/// The author's VRF signature of a block, as raw bytes (checked by the runtime, so that bytes
/// that are no curve point are refused with [`Error::BadVrf`] rather than failing to decode).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct AuthorVrf {
	/// The VRF pre-output (a Ristretto point).
	pub pre_output: [u8; 32],
	/// The proof that the pre-output belongs to the author's key and to the input.
	pub proof: [u8; 64],
}

impl AuthorVrf {
	/// The raw bytes of a signature.
	pub fn from_signature(signature: &VrfSignature) -> Self {
		Self { pre_output: signature.pre_output.0.to_bytes(), proof: signature.proof.0.to_bytes() }
	}

	/// The signature these bytes encode, if they are one.
	pub fn signature(&self) -> Option<VrfSignature> {
		let pre_output = VrfPreOutput::decode(&mut &self.pre_output[..]).ok()?;
		let proof = VrfProof::decode(&mut &self.proof[..]).ok()?;
		Some(VrfSignature { pre_output, proof })
	}
}

/// The VRF input of the block at `slot` whose previous seed is `seed`.
pub fn vrf_transcript(seed: &[u8; 32], slot: u64) -> VrfTranscript {
	VrfTranscript::new(b"opg/randomness", &[(b"seed", seed), (b"slot", &slot.to_le_bytes())])
}

/// The seed after a block whose VRF output is `output`.
pub fn next_seed(seed: &[u8; 32], output: &[u8; 32]) -> [u8; 32] {
	// Two arrays encode as their concatenation.
	sp_io::hashing::blake2_256(&(seed, output).encode())
}

/// Who authors the current block: its slot and the sr25519 key it authors with (read in
/// `on_initialize`).
pub trait SlotAuthor {
	/// The current slot and its author's key; `None` when the chain has no authority yet.
	fn author() -> Option<(u64, sr25519::Public)>;
}

/// A VRF the benchmark can check (WASM cannot sign one): by the key `//opg/benchmark/vrf` over the
/// seed `[7; 32]` at slot 42 (checked by a unit test). Returns (seed, slot, key, signature).
#[cfg(any(test, feature = "runtime-benchmarks"))]
pub fn benchmark_vrf() -> ([u8; 32], u64, sr25519::Public, AuthorVrf) {
	let public = sr25519::Public::from_raw(hex_literal::hex!(
		"722b93fb019b5ef4c754f40e6afe98b8e658d1b41e5fbcd18b6c74e55c343219"
	));
	let vrf = AuthorVrf {
		pre_output: hex_literal::hex!(
			"80ba7b2168671cf1fd6b0b8dceedcf45615f272c971f7de132f8a359f16fb272"
		),
		proof: hex_literal::hex!(
			"13e5cc0f06203a4bfee9d28dee15b72e7576401b3a4af3daaa5162b8d3406d0e"
			"d8c98c94cd3b4d1c9d1958f40cf324abad7635219f1b1f35b816b26d8bf20105"
		),
	};
	([7; 32], 42, public, vrf)
}

/// What the benchmarks need from the runtime: a valid VRF of some author.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// A valid VRF: the seed and the slot it signs over, the author's key, and the signature.
	fn vrf() -> ([u8; 32], u64, sr25519::Public, AuthorVrf);
}

// FRAME's pallet macro expands to `expect` in the storage and metadata code it generates.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_core::crypto::VrfPublic;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The current block's author.
		type SlotAuthor: SlotAuthor;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
		/// The benchmarks' source of a valid VRF.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// The random seed, moved forward by every block's VRF.
	#[pallet::storage]
	pub type Seed<T: Config> = StorageValue<_, [u8; 32], ValueQuery>;

	/// This block's slot and author, read in `on_initialize` (before a session change in this
	/// block's `on_initialize` replaces the authorities) and cleared at the end of the block.
	#[pallet::storage]
	pub type Author<T: Config> = StorageValue<_, (u64, sr25519::Public), OptionQuery>;

	/// Whether this block's VRF was noted (cleared at the end of every block).
	#[pallet::storage]
	pub type Noted<T: Config> = StorageValue<_, bool, ValueQuery>;

	#[pallet::error]
	pub enum Error<T> {
		/// The block's VRF was already noted.
		AlreadyNoted,
		/// The chain has no authority: nobody's VRF can be checked.
		NoAuthor,
		/// The VRF is not the block author's over the block's seed and slot (or its bytes are no
		/// VRF signature).
		BadVrf,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			// The runtime declares this pallet before the session pallet, whose rotation changes
			// the authorities: this is the author of the slot as the node saw it.
			Author::<T>::set(T::SlotAuthor::author());
			// Reading the slot and its author, writing `Author`; `on_finalize` takes both.
			T::DbWeight::get().reads_writes(4, 3)
		}

		fn on_finalize(_n: BlockNumberFor<T>) {
			let noted = Noted::<T>::take();
			let author = Author::<T>::take();
			assert!(noted || author.is_none(), "every block must note its author's VRF");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Notes the block author's VRF over the seed and the slot, and moves the seed forward.
		///
		/// A mandatory inherent, once per block: a block without it, or with a VRF that is not
		/// its author's over [`vrf_transcript`], is invalid.
		#[pallet::call_index(0)]
		#[pallet::weight((T::WeightInfo::note_vrf(), DispatchClass::Mandatory))]
		pub fn note_vrf(origin: OriginFor<T>, vrf: AuthorVrf) -> DispatchResult {
			ensure_none(origin)?;
			ensure!(!Noted::<T>::get(), Error::<T>::AlreadyNoted);
			let (slot, author) = Author::<T>::get().ok_or(Error::<T>::NoAuthor)?;
			let seed = Seed::<T>::get();
			let transcript = vrf_transcript(&seed, slot);
			let signature = vrf.signature().ok_or(Error::<T>::BadVrf)?;
			ensure!(
				author.vrf_verify(&transcript.clone().into_sign_data(), &signature),
				Error::<T>::BadVrf
			);
			let output: [u8; 32] = signature
				.pre_output
				.make_bytes(VRF_OUTPUT_CONTEXT, &transcript, &author)
				.map_err(|_| Error::<T>::BadVrf)?;
			Seed::<T>::put(next_seed(&seed, &output));
			Noted::<T>::put(true);
			log::trace!(target: LOG_TARGET, "slot {slot}: VRF of {author:?} noted");
			Ok(())
		}
	}

	#[pallet::inherent]
	impl<T: Config> ProvideInherent for Pallet<T> {
		type Call = Call<T>;
		type Error = sp_inherents::MakeFatalError<()>;
		const INHERENT_IDENTIFIER: InherentIdentifier = INHERENT_IDENTIFIER;

		fn create_inherent(data: &InherentData) -> Option<Self::Call> {
			match data.get_data::<AuthorVrf>(&INHERENT_IDENTIFIER) {
				Ok(Some(vrf)) => Some(Call::note_vrf { vrf }),
				Ok(None) => {
					log::error!(target: LOG_TARGET, "no VRF in the inherent data: the block will be invalid");
					None
				}
				Err(e) => {
					log::error!(target: LOG_TARGET, "the VRF inherent data does not decode: {e:?}");
					None
				}
			}
		}

		fn is_inherent(call: &Self::Call) -> bool {
			matches!(call, Call::note_vrf { .. })
		}

		fn is_inherent_required(_: &InherentData) -> Result<Option<Self::Error>, Self::Error> {
			Ok(Some(().into()))
		}
	}

	impl<T: Config> Pallet<T> {
		/// The current seed.
		pub fn seed() -> [u8; 32] {
			Seed::<T>::get()
		}
	}

	impl<T: Config> frame_support::traits::Randomness<T::Hash, BlockNumberFor<T>> for Pallet<T> {
		/// `blake2_256(subject ‖ seed)`, known from the current block on (to its author from
		/// the moment it signs its VRF).
		fn random(subject: &[u8]) -> (T::Hash, BlockNumberFor<T>) {
			let mut input = subject.to_vec();
			input.extend_from_slice(&Seed::<T>::get());
			let hash = sp_io::hashing::blake2_256(&input);
			let output = T::Hash::decode(&mut &hash[..]).unwrap_or_default();
			(output, frame_system::Pallet::<T>::block_number())
		}
	}
}
