//! Benchmarks of every call and of the worst-case `on_initialize`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use super::*;
use alloc::{vec, vec::Vec};
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{fungible::Mutate, Authorize, Get, Hooks},
};
use frame_system::RawOrigin;
use pallet_executors::ExecutorSet;
use opg_primitives::{
	Dim, ExecutorKey, InferenceInput, InferenceOutput, InputSchema, IoSchema, ModelHash,
	ResultCommitment, ResultStatement, Tensor, TensorDType, TensorSchema, H256,
};
use sp_runtime::{traits::Bounded, RuntimeAppPublic};

/// Elements of `f32` that fit in `bytes` of SCALE-encoded tensor input or output (minus the
/// enum tag, dtype, shape and length prefixes).
fn elements_for(bytes: u32) -> u32 {
	(bytes.saturating_sub(16) / 4).max(1)
}

/// A model whose input and output are `[1, n]` f32 rows.
fn list_model<T: Config>(input_elements: u32, output_elements: u32) -> ModelHash {
	let schema = IoSchema {
		input: InputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(input_elements)]).unwrap(),
		),
		output: TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(output_elements)])
			.unwrap(),
		max_batch: 1,
	};
	T::BenchmarkHelper::list_model(schema)
}

fn row(n: u32) -> Tensor {
	let values: Vec<f32> = (0..n).map(|i| i as f32).collect();
	Tensor::from_f32(&[1, n], &values).unwrap()
}

/// Registers executors (keys in the benchmark keystore) until `n` are active, the most the
/// selection scans (64 in the runtime); returns the new accounts.
fn executors<T: Config>(n: u32) -> Vec<T::AccountId> {
	(T::Executors::active_count()..n)
		.map(|i| {
			let who: T::AccountId = account("executor", i, 0);
			let key = ExecutorKey::generate_pair(None);
			T::BenchmarkHelper::register_executor(&who, key);
			who
		})
		.collect()
}

fn requester<T: Config>() -> T::AccountId {
	let who: T::AccountId = account("dapp", 0, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 4u32.into());
	who
}

/// A signed result call for request `id` from its assigned executor, with output `output`.
fn result_call<T: Config>(id: RequestId, output: InferenceOutput) -> Call<T> {
	let RequestStatus::Assigned { executor, .. } = Requests::<T>::get(id).unwrap().status else {
		panic!("assigned")
	};
	let key = T::Executors::key_of(&executor).unwrap();
	let commitment = ResultCommitment::new(&output, &[H256::repeat_byte(1)]);
	let statement =
		ResultStatement { genesis: Pallet::<T>::genesis_hash(), request: id, commitment: commitment.clone() };
	let signature = key.sign(&statement.signing_payload()).unwrap();
	Call::submit_result { request: id, output, commitment, key, signature }
}

const EXECUTORS: u32 = 64;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn request(b: Linear<32, { T::MaxInputBytes::get() }>) {
		executors::<T>(EXECUTORS);
		let n = elements_for(b);
		let model = list_model::<T>(n, 1);
		let who = requester::<T>();
		let input = InferenceInput::Tensor(row(n));
		#[extrinsic_call]
		_(RawOrigin::Signed(who), model, input, BalanceOf::<T>::max_value());
		assert_eq!(NextRequestId::<T>::get(), 1);
	}

	#[benchmark]
	fn submit_result(b: Linear<32, { T::MaxOutputBytes::get() }>) {
		executors::<T>(EXECUTORS);
		let n = elements_for(b);
		let model = list_model::<T>(1, n);
		let id = Pallet::<T>::do_request(
			requester::<T>(),
			model,
			InferenceInput::Tensor(row(1)),
			BalanceOf::<T>::max_value(),
		)
		.unwrap();
		let Call::submit_result { request: req, output, commitment, key, signature } =
			result_call::<T>(id, InferenceOutput::Tensor(row(n)))
		else {
			unreachable!()
		};
		#[extrinsic_call]
		_(RawOrigin::Authorized, req, output, commitment, key, signature);
		assert!(Results::<T>::contains_key(id));
	}

	#[benchmark]
	fn authorize_submit_result(b: Linear<32, { T::MaxOutputBytes::get() }>) {
		executors::<T>(EXECUTORS);
		let n = elements_for(b);
		let model = list_model::<T>(1, n);
		let id = Pallet::<T>::do_request(
			requester::<T>(),
			model,
			InferenceInput::Tensor(row(1)),
			BalanceOf::<T>::max_value(),
		)
		.unwrap();
		let call = result_call::<T>(id, InferenceOutput::Tensor(row(n)));
		#[block]
		{
			call.authorize(TransactionSource::External).unwrap().unwrap();
		}
	}

	/// `d` deadlines reassigned and `w` results finalized and paid in one block.
	#[benchmark]
	fn on_initialize(d: Linear<0, { T::MaxQueueWork::get() }>, w: Linear<0, { T::MaxQueueWork::get() }>) {
		executors::<T>(EXECUTORS);
		let model = list_model::<T>(1, 1);
		let who = requester::<T>();
		let make_request = || {
			Pallet::<T>::do_request(
				who.clone(),
				model,
				InferenceInput::Tensor(row(1)),
				BalanceOf::<T>::max_value(),
			)
			.unwrap()
		};
		// Results submitted at `target - window` and requests made at `target - timeout` are
		// both due at `target`.
		let start = frame_system::Pallet::<T>::block_number();
		let (window, timeout) = (T::ChallengeWindow::get(), T::ResponseTimeout::get());
		let target = start + window.max(timeout);
		frame_system::Pallet::<T>::set_block_number(target - window);
		for _ in 0..w {
			let id = make_request();
			let Call::submit_result { request: req, output, commitment, key, signature } =
				result_call::<T>(id, InferenceOutput::Tensor(row(1)))
			else {
				unreachable!()
			};
			Pallet::<T>::submit_result(
				RawOrigin::Authorized.into(),
				req,
				output,
				commitment,
				key,
				signature,
			)
			.unwrap();
		}
		frame_system::Pallet::<T>::set_block_number(target - timeout);
		for _ in 0..d {
			make_request();
		}
		let now = target;
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
		assert_eq!(DeadlineQueueBounds::<T>::get().len(), d as u64);
		assert!(WindowQueueBounds::<T>::get().is_empty());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
