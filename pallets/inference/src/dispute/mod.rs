//! The dispute game, and the seam between it and the market.
//!
//! A result is open to challenge during its window. A challenge hands it to the *dispute game*,
//! which decides whether the executor was right; the *market* (requests, results, fees) then
//! closes the request as the verdict says. The two meet at two small internal traits, so that
//! the game can be replaced without touching the market:
//!
//! **What the market asks of the game** (`DisputeGame`, implemented by the game named `Game`):
//! - `check_open(request, executor)`: the game's own conditions for a dispute over the answered
//!   result of `request` by `executor`, once the market found it open to challenge (answered, in
//!   its window, not the challenger's own). Returns what `open` needs (for the committee game,
//!   the committee drawn) or the error the challenge fails with.
//! - `can_bond(challenger)`: whether the challenger can put up the game's bond (a watcher's
//!   challenge is authorized only then).
//! - `open(request, challenger, executor, accused, opening)`: opens the dispute over the
//!   result committed to as `accused`, holding the challenger's bond. When it succeeds the market
//!   marks the request `Disputed`, which suspends its challenge window.
//! - `process(now)`: advances the open disputes, every block from `on_initialize`; returns how
//!   many it advanced (the parameter of its weight).
//!
//! **What the game asks of the market** (`Market`, implemented by [`Pallet`]): the verdict.
//! Each disputed request ends in exactly one of
//! - `uphold(request, executor, now)`: the executor was right; the fee is paid to it as at the
//!   end of a window and the request is `Final`;
//! - `correct(request, executor, output, commitment, to, now)`: the executor was wrong; the
//!   game's output replaces the result, the fee is shared by `to` and the request is
//!   `Corrected`;
//! - `void(request, now)`: no verdict; the result is dropped, the requester refunded in full and
//!   the request `Refunded`.
//!
//! and, while it plays, `check_output(request, output)` tells the game whether an output fits
//! the request's schema.
//!
//! **Who owns what.** The market owns the requests, their results and their held fees
//! ([`HoldReason::RequestFee`]); the game never writes them but through `Market`. The game owns
//! its storage ([`Disputes`], [`DisputeDeadlines`], [`DisputeOutputs`], [`DisputeOutcomes`]),
//! the challengers' bonds ([`HoldReason::ChallengeBond`]), its events and its own calls
//! ([`Call::commit_vote`], [`Call::reveal_vote`]); the market reads none of it (the runtime API
//! views in `views.rs` and the invariants in `invariants.rs` aside). Both reach executors'
//! stake through [`Config::Executors`]: the market rewards, the game slashes.
//!
//! The game today is the committee vote of [`committee`].

use frame_support::{pallet_prelude::DispatchResult, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{InferenceOutput, ResultCommitment};

#[cfg(doc)]
use crate::{
	Call, DisputeDeadlines, DisputeOutcomes, DisputeOutputs, Disputes, HoldReason, Pallet,
};
use crate::{Config, Error, RequestId};

pub mod committee;

/// The dispute game the market plays.
pub(crate) type Game<T> = committee::Committee<T>;

/// What the market asks of the dispute game (see the module docs).
pub(crate) trait DisputeGame<T: Config> {
	/// What [`check_open`](Self::check_open) found, for [`open`](Self::open).
	type Opening;

	/// The game's conditions for a dispute over the result of `request` by `executor`.
	fn check_open(request: RequestId, executor: &T::AccountId) -> Result<Self::Opening, Error<T>>;

	/// Whether `challenger` can put up the challenge bond.
	fn can_bond(challenger: &T::AccountId) -> bool;

	/// Opens a dispute by `challenger` over the result of `request` by `executor`, committed to
	/// as `accused`.
	fn open(
		request: RequestId,
		challenger: T::AccountId,
		executor: T::AccountId,
		accused: ResultCommitment,
		opening: Self::Opening,
	) -> DispatchResult;

	/// Advances the open disputes at `now`; returns how many it advanced.
	fn process(now: BlockNumberFor<T>) -> u32;

	/// What the game draws from this block's randomness (in `on_poll`, after the block's
	/// inherents and before its transactions), within `meter`; returns how many disputes.
	fn draw_committees(
		now: BlockNumberFor<T>,
		meter: &mut frame_support::weights::WeightMeter,
	) -> u32;
}

/// What the dispute game asks of the market (see the module docs).
pub(crate) trait Market<T: Config> {
	/// Whether `output` fits the schema of `request`.
	fn check_output(request: RequestId, output: &InferenceOutput) -> Result<(), Error<T>>;

	/// `executor`'s result stands: pay it the fee, the request is final.
	fn uphold(request: RequestId, executor: &T::AccountId, now: BlockNumberFor<T>);

	/// `executor`'s result was wrong: `output` (SCALE-encoded, with `commitment`) replaces it,
	/// the fee goes to `to` in equal parts, the request is corrected. `output` is `None` only if
	/// the game lost it (it keeps every output that could win); the wrong result then stays.
	fn correct(
		request: RequestId,
		executor: &T::AccountId,
		output: Option<BoundedVec<u8, T::MaxOutputBytes>>,
		commitment: ResultCommitment,
		to: &[T::AccountId],
		now: BlockNumberFor<T>,
	);

	/// No verdict: drop the result, refund the requester.
	fn void(request: RequestId, now: BlockNumberFor<T>);
}
