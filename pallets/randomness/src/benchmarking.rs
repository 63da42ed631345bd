//! Benchmarks of `pallet_randomness`.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

#[benchmarks]
mod benchmarks {
	use super::*;

	/// One VRF verification, the output's derivation and the seed's update.
	#[benchmark]
	fn note_vrf() {
		let (seed, slot, author, vrf) = T::BenchmarkHelper::vrf();
		Seed::<T>::put(seed);
		Author::<T>::put((slot, author));

		#[extrinsic_call]
		_(RawOrigin::None, vrf);

		assert!(Noted::<T>::get());
		assert_ne!(Seed::<T>::get(), seed);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
