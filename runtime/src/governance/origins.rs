//! The origins governance tracks dispatch with, and the one setting of governance stored in
//! state (`FastTracks`). A pallet of the runtime, as Polkadot's `pallet_custom_origins` is.

pub use pallet_custom_origins::*;

// FRAME's pallet macro expands to `expect` in the storage and metadata code it generates.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet_custom_origins {
	use frame_support::pallet_prelude::*;

	#[pallet::config]
	pub trait Config: frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Origins of the governance tracks besides root.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// Token holders decided, on the `model_listing` track, to list, reject or delist a model.
		#[codec(index = 0)]
		ModelListing,
	}

	/// Whether the governance tracks use the short periods of a development chain (blocks)
	/// instead of the realistic ones (hours and days). Set at genesis only.
	#[pallet::storage]
	pub type FastTracks<T> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// See [`FastTracks`].
		pub fast_tracks: bool,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			FastTracks::<T>::put(self.fast_tracks);
		}
	}

	/// Ensures the origin is [`Origin::ModelListing`].
	pub struct ModelListing;
	impl<O: OriginTrait + From<Origin>> EnsureOrigin<O> for ModelListing
	where
		for<'a> &'a O::PalletsOrigin: TryInto<&'a Origin>,
	{
		type Success = ();

		fn try_origin(o: O) -> Result<Self::Success, O> {
			let listing = matches!(o.caller().try_into(), Ok(Origin::ModelListing));
			if listing {
				Ok(())
			} else {
				Err(o)
			}
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn try_successful_origin() -> Result<O, ()> {
			Ok(O::from(Origin::ModelListing))
		}
	}
}
