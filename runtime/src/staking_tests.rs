//! The validator set follows stake: a session test on the `local_testnet` preset.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use super::*;
use crate::{currency::OPG, tests::ext_from_preset};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	traits::{OnFinalize, OnInitialize},
};
use sp_core::crypto::ByteArray;
use sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};

/// Runs the session and GRANDPA hooks of every block up to `n`.
fn run_to_block(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Session::on_initialize(next);
		Grandpa::on_finalize(next);
	}
}

fn sorted(mut accounts: Vec<AccountId>) -> Vec<AccountId> {
	accounts.sort();
	accounts
}

#[test]
fn delegated_stake_brings_a_new_validator_in_at_a_session_boundary() {
	let mut ext = ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| {
		let [alice, bob, charlie, dave, eve] = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
			Sr25519Keyring::Eve,
		]
		.map(|k| k.to_account_id());
		let genesis = sorted(vec![alice.clone(), bob.clone(), charlie.clone()]);
		assert_eq!(sorted(Session::validators()), genesis);

		// Dave's node generates its session keys from //Dave (what `--dave` does) and proves
		// possession for Dave's account; Dave registers as an executor with its infr key and that
		// key's proof, bonding 2,500 OPG (a delegation may not bring its own bond below
		// `MinSelfBond`, 10% of its stake).
		let generated = opaque::SessionKeys::generate(&dave.encode(), Some(b"//Dave".to_vec()));
		let keys = generated.keys;
		let proof = generated.proof.encode();
		// The proof is the tuple of each key's proof, in the keys' order (Aura, GRANDPA, infr).
		let (_, _, infr_proof) =
			<([u8; 64], [u8; 64], [u8; 64])>::decode(&mut &proof[..]).expect("three proofs");
		let infr_proof = opg_primitives::ExecutorKeyProof::decode(&mut &infr_proof[..])
			.expect("an sr25519 proof");
		assert_eq!(keys.aura.as_slice(), Sr25519Keyring::Dave.public().as_slice());
		assert_eq!(keys.grandpa.as_slice(), Ed25519Keyring::Dave.public().as_slice());
		// A proof made for another account is refused.
		let wrong = opaque::SessionKeys::generate(&eve.encode(), Some(b"//Dave".to_vec()));
		assert_noop!(
			Session::set_keys(
				RuntimeOrigin::signed(dave.clone()),
				keys.clone(),
				wrong.proof.encode()
			),
			pallet_session::Error::<Runtime>::InvalidProof
		);
		assert_ok!(Session::set_keys(RuntimeOrigin::signed(dave.clone()), keys.clone(), proof));
		assert_ok!(Executors::register(
			RuntimeOrigin::signed(dave.clone()),
			keys.infr.clone(),
			2_500 * OPG,
			infr_proof
		));

		// Keys and a bond are not enough: 2,500 OPG against 10,000 each. Two rotations later the
		// set is unchanged.
		run_to_block(20);
		assert_eq!(Session::current_index(), 2);
		assert_eq!(sorted(Session::validators()), genesis);

		// Eve delegates 20,000 OPG to Dave: 22,500 of stake, the most. The election at the end of
		// session 2 was already held (session 3 is queued), so the one at the end of session 3
		// picks Dave in place of the lowest-staked incumbent (ties: the lower account id stays,
		// so Alice, with the highest id, leaves); session 4 starts with him.
		assert_ok!(Executors::delegate(RuntimeOrigin::signed(eve), dave.clone(), 20_000 * OPG));
		assert_eq!(Executors::stake(&dave), 22_500 * OPG);
		run_to_block(39);
		assert_eq!(
			sorted(Session::validators()),
			genesis,
			"the set changes only at a session boundary"
		);
		run_to_block(40);
		assert_eq!(Session::current_index(), 4);
		let next = sorted(vec![bob.clone(), charlie.clone(), dave.clone()]);
		assert_eq!(sorted(Session::validators()), next);
		assert!(!next.contains(&alice));
		assert_eq!(pallet_executors::Validators::<Runtime>::get().into_inner(), next);
		let aura = pallet_aura::Authorities::<Runtime>::get();
		assert_eq!(aura.len(), 3);
		assert!(aura.iter().any(|a| a.as_slice() == Sr25519Keyring::Dave.public().as_slice()));
		assert!(!aura.iter().any(|a| a.as_slice() == Sr25519Keyring::Alice.public().as_slice()));
		let grandpa = Grandpa::grandpa_authorities();
		assert_eq!(grandpa.len(), 3);
		assert!(grandpa
			.iter()
			.any(|(a, _)| a.as_slice() == Ed25519Keyring::Dave.public().as_slice()));
		// Work follows the set: Dave is drawn, Alice (still an executor) is not.
		use opg_primitives::ExecutorSet;
		assert_eq!(Executors::active_count(), 3);
		let drawn: Vec<AccountId> = (0u32..64)
			.filter_map(|n| Executors::select(&sp_io::hashing::blake2_256(&n.to_le_bytes()), &[]))
			.collect();
		assert!(drawn.contains(&dave));
		assert!(!drawn.contains(&alice));

		// Eve undelegates: Dave's stake falls back to his bond; the next election (end of session
		// 5) brings Alice back for session 6.
		assert_ok!(Executors::undelegate(
			RuntimeOrigin::signed(Sr25519Keyring::Eve.to_account_id()),
			dave.clone(),
			Balance::MAX
		));
		run_to_block(50);
		assert_eq!(sorted(Session::validators()), next);
		run_to_block(60);
		assert_eq!(sorted(Session::validators()), genesis);
		pallet_executors::Pallet::<Runtime>::do_try_state().unwrap();
	});
}
