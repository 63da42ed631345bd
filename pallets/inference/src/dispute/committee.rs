//! The committee game: a committee of other executors re-runs the disputed request and votes
//! (commit, then reveal); the majority's output is the verdict.
//!
//! ```text
//!  Answered ──challenge──► Disputed ── Drawing{at} ──next block──► Commit{until} ──all committed / until──► Reveal{until}
//!                                                                                  │
//!            ┌──────────────── all revealed / until: tally the revealed votes ◄─────┘
//!            ├─ majority ≠ executor's output ─► Corrected (executor slashed, fee to the majority)
//!            ├─ majority = executor's output ─► Final     (challenger's bond slashed, fee to executor)
//!            └─ no quorum ─► once: replace the silent members, back to Commit; then Refunded
//! ```
//!
//! **Opening.** A challenge needs room ([`Config::MaxOpenDisputes`] disputes at most) and a
//! committee that can reach the quorum; it holds [`Config::ChallengeBond`] from the challenger
//! ([`HoldReason::ChallengeBond`]).
//!
//! **Committee.** Up to [`Config::CommitteeSize`] executors that serve, other than the accused,
//! each drawn by stake like an assignment (subject `("opg/committee", request, seat, how many
//! are excluded)`). The challenger may sit on it when it is an executor: on small networks
//! there is nobody else. Like an assignment, the committee is drawn **a block after the
//! challenge** ([`DisputePhase::Drawing`]), in that block's `on_poll`, after its author's VRF
//! and before its transactions ([`Event::CommitteeDrawn`]): a challenger that authors the block
//! including its own challenge (a validator's watcher) knows that block's seed, but not the
//! next one's, so it cannot challenge only when the committee would suit it. If too few
//! executors are left to reach the quorum by then, the dispute ends without a verdict.
//!
//! **Votes.** A member runs the request and commits `vote_seal(request, key, commitment,
//! salt)` ([`Call::commit_vote`]); once every member committed (or the commit phase ended with at
//! least [`Config::Quorum`] seals) it reveals `commitment`, `salt` and the output
//! ([`Call::reveal_vote`]). The seal binds the member's key: a member that copies another's seal
//! cannot open it and counts as silent. Votes compare output hashes; the first reveal of each
//! output that differs from the disputed one is kept ([`DisputeOutputs`]) in case it wins.
//!
//! **Verdict.** An output hash wins with at least [`Config::Quorum`] votes and more than half of
//! the revealed votes. Members who revealed another output, or nothing, lose
//! [`Config::MemberPenalty`] of their stake to the treasury.
//! - Executor wrong: [`Config::WrongResultSlash`] of its stake is slashed, its own bond first
//!   (its delegators' pool only for what the bond cannot cover). At most [`Config::WinnerShare`]
//!   of what the executor itself lost is paid out: [`Config::CommitteeReward`] to each majority
//!   member while it lasts, the rest of that share to the challenger; everything else (the
//!   pool's part included) goes to the treasury. So a self-challenge never pays: the executor's
//!   accounts together lose at least `(1 − WinnerShare)` of its own loss. Its first lost dispute
//!   ends its work, and a later one takes only what exceeds the largest slash so far (see the
//!   executors pallet). The challenger's bond is released. The majority's output replaces the
//!   result, final at once; the fee goes to the majority in equal parts (the protocol share and
//!   the division's remainder to the treasury).
//! - Executor right: the challenger's whole bond is slashed: committee rewards first,
//!   [`Config::WinnerShare`] of the rest to the executor, the remainder to the treasury. The
//!   result is final at once and the fee paid as usual.
//! - No quorum: the first time, silent members are penalized and replaced (revealed votes
//!   stand; they are public by then, which is the weak spot of an extension); the second time,
//!   or at once when there is nobody to replace (every member revealed and the votes split, or
//!   no executor left to draw), the requester is refunded and the challenger's bond released.
//!   On a network of three executors a lying *challenger* on the committee can split the vote
//!   this way and void an honest result: a committee needs three honest members to outvote one
//!   liar.
//!
//! How the dispute ended is kept in [`DisputeOutcomes`]. Phase ends are kept in
//! [`DisputeDeadlines`] (at most [`Config::MaxOpenDisputes`] entries); `on_initialize` advances
//! every dispute whose phase ended.

use alloc::vec::Vec;
use codec::Encode;
use frame_support::weights::WeightMeter;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{
	commitment::output_hash, vote_seal, DisputeStatement, ExecutorKey, ExecutorSet,
	ExecutorSignature, InferenceOutput, ResultCommitment, StakeLedger, H256,
};
use sp_runtime::{
	traits::{One, Saturating, Zero},
	RuntimeAppPublic,
};

use super::{DisputeGame, Market};
#[cfg(doc)]
use crate::Call;
use crate::{
	BalanceOf, Config, Dispute, DisputeDeadlines, DisputeOf, DisputeOutcome, DisputeOutcomes,
	DisputeOutputs, DisputePhase, Disputes, Error, Event, HoldReason, Member, Pallet, RequestId,
	Verdict, Vote, WeightInfo, LOG_TARGET,
};

/// The committee game (see the module docs).
pub(crate) struct Committee<T>(core::marker::PhantomData<T>);

/// A reveal that passed every check.
pub(crate) struct CheckedReveal {
	member: usize,
	output: Option<Vec<u8>>,
}

impl<T: Config> DisputeGame<T> for Committee<T> {
	/// Nothing: the committee is drawn in the next block.
	type Opening = ();

	fn check_open(request: RequestId, executor: &T::AccountId) -> Result<(), Error<T>> {
		ensure!(
			(DisputeDeadlines::<T>::decode_len().unwrap_or(0) as u32) < T::MaxOpenDisputes::get(),
			Error::<T>::TooManyDisputes
		);
		// How many can be drawn does not depend on the seed, only on who serves: a draw now
		// counts them (the committee itself is drawn in the next block).
		let eligible =
			Self::draw(request, core::slice::from_ref(executor), T::CommitteeSize::get()).len();
		ensure!(eligible as u32 >= T::Quorum::get(), Error::<T>::NoCommittee);
		Ok(())
	}

	fn can_bond(challenger: &T::AccountId) -> bool {
		T::Currency::can_hold(
			&HoldReason::ChallengeBond.into(),
			challenger,
			T::ChallengeBond::get(),
		)
	}

	fn open(
		request: RequestId,
		challenger: T::AccountId,
		executor: T::AccountId,
		accused: ResultCommitment,
		(): (),
	) -> DispatchResult {
		let bond = T::ChallengeBond::get();
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::CannotHoldBond)?;
		let now = frame_system::Pallet::<T>::block_number();
		let draw_at = now.saturating_add(One::one());
		let dispute: DisputeOf<T> = Dispute {
			challenger: challenger.clone(),
			bond,
			executor: executor.clone(),
			accused,
			opened: now,
			extended: false,
			phase: DisputePhase::Drawing { at: draw_at },
			committee: BoundedVec::new(),
		};
		DisputeDeadlines::<T>::try_mutate(|deadlines| deadlines.try_push((draw_at, request)))
			.map_err(|_| Error::<T>::TooManyDisputes)?;
		Disputes::<T>::insert(request, dispute);
		log::info!(target: LOG_TARGET, "request {request}: result of {executor:?} challenged by {challenger:?}, committee drawn at {draw_at:?}");
		Pallet::<T>::deposit_event(Event::Challenged { request, challenger, executor, draw_at });
		Ok(())
	}

	fn draw_committees(now: BlockNumberFor<T>, meter: &mut WeightMeter) -> u32 {
		// A committee costs up to `CommitteeSize` draws, and one more for the dispute's record.
		let each =
			T::WeightInfo::draw().saturating_mul(T::CommitteeSize::get().saturating_add(1).into());
		let due: Vec<RequestId> = DisputeDeadlines::<T>::get()
			.iter()
			.filter(|(at, _)| *at <= now)
			.map(|(_, id)| *id)
			.collect();
		let mut drawn = 0u32;
		for request in due {
			let Some(dispute) = Disputes::<T>::get(request) else { continue };
			if !matches!(dispute.phase, DisputePhase::Drawing { .. }) {
				continue;
			}
			if meter.try_consume(each).is_err() {
				break;
			}
			Self::draw_committee(request, dispute, now);
			drawn = drawn.saturating_add(1);
		}
		drawn
	}

	/// Advances every dispute whose phase ended before `now` (votes are accepted up to and
	/// including the phase's last block); a dispute waiting for its committee waits for
	/// `on_poll`.
	fn process(now: BlockNumberFor<T>) -> u32 {
		let due: Vec<RequestId> = DisputeDeadlines::<T>::get()
			.iter()
			.filter(|(until, _)| *until < now)
			.map(|(_, id)| *id)
			.collect();
		for request in &due {
			Self::advance(*request, now);
		}
		due.len() as u32
	}
}

impl<T: Config> Committee<T> {
	/// Draws the committee of `request`'s dispute (waiting for it) now, and opens the commit
	/// phase; without enough executors left for the quorum, the dispute ends with no verdict.
	fn draw_committee(request: RequestId, mut dispute: DisputeOf<T>, now: BlockNumberFor<T>) {
		let committee =
			Self::draw(request, core::slice::from_ref(&dispute.executor), T::CommitteeSize::get());
		if (committee.len() as u32) < T::Quorum::get() {
			log::info!(target: LOG_TARGET, "request {request}: too few executors left for a committee");
			return Self::settle(request, dispute, None, now);
		}
		let commit_until = now.saturating_add(T::CommitPeriod::get());
		dispute.committee = BoundedVec::truncate_from(
			committee
				.iter()
				.map(|executor| Member { executor: executor.clone(), vote: Vote::Pending })
				.collect::<Vec<_>>(),
		);
		dispute.phase = DisputePhase::Commit { until: commit_until };
		Self::set_deadline(request, commit_until);
		Disputes::<T>::insert(request, dispute);
		log::info!(target: LOG_TARGET, "request {request}: committee {committee:?}, commits until {commit_until:?}");
		Pallet::<T>::deposit_event(Event::CommitteeDrawn { request, committee, commit_until });
	}

	/// Up to `seats` executors that serve, not in `exclude`, drawn by stake like an assignment
	/// (subject `("opg/committee", request, seat, how many are excluded)`).
	fn draw(request: RequestId, exclude: &[T::AccountId], seats: u32) -> Vec<T::AccountId> {
		let mut excluded = exclude.to_vec();
		let mut drawn = Vec::new();
		for seat in 0..seats {
			let subject = (b"opg/committee", request, seat, excluded.len() as u32).encode();
			let Some(member) = Pallet::<T>::draw(&subject, (request, seat), &excluded) else {
				break;
			};
			excluded.push(member.clone());
			drawn.push(member);
		}
		drawn
	}

	/// The dispute of `request` and the committee seat of `key`'s executor, while the dispute is
	/// in a phase `in_phase` accepts (up to and including the phase's last block).
	fn member_in(
		request: RequestId,
		key: &ExecutorKey,
		in_phase: impl Fn(&DisputePhase<BlockNumberFor<T>>) -> bool,
	) -> Result<(DisputeOf<T>, usize), Error<T>> {
		let dispute = Disputes::<T>::get(request).ok_or(Error::<T>::NoDispute)?;
		let owner = T::Executors::owner_of(key).ok_or(Error::<T>::UnknownExecutor)?;
		let seat = dispute
			.committee
			.iter()
			.position(|m| m.executor == owner)
			.ok_or(Error::<T>::NotMember)?;
		ensure!(
			in_phase(&dispute.phase)
				&& frame_system::Pallet::<T>::block_number() <= dispute.phase.until(),
			Error::<T>::WrongPhase
		);
		Ok((dispute, seat))
	}

	/// Every check of a sealed vote; returns the member's seat.
	pub(crate) fn check_commit(
		request: RequestId,
		seal: &H256,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> Result<usize, Error<T>> {
		let (dispute, seat) =
			Self::member_in(request, key, |p| matches!(p, DisputePhase::Commit { .. }))?;
		ensure!(
			dispute.committee.get(seat).map(|m| &m.vote) == Some(&Vote::Pending),
			Error::<T>::AlreadyCommitted
		);
		let digest = Pallet::<T>::request_digest(request).ok_or(Error::<T>::UnknownRequest)?;
		let statement = DisputeStatement::Commit { request: digest, seal: *seal };
		ensure!(key.verify(&statement.signing_payload(), signature), Error::<T>::BadSignature);
		Ok(seat)
	}

	/// Records a checked sealed vote; opens the reveal phase once every member committed.
	pub(crate) fn record_commit(request: RequestId, seat: usize, seal: H256) {
		let Some(mut dispute) = Disputes::<T>::get(request) else { return };
		let Some(member) = dispute.committee.get_mut(seat) else { return };
		member.vote = Vote::Committed(seal);
		let member = member.executor.clone();
		Pallet::<T>::deposit_event(Event::VoteCommitted { request, member });
		if dispute.committee.iter().all(|m| m.vote != Vote::Pending) {
			Self::open_reveal(request, &mut dispute);
		}
		Disputes::<T>::insert(request, dispute);
	}

	/// Moves `dispute` to its reveal phase (the caller stores it).
	fn open_reveal(request: RequestId, dispute: &mut DisputeOf<T>) {
		let until =
			frame_system::Pallet::<T>::block_number().saturating_add(T::RevealPeriod::get());
		dispute.phase = DisputePhase::Reveal { until };
		Self::set_deadline(request, until);
		Pallet::<T>::deposit_event(Event::RevealOpened { request, until });
	}

	/// Every check of a revealed vote.
	pub(crate) fn check_reveal(
		request: RequestId,
		output: &InferenceOutput,
		commitment: &ResultCommitment,
		salt: &[u8; 32],
		key: &ExecutorKey,
	) -> Result<CheckedReveal, Error<T>> {
		let (dispute, seat) =
			Self::member_in(request, key, |p| matches!(p, DisputePhase::Reveal { .. }))?;
		let Some(Vote::Committed(seal)) = dispute.committee.get(seat).map(|m| &m.vote) else {
			return Err(Error::<T>::NotCommitted);
		};
		ensure!(vote_seal(request, key, commitment, salt) == *seal, Error::<T>::SealMismatch);
		ensure!(output_hash(output) == commitment.output_hash, Error::<T>::CommitmentMismatch);
		Pallet::<T>::check_output(request, output)?;
		let encoded = output.encode();
		ensure!(encoded.len() as u32 <= T::MaxOutputBytes::get(), Error::<T>::OutputTooLarge);
		// Only an output that could replace the result is worth storing, once.
		let keep = commitment.output_hash != dispute.accused.output_hash
			&& !DisputeOutputs::<T>::contains_key(request, commitment.output_hash);
		Ok(CheckedReveal { member: seat, output: keep.then_some(encoded) })
	}

	/// Records a checked reveal; the verdict comes in the next block once every member revealed.
	pub(crate) fn record_reveal(
		request: RequestId,
		checked: CheckedReveal,
		commitment: ResultCommitment,
	) {
		let Some(mut dispute) = Disputes::<T>::get(request) else { return };
		let Some(member) = dispute.committee.get_mut(checked.member) else { return };
		let output_hash = commitment.output_hash;
		member.vote = Vote::Revealed(commitment);
		let member = member.executor.clone();
		if let Some(output) = checked.output {
			DisputeOutputs::<T>::insert(request, output_hash, BoundedVec::truncate_from(output));
		}
		if dispute.committee.iter().all(|m| matches!(m.vote, Vote::Revealed(_))) {
			let now = frame_system::Pallet::<T>::block_number();
			dispute.phase = DisputePhase::Reveal { until: now };
			Self::set_deadline(request, now);
		}
		Disputes::<T>::insert(request, dispute);
		Pallet::<T>::deposit_event(Event::VoteRevealed { request, member, output_hash });
	}

	/// Moves the phase end of `request` to `due`.
	fn set_deadline(request: RequestId, due: BlockNumberFor<T>) {
		DisputeDeadlines::<T>::mutate(|deadlines| {
			if let Some(entry) = deadlines.iter_mut().find(|(_, id)| *id == request) {
				entry.0 = due;
			}
		});
	}

	/// The phase of `request`'s dispute ended: open the reveals, or decide.
	fn advance(request: RequestId, now: BlockNumberFor<T>) {
		let Some(mut dispute) = Disputes::<T>::get(request) else {
			DisputeDeadlines::<T>::mutate(|d| d.retain(|(_, id)| *id != request));
			return;
		};
		if let DisputePhase::Drawing { .. } = dispute.phase {
			return;
		}
		if let DisputePhase::Commit { .. } = dispute.phase {
			let votes = dispute.committee.iter().filter(|m| m.vote != Vote::Pending).count() as u32;
			if votes >= T::Quorum::get() {
				Self::open_reveal(request, &mut dispute);
				Disputes::<T>::insert(request, dispute);
				return;
			}
		}
		Self::conclude(request, dispute, now);
	}

	/// The output hash with at least `Quorum` votes and more than half of the revealed ones.
	fn tally(dispute: &DisputeOf<T>) -> Option<ResultCommitment> {
		let revealed: Vec<&ResultCommitment> = dispute
			.committee
			.iter()
			.filter_map(|m| match &m.vote {
				Vote::Revealed(c) => Some(c),
				_ => None,
			})
			.collect();
		revealed.iter().find_map(|candidate| {
			let votes =
				revealed.iter().filter(|c| c.output_hash == candidate.output_hash).count() as u32;
			let majority = votes.saturating_mul(2) > revealed.len() as u32;
			(votes >= T::Quorum::get() && majority).then_some(**candidate)
		})
	}

	/// Decides `request`'s dispute, or extends it once when it has no quorum.
	fn conclude(request: RequestId, mut dispute: DisputeOf<T>, now: BlockNumberFor<T>) {
		let winner = Self::tally(&dispute);
		if winner.is_none() && !dispute.extended {
			let silent: Vec<T::AccountId> = dispute
				.committee
				.iter()
				.filter(|m| !matches!(m.vote, Vote::Revealed(_)))
				.map(|m| m.executor.clone())
				.collect();
			let revealed = dispute.committee.len().saturating_sub(silent.len()) as u32;
			let mut exclude: Vec<T::AccountId> =
				dispute.committee.iter().map(|m| m.executor.clone()).collect();
			exclude.push(dispute.executor.clone());
			let added = Self::draw(request, &exclude, silent.len() as u32);
			if !silent.is_empty() && revealed.saturating_add(added.len() as u32) >= T::Quorum::get()
			{
				for member in &silent {
					Self::penalize(request, member);
				}
				dispute.committee.retain(|m| matches!(m.vote, Vote::Revealed(_)));
				for executor in &added {
					let _ = dispute
						.committee
						.try_push(Member { executor: executor.clone(), vote: Vote::Pending });
				}
				let commit_until = now.saturating_add(T::CommitPeriod::get());
				dispute.extended = true;
				dispute.phase = DisputePhase::Commit { until: commit_until };
				Self::set_deadline(request, commit_until);
				Disputes::<T>::insert(request, dispute);
				log::info!(target: LOG_TARGET, "request {request}: no quorum, committee extended with {added:?}");
				Pallet::<T>::deposit_event(Event::DisputeExtended { request, added, commit_until });
				return;
			}
		}
		Self::settle(request, dispute, winner, now);
	}

	/// Penalizes the members who did not vote `winner` (every silent one without a winner),
	/// moves the money and closes the dispute.
	fn settle(
		request: RequestId,
		dispute: DisputeOf<T>,
		winner: Option<ResultCommitment>,
		now: BlockNumberFor<T>,
	) {
		let mut majority = Vec::new();
		for member in dispute.committee.iter() {
			match (&member.vote, &winner) {
				(Vote::Revealed(c), Some(w)) if c.output_hash == w.output_hash => {
					majority.push(member.executor.clone())
				}
				(Vote::Revealed(_), None) => {}
				_ => Self::penalize(request, &member.executor),
			}
		}
		let verdict = match &winner {
			None => Verdict::NoQuorum,
			Some(w) if w.output_hash == dispute.accused.output_hash => Verdict::ExecutorRight,
			Some(_) => Verdict::ExecutorWrong,
		};
		let treasury = T::Treasury::get();
		let (slashed, to_winner, to_committee, to_treasury) = match verdict {
			Verdict::ExecutorWrong => {
				// A `Perbill` of a balance is at most the balance: it cannot overflow.
				#[allow(clippy::arithmetic_side_effects)]
				let amount = T::WrongResultSlash::get() * T::Executors::stake_of(&dispute.executor);
				let taken = T::Executors::slash_fault(&dispute.executor, amount, |own_loss| {
					Self::payees(own_loss, &majority, &dispute.challenger)
				});
				// `payees` lists the majority, then the challenger.
				let (to_committee, to_winner) = taken.paid.iter().enumerate().fold(
					(BalanceOf::<T>::zero(), BalanceOf::<T>::zero()),
					|(committee, winner), (i, (_, paid))| {
						if i < majority.len() {
							(committee.saturating_add(*paid), winner)
						} else {
							(committee, winner.saturating_add(*paid))
						}
					},
				);
				let slashed = taken.from_bond.saturating_add(taken.from_pool);
				let to_treasury = slashed.saturating_sub(to_committee).saturating_sub(to_winner);
				Self::release_bond(&dispute);
				if let Some(winner) = winner {
					let output = DisputeOutputs::<T>::get(request, winner.output_hash);
					Pallet::<T>::correct(
						request,
						&dispute.executor,
						output,
						winner,
						&majority,
						now,
					);
				}
				(slashed, to_winner, to_committee, to_treasury)
			}
			Verdict::ExecutorRight => {
				let split = Self::split(dispute.bond, majority.len());
				// What moved, payee by payee: a payment that fails stays with the challenger.
				let pay = |to: &T::AccountId, amount: BalanceOf<T>| -> BalanceOf<T> {
					if amount.is_zero() {
						return amount;
					}
					T::Currency::transfer_on_hold(
						&HoldReason::ChallengeBond.into(),
						&dispute.challenger,
						to,
						amount,
						Precision::BestEffort,
						Restriction::Free,
						Fortitude::Force,
					)
					.unwrap_or_else(|e| {
						log::error!(target: LOG_TARGET, "request {request}: paying {amount:?} of the challenge bond to {to:?} failed: {e:?}");
						Zero::zero()
					})
				};
				let to_committee = majority
					.iter()
					.fold(BalanceOf::<T>::zero(), |sum, m| sum.saturating_add(pay(m, split.each)));
				let to_winner = pay(&dispute.executor, split.to_winner);
				let to_treasury = pay(&treasury, split.to_treasury);
				let slashed = to_committee.saturating_add(to_winner).saturating_add(to_treasury);
				let unpaid = dispute.bond.saturating_sub(slashed);
				if !unpaid.is_zero() {
					let _ = T::Currency::release(
						&HoldReason::ChallengeBond.into(),
						&dispute.challenger,
						unpaid,
						Precision::BestEffort,
					);
				}
				Pallet::<T>::uphold(request, &dispute.executor, now);
				(slashed, to_winner, to_committee, to_treasury)
			}
			Verdict::NoQuorum => {
				Self::release_bond(&dispute);
				Pallet::<T>::void(request, now);
				(Zero::zero(), Zero::zero(), Zero::zero(), Zero::zero())
			}
		};
		Disputes::<T>::remove(request);
		let _ = DisputeOutputs::<T>::clear_prefix(request, T::CommitteeSize::get(), None);
		DisputeDeadlines::<T>::mutate(|d| d.retain(|(_, id)| *id != request));
		DisputeOutcomes::<T>::insert(
			request,
			DisputeOutcome {
				challenger: dispute.challenger.clone(),
				executor: dispute.executor.clone(),
				verdict,
				slashed,
				to_winner,
				to_committee,
				to_treasury,
				at: now,
			},
		);
		log::info!(target: LOG_TARGET, "request {request}: dispute resolved, {verdict:?}, slashed {slashed:?}");
		Pallet::<T>::deposit_event(Event::DisputeResolved {
			request,
			verdict,
			slashed,
			to_winner,
			to_committee,
			to_treasury,
		});
	}

	/// How a challenger's bond `amount` is split: `each` majority member gets the committee
	/// reward (while it lasts), the executor its share of the rest, the treasury the remainder.
	fn split(amount: BalanceOf<T>, members: usize) -> Split<BalanceOf<T>> {
		let members_b: BalanceOf<T> = (members as u32).into();
		let each =
			T::CommitteeReward::get().min(amount.checked_div(&members_b).unwrap_or_default());
		let rest = amount.saturating_sub(each.saturating_mul(members_b));
		// A `Perbill` of a balance is at most the balance: it cannot overflow.
		#[allow(clippy::arithmetic_side_effects)]
		let to_winner = T::WinnerShare::get() * rest;
		Split { each, to_winner, to_treasury: rest.saturating_sub(to_winner) }
	}

	/// Who is paid out of what a wrong executor lost from its own bond (`own_loss`): at most
	/// [`Config::WinnerShare`] of it, the committee reward to each majority member first (while
	/// it lasts), the rest to the challenger; in that order.
	fn payees(
		own_loss: BalanceOf<T>,
		majority: &[T::AccountId],
		challenger: &T::AccountId,
	) -> Vec<(T::AccountId, BalanceOf<T>)> {
		// A `Perbill` of a balance is at most the balance: it cannot overflow.
		#[allow(clippy::arithmetic_side_effects)]
		let payable = T::WinnerShare::get() * own_loss;
		let members: BalanceOf<T> = (majority.len() as u32).into();
		let each = T::CommitteeReward::get().min(payable.checked_div(&members).unwrap_or_default());
		let to_challenger = payable.saturating_sub(each.saturating_mul(members));
		majority
			.iter()
			.map(|member| (member.clone(), each))
			.chain(core::iter::once((challenger.clone(), to_challenger)))
			.collect()
	}

	/// Takes [`Config::MemberPenalty`] from a member's stake to the treasury.
	fn penalize(request: RequestId, member: &T::AccountId) {
		let taken = T::Executors::penalize(member, T::MemberPenalty::get());
		let amount = taken.from_bond.saturating_add(taken.from_pool);
		log::debug!(target: LOG_TARGET, "request {request}: committee member {member:?} penalized {amount:?}");
		Pallet::<T>::deposit_event(Event::MemberPenalized {
			request,
			member: member.clone(),
			amount,
		});
	}

	/// Releases the challenger's bond of `dispute`.
	fn release_bond(dispute: &DisputeOf<T>) {
		let reason = HoldReason::ChallengeBond.into();
		if let Err(e) =
			T::Currency::release(&reason, &dispute.challenger, dispute.bond, Precision::Exact)
		{
			log::error!(target: LOG_TARGET, "releasing the challenge bond of {:?} failed: {e:?}", dispute.challenger);
		}
	}

	/// The last block of the current phase of `request`'s dispute (the block number zero without
	/// a dispute): how long a vote's transaction stays valid.
	pub(crate) fn phase_end(request: RequestId) -> BlockNumberFor<T> {
		Disputes::<T>::get(request).map(|d| d.phase.until()).unwrap_or_default()
	}

	/// The block `dispute`'s current phase began in: every phase ends its length after it began
	/// (`open`, `open_reveal`, an extension).
	pub(crate) fn phase_began(dispute: &DisputeOf<T>) -> BlockNumberFor<T> {
		match dispute.phase {
			DisputePhase::Drawing { at } => at.saturating_sub(One::one()),
			DisputePhase::Commit { until } => until.saturating_sub(T::CommitPeriod::get()),
			DisputePhase::Reveal { until } => until.saturating_sub(T::RevealPeriod::get()),
		}
	}
}

/// How a challenger's bond is divided.
struct Split<Balance> {
	each: Balance,
	to_winner: Balance,
	to_treasury: Balance,
}
