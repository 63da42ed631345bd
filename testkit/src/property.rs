//! Property tests of extrinsics: random sequences of calls, with random (often malformed)
//! arguments, against a pallet's mock runtime, the pallet's invariants checked after every call.
//!
//! This module is the runtime-independent half: a seeded generator ([`Rng`]), the length of a run
//! ([`calls`]: a quick set by default, `OPG_PROPERTY_CALLS` for a long one) and the tally of what
//! the calls did ([`Tally`]). Each pallet's `property_tests.rs` draws its calls and checks its
//! invariants. A failure names its seed and call number, so it replays exactly.

use std::collections::BTreeMap;

use sp_runtime::DispatchError;

/// A small, fast, seeded generator (SplitMix64): the same seed gives the same run on every
/// machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
	/// A generator seeded with `seed`.
	pub fn new(seed: u64) -> Self {
		Self(seed)
	}

	/// The next 64 random bits.
	pub fn next_u64(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	/// A number below `n` (`n` > 0).
	pub fn below(&mut self, n: u64) -> u64 {
		self.next_u64() % n.max(1)
	}

	/// True with probability `percent`/100.
	pub fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}

	/// One of `items` (which must not be empty).
	pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
		&items[self.below(items.len() as u64) as usize]
	}

	/// `len` random bytes.
	pub fn bytes(&mut self, len: usize) -> Vec<u8> {
		(0..len).map(|_| self.next_u64() as u8).collect()
	}

	/// Random bytes, fewer than `max_len` of them.
	pub fn bytes_below(&mut self, max_len: u64) -> Vec<u8> {
		let len = usize::try_from(self.below(max_len)).unwrap_or(usize::MAX);
		self.bytes(len)
	}

	/// 32 random bytes.
	pub fn array32(&mut self) -> [u8; 32] {
		let mut out = [0u8; 32];
		for chunk in out.chunks_mut(8) {
			chunk.copy_from_slice(&self.next_u64().to_le_bytes());
		}
		out
	}

	/// An amount that tends to hit the edges: 0, 1, around `unit`, around `u64::MAX`, or random.
	pub fn amount(&mut self, unit: u64) -> u64 {
		match self.below(8) {
			0 => 0,
			1 => 1,
			2 => unit.saturating_sub(1),
			3 => unit,
			4 => unit.saturating_mul(1 + self.below(20)),
			5 => u64::MAX - self.below(2),
			6 => self.below(unit.saturating_mul(100).max(1)),
			_ => self.next_u64(),
		}
	}
}

/// How many calls one run makes: `OPG_PROPERTY_CALLS` if set (the long run of
/// `scripts/property.sh`), else `quick` (the set in the README's test command).
pub fn calls(quick: u64) -> u64 {
	std::env::var("OPG_PROPERTY_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(quick)
}

/// The property test of a pallet: `run(seed, calls)` for four seeds, [`calls`]`(quick)` calls in
/// all; prints the figures as `what`, and checks that the generator explored: some calls
/// succeeded and at least `min_errors` distinct errors were seen. Returns the merged tally.
pub fn explore(
	what: &str,
	quick: u64,
	min_errors: usize,
	mut run: impl FnMut(u64, u64) -> Tally,
) -> Tally {
	const SEEDS: u64 = 4;
	let per_seed = calls(quick) / SEEDS;
	let mut total = Tally::default();
	for seed in 0..SEEDS {
		total.merge(run(seed, per_seed));
	}
	total.report(what);
	assert!(total.ok > 0, "{what}: no call succeeded: the generator explores nothing");
	assert!(total.errors.len() >= min_errors, "{what}: few distinct errors: {:?}", total.errors);
	total
}

/// The name of a dispatch error as a tally counts it: `Pallet::Error` for a pallet's error
/// (`pallets` names the mock runtime's pallets by index), else the variant (`BadOrigin`,
/// `Token(FundsUnavailable)`, …). Panics on an untyped error (`Other`, `Corruption`,
/// `Unavailable`): every failure of a call must say what went wrong.
pub fn error_name(error: DispatchError, pallets: &[&str]) -> String {
	match error {
		DispatchError::Module(e) => {
			let pallet = pallets.get(e.index as usize).copied().unwrap_or("?");
			format!("{pallet}::{}", e.message.unwrap_or("?"))
		}
		DispatchError::Other(_) | DispatchError::Corruption | DispatchError::Unavailable => {
			panic!("an untyped error: {error:?}")
		}
		other => format!("{other:?}"),
	}
}

/// What a run's calls did: how many succeeded, and how often each error came back.
#[derive(Default, Debug)]
pub struct Tally {
	/// Calls made.
	pub calls: u64,
	/// Calls that succeeded.
	pub ok: u64,
	/// Each distinct error, by name, with how many calls returned it.
	pub errors: BTreeMap<String, u64>,
	/// Blocks the run advanced through.
	pub blocks: u64,
}

impl Tally {
	/// Counts one call's outcome: `None` for success, else the error's name.
	pub fn record(&mut self, error: Option<String>) {
		self.calls += 1;
		match error {
			None => self.ok += 1,
			Some(name) => *self.errors.entry(name).or_default() += 1,
		}
	}

	/// Adds another run's tally.
	pub fn merge(&mut self, other: Tally) {
		self.calls += other.calls;
		self.ok += other.ok;
		self.blocks += other.blocks;
		for (name, n) in other.errors {
			*self.errors.entry(name).or_default() += n;
		}
	}

	/// Prints the figures of a run of `what` (the errors sorted by name), one line each, with
	/// the invariant violations (always 0 when this prints: a violation fails the test first).
	pub fn report(&self, what: &str) {
		println!(
			"[property] {what}: {} calls over {} blocks, {} succeeded, {} distinct errors, 0 invariant violations",
			self.calls,
			self.blocks,
			self.ok,
			self.errors.len()
		);
		for (name, n) in &self.errors {
			println!("[property]   {name}: {n}");
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_generator_is_deterministic_and_spreads() {
		let (mut a, mut b) = (Rng::new(7), Rng::new(7));
		let xs: Vec<u64> = (0..64).map(|_| a.next_u64()).collect();
		assert_eq!(xs, (0..64).map(|_| b.next_u64()).collect::<Vec<_>>());
		assert_ne!(Rng::new(8).next_u64(), xs[0]);
		let mut counts = [0u32; 4];
		for _ in 0..4_000 {
			counts[a.below(4) as usize] += 1;
		}
		assert!(counts.iter().all(|&c| (800..1_200).contains(&c)), "{counts:?}");
	}

	#[test]
	fn a_tally_counts_successes_and_errors_by_name() {
		let mut tally = Tally::default();
		tally.record(None);
		tally.record(Some("Pallet::A".into()));
		tally.record(Some("Pallet::A".into()));
		let mut other = Tally::default();
		other.record(Some("Pallet::B".into()));
		tally.merge(other);
		assert_eq!((tally.calls, tally.ok), (4, 1));
		assert_eq!(tally.errors.get("Pallet::A"), Some(&2));
		assert_eq!(tally.errors.len(), 2);
	}
}
