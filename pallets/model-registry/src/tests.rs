//! Unit tests: every call, every error, every state transition.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate::{
	mock::*, Error, Event, HoldReason, ListedCount, ModelState, Models, Pallet, PendingPrices,
	PriceFloor,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use opg_primitives::{
	Dim, InputSchema, IoSchema, ModelKind, OutputSchema, TensorDType, TensorSchema,
};
use sp_runtime::{BuildStorage, DispatchError};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::ModelRegistry(HoldReason::ProposalDeposit), &who)
}

fn propose(who: AccountId, n: u8) -> Balance {
	assert_ok!(ModelRegistry::propose_model(RuntimeOrigin::signed(who), proposal(n)));
	Models::<Test>::get(hash(n)).unwrap().deposit
}

fn state(n: u8) -> Option<ModelState> {
	Models::<Test>::get(hash(n)).map(|info| info.state)
}

#[test]
fn propose_holds_a_deposit_proportional_to_the_bytes_stored() {
	test(|| {
		let deposit = propose(ALICE, 1);
		let info = Models::<Test>::get(hash(1)).unwrap();
		assert_eq!(deposit, Pallet::<Test>::deposit_for(&info));
		let bytes = codec::Encode::encoded_size(&info) as Balance;
		assert_eq!(deposit, DEPOSIT_BASE + DEPOSIT_PER_BYTE * bytes);
		assert_eq!(held(ALICE), deposit);
		assert_eq!(Balances::balance(&ALICE), 10_000 - deposit);
		assert_eq!(info.owner, ALICE);
		assert_eq!(info.state, ModelState::Proposed);
		assert_eq!(info.proposed_at, 1);
		System::assert_last_event(
			Event::ModelProposed { model: hash(1), owner: ALICE, deposit }.into(),
		);

		// A longer record costs more.
		let mut long = proposal(2);
		long.description = BoundedVec::truncate_from(vec![b'x'; 64]);
		assert_ok!(ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), long));
		assert!(Models::<Test>::get(hash(2)).unwrap().deposit > deposit);
	});
}

#[test]
fn propose_rejects_bad_proposals() {
	test(|| {
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::none(), proposal(1)),
			DispatchError::BadOrigin
		);

		propose(ALICE, 1);
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(BOB), proposal(1)),
			Error::<Test>::AlreadyProposed
		);

		let mut p = proposal(2);
		p.spec.schema.max_batch = 0;
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::InvalidSchema
		);

		let mut p = proposal(2);
		p.spec.schema.output = OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Fixed(2), Dim::Batch]).unwrap(),
		);
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::InvalidSchema
		);

		// Schemas no engine serves, whose every request would end refunded: a largest batch
		// above the engines' 32, and an output larger than any result may be.
		let mut p = proposal(2);
		p.spec.schema.max_batch = opg_primitives::limits::MAX_BATCH + 1;
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::InvalidSchema
		);
		let mut p = proposal(2);
		p.spec.schema.output = OutputSchema::Tensor(
			TensorSchema::new(TensorDType::F32, &[Dim::Batch, Dim::Fixed(4096)]).unwrap(),
		);
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::InvalidSchema
		);

		// A text-generation model takes prompts, and only it does.
		let mut p = proposal(2);
		p.spec.kind = ModelKind::TextGeneration;
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::InvalidSchema
		);
		// (Another hash: this one is accepted.)
		let mut p = proposal(9);
		p.spec.schema = IoSchema {
			input: InputSchema::Prompt { max_bytes: 64, max_prompt_tokens: 32 },
			output: OutputSchema::Generated { max_new_tokens: 8 },
			max_batch: 1,
		};
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p.clone()),
			Error::<Test>::InvalidSchema
		);
		p.spec.kind = ModelKind::TextGeneration;
		assert_ok!(ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p));

		let mut p = proposal(2);
		p.name = BoundedVec::new();
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::InvalidName
		);
		let mut p = proposal(2);
		p.name = BoundedVec::truncate_from(vec![0xff, 0xfe]);
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::InvalidName
		);

		let mut p = proposal(2);
		p.price = MAX_PRICE + 1;
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::PriceTooHigh
		);

		for size in [0, (1 << 30) + 1] {
			let mut p = proposal(2);
			p.size = size;
			assert_noop!(
				ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
				Error::<Test>::InvalidSize
			);
		}

		let mut p = proposal(2);
		p.uris = BoundedVec::new();
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), p),
			Error::<Test>::NoUri
		);
	});
}

#[test]
fn propose_needs_the_deposit_in_free_balance() {
	test(|| {
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(POOR), proposal(1)),
			Error::<Test>::InsufficientBalance
		);
		assert_eq!(held(POOR), 0);
		assert_eq!(Balances::balance(&POOR), 150);
	});
}

/// The attack (issue 17, item 7): `MaxModels` counted proposals, so anybody could fill the
/// registry with proposals at one small deposit each, and nobody could propose, nor governance
/// list, anything new until governance had rejected them one by one. Proposals now have their
/// own room (`MaxProposals`), listing never needs a proposal slot, and each waiting proposal
/// raises the next one's deposit by `ProposalSurcharge`. Before the fix the first proposal
/// over `MaxProposals` (3 here, of `MaxModels` 4) was accepted and the registry filled up.
#[test]
fn a_flood_of_proposals_cannot_fill_the_registry_and_costs_more_and_more() {
	test(|| {
		let deposits: Vec<Balance> = (1..=MAX_PROPOSALS as u8).map(|n| propose(BOB, n)).collect();
		// Each waiting proposal adds a surcharge to the next one's deposit.
		for (n, deposit) in deposits.iter().enumerate() {
			assert_eq!(*deposit, deposits[0] + SURCHARGE * n as Balance);
		}
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(ALICE), proposal(10)),
			Error::<Test>::TooManyProposals
		);
		// Governance still lists: the registry's room is for governed models, and the listed
		// proposal's surcharge goes back to its owner.
		let free = Balances::balance(&BOB);
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(3)));
		assert_eq!(Models::<Test>::get(hash(3)).unwrap().deposit, deposits[0]);
		assert_eq!(Balances::balance(&BOB), free + 2 * SURCHARGE);
		// Rejected as spam, the rest of the flood is slashed, surcharges included.
		for n in 1..=2 {
			assert_ok!(ModelRegistry::reject_model(RuntimeOrigin::root(), hash(n), true));
		}
		assert_eq!(Balances::balance(&TREASURY), 2 * deposits[0] + SURCHARGE);
		// Room again, at the base deposit.
		assert_eq!(propose(ALICE, 10), deposits[0]);
	});
}

#[test]
fn changing_a_proposals_uris_keeps_its_surcharge() {
	test(|| {
		propose(BOB, 1);
		let deposit = propose(ALICE, 2);
		let info = Models::<Test>::get(hash(2)).unwrap();
		assert_eq!(deposit, Pallet::<Test>::deposit_for(&info) + SURCHARGE);
		let uris = BoundedVec::truncate_from(vec![BoundedVec::truncate_from(
			b"https://a.example/m".to_vec(),
		)]);
		assert_ok!(ModelRegistry::set_uris(RuntimeOrigin::signed(ALICE), hash(2), uris));
		let info = Models::<Test>::get(hash(2)).unwrap();
		assert_eq!(info.deposit, Pallet::<Test>::deposit_for(&info) + SURCHARGE);
		assert_eq!(held(ALICE), info.deposit);
		// Withdrawn, all of it goes back.
		assert_ok!(ModelRegistry::remove_model(RuntimeOrigin::signed(ALICE), hash(2)));
		assert_eq!(Balances::balance(&ALICE), 10_000);
	});
}

#[test]
fn the_registry_is_bounded() {
	test(|| {
		// `MaxModels` (4) listed or delisted, proposals apart.
		for n in 1..=4 {
			propose(ALICE, n);
			assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(n)));
		}
		propose(BOB, 5);
		assert_noop!(
			ModelRegistry::list_model(RuntimeOrigin::root(), hash(5)),
			Error::<Test>::TooManyModels
		);
		// Removing one makes room.
		assert_ok!(ModelRegistry::delist_model(RuntimeOrigin::root(), hash(4), false));
		assert_ok!(ModelRegistry::remove_model(RuntimeOrigin::signed(ALICE), hash(4)));
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(5)));
		// A delisted model keeps its room: relisting it needs none.
		assert_ok!(ModelRegistry::delist_model(RuntimeOrigin::root(), hash(5), false));
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(5)));
	});
}

#[test]
fn governance_lists_delists_and_relists() {
	test(|| {
		let deposit = propose(ALICE, 1);
		assert_noop!(
			ModelRegistry::list_model(RuntimeOrigin::signed(ALICE), hash(1)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ModelRegistry::list_model(RuntimeOrigin::root(), hash(9)),
			Error::<Test>::UnknownModel
		);

		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(1)));
		assert_eq!(state(1), Some(ModelState::Listed));
		assert_eq!(ListedCount::<Test>::get(), 1);
		assert!(ModelRegistry::listed(&hash(1)).is_some());
		System::assert_last_event(Event::ModelListed { model: hash(1) }.into());
		// The deposit stays held as a bond.
		assert_eq!(held(ALICE), deposit);
		assert_noop!(
			ModelRegistry::list_model(RuntimeOrigin::root(), hash(1)),
			Error::<Test>::NotListable
		);

		assert_noop!(
			ModelRegistry::delist_model(RuntimeOrigin::signed(BOB), hash(1), false),
			DispatchError::BadOrigin
		);
		assert_ok!(ModelRegistry::delist_model(RuntimeOrigin::root(), hash(1), false));
		assert_eq!(state(1), Some(ModelState::Delisted));
		assert_eq!(ListedCount::<Test>::get(), 0);
		assert!(ModelRegistry::listed(&hash(1)).is_none());
		assert_eq!(held(ALICE), deposit);
		System::assert_last_event(Event::ModelDelisted { model: hash(1), slashed: 0 }.into());
		assert_noop!(
			ModelRegistry::delist_model(RuntimeOrigin::root(), hash(1), false),
			Error::<Test>::NotListed
		);

		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(1)));
		assert_eq!(state(1), Some(ModelState::Listed));
	});
}

#[test]
fn delisting_for_cause_slashes_the_deposit_to_the_treasury() {
	test(|| {
		let deposit = propose(ALICE, 1);
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(1)));
		assert_ok!(ModelRegistry::delist_model(RuntimeOrigin::root(), hash(1), true));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&TREASURY), deposit);
		assert_eq!(Balances::balance(&ALICE), 10_000 - deposit);
		assert_eq!(Models::<Test>::get(hash(1)).unwrap().deposit, 0);
		System::assert_last_event(Event::ModelDelisted { model: hash(1), slashed: deposit }.into());
		// Removing it afterwards releases nothing more.
		assert_ok!(ModelRegistry::remove_model(RuntimeOrigin::signed(ALICE), hash(1)));
		System::assert_last_event(
			Event::ModelRemoved { model: hash(1), owner: ALICE, released: 0 }.into(),
		);
		assert_eq!(Balances::balance(&ALICE), 10_000 - deposit);
	});
}

#[test]
fn rejection_removes_the_proposal_with_or_without_a_slash() {
	test(|| {
		propose(ALICE, 1);
		// Bob's proposal waited behind Alice's: its deposit carries one surcharge.
		let deposit = propose(BOB, 2);
		assert_noop!(
			ModelRegistry::reject_model(RuntimeOrigin::signed(ALICE), hash(1), false),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ModelRegistry::reject_model(RuntimeOrigin::root(), hash(9), false),
			Error::<Test>::UnknownModel
		);

		assert_ok!(ModelRegistry::reject_model(RuntimeOrigin::root(), hash(1), false));
		assert!(Models::<Test>::get(hash(1)).is_none());
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), 10_000);
		System::assert_last_event(
			Event::ModelRejected { model: hash(1), owner: ALICE, slashed: 0 }.into(),
		);

		// Spam: the deposit goes to the treasury.
		assert_ok!(ModelRegistry::reject_model(RuntimeOrigin::root(), hash(2), true));
		assert_eq!(held(BOB), 0);
		assert_eq!(Balances::balance(&BOB), 10_000 - deposit);
		assert_eq!(Balances::balance(&TREASURY), deposit);
		System::assert_last_event(
			Event::ModelRejected { model: hash(2), owner: BOB, slashed: deposit }.into(),
		);

		// A listed model cannot be rejected, only delisted.
		propose(ALICE, 3);
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(3)));
		assert_noop!(
			ModelRegistry::reject_model(RuntimeOrigin::root(), hash(3), true),
			Error::<Test>::NotProposed
		);
	});
}

/// The price a request for model `n` pays now.
fn price_now(n: u8) -> Balance {
	use opg_primitives::ModelCatalog;
	<ModelRegistry as ModelCatalog<Balance>>::listed(&hash(n)).unwrap().price
}

#[test]
fn the_owner_sets_the_price_within_bounds() {
	test(|| {
		propose(ALICE, 1);
		assert_noop!(
			ModelRegistry::set_price(RuntimeOrigin::signed(BOB), hash(1), 10),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(9), 10),
			Error::<Test>::UnknownModel
		);
		assert_noop!(
			ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(1), MAX_PRICE + 1),
			Error::<Test>::PriceTooHigh
		);
		// Free inference is spam at every executor's expense: never zero.
		assert_noop!(
			ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(1), 0),
			Error::<Test>::PriceBelowFloor
		);
		assert_ok!(ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(1), 10));
		assert_eq!(Models::<Test>::get(hash(1)).unwrap().proposal.price, 10);
		System::assert_last_event(Event::PriceChanged { model: hash(1), old: 50, new: 10 }.into());
	});
}

#[test]
fn a_price_increase_waits_its_delay_and_a_decrease_applies_at_once() {
	// The attack: a dapp reads the price, and the owner raises it just before the request lands
	// (the dapp's `max_fee` caps the damage, but every request then fails).
	test(|| {
		propose(ALICE, 1);
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(1)));
		let now = System::block_number();
		assert_ok!(ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(1), MAX_PRICE));
		System::assert_last_event(
			Event::PriceIncreaseScheduled { model: hash(1), new: MAX_PRICE, at: now + PRICE_DELAY }
				.into(),
		);
		assert_eq!(price_now(1), 50);
		System::set_block_number(now + PRICE_DELAY - 1);
		assert_eq!(price_now(1), 50);
		System::set_block_number(now + PRICE_DELAY);
		assert_eq!(price_now(1), MAX_PRICE);
		// The next change starts from the applied increase; a decrease cancels what is pending.
		assert_ok!(ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(1), 900));
		System::assert_last_event(
			Event::PriceChanged { model: hash(1), old: MAX_PRICE, new: 900 }.into(),
		);
		assert_ok!(ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(1), 950));
		assert_ok!(ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(1), 20));
		assert!(PendingPrices::<Test>::get(hash(1)).is_none());
		System::set_block_number(now + 3 * PRICE_DELAY);
		assert_eq!(price_now(1), 20);
	});
}

#[test]
fn governance_sets_a_price_floor_by_kind_and_size() {
	test(|| {
		propose(ALICE, 1);
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(1)));
		let info = Models::<Test>::get(hash(1)).unwrap();
		let (kind, size) = (info.proposal.spec.kind, info.proposal.size);
		let floor = PriceFloor { base: 30, per_mib: 5 };
		let at_floor = floor.for_size(size);
		assert_eq!(at_floor, 30 + 5 * size.div_ceil(1 << 20));
		assert_noop!(
			ModelRegistry::set_price_floor(RuntimeOrigin::signed(ALICE), kind, floor),
			DispatchError::BadOrigin
		);
		assert_ok!(ModelRegistry::set_price_floor(RuntimeOrigin::root(), kind, floor));
		System::assert_last_event(Event::PriceFloorSet { kind, floor }.into());
		assert_noop!(
			ModelRegistry::set_price(RuntimeOrigin::signed(ALICE), hash(1), at_floor - 1),
			Error::<Test>::PriceBelowFloor
		);
		let mut cheap = proposal(2);
		cheap.price = at_floor - 1;
		cheap.size = size;
		assert_noop!(
			ModelRegistry::propose_model(RuntimeOrigin::signed(BOB), cheap),
			Error::<Test>::PriceBelowFloor
		);
		// A listed model priced below a raised floor is sold at the floor.
		let raised = PriceFloor { base: 80, per_mib: 0 };
		assert_ok!(ModelRegistry::set_price_floor(RuntimeOrigin::root(), kind, raised));
		assert_eq!(price_now(1), 80);
	});
}

#[test]
fn changing_uris_adjusts_the_deposit_both_ways() {
	test(|| {
		let deposit = propose(ALICE, 1);
		let two = BoundedVec::truncate_from(vec![
			BoundedVec::truncate_from(vec![b'a'; 60]),
			BoundedVec::truncate_from(vec![b'b'; 60]),
		]);
		assert_noop!(
			ModelRegistry::set_uris(RuntimeOrigin::signed(BOB), hash(1), two.clone()),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			ModelRegistry::set_uris(RuntimeOrigin::signed(ALICE), hash(9), two.clone()),
			Error::<Test>::UnknownModel
		);
		assert_noop!(
			ModelRegistry::set_uris(RuntimeOrigin::signed(ALICE), hash(1), BoundedVec::new()),
			Error::<Test>::NoUri
		);

		assert_ok!(ModelRegistry::set_uris(RuntimeOrigin::signed(ALICE), hash(1), two));
		let bigger = Models::<Test>::get(hash(1)).unwrap().deposit;
		assert!(bigger > deposit);
		assert_eq!(held(ALICE), bigger);
		System::assert_last_event(Event::UrisChanged { model: hash(1), deposit: bigger }.into());

		let one = BoundedVec::truncate_from(vec![BoundedVec::truncate_from(b"file:///m".to_vec())]);
		assert_ok!(ModelRegistry::set_uris(RuntimeOrigin::signed(ALICE), hash(1), one));
		let smaller = Models::<Test>::get(hash(1)).unwrap().deposit;
		assert!(smaller < deposit);
		assert_eq!(held(ALICE), smaller);
		assert_eq!(Balances::balance(&ALICE), 10_000 - smaller);
	});
}

#[test]
fn a_listed_models_uris_are_frozen_for_its_owner() {
	// The attack: after the vote lists a model, its owner points the URIs at `file:///dev/zero`
	// (or a slow server, or an address inside the executors' own network), and every executor
	// that fetches the bundle stalls or becomes the owner's client.
	test(|| {
		let deposit = propose(ALICE, 1);
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(1)));
		let stall = BoundedVec::truncate_from(vec![BoundedVec::truncate_from(
			b"file:///dev/zero".to_vec(),
		)]);
		assert_noop!(
			ModelRegistry::set_uris(RuntimeOrigin::signed(ALICE), hash(1), stall.clone()),
			Error::<Test>::UrisFrozen
		);
		// The listing origin may (a mirror moved): the deposit stays as it was.
		let mirror = BoundedVec::truncate_from(vec![BoundedVec::truncate_from(
			b"https://mirror.example/m".to_vec(),
		)]);
		assert_ok!(ModelRegistry::set_uris(RuntimeOrigin::root(), hash(1), mirror.clone()));
		let info = Models::<Test>::get(hash(1)).unwrap();
		assert_eq!((info.proposal.uris, info.deposit), (mirror, deposit));
		assert_eq!(held(ALICE), deposit);
		System::assert_last_event(Event::UrisChanged { model: hash(1), deposit }.into());
		// Once delisted, the owner may fix them before asking for a new vote.
		assert_ok!(ModelRegistry::delist_model(RuntimeOrigin::root(), hash(1), false));
		assert_ok!(ModelRegistry::set_uris(RuntimeOrigin::signed(ALICE), hash(1), stall));
	});
}

#[test]
fn changing_uris_needs_the_extra_deposit() {
	test(|| {
		// BOB proposes, then spends all but a little: he cannot pay for a longer record.
		propose(BOB, 1);
		let spendable = Balances::balance(&BOB) - ED - 10;
		assert_ok!(Balances::transfer_keep_alive(RuntimeOrigin::signed(BOB), ALICE, spendable));
		let long = BoundedVec::truncate_from(vec![
			BoundedVec::truncate_from(vec![b'a'; 64]),
			BoundedVec::truncate_from(vec![b'b'; 64]),
		]);
		assert_noop!(
			ModelRegistry::set_uris(RuntimeOrigin::signed(BOB), hash(1), long),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn the_owner_removes_proposed_and_delisted_models_but_not_listed_ones() {
	test(|| {
		let deposit = propose(ALICE, 1);
		assert_noop!(
			ModelRegistry::remove_model(RuntimeOrigin::signed(BOB), hash(1)),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			ModelRegistry::remove_model(RuntimeOrigin::signed(ALICE), hash(9)),
			Error::<Test>::UnknownModel
		);
		assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(1)));
		assert_noop!(
			ModelRegistry::remove_model(RuntimeOrigin::signed(ALICE), hash(1)),
			Error::<Test>::StillListed
		);
		assert_ok!(ModelRegistry::delist_model(RuntimeOrigin::root(), hash(1), false));
		assert_ok!(ModelRegistry::remove_model(RuntimeOrigin::signed(ALICE), hash(1)));
		assert!(Models::<Test>::get(hash(1)).is_none());
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), 10_000);
		System::assert_last_event(
			Event::ModelRemoved { model: hash(1), owner: ALICE, released: deposit }.into(),
		);

		// Withdrawing a proposal works the same way.
		propose(ALICE, 2);
		assert_ok!(ModelRegistry::remove_model(RuntimeOrigin::signed(ALICE), hash(2)));
		assert_eq!(Balances::balance(&ALICE), 10_000);
	});
}

#[test]
fn listed_page_pages_through_listed_models_only() {
	test(|| {
		for n in 1..=4 {
			propose(ALICE, n);
			if n != 3 {
				assert_ok!(ModelRegistry::list_model(RuntimeOrigin::root(), hash(n)));
			}
		}
		let all = ModelRegistry::listed_page(None, 10);
		assert_eq!(all.len(), 3);
		assert!(all.iter().all(|(_, info)| info.state == ModelState::Listed));

		let first = ModelRegistry::listed_page(None, 2);
		assert_eq!(first.len(), 2);
		let rest = ModelRegistry::listed_page(Some(first[1].0), 2);
		assert_eq!(rest.len(), 1);
		let mut seen: Vec<_> = first.iter().chain(rest.iter()).map(|(h, _)| *h).collect();
		seen.sort();
		assert_eq!(seen, vec![hash(1), hash(2), hash(4)]);
	});
}

#[test]
fn genesis_proposes_and_lists_models() {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, 10_000)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	crate::GenesisConfig::<Test> {
		models: vec![(ALICE, proposal(1), true), (ALICE, proposal(2), false)],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	sp_io::TestExternalities::from(storage).execute_with(|| {
		assert_eq!(state(1), Some(ModelState::Listed));
		assert_eq!(state(2), Some(ModelState::Proposed));
		assert_eq!(ListedCount::<Test>::get(), 1);
		ModelRegistry::do_try_state().unwrap();
	});
}

#[test]
fn try_state_catches_a_deposit_that_does_not_match_the_hold() {
	new_test_ext().execute_with(|| {
		propose(ALICE, 1);
		Models::<Test>::mutate(hash(1), |info| info.as_mut().unwrap().deposit += 1);
		assert!(ModelRegistry::do_try_state().is_err());
	});
}

#[test]
fn integrity_test_passes() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		<ModelRegistry as Hooks<u64>>::integrity_test();
	});
}
