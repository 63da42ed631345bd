//! `opg-cli govern propose-listing | vote | referendum | sudo-list`: listings by referendum on
//! the `model_listing` track (OpenGov), and sudo on dev chains.

use opg_client::{
	governance::{self, ReferendumView},
	units::{format_opg, parse_opg},
	Error,
};
use serde::Serialize;
use subxt::utils::H256;

use crate::context::{After, Context, Output};

#[derive(clap::Subcommand)]
pub enum Command {
	/// Commands the signer sends.
	#[command(flatten)]
	Tx(Tx),
	/// A referendum's state and tally.
	Referendum {
		/// The referendum's index.
		index: u32,
	},
}

/// The transactions of governance.
#[derive(clap::Subcommand)]
pub enum Tx {
	/// Put listing a model to a referendum (preimage, submission, decision deposit).
	ProposeListing {
		/// Name or hash.
		model: String,
	},
	/// Vote on a referendum.
	Vote {
		/// The referendum's index.
		index: u32,
		/// `aye` or `nay`.
		#[arg(value_parser = ["aye", "nay"])]
		side: String,
		/// OPG to vote (and lock) with.
		#[arg(long)]
		amount: String,
		/// Conviction: 0.1x (no lock) or 1x … 6x.
		#[arg(long, default_value = "1x")]
		conviction: String,
	},
	/// List a model at once with the sudo key (dev and local chains).
	SudoList {
		/// Name or hash.
		model: String,
	},
}

/// A referendum submitted.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Proposed {
	index: u32,
	preimage: H256,
	/// The three transactions' fees.
	#[serde(with = "opg_client::api::amount")]
	tx_fees: u128,
}

/// A model listed by sudo.
#[derive(Serialize)]
struct Listed {
	model: H256,
}

fn show_referendum(r: &ReferendumView) -> String {
	match (r.ayes, r.nays, r.support) {
		(Some(ayes), Some(nays), Some(support)) => format!(
			"referendum {} {} on track {}{}: ayes {}, nays {}, support {}",
			r.index,
			r.state,
			r.track.map(|t| t.to_string()).unwrap_or_default(),
			if r.deciding { " (deciding)" } else { "" },
			format_opg(ayes),
			format_opg(nays),
			format_opg(support)
		),
		_ => format!(
			"referendum {} {} at block #{}",
			r.index,
			r.state,
			r.ended_at.map(|at| at.to_string()).unwrap_or_default()
		),
	}
}

pub async fn run(command: Command, ctx: &Context) -> Result<Output, Error> {
	let tx_command = match command {
		Command::Tx(tx) => tx,
		Command::Referendum { index } => {
			let referendum = ctx.client().await?.referendum(index).await?;
			return Output::of(&referendum, |r| match r {
				Some(r) => show_referendum(r),
				None => format!("referendum {index} does not exist"),
			});
		}
	};
	let signer = ctx.signer()?;
	let client = ctx.client().await?;
	let tx = ctx.progress().tx();
	match tx_command {
		Tx::ProposeListing { model } => {
			let model = client.resolve_model(&model).await?;
			let proposed = client.propose_listing(&signer, model.model, tx).await?;
			let proposed = Proposed {
				index: proposed.index,
				preimage: proposed.preimage,
				tx_fees: proposed.fees,
			};
			Output::of(&proposed, |p| {
				format!(
					"referendum {} on the model_listing track: list {} ({:?}); vote with `opg-cli \
					 govern vote {} aye --amount …`",
					p.index, model.name, model.model, p.index
				)
			})
		}
		Tx::Vote { index, side, amount, conviction } => {
			let conviction = governance::parse_conviction(&conviction)?;
			let amount = parse_opg(&amount)?;
			let included =
				client.vote(&signer, index, side == "aye", amount, conviction, tx).await?;
			Output::of(&included, |included| {
				format!("voted {side} on referendum {index} in block #{}", included.block_number)
			})
		}
		Tx::SudoList { model } => {
			let model = client.resolve_model(&model).await?;
			let included = client.sudo_list(&signer, model.model, tx).await?;
			Output::of(&After { included: &included, then: Listed { model: model.model } }, |a| {
				format!(
					"listed {} ({:?}) in block #{}",
					model.name, model.model, a.included.block_number
				)
			})
		}
	}
}
