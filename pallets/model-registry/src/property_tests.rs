//! Property tests: random sequences of every call, with random and malformed proposals (bad
//! schemas, names, sizes, prices, URIs, or bytes that decode to anything) from random origins.
//! After every call: no panic, every error typed, the registry's invariants (`do_try_state`) and
//! the total issuance unchanged (a slash moves a deposit to the treasury, nothing is minted).
//! `OPG_PROPERTY_CALLS` sets the length of a run (`scripts/property.sh`).
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{mock::*, Call, ModelProposalOf};
use codec::{Decode, Encode};
use frame_support::{traits::UnfilteredDispatchable, BoundedVec};
use opg_primitives::{Dim, InputSchema, ModelKind, TensorDType, TensorSchema};
use opg_testkit::property::{error_name, explore, Rng, Tally};

const PALLETS: &[&str] = &["System", "Balances", "ModelRegistry"];
const ACCOUNTS: &[AccountId] = &[ALICE, BOB, POOR, TREASURY, 1_000];

fn origin(rng: &mut Rng) -> RuntimeOrigin {
	match rng.below(8) {
		0 => RuntimeOrigin::root(),
		1 => RuntimeOrigin::none(),
		_ => RuntimeOrigin::signed(*rng.pick(ACCOUNTS)),
	}
}

/// A proposal: the mock's valid one for one of a few hashes, with fields broken at random.
fn random_proposal(rng: &mut Rng) -> ModelProposalOf<Test> {
	let mut p = proposal(rng.below(6) as u8);
	if rng.chance(15) {
		p.spec.kind =
			*rng.pick(&[ModelKind::BertEmbedding, ModelKind::Onnx, ModelKind::TextGeneration]);
	}
	if rng.chance(15) {
		let dims = [Dim::Batch, Dim::Fixed(rng.below(3) as u32), Dim::Fixed(1 << 20)];
		let dims: Vec<Dim> = (0..rng.below(4)).map(|_| *rng.pick(&dims)).collect();
		if let Some(t) = TensorSchema::new(*rng.pick(&[TensorDType::F32, TensorDType::I64]), &dims)
		{
			p.spec.schema.input = InputSchema::Tensor(t);
		}
	}
	if rng.chance(10) {
		p.spec.schema.max_batch = rng.below(1_000) as u32;
	}
	if rng.chance(15) {
		p.name = BoundedVec::truncate_from(rng.bytes_below(40));
	}
	if rng.chance(15) {
		p.price = rng.amount(MAX_PRICE);
	}
	if rng.chance(15) {
		p.size = rng.amount(1 << 30);
	}
	if rng.chance(15) {
		let uris: Vec<_> =
			(0..rng.below(3)).map(|_| BoundedVec::truncate_from(rng.bytes_below(70))).collect();
		p.uris = BoundedVec::truncate_from(uris);
	}
	p
}

/// A call with plausible or malformed arguments; now and then one decoded from random bytes
/// (or from a valid call with random bytes flipped).
fn random_call(rng: &mut Rng) -> Call<Test> {
	let model = |rng: &mut Rng| hash(rng.below(6) as u8);
	match rng.below(10) {
		0 | 1 => Call::propose_model { proposal: random_proposal(rng) },
		2 => Call::list_model { model: model(rng) },
		3 => Call::reject_model { model: model(rng), slash: rng.chance(50) },
		4 => Call::delist_model { model: model(rng), slash: rng.chance(50) },
		5 => Call::set_price { model: model(rng), price: rng.amount(MAX_PRICE) },
		6 => Call::set_uris {
			model: model(rng),
			uris: BoundedVec::truncate_from(
				(0..rng.below(3)).map(|_| BoundedVec::truncate_from(rng.bytes_below(70))).collect(),
			),
		},
		7 => Call::remove_model { model: model(rng) },
		8 => Call::set_price_floor {
			kind: *rng.pick(&[ModelKind::Mlp, ModelKind::BertEmbedding, ModelKind::Onnx]),
			floor: crate::PriceFloor { base: rng.amount(MAX_PRICE / 4), per_mib: rng.amount(10) },
		},
		_ => loop {
			let mut bytes = Call::<Test>::propose_model { proposal: random_proposal(rng) }.encode();
			for _ in 0..1 + rng.below(4) {
				let at = rng.below(bytes.len() as u64) as usize;
				bytes[at] = rng.next_u64() as u8;
			}
			if let Ok(call) = Call::<Test>::decode(&mut &bytes[..]) {
				break call;
			}
		},
	}
}

fn run(seed: u64, calls: u64) -> Tally {
	let mut tally = Tally::default();
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let mut rng = Rng::new(seed);
		while tally.calls < calls {
			if rng.chance(5) {
				System::set_block_number(System::block_number() + 1);
				tally.blocks += 1;
			}
			let outcome = random_call(&mut rng).dispatch_bypass_filter(origin(&mut rng));
			tally.record(outcome.err().map(|e| error_name(e.error, PALLETS)));
			if let Err(e) = crate::Pallet::<Test>::do_try_state() {
				panic!("seed {seed}, call {}: invariant broken: {e:?}", tally.calls);
			}
			assert_eq!(Balances::total_issuance(), issuance, "seed {seed}, call {}", tally.calls);
		}
	});
	tally
}

#[test]
fn random_calls_keep_every_invariant() {
	explore("model-registry", 2_000, 8, run);
}
