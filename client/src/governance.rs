//! Governance of listings (OpenGov): a referendum on the `model_listing` track to list a model,
//! votes with conviction, and (on the dev and local chains) sudo.

use serde::Serialize;
use subxt::utils::H256;
use subxt_signer::sr25519::Keypair;

use crate::{
	client::{Included, TxStage},
	runtime::{
		self,
		runtime_types::{
			frame_support::traits::{preimages::Bounded, schedule::DispatchTime},
			opg_runtime::{
				governance::origins::pallet_custom_origins::Origin, OriginCaller, RuntimeCall,
			},
			pallet_conviction_voting::vote::{AccountVote, Vote},
			pallet_model_registry::pallet::Call as RegistryCall,
		},
	},
	Client, Error,
};

/// The call that lists `model`.
fn list_call(model: H256) -> RuntimeCall {
	RuntimeCall::ModelRegistry(RegistryCall::list_model { model })
}

/// A referendum as the chain records it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferendumView {
	/// Its index.
	pub index: u32,
	/// `Ongoing`, `Approved`, `Rejected`, `Cancelled`, `TimedOut` or `Killed`.
	pub state: String,
	/// Its track, while ongoing.
	pub track: Option<u16>,
	/// Conviction-weighted ayes, nays, and support (ayes before conviction), while ongoing.
	#[serde(with = "opg_api::amount::option")]
	pub ayes: Option<u128>,
	/// Conviction-weighted nays.
	#[serde(with = "opg_api::amount::option")]
	pub nays: Option<u128>,
	/// Support.
	#[serde(with = "opg_api::amount::option")]
	pub support: Option<u128>,
	/// Whether it is in its decision period.
	pub deciding: bool,
	/// The block it ended in, once over.
	pub ended_at: Option<u32>,
}

/// A referendum submitted, with its decision deposit placed.
pub struct Proposed {
	/// The referendum's index.
	pub index: u32,
	/// The proposal's preimage hash.
	pub preimage: H256,
	/// The three transactions: preimage, submission, decision deposit.
	pub fees: u128,
}

/// A vote's conviction: `0` (0.1×, no lock) to `6` (6×, the longest lock).
pub fn parse_conviction(text: &str) -> Result<u8, Error> {
	let n = text.trim_end_matches('x').trim_end_matches('X');
	match n {
		"0" | "0.1" => Ok(0),
		_ => n
			.parse::<u8>()
			.ok()
			.filter(|c| (1..=6).contains(c))
			.ok_or_else(|| Error::Invalid(format!("conviction `{text}`: 0 (0.1x) to 6 (6x)"))),
	}
}

impl Client {
	/// Puts `list_model(model)` to a referendum on the `model_listing` track: notes the call's
	/// preimage, submits it (enactment one block after approval) and places the decision deposit.
	pub async fn propose_listing(
		&self,
		signer: &Keypair,
		model: H256,
		mut on_stage: impl FnMut(&TxStage),
	) -> Result<Proposed, Error> {
		let inner = codec::Encode::encode(&list_call(model));
		let preimage = H256(sp_crypto_hashing::blake2_256(&inner));
		let len = u32::try_from(inner.len()).map_err(|_| Error::Invalid("call too long".into()))?;
		let mut fees = 0u128;

		let noted = self
			.submit(&runtime::transactions().preimage().note_preimage(inner), signer, &mut on_stage)
			.await;
		match noted {
			Ok(included) => fees = fees.saturating_add(included.fee),
			// Someone noted this call already: the referendum can use it.
			Err(Error::Chain(e)) if e.name == "AlreadyNoted" => {}
			Err(e) => return Err(e),
		}
		let submit = runtime::transactions().referenda().submit(
			OriginCaller::Origins(Origin::ModelListing),
			Bounded::Lookup { hash: preimage, len },
			DispatchTime::After(1),
		);
		let included = self.submit(&submit, signer, &mut on_stage).await?;
		fees = fees.saturating_add(included.fee);
		let index = included
			.events
			.find_first::<runtime::referenda::events::Submitted>()
			.transpose()?
			.ok_or_else(|| Error::Decode("no `Referenda::Submitted` event".into()))?
			.index;
		let deposit = runtime::transactions().referenda().place_decision_deposit(index);
		fees = fees.saturating_add(self.submit(&deposit, signer, &mut on_stage).await?.fee);
		Ok(Proposed { index, preimage, fees })
	}

	/// Votes on referendum `index`: aye or nay with `balance` locked at `conviction` (0–6).
	pub async fn vote(
		&self,
		signer: &Keypair,
		index: u32,
		aye: bool,
		balance: u128,
		conviction: u8,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let vote = Vote(if aye { 0x80 | conviction } else { conviction });
		let call = runtime::transactions()
			.conviction_voting()
			.vote(index, AccountVote::Standard { vote, balance });
		self.submit(&call, signer, on_stage).await
	}

	/// Lists `model` at once with the sudo key (dev and local chains only).
	pub async fn sudo_list(
		&self,
		sudo: &Keypair,
		model: H256,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let included = self
			.submit(&runtime::transactions().sudo().sudo(list_call(model)), sudo, on_stage)
			.await?;
		// `sudo` succeeds even when the call it dispatches fails; the outcome is in `Sudid`.
		if let Some(sudid) =
			included.events.find_first::<runtime::sudo::events::Sudid>().transpose()?
		{
			if let Err(dispatch) = sudid.sudo_result {
				return Err(Error::Invalid(format!("sudo: list_model failed: {dispatch:?}")));
			}
		}
		Ok(included)
	}

	/// Referendum `index`, if it exists.
	pub async fn referendum(&self, index: u32) -> Result<Option<ReferendumView>, Error> {
		use runtime::runtime_types::pallet_referenda::types::ReferendumInfo;
		let at = self.best().await?;
		let Some(value) = at
			.storage()
			.try_fetch(runtime::storage().referenda().referendum_info_for(), (index,))
			.await?
		else {
			return Ok(None);
		};
		let over = |state: &str, at: u32| ReferendumView {
			index,
			state: state.into(),
			track: None,
			ayes: None,
			nays: None,
			support: None,
			deciding: false,
			ended_at: Some(at),
		};
		Ok(Some(match value.decode()? {
			ReferendumInfo::Ongoing(status) => ReferendumView {
				index,
				state: "Ongoing".into(),
				track: Some(status.track),
				ayes: Some(status.tally.ayes),
				nays: Some(status.tally.nays),
				support: Some(status.tally.support),
				deciding: status.deciding.is_some(),
				ended_at: None,
			},
			ReferendumInfo::Approved(at, ..) => over("Approved", at),
			ReferendumInfo::Rejected(at, ..) => over("Rejected", at),
			ReferendumInfo::Cancelled(at, ..) => over("Cancelled", at),
			ReferendumInfo::TimedOut(at, ..) => over("TimedOut", at),
			ReferendumInfo::Killed(at) => over("Killed", at),
		}))
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn convictions() {
		assert_eq!(parse_conviction("0.1x").unwrap(), 0);
		assert_eq!(parse_conviction("1x").unwrap(), 1);
		assert_eq!(parse_conviction("6").unwrap(), 6);
		assert!(parse_conviction("7x").is_err());
		assert!(parse_conviction("x").is_err());
	}
}
