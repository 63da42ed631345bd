//! The dispute game: challenges, the committee's commit-reveal vote, the verdict and its money.
//!
//! ```text
//!  Answered ──challenge──► Disputed ── Commit{until} ──all committed / until──► Reveal{until}
//!                                                                                  │
//!            ┌──────────────── all revealed / until: tally the revealed votes ◄─────┘
//!            ├─ majority ≠ executor's output ─► Corrected (executor slashed, fee to the majority)
//!            ├─ majority = executor's output ─► Final     (challenger's bond slashed, fee to executor)
//!            └─ no quorum ─► once: replace the silent members, back to Commit; then Refunded
//! ```
//!
//! **Committee.** Up to [`Config::CommitteeSize`] active executors other than the accused, each
//! drawn by stake like an assignment (subject `("opg/committee", request, seat)`). The
//! challenger may sit on it when it is an executor: on small networks there is nobody else.
//!
//! **Votes.** A member runs the request and commits `vote_seal(request, key, commitment,
//! salt)`; once every member committed (or the commit phase ended) it reveals `commitment`,
//! `salt` and the output. The seal binds the member's key: a member that copies another's seal
//! cannot open it and counts as silent. Votes compare output hashes.
//!
//! **Verdict.** An output hash wins with at least [`Config::Quorum`] votes and more than half of
//! the revealed votes. Members who revealed another output, or nothing, lose
//! [`Config::MemberPenalty`] of their bond to the treasury.
//! - Executor wrong: [`Config::WrongResultSlash`] of its bond is slashed. Each majority member
//!   gets [`Config::CommitteeReward`] from it, [`Config::WinnerShare`] of the rest goes to the
//!   challenger and the remainder to the treasury. The challenger's bond is released. The
//!   majority's output replaces the result, final at once; the fee goes to the majority in
//!   equal parts (the protocol share and the division's remainder to the treasury).
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
//! Phase ends are kept in [`DisputeDeadlines`] (at most [`Config::MaxOpenDisputes`] entries),
//! processed by `on_initialize`.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		Get, Randomness,
	},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use opg_primitives::{
	commitment::output_hash, vote_seal, DisputeStatement, ExecutorKey, ExecutorSignature,
	InferenceInput, InferenceOutput, ResultCommitment, H256,
};
use opg_primitives::{ExecutorSet, StakeLedger};
use sp_runtime::{
	traits::{Saturating, Zero},
	RuntimeAppPublic, SaturatedConversion,
};

use crate::{
	BalanceOf, Config, Dispute, DisputeDeadlines, DisputeDetails, DisputeOf, DisputeOutcome,
	DisputeOutcomes, DisputeOutputs, DisputePhase, Disputes, Error, Event, HoldReason,
	InferenceResult, Member, Pallet, RequestId, RequestOf, RequestStatus, Requests, Results,
	Verdict, Vote, LOG_TARGET,
};

/// A reveal that passed every check.
pub(crate) struct CheckedReveal {
	member: usize,
	output: Option<Vec<u8>>,
}

impl<T: Config> Pallet<T> {
	/// Checks a challenge of `request` by `challenger`; returns the accused executor, the
	/// disputed commitment and the committee.
	pub(crate) fn check_challenge(
		request: RequestId,
		challenger: &T::AccountId,
	) -> Result<(T::AccountId, BlockNumberFor<T>, Vec<T::AccountId>), Error<T>> {
		let record = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
		let (executor, challenge_end) = match record.status {
			RequestStatus::Answered { executor, challenge_end } => (executor, challenge_end),
			RequestStatus::Disputed { .. } => return Err(Error::<T>::AlreadyDisputed),
			RequestStatus::Final { .. } | RequestStatus::Corrected { .. } => {
				return Err(Error::<T>::ResultFinal)
			}
			RequestStatus::Assigned { .. } | RequestStatus::Refunded { .. } => {
				return Err(Error::<T>::NotChallengeable)
			}
		};
		ensure!(frame_system::Pallet::<T>::block_number() < challenge_end, Error::<T>::ResultFinal);
		ensure!(*challenger != executor, Error::<T>::OwnResult);
		ensure!(
			(DisputeDeadlines::<T>::decode_len().unwrap_or(0) as u32) < T::MaxOpenDisputes::get(),
			Error::<T>::TooManyDisputes
		);
		let committee = Self::draw_committee(request, &[executor.clone()], T::CommitteeSize::get());
		ensure!(committee.len() as u32 >= T::Quorum::get(), Error::<T>::NoCommittee);
		Ok((executor, challenge_end, committee))
	}

	/// Opens a dispute over the result of `request`, holding the challenger's bond.
	pub(crate) fn do_challenge(request: RequestId, challenger: T::AccountId) -> DispatchResult {
		let (executor, challenge_end, committee) = Self::check_challenge(request, &challenger)?;
		let accused = Results::<T>::get(request).ok_or(Error::<T>::NotChallengeable)?.commitment;
		let bond = T::ChallengeBond::get();
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::CannotHoldBond)?;
		let now = frame_system::Pallet::<T>::block_number();
		let commit_until = now.saturating_add(T::CommitPeriod::get());
		let members: Vec<Member<T::AccountId>> = committee
			.iter()
			.map(|executor| Member { executor: executor.clone(), vote: Vote::Pending })
			.collect();
		let dispute: DisputeOf<T> = Dispute {
			challenger: challenger.clone(),
			bond,
			executor: executor.clone(),
			accused,
			opened: now,
			extended: false,
			phase: DisputePhase::Commit { until: commit_until },
			committee: BoundedVec::truncate_from(members),
		};
		DisputeDeadlines::<T>::try_mutate(|deadlines| deadlines.try_push((commit_until, request)))
			.map_err(|_| Error::<T>::TooManyDisputes)?;
		Disputes::<T>::insert(request, dispute);
		Requests::<T>::mutate(request, |record| {
			if let Some(record) = record {
				record.status =
					RequestStatus::Disputed { executor: executor.clone(), challenge_end };
			}
		});
		log::info!(target: LOG_TARGET, "request {request}: result of {executor:?} challenged by {challenger:?}, committee {committee:?}");
		Self::deposit_event(Event::Challenged {
			request,
			challenger,
			executor,
			committee,
			commit_until,
		});
		Ok(())
	}

	/// Up to `seats` active executors not in `exclude`, drawn by stake.
	fn draw_committee(
		request: RequestId,
		exclude: &[T::AccountId],
		seats: u32,
	) -> Vec<T::AccountId> {
		let mut excluded = exclude.to_vec();
		let mut drawn = Vec::new();
		for seat in 0..seats {
			let subject = (b"opg/committee", request, seat, excluded.len() as u32).encode();
			let (random, _) = T::Randomness::random(&subject);
			let seed = sp_io::hashing::blake2_256(&(random, request, seat).encode());
			let Some(member) = T::Executors::select(&seed, &excluded) else { break };
			excluded.push(member.clone());
			drawn.push(member);
		}
		drawn
	}

	/// The executor account behind a watcher's challenge, after checking its signature and the
	/// challenge itself.
	pub(crate) fn check_watcher_challenge(
		request: RequestId,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> Result<T::AccountId, Error<T>> {
		let watcher = T::Executors::owner_of(key).ok_or(Error::<T>::UnknownExecutor)?;
		let statement = DisputeStatement::Challenge { genesis: Self::genesis_hash(), request };
		ensure!(key.verify(&statement.signing_payload(), signature), Error::<T>::BadSignature);
		Self::check_challenge(request, &watcher)?;
		ensure!(
			T::Currency::can_hold(
				&HoldReason::ChallengeBond.into(),
				&watcher,
				T::ChallengeBond::get()
			),
			Error::<T>::CannotHoldBond
		);
		Ok(watcher)
	}

	/// The dispute of `request` and the committee seat of `key`'s executor.
	fn member_of(request: RequestId, key: &ExecutorKey) -> Result<(DisputeOf<T>, usize), Error<T>> {
		let dispute = Disputes::<T>::get(request).ok_or(Error::<T>::NoDispute)?;
		let owner = T::Executors::owner_of(key).ok_or(Error::<T>::UnknownExecutor)?;
		let seat = dispute
			.committee
			.iter()
			.position(|m| m.executor == owner)
			.ok_or(Error::<T>::NotMember)?;
		Ok((dispute, seat))
	}

	/// Every check of a sealed vote; returns the member's seat.
	pub(crate) fn check_commit(
		request: RequestId,
		seal: &H256,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> Result<usize, Error<T>> {
		let (dispute, seat) = Self::member_of(request, key)?;
		let DisputePhase::Commit { until } = dispute.phase else {
			return Err(Error::<T>::WrongPhase);
		};
		ensure!(frame_system::Pallet::<T>::block_number() <= until, Error::<T>::WrongPhase);
		ensure!(
			dispute.committee.get(seat).map(|m| &m.vote) == Some(&Vote::Pending),
			Error::<T>::AlreadyCommitted
		);
		let statement =
			DisputeStatement::Commit { genesis: Self::genesis_hash(), request, seal: *seal };
		ensure!(key.verify(&statement.signing_payload(), signature), Error::<T>::BadSignature);
		Ok(seat)
	}

	/// Records a checked sealed vote; opens the reveal phase once every member committed.
	pub(crate) fn record_commit(request: RequestId, seat: usize, seal: H256) {
		let Some(mut dispute) = Disputes::<T>::get(request) else { return };
		let Some(member) = dispute.committee.get_mut(seat) else { return };
		member.vote = Vote::Committed(seal);
		let member = member.executor.clone();
		Self::deposit_event(Event::VoteCommitted { request, member });
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
		Self::deposit_event(Event::RevealOpened { request, until });
	}

	/// Every check of a revealed vote.
	pub(crate) fn check_reveal(
		request: RequestId,
		output: &InferenceOutput,
		commitment: &ResultCommitment,
		salt: &[u8; 32],
		key: &ExecutorKey,
	) -> Result<CheckedReveal, Error<T>> {
		let (dispute, seat) = Self::member_of(request, key)?;
		let DisputePhase::Reveal { until } = dispute.phase else {
			return Err(Error::<T>::WrongPhase);
		};
		ensure!(frame_system::Pallet::<T>::block_number() <= until, Error::<T>::WrongPhase);
		let Some(Vote::Committed(seal)) = dispute.committee.get(seat).map(|m| &m.vote) else {
			return Err(Error::<T>::NotCommitted);
		};
		ensure!(vote_seal(request, key, commitment, salt) == *seal, Error::<T>::SealMismatch);
		ensure!(output_hash(output) == commitment.output_hash, Error::<T>::CommitmentMismatch);
		let record = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
		let input =
			InferenceInput::decode(&mut &record.input[..]).map_err(|_| Error::<T>::BadInput)?;
		record.schema.check_output(&input, output).map_err(|_| Error::<T>::BadOutput)?;
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
		Self::deposit_event(Event::VoteRevealed { request, member, output_hash });
	}

	/// Moves the phase end of `request` to `due`.
	fn set_deadline(request: RequestId, due: BlockNumberFor<T>) {
		DisputeDeadlines::<T>::mutate(|deadlines| {
			if let Some(entry) = deadlines.iter_mut().find(|(_, id)| *id == request) {
				entry.0 = due;
			}
		});
	}

	/// Advances every dispute whose phase ended before `now` (votes are accepted up to and
	/// including the phase's last block); returns how many.
	pub(crate) fn process_disputes(now: BlockNumberFor<T>) -> u32 {
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

	/// The phase of `request`'s dispute ended: open the reveals, or decide.
	fn advance(request: RequestId, now: BlockNumberFor<T>) {
		let Some(mut dispute) = Disputes::<T>::get(request) else {
			DisputeDeadlines::<T>::mutate(|d| d.retain(|(_, id)| *id != request));
			return;
		};
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
			(votes >= T::Quorum::get() && majority).then(|| (*candidate).clone())
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
			let added = Self::draw_committee(request, &exclude, silent.len() as u32);
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
				Self::deposit_event(Event::DisputeExtended { request, added, commit_until });
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
		let Some(record) = Requests::<T>::get(request) else { return };
		let verdict = match &winner {
			None => Verdict::NoQuorum,
			Some(w) if w.output_hash == dispute.accused.output_hash => Verdict::ExecutorRight,
			Some(_) => Verdict::ExecutorWrong,
		};
		let treasury = T::Treasury::get();
		let (slashed, to_winner, to_committee, to_treasury) = match verdict {
			Verdict::ExecutorWrong => {
				let amount = T::WrongResultSlash::get() * T::Executors::stake_of(&dispute.executor);
				let split = Self::split(amount, majority.len());
				for member in &majority {
					T::Executors::slash(&dispute.executor, split.each, member);
				}
				T::Executors::slash(&dispute.executor, split.to_winner, &dispute.challenger);
				T::Executors::slash(&dispute.executor, split.to_treasury, &treasury);
				Self::release_bond(&dispute);
				if let Some(winner) = winner {
					Self::correct(request, &record, &dispute, winner, &majority, now);
				}
				(amount, split.to_winner, split.to_committee(), split.to_treasury)
			}
			Verdict::ExecutorRight => {
				let amount = dispute.bond;
				let split = Self::split(amount, majority.len());
				let reason = HoldReason::ChallengeBond.into();
				let pay = |to: &T::AccountId, amount: BalanceOf<T>| {
					if !amount.is_zero() {
						let _ = T::Currency::transfer_on_hold(
							&reason,
							&dispute.challenger,
							to,
							amount,
							Precision::BestEffort,
							Restriction::Free,
							Fortitude::Force,
						);
					}
				};
				for member in &majority {
					pay(member, split.each);
				}
				pay(&dispute.executor, split.to_winner);
				pay(&treasury, split.to_treasury);
				Self::pay_fee(request, &record, core::slice::from_ref(&dispute.executor));
				Requests::<T>::mutate(request, |r| {
					if let Some(r) = r {
						r.status =
							RequestStatus::Final { executor: dispute.executor.clone(), at: now };
					}
				});
				(amount, split.to_winner, split.to_committee(), split.to_treasury)
			}
			Verdict::NoQuorum => {
				Self::release_bond(&dispute);
				let _ = T::Currency::release(
					&HoldReason::RequestFee.into(),
					&record.requester,
					record.fee,
					Precision::BestEffort,
				);
				Results::<T>::remove(request);
				Requests::<T>::mutate(request, |r| {
					if let Some(r) = r {
						r.status = RequestStatus::Refunded { at: now };
					}
				});
				Self::deposit_event(Event::Refunded {
					request,
					requester: record.requester.clone(),
					amount: record.fee,
				});
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
		Self::deposit_event(Event::DisputeResolved {
			request,
			verdict,
			slashed,
			to_winner,
			to_committee,
			to_treasury,
		});
	}

	/// How a loser's `amount` is split: `each` majority member gets the committee reward (while
	/// it lasts), the winner its share of the rest, the treasury the remainder.
	fn split(amount: BalanceOf<T>, members: usize) -> Split<BalanceOf<T>> {
		let members_b: BalanceOf<T> = (members as u32).into();
		let each = T::CommitteeReward::get().min(if members == 0 {
			Zero::zero()
		} else {
			amount / members_b
		});
		let rest = amount.saturating_sub(each.saturating_mul(members_b));
		let to_winner = T::WinnerShare::get() * rest;
		Split { each, members: members_b, to_winner, to_treasury: rest.saturating_sub(to_winner) }
	}

	/// Takes [`Config::MemberPenalty`] from a member's bond to the treasury.
	fn penalize(request: RequestId, member: &T::AccountId) {
		let amount = T::Executors::slash(member, T::MemberPenalty::get(), &T::Treasury::get());
		log::debug!(target: LOG_TARGET, "request {request}: committee member {member:?} penalized {amount:?}");
		Self::deposit_event(Event::MemberPenalized { request, member: member.clone(), amount });
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

	/// Replaces a wrong result with the majority's output and pays the fee to the majority.
	fn correct(
		request: RequestId,
		record: &RequestOf<T>,
		dispute: &DisputeOf<T>,
		winner: ResultCommitment,
		majority: &[T::AccountId],
		now: BlockNumberFor<T>,
	) {
		match DisputeOutputs::<T>::get(request, winner.output_hash) {
			Some(output) => Results::<T>::insert(
				request,
				InferenceResult { output, commitment: winner.clone(), submitted_at: now },
			),
			None => {
				log::error!(target: LOG_TARGET, "request {request}: the winning output was not stored")
			}
		}
		Self::pay_fee(request, record, majority);
		Requests::<T>::mutate(request, |r| {
			if let Some(r) = r {
				r.status = RequestStatus::Corrected { executor: dispute.executor.clone(), at: now };
			}
		});
		Self::deposit_event(Event::ResultCorrected {
			request,
			executor: dispute.executor.clone(),
			output_hash: winner.output_hash,
		});
	}

	/// Pays `record`'s held fee: the protocol share to the treasury, the rest in equal parts to
	/// `to`, the division's remainder to the treasury. Emits [`Event::ResultFinalized`] when
	/// `to` is the one executor.
	pub(crate) fn pay_fee(request: RequestId, record: &RequestOf<T>, to: &[T::AccountId]) {
		let protocol_fee = T::ProtocolShare::get() * record.fee;
		let rest = record.fee.saturating_sub(protocol_fee);
		let parts: BalanceOf<T> = (to.len() as u32).max(1).into();
		let each = if to.is_empty() { Zero::zero() } else { rest / parts };
		let to_treasury = record.fee.saturating_sub(each.saturating_mul((to.len() as u32).into()));
		let reason = HoldReason::RequestFee.into();
		let pay = |who: &T::AccountId, amount: BalanceOf<T>| -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			T::Currency::transfer_on_hold(
				&reason,
				&record.requester,
				who,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)
			.map(|_| ())
		};
		let mut outcome = Ok(());
		for who in to {
			outcome = outcome.and_then(|()| pay(who, each));
			if outcome.is_ok() {
				// The executor's delegators get their share (less commission) of what it earned.
				T::Executors::reward(who, each);
			}
		}
		if let Err(e) = outcome.and_then(|()| pay(&T::Treasury::get(), to_treasury)) {
			// Cannot happen while the hold matches the record (try_state); if it does, the
			// requester gets back whatever is still held rather than leaving it stuck.
			log::error!(target: LOG_TARGET, "request {request}: paying the fee failed: {e:?}; releasing the rest");
			let still_held =
				T::Currency::balance_on_hold(&reason, &record.requester).min(record.fee);
			let _ =
				T::Currency::release(&reason, &record.requester, still_held, Precision::BestEffort);
		}
		if let [executor] = to {
			log::debug!(target: LOG_TARGET, "request {request} final, paid {each:?} to {executor:?}");
			Self::deposit_event(Event::ResultFinalized {
				request,
				executor: executor.clone(),
				paid: each,
				protocol_fee: to_treasury,
			});
		}
	}

	/// Invariants of the dispute game: every disputed request has exactly one open dispute with
	/// one deadline, no accused sits on its committee, and every challenger's held bonds equal
	/// its open disputes' bonds.
	#[cfg(any(test, feature = "std", feature = "try-runtime"))]
	pub(crate) fn do_try_state_disputes() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let deadlines = DisputeDeadlines::<T>::get();
		let mut bonds = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		let mut count = 0usize;
		for (request, dispute) in Disputes::<T>::iter() {
			count = count.saturating_add(1);
			let record = Requests::<T>::get(request).ok_or("dispute without a request")?;
			ensure!(
				matches!(record.status, RequestStatus::Disputed { .. }),
				"open dispute on a request that is not disputed"
			);
			ensure!(
				deadlines.iter().filter(|(_, id)| *id == request).count() == 1,
				"open dispute without exactly one deadline"
			);
			ensure!(
				deadlines
					.iter()
					.any(|(until, id)| *id == request && *until == dispute.phase.until()),
				"dispute deadline does not match its phase"
			);
			ensure!(
				dispute.committee.iter().all(|m| m.executor != dispute.executor),
				"accused executor on its own committee"
			);
			let sum = bonds.entry(dispute.challenger.clone()).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(dispute.bond);
		}
		ensure!(deadlines.len() == count, "dispute deadlines without a dispute");
		for (who, bond) in bonds {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), &who) == bond,
				"held challenge bonds do not match the open disputes"
			);
		}
		Ok(())
	}

	/// How the dispute of `request` ended, for the runtime API.
	pub fn dispute_outcome(
		request: RequestId,
	) -> Option<DisputeOutcome<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		DisputeOutcomes::<T>::get(request)
	}

	/// The open dispute of `request`, for the runtime API.
	pub fn dispute_details(
		request: RequestId,
	) -> Option<DisputeDetails<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let d = Disputes::<T>::get(request)?;
		Some(DisputeDetails {
			request,
			challenger: d.challenger,
			bond: d.bond,
			executor: d.executor,
			accused: d.accused,
			opened: d.opened,
			extended: d.extended,
			phase: d.phase,
			committee: d.committee.into_inner(),
		})
	}

	/// The validity of an authorized dispute transaction: tag `(prefix, provides)`, valid until
	/// `until`.
	pub(crate) fn dispute_validity(
		prefix: &'static str,
		provides: impl Encode,
		until: BlockNumberFor<T>,
	) -> TransactionValidityWithRefund {
		let longevity = until
			.saturating_sub(frame_system::Pallet::<T>::block_number())
			.saturating_add(1u32.into());
		let validity = ValidTransaction::with_tag_prefix(prefix)
			.and_provides(provides)
			.longevity(longevity.saturated_into::<u64>())
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Authorization of [`Pallet::watcher_challenge`].
	pub(crate) fn authorize_watcher_challenge(
		_source: TransactionSource,
		request: &RequestId,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> TransactionValidityWithRefund {
		Self::check_watcher_challenge(*request, key, signature)
			.map_err(|e| Self::refuse(*request, "challenge", &e))?;
		let end = match Requests::<T>::get(request).map(|r| r.status) {
			Some(RequestStatus::Answered { challenge_end, .. }) => challenge_end,
			_ => frame_system::Pallet::<T>::block_number(),
		};
		Self::dispute_validity("opg/challenge", request, end)
	}

	/// Authorization of [`Pallet::commit_vote`].
	pub(crate) fn authorize_commit(
		_source: TransactionSource,
		request: &RequestId,
		seal: &H256,
		key: &ExecutorKey,
		signature: &ExecutorSignature,
	) -> TransactionValidityWithRefund {
		Self::check_commit(*request, seal, key, signature)
			.map_err(|e| Self::refuse(*request, "commit", &e))?;
		let until = Disputes::<T>::get(request).map(|d| d.phase.until()).unwrap_or_default();
		Self::dispute_validity("opg/commit", (request, key), until)
	}

	/// Authorization of [`Pallet::reveal_vote`].
	pub(crate) fn authorize_reveal(
		_source: TransactionSource,
		request: &RequestId,
		output: &InferenceOutput,
		commitment: &ResultCommitment,
		salt: &[u8; 32],
		key: &ExecutorKey,
	) -> TransactionValidityWithRefund {
		Self::check_reveal(*request, output, commitment, salt, key)
			.map_err(|e| Self::refuse(*request, "reveal", &e))?;
		let until = Disputes::<T>::get(request).map(|d| d.phase.until()).unwrap_or_default();
		Self::dispute_validity("opg/reveal", (request, key), until)
	}

	fn refuse(request: RequestId, what: &str, error: &Error<T>) -> TransactionValidityError {
		log::debug!(target: LOG_TARGET, "{what} for request {request} refused: {error:?}");
		InvalidTransaction::Custom(error.encode().first().copied().unwrap_or(u8::MAX)).into()
	}
}

/// How a loser's slash is divided.
struct Split<Balance> {
	each: Balance,
	members: Balance,
	to_winner: Balance,
	to_treasury: Balance,
}

impl<Balance: Saturating + Copy> Split<Balance> {
	fn to_committee(&self) -> Balance {
		self.each.saturating_mul(self.members)
	}
}
