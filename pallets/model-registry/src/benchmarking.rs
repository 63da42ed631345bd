//! Benchmarks of every call, at the largest record the bounds allow (worst case for the deposit
//! and the storage write).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, EnsureOrigin, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use opg_primitives::{
	Dim, InputSchema, IoSchema, ModelKind, ModelSpec, OutputSchema, TensorDType, TensorSchema,
};
use sp_runtime::traits::{Bounded, Saturating};

fn full<S: Get<u32>>(byte: u8) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(vec![byte; S::get() as usize])
}

/// The largest proposal the bounds allow, for model hash `n`.
fn largest_proposal<T: Config>(n: u8) -> ModelProposalOf<T> {
	let schema = IoSchema {
		input: InputSchema::Tensor(
			TensorSchema::new(
				TensorDType::F32,
				&[
					Dim::Batch,
					Dim::Fixed(8),
					Dim::Fixed(8),
					Dim::Fixed(8),
					Dim::Fixed(8),
					Dim::Fixed(8),
				],
			)
			.expect("rank 6"),
		),
		output: OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(10)]).expect("rank 2"),
		),
		max_batch: 16,
	};
	ModelProposal {
		spec: ModelSpec {
			kind: ModelKind::Mlp,
			model: ModelHash::repeat_byte(n),
			config_hash: ModelHash::repeat_byte(0xcc),
			schema,
		},
		name: full::<T::MaxNameLen>(b'n'),
		description: full::<T::MaxDescriptionLen>(b'd'),
		price: T::MaxPrice::get(),
		uris: largest_uris::<T>(b'u'),
		size: T::MaxModelSize::get(),
	}
}

fn largest_uris<T: Config>(byte: u8) -> Uris<T> {
	BoundedVec::truncate_from(vec![full::<T::MaxUriLen>(byte); T::MaxUris::get() as usize])
}

fn funded<T: Config>(name: &'static str) -> T::AccountId {
	let who: T::AccountId = account(name, 0, 0);
	let amount = BalanceOf::<T>::max_value() / 4u32.into();
	T::Currency::set_balance(&who, amount);
	who
}

fn proposed<T: Config>(owner: &T::AccountId) -> ModelHash {
	let proposal = largest_proposal::<T>(1);
	let model = proposal.spec.model;
	Pallet::<T>::do_propose(owner.clone(), proposal).expect("proposal is valid");
	model
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn propose_model() {
		let owner = funded::<T>("owner");
		let proposal = largest_proposal::<T>(1);
		let model = proposal.spec.model;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), proposal);

		assert_eq!(Models::<T>::get(model).map(|i| i.owner), Some(owner));
	}

	/// The costliest listing: a proposal that waited behind another, whose surcharge goes back.
	#[benchmark]
	fn list_model() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner");
		Pallet::<T>::do_propose(owner.clone(), largest_proposal::<T>(2)).expect("valid");
		let model = proposed::<T>(&owner);
		let origin =
			T::ListingOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model);

		assert_eq!(Models::<T>::get(model).map(|i| i.state), Some(ModelState::Listed));
		Ok(())
	}

	#[benchmark]
	fn reject_model() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner");
		let model = proposed::<T>(&owner);
		let origin =
			T::ListingOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		// Slashing to a treasury account that does not exist yet is the costliest path.
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model, true);

		assert!(Models::<T>::get(model).is_none());
		Ok(())
	}

	#[benchmark]
	fn delist_model() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner");
		let model = proposed::<T>(&owner);
		Pallet::<T>::do_list(model)?;
		let origin =
			T::ListingOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model, true);

		assert_eq!(Models::<T>::get(model).map(|i| i.state), Some(ModelState::Delisted));
		Ok(())
	}

	#[benchmark]
	fn set_price() {
		let owner = funded::<T>("owner");
		let model = proposed::<T>(&owner);
		let price = T::MaxPrice::get().saturating_sub(1u32.into());

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), model, price);

		// An increase (the costlier path): scheduled.
		assert_eq!(PendingPrices::<T>::get(model).map(|(p, _)| p), Some(price));
	}

	#[benchmark]
	fn set_price_floor() {
		let origin = T::ListingOrigin::try_successful_origin().expect("an origin lists");
		let floor = PriceFloor { base: 1u32.into(), per_mib: 1u32.into() };

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, opg_primitives::ModelKind::Mlp, floor);

		assert_eq!(PriceFloors::<T>::get(opg_primitives::ModelKind::Mlp), Some(floor));
	}

	#[benchmark]
	fn set_uris() {
		let owner = funded::<T>("owner");
		let proposal = {
			let mut p = largest_proposal::<T>(1);
			// Start small so the call holds more (the costlier direction).
			p.uris = BoundedVec::truncate_from(vec![BoundedVec::truncate_from(vec![b'x'])]);
			p
		};
		let model = proposal.spec.model;
		Pallet::<T>::do_propose(owner.clone(), proposal).expect("proposal is valid");
		let uris = largest_uris::<T>(b'v');

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), model, uris.clone());

		assert_eq!(Models::<T>::get(model).map(|i| i.proposal.uris), Some(uris));
	}

	#[benchmark]
	fn remove_model() {
		let owner = funded::<T>("owner");
		let model = proposed::<T>(&owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), model);

		assert!(Models::<T>::get(model).is_none());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
