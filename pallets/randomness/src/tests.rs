//! The seed moves only by the slot author's VRF, and nothing else passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	inherent::{InherentData, ProvideInherent},
	traits::{Hooks, Randomness as _},
};
use sp_core::{crypto::Pair as _, sr25519};
use sp_runtime::DispatchError;

/// `pair` authors the current block at `slot`.
fn author(pair: &sr25519::Pair, slot: u64) {
	CurrentAuthor::set(Some((slot, pair.public())));
	Randomness::on_initialize(1);
}

fn note(vrf: AuthorVrf) -> frame_support::dispatch::DispatchResult {
	Randomness::note_vrf(RuntimeOrigin::none(), vrf)
}

#[test]
fn the_authors_vrf_feeds_the_seed() {
	new_test_ext().execute_with(|| {
		let alice = key("//Alice");
		author(&alice, 5);
		let transcript = vrf_transcript(&[0; 32], 5);
		let output: [u8; 32] = alice.make_bytes(VRF_OUTPUT_CONTEXT, &transcript);
		assert_ok!(note(vrf_of(&alice, 5)));
		assert_eq!(Randomness::seed(), next_seed(&[0; 32], &output));
		assert!(Noted::<Test>::get());
		Randomness::on_finalize(1);
		assert!(!Noted::<Test>::get(), "the flag is per block");
	});
}

#[test]
fn re_signing_does_not_change_the_seed() {
	// The proof is randomized, the output is not: an author cannot grind the seed by signing
	// its VRF again (as it could re-seal a block to change its hash).
	let seed_after = |_: u8| {
		new_test_ext().execute_with(|| {
			let alice = key("//Alice");
			author(&alice, 9);
			let vrf = vrf_of(&alice, 9);
			assert_ok!(note(vrf.clone()));
			(vrf, Randomness::seed())
		})
	};
	let (first_vrf, first) = seed_after(0);
	let (second_vrf, second) = seed_after(1);
	assert_ne!(first_vrf.proof, second_vrf.proof, "two signatures, two proofs");
	assert_eq!(first, second);
}

#[test]
fn a_vrf_by_another_key_is_refused() {
	new_test_ext().execute_with(|| {
		author(&key("//Alice"), 5);
		assert_noop!(note(vrf_of(&key("//Bob"), 5)), Error::<Test>::BadVrf);
	});
}

#[test]
fn a_vrf_on_another_input_is_refused() {
	new_test_ext().execute_with(|| {
		let alice = key("//Alice");
		author(&alice, 5);
		// Another slot (a VRF made in advance for a later slot).
		assert_noop!(note(vrf_of(&alice, 6)), Error::<Test>::BadVrf);
		// Another seed (a VRF replayed from an earlier block).
		let old = vrf_of(&alice, 5);
		Seed::<Test>::put([1; 32]);
		assert_noop!(note(old), Error::<Test>::BadVrf);
	});
}

#[test]
fn bytes_that_are_no_vrf_are_refused() {
	new_test_ext().execute_with(|| {
		let alice = key("//Alice");
		author(&alice, 5);
		let mut vrf = vrf_of(&alice, 5);
		vrf.pre_output = [0xff; 32]; // no Ristretto point
		assert_noop!(note(vrf), Error::<Test>::BadVrf);
		let mut vrf = vrf_of(&alice, 5);
		vrf.proof[63] ^= 0x80; // a scalar out of range
		assert_noop!(note(vrf), Error::<Test>::BadVrf);
		let mut vrf = vrf_of(&alice, 5);
		vrf.proof[0] ^= 1;
		assert_noop!(note(vrf), Error::<Test>::BadVrf);
	});
}

#[test]
fn one_vrf_per_block_and_only_as_an_inherent() {
	new_test_ext().execute_with(|| {
		let alice = key("//Alice");
		author(&alice, 5);
		let vrf = vrf_of(&alice, 5);
		assert_noop!(
			Randomness::note_vrf(RuntimeOrigin::signed(1), vrf.clone()),
			DispatchError::BadOrigin
		);
		assert_ok!(note(vrf.clone()));
		let again = vrf_of(&alice, 5);
		assert_noop!(note(again), Error::<Test>::AlreadyNoted);
	});
}

#[test]
fn the_author_is_the_one_at_the_start_of_the_block() {
	// A session change later in the block's `on_initialize` replaces the authorities: the
	// block's VRF is still its author's.
	new_test_ext().execute_with(|| {
		let alice = key("//Alice");
		author(&alice, 5);
		CurrentAuthor::set(Some((5, key("//Bob").public())));
		assert_ok!(note(vrf_of(&alice, 5)));
	});
}

#[test]
fn without_an_author_nothing_is_noted() {
	new_test_ext().execute_with(|| {
		Randomness::on_initialize(1);
		assert_noop!(note(vrf_of(&key("//Alice"), 5)), Error::<Test>::NoAuthor);
		// A chain without authorities (genesis, some tests) finalizes its blocks.
		Randomness::on_finalize(1);
	});
}

#[test]
#[should_panic(expected = "every block must note its author's VRF")]
fn a_block_without_the_vrf_is_invalid() {
	new_test_ext().execute_with(|| {
		author(&key("//Alice"), 5);
		Randomness::on_finalize(1);
	});
}

#[test]
fn the_draw_depends_on_the_vrf() {
	let draw_after = |name: &str| {
		new_test_ext().execute_with(|| {
			let pair = key(name);
			author(&pair, 5);
			let before = Randomness::random(b"subject").0;
			assert_ok!(note(vrf_of(&pair, 5)));
			let after = Randomness::random(b"subject").0;
			assert_ne!(before, after, "the seed moved");
			assert_ne!(after, Randomness::random(b"another subject").0);
			after
		})
	};
	assert_ne!(draw_after("//Alice"), draw_after("//Bob"));
	assert_eq!(draw_after("//Alice"), draw_after("//Alice"));
}

#[test]
fn the_inherent_comes_from_the_inherent_data_and_is_required() {
	new_test_ext().execute_with(|| {
		let alice = key("//Alice");
		author(&alice, 5);
		let vrf = vrf_of(&alice, 5);
		let mut data = InherentData::new();
		assert!(Randomness::create_inherent(&data).is_none());
		assert!(matches!(Randomness::is_inherent_required(&data), Ok(Some(_))));
		data.put_data(INHERENT_IDENTIFIER, &vrf).unwrap();
		let call = Randomness::create_inherent(&data).unwrap();
		assert!(Randomness::is_inherent(&call));
		assert_eq!(call, Call::note_vrf { vrf });
	});
}

#[test]
fn the_benchmark_vector_is_a_valid_vrf_of_its_key() {
	new_test_ext().execute_with(|| {
		let (seed, slot, public, vrf) = benchmark_vrf();
		assert_eq!(public, key("//opg/benchmark/vrf").public());
		Seed::<Test>::put(seed);
		author(&key("//opg/benchmark/vrf"), slot);
		assert_ok!(note(vrf));
	});
}
