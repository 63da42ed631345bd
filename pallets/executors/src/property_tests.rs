//! Property tests: random sequences of every call (and of the slashes, penalties and payouts
//! other pallets make through `StakeLedger`, and session changes), with random and malformed
//! arguments from random origins. After every step: no panic, every error typed, the pallet's
//! invariants (`do_try_state`) and the total issuance unchanged (this pallet only moves funds).
//! `OPG_PROPERTY_CALLS` sets the length of a run (`scripts/property.sh`).
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{mock::*, Call};
use codec::Decode;
use frame_support::traits::{
	fungible::Mutate, tokens::Preservation, OneSessionHandler, UnfilteredDispatchable,
};
use opg_primitives::{ExecutorKey, StakeLedger};
use opg_testkit::property::{error_name, explore, Rng, Tally};
use sp_runtime::Perbill;

const PALLETS: &[&str] = &["System", "Balances", "Executors"];
/// The mock's funded accounts, the treasury, and one that does not exist.
const ACCOUNTS: &[AccountId] = &[ALICE, BOB, CHARLIE, DAVE, POOR, EVE, FERDIE, TREASURY, 1_000];

fn account(rng: &mut Rng) -> AccountId {
	*rng.pick(ACCOUNTS)
}

/// `who`'s origin mostly, else root or none.
fn origin(rng: &mut Rng, who: AccountId) -> RuntimeOrigin {
	match rng.below(10) {
		0 => RuntimeOrigin::root(),
		1 => RuntimeOrigin::none(),
		_ => RuntimeOrigin::signed(who),
	}
}

/// A call by `who` with plausible or malformed arguments (a key with its proof for `who`, or
/// for someone else); now and then one decoded from random bytes.
fn random_call(rng: &mut Rng, who: AccountId) -> Call<Test> {
	let amount = |rng: &mut Rng| rng.amount(MIN_BOND);
	let key_and_proof = |rng: &mut Rng| {
		let n = rng.below(6) as u8;
		let owner = if rng.chance(80) { who } else { account(rng) };
		(key(n), proof(n, owner))
	};
	match rng.below(11) {
		0 => {
			let (key, proof) = key_and_proof(rng);
			Call::register { key, bond: amount(rng), proof }
		}
		1 => Call::bond_extra { amount: amount(rng) },
		2 => {
			let (key, proof) = key_and_proof(rng);
			Call::set_key { key, proof }
		}
		3 => Call::unbond {},
		4 => Call::withdraw {},
		5 => Call::delegate { executor: account(rng), amount: amount(rng) },
		6 => Call::undelegate { executor: account(rng), amount: amount(rng) },
		7 => Call::withdraw_delegation { executor: account(rng) },
		8 => Call::set_commission {
			commission: Perbill::from_parts(rng.below(1_100_000_000) as u32),
		},
		9 => Call::set_validator_count { count: rng.below(4) as u32 },
		_ => loop {
			let len = rng.below(48) as usize;
			let bytes = rng.bytes(len);
			if let Ok(call) = Call::<Test>::decode(&mut &bytes[..]) {
				break call;
			}
		},
	}
}

/// One step: a call, a `StakeLedger` action, a session change or the next block.
fn step(rng: &mut Rng, tally: &mut Tally) {
	match rng.below(20) {
		0 => {
			let who = account(rng);
			let amount = rng.amount(MIN_BOND);
			let _ = Executors::penalize(&who, amount);
		}
		1 => {
			let (who, challenger) = (account(rng), account(rng));
			let (amount, asked) = (rng.amount(MIN_BOND), rng.amount(MIN_BOND));
			let _ = Executors::slash_fault(&who, amount, |from_bond| {
				vec![(challenger, asked.min(from_bond))]
			});
		}
		2 => {
			// A payout: the fee reaches the executor's free balance first (as the market pays it).
			let who = account(rng);
			let fee = rng.below(10 * MIN_BOND);
			if Balances::transfer(&FERDIE, &who, fee, Preservation::Preserve).is_ok() {
				let _ = Executors::reward(&who, fee);
			}
		}
		3 => {
			let validators: Vec<(AccountId, ExecutorKey)> = ACCOUNTS
				.iter()
				.filter(|_| rng.chance(40))
				.map(|who| (*who, key(*who as u8)))
				.collect();
			// One function, so that both iterators have the one type the handler takes.
			fn pair((a, k): &(AccountId, ExecutorKey)) -> (&AccountId, ExecutorKey) {
				(a, k.clone())
			}
			Executors::on_new_session(
				true,
				validators.iter().map(pair),
				validators.iter().map(pair),
			);
		}
		4 => {
			System::set_block_number(System::block_number() + 1 + rng.below(3));
			tally.blocks += 1;
		}
		_ => {
			let who = account(rng);
			let call = random_call(rng, who);
			let outcome = call.dispatch_bypass_filter(origin(rng, who));
			tally.record(outcome.err().map(|e| error_name(e.error, PALLETS)));
		}
	}
}

/// `calls` random steps from `seed`; the invariants after each.
fn run(seed: u64, calls: u64) -> Tally {
	let mut tally = Tally::default();
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let mut rng = Rng::new(seed);
		while tally.calls < calls {
			step(&mut rng, &mut tally);
			if let Err(e) = Executors::do_try_state() {
				panic!("seed {seed}, call {}: invariant broken: {e:?}", tally.calls);
			}
			assert_eq!(
				Balances::total_issuance(),
				issuance,
				"seed {seed}, call {}: the issuance moved",
				tally.calls
			);
		}
	});
	tally
}

#[test]
fn random_calls_keep_every_invariant() {
	explore("executors", 2_000, 8, run);
}
