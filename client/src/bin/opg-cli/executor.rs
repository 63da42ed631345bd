//! `opg-cli executor bond | keys | unbond | withdraw | status`: executors bond OPG and a node key
//! to answer requests.

use opg_client::{
	api::RequestId,
	executors,
	staking::{ExecutorStake, ExecutorStatus},
	units::{format_opg, parse_opg},
	AccountId, Client, Error,
};
use serde::Serialize;

use crate::context::{After, Context, Output};

#[derive(clap::Subcommand)]
pub enum Command {
	/// Commands the signer sends.
	#[command(flatten)]
	Tx(Tx),
	/// An executor's stake, state and pending requests.
	Status {
		/// SS58 address; the signer's by default.
		account: Option<String>,
	},
}

/// The transactions of an executor.
#[derive(clap::Subcommand)]
pub enum Tx {
	/// Bond OPG: registers the signer with its node's key the first time, adds later.
	Bond {
		/// Amount (OPG).
		amount: String,
		/// The node's `infr` public key (hex), as `opg-cli executor keys` prints it.
		#[arg(long, requires = "proof")]
		key: Option<String>,
		/// The key's proof of possession for the signer's account (hex), as `opg-cli executor
		/// keys` prints it.
		#[arg(long, requires = "key")]
		proof: Option<String>,
	},
	/// Have the node (`--url`) generate session keys and set them for the signer, to be
	/// electable as a validator; prints the `infr` key and its proof to bond with.
	Keys,
	/// Start unbonding: no new requests; the bond unlocks after the unbonding period.
	Unbond,
	/// Withdraw an unlocked bond.
	Withdraw,
}

/// An executor: its stake (`staking_executor`) and the requests it has to answer
/// (`inference_pending`); `null` if the account is not an executor.
#[derive(Serialize)]
struct Status {
	#[serde(flatten)]
	stake: ExecutorStake,
	pending: Vec<RequestId>,
}

async fn status(client: &Client, who: &AccountId) -> Result<Option<Status>, Error> {
	let Some(stake) = client.stake(who).await? else { return Ok(None) };
	Ok(Some(Status { stake, pending: client.pending(who).await? }))
}

fn show(status: &Status) -> String {
	let s = &status.stake;
	let state = match s.status {
		ExecutorStatus::Active => "active".to_string(),
		ExecutorStatus::Unbonding { unlocks_at } => format!("unbonding, unlocks at #{unlocks_at}"),
	};
	format!(
		"{} ({state}): bond {}, stake {}\n  key      {}\n  pending  {:?}",
		s.executor,
		format_opg(s.bond),
		format_opg(s.stake),
		executors::to_hex(&s.key[..]),
		status.pending
	)
}

/// The `infr` key set with the session keys.
#[derive(Serialize)]
struct Keys {
	infr: String,
	proof: String,
}

pub async fn run(command: Command, ctx: &Context) -> Result<Output, Error> {
	let tx_command = match command {
		Command::Tx(tx) => tx,
		Command::Status { account } => {
			let who = ctx.account(account.as_deref())?;
			let status = status(ctx.client().await?, &who).await?;
			return Output::of(&status, |status| match status {
				Some(status) => show(status),
				None => format!("{who} is not an executor"),
			});
		}
	};
	let signer = ctx.signer()?;
	let who = opg_client::keys::account(&signer);
	let client = ctx.client().await?;
	let tx = ctx.progress().tx();
	let included = match tx_command {
		Tx::Bond { amount, key, proof } => {
			let key = match (key, proof) {
				(Some(key), Some(proof)) => Some(executors::ProvenKey {
					key: executors::parse_key(&key)?,
					proof: executors::parse_proof(&proof)?,
				}),
				_ => None,
			};
			client.bond(&signer, parse_opg(&amount)?, key, tx).await?
		}
		Tx::Keys => {
			let (infr, included) = client.rotate_session_keys(&signer, tx).await?;
			let keys =
				Keys { infr: executors::to_hex(infr.key), proof: executors::to_hex(infr.proof) };
			return Output::of(&After { included: &included, then: keys }, |k| {
				format!(
					"in block #{}: session keys set; infr key {} (proof {})",
					k.included.block_number, k.then.infr, k.then.proof
				)
			});
		}
		Tx::Unbond => client.unbond(&signer, tx).await?,
		Tx::Withdraw => client.withdraw(&signer, tx).await?,
	};
	#[derive(Serialize)]
	struct Then {
		executor: Option<Status>,
	}
	let then = Then { executor: status(client, &who).await? };
	Output::of(&After { included: &included, then }, |after| {
		let block = after.included.block_number;
		match &after.then.executor {
			Some(status) => format!("in block #{block}: {}", show(status)),
			None => format!("in block #{block}: {who} is no longer an executor"),
		}
	})
}
