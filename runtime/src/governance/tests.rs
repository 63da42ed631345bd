//! Token holders list and delist a model through a real referendum on the `model_listing` track:
//! preimage, submission, decision deposit, a conviction vote, blocks passing, enactment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use codec::Encode;
use frame_support::{
	assert_ok,
	traits::{schedule::DispatchTime, Bounded, OnInitialize},
	BoundedVec,
};
use opg_primitives::{
	Dim, InputSchema, IoSchema, ModelHash, ModelKind, ModelSpec, OutputSchema, TensorDType,
	TensorSchema,
};
use pallet_conviction_voting::{AccountVote, Conviction, Vote};
use pallet_model_registry::ModelState;
use sp_keyring::Sr25519Keyring;

use super::{origins, tracks};
use crate::{
	currency::OPG, tests::ext_from_preset, BlockNumber, ConvictionVoting, ModelRegistry,
	OriginCaller, Preimage, Referenda, Runtime, RuntimeCall, RuntimeOrigin, Scheduler, System,
};

/// Advances blocks, running the scheduler (which drives referenda alarms and enactment). The
/// block-authoring pallets (timestamp, aura) are left out: no block is authored here.
fn run_to_block(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		<Scheduler as OnInitialize<BlockNumber>>::on_initialize(next);
	}
}

fn model_proposal(hash: ModelHash) -> pallet_model_registry::ModelProposalOf<Runtime> {
	let schema = IoSchema {
		input: InputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(4)]).unwrap(),
		),
		output: OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(3)]).unwrap(),
		),
		max_batch: 8,
	};
	pallet_model_registry::ModelProposal {
		spec: ModelSpec { kind: ModelKind::Mlp, model: hash, config_hash: hash, schema },
		name: BoundedVec::truncate_from(b"iris".to_vec()),
		description: BoundedVec::new(),
		price: OPG,
		uris: BoundedVec::truncate_from(vec![BoundedVec::truncate_from(b"file:///iris".to_vec())]),
		size: 1_000,
	}
}

/// Runs a referendum on the `model_listing` track for `call`, with Alice voting aye, until it is
/// enacted. Returns the referendum index.
fn pass_listing_referendum(call: RuntimeCall) -> u32 {
	let alice = Sr25519Keyring::Alice.to_account_id();
	let start = System::block_number();

	// 1. The proposal is a preimage.
	let encoded = call.encode();
	let hash = <Runtime as frame_system::Config>::Hashing::hash(&encoded);
	assert_ok!(Preimage::note_preimage(RuntimeOrigin::signed(alice.clone()), encoded.clone()));
	let proposal = Bounded::Lookup { hash, len: encoded.len() as u32 };

	// 2. Submitted on the listing track.
	let index = pallet_referenda::ReferendumCount::<Runtime>::get();
	assert_ok!(Referenda::submit(
		RuntimeOrigin::signed(alice.clone()),
		Box::new(OriginCaller::Origins(origins::Origin::ModelListing)),
		proposal,
		DispatchTime::After(1),
	));
	let info = pallet_referenda::ReferendumInfoFor::<Runtime>::get(index).unwrap();
	match info {
		pallet_referenda::ReferendumInfo::Ongoing(status) => {
			assert_eq!(status.track, tracks::MODEL_LISTING)
		}
		other => panic!("referendum not ongoing: {other:?}"),
	}

	// 3. The decision deposit, and a vote with conviction.
	assert_ok!(Referenda::place_decision_deposit(RuntimeOrigin::signed(alice.clone()), index));
	assert_ok!(ConvictionVoting::vote(
		RuntimeOrigin::signed(alice),
		index,
		AccountVote::Standard {
			vote: Vote { aye: true, conviction: Conviction::Locked3x },
			balance: 900_000 * OPG,
		},
	));

	// 4. Blocks pass: prepare, decide, confirm, enact (the dev chain's fast periods).
	run_to_block(start + 20);
	assert!(
		matches!(
			pallet_referenda::ReferendumInfoFor::<Runtime>::get(index),
			Some(pallet_referenda::ReferendumInfo::Approved(..))
		),
		"referendum approved"
	);
	index
}

use sp_runtime::traits::Hash as _;

#[test]
fn token_holders_list_and_delist_a_model_by_referendum() {
	ext_from_preset(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		System::set_block_number(1);
		assert!(origins::FastTracks::<Runtime>::get(), "the dev chain has fast tracks");
		let bob = Sr25519Keyring::Bob.to_account_id();
		let model = ModelHash::repeat_byte(0x1f);
		assert_ok!(ModelRegistry::propose_model(RuntimeOrigin::signed(bob), model_proposal(model)));
		assert_eq!(ModelRegistry::listed(&model).map(|m| m.state), None);

		// Nobody but the track (or root) may list.
		assert!(ModelRegistry::list_model(
			RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
			model
		)
		.is_err());

		pass_listing_referendum(RuntimeCall::ModelRegistry(
			pallet_model_registry::Call::list_model { model },
		));
		assert_eq!(
			pallet_model_registry::Models::<Runtime>::get(model).map(|m| m.state),
			Some(ModelState::Listed)
		);

		pass_listing_referendum(RuntimeCall::ModelRegistry(
			pallet_model_registry::Call::delist_model { model, slash: false },
		));
		assert_eq!(
			pallet_model_registry::Models::<Runtime>::get(model).map(|m| m.state),
			Some(ModelState::Delisted)
		);
		ModelRegistry::do_try_state().unwrap();
	});
}

#[test]
fn the_listing_track_cannot_dispatch_anything_else() {
	ext_from_preset(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let origin: RuntimeOrigin = origins::Origin::ModelListing.into();
		let call = RuntimeCall::System(frame_system::Call::set_code { code: vec![] });
		use sp_runtime::traits::Dispatchable;
		assert!(call.dispatch(origin).is_err());
	});
}

#[test]
fn local_testnet_has_realistic_tracks() {
	ext_from_preset(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert!(!origins::FastTracks::<Runtime>::get());
		use pallet_referenda::TracksInfo as _;
		let listing = tracks::TracksInfo::info(tracks::MODEL_LISTING).unwrap();
		assert_eq!(listing.decision_period, 3 * crate::time::DAYS);
	});
}
