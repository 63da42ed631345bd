//! `opg-cli dispute <id>`: the dispute over a request's result — the committee and its votes
//! while open, the verdict and the amounts moved once decided.

use opg_client::{
	api::{DisputeState, Vote},
	units::format_opg,
	Error,
};

use crate::context::{Context, Output};

#[derive(clap::Args)]
pub struct Args {
	/// The request id.
	id: u64,
}

pub async fn run(args: Args, ctx: &Context) -> Result<Output, Error> {
	let dispute = ctx.client().await?.dispute(args.id).await?;
	Output::of(&dispute, |dispute| match dispute {
		None => format!("request {} has no dispute", args.id),
		Some(DisputeState::Open(d)) => {
			let mut text = format!(
				"request {}: {} challenged {}'s result ({:?}) in block #{}, bond {}\n",
				d.request,
				d.challenger,
				d.executor,
				d.accused_output_hash,
				d.opened,
				format_opg(d.bond)
			);
			text.push_str(&format!(
				"  {:?} phase until block #{}{}\n",
				d.phase,
				d.phase_ends,
				if d.extended { " (extended once)" } else { "" }
			));
			for member in &d.committee {
				let vote = match &member.vote {
					Vote::Pending => "no vote yet".to_string(),
					Vote::Committed { .. } => "sealed vote".to_string(),
					Vote::Revealed { output_hash, .. } => format!("revealed {output_hash:?}"),
				};
				text.push_str(&format!("  member {}: {vote}\n", member.executor));
			}
			text
		}
		Some(DisputeState::Resolved(o)) => format!(
			"request {}: {:?} at block #{} (challenger {}, executor {})\n  slashed {}: {} to the \
			 winner, {} to the committee, {} to the treasury",
			args.id,
			o.verdict,
			o.at,
			o.challenger,
			o.executor,
			format_opg(o.slashed),
			format_opg(o.to_winner),
			format_opg(o.to_committee),
			format_opg(o.to_treasury)
		),
	})
}
